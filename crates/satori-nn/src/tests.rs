//! Crate-internal checks: the plain forward pass against burn's, and batch independence.

use ndarray::Array2;

use crate::net::Network;
use crate::params::Activation;
use crate::train::{burn_forward, init_network};

fn with_bn_stats(mut net: Network) -> Network {
    for (l, h) in net.hidden.iter_mut().enumerate() {
        if let Some(bn) = &mut h.batch_norm {
            for j in 0..bn.gamma.len() {
                let f = (j + l) as f32;
                bn.gamma[j] = 1.0 + 0.01 * f;
                bn.beta[j] = 0.02 * f - 0.1;
                bn.running_mean[j] = 0.05 * f - 0.2;
                bn.running_var[j] = 0.5 + 0.03 * f;
            }
        }
    }
    net
}

fn inputs(n: usize, d: usize) -> Array2<f32> {
    Array2::from_shape_fn((n, d), |(i, j)| {
        (((i * 31 + j * 17) % 23) as f32 / 7.0) - 1.5
    })
}

#[test]
fn plain_forward_equals_burn_forward() {
    for act in [
        Activation::Relu,
        Activation::Gelu,
        Activation::Tanh,
        Activation::Logistic,
    ] {
        for bn in [false, true] {
            let net = with_bn_stats(init_network(7, &[32, 16], act, bn, &[3, 1], 5));
            let x = inputs(50, 7);
            let plain = net.forward(x.view());
            let burn = burn_forward(&net, x.view());
            assert_eq!(plain.len(), 2);
            for (a, b) in plain.iter().zip(&burn) {
                assert_eq!(a.dim(), b.dim());
                for (u, v) in a.iter().zip(b.iter()) {
                    assert!(
                        (u - v).abs() <= 1e-6 * (1.0 + v.abs()),
                        "{act:?} bn={bn}: {u} vs {v}"
                    );
                }
            }
        }
    }
}

#[test]
fn one_row_equals_the_batch_bit_for_bit() {
    let net = init_network(5, &[300, 7], Activation::Relu, true, &[4], 2);
    let x = inputs(700, 5);
    let all = net.forward(x.view());
    for i in [0, 3, 255, 256, 699] {
        let one = net.forward(x.slice(ndarray::s![i..i + 1, ..]));
        assert_eq!(one[0].row(0), all[0].row(i));
    }
}

#[test]
fn summary_lists_layers_and_counts() {
    let net = init_network(28, &[256, 256], Activation::Relu, false, &[1], 0);
    let s = net.summary(&["y".into()]);
    assert!(s.contains("28 -> 256") && s.contains("256 -> 1"), "{s}");
    assert_eq!(net.n_parameters(), 28 * 256 + 256 + 256 * 256 + 256 + 257);
    assert!(s.contains(&format!("total parameters: {}", net.n_parameters())));
}

#[test]
fn a_given_validation_set_is_scored_every_epoch_and_stops_training() {
    use satori_core::{Dataset, Target};

    use crate::{MlpClassifierParams, MlpParams};

    let rows = |n: usize, flip: bool| {
        let x = Array2::from_shape_fn((n, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
        let codes = ndarray::Array1::from_shape_fn(n, |i| {
            let c = usize::from(x[[i, 0]] + x[[i, 1]] > 0.0);
            if flip { 1 - c } else { c }
        });
        Dataset::new(x, vec!["a".into(), "b".into()])
            .unwrap()
            .with_target(Target::Classes {
                codes,
                labels: vec!["n".into(), "y".into()],
            })
            .unwrap()
    };
    let params = MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![8],
        max_iter: 300,
        early_stopping: true,
        learning_rate_init: 0.05,
        ..Default::default()
    });
    // The validation rows have the opposite labels: the better the network learns the training
    // rows, the worse it does on them, so training stops after `n_iter_no_change` epochs.
    let model = params
        .fit_with_validation(&rows(80, false), &rows(40, true), &satori_core::NoProgress)
        .unwrap();
    let curve = model.loss_curve();
    let valid = curve
        .valid
        .as_ref()
        .expect("the validation loss is recorded");
    assert_eq!(valid.len(), curve.train.len());
    assert!(
        curve.train.len() < 300,
        "stopped: {} epochs",
        curve.train.len()
    );
    // Classes that differ from the training classes are refused.
    let other = Dataset::new(Array2::zeros((10, 2)), vec!["a".into(), "b".into()])
        .unwrap()
        .with_target(Target::Classes {
            codes: ndarray::Array1::zeros(10),
            labels: vec!["n".into(), "z".into()],
        })
        .unwrap();
    let e = params
        .fit_with_validation(&rows(80, false), &other, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("training classes"), "{e}");
}
