//! The standard normal: CDF, quantile, the mass of an interval, truncated sampling.

use std::f64::consts::{FRAC_1_SQRT_2, SQRT_2};

/// Φ(z).
pub(crate) fn cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
}

/// Φ(b) − Φ(a) for a ≤ b, computed in the tail where it is precise.
pub(crate) fn mass(a: f64, b: f64) -> f64 {
    if a > 0.0 {
        // Both in the upper tail: use the survival function.
        0.5 * (libm::erfc(a * FRAC_1_SQRT_2) - libm::erfc(b * FRAC_1_SQRT_2))
    } else {
        cdf(b) - cdf(a)
    }
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step.
pub(crate) fn ppf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        let r = (-2.0 * q.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    };
    let x = if p < 0.02425 {
        tail(p)
    } else if p > 1.0 - 0.02425 {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // One Halley step on Φ(x) − p.
    let e = 0.5 * libm::erfc(-x / SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// A draw of the standard normal truncated to [a, b], by inversion of `u` in [0, 1).
pub(crate) fn truncated(a: f64, b: f64, u: f64) -> f64 {
    if a > 0.0 {
        // Mirror into the lower half, where Φ is precise.
        return -truncated(-b, -a, 1.0 - u);
    }
    let (pa, pb) = (cdf(a), cdf(b));
    let z = ppf(pa + u * (pb - pa));
    if z.is_finite() {
        z.clamp(a, b)
    } else {
        0.5 * (a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppf_inverts_cdf() {
        for &p in &[1e-10, 1e-4, 0.01, 0.2, 0.5, 0.7, 0.99, 1.0 - 1e-9] {
            let z = ppf(p);
            assert!((cdf(z) - p).abs() < 1e-12 * p.max(1e-3), "p={p} z={z}");
        }
        assert!((ppf(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
    }

    #[test]
    fn truncated_draws_stay_inside() {
        for &(a, b) in &[(-1.0, 1.0), (2.0, 9.0), (-9.0, -3.0), (0.0, 0.1)] {
            for i in 0..100 {
                let z = truncated(a, b, i as f64 / 100.0);
                assert!(z >= a && z <= b, "{z} outside {a}..{b}");
            }
        }
        assert!((mass(-1.0, 1.0) - 0.682_689_492_137_086).abs() < 1e-12);
    }
}
