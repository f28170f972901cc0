//! Limited-memory BFGS for smooth unconstrained problems, organised as scipy's L-BFGS-B (the
//! optimizer scikit-learn's `lbfgs` solver calls) run without bounds. The crate's one L-BFGS:
//! logistic regression and the GLMs (Poisson, Tweedie) call it with scikit-learn's options
//! ([`LbfgsOptions::default`] but for `max_iter` and `gtol`), so they take scipy's iterations.
//!
//!
//! - memory of `m = 10` correction pairs; the search direction is the two-loop recursion with the
//!   initial inverse Hessian `(s·y / y·y) I` (for unbounded problems the same direction as
//!   L-BFGS-B's compact form); a pair is kept only when `s·y > eps · y·y`;
//! - the Moré–Thuente line search of MINPACK-2 (`dcsrch`/`dcstep`) with `ftol = 1e-3`,
//!   `gtol = 0.9`, `xtol = 0.1`, first step `1 / ‖d‖` on the first iteration and 1 afterwards, at
//!   most `max_ls` evaluations; a failed search drops the memory and retries once along the
//!   steepest descent;
//! - convergence when the largest absolute gradient entry is at most `gtol`, or when the relative
//!   reduction of `f` is at most `ftol`: `(f_k - f_{k+1}) <= ftol · max(|f_k|, |f_{k+1}|, 1)`.
//!
//! Iterations are counted as scipy's `nit`. Dot products add left to right
//! ([`satori_core::numeric::dot`]). A non-finite objective at a trial point (outside a GLM's
//! domain, or an overflow) shrinks the step instead of failing the search.

use satori_core::numeric::dot;

/// Options of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LbfgsOptions {
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Stop when the largest absolute gradient entry is at most this.
    pub gtol: f64,
    /// Stop when the relative reduction of the objective is at most this.
    pub ftol: f64,
    /// Maximum function evaluations per line search.
    pub max_ls: usize,
    /// Number of correction pairs kept.
    pub memory: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            max_iter: 100,
            gtol: 1e-4,
            ftol: 64.0 * f64::EPSILON,
            max_ls: 50,
            memory: 10,
        }
    }
}

/// What [`minimize`] found.
#[derive(Debug, Clone)]
pub(crate) struct LbfgsResult {
    /// The last accepted point.
    pub x: Vec<f64>,
    /// Iterations done.
    pub n_iter: usize,
    /// Whether a convergence criterion was met (rather than the iteration limit or a failed line
    /// search).
    pub converged: bool,
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Minimise `f`, which returns the objective at `x` and writes the gradient into its second
/// argument, from `x0`; `on_iter` is called after each iteration (for progress reports).
pub(crate) fn minimize<F>(
    mut fg: F,
    x0: Vec<f64>,
    opts: LbfgsOptions,
    mut on_iter: impl FnMut(),
) -> LbfgsResult
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g);
    let mut s_mem: Vec<Vec<f64>> = Vec::new();
    let mut y_mem: Vec<Vec<f64>> = Vec::new();
    let mut n_iter = 0;
    if !f.is_finite() {
        return LbfgsResult {
            x,
            n_iter,
            converged: false,
        };
    }
    if max_abs(&g) <= opts.gtol {
        return LbfgsResult {
            x,
            n_iter,
            converged: true,
        };
    }
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    loop {
        if n_iter >= opts.max_iter {
            return LbfgsResult {
                x,
                n_iter,
                converged: false,
            };
        }
        let mut retried = false;
        let (f_new, _) = loop {
            let d = direction(&g, &s_mem, &y_mem);
            let first = n_iter == 0 || retried;
            let stp0 = if first {
                (1.0 / dot(&d, &d).sqrt()).min(1e10)
            } else {
                1.0
            };
            match line_search(
                &mut fg,
                &x,
                f,
                &g,
                &d,
                stp0,
                opts.max_ls,
                &mut x_new,
                &mut g_new,
            ) {
                Some(found) => break found,
                None if !retried && !s_mem.is_empty() => {
                    s_mem.clear();
                    y_mem.clear();
                    retried = true;
                }
                None => {
                    return LbfgsResult {
                        x,
                        n_iter,
                        converged: false,
                    };
                }
            }
        };
        n_iter += 1;
        on_iter();
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let f_old = f;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        f = f_new;
        if max_abs(&g) <= opts.gtol {
            return LbfgsResult {
                x,
                n_iter,
                converged: true,
            };
        }
        let scale = f_old.abs().max(f.abs()).max(1.0);
        if f_old - f <= opts.ftol * scale {
            return LbfgsResult {
                x,
                n_iter,
                converged: true,
            };
        }
        let sy = dot(&s, &y);
        let yy = dot(&y, &y);
        if sy > f64::EPSILON * yy {
            if s_mem.len() == opts.memory {
                s_mem.remove(0);
                y_mem.remove(0);
            }
            s_mem.push(s);
            y_mem.push(y);
        }
    }
}

/// The two-loop recursion: `-H g` for the L-BFGS inverse Hessian approximation.
fn direction(g: &[f64], s_mem: &[Vec<f64>], y_mem: &[Vec<f64>]) -> Vec<f64> {
    let mut q: Vec<f64> = g.to_vec();
    let k = s_mem.len();
    let mut alpha = vec![0.0; k];
    let rho: Vec<f64> = (0..k).map(|i| 1.0 / dot(&s_mem[i], &y_mem[i])).collect();
    for i in (0..k).rev() {
        alpha[i] = rho[i] * dot(&s_mem[i], &q);
        for (qj, yj) in q.iter_mut().zip(&y_mem[i]) {
            *qj -= alpha[i] * yj;
        }
    }
    if k > 0 {
        let gamma = dot(&s_mem[k - 1], &y_mem[k - 1]) / dot(&y_mem[k - 1], &y_mem[k - 1]);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for i in 0..k {
        let beta = rho[i] * dot(&y_mem[i], &q);
        for (qj, sj) in q.iter_mut().zip(&s_mem[i]) {
            *qj += (alpha[i] - beta) * sj;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Moré–Thuente search along `d` from `x`; on success `x_new`/`g_new` hold the accepted point and
/// the objective there is returned with the step.
#[allow(clippy::too_many_arguments)]
fn line_search<F>(
    fg: &mut F,
    x: &[f64],
    f0: f64,
    g0: &[f64],
    d: &[f64],
    stp0: f64,
    max_ls: usize,
    x_new: &mut [f64],
    g_new: &mut [f64],
) -> Option<(f64, f64)>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let dg0 = dot(g0, d);
    if dg0.is_nan() || dg0 >= 0.0 || !stp0.is_finite() {
        return None;
    }
    let mut ls = Dcsrch::new(f0, dg0, stp0, 0.0, 1e10);
    let mut stp = stp0;
    for _ in 0..max_ls {
        for ((xn, xi), di) in x_new.iter_mut().zip(x).zip(d) {
            *xn = xi + stp * di;
        }
        let f = fg(x_new, g_new);
        let dg = dot(g_new, d);
        if !f.is_finite() || !dg.is_finite() {
            // Step into overflow: shrink towards the last good point.
            stp = 0.5 * (stp + ls.stx);
            ls.brackt = true;
            ls.sty = stp * 2.0 - ls.stx;
            continue;
        }
        match ls.step(f, dg, stp) {
            Search::Converged => return Some((f, stp)),
            Search::Warning => {
                // Accept a point that decreased f, as L-BFGS-B does on rounding warnings.
                return (f < f0).then_some((f, stp));
            }
            Search::Next(next) => stp = next,
        }
    }
    None
}

enum Search {
    Converged,
    Warning,
    Next(f64),
}

/// State of MINPACK-2's `dcsrch`.
struct Dcsrch {
    gtol: f64,
    xtol: f64,
    stpmin: f64,
    stpmax: f64,
    finit: f64,
    ginit: f64,
    gtest: f64,
    brackt: bool,
    stage1: bool,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
}

impl Dcsrch {
    fn new(finit: f64, ginit: f64, stp: f64, stpmin: f64, stpmax: f64) -> Self {
        let ftol = 1e-3;
        Dcsrch {
            gtol: 0.9,
            xtol: 0.1,
            stpmin,
            stpmax,
            finit,
            ginit,
            gtest: ftol * ginit,
            brackt: false,
            stage1: true,
            width: stpmax - stpmin,
            width1: 2.0 * (stpmax - stpmin),
            stx: 0.0,
            fx: finit,
            gx: ginit,
            sty: 0.0,
            fy: finit,
            gy: ginit,
            stmin: 0.0,
            stmax: stp + 4.0 * stp,
        }
    }

    fn step(&mut self, f: f64, g: f64, mut stp: f64) -> Search {
        let ftest = self.finit + stp * self.gtest;
        if self.stage1 && f <= ftest && g >= 0.0 {
            self.stage1 = false;
        }
        if f <= ftest && g.abs() <= self.gtol * (-self.ginit) {
            return Search::Converged;
        }
        if (self.brackt
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= self.xtol * self.stmax))
            || (stp == self.stpmax && f <= ftest && g <= self.gtest)
            || (stp == self.stpmin && (f > ftest || g >= self.gtest))
        {
            return Search::Warning;
        }
        if self.stage1 && f <= self.fx && f > ftest {
            let gt = self.gtest;
            let mut st = Step {
                stx: self.stx,
                fx: self.fx - self.stx * gt,
                dx: self.gx - gt,
                sty: self.sty,
                fy: self.fy - self.sty * gt,
                dy: self.gy - gt,
                brackt: self.brackt,
            };
            stp = st.dcstep(stp, f - stp * gt, g - gt, self.stmin, self.stmax);
            self.stx = st.stx;
            self.sty = st.sty;
            self.brackt = st.brackt;
            self.fx = st.fx + st.stx * gt;
            self.fy = st.fy + st.sty * gt;
            self.gx = st.dx + gt;
            self.gy = st.dy + gt;
        } else {
            let mut st = Step {
                stx: self.stx,
                fx: self.fx,
                dx: self.gx,
                sty: self.sty,
                fy: self.fy,
                dy: self.gy,
                brackt: self.brackt,
            };
            stp = st.dcstep(stp, f, g, self.stmin, self.stmax);
            self.stx = st.stx;
            self.fx = st.fx;
            self.gx = st.dx;
            self.sty = st.sty;
            self.fy = st.fy;
            self.gy = st.dy;
            self.brackt = st.brackt;
        }
        if self.brackt {
            if (self.sty - self.stx).abs() >= 0.66 * self.width1 {
                stp = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = stp + 1.1 * (stp - self.stx);
            self.stmax = stp + 4.0 * (stp - self.stx);
        }
        stp = stp.max(self.stpmin).min(self.stpmax);
        if self.brackt
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= self.xtol * self.stmax)
        {
            stp = self.stx;
        }
        Search::Next(stp)
    }
}

/// The interval of uncertainty of `dcstep`.
struct Step {
    stx: f64,
    fx: f64,
    dx: f64,
    sty: f64,
    fy: f64,
    dy: f64,
    brackt: bool,
}

impl Step {
    /// MINPACK-2's `dcstep`: a safeguarded cubic/quadratic step; updates the interval and returns
    /// the new trial step.
    fn dcstep(&mut self, stp: f64, fp: f64, dp: f64, stpmin: f64, stpmax: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let sgnd = dp * (dx / dx.abs());
        let stpf = if fp > fx {
            // Higher function value: the minimum is bracketed.
            self.brackt = true;
            self.higher_value(stp, fp, dp)
        } else if sgnd < 0.0 {
            // Derivatives of opposite sign: the minimum is bracketed.
            self.brackt = true;
            self.opposite_slopes(stp, fp, dp)
        } else if dp.abs() < dx.abs() {
            self.shrinking_slope(stp, fp, dp, stpmin, stpmax)
        } else if self.brackt {
            self.steep_bracketed(stp, fp, dp)
        } else if stp > stx {
            stpmax
        } else {
            stpmin
        };
        if fp > fx {
            self.sty = stp;
            self.fy = fp;
            self.dy = dp;
        } else {
            if sgnd < 0.0 {
                self.sty = stx;
                self.fy = fx;
                self.dy = dx;
            }
            self.stx = stp;
            self.fx = fp;
            self.dx = dp;
        }
        stpf
    }

    /// `theta` and `gamma` of the cubic through (`a`, `fa`, `da`) and (`b`, `fb`, `db`), with
    /// `gamma`'s sign chosen by `negate`.
    fn cubic(fa: f64, da: f64, fb: f64, db: f64, a: f64, b: f64, negate: bool) -> (f64, f64) {
        let theta = 3.0 * (fa - fb) / (b - a) + da + db;
        let s = theta.abs().max(da.abs()).max(db.abs());
        let mut gamma = s * ((theta / s).powi(2) - (da / s) * (db / s)).max(0.0).sqrt();
        if negate {
            gamma = -gamma;
        }
        (theta, gamma)
    }

    fn higher_value(&self, stp: f64, fp: f64, dp: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let (theta, gamma) = Self::cubic(fx, dx, fp, dp, stx, stp, stp < stx);
        let p = (gamma - dx) + theta;
        let q = ((gamma - dx) + gamma) + dp;
        let stpc = stx + (p / q) * (stp - stx);
        let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx);
        if (stpc - stx).abs() < (stpq - stx).abs() {
            stpc
        } else {
            stpc + (stpq - stpc) / 2.0
        }
    }

    fn opposite_slopes(&self, stp: f64, fp: f64, dp: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let (theta, gamma) = Self::cubic(fx, dx, fp, dp, stx, stp, stp > stx);
        let p = (gamma - dp) + theta;
        let q = ((gamma - dp) + gamma) + dx;
        let stpc = stp + (p / q) * (stx - stp);
        let stpq = stp + (dp / (dp - dx)) * (stx - stp);
        if (stpc - stp).abs() > (stpq - stp).abs() {
            stpc
        } else {
            stpq
        }
    }

    fn shrinking_slope(&self, stp: f64, fp: f64, dp: f64, stpmin: f64, stpmax: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let (theta, gamma) = Self::cubic(fx, dx, fp, dp, stx, stp, stp > stx);
        let p = (gamma - dp) + theta;
        let q = (gamma + (dx - dp)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            stp + r * (stx - stp)
        } else if stp > stx {
            stpmax
        } else {
            stpmin
        };
        let stpq = stp + (dp / (dp - dx)) * (stx - stp);
        if self.brackt {
            let v = if (stpc - stp).abs() < (stpq - stp).abs() {
                stpc
            } else {
                stpq
            };
            if stp > stx {
                v.min(stp + 0.66 * (self.sty - stp))
            } else {
                v.max(stp + 0.66 * (self.sty - stp))
            }
        } else {
            let v = if (stpc - stp).abs() > (stpq - stp).abs() {
                stpc
            } else {
                stpq
            };
            v.min(stpmax).max(stpmin)
        }
    }

    fn steep_bracketed(&self, stp: f64, fp: f64, dp: f64) -> f64 {
        let (sty, fy, dy) = (self.sty, self.fy, self.dy);
        let (theta, gamma) = Self::cubic(fp, dp, fy, dy, stp, sty, stp > sty);
        let p = (gamma - dp) + theta;
        let q = ((gamma - dp) + gamma) + dy;
        stp + (p / q) * (sty - stp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function, a classic test of line-search quasi-Newton methods.
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let opts = LbfgsOptions {
            max_iter: 200,
            gtol: 1e-10,
            ftol: 0.0,
            ..Default::default()
        };
        let r = minimize(rosenbrock, vec![-1.2, 1.0], opts, || {});
        assert!(r.converged, "{r:?}");
        assert!(
            (r.x[0] - 1.0).abs() < 1e-8 && (r.x[1] - 1.0).abs() < 1e-8,
            "{r:?}"
        );
        assert!(r.n_iter > 10 && r.n_iter < 100, "{}", r.n_iter);
    }

    #[test]
    fn quadratic_in_few_iterations_and_limit_is_reported() {
        // f = sum_i (i + 1) (x_i - i)^2
        let quad = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for i in 0..x.len() {
                let c = (i + 1) as f64;
                f += c * (x[i] - i as f64).powi(2);
                g[i] = 2.0 * c * (x[i] - i as f64);
            }
            f
        };
        let opts = LbfgsOptions {
            gtol: 1e-9,
            ..Default::default()
        };
        let r = minimize(quad, vec![0.0; 5], opts, || {});
        assert!(r.converged);
        for (i, v) in r.x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-8);
        }
        let limited = minimize(
            quad,
            vec![0.0; 5],
            LbfgsOptions {
                max_iter: 2,
                gtol: 1e-12,
                ..Default::default()
            },
            || {},
        );
        assert!(!limited.converged);
        assert_eq!(limited.n_iter, 2);
    }

    #[test]
    fn steps_back_from_outside_the_domain() {
        // f = x - ln x + (y - 2)^2, defined for x > 0 only (as a GLM's identity link with a
        // positive power): trial points past the boundary are non-finite and must shrink the step.
        let outside = std::cell::Cell::new(0);
        let f = |v: &[f64], g: &mut [f64]| {
            let (x, y) = (v[0], v[1]);
            if x <= 0.0 {
                outside.set(outside.get() + 1);
                g.fill(f64::NAN);
                return f64::INFINITY;
            }
            g[0] = 1.0 - 1.0 / x;
            g[1] = 2.0 * (y - 2.0);
            x - x.ln() + (y - 2.0).powi(2)
        };
        let opts = LbfgsOptions {
            gtol: 1e-10,
            ..Default::default()
        };
        let r = minimize(f, vec![10.0, 2.5], opts, || {});
        assert!(r.converged, "{r:?}");
        assert!(
            (r.x[0] - 1.0).abs() < 1e-8 && (r.x[1] - 2.0).abs() < 1e-8,
            "{r:?}"
        );
        assert!(outside.get() > 0, "the search never left the domain");
    }
}
