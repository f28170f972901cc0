//! The parameters of the four forests (random forest and extra trees, classifier and
//! regressor), with scikit-learn's names and defaults.

use satori_core::{Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::criterion::{ClassCriterion, RegCriterion};
use crate::params::{ClassWeight, FeatureSampling, validate_growth};

/// How many rows each tree's bootstrap sample draws (scikit-learn's `max_samples`):
/// `max_samples = 5000` (at most the number of rows) or `max_samples = 0.5`
/// (`max(round(fraction · n_rows), 1)`, the fraction in (0, 1]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleSize {
    /// This many rows, at least 1.
    Count(usize),
    /// This fraction of the rows, in (0, 1].
    Fraction(f64),
}

impl SampleSize {
    /// The number of rows to draw out of `n`.
    pub fn resolve(self, n: usize) -> Result<usize> {
        match self {
            SampleSize::Count(k) if k > n => Err(Error::param(
                "max_samples",
                format!("must be at most the number of training rows ({n}), got {k}"),
            )),
            SampleSize::Count(k) => Ok(k),
            SampleSize::Fraction(f) => Ok(((n as f64 * f).round_ties_even() as usize).max(1)),
        }
    }

    pub(crate) fn validate(self) -> Result<()> {
        match self {
            SampleSize::Count(0) => Err(Error::param(
                "max_samples",
                "a count must be at least 1, got 0",
            )),
            SampleSize::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                "max_samples",
                format!("a fraction must be in (0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeRepr {
    Count(u64),
    Fraction(f64),
}

impl Serialize for SampleSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            SampleSize::Count(k) => s.serialize_u64(*k as u64),
            SampleSize::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for SampleSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match SizeRepr::deserialize(d)? {
            SizeRepr::Count(k) => usize::try_from(k)
                .map(SampleSize::Count)
                .map_err(|_| serde::de::Error::custom("max_samples is too large")),
            SizeRepr::Fraction(f) => Ok(SampleSize::Fraction(f)),
        }
    }
}

macro_rules! forest_params {
    (
        $(#[$doc:meta])*
        $name:ident, criterion: $crit:ty, max_features: $mf:expr, mf_doc: $mfdoc:literal,
        bootstrap: $boot:expr, boot_doc: $bootdoc:literal $(, class_weight: $cwty:ty)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", default, deny_unknown_fields)]
        pub struct $name {
            /// The number of trees. Default 100; at least 1.
            pub n_estimators: usize,
            /// The impurity each tree minimises (as for the decision trees).
            pub criterion: $crit,
            /// The maximum depth of each tree. Default none (no limit); at least 1.
            pub max_depth: Option<usize>,
            /// The fewest rows a node needs to be split. Default 2; at least 2.
            pub min_samples_split: usize,
            /// The fewest rows each child of a split must get. Default 1; at least 1.
            pub min_samples_leaf: usize,
            /// The smallest share of the total sample weight each child must get. Default 0;
            /// in [0, 0.5].
            pub min_weight_fraction_leaf: f64,
            #[doc = $mfdoc]
            pub max_features: FeatureSampling,
            /// Grow each tree best-first up to this many leaves. Default none; at least 2.
            pub max_leaf_nodes: Option<usize>,
            /// The smallest weighted impurity decrease of a split. Default 0; finite, >= 0.
            pub min_impurity_decrease: f64,
            #[doc = $bootdoc]
            pub bootstrap: bool,
            /// Score the forest on the out-of-bag rows (accuracy for classifiers, R² for
            /// regressors); needs `bootstrap`. Default false.
            pub oob_score: bool,
            /// The rows of each bootstrap sample: a count (1..=n_rows) or a fraction in (0, 1].
            /// Default none (as many as training rows). Only with `bootstrap`.
            pub max_samples: Option<SampleSize>,
            /// Cost-complexity pruning strength of each tree. Default 0; finite, >= 0.
            pub ccp_alpha: f64,
            $(
            /// Class weights multiplied into the sample weights: none (default),
            /// `"balanced"`, `"balanced_subsample"` (balanced on each tree's bootstrap sample)
            /// or a map from label to weight.
            #[serde(deserialize_with = "crate::params::read_class_weight")]
            pub class_weight: $cwty,
            )?
            /// Seed of the bootstrap samples, the feature draws and the random thresholds;
            /// tree `i` uses a stream derived from the seed and `i`, so the forest does not
            /// depend on the number of threads. Default 0.
            pub seed: u64,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    n_estimators: 100,
                    criterion: Default::default(),
                    max_depth: None,
                    min_samples_split: 2,
                    min_samples_leaf: 1,
                    min_weight_fraction_leaf: 0.0,
                    max_features: $mf,
                    max_leaf_nodes: None,
                    min_impurity_decrease: 0.0,
                    bootstrap: $boot,
                    oob_score: false,
                    max_samples: None,
                    ccp_alpha: 0.0,
                    $( class_weight: <$cwty>::default(), )?
                    seed: 0,
                }
            }
        }

        impl Params for $name {
            fn validate(&self) -> Result<()> {
                if self.n_estimators == 0 {
                    return Err(Error::param("n_estimators", "must be at least 1, got 0"));
                }
                validate_growth(
                    self.max_depth,
                    self.min_samples_split,
                    self.min_samples_leaf,
                    self.min_weight_fraction_leaf,
                    self.max_features,
                    self.max_leaf_nodes,
                    self.min_impurity_decrease,
                    self.ccp_alpha,
                )?;
                if self.oob_score && !self.bootstrap {
                    return Err(Error::param(
                        "oob_score",
                        "needs bootstrap = true (without bootstrap no row is out of bag)",
                    ));
                }
                if let Some(m) = self.max_samples {
                    if !self.bootstrap {
                        return Err(Error::param(
                            "max_samples",
                            "only applies with bootstrap = true; remove it or set bootstrap",
                        ));
                    }
                    m.validate()?;
                }
                $(
                let cw: &$cwty = &self.class_weight;
                if let Some(cw) = cw {
                    cw.validate()?;
                }
                )?
                Ok(())
            }
        }
    };
}

forest_params!(
    /// Parameters of a random forest classifier (scikit-learn's `RandomForestClassifier`).
    RandomForestClassifierParams,
    criterion: ClassCriterion,
    max_features: FeatureSampling::Sqrt,
    mf_doc: "The features considered per split: `\"sqrt\"` (default), `\"log2\"`, `\"all\"`, a count or a fraction in (0, 1].",
    bootstrap: true,
    boot_doc: "Fit each tree on a bootstrap sample of the rows. Default true.",
    class_weight: Option<ClassWeight>
);

forest_params!(
    /// Parameters of an extra-trees classifier (scikit-learn's `ExtraTreesClassifier`): random
    /// thresholds, no bootstrap by default.
    ExtraTreesClassifierParams,
    criterion: ClassCriterion,
    max_features: FeatureSampling::Sqrt,
    mf_doc: "The features considered per split: `\"sqrt\"` (default), `\"log2\"`, `\"all\"`, a count or a fraction in (0, 1].",
    bootstrap: false,
    boot_doc: "Fit each tree on a bootstrap sample of the rows. Default false (every tree sees every row).",
    class_weight: Option<ClassWeight>
);

forest_params!(
    /// Parameters of a random forest regressor (scikit-learn's `RandomForestRegressor`).
    RandomForestRegressorParams,
    criterion: RegCriterion,
    max_features: FeatureSampling::All,
    mf_doc: "The features considered per split: `\"all\"` (default, scikit-learn's 1.0), `\"sqrt\"`, `\"log2\"`, a count or a fraction in (0, 1].",
    bootstrap: true,
    boot_doc: "Fit each tree on a bootstrap sample of the rows. Default true."
);

forest_params!(
    /// Parameters of an extra-trees regressor (scikit-learn's `ExtraTreesRegressor`).
    ExtraTreesRegressorParams,
    criterion: RegCriterion,
    max_features: FeatureSampling::All,
    mf_doc: "The features considered per split: `\"all\"` (default, scikit-learn's 1.0), `\"sqrt\"`, `\"log2\"`, a count or a fraction in (0, 1].",
    bootstrap: false,
    boot_doc: "Fit each tree on a bootstrap sample of the rows. Default false."
);
