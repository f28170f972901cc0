//! The vocabulary of the conformance suites: the properties each suite checks ([`Check`] for
//! estimators, [`TransformerCheck`] for transformers) and what a transformer does with NaN
//! ([`NanPolicy`]). The suites themselves live in `conformance` (estimators) and `transformer`.

use std::fmt;

/// One property of the estimator conformance suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// `Params::default()` passes `validate()`.
    DefaultParamsValidate,
    /// The given params pass `validate()` and survive a JSON round trip unchanged.
    ParamsValidate,
    /// The params fit on the dataset and predict one finite value per row.
    Fit,
    /// Fitting twice gives the same model, byte for byte (postcard).
    FitTwice,
    /// A JSON round trip of the model gives identical predictions, bit for bit.
    SerdeJson,
    /// A postcard round trip of the model gives identical predictions, bit for bit.
    SerdePostcard,
    /// Predictions on permuted rows are the permuted predictions.
    RowOrderPredict,
    /// Fitting on permuted rows gives the same predictions (within the fit-order tolerance).
    RowOrderFit,
    /// Predicting rows one at a time, or a subset of rows, gives the values of the full batch.
    SubsetInvariance,
    /// Unit sample weights give the same predictions as no weights.
    UnitWeights,
    /// Predicting with a wrong number of columns is an `Err`, never a panic.
    WrongColumnCount,
    /// NaN in the features is handled (finite predictions) or a clean `Err`, never a panic.
    NanFeatures,
    /// Fitting on one row is `Ok` or a clean `Err`, never a panic.
    OneRowFit,
    /// Fitting on one feature column is `Ok` or a clean `Err`, never a panic.
    OneFeatureFit,
    /// Params sent through JSON (as the CLI and model file carry them, seed included) and fitted
    /// on another thread give the same model, byte for byte.
    SameSeed,
    /// Probabilities: shape (rows, classes), values in [0, 1], rows summing to 1 within 1e-12;
    /// predictions are class codes.
    Proba,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 16] = [
        Check::DefaultParamsValidate,
        Check::ParamsValidate,
        Check::Fit,
        Check::FitTwice,
        Check::SerdeJson,
        Check::SerdePostcard,
        Check::RowOrderPredict,
        Check::RowOrderFit,
        Check::SubsetInvariance,
        Check::UnitWeights,
        Check::WrongColumnCount,
        Check::NanFeatures,
        Check::OneRowFit,
        Check::OneFeatureFit,
        Check::SameSeed,
        Check::Proba,
    ];

    /// The check's snake_case name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            Check::DefaultParamsValidate => "default_params_validate",
            Check::ParamsValidate => "params_validate",
            Check::Fit => "fit",
            Check::FitTwice => "fit_twice",
            Check::SerdeJson => "serde_json",
            Check::SerdePostcard => "serde_postcard",
            Check::RowOrderPredict => "row_order_predict",
            Check::RowOrderFit => "row_order_fit",
            Check::SubsetInvariance => "subset_invariance",
            Check::UnitWeights => "unit_weights",
            Check::WrongColumnCount => "wrong_column_count",
            Check::NanFeatures => "nan_features",
            Check::OneRowFit => "one_row_fit",
            Check::OneFeatureFit => "one_feature_fit",
            Check::SameSeed => "same_seed",
            Check::Proba => "proba",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One property of the transformer conformance suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransformerCheck {
    /// `Params::default()` passes `validate()`.
    DefaultParamsValidate,
    /// The given params pass `validate()` and survive a JSON round trip unchanged.
    ParamsValidate,
    /// The params fit on the dataset and transform its rows: one output row per input row, the
    /// values finite except where the [`NanPolicy`] lets a NaN through.
    Fit,
    /// Fitting twice gives the same fitted transformer, byte for byte (postcard).
    FitTwice,
    /// A JSON round trip of the fitted transformer gives identical output, bit for bit.
    SerdeJson,
    /// A postcard round trip of the fitted transformer gives identical output, bit for bit, and
    /// the same bytes.
    SerdePostcard,
    /// `n_features_in()` is the fitted column count and `feature_names_out(input)` names every
    /// output column once (as many names as columns, no name twice).
    FeatureNames,
    /// The output width does not depend on the batch: one row, two rows, half the rows and the
    /// whole batch give as many columns each (a batch the transformer refuses is not counted).
    OutputWidth,
    /// Transforming permuted rows gives the permuted output, bit for bit (row-wise transformers).
    RowOrderTransform,
    /// Fitting on permuted rows gives the same transform (within the fit-order tolerance).
    RowOrderFit,
    /// Transforming rows one at a time, or a subset of rows, gives the rows of the full batch
    /// (within the subset tolerance, exact by default).
    SubsetInvariance,
    /// Unit sample weights give the same transform as no weights (within the fit-order
    /// tolerance: a weighted code path may sum in another order).
    UnitWeights,
    /// Transforming a wrong number of columns is `Err(Error::ShapeMismatch)`, never `Ok`, never a
    /// panic.
    WrongColumnCount,
    /// NaN at fit and at transform (and an all-NaN fit) follows the [`NanPolicy`]: a clean `Err`,
    /// or an output that is finite or NaN only where the policy says; never a panic.
    NanInput,
    /// Infinite values at fit and at transform give `Ok` of the right shape or a clean `Err`,
    /// never a panic.
    InfiniteInput,
    /// Fitting on one row is `Ok` (and the fitted transformer then transforms the dataset without
    /// a panic) or a clean `Err`, never a panic.
    OneRowFit,
    /// Fitting on one column is `Ok` (and transforms that column without a panic) or a clean
    /// `Err`, never a panic.
    OneColumnFit,
    /// Params sent through JSON (seed included) and fitted on another thread give the same
    /// fitted transformer, byte for byte.
    SameSeed,
}

impl TransformerCheck {
    /// Every check, in the order they run.
    pub const ALL: [TransformerCheck; 18] = [
        TransformerCheck::DefaultParamsValidate,
        TransformerCheck::ParamsValidate,
        TransformerCheck::Fit,
        TransformerCheck::FitTwice,
        TransformerCheck::SerdeJson,
        TransformerCheck::SerdePostcard,
        TransformerCheck::FeatureNames,
        TransformerCheck::OutputWidth,
        TransformerCheck::RowOrderTransform,
        TransformerCheck::RowOrderFit,
        TransformerCheck::SubsetInvariance,
        TransformerCheck::UnitWeights,
        TransformerCheck::WrongColumnCount,
        TransformerCheck::NanInput,
        TransformerCheck::InfiniteInput,
        TransformerCheck::OneRowFit,
        TransformerCheck::OneColumnFit,
        TransformerCheck::SameSeed,
    ];

    /// The check's snake_case name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            TransformerCheck::DefaultParamsValidate => "default_params_validate",
            TransformerCheck::ParamsValidate => "params_validate",
            TransformerCheck::Fit => "fit",
            TransformerCheck::FitTwice => "fit_twice",
            TransformerCheck::SerdeJson => "serde_json",
            TransformerCheck::SerdePostcard => "serde_postcard",
            TransformerCheck::FeatureNames => "feature_names",
            TransformerCheck::OutputWidth => "output_width",
            TransformerCheck::RowOrderTransform => "row_order_transform",
            TransformerCheck::RowOrderFit => "row_order_fit",
            TransformerCheck::SubsetInvariance => "subset_invariance",
            TransformerCheck::UnitWeights => "unit_weights",
            TransformerCheck::WrongColumnCount => "wrong_column_count",
            TransformerCheck::NanInput => "nan_input",
            TransformerCheck::InfiniteInput => "infinite_input",
            TransformerCheck::OneRowFit => "one_row_fit",
            TransformerCheck::OneColumnFit => "one_column_fit",
            TransformerCheck::SameSeed => "same_seed",
        }
    }
}

impl fmt::Display for TransformerCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a transformer does with NaN in its input, as its documentation states; the
/// [`TransformerCheck::NanInput`] and [`TransformerCheck::Fit`] checks hold it to that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanPolicy {
    /// NaN is refused: fit and transform with a NaN anywhere are an `Err` (never `Ok`, never a
    /// panic). The dataset of the suite must then be free of NaN.
    Reject,
    /// [`NanPolicy::Reject`], and the error's message contains this text (say, `"impute"`, for
    /// steps that tell the user to impute first).
    RejectMentioning(&'static str),
    /// NaN means missing and is imputed or encoded: fit and transform accept it and every output
    /// value is finite.
    MissingToFinite,
    /// NaN means missing and passes through: fit and transform accept it, and an output row has
    /// a NaN only where its input row has one (a missing value stays missing).
    MissingPropagates,
    /// NaN means missing, and the transformer also marks values missing by design (an outlier
    /// clipper whose action is `missing`): fit and transform accept NaN, and NaN may appear
    /// anywhere in the output. Infinite output is still a failure.
    MissingIntroduced,
}

impl NanPolicy {
    /// Whether NaN means missing (the transformer accepts it).
    pub fn accepts_nan(self) -> bool {
        matches!(
            self,
            NanPolicy::MissingToFinite
                | NanPolicy::MissingPropagates
                | NanPolicy::MissingIntroduced
        )
    }
}
