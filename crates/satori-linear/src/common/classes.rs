//! Pieces the linear classifiers share: class weights, the classification target, input checks
//! and the C parameter's text form.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::{CsMat, Dataset, Error, Result, Target};

/// Weights of the classes, multiplied into the sample weights (scikit-learn's `class_weight`).
///
/// In TOML: `class_weight = "balanced"`, or `class_weight = { yes = 3.0 }` (the one text form
/// of [`satori_core::class_weight`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClassWeight {
    /// Every class weighs 1 (default).
    #[default]
    None,
    /// `n_samples / (n_classes · count(class))`: rare classes weigh more. Counts are sums of the
    /// sample weights for logistic regression and plain row counts for SGD, as in scikit-learn.
    Balanced,
    /// A weight per class label; labels not listed weigh 1. Every listed label must be a class of
    /// the target, and every weight finite and non-negative.
    Weights(BTreeMap<String, f64>),
}

satori_core::class_weight_serde!(ClassWeight {
    None,
    Balanced,
    Weights
});

impl ClassWeight {
    /// Checks the weights of a map.
    pub(crate) fn validate(&self) -> Result<()> {
        if let ClassWeight::Weights(map) = self {
            for (label, w) in map {
                if !(w.is_finite() && *w >= 0.0) {
                    return Err(Error::param(
                        "class_weight",
                        format!("the weight of class `{label}` must be finite and >= 0, got {w}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// One weight per label of `labels` (1 for labels outside `present`, which have no rows).
    /// `balanced` counts rows in `codes` (weighted by `sample_weight` when given).
    pub(crate) fn resolve(
        &self,
        labels: &[String],
        codes: ArrayView1<'_, usize>,
        present: &[usize],
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Vec<f64>> {
        let mut out = vec![1.0; labels.len()];
        match self {
            ClassWeight::None => {}
            ClassWeight::Balanced => {
                let mut counts = vec![0.0; labels.len()];
                for (i, &c) in codes.iter().enumerate() {
                    counts[c] += sample_weight.map_or(1.0, |w| w[i]);
                }
                let total: f64 = present.iter().map(|&c| counts[c]).sum();
                let k = present.len() as f64;
                for &c in present {
                    out[c] = total / (k * counts[c]);
                }
            }
            ClassWeight::Weights(map) => {
                for (label, w) in map {
                    match labels.iter().position(|l| l == label) {
                        Some(c) => out[c] = *w,
                        None => {
                            return Err(satori_core::class_weight::unknown_class(label, labels));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The class codes and labels of a classification dataset, checked.
pub(crate) fn class_target<'a>(
    data: &'a Dataset,
    model: &str,
) -> Result<(ArrayView1<'a, usize>, &'a [String])> {
    class_codes(data.require_target()?, model)
}

/// The class codes and labels of a classification target, checked (codes in range).
pub(crate) fn class_codes<'a>(
    target: &'a Target,
    model: &str,
) -> Result<(ArrayView1<'a, usize>, &'a [String])> {
    match target {
        Target::Classes { codes, labels } => {
            if let Some((i, c)) = codes.iter().enumerate().find(|(_, c)| **c >= labels.len()) {
                return Err(Error::InvalidData(format!(
                    "class code {c} at row {i} is out of range for {} labels",
                    labels.len()
                )));
            }
            Ok((codes.view(), labels))
        }
        Target::Continuous(_) => Err(Error::InvalidData(format!(
            "{model} needs class labels as the target, and this target is continuous"
        ))),
    }
}

/// The checked inputs of a classifier's dense fit: class codes and labels (as
/// [`class_target`]), at least one row, and finite features.
pub(crate) fn dense_class_input<'a>(
    data: &'a Dataset,
    model: &str,
) -> Result<(ArrayView1<'a, usize>, &'a [String])> {
    let (codes, labels) = class_target(data, model)?;
    require_rows(codes.len(), model)?;
    check_finite(data.x(), model)?;
    Ok((codes, labels))
}

/// Class codes, labels and sample weights of a classifier's sparse fit.
pub(crate) type CsrClassInput<'a> = (ArrayView1<'a, usize>, &'a [String], Option<Array1<f64>>);

/// The checked inputs of a classifier's sparse fit: class codes and labels (as
/// [`class_codes`]), then the matrix, target length and sample weights (as
/// [`check_fit_csr`](crate::common::sparse::check_fit_csr)), the weights as an array.
pub(crate) fn csr_class_input<'a>(
    x: &CsMat<f64>,
    target: &'a Target,
    weights: Option<ArrayView1<'_, f64>>,
    model: &str,
) -> Result<CsrClassInput<'a>> {
    let (codes, labels) = class_codes(target, model)?;
    let w = crate::common::sparse::check_fit_csr(x, target, weights, model)?.map(Array1::from);
    Ok((codes, labels, w))
}

/// The class code per row of raw scores (as `f64`): for one column the second fitted class when
/// the score is > 0, else the first; for more the column with the largest score (the first on a
/// tie). `fitted` holds the label code of each column's class.
pub(crate) fn labels_from_scores(scores: &Array2<f64>, fitted: &[usize]) -> Array1<f64> {
    scores
        .outer_iter()
        .map(|s| {
            let k = if s.len() == 1 {
                usize::from(s[0] > 0.0)
            } else {
                let mut best = 0;
                for (k, v) in s.iter().enumerate() {
                    if *v > s[best] {
                        best = k;
                    }
                }
                best
            };
            fitted.get(k).map_or(f64::NAN, |&c| c as f64)
        })
        .collect()
}

/// The continuous target of a regression dataset.
pub(crate) fn regression_target<'a>(data: &'a Dataset, model: &str) -> Result<&'a Array1<f64>> {
    match data.require_target()? {
        Target::Continuous(y) => Ok(y),
        Target::Classes { .. } => Err(Error::InvalidData(format!(
            "{model} needs a continuous target, and this target holds class labels (use a \
             classifier)"
        ))),
    }
}

/// The codes of the classes with at least one row, ascending.
pub(crate) fn present_classes(codes: ArrayView1<'_, usize>, n_labels: usize) -> Vec<usize> {
    let mut seen = vec![false; n_labels];
    for &c in codes {
        seen[c] = true;
    }
    (0..n_labels).filter(|&c| seen[c]).collect()
}

/// An error unless at least two classes have rows.
pub(crate) fn require_two_classes(present: &[usize], labels: &[String], model: &str) -> Result<()> {
    if present.len() < 2 {
        let only = present
            .first()
            .and_then(|&c| labels.get(c))
            .map_or_else(|| "none".to_string(), |l| format!("`{l}`"));
        return Err(Error::InvalidData(format!(
            "{model} needs at least two classes in the target, but every training row has \
             class {only}"
        )));
    }
    Ok(())
}

/// An error if any feature value is NaN or infinite (linear models take no missing values).
pub(crate) fn check_finite(x: ArrayView2<'_, f64>, model: &str) -> Result<()> {
    for (i, row) in x.outer_iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{model} takes no missing or infinite values, but row {i}, column {j} is {}; \
                 impute or drop them first (e.g. a SimpleImputer step)",
                row[j]
            )));
        }
    }
    Ok(())
}

/// An error unless there is at least one row.
pub(crate) fn require_rows(n: usize, model: &str) -> Result<()> {
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {model}"),
            needed: 1,
            got: 0,
        });
    }
    Ok(())
}

/// `C`'s serde form: a number, or (in human-readable formats) the string `"inf"` for no penalty,
/// which JSON cannot write as a number. TOML may also write `inf` bare.
pub(crate) mod c_value {
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(c: &f64, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() && c.is_infinite() && *c > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_f64(*c)
        }
    }

    struct CVisitor;

    impl Visitor<'_> for CVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a positive number or \"inf\"")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "inf" | "+inf" | "infinity" => Ok(f64::INFINITY),
                other => other
                    .parse()
                    .map_err(|_| E::custom(format!("expected a number or \"inf\", got `{v}`"))),
            }
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(CVisitor)
        } else {
            d.deserialize_f64(CVisitor)
        }
    }
}

/// scikit-learn's `log1pexp`: `log(1 + exp(x))` without overflow, with its branch points.
pub(crate) fn log1pexp(x: f64) -> f64 {
    if x <= -37.0 {
        x.exp()
    } else if x <= -2.0 {
        x.exp().ln_1p()
    } else if x <= 18.0 {
        (1.0 + x.exp()).ln()
    } else if x <= 33.3 {
        x + (-x).exp()
    } else {
        x
    }
}

/// scikit-learn's half binomial loss of label `y` in {0, 1} at raw score `raw`.
pub(crate) fn half_binomial_loss(y: f64, raw: f64) -> f64 {
    log1pexp(raw) - y * raw
}

/// The derivative of [`half_binomial_loss`] in `raw`: `expit(raw) - y`, as scikit-learn computes it.
pub(crate) fn half_binomial_gradient(y: f64, raw: f64) -> f64 {
    if raw > -37.0 {
        let e = (-raw).exp();
        ((1.0 - y) - y * e) / (1.0 + e)
    } else {
        raw.exp() - y
    }
}

/// The logistic function, stable for large `|z|`.
pub(crate) fn expit(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
