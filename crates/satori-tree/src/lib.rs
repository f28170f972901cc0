//! # satori-tree
//!
//! Tree models of satori, all stored as one flat tree representation ([`FlatTree`]): node
//! arrays that gradient boosting, forests, isolation forests, SHAP, export and compression share.
#![warn(missing_docs)]

pub mod flat;

pub use flat::{FlatTree, NodeStats, SplitRule};
