//! The Parquet reader decodes columns (and, for narrow files, runs of row groups) in parallel:
//! the table, its notes and its errors must not depend on the thread count, on the row-group
//! layout, or on whether the file is read from disk or from memory.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampSecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use satori_core::Error;
use satori_data::{Column, Format, ReadOptions, Table, read_csv_bytes, read_table};

const ROWS: usize = 1000;

/// `ROWS` rows of every kind the reader handles, with nulls (and a NaN) in most columns.
fn batch(rows: std::ops::Range<usize>) -> RecordBatch {
    let f = |i: usize| match i % 13 {
        0 => None,
        5 => Some(f64::NAN),
        _ => Some(i as f64 * 0.25 - 100.0),
    };
    let colours = ["red", "green", "blue"];
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "id",
            Arc::new(Int64Array::from_iter_values(rows.clone().map(|i| i as i64))),
        ),
        ("f", Arc::new(rows.clone().map(f).collect::<Float64Array>())),
        (
            "n",
            Arc::new(
                rows.clone()
                    .map(|i| (i % 7 != 3).then_some(i as i32 % 50 - 20))
                    .collect::<Int32Array>(),
            ),
        ),
        (
            "b",
            Arc::new(
                rows.clone()
                    .map(|i| (i % 11 != 0).then_some(i % 3 == 0))
                    .collect::<BooleanArray>(),
            ),
        ),
        (
            "s",
            Arc::new(
                rows.clone()
                    .map(|i| (i % 9 != 4).then_some(colours[i % 3]))
                    .collect::<StringArray>(),
            ),
        ),
        (
            "d",
            Arc::new(
                rows.clone()
                    .map(|i| (i % 17 != 2).then_some(["x", "y", "z", "w"][i % 4]))
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        ),
        (
            "ts",
            Arc::new(
                rows.clone()
                    .map(|i| (i % 5 != 1).then_some(1_600_000_000 + i as i64 * 3600))
                    .collect::<TimestampSecondArray>(),
            ),
        ),
        (
            "note",
            Arc::new(StringArray::from_iter_values(
                rows.map(|i| format!("row number {i}")),
            )),
        ),
    ];
    RecordBatch::try_from_iter(cols).unwrap()
}

/// `batch(0..ROWS)` written in row groups of at most `group_rows` rows (pages of 50 rows), and
/// only the columns `keep`.
fn parquet_bytes(group_rows: usize, keep: &[&str]) -> Vec<u8> {
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .set_data_page_row_count_limit(50)
        .set_write_batch_size(50)
        .build();
    let full = batch(0..ROWS);
    let indices: Vec<usize> = keep
        .iter()
        .map(|k| full.schema().index_of(k).unwrap())
        .collect();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(
        &mut out,
        Arc::new(full.schema().project(&indices).unwrap()),
        Some(props),
    )
    .unwrap();
    // Written in pieces that do not line up with the row groups.
    for start in (0..ROWS).step_by(333) {
        w.write(
            &batch(start..(start + 333).min(ROWS))
                .project(&indices)
                .unwrap(),
        )
        .unwrap();
    }
    w.close().unwrap();
    out
}

const ALL: &[&str] = &["id", "f", "n", "b", "s", "d", "ts", "note"];

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Same schema, notes and values (NaN = NaN, bit for bit).
fn same(a: &Table, b: &Table) -> bool {
    a.schema == b.schema
        && a.notes == b.notes
        && a.columns.len() == b.columns.len()
        && a.columns.iter().zip(&b.columns).all(|(x, y)| match (x, y) {
            (Column::Values(x), Column::Values(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
            }
            _ => x == y,
        })
}

fn parquet_opts() -> ReadOptions {
    ReadOptions {
        format: Some(Format::Parquet),
        ..ReadOptions::default()
    }
}

fn values(t: &Table, name: &str) -> Vec<f64> {
    match t.column(name).unwrap().1 {
        Column::Values(v) => v.clone(),
        Column::Strings(s) => panic!("`{name}` is text: {s:?}"),
    }
}

/// The values the reader must give for `batch`'s columns.
fn check_values(t: &Table) {
    assert_eq!(t.n_rows(), ROWS);
    let f = values(t, "f");
    for (i, v) in f.iter().enumerate() {
        match i % 13 {
            0 | 5 => assert!(v.is_nan(), "f[{i}] = {v}"),
            _ => assert_eq!(*v, i as f64 * 0.25 - 100.0, "f[{i}]"),
        }
    }
    let n = values(t, "n");
    for (i, v) in n.iter().enumerate() {
        if i % 7 == 3 {
            assert!(v.is_nan(), "n[{i}] = {v}");
        } else {
            assert_eq!(*v, f64::from(i as i32 % 50 - 20), "n[{i}]");
        }
    }
    let b = values(t, "b");
    assert!(b[0].is_nan());
    assert_eq!((b[3], b[4]), (1.0, 0.0));
    let s = values(t, "s");
    assert_eq!(
        t.column("s").unwrap().0.kind.categories().unwrap(),
        ["blue", "green", "red"]
    );
    assert_eq!((s[0], s[1], s[2]), (2.0, 1.0, 0.0));
    assert!(s[4].is_nan());
    let d = values(t, "d");
    assert_eq!(
        t.column("d").unwrap().0.kind.categories().unwrap(),
        ["w", "x", "y", "z"]
    );
    assert_eq!((d[0], d[1], d[3]), (1.0, 2.0, 0.0));
    assert!(d[2].is_nan());
    let ts = values(t, "ts");
    assert!(ts[1].is_nan());
    assert_eq!(ts[999], 1_600_000_000.0 + 999.0 * 3600.0);
}

#[test]
fn many_row_groups_read_the_same_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one_group = parquet_bytes(ROWS, ALL);
    let reference = with_threads(1, || {
        read_csv_bytes("t.parquet", &one_group, &parquet_opts())
    })
    .unwrap();
    check_values(&reference);
    let kinds: Vec<&str> = reference
        .schema
        .columns
        .iter()
        .map(|c| c.kind.name())
        .collect();
    assert_eq!(
        kinds,
        [
            "identifier",
            "numeric",
            "integer",
            "boolean",
            "categorical",
            "categorical",
            "datetime",
            "text"
        ]
    );
    for group_rows in [ROWS, 97, 1] {
        let bytes = parquet_bytes(group_rows, ALL);
        let path = dir.path().join(format!("g{group_rows}.parquet"));
        std::fs::write(&path, &bytes).unwrap();
        for threads in [1, 2, 3, 8, 32] {
            let from_file =
                with_threads(threads, || read_table(&path, &ReadOptions::default())).unwrap();
            let from_bytes = with_threads(threads, || {
                read_csv_bytes("t.parquet", &bytes, &parquet_opts())
            })
            .unwrap();
            assert!(
                same(&from_file, &reference),
                "{group_rows}-row groups, {threads} threads"
            );
            assert!(same(&from_bytes, &reference));
        }
    }
}

/// One or two columns and many row groups: each column is split into runs of row groups decoded
/// apart and joined in order.
#[test]
fn narrow_files_split_into_row_group_runs_join_in_order() {
    for keep in [&["f"][..], &["s", "n"], &["note"], &["d", "b", "ts"]] {
        let reference = with_threads(1, || {
            read_csv_bytes("t.parquet", &parquet_bytes(ROWS, keep), &parquet_opts())
        })
        .unwrap();
        let names: Vec<&str> = reference
            .schema
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, keep);
        for group_rows in [97, 10, 1] {
            let bytes = parquet_bytes(group_rows, keep);
            for threads in [1, 2, 8, 64] {
                let t = with_threads(threads, || {
                    read_csv_bytes("t.parquet", &bytes, &parquet_opts())
                })
                .unwrap();
                assert!(
                    same(&t, &reference),
                    "{keep:?}: {group_rows}-row groups, {threads} threads"
                );
            }
        }
    }
    let t = read_csv_bytes("t.parquet", &parquet_bytes(7, &["f"]), &parquet_opts()).unwrap();
    let f = values(&t, "f");
    assert_eq!(f.len(), ROWS);
    assert_eq!(f[999], 999.0 * 0.25 - 100.0);
}

#[test]
fn dropped_columns_are_not_read_and_order_is_kept() {
    let bytes = parquet_bytes(97, ALL);
    let opts = ReadOptions {
        format: Some(Format::Parquet),
        drop: vec!["f".into(), "note".into(), "b".into()],
        ..ReadOptions::default()
    };
    for threads in [1, 2, 8] {
        let t = with_threads(threads, || read_csv_bytes("t.parquet", &bytes, &opts)).unwrap();
        let names: Vec<&str> = t.schema.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "n", "s", "d", "ts"]);
        assert_eq!(values(&t, "n")[4], f64::from(4 - 20));
    }
}

#[test]
fn a_file_without_rows_is_a_clear_error() {
    let schema = batch(0..0).schema();
    let mut bytes = Vec::new();
    let w = ArrowWriter::try_new(&mut bytes, schema, None).unwrap();
    w.close().unwrap();
    for threads in [1, 4] {
        let e = with_threads(threads, || {
            read_csv_bytes("empty.parquet", &bytes, &parquet_opts())
        })
        .unwrap_err();
        assert!(matches!(e, Error::InvalidData(_)), "{e}");
        assert_eq!(
            e.to_string(),
            "invalid data: empty.parquet: the file has no rows"
        );
    }
}

/// Damaged copies (bytes changed across the pages, the file cut short): never a panic; an error
/// names the file; and the outcome is the same at any thread count.
#[test]
fn damaged_files_are_errors_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    let good = parquet_bytes(97, ALL);
    let outcome = |bytes: &[u8], threads: usize| -> String {
        std::fs::write(&path, bytes).unwrap();
        let from_file = with_threads(threads, || read_table(&path, &ReadOptions::default()));
        let from_bytes = with_threads(threads, || {
            read_csv_bytes("bad.parquet", bytes, &parquet_opts())
        });
        match (from_file, from_bytes) {
            (Err(a), Err(b)) => {
                assert!(a.is_user_error(), "{a}");
                assert!(a.to_string().contains("bad.parquet"), "{a}");
                let a = a
                    .to_string()
                    .replace(&path.display().to_string(), "bad.parquet");
                assert_eq!(a, b.to_string());
                a
            }
            (Ok(a), Ok(b)) => {
                assert!(same(&a, &b));
                format!("ok {:?}", a.columns.len())
            }
            (a, b) => panic!("file {:?} but bytes {:?}", a.err(), b.err()),
        }
    };
    let mut errors = 0;
    let step = good.len() / 40;
    for pos in (4..good.len() - 8).step_by(step) {
        let mut bad = good.clone();
        for b in &mut bad[pos..pos + 8] {
            *b ^= 0x5a;
        }
        let one = outcome(&bad, 1);
        errors += usize::from(!one.starts_with("ok"));
        for threads in [2, 8] {
            assert_eq!(
                outcome(&bad, threads),
                one,
                "bytes {pos}.., {threads} threads"
            );
        }
    }
    assert!(errors > 10, "{errors} errors");
    for cut in [good.len() / 2, good.len() - 9, 7] {
        let one = outcome(&good[..cut], 1);
        assert!(one.contains("not a readable Parquet file"), "{one}");
        assert_eq!(outcome(&good[..cut], 8), one);
    }
}

#[test]
fn row_group_ranges_read_their_rows_and_join_into_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.parquet");
    // 1000 rows in groups of 97: 11 groups, the last of 30 rows.
    std::fs::write(&path, parquet_bytes(97, &["id", "f", "n"])).unwrap();
    assert_eq!(satori_data::parquet_row_groups(&path).unwrap(), 11);
    let whole = read_table(&path, &parquet_opts()).unwrap();
    for threads in [1, 2, 8] {
        let mut joined: Vec<f64> = Vec::new();
        for (lo, hi) in [(0, 4), (4, 5), (5, 11)] {
            let t = with_threads(threads, || {
                satori_data::read_parquet_row_groups(&path, &parquet_opts(), lo..hi)
            })
            .unwrap();
            let rows = (hi * 97).min(ROWS) - lo * 97;
            assert_eq!(t.n_rows(), rows, "groups {lo}..{hi}");
            assert!(t.source.contains(&format!("row groups {lo}..{hi}")));
            joined.extend(values(&t, "f"));
        }
        let all = values(&whole, "f");
        assert_eq!(joined.len(), all.len());
        assert!(
            joined
                .iter()
                .zip(&all)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
    let e = satori_data::read_parquet_row_groups(&path, &parquet_opts(), 3..12).unwrap_err();
    assert!(e.to_string().contains("the file has 11"), "{e}");
    let e = satori_data::read_parquet_row_groups(&path, &parquet_opts(), 5..5).unwrap_err();
    assert!(e.to_string().contains("no rows"), "{e}");
}
