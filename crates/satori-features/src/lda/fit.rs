//! Fitting [`LdaParams`] into an [`Lda`]: scikit-learn 1.9's `_solve_svd` and `_solve_eigen`,
//! with its covariance estimators (`empirical_covariance`, `shrunk_covariance`, Ledoit-Wolf).

use faer::Mat;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Target};

use super::{Lda, LdaParams, LdaSolver, Shrinkage};
use crate::check::check_fit_input;
use crate::pca::linalg::{sym_eigh_desc, thin_svd};
use crate::truncated_svd::SeqFaer;

/// The class structure of the training rows.
struct Classes {
    /// Label codes with rows, increasing.
    present: Vec<usize>,
    /// Position in `present` of each row's class.
    slot: Vec<usize>,
    counts: Vec<usize>,
}

fn classes(codes: &Array1<usize>, n_labels: usize) -> Result<Classes> {
    let mut counts = vec![0usize; n_labels];
    for &c in codes {
        *counts.get_mut(c).ok_or_else(|| {
            Error::InvalidData(format!(
                "class code {c} is out of range for {n_labels} labels"
            ))
        })? += 1;
    }
    let present: Vec<usize> = (0..n_labels).filter(|&c| counts[c] > 0).collect();
    let mut pos = vec![0; n_labels];
    present.iter().enumerate().for_each(|(k, &c)| pos[c] = k);
    Ok(Classes {
        slot: codes.iter().map(|&c| pos[c]).collect(),
        counts: present.iter().map(|&c| counts[c]).collect(),
        present,
    })
}

/// `_class_means`: per-class sums in row order, divided by the counts.
fn class_means(x: ArrayView2<'_, f64>, cl: &Classes) -> Array2<f64> {
    let mut means = Array2::<f64>::zeros((cl.present.len(), x.ncols()));
    for (row, &k) in x.rows().into_iter().zip(&cl.slot) {
        let mut m = means.row_mut(k);
        m += &row;
    }
    for (mut m, &c) in means.rows_mut().into_iter().zip(&cl.counts) {
        m /= c as f64;
    }
    means
}

/// `empirical_covariance`: `(X − mean)ᵀ(X − mean) / n`.
fn empirical_covariance(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let n = x.nrows() as f64;
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let c = &x - &mean;
    c.t().dot(&c) / n
}

/// `shrunk_covariance`: `(1 − α)·S + α·trace(S)/p·I`.
fn shrink(mut s: Array2<f64>, alpha: f64) -> Array2<f64> {
    let p = s.nrows();
    let mu = s.diag().sum() / p as f64;
    s *= 1.0 - alpha;
    for i in 0..p {
        s[[i, i]] += alpha * mu;
    }
    s
}

/// `ledoit_wolf_shrinkage` of centred `x` (one block: scikit-learn's block size is 1000
/// features).
fn ledoit_wolf_shrinkage(x: &Array2<f64>) -> f64 {
    let (n, p) = x.dim();
    if p == 1 || n == 1 {
        return 0.0;
    }
    let (nf, pf) = (n as f64, p as f64);
    let x2 = x.mapv(|v| v * v);
    let emp_cov_trace = x2.sum_axis(Axis(0)) / nf;
    let mu = emp_cov_trace.sum() / pf;
    let beta_ = x2.t().dot(&x2).sum();
    let delta_ = x.t().dot(x).mapv(|v| v * v).sum() / (nf * nf);
    let beta = 1.0 / (pf * nf) * (beta_ / nf - delta_);
    let delta = (delta_ - 2.0 * mu * emp_cov_trace.sum() + pf * mu * mu) / pf;
    let beta = beta.min(delta);
    if beta == 0.0 { 0.0 } else { beta / delta }
}

/// `_cov(X, "auto")`: Ledoit-Wolf on the standardized features, rescaled.
fn ledoit_wolf_standardized(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let scale = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s == 0.0 { 1.0 } else { s });
    let z = (&x - &mean) / &scale;
    // ledoit_wolf(z): centre again (z's mean is ~0), then shrink the empirical covariance.
    let zm = z
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(z.ncols()));
    let zc = &z - &zm;
    let s = if zc.ncols() == 1 {
        Array2::from_elem((1, 1), zc.mapv(|v| v * v).mean().unwrap_or(0.0))
    } else {
        let alpha = ledoit_wolf_shrinkage(&zc);
        shrink(zc.t().dot(&zc) / zc.nrows() as f64, alpha)
    };
    let p = s.nrows();
    Array2::from_shape_fn((p, p), |(i, j)| scale[i] * s[[i, j]] * scale[j])
}

/// scikit-learn's `_cov` with the given shrinkage.
fn covariance(x: ArrayView2<'_, f64>, shrinkage: Option<Shrinkage>) -> Array2<f64> {
    match shrinkage {
        None => empirical_covariance(x),
        Some(Shrinkage::Auto) => ledoit_wolf_standardized(x),
        Some(Shrinkage::Value(a)) => shrink(empirical_covariance(x), a),
    }
}

/// The rows of class `k`.
fn class_rows(x: ArrayView2<'_, f64>, cl: &Classes, k: usize) -> Array2<f64> {
    let idx: Vec<usize> = (0..x.nrows()).filter(|&i| cl.slot[i] == k).collect();
    x.select(Axis(0), &idx)
}

/// The solution of one solver: `scalings_`, the per-class `coef_` and `intercept_`,
/// `explained_variance_ratio_` (untruncated) and `xbar_`.
struct Solution {
    scalings: Array2<f64>,
    coef: Array2<f64>,
    intercept: Array1<f64>,
    ratio: Array1<f64>,
    xbar: Array1<f64>,
}

impl LdaParams {
    fn solve_svd(
        &self,
        x: ArrayView2<'_, f64>,
        cl: &Classes,
        means: &Array2<f64>,
        priors: &Array1<f64>,
        seq: &SeqFaer,
    ) -> Result<Solution> {
        let (n, p) = x.dim();
        let k = cl.present.len();
        let xbar = priors.dot(means);
        // Within-class centred rows, class by class (scikit-learn's concatenation order).
        let mut xc = Array2::<f64>::zeros((n, p));
        let mut r = 0;
        for c in 0..k {
            for (i, row) in x.rows().into_iter().enumerate() {
                if cl.slot[i] == c {
                    xc.row_mut(r).assign(&(&row - &means.row(c)));
                    r += 1;
                }
            }
        }
        let std = xc
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s == 0.0 { 1.0 } else { s });
        let fac = (1.0 / n as f64).sqrt();
        let scaled = Mat::from_fn(n, p, |i, j| fac * (xc[[i, j]] / std[j]));
        let (sv, vt) = seq.run(|| thin_svd(scaled.as_ref()))?;
        let rank = sv.iter().filter(|&&v| v > self.tol).count();
        if rank == 0 {
            return Err(Error::InvalidData(
                "LinearDiscriminantAnalysis: the features do not vary within the classes (every \
                 singular value is below tol)"
                    .into(),
            ));
        }
        let scalings = Array2::from_shape_fn((p, rank), |(j, t)| vt[[t, j]] / std[j] / sv[t]);
        let fac = 1.0 / (k - 1) as f64;
        let centres = means - &xbar;
        let mut weighted = centres.clone();
        for (c, mut row) in weighted.rows_mut().into_iter().enumerate() {
            row *= (n as f64 * priors[c] * fac).sqrt();
        }
        let xb = weighted.dot(&scalings);
        let xb_mat = Mat::from_fn(k, rank, |i, j| xb[[i, j]]);
        let (sv2, vt2) = seq.run(|| thin_svd(xb_mat.as_ref()))?;
        let total: f64 = sv2.iter().map(|v| v * v).sum();
        let ratio = sv2.mapv(|v| v * v / total);
        let s0 = sv2.first().copied().unwrap_or(0.0);
        let rank2 = sv2.iter().filter(|&&v| v > self.tol * s0).count();
        let mut scalings = scalings.dot(&vt2.slice(s![..rank2, ..]).t());
        flip_columns(&mut scalings);
        let coef = centres.dot(&scalings);
        let mut intercept = Array1::from_shape_fn(k, |c| {
            -0.5 * coef.row(c).iter().map(|v| v * v).sum::<f64>() + priors[c].ln()
        });
        let coef = coef.dot(&scalings.t());
        intercept -= &coef.dot(&xbar);
        Ok(Solution {
            scalings,
            coef,
            intercept,
            ratio,
            xbar,
        })
    }

    fn solve_eigen(
        &self,
        x: ArrayView2<'_, f64>,
        cl: &Classes,
        means: &Array2<f64>,
        priors: &Array1<f64>,
        seq: &SeqFaer,
    ) -> Result<Solution> {
        let p = x.ncols();
        let k = cl.present.len();
        let mut sw = Array2::<f64>::zeros((p, p));
        for c in 0..k {
            sw += &(covariance(class_rows(x, cl, c).view(), self.shrinkage) * priors[c]);
        }
        let st = covariance(x, self.shrinkage);
        let sb = &st - &sw;
        let (evals, mut evecs) = generalized_eigh(&sb, &sw, seq)?;
        let total = evals.sum();
        let ratio = evals.mapv(|v| v / total);
        flip_columns(&mut evecs);
        let coef = means.dot(&evecs).dot(&evecs.t());
        let intercept = Array1::from_shape_fn(k, |c| {
            -0.5 * means.row(c).dot(&coef.row(c)) + priors[c].ln()
        });
        Ok(Solution {
            scalings: evecs,
            coef,
            intercept,
            ratio,
            xbar: Array1::zeros(p),
        })
    }
}

/// `scipy.linalg.eigh(a, b)` for symmetric `a` and positive definite `b`: eigenvalues in
/// decreasing order and eigenvectors as columns, normalised so that `vᵀ·b·v = 1` (through the
/// Cholesky factor `b = L·Lᵀ`: `C = L⁻¹·a·L⁻ᵀ`, `v = L⁻ᵀ·y`).
fn generalized_eigh(
    a: &Array2<f64>,
    b: &Array2<f64>,
    seq: &SeqFaer,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let p = a.nrows();
    let bm = Mat::from_fn(p, p, |i, j| b[[i, j]]);
    let llt = seq.run(|| bm.llt(faer::Side::Lower)).map_err(|_| {
        Error::InvalidData(
            "LinearDiscriminantAnalysis (eigen): the within-class covariance is singular \
                 (collinear or constant features); use solver = \"svd\" or set shrinkage"
                .into(),
        )
    })?;
    let l = llt.L();
    let l = Array2::from_shape_fn((p, p), |(i, j)| if j <= i { l[(i, j)] } else { 0.0 });
    // W = L⁻¹·A (forward substitution, column by column), then C = W·L⁻ᵀ = (L⁻¹·Wᵀ)ᵀ.
    let w = forward_solve(&l, a);
    let c = forward_solve(&l, &w.t().to_owned()).t().to_owned();
    let sym = (&c + &c.t()) * 0.5;
    let (vals, rows) = seq.run(|| sym_eigh_desc(&sym))?;
    // v = L⁻ᵀ·y: back substitution with Lᵀ for each eigenvector y (a row of `rows`).
    let mut vecs = Array2::<f64>::zeros((p, p));
    for (t, y) in rows.rows().into_iter().enumerate() {
        for i in (0..p).rev() {
            let mut s = y[i];
            for j in i + 1..p {
                s -= l[[j, i]] * vecs[[j, t]];
            }
            vecs[[i, t]] = s / l[[i, i]];
        }
    }
    Ok((vals, vecs))
}

/// `L⁻¹·B` for lower-triangular `l`.
fn forward_solve(l: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let p = l.nrows();
    let mut out = Array2::<f64>::zeros(b.dim());
    for col in 0..b.ncols() {
        for i in 0..p {
            let mut s = b[[i, col]];
            for j in 0..i {
                s -= l[[i, j]] * out[[j, col]];
            }
            out[[i, col]] = s / l[[i, i]];
        }
    }
    out
}

/// Make each column's largest-magnitude entry (the first on ties) positive.
fn flip_columns(m: &mut Array2<f64>) {
    for mut col in m.columns_mut() {
        let mut best = 0;
        for (i, v) in col.iter().enumerate() {
            if v.abs() > col[best].abs() {
                best = i;
            }
        }
        if col.get(best).is_some_and(|v| *v < 0.0) {
            col.mapv_inplace(|v| -v);
        }
    }
}

/// The priors of the present classes: estimated, or the given ones (renormalised as
/// scikit-learn does when they do not sum to 1 within 1e-5).
fn priors(given: Option<&[f64]>, cl: &Classes, n: usize, n_labels: usize) -> Result<Array1<f64>> {
    let Some(given) = given else {
        return Ok(cl.counts.iter().map(|&c| c as f64 / n as f64).collect());
    };
    if given.len() != n_labels {
        return Err(Error::param(
            "priors",
            format!(
                "needs one value per class label ({n_labels}), got {}",
                given.len()
            ),
        ));
    }
    let mut p: Array1<f64> = cl.present.iter().map(|&c| given[c]).collect();
    let sum = p.sum();
    if sum <= 0.0 || sum.is_nan() {
        return Err(Error::param(
            "priors",
            "the priors of the classes with training rows sum to 0",
        ));
    }
    if (sum - 1.0).abs() > 1e-5 {
        p /= sum;
    }
    Ok(p)
}

impl Estimator for LdaParams {
    type Model = Lda;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<Lda> {
        self.validate()?;
        let x = data.x();
        check_fit_input(x, "LinearDiscriminantAnalysis", 2)?;
        let Target::Classes { codes, labels } = data.require_target()? else {
            return Err(Error::InvalidData(
                "LinearDiscriminantAnalysis needs a classification target (class labels)".into(),
            ));
        };
        if let Some(w) = data.weights()
            && w.iter().any(|v| *v != w[0])
        {
            return Err(Error::InvalidData(
                "LinearDiscriminantAnalysis does not support sample weights (as in \
                 scikit-learn); drop the weights"
                    .into(),
            ));
        }
        let cl = classes(codes, labels.len())?;
        let (n, p) = x.dim();
        let k = cl.present.len();
        if k < 2 {
            return Err(Error::NotEnoughSamples {
                context: "LinearDiscriminantAnalysis (classes with training rows)".into(),
                needed: 2,
                got: k,
            });
        }
        if n == k {
            return Err(Error::InvalidData(format!(
                "LinearDiscriminantAnalysis needs more rows than classes, got {n} rows for {k} \
                 classes"
            )));
        }
        let max_components = (k - 1).min(p);
        let n_components = match self.n_components {
            Some(c) if c > max_components => {
                return Err(Error::param(
                    "n_components",
                    format!(
                        "must be at most min(n_classes − 1, n_features) = {max_components}, got {c}"
                    ),
                ));
            }
            Some(c) => c,
            None => max_components,
        };
        let priors = priors(self.priors.as_deref(), &cl, n, labels.len())?;
        let means = class_means(x, &cl);
        let seq = SeqFaer::new()?;
        let sol = match self.solver {
            LdaSolver::Svd => self.solve_svd(x, &cl, &means, &priors, &seq)?,
            LdaSolver::Eigen => self.solve_eigen(x, &cl, &means, &priors, &seq)?,
        };
        let (coef, intercept) = if k == 2 {
            (
                (&sol.coef.row(1) - &sol.coef.row(0)).insert_axis(Axis(0)),
                Array1::from_elem(1, sol.intercept[1] - sol.intercept[0]),
            )
        } else {
            (sol.coef, sol.intercept)
        };
        // scikit-learn truncates the ratios and the transform to `n_components`.
        let ratio = sol
            .ratio
            .slice(s![..n_components.min(sol.ratio.len())])
            .to_owned();
        let n_components = n_components.min(sol.scalings.ncols());
        Ok(Lda {
            solver: self.solver,
            labels: labels.clone(),
            present: cl.present,
            means,
            priors,
            xbar: sol.xbar,
            scalings: sol.scalings,
            coef,
            intercept,
            explained_variance_ratio: ratio,
            n_components,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn generalized_eigh_normalises_against_b() {
        let a = array![[2.0, 1.0], [1.0, 3.0]];
        let b = array![[4.0, 1.0], [1.0, 2.0]];
        let (vals, vecs) = generalized_eigh(&a, &b, &SeqFaer::new().unwrap()).unwrap();
        assert!(vals[0] >= vals[1]);
        for t in 0..2 {
            let v = vecs.column(t);
            let av = a.dot(&v);
            let bv = b.dot(&v);
            for i in 0..2 {
                assert!((av[i] - vals[t] * bv[i]).abs() < 1e-12);
            }
            assert!((v.dot(&bv) - 1.0).abs() < 1e-12);
        }
    }
}
