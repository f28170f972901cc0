//! CSV reading: BOM, delimiter detection, the header, overrides, and the passes that collect
//! the columns (see [`super::blocks`]).
//!
//! Columns are parsed as numbers while every value is one. Which columns are text is first
//! guessed from the file's first [`PREFIX_LEN`] bytes; a column that turns out to hold a
//! non-number later is re-read as text in a second pass over just that column, so inference
//! always covers the whole column.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use satori_core::{ColumnKind, Error, Result, snippet};

use super::blocks::{BadField, PassCtx, Plan, Sink};
use super::infer::{Raw, RawTable, RowLines, is_int_identifier};
use super::quotes::unclosed_quote_error;
use super::records::Records;
use super::values::{Markers, parse_number, trim};
use crate::table::{ReadOptions, Table};

/// Bytes read first, for the header, the delimiter and the first guess of column types.
pub(crate) const PREFIX_LEN: usize = 1 << 20;
/// The block size of the parallel parser.
pub(crate) const BLOCK_SIZE: usize = 4 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where CSV bytes come from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// A file, read in blocks.
    File(&'a Path),
}

impl<'a> Source<'a> {
    fn open_at(&self, offset: usize, path: &str) -> Result<Box<dyn Read + Send + 'a>> {
        match *self {
            Source::Bytes(b) => Ok(Box::new(b.get(offset..).unwrap_or(&[]))),
            Source::File(p) => {
                let mut f = File::open(p).map_err(|e| Error::io(p, e))?;
                f.seek(SeekFrom::Start(offset as u64))
                    .map_err(|e| Error::io(path, e))?;
                Ok(Box::new(f))
            }
        }
    }

    fn prefix(&self, path: &str, len: usize) -> Result<Vec<u8>> {
        let mut r = self.open_at(0, path)?;
        let mut buf = Vec::with_capacity(len.min(1 << 16));
        r.by_ref()
            .take(len as u64)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(path, e))?;
        Ok(buf)
    }
}

fn parse_err(source: &str, line: u64, column: &str, message: impl Into<String>) -> Error {
    Error::Parse {
        source_name: source.to_string(),
        line,
        column: column.to_string(),
        message: message.into(),
    }
}

/// Sizes of the reader's buffers (smaller in tests, to exercise block boundaries).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Bytes read first (header, delimiter, first guess of text columns).
    pub prefix_len: usize,
    /// Block size of the parallel parser.
    pub block_size: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            prefix_len: PREFIX_LEN,
            block_size: BLOCK_SIZE,
        }
    }
}

/// Read a CSV table.
pub(crate) fn read_csv(
    src: Source<'_>,
    name: &str,
    opts: &ReadOptions,
    tuning: Tuning,
) -> Result<Table> {
    let prefix_len = tuning.prefix_len.max(1);
    let block_size = tuning.block_size;
    let prefix = src.prefix(name, prefix_len)?;
    let bom = if prefix.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let body = &prefix[bom..];
    if trim(body).is_empty() {
        return Err(parse_err(
            name,
            1,
            "",
            "the file is empty; a CSV file needs a header row naming its columns, then data rows",
        ));
    }
    let delim = choose_delimiter(opts.delimiter, body)?;
    let complete = prefix.len() < prefix_len;
    let (names, header_len) = parse_header(body, delim, name, complete)?;
    let lines_before = memchr::memchr_iter(b'\n', &body[..header_len]).count() as u64;
    let markers = Markers::new(&opts.missing_markers);
    let Overrides {
        forced,
        dropped,
        mut notes,
    } = overrides(&names, opts, name)?;

    // First guess: columns holding a non-number in the prefix are text from the start.
    let mut plan: Vec<Plan> = names
        .iter()
        .map(|n| initial_plan(n, &forced, &dropped))
        .collect();
    refine_plan(
        &mut plan,
        &forced,
        &names,
        &body[header_len..],
        delim,
        &markers,
        complete,
    );

    let ctx = PassCtx {
        source: name,
        names: &names,
        delim,
        markers: &markers,
        lines_before,
        block_size,
    };
    let data_start = bom + header_len;
    let pass = ctx.run(src.open_at(data_start, name)?, &plan, name)?;
    if pass.lines.is_empty() {
        return Err(parse_err(
            name,
            lines_before + 1,
            "",
            "the file has a header but no data rows",
        ));
    }
    let lines = RowLines::Explicit(pass.lines);
    let mut sinks = pass.sinks;
    let mut forced = forced;
    let plan2 = second_plan(&sinks, &names, &mut forced, &mut notes, &lines, name)?;
    if plan2.contains(&Plan::Str) {
        let pass2 = ctx.run(src.open_at(data_start, name)?, &plan2, name)?;
        for (j, s) in pass2.sinks.into_iter().enumerate() {
            if plan2[j] == Plan::Str {
                sinks[j] = s;
            }
        }
    }
    raw_table(name, names, sinks, forced, lines, notes)?.into_table()
}

/// The columns to re-read as text: numbers that stopped being numbers, and integer identifiers
/// (kept with their original text, e.g. leading zeros). A forced numeric column holding a
/// non-number is an error naming its line.
fn second_plan(
    sinks: &[Sink],
    names: &[String],
    forced: &mut BTreeMap<String, ColumnKind>,
    notes: &mut Vec<String>,
    lines: &RowLines,
    name: &str,
) -> Result<Vec<Plan>> {
    let mut plan2 = vec![Plan::Skip; names.len()];
    for (j, s) in sinks.iter().enumerate() {
        let Sink::Num {
            vals,
            int_text,
            canonical,
            fail,
            ..
        } = s
        else {
            continue;
        };
        match (fail, forced.get(&names[j])) {
            (Some((row, text)), Some(kind)) => {
                return Err(parse_err(
                    name,
                    lines.line(*row),
                    &names[j],
                    format!(
                        "`{}` is not a number (the schema says `{}`)",
                        snippet(text),
                        kind.name()
                    ),
                ));
            }
            (Some(_), None) => plan2[j] = Plan::Str,
            // Identifiers written canonically are rebuilt from their values by inference.
            (None, None) if *int_text && !*canonical && is_int_identifier(&names[j], vals) => {
                plan2[j] = Plan::Str;
                forced.insert(names[j].clone(), ColumnKind::Identifier);
                notes.push(format!(
                    "column `{}` looks like an identifier (unique per row); it is not a feature",
                    names[j]
                ));
            }
            _ => {}
        }
    }
    Ok(plan2)
}

fn raw_table(
    name: &str,
    names: Vec<String>,
    sinks: Vec<Sink>,
    forced: BTreeMap<String, ColumnKind>,
    lines: RowLines,
    notes: Vec<String>,
) -> Result<RawTable> {
    let mut out_names = Vec::new();
    let mut cols = Vec::new();
    for (n, s) in names.into_iter().zip(sinks) {
        let raw = match s {
            Sink::Skip => continue,
            Sink::Num {
                vals,
                int_text,
                first_nonint,
                ..
            } => Raw::Num {
                vals,
                int_text,
                first_nonint,
            },
            Sink::Str(v) => Raw::Str(v),
        };
        out_names.push(n);
        cols.push(raw);
    }
    if out_names.is_empty() {
        return Err(Error::InvalidData(format!(
            "{name}: every column was dropped"
        )));
    }
    Ok(RawTable {
        source: name.to_string(),
        names: out_names,
        cols,
        forced,
        lines,
        notes,
    })
}

/// The delimiter given, checked, or else the one detected.
pub(crate) fn choose_delimiter(given: Option<u8>, body: &[u8]) -> Result<u8> {
    match given {
        Some(d @ (b'"' | b'\n' | b'\r')) => Err(Error::param(
            "delimiter",
            format!(
                "{:?} cannot separate fields; use a character such as `,` `;` tab or `|`",
                char::from(d)
            ),
        )),
        Some(d) => Ok(d),
        None => Ok(detect_delimiter(body)),
    }
}

fn initial_plan(
    name: &str,
    forced: &BTreeMap<String, ColumnKind>,
    dropped: &BTreeSet<String>,
) -> Plan {
    if dropped.contains(name) {
        return Plan::Skip;
    }
    match forced.get(name) {
        None | Some(ColumnKind::Numeric | ColumnKind::Integer) => Plan::Num,
        Some(_) => Plan::Str,
    }
}

/// Columns (not forced) with a non-number among the prefix's records become text columns.
fn refine_plan(
    plan: &mut [Plan],
    forced: &BTreeMap<String, ColumnKind>,
    names: &[String],
    sample: &[u8],
    delim: u8,
    markers: &Markers,
    complete: bool,
) {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(sample);
    let mut rec = csv::ByteRecord::new();
    let mut prev: Option<csv::ByteRecord> = None;
    let check = |rec: &csv::ByteRecord, plan: &mut [Plan]| {
        for (j, f) in rec.iter().enumerate().take(plan.len()) {
            if plan[j] == Plan::Num
                && !forced.contains_key(&names[j])
                && !markers.is_missing(f)
                && parse_number(f).is_none()
            {
                plan[j] = Plan::Str;
            }
        }
    };
    // The last record of an incomplete prefix may be cut short: leave it out.
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        if let Some(p) = prev.replace(rec.clone()) {
            check(&p, plan);
        }
    }
    if complete && let Some(p) = prev {
        check(&p, plan);
    }
}

/// The delimiter among `,` `;` tab `|`: the one that splits the first records (outside quotes)
/// into the same number (> 1) of fields most consistently, then into the most fields; `,` when
/// none appears in the header.
pub(crate) fn detect_delimiter(body: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts: Vec<[usize; 4]> = Vec::new();
    let mut cur = [0usize; 4];
    let mut in_quote = false;
    let mut nonempty = false;
    for &b in body {
        if b == b'"' {
            in_quote = !in_quote;
        } else if !in_quote && b == b'\n' {
            if nonempty {
                counts.push(cur);
            }
            cur = [0; 4];
            nonempty = false;
            if counts.len() >= 50 {
                break;
            }
            continue;
        } else if !in_quote && let Some(k) = CANDIDATES.iter().position(|&c| c == b) {
            cur[k] += 1;
        }
        if b != b'\r' {
            nonempty = true;
        }
    }
    if nonempty && counts.len() < 50 {
        counts.push(cur);
    }
    let Some(header) = counts.first() else {
        return b',';
    };
    let mut best: Option<(usize, usize, usize)> = None; // (consistent lines, count, -index)
    for k in 0..CANDIDATES.len() {
        if header[k] == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|c| c[k] == header[k]).count();
        let key = (consistent, header[k], usize::MAX - k);
        if best.is_none_or(|b| key > b) {
            best = Some(key);
        }
    }
    best.map_or(b',', |(_, _, k)| CANDIDATES[usize::MAX - k])
}

/// The header's names and its length in bytes (including its line end).
fn parse_header(
    body: &[u8],
    delim: u8,
    source: &str,
    complete: bool,
) -> Result<(Vec<String>, usize)> {
    let mut rdr = Records::new(body, delim, 0, false);
    let found = rdr
        .next_record()
        .map_err(|e| parse_err(source, 1, "", format!("reading the header: {e}")))?;
    if !found {
        return Err(parse_err(
            source,
            1,
            "",
            "the file is empty; expected a header row",
        ));
    }
    let line = rdr.line();
    let len = rdr.consumed() as usize;
    if complete && let Some((open, _)) = rdr.unclosed_at_eof() {
        return Err(unclosed_quote_error(source, open, ""));
    }
    if len >= body.len() && !complete {
        return Err(parse_err(
            source,
            line,
            "",
            format!("the header row is longer than {} bytes", body.len()),
        ));
    }
    let rec = rdr.to_byte_record();
    let mut names = Vec::with_capacity(rec.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in rec.iter().enumerate() {
        if memchr::memchr(0, f).is_some() {
            return Err(parse_err(
                source,
                line,
                &(i + 1).to_string(),
                BadField::Nul.message(),
            ));
        }
        let s = std::str::from_utf8(f).map_err(|_| {
            parse_err(
                source,
                line,
                &(i + 1).to_string(),
                "the header is not valid UTF-8 (satori reads UTF-8 text files)",
            )
        })?;
        let s = if s.trim().is_empty() {
            format!("Unnamed: {i}")
        } else {
            s.to_string()
        };
        if let Some(first) = seen.insert(s.clone(), i) {
            return Err(parse_err(
                source,
                line,
                &s,
                format!(
                    "the header names this column twice (columns {} and {}); column names must be unique",
                    first + 1,
                    i + 1
                ),
            ));
        }
        names.push(s);
    }
    Ok((names, len))
}

/// What the options say about a file's columns.
pub(crate) struct Overrides {
    /// Forced kinds of present columns.
    pub forced: BTreeMap<String, ColumnKind>,
    /// Columns to drop.
    pub dropped: BTreeSet<String>,
    /// Notes (schema entries naming absent columns).
    pub notes: Vec<String>,
}

/// Forced kinds and dropped columns from the options, checked against the header.
pub(crate) fn overrides(names: &[String], opts: &ReadOptions, source: &str) -> Result<Overrides> {
    let known: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let missing = |n: &str| Error::missing_column(n, source, names.iter().map(String::as_str));
    let mut notes = Vec::new();
    let mut forced = BTreeMap::new();
    for (n, k) in &opts.kinds {
        if known.contains(n.as_str()) {
            forced.insert(n.clone(), k.clone());
        } else {
            notes.push(format!(
                "the schema names column `{n}`, which {source} does not have"
            ));
        }
    }
    for n in &opts.categorical {
        if !known.contains(n.as_str()) {
            return Err(missing(n));
        }
        match forced.get(n) {
            None => {
                forced.insert(
                    n.clone(),
                    ColumnKind::Categorical {
                        categories: Vec::new(),
                    },
                );
            }
            Some(ColumnKind::Categorical { .. }) => {}
            Some(k) => {
                return Err(Error::param(
                    "categorical",
                    format!(
                        "column `{n}` is declared both categorical and `{}`",
                        k.name()
                    ),
                ));
            }
        }
    }
    let mut dropped = BTreeSet::new();
    for n in &opts.drop {
        if !known.contains(n.as_str()) {
            return Err(missing(n));
        }
        forced.remove(n);
        dropped.insert(n.clone());
    }
    Ok(Overrides {
        forced,
        dropped,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_detected() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b\n1|2\n"), b'|');
        assert_eq!(detect_delimiter(b"\"a;x\",b\n1,2\n"), b',');
        assert_eq!(detect_delimiter(b"single\n1\n"), b',');
    }

    use crate::table::Column;

    fn read_with(text: &str, prefix_len: usize, block_size: usize) -> Result<Table> {
        let tuning = Tuning {
            prefix_len,
            block_size,
        };
        read_csv(
            Source::Bytes(text.as_bytes()),
            "t.csv",
            &ReadOptions::default(),
            tuning,
        )
    }

    fn same(a: &Table, b: &Table) -> bool {
        a.schema == b.schema
            && a.columns.len() == b.columns.len()
            && a.columns.iter().zip(&b.columns).all(|(x, y)| match (x, y) {
                (Column::Values(x), Column::Values(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
                }
                _ => x == y,
            })
    }

    /// A file whose late rows hold a non-number (pass 2) and a quoted field with a newline (the
    /// switch to the quote-aware reader mid-file), read with every small block size.
    #[test]
    fn block_boundaries_do_not_change_the_result() {
        let mut text = String::from("id_code,x,y,z\r\n");
        for i in 0..200 {
            text.push_str(&format!("00{i},{}.5,{},{}\n", i % 7, i % 3, i * 2));
            if i == 50 {
                text.push('\n');
            }
        }
        text.push_str("late,7.5,not a number,\"multi\nline\"\n1,2,3,4\n");
        let whole = read_with(&text, 1 << 20, 1 << 20).unwrap();
        assert_eq!(whole.n_rows(), 202);
        let kinds: Vec<&str> = whole.schema.columns.iter().map(|c| c.kind.name()).collect();
        assert_eq!(kinds, ["identifier", "numeric", "categorical", "text"]);
        let Column::Strings(ids) = &whole.columns[0] else {
            panic!()
        };
        assert_eq!(ids[0].as_deref(), Some("000"));
        for prefix in [20, 64, 300, 5000] {
            for block in [1, 7, 64, 500, 4096] {
                let t = read_with(&text, prefix, block).unwrap();
                assert!(same(&t, &whole), "prefix {prefix} block {block}");
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_the_result() {
        let mut text = String::from("a,b,c\n");
        for i in 0..3000 {
            text.push_str(&format!(
                "{}.{},{},k{}\n",
                i % 17,
                i % 10,
                i * 7 % 1001,
                i % 5
            ));
        }
        text.push_str("1,x,\"q,q\"\n");
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| read_with(&text, 512, 256).unwrap())
        };
        let one = run(1);
        assert_eq!(one.n_rows(), 3001);
        for threads in [2, 3, 8] {
            assert!(same(&run(threads), &one), "{threads} threads");
        }
    }

    #[test]
    fn error_lines_are_right_at_any_block_size() {
        let mut text = String::from("a,b\n");
        for i in 0..100 {
            text.push_str(&format!("{i},\"q\nq\"\n"));
        }
        text.push_str("1,2,3\n");
        for block in [1, 16, 1000, 1 << 20] {
            let e = read_with(&text, 64, block).unwrap_err().to_string();
            assert!(e.starts_with("t.csv:202:"), "block {block}: {e}");
            assert!(
                e.contains("expected 2 fields (as in the header), got 3"),
                "{e}"
            );
        }
        let mut text = String::from("a,b\n");
        for i in 0..100 {
            text.push_str(&format!("{i},{i}\n\n"));
        }
        text.push_str("1\n");
        for block in [1, 16, 1000, 1 << 20] {
            let e = read_with(&text, 64, block).unwrap_err().to_string();
            assert!(e.starts_with("t.csv:202:"), "block {block}: {e}");
        }
    }

    #[test]
    fn header_length_and_names() {
        let (names, len) = parse_header(b"a,\"b,c\",\nrest", b',', "t", true).unwrap();
        assert_eq!(names, ["a", "b,c", "Unnamed: 2"]);
        assert_eq!(len, 9);
        let e = parse_header(b"a,b,a\n", b',', "t", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice (columns 1 and 3)"), "{e}");
    }
}
