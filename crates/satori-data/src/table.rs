//! Tables as read from files, and their conversion into datasets.
//!
//! CONTRACT (fixed by the lead; other crates code against these signatures — the reader work
//! fills in the bodies and may add items, but must not change these without saying so):
//!
//! - `ReadOptions`, `Format`, `Table`, `Column`, `TargetSpec`, `LoadReport` as below;
//! - `read_table(path, &ReadOptions) -> Result<Table>`;
//! - `read_csv_bytes(source_name, bytes, &ReadOptions) -> Result<Table>`;
//! - `load_schema_file(path) -> Result<BTreeMap<String, ColumnKind>>`;
//! - `Table::{n_rows, column, to_dataset, features}`.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array2;
use satori_core::{ColumnKind, ColumnSchema, Dataset, Result, Schema, Task};

/// File formats satori reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// LIBSVM / svmlight sparse text (`label idx:value ...`).
    Libsvm,
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The field delimiter; `None` detects it among `,` `;` tab `|`.
    pub delimiter: Option<u8>,
    /// Strings read as missing. Default: `""`, `NA`, `N/A`, `NaN`, `null`, `?`.
    pub missing_markers: Vec<String>,
    /// Columns forced to be categorical.
    pub categorical: Vec<String>,
    /// Columns to drop.
    pub drop: Vec<String>,
    /// Forced kinds per column (from `--schema schema.toml`, or a model's input schema at predict
    /// time). A `Categorical` kind with categories fixes the codes; a value outside them is an
    /// [`satori_core::Error::UnknownCategory`].
    pub kinds: BTreeMap<String, ColumnKind>,
    /// The format; `None` decides by extension (`.parquet`/`.pq`, `.svm`/`.libsvm`, else CSV).
    pub format: Option<Format>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            missing_markers: ["", "NA", "N/A", "NaN", "null", "?"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            categorical: Vec::new(),
            drop: Vec::new(),
            kinds: BTreeMap::new(),
            format: None,
        }
    }
}

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numeric, integer, boolean (0/1), datetime (seconds since the epoch, UTC) and categorical
    /// (codes into the schema's categories) columns; `NaN` is missing.
    Values(Vec<f64>),
    /// Text and identifier columns; `None` is missing.
    Strings(Vec<Option<String>>),
}

/// A table read from a file: its schema (one entry per column, in file order), the columns, and
/// notes for the user (e.g. a column inferred as an identifier).
#[derive(Debug, Clone)]
pub struct Table {
    /// The file (or stream) it came from, for messages.
    pub source: String,
    /// One entry per column.
    pub schema: Schema,
    /// The values, one per schema entry.
    pub columns: Vec<Column>,
    /// Notes on what inference decided.
    pub notes: Vec<String>,
}

/// Which column is the target, and the task if forced.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// The target column's name.
    pub name: String,
    /// The task; `None` infers it (string labels or few distinct integers → classification).
    pub task: Option<Task>,
}

/// What happened when a table became a dataset.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Rows dropped because their target was missing.
    pub dropped_missing_target: usize,
    /// Columns left out of the features, with the reason (identifier, text, …).
    pub excluded_columns: Vec<(String, String)>,
    /// The task that was inferred or forced.
    pub task: Option<Task>,
}

/// Read a table from a file.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let _ = (path, opts);
    unimplemented!("reader work in progress")
}

/// Read a CSV table from bytes in memory (`source_name` is used in messages).
pub fn read_csv_bytes(source_name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    let _ = (source_name, bytes, opts);
    unimplemented!("reader work in progress")
}

/// Read a `schema.toml` of forced column kinds.
pub fn load_schema_file(path: &Path) -> Result<BTreeMap<String, ColumnKind>> {
    let _ = path;
    unimplemented!("reader work in progress")
}

impl Table {
    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |c| match c {
            Column::Values(v) => v.len(),
            Column::Strings(v) => v.len(),
        })
    }

    /// A column by name, or [`satori_core::Error::MissingColumn`] with the closest names.
    pub fn column(&self, name: &str) -> Result<(&ColumnSchema, &Column)> {
        let i = self.schema.require(name, &self.source)?;
        Ok((&self.schema.columns[i], &self.columns[i]))
    }

    /// The dataset for training: every feature column (all but the target, identifiers and
    /// text), the target (rows with a missing target dropped and counted), its task.
    pub fn to_dataset(&self, target: &TargetSpec) -> Result<(Dataset, LoadReport)> {
        let _ = target;
        unimplemented!("reader work in progress")
    }

    /// The feature matrix for a model whose feature columns are `expected`: columns matched by
    /// name in any order (extra columns ignored), categories mapped to the expected codes; a
    /// missing column, a wrongly typed column or an unknown category is a clear error.
    pub fn features(&self, expected: &Schema) -> Result<Array2<f64>> {
        let _ = expected;
        unimplemented!("reader work in progress")
    }
}
