//! The sparse helpers used with text features: golden tests against scikit-learn 1.9.1
//! (`tests/golden/features_tfidf_sparse`) of `MaxAbsScaler` and `chi2` on CSR input.
//!
//! Tolerances: `max_abs_`, `scale_`, scaled and inverse-scaled values exactly as computed
//! (rtol 1e-15: one division or product each); chi2 statistics at rtol 1e-12 and p-values at
//! rtol 1e-10 (SciPy's `chdtrc` against satori's incomplete gamma), NaN where scikit-learn has
//! NaN (an all-zero column).

use ndarray::Array2;
use satori_core::Error;
use satori_features::sparse::{SparseMaxAbsScaler, chi2_csr, csr_from_dense, csr_to_dense};
use satori_testkit::golden;

#[test]
fn golden_sparse_max_abs_scaler() {
    let g = golden::load("features_tfidf_sparse");
    let signed = csr_from_dense(golden::f64_matrix(&g, "/signed").view());
    let held = csr_from_dense(golden::f64_matrix(&g, "/held").view());
    let s = SparseMaxAbsScaler::fit(&signed).unwrap();
    golden::assert_close(
        "max_abs",
        s.max_abs(),
        &golden::f64_vec(&g, "/max_abs"),
        1e-15,
        0.0,
    );
    golden::assert_close(
        "scale",
        s.scale(),
        &golden::f64_vec(&g, "/scale"),
        1e-15,
        0.0,
    );
    let scaled = s.transform(&held).unwrap();
    assert_eq!(scaled.nnz(), held.nnz(), "the structure is kept");
    golden::assert_close_2d(
        "scaled",
        csr_to_dense(&scaled).view(),
        golden::f64_matrix(&g, "/scaled_held").view(),
        1e-15,
        0.0,
    );
    golden::assert_close_2d(
        "inverse",
        csr_to_dense(&s.inverse_transform(&held).unwrap()).view(),
        golden::f64_matrix(&g, "/inverse_held").view(),
        1e-15,
        0.0,
    );
    assert!(matches!(
        s.transform(&csr_from_dense(Array2::<f64>::zeros((1, 3)).view())),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn golden_sparse_chi2() {
    let g = golden::load("features_tfidf_sparse");
    let counts = csr_from_dense(golden::f64_matrix(&g, "/counts").view());
    for (key, k) in [("y3", 3), ("y2", 2)] {
        let y = golden::usize_vec(&g, &format!("/{key}"));
        let (stat, pval) = chi2_csr(&counts, &y, k).unwrap();
        let e_stat = golden::f64_vec(&g, &format!("/chi2_{key}/0"));
        let e_p = golden::f64_vec(&g, &format!("/chi2_{key}/1"));
        golden::assert_close(
            &format!("chi2 {key}"),
            stat.as_slice().unwrap(),
            &e_stat,
            1e-12,
            0.0,
        );
        golden::assert_close(
            &format!("p {key}"),
            pval.as_slice().unwrap(),
            &e_p,
            1e-10,
            1e-300,
        );
    }
}

#[test]
fn chi2_bad_input() {
    let x = csr_from_dense(ndarray::array![[1.0, -2.0], [0.0, 1.0]].view());
    assert!(
        chi2_csr(&x, &[0, 1], 2)
            .unwrap_err()
            .to_string()
            .contains("non-negative")
    );
    let x = csr_from_dense(ndarray::array![[1.0, 2.0], [0.0, 1.0]].view());
    assert!(matches!(
        chi2_csr(&x, &[0], 2),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(chi2_csr(&x, &[0, 5], 2).is_err());
}
