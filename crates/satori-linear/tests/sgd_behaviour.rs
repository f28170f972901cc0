//! SGD behaviour: partial_fit over batches equals one pass over their concatenation bit for bit,
//! a one-epoch fit equals a first partial_fit, seeded shuffling, thread-count independence,
//! parameter checks and bad input.

use ndarray::array;
use satori_core::{Dataset, Error, Estimator, Predictor, Target};
use satori_linear::{
    ClassWeight, LearningRate, Penalty, SgdClassifier, SgdClassifierLoss, SgdClassifierParams,
    SgdRegressor, SgdRegressorLoss, SgdRegressorParams,
};
use satori_testkit::generate::{self, Generator};

fn bytes<T: serde::Serialize>(model: &T) -> Vec<u8> {
    postcard::to_stdvec(model).unwrap()
}

fn batches(data: &Dataset, cuts: &[usize]) -> Vec<Dataset> {
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&data.n_samples())) {
        out.push(data.select_rows(&(start..end).collect::<Vec<_>>()).unwrap());
        start = end;
    }
    out
}

fn classifier_variants() -> Vec<SgdClassifierParams> {
    vec![
        SgdClassifierParams::default(),
        SgdClassifierParams {
            loss: SgdClassifierLoss::LogLoss,
            penalty: Penalty::L1,
            alpha: 1e-3,
            ..Default::default()
        },
        SgdClassifierParams {
            loss: SgdClassifierLoss::ModifiedHuber,
            penalty: Penalty::Elasticnet,
            learning_rate: LearningRate::Invscaling,
            eta0: 0.1,
            average: 7,
            class_weight: ClassWeight::Weights([("ant".to_string(), 2.0)].into()),
            ..Default::default()
        },
    ]
}

#[test]
fn classifier_batches_equal_one_pass_bit_for_bit() {
    let sets = [
        Generator::new(101, 4, 1).weights(true).classification(2),
        Generator::new(150, 3, 2).weights(true).classification(3),
    ];
    for data in &sets {
        for params in classifier_variants() {
            let once = params.partial_fit(data).unwrap();
            let parts = batches(data, &[10, 11, 60]);
            let mut online = params.partial_fit(&parts[0]).unwrap();
            for b in &parts[1..] {
                online.partial_fit(b).unwrap();
            }
            assert_eq!(bytes(&online), bytes(&once), "{params:?}");
            assert_eq!(online.t(), 1.0 + data.n_samples() as f64);
            // And a fit of one epoch without shuffling is the same pass.
            let fit = SgdClassifierParams {
                max_iter: 1,
                shuffle: false,
                tol: None,
                ..params.clone()
            }
            .fit(data)
            .unwrap();
            assert_eq!(fit.coef(), once.coef());
            assert_eq!(fit.intercept(), once.intercept());
        }
    }
}

#[test]
fn regressor_batches_equal_one_pass_bit_for_bit() {
    let data = Generator::new(120, 3, 5).weights(true).regression();
    for params in [
        SgdRegressorParams::default(),
        SgdRegressorParams {
            loss: SgdRegressorLoss::Huber,
            penalty: Penalty::Elasticnet,
            learning_rate: LearningRate::Optimal,
            average: 3,
            ..Default::default()
        },
        SgdRegressorParams {
            loss: SgdRegressorLoss::EpsilonInsensitive,
            penalty: Penalty::L1,
            learning_rate: LearningRate::Constant,
            ..Default::default()
        },
    ] {
        let once = params.partial_fit(&data).unwrap();
        let parts = batches(&data, &[1, 50, 51]);
        let mut online: SgdRegressor = params.partial_fit(&parts[0]).unwrap();
        for b in &parts[1..] {
            online.partial_fit(b).unwrap();
        }
        assert_eq!(bytes(&online), bytes(&once), "{params:?}");
        let again = {
            let mut m = params.partial_fit(&data).unwrap();
            m.partial_fit(&data).unwrap();
            m
        };
        assert_ne!(again.coef(), once.coef(), "a second pass moves the weights");
    }
}

#[test]
fn later_batches_may_hold_a_subset_of_the_classes() {
    let data = generate::multiclass(90, 3, 3);
    let mut model: SgdClassifier = SgdClassifierParams::default().partial_fit(&data).unwrap();
    let Target::Classes { codes, .. } = data.target().unwrap() else {
        unreachable!()
    };
    let only_first: Vec<usize> = (0..90).filter(|&i| codes[i] == 0).collect();
    model
        .partial_fit(&data.select_rows(&only_first).unwrap())
        .unwrap();
    assert_eq!(model.coef().nrows(), 3);
    let other_labels = data
        .clone()
        .with_target(
            Target::classes(codes.clone(), vec!["x".into(), "y".into(), "z".into()]).unwrap(),
        )
        .unwrap();
    let msg = model.partial_fit(&other_labels).unwrap_err().to_string();
    assert!(msg.contains("differ"), "{msg}");
    let narrow = Dataset::new(array![[1.0]], vec!["a".into()])
        .unwrap()
        .with_target(
            Target::classes(array![0], data.target().unwrap().labels().unwrap().to_vec()).unwrap(),
        )
        .unwrap();
    assert!(model.partial_fit(&narrow).is_err());
}

#[test]
fn shuffling_is_seeded_and_thread_count_does_not_matter() {
    let data = generate::multiclass(200, 4, 8);
    let params = SgdClassifierParams {
        seed: 3,
        ..Default::default()
    };
    let fit = |threads: usize, p: &SgdClassifierParams| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| p.fit(&data).unwrap())
    };
    let a = fit(1, &params);
    assert_eq!(bytes(&a), bytes(&fit(2, &params)));
    let other = fit(
        1,
        &SgdClassifierParams {
            seed: 4,
            ..Default::default()
        },
    );
    assert_ne!(a.coef(), other.coef());
    let unshuffled = fit(
        1,
        &SgdClassifierParams {
            shuffle: false,
            ..Default::default()
        },
    );
    assert_ne!(a.coef(), unshuffled.coef());
}

fn param_name(e: Error) -> String {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected InvalidParameter, got {other}"),
    }
}

#[test]
fn bad_parameters_and_data_are_clear_errors() {
    let data = generate::binary(40, 2);
    let d = SgdClassifierParams::default;
    for (params, name) in [
        (
            SgdClassifierParams {
                eta0: 0.0,
                learning_rate: LearningRate::Constant,
                ..d()
            },
            "eta0",
        ),
        (SgdClassifierParams { eta0: -1.0, ..d() }, "eta0"),
        (SgdClassifierParams { alpha: 0.0, ..d() }, "alpha"),
        (
            SgdClassifierParams {
                alpha: -1.0,
                learning_rate: LearningRate::Constant,
                ..d()
            },
            "alpha",
        ),
        (
            SgdClassifierParams {
                l1_ratio: 2.0,
                ..d()
            },
            "l1_ratio",
        ),
        (SgdClassifierParams { max_iter: 0, ..d() }, "max_iter"),
        (
            SgdClassifierParams {
                tol: Some(-1.0),
                ..d()
            },
            "tol",
        ),
        (
            SgdClassifierParams {
                n_iter_no_change: 0,
                ..d()
            },
            "n_iter_no_change",
        ),
    ] {
        assert_eq!(param_name(params.fit(&data).unwrap_err()), name);
    }
    let balanced = SgdClassifierParams {
        class_weight: ClassWeight::Balanced,
        ..d()
    };
    assert_eq!(
        param_name(balanced.partial_fit(&data).unwrap_err()),
        "class_weight"
    );
    let r = SgdRegressorParams {
        epsilon: -0.1,
        ..Default::default()
    };
    assert_eq!(
        param_name(r.fit(&generate::regression(20, 2, 1)).unwrap_err()),
        "epsilon"
    );

    let labels = vec!["a".to_string(), "b".to_string()];
    let one_class = Dataset::new(array![[1.0], [2.0], [3.0]], vec!["f".into()])
        .unwrap()
        .with_target(Target::classes(array![1, 1, 1], labels).unwrap())
        .unwrap();
    let msg = d().fit(&one_class).unwrap_err().to_string();
    assert!(msg.contains("two classes"), "{msg}");
    let nan = Dataset::new(array![[1.0], [f64::NAN]], vec!["f".into()])
        .unwrap()
        .with_target(Target::regression(array![1.0, 2.0]))
        .unwrap();
    assert!(SgdRegressorParams::default().fit(&nan).is_err());
    // A diverging run is an error, not NaN weights.
    let huge = Dataset::new(array![[1e200], [-1e200]], vec!["f".into()])
        .unwrap()
        .with_target(Target::regression(array![1e200, -1e200]))
        .unwrap();
    let params = SgdRegressorParams {
        learning_rate: LearningRate::Constant,
        eta0: 1e300,
        ..Default::default()
    };
    let msg = params.fit(&huge).unwrap_err().to_string();
    assert!(msg.contains("non-finite"), "{msg}");
    let model = SgdRegressorParams::default()
        .fit(&generate::regression(30, 2, 1))
        .unwrap();
    assert!(model.predict(array![[1.0, 2.0, 3.0]].view()).is_err());
}

#[test]
fn params_read_from_partial_toml() {
    let p: SgdClassifierParams =
        toml::from_str("loss = \"log_loss\"\npenalty = \"elasticnet\"\naverage = 10").unwrap();
    assert_eq!(p.loss, SgdClassifierLoss::LogLoss);
    assert_eq!(p.average, 10);
    assert_eq!(p.alpha, 1e-4);
    let p: SgdRegressorParams =
        toml::from_str("learning_rate = \"adaptive\"\npenalty = \"none\"").unwrap();
    assert_eq!(p.learning_rate, LearningRate::Adaptive);
    assert_eq!(p.power_t, 0.25);
    assert!(toml::from_str::<SgdRegressorParams>("class_weight = \"balanced\"").is_err());
    let p: SgdClassifierParams = serde_json::from_str(r#"{"tol": null}"#).unwrap();
    assert_eq!(p.tol, None);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Any split of the rows into consecutive batches gives the one-pass model, bit for bit.
        #[test]
        fn any_batch_split_equals_one_pass(
            mut cuts in proptest::collection::vec(1usize..80, 0..5),
            penalty in prop_oneof![Just(Penalty::L2), Just(Penalty::L1), Just(Penalty::Elasticnet)],
            average in 0u64..20,
            seed in 0u64..1000,
        ) {
            cuts.sort_unstable();
            cuts.dedup();
            let data = Generator::new(80, 3, seed).weights(true).classification(3);
            let params = SgdClassifierParams {
                loss: SgdClassifierLoss::LogLoss,
                penalty,
                average,
                ..Default::default()
            };
            let once = params.partial_fit(&data).unwrap();
            let parts = batches(&data, &cuts);
            let mut online = params.partial_fit(&parts[0]).unwrap();
            for b in &parts[1..] {
                online.partial_fit(b).unwrap();
            }
            prop_assert_eq!(bytes(&online), bytes(&once));
            let reg = Generator::new(80, 3, seed).regression();
            let rparams = SgdRegressorParams { penalty, average, ..Default::default() };
            let once = rparams.partial_fit(&reg).unwrap();
            let parts = batches(&reg, &cuts);
            let mut online = rparams.partial_fit(&parts[0]).unwrap();
            for b in &parts[1..] {
                online.partial_fit(b).unwrap();
            }
            prop_assert_eq!(bytes(&online), bytes(&once));
        }
    }
}
