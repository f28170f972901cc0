//! Properties of prediction from stored weights, over random networks and inputs.

use ndarray::Array2;
use proptest::prelude::*;
use satori_core::{PredictProba, Predictor};
use satori_nn::{
    Activation, BatchNorm, Dense, Hidden, MlpClassifier, MlpClassifierParams, Network,
};

fn dense(n_in: usize, n_out: usize, vals: &[f32]) -> Dense {
    let pick = |i: usize| vals[i % vals.len()];
    Dense {
        n_in,
        n_out,
        weight: (0..n_in * n_out).map(pick).collect(),
        bias: (0..n_out).map(|j| pick(j + 7) * 0.5).collect(),
    }
}

prop_compose! {
    fn network()(
        n_in in 1usize..6,
        hidden in proptest::collection::vec(1usize..9, 0..3),
        classes in 2usize..5,
        act in 0usize..4,
        bn in any::<bool>(),
        vals in proptest::collection::vec(-2.0f32..2.0, 1..64),
    ) -> Network {
        let activation = [Activation::Relu, Activation::Gelu, Activation::Tanh, Activation::Logistic][act];
        let mut width = n_in;
        let mut layers = Vec::new();
        for &h in &hidden {
            layers.push(Hidden {
                dense: dense(width, h, &vals),
                batch_norm: bn.then(|| BatchNorm {
                    gamma: vec![1.5; h],
                    beta: vec![-0.25; h],
                    running_mean: vec![0.1; h],
                    running_var: vec![2.0; h],
                    eps: 1e-5,
                }),
            });
            width = h;
        }
        Network { n_inputs: n_in, activation, hidden: layers, heads: vec![dense(width, classes, &vals)], compressed: None }
    }
}

fn classifier(net: Network) -> MlpClassifier {
    let k = net.heads[0].n_out;
    let labels = (0..k).map(|c| format!("c{c}")).collect();
    MlpClassifier::from_network(MlpClassifierParams::default(), net, labels).unwrap()
}

proptest! {
    #[test]
    fn probabilities_rows_and_batches(net in network(), rows in 1usize..40, seed in 0u64..1000) {
        let d = net.n_inputs;
        let x = Array2::from_shape_fn((rows, d), |(i, j)| {
            (((i as u64 * 31 + j as u64 * 17 + seed) % 97) as f64 / 24.0) - 2.0
        });
        let model = classifier(net);
        let p = model.predict_proba(x.view()).unwrap();
        let pred = model.predict(x.view()).unwrap();
        for (i, row) in p.rows().into_iter().enumerate() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
            let best = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            prop_assert_eq!(row[pred[i] as usize], best);
            // one row alone gives the same bits as within the batch
            let one = model.predict_proba(x.slice(ndarray::s![i..i + 1, ..])).unwrap();
            prop_assert_eq!(one.row(0), row);
        }
        // a postcard round trip predicts the same bits
        let bytes = postcard::to_allocvec(&model).unwrap();
        let back: MlpClassifier = postcard::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.predict_proba(x.view()).unwrap(), p);
    }

    #[test]
    fn inconsistent_networks_are_refused(net in network()) {
        let mut bad = net.clone();
        bad.heads[0].bias.push(0.0);
        let labels: Vec<String> = (0..net.heads[0].n_out).map(|c| format!("c{c}")).collect();
        prop_assert!(MlpClassifier::from_network(MlpClassifierParams::default(), bad, labels.clone()).is_err());
        let mut nan = net;
        nan.heads[0].weight[0] = f32::NAN;
        prop_assert!(MlpClassifier::from_network(MlpClassifierParams::default(), nan, labels).is_err());
    }
}
