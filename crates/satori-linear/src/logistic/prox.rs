//! The proximal solver for the L1 and elastic-net penalties: accelerated proximal gradient
//! (FISTA) with backtracking on the step size and adaptive restart when the objective goes up.
//!
//! The smooth part is the mean loss plus the L2 part of the penalty; the proximal step
//! soft-thresholds the coefficients (never the intercepts) by `λ₁ / L`. It stops when the
//! minimum-norm subgradient of the full objective is at most `tol` in every entry: for a
//! coefficient `w_j ≠ 0` that is `|g_j + λ₁ sign(w_j)|`, for `w_j = 0` it is `max(|g_j| - λ₁, 0)`,
//! for an intercept `|g_j|` — the same gradient test as the L-BFGS solver's, on the same scale.

use super::objective::Problem;

/// What the solver found.
pub(crate) struct ProxResult {
    pub w: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

fn soft_threshold(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

/// Minimise `mean loss + λ₂ ½‖w‖² + λ₁ ‖w‖₁` from zero.
pub(crate) fn fista(
    problem: &Problem<'_>,
    l1: f64,
    l2: f64,
    max_iter: usize,
    tol: f64,
    mut on_iter: impl FnMut(),
) -> ProxResult {
    let n = problem.n_params();
    let mut w = vec![0.0; n];
    let mut y = w.clone();
    let mut gy = vec![0.0; n];
    let mut fy = problem.objective(&y, &mut gy, l2);
    let mut g_new = vec![0.0; n];
    let mut w_new = vec![0.0; n];
    if optimality(problem, &w, &gy, l1) <= tol {
        return ProxResult {
            w,
            n_iter: 0,
            converged: true,
        };
    }
    let mut lip = initial_lipschitz(problem, l2) / 8.0;
    let mut t = 1.0f64;
    let mut f_full_old = fy + l1 * problem.l1_norm(&w);
    for it in 1..=max_iter {
        on_iter();
        let f_new = loop {
            for i in 0..n {
                let step = y[i] - gy[i] / lip;
                w_new[i] = if problem.is_intercept(i) {
                    step
                } else {
                    soft_threshold(step, l1 / lip)
                };
            }
            let f_new = problem.objective(&w_new, &mut g_new, l2);
            let mut lin = 0.0;
            let mut sq = 0.0;
            for i in 0..n {
                let d = w_new[i] - y[i];
                lin += gy[i] * d;
                sq += d * d;
            }
            // Accept when the quadratic model bounds f (with slack for rounding), or when the
            // step is too small to tell.
            if f_new <= fy + lin + 0.5 * lip * sq + 1e-14 * fy.abs()
                || sq == 0.0
                || !lip.is_finite()
            {
                break f_new;
            }
            lip *= 2.0;
        };
        if optimality(problem, &w_new, &g_new, l1) <= tol {
            return ProxResult {
                w: w_new,
                n_iter: it,
                converged: true,
            };
        }
        let f_full = f_new + l1 * problem.l1_norm(&w_new);
        if f_full > f_full_old {
            // Adaptive restart: drop the momentum.
            t = 1.0;
            y.copy_from_slice(&w_new);
            gy.copy_from_slice(&g_new);
            fy = f_new;
        } else {
            let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
            let beta = (t - 1.0) / t_next;
            for i in 0..n {
                y[i] = w_new[i] + beta * (w_new[i] - w[i]);
            }
            t = t_next;
            fy = if beta == 0.0 {
                gy.copy_from_slice(&g_new);
                f_new
            } else {
                problem.objective(&y, &mut gy, l2)
            };
        }
        f_full_old = f_full;
        std::mem::swap(&mut w, &mut w_new);
        lip *= 0.9;
    }
    ProxResult {
        w,
        n_iter: max_iter,
        converged: false,
    }
}

/// The largest entry of the minimum-norm subgradient of the full objective at `w`, given the
/// smooth part's gradient `g` there.
fn optimality(problem: &Problem<'_>, w: &[f64], g: &[f64], l1: f64) -> f64 {
    let mut worst = 0.0f64;
    for (i, (wi, gi)) in w.iter().zip(g).enumerate() {
        let v = if problem.is_intercept(i) {
            gi.abs()
        } else if *wi > 0.0 {
            (gi + l1).abs()
        } else if *wi < 0.0 {
            (gi - l1).abs()
        } else {
            (gi.abs() - l1).max(0.0)
        };
        worst = worst.max(v);
    }
    worst
}

/// An upper bound of the smooth part's curvature: `max_i (‖x_i‖² + 1) · c + λ₂` with `c = ¼` for
/// the binomial and `½` for the multinomial loss (the weighted mean keeps the row bound).
fn initial_lipschitz(problem: &Problem<'_>, l2: f64) -> f64 {
    let mut max_sq = 0.0f64;
    for (i, s) in problem.sw.iter().enumerate() {
        if *s > 0.0 {
            max_sq = max_sq.max(problem.x.row_sq_norm(i) + 1.0);
        }
    }
    let c = if problem.k == 1 { 0.25 } else { 0.5 };
    (c * max_sq + l2).max(1e-12)
}
