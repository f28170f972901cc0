//! `satori inspect model.satori --export-weights weights.safetensors`: a network's weights in the
//! standard tensor format, read back with the `safetensors` crate; other models refused.

mod common;
use common::*;

use std::path::Path;

use safetensors::{Dtype, SafeTensors};

fn train(data_file: &str, model: &str, extra: &[&str]) {
    let mut args = vec!["train", data_file, "--out", model];
    args.extend_from_slice(extra);
    let o = satori(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Tensor names with their shapes, in name order.
type Shapes = Vec<(String, Vec<usize>)>;

/// The tensor names and shapes of a safetensors file, in name order, and its metadata.
fn read(path: &Path) -> (Shapes, Vec<(String, String)>) {
    let bytes = std::fs::read(path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Shapes = st
        .tensors()
        .into_iter()
        .map(|(n, t)| {
            assert_eq!(t.dtype(), Dtype::F32, "{n}");
            assert!(
                t.data()
                    .chunks_exact(4)
                    .all(|c| f32::from_le_bytes(c.try_into().unwrap()).is_finite())
            );
            (n, t.shape().to_vec())
        })
        .collect();
    names.sort();
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta: Vec<(String, String)> = meta.metadata().clone().unwrap().into_iter().collect();
    meta.sort();
    (names, meta)
}

fn meta_value<'a>(meta: &'a [(String, String)], key: &str) -> &'a str {
    meta.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no metadata `{key}` in {meta:?}"))
}

#[test]
fn mlp_classifier_weights_export_as_pytorch_tensors() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("mlp.satori");
    let model = model.to_str().unwrap();
    train(
        &data("breast_cancer.csv"),
        model,
        &[
            "--target",
            "diagnosis",
            "--model",
            "mlp",
            "--set",
            "model.max_iter=3",
            "--set",
            "model.hidden_layer_sizes=[8,4]",
            "--set",
            "model.batch_norm=true",
        ],
    );
    let out = dir.path().join("weights.safetensors");
    let o = satori(&["inspect", model, "--export-weights", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("wrote 14 tensors"), "{}", stdout(&o));
    assert!(!dir.path().join("weights.safetensors.tmp").exists());
    let (tensors, meta) = read(&out);
    let n_in = meta_value(&meta, "n_inputs").parse::<usize>().unwrap();
    assert!(n_in >= 30, "{meta:?}");
    let expected: Shapes = [
        ("heads.0.bias", vec![2]),
        ("heads.0.weight", vec![2, 4]),
        ("trunk.0.bias", vec![8]),
        ("trunk.0.weight", vec![8, n_in]),
        ("trunk.1.bias", vec![8]),
        ("trunk.1.running_mean", vec![8]),
        ("trunk.1.running_var", vec![8]),
        ("trunk.1.weight", vec![8]),
        ("trunk.3.bias", vec![4]),
        ("trunk.3.weight", vec![4, 8]),
        ("trunk.4.bias", vec![4]),
        ("trunk.4.running_mean", vec![4]),
        ("trunk.4.running_var", vec![4]),
        ("trunk.4.weight", vec![4]),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect();
    assert_eq!(tensors, expected);
    assert_eq!(meta_value(&meta, "activation"), "relu");
    assert_eq!(meta_value(&meta, "hidden_layer_sizes"), "8,4");
    assert_eq!(meta_value(&meta, "format"), "satori.network");

    // JSON output, and a second export gives the same bytes.
    let again = dir.path().join("again.safetensors");
    let o = satori(&[
        "inspect",
        model,
        "--export-weights",
        again.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["model_kind"], "mlp_classifier");
    assert_eq!(j["tensors"], 14);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn regressor_and_multitask_weights_export() {
    let dir = tempfile::tempdir().unwrap();
    let diabetes = data("diabetes.csv");
    for (name, target) in [("reg", "progression"), ("multi", "progression,bmi")] {
        let model = dir.path().join(format!("{name}.satori"));
        let model = model.to_str().unwrap();
        train(
            &diabetes,
            model,
            &[
                "--target",
                target,
                "--model",
                "mlp",
                "--set",
                "model.max_iter=3",
                "--set",
                "model.hidden_layer_sizes=[5]",
            ],
        );
        let out = dir.path().join(format!("{name}.safetensors"));
        let o = satori(&["inspect", model, "--export-weights", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let (tensors, meta) = read(&out);
        let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
        if name == "reg" {
            assert_eq!(
                names,
                [
                    "heads.0.bias",
                    "heads.0.weight",
                    "trunk.0.bias",
                    "trunk.0.weight"
                ]
            );
            assert_eq!(tensors[1].1, vec![1, 5]);
        } else {
            assert_eq!(
                names,
                [
                    "heads.0.bias",
                    "heads.0.weight",
                    "heads.1.bias",
                    "heads.1.weight",
                    "trunk.0.bias",
                    "trunk.0.weight"
                ]
            );
            assert_eq!(meta_value(&meta, "head_sizes"), "1,1");
        }
    }
}

#[test]
fn models_without_a_network_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("gbm.satori");
    let model = model.to_str().unwrap();
    train(
        &data("breast_cancer.csv"),
        model,
        &[
            "--target",
            "diagnosis",
            "--model",
            "gbm",
            "--set",
            "model.n_estimators=3",
        ],
    );
    let out = dir.path().join("w.safetensors");
    let o = satori(&["inspect", model, "--export-weights", out.to_str().unwrap()]);
    assert_user_error(
        &o,
        &[
            "holds a gbm_classifier",
            "only neural networks",
            "have weights to export",
        ],
    );
    assert!(!out.exists());

    // A data file is not a model file.
    let o = satori(&[
        "inspect",
        &data("diabetes.csv"),
        "--export-weights",
        out.to_str().unwrap(),
    ]);
    assert_user_error(&o, &["--export-weights needs a satori model file"]);
    assert!(!out.exists());
}
