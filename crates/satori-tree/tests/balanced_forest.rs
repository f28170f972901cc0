//! The balanced random forest against imbalanced-learn 0.14.2's BalancedRandomForestClassifier
//! (tests/golden/balanced_forest, written by its generate.py): the same parameters
//! (imbalanced-learn's defaults, 100 trees) on the same imbalanced training rows — the real
//! digits data ("is a 9", 10 % positives) and a 5 %-positive make_classification set. Random
//! streams differ from numpy's, so the comparison is statistical: the held-out ROC AUC averaged
//! over ten seeds within 0.005 of imbalanced-learn's average, and the mean balanced accuracy
//! within 0.02; the balancing must also beat a plain random forest's balanced accuracy, as it
//! does in imbalanced-learn.

use ndarray::Array1;
use satori_core::{Dataset, Estimator, PredictProba, Target};
use satori_testkit::golden;
use satori_tree::{BalancedRandomForestClassifierParams, UnderSampling};

fn data(case: &serde_json::Value) -> (Dataset, ndarray::Array2<f64>, Array1<usize>) {
    let x = golden::f64_matrix(case, "/x");
    let y = golden::usize_vec(case, "/y");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let target = Target::classes(y.into(), vec!["0".into(), "1".into()]).unwrap();
    let d = Dataset::new(x, names).unwrap().with_target(target).unwrap();
    let x_test = golden::f64_matrix(case, "/x_test");
    let y_test = Array1::from(golden::usize_vec(case, "/y_test"));
    (d, x_test, y_test)
}

#[test]
fn balanced_forest_matches_imbalanced_learn_statistically() {
    let g = golden::load("balanced_forest");
    assert_eq!(g["versions"]["imbalanced-learn"], "0.14.2");
    let seeds = golden::usize_vec(&g, "/seeds");
    for name in ["digits_9", "synthetic_5pct"] {
        let case = &g["cases"][name];
        let (d, x_test, y_test) = data(case);
        let (mut auc, mut bacc) = (0.0, 0.0);
        for &s in &seeds {
            let m = BalancedRandomForestClassifierParams {
                seed: s as u64,
                ..Default::default()
            }
            .fit(&d)
            .unwrap();
            let p = m.predict_proba(x_test.view()).unwrap();
            let pred: Array1<usize> = p
                .rows()
                .into_iter()
                .map(|r| usize::from(r[1] > r[0]))
                .collect();
            auc += satori_metrics::roc_auc(y_test.view(), p.column(1), 1, None).unwrap();
            bacc += satori_metrics::balanced_accuracy(y_test.view(), pred.view(), 2, false, None)
                .unwrap();
        }
        auc /= seeds.len() as f64;
        bacc /= seeds.len() as f64;
        let want = &case["balanced_random_forest"];
        let want_auc = want["mean_auc"].as_f64().unwrap();
        let want_bacc = want["mean_balanced_accuracy"].as_f64().unwrap();
        eprintln!(
            "{name}: ROC AUC satori {auc:.4} vs imblearn {want_auc:.4}; balanced accuracy \
             satori {bacc:.4} vs imblearn {want_bacc:.4}"
        );
        assert!(
            (auc - want_auc).abs() <= 0.005,
            "{name}: mean ROC AUC {auc} vs imbalanced-learn's {want_auc}"
        );
        assert!(
            (bacc - want_bacc).abs() <= 0.02,
            "{name}: mean balanced accuracy {bacc} vs imbalanced-learn's {want_bacc}"
        );
        let plain = case["random_forest"]["mean_balanced_accuracy"]
            .as_f64()
            .unwrap();
        assert!(
            bacc > plain + 0.05,
            "{name}: {bacc} vs plain forest {plain}"
        );
    }
}

#[test]
fn every_tree_sees_balanced_classes_and_options_are_checked() {
    // 90 negatives, 10 positives; without bootstrap the default "all" strategy draws 10 of each
    // class with replacement, so every tree's root holds a total weight of 20 split 10/10.
    let n = 100;
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
    let y: Vec<usize> = (0..n).map(|i| usize::from(i % 10 == 0)).collect();
    let target = Target::classes(y.into(), vec!["no".into(), "yes".into()]).unwrap();
    let d = Dataset::new(x, vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(target)
        .unwrap();
    let m = BalancedRandomForestClassifierParams {
        n_estimators: 7,
        ..Default::default()
    }
    .fit(&d)
    .unwrap();
    for t in m.trees() {
        let root = t.stats(0);
        assert_eq!(root.weight, 20.0);
        assert_eq!(t.value(0), &[0.5, 0.5], "the root's class fractions");
    }
    // "majority": only the majority shrinks to 10 rows; the 10 positives stay as they are.
    let m = BalancedRandomForestClassifierParams {
        n_estimators: 3,
        sampling_strategy: UnderSampling::Majority,
        replacement: false,
        ..Default::default()
    }
    .fit(&d)
    .unwrap();
    assert!(m.trees().iter().all(|t| t.stats(0).weight == 20.0));
    // A ratio of 0.5: 20 negatives for the 10 positives.
    let m = BalancedRandomForestClassifierParams {
        n_estimators: 3,
        sampling_strategy: UnderSampling::Ratio(0.5),
        ..Default::default()
    }
    .fit(&d)
    .unwrap();
    assert!(m.trees().iter().all(|t| t.stats(0).weight == 30.0));
    // The same seed gives the same forest; bootstrap and oob work.
    let p = BalancedRandomForestClassifierParams {
        n_estimators: 5,
        bootstrap: true,
        oob_score: true,
        seed: 3,
        ..Default::default()
    };
    let a = p.fit(&d).unwrap();
    let b = p.fit(&d).unwrap();
    assert_eq!(a, b);
    let oob = a.oob_score().unwrap();
    assert!((0.0..=1.0).contains(&oob));
    // Bad options are errors.
    for bad in [
        BalancedRandomForestClassifierParams {
            sampling_strategy: UnderSampling::Ratio(1.5),
            ..Default::default()
        },
        BalancedRandomForestClassifierParams {
            oob_score: true,
            ..Default::default()
        },
        BalancedRandomForestClassifierParams {
            n_estimators: 0,
            ..Default::default()
        },
    ] {
        assert!(bad.fit(&d).is_err(), "{bad:?}");
    }
    // The strategy reads imbalanced-learn's spellings.
    let p: BalancedRandomForestClassifierParams =
        serde_json::from_str(r#"{"sampling_strategy": "not minority", "replacement": false}"#)
            .unwrap();
    assert_eq!(p.sampling_strategy, UnderSampling::NotMinority);
    let p: BalancedRandomForestClassifierParams =
        serde_json::from_str(r#"{"sampling_strategy": 0.25}"#).unwrap();
    assert_eq!(p.sampling_strategy, UnderSampling::Ratio(0.25));
    assert!(
        serde_json::from_str::<BalancedRandomForestClassifierParams>(
            r#"{"sampling_strategy": "most"}"#
        )
        .is_err()
    );
}
