//! # satori-neighbors
//!
//! Exact k-nearest-neighbour search, one index shared by everything that asks "which rows are
//! closest": SMOTE and the cleaning under-samplers (`satori-imbalance`), the KNN imputer and the
//! `knn` models ([`KNeighborsClassifierParams`], [`KNeighborsRegressorParams`]).
//!
//! ```
//! use ndarray::array;
//! use satori_neighbors::{IndexOptions, KnnIndex};
//!
//! let x = array![[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [0.0, 2.0]];
//! let index = KnnIndex::build(x.view(), &IndexOptions::default()).unwrap();
//! let found = index.kneighbors(array![[0.1, 0.1]].view(), 2).unwrap();
//! assert_eq!(found.indices.row(0).to_vec(), vec![0, 1]);
//! assert!((found.distances[[0, 0]] - 0.02f64.sqrt()).abs() < 1e-12);
//! ```
//!
//! Results are sorted by distance, nearest first; equal distances are ordered by row index, so
//! every algorithm returns the same neighbours, at any thread count. The distances are those of
//! the direct formula ([`Metric::distance`]) to the last bit, whichever algorithm ran:
//!
//! - **KD-tree** ([`Algorithm::KdTree`]): scikit-learn's `KDTree` layout (`leaf_size`, median
//!   splits on the widest-spread dimension), pruning by the bounding-box distance.
//! - **Brute force** ([`Algorithm::Brute`]): blocks of queries × rows; Euclidean distances are
//!   screened with one matrix product per block (`‖q‖² + ‖x‖² − 2 q·x`) and the candidates'
//!   exact distances recomputed directly.
//! - **Auto** ([`Algorithm::Auto`]): scikit-learn's rule, brute force above 15 columns or when
//!   `k ≥ n_samples / 2`, the KD-tree otherwise.
#![warn(missing_docs)]

mod brute;
mod distance;
mod heap;
mod index;
mod kdtree;
pub mod knn;

pub use distance::nearest_among;
pub use index::{AUTO_BRUTE_ABOVE_FEATURES, Algorithm, IndexOptions, KnnIndex, Metric, Neighbors};
pub use knn::{
    KNeighborsClassifier, KNeighborsClassifierParams, KNeighborsRegressor,
    KNeighborsRegressorParams, Weights,
};
