//! The parameters of [`GbmClassifierParams`] and [`GbmRegressorParams`]: one struct each, with
//! the boosting and tree fields shared (written once by a macro) and validated in one place.

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// When to stop boosting early on a validation set. In TOML and `--set`: `"auto"`, `"on"`,
/// `"off"`, or `true` (= `on`) / `false` (= `off`), as the networks' `early_stopping`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EarlyStopping {
    /// On when the training data has more than 10 000 rows (scikit-learn's `auto`).
    #[default]
    Auto,
    /// Always on: hold out `validation_fraction` of the rows (stratified for classifiers), or use
    /// the validation set given to `fit_with_validation`.
    On,
    /// Never: train all `n_estimators` rounds (a given validation set is still scored into the
    /// training history).
    Off,
}

impl<'de> Deserialize<'de> for EarlyStopping {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Flag(bool),
            Word(String),
        }
        match Repr::deserialize(d)? {
            Repr::Flag(true) => Ok(EarlyStopping::On),
            Repr::Flag(false) => Ok(EarlyStopping::Off),
            Repr::Word(w) => match w.as_str() {
                "auto" => Ok(EarlyStopping::Auto),
                "on" => Ok(EarlyStopping::On),
                "off" => Ok(EarlyStopping::Off),
                _ => Err(serde::de::Error::custom(format!(
                    "early_stopping must be \"auto\", \"on\", \"off\", true or false, got \"{}\"",
                    satori_core::snippet(&w)
                ))),
            },
        }
    }
}

/// Class weights of a [`GbmClassifierParams`] (scikit-learn's `class_weight`), in the one text
/// form of [`satori_core::class_weight`]: `"balanced"` or `{ yes = 3.0 }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClassWeight {
    /// Every class weighs 1.
    #[default]
    None,
    /// `n_samples / (n_classes * count(class))`, counted on the training rows.
    Balanced,
    /// A weight per class label; labels not listed weigh 1. In TOML:
    /// `class_weight = { yes = 3.0 }`.
    Map(BTreeMap<String, f64>),
}

satori_core::class_weight_serde!(ClassWeight {
    None,
    Balanced,
    Map
});

/// The loss a [`GbmRegressorParams`] minimises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegressionLoss {
    /// Half squared error; starts from the weighted mean.
    #[default]
    SquaredError,
    /// Absolute error; leaves are refitted to the weighted median of the residuals.
    AbsoluteError,
    /// Huber loss with threshold `huber_alpha` (LightGBM's `huber`).
    Huber,
    /// Pinball loss at `quantile_alpha`; leaves are refitted to the weighted quantile of the
    /// residuals.
    Quantile,
    /// Poisson deviance with a log link; the target must be non-negative with a positive sum.
    Poisson,
}

macro_rules! gbm_params {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $default:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", default, deny_unknown_fields)]
        pub struct $name {
            /// Boosting rounds (trees per class). Default 100; at least 1.
            pub n_estimators: usize,
            /// Shrinkage applied to every tree's leaf values. Default 0.1; in (0, ∞).
            pub learning_rate: f64,
            /// Maximum leaves per tree (LightGBM's `num_leaves`). Default 31; in [2, 131072].
            pub num_leaves: usize,
            /// Maximum depth of a tree (the root has depth 0); none: unlimited. Default none;
            /// at least 1.
            pub max_depth: Option<usize>,
            /// Minimum training rows in a leaf. Default 20; at least 1.
            pub min_samples_leaf: usize,
            /// Minimum sum of hessians in a leaf (LightGBM's `min_sum_hessian_in_leaf`).
            /// Default 1e-3; in [0, ∞).
            pub min_child_weight: f64,
            /// L1 penalty on leaf values. Default 0; in [0, ∞).
            pub l1_regularization: f64,
            /// L2 penalty on leaf values. Default 0; in [0, ∞).
            pub l2_regularization: f64,
            /// Minimum gain of a split (LightGBM's `min_gain_to_split`). Default 0; in [0, ∞).
            pub min_split_gain: f64,
            /// Maximum bins per feature, besides the missing-value bin. Default 255; in [2, 255].
            pub max_bin: usize,
            /// Fraction of the rows drawn (without replacement) for each round. Default 1;
            /// in (0, 1].
            pub subsample: f64,
            /// Fraction of the features drawn for each tree. Default 1; in (0, 1].
            pub colsample_bytree: f64,
            /// Fraction of the tree's features drawn for each split search. Default 1; in (0, 1].
            pub colsample_bynode: f64,
            /// Indices of the columns to split as categories (non-negative integer codes; NaN is
            /// missing). Columns whose schema kind is categorical are categorical too. Default
            /// none; each index below the number of features (checked at fit).
            pub categorical_features: Vec<usize>,
            /// A categorical feature with at most this many categories is split one category
            /// versus the rest; above it, by LightGBM's sorted-category search. Default 4; at
            /// least 1.
            pub max_cat_to_onehot: usize,
            /// Smoothing of the category ordering `G / (H + cat_smooth)`; categories with fewer
            /// rows than this are not split off. Default 10; in [0, ∞).
            pub cat_smooth: f64,
            /// Maximum categories on one side of a sorted-category split. Default 32; at least 1.
            pub max_cat_threshold: usize,
            /// Per feature −1 (decreasing), 0 (none) or 1 (increasing) constraint on the
            /// prediction; empty: none. Default empty; one entry per feature (checked at fit),
            /// numeric features only.
            pub monotonic_constraints: Vec<i8>,
            /// Early stopping on a validation set: `auto`, `on` or `off`. Default `auto`.
            pub early_stopping: EarlyStopping,
            /// Fraction of the training rows held out for early stopping when no validation set
            /// is given. Default 0.1; in (0, 1).
            pub validation_fraction: f64,
            /// Stop when the validation loss has not improved by more than `tol` for this many
            /// rounds. Default 10; at least 1.
            pub n_iter_no_change: usize,
            /// The improvement of the validation loss that counts. Default 1e-7; in [0, ∞).
            pub tol: f64,
            /// Seed of row and column subsampling and of the validation hold-out. Default 0.
            pub seed: u64,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    n_estimators: 100,
                    learning_rate: 0.1,
                    num_leaves: 31,
                    max_depth: None,
                    min_samples_leaf: 20,
                    min_child_weight: 1e-3,
                    l1_regularization: 0.0,
                    l2_regularization: 0.0,
                    min_split_gain: 0.0,
                    max_bin: 255,
                    subsample: 1.0,
                    colsample_bytree: 1.0,
                    colsample_bynode: 1.0,
                    categorical_features: Vec::new(),
                    max_cat_to_onehot: 4,
                    cat_smooth: 10.0,
                    max_cat_threshold: 32,
                    monotonic_constraints: Vec::new(),
                    early_stopping: EarlyStopping::Auto,
                    validation_fraction: 0.1,
                    n_iter_no_change: 10,
                    tol: 1e-7,
                    seed: 0,
                    $( $field: $default, )*
                }
            }
        }

        impl $name {
            /// The shared settings, for the boosting engine.
            pub(crate) fn common(&self) -> Common {
                Common {
                    n_estimators: self.n_estimators,
                    learning_rate: self.learning_rate,
                    num_leaves: self.num_leaves,
                    max_depth: self.max_depth,
                    min_samples_leaf: self.min_samples_leaf,
                    min_child_weight: self.min_child_weight,
                    l1_regularization: self.l1_regularization,
                    l2_regularization: self.l2_regularization,
                    min_split_gain: self.min_split_gain,
                    max_bin: self.max_bin,
                    subsample: self.subsample,
                    colsample_bytree: self.colsample_bytree,
                    colsample_bynode: self.colsample_bynode,
                    categorical_features: self.categorical_features.clone(),
                    max_cat_to_onehot: self.max_cat_to_onehot,
                    cat_smooth: self.cat_smooth,
                    max_cat_threshold: self.max_cat_threshold,
                    monotonic_constraints: self.monotonic_constraints.clone(),
                    early_stopping: self.early_stopping,
                    validation_fraction: self.validation_fraction,
                    n_iter_no_change: self.n_iter_no_change,
                    tol: self.tol,
                    seed: self.seed,
                }
            }
        }
    };
}

gbm_params! {
    /// Parameters of a [`crate::GbmClassifier`]: binary log-loss (one tree per round) or
    /// multiclass softmax (one tree per class per round). scikit-learn's names, LightGBM's where
    /// scikit-learn has none; see the crate docs and `docs/gbm.md`.
    GbmClassifierParams {
        /// Class weights: `none`, `balanced` or a map from label to weight. Default `none`;
        /// weights must be finite and positive.
        class_weight: ClassWeight = ClassWeight::None,
        /// Weight multiplier of the positive class (the second label) in binary problems
        /// (LightGBM's `scale_pos_weight`). Default 1; in (0, ∞).
        scale_pos_weight: f64 = 1.0,
    }
}

gbm_params! {
    /// Parameters of a [`crate::GbmRegressor`]. scikit-learn's names, LightGBM's where
    /// scikit-learn has none; see the crate docs and `docs/gbm.md`.
    GbmRegressorParams {
        /// The loss: `squared_error`, `absolute_error`, `huber`, `quantile` or `poisson`.
        /// Default `squared_error`.
        loss: RegressionLoss = RegressionLoss::SquaredError,
        /// The Huber threshold on the residual (LightGBM's `alpha` for `huber`). Default 0.9;
        /// in (0, ∞).
        huber_alpha: f64 = 0.9,
        /// The quantile of the `quantile` loss. Default 0.9; in (0, 1).
        quantile_alpha: f64 = 0.9,
    }
}

/// The settings both parameter structs share, as the engine reads them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Common {
    pub n_estimators: usize,
    pub learning_rate: f64,
    pub num_leaves: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub min_child_weight: f64,
    pub l1_regularization: f64,
    pub l2_regularization: f64,
    pub min_split_gain: f64,
    pub max_bin: usize,
    pub subsample: f64,
    pub colsample_bytree: f64,
    pub colsample_bynode: f64,
    pub categorical_features: Vec<usize>,
    pub max_cat_to_onehot: usize,
    pub cat_smooth: f64,
    pub max_cat_threshold: usize,
    pub monotonic_constraints: Vec<i8>,
    pub early_stopping: EarlyStopping,
    pub validation_fraction: f64,
    pub n_iter_no_change: usize,
    pub tol: f64,
    pub seed: u64,
}

fn finite_at_least(name: &str, v: f64, lo: f64) -> Result<()> {
    if !(v.is_finite() && v >= lo) {
        return Err(Error::param(
            name,
            format!("must be a finite number in [{lo}, ∞), got {v}"),
        ));
    }
    Ok(())
}

fn positive(name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        return Err(Error::param(
            name,
            format!("must be a finite number in (0, ∞), got {v}"),
        ));
    }
    Ok(())
}

fn fraction(name: &str, v: f64, one_ok: bool) -> Result<()> {
    let ok = v > 0.0 && (v < 1.0 || (one_ok && v == 1.0));
    if !ok {
        let range = if one_ok { "(0, 1]" } else { "(0, 1)" };
        return Err(Error::param(name, format!("must be in {range}, got {v}")));
    }
    Ok(())
}

fn at_least(name: &str, v: usize, lo: usize) -> Result<()> {
    if v < lo {
        return Err(Error::param(
            name,
            format!("must be at least {lo}, got {v}"),
        ));
    }
    Ok(())
}

impl Common {
    /// Check every shared field against its documented range.
    pub fn validate(&self) -> Result<()> {
        at_least("n_estimators", self.n_estimators, 1)?;
        positive("learning_rate", self.learning_rate)?;
        if !(2..=131_072).contains(&self.num_leaves) {
            return Err(Error::param(
                "num_leaves",
                format!("must be in [2, 131072], got {}", self.num_leaves),
            ));
        }
        if let Some(d) = self.max_depth {
            at_least("max_depth", d, 1)?;
        }
        at_least("min_samples_leaf", self.min_samples_leaf, 1)?;
        finite_at_least("min_child_weight", self.min_child_weight, 0.0)?;
        finite_at_least("l1_regularization", self.l1_regularization, 0.0)?;
        finite_at_least("l2_regularization", self.l2_regularization, 0.0)?;
        finite_at_least("min_split_gain", self.min_split_gain, 0.0)?;
        if !(2..=255).contains(&self.max_bin) {
            return Err(Error::param(
                "max_bin",
                format!("must be in [2, 255], got {}", self.max_bin),
            ));
        }
        fraction("subsample", self.subsample, true)?;
        fraction("colsample_bytree", self.colsample_bytree, true)?;
        fraction("colsample_bynode", self.colsample_bynode, true)?;
        at_least("max_cat_to_onehot", self.max_cat_to_onehot, 1)?;
        finite_at_least("cat_smooth", self.cat_smooth, 0.0)?;
        at_least("max_cat_threshold", self.max_cat_threshold, 1)?;
        if let Some(c) = self.monotonic_constraints.iter().find(|c| c.abs() > 1) {
            return Err(Error::param(
                "monotonic_constraints",
                format!("each entry must be -1, 0 or 1, got {c}"),
            ));
        }
        fraction("validation_fraction", self.validation_fraction, false)?;
        at_least("n_iter_no_change", self.n_iter_no_change, 1)?;
        finite_at_least("tol", self.tol, 0.0)?;
        Ok(())
    }

    /// Check the fields whose range depends on the data: feature indices and constraint length.
    pub fn validate_for(&self, n_features: usize, categorical: &[bool]) -> Result<()> {
        if let Some(&j) = self.categorical_features.iter().find(|&&j| j >= n_features) {
            return Err(Error::param(
                "categorical_features",
                format!(
                    "index {j} is out of range: the data has {n_features} features (indices 0 to {})",
                    n_features.saturating_sub(1)
                ),
            ));
        }
        let m = &self.monotonic_constraints;
        if !m.is_empty() && m.len() != n_features {
            return Err(Error::param(
                "monotonic_constraints",
                format!(
                    "needs one entry per feature ({n_features}), got {}",
                    m.len()
                ),
            ));
        }
        if let Some(j) = (0..m.len()).find(|&j| m[j] != 0 && categorical[j]) {
            return Err(Error::param(
                "monotonic_constraints",
                format!("feature {j} is categorical; constraints apply to numeric features only"),
            ));
        }
        Ok(())
    }
}

impl satori_core::Params for GbmClassifierParams {
    fn validate(&self) -> Result<()> {
        self.common().validate()?;
        positive("scale_pos_weight", self.scale_pos_weight)?;
        if let ClassWeight::Map(m) = &self.class_weight
            && let Some((k, v)) = m.iter().find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(Error::param(
                "class_weight",
                format!("the weight of class `{k}` must be finite and positive, got {v}"),
            ));
        }
        Ok(())
    }
}

impl satori_core::Params for GbmRegressorParams {
    fn validate(&self) -> Result<()> {
        self.common().validate()?;
        positive("huber_alpha", self.huber_alpha)?;
        fraction("quantile_alpha", self.quantile_alpha, false)?;
        Ok(())
    }
}
