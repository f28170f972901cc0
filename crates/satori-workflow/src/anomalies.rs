//! Anomaly scores for the rows of a table (`satori anomalies`): an isolation forest fitted on a
//! reference table (the same table, or `--fit-on` another), every row scored and flagged.
//!
//! The score is the original paper's `s(x, n) = 2^(−E[h(x)] / c(n))`, in (0, 1]: higher is more
//! anomalous, around 0.5 or below is normal (scikit-learn's `score_samples` is its negative).
//! A row is flagged when its score passes the forest's offset: 0.5 with `contamination =
//! "auto"`, else the score above which that share of the reference rows lies.
//!
//! Every feature column takes part: numbers as they are, booleans as 0/1, dates as seconds,
//! categories as their codes (a category the reference never had gets a code past its list, so
//! it is split off like an extreme value). Text and identifier columns are left out.

use satori_core::{Dataset, Error, Estimator, Progress, Result};
use satori_data::{ReadOptions, Table};
use satori_tree::IsolationForest;
pub use satori_tree::IsolationForestParams;
use serde::Serialize;

use satori_pipeline::preprocessor::transform_dataset;
use satori_pipeline::read_options_for;

/// A fitted detector: the reference's feature columns and the forest.
#[derive(Debug, Clone)]
pub struct AnomalyDetector {
    data: Dataset,
    forest: IsolationForest,
}

/// Scores of the rows of one table.
#[derive(Debug, Clone, Serialize)]
pub struct AnomalyScores {
    /// One score per row, in (0, 1]; higher is more anomalous.
    pub scores: Vec<f64>,
    /// Whether each row passes the threshold.
    pub flags: Vec<bool>,
    /// The score threshold a flagged row passes.
    pub threshold: f64,
}

impl AnomalyDetector {
    /// Fit an isolation forest on a reference table's feature columns.
    pub fn fit(
        reference: &Table,
        params: &IsolationForestParams,
        progress: &dyn Progress,
    ) -> Result<AnomalyDetector> {
        let data = transform_dataset(reference, None)?;
        if data.n_features() == 0 {
            return Err(Error::InvalidData(format!(
                "{}: no feature columns to score (text and identifier columns are left out)",
                reference.source
            )));
        }
        if data.n_samples() == 0 {
            return Err(Error::NotEnoughSamples {
                context: format!("{}: an anomaly detector (rows)", reference.source),
                needed: 1,
                got: 0,
            });
        }
        progress.start("fitting an isolation forest", None);
        let forest = params.fit_with_progress(&data, progress);
        progress.finish();
        Ok(AnomalyDetector {
            data,
            forest: forest?,
        })
    }

    /// The feature columns it scores.
    pub fn columns(&self) -> Vec<String> {
        self.data.feature_names()
    }

    /// The number of reference rows it was fitted on.
    pub fn n_reference(&self) -> usize {
        self.data.n_samples()
    }

    /// The fitted forest.
    pub fn forest(&self) -> &IsolationForest {
        &self.forest
    }

    /// Read options that parse another file's columns as the reference's were parsed.
    pub fn read_options(&self, base: ReadOptions) -> ReadOptions {
        read_options_for(self.data.features(), base)
    }

    /// Score the reference rows themselves.
    pub fn score_reference(&self) -> Result<AnomalyScores> {
        self.score_matrix(self.data.x())
    }

    /// Score the rows of another table (columns matched by name; read it with
    /// [`AnomalyDetector::read_options`]).
    pub fn score_table(&self, table: &Table) -> Result<AnomalyScores> {
        let (x, _) = table.features_keeping_unseen(self.data.features())?;
        self.score_matrix(x.view())
    }

    fn score_matrix(&self, x: ndarray::ArrayView2<'_, f64>) -> Result<AnomalyScores> {
        let raw = self.forest.score_samples(x)?;
        let flags = self.forest.is_anomaly(x)?;
        Ok(AnomalyScores {
            scores: raw.iter().map(|s| -s).collect(),
            flags,
            threshold: -self.forest.offset(),
        })
    }
}

impl AnomalyScores {
    /// Row indices from the most to the least anomalous (ties in row order).
    pub fn ranking(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.scores.len()).collect();
        order.sort_by(|&a, &b| self.scores[b].total_cmp(&self.scores[a]).then(a.cmp(&b)));
        order
    }

    /// The number of flagged rows.
    pub fn n_flagged(&self) -> usize {
        self.flags.iter().filter(|&&f| f).count()
    }
}
