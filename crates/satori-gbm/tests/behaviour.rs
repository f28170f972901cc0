//! What the models do: early stopping and its history, importances, continued training,
//! monotonic constraints, categorical and missing-value splits, weights, determinism across
//! thread counts, and clean errors on bad input.

use ndarray::{Array1, Array2};
use satori_core::rng::{RngExt, rng, standard_normal};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_gbm::{
    ClassWeight, EarlyStopping, GbmClassifier, GbmClassifierParams, GbmRegressorParams,
    ImportanceKind,
};
use satori_tree::SplitRule;

fn names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("f{j}")).collect()
}

/// y = 3·x0 + sin(2·x1) + noise; x2 is noise.
fn regression(n: usize, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let x = Array2::from_shape_fn((n, 3), |_| r.random::<f64>() * 4.0 - 2.0);
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|row| 3.0 * row[0] + (2.0 * row[1]).sin() + 0.3 * standard_normal(&mut r))
        .collect();
    Dataset::new(x, names(3))
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap()
}

/// Class 1 when x0 + x1 > 0 (flipped for 10 % of the rows).
fn binary(n: usize, seed: u64) -> Dataset {
    let mut r = rng(seed);
    let x = Array2::from_shape_fn((n, 3), |_| standard_normal(&mut r));
    let codes: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|row| usize::from((row[0] + row[1] > 0.0) != (r.random::<f64>() < 0.1)))
        .collect();
    let t = Target::classes(codes, vec!["no".into(), "yes".into()]).unwrap();
    Dataset::new(x, names(3)).unwrap().with_target(t).unwrap()
}

fn quick() -> GbmRegressorParams {
    GbmRegressorParams {
        n_estimators: 30,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    }
}

#[test]
fn early_stopping_restores_the_best_round() {
    let data = regression(3000, 1);
    let params = GbmRegressorParams {
        n_estimators: 1000,
        learning_rate: 0.5,
        early_stopping: EarlyStopping::On,
        n_iter_no_change: 5,
        ..Default::default()
    };
    let m = params.fit(&data).unwrap();
    let h = m.training_history();
    h.validate().unwrap();
    let valid = h.valid.as_ref().unwrap();
    assert!(m.n_iter() < 1000, "never stopped");
    assert_eq!(
        valid.len(),
        m.n_iter() + 5,
        "stops n_iter_no_change rounds after the best"
    );
    let best =
        valid.iter().enumerate().fold(
            (0, f64::INFINITY),
            |b, (i, &v)| if v < b.1 - 1e-7 { (i, v) } else { b },
        );
    assert_eq!(m.n_iter(), best.0 + 1);
    assert_eq!(m.trees().len(), m.n_iter());
    assert_eq!(h.metric, "squared_error");
    assert!(h.train.last() < h.train.first());
}

#[test]
fn given_validation_set_is_scored_and_used() {
    let train = binary(2000, 2);
    let valid = binary(500, 3);
    let params = GbmClassifierParams {
        n_estimators: 300,
        learning_rate: 0.3,
        ..Default::default()
    };
    // auto: 2000 rows is below the threshold, but a given validation set still stops early
    // only when early stopping is on; with `auto` below 10 000 rows it is off.
    let off = params.fit_with_validation(&train, &valid).unwrap();
    assert_eq!(off.n_iter(), 300);
    assert_eq!(off.training_history().valid.as_ref().unwrap().len(), 300);
    let on = GbmClassifierParams {
        early_stopping: EarlyStopping::On,
        ..params
    }
    .fit_with_validation(&train, &valid)
    .unwrap();
    assert!(on.n_iter() < 300);
    assert_eq!(on.training_history().metric, "log_loss");
}

#[test]
fn auto_early_stopping_holds_out_rows_above_ten_thousand() {
    let data = regression(10_001, 4);
    let params = GbmRegressorParams {
        n_estimators: 5,
        ..Default::default()
    };
    let m = params.fit(&data).unwrap();
    assert!(m.training_history().valid.is_some());
    let small = params.fit(&regression(500, 4)).unwrap();
    assert!(small.training_history().valid.is_none());
}

#[test]
fn importances_find_the_informative_feature() {
    let m = quick().fit(&regression(2000, 5)).unwrap();
    let gain = m.feature_importances(ImportanceKind::Gain);
    let split = m.feature_importances(ImportanceKind::Split);
    assert!(gain[0] > gain[1] && gain[1] > gain[2], "{gain:?}");
    let total_splits: f64 = split.iter().sum();
    let expected: usize = m.trees().iter().map(|t| t.n_leaves() - 1).sum();
    assert_eq!(total_splits, expected as f64);
}

#[test]
fn continuing_training_equals_training_longer() {
    let data = regression(1500, 6);
    let ten = GbmRegressorParams {
        n_estimators: 10,
        ..quick()
    };
    let first = ten.fit(&data).unwrap();
    let more = ten.continue_training(&first, &data, None).unwrap();
    let twenty = GbmRegressorParams {
        n_estimators: 20,
        ..quick()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(more.n_iter(), 20);
    assert_eq!(more.training_history().train.len(), 20);
    assert_eq!(
        more.predict(data.x()).unwrap(),
        twenty.predict(data.x()).unwrap()
    );
    // A model of another shape cannot be continued.
    let other = quick().fit(&regression(100, 1).select_rows(&[0, 1, 2]).unwrap());
    assert!(other.is_ok());
    let wrong = Dataset::new(Array2::zeros((30, 2)), names(2))
        .unwrap()
        .with_target(Target::regression(Array1::zeros(30)))
        .unwrap();
    assert!(ten.continue_training(&first, &wrong, None).is_err());
}

#[test]
fn monotonic_constraint_holds_everywhere() {
    // y decreases with x1 locally (sin), but we force an increasing response in x1.
    let data = regression(2000, 7);
    let params = GbmRegressorParams {
        monotonic_constraints: vec![1, 1, 0],
        ..quick()
    };
    let m = params.fit(&data).unwrap();
    let free = quick().fit(&data).unwrap();
    let grid: Vec<f64> = (0..81).map(|i| -2.0 + 0.05 * f64::from(i)).collect();
    let mut free_decreases = false;
    for base in [[0.3, 0.0, -1.0], [-1.2, 0.0, 0.5], [1.7, 0.0, 1.9]] {
        let x = Array2::from_shape_fn(
            (grid.len(), 3),
            |(i, j)| if j == 1 { grid[i] } else { base[j] },
        );
        let p = m.predict(x.view()).unwrap();
        assert!(p.windows(2).into_iter().all(|w| w[0] <= w[1]), "{p}");
        let q = free.predict(x.view()).unwrap();
        free_decreases |= q.windows(2).into_iter().any(|w| w[0] > w[1]);
    }
    assert!(
        free_decreases,
        "the unconstrained model should follow the sine"
    );
    let bad = GbmRegressorParams {
        monotonic_constraints: vec![1],
        ..quick()
    };
    assert!(bad.fit(&data).is_err());
}

#[test]
fn categorical_features_get_category_splits() {
    // Category effects out of code order: a threshold needs several splits, a set needs one.
    let effects = [0.0, 3.0, -1.0, 2.5, -2.0, 0.5, 3.5, -1.5];
    let mut r = rng(8);
    let n = 3000;
    let codes: Vec<usize> = (0..n).map(|_| r.random_range(0..8)).collect();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 {
            codes[i] as f64
        } else {
            standard_normal(&mut r)
        }
    });
    let y: Array1<f64> = codes
        .iter()
        .map(|&c| effects[c] + 0.1 * standard_normal(&mut r))
        .collect();
    let data = Dataset::new(x, names(2))
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap();
    let params = GbmRegressorParams {
        categorical_features: vec![0],
        ..quick()
    };
    let m = params.fit(&data).unwrap();
    let t = &m.trees()[0];
    assert!(
        matches!(t.rule(0), Some(SplitRule::Categories(_))),
        "{:?}",
        t.rule(0)
    );
    // An unseen code and NaN predict (they go right), and a fractional code is fine too.
    let odd = ndarray::array![[99.0, 0.0], [f64::NAN, 0.0], [0.5, 0.0], [-3.0, 0.0]];
    assert!(m.predict(odd.view()).unwrap().iter().all(|v| v.is_finite()));
    // With few leaves per tree, category sets fit the effects better than thresholds. (With
    // 31 leaves both isolate all 8 codes and, their sums being exact, fit them equally.)
    let small = |cats: Vec<usize>| GbmRegressorParams {
        categorical_features: cats,
        num_leaves: 3,
        n_estimators: 5,
        ..quick()
    };
    let err = |p: GbmRegressorParams| {
        let m = p.fit(&data).unwrap();
        (m.predict(data.x()).unwrap() - data.target().unwrap().as_f64())
            .mapv(|e| e * e)
            .sum()
    };
    let (cat_err, num_err) = (err(small(vec![0])), err(small(Vec::new())));
    assert!(cat_err < 0.8 * num_err, "{cat_err} vs {num_err}");
    // Non-integer codes in a categorical column are a clear error.
    let bad = Dataset::new(ndarray::array![[0.5, 1.0], [1.0, 2.0]], names(2))
        .unwrap()
        .with_target(Target::regression(ndarray::array![1.0, 2.0]))
        .unwrap();
    let e = params.fit(&bad).unwrap_err().to_string();
    assert!(e.contains("categorical feature 0"), "{e}");
}

#[test]
fn missing_values_learn_their_direction() {
    // NaN in x0 marks the positive class: the model must send NaN to the positive side.
    let mut data_x = Array2::zeros((1000, 2));
    let mut codes = Array1::zeros(1000);
    let mut r = rng(9);
    for i in 0..1000 {
        let pos = i % 2 == 0;
        data_x[[i, 0]] = if pos && i % 4 == 0 {
            f64::NAN
        } else {
            r.random::<f64>() + if pos { 1.0 } else { 0.0 }
        };
        data_x[[i, 1]] = standard_normal(&mut r);
        codes[i] = usize::from(pos);
    }
    let t = Target::classes(codes, vec!["a".into(), "b".into()]).unwrap();
    let data = Dataset::new(data_x, names(2))
        .unwrap()
        .with_target(t)
        .unwrap();
    let m = GbmClassifierParams {
        n_estimators: 20,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let p = m
        .predict_proba(ndarray::array![[f64::NAN, 0.0], [0.2, 0.0]].view())
        .unwrap();
    assert!(p[[0, 1]] > 0.9 && p[[1, 1]] < 0.1, "{p}");
}

#[test]
fn class_weights_and_scale_pos_weight_shift_probabilities() {
    let data = binary(1000, 10);
    let base = GbmClassifierParams {
        n_estimators: 10,
        ..Default::default()
    };
    let p0 = base.fit(&data).unwrap().predict_proba(data.x()).unwrap();
    let scaled = GbmClassifierParams {
        scale_pos_weight: 4.0,
        ..base.clone()
    };
    let p1 = scaled.fit(&data).unwrap().predict_proba(data.x()).unwrap();
    assert!(p1.column(1).sum() > p0.column(1).sum());
    let map = GbmClassifierParams {
        class_weight: ClassWeight::Map([("yes".to_string(), 4.0)].into()),
        ..base.clone()
    };
    let p2 = map.fit(&data).unwrap().predict_proba(data.x()).unwrap();
    assert_eq!(p1, p2, "a class weight on `yes` is scale_pos_weight");
    let unknown = GbmClassifierParams {
        class_weight: ClassWeight::Map([("maybe".to_string(), 2.0)].into()),
        ..base
    };
    let e = unknown.fit(&data).unwrap_err().to_string();
    assert!(e.contains("class_weight") && e.contains("maybe"), "{e}");
}

#[test]
fn same_model_at_one_and_two_threads() {
    let data = binary(3000, 11);
    let params = GbmClassifierParams {
        n_estimators: 20,
        subsample: 0.8,
        colsample_bynode: 0.7,
        seed: 5,
        ..Default::default()
    };
    let fit_at = |threads: usize| -> Vec<u8> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let m: GbmClassifier = pool.install(|| params.fit(&data).unwrap());
        postcard::to_allocvec(&m).unwrap()
    };
    assert_eq!(fit_at(1), fit_at(2));
}

#[test]
fn single_row_path_matches_batch() {
    let data = binary(500, 12);
    let m = GbmClassifierParams::default().fit(&data).unwrap();
    let batch = m.predict_proba(data.x()).unwrap();
    for i in 0..20 {
        let one = m.predict_proba_one(&data.x().row(i).to_vec()).unwrap();
        assert_eq!(one, batch.row(i).to_vec());
    }
    assert!(m.predict_proba_one(&[1.0]).is_err());
    let r = quick().fit(&regression(300, 1)).unwrap();
    assert!(r.predict_one(&[0.0, 0.0]).is_err());
    assert!(r.predict(Array2::zeros((2, 5)).view()).is_err());
}

#[test]
fn multiclass_grows_one_tree_per_class_per_round() {
    let data = satori_testkit::generate::multiclass(300, 4, 13);
    let m = GbmClassifierParams {
        n_estimators: 7,
        min_samples_leaf: 5,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(m.trees().len(), 28);
    assert_eq!(m.init_score().len(), 4);
    let acc = m
        .predict(data.x())
        .unwrap()
        .iter()
        .zip(data.target().unwrap().as_f64().iter())
        .filter(|(a, b)| a == b)
        .count();
    assert!(acc > 250, "training accuracy {acc}/300");
    assert_eq!(m.decision_function(data.x()).unwrap().ncols(), 4);
}

#[test]
fn bad_parameters_are_named_with_their_range() {
    use satori_core::Params;
    let cases: Vec<(GbmRegressorParams, &str)> = vec![
        (
            GbmRegressorParams {
                learning_rate: 0.0,
                ..quick()
            },
            "learning_rate",
        ),
        (
            GbmRegressorParams {
                num_leaves: 1,
                ..quick()
            },
            "num_leaves",
        ),
        (
            GbmRegressorParams {
                max_bin: 256,
                ..quick()
            },
            "max_bin",
        ),
        (
            GbmRegressorParams {
                subsample: 1.5,
                ..quick()
            },
            "subsample",
        ),
        (
            GbmRegressorParams {
                quantile_alpha: 1.0,
                ..quick()
            },
            "quantile_alpha",
        ),
        (
            GbmRegressorParams {
                monotonic_constraints: vec![2, 0, 0],
                ..quick()
            },
            "monotonic_constraints",
        ),
        (
            GbmRegressorParams {
                n_estimators: 0,
                ..quick()
            },
            "n_estimators",
        ),
        (
            GbmRegressorParams {
                validation_fraction: 1.0,
                ..quick()
            },
            "validation_fraction",
        ),
        (
            GbmRegressorParams {
                l2_regularization: f64::NAN,
                ..quick()
            },
            "l2_regularization",
        ),
    ];
    for (p, name) in cases {
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains(name) && e.contains("got"), "{e}");
        assert!(p.fit(&regression(50, 1)).is_err());
    }
    let cat = GbmRegressorParams {
        categorical_features: vec![7],
        ..quick()
    };
    let e = cat.fit(&regression(50, 1)).unwrap_err().to_string();
    assert!(e.contains("categorical_features"), "{e}");
}

#[test]
fn bad_data_is_a_clear_error() {
    let empty = Dataset::new(Array2::zeros((0, 2)), names(2))
        .unwrap()
        .with_target(Target::regression(Array1::zeros(0)))
        .unwrap();
    assert!(quick().fit(&empty).is_err());
    let e = GbmClassifierParams::default()
        .fit(&regression(30, 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("continuous"), "{e}");
    assert!(quick().fit(&binary(30, 1)).is_err());
    let one_class = Target::classes(Array1::zeros(5), vec!["only".into()]).unwrap();
    let d = Dataset::new(Array2::zeros((5, 1)), names(1))
        .unwrap()
        .with_target(one_class)
        .unwrap();
    assert!(GbmClassifierParams::default().fit(&d).is_err());
    let poisson = GbmRegressorParams {
        loss: satori_gbm::RegressionLoss::Poisson,
        ..quick()
    };
    assert!(poisson.fit(&regression(30, 1)).is_err(), "negative targets");
    let no_target = Dataset::new(Array2::zeros((5, 1)), names(1)).unwrap();
    assert!(quick().fit(&no_target).is_err());
}

#[test]
fn params_read_from_partial_toml() {
    let p: GbmClassifierParams =
        toml::from_str("num_leaves = 63\nclass_weight = \"balanced\"\nearly_stopping = \"off\"")
            .unwrap();
    assert_eq!(p.num_leaves, 63);
    assert_eq!(p.class_weight, ClassWeight::Balanced);
    assert_eq!(p.n_estimators, 100);
    let r: GbmRegressorParams =
        toml::from_str("loss = \"quantile\"\nquantile_alpha = 0.3").unwrap();
    assert_eq!(r.quantile_alpha, 0.3);
    assert!(toml::from_str::<GbmRegressorParams>("num_leaf = 3").is_err());
    let m: GbmClassifierParams = toml::from_str("class_weight = { map = { yes = 2.0 } }").unwrap();
    assert!(matches!(m.class_weight, ClassWeight::Map(_)));
}

#[test]
fn corrupt_model_bytes_are_an_error_not_a_panic() {
    let m = quick().fit(&regression(300, 1)).unwrap();
    let bytes = postcard::to_allocvec(&m).unwrap();
    let back: satori_gbm::GbmRegressor = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(
        back.predict(ndarray::array![[0.1, 0.2, 0.3]].view())
            .unwrap(),
        m.predict(ndarray::array![[0.1, 0.2, 0.3]].view()).unwrap()
    );
    for cut in [1, bytes.len() / 3, bytes.len() - 1] {
        assert!(postcard::from_bytes::<satori_gbm::GbmRegressor>(&bytes[..cut]).is_err());
    }
    // Flip bytes all over: every decode is an error or a model that predicts without panic.
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x5A;
        if let Ok(m) = postcard::from_bytes::<satori_gbm::GbmRegressor>(&b) {
            let _ = m.predict(ndarray::array![[0.1, f64::NAN, 3.0]].view());
        }
    }
}

#[test]
fn progress_reports_every_round() {
    use std::sync::atomic::{AtomicU64, Ordering};
    #[derive(Default)]
    struct Count(AtomicU64, AtomicU64);
    impl satori_core::Progress for Count {
        fn start(&self, _stage: &str, total: Option<u64>) {
            self.1.store(total.unwrap_or(0), Ordering::SeqCst);
        }
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::SeqCst);
        }
        fn finish(&self) {}
    }
    let c = Count::default();
    quick().fit_with_progress(&regression(200, 1), &c).unwrap();
    assert_eq!(c.0.load(Ordering::SeqCst), 30);
    assert_eq!(c.1.load(Ordering::SeqCst), 30);
}
