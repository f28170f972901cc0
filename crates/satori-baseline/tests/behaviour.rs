//! Parameters, errors and edge cases of the baselines.

use ndarray::{Array1, Array2, array};
use satori_baseline::{
    ClassifierStrategy, DummyClassifier, DummyClassifierParams, DummyRegressor,
    DummyRegressorParams, RegressorStrategy,
};
use satori_core::{Dataset, Error, Estimator, Params, PredictProba, Predictor, Target};

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn class_data(codes: Array1<usize>, names: &[&str]) -> Dataset {
    let n = codes.len();
    Dataset::new(Array2::zeros((n, 2)), vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(Target::classes(codes, labels(names)).unwrap())
        .unwrap()
}

fn reg_data(y: Array1<f64>) -> Dataset {
    let n = y.len();
    Dataset::new(Array2::zeros((n, 1)), vec!["a".into()])
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap()
}

fn param_name(e: Error) -> String {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected InvalidParameter, got {other}"),
    }
}

#[test]
fn params_read_partial_toml_and_reject_unknown_fields() {
    let p: DummyClassifierParams = toml::from_str("strategy = \"most_frequent\"").unwrap();
    assert_eq!(p.strategy, ClassifierStrategy::MostFrequent);
    assert_eq!((p.seed, p.constant), (0, None));
    let p: DummyClassifierParams = toml::from_str("").unwrap();
    assert_eq!(p, DummyClassifierParams::default());
    assert_eq!(p.strategy, ClassifierStrategy::Prior);
    assert!(toml::from_str::<DummyClassifierParams>("strategy = \"bogus\"").is_err());
    assert!(toml::from_str::<DummyClassifierParams>("random_state = 1").is_err());

    let p: DummyRegressorParams =
        toml::from_str("strategy = \"quantile\"\nquantile = 0.9").unwrap();
    assert_eq!(
        (p.strategy, p.quantile),
        (RegressorStrategy::Quantile, Some(0.9))
    );
    assert_eq!(
        toml::from_str::<DummyRegressorParams>("").unwrap().strategy,
        RegressorStrategy::Mean
    );
    assert!(toml::from_str::<DummyRegressorParams>("quantil = 0.5").is_err());
    let json = serde_json::to_string(&DummyRegressorParams::default()).unwrap();
    assert_eq!(
        json,
        r#"{"strategy":"mean","quantile":null,"constant":null}"#
    );
}

#[test]
fn validate_enforces_the_documented_ranges() {
    assert!(DummyClassifierParams::default().validate().is_ok());
    let p = DummyClassifierParams {
        strategy: ClassifierStrategy::Constant,
        ..Default::default()
    };
    assert_eq!(param_name(p.validate().unwrap_err()), "constant");

    assert!(DummyRegressorParams::default().validate().is_ok());
    let q = |strategy, quantile| DummyRegressorParams {
        strategy,
        quantile,
        constant: None,
    };
    for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let e = q(RegressorStrategy::Mean, Some(bad))
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("[0, 1]"), "{e}");
    }
    assert!(q(RegressorStrategy::Quantile, Some(0.0)).validate().is_ok());
    assert!(q(RegressorStrategy::Quantile, Some(1.0)).validate().is_ok());
    assert_eq!(
        param_name(q(RegressorStrategy::Quantile, None).validate().unwrap_err()),
        "quantile"
    );
    assert_eq!(
        param_name(q(RegressorStrategy::Constant, None).validate().unwrap_err()),
        "constant"
    );
    let inf = DummyRegressorParams {
        strategy: RegressorStrategy::Constant,
        constant: Some(f64::INFINITY),
        ..Default::default()
    };
    assert_eq!(param_name(inf.validate().unwrap_err()), "constant");
    // fit validates too.
    assert!(
        q(RegressorStrategy::Quantile, None)
            .fit(&reg_data(array![1.0]))
            .is_err()
    );
}

#[test]
fn constant_label_must_occur_in_training() {
    let data = class_data(array![0, 2, 2], &["a", "b", "c"]);
    let fit = |c: &str| {
        DummyClassifierParams {
            strategy: ClassifierStrategy::Constant,
            constant: Some(c.into()),
            seed: 0,
        }
        .fit(&data)
    };
    let e = fit("zebra").unwrap_err().to_string();
    assert!(e.contains("`zebra`") && e.contains("`a`, `c`"), "{e}");
    // "b" is a label of the target but no training row has it (scikit-learn refuses it too).
    assert!(fit("b").is_err());
    let m = fit("c").unwrap();
    let x = Array2::zeros((2, 2));
    assert_eq!(m.predict(x.view()).unwrap().to_vec(), vec![2.0, 2.0]);
    assert_eq!(
        m.predict_proba(x.view()).unwrap().row(0).to_vec(),
        vec![0.0, 0.0, 1.0]
    );
}

#[test]
fn labels_without_rows_get_zero_probability() {
    let data = class_data(array![0, 2, 2, 0, 2], &["a", "b", "c"]);
    let x = Array2::zeros((3000, 2));
    let fit = |strategy| {
        DummyClassifierParams {
            strategy,
            ..Default::default()
        }
        .fit(&data)
        .unwrap()
    };
    let prior = fit(ClassifierStrategy::Prior);
    assert_eq!(prior.classes(), labels(&["a", "b", "c"]).as_slice());
    assert_eq!(prior.class_prior(), &[0.4, 0.0, 0.6]);
    assert_eq!(prior.seen(), &[true, false, true]);
    assert_eq!(prior.predict(x.view()).unwrap()[0], 2.0);
    let uniform = fit(ClassifierStrategy::Uniform);
    assert_eq!(
        uniform.predict_proba(x.view()).unwrap().row(0).to_vec(),
        vec![0.5, 0.0, 0.5]
    );
    for strategy in [ClassifierStrategy::Uniform, ClassifierStrategy::Stratified] {
        let pred = fit(strategy).predict(x.view()).unwrap();
        assert!(pred.iter().all(|&c| c == 0.0 || c == 2.0));
        let share = pred.iter().filter(|&&c| c == 0.0).count() as f64 / 3000.0;
        let want = if strategy == ClassifierStrategy::Uniform {
            0.5
        } else {
            0.4
        };
        assert!((share - want).abs() < 0.05, "{strategy:?}: {share}");
    }
}

#[test]
fn random_strategies_are_deterministic_per_call_and_follow_the_seed() {
    let data = class_data(array![0, 1, 1, 2, 2, 2], &["a", "b", "c"]);
    let x = Array2::zeros((200, 2));
    for strategy in [ClassifierStrategy::Stratified, ClassifierStrategy::Uniform] {
        let fit = |seed| {
            DummyClassifierParams {
                strategy,
                constant: None,
                seed,
            }
            .fit(&data)
            .unwrap()
        };
        let m = fit(7);
        let a = m.predict(x.view()).unwrap();
        assert_eq!(a, m.predict(x.view()).unwrap());
        assert_eq!(a, fit(7).predict(x.view()).unwrap());
        assert_ne!(a, fit(8).predict(x.view()).unwrap());
        // The first rows of a batch are the same draws whatever the batch size.
        let short = m.predict(x.slice(ndarray::s![..10, ..])).unwrap();
        assert_eq!(short.to_vec(), a.to_vec()[..10].to_vec());
    }
}

#[test]
fn ties_and_weights_follow_sklearn() {
    // Counts tie between a and b: np.argmax takes the first.
    let data = class_data(array![1, 0, 1, 0, 2], &["a", "b", "c"]);
    let m = DummyClassifierParams::default().fit(&data).unwrap();
    assert_eq!(m.predict(Array2::zeros((1, 2)).view()).unwrap()[0], 0.0);
    assert_eq!(m.class_prior(), &[0.4, 0.4, 0.2]);
    // Weights can break the tie.
    let weighted = data.with_weights(array![1.0, 1.0, 1.0, 1.0, 5.0]).unwrap();
    let m = DummyClassifierParams::default().fit(&weighted).unwrap();
    assert_eq!(m.predict(Array2::zeros((1, 2)).view()).unwrap()[0], 2.0);
    assert_eq!(m.class_prior(), &[2.0 / 9.0, 2.0 / 9.0, 5.0 / 9.0]);
}

#[test]
fn bad_targets_and_data_are_clean_errors() {
    let reg = reg_data(array![1.0, 2.0]);
    let cls = class_data(array![0, 1], &["a", "b"]);
    assert!(matches!(
        DummyClassifierParams::default().fit(&reg),
        Err(Error::InvalidData(_))
    ));
    assert!(matches!(
        DummyRegressorParams::default().fit(&cls),
        Err(Error::InvalidData(_))
    ));
    let no_target = Dataset::new(Array2::zeros((2, 1)), vec!["a".into()]).unwrap();
    assert!(DummyClassifierParams::default().fit(&no_target).is_err());
    assert!(DummyRegressorParams::default().fit(&no_target).is_err());
    let empty = reg_data(Array1::zeros(0));
    assert!(matches!(
        DummyRegressorParams::default().fit(&empty),
        Err(Error::NotEnoughSamples { .. })
    ));
    let empty = class_data(Array1::zeros(0), &["a"]);
    assert!(matches!(
        DummyClassifierParams::default().fit(&empty),
        Err(Error::NotEnoughSamples { .. })
    ));
    // A target built directly with an out-of-range code.
    let bad = Dataset::new(Array2::zeros((2, 1)), vec!["a".into()])
        .unwrap()
        .with_target(Target::Classes {
            codes: array![0, 5],
            labels: labels(&["a"]),
        })
        .unwrap();
    assert!(DummyClassifierParams::default().fit(&bad).is_err());
}

#[test]
fn weights_summing_to_zero_on_the_rows_used_are_errors() {
    // Dataset::with_weights refuses all-zero weights, but a row subset can have them.
    let reg = reg_data(array![1.0, 2.0, 3.0])
        .with_weights(array![0.0, 0.0, 1.0])
        .unwrap();
    let sub = reg.select_rows(&[0, 1]).unwrap();
    for strategy in [RegressorStrategy::Mean, RegressorStrategy::Median] {
        let e = DummyRegressorParams {
            strategy,
            ..Default::default()
        }
        .fit(&sub)
        .unwrap_err();
        assert!(e.to_string().contains("sum to zero"), "{e}");
    }
    let cls = class_data(array![0, 1, 1], &["a", "b"])
        .with_weights(array![0.0, 0.0, 1.0])
        .unwrap();
    let sub = cls.select_rows(&[0, 1]).unwrap();
    assert!(DummyClassifierParams::default().fit(&sub).is_err());
}

#[test]
fn overflowing_mean_is_an_error() {
    let data = reg_data(array![1e308, 1e308]);
    let e = DummyRegressorParams::default().fit(&data).unwrap_err();
    assert!(e.to_string().contains("overflows"), "{e}");
    // The median of the same values is fine.
    let median = DummyRegressorParams {
        strategy: RegressorStrategy::Median,
        ..Default::default()
    };
    assert_eq!(
        median
            .fit(&reg_data(array![1e308, 1e308, 1.0]))
            .unwrap()
            .constant(),
        1e308
    );
}

#[test]
fn wrong_column_counts_and_empty_batches() {
    let reg = DummyRegressorParams::default()
        .fit(&reg_data(array![1.0, 3.0]))
        .unwrap();
    assert!(matches!(
        reg.predict(Array2::zeros((2, 3)).view()),
        Err(Error::ShapeMismatch {
            expected: 1,
            got: 3,
            ..
        })
    ));
    assert_eq!(reg.predict(Array2::zeros((0, 1)).view()).unwrap().len(), 0);
    let cls = DummyClassifierParams::default()
        .fit(&class_data(array![0, 1], &["a", "b"]))
        .unwrap();
    assert!(cls.predict(Array2::zeros((2, 0)).view()).is_err());
    assert!(cls.predict_proba(Array2::zeros((2, 1)).view()).is_err());
    assert_eq!(
        cls.predict_proba(Array2::zeros((0, 2)).view())
            .unwrap()
            .dim(),
        (0, 2)
    );
    assert_eq!(cls.n_features(), 2);
}

#[test]
fn altered_model_files_do_not_panic() {
    let cls = DummyClassifierParams::default()
        .fit(&class_data(array![0, 1], &["a", "b"]))
        .unwrap();
    let json = serde_json::to_string(&cls).unwrap();
    let broken = json.replace("\"predicted\":0", "\"predicted\":9");
    assert_ne!(broken, json);
    let m: DummyClassifier = serde_json::from_str(&broken).unwrap();
    let x = Array2::zeros((1, 2));
    assert!(m.predict(x.view()).is_err());
    assert!(m.predict_proba(x.view()).is_err());
    let broken = json.replace("\"seen\":[true,true]", "\"seen\":[false,false]");
    let m: DummyClassifier = serde_json::from_str(&broken).unwrap();
    assert!(m.predict_proba(x.view()).is_err());

    let reg = DummyRegressorParams::default()
        .fit(&reg_data(array![2.0]))
        .unwrap();
    let bytes = postcard::to_allocvec(&reg).unwrap();
    let back: DummyRegressor = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, reg);
    assert!(postcard::from_bytes::<DummyRegressor>(&bytes[..bytes.len() - 1]).is_err());
}
