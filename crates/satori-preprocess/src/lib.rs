//! # satori-preprocess
//!
//! Preprocessing steps with scikit-learn 1.9's parameter names and results: imputers
//! ([`SimpleImputerParams`], [`KNNImputerParams`]), scalers ([`StandardScalerParams`],
//! [`MinMaxScalerParams`], [`MaxAbsScalerParams`], [`RobustScalerParams`],
//! [`QuantileTransformerParams`], [`PowerTransformerParams`]) and encoders of
//! categorical columns ([`OneHotEncoderParams`], [`OrdinalEncoderParams`], [`TargetEncoderParams`],
//! [`FrequencyEncoderParams`]), and noise filters ([`DenoiserParams`]: median, moving average,
//! Savitzky-Golay, FFT low-pass and wavelet denoising, matching SciPy, NumPy and PyWavelets), and
//! outlier clipping by quantiles, IQR fences or z-scores ([`OutlierClipperParams`]). Each is a
//! [`satori_core::Params`] type that fits (as a [`satori_core::Estimator`]) on a
//! [`satori_core::Dataset`] into a fitted model implementing [`satori_core::Transformer`].
//!
//! [`OneHotEncoder::transform_csr`] is the one-hot encoder's sparse output (a [`sprs::CsMat`] in
//! CSR form, scikit-learn's default `sparse_output=True`), built without the dense matrix; the
//! [`satori_core::Transformer`] `transform` of every step, the one pipelines chain, is dense.
//!
//! Missing values are NaN. Transforms never panic: a wrong column count is
//! [`satori_core::Error::ShapeMismatch`], an unknown category is handled as the encoder's
//! `handle_unknown` says, and ±inf (which scikit-learn rejects) is an
//! [`satori_core::Error::InvalidData`]. Column statistics are computed in parallel over groups
//! of columns and transforms over chunks of rows, with the same result at any thread count.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::{SimpleImputerParams, StandardScalerParams};
//!
//! let x = array![[1.0, 10.0], [f64::NAN, 20.0], [3.0, 30.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let imputed = SimpleImputerParams::default().fit(&data).unwrap().transform(x.view()).unwrap();
//! let data = Dataset::new(imputed.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let scaled = StandardScalerParams::default().fit(&data).unwrap().transform(imputed.view());
//! assert_eq!(scaled.unwrap()[[1, 0]], 0.0);
//! ```
#![warn(missing_docs)]

mod categories;
mod denoise;
mod frequency;
mod knn_imputer;
mod one_hot;
mod ordinal;
mod outliers;
mod power;
mod quantile;
mod range_scalers;
mod serde_nan;
mod simple_imputer;
mod standard_scaler;
mod target_encoder;
mod util;

pub use categories::FittedColumn;
pub use denoise::{
    DenoiseAxis, DenoiseFilter, DenoiseMode, Denoiser, DenoiserParams, ThresholdMode, Wavelet,
};
pub use frequency::{FrequencyEncoder, FrequencyEncoderParams};
pub use knn_imputer::{KNNImputer, KNNImputerParams, KnnWeights};
pub use one_hot::{DropCategory, HandleUnknown, OneHotEncoder, OneHotEncoderParams};
pub use ordinal::{OrdinalEncoder, OrdinalEncoderParams, OrdinalUnknown};
pub use outliers::{OutlierAction, OutlierClipper, OutlierClipperParams, OutlierMethod};
pub use power::{PowerTransformer, PowerTransformerParams};
pub use quantile::{OutputDistribution, QuantileTransformer, QuantileTransformerParams};
pub use range_scalers::{
    MaxAbsScaler, MaxAbsScalerParams, MinMaxScaler, MinMaxScalerParams, RobustScaler,
    RobustScalerParams,
};
pub use simple_imputer::{ImputeStrategy, SimpleImputer, SimpleImputerParams};
pub use standard_scaler::{StandardScaler, StandardScalerParams};
pub use target_encoder::{Smooth, TargetEncoder, TargetEncoderParams};
