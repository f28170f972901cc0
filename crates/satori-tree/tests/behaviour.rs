//! Parameters, errors, determinism and edge cases of decision trees and forests.

use ndarray::{Array1, Array2, array};
use satori_core::{Dataset, Error, Estimator, Params, PredictProba, Predictor, Target};
use satori_testkit::generate;
use satori_tree::{
    ClassWeight, DecisionTreeClassifierParams, DecisionTreeRegressorParams,
    ExtraTreesClassifierParams, ExtraTreesRegressorParams, FeatureSampling,
    RandomForestClassifierParams, RandomForestRegressorParams, RegCriterion, SampleSize,
};

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

fn class_data(x: Array2<f64>, codes: Array1<usize>, k: usize) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::classes(codes, labels(k)).unwrap())
        .unwrap()
}

fn reg_data(x: Array2<f64>, y: Array1<f64>) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap()
}

fn param_name(e: Error) -> String {
    match e {
        Error::InvalidParameter { name, reason } => {
            assert!(!reason.is_empty());
            name
        }
        other => panic!("expected InvalidParameter, got {other}"),
    }
}

#[test]
fn params_read_from_partial_toml_and_reject_unknown_fields() {
    let p: DecisionTreeClassifierParams =
        toml::from_str("max_depth = 3\nmax_features = \"sqrt\"\nclass_weight = { c1 = 2.0 }")
            .unwrap();
    assert_eq!(p.max_depth, Some(3));
    assert_eq!(p.max_features, FeatureSampling::Sqrt);
    assert!(matches!(p.class_weight, Some(ClassWeight::Map(_))));
    let p: RandomForestClassifierParams =
        toml::from_str("n_estimators = 10\nmax_features = 0.5\nmax_samples = 100\nclass_weight = \"balanced_subsample\"").unwrap();
    assert_eq!(p.max_features, FeatureSampling::Fraction(0.5));
    assert_eq!(p.max_samples, Some(SampleSize::Count(100)));
    assert_eq!(p.class_weight, Some(ClassWeight::BalancedSubsample));
    let p: ExtraTreesRegressorParams =
        toml::from_str("max_features = 3\ncriterion = \"absolute_error\"").unwrap();
    assert_eq!(p.max_features, FeatureSampling::Count(3));
    assert!(!p.bootstrap);
    assert_eq!(
        RandomForestRegressorParams::default().max_features,
        FeatureSampling::All
    );
    assert_eq!(
        RandomForestClassifierParams::default().max_features,
        FeatureSampling::Sqrt
    );
    assert!(toml::from_str::<DecisionTreeRegressorParams>("max_dept = 3").is_err());
    assert!(toml::from_str::<DecisionTreeRegressorParams>("max_features = \"half\"").is_err());
    // JSON round trip of every setting.
    let p = RandomForestClassifierParams {
        max_features: FeatureSampling::Log2,
        class_weight: Some(ClassWeight::Balanced),
        max_samples: Some(SampleSize::Fraction(0.25)),
        ..Default::default()
    };
    let back: RandomForestClassifierParams =
        serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn out_of_range_parameters_name_themselves() {
    let dt = DecisionTreeClassifierParams::default;
    let cases: Vec<(DecisionTreeClassifierParams, &str)> = vec![
        (
            DecisionTreeClassifierParams {
                max_depth: Some(0),
                ..dt()
            },
            "max_depth",
        ),
        (
            DecisionTreeClassifierParams {
                min_samples_split: 1,
                ..dt()
            },
            "min_samples_split",
        ),
        (
            DecisionTreeClassifierParams {
                min_samples_leaf: 0,
                ..dt()
            },
            "min_samples_leaf",
        ),
        (
            DecisionTreeClassifierParams {
                min_weight_fraction_leaf: 0.6,
                ..dt()
            },
            "min_weight_fraction_leaf",
        ),
        (
            DecisionTreeClassifierParams {
                max_features: FeatureSampling::Fraction(1.5),
                ..dt()
            },
            "max_features",
        ),
        (
            DecisionTreeClassifierParams {
                max_features: FeatureSampling::Count(0),
                ..dt()
            },
            "max_features",
        ),
        (
            DecisionTreeClassifierParams {
                max_leaf_nodes: Some(1),
                ..dt()
            },
            "max_leaf_nodes",
        ),
        (
            DecisionTreeClassifierParams {
                min_impurity_decrease: -1.0,
                ..dt()
            },
            "min_impurity_decrease",
        ),
        (
            DecisionTreeClassifierParams {
                ccp_alpha: f64::NAN,
                ..dt()
            },
            "ccp_alpha",
        ),
        (
            DecisionTreeClassifierParams {
                class_weight: Some(ClassWeight::BalancedSubsample),
                ..dt()
            },
            "class_weight",
        ),
    ];
    for (p, name) in cases {
        assert_eq!(param_name(p.validate().unwrap_err()), name);
    }
    let rf = RandomForestClassifierParams::default;
    assert_eq!(
        param_name(
            RandomForestClassifierParams {
                n_estimators: 0,
                ..rf()
            }
            .validate()
            .unwrap_err()
        ),
        "n_estimators"
    );
    assert_eq!(
        param_name(
            RandomForestClassifierParams {
                bootstrap: false,
                oob_score: true,
                ..rf()
            }
            .validate()
            .unwrap_err()
        ),
        "oob_score"
    );
    assert_eq!(
        param_name(
            RandomForestClassifierParams {
                max_samples: Some(SampleSize::Fraction(0.0)),
                ..rf()
            }
            .validate()
            .unwrap_err()
        ),
        "max_samples"
    );
    assert_eq!(
        param_name(
            ExtraTreesClassifierParams {
                max_samples: Some(SampleSize::Count(5)),
                ..Default::default()
            }
            .validate()
            .unwrap_err()
        ),
        "max_samples"
    );
    let msg = DecisionTreeClassifierParams {
        min_weight_fraction_leaf: 0.6,
        ..dt()
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(msg.contains("[0, 0.5]") && msg.contains("0.6"), "{msg}");
    // Errors found at fit: a count above the columns, an unknown class label, max_samples above the rows.
    let data = generate::binary(30, 1);
    let e = DecisionTreeClassifierParams {
        max_features: FeatureSampling::Count(99),
        ..dt()
    }
    .fit(&data)
    .unwrap_err();
    assert_eq!(param_name(e), "max_features");
    let mut m = std::collections::BTreeMap::new();
    m.insert("nope".to_string(), 2.0);
    let e = DecisionTreeClassifierParams {
        class_weight: Some(ClassWeight::Map(m)),
        ..dt()
    }
    .fit(&data)
    .unwrap_err();
    assert_eq!(param_name(e), "class_weight");
    let e = RandomForestClassifierParams {
        max_samples: Some(SampleSize::Count(31)),
        ..rf()
    }
    .fit(&data)
    .unwrap_err();
    assert_eq!(param_name(e), "max_samples");
}

#[test]
fn bad_data_gives_errors_not_panics() {
    let empty = class_data(Array2::zeros((0, 2)), Array1::zeros(0), 2);
    assert!(matches!(
        DecisionTreeClassifierParams::default().fit(&empty),
        Err(Error::NotEnoughSamples { .. })
    ));
    assert!(RandomForestClassifierParams::default().fit(&empty).is_err());
    let reg = reg_data(array![[1.0], [2.0], [3.0]], array![1.0, 2.0, 3.0]);
    assert!(matches!(
        DecisionTreeClassifierParams::default().fit(&reg),
        Err(Error::InvalidData(_))
    ));
    let cls = class_data(array![[1.0], [2.0]], array![0, 1], 2);
    assert!(matches!(
        DecisionTreeRegressorParams::default().fit(&cls),
        Err(Error::InvalidData(_))
    ));
    let inf = reg_data(array![[1.0], [f64::INFINITY]], array![1.0, 2.0]);
    assert!(matches!(
        DecisionTreeRegressorParams::default().fit(&inf),
        Err(Error::InvalidData(_))
    ));
    let neg = reg_data(array![[1.0], [2.0]], array![-1.0, 2.0]);
    let poisson = DecisionTreeRegressorParams {
        criterion: RegCriterion::Poisson,
        ..Default::default()
    };
    assert!(matches!(poisson.fit(&neg), Err(Error::InvalidData(_))));
    let zero = reg_data(array![[1.0], [2.0]], array![0.0, 0.0]);
    assert!(poisson.fit(&zero).is_err());
    // A NaN target cannot even enter a dataset.
    let names = vec!["f".to_string()];
    assert!(
        Dataset::new(array![[1.0]], names)
            .unwrap()
            .with_target(Target::regression(array![f64::NAN]))
            .is_err()
    );
    // Wrong column count at predict.
    let data = generate::binary(40, 2);
    let tree = DecisionTreeClassifierParams::default().fit(&data).unwrap();
    let wide = Array2::zeros((3, data.n_features() + 1));
    assert!(matches!(
        tree.predict(wide.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let forest = RandomForestClassifierParams {
        n_estimators: 3,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert!(matches!(
        forest.predict_proba(wide.view()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn leaves_hold_weighted_class_fractions_and_values() {
    // One feature; the split x <= 1.5 leaves {0, 0, 1} (weights 1, 1, 2) on the left.
    let x = array![[1.0], [1.0], [1.0], [2.0], [2.0]];
    let d = class_data(x.clone(), array![0, 0, 1, 1, 1], 2)
        .with_weights(array![1.0, 1.0, 2.0, 1.0, 1.0])
        .unwrap();
    let m = DecisionTreeClassifierParams::default().fit(&d).unwrap();
    let p = m.predict_proba(array![[1.0], [2.0]].view()).unwrap();
    assert_eq!(p.row(0).to_vec(), vec![0.5, 0.5]);
    assert_eq!(p.row(1).to_vec(), vec![0.0, 1.0]);
    assert_eq!(m.get_n_leaves(), 2);
    assert_eq!(
        m.tree().rule(0),
        Some(satori_tree::SplitRule::Threshold(1.5))
    );
    // Regression: leaf means, and the weighted median for absolute error.
    let r = reg_data(
        array![[0.0], [0.0], [0.0], [5.0], [5.0]],
        array![1.0, 2.0, 10.0, 3.0, 3.0],
    );
    let m = DecisionTreeRegressorParams {
        max_depth: Some(1),
        ..Default::default()
    }
    .fit(&r)
    .unwrap();
    assert_eq!(
        m.predict(array![[0.0], [6.0]].view()).unwrap().to_vec(),
        vec![13.0 / 3.0, 3.0]
    );
    let m = DecisionTreeRegressorParams {
        max_depth: Some(1),
        criterion: RegCriterion::AbsoluteError,
        ..Default::default()
    }
    .fit(&r)
    .unwrap();
    assert_eq!(
        m.predict(array![[0.0], [6.0]].view()).unwrap().to_vec(),
        vec![2.0, 3.0]
    );
}

#[test]
fn missing_values_follow_the_learned_direction() {
    // Rows with x = NaN have the high target: the split must send NaN with the high rows.
    let x = array![[0.0], [1.0], [2.0], [f64::NAN], [10.0], [11.0], [f64::NAN]];
    let y = array![0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0];
    let m = DecisionTreeRegressorParams {
        max_depth: Some(1),
        ..Default::default()
    }
    .fit(&reg_data(x, y))
    .unwrap();
    assert_eq!(
        m.predict(array![[f64::NAN], [0.5], [10.5]].view())
            .unwrap()
            .to_vec(),
        vec![5.0, 0.0, 5.0]
    );
    // No NaN in training: NaN goes to the child that received more rows (here the left one).
    let x = array![[0.0], [1.0], [2.0], [10.0], [11.0]];
    let y = array![0.0, 0.0, 0.0, 5.0, 5.0];
    let m = DecisionTreeRegressorParams::default()
        .fit(&reg_data(x, y))
        .unwrap();
    assert_eq!(
        m.predict(array![[f64::NAN]].view()).unwrap().to_vec(),
        vec![0.0]
    );
    // Only missing versus present: the split on "is missing" (scikit-learn's threshold +inf,
    // satori's f64::MAX so that the model stays valid JSON).
    let x = array![[1.0], [1.0], [f64::NAN], [f64::NAN]];
    let m = DecisionTreeClassifierParams::default()
        .fit(&class_data(x, array![0, 0, 1, 1], 2))
        .unwrap();
    assert_eq!(
        m.predict(array![[1.0], [f64::NAN], [7.0]].view())
            .unwrap()
            .to_vec(),
        vec![0.0, 1.0, 0.0]
    );
    assert_eq!(
        m.tree().rule(0),
        Some(satori_tree::SplitRule::Threshold(f64::MAX))
    );
    let back: satori_tree::DecisionTreeClassifier =
        serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
}

#[test]
fn growth_limits_pruning_and_importances() {
    let data = generate::Generator::new(300, 5, 9).classification(3);
    let full = DecisionTreeClassifierParams::default().fit(&data).unwrap();
    let shallow = DecisionTreeClassifierParams {
        max_depth: Some(3),
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert!(shallow.get_depth() <= 3);
    let few = DecisionTreeClassifierParams {
        max_leaf_nodes: Some(5),
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(few.get_n_leaves(), 5);
    let path = DecisionTreeClassifierParams::default()
        .cost_complexity_pruning_path(&data)
        .unwrap();
    assert_eq!(path.ccp_alphas[0], 0.0);
    assert!(path.ccp_alphas.windows(2).all(|w| w[0] <= w[1]));
    assert!(path.impurities.windows(2).all(|w| w[0] <= w[1] + 1e-12));
    let mid = path.ccp_alphas[path.ccp_alphas.len() / 2];
    let pruned = DecisionTreeClassifierParams {
        ccp_alpha: mid,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert!(pruned.get_n_leaves() < full.get_n_leaves());
    let last = *path.ccp_alphas.last().unwrap();
    let stump = DecisionTreeClassifierParams {
        ccp_alpha: last,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_eq!(stump.get_n_leaves(), 1);
    for imp in [
        full.feature_importances(),
        RandomForestClassifierParams {
            n_estimators: 10,
            ..Default::default()
        }
        .fit(&data)
        .unwrap()
        .feature_importances(),
    ] {
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(imp.iter().all(|v| *v >= 0.0));
    }
    assert_eq!(stump.feature_importances(), vec![0.0; 5]);
}

#[test]
fn forests_are_bit_identical_at_one_and_two_threads() {
    let data = generate::Generator::new(400, 6, 4)
        .weights(true)
        .nan_fraction(0.05)
        .classification(3);
    let fit_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let rf = RandomForestClassifierParams {
                n_estimators: 12,
                oob_score: true,
                seed: 5,
                ..Default::default()
            }
            .fit(&data)
            .unwrap();
            let et = ExtraTreesRegressorParams {
                n_estimators: 12,
                seed: 5,
                ..Default::default()
            }
            .fit(&generate::regression(300, 4, 2))
            .unwrap();
            (
                postcard::to_allocvec(&rf).unwrap(),
                postcard::to_allocvec(&et).unwrap(),
                rf.predict_proba(data.x()).unwrap(),
            )
        })
    };
    let (a1, b1, p1) = fit_with(1);
    let (a2, b2, p2) = fit_with(2);
    assert_eq!(a1, a2);
    assert_eq!(b1, b2);
    assert_eq!(p1, p2);
    // A different seed gives a different forest.
    let other = RandomForestClassifierParams {
        n_estimators: 12,
        oob_score: true,
        seed: 6,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    assert_ne!(postcard::to_allocvec(&other).unwrap(), a1);
}

#[test]
fn out_of_bag_predictions_and_scores() {
    let data = generate::binary(300, 3);
    let rf = RandomForestClassifierParams {
        n_estimators: 30,
        oob_score: true,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let oob = rf.oob_decision_function().unwrap();
    assert_eq!(oob.dim(), (300, 2));
    let score = rf.oob_score().unwrap();
    assert!(score > 0.8 && score <= 1.0, "{score}");
    let codes = match data.target().unwrap() {
        Target::Classes { codes, .. } => codes.clone(),
        _ => unreachable!(),
    };
    let manual = oob
        .rows()
        .into_iter()
        .zip(codes.iter())
        .filter(|(r, c)| usize::from(r[1] > r[0]) == **c)
        .count() as f64
        / 300.0;
    assert_eq!(manual, score);
    assert!(
        RandomForestClassifierParams {
            n_estimators: 3,
            ..Default::default()
        }
        .fit(&data)
        .unwrap()
        .oob_score()
        .is_none()
    );
    let reg = generate::regression(300, 4, 3);
    let rf = RandomForestRegressorParams {
        n_estimators: 30,
        oob_score: true,
        ..Default::default()
    }
    .fit(&reg)
    .unwrap();
    assert_eq!(rf.oob_prediction().unwrap().len(), 300);
    assert!(rf.oob_score().unwrap() > 0.5);
}

#[test]
fn forests_learn_and_average_trees() {
    let data = generate::Generator::new(300, 4, 7).classification(2);
    for proba in [
        RandomForestClassifierParams {
            n_estimators: 15,
            ..Default::default()
        }
        .fit(&data)
        .unwrap()
        .predict_proba(data.x())
        .unwrap(),
        ExtraTreesClassifierParams {
            n_estimators: 15,
            ..Default::default()
        }
        .fit(&data)
        .unwrap()
        .predict_proba(data.x())
        .unwrap(),
    ] {
        assert!(
            proba
                .rows()
                .into_iter()
                .all(|r| (r.sum() - 1.0).abs() < 1e-12)
        );
    }
    let rf = RandomForestClassifierParams {
        n_estimators: 5,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let mean = rf
        .trees()
        .iter()
        .fold(Array2::<f64>::zeros((300, 2)), |acc, t| {
            acc + t.predict(data.x()).unwrap()
        })
        / 5.0;
    let p = rf.predict_proba(data.x()).unwrap();
    assert!((p - mean).iter().all(|d| d.abs() < 1e-15));
}
