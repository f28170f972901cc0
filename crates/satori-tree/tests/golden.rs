//! Decision trees against scikit-learn 1.9.1 (tests/golden/tree_decision, written by its
//! generate.py) and forests against scikit-learn's forests on the same data
//! (tests/golden/tree_forest).
//!
//! Trees: the same structure (node count, leaves, depth), the same split thresholds (exactly:
//! the training features are float32-representable, see generate.py), the same predictions
//! (class labels exactly, regression values and probabilities within 1e-12 relative, as leaf
//! means are sums in a different order), importances within 1e-9 and the pruning path within
//! 1e-9 relative.
//!
//! Forests: random streams differ from scikit-learn's, so the comparison is statistical: test
//! accuracy within 0.02 and ROC AUC within 0.01 of scikit-learn's on 400 test rows, R² within
//! 0.01, and the out-of-bag score within 0.02.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_testkit::golden;
use satori_tree::{
    DecisionTreeClassifierParams, DecisionTreeRegressorParams, ExtraTreesClassifierParams,
    ExtraTreesRegressorParams, FlatTree, RandomForestClassifierParams, RandomForestRegressorParams,
};
use serde_json::Value;

fn matrix(v: &Value, key: &str) -> Array2<f64> {
    golden::f64_matrix(v, key)
}

fn labels_and_codes(y: &[String]) -> (Vec<String>, Array1<usize>) {
    let mut labels = y.to_vec();
    labels.sort();
    labels.dedup();
    let codes = y
        .iter()
        .map(|v| labels.iter().position(|l| l == v).unwrap())
        .collect();
    (labels, codes)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    golden::at(v, key)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn dataset(case: &Value, classification: bool) -> Dataset {
    let x = matrix(case, "/x");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let target = if classification {
        let (labels, codes) = labels_and_codes(&strings(case, "/y"));
        Target::classes(codes, labels).unwrap()
    } else {
        Target::regression(golden::f64_vec(case, "/y").into())
    };
    let d = Dataset::new(x, names).unwrap().with_target(target).unwrap();
    if case["weights"].is_null() {
        d
    } else {
        d.with_weights(golden::f64_vec(case, "/weights").into())
            .unwrap()
    }
}

fn thresholds(t: &FlatTree) -> Vec<f64> {
    let mut v: Vec<f64> = t
        .reachable()
        .into_iter()
        .filter_map(|n| match t.rule(n) {
            // The "missing right" split: scikit-learn's +inf is satori's f64::MAX (valid JSON).
            Some(satori_tree::SplitRule::Threshold(x)) if x == f64::MAX => Some(f64::INFINITY),
            Some(satori_tree::SplitRule::Threshold(x)) => Some(x),
            _ => None,
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

fn check_structure(name: &str, case: &Value, t: &FlatTree, importances: &[f64]) {
    let n = |k: &str| case[k].as_u64().unwrap() as usize;
    assert_eq!(t.reachable().len(), n("node_count"), "{name}: node count");
    assert_eq!(t.n_leaves(), n("n_leaves"), "{name}: leaves");
    assert_eq!(t.max_depth(), n("depth"), "{name}: depth");
    let want = golden::f64_vec(case, "/thresholds");
    let got = thresholds(t);
    if got != want {
        let extra: Vec<f64> = got.iter().filter(|v| !want.contains(v)).copied().collect();
        let missing: Vec<f64> = want.iter().filter(|v| !got.contains(v)).copied().collect();
        panic!("{name}: thresholds differ: ours only {extra:?}, sklearn only {missing:?}");
    }
    golden::assert_close(
        &format!("{name}: importances"),
        importances,
        &golden::f64_vec(case, "/importances"),
        0.0,
        1e-9,
    );
}

fn cases() -> Vec<Value> {
    let g = golden::load("tree_decision");
    assert_eq!(
        g["versions"]["sklearn"], "1.9.1",
        "golden file from another scikit-learn"
    );
    g["cases"].as_array().unwrap().clone()
}

#[test]
fn decision_trees_match_sklearn() {
    let mut checked = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap().to_string();
        let x_test = matrix(&case, "/x_test");
        if case["kind"] == "classifier" {
            let params: DecisionTreeClassifierParams =
                serde_json::from_value(case["params"].clone()).unwrap();
            let data = dataset(&case, true);
            let m = params.fit(&data).unwrap();
            check_structure(&name, &case, m.tree(), &m.feature_importances());
            let classes = m.classes().to_vec();
            let pred: Vec<String> = m
                .predict(x_test.view())
                .unwrap()
                .iter()
                .map(|&c| classes[c as usize].clone())
                .collect();
            assert_eq!(pred, strings(&case, "/predict"), "{name}: predictions");
            let proba = m.predict_proba(x_test.view()).unwrap();
            let want = matrix(&case, "/proba");
            golden::assert_close(
                &format!("{name}: proba"),
                proba.as_slice().unwrap(),
                want.as_slice().unwrap(),
                1e-12,
                1e-15,
            );
            if !case["path"].is_null() {
                let p = params.cost_complexity_pruning_path(&data).unwrap();
                check_path(&name, &case, &p.ccp_alphas, &p.impurities);
            }
        } else {
            let params: DecisionTreeRegressorParams =
                serde_json::from_value(case["params"].clone()).unwrap();
            let data = dataset(&case, false);
            let m = params.fit(&data).unwrap();
            check_structure(&name, &case, m.tree(), &m.feature_importances());
            let pred = m.predict(x_test.view()).unwrap();
            golden::assert_close(
                &format!("{name}: predictions"),
                pred.as_slice().unwrap(),
                &golden::f64_vec(&case, "/predict"),
                1e-12,
                1e-12,
            );
            if !case["path"].is_null() {
                let p = params.cost_complexity_pruning_path(&data).unwrap();
                check_path(&name, &case, &p.ccp_alphas, &p.impurities);
            }
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} cases");
}

fn check_path(name: &str, case: &Value, alphas: &[f64], impurities: &[f64]) {
    golden::assert_close(
        &format!("{name}: ccp_alphas"),
        alphas,
        &golden::f64_vec(case, "/path/ccp_alphas"),
        1e-9,
        1e-12,
    );
    golden::assert_close(
        &format!("{name}: path impurities"),
        impurities,
        &golden::f64_vec(case, "/path/impurities"),
        1e-9,
        1e-12,
    );
}

fn forest_data(g: &Value, kind: &str) -> (Dataset, Array2<f64>, Value) {
    let part = &g[kind];
    let x = matrix(part, "/x");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let target = if kind == "classification" {
        let codes: Array1<usize> = golden::usize_vec(part, "/y").into();
        Target::classes(codes, vec!["0".into(), "1".into()]).unwrap()
    } else {
        Target::regression(golden::f64_vec(part, "/y").into())
    };
    let d = Dataset::new(x, names).unwrap().with_target(target).unwrap();
    (d, matrix(part, "/x_test"), part["y_test"].clone())
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    eprintln!("{what}: satori {got:.4}, scikit-learn {want:.4}");
    assert!(
        (got - want).abs() <= tol,
        "{what}: satori {got}, scikit-learn {want} (tolerance {tol})"
    );
}

#[test]
fn forests_match_sklearn_statistically() {
    let g = golden::load("tree_forest");
    assert_eq!(g["versions"]["sklearn"], "1.9.1");
    let (data, x_test, y_test) = forest_data(&g, "classification");
    let y_test: Array1<usize> = y_test
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let rf = RandomForestClassifierParams {
        oob_score: true,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let et = ExtraTreesClassifierParams::default().fit(&data).unwrap();
    for (name, proba, oob) in [
        (
            "random_forest_classifier",
            rf.predict_proba(x_test.view()).unwrap(),
            rf.oob_score(),
        ),
        (
            "extra_trees_classifier",
            et.predict_proba(x_test.view()).unwrap(),
            et.oob_score(),
        ),
    ] {
        let want = &g["models"][name];
        let pred: Array1<usize> = proba
            .rows()
            .into_iter()
            .map(|r| usize::from(r[1] > r[0]))
            .collect();
        let acc = satori_metrics::accuracy(y_test.view(), pred.view(), 2, None).unwrap();
        let auc = satori_metrics::roc_auc(y_test.view(), proba.column(1), 1, None).unwrap();
        close(
            &format!("{name} accuracy"),
            acc,
            want["accuracy"].as_f64().unwrap(),
            0.02,
        );
        close(
            &format!("{name} auc"),
            auc,
            want["auc"].as_f64().unwrap(),
            0.01,
        );
        if let Some(o) = oob {
            close(
                &format!("{name} oob"),
                o,
                want["oob_score"].as_f64().unwrap(),
                0.02,
            );
        }
    }
    let (data, x_test, y_test) = forest_data(&g, "regression");
    let y_test: Array1<f64> = y_test
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let rf = RandomForestRegressorParams {
        oob_score: true,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let et = ExtraTreesRegressorParams::default().fit(&data).unwrap();
    for (name, pred, oob) in [
        (
            "random_forest_regressor",
            rf.predict(x_test.view()).unwrap(),
            rf.oob_score(),
        ),
        (
            "extra_trees_regressor",
            et.predict(x_test.view()).unwrap(),
            et.oob_score(),
        ),
    ] {
        let want = &g["models"][name];
        let r2 = satori_metrics::r2_score(y_test.view(), pred.view(), None).unwrap();
        close(
            &format!("{name} r2"),
            r2,
            want["r2"].as_f64().unwrap(),
            0.01,
        );
        if let Some(o) = oob {
            close(
                &format!("{name} oob"),
                o,
                want["oob_score"].as_f64().unwrap(),
                0.02,
            );
        }
    }
}
