//! The workspace's one copy of each small numeric routine, in a stated floating-point order so
//! that results agree with NumPy and scikit-learn to the last bit where they must, and are
//! reproducible everywhere else. A crate that needs a sum, a dot product, a percentile or a median
//! calls these instead of writing its own loop.
//!
//! - **Sums** ([`pairwise_sum`], [`pairwise_sum_by`], [`par_pairwise_sum_map`]): NumPy's
//!   pairwise summation (`np.sum`, `np.mean`), serial or parallel, bit-identical at any thread
//!   count.
//! - **Dot products**, one per summation order a caller can depend on: [`dot`] (left to right, as
//!   a plain loop), [`pairwise_dot`] (NumPy's `np.multiply(a, b).sum()`) and [`dot_lanes`]
//!   (`LANES` interleaved accumulators: the fast, still reproducible kernel of the solvers).
//! - **Order statistics**: NumPy's default `method="linear"` percentile and quantile, with its
//!   `_lerp` ([`lerp`]), on sorted values ([`percentile_linear_sorted`],
//!   [`quantile_linear_sorted`]), reordering a buffer in linear time
//!   ([`percentile_linear_in_place`], [`quantile_linear_in_place`]) or on a copy
//!   ([`percentile_linear`]); and `np.median` ([`median`], [`median_in_place`]).
//!
//! ```
//! use satori_core::numeric::{median, pairwise_dot, percentile_linear};
//!
//! assert_eq!(percentile_linear(&[4.0, 1.0, 3.0, 2.0], 25.0), Some(1.75));
//! assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
//! assert_eq!(pairwise_dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
//! ```

mod dot;
mod quantile;
mod sum;

pub use dot::{dot, dot_lanes, pairwise_dot};
pub use quantile::{
    lerp, median, median_in_place, percentile_linear, percentile_linear_in_place,
    percentile_linear_sorted, quantile_linear_in_place, quantile_linear_sorted,
};
pub use sum::{pairwise_sum, pairwise_sum_by, par_pairwise_sum_map};
