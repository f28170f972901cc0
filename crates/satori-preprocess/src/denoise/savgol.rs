//! Savitzky-Golay smoothing, `scipy.signal.savgol_filter(x, window_length, polyorder)` with
//! `deriv = 0`.
//!
//! Each output is the value at the window's centre of the least-squares polynomial of degree
//! `polyorder` through the `window_length` samples around it: a correlation with fixed weights,
//! the centre row of the window's hat matrix `Q Qᵀ`, where the columns of `Q` are an orthonormal
//! basis of the polynomials up to `polyorder` sampled at the window's points (built by
//! Gram-Schmidt, twice, on the powers of the centred points scaled into [-1, 1], which keeps the
//! basis well conditioned; scipy solves the same least-squares problem with `lstsq`). The `interp`
//! mode replaces the first and last `window_length / 2` outputs by the fitted polynomial of the
//! first and last whole windows (scipy's `_fit_edges_polyfit`), which are rows of the same hat
//! matrix; the other modes extend the signal as scipy.ndimage's `convolve1d` does.

use satori_core::numeric::dot;

use super::window::Extend;

/// The edge handling of the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SavgolMode {
    /// Polynomial fits of the edge windows.
    Interp,
    /// Extension of the signal.
    Extend(Extend),
}

/// The filter for one window length and polynomial order: its hat matrix.
#[derive(Debug, Clone)]
pub(crate) struct Savgol {
    window: usize,
    /// `hat[r * window + c]`: the weight of window sample `c` in the fitted value at sample `r`.
    hat: Vec<f64>,
    /// Whether the centre row is symmetric to within `f64::EPSILON` (scipy's test).
    symmetric: bool,
}

impl Savgol {
    /// The filter for an odd `window` and `polyorder < window`.
    pub(crate) fn new(window: usize, polyorder: usize) -> Savgol {
        let half = (window / 2) as f64;
        let scale = if half > 0.0 { half } else { 1.0 };
        let t: Vec<f64> = (0..window).map(|i| (i as f64 - half) / scale).collect();
        let q = orthonormal_powers(&t, polyorder + 1);
        let mut hat = vec![0.0; window * window];
        for r in 0..window {
            for c in 0..window {
                hat[r * window + c] = q.iter().map(|col| col[r] * col[c]).sum();
            }
        }
        let h = window / 2;
        let centre = &hat[h * window..(h + 1) * window];
        let symmetric = (1..=h).all(|k| (centre[h + k] - centre[h - k]).abs() <= f64::EPSILON);
        Savgol {
            window,
            hat,
            symmetric,
        }
    }

    fn row(&self, r: usize) -> &[f64] {
        &self.hat[r * self.window..(r + 1) * self.window]
    }

    /// Smooth `x` (at least `window` samples long).
    pub(crate) fn apply(&self, x: &[f64], mode: SavgolMode) -> Vec<f64> {
        let w = self.window;
        let half = w / 2;
        let n = x.len();
        let weights = self.row(half);
        let extend = match mode {
            SavgolMode::Interp => Extend::Constant,
            SavgolMode::Extend(e) => e,
        };
        let ext = extend.pad(x, half, half);
        let mut out: Vec<f64> = (0..n)
            .map(|i| correlate(&ext[i..i + w], weights, self.symmetric))
            .collect();
        if mode == SavgolMode::Interp && n >= w {
            for (r, o) in out.iter_mut().enumerate().take(half) {
                *o = dot(self.row(r), &x[..w]);
            }
            for r in half + 1..w {
                out[n - w + r] = dot(self.row(r), &x[n - w..]);
            }
        }
        out
    }
}

/// One output of scipy.ndimage's `correlate1d` over a window `v` centred on the output: with
/// symmetric weights (to within `f64::EPSILON`, scipy's test) the sum runs over pairs of samples
/// equally far from the centre, as scipy's `NI_Correlate1D` does; otherwise sample by sample.
fn correlate(v: &[f64], w: &[f64], symmetric: bool) -> f64 {
    let half = w.len() / 2;
    if symmetric {
        let mut sum = v[half] * w[half];
        for j in 0..half {
            sum += (v[j] + v[w.len() - 1 - j]) * w[j];
        }
        sum
    } else {
        let mut sum = v[w.len() - 1] * w[w.len() - 1];
        for j in 0..w.len() - 1 {
            sum += v[j] * w[j];
        }
        sum
    }
}

/// An orthonormal basis (as columns) of the span of `1, t, t², …, t^(k-1)` sampled at `t`:
/// classical Gram-Schmidt with one reorthogonalisation pass per column.
fn orthonormal_powers(t: &[f64], k: usize) -> Vec<Vec<f64>> {
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(k);
    for power in 0..k {
        let mut v: Vec<f64> = t.iter().map(|&ti| ti.powi(power as i32)).collect();
        for _ in 0..2 {
            for col in &q {
                let proj = dot(col, &v);
                v.iter_mut().zip(col).for_each(|(vi, ci)| *vi -= proj * ci);
            }
        }
        let norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|vi| *vi /= norm);
        q.push(v);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_coefficients() {
        // Savitzky & Golay's table: window 5, quadratic: (-3, 12, 17, 12, -3) / 35.
        let s = Savgol::new(5, 2);
        let want = [-3.0, 12.0, 17.0, 12.0, -3.0].map(|v| v / 35.0);
        for (got, want) in s.row(2).iter().zip(want) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
    }

    #[test]
    fn coefficients_are_accurate_where_lstsq_is_not() {
        // window 21, quintic: the exact weights (rational arithmetic), symmetric about the
        // centre. scipy's savgol_coeffs (lstsq on the unscaled Vandermonde) is off by 5.8e-13
        // relative; the scaled Gram-Schmidt basis stays within a few ulps.
        let exact = [
            36.0 / 805.0,
            -4.0 / 161.0,
            -153.0 / 3059.0,
            -132.0 / 3059.0,
            -788.0 / 52003.0,
            6378.0 / 260015.0,
            3531.0 / 52003.0,
            5638.0 / 52003.0,
            7332.0 / 52003.0,
            8424.0 / 52003.0,
            44003.0 / 260015.0,
        ];
        let s = Savgol::new(21, 5);
        let w = s.row(10);
        for (k, e) in exact.iter().enumerate() {
            for got in [w[k], w[20 - k]] {
                assert!((got - e).abs() <= 1e-15, "{k}: {got} vs {e}");
            }
        }
    }

    #[test]
    fn polynomials_pass_through() {
        let x: Vec<f64> = (0..12)
            .map(|i| 0.5 * (i * i) as f64 - 3.0 * i as f64 + 1.0)
            .collect();
        for mode in [
            SavgolMode::Interp,
            SavgolMode::Extend(Extend::Nearest),
            SavgolMode::Extend(Extend::Mirror),
        ] {
            let y = Savgol::new(7, 3).apply(&x, mode);
            let lo = if mode == SavgolMode::Interp { 0 } else { 3 };
            for i in lo..x.len() - lo {
                assert!(
                    (y[i] - x[i]).abs() < 1e-12,
                    "{mode:?} {i}: {} vs {}",
                    y[i],
                    x[i]
                );
            }
        }
        assert_eq!(Savgol::new(1, 0).apply(&x, SavgolMode::Interp), x);
    }
}
