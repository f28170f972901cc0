//! A small L-BFGS minimiser for the GLMs (smooth, unconstrained objectives), with scipy's
//! `L-BFGS-B` stopping rules as scikit-learn calls it: stop when `max |g| ≤ gtol`, or when the
//! relative decrease `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol`, or after `max_iter`
//! iterations. Memory of 10 pairs (scipy's default); backtracking Armijo line search.

use satori_core::numeric::dot;

/// The outcome of [`minimize`].
pub(crate) struct LbfgsOutcome {
    /// The final point.
    pub x: Vec<f64>,
    /// Iterations run.
    pub n_iter: usize,
    /// Whether a stopping rule (not the iteration limit) ended the run.
    pub converged: bool,
}

const MEMORY: usize = 10;

/// An objective: the value and the gradient at a point.
pub(crate) type Objective<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>) + 'a;

/// The two-loop recursion: `-H·g` for the current memory.
fn direction(g: &[f64], s: &[Vec<f64>], y: &[Vec<f64>]) -> Vec<f64> {
    let mut q: Vec<f64> = g.to_vec();
    let mut alphas = vec![0.0; s.len()];
    for k in (0..s.len()).rev() {
        let rho = 1.0 / dot(&y[k], &s[k]);
        alphas[k] = rho * dot(&s[k], &q);
        for (qi, yi) in q.iter_mut().zip(&y[k]) {
            *qi -= alphas[k] * yi;
        }
    }
    if let (Some(sl), Some(yl)) = (s.last(), y.last()) {
        let gamma = dot(sl, yl) / dot(yl, yl);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for k in 0..s.len() {
        let rho = 1.0 / dot(&y[k], &s[k]);
        let beta = rho * dot(&y[k], &q);
        for (qi, si) in q.iter_mut().zip(&s[k]) {
            *qi += (alphas[k] - beta) * si;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Minimise `f` (returning the value and gradient; a non-finite value means "outside the
/// domain") from `x0`.
pub(crate) fn minimize(
    f: &Objective<'_>,
    x0: Vec<f64>,
    max_iter: usize,
    gtol: f64,
    ftol: f64,
) -> LbfgsOutcome {
    let mut x = x0;
    let (mut fx, mut g) = f(&x);
    let mut s_mem: Vec<Vec<f64>> = Vec::new();
    let mut y_mem: Vec<Vec<f64>> = Vec::new();
    let max_abs = |g: &[f64]| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max_abs(&g) <= gtol {
        return LbfgsOutcome {
            x,
            n_iter: 0,
            converged: true,
        };
    }
    for it in 1..=max_iter {
        let mut d = direction(&g, &s_mem, &y_mem);
        let mut gd = dot(&g, &d);
        if gd >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            s_mem.clear();
            y_mem.clear();
            d = g.iter().map(|v| -v).collect();
            gd = dot(&g, &d);
        }
        let mut t = if s_mem.is_empty() {
            (1.0 / dot(&g, &g).sqrt()).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..50 {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            let (fn_, gn) = f(&xn);
            if fn_.is_finite() && fn_ <= fx + 1e-4 * t * gd {
                accepted = Some((xn, fn_, gn));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fn_, gn)) = accepted else {
            // No decrease possible along the direction: at the optimum up to rounding.
            return LbfgsOutcome {
                x,
                n_iter: it,
                converged: true,
            };
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        if dot(&s, &yv) > 1e-10 * dot(&yv, &yv).max(f64::MIN_POSITIVE) {
            if s_mem.len() == MEMORY {
                s_mem.remove(0);
                y_mem.remove(0);
            }
            s_mem.push(s);
            y_mem.push(yv);
        }
        let rel = (fx - fn_) / fx.abs().max(fn_.abs()).max(1.0);
        x = xn;
        fx = fn_;
        g = gn;
        if max_abs(&g) <= gtol || rel <= ftol {
            return LbfgsOutcome {
                x,
                n_iter: it,
                converged: true,
            };
        }
    }
    LbfgsOutcome {
        x,
        n_iter: max_iter,
        converged: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_quadratic() {
        let f = |x: &[f64]| {
            let v = (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
            (v, vec![2.0 * (x[0] - 3.0), 20.0 * (x[1] + 1.0)])
        };
        let out = minimize(&f, vec![0.0, 0.0], 100, 1e-10, 0.0);
        assert!(out.converged);
        assert!((out.x[0] - 3.0).abs() < 1e-8 && (out.x[1] + 1.0).abs() < 1e-8);
    }
}
