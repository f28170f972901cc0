//! TruncatedSVD: golden tests against scikit-learn 1.9.1 (`tests/golden/features_tsvd`), the
//! transformer conformance checks, and behaviour (sparse = dense, determinism, errors).
//!
//! Tolerances: `arpack` (ARPACK to machine precision in scikit-learn, faer's exact SVD here) and
//! `randomized` with 40 power iterations (converged on both sides) match scikit-learn's
//! components, singular values, variances and transforms at rtol 1e-9 with an absolute floor of
//! 1e-9 × the array's largest magnitude; components match in sign (both apply `svd_flip`).

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Transformer};
use satori_features::sparse::{csr_from_dense, csr_to_dense};
use satori_features::{PowerIterationNormalizer, SvdAlgorithm, TruncatedSvd, TruncatedSvdParams};
use satori_testkit::{NanPolicy, TransformerConformance, generate, golden};
use serde_json::Value;

fn close_2d(what: &str, a: ArrayView2<'_, f64>, e: ArrayView2<'_, f64>, tol: f64) {
    let atol = tol * e.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    golden::assert_close_2d(what, a, e, tol, atol);
}

fn close_1d(what: &str, a: &[f64], e: &[f64], tol: f64) {
    let atol = tol * e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    golden::assert_close(what, a, e, tol, atol);
}

fn fit_case(case: &Value) -> (TruncatedSvd, Array2<f64>, bool) {
    let x = golden::f64_matrix(case, "/x");
    let sparse = golden::at(case, "/sparse").as_bool().unwrap();
    let params = TruncatedSvdParams {
        n_components: golden::at(case, "/n_components").as_u64().unwrap() as usize,
        algorithm: match golden::at(case, "/algorithm").as_str().unwrap() {
            "arpack" => SvdAlgorithm::Arpack,
            _ => SvdAlgorithm::Randomized,
        },
        n_iter: golden::at(case, "/n_iter").as_u64().unwrap() as usize,
        seed: 3,
        ..Default::default()
    };
    let model = if sparse {
        params.fit_csr(&csr_from_dense(x.view())).unwrap()
    } else {
        params.fit_array(x.view()).unwrap()
    };
    (model, x, sparse)
}

#[test]
fn golden_truncated_svd() {
    let expected = golden::load("features_tsvd");
    let cases = golden::at(&expected, "/cases").as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for (i, case) in cases.iter().enumerate() {
        let (m, x, sparse) = fit_case(case);
        let what = |s: &str| format!("case {i} ({}): {s}", case["algorithm"]);
        let tol = 1e-9;
        close_2d(
            &what("components"),
            m.components(),
            golden::f64_matrix(case, "/components").view(),
            tol,
        );
        close_1d(
            &what("singular_values"),
            m.singular_values().as_slice().unwrap(),
            &golden::f64_vec(case, "/singular_values"),
            tol,
        );
        close_1d(
            &what("explained_variance"),
            m.explained_variance().as_slice().unwrap(),
            &golden::f64_vec(case, "/explained_variance"),
            tol,
        );
        close_1d(
            &what("explained_variance_ratio"),
            m.explained_variance_ratio().as_slice().unwrap(),
            &golden::f64_vec(case, "/explained_variance_ratio"),
            tol,
        );
        let x_new = golden::f64_matrix(case, "/x_new");
        let (z, z_new) = if sparse {
            (
                m.transform_csr(&csr_from_dense(x.view())).unwrap(),
                m.transform_csr(&csr_from_dense(x_new.view())).unwrap(),
            )
        } else {
            (
                m.transform(x.view()).unwrap(),
                m.transform(x_new.view()).unwrap(),
            )
        };
        close_2d(
            &what("fit_transform"),
            z.view(),
            golden::f64_matrix(case, "/fit_transform").view(),
            tol,
        );
        close_2d(
            &what("transform_new"),
            z_new.view(),
            golden::f64_matrix(case, "/transform_new").view(),
            tol,
        );
    }
}

/// A 300 × 40 matrix of rank ≈ 5 plus small noise, ~30% non-zero.
fn low_rank_sparse() -> Array2<f64> {
    Array2::from_shape_fn((300, 40), |(i, j)| {
        let keep = (i * 7 + j * 13) % 10 < 3;
        if !keep {
            return 0.0;
        }
        let mut v = 0.0;
        for r in 0..5 {
            let a = (((i + 1) * (r + 2)) % 11) as f64 - 5.0;
            let b = (((j + 3) * (r + 1)) % 7) as f64 - 3.0;
            v += a * b / (r + 1) as f64;
        }
        v + ((i * 31 + j * 17) % 5) as f64 * 1e-3
    })
}

#[test]
fn randomized_defaults_approach_the_exact_solution() {
    let x = low_rank_sparse();
    let csr = csr_from_dense(x.view());
    let exact = TruncatedSvdParams {
        n_components: 3,
        algorithm: SvdAlgorithm::Arpack,
        ..Default::default()
    }
    .fit_csr(&csr)
    .unwrap();
    for how in [
        PowerIterationNormalizer::Auto,
        PowerIterationNormalizer::Qr,
        PowerIterationNormalizer::Lu,
        PowerIterationNormalizer::None,
    ] {
        let p = TruncatedSvdParams {
            n_components: 3,
            power_iteration_normalizer: how,
            seed: 11,
            ..Default::default()
        };
        let m = p.fit_csr(&csr).unwrap();
        close_1d(
            &format!("{how:?} singular values"),
            m.singular_values().as_slice().unwrap(),
            exact.singular_values().as_slice().unwrap(),
            1e-6,
        );
        // Dense input gives the same model as sparse input.
        let d = p.fit_array(x.view()).unwrap();
        close_2d("dense vs sparse", d.components(), m.components(), 1e-10);
    }
}

#[test]
fn same_seed_same_model_at_any_thread_count() {
    let csr = csr_from_dense(low_rank_sparse().view());
    let p = TruncatedSvdParams {
        n_components: 4,
        seed: 9,
        ..Default::default()
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| p.fit_csr(&csr).unwrap())
    };
    assert_eq!(run(1), run(2));
    let other = TruncatedSvdParams {
        seed: 10,
        ..p.clone()
    }
    .fit_csr(&csr)
    .unwrap();
    assert_ne!(run(1).components(), other.components());
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f64);
    let too_many = TruncatedSvdParams {
        n_components: 4,
        ..Default::default()
    };
    let e = too_many.fit_array(x.view()).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    let one_col = Array2::from_shape_fn((5, 1), |(i, _)| i as f64);
    assert!(
        TruncatedSvdParams::default()
            .fit_array(one_col.view())
            .is_err()
    );
    let mut nan = x.clone();
    nan[[1, 1]] = f64::NAN;
    let e = TruncatedSvdParams::default()
        .fit_csr(&csr_from_dense(nan.view()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("impute"), "{e}");
    let m = TruncatedSvdParams::default().fit_array(x.view()).unwrap();
    assert!(matches!(
        m.transform_csr(&csr_from_dense(Array2::<f64>::zeros((2, 4)).view())),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(
        m.inverse_transform(Array2::<f64>::zeros((2, 3)).view())
            .is_err()
    );
    assert!(toml::from_str::<TruncatedSvdParams>("n_component = 3").is_err());
    let p: TruncatedSvdParams = toml::from_str("n_components = 3\nalgorithm = \"arpack\"").unwrap();
    assert_eq!(p.algorithm, SvdAlgorithm::Arpack);
    assert!(
        TruncatedSvdParams {
            n_oversamples: 0,
            ..Default::default()
        }
        .fit_array(x.view())
        .is_err()
    );
}

#[test]
fn inverse_transform_of_full_rank_recovers_the_data() {
    let x = low_rank_sparse();
    let m = TruncatedSvdParams {
        n_components: 40,
        algorithm: SvdAlgorithm::Arpack,
        ..Default::default()
    }
    .fit_array(x.view())
    .unwrap();
    let back = m
        .inverse_transform(m.transform(x.view()).unwrap().view())
        .unwrap();
    close_2d("round trip", back.view(), x.view(), 1e-10);
    assert_eq!(csr_to_dense(&csr_from_dense(x.view())), x);
}

#[test]
fn truncated_svd_conformance() {
    let data: Dataset = generate::regression(60, 5, 3);
    for algorithm in [SvdAlgorithm::Arpack, SvdAlgorithm::Randomized] {
        let p = TruncatedSvdParams {
            n_components: 2,
            algorithm,
            seed: 4,
            ..Default::default()
        };
        // The randomized sketch meets the rows in another order when they are reversed.
        let tol = if algorithm == SvdAlgorithm::Arpack {
            1e-12
        } else {
            1e-6
        };
        TransformerConformance::new(p.clone(), data.clone())
            .nan_policy(NanPolicy::RejectMentioning("impute"))
            .fit_order_tolerance(tol, tol)
            .check();
        let m = p.fit(&data).unwrap();
        assert_eq!(
            m.feature_names_out(&data.feature_names()),
            vec!["truncatedsvd0", "truncatedsvd1"]
        );
    }
}
