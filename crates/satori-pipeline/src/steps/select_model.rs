//! `select_from_model`: keep the columns a fitted model finds important (scikit-learn's
//! `SelectFromModel`). The model is fitted on the training rows at that point of the pipeline
//! (inside each fold under `satori cv`); its feature importances (trees, forests, boosting) or the
//! magnitudes of its coefficients (linear models: `|coef|`, summed over classes) score the
//! columns, and the columns scoring at least the threshold are kept, at most `max_features` of
//! the best.
//!
//! ```toml
//! [[preprocessing]]
//! step = "select_from_model"
//! threshold = "1.25*mean"          # "mean" (default), "median", "<factor>*mean|median", a number
//! max_features = 10
//! estimator = { kind = "gbm_classifier", n_estimators = 50 }   # default: a random forest
//! ```

use ndarray::{Array2, ArrayView2, Axis};
use satori_core::{
    Dataset, Error, Estimator, NoProgress, Params, Progress, Result, Transformer, check_features,
};
use serde::{Deserialize, Serialize};

use crate::models::ModelParams;

/// Parameters of a [`ModelSelector`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectFromModelParams {
    /// The model that scores the columns (any kind, with its parameters). Default none: a random
    /// forest for the task (`forest` with its defaults).
    pub estimator: Option<Box<ModelParams>>,
    /// Keep columns scoring at least this: `"mean"` (default) or `"median"` of the scores, a
    /// factor of either (`"1.25*mean"`), or a number (as a string or a number).
    pub threshold: Option<serde_json::Value>,
    /// Keep at most this many columns (the best scoring ones). Default none; at least 1.
    pub max_features: Option<usize>,
}

/// A parsed threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Threshold {
    Mean(f64),
    Median(f64),
    Value(f64),
}

fn bad_threshold(got: &str) -> Error {
    Error::param(
        "threshold",
        format!(
            "must be \"mean\", \"median\", \"<factor>*mean\", \"<factor>*median\" or a number, got {}",
            satori_core::snippet(got)
        ),
    )
}

impl SelectFromModelParams {
    fn threshold(&self) -> Result<Threshold> {
        let Some(v) = &self.threshold else {
            return Ok(Threshold::Mean(1.0));
        };
        if let Some(x) = v.as_f64() {
            return if x.is_finite() {
                Ok(Threshold::Value(x))
            } else {
                Err(bad_threshold(&v.to_string()))
            };
        }
        let text = v
            .as_str()
            .ok_or_else(|| bad_threshold(&v.to_string()))?
            .trim();
        let (factor, base) = match text.split_once('*') {
            Some((f, b)) => (
                f.trim()
                    .parse::<f64>()
                    .map_err(|_| bad_threshold(&format!("`{text}`")))?,
                b.trim(),
            ),
            None => (1.0, text),
        };
        if !factor.is_finite() {
            return Err(bad_threshold(&format!("`{text}`")));
        }
        match base {
            "mean" => Ok(Threshold::Mean(factor)),
            "median" => Ok(Threshold::Median(factor)),
            other => match other.parse::<f64>() {
                Ok(x) if x.is_finite() && !text.contains('*') => Ok(Threshold::Value(x)),
                _ => Err(bad_threshold(&format!("`{text}`"))),
            },
        }
    }
}

impl Params for SelectFromModelParams {
    fn validate(&self) -> Result<()> {
        self.threshold()?;
        if self.max_features == Some(0) {
            return Err(Error::param("max_features", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// A fitted `select_from_model`: the kept columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelSelector {
    n_features_in: usize,
    /// The kept column indices, ascending.
    pub selected: Vec<usize>,
    /// The score of every input column.
    pub scores: Vec<f64>,
    /// The threshold the scores were compared with.
    pub threshold: f64,
}

/// The columns scikit-learn's `SelectFromModel` keeps: the `max_features` best (a stable sort by
/// decreasing score) that score at least `threshold`, in column order.
fn select(scores: &[f64], threshold: f64, max_features: Option<usize>) -> Vec<usize> {
    let mut keep: Vec<bool> = scores.iter().map(|&s| s >= threshold).collect();
    if let Some(k) = max_features {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut top = vec![false; scores.len()];
        for &i in order.iter().take(k) {
            top[i] = true;
        }
        keep.iter_mut().zip(top).for_each(|(k, t)| *k &= t);
    }
    (0..scores.len()).filter(|&i| keep[i]).collect()
}

impl Estimator for SelectFromModelParams {
    type Model = ModelSelector;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<ModelSelector> {
        self.validate()?;
        let task = data.task().ok_or_else(|| {
            Error::InvalidData("select_from_model fits a model, so it needs the target".into())
        })?;
        let model = match &self.estimator {
            Some(m) => ModelParams::clone(m),
            None => ModelParams::from_name("forest", &[task])?,
        };
        let fitted = model.fit(data, None, &NoProgress)?;
        let scores = fitted.selection_scores().ok_or_else(|| {
            Error::param(
                "estimator",
                format!(
                    "{} gives neither feature importances nor coefficients to select by; use a tree, forest, boosting or linear model",
                    fitted.kind()
                ),
            )
        })?;
        if scores.len() != data.n_features() {
            return Err(Error::Internal(format!(
                "{} scored {} columns of {}",
                fitted.kind(),
                scores.len(),
                data.n_features()
            )));
        }
        let threshold = match self.threshold()? {
            Threshold::Mean(f) => f * scores.iter().sum::<f64>() / scores.len().max(1) as f64,
            Threshold::Median(f) => f * satori_baseline::stats::median(&scores).unwrap_or(f64::NAN),
            Threshold::Value(x) => x,
        };
        let selected = select(&scores, threshold, self.max_features);
        if selected.is_empty() {
            return Err(Error::InvalidData(format!(
                "select_from_model: no column scores at least the threshold {threshold}; lower `threshold`"
            )));
        }
        Ok(ModelSelector {
            n_features_in: data.n_features(),
            selected,
            scores,
            threshold,
        })
    }
}

impl Transformer for ModelSelector {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        self.selected
            .iter()
            .map(|&i| input.get(i).cloned().unwrap_or_else(|| format!("x{i}")))
            .collect()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        Ok(x.select(Axis(1), &self.selected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_matches_select_from_model_rules() {
        let s = [0.1, 0.4, 0.4, 0.05, 0.05];
        assert_eq!(select(&s, 0.2, None), vec![1, 2]);
        // max_features keeps the best, ties by column order (a stable sort), then the threshold.
        assert_eq!(select(&s, 0.0, Some(2)), vec![1, 2]);
        assert_eq!(select(&s, 0.0, Some(4)), vec![0, 1, 2, 3]);
        assert_eq!(select(&s, 0.3, Some(1)), vec![1]);
    }

    #[test]
    fn thresholds_parse_like_scikit_learn() {
        let p = |v: serde_json::Value| SelectFromModelParams {
            threshold: Some(v),
            ..Default::default()
        };
        assert_eq!(
            p("1.25*mean".into()).threshold().unwrap(),
            Threshold::Mean(1.25)
        );
        assert_eq!(
            p("median".into()).threshold().unwrap(),
            Threshold::Median(1.0)
        );
        assert_eq!(p(0.01.into()).threshold().unwrap(), Threshold::Value(0.01));
        assert_eq!(p("0.5".into()).threshold().unwrap(), Threshold::Value(0.5));
        for bad in ["mode", "x*mean", "2*0.5", "inf*mean"] {
            assert!(p(bad.into()).validate().is_err(), "{bad}");
        }
        let zero = SelectFromModelParams {
            max_features: Some(0),
            ..Default::default()
        };
        assert!(zero.validate().is_err());
    }
}
