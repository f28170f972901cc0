//! The types of reading: options, formats, tables and their columns, target specs, load reports.
//!
//! CONTRACT (fixed by the lead; other crates code against these signatures — the reader work
//! fills in the bodies and may add items, but must not change these without saying so):
//!
//! - `ReadOptions`, `Format`, `Table`, `Column`, `TargetSpec`, `LoadReport` as below;
//! - `read_table(path, &ReadOptions) -> Result<Table>`;
//! - `read_csv_bytes(source_name, bytes, &ReadOptions) -> Result<Table>`;
//! - `load_schema_file(path) -> Result<BTreeMap<String, ColumnKind>>`;
//! - `Table::{n_rows, column, to_dataset, features}`.
//!
//! This module holds the types only, so that it depends on nothing else in the crate: the
//! reading functions live in [`crate::read`] and `Table::{to_dataset, features, …}` in
//! `read/dataset.rs` (all re-exported at the crate root, so the paths above are unchanged).
//!
//! # Reading
//!
//! CSV files are streamed in 4 MB blocks cut at line ends; blocks without a quote character are
//! parsed in parallel (rayon) straight into `f64` columns, and from the first block holding a
//! quote on, the quote-aware `csv` reader takes over. Results are concatenated in file order,
//! so they are identical at any thread count. A column is parsed as numbers while every value
//! is one; a column found to hold text is read again as text (only that column), so inference
//! always sees the whole column, never a sample.
//!
//! # Inference rules (over all values of a column)
//!
//! - all numbers → `integer` when every one is written as an integer, else `numeric`; an integer
//!   column is an `identifier` when it is unique and its name looks like an id (`id`, `user_id`,
//!   `userId`, `uuid`, `key`, `index`, …) or when it is a row counter (≥ [`crate::MIN_ID_ROWS`]
//!   rows, each value one more than the previous);
//! - all `true`/`false` (any case) → `boolean` (1/0); other spellings (`yes`/`no`, `t`/`f`) stay
//!   categorical so that labels keep their text (a schema can force `boolean` on any of them);
//! - all ISO-8601 dates or date-times → `datetime` (seconds since the epoch, UTC; no offset means
//!   UTC);
//! - unique on every row (none missing): with whitespace in some value → `text`, else
//!   `identifier` when there are ≥ [`crate::MIN_ID_ROWS`] rows or the name looks like an id;
//! - at most [`crate::max_categories`] distinct values (20, or 5 % of the present values up to
//!   1000) → `categorical`, categories sorted (numerically when all are numbers, else by code
//!   point), so codes are deterministic;
//! - otherwise `text`. Identifier and text columns stay in the table but are not features, and
//!   each is mentioned in [`Table::notes`].
//!
//! Missing values (`opts.missing_markers`, compared after trimming surrounding whitespace) are
//! `NaN` in value columns and `None` in text columns.

use std::collections::BTreeMap;
use std::path::Path;

use satori_core::{ColumnKind, ColumnSchema, Result, Schema, Task};

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
    /// LIBSVM only: keep the features as one sparse matrix ([`Table::sparse`], column = the file's
    /// own index) instead of dense columns `f1`…`fN`. `None` (the default) keeps them sparse only when the dense table would
    /// exceed 2²⁸ cells or 2¹⁶ feature columns; `Some(true)` always (`--sparse`); `Some(false)` never.
    pub sparse: Option<bool>,
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
            sparse: None,
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
    /// Features kept as one sparse CSR matrix (rows × features; column `j` is the file's feature
    /// index `j`, named `f{j}`): a LIBSVM file read sparse (see [`ReadOptions::sparse`]). `None`
    /// for every other table.
    pub sparse: Option<sprs::CsMat<f64>>,
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
    /// Columns left out of the features, with the reason (identifier, …).
    pub excluded_columns: Vec<(String, String)>,
    /// Free-text columns, carried in the dataset as text (see [`satori_core::Dataset::text`])
    /// for the pipeline's text vectorizers.
    pub text_columns: Vec<String>,
    /// The task that was inferred or forced.
    pub task: Option<Task>,
}

impl Format {
    /// The format a file's extension names: `.parquet`/`.pq` → Parquet, `.svm`/`.libsvm`/
    /// `.svmlight` → LIBSVM, anything else → CSV.
    pub fn from_path(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "parquet" | "pq" => Format::Parquet,
            "svm" | "libsvm" | "svmlight" => Format::Libsvm,
            _ => Format::Csv,
        }
    }
}

impl Table {
    /// The table of the given rows, in the order given (a row may repeat). Every index must be
    /// below [`Table::n_rows`].
    pub fn select_rows(&self, rows: &[usize]) -> Result<Table> {
        let n = self.n_rows();
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(satori_core::Error::Internal(format!(
                "row {bad} of a table with {n} rows"
            )));
        }
        let columns = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Values(v) => Column::Values(rows.iter().map(|&r| v[r]).collect()),
                Column::Strings(v) => Column::Strings(rows.iter().map(|&r| v[r].clone()).collect()),
            })
            .collect();
        let sparse = self.sparse.as_ref().map(|m| {
            let mut indptr = Vec::with_capacity(rows.len() + 1);
            let (mut indices, mut data) = (Vec::new(), Vec::new());
            indptr.push(0);
            for &r in rows {
                if let Some(row) = m.outer_view(r) {
                    for (j, &v) in row.iter() {
                        indices.push(j);
                        data.push(v);
                    }
                }
                indptr.push(indices.len());
            }
            sprs::CsMat::new((rows.len(), m.cols()), indptr, indices, data)
        });
        Ok(Table {
            source: self.source.clone(),
            schema: self.schema.clone(),
            columns,
            notes: self.notes.clone(),
            sparse,
        })
    }

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
}
