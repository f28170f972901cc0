//! LogisticRegression behaviour: parameter checks, bad data, TOML/JSON params, determinism
//! across thread counts, class weights as sample weights, labels without rows.

use ndarray::{Array1, Array2, array};
use satori_core::{Dataset, Error, Estimator, PredictProba, Predictor, Target};
use satori_linear::{ClassWeight, LogisticRegressionParams};
use satori_testkit::generate;

fn small() -> Dataset {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.5],
        [2.0, 0.0],
        [3.0, 1.0],
        [4.0, 0.2],
        [5.0, 0.7]
    ];
    let y = Target::classes(array![0, 0, 1, 0, 1, 1], vec!["no".into(), "yes".into()]).unwrap();
    Dataset::new(x, vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(y)
        .unwrap()
}

fn param_name(e: Error) -> String {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected InvalidParameter, got {other}"),
    }
}

#[test]
fn bad_parameters_name_the_parameter() {
    let d = small();
    for (params, name) in [
        (
            LogisticRegressionParams {
                c: 0.0,
                ..Default::default()
            },
            "C",
        ),
        (
            LogisticRegressionParams {
                c: -1.0,
                ..Default::default()
            },
            "C",
        ),
        (
            LogisticRegressionParams {
                c: f64::NAN,
                ..Default::default()
            },
            "C",
        ),
        (
            LogisticRegressionParams {
                l1_ratio: 1.5,
                ..Default::default()
            },
            "l1_ratio",
        ),
        (
            LogisticRegressionParams {
                l1_ratio: -0.1,
                ..Default::default()
            },
            "l1_ratio",
        ),
        (
            LogisticRegressionParams {
                max_iter: 0,
                ..Default::default()
            },
            "max_iter",
        ),
        (
            LogisticRegressionParams {
                tol: 0.0,
                ..Default::default()
            },
            "tol",
        ),
    ] {
        assert_eq!(param_name(params.fit(&d).unwrap_err()), name);
    }
    let unknown = LogisticRegressionParams {
        class_weight: ClassWeight::Weights([("maybe".to_string(), 2.0)].into()),
        ..Default::default()
    };
    let msg = unknown.fit(&d).unwrap_err().to_string();
    assert!(msg.contains("maybe") && msg.contains("no, yes"), "{msg}");
}

#[test]
fn bad_data_is_a_clear_error() {
    let d = small();
    let one_class = d
        .clone()
        .with_target(
            Target::classes(array![1, 1, 1, 1, 1, 1], vec!["no".into(), "yes".into()]).unwrap(),
        )
        .unwrap();
    let msg = LogisticRegressionParams::default()
        .fit(&one_class)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("two classes") && msg.contains("`yes`"),
        "{msg}"
    );
    let continuous = d
        .clone()
        .with_target(Target::regression(array![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]))
        .unwrap();
    assert!(
        LogisticRegressionParams::default()
            .fit(&continuous)
            .is_err()
    );
    let mut x = d.x().to_owned();
    x[[2, 1]] = f64::NAN;
    let nan = Dataset::new(x.clone(), vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(d.target().unwrap().clone())
        .unwrap();
    let msg = LogisticRegressionParams::default()
        .fit(&nan)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("row 2, column 1"), "{msg}");
    let model = LogisticRegressionParams::default().fit(&d).unwrap();
    assert!(model.predict(x.view()).is_err());
    assert!(model.predict(array![[1.0]].view()).is_err());
}

#[test]
fn params_read_from_partial_toml_and_json() {
    let p: LogisticRegressionParams = toml::from_str("C = 0.5").unwrap();
    assert_eq!(p.c, 0.5);
    assert_eq!(p.max_iter, 100);
    let p: LogisticRegressionParams = toml::from_str("C = inf\nl1_ratio = 0.3").unwrap();
    assert!(p.c.is_infinite());
    let p: LogisticRegressionParams = toml::from_str("C = \"inf\"").unwrap();
    assert!(p.c.is_infinite());
    let p: LogisticRegressionParams = toml::from_str("class_weight = \"balanced\"").unwrap();
    assert_eq!(p.class_weight, ClassWeight::Balanced);
    let p: LogisticRegressionParams =
        toml::from_str("class_weight = { weights = { yes = 3.0 } }").unwrap();
    assert_eq!(
        p.class_weight,
        ClassWeight::Weights([("yes".to_string(), 3.0)].into())
    );
    assert!(toml::from_str::<LogisticRegressionParams>("c = 1.0").is_err());
    assert!(toml::from_str::<LogisticRegressionParams>("penalty = \"l1\"").is_err());
    // No penalty survives JSON (which has no infinity) and postcard.
    let none = LogisticRegressionParams {
        c: f64::INFINITY,
        ..Default::default()
    };
    let json = serde_json::to_string(&none).unwrap();
    assert!(json.contains("\"C\":\"inf\""), "{json}");
    assert_eq!(
        serde_json::from_str::<LogisticRegressionParams>(&json).unwrap(),
        none
    );
    let bytes = postcard::to_stdvec(&none).unwrap();
    assert_eq!(
        postcard::from_bytes::<LogisticRegressionParams>(&bytes).unwrap(),
        none
    );
}

#[test]
fn same_model_at_one_and_two_threads() {
    // More rows than one parallel chunk, so the chunked reduction is exercised.
    for data in [generate::binary(9000, 3), generate::multiclass(9000, 3, 4)] {
        let fit = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| LogisticRegressionParams::default().fit(&data).unwrap())
        };
        let (a, b) = (fit(1), fit(2));
        assert_eq!(
            postcard::to_stdvec(&a).unwrap(),
            postcard::to_stdvec(&b).unwrap()
        );
    }
}

#[test]
fn class_weights_act_as_sample_weights() {
    let data = generate::multiclass(120, 3, 7);
    let labels = data.target().unwrap().labels().unwrap().to_vec();
    let map = ClassWeight::Weights([(labels[0].clone(), 3.0), (labels[2].clone(), 0.5)].into());
    let params = LogisticRegressionParams {
        class_weight: map,
        tol: 1e-10,
        max_iter: 1000,
        ..Default::default()
    };
    let a = params.fit(&data).unwrap();
    let Target::Classes { codes, .. } = data.target().unwrap() else {
        unreachable!()
    };
    let w: Array1<f64> = codes.iter().map(|&c| [3.0, 1.0, 0.5][c]).collect();
    let weighted = data.clone().with_weights(w).unwrap();
    let b = LogisticRegressionParams {
        tol: 1e-10,
        max_iter: 1000,
        ..Default::default()
    }
    .fit(&weighted)
    .unwrap();
    for (x, y) in a.coef().iter().zip(b.coef().iter()) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
}

#[test]
fn labels_without_rows_get_probability_zero_and_limits_are_recorded() {
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 3.0);
    let codes: Array1<usize> = (0..40)
        .map(|i| if x[[i, 0]] > 1.5 { 2 } else { 0 })
        .collect();
    let y = Target::classes(codes, vec!["a".into(), "b".into(), "c".into()]).unwrap();
    let data = Dataset::new(x.clone(), vec!["u".into(), "v".into()])
        .unwrap()
        .with_target(y)
        .unwrap();
    let model = LogisticRegressionParams::default().fit(&data).unwrap();
    assert_eq!(model.coef().dim(), (1, 2)); // binary between a and c
    assert_eq!(model.fitted_classes(), &[0, 2]);
    let proba = model.predict_proba(x.view()).unwrap();
    assert_eq!(proba.ncols(), 3);
    assert!(proba.column(1).iter().all(|p| *p == 0.0));
    assert!(model.predict(x.view()).unwrap().iter().all(|c| *c != 1.0));
    let limited = LogisticRegressionParams {
        max_iter: 1,
        ..Default::default()
    }
    .fit(&generate::multiclass(200, 3, 1))
    .unwrap();
    assert!(!limited.converged());
    assert_eq!(limited.n_iter(), 1);
}

#[test]
fn multinomial_probabilities_sum_to_one_and_match_decision() {
    let data = generate::multiclass(150, 4, 5);
    let model = LogisticRegressionParams {
        c: 0.3,
        l1_ratio: 0.4,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let proba = model.predict_proba(data.x()).unwrap();
    let pred = model.predict(data.x()).unwrap();
    for (row, p) in proba.outer_iter().zip(&pred) {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        let best = row
            .iter()
            .enumerate()
            .fold(0, |b, (k, v)| if *v > row[b] { k } else { b });
        assert_eq!(best as f64, *p);
    }
    assert_eq!(model.decision_function(data.x()).unwrap().ncols(), 4);
}

#[test]
fn proximal_solver_converges_within_default_iterations() {
    // A few thousand rows, 20 features: the L1 and elastic-net fits meet the default tol within
    // the default max_iter.
    let data = satori_testkit::generate::Generator::new(3000, 20, 11).classification(2);
    for l1_ratio in [1.0, 0.5] {
        let model = LogisticRegressionParams {
            c: 0.05,
            l1_ratio,
            ..Default::default()
        }
        .fit(&data)
        .unwrap();
        assert!(
            model.converged(),
            "l1_ratio {l1_ratio}: {} iterations",
            model.n_iter()
        );
        println!("l1_ratio {l1_ratio}: {} iterations", model.n_iter());
    }
}

#[test]
fn extreme_feature_values_do_not_panic_or_hang() {
    let x = array![
        [1e300, -1e300],
        [-1e300, 1e300],
        [1e-300, 0.0],
        [5e299, 1.0]
    ];
    let y = Target::classes(array![0, 1, 0, 1], vec!["a".into(), "b".into()]).unwrap();
    let data = Dataset::new(x.clone(), vec!["u".into(), "v".into()])
        .unwrap()
        .with_target(y)
        .unwrap();
    for l1_ratio in [0.0, 0.5] {
        let params = LogisticRegressionParams {
            l1_ratio,
            ..Default::default()
        };
        if let Ok(model) = params.fit(&data) {
            // Whatever it reached, predictions are finite or a clean error.
            if let Ok(p) = model.predict_proba(x.view()) {
                assert!(p.iter().all(|v| v.is_finite()));
            }
        }
    }
}

#[test]
fn progress_counts_the_iterations() {
    use std::sync::atomic::{AtomicU64, Ordering};
    #[derive(Default)]
    struct Count(AtomicU64);
    impl satori_core::Progress for Count {
        fn start(&self, _stage: &str, _total: Option<u64>) {}
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(&self) {}
    }
    let data = generate::multiclass(200, 3, 2);
    for l1_ratio in [0.0, 0.5] {
        let count = Count::default();
        let model = LogisticRegressionParams {
            l1_ratio,
            ..Default::default()
        }
        .fit_with_progress(&data, &count)
        .unwrap();
        assert_eq!(count.0.load(Ordering::Relaxed), model.n_iter() as u64);
    }
}
