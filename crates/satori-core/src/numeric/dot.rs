//! Dot products, one per summation order. Floating-point addition is not associative, so the
//! order is part of the result: a caller picks the order its reference (NumPy, a published
//! algorithm, its own earlier results) uses and gets the same bits on every run and thread count.
//!
//! Each takes the first `min(a.len(), b.len())` terms; callers pass slices of equal length.

use super::sum::pairwise_sum_by;

/// `Σ a[i]·b[i]` added left to right, as a plain loop (or `Iterator::sum`) adds: the order of
/// the textbook algorithms (L-BFGS's two-loop recursion, conjugate gradients, Gram–Schmidt).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `Σ a[i]·b[i]` in NumPy's pairwise order, i.e. `np.multiply(a, b).sum()` (not `np.dot`, whose
/// order is the BLAS library's), without materialising the products.
pub fn pairwise_dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    pairwise_sum_by(0, n, &|i| a[i] * b[i])
}

/// `Σ a[i]·b[i]` with `LANES` interleaved accumulators (a power of two): term `i` of each whole
/// group of `LANES` goes to accumulator `i % LANES`; the accumulators are then added as a
/// balanced tree (`(a₀ + a₁) + (a₂ + a₃)` for four lanes), and the leftover terms, summed left to
/// right on their own, last. The loop vectorises, and the order depends only on the length, so
/// the result is reproducible. `dot_lanes::<8>` is the solvers' kernel over long columns,
/// `dot_lanes::<4>` the one over short rows.
pub fn dot_lanes<const LANES: usize>(a: &[f64], b: &[f64]) -> f64 {
    const { assert!(LANES.is_power_of_two(), "LANES must be a power of two") };
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    // Balanced tree over the lanes: neighbours first, in place.
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] = acc[2 * k] + acc[2 * k + 1];
        }
    }
    acc[0] + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight-accumulator kernel satori-linear used before it moved here, verbatim.
    fn eight_lanes_before(a: &[f64], b: &[f64]) -> f64 {
        let mut acc = [0.0f64; 8];
        let ca = a.chunks_exact(8);
        let cb = b.chunks_exact(8);
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for k in 0..8 {
                acc[k] += x[k] * y[k];
            }
        }
        let mut tail = 0.0;
        for (x, y) in ra.iter().zip(rb) {
            tail += x * y;
        }
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
    }

    /// The four-accumulator row kernel of logistic regression before it moved here, verbatim.
    fn four_lanes_before(r: &[f64], coef: &[f64]) -> f64 {
        let mut acc = [0.0f64; 4];
        let chunks = r.len() / 4;
        for c in 0..chunks {
            for (l, a) in acc.iter_mut().enumerate() {
                *a += r[4 * c + l] * coef[4 * c + l];
            }
        }
        let mut tail = 0.0;
        for j in 4 * chunks..r.len() {
            tail += r[j] * coef[j];
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
    }

    /// Values spread over many magnitudes, so that any change of order shows in the bits.
    fn values(n: usize, seed: u64) -> Vec<f64> {
        (0..n as u64)
            .map(|i| {
                let h = (i + 1).wrapping_mul(6364136223846793005).wrapping_add(seed) >> 11;
                let u = h as f64 / (1u64 << 53) as f64 - 0.5;
                u * 10f64.powi((h % 13) as i32 - 6)
            })
            .collect()
    }

    #[test]
    fn lanes_keep_the_order_of_the_kernels_they_replace() {
        for n in [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 1000, 4099] {
            let (a, b) = (values(n, 1), values(n, 2));
            assert_eq!(
                dot_lanes::<8>(&a, &b).to_bits(),
                eight_lanes_before(&a, &b).to_bits(),
                "n = {n}"
            );
            assert_eq!(
                dot_lanes::<4>(&a, &b).to_bits(),
                four_lanes_before(&a, &b).to_bits(),
                "n = {n}"
            );
        }
        // A longer second operand (a row against coefficients with an intercept after them).
        let (r, coef) = (values(6, 3), values(7, 4));
        assert_eq!(dot_lanes::<4>(&r, &coef), four_lanes_before(&r, &coef));
    }

    #[test]
    fn orders_are_what_they_say() {
        // 1e16 and eight ones: left to right each 1 is rounded away; in lanes (and in NumPy's
        // blocks) the ones meet each other before they meet 1e16.
        let mut a = vec![1.0; 9];
        a[0] = 1e16;
        let ones = vec![1.0; 10];
        assert_eq!(dot(&a, &ones), 1e16);
        assert_eq!(dot_lanes::<8>(&a, &ones), 1e16 + 8.0);
        assert_eq!(pairwise_dot(&a, &ones), 1e16 + 8.0);
        // Two leftover ones after a block of eight: lanes add them to each other first, NumPy
        // adds each to the block's sum.
        let mut b = vec![0.0; 10];
        b[0] = 1e16;
        b[8] = 1.0;
        b[9] = 1.0;
        assert_eq!(dot(&b, &ones), 1e16);
        assert_eq!(dot_lanes::<8>(&b, &ones), 1e16 + 2.0);
        assert_eq!(pairwise_dot(&b, &ones), 1e16);
        assert_eq!(dot(&[], &[]), 0.0);
        assert_eq!(pairwise_dot(&[1.0, 2.0, 3.0], &[4.0, 5.0]), 14.0);
        assert_eq!(dot_lanes::<1>(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
    }

    #[test]
    fn pairwise_dot_is_the_pairwise_sum_of_the_products() {
        for n in [5, 128, 129, 1000] {
            let (a, b) = (values(n, 5), values(n, 6));
            let products: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
            assert_eq!(
                pairwise_dot(&a, &b).to_bits(),
                super::super::pairwise_sum(&products).to_bits()
            );
        }
    }
}
