//! NumPy's default (`method="linear"`) quantiles and percentiles, and `np.median`, ported from
//! `numpy/lib/_function_base_impl.py` (`_quantile`, `_get_indexes`, `_get_gamma`, `_lerp`) so that
//! they give NumPy's bits, not just its values:
//!
//! - the virtual index of quantile `p` among `n` sorted values is `(n − 1)·p`; a percentile `q` is
//!   the quantile `q / 100` (NumPy divides first, so `np.percentile(v, 100·p)` and
//!   `np.quantile(v, p)` can differ in the last bit, and so do [`percentile_linear_sorted`] and
//!   [`quantile_linear_sorted`]);
//! - below the last index, the neighbours are the order statistics `⌊index⌋` and `⌊index⌋ + 1`
//!   and `γ` is the fraction; at or past it, both are the largest value and `γ = index + 1`
//!   (NumPy's index `−1` subtracted from the virtual index);
//! - the two are interpolated by [`lerp`], NumPy's `_lerp`: `a + (b − a)·γ` for `γ < 0.5`,
//!   `b − (b − a)·(1 − γ)` from `0.5` on. This is not the same as `a + (b − a)·γ` throughout:
//!   the two differ in the last bit for about one interpolation in five.
//!
//! So, as in NumPy, an infinite neighbour gives NaN (`∞ − ∞`), and a value is returned as it is
//! stored up to the sign of zero. Inputs must be NaN-free (the callers drop or reject NaN first);
//! order statistics use `f64::total_cmp`, so the sorted and in-place variants agree bit for bit.

/// NumPy's `_lerp(a, b, t)`: `a + (b − a)·t` when `t < 0.5`, else `b − (b − a)·(1 − t)`, which
/// is exact at both ends and monotone in `t`.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The neighbours `(previous, next)` and the fraction `γ` NumPy's linear method uses for the
/// quantile `p` of `n ≥ 1` values.
fn linear_position(n: usize, p: f64) -> (usize, usize, f64) {
    let last = (n - 1) as f64;
    let virtual_index = last * p;
    if virtual_index >= last {
        // NumPy's indexes become -1 (the largest value) and γ = virtual_index - (-1).
        (n - 1, n - 1, virtual_index + 1.0)
    } else {
        let previous = virtual_index.floor();
        let i = previous as usize;
        (i, i + 1, virtual_index - previous)
    }
}

/// `p` in `[0, 1]` (NaN is not), as NumPy requires.
fn valid_fraction(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

/// `np.quantile(sorted, p)` (`method="linear"`) of ascending, NaN-free values. `None` for no
/// values or `p` outside `[0, 1]`.
pub fn quantile_linear_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !valid_fraction(p) {
        return None;
    }
    let (previous, next, gamma) = linear_position(sorted.len(), p);
    Some(lerp(sorted[previous], sorted[next], gamma))
}

/// `np.percentile(sorted, q)` (`method="linear"`, `q` in percent) of ascending, NaN-free values:
/// [`quantile_linear_sorted`] at `q / 100`. `None` for no values or `q` outside `[0, 100]`.
pub fn percentile_linear_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    quantile_linear_sorted(sorted, q / 100.0)
}

/// [`quantile_linear_sorted`] of NaN-free values in any order, found by selection in linear time
/// (NumPy's `partition`); `values` is reordered.
pub fn quantile_linear_in_place(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() || !valid_fraction(p) {
        return None;
    }
    let (previous, next, gamma) = linear_position(values.len(), p);
    let (a, b) = if previous == next {
        let v = order_stat(values, previous);
        (v, v)
    } else {
        order_pair(values, previous)
    };
    Some(lerp(a, b, gamma))
}

/// [`percentile_linear_sorted`] of NaN-free values in any order, found by selection in linear
/// time; `values` is reordered.
pub fn percentile_linear_in_place(values: &mut [f64], q: f64) -> Option<f64> {
    quantile_linear_in_place(values, q / 100.0)
}

/// `np.percentile(values, q)` (`method="linear"`, `q` in percent) of NaN-free values in any
/// order, leaving them as they are. `None` for no values or `q` outside `[0, 100]`.
pub fn percentile_linear(values: &[f64], q: f64) -> Option<f64> {
    percentile_linear_in_place(&mut values.to_vec(), q)
}

/// `np.median` of NaN-free values (reordered in place): the middle value, or `(a + b) / 2` of
/// the two middle values. `None` for no values.
pub fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        None
    } else if n % 2 == 1 {
        Some(order_stat(values, n / 2))
    } else {
        let (a, b) = order_pair(values, n / 2 - 1);
        Some((a + b) / 2.0)
    }
}

/// `np.median` of NaN-free values, leaving them as they are. `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    median_in_place(&mut values.to_vec())
}

/// The order statistic `k < v.len()` (0-based); `v` is reordered.
fn order_stat(v: &mut [f64], k: usize) -> f64 {
    *v.select_nth_unstable_by(k, f64::total_cmp).1
}

/// The order statistics `k` and `k + 1` (`k + 1 < v.len()`); `v` is reordered.
fn order_pair(v: &mut [f64], k: usize) -> (f64, f64) {
    let (_, kth, right) = v.select_nth_unstable_by(k, f64::total_cmp);
    let kth = *kth;
    let next = right.iter().copied().min_by(f64::total_cmp).unwrap_or(kth);
    (kth, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant at once: sorted, in place (from a shuffled copy) and on a copy.
    fn all_percentiles(values: &[f64], q: f64) -> Option<f64> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let s = percentile_linear_sorted(&sorted, q);
        let mut shuffled: Vec<f64> = values.iter().rev().copied().collect();
        let i = percentile_linear_in_place(&mut shuffled, q);
        let c = percentile_linear(values, q);
        assert_eq!(s.map(f64::to_bits), i.map(f64::to_bits), "q = {q}");
        assert_eq!(s.map(f64::to_bits), c.map(f64::to_bits), "q = {q}");
        s
    }

    #[test]
    fn hand_computed() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(all_percentiles(&v, 0.0), Some(1.0));
        // Index 3 · 0.25 = 0.75 ≥ 0.5: 2 − (2 − 1) · 0.25.
        assert_eq!(all_percentiles(&v, 25.0), Some(1.75));
        assert_eq!(all_percentiles(&v, 50.0), Some(2.5));
        assert_eq!(all_percentiles(&v, 100.0), Some(4.0));
        assert_eq!(all_percentiles(&[5.0], 10.0), Some(5.0));
        assert_eq!(all_percentiles(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
        assert_eq!(all_percentiles(&[], 50.0), None);
        assert_eq!(all_percentiles(&v, 100.5), None);
        assert_eq!(all_percentiles(&v, -1.0), None);
        assert_eq!(all_percentiles(&v, f64::NAN), None);
        assert_eq!(quantile_linear_sorted(&v, 1.5), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    /// Values printed by NumPy 2.4 (`repr(float(np.percentile(v, q)))` and so on).
    #[test]
    fn numpy_bits() {
        let v = [0.3, -1.7, 2.9, 0.3, 5.5, -0.01, 8.25];
        for (q, expected) in [
            (0.0, -1.7),
            (1.0, -1.5986),
            (12.5, -0.4325),
            (33.3, 0.2993799999999999),
            (50.0, 0.3),
            (66.7, 2.9052000000000016),
            (87.5, 6.1875),
            (99.0, 8.084999999999999),
            (100.0, 8.25),
        ] {
            assert_eq!(all_percentiles(&v, q), Some(expected), "q = {q}");
        }
        assert_eq!(median(&v), Some(0.3));
        assert_eq!(
            median(&[0.126, -0.536, 0.105, -0.132]),
            Some(-0.013500000000000005)
        );

        let w = [-0.536, -0.132, 0.105, 0.126, 0.64];
        for (p, expected) in [
            (0.1, -0.3744),
            (0.4, 0.010200000000000028),
            (0.6, 0.1134),
            (0.75, 0.126),
            (0.9, 0.43440000000000006),
        ] {
            assert_eq!(quantile_linear_sorted(&w, p), Some(expected), "p = {p}");
            let mut shuffled = [w[3], w[0], w[4], w[2], w[1]];
            assert_eq!(
                quantile_linear_in_place(&mut shuffled, p),
                Some(expected),
                "p = {p}"
            );
        }
    }

    #[test]
    fn lerp_is_not_the_one_sided_formula() {
        // np.quantile(w, 0.4): index 1.6 between -0.132 and 0.105. NumPy interpolates from the
        // upper neighbour (γ ≥ 0.5); `a + (b − a)·γ` lands one rounding away.
        let w = [-0.536, -0.132, 0.105, 0.126, 0.64];
        let (a, b, g) = (w[1], w[2], 4.0f64 * 0.4 - 1.0);
        assert_eq!(a + (b - a) * g, 0.010200000000000015);
        assert_eq!(quantile_linear_sorted(&w, 0.4), Some(0.010200000000000028));
        assert_eq!(lerp(a, b, 0.0), a);
        assert_eq!(lerp(a, b, 1.0), b);
    }

    #[test]
    fn percent_is_divided_first() {
        // 0.35000000000000003 · 100 = 35.0, but 35.0 / 100 = 0.35: NumPy's two calls differ.
        let w = [-0.536, -0.132, 0.105, 0.126, 0.64];
        let p = 0.35000000000000003;
        assert_eq!(p * 100.0, 35.0);
        assert_eq!(quantile_linear_sorted(&w, p), Some(-0.03719999999999998));
        assert_eq!(
            percentile_linear_sorted(&w, 35.0),
            Some(-0.03720000000000004)
        );
    }

    #[test]
    fn numpy_edge_cases() {
        // np.percentile([1, inf], q) is NaN for every q: (inf − 1)·0 and inf − inf.
        for q in [0.0, 50.0, 100.0] {
            assert!(all_percentiles(&[1.0, f64::INFINITY], q).unwrap().is_nan());
        }
        // Signed zeros as NumPy returns them: the top index adds −0.0·(1 − γ) with γ > 1.
        let bits = |v: Option<f64>| v.map(f64::to_bits);
        assert_eq!(bits(all_percentiles(&[-0.0, -0.0], 100.0)), bits(Some(0.0)));
        assert_eq!(bits(all_percentiles(&[-0.0], 50.0)), bits(Some(-0.0)));
        assert_eq!(bits(all_percentiles(&[-0.0, 1.0], 0.0)), bits(Some(0.0)));
    }
}
