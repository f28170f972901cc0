//! Sums in NumPy's floating-point order.
//!
//! [`pairwise_sum`] is NumPy's `DOUBLE_pairwise_sum` (what `np.sum`/`np.mean` do along a
//! contiguous axis): blocks of at most 128 values summed with eight interleaved accumulators,
//! larger ranges split in halves rounded down to a multiple of eight. [`par_pairwise_sum_map`]
//! runs the top levels of the same recursion on rayon; because the split points are the
//! sequential ones, the result is identical at any thread count.

/// NumPy's block size for pairwise summation.
const BLOCK: usize = 128;
/// Below this many terms a parallel pairwise sum runs on one thread.
const PARALLEL_MIN: usize = 1 << 17;

/// `np.sum` of a slice.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise_sum_by(0, values.len(), &|i| values[i])
}

/// NumPy's pairwise sum of `value(i)` for `i` in `start..start + n`, without materialising the
/// terms (e.g. `np.multiply(a, b).sum()` as `pairwise_sum_by(0, n, &|i| a[i] * b[i])`).
pub fn pairwise_sum_by(start: usize, n: usize, value: &impl Fn(usize) -> f64) -> f64 {
    if n < 8 {
        let mut res = 0.0;
        for i in start..start + n {
            res += value(i);
        }
        res
    } else if n <= BLOCK {
        block_sum(start, n, value)
    } else {
        let n2 = half(n);
        pairwise_sum_by(start, n2, value) + pairwise_sum_by(start + n2, n - n2, value)
    }
}

/// [`pairwise_sum_by`] over `0..n` with the top levels of the recursion on rayon; bit-identical
/// to the sequential sum at any thread count.
pub fn par_pairwise_sum_map<F>(n: usize, value: &F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    par_range(0, n, value)
}

fn par_range<F>(start: usize, n: usize, value: &F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    if n < PARALLEL_MIN {
        return pairwise_sum_by(start, n, value);
    }
    let n2 = half(n);
    let (a, b) = rayon::join(
        || par_range(start, n2, value),
        || par_range(start + n2, n - n2, value),
    );
    a + b
}

fn half(n: usize) -> usize {
    let n2 = n / 2;
    n2 - n2 % 8
}

fn block_sum(start: usize, n: usize, value: &impl Fn(usize) -> f64) -> f64 {
    let mut r = [0.0f64; 8];
    for (j, acc) in r.iter_mut().enumerate() {
        *acc = value(start + j);
    }
    let whole = n - n % 8;
    let mut i = 8;
    while i < whole {
        for (j, acc) in r.iter_mut().enumerate() {
            *acc += value(start + i + j);
        }
        i += 8;
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for k in whole..n {
        res += value(start + k);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sums_are_left_to_right() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn blocks_use_eight_accumulators() {
        // 1e16 + 1 + ... : left-to-right loses every 1.0; eight accumulators keep some.
        let mut v = vec![1.0; 16];
        v[0] = 1e16;
        let sequential = v.iter().fold(0.0, |a, b| a + b);
        assert_eq!(sequential, 1e16);
        // Accumulator 0 holds 1e16 + 1 (= 1e16), the others hold 2.0 each: 1e16 + 14.
        assert_eq!(pairwise_sum(&v), 1e16 + 14.0);
    }

    #[test]
    fn parallel_matches_sequential_bit_for_bit() {
        let v: Vec<f64> = (0..300_001u64)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.1 + 1e-7)
            .collect();
        let seq = pairwise_sum(&v);
        let par = par_pairwise_sum_map(v.len(), &|i| v[i]);
        assert_eq!(seq.to_bits(), par.to_bits());
    }
}
