//! Fitting [`PcaParams`] into a [`Pca`], following scikit-learn 1.9's `PCA._fit_full` and
//! `PCA._fit_truncated`.

use ndarray::{Array1, Array2, ArrayView2, s};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result};

use super::linalg::{
    centred_faer, column_means, mean_and_centred_gram, randomized_svd, svd_flip_rows,
    sym_eigh_desc, thin_svd,
};
use super::{NComponents, Pca, PcaParams, SvdSolver};
use crate::check::require_finite;

/// The decomposition before truncation: singular values, `Vᵀ` rows, explained variances and the
/// total variance of the data.
struct Decomposition {
    singular_values: Array1<f64>,
    vt: Array2<f64>,
    explained_variance: Array1<f64>,
    total_variance: f64,
}

impl PcaParams {
    /// The solver `auto` resolves to for an `n × p` matrix (scikit-learn's rule).
    pub fn resolved_solver(&self, n: usize, p: usize) -> SvdSolver {
        if self.svd_solver != SvdSolver::Auto {
            return self.svd_solver;
        }
        let min = n.min(p);
        if p <= 1000 && n >= 10 * p {
            return SvdSolver::CovarianceEigh;
        }
        match self.n_components {
            _ if n.max(p) <= 500 => SvdSolver::Full,
            Some(NComponents::VarianceRatio(_)) => SvdSolver::Full,
            Some(NComponents::Count(k)) if k >= 1 && (k as f64) < 0.8 * min as f64 => {
                SvdSolver::Randomized
            }
            _ => SvdSolver::Full,
        }
    }

    fn decompose(
        &self,
        x: ArrayView2<'_, f64>,
        mean: &Array1<f64>,
        solver: SvdSolver,
        k: usize,
    ) -> Result<Decomposition> {
        let (n, p) = x.dim();
        let dof = (n - 1) as f64;
        match solver {
            SvdSolver::CovarianceEigh => {
                let (_, g) = mean_and_centred_gram(x)
                    .ok_or_else(|| Error::Internal("non-finite values after the check".into()))?;
                covariance_decomposition(g, n)
            }
            SvdSolver::Randomized => {
                let xc = centred_faer(x, mean);
                let min = n.min(p);
                let n_iter = self
                    .iterated_power
                    .unwrap_or(if (k as f64) < 0.1 * min as f64 { 7 } else { 4 });
                let (sv, vt) =
                    randomized_svd(xc.as_ref(), k, self.n_oversamples, n_iter, self.seed)?;
                let mut squares = 0.0;
                for j in 0..p {
                    for v in xc.col(j).iter() {
                        squares += v * v;
                    }
                }
                Ok(Decomposition {
                    explained_variance: sv.mapv(|v| v * v / dof),
                    singular_values: sv,
                    vt,
                    total_variance: squares / dof,
                })
            }
            SvdSolver::Full | SvdSolver::Auto => {
                let (sv, vt) = thin_svd(centred_faer(x, mean).as_ref())?;
                let ev = sv.mapv(|v| v * v / dof);
                Ok(Decomposition {
                    singular_values: sv,
                    vt,
                    total_variance: ev.sum(),
                    explained_variance: ev,
                })
            }
        }
    }
}

/// The decomposition from the centred Gram matrix `g` of `n` rows: eigenvalues of the covariance
/// `g / (n − 1)` (negative rounding clipped to 0, as scikit-learn does) and singular values
/// `sqrt(λ (n − 1))`.
fn covariance_decomposition(g: Array2<f64>, n: usize) -> Result<Decomposition> {
    let dof = (n - 1) as f64;
    let (mut vals, vt) = sym_eigh_desc(&(g / dof))?;
    vals.mapv_inplace(|v| v.max(0.0));
    Ok(Decomposition {
        singular_values: vals.mapv(|v| (v * dof).sqrt()),
        total_variance: vals.sum(),
        explained_variance: vals,
        vt,
    })
}

/// At least two rows and one column.
fn check_shape(n: usize, p: usize) -> Result<()> {
    if n < 2 {
        return Err(Error::NotEnoughSamples {
            context: "fitting PCA (the variance needs two rows)".into(),
            needed: 2,
            got: n,
        });
    }
    if p == 0 {
        return Err(Error::InvalidData(
            "PCA needs at least one feature column, and the data has none".into(),
        ));
    }
    Ok(())
}

/// scikit-learn's choice for a variance fraction: `searchsorted(cumsum(ratio), f, "right") + 1`,
/// at most the number of components available.
fn components_for_ratio(ratio: &Array1<f64>, f: f64) -> usize {
    let mut cum = 0.0;
    for (i, r) in ratio.iter().enumerate() {
        cum += r;
        if cum > f {
            return i + 1;
        }
    }
    ratio.len()
}

impl Estimator for PcaParams {
    type Model = Pca;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<Pca> {
        self.validate()?;
        let x = data.x();
        let (n, p) = x.dim();
        check_shape(n, p)?;
        let max_k = n.min(p);
        if let Some(NComponents::Count(k)) = self.n_components
            && k > max_k
        {
            return Err(Error::param(
                "n_components",
                format!(
                    "{k} components requested, but at most min(n_samples, n_features) = \
                     min({n}, {p}) = {max_k} exist"
                ),
            ));
        }
        let solver = self.resolved_solver(n, p);
        let k_requested = match self.n_components {
            Some(NComponents::Count(k)) => k,
            _ => max_k,
        };
        let (mean, mut d) = if solver == SvdSolver::CovarianceEigh {
            // One pass: finiteness, means and the Gram matrix together.
            let Some((mean, g)) = mean_and_centred_gram(x) else {
                require_finite(x, "PCA")?;
                return Err(Error::InvalidData(
                    "the sums of squares of the data overflow; rescale the features".into(),
                ));
            };
            (mean, covariance_decomposition(g, n)?)
        } else {
            require_finite(x, "PCA")?;
            let mean = column_means(x);
            let d = self.decompose(x, &mean, solver, k_requested)?;
            (mean, d)
        };
        if d.total_variance.is_nan() || d.total_variance <= 0.0 || !d.total_variance.is_finite() {
            return Err(Error::InvalidData(format!(
                "PCA needs data that vary: the total variance is {} (every feature is \
                 constant{})",
                d.total_variance,
                if d.total_variance.is_finite() {
                    ""
                } else {
                    ", or the values overflow"
                }
            )));
        }
        svd_flip_rows(&mut d.vt);
        let ratio = &d.explained_variance / d.total_variance;
        let k = match self.n_components {
            Some(NComponents::VarianceRatio(f)) => components_for_ratio(&ratio, f),
            _ => k_requested,
        };
        let noise_variance = if k >= max_k {
            0.0
        } else if solver == SvdSolver::Randomized {
            (d.total_variance - d.explained_variance.sum()) / (max_k - k) as f64
        } else {
            let rest = d.explained_variance.slice(s![k..]);
            rest.sum() / rest.len() as f64
        };
        Ok(Pca {
            components: d.vt.slice(s![..k, ..]).to_owned(),
            explained_variance: d.explained_variance.slice(s![..k]).to_owned(),
            explained_variance_ratio: ratio.slice(s![..k]).to_owned(),
            singular_values: d.singular_values.slice(s![..k]).to_owned(),
            mean,
            noise_variance,
            n_samples: n,
            whiten: self.whiten,
            solver,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_threshold_is_strict() {
        let r = Array1::from(vec![0.5, 0.3, 0.2]);
        assert_eq!(components_for_ratio(&r, 0.5), 2);
        assert_eq!(components_for_ratio(&r, 0.49), 1);
        assert_eq!(components_for_ratio(&r, 0.999_999_999), 3);
    }

    #[test]
    fn auto_follows_scikit_learn() {
        let p = PcaParams::default();
        assert_eq!(p.resolved_solver(1000, 10), SvdSolver::CovarianceEigh);
        assert_eq!(p.resolved_solver(100, 50), SvdSolver::Full);
        let k = PcaParams {
            n_components: Some(NComponents::Count(5)),
            ..Default::default()
        };
        assert_eq!(k.resolved_solver(2000, 600), SvdSolver::Randomized);
        assert_eq!(
            PcaParams::default().resolved_solver(2000, 600),
            SvdSolver::Full
        );
    }
}
