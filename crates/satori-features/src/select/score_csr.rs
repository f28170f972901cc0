//! `chi2` and `f_regression` on a sparse CSR matrix (term counts, TF-IDF) without densifying it:
//! the per-column sums are accumulated over the stored entries only, row by row, and finished by
//! the dense functions' own code (`super::score`), so a CSR matrix scores exactly as its dense
//! form does. Used by the pipeline's text stage (`select_k_best` on TF-IDF blocks).

use ndarray::{Array1, ArrayView1};
use satori_core::{CsMat, Error, Result};

use super::score::{centred_target, chi2_from_counts, f_regression_from_sums};
use crate::sparse::{as_csr, require_finite_csr};

/// An error unless `y` has one value per row of `x`.
fn check_rows(x: &CsMat<f64>, y_len: usize, what: &str) -> Result<()> {
    if y_len != x.rows() {
        return Err(Error::ShapeMismatch {
            context: format!("{what}: length of y against the rows of X"),
            expected: x.rows(),
            got: y_len,
        });
    }
    Ok(())
}

/// `sklearn.feature_selection.f_regression(X, y)` (`center=True, force_finite=True`) on a CSR (or
/// CSC) matrix and a continuous target in any memory layout: the F statistic of each column's
/// correlation with `y` and its p-value; a constant column scores 0 (p-value 1), a perfectly
/// correlated one the largest finite value. Errors on non-finite stored values or a target of
/// another length.
pub fn f_regression_csr(
    x: &CsMat<f64>,
    y: ArrayView1<'_, f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    let x = as_csr(x);
    require_finite_csr(&x, "f_regression")?;
    check_rows(&x, y.len(), "f_regression")?;
    let p = x.cols();
    if x.rows() == 0 {
        return Ok((Array1::zeros(p), Array1::ones(p)));
    }
    let (yc, y_norm) = centred_target(y);
    let mut sums = vec![0.0; p];
    let mut squares = vec![0.0; p];
    let mut dots = vec![0.0; p];
    for (row, &w) in x.outer_iterator().zip(&yc) {
        for (j, &v) in row.iter() {
            sums[j] += v;
            squares[j] += v * v;
            dots[j] += w * v;
        }
    }
    Ok(f_regression_from_sums(
        x.rows(),
        y_norm,
        &sums,
        &squares,
        &dots,
    ))
}

/// `sklearn.feature_selection.chi2` on a sparse non-negative matrix (term counts, TF-IDF) and
/// class codes `y` (`0..n_classes`): the chi-squared statistic of each column and its p-value
/// (`n_classes − 1` degrees of freedom), without densifying `x`. As scikit-learn, with a single
/// class the statistic is computed against an empty second class. Errors on negative values, a
/// length mismatch, or a code outside `0..n_classes`. (Also at its former path,
/// `satori_features::sparse::chi2_csr`.)
pub fn chi2_csr(
    x: &CsMat<f64>,
    y: &[usize],
    n_classes: usize,
) -> Result<(Array1<f64>, Array1<f64>)> {
    let x = as_csr(x);
    require_finite_csr(&x, "chi2")?;
    check_rows(&x, y.len(), "chi2")?;
    if x.data().iter().any(|&v| v < 0.0) {
        return Err(Error::InvalidData(
            "chi2 needs non-negative features (counts or frequencies), and X holds a negative \
             value"
                .into(),
        ));
    }
    if let Some(&c) = y.iter().find(|&&c| c >= n_classes) {
        return Err(Error::InvalidData(format!(
            "chi2: class code {c} is outside 0..{n_classes}"
        )));
    }
    // Classes present in y, in code order (scikit-learn's LabelBinarizer sees only these).
    let mut present = vec![false; n_classes];
    y.iter().for_each(|&c| present[c] = true);
    let classes: Vec<usize> = (0..n_classes).filter(|&c| present[c]).collect();
    let k = classes.len().max(2);
    let p = x.cols();
    let mut observed = vec![Array1::<f64>::zeros(p); k];
    let mut class_sizes = vec![0.0; k];
    let mut feature_count = Array1::<f64>::zeros(p);
    for (i, row) in x.outer_iterator().enumerate() {
        // With one class scikit-learn's indicator is [1 − Y, Y] with Y = 0: all rows in column 0.
        let slot = classes.iter().position(|&c| c == y[i]).unwrap_or(0);
        class_sizes[slot] += 1.0;
        for (j, &v) in row.iter() {
            observed[slot][j] += v;
            feature_count[j] += v;
        }
    }
    Ok(chi2_from_counts(
        &observed,
        &class_sizes,
        feature_count.view(),
        x.rows(),
    ))
}
