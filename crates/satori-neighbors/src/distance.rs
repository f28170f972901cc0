//! What every search shares: the metric, the result type, and the distance helpers of the
//! KD-tree and the brute force (reduced distances, the heap's bound, collecting chunks).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::heap::TopK;

/// The distance between rows (scikit-learn's `minkowski` with `p = 2` or `p = 1`, and its
/// `nan_euclidean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// √Σ(a − b)² (`p = 2`, the default).
    #[default]
    Euclidean,
    /// Σ|a − b| (`p = 1`).
    Manhattan,
    /// scikit-learn's `nan_euclidean`: over the coordinates present (not NaN) in both rows,
    /// `√(d / n_present · Σ(a − b)²)` for rows of `d` columns; NaN when the rows share no present
    /// coordinate. The one metric that accepts missing values; searched by brute force only
    /// (a KD-tree cannot bound it), and a NaN distance ranks after every other.
    NanEuclidean,
}

impl Metric {
    /// The distance between two rows of equal length.
    pub fn distance(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Metric::Euclidean => a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt(),
            Metric::Manhattan => a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
            Metric::NanEuclidean => nan_euclidean(a, b),
        }
    }

    /// Its name in parameter files (`euclidean`, `manhattan`, `nan_euclidean`).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::Manhattan => "manhattan",
            Metric::NanEuclidean => "nan_euclidean",
        }
    }
}

/// [`Metric::NanEuclidean`]. scikit-learn evaluates the same quantity in the expanded form
/// `‖a‖² − 2 a·b + ‖b‖²` (masked) through BLAS, which loses about `ε (‖a‖² + ‖b‖²) / dist²`
/// relative accuracy for close rows; the direct sum here does not.
#[inline]
fn nan_euclidean(a: &[f64], b: &[f64]) -> f64 {
    let mut sq = 0.0;
    let mut present = 0usize;
    for (&u, &v) in a.iter().zip(b) {
        if !u.is_nan() && !v.is_nan() {
            let t = u - v;
            sq += t * t;
            present += 1;
        }
    }
    if present == 0 {
        return f64::NAN;
    }
    (sq / present as f64 * a.len() as f64).sqrt()
}

/// The `k` nearest of the `candidates` (row indices into `distances`, which holds one distance
/// per row, e.g. from [`crate::KnnIndex::distances_to`]): `(distance, row)` pairs, nearest first,
/// equal distances by row index and NaN distances last — the order of every search of this
/// crate. Fewer than `k` when there are fewer candidates. For callers whose candidates change
/// from one question to the next (the KNN imputer asks, per missing column, among the rows that
/// have the column), so one distance pass serves every question about a query.
pub fn nearest_among(
    distances: &[f64],
    k: usize,
    candidates: impl IntoIterator<Item = usize>,
) -> Vec<(f64, usize)> {
    let mut out = Vec::with_capacity(k);
    if k == 0 {
        return out;
    }
    let mut heap = TopK::new(k);
    for r in candidates {
        heap.push(distances[r], r);
    }
    heap.drain_sorted_into(&mut out);
    out
}

/// The `k` nearest training rows of each query, nearest first (ties by row index).
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    /// Row indices into the index's training rows (queries × k).
    pub indices: Array2<usize>,
    /// Their distances (queries × k).
    pub distances: Array2<f64>,
}

/// The per-query results of the parallel chunks, in query order, as a [`Neighbors`].
pub(crate) fn collect(chunks: Vec<Vec<(f64, usize)>>, nq: usize, k: usize) -> Neighbors {
    let mut indices = Array2::<usize>::zeros((nq, k));
    let mut distances = Array2::<f64>::zeros((nq, k));
    for (n, &(d, i)) in chunks.iter().flatten().enumerate() {
        indices[[n / k, n % k]] = i;
        distances[[n / k, n % k]] = d;
    }
    Neighbors { indices, distances }
}

/// A reduced distance above which a row cannot enter the heap: its distance would be greater
/// than the worst kept. The heap holds final distances (square roots for Euclidean), since ties
/// are between final distances (two different sums of squares can have the same square root);
/// `w²(1 + 8ε)` is far enough above `w²` that any larger sum's correctly rounded square root
/// exceeds `w`.
#[inline]
pub(crate) fn reduced_bound<const EUC: bool>(heap: &TopK) -> f64 {
    let w = heap.bound();
    if EUC {
        w * w * (1.0 + 8.0 * f64::EPSILON)
    } else {
        w
    }
}

/// The distance of a reduced distance.
#[inline]
pub(crate) fn finish<const EUC: bool>(rd: f64) -> f64 {
    if EUC { rd.sqrt() } else { rd }
}

/// The reduced distance: Σ(a − b)² (Euclidean, whose square root is the distance) or Σ|a − b|,
/// summed left to right as [`Metric::distance`] does.
#[inline]
pub(crate) fn rdist<const EUC: bool>(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += if EUC { t * t } else { t.abs() };
    }
    s
}
