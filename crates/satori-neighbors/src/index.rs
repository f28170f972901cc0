//! The index: the training rows, the metric, and the search algorithm chosen for them.

use ndarray::{Array2, ArrayView2};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::brute;
pub use crate::distance::{Metric, Neighbors};
use crate::kdtree::KdTree;

/// How the search runs (scikit-learn's `algorithm`): the answers are the same, to the last bit
/// and in the same order; only the time differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Pick from the data's shape, with scikit-learn's rule (`NearestNeighbors._fit`): brute
    /// force when the rows have more than 15 columns or when `k ≥ n_samples / 2` (integer
    /// division; decided per query, as `k` is known then), a KD-tree otherwise.
    #[default]
    Auto,
    /// A KD-tree (fast in few dimensions).
    KdTree,
    /// Every query against every row.
    Brute,
}

impl Algorithm {
    /// Its name in parameter files (`auto`, `kd_tree`, `brute`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Auto => "auto",
            Algorithm::KdTree => "kd_tree",
            Algorithm::Brute => "brute",
        }
    }
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

/// The column count above which [`Algorithm::Auto`] searches by brute force (scikit-learn's).
pub const AUTO_BRUTE_ABOVE_FEATURES: usize = 15;

/// An exact nearest-neighbour index over a copy of the training rows.
///
/// It serialises as its rows and options; reading it back rebuilds (and re-checks) the tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredIndex", into = "StoredIndex")]
pub struct KnnIndex {
    x: Array2<f64>,
    options: IndexOptions,
    /// Built for `kd_tree`, and for `auto` with at most 15 columns.
    tree: Option<KdTree>,
}

/// What a [`KnnIndex`] serialises as.
#[derive(Serialize, Deserialize)]
struct StoredIndex {
    x: Array2<f64>,
    options: IndexOptions,
}

impl TryFrom<StoredIndex> for KnnIndex {
    type Error = Error;
    fn try_from(s: StoredIndex) -> Result<KnnIndex> {
        KnnIndex::build(s.x.view(), &s.options)
    }
}

impl From<KnnIndex> for StoredIndex {
    fn from(k: KnnIndex) -> StoredIndex {
        StoredIndex {
            x: k.x,
            options: k.options,
        }
    }
}

impl KnnIndex {
    /// Index the rows of `x` (at least one row; finite values only, except that
    /// [`Metric::NanEuclidean`] takes missing values, NaN, though no infinity).
    pub fn build(x: ArrayView2<'_, f64>, options: &IndexOptions) -> Result<KnnIndex> {
        if options.leaf_size == 0 {
            return Err(Error::param("leaf_size", "must be ≥ 1, got 0"));
        }
        if x.nrows() == 0 {
            return Err(Error::InvalidData(
                "cannot search neighbours among 0 rows".into(),
            ));
        }
        let nan_aware = options.metric == Metric::NanEuclidean;
        if nan_aware && options.algorithm == Algorithm::KdTree {
            return Err(Error::param(
                "algorithm",
                "kd_tree cannot search with the nan_euclidean metric (no bound holds when \
                 coordinates are missing); use brute or auto",
            ));
        }
        check_values(x, "the indexed rows", nan_aware)?;
        let tree = match options.algorithm {
            _ if nan_aware => false,
            Algorithm::KdTree => true,
            Algorithm::Auto => x.ncols() <= AUTO_BRUTE_ABOVE_FEATURES,
            Algorithm::Brute => false,
        }
        .then(|| KdTree::build(x, options.leaf_size));
        Ok(KnnIndex {
            x: x.as_standard_layout().into_owned(),
            options: options.clone(),
            tree,
        })
    }

    /// The algorithm a search for `k` neighbours runs ([`Algorithm::Auto`] resolved).
    pub fn algorithm_for(&self, k: usize) -> Algorithm {
        match (self.options.algorithm, &self.tree) {
            (Algorithm::Brute, _) | (_, None) => Algorithm::Brute,
            (Algorithm::Auto, Some(_)) if k >= self.n_samples() / 2 => Algorithm::Brute,
            _ => Algorithm::KdTree,
        }
    }

    fn search(&self, queries: ArrayView2<'_, f64>, k: usize, exclude_self: bool) -> Neighbors {
        let metric = self.options.metric;
        match (&self.tree, self.algorithm_for(k)) {
            (Some(tree), Algorithm::KdTree) => tree.search(queries, k, metric, exclude_self),
            _ => brute::search(self.x.view(), queries, k, metric, exclude_self),
        }
    }

    /// The indexed rows (a copy of those it was built from).
    pub fn rows(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    /// The number of indexed rows.
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
        check_values(
            queries,
            "the neighbour queries",
            self.options.metric == Metric::NanEuclidean,
        )?;
        Ok(self.search(queries, k, false))
    }

    /// The distance from `query` to every indexed row, in row order, by the metric's direct
    /// formula ([`Metric::distance`], the distances every search returns), written into `out`
    /// (cleared first). For callers that choose their own candidates with
    /// [`crate::nearest_among`].
    pub fn distances_to(&self, query: &[f64], out: &mut Vec<f64>) -> Result<()> {
        if query.len() != self.n_features() {
            return Err(Error::ShapeMismatch {
                context: "columns of the neighbour query".into(),
                expected: self.n_features(),
                got: query.len(),
            });
        }
        let nan_aware = self.options.metric == Metric::NanEuclidean;
        if let Some(j) = query.iter().position(|v| {
            if nan_aware {
                v.is_infinite()
            } else {
                !v.is_finite()
            }
        }) {
            return Err(Error::InvalidData(format!(
                "the neighbour query holds {} value in column {j}",
                if nan_aware {
                    "an infinite"
                } else {
                    "a missing or infinite"
                }
            )));
        }
        let metric = self.options.metric;
        out.clear();
        out.extend(self.x.rows().into_iter().map(|r| {
            r.as_slice().map_or_else(
                || metric.distance(query, &r.to_vec()),
                |r| metric.distance(query, r),
            )
        }));
        Ok(())
    }

    /// The `k` nearest *other* indexed rows of each indexed row (scikit-learn's
    /// `kneighbors(X=None)`): a row is never its own neighbour, though a duplicate of it is.
    pub fn kneighbors_self(&self, k: usize) -> Result<Neighbors> {
        self.check_k(k, self.n_samples().saturating_sub(1))?;
        Ok(self.search(self.x.view(), k, true))
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

/// Every value finite, or with `allow_nan` (the nan_euclidean metric) every value finite or NaN.
fn check_values(x: ArrayView2<'_, f64>, what: &str, allow_nan: bool) -> Result<()> {
    let bad = |v: &f64| {
        if allow_nan {
            v.is_infinite()
        } else {
            !v.is_finite()
        }
    };
    if let Some(((i, j), _)) = x.indexed_iter().find(|(_, v)| bad(v)) {
        let (value, hint) = if allow_nan {
            ("an infinite", "")
        } else {
            ("a missing or infinite", "; impute first")
        };
        return Err(Error::InvalidData(format!(
            "{what} hold {value} value (row {i}, column {j}){hint}"
        )));
    }
    Ok(())
}
