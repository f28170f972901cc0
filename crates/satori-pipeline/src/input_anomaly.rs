//! An input anomaly detector kept in the model file: an isolation forest fitted at training time
//! on the training rows as the model sees them (after the pipeline's preprocessing steps), so
//! that `satori predict --anomaly-score`, `satori serve` and `satori monitor` can say how unlike
//! the training inputs a new row is.
//!
//! The score is the isolation forest's paper score `2^(−E[h(x)] / c(n))` in (0, 1] (the negative
//! of scikit-learn's `score_samples`, as `satori anomalies` writes it): higher is more anomalous,
//! about 0.5 or below is ordinary. A row is *anomalous* when its score passes the threshold fixed
//! at training time by the contamination: 0.5 with `auto`, else the score above which that share
//! of the training rows lies.
//!
//! In the file, the header records the detector's description ([`InputAnomaly`]); the forest
//! itself follows the payload in its own checksummed section (see [`crate::model_file`]), so
//! the header stays small and files without a detector are unchanged.

use std::sync::Arc;

use ndarray::ArrayView2;
use satori_core::{Error, Estimator, Progress, Result};
use satori_data::Table;
use satori_tree::{Contamination, IsolationForest, IsolationForestParams};
use serde::{Deserialize, Serialize};

use crate::FittedPipeline;

/// The input anomaly detector of a model: its description (in the header) and its forest
/// (loaded from the file's anomaly section; absent when only the header was read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputAnomaly {
    /// The columns the forest scores: the model's inputs after preprocessing (text features
    /// are left out).
    pub columns: Vec<String>,
    /// Training rows it was fitted on.
    pub n_reference: u64,
    /// The contamination it was fitted with: `None` for `auto`.
    pub contamination: Option<f64>,
    /// Isolation trees.
    pub n_estimators: usize,
    /// The score a row must pass to be anomalous.
    pub threshold: f64,
    /// The share of the training rows whose score passes the threshold.
    pub reference_share: f64,
    /// The fitted forest (not in the header: it is its own section of the file).
    #[serde(skip)]
    pub forest: Option<Arc<IsolationForest>>,
}

/// The scores of a batch of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct InputAnomalyScores {
    /// One score per row, in (0, 1]; higher is more anomalous.
    pub scores: Vec<f64>,
    /// The threshold a row's score passes to be anomalous.
    pub threshold: f64,
}

impl InputAnomalyScores {
    /// Whether each row is anomalous (its score passes the threshold).
    pub fn flags(&self) -> impl Iterator<Item = bool> + '_ {
        self.scores.iter().map(|&s| s > self.threshold)
    }

    /// The number of anomalous rows.
    pub fn n_anomalous(&self) -> usize {
        self.flags().filter(|&f| f).count()
    }
}

impl InputAnomaly {
    /// Fit the detector of `pipeline` on its training matrix `x` (the input schema's columns, in
    /// order, as [`satori_core::Dataset::x`] of the training rows holds them).
    pub fn fit(
        pipeline: &FittedPipeline,
        x: ArrayView2<'_, f64>,
        params: &IsolationForestParams,
        progress: &dyn Progress,
    ) -> Result<InputAnomaly> {
        let pre = pipeline.preprocess(x)?;
        let mut columns = pipeline.feature_names_out();
        columns.truncate(pre.ncols());
        if pre.ncols() == 0 {
            return Err(Error::param(
                "--anomaly-detector",
                "the model has no tabular input columns to fit an anomaly detector on (text \
                 features are left out)",
            ));
        }
        if pre.nrows() == 0 {
            return Err(Error::NotEnoughSamples {
                context: "an input anomaly detector".into(),
                needed: 1,
                got: 0,
            });
        }
        if pre.iter().any(|v| v.is_infinite()) {
            return Err(Error::InvalidData(
                "an input anomaly detector: the preprocessed training rows hold an infinite \
                 value"
                    .into(),
            ));
        }
        // The forest sees plain numbers (categories are already codes or encodings here).
        let names = (0..pre.ncols()).map(|j| format!("f{j}")).collect();
        let data = satori_core::Dataset::new(pre.clone(), names)?;
        progress.start("fitting the input anomaly detector", None);
        let forest = params.fit_with_progress(&data, progress);
        progress.finish();
        let forest = forest?;
        let scores: Vec<f64> = forest
            .score_samples(pre.view())?
            .iter()
            .map(|s| -s)
            .collect();
        let threshold = -forest.offset();
        let flagged = scores.iter().filter(|&&s| s > threshold).count();
        Ok(InputAnomaly {
            columns,
            n_reference: pre.nrows() as u64,
            contamination: match params.contamination {
                Contamination::Auto => None,
                Contamination::Fraction(f) => Some(f),
            },
            n_estimators: params.n_estimators,
            threshold,
            reference_share: flagged as f64 / pre.nrows() as f64,
            forest: Some(Arc::new(forest)),
        })
    }

    /// The forest, or an error saying that only the header was read.
    pub fn forest(&self) -> Result<&IsolationForest> {
        self.forest.as_deref().ok_or_else(|| {
            Error::Internal(
                "the input anomaly detector's forest was not loaded (only the header was read)"
                    .into(),
            )
        })
    }

    /// Check a detector read from a file against its pipeline: a forest taking exactly the
    /// columns the pipeline's steps write.
    pub fn validate(&self, pipeline: &FittedPipeline) -> std::result::Result<(), String> {
        let forest = self.forest().map_err(|e| e.to_string())?;
        forest
            .validate()
            .map_err(|e| format!("corrupted input anomaly detector: {e}"))?;
        let names = pipeline.feature_names_out();
        let n_features = forest.trees().first().map_or(0, |t| t.n_features());
        if n_features != self.columns.len()
            || self.columns.len() > names.len()
            || names[..self.columns.len()] != self.columns[..]
        {
            return Err(
                "corrupted: the input anomaly detector does not take the model's columns".into(),
            );
        }
        Ok(())
    }

    /// Score rows given as a matrix of the pipeline's input columns (in the input schema's
    /// order): preprocessed by the pipeline's steps, then scored.
    pub fn score_matrix(
        &self,
        pipeline: &FittedPipeline,
        x: ArrayView2<'_, f64>,
    ) -> Result<InputAnomalyScores> {
        let forest = self.forest()?;
        let pre = pipeline.preprocess(x)?;
        let pre = pre.slice(ndarray::s![.., ..self.columns.len()]);
        // An infinite value is beyond every split: score it as the largest finite value.
        let pre = pre.mapv(|v| {
            if v.is_infinite() {
                v.signum() * f64::MAX
            } else {
                v
            }
        });
        let scores = forest
            .score_samples(pre.view())?
            .iter()
            .map(|s| -s)
            .collect();
        Ok(InputAnomalyScores {
            scores,
            threshold: self.threshold,
        })
    }

    /// Score the rows of a table (columns matched by name, read with the model's read options),
    /// as [`FittedPipeline::predict_table_all`] reads them: an unseen category reaches the steps
    /// as an out-of-range code.
    pub fn score_table(
        &self,
        pipeline: &FittedPipeline,
        table: &Table,
    ) -> Result<InputAnomalyScores> {
        let (x, _) = table.features_keeping_unseen(pipeline.input_schema())?;
        self.score_matrix(pipeline, x.view())
    }
}
