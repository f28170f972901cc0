//! IncrementalPCA: golden tests against scikit-learn 1.9.1 (`tests/golden/features_ipca`) with
//! the same batches, the transformer conformance checks, and behaviour.
//!
//! Tolerance: every attribute and transform at rtol 1e-8 with an absolute floor of 1e-8 × the
//! array's largest magnitude (an exact SVD per batch by different libraries; rounding
//! accumulates over the batches); `n_samples_seen_` exactly; components match in sign.

use ndarray::{Array2, ArrayView2, s};
use satori_core::{Dataset, Error, Estimator, Transformer};
use satori_features::{IncrementalPca, IncrementalPcaParams, NComponents, PcaParams, SvdSolver};
use satori_testkit::{NanPolicy, TransformerConformance, generate, golden};
use serde_json::Value;

fn close(what: &str, a: ArrayView2<'_, f64>, e: ArrayView2<'_, f64>) {
    let atol = 1e-8 * e.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    golden::assert_close_2d(what, a, e, 1e-8, atol);
}

fn close_1d(what: &str, a: &[f64], e: &[f64]) {
    let atol = 1e-8 * e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    golden::assert_close(what, a, e, 1e-8, atol);
}

fn params(p: &Value) -> IncrementalPcaParams {
    IncrementalPcaParams {
        n_components: p.get("n_components").map(|v| v.as_u64().unwrap() as usize),
        whiten: p.get("whiten").and_then(Value::as_bool).unwrap_or(false),
        batch_size: p.get("batch_size").map(|v| v.as_u64().unwrap() as usize),
    }
}

fn dataset(x: &Array2<f64>) -> Dataset {
    Dataset::new(x.clone(), (0..x.ncols()).map(|j| format!("x{j}")).collect()).unwrap()
}

fn check_case(what: &str, m: &IncrementalPca, case: &Value, x_new: &Array2<f64>) {
    close(
        &format!("{what} components"),
        m.components(),
        golden::f64_matrix(case, "/components").view(),
    );
    for (name, got) in [
        ("explained_variance", m.explained_variance()),
        ("explained_variance_ratio", m.explained_variance_ratio()),
        ("singular_values", m.singular_values()),
        ("mean", m.mean()),
        ("var", m.var()),
    ] {
        close_1d(
            &format!("{what} {name}"),
            got.as_slice().unwrap(),
            &golden::f64_vec(case, &format!("/{name}")),
        );
    }
    let nv = golden::f64_at(case, "/noise_variance");
    assert!(
        (m.noise_variance() - nv).abs() <= 1e-8 * nv.abs().max(1e-12),
        "{what} noise {}",
        m.noise_variance()
    );
    assert_eq!(
        m.n_samples_seen() as u64,
        case["n_samples_seen"].as_u64().unwrap()
    );
    close(
        &format!("{what} transform_new"),
        m.transform(x_new.view()).unwrap().view(),
        golden::f64_matrix(case, "/transform_new").view(),
    );
}

#[test]
fn golden_incremental_pca() {
    let g = golden::load("features_ipca");
    let x = golden::f64_matrix(&g, "/x");
    let x_new = golden::f64_matrix(&g, "/x_new");
    for (i, case) in golden::at(&g, "/cases")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let what = format!("case {i} {}", case["params"]);
        let p = params(&case["params"]);
        let m = match case["chunks"].as_array() {
            None => p.fit(&dataset(&x)).unwrap(),
            Some(chunks) => {
                let mut start = 0;
                let mut model: Option<IncrementalPca> = None;
                for c in chunks {
                    let end = start + c.as_u64().unwrap() as usize;
                    let chunk = x.slice(s![start..end, ..]);
                    match model.as_mut() {
                        None => model = Some(p.first_batch(chunk).unwrap()),
                        Some(m) => m.partial_fit(chunk).unwrap(),
                    }
                    start = end;
                }
                model.unwrap()
            }
        };
        check_case(&what, &m, case, &x_new);
    }
}

#[test]
fn one_batch_equals_exact_pca() {
    let data = generate::regression(50, 5, 2);
    let ipca = IncrementalPcaParams {
        n_components: Some(3),
        batch_size: Some(50),
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    let pca = PcaParams {
        n_components: Some(NComponents::Count(3)),
        svd_solver: SvdSolver::Full,
        ..Default::default()
    }
    .fit(&data)
    .unwrap();
    close("components", ipca.components(), pca.components());
    close_1d(
        "explained variance",
        ipca.explained_variance().as_slice().unwrap(),
        pca.explained_variance().as_slice().unwrap(),
    );
    let x = data.x();
    close(
        "transform",
        ipca.transform(x).unwrap().view(),
        pca.transform(x).unwrap().view(),
    );
    let back = ipca
        .inverse_transform(ipca.transform(x).unwrap().view())
        .unwrap();
    assert_eq!(back.dim(), x.dim());
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = Array2::from_shape_fn((10, 3), |(i, j)| (i * j) as f64 + (i % 3) as f64);
    let too_many = IncrementalPcaParams {
        n_components: Some(4),
        ..Default::default()
    };
    assert!(matches!(
        too_many.first_batch(x.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let small_batch = IncrementalPcaParams {
        n_components: Some(3),
        ..Default::default()
    };
    let e = small_batch
        .first_batch(x.slice(s![..2, ..]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("first batch"), "{e}");
    let mut m = small_batch.first_batch(x.view()).unwrap();
    let before = m.clone();
    let mut nan = x.clone();
    nan[[4, 1]] = f64::NAN;
    assert!(
        m.partial_fit(nan.view())
            .unwrap_err()
            .to_string()
            .contains("impute")
    );
    assert!(matches!(
        m.partial_fit(Array2::<f64>::zeros((3, 2)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(m, before, "a failed partial_fit leaves the model unchanged");
    assert!(
        toml::from_str::<IncrementalPcaParams>("batch_size = 0")
            .map(|p| satori_core::Params::validate(&p).is_err())
            .unwrap()
    );
    assert!(toml::from_str::<IncrementalPcaParams>("batchsize = 10").is_err());
}

#[test]
fn incremental_pca_conformance() {
    let data = generate::regression(60, 5, 3);
    for whiten in [false, true] {
        let p = IncrementalPcaParams {
            n_components: Some(3),
            whiten,
            batch_size: Some(15),
        };
        // Reversed rows make other batches: the model differs beyond rounding. With one batch
        // the order does not matter.
        let one_batch = IncrementalPcaParams {
            batch_size: Some(60),
            ..p.clone()
        };
        TransformerConformance::new(one_batch.clone(), data.clone())
            .nan_policy(NanPolicy::RejectMentioning("impute"))
            .fit_order_tolerance(1e-10, 1e-10)
            .check();
        let m = p.fit(&data).unwrap();
        assert_eq!(
            m.feature_names_out(&[]),
            vec!["incrementalpca0", "incrementalpca1", "incrementalpca2"]
        );
    }
}
