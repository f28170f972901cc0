//! The data profile behind `satori inspect <data> [--target y]`: what each column holds, how the
//! target is distributed, and warnings about columns that would mislead a model.
//!
//! # Schema (stable; fields are only ever added)
//!
//! [`Profile`] serialises to JSON as:
//!
//! ```text
//! {
//!   "profile_version": 1,
//!   "source": "train.csv",
//!   "n_rows": 569, "n_columns": 31,
//!   "columns": [                                   // one per column, in file order
//!     { "name": "age", "kind": "integer",          // kind: numeric|integer|boolean|categorical|
//!                                                  //       text|datetime|identifier
//!       "missing": 3, "missing_pct": 0.53,         // missing_pct in percent (0–100)
//!       "distinct": 61,                            // distinct present values
//!       "numeric": { "min": 18, "mean": 41.2, "max": 90, "std": 12.1 } },
//!                                                  // numeric/integer/datetime columns; std is the
//!                                                  // sample standard deviation (n − 1), null for
//!                                                  // fewer than two values; datetimes in seconds
//!                                                  // since the epoch; null when all missing
//!     { "name": "island", "kind": "categorical", "missing": 0, "missing_pct": 0.0,
//!       "distinct": 3,
//!       "top": [ { "value": "Biscoe", "count": 168 }, ... ] }
//!                                                  // categorical/boolean/text/identifier columns:
//!                                                  // the 10 most frequent values, most frequent
//!                                                  // first (ties in value order)
//!   ],
//!   "target": {                                    // present when a target was named
//!     "name": "species", "task": "multiclass",     // task: regression|binary|multiclass
//!     "missing": 0,
//!     "classes": [ { "value": "Adelie", "count": 152 }, ... ],  // classification: every class,
//!                                                  // in label order
//!     "imbalance_ratio": 2.19,                     // classification: largest / smallest class
//!     "imbalance": {                               // classification: the two extreme classes
//!       "ratio": 2.19, "threshold": 4.0, "imbalanced": false,
//!       "majority": { "value": "Adelie", "count": 152 },
//!       "minority": { "value": "Chinstrap", "count": 68 }
//!     },
//!     "numeric": { ... }                           // regression: summary as above
//!   },
//!   "warnings": [ { "code": "constant", "column": "country", "message": "..." } ]
//! }
//! ```
//!
//! Optional members (`numeric`, `top`, `classes`, `imbalance_ratio`, `imbalance`, `target`) are
//! left out when
//! they do not apply. The target's task follows the same rule as training
//! ([`crate::Table::to_dataset`]): labels that are strings, booleans or categories, or whole numbers
//! with at most [`crate::MAX_INFERRED_CLASSES`] distinct values, are classes; other numbers are a
//! regression target.
//!
//! Warning codes ([`WarningCode`]): `constant` (at most one distinct value), `identifier` (a
//! unique-per-row key), `mostly_missing` (more than 50 % missing), `target_leak` (a column that is
//! (nearly) the target: |Pearson correlation| > 0.99 with a numeric target, or, for classes, a
//! column with several values each of which maps to a single class), `imbalanced_target`
//! (largest class at least [`IMBALANCE_WARNING_RATIO`] = 4 times the smallest, i.e. the
//! minority below 25 % of the majority) and `missingness_predicts_target` (whether the
//! column is missing goes with the target: Cramér's V ≥ 0.5 for classes, |point-biserial
//! correlation| ≥ 0.5 for a numeric target, with at least 10 missing and 10 present rows).

mod stats;
mod warnings;

use rayon::prelude::*;
use satori_core::{Error, Result, Task};
use serde::Serialize;

use crate::{Column, Table};

pub use warnings::{IMBALANCE_WARNING_RATIO, LEAK_CORRELATION, MOSTLY_MISSING_FRACTION};

/// The version of the profile's JSON schema.
pub const PROFILE_VERSION: u32 = 1;

/// How many of the most frequent values a column's profile lists.
pub const TOP_N: usize = 10;

/// A table's profile. See the [module documentation](self) for its JSON form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The schema version, [`PROFILE_VERSION`].
    pub profile_version: u32,
    /// Where the table came from.
    pub source: String,
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_columns: usize,
    /// One profile per column, in table order.
    pub columns: Vec<ColumnProfile>,
    /// The target's distribution, when a target was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetProfile>,
    /// Problems worth the user's attention.
    pub warnings: Vec<Warning>,
}

/// One column's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// Its inferred (or forced) kind, as [`satori_core::ColumnKind::name`].
    pub kind: String,
    /// Number of missing values.
    pub missing: usize,
    /// Missing values as a percentage of the rows (0 for an empty table).
    pub missing_pct: f64,
    /// Number of distinct present values.
    pub distinct: usize,
    /// Summary of numeric, integer and datetime columns with at least one value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericSummary>,
    /// The most frequent values of categorical, boolean, text and identifier columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<Vec<ValueCount>>,
}

/// Minimum, mean, maximum and sample standard deviation of the present values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NumericSummary {
    /// Smallest value.
    pub min: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
    /// Sample standard deviation (divisor n − 1); `None` with fewer than two values.
    pub std: Option<f64>,
}

/// A value and how many rows hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueCount {
    /// The value as text.
    pub value: String,
    /// Number of rows.
    pub count: usize,
}

/// The target's distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProfile {
    /// The target column.
    pub name: String,
    /// The task training would infer for it.
    pub task: Task,
    /// Rows without a target value (training drops them).
    pub missing: usize,
    /// Classification: every class with its count, in label order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<ValueCount>>,
    /// Classification: the largest class count divided by the smallest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imbalance_ratio: Option<f64>,
    /// Classification: the largest and smallest classes and whether their ratio reaches
    /// [`IMBALANCE_WARNING_RATIO`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imbalance: Option<Imbalance>,
    /// Regression: summary of the values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericSummary>,
}

/// How imbalanced a class target is: its largest and smallest classes (the first in label order
/// on ties).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imbalance {
    /// The largest class count divided by the smallest.
    pub ratio: f64,
    /// The ratio from which the target is `imbalanced` ([`IMBALANCE_WARNING_RATIO`]).
    pub threshold: f64,
    /// Whether `ratio >= threshold` (the profile then warns `imbalanced_target`).
    pub imbalanced: bool,
    /// The largest class.
    pub majority: ValueCount,
    /// The smallest class.
    pub minority: ValueCount,
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The column holds at most one distinct value: it cannot help a model.
    Constant,
    /// The column is a unique-per-row key: a model cannot generalise from it.
    Identifier,
    /// More than half of the column is missing.
    MostlyMissing,
    /// The column is (nearly) the target: a model would learn nothing it could use on new data.
    TargetLeak,
    /// The largest class is at least [`IMBALANCE_WARNING_RATIO`] times the smallest.
    ImbalancedTarget,
    /// Whether the column is missing predicts the target (its missing rows have another target
    /// distribution): a leak when the value is recorded because of the outcome.
    MissingnessPredictsTarget,
}

/// A problem worth the user's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind of problem.
    pub code: WarningCode,
    /// The column concerned.
    pub column: String,
    /// What was found and what to do about it.
    pub message: String,
}

/// Profile a table. `target`, when given, must name a column (else
/// [`satori_core::Error::MissingColumn`] with the closest names).
pub fn profile(table: &Table, target: Option<&str>) -> Result<Profile> {
    let target_index = target
        .map(|name| table.schema.require(name, &table.source))
        .transpose()?;
    let n_rows = table.n_rows();
    if table.columns.len() != table.schema.len() {
        return Err(Error::ShapeMismatch {
            context: format!(
                "number of columns of {} (one per schema entry)",
                table.source
            ),
            expected: table.schema.len(),
            got: table.columns.len(),
        });
    }
    for (c, s) in table.columns.iter().zip(&table.schema.columns) {
        let len = match c {
            Column::Values(v) => v.len(),
            Column::Strings(v) => v.len(),
        };
        if len != n_rows {
            return Err(Error::ShapeMismatch {
                context: format!("length of column `{}` of {}", s.name, table.source),
                expected: n_rows,
                got: len,
            });
        }
    }
    let columns: Vec<ColumnProfile> = table
        .schema
        .columns
        .par_iter()
        .zip(table.columns.par_iter())
        .map(|(schema, column)| stats::column_profile(schema, column, n_rows))
        .collect();
    let target = target_index.map(|i| stats::target_profile(table, i));
    let mut warnings = warnings::column_warnings(table, &columns);
    if let (Some(i), Some(t)) = (target_index, &target) {
        warnings.extend(warnings::leak_warnings(table, i, t, &columns));
        warnings.extend(warnings::missingness_warnings(table, i, &columns));
        warnings.extend(warnings::imbalance_warning(t));
    }
    Ok(Profile {
        profile_version: PROFILE_VERSION,
        source: table.source.clone(),
        n_rows,
        n_columns: table.schema.len(),
        columns,
        target,
        warnings,
    })
}
