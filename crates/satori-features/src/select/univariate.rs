//! [`SelectKBestParams`] and [`SelectPercentileParams`] → [`UnivariateSelector`]: keep the
//! features with the highest univariate scores (scikit-learn's `SelectKBest` and
//! `SelectPercentile`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::numeric::percentile_linear;
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use super::ScoreFunc;
use crate::check::check_fit_input;
use crate::stats::stable_argsort;

/// How many features [`SelectKBestParams`] keeps (scikit-learn's `k`: an int or `"all"`, written
/// the same way in TOML and JSON: `k = 8` or `k = "all"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KBest {
    /// Keep this many (0 keeps none; more than the number of features keeps all).
    Count(usize),
    /// Keep every feature (scores are still computed).
    All,
}

impl Serialize for KBest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            KBest::Count(k) => s.serialize_u64(*k as u64),
            KBest::All => s.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for KBest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Count(u64),
            Word(String),
        }
        match Repr::deserialize(d)? {
            Repr::Count(k) => usize::try_from(k)
                .map(KBest::Count)
                .map_err(|_| serde::de::Error::custom("k is too large")),
            Repr::Word(w) if w == "all" => Ok(KBest::All),
            Repr::Word(w) => Err(serde::de::Error::custom(format!(
                "k must be a whole number or \"all\", got \"{w}\""
            ))),
        }
    }
}

impl Default for KBest {
    fn default() -> Self {
        KBest::Count(10)
    }
}

/// Parameters of `SelectKBest`, with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct SelectKBestParams {
    /// The score function: `f_classif`, `f_regression`, `chi2`, `mutual_info_classif` or
    /// `mutual_info_regression` (see [`ScoreFunc`]). Default `f_classif`.
    pub score_func: ScoreFunc,
    /// How many of the best-scoring features to keep: a whole number `k` (k ≥ 0) or `"all"`.
    /// Default 10.
    pub k: KBest,
}

impl Params for SelectKBestParams {
    fn validate(&self) -> Result<()> {
        self.score_func.validate()
    }
}

/// Parameters of `SelectPercentile`, with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct SelectPercentileParams {
    /// The score function: `f_classif`, `f_regression`, `chi2`, `mutual_info_classif` or
    /// `mutual_info_regression` (see [`ScoreFunc`]). Default `f_classif`.
    pub score_func: ScoreFunc,
    /// The percentage of features to keep, in `[0, 100]`. Default 10.
    pub percentile: f64,
}

impl Default for SelectPercentileParams {
    fn default() -> Self {
        SelectPercentileParams {
            score_func: ScoreFunc::FClassif,
            percentile: 10.0,
        }
    }
}

impl Params for SelectPercentileParams {
    fn validate(&self) -> Result<()> {
        self.score_func.validate()?;
        if !(0.0..=100.0).contains(&self.percentile) {
            return Err(Error::param(
                "percentile",
                format!("must be in [0, 100], got {}", self.percentile),
            ));
        }
        Ok(())
    }
}

/// A fitted univariate selector: the scores, p-values and kept columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnivariateSelector {
    score_func: ScoreFunc,
    #[serde(with = "crate::nonfinite")]
    scores: Array1<f64>,
    /// Empty for score functions without p-values.
    #[serde(with = "crate::nonfinite")]
    pvalues: Array1<f64>,
    support: Vec<bool>,
}

impl UnivariateSelector {
    /// `scores_`: each feature's score (may be NaN, e.g. `f_classif` of a constant feature).
    pub fn scores(&self) -> ArrayView1<'_, f64> {
        self.scores.view()
    }

    /// `pvalues_`: each feature's p-value; none for the mutual-information estimators.
    pub fn pvalues(&self) -> Option<ArrayView1<'_, f64>> {
        (self.pvalues.len() == self.scores.len()).then(|| self.pvalues.view())
    }

    /// `get_support()`: whether each input column is kept.
    pub fn support(&self) -> &[bool] {
        &self.support
    }

    /// The score function used.
    pub fn score_func(&self) -> ScoreFunc {
        self.score_func
    }
}

/// scikit-learn's `_clean_nans`: NaN scores become the most negative finite `f64`.
fn clean_nans(scores: &Array1<f64>) -> Vec<f64> {
    scores
        .iter()
        .map(|&s| if s.is_nan() { f64::MIN } else { s })
        .collect()
}

/// `SelectKBest._get_support_mask`: the last `k` of a stable ascending argsort.
fn k_best_support(scores: &Array1<f64>, k: KBest) -> Vec<bool> {
    let n = scores.len();
    let k = match k {
        KBest::All => return vec![true; n],
        KBest::Count(k) => k.min(n),
    };
    let mut support = vec![false; n];
    for &j in &stable_argsort(&clean_nans(scores))[n - k..] {
        support[j] = true;
    }
    support
}

/// `SelectPercentile._get_support_mask`: above the linear percentile, then the earliest ties.
fn percentile_support(scores: &Array1<f64>, percentile: f64) -> Vec<bool> {
    let n = scores.len();
    if percentile == 100.0 {
        return vec![true; n];
    }
    if percentile == 0.0 {
        return vec![false; n];
    }
    let clean = clean_nans(scores);
    let Some(threshold) = percentile_linear(&clean, 100.0 - percentile) else {
        return vec![false; n];
    };
    let mut support: Vec<bool> = clean.iter().map(|s| *s > threshold).collect();
    let kept = support.iter().filter(|k| **k).count();
    let max_feats = (n as f64 * percentile / 100.0) as usize;
    let mut room = max_feats.saturating_sub(kept);
    for (j, s) in clean.iter().enumerate() {
        if room == 0 {
            break;
        }
        if *s == threshold {
            support[j] = true;
            room -= 1;
        }
    }
    support
}

/// Scores of `data` under `f`, after the shared input checks.
fn fit_scores(f: ScoreFunc, data: &Dataset, step: &str) -> Result<(Array1<f64>, Array1<f64>)> {
    check_fit_input(data.x(), step, 1)?;
    f.scores(data)
}

impl Estimator for SelectKBestParams {
    type Model = UnivariateSelector;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<UnivariateSelector> {
        self.validate()?;
        let (scores, pvalues) = fit_scores(self.score_func, data, "SelectKBest")?;
        Ok(UnivariateSelector {
            score_func: self.score_func,
            support: k_best_support(&scores, self.k),
            scores,
            pvalues,
        })
    }
}

impl Estimator for SelectPercentileParams {
    type Model = UnivariateSelector;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<UnivariateSelector> {
        self.validate()?;
        let (scores, pvalues) = fit_scores(self.score_func, data, "SelectPercentile")?;
        Ok(UnivariateSelector {
            score_func: self.score_func,
            support: percentile_support(&scores, self.percentile),
            scores,
            pvalues,
        })
    }
}

impl Transformer for UnivariateSelector {
    fn n_features_in(&self) -> usize {
        self.support.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        super::selected_names(input, &self.support)
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        super::select_columns(x, &self.support, "the univariate feature selector")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_best_prefers_later_ties_and_ranks_nan_last() {
        let s = Array1::from(vec![1.0, 3.0, 3.0, f64::NAN, 3.0]);
        assert_eq!(
            k_best_support(&s, KBest::Count(2)),
            vec![false, false, true, false, true]
        );
        assert_eq!(k_best_support(&s, KBest::Count(0)), vec![false; 5]);
        assert_eq!(k_best_support(&s, KBest::Count(9)), vec![true; 5]);
        assert_eq!(k_best_support(&s, KBest::All), vec![true; 5]);
    }

    #[test]
    fn percentile_keeps_earliest_ties() {
        // Threshold at the 50th percentile of [1, 2, 2, 2] is 2: nothing is above it, and
        // ⌊4 · 0.5⌋ = 2 ties are kept, the first two.
        let s = Array1::from(vec![1.0, 2.0, 2.0, 2.0]);
        assert_eq!(percentile_support(&s, 50.0), vec![false, true, true, false]);
        assert_eq!(percentile_support(&s, 100.0), vec![true; 4]);
        assert_eq!(percentile_support(&s, 0.0), vec![false; 4]);
    }
}
