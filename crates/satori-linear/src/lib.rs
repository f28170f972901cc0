//! # satori-linear
//!
//! Linear models with scikit-learn's parameter names and results: least squares, ridge, lasso,
//! elastic net, logistic regression, Poisson and Tweedie regression, and SGD learners.
#![warn(missing_docs)]
