//! The transformer conformance checks of `tests/conformance.rs`, shared by the test files of
//! TruncatedSVD, IncrementalPCA, LDA, the feature hasher and the datetime expansion (each test
//! file includes this module with `mod transformer_checks;`): fit twice = same output; serde
//! round trips (JSON and postcard) = identical output; a wrong column count → `ShapeMismatch`;
//! NaN at fit and transform → `InvalidData` that says to impute (unless `nan_ok`); row-order
//! invariance within a stated tolerance; a one-row fit → `Ok` or a clean `Err`; default params
//! validate; feature names match the output width.
#![allow(dead_code)]

use ndarray::Array2;
use satori_core::{Dataset, Error, Estimator, Transformer};
use serde::{Serialize, de::DeserializeOwned};

/// Output equality up to `tol` relative to the largest magnitude (0 = bit for bit).
fn assert_same(what: &str, a: &Array2<f64>, b: &Array2<f64>, tol: f64) {
    assert_eq!(a.dim(), b.dim(), "{what}: shapes differ");
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    for (x, y) in a.iter().zip(b.iter()) {
        assert!(
            (x - y).abs() <= tol * scale || x.to_bits() == y.to_bits(),
            "{what}: {x} vs {y} (tol {tol:e})"
        );
    }
}

/// Run the conformance checks on `params` with `data`; `order_tol` is the tolerance of the
/// row-order invariance check (relative to the largest output magnitude).
pub fn check_transformer<P>(params: &P, data: &Dataset, order_tol: f64)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    check_transformer_nan(params, data, order_tol, false)
}

/// [`check_transformer`] where `nan_ok` says NaN is a valid (missing) input: fit and transform
/// succeed on it.
pub fn check_transformer_nan<P>(params: &P, data: &Dataset, order_tol: f64, nan_ok: bool)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    P::default().validate().expect("default params validate");
    let x = data.x().to_owned();
    let m1 = params.fit(data).expect("fit");
    let m2 = params.fit(data).expect("second fit");
    let out = m1.transform(x.view()).expect("transform");
    assert_same("fit twice", &out, &m2.transform(x.view()).unwrap(), 0.0);
    assert_eq!(m1.n_features_in(), data.n_features());
    assert_eq!(
        m1.feature_names_out(&data.feature_names()).len(),
        out.ncols(),
        "feature_names_out length"
    );

    let json = serde_json::to_string(&m1).unwrap();
    let from_json: P::Model = serde_json::from_str(&json).unwrap();
    assert_same(
        "JSON round trip",
        &out,
        &from_json.transform(x.view()).unwrap(),
        0.0,
    );
    let bytes = postcard::to_allocvec(&m1).unwrap();
    let from_postcard: P::Model = postcard::from_bytes(&bytes).unwrap();
    assert_same(
        "postcard round trip",
        &out,
        &from_postcard.transform(x.view()).unwrap(),
        0.0,
    );
    let params_json = serde_json::to_string(params).unwrap();
    let _: P = serde_json::from_str(&params_json).expect("params JSON round trip");

    // Wrong column counts.
    for cols in [x.ncols() + 1, x.ncols().saturating_sub(1)] {
        let bad = Array2::<f64>::zeros((2, cols));
        if cols != x.ncols() {
            assert!(matches!(
                m1.transform(bad.view()),
                Err(Error::ShapeMismatch { .. })
            ));
        }
    }

    // NaN at transform and at fit: an error that says to impute, or (`nan_ok`) NaN passes.
    let mut with_nan = x.clone();
    with_nan[[0, 0]] = f64::NAN;
    let (_, schema, target, _, _) = data.clone().into_parts();
    let mut nan_data = Dataset::with_schema(with_nan.clone(), schema).unwrap();
    if let Some(t) = target.clone() {
        nan_data = nan_data.with_target(t).unwrap();
    }
    if nan_ok {
        let z = m1
            .transform(with_nan.view())
            .expect("NaN (missing) is accepted at transform");
        assert_eq!(z.dim(), out.dim());
        params.fit(&nan_data).expect("NaN passes through fit");
    } else {
        match m1.transform(with_nan.view()) {
            Err(Error::InvalidData(msg)) => assert!(msg.contains("impute"), "{msg}"),
            other => panic!("NaN at transform: {other:?}"),
        }
        match params.fit(&nan_data) {
            Err(Error::InvalidData(msg)) => assert!(msg.contains("impute"), "{msg}"),
            other => panic!("NaN at fit: {:?}", other.map(|_| ())),
        }
    }

    // Row-order invariance.
    let rev: Vec<usize> = (0..data.n_samples()).rev().collect();
    let m3 = params.fit(&data.select_rows(&rev).unwrap()).unwrap();
    assert_same(
        "reversed rows",
        &out,
        &m3.transform(x.view()).unwrap(),
        order_tol,
    );

    // One row: Ok (and then it transforms) or a clean error.
    if let Ok(m) = params.fit(&data.select_rows(&[0]).unwrap()) {
        let _ = m.transform(x.view()).unwrap();
    }
}
