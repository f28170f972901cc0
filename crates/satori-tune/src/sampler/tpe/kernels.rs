//! The pieces TPE's estimators are built from: the layout of a numeric range, kernel widths,
//! merged kernels, cell masses and their bounds, a one-pass log-sum-exp, a vectorisable exp.

use crate::normal;
use crate::space::Distribution;

/// How a numeric range is laid out for the kernels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Numeric {
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) log: bool,
    /// The spacing of the values of a stepped or integer range.
    pub(super) step: Option<f64>,
}

impl Numeric {
    pub(super) fn of(d: &Distribution) -> Option<Numeric> {
        match *d {
            Distribution::Float {
                low,
                high,
                log,
                step,
                ..
            } => Some(Numeric {
                low,
                high,
                log,
                step,
            }),
            Distribution::Int {
                low,
                high,
                log,
                step,
                ..
            } => Some(Numeric {
                low: low as f64,
                high: high as f64,
                log,
                step: Some(step as f64),
            }),
            Distribution::Choice { .. } => None,
        }
    }

    pub(super) fn t(&self, x: f64) -> f64 {
        if self.log { x.ln() } else { x }
    }

    /// The kernels' domain in transformed space (widened by half a step for stepped ranges).
    pub(super) fn bounds(&self) -> (f64, f64) {
        let h = self.step.map_or(0.0, |s| s / 2.0);
        (self.t(self.low - h), self.t(self.high + h))
    }

    /// A transformed draw back to a value of the range.
    pub(super) fn value(&self, t: f64) -> f64 {
        let x = if self.log { t.exp() } else { t };
        match self.step {
            Some(s) => (self.low + ((x - self.low) / s).round() * s).clamp(self.low, self.high),
            None => x.clamp(self.low, self.high),
        }
    }
}

/// ln √(2π).
pub(super) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;

/// A kernel further than this many widths from both ends of the domain has all its mass inside
/// (to e⁻⁴⁰).
pub(super) const INSIDE_Z: f64 = 9.0;

/// Cells narrower than this many kernel widths take the 3-point Gauss–Legendre mass (relative
/// error below 1e-7); wider ones the exact difference of CDFs.
pub(super) const NARROW_CELL: f64 = 0.4;

pub(super) fn cumulative(w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

pub(super) fn pick(cum: &[f64], u: f64) -> usize {
    cum.partition_point(|&c| c <= u).min(cum.len() - 1)
}

/// Log-sum-exp in one pass, of terms `e + ln(mult)` given as `(e, mult)` with `mult > 0`.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogSum {
    max: f64,
    sum: f64,
}

impl LogSum {
    pub(super) fn new() -> Self {
        LogSum {
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    #[inline]
    pub(super) fn add(&mut self, e: f64, mult: f64) {
        if e > self.max {
            self.sum = self.sum * (self.max - e).exp() + mult;
            self.max = e;
        } else {
            self.sum += (e - self.max).exp() * mult;
        }
    }

    pub(super) fn value(self) -> f64 {
        if self.sum > 0.0 {
            self.max + self.sum.ln()
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// ln of the standard normal's mass over `[zm − h, zm + h]`, as `(e, mult)` with the mass equal to
/// `exp(e) · mult`: 3-point Gauss–Legendre where the cell is narrow and the density nearly flat
/// over it (`h ≤ NARROW_CELL/2` and `h·|zm| ≤ 0.5`; relative error under 1e-7), else the exact
/// difference of CDFs.
#[inline]
pub(super) fn cell_mass(zm: f64, h: f64, ln_h: f64) -> (f64, f64) {
    if h <= NARROW_CELL / 2.0 && h * zm.abs() <= 0.5 {
        // ∫ φ over the cell ≈ h·φ(zm)·[8/9 + 5/9·e^{−δ²/2}(e^{zm·δ} + e^{−zm·δ})], δ = h√0.6,
        // written with s = |zm|·δ factored out.
        let d = h * 0.774_596_669_241_483_4;
        let u = 0.5 * d * d;
        let e_u = 1.0 - u + u * u / 2.0 - u * u * u / 6.0;
        let s = zm.abs() * d;
        let es = (-s).exp();
        let mult = (8.0 / 9.0) * es + (5.0 / 9.0) * e_u * (1.0 + es * es);
        (ln_h - 0.5 * zm * zm - LN_SQRT_2PI + s, mult)
    } else {
        (normal::mass(zm - h, zm + h).max(1e-300).ln(), 1.0)
    }
}

/// Bounds on ln of the standard normal's mass over `[zm − h, zm + h]` from the density's extremes
/// over the cell: `(lower, upper)`; `ln_h` is ln h.
#[inline]
pub(super) fn cell_bounds(zm: f64, h: f64, ln_h: f64) -> (f64, f64) {
    let base = std::f64::consts::LN_2 + ln_h - LN_SQRT_2PI;
    let near = (zm.abs() - h).max(0.0);
    let far = zm.abs() + h;
    (base - 0.5 * far * far, base - 0.5 * near * near)
}

/// Kernels whose log term is this far below the largest (or the largest lower bound of one) are
/// left out of a mixture's sum: each is under e⁻⁴⁰ of it, so even a few thousand change the sum
/// by less than 1e-14 relative.
pub(super) const NEGLIGIBLE: f64 = 40.0;

/// `exp(x)` for `x ≤ 0`, branch-free so that loops over it vectorise: Cody–Waite reduction to
/// `r` in [−½ ln 2, ½ ln 2] and a degree-12 Taylor polynomial (relative error under 4e-15);
/// arguments below −708 give 0-ish subnormal-free results (e^−708).
#[inline]
pub(super) fn exp_nonpositive(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5·2^52: adding it rounds to an integer
    let x = x.clamp(-708.0, 0.0);
    let shifted = x * std::f64::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    for c in [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^n from the low bits of the shifted value (n in −1022..=0).
    let n_int = (shifted.to_bits() as i64).wrapping_sub(MAGIC.to_bits() as i64);
    p * f64::from_bits(((n_int + 1023) as u64) << 52)
}

/// Kernels with equal centre and width merged, their weights summed (first-seen order kept).
pub(super) fn merge_kernels(
    mus: &[f64],
    sigmas: &[f64],
    weights: &[f64],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut idx: Vec<usize> = (0..mus.len()).collect();
    idx.sort_by(|&a, &b| {
        mus[a]
            .total_cmp(&mus[b])
            .then(sigmas[a].total_cmp(&sigmas[b]))
            .then(a.cmp(&b))
    });
    let mut first = vec![usize::MAX; mus.len()];
    let mut rep = idx[0];
    for &i in &idx {
        if mus[i] != mus[rep] || sigmas[i] != sigmas[rep] {
            rep = i;
        }
        first[i] = rep;
    }
    let (mut m, mut s, mut w) = (Vec::new(), Vec::new(), Vec::new());
    let mut slot = vec![usize::MAX; mus.len()];
    for i in 0..mus.len() {
        let r = first[i];
        if slot[r] == usize::MAX {
            slot[r] = m.len();
            m.push(mus[i]);
            s.push(sigmas[i]);
            w.push(0.0);
        }
        w[slot[r]] += weights[i];
    }
    (m, s, w)
}

/// Each observation's kernel width: the larger gap to its neighbours among the sorted
/// observations and the prior's midpoint, the range's ends standing beyond them; unless
/// `consider_endpoints`, the outermost kernels take their inner gap instead.
pub(super) fn kernel_widths(
    mus: &[f64],
    prior_mu: f64,
    lo: f64,
    hi: f64,
    endpoints: bool,
) -> Vec<f64> {
    let n = mus.len();
    // (centre, index) pairs sorted by centre, ties by index: the prior is index n.
    let mut pairs: Vec<(f64, usize)> = mus.iter().copied().zip(0..n).collect();
    pairs.push((prior_mu, n));
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let idx: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    let mut s = Vec::with_capacity(n + 3);
    s.push(lo);
    s.extend(pairs.iter().map(|p| p.0));
    s.push(hi);
    let m = s.len();
    let mut sorted: Vec<f64> = (1..m - 1)
        .map(|j| (s[j] - s[j - 1]).max(s[j + 1] - s[j]))
        .collect();
    if !endpoints && m >= 4 {
        sorted[0] = s[2] - s[1];
        let last = sorted.len() - 1;
        sorted[last] = s[m - 2] - s[m - 3];
    }
    let mut out = vec![0.0; n];
    for (pos, &i) in idx.iter().enumerate() {
        if i < n {
            out[i] = sorted[pos];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_neighbour_rule() {
        // Range 0..10, prior at 5, observations 1, 2, 8: sorted 1, 2, 5, 8.
        let w = kernel_widths(&[8.0, 1.0, 2.0], 5.0, 0.0, 10.0, false);
        // 8: gaps 3 (to 5) and 2 (to 10), but as the outermost it takes its inner gap: 3.
        // 1: outermost on the left: inner gap 1.   2: max(1, 3) = 3.
        assert_eq!(w, vec![3.0, 1.0, 3.0]);
        let w = kernel_widths(&[8.0, 1.0, 2.0], 5.0, 0.0, 10.0, true);
        assert_eq!(w, vec![3.0, 1.0, 3.0]);
        let w = kernel_widths(&[9.5, 0.2], 5.0, 0.0, 10.0, true);
        assert_eq!(w, vec![4.5, 4.8]);
    }

    #[test]
    fn narrow_cells_match_the_exact_mass() {
        for &zm in &[0.0, 0.3, -1.7, 3.0, 8.0, -30.0, 50.0] {
            for &h in &[1e-4, 0.01, 0.1, 0.2, 0.25, 1.0] {
                let (e, mult) = cell_mass(zm, h, h.ln());
                let exact = normal::mass(zm - h, zm + h);
                if exact <= 1e-250 {
                    continue; // beyond what the exact CDF difference resolves
                }
                let (lower, upper) = cell_bounds(zm, h, h.ln());
                if exact > 1e-250 {
                    let l = exact.ln();
                    assert!(lower <= l + 1e-12 && l <= upper + 1e-12, "zm={zm} h={h}");
                }
                if h > NARROW_CELL / 2.0 || h * zm.abs() > 0.5 {
                    let rel = (e.exp() * mult / exact - 1.0).abs();
                    assert!(rel < 1e-12, "wide cells are exact: {rel}");
                }
                if exact > 1e-250 {
                    let rel = ((e.exp() * mult) / exact - 1.0).abs();
                    assert!(rel < 1e-7, "zm={zm} h={h}: rel {rel}");
                }
            }
        }
        let mut acc = LogSum::new();
        for (e, m) in [(-3.0, 2.0), (1.0, 0.5), (-700.0, 1.0), (0.5, 1.0)] {
            acc.add(e, m);
        }
        let naive = (2.0 * (-3.0f64).exp() + 0.5 * 1f64.exp() + 0.5f64.exp()).ln();
        assert!((acc.value() - naive).abs() < 1e-14);
    }

    #[test]
    fn fast_exp_matches_exp() {
        for i in 0..=20_000 {
            let x = -(i as f64) * 0.0354;
            let (a, b) = (exp_nonpositive(x), x.exp());
            assert!((a / b - 1.0).abs() < 4e-15, "x={x}: {a} vs {b}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
    }
}
