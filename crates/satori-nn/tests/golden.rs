//! Training from fixed weights matches scikit-learn's MLPRegressor/MLPClassifier step for step
//! (tests/golden/nn_mlp_steps: SGD with momentum and Nesterov, Adam, L2 penalty, ReLU/tanh/
//! logistic). scikit-learn runs in float64 and satori in float32: relative tolerance 2e-4 on the
//! loss curves, absolute 1e-4 on the weights and predictions.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, PredictProba, Predictor, Target};
use satori_nn::{
    Activation, Dense, Hidden, MlpClassifier, MlpClassifierParams, MlpParams, MlpRegressor,
    MlpRegressorParams, Network, NeuralNet, Solver,
};
use serde_json::Value;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/nn_mlp_steps/expected.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(f64s).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn dense(coef: &Value, bias: &Value) -> Dense {
    let bias: Vec<f32> = f64s(bias).iter().map(|&v| v as f32).collect();
    let weight: Vec<f32> = f64s(coef).iter().map(|&v| v as f32).collect();
    Dense {
        n_in: weight.len() / bias.len(),
        n_out: bias.len(),
        weight,
        bias,
    }
}

fn network(case: &Value, activation: Activation) -> Network {
    let coefs = case["init_coefs"].as_array().unwrap();
    let biases = case["init_intercepts"].as_array().unwrap();
    let mut layers: Vec<Dense> = coefs.iter().zip(biases).map(|(c, b)| dense(c, b)).collect();
    let head = layers.pop().unwrap();
    Network {
        n_inputs: layers.first().map_or(head.n_in, |d| d.n_in),
        activation,
        hidden: layers
            .into_iter()
            .map(|dense| Hidden {
                dense,
                batch_norm: None,
            })
            .collect(),
        heads: vec![head],
        compressed: None,
    }
}

fn params(p: &Value) -> (MlpParams, Activation) {
    let activation = match p["activation"].as_str().unwrap() {
        "relu" => Activation::Relu,
        "tanh" => Activation::Tanh,
        _ => Activation::Logistic,
    };
    let solver = if p["solver"] == "sgd" {
        Solver::Sgd
    } else {
        Solver::Adam
    };
    let mlp = MlpParams {
        activation,
        solver,
        learning_rate_init: p["learning_rate_init"].as_f64().unwrap(),
        momentum: p.get("momentum").and_then(Value::as_f64).unwrap_or(0.9),
        nesterovs_momentum: p
            .get("nesterovs_momentum")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        alpha: p["alpha"].as_f64().unwrap(),
        batch_size: Some(p["batch_size"].as_u64().unwrap() as usize),
        shuffle: false,
        tol: 0.0,
        n_iter_no_change: 1000,
        ..Default::default()
    };
    (mlp, activation)
}

fn close(what: &str, got: &[f64], want: &[f64], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}[{i}]: satori {g}, scikit-learn {w}"
        );
    }
}

fn check_weights(net: &Network, case: &Value) {
    let layers: Vec<&Dense> = net
        .hidden
        .iter()
        .map(|h| &h.dense)
        .chain(&net.heads)
        .collect();
    for (l, d) in layers.iter().enumerate() {
        let w: Vec<f64> = d.weight.iter().map(|&v| f64::from(v)).collect();
        let b: Vec<f64> = d.bias.iter().map(|&v| f64::from(v)).collect();
        close(
            &format!("coefs[{l}]"),
            &w,
            &f64s(&case["coefs"][l]),
            0.0,
            1e-4,
        );
        close(
            &format!("intercepts[{l}]"),
            &b,
            &f64s(&case["intercepts"][l]),
            0.0,
            1e-4,
        );
    }
}

#[test]
fn training_steps_match_scikit_learn() {
    let doc = expected();
    let x = matrix(&doc["x"]);
    let x_test = matrix(&doc["x_test"]);
    let names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    for case in doc["cases"].as_array().unwrap() {
        let (mlp, activation) = params(&case["params"]);
        let net = network(case, activation);
        let want_loss = f64s(&case["loss_curve"]);
        let epochs = want_loss.len();
        if case["kind"] == "regressor" {
            let y = Array1::from(f64s(&doc["y_regression"]));
            let data = Dataset::new(x.clone(), names.clone())
                .unwrap()
                .with_target(Target::regression(y))
                .unwrap();
            let model = MlpRegressor::from_network(MlpRegressorParams(mlp), net).unwrap();
            let model = model.fit_more(&data, epochs).unwrap();
            close(
                "loss_curve",
                &model.loss_curve().train,
                &want_loss,
                2e-4,
                0.0,
            );
            check_weights(model.network(), case);
            let pred = model.predict(x_test.view()).unwrap();
            close(
                "predict",
                pred.as_slice().unwrap(),
                &f64s(&case["predict"]),
                0.0,
                1e-4,
            );
        } else {
            let codes: Array1<usize> = doc["y_classes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let labels: Vec<String> = (0..3).map(|c| c.to_string()).collect();
            let target = Target::classes(codes, labels.clone()).unwrap();
            let data = Dataset::new(x.clone(), names.clone())
                .unwrap()
                .with_target(target)
                .unwrap();
            let model = MlpClassifier::from_network(MlpClassifierParams(mlp), net, labels).unwrap();
            let model = model.fit_more(&data, epochs).unwrap();
            close(
                "loss_curve",
                &model.loss_curve().train,
                &want_loss,
                2e-4,
                0.0,
            );
            check_weights(model.network(), case);
            let proba = model.predict_proba(x_test.view()).unwrap();
            let want: Vec<f64> = case["predict_proba"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(f64s)
                .collect();
            close(
                "predict_proba",
                &proba.iter().copied().collect::<Vec<_>>(),
                &want,
                0.0,
                1e-4,
            );
        }
    }
}
