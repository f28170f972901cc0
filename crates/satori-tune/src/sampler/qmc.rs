//! Quasi-random search: a scrambled Sobol sequence and Latin hypercube sampling (Optuna's
//! `QMCSampler` and `scipy.stats.qmc` are the references).
//!
//! Both work in the unit cube (see `cube.rs`): one coordinate per parameter of the space, in
//! the space's order, used where the parameter is active (a conditional parameter keeps its
//! coordinate whether or not it exists in a trial, so the other parameters' coordinates do not
//! move). Trial `n`'s point depends only on the seed and `n`, never on the trials told.

use satori_core::rng::{RngExt, SatoriRng, derive_seed, rng, shuffle, sub_rng};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{cube, random};
use crate::space::{Point, SearchSpace};

/// Joe and Kuo's direction numbers (`new-joe-kuo-6.21201`) for dimensions 2 to 50: the degree
/// `s` of the primitive polynomial, its inner coefficients `a`, and the initial `m_1 … m_s`.
/// Dimension 1 is van der Corput's sequence and needs none.
const JOE_KUO: &[(u32, u32, &[u32])] = &[
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (8, 38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (8, 47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (8, 49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (8, 50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (8, 52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (8, 56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (8, 67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (8, 70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (8, 84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (8, 97, &[1, 1, 1, 3, 23, 43, 57, 177]),
];

/// The most parameters the Sobol sampler takes (one dimension each).
pub const SOBOL_MAX_DIMS: usize = JOE_KUO.len() + 1;

/// The 32 direction numbers of Sobol dimension `dim` (0-based), as 32-bit binary fractions.
fn directions(dim: usize) -> [u32; 32] {
    let mut v = [0u32; 32];
    if dim == 0 {
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = 1 << (31 - j);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for j in 0..32 {
        if j < s {
            v[j] = m[j] << (31 - j);
            continue;
        }
        // Bratley and Fox's recurrence; the polynomial's inner coefficients are the bits of `a`.
        let mut x = v[j - s] ^ (v[j - s] >> s);
        for k in 1..s {
            if (a >> (s - 1 - k)) & 1 == 1 {
                x ^= v[j - k];
            }
        }
        v[j] = x;
    }
    v
}

/// Quasi-random search with a Sobol sequence (Joe–Kuo direction numbers, up to
/// [`SOBOL_MAX_DIMS`] parameters). Trial `n` is point `n` of the sequence. Scrambled by default
/// (scipy's scheme: a random linear matrix scramble and a digital shift, both from the seed), so
/// each seed gives a different sequence with the same low discrepancy; unscrambled, the
/// sequence is the same for every seed and starts at the origin. Balance is best over the first
/// `2^k` trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SobolSampler {
    /// Scramble the sequence with the seed. Default true.
    pub scramble: bool,
}

impl Default for SobolSampler {
    fn default() -> Self {
        SobolSampler { scramble: true }
    }
}

impl SobolSampler {
    /// Check the sampler against the space: one Sobol dimension per parameter.
    pub(crate) fn check_space(&self, space: &SearchSpace) -> Result<()> {
        if space.len() > SOBOL_MAX_DIMS {
            return Err(Error::param(
                "sampler",
                format!(
                    "sobol takes at most {SOBOL_MAX_DIMS} parameters, the space has {}; use lhs or random",
                    space.len()
                ),
            ));
        }
        Ok(())
    }

    /// Trial `number`'s point.
    pub(crate) fn sample(
        &self,
        space: &SearchSpace,
        seed: u64,
        number: u64,
        trial_rng: &mut SatoriRng,
    ) -> Point {
        let Ok(index) = u32::try_from(number) else {
            return random::sample(space, trial_rng);
        };
        let mut scramble_rng = rng(derive_seed(seed, 0x0053_6f62_6f6c));
        let mut proposal = vec![None; space.len()];
        for (dim, slot) in proposal.iter_mut().enumerate().take(SOBOL_MAX_DIMS) {
            let mut v = directions(dim);
            // Draw this dimension's scramble whether or not it is used, so every dimension's
            // scramble is the same whatever the space's size.
            let masks: [u32; 32] = std::array::from_fn(|_| scramble_rng.random::<u32>());
            let shift: u32 = scramble_rng.random();
            if self.scramble {
                for vj in v.iter_mut() {
                    *vj = lms(*vj, &masks);
                }
            }
            let mut x = 0u32;
            for (j, vj) in v.iter().enumerate() {
                if (index >> j) & 1 == 1 {
                    x ^= vj;
                }
            }
            let u = if self.scramble {
                ((x ^ shift) as f64 + 0.5) / 4_294_967_296.0
            } else {
                x as f64 / 4_294_967_296.0
            };
            *slot = Some(cube::from_unit(&space.params()[dim].distribution, u));
        }
        cube::complete_point(space, &proposal, trial_rng)
    }
}

/// A random lower-triangular (unit diagonal) binary matrix applied to a 32-digit binary
/// fraction: digit `i` (the most significant first) becomes itself plus the digits before it
/// that `masks[i]` selects.
fn lms(v: u32, masks: &[u32; 32]) -> u32 {
    let mut out = 0u32;
    for (i, &m) in masks.iter().enumerate() {
        let above = if i == 0 { 0 } else { !0u32 << (32 - i) };
        let row = (m & above) | (1 << (31 - i));
        out |= ((v & row).count_ones() & 1) << (31 - i);
    }
    out
}

/// Latin hypercube sampling over `n` trials: each parameter's range is cut into `n` equal
/// strata (in the unit cube, so log ranges in log space) and trials `0 … n−1` take each stratum
/// of each parameter exactly once, in a seeded random order per parameter, at a random place
/// inside it. A hypercube needs its size in advance, so trials from `n` on are random search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LhsSampler {
    /// The number of trials the hypercube spans (set it to the trial budget). Default 100; at
    /// least 1.
    pub n: usize,
}

impl Default for LhsSampler {
    fn default() -> Self {
        LhsSampler { n: 100 }
    }
}

/// The most strata a hypercube may have (each parameter's permutation is rebuilt per trial).
pub const LHS_MAX_N: usize = 1_000_000;

impl LhsSampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if !(1..=LHS_MAX_N).contains(&self.n) {
            return Err(Error::param(
                "n",
                format!(
                    "the hypercube's trial count must be between 1 and {LHS_MAX_N}, got {}",
                    self.n
                ),
            ));
        }
        Ok(())
    }

    /// Trial `number`'s point.
    pub(crate) fn sample(
        &self,
        space: &SearchSpace,
        seed: u64,
        number: u64,
        trial_rng: &mut SatoriRng,
    ) -> Point {
        let n = self.n;
        if number >= n as u64 {
            return random::sample(space, trial_rng);
        }
        let stream = derive_seed(seed, 0x004c_4853);
        let mut proposal = vec![None; space.len()];
        for (dim, slot) in proposal.iter_mut().enumerate() {
            let mut perm: Vec<u32> = (0..n as u32).collect();
            shuffle(&mut perm, &mut sub_rng(stream, dim as u64));
            let jitter: f64 = trial_rng.random();
            let u = (perm[number as usize] as f64 + jitter) / n as f64;
            *slot = Some(cube::from_unit(&space.params()[dim].distribution, u));
        }
        cube::complete_point(space, &proposal, trial_rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscrambled_sobol_matches_the_published_sequence() {
        // The first points of the 3-dimensional Sobol sequence, in natural (not Gray-code)
        // order: index i is the XOR of the direction numbers of i's set bits.
        let point = |i: u32| -> Vec<f64> {
            (0..3)
                .map(|d| {
                    let v = directions(d);
                    let x = (0..32)
                        .filter(|j| (i >> j) & 1 == 1)
                        .fold(0u32, |x, j| x ^ v[j]);
                    x as f64 / 4_294_967_296.0
                })
                .collect()
        };
        // scipy.stats.qmc.Sobol(3, scramble=False) gives them in Gray-code order: its point k
        // is index k ^ (k >> 1).
        let scipy = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
        ];
        for (k, want) in scipy.iter().enumerate() {
            let k = k as u32;
            assert_eq!(point(k ^ (k >> 1)), want.to_vec(), "point {k}");
        }
        // Every dimension's first 2^k points fall one in each of the 2^k dyadic cells.
        for d in 0..SOBOL_MAX_DIMS {
            let v = directions(d);
            let mut seen = vec![false; 256];
            for i in 0..256u32 {
                let x = (0..8)
                    .filter(|j| (i >> j) & 1 == 1)
                    .fold(0u32, |x, j| x ^ v[j]);
                seen[(x >> 24) as usize] = true;
            }
            assert!(seen.iter().all(|&s| s), "dimension {d}");
        }
    }

    #[test]
    fn the_linear_scramble_keeps_the_leading_digit_structure() {
        let masks: [u32; 32] = std::array::from_fn(|i| 0x9e37_79b9u32.rotate_left(i as u32));
        // Invertible (unit diagonal): distinct inputs stay distinct.
        let outs: std::collections::BTreeSet<u32> =
            (0..1024u32).map(|x| lms(x << 22, &masks)).collect();
        assert_eq!(outs.len(), 1024);
        assert_eq!(lms(0, &masks), 0);
        assert_eq!(lms(1 << 31, &masks) >> 31, 1);
    }
}
