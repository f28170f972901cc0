//! The Newton–Cholesky solver of the GLMs (scikit-learn's `NewtonCholeskySolver`): the Newton
//! step solved by Cholesky, a backtracking line search with its Armijo constant, and convergence
//! on the gradient and the Newton decrement.

use faer::Mat;
use satori_core::numeric::dot;

use super::objective::Problem;
use crate::solvers::dense::solve_spd;

/// Solve `H d = −g`, shifting the diagonal if `H` is numerically singular.
fn newton_step(hess: &Mat<f64>, grad: &[f64]) -> Vec<f64> {
    let neg: Vec<f64> = grad.iter().map(|v| -v).collect();
    let scale = (0..hess.nrows())
        .map(|i| hess[(i, i)].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut shift = 0.0;
    for _ in 0..20 {
        let mut h = hess.clone();
        for i in 0..h.nrows() {
            h[(i, i)] += shift;
        }
        if let Some(d) = solve_spd(&h, &neg) {
            return d;
        }
        shift = if shift == 0.0 {
            scale * 1e-12
        } else {
            shift * 100.0
        };
    }
    neg
}

/// Newton–Cholesky from `beta`: `(solution, iterations, converged)`.
pub(crate) fn newton_cholesky(
    pb: &Problem<'_>,
    mut beta: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, usize, bool) {
    let (mut loss, _) = pb.loss_gradient(&beta);
    for iteration in 1..=max_iter {
        let (grad, hess) = pb.gradient_hessian(&beta);
        let d = newton_step(&hess, &grad);
        let gd = dot(&grad, &d);
        let armijo = 0.000_488_281_25 * gd;
        let mut t = 1.0;
        let mut accepted = None;
        let g1_old: f64 = grad.iter().map(|v| v.abs()).sum();
        for _ in 0..21 {
            let cand: Vec<f64> = beta.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            let (l, g) = pb.loss_gradient(&cand);
            let improvement = l - loss;
            if l.is_finite() && improvement <= t * armijo {
                accepted = Some((cand, l, g));
                break;
            }
            if l.is_finite()
                && improvement.abs() <= (loss * 16.0 * f64::EPSILON).abs()
                && g.iter().map(|v| v.abs()).sum::<f64>() < g1_old
            {
                accepted = Some((cand, l, g));
                break;
            }
            t *= 0.5;
        }
        let Some((cand, l, g)) = accepted else {
            // No progress along the Newton direction: the optimum up to rounding.
            let done = grad.iter().all(|v| v.abs() <= tol);
            return (beta, iteration, done);
        };
        beta = cand;
        loss = l;
        let g_max = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if g_max <= tol {
            let mut dhd = 0.0;
            for i in 0..d.len() {
                for j in 0..d.len() {
                    dhd += d[i] * hess[(i, j)] * d[j];
                }
            }
            if 0.5 * dhd <= tol {
                return (beta, iteration, true);
            }
        }
    }
    (beta, max_iter, false)
}
