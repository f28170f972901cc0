//! Schema inference over whole columns, overrides (`kinds`, `categorical`, `drop`) and schema
//! files.

use std::collections::BTreeMap;

use satori_core::{ColumnKind, Error};
use satori_data::{Column, ReadOptions, Table, load_schema_file, parse_schema, read_csv_bytes};

fn read_opts(text: &str, opts: &ReadOptions) -> satori_core::Result<Table> {
    read_csv_bytes("t.csv", text.as_bytes(), opts)
}

fn read(text: &str) -> Table {
    read_opts(text, &ReadOptions::default()).unwrap()
}

fn kind(t: &Table, name: &str) -> ColumnKind {
    t.column(name).unwrap().0.kind.clone()
}

fn values(t: &Table, name: &str) -> Vec<f64> {
    match t.column(name).unwrap().1 {
        Column::Values(v) => v.clone(),
        Column::Strings(s) => panic!("`{name}` is text: {s:?}"),
    }
}

#[test]
fn kinds_are_inferred() {
    let mut text = String::from("i,f,b,c,d,dt,txt\n");
    let words = ["red", "green", "blue"];
    for r in 0..30 {
        text.push_str(&format!(
            "{},{}.5,{},{},2024-01-{:02},2024-01-01T00:00:{:02},\"word {r} and more\"\n",
            r % 4,
            r,
            if r % 2 == 0 { "True" } else { "false" },
            words[r % 3],
            r % 28 + 1,
            r % 60,
        ));
    }
    let t = read(&text);
    assert_eq!(kind(&t, "i"), ColumnKind::Integer);
    assert_eq!(kind(&t, "f"), ColumnKind::Numeric);
    assert_eq!(kind(&t, "b"), ColumnKind::Boolean);
    assert_eq!(values(&t, "b")[..2], [1.0, 0.0]);
    assert_eq!(
        kind(&t, "c"),
        ColumnKind::Categorical {
            categories: vec!["blue".into(), "green".into(), "red".into()]
        }
    );
    assert_eq!(values(&t, "c")[..3], [2.0, 1.0, 0.0]);
    assert_eq!(kind(&t, "d"), ColumnKind::Datetime);
    assert_eq!(values(&t, "d")[0], 1_704_067_200.0);
    assert_eq!(kind(&t, "dt"), ColumnKind::Datetime);
    assert_eq!(values(&t, "dt")[1], 1_704_067_201.0);
    assert_eq!(kind(&t, "txt"), ColumnKind::Text);
}

#[test]
fn true_false_is_boolean_and_other_spellings_keep_their_labels() {
    let t = read("b\nTRUE\nfalse\nTrue\nfalse\n");
    assert_eq!(kind(&t, "b"), ColumnKind::Boolean);
    assert_eq!(values(&t, "b"), [1.0, 0.0, 1.0, 0.0]);
    // yes/no stays categorical, so a target keeps its labels (a schema can force boolean).
    let t = read("y\nyes\nno\nyes\nno\n");
    assert_eq!(
        kind(&t, "y"),
        ColumnKind::Categorical {
            categories: vec!["no".into(), "yes".into()]
        }
    );
    assert_eq!(values(&t, "y"), [1.0, 0.0, 1.0, 0.0]);
}

#[test]
fn inference_covers_the_whole_column() {
    let mut text = String::from("x,y\n");
    for i in 0..1500 {
        text.push_str(&format!("{i},{}\n", i % 3));
    }
    text.push_str("1500,oops\n");
    let t = read(&text);
    // `y` looks numeric for 1500 rows; the last value makes it categorical, all values kept.
    let ColumnKind::Categorical { categories } = kind(&t, "y") else {
        panic!("{:?}", kind(&t, "y"))
    };
    assert_eq!(categories, ["0", "1", "2", "oops"]);
    let y = values(&t, "y");
    assert_eq!(y[..4], [0.0, 1.0, 2.0, 0.0]);
    assert_eq!(y[1500], 3.0);
    // Same for an integer column turning fractional late: numeric, not integer.
    let mut text = String::from("x\n");
    for i in 0..1500 {
        text.push_str(&format!("{}\n", i % 7));
    }
    text.push_str("2.5\n");
    assert_eq!(kind(&read(&text), "x"), ColumnKind::Numeric);
}

#[test]
fn identifiers_are_detected_and_noted() {
    let mut text = String::from("user_id,row,code,v\n");
    for i in 0..25 {
        text.push_str(&format!("{:03},{},c{i},{}\n", 100 - i, i + 1, i % 3));
    }
    let t = read(&text);
    assert_eq!(kind(&t, "user_id"), ColumnKind::Identifier);
    match t.column("user_id").unwrap().1 {
        Column::Strings(s) => assert_eq!(s[0].as_deref(), Some("100")),
        Column::Values(_) => panic!(),
    }
    assert_eq!(kind(&t, "row"), ColumnKind::Identifier, "a row counter");
    assert_eq!(kind(&t, "code"), ColumnKind::Identifier, "unique strings");
    assert_eq!(kind(&t, "v"), ColumnKind::Integer);
    for name in ["user_id", "row", "code"] {
        assert!(
            t.notes
                .iter()
                .any(|n| n.contains(&format!("`{name}`")) && n.contains("identifier")),
            "{:?}",
            t.notes
        );
    }
    // Leading zeros survive for an integer-looking identifier.
    let t = read("id,v\n007,1\n008,2\n");
    match t.column("id").unwrap().1 {
        Column::Strings(s) => assert_eq!(s[0].as_deref(), Some("007")),
        Column::Values(_) => panic!("{:?}", kind(&t, "id")),
    }
}

#[test]
fn categorical_and_drop_overrides() {
    let opts = ReadOptions {
        categorical: vec!["zip".into()],
        drop: vec!["junk".into()],
        ..ReadOptions::default()
    };
    let t = read_opts("zip,junk,v\n10,a,1\n9,b,2\n10,c,3\n", &opts).unwrap();
    assert_eq!(t.schema.names().collect::<Vec<_>>(), ["zip", "v"]);
    assert_eq!(
        kind(&t, "zip"),
        ColumnKind::Categorical {
            categories: vec!["9".into(), "10".into()]
        }
    );
    assert_eq!(values(&t, "zip"), [1.0, 0.0, 1.0]);
}

#[test]
fn overrides_naming_absent_columns_are_errors_with_suggestions() {
    for opts in [
        ReadOptions {
            drop: vec!["colour".into()],
            ..ReadOptions::default()
        },
        ReadOptions {
            categorical: vec!["colour".into()],
            ..ReadOptions::default()
        },
    ] {
        let e = read_opts("color,v\nr,1\n", &opts).unwrap_err();
        match &e {
            Error::MissingColumn {
                name, suggestions, ..
            } => {
                assert_eq!(name, "colour");
                assert_eq!(suggestions, &["color"]);
            }
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains("did you mean `color`"), "{e}");
    }
}

#[test]
fn forced_categories_fix_codes_and_reject_unseen_values() {
    let mut kinds = BTreeMap::new();
    kinds.insert(
        "c".to_string(),
        ColumnKind::Categorical {
            categories: vec!["r".into(), "g".into(), "b".into()],
        },
    );
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let t = read_opts("c\ng\nb\n\n", &opts).unwrap();
    assert_eq!(values(&t, "c"), [1.0, 2.0]);
    let t = read_opts("c,v\ng,1\n,2\n", &opts).unwrap();
    assert!(values(&t, "c")[1].is_nan());
    let e = read_opts("c\ng\npurple\n", &opts).unwrap_err();
    match &e {
        Error::UnknownCategory {
            column,
            value,
            known,
        } => {
            assert_eq!((column.as_str(), value.as_str()), ("c", "purple"));
            assert!(known.contains("`r`"), "{known}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn forced_numeric_on_text_names_file_line_and_column() {
    for k in [ColumnKind::Numeric, ColumnKind::Integer] {
        let mut kinds = BTreeMap::new();
        kinds.insert("v".to_string(), k.clone());
        let opts = ReadOptions {
            kinds,
            ..ReadOptions::default()
        };
        let e = read_opts("a,v\n1,2\n2,3\n3,abc\n", &opts).unwrap_err();
        match &e {
            Error::Parse {
                source_name,
                line,
                column,
                message,
            } => {
                assert_eq!(
                    (source_name.as_str(), *line, column.as_str()),
                    ("t.csv", 4, "v")
                );
                assert!(message.contains("`abc`"), "{message}");
                assert!(message.contains(k.name()), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    let mut kinds = BTreeMap::new();
    kinds.insert("v".to_string(), ColumnKind::Integer);
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let e = read_opts("v\n1\n2.5\n", &opts).unwrap_err().to_string();
    assert!(
        e.starts_with("t.csv:3: column `v`") && e.contains("not an integer"),
        "{e}"
    );
}

#[test]
fn forced_boolean_and_datetime() {
    let mut kinds = BTreeMap::new();
    kinds.insert("b".to_string(), ColumnKind::Boolean);
    kinds.insert("d".to_string(), ColumnKind::Datetime);
    kinds.insert("t".to_string(), ColumnKind::Text);
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let t = read_opts("b,d,t\n1,1970-01-01,a\n0,1970-01-02,a\n", &opts).unwrap();
    assert_eq!(values(&t, "b"), [1.0, 0.0]);
    assert_eq!(values(&t, "d"), [0.0, 86400.0]);
    assert_eq!(kind(&t, "t"), ColumnKind::Text);
    let e = read_opts("b,d,t\n1,yesterday,a\n", &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.csv:2: column `d`") && e.contains("ISO-8601"),
        "{e}"
    );
}

#[test]
fn schema_file_drives_the_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.toml");
    std::fs::write(
        &path,
        "[columns]\nage = \"numeric\"\ncolor = { kind = \"categorical\", categories = [\"r\", \"g\"] }\n",
    )
    .unwrap();
    let kinds = load_schema_file(&path).unwrap();
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let t = read_opts("age,color\n1,g\n2,r\n", &opts).unwrap();
    assert_eq!(kind(&t, "age"), ColumnKind::Numeric);
    assert_eq!(values(&t, "color"), [1.0, 0.0]);

    std::fs::write(&path, "[columns]\nage = \"float\"\n").unwrap();
    let e = load_schema_file(&path).unwrap_err().to_string();
    assert!(e.contains("unknown kind `float`"), "{e}");
    assert!(
        e.contains("numeric, integer, boolean, categorical, text, datetime, identifier"),
        "{e}"
    );
    assert!(parse_schema("[columns]\nx = 3\n", "s.toml").is_err());
    assert!(load_schema_file(&dir.path().join("none.toml")).is_err());
}

#[test]
fn schema_naming_an_absent_column_is_a_note() {
    let kinds = parse_schema("[columns]\nghost = \"numeric\"\n", "s.toml").unwrap();
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let t = read_opts("a\n1\n", &opts).unwrap();
    assert!(
        t.notes.iter().any(|n| n.contains("`ghost`")),
        "{:?}",
        t.notes
    );
}
