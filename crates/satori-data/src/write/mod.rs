//! Writing datasets and prediction columns to CSV and Parquet.
//!
//! Numbers are written in their shortest round-trip form (`0.1`, `1e-7`, `3` rather than `3.0`),
//! missing values as empty fields, infinities as `inf`/`-inf`; strings are quoted only when they
//! must be (a comma, quote, line break, or leading/trailing space). Categorical features and class
//! labels are written as their category/label text, booleans as `true`/`false` and datetimes as
//! ISO-8601 (`2024-01-31T12:00:00Z`), so that reading the file back gives the same dataset.
//! Rows are formatted in parallel in fixed chunks and written in order.
//!
//! ```
//! use satori_data::Column;
//! use satori_data::write::write_csv_columns_to;
//!
//! let mut out = Vec::new();
//! write_csv_columns_to(
//!     &mut out,
//!     &["id".to_string(), "prediction".to_string()],
//!     &[
//!         Column::Strings(vec![Some("a,b".into()), None]),
//!         Column::Values(vec![0.1, f64::NAN]),
//!     ],
//! )
//! .unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "id,prediction\n\"a,b\",0.1\n,\n");
//! ```

mod page_crc;
mod parquet;

use std::io::Write;
use std::path::Path;

use ndarray::{ArrayView1, Axis};
use rayon::prelude::*;
use satori_core::fs::OutputFile;
use satori_core::{ColumnKind, Dataset, Error, Result, Target};

use crate::Column;

pub use parquet::write_dataset_parquet;

/// Rows formatted per parallel task.
const CHUNK_ROWS: usize = 8192;
/// Chunks formatted before they are written (bounds the memory held).
const CHUNKS_PER_BATCH: usize = 32;

/// One column's cells, borrowed from a dataset or a column list.
pub(crate) enum Cells<'a> {
    /// Numbers (numeric and integer columns, regression targets).
    Numbers(ArrayView1<'a, f64>),
    /// 0/1 (`NaN` missing), written `false`/`true`.
    Booleans(ArrayView1<'a, f64>),
    /// Seconds since the epoch, written as ISO-8601.
    Datetimes(ArrayView1<'a, f64>),
    /// Category codes and their categories.
    Categories(ArrayView1<'a, f64>, &'a [String]),
    /// Text, `None` missing.
    Strings(&'a [Option<String>]),
    /// Class codes and their labels.
    Labels(ArrayView1<'a, usize>, &'a [String]),
}

impl Cells<'_> {
    fn len(&self) -> usize {
        match self {
            Cells::Numbers(v)
            | Cells::Booleans(v)
            | Cells::Datetimes(v)
            | Cells::Categories(v, _) => v.len(),
            Cells::Strings(s) => s.len(),
            Cells::Labels(c, _) => c.len(),
        }
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Numbers(v) => format_number(v[row], out),
            Cells::Booleans(v) => {
                let x = v[row];
                if x.is_nan() {
                } else if x == 0.0 {
                    out.extend_from_slice(b"false");
                } else {
                    out.extend_from_slice(b"true");
                }
            }
            Cells::Datetimes(v) => format_datetime(v[row], out),
            Cells::Categories(v, cats) => {
                let x = v[row];
                if x.is_nan() {
                    return;
                }
                match cats.get(x as usize) {
                    Some(c) if x >= 0.0 => write_text(c, out),
                    _ => format_number(x, out),
                }
            }
            Cells::Strings(s) => {
                if let Some(t) = &s[row] {
                    write_text(t, out);
                }
            }
            Cells::Labels(c, labels) => match labels.get(c[row]) {
                Some(l) => write_text(l, out),
                None => out.extend_from_slice(c[row].to_string().as_bytes()),
            },
        }
    }
}

/// Append `v` in the shortest form that parses back to the same `f64`: integers without a
/// decimal point, very large or small magnitudes with an exponent, `NaN` as nothing (a missing
/// field), infinities as `inf` and `-inf`.
pub fn format_number(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
}

/// Append seconds since the Unix epoch as ISO-8601 UTC (`NaN` as nothing; out-of-range values
/// as the number).
fn format_datetime(secs: f64, out: &mut Vec<u8>) {
    if secs.is_nan() {
        return;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round() as u32;
    let dt = (whole.abs() < 1e14)
        .then(|| chrono::DateTime::from_timestamp(whole as i64, nanos.min(999_999_999)))
        .flatten();
    match dt {
        Some(dt) if nanos == 0 => {
            out.extend_from_slice(dt.format("%Y-%m-%dT%H:%M:%SZ").to_string().as_bytes())
        }
        Some(dt) => {
            out.extend_from_slice(dt.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string().as_bytes())
        }
        None => format_number(secs, out),
    }
}

/// Append a text field, quoted (with inner quotes doubled) only when it must be.
fn write_text(s: &str, out: &mut Vec<u8>) {
    let needs = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || s.starts_with([' ', '\t'])
        || s.ends_with([' ', '\t']);
    if !needs {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// The columns of a dataset as written: its features, then its target (named by the dataset's
/// target name, or `target`).
pub(crate) fn dataset_cells(data: &Dataset) -> Result<(Vec<String>, Vec<Cells<'_>>)> {
    let x = data.x();
    let mut headers = data.feature_names();
    let mut cells: Vec<Cells<'_>> = data
        .features()
        .columns
        .iter()
        .enumerate()
        .map(move |(j, c)| {
            let col = x.index_axis_move(Axis(1), j);
            match &c.kind {
                ColumnKind::Boolean => Cells::Booleans(col),
                ColumnKind::Datetime => Cells::Datetimes(col),
                ColumnKind::Categorical { categories } => Cells::Categories(col, categories),
                _ => Cells::Numbers(col),
            }
        })
        .collect();
    if let Some(t) = data.target() {
        let name = data.target_name().unwrap_or("target").to_string();
        if headers.contains(&name) {
            return Err(Error::InvalidData(format!(
                "the target column `{name}` has the name of a feature column; rename one of them"
            )));
        }
        headers.push(name);
        cells.push(match t {
            Target::Continuous(y) => Cells::Numbers(y.view()),
            Target::Classes { codes, labels } => Cells::Labels(codes.view(), labels),
        });
    }
    Ok((headers, cells))
}

/// Write `headers` and `cells` as CSV to `out`; `path` names the destination in errors.
fn write_cells(
    out: &mut dyn Write,
    path: &Path,
    headers: &[String],
    cells: &[Cells<'_>],
) -> Result<()> {
    write_cells_opt(out, path, headers, cells, true)
}

fn write_cells_opt(
    out: &mut dyn Write,
    path: &Path,
    headers: &[String],
    cells: &[Cells<'_>],
    with_header: bool,
) -> Result<()> {
    if headers.len() != cells.len() {
        return Err(Error::ShapeMismatch {
            context: "number of headers (one per column)".into(),
            expected: cells.len(),
            got: headers.len(),
        });
    }
    let n = cells.first().map_or(0, Cells::len);
    if let Some(bad) = cells.iter().position(|c| c.len() != n) {
        return Err(Error::ShapeMismatch {
            context: format!("length of column `{}`", headers[bad]),
            expected: n,
            got: cells[bad].len(),
        });
    }
    let io = |e| Error::io(path, e);
    if with_header {
        let mut line = Vec::new();
        for (j, h) in headers.iter().enumerate() {
            if j > 0 {
                line.push(b',');
            }
            write_text(h, &mut line);
        }
        line.push(b'\n');
        out.write_all(&line).map_err(io)?;
    }
    let n_chunks = n.div_ceil(CHUNK_ROWS);
    let format_chunk = |c: usize| {
        let rows = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
        let mut buf = Vec::with_capacity(rows.len() * cells.len() * 12);
        for r in rows {
            for (j, col) in cells.iter().enumerate() {
                if j > 0 {
                    buf.push(b',');
                }
                col.write(r, &mut buf);
            }
            buf.push(b'\n');
        }
        buf
    };
    for start in (0..n_chunks).step_by(CHUNKS_PER_BATCH) {
        let end = (start + CHUNKS_PER_BATCH).min(n_chunks);
        let bufs: Vec<Vec<u8>> = (start..end).into_par_iter().map(format_chunk).collect();
        for b in bufs {
            out.write_all(&b).map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

/// An output file that appears complete or not at all (see [`satori_core::fs`]).
fn create(path: &Path) -> Result<OutputFile> {
    OutputFile::create(path)
}

/// A CSV file written a chunk of rows at a time (same format as [`write_csv_columns`]): the
/// header once, then each chunk's rows in order.
///
/// Nothing appears at `path` until [`CsvChunkWriter::finish`]: a writer dropped after an error
/// leaves whatever was there before.
pub struct CsvChunkWriter {
    out: OutputFile,
    path: std::path::PathBuf,
    headers: Vec<String>,
    wrote_header: bool,
    rows: u64,
}

impl CsvChunkWriter {
    /// Start writing `path` (replaced only when finished) for columns named `headers`.
    pub fn create(path: &Path, headers: Vec<String>) -> Result<CsvChunkWriter> {
        Ok(CsvChunkWriter {
            out: create(path)?,
            path: path.to_path_buf(),
            headers,
            wrote_header: false,
            rows: 0,
        })
    }

    /// Append a chunk: one column per header, all of the same length.
    pub fn write(&mut self, columns: &[Column]) -> Result<()> {
        let cells = column_cells(columns);
        write_cells_opt(
            &mut self.out,
            &self.path,
            &self.headers,
            &cells,
            !self.wrote_header,
        )?;
        self.wrote_header = true;
        self.rows += cells.first().map_or(0, Cells::len) as u64;
        Ok(())
    }

    /// Write the header if no chunk came, flush, and return the number of rows written.
    pub fn finish(mut self) -> Result<u64> {
        if !self.wrote_header {
            let empty: Vec<Column> = self
                .headers
                .iter()
                .map(|_| Column::Values(vec![]))
                .collect();
            self.write(&empty)?;
        }
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        self.out.commit()?;
        Ok(self.rows)
    }
}

/// Write a dataset as CSV with a header: the feature columns, then the target column (if any).
pub fn write_dataset_csv(data: &Dataset, path: &Path) -> Result<()> {
    let (headers, cells) = dataset_cells(data)?;
    let mut out = create(path)?;
    write_cells(&mut out, path, &headers, &cells)?;
    out.commit()
}

/// Write a dataset as CSV to any writer (e.g. standard output).
pub fn write_dataset_csv_to(data: &Dataset, out: &mut dyn Write) -> Result<()> {
    let (headers, cells) = dataset_cells(data)?;
    write_cells(out, Path::new("<output>"), &headers, &cells)
}

/// Write named columns (e.g. an identifier and predictions) as CSV with a header. Every column
/// must have the same length and there must be one header per column.
pub fn write_csv_columns(path: &Path, headers: &[String], columns: &[Column]) -> Result<()> {
    let mut out = create(path)?;
    write_cells(&mut out, path, headers, &column_cells(columns))?;
    out.commit()
}

/// [`write_csv_columns`] to any writer (e.g. standard output).
pub fn write_csv_columns_to(
    out: &mut dyn Write,
    headers: &[String],
    columns: &[Column],
) -> Result<()> {
    write_cells(out, Path::new("<output>"), headers, &column_cells(columns))
}

fn column_cells(columns: &[Column]) -> Vec<Cells<'_>> {
    columns
        .iter()
        .map(|c| match c {
            Column::Values(v) => Cells::Numbers(ArrayView1::from(v.as_slice())),
            Column::Strings(s) => Cells::Strings(s),
        })
        .collect()
}
