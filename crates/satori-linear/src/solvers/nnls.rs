//! Non-negative least squares (Lawson & Hanson's active-set algorithm, as
//! `scipy.optimize.nnls`), on the small reduced problem `min ‖z − R w‖, w ≥ 0` of
//! [`crate::solvers::dense::reduce`].

use faer::Mat;
use satori_core::Result;

use crate::solvers::dense::svd;

/// Minimum-norm least squares on the columns `cols` of `r`; zeros elsewhere.
fn subset_lstsq(r: &Mat<f64>, z: &[f64], cols: &[usize]) -> Result<Vec<f64>> {
    let a = Mat::from_fn(r.nrows(), cols.len(), |i, k| r[(i, cols[k])]);
    let (u, s, v) = svd(a.as_ref())?;
    let cut = s.first().copied().unwrap_or(0.0) * 1e-13;
    let mut out = vec![0.0; r.ncols()];
    for (k, &sk) in s.iter().enumerate() {
        if sk <= cut {
            continue;
        }
        let c: f64 = (0..u.nrows()).map(|i| u[(i, k)] * z[i]).sum::<f64>() / sk;
        for (m, &j) in cols.iter().enumerate() {
            out[j] += v[(m, k)] * c;
        }
    }
    Ok(out)
}

/// `Rᵀ (z − R w)`.
fn gradient(r: &Mat<f64>, z: &[f64], w: &[f64]) -> Vec<f64> {
    let resid: Vec<f64> = (0..r.nrows())
        .map(|i| z[i] - (0..r.ncols()).map(|j| r[(i, j)] * w[j]).sum::<f64>())
        .collect();
    (0..r.ncols())
        .map(|j| (0..r.nrows()).map(|i| r[(i, j)] * resid[i]).sum())
        .collect()
}

/// Lawson–Hanson NNLS: `argmin ‖z − R w‖` subject to `w ≥ 0`, at most `3·p` outer iterations
/// (scipy's default).
pub(crate) fn nnls(r: &Mat<f64>, z: &[f64]) -> Result<Vec<f64>> {
    let p = r.ncols();
    let norm: f64 = (0..p)
        .map(|j| (0..r.nrows()).map(|i| r[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let tol = 10.0 * (r.nrows().max(p) as f64) * f64::EPSILON * norm.max(1.0);
    let mut w = vec![0.0; p];
    let mut passive = vec![false; p];
    for _ in 0..3 * p.max(1) {
        let g = gradient(r, z, &w);
        let best = (0..p)
            .filter(|&j| !passive[j])
            .max_by(|&a, &b| g[a].total_cmp(&g[b]));
        let Some(t) = best.filter(|&t| g[t] > tol) else {
            break;
        };
        passive[t] = true;
        loop {
            let cols: Vec<usize> = (0..p).filter(|&j| passive[j]).collect();
            let s = subset_lstsq(r, z, &cols)?;
            if cols.iter().all(|&j| s[j] > 0.0) {
                w = s;
                break;
            }
            let alpha = cols
                .iter()
                .filter(|&&j| s[j] <= 0.0)
                .map(|&j| w[j] / (w[j] - s[j]))
                .fold(f64::INFINITY, f64::min);
            for j in 0..p {
                w[j] += alpha * (s[j] - w[j]);
                if passive[j] && w[j] <= tol {
                    passive[j] = false;
                    w[j] = 0.0;
                }
            }
            if !passive.iter().any(|&b| b) {
                break;
            }
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_negative_coefficient() {
        // Unconstrained solution (1, -1); the constrained one drops the second column.
        let r = Mat::from_fn(3, 2, |i, j| [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]][i][j]);
        let z = [1.0, -1.0, 0.0];
        let w = nnls(&r, &z).unwrap();
        assert_eq!(w[1], 0.0);
        assert!((w[0] - 0.5).abs() < 1e-12, "{w:?}");
    }
}
