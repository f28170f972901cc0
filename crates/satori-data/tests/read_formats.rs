//! Parquet (written here with the `parquet` crate) and LIBSVM files.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, RecordBatch,
    StringArray, TimestampMillisecondArray,
};
use parquet::arrow::ArrowWriter;
use satori_core::{ColumnKind, Error, Task};
use satori_data::{Column, Format, ReadOptions, Table, TargetSpec, read_csv_bytes, read_table};

fn values(t: &Table, name: &str) -> Vec<f64> {
    match t.column(name).unwrap().1 {
        Column::Values(v) => v.clone(),
        Column::Strings(s) => panic!("`{name}` is text: {s:?}"),
    }
}

fn write_parquet(path: &std::path::Path) {
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "i",
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(1)])),
        ),
        (
            "f",
            Arc::new(Float64Array::from(vec![
                Some(0.5),
                Some(1.5),
                None,
                Some(-2.0),
            ])),
        ),
        (
            "b",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
        ),
        (
            "s",
            Arc::new(StringArray::from(vec![
                Some("red"),
                Some("blue"),
                None,
                Some("red"),
            ])),
        ),
        (
            "d",
            Arc::new(
                vec![Some("x"), Some("y"), Some("x"), None]
                    .into_iter()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        ),
        (
            "ts",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(1500),
                Some(0),
                None,
                Some(-1000),
            ])),
        ),
        (
            "day",
            Arc::new(Date32Array::from(vec![Some(1), Some(0), Some(2), None])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.parquet");
    write_parquet(&path);
    let t = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(t.n_rows(), 4);
    let kinds: Vec<&str> = t.schema.columns.iter().map(|c| c.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "integer",
            "numeric",
            "boolean",
            "categorical",
            "categorical",
            "datetime",
            "datetime"
        ]
    );
    let i = values(&t, "i");
    assert_eq!((i[0], i[2], i[3]), (1.0, 3.0, 1.0));
    assert!(i[1].is_nan());
    let f = values(&t, "f");
    assert!(f[2].is_nan());
    assert_eq!(f[3], -2.0);
    let b = values(&t, "b");
    assert_eq!((b[0], b[1], b[3]), (1.0, 0.0, 1.0));
    assert!(b[2].is_nan());
    assert_eq!(
        t.column("s").unwrap().0.kind.categories().unwrap(),
        ["blue", "red"]
    );
    let s = values(&t, "s");
    assert_eq!((s[0], s[1], s[3]), (1.0, 0.0, 1.0));
    assert!(s[2].is_nan());
    assert_eq!(
        t.column("d").unwrap().0.kind.categories().unwrap(),
        ["x", "y"]
    );
    let d = values(&t, "d");
    assert_eq!(d[..3], [0.0, 1.0, 0.0]);
    assert!(d[3].is_nan());
    let ts = values(&t, "ts");
    assert_eq!((ts[0], ts[1], ts[3]), (1.5, 0.0, -1.0));
    assert_eq!(values(&t, "day")[..3], [86400.0, 0.0, 172800.0]);

    // Overrides apply to Parquet too.
    let opts = ReadOptions {
        drop: vec!["ts".into()],
        categorical: vec!["i".into()],
        ..ReadOptions::default()
    };
    let t = read_table(&path, &opts).unwrap();
    assert!(t.column("ts").is_err());
    assert_eq!(
        t.column("i").unwrap().0.kind.categories().unwrap(),
        ["1", "3"]
    );
    let opts = ReadOptions {
        drop: vec!["tss".into()],
        ..ReadOptions::default()
    };
    assert!(matches!(
        read_table(&path, &opts),
        Err(Error::MissingColumn { .. })
    ));

    // And the table becomes a dataset.
    let spec = TargetSpec {
        name: "s".into(),
        task: None,
    };
    let (data, report) = t.to_dataset(&spec).unwrap();
    assert_eq!(report.task, Some(Task::Binary));
    assert_eq!(report.dropped_missing_target, 1);
    assert_eq!(data.n_samples(), 3);
}

#[test]
fn not_a_parquet_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    std::fs::write(&path, "a,b\n1,2\n").unwrap();
    let e = read_table(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::UnsupportedFormat(_)), "{e}");
    assert!(e.to_string().contains("bad.parquet"), "{e}");
}

#[test]
fn libsvm_files_become_dense_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.svm");
    std::fs::write(
        &path,
        "# comment\n1 qid:1 1:0.5 4:2\n0 2:1.25 # note\n1 3:-1\n",
    )
    .unwrap();
    let t = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(
        t.schema.names().collect::<Vec<_>>(),
        ["label", "f1", "f2", "f3", "f4"]
    );
    assert_eq!(values(&t, "label"), [1.0, 0.0, 1.0]);
    assert_eq!(values(&t, "f1"), [0.5, 0.0, 0.0]);
    assert_eq!(values(&t, "f2"), [0.0, 1.25, 0.0]);
    assert_eq!(values(&t, "f3"), [0.0, 0.0, -1.0]);
    assert_eq!(values(&t, "f4"), [2.0, 0.0, 0.0]);
    assert_eq!(t.column("f1").unwrap().0.kind, ColumnKind::Numeric);
    let (d, r) = t
        .to_dataset(&TargetSpec {
            name: "label".into(),
            task: None,
        })
        .unwrap();
    assert_eq!(r.task, Some(Task::Binary));
    assert_eq!(d.n_features(), 4);

    // Zero-based indices, read from bytes with the format given.
    let opts = ReadOptions {
        format: Some(Format::Libsvm),
        ..ReadOptions::default()
    };
    // Columns are named by the file's own index: `f0` here.
    let t = read_csv_bytes("mem.svm", b"2.5 0:1 1:2\n-1 1:3\n", &opts).unwrap();
    assert_eq!(values(&t, "f0"), [1.0, 0.0]);
    assert_eq!(values(&t, "f1"), [2.0, 3.0]);
    assert_eq!(t.column("label").unwrap().0.kind, ColumnKind::Numeric);
    let e = read_csv_bytes("mem.svm", b"1 1:2\n1 x:2\n", &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("mem.svm:2:") && e.contains("feature index"),
        "{e}"
    );
}

#[test]
fn format_from_extension() {
    assert_eq!(Format::from_path("a.PARQUET".as_ref()), Format::Parquet);
    assert_eq!(Format::from_path("a.pq".as_ref()), Format::Parquet);
    assert_eq!(Format::from_path("a.libsvm".as_ref()), Format::Libsvm);
    assert_eq!(Format::from_path("a.svm".as_ref()), Format::Libsvm);
    assert_eq!(Format::from_path("a.tsv".as_ref()), Format::Csv);
    assert_eq!(Format::from_path("a".as_ref()), Format::Csv);
}
