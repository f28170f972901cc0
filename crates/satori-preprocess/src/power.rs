//! [`PowerTransformer`]: scikit-learn's `PowerTransformer` with the Yeo-Johnson method (its
//! default; Box-Cox is not offered), optionally followed by standardisation.
//!
//! Each column's `λ` maximises the Yeo-Johnson log-likelihood of its non-missing values,
//! `-n/2 · ln var(ψ(x, λ)) + (λ - 1) Σ sign(x) ln(1 + |x|)`, found as scipy 1.17's
//! `yeojohnson_normmax` finds it: bounded Brent minimisation (`fminbound`, `xtol = 1.48e-8`)
//! over the interval that keeps the transform finite, ported step for step. λ agrees with
//! scipy's to about 2e-8 relative (tested at 1e-6): numpy computes log1p/expm1 with SIMD kernels
//! that can differ from libm's in the last bit, and the likelihood's cancellation lets that move
//! the search's last steps within `xtol`. Near-constant columns get `λ = 1` and are left
//! untransformed at fit, as in scikit-learn.
//! With `standardize`, the transformed columns are then scaled exactly as
//! [`crate::StandardScaler`] does. NaN is ignored at fit and kept in transform; ±inf is an
//! error. Sample weights are ignored (scikit-learn's class takes none).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::PowerTransformerParams;
//!
//! let x = array![[1.0], [2.0], [4.0], [8.0], [100.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
//! let model = PowerTransformerParams::default().fit(&data).unwrap();
//! assert!(model.lambdas()[0] < 0.5); // a right-skewed column is compressed
//! let out = model.transform(x.view()).unwrap();
//! let mean = out.column(0).sum() / 5.0;
//! assert!(mean.abs() < 1e-12);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::standard_scaler::{StandardScaler, StandardScalerParams};
use crate::util::{
    check_input, check_no_infinity, check_not_empty, map_columns, map_rows, pairwise_sum,
    pairwise_sum_by, seq_sum,
};

/// Parameters of a [`PowerTransformer`], with scikit-learn's names and defaults (method
/// `yeo-johnson`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct PowerTransformerParams {
    /// Standardise the transformed columns to zero mean and unit variance. Default true.
    pub standardize: bool,
}

impl Default for PowerTransformerParams {
    fn default() -> Self {
        PowerTransformerParams { standardize: true }
    }
}

impl Params for PowerTransformerParams {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A fitted [`PowerTransformerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerTransformer {
    lambdas: Vec<f64>,
    scaler: Option<StandardScaler>,
}

/// The Yeo-Johnson transform of one value (scipy's `_yeojohnson_transform`).
pub(crate) fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    let eps = f64::EPSILON;
    if x >= 0.0 {
        if lambda.abs() < eps {
            x.ln_1p()
        } else {
            (lambda * x.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() > eps {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// `np.var` of a 1-D array: pairwise sums.
fn variance(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mean = pairwise_sum(y) / n;
    pairwise_sum_by(0, y.len(), &|i| (y[i] - mean) * (y[i] - mean)) / n
}

/// The negated Yeo-Johnson log-likelihood of `x` at `lambda` (scipy's `_neg_llf`), with
/// `log_term` = Σ sign(x) ln(1 + |x|).
fn neg_llf(lambda: f64, x: &[f64], log_term: f64) -> f64 {
    let y: Vec<f64> = x.iter().map(|&v| yeo_johnson(v, lambda)).collect();
    let sigma = variance(&y);
    let log_sigma = if sigma >= f64::MIN_POSITIVE {
        sigma.ln()
    } else {
        f64::NEG_INFINITY
    };
    let n = x.len() as f64;
    let llf = -n / 2.0 * log_sigma + (lambda - 1.0) * log_term;
    if llf.is_infinite() {
        f64::INFINITY
    } else {
        -llf
    }
}

/// scipy's `yeojohnson_normmax(x)` for finite, NaN-free `x`.
fn normmax(x: &[f64]) -> f64 {
    if x.iter().all(|&v| v == 0.0) {
        return 1.0;
    }
    let max_abs = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let log1p_max_x = (20.0 * max_abs).ln_1p();
    let log_eps = f64::EPSILON.ln();
    let log_tiny = (f64::MIN_POSITIVE.ln() - log_eps) / 2.0;
    let log_max = (f64::MAX.ln() + log_eps) / 2.0;
    let (mut lb, mut ub) = (log_tiny / log1p_max_x, log_max / log1p_max_x);
    if x.iter().all(|&v| v < 0.0) {
        (lb, ub) = (2.0 - ub, 2.0 - lb);
    } else if x.iter().any(|&v| v < 0.0) {
        (lb, ub) = ((2.0 - ub).max(lb), (2.0 - lb).min(ub));
    }
    let terms: Vec<f64> = x.iter().map(|&v| v.signum() * v.abs().ln_1p()).collect();
    let log_term = pairwise_sum(&terms);
    fminbound(|l| neg_llf(l, x, log_term), lb, ub, 1.48e-8, 500)
}

/// scipy's `optimize.fminbound` (`_minimize_scalar_bounded`), step for step: Brent's method
/// with golden-section and parabolic steps on `[x1, x2]`.
fn fminbound(f: impl Fn(f64) -> f64, x1: f64, x2: f64, xatol: f64, maxfun: usize) -> f64 {
    let sqrt_eps = 2.2e-16f64.sqrt();
    let golden_mean = 0.5 * (3.0 - 5.0f64.sqrt());
    let (mut a, mut b) = (x1, x2);
    let mut fulc = a + golden_mean * (b - a);
    let (mut nfc, mut xf) = (fulc, fulc);
    let (mut rat, mut e) = (0.0f64, 0.0f64);
    let mut fx = f(xf);
    let mut num = 1;
    let (mut ffulc, mut fnfc) = (fx, fx);
    let mut xm = 0.5 * (a + b);
    let mut tol1 = sqrt_eps * xf.abs() + xatol / 3.0;
    let mut tol2 = 2.0 * tol1;
    // numpy's sign: -1, 0 or 1.
    let sign = |v: f64| {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    while (xf - xm).abs() > tol2 - 0.5 * (b - a) {
        let mut golden = true;
        if e.abs() > tol1 {
            golden = false;
            let mut r = (xf - nfc) * (fx - ffulc);
            let mut q = (xf - fulc) * (fx - fnfc);
            let mut p = (xf - fulc) * q - (xf - nfc) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            r = e;
            e = rat;
            if p.abs() < (0.5 * q * r).abs() && p > q * (a - xf) && p < q * (b - xf) {
                rat = (p + 0.0) / q;
                let x = xf + rat;
                if (x - a) < tol2 || (b - x) < tol2 {
                    let si = sign(xm - xf) + if xm - xf == 0.0 { 1.0 } else { 0.0 };
                    rat = tol1 * si;
                }
            } else {
                golden = true;
            }
        }
        if golden {
            e = if xf >= xm { a - xf } else { b - xf };
            rat = golden_mean * e;
        }
        let si = sign(rat) + if rat == 0.0 { 1.0 } else { 0.0 };
        let x = xf + si * rat.abs().max(tol1);
        let fu = f(x);
        num += 1;
        if fu <= fx {
            if x >= xf {
                a = xf;
            } else {
                b = xf;
            }
            (fulc, ffulc) = (nfc, fnfc);
            (nfc, fnfc) = (xf, fx);
            (xf, fx) = (x, fu);
        } else {
            if x < xf {
                a = x;
            } else {
                b = x;
            }
            if fu <= fnfc || nfc == xf {
                (fulc, ffulc) = (nfc, fnfc);
                (nfc, fnfc) = (x, fu);
            } else if fu <= ffulc || fulc == xf || fulc == nfc {
                (fulc, ffulc) = (x, fu);
            }
        }
        xm = 0.5 * (a + b);
        tol1 = sqrt_eps * xf.abs() + xatol / 3.0;
        tol2 = 2.0 * tol1;
        if num >= maxfun {
            break;
        }
    }
    xf
}

/// scikit-learn's `_is_constant_feature` on a column's `np.mean`/`np.var` over all rows (NaN
/// when the column has a missing value, which makes it not constant).
fn is_constant(col: &[f64]) -> bool {
    let n = col.len() as f64;
    let mean = seq_sum(col.iter().copied()) / n;
    let var = seq_sum(col.iter().map(|v| (v - mean) * (v - mean))) / n;
    let eps = f64::EPSILON;
    var <= n * eps * var + (n * mean * eps).powi(2)
}

impl Estimator for PowerTransformerParams {
    type Model = PowerTransformer;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<PowerTransformer> {
        self.validate()?;
        let x = data.x();
        check_not_empty(x.nrows(), "PowerTransformer")?;
        check_no_infinity(x, "PowerTransformer")?;
        // (λ, whether the column is transformed before the scaler is fitted)
        let fits = map_columns(x, |_, col| {
            if is_constant(col) {
                return (1.0, false);
            }
            let present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
            (normmax(&present), true)
        });
        let lambdas: Vec<f64> = fits.iter().map(|f| f.0).collect();
        let scaler = if self.standardize {
            let mut t = x.to_owned();
            for (j, &(lambda, transformed)) in fits.iter().enumerate() {
                if transformed {
                    t.column_mut(j).mapv_inplace(|v| yeo_johnson(v, lambda));
                }
            }
            let d = Dataset::new(t, data.feature_names())?;
            Some(StandardScalerParams::default().fit_with_progress(&d, progress)?)
        } else {
            None
        };
        Ok(PowerTransformer { lambdas, scaler })
    }
}

impl PowerTransformer {
    /// The λ of each column (`lambdas_`).
    pub fn lambdas(&self) -> &[f64] {
        &self.lambdas
    }

    /// The standardisation applied after the power transform, with `standardize`.
    pub fn scaler(&self) -> Option<&StandardScaler> {
        self.scaler.as_ref()
    }
}

impl Transformer for PowerTransformer {
    fn n_features_in(&self) -> usize {
        self.lambdas.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.lambdas.len();
        check_input(x, p, "PowerTransformer")?;
        let t = map_rows(x, p, |row, out| {
            for j in 0..p {
                out[j] = yeo_johnson(row[j], self.lambdas[j]);
            }
        })?;
        match &self.scaler {
            Some(s) => s.transform(t.view()),
            None => Ok(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yeo_johnson_branches() {
        assert_eq!(yeo_johnson(3.0, 0.0), 4f64.ln());
        assert!((yeo_johnson(3.0, 1.0) - 3.0).abs() < 1e-15);
        assert!((yeo_johnson(-3.0, 1.0) + 3.0).abs() < 1e-15);
        assert_eq!(yeo_johnson(-3.0, 2.0), -(4f64.ln()));
        assert!(yeo_johnson(f64::NAN, 0.5).is_nan());
    }

    #[test]
    fn fminbound_finds_a_parabola_minimum() {
        let m = fminbound(|x| (x - 0.3) * (x - 0.3) + 1.0, -2.0, 2.0, 1e-10, 500);
        assert!((m - 0.3).abs() < 1e-8, "{m}");
    }

    #[test]
    fn constant_and_zero_columns_get_lambda_one() {
        let x = ndarray::array![[5.0, 0.0, 1.0], [5.0, 0.0, 2.0], [5.0, 0.0, 7.0]];
        let d = Dataset::new(x, vec!["a".into(), "b".into(), "c".into()]).unwrap();
        let m = PowerTransformerParams::default().fit(&d).unwrap();
        assert_eq!(&m.lambdas()[..2], &[1.0, 1.0]);
        assert_ne!(m.lambdas()[2], 1.0);
    }
}
