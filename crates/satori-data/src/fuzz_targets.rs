//! Entry points for fuzzing the readers, shared by the in-test fuzzer (`tests/fuzz.rs`, with
//! `satori_testkit::fuzz`) and the cargo-fuzz targets (`fuzz/`).
//!
//! Each takes arbitrary bytes, reads them as one format, and goes on with what a user's command
//! would do next (a training dataset with the last column as the target, a profile). It returns
//! the reader's result, and **panics** when a promise of the data layer is broken, so that both
//! harnesses count it as a bug:
//!
//! - no panic on any input;
//! - every error is a user error ([`satori_core::Error::is_user_error`]) whose message is one
//!   line of at most [`MAX_MESSAGE_LEN`] bytes (no dumps);
//! - an error naming a line names one that is in the input;
//! - reading a CSV in tiny blocks gives exactly the result of reading it whole.

use satori_core::{ColumnKind, Error, Result};

use crate::chunks::CsvChunks;
use crate::read::csv::{Source, Tuning, read_csv};
use crate::{Column, Format, ReadOptions, Table, TargetSpec, read_csv_bytes};

/// The longest error message a reader may give.
pub const MAX_MESSAGE_LEN: usize = 600;

/// The CSV reader on `data`, then a dataset and a profile of the table; and the same read in
/// blocks of 16 bytes, which must agree.
pub fn csv(data: &[u8]) -> Result<()> {
    let opts = ReadOptions::default();
    let whole = read_csv_bytes("fuzz.csv", data, &opts);
    let tuning = Tuning {
        block_size: 16,
        ..Tuning::default()
    };
    let blocks = read_csv(Source::Bytes(data), "fuzz.csv", &opts, tuning);
    match (&whole, &blocks) {
        (Ok(a), Ok(b)) => assert!(same_table(a, b), "blocks of 16 bytes read another table"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "blocks of 16 bytes"),
        (a, b) => panic!(
            "whole: {}, blocks of 16 bytes: {}",
            describe(a),
            describe(b)
        ),
    }
    if let Ok(t) = &whole {
        // The same file with every column's kind forced (a schema file, a model's input
        // schema), cycling through the kinds: each value fits or is an error naming its line.
        let kinds = [
            ColumnKind::Integer,
            ColumnKind::Boolean,
            ColumnKind::Datetime,
            ColumnKind::Categorical {
                categories: vec!["a".into(), "x".into(), "1".into()],
            },
            ColumnKind::Numeric,
            ColumnKind::Text,
            ColumnKind::Categorical { categories: vec![] },
        ];
        let opts = ReadOptions {
            kinds: t
                .schema
                .names()
                .zip(kinds.iter().cycle())
                .map(|(n, k)| (n.to_string(), k.clone()))
                .collect(),
            ..ReadOptions::default()
        };
        let forced = read_csv_bytes("fuzz.csv", data, &opts).and_then(|t| downstream(&t));
        let _ = checked(data, forced);
    }
    checked(data, whole.and_then(|t| downstream(&t)))
}

/// The chunked CSV reader on `data`, three rows a chunk.
pub fn csv_chunks(data: &[u8]) -> Result<()> {
    let reader = std::io::Cursor::new(data.to_vec());
    let result =
        CsvChunks::from_reader("fuzz.csv", reader, &ReadOptions::default(), 3).and_then(|chunks| {
            for chunk in chunks {
                let chunk = chunk?;
                assert!(chunk.n_rows() <= 3);
            }
            Ok(())
        });
    checked(data, result)
}

/// The LIBSVM reader on `data` (dense or sparse as it decides, and sparse), then a dataset.
pub fn libsvm(data: &[u8]) -> Result<()> {
    let mut result = Ok(());
    for sparse in [None, Some(true)] {
        let opts = ReadOptions {
            format: Some(Format::Libsvm),
            sparse,
            ..ReadOptions::default()
        };
        let r = read_csv_bytes("fuzz.svm", data, &opts).and_then(|t| downstream(&t));
        result = checked(data, r);
    }
    result
}

/// The Parquet reader on `data`, then a dataset and a profile.
pub fn parquet(data: &[u8]) -> Result<()> {
    let opts = ReadOptions {
        format: Some(Format::Parquet),
        ..ReadOptions::default()
    };
    let r = read_csv_bytes("fuzz.parquet", data, &opts).and_then(|t| downstream(&t));
    checked(data, r)
}

/// The schema-file reader on `data`.
pub fn schema_file(data: &[u8]) -> Result<()> {
    let r = crate::read::schema_file::parse_schema_bytes(data, "fuzz.toml").map(|_| ());
    checked(data, r)
}

/// What a command does with a table it read: a dataset with the last column as the target (when
/// there are two columns or more), and a profile.
fn downstream(t: &Table) -> Result<()> {
    assert_eq!(
        t.columns.len(),
        t.schema.len(),
        "one column per schema entry"
    );
    for c in &t.columns {
        let n = match c {
            Column::Values(v) => v.len(),
            Column::Strings(v) => v.len(),
        };
        assert_eq!(n, t.n_rows(), "columns of one length");
    }
    if let Some(last) = t.schema.columns.last()
        && (t.schema.len() >= 2 || t.sparse.is_some())
    {
        // Errors here (a single class, …) are the user's; panics are not.
        let _ = checked(
            b"",
            t.to_dataset(&TargetSpec {
                name: last.name.clone(),
                task: None,
            })
            .map(|_| ()),
        );
    }
    let _ = checked(b"", crate::profile::profile(t, None).map(|_| ()));
    Ok(())
}

/// `result`, after checking its error (if any) keeps the promises of the module docs; `data`
/// bounds the line an error may name (empty: no bound).
fn checked(data: &[u8], result: Result<()>) -> Result<()> {
    if let Err(e) = &result {
        let msg = e.to_string();
        assert!(e.is_user_error(), "not a user error: {msg}");
        assert!(
            msg.len() <= MAX_MESSAGE_LEN,
            "a message of {} bytes: {}…",
            msg.len(),
            msg.chars().take(200).collect::<String>()
        );
        assert!(!msg.contains('\n'), "a message of several lines: {msg}");
        if let Error::Parse { line, .. } = e
            && !data.is_empty()
        {
            let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 1;
            assert!(
                (1..=lines).contains(line),
                "line {line} of an input of {lines} lines: {msg}"
            );
        }
    }
    result
}

fn describe(r: &Result<Table>) -> String {
    match r {
        Ok(t) => format!("a table of {} rows", t.n_rows()),
        Err(e) => e.to_string(),
    }
}

/// Whether two tables are the same, values bit for bit.
pub(crate) fn same_table(a: &Table, b: &Table) -> bool {
    a.schema == b.schema
        && a.notes == b.notes
        && a.sparse == b.sparse
        && a.columns.len() == b.columns.len()
        && a.columns.iter().zip(&b.columns).all(|(x, y)| match (x, y) {
            (Column::Values(x), Column::Values(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
            }
            _ => x == y,
        })
}
