//! # satori-monitor
//!
//! Where monitoring lives. Today: the training reference statistics that every model file keeps
//! per input column ([`ColumnReference`], computed by [`reference_stats`]) — counts, missing
//! values, moments, deciles and category frequencies — against which drift in production data is
//! measured. The drift tests themselves (PSI, Kolmogorov–Smirnov, χ²) and `satori monitor` land
//! here with the serving issue.
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

mod reference;

pub use reference::{ColumnReference, reference_stats};
