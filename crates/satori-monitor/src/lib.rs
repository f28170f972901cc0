//! # satori-monitor
//!
//! Drift monitoring. The training reference statistics that every model file keeps per input
//! column and for the model's own predictions ([`ColumnReference`], computed by
//! [`reference_stats`], [`numeric_reference`], [`categorical_reference`]) — counts, missing
//! values, moments, deciles, a percentile sketch with PSI bins, category counts — and the drift
//! tests against them ([`psi`], [`ks_2samp`], [`ks_sketch`], [`chi2_contingency`]), gathered per
//! column with a verdict by a sliding [`DriftWindow`] that the server feeds request by request and
//! `satori monitor` fills with a whole file. See `docs/monitoring.md`.
//!
//! This crate sits low in the layers (it needs only `satori-core`), below the pipeline: the model
//! file stores its statistics, and the server and the CLI compare against them.
//!
//! ```
//! use ndarray::array;
//! use satori_core::Dataset;
//!
//! let data = Dataset::new(array![[1.0], [f64::NAN], [3.0]], vec!["a".into()]).unwrap();
//! let stats = satori_monitor::reference_stats(&data);
//! assert_eq!(stats[0].missing, 1);
//! assert_eq!(stats[0].mean, Some(2.0));
//! ```
#![warn(missing_docs)]

mod drift;
mod reference;
mod stats;

pub use drift::{
    BinShare, ColumnDrift, DriftWindow, Monitored, MonitoredKind, Role, Thresholds, Verdict, short,
};
pub use reference::{
    ColumnReference, NumericSketch, SKETCH_POINTS, categorical_reference, numeric_reference,
    reference_stats,
};
pub use stats::{
    PSI_EPSILON, TestResult, chi2_contingency, chi2_sf, kolmogorov_sf, ks_2samp, ks_sketch, psi,
};
