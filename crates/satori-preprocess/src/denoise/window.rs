//! Sliding-window filters with scipy.ndimage's edge extension: the median
//! (`median_filter`, and `medfilt` through zero padding) and the moving average
//! (`uniform_filter1d`).

use serde::{Deserialize, Serialize};

/// scipy.ndimage's boundary modes (with `cval = 0` for `Constant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Extend {
    /// `d c b a | a b c d | d c b a`.
    Reflect,
    /// `d c b | a b c d | c b a`.
    Mirror,
    /// `a a a | a b c d | d d d`.
    Nearest,
    /// `b c d | a b c d | a b c`.
    Wrap,
    /// `0 0 0 | a b c d | 0 0 0`.
    Constant,
}

impl Extend {
    /// The value at index `i` (any integer) of `x` extended by this mode; `x` is not empty.
    pub(crate) fn at(self, x: &[f64], i: isize) -> f64 {
        let n = x.len() as isize;
        if (0..n).contains(&i) {
            return x[i as usize];
        }
        let k = match self {
            Extend::Reflect => {
                let m = i.rem_euclid(2 * n);
                if m < n { m } else { 2 * n - 1 - m }
            }
            Extend::Mirror => {
                if n == 1 {
                    0
                } else {
                    let m = i.rem_euclid(2 * n - 2);
                    if m < n { m } else { 2 * n - 2 - m }
                }
            }
            Extend::Nearest => i.clamp(0, n - 1),
            Extend::Wrap => i.rem_euclid(n),
            Extend::Constant => return 0.0,
        };
        x[k as usize]
    }

    /// `x` with `before` extended values in front and `after` behind.
    pub(crate) fn pad(self, x: &[f64], before: usize, after: usize) -> Vec<f64> {
        let n = x.len() as isize;
        let mut out = Vec::with_capacity(x.len() + before + after);
        out.extend((-(before as isize)..0).map(|i| self.at(x, i)));
        out.extend_from_slice(x);
        out.extend((n..n + after as isize).map(|i| self.at(x, i)));
        out
    }
}

/// The median of each window of `window` (odd) samples centred on each sample. The window is
/// kept sorted as it slides (one removal and one insertion per step), so each output costs
/// `O(window)` moves and no comparisons of floating-point sums: the result is exact.
pub(crate) fn median(x: &[f64], window: usize, mode: Extend) -> Vec<f64> {
    let half = window / 2;
    let ext = mode.pad(x, half, half);
    let mut sorted: Vec<f64> = ext[..window].to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut out = Vec::with_capacity(x.len());
    out.push(sorted[half]);
    for i in 1..x.len() {
        let gone = ext[i - 1];
        let pos = sorted.partition_point(|v| v.total_cmp(&gone).is_lt());
        sorted.remove(pos);
        let new = ext[i + window - 1];
        let pos = sorted.partition_point(|v| v.total_cmp(&new).is_lt());
        sorted.insert(pos, new);
        out.push(sorted[half]);
    }
    out
}

/// The mean of each window of `window` samples, from `half = window / 2` samples before to
/// `window - half - 1` after, computed as scipy's `NI_UniformFilter1D` does (a running sum of
/// the extended line, updated by the entering minus the leaving sample and divided by the
/// window), so that the result agrees with scipy's bit for bit.
pub(crate) fn moving_average(x: &[f64], window: usize, mode: Extend) -> Vec<f64> {
    let half = window / 2;
    let ext = mode.pad(x, half, window - half - 1);
    let size = window as f64;
    let mut sum = 0.0;
    for &v in &ext[..window] {
        sum += v;
    }
    let mut out = Vec::with_capacity(x.len());
    out.push(sum / size);
    for i in 1..x.len() {
        sum += ext[i + window - 1] - ext[i - 1];
        out.push(sum / size);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_modes() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let ext = |m: Extend| m.pad(&x, 3, 3);
        assert_eq!(
            ext(Extend::Reflect),
            [3., 2., 1., 1., 2., 3., 4., 4., 3., 2.]
        );
        assert_eq!(
            ext(Extend::Mirror),
            [4., 3., 2., 1., 2., 3., 4., 3., 2., 1.]
        );
        assert_eq!(
            ext(Extend::Nearest),
            [1., 1., 1., 1., 2., 3., 4., 4., 4., 4.]
        );
        assert_eq!(ext(Extend::Wrap), [2., 3., 4., 1., 2., 3., 4., 1., 2., 3.]);
        assert_eq!(
            ext(Extend::Constant),
            [0., 0., 0., 1., 2., 3., 4., 0., 0., 0.]
        );
        assert_eq!(Extend::Mirror.pad(&[5.0], 2, 1), [5.0; 4]);
    }

    #[test]
    fn median_and_mean_by_hand() {
        let x = [3.0, 1.0, 4.0, 1.0, 5.0];
        assert_eq!(median(&x, 3, Extend::Reflect), [3., 3., 1., 4., 5.]);
        assert_eq!(median(&x, 3, Extend::Constant), [1., 3., 1., 4., 1.]);
        assert_eq!(median(&x, 1, Extend::Reflect), x);
        assert_eq!(moving_average(&x, 1, Extend::Reflect), x);
        // even window: two samples before the centre, one after
        let m = moving_average(&[0.0, 4.0, 8.0], 2, Extend::Nearest);
        assert_eq!(m, [0.0, 2.0, 6.0]);
        let m = moving_average(&[3.0, 6.0, 9.0], 3, Extend::Constant);
        assert_eq!(m, [3.0, 6.0, 5.0]);
    }
}
