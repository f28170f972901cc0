//! FT-Transformer checks: host forward against burn's, attention maps, learning, determinism,
//! serialisation and parameter errors.

use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array1, Array2};
use satori_core::{Dataset, Error, Estimator, Params, PredictProba, Predictor, Target};

use super::net::{FfnActivation, FtNet, Shape};
use super::train::{Rates, burn_forward};
use super::*;

fn shape(act: FfnActivation, outputs: usize) -> Shape {
    Shape {
        n_features: 5,
        d_token: 16,
        n_heads: 4,
        n_blocks: 2,
        ffn_hidden: 21,
        ffn_activation: act,
        outputs,
    }
}

fn inputs(n: usize, d: usize) -> Vec<f32> {
    (0..n * d)
        .map(|k| (((k / d) * 31 + (k % d) * 17) % 23) as f32 / 7.0 - 1.5)
        .collect()
}

/// Perturb the fresh norms so that the check also covers their scales and shifts.
fn perturbed(mut net: FtNet) -> FtNet {
    for (i, (t, _)) in net.params_mut().into_iter().enumerate() {
        for (j, v) in t.iter_mut().enumerate() {
            *v += 0.01 * (((i * 7 + j * 3) % 11) as f32 - 5.0);
        }
    }
    net
}

#[test]
fn host_forward_equals_burn_forward_with_attention() {
    for act in [FfnActivation::Reglu, FfnActivation::Geglu] {
        let mut net = perturbed(FtNet::init(shape(act, 3), 4));
        let x = inputs(37, 5);
        let (out, att) = net.forward(&x, true);
        let dev = Device::flex();
        let params: Vec<Tensor<2>> = net
            .params_mut()
            .into_iter()
            .map(|(v, (sh, _))| Tensor::<2>::from_data(TensorData::new(v.clone(), sh), &dev))
            .collect();
        let xt = Tensor::<2>::from_data(TensorData::new(x.clone(), [37, 5]), &dev);
        let (bout, batt) = burn_forward(&net, &params, xt, Rates::default(), None, &dev);
        let bout: Vec<f32> = bout.into_data().try_into_vec().unwrap();
        assert_eq!(out.len(), bout.len());
        for (u, v) in out.iter().zip(&bout) {
            assert!(
                (u - v).abs() <= 1e-5 * (1.0 + v.abs()),
                "{act:?}: {u} vs {v}"
            );
        }
        // burn's attention per block is rows × heads × t × t; ours rows × blocks × heads × t × t.
        let (t, nh, nb) = (6, 4, 2);
        let per = nb * nh * t * t;
        for (l, a) in batt.into_iter().enumerate() {
            let a: Vec<f32> = a.into_data().try_into_vec().unwrap();
            for r in 0..37 {
                let ours = &att[r * per + l * nh * t * t..r * per + (l + 1) * nh * t * t];
                let theirs = &a[r * nh * t * t..(r + 1) * nh * t * t];
                for (u, v) in ours.iter().zip(theirs) {
                    assert!((u - v).abs() <= 1e-5, "attention {u} vs {v}");
                }
            }
        }
    }
}

#[test]
fn attention_rows_sum_to_one_and_a_row_alone_equals_the_batch() {
    let net = perturbed(FtNet::init(shape(FfnActivation::Reglu, 1), 9));
    let x = inputs(150, 5);
    let (out, att) = net.forward(&x, true);
    for row in att.chunks_exact(6) {
        let s: f32 = row.iter().sum();
        assert!((s - 1.0).abs() < 1e-5, "{s}");
        assert!(row.iter().all(|v| *v >= 0.0));
    }
    for r in [0, 70, 149] {
        let (one, one_att) = net.forward(&x[r * 5..(r + 1) * 5], true);
        assert_eq!(one[0].to_bits(), out[r].to_bits());
        let per = 2 * 4 * 36;
        assert_eq!(&one_att[..], &att[r * per..(r + 1) * per]);
    }
}

/// A problem no linear model solves: the class is the sign of `x0 · x1` (noise features beside).
fn xor_data(n: usize, seed: u64) -> (Array2<f64>, Array1<usize>) {
    use satori_core::rng::{RngExt, rng};
    let mut r = rng(seed);
    let x = Array2::from_shape_fn((n, 4), |_| r.random_range(-1.0..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|row| usize::from(row[0] * row[1] > 0.0))
        .collect();
    (x, y)
}

fn small() -> FtTransformerParams {
    FtTransformerParams {
        d_token: 32,
        n_heads: 4,
        n_blocks: 1,
        learning_rate_init: 3e-3,
        max_iter: 60,
        batch_size: Some(64),
        ..Default::default()
    }
}

fn names(k: usize) -> Vec<String> {
    (0..k).map(|j| format!("x{j}")).collect()
}

#[test]
fn classifier_learns_xor_far_better_than_a_constant() {
    let (x, y) = xor_data(600, 1);
    let (xt, yt) = xor_data(400, 2);
    let target = Target::classes(y, vec!["neg".into(), "pos".into()]).unwrap();
    let data = Dataset::new(x, names(4))
        .unwrap()
        .with_target(target)
        .unwrap();
    let model = FtTransformerClassifierParams(small()).fit(&data).unwrap();
    let pred = model.predict(xt.view()).unwrap();
    let acc = pred
        .iter()
        .zip(&yt)
        .filter(|(p, y)| **p as usize == **y)
        .count() as f64
        / yt.len() as f64;
    let majority = yt.iter().filter(|&&c| c == 1).count().max(yt.len() / 2) as f64 / 400.0;
    assert!(
        acc > 0.85 && acc > majority + 0.25,
        "holdout accuracy {acc}"
    );
    let p = model.predict_proba(xt.view()).unwrap();
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-9);
    }
    assert_eq!(model.loss_curve().train.len(), model.n_iter());
    // The loss fell.
    let curve = &model.loss_curve().train;
    assert!(curve.last().unwrap() < &(curve[0] * 0.7), "{curve:?}");
}

#[test]
fn regressor_learns_a_nonlinear_function() {
    use satori_core::rng::{RngExt, rng};
    let make = |n: usize, seed: u64| {
        let mut r = rng(seed);
        let x: Array2<f64> = Array2::from_shape_fn((n, 3), |_| r.random_range(-2.0..2.0));
        let y: Array1<f64> = x
            .rows()
            .into_iter()
            .map(|row| 100.0 + 20.0 * (row[0] * row[1]).sin() + 10.0 * row[2] * row[2])
            .collect();
        (x, y)
    };
    let (x, y) = make(800, 3);
    let (xt, yt) = make(300, 4);
    let data = Dataset::new(x, names(3))
        .unwrap()
        .with_target(Target::regression(y))
        .unwrap();
    let model = FtTransformerRegressorParams(small()).fit(&data).unwrap();
    let pred = model.predict(xt.view()).unwrap();
    let mean = yt.mean().unwrap();
    let ss_res: f64 = pred.iter().zip(&yt).map(|(p, y)| (p - y).powi(2)).sum();
    let ss_tot: f64 = yt.iter().map(|y| (y - mean).powi(2)).sum();
    let r2 = 1.0 - ss_res / ss_tot;
    assert!(r2 > 0.8, "holdout R² {r2}");
    // The metric curve is in the target's units (RMSE of a target with sd ~ 15).
    assert!(model.metric_curve().train.last().unwrap() < &10.0);
}

fn tiny_data() -> Dataset {
    let (x, y) = xor_data(120, 7);
    let target = Target::classes(y, vec!["a".into(), "b".into()]).unwrap();
    Dataset::new(x, names(4))
        .unwrap()
        .with_target(target)
        .unwrap()
}

#[test]
fn same_seed_same_model_other_seed_other_model() {
    let data = tiny_data();
    let p = FtTransformerParams {
        max_iter: 3,
        early_stopping: true,
        ..small()
    };
    let a = FtTransformerClassifierParams(p.clone()).fit(&data).unwrap();
    let b = FtTransformerClassifierParams(p.clone()).fit(&data).unwrap();
    assert_eq!(a, b);
    let c = FtTransformerClassifierParams(FtTransformerParams { seed: 1, ..p })
        .fit(&data)
        .unwrap();
    assert_ne!(a.network(), c.network());
    assert!(a.loss_curve().valid.is_some());
}

#[test]
fn serialisation_round_trips() {
    let data = tiny_data();
    let m = FtTransformerClassifierParams(FtTransformerParams {
        max_iter: 2,
        ..small()
    })
    .fit(&data)
    .unwrap();
    let bytes = postcard::to_allocvec(&m).unwrap();
    let back: FtTransformerClassifier = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(m, back);
    let x = data.x();
    assert_eq!(m.predict_proba(x).unwrap(), back.predict_proba(x).unwrap());
    let att = back.attention(x).unwrap();
    assert_eq!(att.shape(), (120, 1, 4, 5));
    let mean = att.mean_over_rows();
    assert_eq!(mean.len(), 4 * 25);
    for row in mean.chunks(5) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    }
}

#[test]
fn bad_parameters_and_inputs_are_clear_errors() {
    let cases = [
        (
            FtTransformerParams {
                d_token: 30,
                n_heads: 8,
                ..Default::default()
            },
            "n_heads",
        ),
        (
            FtTransformerParams {
                d_token: 0,
                ..Default::default()
            },
            "d_token",
        ),
        (
            FtTransformerParams {
                n_blocks: 0,
                ..Default::default()
            },
            "n_blocks",
        ),
        (
            FtTransformerParams {
                attention_dropout: 1.0,
                ..Default::default()
            },
            "attention_dropout",
        ),
        (
            FtTransformerParams {
                learning_rate_init: -1.0,
                ..Default::default()
            },
            "learning_rate_init",
        ),
        (
            FtTransformerParams {
                ffn_d_hidden: Some(0),
                ..Default::default()
            },
            "ffn_d_hidden",
        ),
        (
            FtTransformerParams {
                max_iter: 0,
                ..Default::default()
            },
            "max_iter",
        ),
    ];
    for (p, name) in cases {
        match FtTransformerClassifierParams(p).validate() {
            Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    FtTransformerParams::default().validate().unwrap();
    // A regressor refuses class targets; the classifier continuous ones.
    let data = tiny_data();
    assert!(FtTransformerRegressorParams(small()).fit(&data).is_err());
    // A missing value in prediction is an error, not a panic.
    let m = FtTransformerClassifierParams(FtTransformerParams {
        max_iter: 1,
        ..small()
    })
    .fit(&data)
    .unwrap();
    let mut x = data.x().to_owned();
    x[[3, 1]] = f64::NAN;
    assert!(m.predict(x.view()).is_err());
    assert!(m.predict(data.x().slice(ndarray::s![.., ..3])).is_err());
}
