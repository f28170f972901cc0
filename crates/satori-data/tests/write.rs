//! Writers: exact output text, and round trips through the reader.

use ndarray::{Array1, array};
use proptest::prelude::*;
use satori_core::{ColumnKind, ColumnSchema, Dataset, Schema, Target};
use satori_data::synth::{ClassificationParams, RegressionParams};
use satori_data::write::{
    format_number, write_csv_columns, write_csv_columns_to, write_dataset_csv,
    write_dataset_csv_to, write_dataset_parquet,
};
use satori_data::{Column, ReadOptions, TargetSpec, read_table};

fn num(v: f64) -> String {
    let mut b = Vec::new();
    format_number(v, &mut b);
    String::from_utf8(b).unwrap()
}

#[test]
fn numbers_are_shortest_round_trip() {
    assert_eq!(num(0.1), "0.1");
    assert_eq!(num(3.0), "3");
    assert_eq!(num(-2.0), "-2");
    assert_eq!(num(1e-7), "1e-7");
    assert_eq!(num(1.5e300), "1.5e300");
    assert_eq!(num(123456.789), "123456.789");
    assert_eq!(num(f64::NAN), "");
    assert_eq!(num(f64::INFINITY), "inf");
    assert_eq!(num(f64::NEG_INFINITY), "-inf");
    assert_eq!(num(1.0 / 3.0), "0.3333333333333333");
}

proptest! {
    #[test]
    fn formatted_numbers_parse_back_exactly(bits: u64) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let s = num(v);
        prop_assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{}", s);
    }
}

#[test]
fn prediction_columns_are_quoted_only_when_needed() {
    let mut out = Vec::new();
    write_csv_columns_to(
        &mut out,
        &["id".into(), "label, predicted".into(), "p".into()],
        &[
            Column::Strings(vec![
                Some("plain".into()),
                Some("say \"hi\"".into()),
                Some("two\nlines".into()),
                None,
                Some(" pad".into()),
            ]),
            Column::Strings(vec![
                Some("a".into()),
                Some("b".into()),
                Some("c".into()),
                Some("d".into()),
                Some("e".into()),
            ]),
            Column::Values(vec![0.25, 1.0, f64::NAN, -3e-9, 7.0]),
        ],
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "id,\"label, predicted\",p\nplain,a,0.25\n\"say \"\"hi\"\"\",b,1\n\"two\nlines\",c,\n,d,-3e-9\n\" pad\",e,7\n"
    );
}

#[test]
fn mismatched_columns_are_errors() {
    let mut out = Vec::new();
    let e = write_csv_columns_to(
        &mut out,
        &["a".into()],
        &[Column::Values(vec![1.0]), Column::Values(vec![2.0])],
    )
    .unwrap_err();
    assert!(e.to_string().contains("number of headers"), "{e}");
    let e = write_csv_columns_to(
        &mut out,
        &["a".into(), "b".into()],
        &[Column::Values(vec![1.0, 2.0]), Column::Values(vec![2.0])],
    )
    .unwrap_err();
    assert!(e.to_string().contains("length of column `b`"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let e = write_csv_columns(
        &dir.path().join("no/such/dir.csv"),
        &["a".into()],
        &[Column::Values(vec![1.0])],
    )
    .unwrap_err();
    assert!(e.to_string().contains("no/such/dir.csv"), "{e}");
}

fn mixed() -> Dataset {
    let schema = Schema::new(vec![
        ColumnSchema {
            name: "x".into(),
            kind: ColumnKind::Numeric,
        },
        ColumnSchema {
            name: "n".into(),
            kind: ColumnKind::Integer,
        },
        ColumnSchema {
            name: "flag".into(),
            kind: ColumnKind::Boolean,
        },
        ColumnSchema {
            name: "color".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["blue".into(), "red, dark".into()],
            },
        },
        ColumnSchema {
            name: "when".into(),
            kind: ColumnKind::Datetime,
        },
    ])
    .unwrap();
    let x = array![
        [0.5, 3.0, 1.0, 0.0, 1_700_000_000.0],
        [f64::NAN, -7.0, 0.0, 1.0, 1_700_086_400.0],
        [1e-12, 12.0, f64::NAN, f64::NAN, f64::NAN],
        [2.25, 0.0, 1.0, 0.0, 0.0],
    ];
    Dataset::with_schema(x, schema)
        .unwrap()
        .with_target(
            Target::classes(
                Array1::from(vec![1, 0, 1, 0]),
                vec!["neg".into(), "pos".into()],
            )
            .unwrap(),
        )
        .unwrap()
        .with_target_name("label")
}

#[test]
fn dataset_csv_text() {
    let mut out = Vec::new();
    write_dataset_csv_to(&mixed(), &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "x,n,flag,color,when,label\n\
         0.5,3,true,blue,2023-11-14T22:13:20Z,pos\n\
         ,-7,false,\"red, dark\",2023-11-15T22:13:20Z,neg\n\
         1e-12,12,,,,pos\n\
         2.25,0,true,blue,1970-01-01T00:00:00Z,neg\n"
    );
}

#[test]
fn a_target_named_like_a_feature_is_an_error() {
    let d = Dataset::new(array![[1.0]], vec!["y".into()])
        .unwrap()
        .with_target(Target::regression(array![2.0]))
        .unwrap()
        .with_target_name("y");
    assert!(
        write_dataset_csv_to(&d, &mut Vec::new())
            .unwrap_err()
            .to_string()
            .contains("`y`")
    );
}

fn read_back(path: &std::path::Path, target: &str) -> Dataset {
    let table = read_table(path, &ReadOptions::default()).unwrap();
    table
        .to_dataset(&TargetSpec {
            name: target.into(),
            task: None,
        })
        .unwrap()
        .0
}

#[test]
fn csv_and_parquet_round_trip_through_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let reg = RegressionParams {
        n_samples: 3000,
        n_features: 6,
        noise: 1.0,
        seed: 4,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let cls = ClassificationParams {
        n_samples: 3000,
        n_features: 7,
        n_classes: 3,
        n_informative: 3,
        seed: 4,
        ..Default::default()
    }
    .generate()
    .unwrap();
    for (data, name) in [(&reg, "reg"), (&cls, "cls")] {
        let csv = dir.path().join(format!("{name}.csv"));
        write_dataset_csv(data, &csv).unwrap();
        let back = read_back(&csv, "target");
        assert_eq!(
            back.x(),
            data.x(),
            "{name}: CSV features round trip bit for bit"
        );
        assert_eq!(back.target(), data.target(), "{name}: CSV target");
        assert_eq!(back.feature_names(), data.feature_names());

        let pq = dir.path().join(format!("{name}.parquet"));
        write_dataset_parquet(data, &pq).unwrap();
        let back = read_back(&pq, "target");
        assert_eq!(back.x(), data.x(), "{name}: Parquet features");
        assert_eq!(back.target(), data.target(), "{name}: Parquet target");
    }
}

#[test]
fn mixed_kinds_round_trip_through_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let data = mixed();
    for file in ["mixed.csv", "mixed.parquet"] {
        let path = dir.path().join(file);
        if file.ends_with("csv") {
            write_dataset_csv(&data, &path).unwrap();
        } else {
            write_dataset_parquet(&data, &path).unwrap();
        }
        let table = read_table(&path, &ReadOptions::default()).unwrap();
        let kinds: Vec<&str> = table.schema.columns.iter().map(|c| c.kind.name()).collect();
        assert_eq!(
            kinds,
            [
                "numeric",
                "integer",
                "boolean",
                "categorical",
                "datetime",
                "categorical"
            ],
            "{file}"
        );
        let (back, _) = table
            .to_dataset(&TargetSpec {
                name: "label".into(),
                task: None,
            })
            .unwrap();
        let (a, b) = (back.x(), data.x());
        for (u, v) in a.iter().zip(b.iter()) {
            assert!(
                u.to_bits() == v.to_bits() || (u.is_nan() && v.is_nan()),
                "{file}: {u} vs {v}"
            );
        }
        assert_eq!(back.target(), data.target(), "{file}");
        assert_eq!(
            back.features().columns[3].kind.categories().unwrap(),
            ["blue", "red, dark"]
        );
    }
}

#[test]
fn prediction_file_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pred.csv");
    let ids: Vec<Option<String>> = (0..50).map(|i| Some(format!("row-{i}"))).collect();
    let p: Vec<f64> = (0..50).map(|i| i as f64 / 7.0).collect();
    write_csv_columns(
        &path,
        &["id".into(), "prediction".into()],
        &[Column::Strings(ids.clone()), Column::Values(p.clone())],
    )
    .unwrap();
    let t = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0], Column::Strings(ids));
    assert_eq!(t.columns[1], Column::Values(p));
}
