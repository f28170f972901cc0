//! Input checks shared by every step: finite values (NaN = missing must be imputed first), enough
//! rows, and the column count at transform time.

use ndarray::ArrayView2;
use satori_core::{Error, Result, check_features};

/// The first non-finite value of `x` as `(row, column, value)`, scanning row by row.
fn first_non_finite(x: ArrayView2<'_, f64>) -> Option<(usize, usize, f64)> {
    x.rows().into_iter().enumerate().find_map(|(i, row)| {
        row.iter()
            .position(|v| !v.is_finite())
            .map(|j| (i, j, row[j]))
    })
}

/// Reject NaN (missing) and infinite values, as scikit-learn's `check_array` does for these steps.
pub(crate) fn require_finite(x: ArrayView2<'_, f64>, step: &str) -> Result<()> {
    match first_non_finite(x) {
        None => Ok(()),
        Some((i, j, v)) if v.is_nan() => Err(Error::InvalidData(format!(
            "{step} does not accept missing values: row {i}, column {j} is NaN; impute them \
             first (e.g. with a SimpleImputer step before {step})"
        ))),
        Some((i, j, v)) => Err(Error::InvalidData(format!(
            "{step} needs finite values: row {i}, column {j} is {v}; clip or remove infinite \
             values first"
        ))),
    }
}

/// The checks of `fit`: at least `min_rows` rows, at least one column, finite values.
pub(crate) fn check_fit_input(x: ArrayView2<'_, f64>, step: &str, min_rows: usize) -> Result<()> {
    if x.nrows() < min_rows {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {step}"),
            needed: min_rows,
            got: x.nrows(),
        });
    }
    if x.ncols() == 0 {
        return Err(Error::InvalidData(format!(
            "{step} needs at least one feature column, and the data has none"
        )));
    }
    require_finite(x, step)
}

/// The checks of `transform`: the fitted column count and finite values.
pub(crate) fn check_transform_input(
    x: ArrayView2<'_, f64>,
    n_features: usize,
    step: &str,
) -> Result<()> {
    check_features(x, n_features)?;
    require_finite(x, step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn nan_message_says_impute() {
        let e = require_finite(array![[1.0, f64::NAN]].view(), "PCA").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("row 0, column 1") && msg.contains("impute"),
            "{msg}"
        );
        let e = require_finite(array![[f64::INFINITY]].view(), "PCA").unwrap_err();
        assert!(e.to_string().contains("inf"), "{e}");
    }

    #[test]
    fn fit_input_needs_rows_and_columns() {
        let empty = ndarray::Array2::<f64>::zeros((0, 2));
        assert!(matches!(
            check_fit_input(empty.view(), "PCA", 1),
            Err(Error::NotEnoughSamples { .. })
        ));
        let no_cols = ndarray::Array2::<f64>::zeros((3, 0));
        assert!(check_fit_input(no_cols.view(), "PCA", 1).is_err());
        assert!(check_transform_input(array![[1.0]].view(), 2, "PCA").is_err());
    }
}
