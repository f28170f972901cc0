//! Shared kernels: column gathering over rayon, numpy-ordered statistics, row-parallel transforms
//! and input checks.
//!
//! Column statistics follow the floating-point order numpy uses for scikit-learn's calls:
//! reductions along axis 0 of a C-ordered matrix (`np.sum(X, axis=0)`, `np.nansum`,
//! `np.ma.mean(X, axis=0)`) add the rows one after another, which is what [`seq_sum`] does, and
//! reductions of a 1-D array use numpy's pairwise summation ([`pairwise_sum`]).

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::{Error, Result, check_features};

/// Columns handled together by one task when gathering: 8 `f64` fill one cache line of a row.
const GROUP: usize = 8;
/// Rows per task when transforming row by row.
const ROW_CHUNK: usize = 4096;

/// `x` in standard (row-major, contiguous) layout, borrowed when it already is.
pub(crate) fn standard(x: ArrayView2<'_, f64>) -> Cow<'_, [f64]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.as_standard_layout().iter().copied().collect()),
    }
}

/// `f(j, column_j)` for every column `j`, with each column gathered into a contiguous buffer.
/// Groups of [`GROUP`] adjacent columns run as one rayon task (so each task reads whole cache
/// lines of the rows it walks); the result is in column order and independent of thread count.
pub(crate) fn map_columns<T, F>(x: ArrayView2<'_, f64>, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &[f64]) -> T + Sync,
{
    let (n, p) = x.dim();
    let groups: Vec<usize> = (0..p).step_by(GROUP).collect();
    let per_group: Vec<Vec<T>> = groups
        .par_iter()
        .map(|&start| {
            let end = (start + GROUP).min(p);
            let mut cols: Vec<Vec<f64>> = (start..end).map(|_| Vec::with_capacity(n)).collect();
            for row in x.rows() {
                for (k, col) in cols.iter_mut().enumerate() {
                    col.push(row[start + k]);
                }
            }
            cols.iter()
                .enumerate()
                .map(|(k, col)| f(start + k, col))
                .collect()
        })
        .collect();
    per_group.into_iter().flatten().collect()
}

/// `f(rows, p, start..end)` for each group of [`GROUP`] adjacent columns, in parallel over the
/// groups, with `rows` the row-major values of `x` (`p` per row); the per-group results are
/// concatenated in column order. For reductions that walk the rows in order without copying the
/// columns out.
pub(crate) fn map_column_groups<T, F>(x: ArrayView2<'_, f64>, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&[f64], usize, std::ops::Range<usize>) -> Vec<T> + Sync,
{
    let p = x.ncols();
    let rows = standard(x);
    let groups: Vec<usize> = (0..p).step_by(GROUP).collect();
    let per_group: Vec<Vec<T>> = groups
        .par_iter()
        .map(|&start| f(&rows, p, start..(start + GROUP).min(p)))
        .collect();
    per_group.into_iter().flatten().collect()
}

/// Build an `n × p_out` matrix row by row: `f(row_in, row_out)` for each row, in parallel over
/// fixed chunks of rows (each output value depends on its row only, so the result is the same at
/// any thread count).
pub(crate) fn map_rows<F>(x: ArrayView2<'_, f64>, p_out: usize, f: F) -> Result<Array2<f64>>
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    let (n, p) = x.dim();
    let input = standard(x);
    let mut out = vec![0.0; n * p_out];
    if p_out > 0 && p > 0 {
        out.par_chunks_mut(ROW_CHUNK * p_out)
            .zip(input.par_chunks(ROW_CHUNK * p))
            .for_each(|(o, i)| {
                for (orow, irow) in o.chunks_mut(p_out).zip(i.chunks(p)) {
                    f(irow, orow);
                }
            });
    } else if p_out > 0 {
        let empty: [f64; 0] = [];
        out.par_chunks_mut(p_out).for_each(|orow| f(&empty, orow));
    }
    Array2::from_shape_vec((n, p_out), out).map_err(|e| Error::Internal(e.to_string()))
}

/// The check shared by every `transform`: the column count, and no infinities (scikit-learn's
/// `ensure_all_finite="allow-nan"`: NaN marks a missing value, ±inf is an error).
pub(crate) fn check_input(x: ArrayView2<'_, f64>, expected: usize, step: &str) -> Result<()> {
    check_features(x, expected)?;
    check_no_infinity(x, step)
}

/// An error for the first infinite value of `x`, naming row and column.
pub(crate) fn check_no_infinity(x: ArrayView2<'_, f64>, step: &str) -> Result<()> {
    let any = match x.as_slice() {
        Some(s) => s
            .par_chunks(1 << 16)
            .any(|c| c.iter().any(|v| v.is_infinite())),
        None => x.iter().any(|v| v.is_infinite()),
    };
    if !any {
        return Ok(());
    }
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| v.is_infinite()) {
        return Err(Error::InvalidData(format!(
            "{step}: row {i}, column {j} holds {v}; values must be finite or NaN (missing)"
        )));
    }
    Ok(())
}

/// An error when fitting on no rows.
pub(crate) fn check_not_empty(n: usize, step: &str) -> Result<()> {
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {step}"),
            needed: 1,
            got: 0,
        });
    }
    Ok(())
}

/// Sequential sum, as numpy reduces axis 0 of a C-ordered matrix.
pub(crate) fn seq_sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut it = values;
    match it.next() {
        Some(first) => it.fold(first, |acc, v| acc + v),
        None => 0.0,
    }
}

pub(crate) use satori_core::numeric::{pairwise_sum, pairwise_sum_by};

/// The non-NaN values of a column.
pub(crate) fn present(col: &[f64]) -> Vec<f64> {
    col.iter().copied().filter(|v| !v.is_nan()).collect()
}

/// The most frequent of NaN-free values, the smallest one among ties (`scipy.stats.mode`);
/// `None` for no values.
pub(crate) fn mode(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let mut best: Option<(f64, usize)> = None;
    let mut i = 0;
    while i < v.len() {
        let mut k = i + 1;
        while k < v.len() && v[k] == v[i] {
            k += 1;
        }
        if best.is_none_or(|(_, c)| k - i > c) {
            best = Some((v[i], k - i));
        }
        i = k;
    }
    best.map(|(value, _)| value)
}

/// scikit-learn's `_handle_zeros_in_scale` for a scale computed without a constant mask: scales
/// below `10 · eps` become 1.
pub(crate) fn handle_zero_scale(scale: f64) -> f64 {
    if scale < 10.0 * f64::EPSILON {
        1.0
    } else {
        scale
    }
}

/// The columns of `x` that hold at least one NaN.
pub(crate) fn columns_with_missing(x: ArrayView2<'_, f64>) -> Vec<usize> {
    (0..x.ncols())
        .filter(|&j| x.column(j).iter().any(|v| v.is_nan()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn statistics_match_numpy_conventions() {
        assert_eq!(mode(&[3.0, 1.0, 3.0, 1.0, 2.0]), Some(1.0));
        assert_eq!(mode(&[]), None);
        assert_eq!(handle_zero_scale(0.0), 1.0);
        assert_eq!(handle_zero_scale(2.0), 2.0);
    }

    #[test]
    fn pairwise_sum_groups_like_numpy() {
        let v = [1e16, 1.0, -1e16, 1.0, 1.0, 1.0, 1.0, 1.0];
        let numpy = ((1e16 + 1.0) + (-1e16 + 1.0)) + ((1.0 + 1.0) + (1.0 + 1.0));
        assert_eq!(pairwise_sum(&v), numpy);
        let big: Vec<f64> = (0..300).map(|i| 0.1 * i as f64).collect();
        assert_eq!(
            pairwise_sum(&big),
            pairwise_sum(&big[..144]) + pairwise_sum(&big[144..])
        );
    }

    #[test]
    fn columns_are_gathered_in_order() {
        let x = Array2::from_shape_fn((5, 19), |(i, j)| (i * 100 + j) as f64);
        let firsts = map_columns(x.view(), |j, c| (j, c[0], c[4], c.len()));
        for (j, t) in firsts.iter().enumerate() {
            assert_eq!(*t, (j, j as f64, (400 + j) as f64, 5));
        }
        let t = map_rows(x.t(), 2, |r, o| {
            o[0] = r[0];
            o[1] = r.len() as f64;
        })
        .unwrap();
        assert_eq!(t.row(3).to_vec(), vec![3.0, 5.0]);
        assert!(check_input(array![[1.0, f64::INFINITY]].view(), 2, "s").is_err());
        assert!(check_input(array![[1.0, f64::NAN]].view(), 2, "s").is_ok());
    }
}
