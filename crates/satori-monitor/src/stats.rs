//! The drift statistics: the population stability index, the two-sample Kolmogorov–Smirnov
//! test (exact as SciPy's `ks_2samp` on raw samples, and against a reference sketch), and
//! Pearson's χ² test of a contingency table (SciPy's `chi2_contingency`).

use serde::Serialize;

use crate::reference::NumericSketch;

/// The smallest proportion PSI uses for an empty bin: an empty bin on either side counts as
/// holding this share (the convention of Evidently and most PSI write-ups), so the index stays
/// finite.
pub const PSI_EPSILON: f64 = 1e-4;

/// A test's statistic and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestResult {
    /// The statistic (`D` for Kolmogorov–Smirnov, `χ²` for the χ² test).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
}

/// The population stability index of two histograms on the same bins:
/// `Σ (c_i − r_i) · ln(c_i / r_i)` over the proportions `r_i = reference_i / Σ reference` and
/// `c_i = current_i / Σ current`, each raised to [`PSI_EPSILON`] where it is smaller. `None`
/// when either side is empty or the bins differ in number.
pub fn psi(reference: &[f64], current: &[f64]) -> Option<f64> {
    if reference.len() != current.len() || reference.is_empty() {
        return None;
    }
    let (rs, cs): (f64, f64) = (reference.iter().sum(), current.iter().sum());
    if rs <= 0.0 || cs <= 0.0 {
        return None;
    }
    Some(
        reference
            .iter()
            .zip(current)
            .map(|(&r, &c)| {
                let r = (r / rs).max(PSI_EPSILON);
                let c = (c / cs).max(PSI_EPSILON);
                (c - r) * (c / r).ln()
            })
            .sum(),
    )
}

/// SciPy's `stats.ks_2samp(a, b)` (two-sided, `method="auto"`): the largest distance between
/// the two empirical CDFs, and its p-value — exact (SciPy's lattice-path recursions) when neither
/// sample has more than 10 000 values, otherwise the asymptotic Kolmogorov distribution of
/// `√(n·m/(n+m))·D` (SciPy uses the finite-`n` distribution `kstwo` there; the two agree to about
/// 1e-3 at those sizes). NaN values are dropped; `None` when a sample is then empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<TestResult> {
    let mut a: Vec<f64> = a.iter().copied().filter(|v| !v.is_nan()).collect();
    let mut b: Vec<f64> = b.iter().copied().filter(|v| !v.is_nan()).collect();
    if a.is_empty() || b.is_empty() {
        return None;
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n1, n2) = (a.len(), b.len());
    // Walk the merged values; at each distinct value both CDFs are right limits.
    let (mut i, mut j) = (0usize, 0usize);
    let mut d = 0.0f64;
    while i < n1 || j < n2 {
        let t = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < n1 && a[i] <= t {
            i += 1;
        }
        while j < n2 && b[j] <= t {
            j += 1;
        }
        d = d.max((i as f64 / n1 as f64 - j as f64 / n2 as f64).abs());
    }
    let p = if n1.max(n2) <= 10_000 {
        match exact_2samp(n1, n2, d) {
            Some((d_exact, p)) => {
                d = d_exact;
                p
            }
            None => asymptotic_p(n1 as f64, n2 as f64, d),
        }
    } else {
        asymptotic_p(n1 as f64, n2 as f64, d)
    };
    Some(TestResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
    })
}

/// The Kolmogorov–Smirnov distance between a reference sketch's CDF (linear between its
/// percentiles) and a sample's empirical CDF, with the asymptotic two-sample p-value for the
/// reference's row count and the sample's. The sketch's CDF differs from the training rows' own
/// by at most the curvature of the distribution within a percentile, so `D` is within about
/// 0.01 of `ks_2samp` against the training rows (usually far closer); the p-value is the
/// asymptotic one. `None` when the sample has no non-missing value.
pub fn ks_sketch(reference: &NumericSketch, current: &[f64]) -> Option<TestResult> {
    let mut b: Vec<f64> = current.iter().copied().filter(|v| !v.is_nan()).collect();
    if b.is_empty() || reference.count == 0 {
        return None;
    }
    b.sort_by(f64::total_cmp);
    let n = b.len() as f64;
    // Between consecutive evaluation points the sample's CDF is flat and the reference's linear:
    // the largest gap is at a point, on its left or right limit.
    let mut points: Vec<f64> = reference
        .percentiles
        .iter()
        .copied()
        .chain(b.iter().copied())
        .collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    let mut d = 0.0f64;
    for t in points {
        let right = b.partition_point(|&x| x <= t) as f64 / n;
        let left = b.partition_point(|&x| x < t) as f64 / n;
        let (r_right, r_left) = reference.cdf(t);
        d = d.max((right - r_right).abs()).max((left - r_left).abs());
    }
    Some(TestResult {
        statistic: d,
        p_value: asymptotic_p(reference.count as f64, n, d).clamp(0.0, 1.0),
    })
}

/// The asymptotic two-sided p-value of a two-sample `D`: `kstwobign.sf(√(n·m/(n+m))·D)`.
fn asymptotic_p(n1: f64, n2: f64, d: f64) -> f64 {
    kolmogorov_sf((n1 * n2 / (n1 + n2)).sqrt() * d)
}

/// The Kolmogorov distribution's survival function (SciPy's `kstwobign.sf`):
/// `2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}`, and for small `x` its Jacobi-theta form
/// `1 − √(2π)/x Σ_{k≥1} e^{−(2k−1)²π²/(8x²)}`, which converges fast there.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x < 1.0 {
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let w = -pi2 / (8.0 * x * x);
        let s: f64 = (1..=8)
            .map(|k| {
                let o = (2 * k - 1) as f64;
                (o * o * w).exp()
            })
            .sum();
        return (1.0 - (2.0 * std::f64::consts::PI).sqrt() / x * s).clamp(0.0, 1.0);
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * x * x).exp();
        sum += if k as u64 % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// SciPy's `_attempt_exact_2kssamp` (two-sided): `D` rounded to the lattice of `1/lcm(n1, n2)`
/// and its exact p-value; `None` where SciPy too gives up (a p-value outside `[0, 1]`).
fn exact_2samp(n1: usize, n2: usize, d: f64) -> Option<(f64, f64)> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) as f64 * n2 as f64;
    let h = (d * lcm).round_ties_even() as usize;
    let d = h as f64 / lcm;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SciPy's `_compute_prob_outside_square(n, h)`: the share of lattice paths leaving the band
/// `|x − y| < h` (equal samples), by its Horner-like alternating sum.
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let ku = k as usize;
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n as f64 - (ku * h) as f64 - j as f64) * p1
                / (n as f64 + (ku * h) as f64 + j as f64 + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// SciPy's `_compute_outer_prob_inside_method(m, n, g, h)`: the share of lattice paths from
/// `(0, 0)` to `(m, n)` that leave the band `|n·x/g − m·y/g| < h` somewhere. Column by column
/// over the band, each point keeps the share of the paths reaching it that have left the band
/// (1 outside it), `C(i, j) = (i·C(i−1, j) + j·C(i, j−1)) / (i + j)`: a sum of positive terms,
/// so a tiny p-value keeps its digits.
fn outer_prob_inside(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let mg = (m / g) as f64;
    let ng = (n / g) as f64;
    let hf = h as f64;
    let mut prev = vec![1.0f64; n + 1];
    let mut cur = vec![1.0f64; n + 1];
    let (mut lo, mut hi) = (0usize, ((hf / mg).ceil() as usize).min(n + 1));
    for v in &mut prev[lo..hi] {
        *v = 0.0;
    }
    for i in 1..=m {
        let new_lo = (((ng * i as f64 - hf) / mg).floor() as i64 + 1).max(0) as usize;
        let new_lo = new_lo.min(n);
        let new_hi = (((ng * i as f64 + hf) / mg).ceil() as usize).min(n + 1);
        if new_hi <= new_lo {
            return 1.0;
        }
        let mut below = if new_lo == 0 { 0.0 } else { 1.0 };
        for j in new_lo..new_hi {
            let left = if (lo..hi).contains(&j) { prev[j] } else { 1.0 };
            below = (left * i as f64 + below * j as f64) / (i + j) as f64;
            cur[j] = below;
        }
        for v in &mut prev[lo..hi] {
            *v = 1.0;
        }
        std::mem::swap(&mut prev, &mut cur);
        (lo, hi) = (new_lo, new_hi);
    }
    if (lo..hi).contains(&n) { prev[n] } else { 1.0 }
}

/// Pearson's χ² test of independence of a `2 × k` table (reference counts over current counts),
/// as SciPy's `chi2_contingency(table)` computes it (Yates' correction when it has one degree of
/// freedom), after dropping the categories empty on both sides (SciPy refuses a zero expected
/// count). Returns the test and its degrees of freedom; with fewer than two categories left the
/// table has no freedom and the result is `χ² = 0, p = 1`. `None` when either row is empty.
pub fn chi2_contingency(reference: &[f64], current: &[f64]) -> Option<(TestResult, usize)> {
    if reference.len() != current.len() {
        return None;
    }
    let cols: Vec<(f64, f64)> = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| (r, c))
        .filter(|&(r, c)| r + c > 0.0)
        .collect();
    let (rs, cs): (f64, f64) = cols.iter().fold((0.0, 0.0), |s, c| (s.0 + c.0, s.1 + c.1));
    if rs <= 0.0 || cs <= 0.0 {
        return None;
    }
    let dof = cols.len().saturating_sub(1);
    if dof == 0 {
        return Some((
            TestResult {
                statistic: 0.0,
                p_value: 1.0,
            },
            0,
        ));
    }
    let total = rs + cs;
    let mut chi2 = 0.0;
    for &(r, c) in &cols {
        let col = r + c;
        for (obs, row) in [(r, rs), (c, cs)] {
            let expected = row * col / total;
            let mut o = obs;
            if dof == 1 {
                let diff = expected - o;
                o += diff.abs().min(0.5) * diff.signum();
            }
            chi2 += (o - expected) * (o - expected) / expected;
        }
    }
    Some((
        TestResult {
            statistic: chi2,
            p_value: chi2_sf(dof as f64, chi2),
        },
        dof,
    ))
}

/// SciPy's `special.chdtrc(k, x)`: the probability that a χ²(k) variable exceeds `x`, the
/// regularised upper incomplete gamma `Q(k/2, x/2)` (its series below `x/2 < k/2 + 1`, its
/// continued fraction above).
pub fn chi2_sf(k: f64, x: f64) -> f64 {
    if x.is_nan() || x < 0.0 || k <= 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let (a, x) = (0.5 * k, 0.5 * x);
    if x < a + 1.0 {
        1.0 - gamma_p_series(a, x)
    } else {
        gamma_q_cf(a, x)
    }
}

const EPS: f64 = 1e-16;
const MAX_ITER: usize = 100_000;
const TINY: f64 = 1e-300;

fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut term = 1.0 / a;
    let mut sum = term;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * (-x + a * x.ln() - libm::lgamma(a)).exp()
}

fn gamma_q_cf(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..=MAX_ITER {
        let i = i as f64;
        let an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    (-x + a * x.ln() - libm::lgamma(a)).exp() * h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_histograms_have_no_psi_and_an_empty_bin_stays_finite() {
        assert_eq!(psi(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), Some(0.0));
        let p = psi(&[10.0, 0.0], &[5.0, 5.0]).unwrap();
        assert!(p.is_finite() && p > 1.0, "{p}");
        assert_eq!(psi(&[], &[]), None);
        assert_eq!(psi(&[0.0, 0.0], &[1.0, 1.0]), None);
    }

    #[test]
    fn the_kolmogorov_tail_is_continuous_where_the_two_series_meet() {
        let below = kolmogorov_sf(1.0 - 1e-12);
        let above = kolmogorov_sf(1.0);
        assert!((below - above).abs() < 1e-10, "{below} {above}");
        // scipy.stats.kstwobign.sf(0.5), (1.36)
        assert!((kolmogorov_sf(0.5) - 0.963_945_243_664_875_1).abs() < 1e-12);
        assert!((kolmogorov_sf(1.36) - 0.049_485_876_755_377_9).abs() < 1e-12);
    }

    #[test]
    fn one_category_has_no_freedom() {
        let (t, dof) = chi2_contingency(&[5.0, 0.0], &[3.0, 0.0]).unwrap();
        assert_eq!((t.statistic, t.p_value, dof), (0.0, 1.0, 0));
        assert!(chi2_contingency(&[0.0], &[1.0]).is_none());
    }
}
