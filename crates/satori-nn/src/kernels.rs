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

/// `out[r] = bias + xs[r] · scale ⊙ (xq[r] · Qᵀ)` for int8 rows `xq` (rows × n_in, row scales
/// `xs`) and int8 weights `q` (n_out × n_in, per-output scales `scale`): each dot product is an
/// exact `i32` sum (at most 127 · 127 · n_in, far inside `i32` for any layer width satori
/// allows), so the order of the sum never matters and every build gives the same bits.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dense_i8_generic(
    xq: &[i8],
    xs: &[f32],
    q: &[i8],
    scale: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    let rows = xq.len() / n_in.max(1);
    // Rows in blocks of 4 share each weight row (kept in L1 while the 4 dot products run).
    for block in (0..rows).step_by(4) {
        let end = (block + 4).min(rows);
        for j in 0..n_out {
            let wj = &q[j * n_in..(j + 1) * n_in];
            for r in block..end {
                let xr = &xq[r * n_in..(r + 1) * n_in];
                let acc: i32 = xr
                    .iter()
                    .zip(wj)
                    .map(|(&a, &b)| i32::from(i16::from(a) * i16::from(b)))
                    .sum();
                out[r * n_out + j] = bias[j] + (xs[r] * scale[j]) * acc as f32;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn dense_i8_avx2(
    xq: &[i8],
    xs: &[f32],
    q: &[i8],
    scale: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    dense_i8_generic(xq, xs, q, scale, bias, n_in, n_out, out);
}

/// The safe twin of the int8 kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dense_i8_plain(
    xq: &[i8],
    xs: &[f32],
    q: &[i8],
    scale: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    dense_i8_generic(xq, xs, q, scale, bias, n_in, n_out, out);
}

/// The int8 dense layer with the fastest build this CPU runs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dense_i8(
    xq: &[i8],
    xs: &[f32],
    q: &[i8],
    scale: &[f32],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of a
        // `#[target_feature(enable = "avx2")]` function; the body is safe code.
        unsafe { dense_i8_avx2(xq, xs, q, scale, bias, n_in, n_out, out) };
        return;
    }
    dense_i8_plain(xq, xs, q, scale, bias, n_in, n_out, out);
}

/// `out = bias + x · W` with `W` as f16 bits (n_in × n_out), widened as used; the same order of
/// operations as [`dense_generic`].
#[inline(always)]
fn dense_f16_generic(
    x: &[f32],
    w: &[u16],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    let rows = x.len() / n_in.max(1);
    for o in out.chunks_exact_mut(n_out).take(rows) {
        o.copy_from_slice(bias);
    }
    for block in (0..rows).step_by(4) {
        let end = (block + 4).min(rows);
        for k in 0..n_in {
            let wk = &w[k * n_out..(k + 1) * n_out];
            for r in block..end {
                let xv = x[r * n_in + k];
                let o = &mut out[r * n_out..(r + 1) * n_out];
                for (oj, &wj) in o.iter_mut().zip(wk) {
                    *oj += xv * crate::f16::f16_to_f32(wj);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dense_f16_avx2(x: &[f32], w: &[u16], bias: &[f32], n_in: usize, n_out: usize, out: &mut [f32]) {
    dense_f16_generic(x, w, bias, n_in, n_out, out);
}

/// The safe twin of the f16 kernel.
pub(crate) fn dense_f16_plain(
    x: &[f32],
    w: &[u16],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    dense_f16_generic(x, w, bias, n_in, n_out, out);
}

/// The f16 dense layer with the fastest build this CPU runs.
pub(crate) fn dense_f16(
    x: &[f32],
    w: &[u16],
    bias: &[f32],
    n_in: usize,
    n_out: usize,
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of a
        // `#[target_feature(enable = "avx2")]` function; the body is safe code.
        unsafe { dense_f16_avx2(x, w, bias, n_in, n_out, out) };
        return;
    }
    dense_f16_plain(x, w, bias, n_in, n_out, out);
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

        #[test]
        fn fast_int8_and_f16_builds_equal_safe_twins(
            n_in in 1usize..40,
            n_out in 1usize..70,
            rows in 1usize..11,
            vals in proptest::collection::vec(-3.0f32..3.0, 1..200),
        ) {
            let pick = |i: usize| vals[i % vals.len()] * (1.0 + i as f32 * 1e-3);
            let xq: Vec<i8> = (0..rows * n_in).map(|i| (pick(i + 3) * 40.0) as i8).collect();
            let xs: Vec<f32> = (0..rows).map(|i| 0.01 + pick(i).abs()).collect();
            let q: Vec<i8> = (0..n_in * n_out).map(|i| (pick(i) * 42.0) as i8).collect();
            let sc: Vec<f32> = (0..n_out).map(|i| 0.02 + pick(i + 5).abs()).collect();
            let b: Vec<f32> = (0..n_out).map(|i| pick(i + 11)).collect();
            let (mut fast, mut plain) = (vec![0f32; rows * n_out], vec![0f32; rows * n_out]);
            dense_i8(&xq, &xs, &q, &sc, &b, n_in, n_out, &mut fast);
            dense_i8_plain(&xq, &xs, &q, &sc, &b, n_in, n_out, &mut plain);
            prop_assert_eq!(&fast, &plain);
            let x: Vec<f32> = (0..rows * n_in).map(|i| pick(i + 3)).collect();
            let w: Vec<u16> = (0..n_in * n_out).map(|i| crate::f16::f32_to_f16(pick(i))).collect();
            dense_f16(&x, &w, &b, n_in, n_out, &mut fast);
            dense_f16_plain(&x, &w, &b, n_in, n_out, &mut plain);
            prop_assert_eq!(&fast, &plain);
            // the f16 kernel computes what the f32 one computes on the widened weights
            let wf: Vec<f32> = w.iter().map(|&h| crate::f16::f16_to_f32(h)).collect();
            dense(&x, &wf, &b, n_in, n_out, &mut plain);
            prop_assert_eq!(&fast, &plain);
        }
    }
}
