//! The balanced random forest (imbalanced-learn's `BalancedRandomForestClassifier`): every tree
//! grows on a random under-sample of the training rows in which the classes are balanced, then
//! (with `bootstrap`) on a bootstrap sample of that under-sample.

use satori_core::rng::{RngExt, SatoriRng};
use satori_core::{Error, Params, Result};
use serde::{Deserialize, Serialize};

use super::SampleSize;
use crate::criterion::ClassCriterion;
use crate::params::{ClassWeight, FeatureSampling, validate_growth};

/// Which classes each tree's random under-sampler shrinks (imbalanced-learn's
/// `sampling_strategy` for under-sampling), written as imbalanced-learn does: `"all"`,
/// `"auto"`, `"majority"`, `"not minority"`, `"not majority"` (underscores also accepted), or a
/// number in (0, 1] for a binary target: the wanted ratio minority / majority after sampling.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum UnderSampling {
    /// Every class, the minority included, to the minority's count (the default, as
    /// imbalanced-learn 0.13+'s balanced forest).
    #[default]
    All,
    /// Every class but the minority, to the minority's count (`"auto"` is the same).
    NotMinority,
    /// Only the majority class, to the minority's count.
    Majority,
    /// Every class but the majority, to the minority's count.
    NotMajority,
    /// Binary only: the majority class to `minority count / ratio` rows, the ratio in (0, 1].
    Ratio(f64),
}

impl Serialize for UnderSampling {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            UnderSampling::All => s.serialize_str("all"),
            UnderSampling::NotMinority => s.serialize_str("not minority"),
            UnderSampling::Majority => s.serialize_str("majority"),
            UnderSampling::NotMajority => s.serialize_str("not majority"),
            UnderSampling::Ratio(r) => s.serialize_f64(*r),
        }
    }
}

impl<'de> Deserialize<'de> for UnderSampling {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Ratio(f64),
        }
        match Repr::deserialize(d)? {
            Repr::Ratio(r) => Ok(UnderSampling::Ratio(r)),
            Repr::Text(t) => match t.replace('_', " ").as_str() {
                "all" => Ok(UnderSampling::All),
                "auto" | "not minority" => Ok(UnderSampling::NotMinority),
                "majority" => Ok(UnderSampling::Majority),
                "not majority" => Ok(UnderSampling::NotMajority),
                other => Err(serde::de::Error::custom(format!(
                    "unknown sampling_strategy `{other}`; expected \"all\", \"auto\", \
                     \"majority\", \"not minority\", \"not majority\" or a ratio in (0, 1]"
                ))),
            },
        }
    }
}

/// Parameters of a balanced random forest classifier (imbalanced-learn 0.14's
/// `BalancedRandomForestClassifier`): a random forest whose every tree first draws a random
/// under-sample of the rows that balances the classes (`sampling_strategy`, `replacement`),
/// then, with `bootstrap`, a bootstrap sample of that under-sample. imbalanced-learn's defaults:
/// `sampling_strategy = "all"`, `replacement = true`, `bootstrap = false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct BalancedRandomForestClassifierParams {
    /// The number of trees. Default 100; at least 1.
    pub n_estimators: usize,
    /// The impurity each tree minimises: `gini` (default), `entropy` or `log_loss`.
    pub criterion: ClassCriterion,
    /// The maximum depth of each tree. Default none (no limit); at least 1.
    pub max_depth: Option<usize>,
    /// The fewest rows a node needs to be split. Default 2; at least 2.
    pub min_samples_split: usize,
    /// The fewest rows each child of a split must get. Default 1; at least 1.
    pub min_samples_leaf: usize,
    /// The smallest share of the total sample weight each child must get. Default 0; in
    /// [0, 0.5].
    pub min_weight_fraction_leaf: f64,
    /// The features considered per split: `"sqrt"` (default), `"log2"`, `"all"`, a count or a
    /// fraction in (0, 1].
    pub max_features: FeatureSampling,
    /// Grow each tree best-first up to this many leaves. Default none; at least 2.
    pub max_leaf_nodes: Option<usize>,
    /// The smallest weighted impurity decrease of a split. Default 0; finite, >= 0.
    pub min_impurity_decrease: f64,
    /// Fit each tree on a bootstrap sample of its under-sample. Default false.
    pub bootstrap: bool,
    /// Score the forest on the out-of-bag rows (accuracy): rows of a tree's under-sample that
    /// its bootstrap did not draw, as imbalanced-learn. Needs `bootstrap`. Default false.
    pub oob_score: bool,
    /// Which classes the under-sampler shrinks: `"all"` (default), `"auto"`/`"not minority"`,
    /// `"majority"`, `"not majority"`, or a ratio in (0, 1] (binary targets).
    pub sampling_strategy: UnderSampling,
    /// Draw each class's under-sample with replacement. Default true.
    pub replacement: bool,
    /// The rows of each bootstrap sample: a count or a fraction in (0, 1] of the training
    /// rows, capped at the under-sample's size. Default none (the under-sample's size). Only
    /// with `bootstrap`.
    pub max_samples: Option<SampleSize>,
    /// Cost-complexity pruning strength of each tree. Default 0; finite, >= 0.
    pub ccp_alpha: f64,
    /// Class weights multiplied into the sample weights: none (default), `"balanced"`,
    /// `"balanced_subsample"` (balanced on each tree's bootstrap sample) or a map from label to
    /// weight.
    #[serde(deserialize_with = "crate::params::read_class_weight")]
    pub class_weight: Option<ClassWeight>,
    /// Seed of the under-samples, the bootstrap samples and the feature draws; tree `i` uses a
    /// stream derived from the seed and `i`, so the forest does not depend on the number of
    /// threads. Default 0.
    pub seed: u64,
}

impl Default for BalancedRandomForestClassifierParams {
    fn default() -> Self {
        BalancedRandomForestClassifierParams {
            n_estimators: 100,
            criterion: ClassCriterion::default(),
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_weight_fraction_leaf: 0.0,
            max_features: FeatureSampling::Sqrt,
            max_leaf_nodes: None,
            min_impurity_decrease: 0.0,
            bootstrap: false,
            oob_score: false,
            sampling_strategy: UnderSampling::All,
            replacement: true,
            max_samples: None,
            ccp_alpha: 0.0,
            class_weight: None,
            seed: 0,
        }
    }
}

impl Params for BalancedRandomForestClassifierParams {
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
                "needs bootstrap = true (without bootstrap no row of an under-sample is out \
                 of bag)",
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
        if let UnderSampling::Ratio(r) = self.sampling_strategy
            && !(r > 0.0 && r <= 1.0)
        {
            return Err(Error::param(
                "sampling_strategy",
                format!("a ratio (minority / majority after sampling) must be in (0, 1], got {r}"),
            ));
        }
        if let Some(cw) = &self.class_weight {
            cw.validate()?;
        }
        Ok(())
    }
}

/// The rows of every class (in row order) and the number each class keeps: imbalanced-learn's
/// `RandomUnderSampler` targets. Classes that are not resampled keep all their rows.
pub(crate) struct UnderSampler {
    by_class: Vec<Vec<u32>>,
    /// `Some(target)` for the classes drawn, `None` for the classes kept whole.
    targets: Vec<Option<usize>>,
    replacement: bool,
}

impl UnderSampler {
    pub(crate) fn new(
        strategy: UnderSampling,
        replacement: bool,
        class: &[u32],
        labels: &[String],
    ) -> Result<Self> {
        let k = labels.len();
        let mut by_class = vec![Vec::new(); k];
        for (i, &c) in class.iter().enumerate() {
            by_class[c as usize].push(i as u32);
        }
        let counts: Vec<usize> = by_class.iter().map(Vec::len).collect();
        // imbalanced-learn's minority / majority: the first class with the fewest / most rows
        // among those present.
        let present: Vec<usize> = (0..k).filter(|&c| counts[c] > 0).collect();
        let Some(&first) = present.first() else {
            return Err(Error::InvalidData(
                "the balanced random forest needs training rows".into(),
            ));
        };
        let mut minority = first;
        let mut majority = first;
        for &c in &present {
            if counts[c] < counts[minority] {
                minority = c;
            }
            if counts[c] > counts[majority] {
                majority = c;
            }
        }
        let n_min = counts[minority];
        let targets = (0..k)
            .map(|c| {
                if counts[c] == 0 {
                    return Ok(None);
                }
                Ok(match strategy {
                    UnderSampling::All => Some(n_min),
                    UnderSampling::NotMinority => (c != minority).then_some(n_min),
                    UnderSampling::Majority => (c == majority).then_some(n_min),
                    UnderSampling::NotMajority => (c != majority).then_some(n_min),
                    UnderSampling::Ratio(r) => {
                        if present.len() != 2 {
                            return Err(Error::param(
                                "sampling_strategy",
                                format!(
                                    "a ratio needs a binary target, and {} classes occur; use \
                                     \"all\", \"auto\", \"majority\", \"not minority\" or \
                                     \"not majority\"",
                                    present.len()
                                ),
                            ));
                        }
                        (c != minority).then_some((n_min as f64 / r) as usize)
                    }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for (c, t) in targets.iter().enumerate() {
            if let Some(t) = t
                && *t > counts[c]
            {
                return Err(Error::param(
                    "sampling_strategy",
                    format!(
                        "under-sampling class `{}` to {t} rows needs at least that many, and it \
                         has {}; choose a larger ratio",
                        labels[c], counts[c]
                    ),
                ));
            }
        }
        Ok(UnderSampler {
            by_class,
            targets,
            replacement,
        })
    }

    /// One tree's under-sample: row indices (repeated where drawn with replacement), class by
    /// class.
    pub(crate) fn draw(&self, r: &mut SatoriRng) -> Vec<u32> {
        let mut out = Vec::new();
        for (rows, target) in self.by_class.iter().zip(&self.targets) {
            match *target {
                None => out.extend_from_slice(rows),
                Some(t) if self.replacement => {
                    out.extend((0..t).map(|_| rows[r.random_range(0..rows.len())]));
                }
                Some(t) => {
                    // A partial Fisher-Yates shuffle: t distinct rows.
                    let mut pool = rows.clone();
                    for i in 0..t {
                        let j = r.random_range(i..pool.len());
                        pool.swap(i, j);
                    }
                    out.extend_from_slice(&pool[..t]);
                }
            }
        }
        out
    }
}
