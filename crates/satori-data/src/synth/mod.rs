//! Seeded synthetic datasets in the manner of scikit-learn's `make_classification` and
//! `make_regression` (same construction; not the same numbers, since the generator differs).
//!
//! Rows are generated in parallel over fixed chunks of [`CHUNK_ROWS`] rows, each chunk from its
//! own stream derived from the seed ([`satori_core::rng::derive_seed`]), so the data are the same
//! bit for bit at any thread count. Features are named `f0`, `f1`, …; the target is `target`
//! (class labels `"0"`, `"1"`, … for classification).
//!
//! ```
//! use satori_data::synth::{ClassificationParams, RegressionParams};
//!
//! let data = ClassificationParams { n_samples: 200, n_features: 6, seed: 3, ..Default::default() }
//!     .generate()
//!     .unwrap();
//! assert_eq!((data.n_samples(), data.n_features()), (200, 6));
//! assert_eq!(data.feature_names()[0], "f0");
//!
//! let (reg, coef) = RegressionParams { n_samples: 50, n_features: 4, n_informative: 2, ..Default::default() }
//!     .generate_with_coef()
//!     .unwrap();
//! assert_eq!(coef.iter().filter(|c| **c != 0.0).count(), 2);
//! assert_eq!(reg.target_name(), Some("target"));
//! ```

mod classification;
mod regression;

pub use classification::ClassificationParams;
pub use regression::RegressionParams;

use rayon::prelude::*;
use satori_core::rng::{RngExt, SatoriRng, sub_rng};
use satori_core::{Error, Result};

/// Rows per generation chunk; each chunk draws from its own derived stream. Fixed, so that the
/// output does not depend on the number of threads.
pub const CHUNK_ROWS: usize = 4096;

/// The most cells (rows × features) a generator produces, to turn absurd sizes into an error
/// rather than an allocation failure.
pub const MAX_CELLS: usize = 1 << 32;

/// Standard normal draws by the Box-Muller transform, using both values of each pair.
pub(crate) struct Normals {
    spare: Option<f64>,
}

impl Normals {
    pub(crate) fn new() -> Self {
        Normals { spare: None }
    }

    pub(crate) fn next(&mut self, g: &mut SatoriRng) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        loop {
            let u1: f64 = g.random();
            if u1 > f64::MIN_POSITIVE {
                let u2: f64 = g.random();
                let r = (-2.0 * u1.ln()).sqrt();
                let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
                self.spare = Some(r * s);
                return r * c;
            }
        }
    }
}

/// The feature names `f0..f{n-1}`.
pub(crate) fn feature_names(n: usize) -> Vec<String> {
    (0..n).map(|j| format!("f{j}")).collect()
}

/// Check `n_samples >= 1`, `n_features >= 1` and the cell limit.
pub(crate) fn check_size(n_samples: usize, n_features: usize) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::param("n_samples", "must be at least 1, got 0"));
    }
    if n_features == 0 {
        return Err(Error::param("n_features", "must be at least 1, got 0"));
    }
    match n_samples.checked_mul(n_features) {
        Some(cells) if cells <= MAX_CELLS => Ok(()),
        _ => Err(Error::param(
            "n_samples",
            format!(
                "{n_samples} rows × {n_features} features exceeds the limit of {MAX_CELLS} cells"
            ),
        )),
    }
}

/// Fill a row-major `n_rows × n_cols` buffer and one extra value per row, chunk by chunk in
/// parallel: `row(chunk_rng, normals, global_row, out_row, scratch) -> extra`, where `scratch`
/// is a per-chunk buffer of `scratch_len` values the row may use freely.
pub(crate) fn fill_rows<T, F>(
    seed: u64,
    n_rows: usize,
    n_cols: usize,
    scratch_len: usize,
    row: F,
) -> (Vec<f64>, Vec<T>)
where
    T: Copy + Default + Send,
    F: Fn(&mut SatoriRng, &mut Normals, usize, &mut [f64], &mut [f64]) -> T + Sync,
{
    let mut x = vec![0.0; n_rows * n_cols];
    let mut extra = vec![T::default(); n_rows];
    x.par_chunks_mut(CHUNK_ROWS * n_cols)
        .zip(extra.par_chunks_mut(CHUNK_ROWS))
        .enumerate()
        .for_each(|(chunk, (xs, ys))| {
            let mut g = sub_rng(seed, chunk as u64 + 1);
            let mut normals = Normals::new();
            let mut scratch = vec![0.0; scratch_len];
            for (r, (out, y)) in xs.chunks_mut(n_cols).zip(ys.iter_mut()).enumerate() {
                *y = row(
                    &mut g,
                    &mut normals,
                    chunk * CHUNK_ROWS + r,
                    out,
                    &mut scratch,
                );
            }
        });
    (x, extra)
}
