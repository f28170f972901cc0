//! Shared plumbing of the regression family: input checks, scikit-learn's `_preprocess_data`
//! (weighted centring and square-root-weight rescaling) into a column-major design matrix,
//! deterministic parallel Gram products, and the fitted linear function every model predicts
//! with.

use faer::{Accum, Mat, MatRef, Par};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::numeric::{dot, dot_lanes, pairwise_sum};
use satori_core::{Dataset, Error, Result, Target, check_features};
use serde::{Deserialize, Serialize};

/// Rows per block of the parallel reductions. Fixed, so that the blocks (and the order in which
/// their partial results are added) depend only on the number of rows, never on the threads.
pub(crate) const BLOCK_ROWS: usize = 16_384;

/// A dense matrix stored column by column (`n` rows, `p` columns): coordinate descent walks
/// columns, and faer reads it without a copy.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    /// Number of rows.
    pub n: usize,
    /// Number of columns.
    pub p: usize,
    /// The values, column after column.
    pub data: Vec<f64>,
}

impl Design {
    /// Column `j`.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.n..(j + 1) * self.n]
    }

    /// The matrix as a faer view.
    pub fn faer(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.data, self.n, self.p)
    }
}

/// The centred (and, with weights, rescaled) data of scikit-learn's `_preprocess_data`.
#[derive(Debug, Clone)]
pub(crate) struct Centered {
    /// `√w · (x − x_offset)`, column-major.
    pub x: Design,
    /// `√w · (y − y_offset)`.
    pub y: Vec<f64>,
    /// The (weighted) column means, or zeros without an intercept.
    pub x_offset: Vec<f64>,
    /// The (weighted) target mean, or zero without an intercept.
    pub y_offset: f64,
}

/// `y += a · x`.
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// The continuous target of `data`, after the checks every regressor shares: a continuous
/// target, at least one row, no NaN in the features ("impute first").
pub(crate) fn regression_target(data: &Dataset, model: &str) -> Result<Array1<f64>> {
    let y = match data.require_target()? {
        Target::Continuous(y) => y.clone(),
        Target::Classes { .. } => {
            return Err(Error::InvalidData(format!(
                "{model} needs a continuous target, and this target holds class labels (use \
                 logistic regression for classification)"
            )));
        }
    };
    if data.n_samples() == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {model}"),
            needed: 1,
            got: 0,
        });
    }
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{model} needs a finite target, found {v}; drop or impute those rows"
        )));
    }
    check_finite_x(data.x(), model)?;
    Ok(y)
}

/// Reject NaN or infinite features, as scikit-learn does.
pub(crate) fn check_finite_x(x: ArrayView2<'_, f64>, model: &str) -> Result<()> {
    let n = x.nrows();
    let bad = (0..n.div_ceil(BLOCK_ROWS)).into_par_iter().any(|b| {
        let rows = x.slice(ndarray::s![
            b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(n),
            ..
        ]);
        rows.iter().any(|v| !v.is_finite())
    });
    if bad {
        return Err(Error::InvalidData(format!(
            "{model} cannot take NaN or infinite feature values; impute first (e.g. add an \
             imputer step to the pipeline)"
        )));
    }
    Ok(())
}

/// The sample weights of `data`, if any, checked to have a positive sum.
pub(crate) fn weights(data: &Dataset, model: &str) -> Result<Option<Vec<f64>>> {
    let Some(w) = data.weights() else {
        return Ok(None);
    };
    let w = w.to_vec();
    if pairwise_sum(&w).partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::InvalidData(format!(
            "{model} needs sample weights with a positive sum"
        )));
    }
    Ok(Some(w))
}

/// Copy `x` into a column-major [`Design`]. Columns are split into one group per thread; each
/// group walks the rows in order, so the source is read row by row (a strided walk per column
/// would read the whole matrix once per column). A copy: the same bits for any split.
pub(crate) fn design_from(x: ArrayView2<'_, f64>) -> Design {
    let (n, p) = x.dim();
    let mut data = vec![0.0; n * p];
    if n == 0 || p == 0 {
        return Design { n, p, data };
    }
    let per_group = p.div_ceil(rayon::current_num_threads().clamp(1, p));
    data.par_chunks_mut(n * per_group)
        .enumerate()
        .for_each(|(g, cols)| {
            let j0 = g * per_group;
            let k = cols.len() / n;
            match x.as_slice() {
                Some(flat) => {
                    for (i, row) in flat.chunks_exact(p).enumerate() {
                        for (jj, v) in row[j0..j0 + k].iter().enumerate() {
                            cols[jj * n + i] = *v;
                        }
                    }
                }
                None => {
                    for (i, row) in x.rows().into_iter().enumerate() {
                        for jj in 0..k {
                            cols[jj * n + i] = row[j0 + jj];
                        }
                    }
                }
            }
        });
    Design { n, p, data }
}

/// The (weighted) mean `Σ w·v / Σ w` (as `np.average`), with numpy's pairwise sums.
fn weighted_mean(v: &[f64], w: Option<&[f64]>, w_sum: f64) -> f64 {
    match w {
        None => pairwise_sum(v) / v.len() as f64,
        Some(w) => {
            let prod: Vec<f64> = v.iter().zip(w).map(|(a, b)| a * b).collect();
            pairwise_sum(&prod) / w_sum
        }
    }
}

/// scikit-learn's `_preprocess_data`: centre `x` and `y` on their (weighted) means when fitting
/// an intercept, then multiply every row by `√w`.
pub(crate) fn center(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    w: Option<&[f64]>,
    fit_intercept: bool,
) -> Centered {
    let mut xc = design_from(x);
    let n = xc.n;
    let y: Vec<f64> = y.to_vec();
    let w_sum = w.map_or(n as f64, pairwise_sum);
    let (x_offset, y_offset) = if fit_intercept && n > 0 {
        let xo: Vec<f64> = (0..xc.p)
            .into_par_iter()
            .map(|j| weighted_mean(xc.col(j), w, w_sum))
            .collect();
        (xo, weighted_mean(&y, w, w_sum))
    } else {
        (vec![0.0; xc.p], 0.0)
    };
    let sw: Option<Vec<f64>> = w.map(|w| w.iter().map(|v| v.sqrt()).collect());
    let shift = |v: &mut [f64], off: f64| match &sw {
        Some(s) => v.iter_mut().zip(s).for_each(|(c, s)| *c = (*c - off) * s),
        None => v.iter_mut().for_each(|c| *c -= off),
    };
    if n > 0 {
        xc.data
            .par_chunks_mut(n)
            .zip(&x_offset)
            .for_each(|(col, &off)| shift(col, off));
    }
    let mut yc = y;
    shift(&mut yc, y_offset);
    Centered {
        x: xc,
        y: yc,
        x_offset,
        y_offset,
    }
}

/// `xᵀ · diag(d) · x` (or `xᵀx` without `d`), added over fixed row blocks in block order: the
/// same bits at any thread count.
pub(crate) fn gram(x: &Design, d: Option<&[f64]>) -> Mat<f64> {
    let (n, p) = (x.n, x.p);
    let blocks: Vec<(usize, usize)> = (0..n.div_ceil(BLOCK_ROWS))
        .map(|b| (b * BLOCK_ROWS, ((b + 1) * BLOCK_ROWS).min(n)))
        .collect();
    let xf = x.faer();
    let parts: Vec<Mat<f64>> = blocks
        .par_iter()
        .map(|&(a, b)| {
            let xb = xf.subrows(a, b - a);
            let mut g = Mat::<f64>::zeros(p, p);
            match d {
                None => faer::linalg::matmul::matmul(
                    g.as_mut(),
                    Accum::Replace,
                    xb.transpose(),
                    xb,
                    1.0,
                    Par::Seq,
                ),
                Some(d) => {
                    let scaled = Mat::from_fn(b - a, p, |i, j| xb[(i, j)] * d[a + i]);
                    faer::linalg::matmul::matmul(
                        g.as_mut(),
                        Accum::Replace,
                        xb.transpose(),
                        scaled.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                }
            }
            g
        })
        .collect();
    let mut total = Mat::<f64>::zeros(p, p);
    for g in &parts {
        total += g;
    }
    total
}

/// `xᵀ · v` over fixed row blocks (deterministic at any thread count).
pub(crate) fn xt_vec(x: &Design, v: &[f64]) -> Vec<f64> {
    (0..x.p)
        .into_par_iter()
        .map(|j| dot_lanes::<8>(x.col(j), v))
        .collect()
}

/// A fitted linear function `x · coef + intercept`, the prediction of every model here (before
/// any inverse link).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinearFunction {
    /// One coefficient per feature.
    pub coef: Vec<f64>,
    /// The constant term.
    pub intercept: f64,
}

impl LinearFunction {
    /// scikit-learn's `_set_intercept`: `intercept = y_offset − x_offset · coef`.
    pub fn from_centered(coef: Vec<f64>, c: &Centered) -> Self {
        let shift = dot(&c.x_offset, &coef);
        LinearFunction {
            intercept: c.y_offset - shift,
            coef,
        }
    }

    /// `x · coef + intercept` for each row; an error on a wrong column count or a non-finite
    /// feature value.
    pub fn decision(&self, x: ArrayView2<'_, f64>, model: &str) -> Result<Array1<f64>> {
        check_features(x, self.coef.len())?;
        check_finite_x(x, model)?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .zip(&self.coef)
                    .fold(0.0, |acc, (v, c)| acc + v * c)
                    + self.intercept
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn centring_matches_hand_computation() {
        let x = array![[1.0, 2.0], [3.0, 6.0]];
        let y = array![1.0, 3.0];
        let c = center(x.view(), y.view(), Some(&[1.0, 3.0]), true);
        assert_eq!(c.x_offset, vec![2.5, 5.0]);
        assert_eq!(c.y_offset, 2.5);
        assert_eq!(c.x.col(0), &[-1.5, 0.5 * 3f64.sqrt()]);
        assert_eq!(c.y, vec![-1.5, 0.5 * 3f64.sqrt()]);
    }

    #[test]
    fn column_major_copy_of_any_layout() {
        let x = Array2::from_shape_fn((5, 7), |(i, j)| (i * 10 + j) as f64);
        for view in [x.view(), x.t().t()] {
            let d = design_from(view);
            assert_eq!(d.col(3), &[3.0, 13.0, 23.0, 33.0, 43.0]);
        }
        let f = x.t().to_owned();
        let d = design_from(f.t());
        assert_eq!(d.col(6), &[6.0, 16.0, 26.0, 36.0, 46.0]);
    }

    #[test]
    fn gram_is_xtx() {
        let d = design_from(array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]].view());
        let g = gram(&d, None);
        assert_eq!(g[(0, 0)], 35.0);
        assert_eq!(g[(0, 1)], 44.0);
        assert_eq!(g[(1, 1)], 56.0);
        let gw = gram(&d, Some(&[1.0, 0.0, 2.0]));
        assert_eq!(gw[(0, 1)], 1.0 * 2.0 + 2.0 * 30.0);
    }
}
