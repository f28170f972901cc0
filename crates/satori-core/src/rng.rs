//! Seeded randomness. Every stochastic estimator has a `seed: u64`; per-tree, per-fold and
//! per-thread streams derive from it with [`derive_seed`], so the same seed gives the same result
//! at any thread count. Nothing in model code may use ambient randomness (clippy enforces it).

pub use rand::{Rng, RngExt, SeedableRng};

/// The generator used throughout satori: ChaCha8, portable and reproducible across platforms.
pub type SatoriRng = rand_chacha::ChaCha8Rng;

/// A generator from a seed.
pub fn rng(seed: u64) -> SatoriRng {
    SatoriRng::seed_from_u64(seed)
}

/// A seed for sub-stream `stream` of `seed` (SplitMix64 mixing of both), for per-tree, per-fold or
/// per-chunk generators that must not depend on scheduling.
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        ^ stream
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for sub-stream `stream` of `seed`.
pub fn sub_rng(seed: u64, stream: u64) -> SatoriRng {
    rng(derive_seed(seed, stream))
}

/// Shuffle in place (Fisher-Yates) with the given generator.
pub fn shuffle<T>(items: &mut [T], rng: &mut impl Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// A standard normal draw (Box-Muller; one of the pair is discarded for simplicity of state).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    loop {
        let u1: f64 = rng.random();
        if u1 > f64::MIN_POSITIVE {
            let u2: f64 = rng.random();
            return (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(rng(7), |r, _: i32| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(rng(7), |r, _: i32| Some(r.random()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn derived_seeds_differ() {
        assert_ne!(derive_seed(0, 0), derive_seed(0, 1));
        assert_ne!(derive_seed(0, 1), derive_seed(1, 0));
    }

    #[test]
    fn shuffle_is_permutation() {
        let mut v: Vec<usize> = (0..100).collect();
        shuffle(&mut v, &mut rng(1));
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
        assert_ne!(v, s);
    }

    #[test]
    fn normal_moments() {
        let mut r = rng(3);
        let xs: Vec<f64> = (0..20000).map(|_| standard_normal(&mut r)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(m.abs() < 0.03 && (v - 1.0).abs() < 0.05, "{m} {v}");
    }
}
