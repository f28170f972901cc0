//! SgdClassifier and SgdRegressor against scikit-learn 1.9.1 with `shuffle = false`
//! (tests/golden/linear_sgd, written by its generate.py). The update sequence is scikit-learn's
//! `_plain_sgd`, operation for operation (the averaged weights' final fold with a fused
//! multiply-add, as BLAS's daxpy does), so epochs and `t_` are equal, and coefficients and
//! intercepts are equal bit for bit (on x86-64 Linux, where Rust and numpy call the same glibc
//! `exp`/`pow`); scores and probabilities, which scikit-learn computes with BLAS, are compared
//! at rtol 1e-9 (atol 1e-12 / 1e-10).

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_linear::{SgdClassifierParams, SgdRegressorParams};
use satori_testkit::golden;
use serde_json::{Map, Value, json};

const RTOL: f64 = 1e-9;
const ATOL: f64 = 1e-12;

fn features(g: &Value, name: &str) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = g["datasets"][name]["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    let p = rows[0].len();
    Array2::from_shape_vec((rows.len(), p), rows.concat()).unwrap()
}

fn with_weights(data: Dataset, case: &Value) -> Dataset {
    if case["weights"].is_null() {
        data
    } else {
        data.with_weights(golden::f64_vec(case, "/weights").into())
            .unwrap()
    }
}

/// scikit-learn's keyword arguments in satori's serde form.
fn params_json(case: &Value) -> Value {
    let mut out = Map::new();
    out.insert("shuffle".into(), json!(false));
    for (k, v) in case["params"].as_object().unwrap() {
        let v = match (k.as_str(), v) {
            ("penalty", Value::Null) => json!("none"),
            ("average", Value::Bool(b)) => json!(u64::from(*b)),
            ("class_weight", Value::Object(m)) => json!({ "weights": m }),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        other => vec![other.as_f64().unwrap()],
    }
}

#[test]
fn sgd_classifier_matches_sklearn() {
    let g = golden::load("linear_sgd");
    assert_eq!(g["versions"]["sklearn"], "1.9.1");
    let cases = g["classifier"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = features(&g, case["data"].as_str().unwrap());
        let codes: Array1<usize> = golden::f64_vec(
            &g,
            &format!("/datasets/{}/y", case["data"].as_str().unwrap()),
        )
        .iter()
        .map(|v| *v as usize)
        .collect();
        let labels = golden::string_vec(case, "/labels");
        let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
        let data = Dataset::new(x.clone(), names)
            .unwrap()
            .with_target(Target::classes(codes, labels).unwrap())
            .unwrap();
        let data = with_weights(data, case);
        let params: SgdClassifierParams =
            serde_json::from_value(params_json(case)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = params.fit(&data).unwrap();
        assert_eq!(
            model.n_iter() as u64,
            case["n_iter"].as_u64().unwrap(),
            "{name}: epochs"
        );
        if model.coef().nrows() == 1 {
            assert_eq!(model.t(), case["t"].as_f64().unwrap(), "{name}: t_");
        }
        let coef: Vec<f64> = model.coef().iter().copied().collect();
        golden::assert_close(
            &format!("{name}: coef"),
            &coef,
            &flat(&case["coef"]),
            RTOL,
            ATOL,
        );
        assert_eq!(coef, flat(&case["coef"]), "{name}: coef bit for bit");
        assert_eq!(
            model.intercept(),
            flat(&case["intercept"]),
            "{name}: intercept bit for bit"
        );
        golden::assert_close(
            &format!("{name}: intercept"),
            &model.intercept(),
            &flat(&case["intercept"]),
            RTOL,
            ATOL,
        );
        let decision: Vec<f64> = model
            .decision_function(x.view())
            .unwrap()
            .iter()
            .copied()
            .collect();
        golden::assert_close(
            &format!("{name}: decision"),
            &decision,
            &flat(&case["decision"]),
            RTOL,
            1e-10,
        );
        if !case["proba"].is_null() {
            let proba: Vec<f64> = model
                .predict_proba(x.view())
                .unwrap()
                .iter()
                .copied()
                .collect();
            golden::assert_close(
                &format!("{name}: proba"),
                &proba,
                &flat(&case["proba"]),
                RTOL,
                1e-12,
            );
        } else {
            assert!(
                model.predict_proba(x.view()).is_err(),
                "{name}: proba without a probabilistic loss"
            );
        }
        assert_eq!(model.predict(x.view()).unwrap().len(), x.nrows());
    }
}

#[test]
fn sgd_regressor_matches_sklearn() {
    let g = golden::load("linear_sgd");
    let cases = g["regressor"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = features(&g, "reg");
        let y: Array1<f64> = golden::f64_vec(&g, "/datasets/reg/y").into();
        let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
        let data = Dataset::new(x.clone(), names)
            .unwrap()
            .with_target(Target::regression(y))
            .unwrap();
        let data = with_weights(data, case);
        let params: SgdRegressorParams =
            serde_json::from_value(params_json(case)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = params.fit(&data).unwrap();
        assert_eq!(
            model.n_iter() as u64,
            case["n_iter"].as_u64().unwrap(),
            "{name}: epochs"
        );
        assert_eq!(model.t(), case["t"].as_f64().unwrap(), "{name}: t_");
        golden::assert_close(
            &format!("{name}: coef"),
            &model.coef(),
            &flat(&case["coef"]),
            RTOL,
            ATOL,
        );
        assert_eq!(
            model.coef(),
            flat(&case["coef"]),
            "{name}: coef bit for bit"
        );
        assert_eq!(
            vec![model.intercept()],
            flat(&case["intercept"]),
            "{name}: intercept bit for bit"
        );
        golden::assert_close(
            &format!("{name}: intercept"),
            &[model.intercept()],
            &flat(&case["intercept"]),
            RTOL,
            ATOL,
        );
        let pred = model.predict(x.view()).unwrap().to_vec();
        golden::assert_close(
            &format!("{name}: predict"),
            &pred,
            &flat(&case["predict"]),
            RTOL,
            1e-10,
        );
    }
}
