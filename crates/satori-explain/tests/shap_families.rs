//! SHAP values add up (`base + Σ φ = raw prediction`) for every model family, through the
//! automatic preprocessing (one-hot encoding, imputation, scaling), and the raw prediction is
//! the model's own output in the stated space; the exact and sampling explainers agree where
//! theory says they must.

use ndarray::Axis;
use satori_core::{NoProgress, Target, Task};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_explain::{ExplainParams, Explanation, Method, OutputSpace, RowRange, explain};
use satori_pipeline::models::capabilities_of;
use satori_pipeline::{
    FittedPipeline, MODEL_KINDS, ModelParams, PipelineParams, Role, TargetSettings,
};

/// `table` without the columns `names`.
fn without(table: &Table, names: &[&str]) -> Table {
    let mut t = table.clone();
    let keep: Vec<bool> = t
        .schema
        .columns
        .iter()
        .map(|c| !names.contains(&c.name.as_str()))
        .collect();
    let mut it = keep.iter();
    t.schema.columns.retain(|_| *it.next().unwrap());
    let mut it = keep.iter();
    t.columns.retain(|_| *it.next().unwrap());
    t
}

/// 90 rows: two numeric columns (one with missing values), a categorical one, and three
/// targets (binary, three classes, a value).
fn table() -> Table {
    let mut csv = String::from("x1,x2,colour,yb,ym,yr\n");
    for i in 0..90 {
        let x1 = ((i * 37) % 19) as f64 / 4.0 - 2.0;
        let x2 = if i % 7 == 3 {
            String::new()
        } else {
            format!("{}", ((i * 11) % 13) as f64 / 3.0)
        };
        let colour = ["red", "green", "blue"][i % 3];
        let x2v = if i % 7 == 3 {
            1.0
        } else {
            ((i * 11) % 13) as f64 / 3.0
        };
        let score = x1 + 0.5 * x2v - 1.0 + if i % 3 == 0 { 1.0 } else { 0.0 };
        let yb = if score > 0.0 { "yes" } else { "no" };
        let ym = if score > 1.0 {
            "hi"
        } else if score > -0.5 {
            "mid"
        } else {
            "lo"
        };
        let yr = 10.0 + 2.0 * x1 - x2v + if i % 3 == 1 { 3.0 } else { 0.0 } + (i % 5) as f64 * 0.1;
        csv.push_str(&format!("{x1},{x2},{colour},{yb},{ym},{yr}\n"));
    }
    read_csv_bytes("test.csv", csv.as_bytes(), &ReadOptions::default()).unwrap()
}

/// Default parameters of a kind, made quick to fit.
fn quick(kind: &str, task: Task) -> ModelParams {
    let mut tree = serde_json::to_value(ModelParams::from_name(kind, &[task]).unwrap()).unwrap();
    let map = tree.as_object_mut().unwrap();
    for (key, value) in [
        ("max_iter", serde_json::json!(5)),
        ("n_estimators", serde_json::json!(5)),
        ("hidden_layer_sizes", serde_json::json!([4])),
    ] {
        if map.contains_key(key) {
            map.insert(key.into(), value);
        }
    }
    serde_json::from_value(tree).unwrap()
}

fn fit(table: &Table, kind: &str, target: &str) -> FittedPipeline {
    let caps = capabilities_of(kind).unwrap();
    let others: Vec<&str> = ["yb", "ym", "yr"]
        .into_iter()
        .filter(|t| *t != target)
        .collect();
    let t = without(table, &others);
    let (data, _) = t
        .to_dataset(&TargetSpec {
            name: target.into(),
            task: None,
        })
        .unwrap();
    let task = data.require_target().unwrap().task();
    let mut params = PipelineParams {
        model: quick(kind, task),
        ..Default::default()
    };
    let data = if caps.role == Role::MultiOutput {
        let value: ndarray::Array1<f64> = data
            .x()
            .rows()
            .into_iter()
            .map(|r| if r[0].is_nan() { 0.0 } else { r[0] * 2.0 })
            .collect();
        params.tasks = [target, "size"]
            .into_iter()
            .map(|n| (n.to_string(), TargetSettings::default()))
            .collect();
        data.clone()
            .with_targets(vec![
                (target.into(), data.require_target().unwrap().clone()),
                ("size".into(), Target::regression(value)),
            ])
            .unwrap()
    } else {
        data
    };
    use satori_core::Estimator;
    params
        .fit_with_progress(&data, &NoProgress)
        .unwrap_or_else(|e| panic!("{kind} fits: {e}"))
}

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// The raw predictions are the model's own outputs, read in the explanation's space.
fn check_raw(kind: &str, p: &FittedPipeline, table: &Table, e: &Explanation) {
    let preds = p.predict_table_all(table).unwrap();
    let rows: Vec<usize> = e.rows.clone();
    let mut col = 0;
    for pr in &preds {
        let pr = pr.select(&rows);
        let expect: Vec<Vec<f64>> = match (&pr.proba, e.output_space) {
            (Some(proba), OutputSpace::Margin) if proba.ncols() == 2 => {
                let got = e.raw_predictions.column(col).mapv(sigmoid);
                for (g, w) in got.iter().zip(proba.column(1)) {
                    assert!((g - w).abs() < 1e-9, "{kind}: σ(margin) {g} vs {w}");
                }
                col += 1;
                continue;
            }
            (Some(proba), OutputSpace::Margin) => {
                for i in 0..rows.len() {
                    let m = e.raw_predictions.row(i);
                    let max = m.fold(f64::MIN, |a, &b| a.max(b));
                    let z: f64 = m.iter().map(|v| (v - max).exp()).sum();
                    for c in 0..proba.ncols() {
                        let s = (m[c] - max).exp() / z;
                        assert!((s - proba[[i, c]]).abs() < 1e-9, "{kind}: softmax");
                    }
                }
                col += proba.ncols();
                continue;
            }
            (Some(proba), _) if proba.ncols() == 2 => vec![proba.column(1).to_vec()],
            (Some(proba), _) => proba.columns().into_iter().map(|c| c.to_vec()).collect(),
            (None, OutputSpace::Margin) if pr.classes.is_some() => {
                // A classifier without probabilities (SGD with the hinge loss): the predicted
                // class is the side of the margin.
                for (g, c) in e.raw_predictions.column(col).iter().zip(&pr.values) {
                    assert_eq!(*g > 0.0, *c == 1.0, "{kind}: margin {g} vs class {c}");
                }
                col += 1;
                continue;
            }
            (None, OutputSpace::Margin) => {
                // A GLM with the log link: the prediction is exp(margin).
                vec![pr.values.mapv(f64::ln).to_vec()]
            }
            (None, _) => vec![pr.values.to_vec()],
        };
        for want in expect {
            let got = e.raw_predictions.column(col);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() < 1e-9,
                    "{kind} output {col}: raw {g} vs model {w}"
                );
            }
            col += 1;
        }
    }
    assert_eq!(col, e.outputs.len(), "{kind}");
}

fn target_for(role: Role, kind: &str) -> &'static str {
    match role {
        Role::Regressor => "yr",
        Role::BinaryClassifier | Role::MultiOutput => "yb",
        Role::Classifier if kind.contains("forest") || kind.starts_with("gbm") => "ym",
        Role::Classifier if kind.starts_with("logistic") || kind.starts_with("decision") => "ym",
        Role::Classifier => "yb",
    }
}

#[test]
fn every_family_adds_up_with_the_auto_method() {
    let table = table();
    let params = ExplainParams {
        rows: RowRange {
            start: 5,
            end: Some(11),
        },
        background_size: Some(12),
        ..Default::default()
    };
    for kind in MODEL_KINDS {
        let role = capabilities_of(kind).unwrap().role;
        let p = fit(&table, kind, target_for(role, kind));
        let e = explain(&p, &table, None, &params).unwrap_or_else(|err| panic!("{kind}: {err}"));
        assert_ne!(e.method, Method::Auto);
        assert_eq!(e.rows, (5..11).collect::<Vec<_>>());
        assert_eq!(e.columns, ["x1", "x2", "colour"], "{kind}");
        assert_eq!(e.values.shape(), [6, 3, e.outputs.len()], "{kind}");
        let err = e.additivity_error();
        assert!(err < 1e-9, "{kind} ({}): additivity error {err}", e.method);
        check_raw(kind, &p, &table, &e);
        let expected_method = if kind.starts_with("decision_tree")
            || kind.contains("forest")
            || kind.starts_with("extra_trees")
            || kind.starts_with("gbm")
        {
            Method::Tree
        } else if [
            "linear_regression",
            "ridge",
            "lasso",
            "elastic_net",
            "poisson_regressor",
            "tweedie_regressor",
            "logistic_regression",
            "sgd_classifier",
            "sgd_regressor",
        ]
        .contains(kind)
        {
            Method::Linear
        } else {
            Method::Permutation
        };
        assert_eq!(e.method, expected_method, "{kind}");
    }
}

#[test]
fn kernel_shap_adds_up_on_every_family() {
    let table = table();
    let params = ExplainParams {
        method: Method::Kernel,
        rows: RowRange {
            start: 0,
            end: Some(3),
        },
        background_size: Some(8),
        ..Default::default()
    };
    for kind in MODEL_KINDS {
        let role = capabilities_of(kind).unwrap().role;
        let p = fit(&table, kind, target_for(role, kind));
        let e = explain(&p, &table, None, &params).unwrap_or_else(|err| panic!("{kind}: {err}"));
        assert_eq!(e.method, Method::Kernel);
        let err = e.additivity_error();
        assert!(err < 1e-9, "{kind}: additivity error {err}");
        // Three columns: all six proper coalitions are enumerated.
        assert!(e.n_evaluations.unwrap() <= 6, "{kind}");
    }
}

/// With every coalition enumerated, KernelSHAP is the exact Shapley value of the background
/// game, which interventional TreeSHAP computes exactly: the two agree.
#[test]
fn kernel_shap_equals_interventional_tree_shap_when_exhaustive() {
    let table = table();
    for kind in ["gbm_regressor", "random_forest_classifier"] {
        let p = fit(
            &table,
            kind,
            if kind.ends_with("regressor") {
                "yr"
            } else {
                "yb"
            },
        );
        let bg = table.select_rows(&(40..60).collect::<Vec<_>>()).unwrap();
        let base = ExplainParams {
            rows: RowRange {
                start: 0,
                end: Some(10),
            },
            ..Default::default()
        };
        let tree = explain(
            &p,
            &table,
            Some(&bg),
            &ExplainParams {
                method: Method::Tree,
                ..base.clone()
            },
        )
        .unwrap();
        let kernel = explain(
            &p,
            &table,
            Some(&bg),
            &ExplainParams {
                method: Method::Kernel,
                ..base.clone()
            },
        )
        .unwrap();
        let perm = explain(
            &p,
            &table,
            Some(&bg),
            &ExplainParams {
                method: Method::Permutation,
                n_evaluations: Some(10_000),
                ..base
            },
        )
        .unwrap();
        assert_eq!(tree.output_space, kernel.output_space, "{kind}");
        for ((a, b), c) in tree.values.iter().zip(&kernel.values).zip(&perm.values) {
            assert!((a - b).abs() < 1e-9, "{kind}: tree {a} vs kernel {b}");
            // Three columns have six orders: the permutation estimate is close, not exact.
            assert!(
                (a - c).abs() < 0.05 * (1.0 + a.abs()),
                "{kind}: tree {a} vs perm {c}"
            );
        }
        for (a, b) in tree.base_values.iter().zip(&kernel.base_values) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}

/// A linear model is additive in its columns: one permutation is already exact, and linear SHAP
/// against the same background agrees with it.
#[test]
fn linear_shap_equals_the_permutation_explainer_on_an_additive_model() {
    let table = table();
    let p = fit(&table, "ridge", "yr");
    let base = ExplainParams {
        rows: RowRange {
            start: 0,
            end: Some(20),
        },
        ..Default::default()
    };
    let lin = explain(
        &p,
        &table,
        None,
        &ExplainParams {
            method: Method::Linear,
            ..base.clone()
        },
    )
    .unwrap();
    let perm = explain(
        &p,
        &table,
        None,
        &ExplainParams {
            method: Method::Permutation,
            background_size: Some(90),
            n_evaluations: Some(4),
            ..base
        },
    )
    .unwrap();
    for (a, b) in lin.values.iter().zip(&perm.values) {
        assert!((a - b).abs() < 1e-9, "linear {a} vs permutation {b}");
    }
    assert!(lin.additivity_error() < 1e-10);
}

#[test]
fn interaction_values_sum_to_the_shap_values() {
    let table = table();
    let p = fit(&table, "gbm_classifier", "ym");
    let e = explain(
        &p,
        &table,
        None,
        &ExplainParams {
            method: Method::Tree,
            interactions: true,
            ..Default::default()
        },
    )
    .unwrap();
    let inter = e.interactions.as_ref().unwrap();
    assert_eq!(inter.shape(), [90, 3, 3, 3]);
    let summed = inter.sum_axis(Axis(2));
    for (a, b) in summed.iter().zip(&e.values) {
        assert!((a - b).abs() < 1e-9);
    }
    // Symmetric.
    for i in 0..90 {
        for a in 0..3 {
            for b in 0..3 {
                for k in 0..3 {
                    let d = inter[[i, a, b, k]] - inter[[i, b, a, k]];
                    assert!(d.abs() < 1e-9);
                }
            }
        }
    }
}

#[test]
fn bad_requests_are_one_line_errors() {
    let table = table();
    let mlp = fit(&table, "mlp_classifier", "yb");
    let e = explain(
        &mlp,
        &table,
        None,
        &ExplainParams {
            method: Method::Tree,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("TreeSHAP needs a tree model") && e.contains("--method kernel"),
        "{e}"
    );
    let e = explain(
        &mlp,
        &table,
        None,
        &ExplainParams {
            rows: "80:120".parse().unwrap(),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("90 rows"), "{e}");
    let other = without(&table, &["colour"]);
    let e = explain(
        &mlp,
        &table,
        Some(&other),
        &ExplainParams {
            method: Method::Kernel,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("background") && e.contains("colour"), "{e}");
    let forest = fit(&table, "random_forest_regressor", "yr");
    let e = explain(
        &forest,
        &table,
        None,
        &ExplainParams {
            method: Method::Linear,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("linear SHAP needs a linear model"), "{e}");
    assert!(!e.contains('\n'));
}

/// Mixing preprocessing (PCA) makes `auto` fall back to the permutation explainer on the input
/// columns, and `--method tree` say why it cannot.
#[test]
fn mixing_steps_fall_back_to_the_permutation_explainer() {
    let table = table();
    let t = without(&table, &["yb", "ym", "colour"]);
    let (data, _) = t
        .to_dataset(&TargetSpec {
            name: "yr".into(),
            task: None,
        })
        .unwrap();
    let params: PipelineParams = serde_json::from_value(serde_json::json!({
        "preprocessing": [
            {"step": "simple_imputer"},
            {"step": "pca", "n_components": 2}
        ],
        "model": {"kind": "decision_tree_regressor", "max_depth": 3}
    }))
    .unwrap();
    use satori_core::Estimator;
    let p = params.fit(&data).unwrap();
    let (m, why) = satori_explain::auto_method(&p);
    assert_eq!(m, Method::Permutation);
    assert!(why.contains("pca0"), "{why}");
    let e = explain(&p, &t, None, &ExplainParams::default()).unwrap();
    assert_eq!(e.method, Method::Permutation);
    assert!(e.additivity_error() < 1e-9);
    let err = explain(
        &p,
        &t,
        None,
        &ExplainParams {
            method: Method::Tree,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("mixes input columns"), "{err}");
}
