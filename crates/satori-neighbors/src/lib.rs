//! # satori-neighbors
//!
//! Exact k-nearest-neighbour search, one index shared by everything that asks "which rows are
//! closest": SMOTE and the cleaning under-samplers (`satori-imbalance`), the KNN imputer and the
//! `knn` models.
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
//! every algorithm returns the same neighbours, at any thread count.
#![warn(missing_docs)]

mod brute;
mod index;

pub use index::{Algorithm, IndexOptions, KnnIndex, Metric, Neighbors};
