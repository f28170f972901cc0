//! [`IncrementalPcaParams`] → [`IncrementalPca`]: scikit-learn's `IncrementalPCA`, principal
//! component analysis fitted batch by batch, for data streamed in chunks.
//!
//! Each batch updates the per-feature mean and variance incrementally (Chan, Golub & LeVeque's
//! pairwise update, scikit-learn's `_incremental_mean_and_var`), then takes an exact SVD (faer)
//! of the stacked matrix `[diag(S)·Vᵀ; X_batch − batch_mean; mean correction]`, so that memory
//! holds one batch plus `n_components` rows. Components carry scikit-learn's sign convention
//! (`svd_flip`: each component's largest-magnitude entry is positive).
//!
//! - [`IncrementalPcaParams::first_batch`] starts a model from one chunk and
//!   [`IncrementalPca::partial_fit`] adds the next ones (`partial_fit` in scikit-learn).
//! - [`Estimator::fit`] on a dataset runs over batches of `batch_size` rows (default
//!   `5 · n_features`), with scikit-learn's `gen_batches` rule: a last batch smaller than
//!   `n_components` is merged into the one before.
//!
//! The result depends on the batches (as scikit-learn's does); with the same batches it matches
//! scikit-learn to ~1e-10. NaN and infinities are rejected (impute first).
//!
//! ```
//! use ndarray::{Array2, s};
//! use satori_core::Transformer;
//! use satori_features::IncrementalPcaParams;
//!
//! let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * (j + 2)) % 7) as f64 + j as f64);
//! let params = IncrementalPcaParams { n_components: Some(2), ..Default::default() };
//! let mut ipca = params.first_batch(x.slice(s![..20, ..])).unwrap();
//! ipca.partial_fit(x.slice(s![20.., ..])).unwrap();
//! assert_eq!(ipca.n_samples_seen(), 40);
//! assert_eq!(ipca.transform(x.view()).unwrap().ncols(), 2);
//! ```

use faer::Mat;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::{check_fit_input, check_transform_input, require_finite};
use crate::pca::linalg::{svd_flip_rows, thin_svd};
use crate::truncated_svd::SeqFaer;

/// Parameters of [`IncrementalPca`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct IncrementalPcaParams {
    /// Components to keep: at least 1, at most `n_features` and at most the rows of the first
    /// batch (checked at fit); none keeps `min(rows of the first batch, n_features)`. Default
    /// none.
    pub n_components: Option<usize>,
    /// Divide each projected column by the square root of its explained variance. Default
    /// `false`.
    pub whiten: bool,
    /// Rows per batch of [`Estimator::fit`], at least 1; none means `5 · n_features`. Default
    /// none.
    pub batch_size: Option<usize>,
}

impl Params for IncrementalPcaParams {
    fn validate(&self) -> Result<()> {
        if self.n_components == Some(0) {
            return Err(Error::param("n_components", "must be at least 1, got 0"));
        }
        if self.batch_size == Some(0) {
            return Err(Error::param("batch_size", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// scikit-learn's `gen_batches(n, batch_size, min_batch_size)`.
fn batches(n: usize, size: usize, min_size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for _ in 0..n / size {
        let end = start + size;
        if end.saturating_add(min_size) > n {
            continue;
        }
        out.push((start, end));
        start = end;
    }
    if start < n {
        out.push((start, n));
    }
    out
}

impl IncrementalPcaParams {
    /// Start a model from its first batch (scikit-learn's first `partial_fit` call).
    pub fn first_batch(&self, x: ArrayView2<'_, f64>) -> Result<IncrementalPca> {
        self.validate()?;
        check_fit_input(x, "IncrementalPCA", 1)?;
        let (n, p) = x.dim();
        let k = match self.n_components {
            None => n.min(p),
            Some(k) if k > p => {
                return Err(Error::param(
                    "n_components",
                    format!("must be at most n_features ({p}), got {k}"),
                ));
            }
            Some(k) if k > n => {
                return Err(Error::param(
                    "n_components",
                    format!(
                        "must be at most the rows of the first batch ({n}), got {k}; use larger \
                         batches"
                    ),
                ));
            }
            Some(k) => k,
        };
        let mut model = IncrementalPca {
            components: Array2::zeros((0, p)),
            explained_variance: Array1::zeros(0),
            explained_variance_ratio: Array1::zeros(0),
            singular_values: Array1::zeros(0),
            mean: Array1::zeros(p),
            var: Array1::zeros(p),
            noise_variance: 0.0,
            n_samples_seen: 0,
            n_components: k,
            whiten: self.whiten,
        };
        model.partial_fit(x)?;
        Ok(model)
    }
}

impl Estimator for IncrementalPcaParams {
    type Model = IncrementalPca;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<IncrementalPca> {
        self.validate()?;
        let x = data.x();
        check_fit_input(x, "IncrementalPCA", 1)?;
        let size = self.batch_size.unwrap_or(5 * x.ncols()).max(1);
        let ranges = batches(x.nrows(), size, self.n_components.unwrap_or(0));
        progress.start("IncrementalPCA batches", Some(ranges.len() as u64));
        let mut model: Option<IncrementalPca> = None;
        for (a, b) in ranges {
            let chunk = x.slice(s![a..b, ..]);
            match model.as_mut() {
                None => model = Some(self.first_batch(chunk)?),
                Some(m) => m.partial_fit(chunk)?,
            }
            progress.advance(1);
        }
        progress.finish();
        model.ok_or_else(|| Error::Internal("IncrementalPCA fitted no batch".into()))
    }
}

/// A fitted incremental PCA: scikit-learn's fitted `IncrementalPCA` attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncrementalPca {
    components: Array2<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    singular_values: Array1<f64>,
    mean: Array1<f64>,
    var: Array1<f64>,
    noise_variance: f64,
    n_samples_seen: usize,
    n_components: usize,
    whiten: bool,
}

/// `_incremental_mean_and_var` for a batch without NaN: the updated mean, variance and count.
fn update_mean_var(
    x: ArrayView2<'_, f64>,
    last_mean: &Array1<f64>,
    last_var: &Array1<f64>,
    last_n: usize,
) -> (Array1<f64>, Array1<f64>, usize) {
    let n_new = x.nrows() as f64;
    let last = last_n as f64;
    let total = last + n_new;
    let new_sum = x.sum_axis(Axis(0));
    let last_sum = last_mean * last;
    let mean = (&last_sum + &new_sum) / total;
    let t = &new_sum / n_new;
    let temp = &x - &t;
    let correction = temp.sum_axis(Axis(0));
    let mut new_unnorm = temp.mapv(|v| v * v).sum_axis(Axis(0));
    new_unnorm -= &(correction.mapv(|c| c * c) / n_new);
    let var = if last_n == 0 {
        new_unnorm / total
    } else {
        let last_over_new = last / n_new;
        let last_unnorm = last_var * last;
        let diff = (&last_sum / last_over_new - &new_sum).mapv(|d| d * d);
        (last_unnorm + new_unnorm + diff * (last_over_new / total)) / total
    };
    (mean, var, last_n + x.nrows())
}

impl IncrementalPca {
    /// Update the model with one more batch (scikit-learn's `partial_fit`). On error the model
    /// is unchanged.
    pub fn partial_fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        let p = self.mean.len();
        if x.ncols() != p {
            return Err(Error::ShapeMismatch {
                context: "number of feature columns of an IncrementalPCA batch".into(),
                expected: p,
                got: x.ncols(),
            });
        }
        if x.nrows() == 0 {
            return Ok(());
        }
        require_finite(x, "IncrementalPCA")?;
        let n = x.nrows();
        let (mean, var, total) = update_mean_var(x, &self.mean, &self.var, self.n_samples_seen);
        let k_prev = self.components.nrows();
        let stacked = if self.n_samples_seen == 0 {
            &x - &mean
        } else {
            let batch_mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(p));
            let scale = ((self.n_samples_seen as f64 / total as f64) * n as f64).sqrt();
            let correction = (&self.mean - &batch_mean) * scale;
            let mut m = Array2::<f64>::zeros((k_prev + n + 1, p));
            for (t, mut row) in m.rows_mut().into_iter().take(k_prev).enumerate() {
                row.assign(&(&self.components.row(t) * self.singular_values[t]));
            }
            m.slice_mut(s![k_prev..k_prev + n, ..])
                .assign(&(&x - &batch_mean));
            m.row_mut(k_prev + n).assign(&correction);
            m
        };
        let a = Mat::from_fn(stacked.nrows(), p, |i, j| stacked[[i, j]]);
        let (sv, mut vt) = SeqFaer::new()?.run(|| thin_svd(a.as_ref()))?;
        svd_flip_rows(&mut vt);
        let k = self.n_components.min(sv.len());
        let ev = sv.mapv(|v| v * v / (total as f64 - 1.0));
        let total_var: f64 = var.iter().map(|v| v * total as f64).sum();
        let ratio = sv.mapv(|v| v * v / total_var);
        self.noise_variance = if k != n && k != p && k < ev.len() {
            ev.slice(s![k..]).mean().unwrap_or(0.0)
        } else {
            0.0
        };
        self.components = vt.slice(s![..k, ..]).to_owned();
        self.singular_values = sv.slice(s![..k]).to_owned();
        self.explained_variance = ev.slice(s![..k]).to_owned();
        self.explained_variance_ratio = ratio.slice(s![..k]).to_owned();
        self.mean = mean;
        self.var = var;
        self.n_samples_seen = total;
        Ok(())
    }

    /// `components_`: one principal axis per row.
    pub fn components(&self) -> ArrayView2<'_, f64> {
        self.components.view()
    }

    /// `explained_variance_`: the variance (ddof = 1) along each component.
    pub fn explained_variance(&self) -> ArrayView1<'_, f64> {
        self.explained_variance.view()
    }

    /// `explained_variance_ratio_`: each component's share of the total variance.
    pub fn explained_variance_ratio(&self) -> ArrayView1<'_, f64> {
        self.explained_variance_ratio.view()
    }

    /// `singular_values_`.
    pub fn singular_values(&self) -> ArrayView1<'_, f64> {
        self.singular_values.view()
    }

    /// `mean_`: the per-feature mean of every row seen.
    pub fn mean(&self) -> ArrayView1<'_, f64> {
        self.mean.view()
    }

    /// `var_`: the per-feature variance (ddof = 0) of every row seen.
    pub fn var(&self) -> ArrayView1<'_, f64> {
        self.var.view()
    }

    /// `noise_variance_`: the mean variance of the discarded directions of the last update.
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// `n_samples_seen_`.
    pub fn n_samples_seen(&self) -> usize {
        self.n_samples_seen
    }

    /// `n_components_`.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// scikit-learn's `inverse_transform`: `Z · components_ + mean_` (undoing whitening).
    pub fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if z.ncols() != self.n_components() {
            return Err(Error::ShapeMismatch {
                context: "number of IncrementalPCA components in inverse_transform".into(),
                expected: self.n_components(),
                got: z.ncols(),
            });
        }
        require_finite(z, "IncrementalPCA inverse_transform")?;
        let mut out = if self.whiten {
            let v = self.explained_variance.mapv(f64::sqrt);
            z.dot(&(&self.components * &v.insert_axis(Axis(1))))
        } else {
            z.dot(&self.components)
        };
        out += &self.mean;
        Ok(out)
    }
}

impl Transformer for IncrementalPca {
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// scikit-learn's names: `incrementalpca0`, …
    fn feature_names_out(&self, _input: &[String]) -> Vec<String> {
        (0..self.n_components())
            .map(|i| format!("incrementalpca{i}"))
            .collect()
    }

    /// `X · components_ᵀ − mean_ · components_ᵀ`, divided by `sqrt(explained_variance_)`
    /// (clipped below at machine epsilon) when whitening.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.n_features_in(), "IncrementalPCA")?;
        let ct = self.components.t();
        let mut out = x.dot(&ct);
        out -= &self.mean.dot(&ct);
        if self.whiten {
            out /= &self.explained_variance.mapv(|v| v.sqrt().max(f64::EPSILON));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_follow_gen_batches() {
        assert_eq!(batches(10, 4, 0), vec![(0, 4), (4, 8), (8, 10)]);
        assert_eq!(batches(10, 4, 3), vec![(0, 4), (4, 10)]);
        assert_eq!(batches(3, 5, 0), vec![(0, 3)]);
        assert_eq!(batches(8, 4, 0), vec![(0, 4), (4, 8)]);
    }
}
