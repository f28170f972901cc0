//! `anomaly_filter`: drop the training rows an isolation forest flags, before the steps and the
//! model after it learn from them. At predict time it passes every row through unchanged (a
//! model must answer for every row it is given; score new rows with `satori anomalies`).
//!
//! ```toml
//! [[preprocessing]]
//! step = "anomaly_filter"
//! contamination = 0.02     # drop the 2% most anomalous training rows ("auto": scores > 0.5)
//! n_estimators = 100
//! seed = 0
//! ```
//!
//! Put it after the imputers if the data has missing values you want imputed first; the forest
//! itself takes missing values (see docs/anomalies.md).

use ndarray::{Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use satori_tree::IsolationForestParams;
use serde::{Deserialize, Serialize};

/// Parameters of an [`AnomalyFilter`]: the isolation forest's (its `contamination` decides how
/// many training rows go).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnomalyFilterParams {
    /// The detector.
    pub forest: IsolationForestParams,
}

impl Params for AnomalyFilterParams {
    fn validate(&self) -> Result<()> {
        self.forest.validate()
    }
}

/// A fitted `anomaly_filter`: how many training rows it dropped; the identity at predict time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnomalyFilter {
    n_features: usize,
    /// Training rows dropped.
    pub n_dropped: u64,
    /// Training rows kept.
    pub n_kept: u64,
}

impl AnomalyFilterParams {
    /// Fit the forest on `data` and return the filter with the rows it did not flag.
    pub fn fit_filter(&self, data: &Dataset) -> Result<(AnomalyFilter, Dataset)> {
        self.validate()?;
        let (_, flags) = self.forest.fit_flag(data)?;
        let keep: Vec<usize> = (0..flags.len()).filter(|&i| !flags[i]).collect();
        if keep.is_empty() {
            return Err(Error::InvalidData(
                "anomaly_filter flagged every training row; lower `contamination`".into(),
            ));
        }
        let kept = data.select_rows(&keep)?;
        let filter = AnomalyFilter {
            n_features: data.n_features(),
            n_dropped: (flags.len() - keep.len()) as u64,
            n_kept: keep.len() as u64,
        };
        Ok((filter, kept))
    }
}

impl Estimator for AnomalyFilterParams {
    type Model = AnomalyFilter;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<AnomalyFilter> {
        Ok(self.fit_filter(data)?.0)
    }
}

impl Transformer for AnomalyFilter {
    fn n_features_in(&self) -> usize {
        self.n_features
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        Ok(x.to_owned())
    }
}
