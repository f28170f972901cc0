//! Settings shared by decision trees and forests: feature sampling, class weights, the splitter,
//! and the validation and data preparation every tree model does the same way.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::class_weight::ClassWeightForm;
use satori_core::{Dataset, Error, Result, Target, check_features};
use serde::{Deserialize, Serialize};

use crate::builder::Columns;
use crate::flat::FlatTree;

/// How many features each split considers (scikit-learn's `max_features`), written in TOML and
/// JSON as scikit-learn does: `"all"`, `"sqrt"`, `"log2"`, a count (`max_features = 5`) or a
/// fraction (`max_features = 0.5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FeatureSampling {
    /// Every feature (scikit-learn's `None` or `1.0`).
    All,
    /// `max(1, floor(sqrt(n_features)))`.
    Sqrt,
    /// `max(1, floor(log2(n_features)))`.
    Log2,
    /// This many features, at least 1 and at most the number of columns (checked at fit).
    Count(usize),
    /// `max(1, floor(fraction · n_features))`, the fraction in (0, 1].
    Fraction(f64),
}

impl FeatureSampling {
    /// The number of features per split for `p` columns.
    pub fn resolve(self, p: usize) -> Result<usize> {
        let k = match self {
            FeatureSampling::All => p,
            FeatureSampling::Sqrt => (p as f64).sqrt() as usize,
            FeatureSampling::Log2 => (p as f64).log2() as usize,
            FeatureSampling::Count(k) => {
                if k > p {
                    return Err(Error::param(
                        "max_features",
                        format!("must be at most the number of features ({p}), got {k}"),
                    ));
                }
                k
            }
            FeatureSampling::Fraction(f) => (f * p as f64) as usize,
        };
        Ok(k.max(1))
    }

    pub(crate) fn validate(self) -> Result<()> {
        match self {
            FeatureSampling::Count(0) => Err(Error::param(
                "max_features",
                "a count must be at least 1, got 0",
            )),
            FeatureSampling::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                "max_features",
                format!("a fraction must be in (0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrWord {
    Count(u64),
    Fraction(f64),
    Word(String),
}

impl Serialize for FeatureSampling {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            FeatureSampling::All => s.serialize_str("all"),
            FeatureSampling::Sqrt => s.serialize_str("sqrt"),
            FeatureSampling::Log2 => s.serialize_str("log2"),
            FeatureSampling::Count(k) => s.serialize_u64(*k as u64),
            FeatureSampling::Fraction(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for FeatureSampling {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match NumOrWord::deserialize(d)? {
            NumOrWord::Count(k) => usize::try_from(k)
                .map(FeatureSampling::Count)
                .map_err(|_| serde::de::Error::custom("max_features is too large")),
            NumOrWord::Fraction(f) => Ok(FeatureSampling::Fraction(f)),
            NumOrWord::Word(w) => match w.as_str() {
                "all" => Ok(FeatureSampling::All),
                "sqrt" => Ok(FeatureSampling::Sqrt),
                "log2" => Ok(FeatureSampling::Log2),
                _ => Err(serde::de::Error::custom(format!(
                    "max_features must be \"all\", \"sqrt\", \"log2\", a count or a fraction, \
                     got \"{w}\""
                ))),
            },
        }
    }
}

/// Class weights (scikit-learn's `class_weight`), multiplied into the sample weights:
/// `class_weight = "balanced"`, `"balanced_subsample"` (forests only) or a map from class label
/// to weight (`class_weight = { yes = 5.0 }`; labels not named get weight 1).
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeight {
    /// `n_samples / (n_classes · count(class))`, over the classes present.
    Balanced,
    /// `balanced`, computed on each tree's bootstrap sample (forests only).
    BalancedSubsample,
    /// An explicit weight per class label.
    Map(BTreeMap<String, f64>),
}

impl Serialize for ClassWeight {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ClassWeight::Balanced => ClassWeightForm::Balanced,
            ClassWeight::BalancedSubsample => ClassWeightForm::BalancedSubsample,
            ClassWeight::Map(m) => ClassWeightForm::Map(m.clone()),
        }
        .write(s)
    }
}

/// A tree's or forest's `class_weight` in the one text form of
/// [`satori_core::class_weight`]: `"none"` (or null) is no class weights.
pub(crate) fn read_class_weight<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<ClassWeight>, D::Error> {
    Ok(match ClassWeightForm::read(d)? {
        ClassWeightForm::None => None,
        ClassWeightForm::Balanced => Some(ClassWeight::Balanced),
        ClassWeightForm::BalancedSubsample => Some(ClassWeight::BalancedSubsample),
        ClassWeightForm::Map(m) => Some(ClassWeight::Map(m)),
    })
}

impl<'de> Deserialize<'de> for ClassWeight {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        read_class_weight(d)?.ok_or_else(|| {
            serde::de::Error::custom("class_weight \"none\": leave class_weight out instead")
        })
    }
}

impl ClassWeight {
    pub(crate) fn validate(&self) -> Result<()> {
        if let ClassWeight::Map(m) = self
            && let Some((l, w)) = m.iter().find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::param(
                "class_weight",
                format!("weights must be finite and non-negative, got {w} for class `{l}`"),
            ));
        }
        Ok(())
    }

    /// The weight of each class code, computed from the class codes `codes` (restricted to
    /// `rows` when given, with repetitions, as scikit-learn's `compute_sample_weight`).
    pub(crate) fn per_class(
        &self,
        labels: &[String],
        codes: &[u32],
        rows: Option<&[u32]>,
    ) -> Result<Vec<f64>> {
        let k = labels.len();
        match self {
            ClassWeight::Map(m) => {
                if let Some(bad) = m.keys().find(|l| !labels.contains(l)) {
                    return Err(satori_core::class_weight::unknown_class(bad, labels));
                }
                Ok(labels
                    .iter()
                    .map(|l| m.get(l).copied().unwrap_or(1.0))
                    .collect())
            }
            ClassWeight::Balanced | ClassWeight::BalancedSubsample => {
                let mut counts = vec![0usize; k];
                let mut total = 0usize;
                let mut add = |c: u32| {
                    counts[c as usize] += 1;
                    total += 1;
                };
                match rows {
                    Some(r) => r.iter().for_each(|&i| add(codes[i as usize])),
                    None => codes.iter().for_each(|&c| add(c)),
                }
                let present = counts.iter().filter(|&&c| c > 0).count() as f64;
                Ok(counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            0.0
                        } else {
                            total as f64 / (present * c as f64)
                        }
                    })
                    .collect())
            }
        }
    }
}

/// How a decision tree chooses thresholds (scikit-learn's `splitter`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Splitter {
    /// The best threshold of each candidate feature (default).
    #[default]
    Best,
    /// The best of one random threshold per candidate feature.
    Random,
}

/// The checks shared by every tree-growing parameter set.
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_growth(
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_weight_fraction_leaf: f64,
    max_features: FeatureSampling,
    max_leaf_nodes: Option<usize>,
    min_impurity_decrease: f64,
    ccp_alpha: f64,
) -> Result<()> {
    if max_depth == Some(0) {
        return Err(Error::param(
            "max_depth",
            "must be at least 1 (or absent for no limit), got 0",
        ));
    }
    if min_samples_split < 2 {
        return Err(Error::param(
            "min_samples_split",
            format!("must be at least 2, got {min_samples_split}"),
        ));
    }
    if min_samples_leaf < 1 {
        return Err(Error::param(
            "min_samples_leaf",
            "must be at least 1, got 0",
        ));
    }
    if !(0.0..=0.5).contains(&min_weight_fraction_leaf) {
        return Err(Error::param(
            "min_weight_fraction_leaf",
            format!("must be in [0, 0.5], got {min_weight_fraction_leaf}"),
        ));
    }
    max_features.validate()?;
    if let Some(m) = max_leaf_nodes
        && m < 2
    {
        return Err(Error::param(
            "max_leaf_nodes",
            format!("must be at least 2 (or absent for no limit), got {m}"),
        ));
    }
    if !(min_impurity_decrease >= 0.0 && min_impurity_decrease.is_finite()) {
        return Err(Error::param(
            "min_impurity_decrease",
            format!("must be finite and >= 0, got {min_impurity_decrease}"),
        ));
    }
    if !(ccp_alpha >= 0.0 && ccp_alpha.is_finite()) {
        return Err(Error::param(
            "ccp_alpha",
            format!("must be finite and >= 0, got {ccp_alpha}"),
        ));
    }
    Ok(())
}

/// Training data in the builder's form.
pub(crate) struct Prepared {
    pub cols: Columns,
    pub y: Vec<f64>,
    pub class: Vec<u32>,
    pub labels: Vec<String>,
    pub w: Vec<f64>,
}

/// Check a dataset and bring it into the builder's form. `classification` says which target kind
/// the model needs; `what` names the model in messages.
pub(crate) fn prepare(data: &Dataset, classification: bool, what: &str) -> Result<Prepared> {
    let target = data.require_target()?;
    let n = data.n_samples();
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {what}"),
            needed: 1,
            got: 0,
        });
    }
    if data.n_features() == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {what} (feature columns)"),
            needed: 1,
            got: 0,
        });
    }
    let (y, class, labels) = match (target, classification) {
        (Target::Classes { codes, labels }, true) => (
            codes.mapv(|c| c as f64).to_vec(),
            codes.iter().map(|&c| c as u32).collect(),
            labels.clone(),
        ),
        (Target::Continuous(y), false) => {
            if let Some(i) = y.iter().position(|v| !v.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "the target holds {} at row {i}; {what} needs finite target values",
                    y[i]
                )));
            }
            (y.to_vec(), Vec::new(), Vec::new())
        }
        (Target::Continuous(_), true) => {
            return Err(Error::InvalidData(format!(
                "{what} needs class labels as the target, and this target is continuous \
                 (use the regressor for a continuous target)"
            )));
        }
        (Target::Classes { .. }, false) => {
            return Err(Error::InvalidData(format!(
                "{what} needs a continuous target, and this target holds class labels \
                 (use the classifier for classes)"
            )));
        }
    };
    let w = match data.weights() {
        Some(w) => w.to_vec(),
        None => vec![1.0; n],
    };
    Ok(Prepared {
        cols: Columns::new(data.x())?,
        y,
        class,
        labels,
        w,
    })
}

/// The checks of the Poisson criterion (scikit-learn's): no negative target, a positive sum.
pub(crate) fn check_poisson(y: &[f64]) -> Result<()> {
    if let Some(v) = y.iter().find(|v| **v < 0.0) {
        return Err(Error::InvalidData(format!(
            "the poisson criterion needs a non-negative target, found {v}"
        )));
    }
    if y.iter().sum::<f64>() <= 0.0 {
        return Err(Error::InvalidData(
            "the poisson criterion needs a target with a positive sum".into(),
        ));
    }
    Ok(())
}

/// Normalised impurity importances of one tree (scikit-learn's `feature_importances_`): the
/// weighted impurity decrease per feature over the root weight, scaled to sum to 1 (all zeros for
/// a tree without splits).
pub(crate) fn tree_importances(tree: &FlatTree) -> Vec<f64> {
    let mut imp = tree.gain_by_feature();
    let root = if tree.n_nodes() > 0 {
        tree.stats(0).weight
    } else {
        0.0
    };
    if root > 0.0 {
        imp.iter_mut().for_each(|v| *v /= root);
    }
    let total: f64 = imp.iter().sum();
    if total > 0.0 {
        imp.iter_mut().for_each(|v| *v /= total);
    }
    imp
}

/// The leaf values of every row: `rows × n_outputs`, after checking the column count.
pub(crate) fn tree_values(tree: &FlatTree, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    check_features(x, tree.n_features())?;
    tree.predict(x)
}

/// The index of the largest value of each row (the first on ties, as `np.argmax`), as `f64`.
pub(crate) fn argmax_rows(p: &Array2<f64>) -> Array1<f64> {
    p.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (i, v) in r.iter().enumerate() {
                if *v > r[best] {
                    best = i;
                }
            }
            best as f64
        })
        .collect()
}
