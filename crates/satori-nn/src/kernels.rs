//! The dense-layer kernel of prediction, the crate's only `unsafe`: one safe loop, compiled
//! twice, plainly and with AVX2 enabled (chosen at run time). Rust never fuses a multiply and an
//! add, so both builds compute the same bits; a test checks it. Each output value is summed over
//! the inputs in increasing order whatever the number of rows, so a row alone and the same row
//! in any batch give the same bits.

/// `out[r] = bias + x[r] · W` for every row (`x`: rows × n_in, `w`: n_in × n_out row-major).
/// Every output is `((b + x0 w0) + x1 w1) + …`, whatever the block its row falls in.
#[inline(always)]
fn dense_generic(x: &[f32], w: &[f32], bias: &[f32], n_in: usize, n_out: usize, out: &mut [f32]) {
    let rows = x.len() / n_in.max(1);
    for o in out.chunks_exact_mut(n_out).take(rows) {
        o.copy_from_slice(bias);
    }
    // Rows in blocks of 4 share each weight row (kept in L1 while the 4 output rows update).
    for block in (0..rows).step_by(4) {
        let end = (block + 4).min(rows);
        for k in 0..n_in {
            let wk = &w[k * n_out..(k + 1) * n_out];
            for r in block..end {
                let xv = x[r * n_in + k];
                let o = &mut out[r * n_out..(r + 1) * n_out];
                for (oj, wj) in o.iter_mut().zip(wk) {
                    *oj += xv * wj;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dense_avx2(x: &[f32], w: &[f32], bias: &[f32], n_in: usize, n_out: usize, out: &mut [f32]) {
    dense_generic(x, w, bias, n_in, n_out, out);
}

/// The safe twin: the same loop without any target feature.
pub(crate) fn dense_plain(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    dense_generic(x, w, bias, n_in, n_out, out);
}

/// `out = bias + x · W` with the fastest build this CPU runs.
pub(crate) fn dense(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of a
        // `#[target_feature(enable = "avx2")]` function; the body is safe code.
        unsafe { dense_avx2(x, w, bias, n_in, n_out, out) };
        return;
    }
    dense_plain(x, w, bias, n_in, n_out, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fast_build_equals_safe_twin(
            n_in in 1usize..40,
            n_out in 1usize..70,
            rows in 1usize..11,
            vals in proptest::collection::vec(-3.0f32..3.0, 1..200),
        ) {
            let pick = |i: usize| vals[i % vals.len()] * (1.0 + i as f32 * 1e-3);
            let x: Vec<f32> = (0..rows * n_in).map(|i| pick(i + 3)).collect();
            let w: Vec<f32> = (0..n_in * n_out).map(pick).collect();
            let b: Vec<f32> = (0..n_out).map(|i| pick(i + 11)).collect();
            let (mut fast, mut plain) = (vec![0f32; rows * n_out], vec![0f32; rows * n_out]);
            dense(&x, &w, &b, n_in, n_out, &mut fast);
            dense_plain(&x, &w, &b, n_in, n_out, &mut plain);
            prop_assert_eq!(&fast, &plain);
            // and one row alone equals its row in the batch
            let mut one = vec![0f32; n_out];
            dense(&x[..n_in], &w, &b, n_in, n_out, &mut one);
            prop_assert_eq!(&one[..], &fast[..n_out]);
        }
    }
}
