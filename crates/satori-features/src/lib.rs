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
//!   `mutual_info_regression`): feature selection; [`select::chi2_csr`] and
//!   [`select::f_regression_csr`] score sparse CSR input (TF-IDF) without densifying it.
//! - [`PolynomialFeaturesParams`] → [`PolynomialFeatures`]: polynomial and interaction features.
//! - [`KBinsDiscretizerParams`] → [`KBinsDiscretizer`]: k-bins discretisation (`uniform`,
//!   `quantile`, `kmeans`), ordinal or dense one-hot.
//! - [`TruncatedSvdParams`] → [`TruncatedSvd`]: `TruncatedSVD` on dense or sparse CSR input
//!   (randomized without densifying, or exact).
//! - [`IncrementalPcaParams`] → [`IncrementalPca`]: `IncrementalPCA`, fitted batch by batch
//!   (`partial_fit`).
//! - [`LdaParams`] → [`Lda`]: `LinearDiscriminantAnalysis` (`svd`, `eigen` with shrinkage), a
//!   supervised projection and a classifier.
//! - [`FeatureHasherParams`] → [`FeatureHasher`]: `FeatureHasher` on `column=value` tokens,
//!   with scikit-learn's [`murmurhash3_32`] indices and signs.
//! - [`text`]: [`TfidfVectorizerParams`] → [`TfidfVectorizer`] and
//!   [`HashingVectorizerParams`], documents in, sparse CSR matrices out.
//! - [`DatetimeFeaturesParams`] → [`DatetimeFeatures`]: calendar features of epoch-seconds
//!   columns (pandas' `.dt` accessors), optionally cyclical.
//! - [`sparse`]: CSR ↔ dense conversions and max-abs scaling of CSR matrices.
//!
//! Every step except the datetime expansion and the feature hasher (for which NaN means a
//! missing value) rejects missing values (NaN) and infinities at fit and transform time with
//! [`satori_core::Error::InvalidData`] (impute first, as scikit-learn requires); a matrix with
//! the wrong number of columns is a [`satori_core::Error::ShapeMismatch`].
#![warn(missing_docs)]

mod check;
pub mod datetime;
pub mod hashing;
pub mod incremental_pca;
pub mod kbins;
mod kmeans1d;
pub mod lda;
mod nonfinite;
pub mod pca;
pub mod polynomial;
pub mod select;
pub mod sparse;
mod stats;
pub mod text;
pub mod truncated_svd;

pub use datetime::{DatetimeFeatures, DatetimeFeaturesParams, DatetimePart};
pub use hashing::{FeatureHasher, FeatureHasherParams, murmurhash3_32};
pub use incremental_pca::{IncrementalPca, IncrementalPcaParams};
pub use kbins::{BinEncode, BinStrategy, KBinsDiscretizer, KBinsDiscretizerParams, QuantileMethod};
pub use lda::{Lda, LdaParams, LdaSolver, Shrinkage};
pub use pca::{NComponents, Pca, PcaParams, SvdSolver};
pub use polynomial::{PolynomialFeatures, PolynomialFeaturesParams};
pub use select::{
    KBest, ScoreFunc, SelectKBestParams, SelectPercentileParams, UnivariateSelector,
    VarianceThreshold, VarianceThresholdParams,
};
pub use text::{
    DocFreq, Document, HashingVectorizerParams, TextNorm, TfidfVectorizer, TfidfVectorizerParams,
};
pub use truncated_svd::{PowerIterationNormalizer, SvdAlgorithm, TruncatedSvd, TruncatedSvdParams};
