//! # satori-features
//!
//! Feature extraction steps, each a [`satori_core::Estimator`] whose fitted model is a
//! [`satori_core::Transformer`], with scikit-learn 1.9's parameters and results:
//!
//! - [`PcaParams`] → [`Pca`]: principal component analysis (`PCA`), exact (`full`,
//!   `covariance_eigh`) or randomized.
//! - [`VarianceThresholdParams`] → [`VarianceThreshold`], and [`SelectKBestParams`] /
//!   [`SelectPercentileParams`] → [`UnivariateSelector`] with the score functions of
//!   [`ScoreFunc`] (`f_classif`, `f_regression`, `chi2`, `mutual_info_classif`,
//!   `mutual_info_regression`): feature selection.
//! - [`PolynomialFeaturesParams`] → [`PolynomialFeatures`]: polynomial and interaction features.
//! - [`KBinsDiscretizerParams`] → [`KBinsDiscretizer`]: k-bins discretisation (`uniform`,
//!   `quantile`, `kmeans`), ordinal or dense one-hot.
//!
//! Every step rejects missing values (NaN) and infinities at fit and transform time with
//! [`satori_core::Error::InvalidData`] (impute first, as scikit-learn requires), and a matrix
//! with the wrong number of columns with [`satori_core::Error::ShapeMismatch`].
#![warn(missing_docs)]

mod check;
pub mod kbins;
mod kmeans1d;
mod nonfinite;
pub mod pca;
pub mod polynomial;
pub mod select;
mod stats;

pub use kbins::{BinEncode, BinStrategy, KBinsDiscretizer, KBinsDiscretizerParams, QuantileMethod};
pub use pca::{NComponents, Pca, PcaParams, SvdSolver};
pub use polynomial::{PolynomialFeatures, PolynomialFeaturesParams};
pub use select::{
    KBest, ScoreFunc, SelectKBestParams, SelectPercentileParams, UnivariateSelector,
    VarianceThreshold, VarianceThresholdParams,
};
