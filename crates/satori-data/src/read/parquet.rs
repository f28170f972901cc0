//! Parquet reading through the `arrow`/`parquet` crates: integer, float, boolean,
//! string/dictionary, timestamp and date columns; nulls become missing values.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::ChunkReader;
use rayon::prelude::*;
use satori_core::{ColumnKind, Error, Result, snippet};

use super::csv::overrides;
use super::infer::{Raw, RawTable, RowLines};
use crate::table::{ReadOptions, Table};

/// Read a Parquet file.
pub(crate) fn read_parquet(path: &Path, opts: &ReadOptions) -> Result<Table> {
    // Each column is decoded by its own task with its own handle on the file: a `File` and its
    // clones share one read position, which concurrent tasks would move under each other.
    let open = || File::open(path).map_err(|e| Error::io(path, e));
    let file = open()?;
    read_parquet_from(file, &open, &path.display().to_string(), opts, None)
}

/// Read only the row groups `groups` of a Parquet file (a shard of it, for a distributed job):
/// the rows of those groups, in file order, as a whole-file read would give them.
pub(crate) fn read_parquet_row_groups(
    path: &Path,
    opts: &ReadOptions,
    groups: std::ops::Range<usize>,
) -> Result<Table> {
    let open = || File::open(path).map_err(|e| Error::io(path, e));
    let file = open()?;
    let name = format!(
        "{} (row groups {}..{})",
        path.display(),
        groups.start,
        groups.end
    );
    read_parquet_from(file, &open, &name, opts, Some(groups))
}

/// How many row groups a Parquet file has (read from its footer).
pub(crate) fn parquet_row_groups(path: &Path) -> Result<usize> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    no_panic(&name, || {
        let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| parquet_error(&name, &e))?;
        Ok(meta.metadata().num_row_groups())
    })
}

/// Read Parquet bytes held in memory (`name` names them in messages).
pub(crate) fn read_parquet_bytes(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    let bytes = bytes::Bytes::copy_from_slice(bytes);
    let open = || Ok(bytes.clone());
    read_parquet_from(bytes.clone(), &open, name, opts, None)
}

/// A Parquet error as satori's: a page whose checksum does not match says the file is
/// corrupted; anything else says the file is not readable Parquet.
fn parquet_error(name: &str, e: &dyn std::fmt::Display) -> Error {
    let text = e.to_string();
    if text.contains("CRC checksum mismatch") {
        Error::UnsupportedFormat(format!(
            "{name}: a page's checksum does not match its data: the file is corrupted (it \
             changed on disk or in transfer after it was written); use an intact copy"
        ))
    } else {
        // The `parquet` crate's messages can quote whole structures: keep the first line's start.
        let first = text.lines().next().unwrap_or("");
        let cut: String = first.chars().take(200).collect();
        let more = if cut.len() < text.len() { "…" } else { "" };
        Error::UnsupportedFormat(format!("{name}: not a readable Parquet file: {cut}{more}"))
    }
}

/// [`read_parquet_inner`], with a panic inside the `parquet` crate (which some damaged files
/// cause, e.g. "Decoder for dict should have been set") turned into an error naming the file:
/// user data never panics satori. A panic in a column's task reaches here too (rayon passes it
/// on to the caller).
fn read_parquet_from<R: ChunkReader + 'static>(
    reader: R,
    open: &(dyn Fn() -> Result<R> + Sync),
    name: &str,
    opts: &ReadOptions,
    subset: Option<std::ops::Range<usize>>,
) -> Result<Table> {
    let read =
        std::panic::AssertUnwindSafe(|| read_parquet_inner(reader, open, name, opts, subset));
    std::panic::catch_unwind(read).unwrap_or_else(|payload| Err(decoder_panic(name, &*payload)))
}

/// `f`, with a panic turned into an error naming the file (see [`read_parquet_from`]).
fn no_panic<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(decoder_panic(name, &*payload)))
}

/// The error for a panic inside the `parquet` crate while reading file `name`.
fn decoder_panic(name: &str, payload: &(dyn std::any::Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Error::UnsupportedFormat(format!(
        "{name}: not a readable Parquet file: the decoder failed on it ({}); the file is \
         damaged",
        snippet(&what)
    ))
}

/// Rows per record batch: the whole file in one batch, so that a column's values are decoded
/// straight into the vector that becomes the table's column (no batches to append), unless the
/// footer claims more rows than the file has bytes (≥ 64 Ki): the decoder reserves a batch's
/// room up front, and a damaged footer must not make it reserve terabytes.
fn batch_rows(file_rows: i64, file_bytes: u64) -> usize {
    let rows = usize::try_from(file_rows).unwrap_or(0);
    let bound = usize::try_from(file_bytes).unwrap_or(usize::MAX).max(65536);
    rows.min(bound)
}

fn read_parquet_inner<R: ChunkReader + 'static>(
    reader: R,
    open: &(dyn Fn() -> Result<R> + Sync),
    name: &str,
    opts: &ReadOptions,
    subset: Option<std::ops::Range<usize>>,
) -> Result<Table> {
    let name = name.to_string();
    let bad = |e: parquet::errors::ParquetError| parquet_error(&name, &e);
    let meta = ArrowReaderMetadata::load(&reader, ArrowReaderOptions::new()).map_err(bad)?;
    let file_bytes = reader.len();
    drop(reader);
    let names: Vec<String> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let super::csv::Overrides {
        forced,
        dropped,
        notes,
    } = overrides(&names, opts, &name)?;
    let keep: Vec<usize> = (0..names.len())
        .filter(|&i| !dropped.contains(&names[i]))
        .collect();
    // Only the kept columns are decoded, each by its own task, or, when there are fewer
    // columns than threads, by one task per run of row groups. The results come back in file
    // order, and the first error in file order (column by column) is the one reported: the
    // outcome does not depend on the thread count.
    let n_groups = meta.metadata().num_row_groups();
    if let Some(r) = &subset
        && (r.start > r.end || r.end > n_groups)
    {
        return Err(Error::InvalidData(format!(
            "{name}: row groups {}..{} asked for, and the file has {n_groups}",
            r.start, r.end
        )));
    }
    let runs = row_group_runs(&meta, keep.len(), rayon::current_num_threads(), subset);
    let tasks: Vec<(usize, &RowGroupRun)> = keep
        .iter()
        .flat_map(|&i| runs.iter().map(move |run| (i, run)))
        .collect();
    let mut parts = tasks
        .par_iter()
        .map(|&(i, run)| {
            // A panic stays with its task, so that it is ordered like any other error.
            no_panic(&name, || {
                read_column(open, &meta, i, run, file_bytes, &names[i], &name)
            })
        })
        .collect::<Vec<Result<Option<Raw>>>>()
        .into_iter();
    let mut out_names = Vec::with_capacity(keep.len());
    let mut out_cols = Vec::with_capacity(keep.len());
    // Rows of each run in the first column: every column must have as many (a damaged file can
    // lose values in one column; read together, the columns would have been out of step).
    let mut run_rows: Vec<(usize, &str)> = Vec::new();
    for i in keep {
        let mut acc: Option<Raw> = None;
        for (k, part) in parts.by_ref().take(runs.len()).enumerate() {
            let part = part?;
            let rows = part.as_ref().map_or(0, raw_len);
            match run_rows.get(k) {
                None => run_rows.push((rows, &names[i])),
                Some(&(first, first_name)) if first != rows => {
                    return Err(Error::UnsupportedFormat(format!(
                        "{name}: not a readable Parquet file: column `{}` has {rows} values where \
                         column `{}` has {first}; the file is damaged",
                        snippet(&names[i]),
                        snippet(first_name)
                    )));
                }
                Some(_) => {}
            }
            match (&mut acc, part) {
                (_, None) => {}
                (None, part) => acc = part,
                (Some(acc), Some(part)) => append(acc, part),
            }
        }
        out_names.push(names[i].clone());
        out_cols.push(acc.unwrap_or(Raw::Num {
            vals: Vec::new(),
            int_text: false,
            first_nonint: None,
        }));
    }
    if out_names.is_empty() {
        return Err(Error::InvalidData(format!(
            "{name}: the file has no columns to read"
        )));
    }
    let table = RawTable {
        source: name.clone(),
        names: out_names,
        cols: out_cols,
        forced,
        lines: RowLines::Offset(1),
        notes,
    }
    .into_table()?;
    if table.n_rows() == 0 {
        return Err(Error::InvalidData(format!("{name}: the file has no rows")));
    }
    Ok(table)
}

/// Row groups one task decodes (of one column): `None` = all of the file's, in one reader
/// exactly as a whole-file read; and how many rows they hold (as the footer says).
struct RowGroupRun {
    groups: Option<Vec<usize>>,
    rows: i64,
}

/// How to split the row groups between a column's tasks: all in one run when there are at least
/// as many columns as threads (a task per column keeps every thread busy) or one row group;
/// else in about `2 × threads ÷ columns` runs of consecutive row groups, so that a narrow file
/// of many row groups is decoded in parallel too.
fn row_group_runs(
    meta: &ArrowReaderMetadata,
    columns: usize,
    threads: usize,
    subset: Option<std::ops::Range<usize>>,
) -> Vec<RowGroupRun> {
    let groups = meta.metadata().row_groups();
    let all = subset.clone().unwrap_or(0..groups.len());
    let count = all.len();
    let n_runs = if columns == 0 || columns >= threads {
        1
    } else {
        (2 * threads).div_ceil(columns).min(count).max(1)
    };
    if n_runs == 1 && subset.is_none() {
        return vec![RowGroupRun {
            groups: None,
            rows: meta.metadata().file_metadata().num_rows(),
        }];
    }
    (0..n_runs)
        .map(|k| {
            let run: Vec<usize> =
                (all.start + k * count / n_runs..all.start + (k + 1) * count / n_runs).collect();
            let rows = run
                .iter()
                .map(|&g| groups[g].num_rows().max(0))
                .fold(0i64, i64::saturating_add);
            RowGroupRun {
                groups: Some(run),
                rows,
            }
        })
        .collect()
}

/// Decode the row groups `run` of column `i` (named `column`) of the file whose metadata is
/// `meta` (`file_bytes` long), through a reader of its own; `None` when they hold no rows.
fn read_column<R: ChunkReader + 'static>(
    open: &(dyn Fn() -> Result<R> + Sync),
    meta: &ArrowReaderMetadata,
    i: usize,
    run: &RowGroupRun,
    file_bytes: u64,
    column: &str,
    source: &str,
) -> Result<Option<Raw>> {
    let bad = |e: parquet::errors::ParquetError| parquet_error(source, &e);
    let batch = batch_rows(run.rows, file_bytes);
    if batch == 0 {
        return Ok(None);
    }
    // The Arrow schema has one field per root of the Parquet schema; should that ever not hold,
    // decode every column and take the `i`-th (as before the reader read columns apart).
    let parquet_schema = meta.parquet_schema();
    let roots = parquet_schema.root_schema().get_fields().len();
    let (mask, at) = if roots == meta.schema().fields().len() {
        (ProjectionMask::roots(parquet_schema, [i]), 0)
    } else {
        (ProjectionMask::all(), i)
    };
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(open()?, meta.clone())
        .with_projection(mask)
        .with_batch_size(batch);
    if let Some(groups) = &run.groups {
        builder = builder.with_row_groups(groups.clone());
    }
    let reader = builder.build().map_err(bad)?;
    let mut acc: Option<Raw> = None;
    for part in reader {
        let (_, arrays, _) = part.map_err(|e| parquet_error(source, &e))?.into_parts();
        let Some(array) = arrays.into_iter().nth(at) else {
            return Err(parquet_error(
                source,
                &format!("column `{}` has no data", snippet(column)),
            ));
        };
        let part = convert_owned(array, column, source)?;
        match &mut acc {
            None => acc = Some(part),
            Some(acc) => append(acc, part),
        }
    }
    Ok(acc)
}

/// [`convert`], taking the array: a column of doubles hands over its buffer (the decoder's own
/// vector) instead of being copied, with its nulls overwritten by `NaN`.
fn convert_owned(a: ArrayRef, column: &str, source: &str) -> Result<Raw> {
    if a.data_type() == &DataType::Float64 {
        let p = a.as_primitive::<Float64Type>().clone();
        drop(a);
        let (_, values, nulls) = p.into_parts();
        let mut vals = match values.into_inner().into_vec::<f64>() {
            Ok(v) => v,
            Err(buffer) => buffer.typed_data::<f64>().to_vec(),
        };
        if let Some(nulls) = nulls.filter(|n| n.null_count() > 0) {
            for i in nulls
                .iter()
                .enumerate()
                .filter(|(_, ok)| !ok)
                .map(|(i, _)| i)
            {
                vals[i] = f64::NAN;
            }
        }
        return Ok(num(vals, false));
    }
    convert(a.as_ref(), column, source)
}

fn append(acc: &mut Raw, part: Raw) {
    match (acc, part) {
        (
            Raw::Num { vals, int_text, .. },
            Raw::Num {
                vals: v,
                int_text: i,
                ..
            },
        ) => {
            vals.extend(v);
            *int_text &= i;
        }
        (Raw::Str(a), Raw::Str(b)) => a.extend(b),
        (Raw::Typed(_, a), Raw::Typed(_, b)) => a.extend(b),
        _ => {}
    }
}

fn raw_len(r: &Raw) -> usize {
    match r {
        Raw::Num { vals, .. } | Raw::Typed(_, vals) => vals.len(),
        Raw::Str(v) => v.len(),
    }
}

fn prim<T: ArrowPrimitiveType>(a: &dyn Array, f: impl Fn(T::Native) -> f64) -> Vec<f64> {
    let p = a.as_primitive::<T>();
    p.iter().map(|v| v.map_or(f64::NAN, &f)).collect()
}

fn num(vals: Vec<f64>, int_text: bool) -> Raw {
    Raw::Num {
        vals,
        int_text,
        first_nonint: None,
    }
}

/// One column of one record batch.
fn convert(a: &dyn Array, column: &str, source: &str) -> Result<Raw> {
    Ok(match a.data_type() {
        DataType::Null => num(vec![f64::NAN; a.len()], false),
        DataType::Boolean => Raw::Typed(
            ColumnKind::Boolean,
            a.as_boolean()
                .iter()
                .map(|v| v.map_or(f64::NAN, |b| f64::from(u8::from(b))))
                .collect(),
        ),
        DataType::Int8 => num(prim::<Int8Type>(a, f64::from), true),
        DataType::Int16 => num(prim::<Int16Type>(a, f64::from), true),
        DataType::Int32 => num(prim::<Int32Type>(a, f64::from), true),
        DataType::Int64 => num(prim::<Int64Type>(a, |v| v as f64), true),
        DataType::UInt8 => num(prim::<UInt8Type>(a, f64::from), true),
        DataType::UInt16 => num(prim::<UInt16Type>(a, f64::from), true),
        DataType::UInt32 => num(prim::<UInt32Type>(a, f64::from), true),
        DataType::UInt64 => num(prim::<UInt64Type>(a, |v| v as f64), true),
        DataType::Float16 => num(prim::<Float16Type>(a, |v| f64::from(v.to_f32())), false),
        DataType::Float32 => num(prim::<Float32Type>(a, f64::from), false),
        DataType::Float64 => num(prim::<Float64Type>(a, |v| v), false),
        DataType::Timestamp(unit, _) => {
            let vals = match unit {
                TimeUnit::Second => prim::<TimestampSecondType>(a, |v| v as f64),
                TimeUnit::Millisecond => prim::<TimestampMillisecondType>(a, |v| v as f64 / 1e3),
                TimeUnit::Microsecond => prim::<TimestampMicrosecondType>(a, |v| v as f64 / 1e6),
                TimeUnit::Nanosecond => prim::<TimestampNanosecondType>(a, |v| v as f64 / 1e9),
            };
            Raw::Typed(ColumnKind::Datetime, vals)
        }
        DataType::Date32 => Raw::Typed(
            ColumnKind::Datetime,
            prim::<Date32Type>(a, |d| f64::from(d) * 86400.0),
        ),
        DataType::Date64 => Raw::Typed(
            ColumnKind::Datetime,
            prim::<Date64Type>(a, |ms| ms as f64 / 1e3),
        ),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Raw::Str(strings(a)),
        DataType::Dictionary(_, value) if is_string(value) => {
            let d = a.as_any_dictionary();
            let values = strings(d.values().as_ref());
            let keys = d.normalized_keys();
            let out = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| {
                    if a.is_null(i) {
                        None
                    } else {
                        values.get(k).cloned().flatten()
                    }
                })
                .collect();
            Raw::Str(out)
        }
        other => {
            return Err(Error::UnsupportedFormat(format!(
                "{source}: column `{}` has Parquet/Arrow type {}, which satori does not read \
                 (numbers, booleans, strings, dictionaries of strings, timestamps and dates)",
                snippet(column),
                snippet(&other.to_string())
            )));
        }
    })
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn strings(a: &dyn Array) -> Vec<Option<String>> {
    match a.data_type() {
        DataType::Utf8 => a
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect(),
        DataType::LargeUtf8 => a
            .as_string::<i64>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect(),
        DataType::Utf8View => a
            .as_string_view()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect(),
        _ => vec![None; a.len()],
    }
}
