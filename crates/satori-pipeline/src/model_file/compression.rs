//! The model header's record of a compression (`satori compress`): what was done, and what it
//! cost and gained, measured on a holdout.

use serde::{Deserialize, Serialize};

/// How a model was compressed and what it changed, as measured by `satori compress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompressionRecord {
    /// The method: `quantize`, `f16`, `prune` or `compact`.
    pub method: String,
    /// What the method did, e.g. `int8 weights per output channel, static activation scales
    /// calibrated on 250 rows` or `kept 40 of 200 boosting rounds`.
    pub detail: String,
    /// The budget asked for (`size=2MB`, `latency=20us`), if any.
    #[serde(default)]
    pub budget: Option<String>,
    /// The file compressed, and its CRC-32 checksum (`crc32:<hex>:<bytes>`).
    pub source: String,
    /// When the compression ran (RFC 3339), if known.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Bytes of the model file before.
    pub size_before: u64,
    /// Bytes of the model file after.
    pub size_after: u64,
    /// Median time to predict one row before, in microseconds (whole pipeline, from a table).
    pub latency_row_us_before: f64,
    /// The same after.
    pub latency_row_us_after: f64,
    /// Median time to predict 1,000 rows before, in microseconds.
    pub latency_1k_us_before: f64,
    /// The same after.
    pub latency_1k_us_after: f64,
    /// The metric compared (the task's default: `roc_auc`, `accuracy` or `r2`).
    pub metric: String,
    /// Its value before, on the holdout.
    pub metric_before: f64,
    /// Its value after, on the holdout.
    pub metric_after: f64,
    /// What the metric was measured on, e.g. `holdout.csv: 250 of 500 rows`.
    pub metric_on: String,
    /// How much a compressed model could lose and still be written (`--max-metric-drop`).
    #[serde(default)]
    pub max_metric_drop: Option<f64>,
}

impl CompressionRecord {
    /// The loss in the metric (positive: worse), whichever direction is better.
    pub fn metric_drop(&self) -> f64 {
        if crate::model_file::compression::lower_is_better(&self.metric) {
            self.metric_after - self.metric_before
        } else {
            self.metric_before - self.metric_after
        }
    }
}

/// Whether a smaller value of metric `name` is better (losses and errors).
pub fn lower_is_better(name: &str) -> bool {
    matches!(
        name,
        "log_loss" | "brier" | "rmse" | "mse" | "mae" | "medae" | "max_error" | "mape"
    )
}
