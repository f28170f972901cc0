//! IEEE half floats (f16) as bits: the conversions the f16 networks store and compute with.

/// Largest finite f16.
const F16_MAX: f32 = 65504.0;

/// f32 → f16 bits, rounding to nearest (ties to even); magnitudes below f16's smallest normal
/// number (2⁻¹⁴) become zero, magnitudes above 65504 are clamped. `v` must be finite.
pub(crate) fn f32_to_f16(v: f32) -> u16 {
    let v = v.clamp(-F16_MAX, F16_MAX);
    let x = v.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let a = x & 0x7fff_ffff;
    if a < 0x3880_0000 {
        // below 2^-14: rounds to a subnormal or zero; flushed (keeps the kernel off denormals),
        // except what rounds up to the smallest normal.
        return if a >= 0x387f_f000 {
            sign | 0x0400
        } else {
            sign
        };
    }
    let mut h = (a >> 13) - ((127 - 15) << 10);
    let rem = a & 0x1fff;
    if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) {
        h += 1;
    }
    sign | h as u16
}

/// f16 bits → f32 (exact for zero and normal numbers, the only ones [`f32_to_f16`] writes):
/// shift the exponent and mantissa into place and rebias with one multiply, so the loop
/// vectorises.
#[inline(always)]
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let mag = f32::from_bits(((h & 0x7fff) as u32) << 13) * f32::from_bits(0x7780_0000); // 2^112
    f32::from_bits(mag.to_bits() | (((h & 0x8000) as u32) << 16))
}
