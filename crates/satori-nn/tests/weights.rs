//! Weights as safetensors: round trips, PyTorch's names, shapes and orientation, and clean
//! errors on malformed files.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use satori_core::rng::{rng, standard_normal};
use satori_core::{Dataset, Error, Estimator, PredictProba, Predictor, Target};
use satori_nn::{
    Activation, Dense, Hidden, MlpClassifier, MlpClassifierParams, MlpParams, MlpRegressorParams,
    MultiTaskMlpParams, Network, NeuralNet,
};

fn data(n: usize, seed: u64) -> (Array2<f64>, Array1<usize>, Array1<f64>) {
    let mut r = rng(seed);
    let x = Array2::from_shape_fn((n, 5), |_| standard_normal(&mut r));
    let codes = x
        .rows()
        .into_iter()
        .map(|v| (v[0] + v[1] > 0.0) as usize + (v[2] > 1.0) as usize)
        .collect();
    let y = x.rows().into_iter().map(|v| v[0] * v[3] + v[4]).collect();
    (x, codes, y)
}

fn names() -> Vec<String> {
    (0..5).map(|j| format!("x{j}")).collect()
}

fn params(batch_norm: bool) -> MlpParams {
    MlpParams {
        hidden_layer_sizes: vec![6, 4],
        activation: Activation::Tanh,
        batch_norm,
        max_iter: 5,
        ..Default::default()
    }
}

fn classifier(batch_norm: bool) -> MlpClassifier {
    let (x, codes, _) = data(80, 1);
    let labels = vec!["a".into(), "b".into(), "c".into()];
    let d = Dataset::new(x, names())
        .unwrap()
        .with_target(Target::classes(codes, labels).unwrap())
        .unwrap();
    MlpClassifierParams(params(batch_norm)).fit(&d).unwrap()
}

/// A network with a hand-made 2 × 3 hidden layer (`W[k][j] = 10 k + j`) and a 3 × 1 head.
fn hand_made() -> Network {
    Network {
        n_inputs: 2,
        activation: Activation::Relu,
        hidden: vec![Hidden {
            dense: Dense {
                n_in: 2,
                n_out: 3,
                weight: vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0],
                bias: vec![0.5, -0.5, 1.5],
            },
            batch_norm: None,
        }],
        heads: vec![Dense {
            n_in: 3,
            n_out: 1,
            weight: vec![1.0, 2.0, 3.0],
            bias: vec![-1.0],
        }],
        compressed: None,
    }
}

fn f32s(t: &TensorView<'_>) -> Vec<f32> {
    t.data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// The tensors of a safetensors file, by name, as (shape, values).
fn tensors(bytes: &[u8]) -> BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let st = SafeTensors::deserialize(bytes).unwrap();
    st.tensors()
        .into_iter()
        .map(|(n, t)| {
            assert_eq!(t.dtype(), Dtype::F32, "{n}");
            (n, (t.shape().to_vec(), f32s(&t)))
        })
        .collect()
}

fn metadata(bytes: &[u8]) -> BTreeMap<String, String> {
    let (_, m) = SafeTensors::read_metadata(bytes).unwrap();
    m.metadata().clone().unwrap().into_iter().collect()
}

/// Write `tensors` (name, shape, values) with the crate's own serializer.
fn write(tensors: &[(&str, Vec<usize>, Vec<f32>)], meta: &[(&str, &str)]) -> Vec<u8> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| {
            let b = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            (n.to_string(), s.clone(), b)
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        })
        .collect();
    #[allow(clippy::disallowed_types)] // the crate's metadata type; order is irrelevant here
    let meta: std::collections::HashMap<String, String> = meta
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    safetensors::serialize(views, Some(meta)).unwrap()
}

/// The tensors of `hand_made()` in PyTorch's layout, minus `skip`.
fn hand_made_tensors(skip: &str) -> Vec<(&'static str, Vec<usize>, Vec<f32>)> {
    vec![
        (
            "trunk.0.weight",
            vec![3, 2],
            vec![0.0, 10.0, 1.0, 11.0, 2.0, 12.0],
        ),
        ("trunk.0.bias", vec![3], vec![0.5, -0.5, 1.5]),
        ("heads.0.weight", vec![1, 3], vec![1.0, 2.0, 3.0]),
        ("heads.0.bias", vec![1], vec![-1.0]),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n != skip)
    .collect()
}

fn invalid(bytes: &[u8]) -> String {
    match Network::from_safetensors(bytes) {
        Err(e @ (Error::InvalidData(_) | Error::UnsupportedFormat(_))) => e.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn round_trip_gives_an_identical_network_and_predictions() {
    for bn in [false, true] {
        let model = classifier(bn);
        let bytes = model.network().to_safetensors().unwrap();
        let back = Network::from_safetensors(&bytes).unwrap();
        assert_eq!(&back, model.network());
        let again = MlpClassifier::from_network(
            MlpClassifierParams::default(),
            back,
            model.classes().to_vec(),
        )
        .unwrap();
        let (x, _, _) = data(30, 9);
        assert_eq!(
            model.predict(x.view()).unwrap(),
            again.predict(x.view()).unwrap()
        );
        // The same network always gives the same bytes.
        assert_eq!(bytes, model.network().to_safetensors().unwrap());
    }
}

#[test]
fn regressor_and_multitask_networks_round_trip() {
    let (x, codes, y) = data(60, 2);
    let d = Dataset::new(x.clone(), names())
        .unwrap()
        .with_target(Target::regression(y.clone()))
        .unwrap();
    let reg = MlpRegressorParams(params(true)).fit(&d).unwrap();
    let bytes = reg.network().to_safetensors().unwrap();
    assert_eq!(&Network::from_safetensors(&bytes).unwrap(), reg.network());

    let targets = vec![
        ("value".to_string(), Target::regression(y)),
        (
            "class".to_string(),
            Target::classes(codes, vec!["a".into(), "b".into(), "c".into()]).unwrap(),
        ),
    ];
    let d = Dataset::new(x, names()).unwrap();
    let mt = MultiTaskMlpParams(params(false))
        .fit_tasks(&d, &targets)
        .unwrap();
    let bytes = mt.network().to_safetensors().unwrap();
    let t = tensors(&bytes);
    assert_eq!(t["heads.0.weight"].0, vec![1, 4]);
    assert_eq!(t["heads.1.weight"].0, vec![3, 4]);
    assert_eq!(metadata(&bytes)["head_sizes"], "1,3");
    assert_eq!(&Network::from_safetensors(&bytes).unwrap(), mt.network());
}

#[test]
fn names_and_shapes_follow_pytorch_sequential() {
    let model = classifier(true);
    let bytes = model.network().to_safetensors().unwrap();
    let t = tensors(&bytes);
    let shapes: Vec<(&str, Vec<usize>)> = t
        .iter()
        .map(|(n, (s, _))| (n.as_str(), s.clone()))
        .collect();
    // Linear(5, 6), BatchNorm1d(6), Tanh, Linear(6, 4), BatchNorm1d(4), Tanh; head Linear(4, 3).
    let expected: Vec<(&str, Vec<usize>)> = vec![
        ("heads.0.bias", vec![3]),
        ("heads.0.weight", vec![3, 4]),
        ("trunk.0.bias", vec![6]),
        ("trunk.0.weight", vec![6, 5]),
        ("trunk.1.bias", vec![6]),
        ("trunk.1.running_mean", vec![6]),
        ("trunk.1.running_var", vec![6]),
        ("trunk.1.weight", vec![6]),
        ("trunk.3.bias", vec![4]),
        ("trunk.3.weight", vec![4, 6]),
        ("trunk.4.bias", vec![4]),
        ("trunk.4.running_mean", vec![4]),
        ("trunk.4.running_var", vec![4]),
        ("trunk.4.weight", vec![4]),
    ];
    assert_eq!(shapes, expected);
    let bn = model.network().hidden[1].batch_norm.as_ref().unwrap();
    assert_eq!(t["trunk.4.weight"].1, bn.gamma);
    assert_eq!(t["trunk.4.running_var"].1, bn.running_var);
    let m = metadata(&bytes);
    assert_eq!(m["format"], "satori.network");
    assert_eq!(m["activation"], "tanh");
    assert_eq!(m["n_inputs"], "5");
    assert_eq!(m["hidden_layer_sizes"], "6,4");
    assert_eq!(m["head_sizes"], "3");
    assert_eq!(m["batch_norm"], "true");
    assert_eq!(m["batch_norm_eps"], "0.00001");
    assert_eq!(m["satori_version"], env!("CARGO_PKG_VERSION"));
    assert!(m["torch_modules"].starts_with("trunk = Sequential(Linear(5, 6), BatchNorm1d(6"));

    // Without batch norm the activation follows the Linear directly.
    let t = tensors(&classifier(false).network().to_safetensors().unwrap());
    let names: Vec<&str> = t.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "heads.0.bias",
            "heads.0.weight",
            "trunk.0.bias",
            "trunk.0.weight",
            "trunk.2.bias",
            "trunk.2.weight"
        ]
    );
}

#[test]
fn linear_weights_are_out_by_in_like_pytorch() {
    let bytes = hand_made().to_safetensors().unwrap();
    let t = tensors(&bytes);
    // satori's W[k][j] = 10 k + j (input k, output j) becomes PyTorch's weight[j][k].
    assert_eq!(
        t["trunk.0.weight"],
        (vec![3, 2], vec![0.0, 10.0, 1.0, 11.0, 2.0, 12.0])
    );
    assert_eq!(t["trunk.0.bias"], (vec![3], vec![0.5, -0.5, 1.5]));
    assert_eq!(t["heads.0.weight"], (vec![1, 3], vec![1.0, 2.0, 3.0]));
    // A file written by the safetensors crate from PyTorch-oriented tensors reads back as the
    // same network.
    let external = write(&hand_made_tensors(""), &[("activation", "relu")]);
    assert_eq!(Network::from_safetensors(&external).unwrap(), hand_made());
}

#[test]
fn malformed_files_are_errors() {
    let good = hand_made().to_safetensors().unwrap();
    assert!(invalid(&[]).contains("safetensors"));
    assert!(invalid(b"not a safetensors file at all").contains("safetensors"));
    assert!(invalid(&good[..good.len() - 3]).contains("safetensors"));
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    invalid(&huge);
}

#[test]
fn missing_wrong_and_unexpected_tensors_are_named() {
    let meta = [
        ("activation", "relu"),
        ("hidden_layer_sizes", "3"),
        ("head_sizes", "1"),
    ];
    let e = invalid(&write(&hand_made_tensors("trunk.0.bias"), &meta));
    assert!(e.contains("missing tensor `trunk.0.bias`"), "{e}");
    let e = invalid(&write(&hand_made_tensors("heads.0.weight"), &meta));
    assert!(e.contains("missing tensor `heads.0.weight`"), "{e}");

    // The head stored satori's way ([in, out]) instead of PyTorch's.
    let mut t = hand_made_tensors("");
    t[2].1 = vec![3, 1];
    let e = invalid(&write(&t, &meta));
    assert!(
        e.contains("`heads.0.weight` has shape [3, 1], expected [1, 3]"),
        "{e}"
    );

    let mut t = hand_made_tensors("");
    t[1].2[1] = f32::NAN;
    let e = invalid(&write(&t, &meta));
    assert!(e.contains("`trunk.0.bias` holds a non-finite value"), "{e}");

    let mut t = hand_made_tensors("");
    t.push(("trunk.7.weight", vec![2], vec![1.0, 2.0]));
    let e = invalid(&write(&t, &meta));
    assert!(e.contains("unexpected tensor(s) trunk.7.weight"), "{e}");

    let e = invalid(&write(&hand_made_tensors(""), &[]));
    assert!(e.contains("metadata `activation` is missing"), "{e}");
    let e = invalid(&write(&hand_made_tensors(""), &[("activation", "swish")]));
    assert!(e.contains("`swish`"), "{e}");
    let e = invalid(&write(
        &hand_made_tensors(""),
        &[("activation", "relu"), ("n_inputs", "4")],
    ));
    assert!(
        e.contains("`trunk.0.weight` has shape [3, 2], expected [3, 4]"),
        "{e}"
    );
}

#[test]
fn float64_tensors_are_refused_with_their_name() {
    let b: Vec<u8> = [1.0f64, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>)> = hand_made_tensors("trunk.0.bias")
        .into_iter()
        .map(|(n, s, v)| {
            (
                n.to_string(),
                s,
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        })
        .collect();
    owned.push(("trunk.0.bias".into(), vec![3], b));
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .map(|(n, s, b)| {
            let dt = if n == "trunk.0.bias" {
                Dtype::F64
            } else {
                Dtype::F32
            };
            (n.clone(), TensorView::new(dt, s.clone(), b).unwrap())
        })
        .collect();
    #[allow(clippy::disallowed_types)] // the crate's metadata type; one key
    let meta = std::collections::HashMap::from([("activation".to_string(), "relu".to_string())]);
    let e = invalid(&safetensors::serialize(views, Some(meta)).unwrap());
    assert!(e.contains("`trunk.0.bias` is F64"), "{e}");
}

#[test]
fn bytes_match_the_safetensors_crate_layout() {
    // With one metadata key (so the crate's hash-map order cannot differ) the crate writes the
    // same bytes for the same tensors.
    let net = hand_made();
    let ours = net.to_safetensors().unwrap();
    let t = tensors(&ours);
    let list: Vec<(&str, Vec<usize>, Vec<f32>)> = t
        .iter()
        .map(|(n, (s, v))| (n.as_str(), s.clone(), v.clone()))
        .collect();
    let m = metadata(&ours);
    let theirs = write(&list, &[("activation", m["activation"].as_str())]);
    let header = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    // Same data section, and the same tensor entries in the header.
    assert_eq!(ours[8 + header(&ours)..], theirs[8 + header(&theirs)..]);
    let theirs_json = String::from_utf8(theirs[8..8 + header(&theirs)].to_vec()).unwrap();
    let tensor_part = &theirs_json[theirs_json.find("},").unwrap() + 2..];
    let ours_json = String::from_utf8(ours[8..8 + header(&ours)].to_vec()).unwrap();
    assert!(
        ours_json.trim_end().ends_with(tensor_part.trim_end()),
        "{ours_json}\n{theirs_json}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn corrupted_files_never_panic(pos in 0usize..400, byte in any::<u8>(), cut in 0usize..400) {
        let mut bytes = hand_made().to_safetensors().unwrap();
        let n = bytes.len();
        bytes[pos % n] = byte;
        bytes.truncate(n - cut % n);
        if let Ok(net) = Network::from_safetensors(&bytes) {
            prop_assert!(net.validate().is_ok());
        }
    }
}

/// In a model payload (postcard) a network is the bytes of its safetensors file (the model file's
/// own versioning code reads the field-by-field layout of formats 1 and 2; see satori-pipeline).
#[test]
fn payloads_hold_safetensors() {
    let net = satori_nn::NeuralNet::network(&classifier(true)).clone();
    let bytes = postcard::to_allocvec(&net).unwrap();
    let st_bytes = net.to_safetensors().unwrap();
    assert!(
        bytes.ends_with(&st_bytes),
        "the payload is a length prefix and the file"
    );
    assert!(
        bytes.len() - st_bytes.len() <= 5,
        "only a varint length before the file"
    );
    assert_eq!(postcard::from_bytes::<Network>(&bytes).unwrap(), net);

    #[derive(serde::Serialize)]
    struct Fields<'a> {
        n_inputs: usize,
        activation: Activation,
        hidden: &'a [Hidden],
        heads: &'a [Dense],
    }
    let old = postcard::to_allocvec(&Fields {
        n_inputs: net.n_inputs,
        activation: net.activation,
        hidden: &net.hidden,
        heads: &net.heads,
    })
    .unwrap();
    // The old layout is not mistaken for a network.
    assert!(postcard::from_bytes::<Network>(&old).is_err());
}
