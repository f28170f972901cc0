//! Exported weights load into PyTorch and give satori's outputs (tests/golden/nn_safetensors).
//!
//! Each case is a seeded network (activations relu, gelu, tanh, logistic; with and without
//! batch norm) exported to `tests/golden/nn_safetensors/<case>.safetensors`. generate.py loads
//! each file with `load_state_dict(strict=True)` into the equivalent `trunk` (`nn.Sequential`)
//! and `heads` (`nn.ModuleList`) modules and records their outputs on seeded inputs; here the
//! committed file must read back as the same network, hold the same tensors as a fresh export,
//! and satori's forward pass must match PyTorch's within 1e-5 (relative above 1; both float32).
//!
//! To rewrite the `.safetensors` files after a deliberate change of the format:
//! `SATORI_WRITE_GOLDEN_WEIGHTS=1 cargo test -p satori-nn --test golden_safetensors`, then
//! `bench/.venv/bin/python tests/golden/nn_safetensors/generate.py`.

use std::path::PathBuf;

use ndarray::Array2;
use safetensors::SafeTensors;
use satori_core::Predictor;
use satori_core::rng::{rng, standard_normal};
use satori_nn::{
    Activation, BatchNorm, Dense, Hidden, MlpClassifier, MlpClassifierParams, MlpRegressor,
    MlpRegressorParams, Network,
};
use serde_json::Value;

/// (case, activation, n_inputs, hidden sizes, batch norm, outputs, seed)
type Case = (
    &'static str,
    Activation,
    usize,
    &'static [usize],
    bool,
    usize,
    u64,
);

const CASES: &[Case] = &[
    ("relu", Activation::Relu, 5, &[8, 6], false, 3, 11),
    ("gelu_bn", Activation::Gelu, 4, &[7, 5], true, 2, 12),
    ("tanh_bn", Activation::Tanh, 6, &[4], true, 1, 13),
    (
        "logistic",
        Activation::Logistic,
        3,
        &[5, 4, 3],
        false,
        1,
        14,
    ),
    ("linear", Activation::Relu, 4, &[], false, 2, 15),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/nn_safetensors")
}

fn build(case: &Case) -> Network {
    let &(_, activation, n_inputs, sizes, bn, n_out, seed) = case;
    let mut r = rng(seed);
    let mut normal = |n: usize, scale: f64| -> Vec<f32> {
        (0..n)
            .map(|_| (scale * standard_normal(&mut r)) as f32)
            .collect()
    };
    let mut dense = |n_in: usize, n_out: usize| Dense {
        n_in,
        n_out,
        weight: normal(n_in * n_out, 1.0 / (n_in as f64).sqrt()),
        bias: normal(n_out, 0.3),
    };
    let mut hidden = Vec::new();
    let mut width = n_inputs;
    for &n in sizes {
        hidden.push(Hidden {
            dense: dense(width, n),
            batch_norm: None,
        });
        width = n;
    }
    let heads = vec![dense(width, n_out)];
    let mut r = rng(seed + 1000);
    for h in hidden.iter_mut().filter(|_| bn) {
        let n = h.dense.n_out;
        let mut v = |scale: f64, shift: f64| -> Vec<f32> {
            (0..n)
                .map(|_| (shift + scale * standard_normal(&mut r)) as f32)
                .collect()
        };
        h.batch_norm = Some(BatchNorm {
            gamma: v(0.2, 1.0),
            beta: v(0.2, 0.0),
            running_mean: v(0.5, 0.0),
            running_var: v(0.3, 0.0).iter().map(|z| z.exp()).collect(),
            eps: 1e-5,
        });
    }
    Network {
        n_inputs,
        activation,
        hidden,
        heads,
        compressed: None,
    }
}

/// satori's outputs for rows `x` (one column per output).
fn outputs(net: &Network, x: &Array2<f64>) -> Array2<f64> {
    let n_out = net.heads[0].n_out;
    if n_out == 1 {
        let m = MlpRegressor::from_network(MlpRegressorParams::default(), net.clone()).unwrap();
        let p = m.predict(x.view()).unwrap();
        p.insert_axis(ndarray::Axis(1))
    } else {
        let classes = (0..n_out).map(|c| format!("c{c}")).collect();
        let m = MlpClassifier::from_network(MlpClassifierParams::default(), net.clone(), classes)
            .unwrap();
        m.decision_function(x.view()).unwrap()
    }
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

#[test]
fn exported_weights_give_pytorchs_outputs() {
    if std::env::var_os("SATORI_WRITE_GOLDEN_WEIGHTS").is_some() {
        for case in CASES {
            let bytes = build(case).to_safetensors().unwrap();
            std::fs::write(dir().join(format!("{}.safetensors", case.0)), bytes).unwrap();
        }
        return;
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("expected.json")).expect("expected.json"),
    )
    .unwrap();
    assert!(expected["versions"]["torch"].is_string());
    for case in CASES {
        let net = build(case);
        let committed = std::fs::read(dir().join(format!("{}.safetensors", case.0))).unwrap();
        assert_eq!(
            Network::from_safetensors(&committed).unwrap(),
            net,
            "{}",
            case.0
        );
        let fresh = net.to_safetensors().unwrap();
        let tensors = |b: &[u8]| {
            let st = SafeTensors::deserialize(b).unwrap();
            let mut t: Vec<(String, Vec<usize>, Vec<u8>)> = st
                .tensors()
                .into_iter()
                .map(|(n, v)| (n, v.shape().to_vec(), v.data().to_vec()))
                .collect();
            t.sort();
            t
        };
        assert_eq!(tensors(&committed), tensors(&fresh), "{}", case.0);

        let e = &expected["cases"][case.0];
        assert_eq!(
            e["n_tensors"].as_u64().unwrap() as usize,
            tensors(&fresh).len()
        );
        let x = matrix(&e["x"]);
        let want = matrix(&e["output"]);
        let got = outputs(&net, &x);
        assert_eq!(got.dim(), want.dim(), "{}", case.0);
        for ((i, j), w) in want.indexed_iter() {
            let g = got[[i, j]];
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                "{} row {i} output {j}: satori {g}, PyTorch {w}",
                case.0
            );
        }
    }
}
