//! The exported graph's interface, and the one-line errors for what has no ONNX equivalent.

use prost::Message;
use satori_core::{Estimator, NoProgress};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_onnx::proto::ModelProto;
use satori_onnx::{Elem, export, export_to_file};
use satori_pipeline::{FittedPipeline, ModelParams, PipelineParams, StepParams};

/// 60 rows: two numeric columns (one with gaps), a categorical one, a class and a value.
fn table() -> Table {
    let mut csv = String::from("x1,x2,colour,y,v\n");
    for i in 0..60 {
        let x1 = ((i * 37) % 19) as f64 / 4.0 - 2.0;
        let x2 = if i % 7 == 3 {
            String::new()
        } else {
            format!("{}", ((i * 11) % 13) as f64 / 3.0)
        };
        let colour = ["red", "green", "blue"][i % 3];
        let y = if x1 + (i % 3) as f64 > 1.0 {
            "yes"
        } else {
            "no"
        };
        csv.push_str(&format!("{x1},{x2},{colour},{y},{}\n", x1 * 2.0 + 1.0));
    }
    read_csv_bytes("t.csv", csv.as_bytes(), &ReadOptions::default()).unwrap()
}

fn fit(target: &str, kind: &str, steps: Option<Vec<StepParams>>) -> FittedPipeline {
    let t = table();
    let other = if target == "y" { "v" } else { "y" };
    let mut t2 = t.clone();
    let at = t2.schema.position(other).unwrap();
    t2.schema.columns.remove(at);
    t2.columns.remove(at);
    let (data, _) = t2
        .to_dataset(&TargetSpec {
            name: target.into(),
            task: None,
        })
        .unwrap();
    let task = data.require_target().unwrap().task();
    let mut params = PipelineParams {
        model: ModelParams::from_name(kind, &[task]).unwrap(),
        ..Default::default()
    };
    if let Some(steps) = steps {
        params.preprocessing = steps;
        params.auto_preprocessing = false;
    }
    params.fit_with_progress(&data, &NoProgress).unwrap()
}

#[test]
fn a_classifier_has_one_input_per_column_and_label_and_probabilities() {
    let p = fit("y", "random_forest_classifier", None);
    let m = export(&p).unwrap();
    let names: Vec<(&str, Elem)> = m.inputs.iter().map(|i| (i.name.as_str(), i.elem)).collect();
    assert_eq!(
        names,
        vec![
            ("x1", Elem::Double),
            ("x2", Elem::Double),
            ("colour", Elem::String)
        ]
    );
    let outs: Vec<&str> = m.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(outs, vec!["label", "probabilities"]);
    assert_eq!(m.outputs[1].shape, vec![None, Some(2)]);
    let proto = ModelProto::decode(m.bytes.as_slice()).unwrap();
    let graph = proto.graph.unwrap();
    assert!(
        graph
            .node
            .iter()
            .any(|n| n.op_type == "TreeEnsembleClassifier" && n.domain == "ai.onnx.ml")
    );
    let domains: Vec<(&str, i64)> = proto
        .opset_import
        .iter()
        .map(|o| (o.domain.as_str(), o.version))
        .collect();
    assert_eq!(domains, vec![("", 17), ("ai.onnx.ml", 3)]);
    assert!(
        proto
            .metadata_props
            .iter()
            .any(|e| e.key == "satori_classes" && e.value == "no,yes")
    );
}

#[test]
fn a_regressor_gives_variable() {
    let p = fit("v", "ridge", None);
    let m = export(&p).unwrap();
    let outs: Vec<&str> = m.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(outs, vec!["variable"]);
    // The automatic steps (one-hot, imputer, scaler) export; no ai.onnx.ml tree operator.
    let proto = ModelProto::decode(m.bytes.as_slice()).unwrap();
    let ops: Vec<String> = proto
        .graph
        .unwrap()
        .node
        .into_iter()
        .map(|n| n.op_type)
        .collect();
    assert!(ops.contains(&"LabelEncoder".to_string()));
    assert!(ops.contains(&"Gemm".to_string()));
    assert!(!ops.iter().any(|o| o.starts_with("TreeEnsemble")));
}

#[test]
fn a_model_kind_without_onnx_is_a_one_line_error_naming_it() {
    let p = fit("y", "knn_classifier", None);
    let e = export(&p).unwrap_err().to_string();
    assert!(e.contains("`knn_classifier` has no ONNX export"), "{e}");
    assert!(e.contains("random_forest_classifier"), "{e}");
    assert!(!e.contains('\n'));
}

#[test]
fn a_step_without_onnx_is_a_one_line_error_naming_it() {
    let steps: Vec<StepParams> =
        serde_json::from_str(r#"[{"step": "quantile_transformer", "n_quantiles": 10}]"#).unwrap();
    let p = fit("v", "gbm_regressor", Some(steps));
    let e = export(&p).unwrap_err().to_string();
    assert!(
        e.contains("step `quantile_transformer` has no ONNX equivalent"),
        "{e}"
    );
    assert!(!e.contains('\n'));
}

#[test]
fn a_failed_export_writes_nothing_and_a_good_one_writes_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.onnx");
    let knn = fit("y", "knn_classifier", None);
    assert!(export_to_file(&knn, &out).is_err());
    assert!(!out.exists());
    let gbm = fit("y", "gbm_classifier", None);
    let m = export_to_file(&gbm, &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), m.bytes);
    // Deterministic: the same pipeline gives the same bytes.
    assert_eq!(export(&gbm).unwrap().bytes, m.bytes);
}
