//! AdaBoost against scikit-learn 1.9.1 and RUSBoost against imbalanced-learn 0.14.2
//! (tests/golden/adaboost, written by its generate.py).
//!
//! SAMME is deterministic given the trees, and satori's trees split as scikit-learn's on this
//! float32-representable data, so the estimator weights and errors, the test predictions, the
//! decision function and the probabilities must agree to 1e-9. AdaBoost.R2 and RUSBoost draw
//! random samples each round (numpy's stream vs satori's), so they are compared statistically:
//! held-out R² per loss and ROC AUC / balanced accuracy averaged over eight seeds, within 0.03.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_testkit::golden;
use satori_tree::{
    AdaBoostClassifierParams, AdaBoostLoss, AdaBoostRegressorParams, RusBoostClassifierParams,
};
use serde_json::Value;

fn class_data(case: &Value) -> Dataset {
    let x = golden::f64_matrix(case, "/x");
    let y = golden::usize_vec(case, "/y");
    let k = y.iter().max().unwrap() + 1;
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let labels = (0..k).map(|c| c.to_string()).collect();
    let d = Dataset::new(x, names)
        .unwrap()
        .with_target(Target::classes(y.into(), labels).unwrap())
        .unwrap();
    if case["sample_weight"].is_null() {
        d
    } else {
        d.with_weights(golden::f64_vec(case, "/sample_weight").into())
            .unwrap()
    }
}

fn close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}[{i}]: satori {g}, scikit-learn {w}"
        );
    }
}

fn flat(m: &Array2<f64>) -> Vec<f64> {
    m.iter().copied().collect()
}

#[test]
fn samme_matches_scikit_learn() {
    let g = golden::load("adaboost");
    assert_eq!(g["versions"]["sklearn"], "1.9.1");
    for case in g["samme"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let data = class_data(case);
        let m = AdaBoostClassifierParams {
            max_depth: case["max_depth"].as_u64().unwrap() as usize,
            learning_rate: case["learning_rate"].as_f64().unwrap(),
            ..Default::default()
        }
        .fit(&data)
        .unwrap();
        assert_eq!(
            m.n_trees() as u64,
            case["n_trees"].as_u64().unwrap(),
            "{name}: trees"
        );
        close(
            &format!("{name} estimator weights"),
            m.estimator_weights(),
            &golden::f64_vec(case, "/estimator_weights"),
            1e-9,
        );
        close(
            &format!("{name} estimator errors"),
            m.estimator_errors(),
            &golden::f64_vec(case, "/estimator_errors"),
            1e-9,
        );
        let xt = golden::f64_matrix(case, "/x_test");
        let pred = m.predict(xt.view()).unwrap();
        let want: Vec<f64> = golden::usize_vec(case, "/predict")
            .into_iter()
            .map(|v| v as f64)
            .collect();
        assert_eq!(pred.to_vec(), want, "{name}: predictions");
        close(
            &format!("{name} decision function"),
            &flat(&m.decision_function(xt.view()).unwrap()),
            &flat(&golden::f64_matrix(case, "/decision_function")),
            1e-9,
        );
        close(
            &format!("{name} predict_proba"),
            &flat(&m.predict_proba(xt.view()).unwrap()),
            &flat(&golden::f64_matrix(case, "/predict_proba")),
            1e-9,
        );
        close(
            &format!("{name} feature importances"),
            &m.feature_importances(),
            &golden::f64_vec(case, "/feature_importances"),
            1e-9,
        );
    }
}

#[test]
fn adaboost_r2_matches_scikit_learn_statistically() {
    let g = golden::load("adaboost");
    let case = &g["r2"];
    let x = golden::f64_matrix(case, "/x");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x, names)
        .unwrap()
        .with_target(Target::regression(golden::f64_vec(case, "/y").into()))
        .unwrap();
    let xt = golden::f64_matrix(case, "/x_test");
    let yt = Array1::from(golden::f64_vec(case, "/y_test"));
    let seeds = golden::usize_vec(&g, "/seeds");
    for (name, loss) in [
        ("linear", AdaBoostLoss::Linear),
        ("square", AdaBoostLoss::Square),
        ("exponential", AdaBoostLoss::Exponential),
    ] {
        let mut r2 = 0.0;
        for &s in &seeds {
            let m = AdaBoostRegressorParams {
                loss,
                seed: s as u64,
                ..Default::default()
            }
            .fit(&data)
            .unwrap();
            let p = m.predict(xt.view()).unwrap();
            r2 += satori_metrics::r2_score(yt.view(), p.view(), None).unwrap();
        }
        r2 /= seeds.len() as f64;
        let want = case["losses"][name]["mean_r2"].as_f64().unwrap();
        eprintln!("AdaBoost.R2 {name}: mean R² satori {r2:.4}, scikit-learn {want:.4}");
        assert!((r2 - want).abs() <= 0.03, "{name}: R² {r2} vs {want}");
    }
}

#[test]
fn rusboost_matches_imbalanced_learn_statistically() {
    let g = golden::load("adaboost");
    let case = &g["rusboost"];
    let data = class_data(case);
    let xt = golden::f64_matrix(case, "/x_test");
    let yt = Array1::from(golden::usize_vec(case, "/y_test"));
    let seeds = golden::usize_vec(&g, "/seeds");
    let (mut auc, mut bacc) = (0.0, 0.0);
    for &s in &seeds {
        let m = RusBoostClassifierParams {
            seed: s as u64,
            ..Default::default()
        }
        .fit(&data)
        .unwrap();
        let p = m.predict_proba(xt.view()).unwrap();
        let pred: Array1<usize> = m.predict(xt.view()).unwrap().mapv(|v| v as usize);
        auc += satori_metrics::roc_auc(yt.view(), p.column(1), 1, None).unwrap();
        bacc += satori_metrics::balanced_accuracy(yt.view(), pred.view(), 2, false, None).unwrap();
    }
    auc /= seeds.len() as f64;
    bacc /= seeds.len() as f64;
    let want_auc = case["mean_auc"].as_f64().unwrap();
    let want_bacc = case["mean_balanced_accuracy"].as_f64().unwrap();
    eprintln!(
        "RUSBoost: ROC AUC satori {auc:.4} vs imblearn {want_auc:.4}; balanced accuracy {bacc:.4} \
         vs {want_bacc:.4}"
    );
    assert!((auc - want_auc).abs() <= 0.03, "AUC {auc} vs {want_auc}");
    assert!(
        (bacc - want_bacc).abs() <= 0.03,
        "balanced accuracy {bacc} vs {want_bacc}"
    );
    // Under-sampling beats plain AdaBoost's balanced accuracy on this imbalanced set.
    let plain = case["adaboost_balanced_accuracy"].as_f64().unwrap();
    assert!(bacc > plain, "{bacc} vs plain AdaBoost {plain}");
}
