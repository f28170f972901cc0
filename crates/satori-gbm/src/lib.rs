//! # satori-gbm
//!
//! Histogram gradient boosting: features binned once, trees grown leaf-wise on gradient
//! histograms, stored as [`satori_tree::FlatTree`]s.
#![warn(missing_docs)]
