//! The reading side: CSV, Parquet and LIBSVM readers, schema inference, schema files, and the
//! conversion of tables into datasets. The public entry points are defined here and in
//! `dataset.rs` (`Table::to_dataset`, …) and re-exported at the crate root; the types they
//! produce live in `crate::table`, which depends on nothing here.

use std::collections::BTreeMap;
use std::path::Path;

use satori_core::{ColumnKind, Error, Result};

use crate::table::{Format, ReadOptions, Table};

pub(crate) mod blocks;
pub(crate) mod csv;
pub(crate) mod dataset;
pub(crate) mod infer;
pub(crate) mod libsvm;
pub(crate) mod parquet;
pub(crate) mod quotes;
pub(crate) mod records;
pub(crate) mod schema_file;
pub(crate) mod values;

/// Read a table from a file.
///
/// The format is `opts.format`, or else decided by the extension ([`Format::from_path`]). CSV
/// files are streamed in blocks and parsed in parallel; every column's kind is inferred from all
/// of its values (see the crate's inference rules: [`crate::MIN_ID_ROWS`], [`crate::max_categories`]) unless
/// `opts.kinds` or `opts.categorical` force it. Errors name the file, line and column.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(Error::UnsupportedFormat(format!(
            "{name} is a directory, not a data file"
        )));
    }
    match opts.format.unwrap_or_else(|| Format::from_path(path)) {
        Format::Csv => csv::read_csv(csv::Source::File(path), &name, opts, csv::Tuning::default()),
        Format::Parquet => parquet::read_parquet(path, opts),
        Format::Libsvm => libsvm::read_libsvm_file(path, opts),
    }
}

/// Read only the row groups `groups` of a Parquet file: their rows, in file order, as
/// [`read_table`] reads them (a distributed job's shard of one file; the schema is inferred
/// from these rows alone). Row groups out of the file's range are an error.
pub fn read_parquet_row_groups(
    path: &Path,
    opts: &ReadOptions,
    groups: std::ops::Range<usize>,
) -> Result<Table> {
    parquet::read_parquet_row_groups(path, opts, groups)
}

/// How many row groups a Parquet file has.
pub fn parquet_row_groups(path: &Path) -> Result<usize> {
    parquet::parquet_row_groups(path)
}

/// Read a CSV table from bytes in memory (`source_name` is used in messages). With
/// `opts.format` set to LIBSVM or Parquet, the bytes are read in that format instead.
pub fn read_csv_bytes(source_name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    match opts.format {
        Some(Format::Libsvm) => libsvm::read_libsvm(bytes, source_name, opts),
        Some(Format::Parquet) => parquet::read_parquet_bytes(bytes, source_name, opts),
        _ => csv::read_csv(
            csv::Source::Bytes(bytes),
            source_name,
            opts,
            csv::Tuning::default(),
        ),
    }
}

/// Read a table from bytes in memory in any format: `opts.format`, or else the one the
/// extension of `source_name` names ([`Format::from_path`]); `source_name` is used in messages.
/// The same table as [`read_table`] on a file holding these bytes.
pub fn read_bytes(source_name: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    let format = opts
        .format
        .unwrap_or_else(|| Format::from_path(Path::new(source_name)));
    let opts = ReadOptions {
        format: Some(format),
        ..opts.clone()
    };
    read_csv_bytes(source_name, bytes, &opts)
}

/// Read a `schema.toml` of forced column kinds:
///
/// ```toml
/// [columns]
/// age = "integer"
/// color = { kind = "categorical", categories = ["r", "g"] }
/// ```
///
/// Kinds: `numeric`, `integer`, `boolean`, `categorical` (with optional fixed `categories`),
/// `text`, `datetime`, `identifier`; an unknown kind is an error listing the valid ones.
pub fn load_schema_file(path: &Path) -> Result<BTreeMap<String, ColumnKind>> {
    schema_file::load(path)
}

/// Parse the text of a `schema.toml` ([`load_schema_file`] reads it from a file); `source_name`
/// names it in messages.
pub fn parse_schema(text: &str, source_name: &str) -> Result<BTreeMap<String, ColumnKind>> {
    schema_file::parse_schema(text, source_name)
}
