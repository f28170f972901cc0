//! Statistical properties of the synthetic generators.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use satori_core::{Params, Target, Task};
use satori_data::synth::{ClassificationParams, RegressionParams};

fn codes(t: Option<&Target>) -> Vec<usize> {
    match t {
        Some(Target::Classes { codes, .. }) => codes.to_vec(),
        other => panic!("expected classes, got {other:?}"),
    }
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting (small dense systems).
fn solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Array1<f64> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[[i, c]].abs().total_cmp(&a[[j, c]].abs()))
            .unwrap();
        for k in 0..n {
            a.swap([c, k], [p, k]);
        }
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[[r, c]] / a[[c, c]];
            for k in c..n {
                a[[r, k]] -= f * a[[c, k]];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = Array1::zeros(n);
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[[r, k]] * x[k]).sum();
        x[r] = (b[r] - s) / a[[r, r]];
    }
    x
}

/// Least squares of `y` on `x` plus an intercept: (coefficients, intercept, max |residual|).
fn least_squares(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> (Vec<f64>, f64, f64) {
    let n = x.nrows();
    let mut design = Array2::ones((n, x.ncols() + 1));
    design.slice_mut(ndarray::s![.., 1..]).assign(&x);
    let beta = solve(design.t().dot(&design), design.t().dot(&y));
    let resid = &y - &design.dot(&beta);
    let max = resid.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    (beta.iter().skip(1).copied().collect(), beta[0], max)
}

#[test]
fn class_proportions_follow_weights() {
    let p = ClassificationParams {
        n_samples: 20_000,
        n_features: 6,
        n_informative: 3,
        n_classes: 3,
        weights: Some(vec![0.7, 0.2]),
        flip_y: 0.0,
        seed: 5,
        ..Default::default()
    };
    let d = p.generate().unwrap();
    assert_eq!(d.task(), Some(Task::Multiclass));
    let y = codes(d.target());
    let mut counts = [0usize; 3];
    for c in &y {
        counts[*c] += 1;
    }
    // Without label noise the proportions are exact up to the per-cluster rounding.
    assert!((counts[0] as i64 - 14_000).abs() <= 2, "{counts:?}");
    assert!((counts[1] as i64 - 4_000).abs() <= 2, "{counts:?}");
    assert!((counts[2] as i64 - 2_000).abs() <= 2, "{counts:?}");
    assert_eq!(d.target().unwrap().labels().unwrap(), ["0", "1", "2"]);
}

#[test]
fn label_noise_flips_about_the_stated_fraction() {
    let base = ClassificationParams {
        n_samples: 40_000,
        n_features: 4,
        n_redundant: 0,
        flip_y: 0.0,
        shuffle: false,
        seed: 1,
        ..Default::default()
    };
    let clean = codes(base.generate().unwrap().target());
    let noisy = codes(
        ClassificationParams {
            flip_y: 0.2,
            ..base
        }
        .generate()
        .unwrap()
        .target(),
    );
    let changed = clean.iter().zip(&noisy).filter(|(a, b)| a != b).count() as f64 / 40_000.0;
    // A flipped label keeps its class with probability 1/2 for two classes.
    assert!((changed - 0.1).abs() < 0.01, "{changed}");
}

#[test]
fn informative_features_separate_the_classes_and_noise_does_not() {
    let p = ClassificationParams {
        n_samples: 4000,
        n_features: 6,
        n_informative: 2,
        n_redundant: 0,
        n_clusters_per_class: 1,
        class_sep: 3.0,
        flip_y: 0.0,
        shuffle: false,
        seed: 11,
        ..Default::default()
    };
    let d = p.generate().unwrap();
    let y = codes(d.target());
    let x = d.x();
    let accuracy = |cols: &[usize]| {
        // Nearest class centroid on the given columns.
        let mut means = vec![vec![0.0; cols.len()]; 2];
        let mut n = [0.0; 2];
        for (i, &c) in y.iter().enumerate() {
            n[c] += 1.0;
            for (k, &j) in cols.iter().enumerate() {
                means[c][k] += x[[i, j]];
            }
        }
        for c in 0..2 {
            means[c].iter_mut().for_each(|m| *m /= n[c]);
        }
        let correct = y.iter().enumerate().filter(|&(i, &c)| {
            let dist = |m: &Vec<f64>| {
                cols.iter()
                    .enumerate()
                    .map(|(k, &j)| (x[[i, j]] - m[k]).powi(2))
                    .sum::<f64>()
            };
            (dist(&means[c]) < dist(&means[1 - c])) as usize == 1
        });
        correct.count() as f64 / y.len() as f64
    };
    let informative = accuracy(&[0, 1]);
    let noise = accuracy(&[2, 3, 4, 5]);
    assert!(informative > 0.9, "informative accuracy {informative}");
    assert!(noise < 0.56, "noise accuracy {noise}");
}

#[test]
fn redundant_and_repeated_features_are_combinations() {
    let p = ClassificationParams {
        n_samples: 500,
        n_features: 9,
        n_informative: 3,
        n_redundant: 2,
        n_repeated: 2,
        shuffle: false,
        seed: 2,
        ..Default::default()
    };
    let d = p.generate().unwrap();
    let x = d.x();
    let inf = x.slice(ndarray::s![.., 0..3]);
    for r in 3..5 {
        let (_, _, max_resid) = least_squares(inf, x.column(r));
        assert!(
            max_resid < 1e-8,
            "redundant column {r}: residual {max_resid}"
        );
    }
    for r in 5..7 {
        assert!(
            (0..5).any(|j| x.column(j) == x.column(r)),
            "column {r} repeats an earlier one"
        );
    }
    // Noise columns are not combinations of the informative ones.
    let (_, _, resid) = least_squares(inf, x.column(8));
    assert!(resid > 0.5);
}

#[test]
fn same_seed_same_data_at_any_thread_count() {
    let p = ClassificationParams {
        n_samples: 30_000,
        n_features: 8,
        n_informative: 4,
        n_classes: 4,
        seed: 42,
        ..Default::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| p.generate().unwrap());
    let b = three.install(|| p.generate().unwrap());
    assert_eq!(a, b);
    assert_ne!(
        a,
        ClassificationParams {
            seed: 43,
            ..p.clone()
        }
        .generate()
        .unwrap()
    );
    let r = RegressionParams {
        n_samples: 20_000,
        n_features: 5,
        noise: 1.0,
        seed: 3,
        ..Default::default()
    };
    assert_eq!(
        one.install(|| r.generate().unwrap()),
        three.install(|| r.generate().unwrap())
    );
    assert_ne!(
        r.generate().unwrap(),
        RegressionParams {
            seed: 4,
            ..r.clone()
        }
        .generate()
        .unwrap()
    );
}

#[test]
fn shuffle_permutes_rows_and_features() {
    let p = ClassificationParams {
        n_samples: 300,
        n_features: 5,
        n_redundant: 0,
        flip_y: 0.0,
        shuffle: false,
        seed: 8,
        ..Default::default()
    };
    let y = codes(p.generate().unwrap().target());
    // Unshuffled rows come cluster by cluster: labels 0,1,0,1 blocks.
    assert_eq!(&y[..75], &[0; 75][..]);
    assert_eq!(&y[75..150], &[1; 75][..]);
    let ys = codes(
        ClassificationParams { shuffle: true, ..p }
            .generate()
            .unwrap()
            .target(),
    );
    assert_ne!(y, ys);
    assert_eq!(ys.iter().filter(|&&c| c == 0).count(), 150);
}

#[test]
fn a_linear_fit_recovers_the_regression_coefficients() {
    let p = RegressionParams {
        n_samples: 400,
        n_features: 8,
        n_informative: 3,
        bias: 2.5,
        seed: 9,
        ..Default::default()
    };
    let (d, coef) = p.generate_with_coef().unwrap();
    assert_eq!(d.task(), Some(Task::Regression));
    assert_eq!(coef.len(), 8);
    assert_eq!(coef.iter().filter(|c| **c != 0.0).count(), 3);
    assert!(coef.iter().all(|c| (0.0..100.0).contains(c)));
    let y = d.target().unwrap().as_f64();
    let (beta, intercept, resid) = least_squares(d.x(), y.view());
    for (b, c) in beta.iter().zip(&coef) {
        assert!((b - c).abs() < 1e-8, "{beta:?} vs {coef:?}");
    }
    assert!((intercept - 2.5).abs() < 1e-8 && resid < 1e-8);
    // With noise, the residual standard deviation is the noise level.
    let (d, _) = RegressionParams {
        noise: 3.0,
        n_samples: 20_000,
        ..p
    }
    .generate_with_coef()
    .unwrap();
    let y = d.target().unwrap().as_f64();
    let (_, _, _) = least_squares(d.x(), y.view());
    let x = d.x();
    let (beta, intercept, _) = least_squares(x, y.view());
    let fitted = x.dot(&Array1::from(beta)) + intercept;
    let sd = (&y - &fitted).mapv(|r| r * r).mean().unwrap().sqrt();
    assert!((sd - 3.0).abs() < 0.1, "{sd}");
    assert_eq!(d.x().len_of(Axis(1)), 8);
}

#[test]
fn names_and_defaults() {
    let d = ClassificationParams::default().generate().unwrap();
    assert_eq!((d.n_samples(), d.n_features()), (100, 20));
    assert_eq!(d.feature_names()[19], "f19");
    assert_eq!(d.target_name(), Some("target"));
    assert_eq!(d.task(), Some(Task::Binary));
    let json = serde_json::to_string(&ClassificationParams::default()).unwrap();
    let back: ClassificationParams = serde_json::from_str(&json).unwrap();
    assert_eq!(back, ClassificationParams::default());
    let r: RegressionParams = serde_json::from_str(r#"{"n_samples": 10, "noise": 0.5}"#).unwrap();
    assert_eq!((r.n_samples, r.n_features, r.noise), (10, 100, 0.5));
    assert!(serde_json::from_str::<RegressionParams>(r#"{"n_sample": 10}"#).is_err());
    // n_informative above n_features is clipped, as in scikit-learn.
    let (_, coef) = RegressionParams {
        n_features: 3,
        n_informative: 10,
        ..Default::default()
    }
    .generate_with_coef()
    .unwrap();
    assert!(coef.iter().all(|c| *c > 0.0));
}

#[test]
fn invalid_parameters_are_named() {
    let c = ClassificationParams::default;
    let cases: Vec<(ClassificationParams, &str)> = vec![
        (
            ClassificationParams {
                n_samples: 0,
                ..c()
            },
            "n_samples",
        ),
        (
            ClassificationParams {
                n_features: 3,
                ..c()
            },
            "n_features",
        ),
        (
            ClassificationParams {
                n_classes: 1,
                ..c()
            },
            "n_classes",
        ),
        (
            ClassificationParams {
                n_classes: 3,
                n_informative: 2,
                ..c()
            },
            "n_informative",
        ),
        (
            ClassificationParams {
                weights: Some(vec![0.5, 0.6]),
                ..c()
            },
            "weights",
        ),
        (
            ClassificationParams {
                weights: Some(vec![0.5, 0.2, 0.3]),
                ..c()
            },
            "weights",
        ),
        (
            ClassificationParams {
                weights: Some(vec![-0.5]),
                ..c()
            },
            "weights",
        ),
        (ClassificationParams { flip_y: 1.5, ..c() }, "flip_y"),
        (
            ClassificationParams {
                class_sep: f64::NAN,
                ..c()
            },
            "class_sep",
        ),
        (
            ClassificationParams {
                scale: f64::INFINITY,
                ..c()
            },
            "scale",
        ),
        (
            ClassificationParams {
                n_samples: usize::MAX,
                ..c()
            },
            "n_samples",
        ),
        (
            ClassificationParams {
                n_informative: 20_000,
                n_features: 20_000,
                n_samples: 10,
                ..c()
            },
            "n_informative",
        ),
        (
            ClassificationParams {
                n_classes: usize::MAX,
                ..c()
            },
            "n_clusters_per_class",
        ),
    ];
    for (p, name) in cases {
        let e = p.generate().unwrap_err().to_string();
        assert!(e.contains(&format!("`{name}`")), "{name}: {e}");
        assert!(p.validate().is_err());
    }
    let r = RegressionParams::default;
    for (p, name) in [
        (RegressionParams { noise: -1.0, ..r() }, "noise"),
        (
            RegressionParams {
                bias: f64::NAN,
                ..r()
            },
            "bias",
        ),
        (
            RegressionParams {
                n_features: 0,
                ..r()
            },
            "n_features",
        ),
    ] {
        let e = p.generate().unwrap_err().to_string();
        assert!(e.contains(&format!("`{name}`")), "{name}: {e}");
    }
    assert!(
        ClassificationParams {
            weights: Some(vec![0.3]),
            ..c()
        }
        .generate()
        .is_ok()
    );
    assert!(
        ClassificationParams {
            n_informative: 70,
            n_features: 70,
            n_redundant: 0,
            n_samples: 10,
            ..c()
        }
        .generate()
        .is_ok()
    );
    assert!(
        ClassificationParams {
            hypercube: false,
            ..c()
        }
        .generate()
        .is_ok()
    );
}
