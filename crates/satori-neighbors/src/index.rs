//! The index: the training rows, the metric, and the search algorithm chosen for them.

use ndarray::{Array2, ArrayView2};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::brute;

/// The distance between rows (scikit-learn's `minkowski` with `p = 2` or `p = 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// √Σ(a − b)² (`p = 2`, the default).
    #[default]
    Euclidean,
    /// Σ|a − b| (`p = 1`).
    Manhattan,
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
        }
    }
}

/// How the search runs (scikit-learn's `algorithm`): the answers are the same; only the time
/// differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Pick from the data's shape.
    #[default]
    Auto,
    /// A KD-tree (fast in few dimensions).
    KdTree,
    /// Every query against every row.
    Brute,
}

/// Options of a [`KnnIndex`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndexOptions {
    /// The search algorithm. Default `auto`.
    pub algorithm: Algorithm,
    /// The distance. Default `euclidean`.
    pub metric: Metric,
    /// Rows per KD-tree leaf. Default 30 (scikit-learn's); ≥ 1.
    pub leaf_size: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            algorithm: Algorithm::Auto,
            metric: Metric::Euclidean,
            leaf_size: 30,
        }
    }
}

/// The `k` nearest training rows of each query, nearest first (ties by row index).
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    /// Row indices into the index's training rows (queries × k).
    pub indices: Array2<usize>,
    /// Their distances (queries × k).
    pub distances: Array2<f64>,
}

/// An exact nearest-neighbour index over a copy of the training rows.
#[derive(Debug, Clone)]
pub struct KnnIndex {
    x: Array2<f64>,
    options: IndexOptions,
}

impl KnnIndex {
    /// Index the rows of `x` (finite values only; at least one row).
    pub fn build(x: ArrayView2<'_, f64>, options: &IndexOptions) -> Result<KnnIndex> {
        if options.leaf_size == 0 {
            return Err(Error::param("leaf_size", "must be ≥ 1, got 0"));
        }
        if x.nrows() == 0 {
            return Err(Error::InvalidData(
                "cannot search neighbours among 0 rows".into(),
            ));
        }
        check_finite(x, "the indexed rows")?;
        Ok(KnnIndex {
            x: x.to_owned(),
            options: options.clone(),
        })
    }

    /// The indexed rows.
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// Their columns.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// The options it was built with.
    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// The `k` nearest indexed rows of each row of `queries`.
    pub fn kneighbors(&self, queries: ArrayView2<'_, f64>, k: usize) -> Result<Neighbors> {
        self.check_k(k, self.n_samples())?;
        if queries.ncols() != self.n_features() {
            return Err(Error::ShapeMismatch {
                context: "columns of the neighbour queries".into(),
                expected: self.n_features(),
                got: queries.ncols(),
            });
        }
        check_finite(queries, "the neighbour queries")?;
        Ok(brute::search(
            self.x.view(),
            queries,
            k,
            self.options.metric,
            None,
        ))
    }

    /// The `k` nearest *other* indexed rows of each indexed row (scikit-learn's
    /// `kneighbors(X=None)`): a row is never its own neighbour, though a duplicate of it is.
    pub fn kneighbors_self(&self, k: usize) -> Result<Neighbors> {
        self.check_k(k, self.n_samples().saturating_sub(1))?;
        Ok(brute::search(
            self.x.view(),
            self.x.view(),
            k,
            self.options.metric,
            Some(()),
        ))
    }

    fn check_k(&self, k: usize, available: usize) -> Result<()> {
        if k == 0 {
            return Err(Error::param("n_neighbors", "must be ≥ 1, got 0"));
        }
        if k > available {
            return Err(Error::NotEnoughSamples {
                context: format!("{k} nearest neighbours"),
                needed: k,
                got: available,
            });
        }
        Ok(())
    }
}

fn check_finite(x: ArrayView2<'_, f64>, what: &str) -> Result<()> {
    if let Some(((i, j), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{what} hold a missing or infinite value (row {i}, column {j}); impute first"
        )));
    }
    Ok(())
}
