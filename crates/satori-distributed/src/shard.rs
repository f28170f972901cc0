//! Each rank's part of the data, and one schema for all of them.
//!
//! **Which rows a rank reads** ([`plan`]): a folder is split by file — its data files (`.csv`,
//! `.parquet`, … sorted by name) are dealt out in consecutive blocks, so rank 0 holds the first
//! files, rank 1 the next, and so on; one CSV file is split by byte ranges at line boundaries
//! (a line belongs to the rank whose range holds its first byte, and every rank reads the
//! header); one Parquet file is split by row groups, dealt out in consecutive blocks. Ranks hold consecutive rows in rank order either way, so "all rows in rank order"
//! is the folder's files concatenated in name order, or the file itself — the rows a single
//! process reads. No rank reads another's rows.
//!
//! **One schema** ([`agree_schema`]): each rank infers the kinds of its own rows; the ranks
//! gather their schemas and merge them — the same columns in the same order, integer and
//! numeric making numeric, categorical columns taking the union of their categories (sorted as
//! inference sorts them, so codes are those a single process would give) — and every rank
//! re-codes its categorical columns to the merged categories. A column read as another kind on
//! another rank, or a different column set, is an error naming both ranks and files.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use satori_core::collective::{Collective, agree};
use satori_core::{ColumnKind, ColumnSchema, Error, Result, Schema};
use satori_data::{
    Column, Format, ReadOptions, Table, read_csv_bytes, read_parquet_row_groups, read_table,
    sort_categories,
};

/// What one rank reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Whole files, in order.
    Files(Vec<PathBuf>),
    /// The row groups `start..end` of one Parquet file.
    ParquetGroups {
        /// The file.
        path: PathBuf,
        /// The first row group.
        start: usize,
        /// One past the last row group.
        end: usize,
    },
    /// The lines of one CSV file whose first byte lies in `start..end` (after the header).
    CsvRange {
        /// The file.
        path: PathBuf,
        /// First byte of the range.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
}

/// A rank's share of the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// The rank.
    pub rank: usize,
    /// What it reads.
    pub part: Part,
}

impl Shard {
    /// A short description for messages: the files, or the file and byte range.
    pub fn describe(&self) -> String {
        match &self.part {
            Part::Files(f) => f
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Part::CsvRange { path, start, end } => {
                format!("{} (bytes {start}..{end})", path.display())
            }
            Part::ParquetGroups { path, start, end } => {
                format!("{} (row groups {start}..{end})", path.display())
            }
        }
    }
}

/// The data files of a folder, sorted by name (hidden files and folders skipped).
pub fn data_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let path = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let ext = path
            .extension()
            .and_then(|x| x.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if matches!(
            ext.as_str(),
            "csv" | "tsv" | "txt" | "parquet" | "pq" | "gz"
        ) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::InvalidData(format!(
            "{} holds no data files (.csv or .parquet)",
            dir.display()
        )));
    }
    Ok(files)
}

/// What rank `rank` of `size` reads of `path` (a folder, or one CSV file).
pub fn plan(path: &Path, rank: usize, size: usize) -> Result<Shard> {
    if path.is_dir() {
        let files = data_files(path)?;
        if size > files.len() {
            return Err(Error::InvalidData(format!(
                "{size} ranks but {} holds only {} data file(s): each rank reads whole files, so \
                 start at most {} rank(s), or split the data into more files",
                path.display(),
                files.len(),
                files.len()
            )));
        }
        let (lo, hi) = (files.len() * rank / size, files.len() * (rank + 1) / size);
        return Ok(Shard {
            rank,
            part: Part::Files(files[lo..hi].to_vec()),
        });
    }
    if size == 1 {
        return Ok(Shard {
            rank,
            part: Part::Files(vec![path.to_path_buf()]),
        });
    }
    match Format::from_path(path) {
        Format::Csv => {}
        Format::Parquet => {
            let groups = satori_data::parquet_row_groups(path)?;
            if size > groups {
                return Err(Error::InvalidData(format!(
                    "{size} ranks but {} has only {groups} row group(s): each rank reads whole \
                     row groups, so start at most {groups} rank(s), or write the file with \
                     smaller row groups (or as a folder of files)",
                    path.display()
                )));
            }
            return Ok(Shard {
                rank,
                part: Part::ParquetGroups {
                    path: path.to_path_buf(),
                    start: groups * rank / size,
                    end: groups * (rank + 1) / size,
                },
            });
        }
        other => {
            return Err(Error::InvalidData(format!(
                "{} is one {other:?} file: with several ranks give a folder of files (one or \
                 more per rank); a CSV file is split by byte ranges and a Parquet file by row \
                 groups",
                path.display()
            )));
        }
    }
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    Ok(Shard {
        rank,
        part: Part::CsvRange {
            path: path.to_path_buf(),
            start: len * rank as u64 / size as u64,
            end: len * (rank as u64 + 1) / size as u64,
        },
    })
}

/// Read a shard: its files as one table (rows in file order; every file must have the same
/// columns), or its lines of a CSV file with the header prepended.
pub fn read_shard(shard: &Shard, opts: &ReadOptions) -> Result<Vec<Table>> {
    match &shard.part {
        Part::Files(files) => files.iter().map(|f| read_table(f, opts)).collect(),
        Part::ParquetGroups { path, start, end } => {
            Ok(vec![read_parquet_row_groups(path, opts, *start..*end)?])
        }
        Part::CsvRange { path, start, end } => {
            // Only the header and this rank's lines are read, never the whole file.
            let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
            let (mut text, lines) =
                csv_lines(&mut file, len, *start, *end).map_err(|e| Error::io(path, e))?;
            text.extend_from_slice(&lines);
            let name = shard.describe();
            Ok(vec![read_csv_bytes(&name, &text, opts)?])
        }
    }
}

/// The header line (with its newline) and the lines whose first byte lies in `start..end` of
/// a `len`-byte CSV source, read by seeking: the header, a scan to each range end's next line
/// start, and the range itself.
fn csv_lines<R: Read + Seek>(
    r: &mut R,
    len: u64,
    start: u64,
    end: u64,
) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let header_end = after_newline(r, 0, len)?;
    // The first line starting at or after `at` (never inside the header).
    let mut line_start = |at: u64| -> std::io::Result<u64> {
        if at <= header_end {
            Ok(header_end)
        } else {
            after_newline(r, at - 1, len)
        }
    };
    let lo = line_start(start)?;
    let hi = if end >= len { len } else { line_start(end)? };
    let hi = hi.max(lo);
    let read = |r: &mut R, from: u64, to: u64| -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; usize::try_from(to - from).unwrap_or(usize::MAX)];
        r.seek(SeekFrom::Start(from))?;
        r.read_exact(&mut buf)?;
        Ok(buf)
    };
    Ok((read(r, 0, header_end)?, read(r, lo, hi)?))
}

/// The position just after the first newline at or after `at`; `len` when there is none.
fn after_newline<R: Read + Seek>(r: &mut R, at: u64, len: u64) -> std::io::Result<u64> {
    r.seek(SeekFrom::Start(at))?;
    let mut buf = [0u8; 64 * 1024];
    let mut pos = at;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(len);
        }
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// Every table of every rank on one schema: see the module's rules. `tables` are this rank's
/// (from [`read_shard`]); `sources` name them for messages. Returns this rank's rows as one
/// table (empty tables are an error: a shard must hold rows).
pub fn agree_schema(comm: &dyn Collective, tables: Vec<Table>, shard: &Shard) -> Result<Table> {
    let local: Result<String> = (|| {
        if let Some(t) = tables.iter().find(|t| t.n_rows() == 0) {
            return Err(Error::InvalidData(format!(
                "rank {}'s shard {} holds no rows: give fewer ranks or more data",
                shard.rank, t.source
            )));
        }
        if tables.iter().any(|t| t.sparse.is_some()) {
            return Err(Error::InvalidData(
                "sparse (LIBSVM) files are not read distributed yet".into(),
            ));
        }
        let described: Vec<(String, Vec<ColumnSchema>)> = tables
            .iter()
            .map(|t| (t.source.clone(), t.schema.columns.clone()))
            .collect();
        serde_json::to_string(&described).map_err(|e| Error::Internal(e.to_string()))
    })();
    let local = agree(comm, local)?;
    let all = comm.allgather_bytes(local.as_bytes())?;
    let mut every: Vec<(usize, String, Vec<ColumnSchema>)> = Vec::new();
    for (rank, bytes) in all.iter().enumerate() {
        let parts: Vec<(String, Vec<ColumnSchema>)> = serde_json::from_slice(bytes)
            .map_err(|e| Error::Internal(format!("rank {rank}'s schema: {e}")))?;
        every.extend(parts.into_iter().map(|(s, c)| (rank, s, c)));
    }
    let merged = merge(&every)?;
    let mut out: Option<Table> = None;
    for t in tables {
        let t = recode(t, &merged)?;
        out = Some(match out {
            None => t,
            Some(acc) => concat(acc, t),
        });
    }
    out.ok_or_else(|| Error::InvalidData(format!("rank {} has no data files", shard.rank)))
}

/// The one schema of every rank's tables.
fn merge(every: &[(usize, String, Vec<ColumnSchema>)]) -> Result<Schema> {
    let Some((r0, s0, first)) = every.first() else {
        return Err(Error::InvalidData("no rank read any data".into()));
    };
    let mut cols: Vec<ColumnSchema> = first.clone();
    for (r, s, c) in &every[1..] {
        let names = |c: &[ColumnSchema]| c.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
        if names(c) != names(&cols) {
            let (a, b) = (names(&cols), names(c));
            let only_a: Vec<&String> = a.iter().filter(|n| !b.contains(n)).collect();
            let only_b: Vec<&String> = b.iter().filter(|n| !a.contains(n)).collect();
            return Err(Error::InvalidData(format!(
                "rank {r}'s {s} has other columns than rank {r0}'s {s0}: only in {s0}: {only_a:?}; \
                 only in {s}: {only_b:?}{}",
                if only_a.is_empty() && only_b.is_empty() {
                    " (the same names in another order)"
                } else {
                    ""
                }
            )));
        }
        for (m, x) in cols.iter_mut().zip(c) {
            m.kind = match (&m.kind, &x.kind) {
                (a, b) if a == b => a.clone(),
                (ColumnKind::Integer, ColumnKind::Numeric)
                | (ColumnKind::Numeric, ColumnKind::Integer) => ColumnKind::Numeric,
                (
                    ColumnKind::Categorical { categories: a },
                    ColumnKind::Categorical { categories: b },
                ) => {
                    let mut u: Vec<String> = a.clone();
                    u.extend(b.iter().filter(|c| !a.contains(c)).cloned());
                    ColumnKind::Categorical {
                        categories: sort_categories(u),
                    }
                }
                (a, b) => {
                    return Err(Error::InvalidData(format!(
                        "column `{}` reads as {} in rank {r}'s {s} but as {} in an earlier \
                         shard (rank {r0}'s {s0} first): make the files agree, or force the \
                         kind with --schema FILE or --categorical",
                        m.name,
                        b.name(),
                        a.name()
                    )));
                }
            };
        }
    }
    Schema::new(cols)
}

/// A table on the merged schema: categorical codes re-indexed into the merged categories.
fn recode(mut t: Table, merged: &Schema) -> Result<Table> {
    for (j, (mine, target)) in t.schema.columns.iter().zip(&merged.columns).enumerate() {
        if let (
            ColumnKind::Categorical { categories: old },
            ColumnKind::Categorical { categories: new },
        ) = (&mine.kind, &target.kind)
            && old != new
        {
            let map: Vec<f64> = old
                .iter()
                .map(|c| {
                    new.iter()
                        .position(|n| n == c)
                        .map_or(f64::NAN, |i| i as f64)
                })
                .collect();
            if let Column::Values(v) = &mut t.columns[j] {
                for x in v.iter_mut() {
                    if !x.is_nan() {
                        *x = map.get(*x as usize).copied().unwrap_or(f64::NAN);
                    }
                }
            }
        }
    }
    t.schema = merged.clone();
    Ok(t)
}

/// Two tables on one schema, one after the other.
fn concat(mut a: Table, b: Table) -> Table {
    for (x, y) in a.columns.iter_mut().zip(b.columns) {
        match (x, y) {
            (Column::Values(x), Column::Values(y)) => x.extend(y),
            (Column::Strings(x), Column::Strings(y)) => x.extend(y),
            (Column::Values(x), Column::Strings(y)) => {
                x.extend(y.iter().map(|_| f64::NAN));
            }
            (Column::Strings(x), Column::Values(y)) => x.extend(y.iter().map(|_| None)),
        }
    }
    a.source = format!("{} + {}", a.source, b.source);
    a.notes.extend(b.notes);
    a
}

#[cfg(test)]
mod tests;
