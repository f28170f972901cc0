//! Every model kind's declared capabilities agree with what its fitted model does.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, NoProgress, Target, Task};

use crate::models::{AnyModel, Capabilities, MODEL_KINDS, ModelParams, Role, capabilities_of};

fn features() -> Array2<f64> {
    Array2::from_shape_fn((48, 3), |(i, j)| {
        ((i * 7 + j * 5) % 11) as f64 / 5.0 - 1.0 + (i as f64) * 0.01
    })
}

fn classes(x: &Array2<f64>) -> Target {
    let codes: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] + 0.5 * r[1] > 0.0))
        .collect();
    Target::classes(codes, vec!["a".into(), "b".into()]).unwrap()
}

fn values(x: &Array2<f64>) -> Target {
    Target::regression(
        x.rows()
            .into_iter()
            .map(|r| 2.0 * r[0] - r[2] + 3.0)
            .collect(),
    )
}

fn data_for(role: Role) -> Dataset {
    let x = features();
    let d = Dataset::new(x.clone(), vec!["f0".into(), "f1".into(), "f2".into()]).unwrap();
    match role {
        Role::Classifier | Role::BinaryClassifier => d.with_target(classes(&x)).unwrap(),
        Role::Regressor => d.with_target(values(&x)).unwrap(),
        Role::MultiOutput => d
            .with_targets(vec![("c".into(), classes(&x)), ("v".into(), values(&x))])
            .unwrap(),
    }
}

/// Default parameters of a kind, made quick to fit.
fn quick(kind: &str) -> ModelParams {
    let mut tree =
        serde_json::to_value(ModelParams::from_name(kind, &[Task::Binary]).unwrap()).unwrap();
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

fn sparse_of(x: &Array2<f64>) -> satori_core::CsMat<f64> {
    let mut tri = sprs::TriMat::new((x.nrows(), x.ncols()));
    for ((i, j), v) in x.indexed_iter() {
        if *v != 0.0 {
            tri.add_triplet(i, j, *v);
        }
    }
    tri.to_csr()
}

#[test]
fn declared_capabilities_match_the_fitted_models() {
    for kind in MODEL_KINDS {
        let caps: Capabilities = capabilities_of(kind).unwrap();
        let params = quick(kind);
        assert_eq!(params.capabilities(), caps, "{kind}");
        let data = data_for(caps.role);
        let model: AnyModel = params
            .fit(&data, None, &NoProgress)
            .unwrap_or_else(|e| panic!("{kind} fits: {e}"));
        assert_eq!(model.kind(), *kind);
        assert_eq!(model.capabilities(), caps, "{kind}");
        assert_eq!(model.n_features(), 3, "{kind}");
        let outputs = model.outputs(data.x()).unwrap();
        assert_eq!(
            outputs.len(),
            data.n_targets(),
            "{kind}: one output per target"
        );
        let classifier = data.targets()[0].task().is_classification();
        let proba = outputs[0].proba.is_some();
        if !caps.probabilities {
            assert!(!proba, "{kind} declares no probabilities and gives them");
        } else if *kind != "sgd_classifier" && *kind != "voting_classifier" {
            // SGD gives probabilities only with a probabilistic loss (not its default hinge);
            // a voting classifier only with soft voting (not scikit-learn's default hard).
            assert!(proba && classifier, "{kind} declares probabilities");
        }
        assert_eq!(
            model.feature_importances().is_some(),
            caps.importances,
            "{kind}: importances"
        );
        assert_eq!(
            model.selection_scores().is_some(),
            caps.importances || caps.coefficients,
            "{kind}: selection scores"
        );
        assert_eq!(
            model.training_history().is_some(),
            caps.history,
            "{kind}: history"
        );
        let sparse = params.fit_csr(&sparse_of(&features()), &data);
        assert_eq!(sparse.is_ok(), caps.sparse_input, "{kind}: sparse fit");
        if let Ok(m) = sparse {
            assert_eq!(m.outputs_csr(&sparse_of(&features())).unwrap().len(), 1);
        } else {
            assert!(model.outputs_csr(&sparse_of(&features())).is_err());
        }
        let more = model.continue_training(&data, 1, &NoProgress);
        assert_eq!(more.is_ok(), caps.continues, "{kind}: continue training");
        if caps.continues {
            assert_eq!(more.unwrap().kind(), *kind);
        } else {
            let e = more.unwrap_err().to_string();
            assert!(e.contains("no incremental update"), "{kind}: {e}");
        }
    }
}

#[test]
fn several_targets_need_a_multi_output_model() {
    let data = data_for(Role::MultiOutput);
    let e = quick("gbm_classifier")
        .fit(&data, None, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("learns one target") && e.contains("multitask_mlp"),
        "{e}"
    );
    let m = ModelParams::from_name("mlp", &[Task::Binary, Task::Regression]).unwrap();
    assert_eq!(m.kind(), "multitask_mlp");
    let g = ModelParams::from_name("gbm", &[Task::Binary, Task::Regression]).unwrap();
    let e = g
        .validate_for(&[Task::Binary, Task::Regression])
        .unwrap_err()
        .to_string();
    assert!(e.contains("--model mlp"), "{e}");
}
