//! From tables to datasets: target inference and forcing, dropped rows, excluded columns, and
//! the predict-time feature matrix.

use std::collections::BTreeMap;

use satori_core::{ColumnKind, ColumnSchema, Error, Schema, Target, Task};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};

fn read(text: &str) -> Table {
    read_csv_bytes("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap()
}

fn spec(name: &str, task: Option<Task>) -> TargetSpec {
    TargetSpec {
        name: name.into(),
        task,
    }
}

fn labels_and_codes(t: &Target) -> (Vec<String>, Vec<usize>) {
    match t {
        Target::Classes { codes, labels } => (labels.clone(), codes.to_vec()),
        Target::Continuous(_) => panic!("regression"),
    }
}

#[test]
fn string_labels_are_classification_sorted_like_sklearn() {
    let t = read("x,y\n1,dog\n2,cat\n3,Zebra\n4,cat\n");
    let (d, report) = t.to_dataset(&spec("y", None)).unwrap();
    assert_eq!(report.task, Some(Task::Multiclass));
    let (labels, codes) = labels_and_codes(d.target().unwrap());
    assert_eq!(labels, ["Zebra", "cat", "dog"]);
    assert_eq!(codes, [2, 1, 0, 1]);
    assert_eq!(d.feature_names(), ["x"]);
    assert_eq!(d.target_name(), Some("y"));
}

#[test]
fn few_integers_are_classes_in_numeric_order_without_trailing_zero() {
    let t = read("x,y\n1,10\n2,2\n3,10\n4,2\n");
    let (d, r) = t.to_dataset(&spec("y", None)).unwrap();
    assert_eq!(r.task, Some(Task::Binary));
    let (labels, codes) = labels_and_codes(d.target().unwrap());
    assert_eq!(labels, ["2", "10"]);
    assert_eq!(codes, [1, 0, 1, 0]);
    // Whole numbers written as floats are classes too, labelled without `.0`.
    let t = read("x,y\n1,1.0\n2,0.0\n3,2.0\n");
    let (d, r) = t.to_dataset(&spec("y", None)).unwrap();
    assert_eq!(r.task, Some(Task::Multiclass));
    assert_eq!(labels_and_codes(d.target().unwrap()).0, ["0", "1", "2"]);
}

#[test]
fn many_integers_or_fractions_are_regression() {
    let mut text = String::from("x,y\n");
    for i in 0..30 {
        text.push_str(&format!("{},{}\n", i % 5, i * 3 % 31));
    }
    let (d, r) = read(&text).to_dataset(&spec("y", None)).unwrap();
    assert_eq!(r.task, Some(Task::Regression));
    assert_eq!(d.target().unwrap().as_f64()[1], 3.0);
    let (_, r) = read("x,y\n1,0.5\n2,1.5\n")
        .to_dataset(&spec("y", None))
        .unwrap();
    assert_eq!(r.task, Some(Task::Regression));
    // Forced classification on many integers is allowed.
    let (d, r) = read(&text)
        .to_dataset(&spec("y", Some(Task::Multiclass)))
        .unwrap();
    assert_eq!(r.task, Some(Task::Multiclass));
    assert_eq!(d.target().unwrap().labels().unwrap().len(), 30);
}

#[test]
fn boolean_target_is_binary() {
    let (d, r) = read("x,y\n1,yes\n2,no\n3,yes\n")
        .to_dataset(&spec("y", None))
        .unwrap();
    assert_eq!(r.task, Some(Task::Binary));
    let (labels, codes) = labels_and_codes(d.target().unwrap());
    assert_eq!(labels, ["no", "yes"], "yes/no labels are kept as written");
    assert_eq!(codes, [1, 0, 1]);
    let (d, r) = read("x,y\n1,TRUE\n2,false\n3,true\n")
        .to_dataset(&spec("y", None))
        .unwrap();
    assert_eq!(r.task, Some(Task::Binary));
    let (labels, codes) = labels_and_codes(d.target().unwrap());
    assert_eq!(labels, ["false", "true"]);
    assert_eq!(codes, [1, 0, 1]);
}

#[test]
fn forcing_a_task_that_does_not_fit_is_an_error() {
    let t = read("x,y\n1,a\n2,b\n3,c\n");
    let e = t
        .to_dataset(&spec("y", Some(Task::Regression)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("regression needs numbers"), "{e}");
    let e = t
        .to_dataset(&spec("y", Some(Task::Binary)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("binary classification needs two classes") && e.contains("has 3"),
        "{e}"
    );
    let t2 = read("x,y\n1,a\n2,b\n");
    let e = t2
        .to_dataset(&spec("y", Some(Task::Multiclass)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("use binary"), "{e}");
    let t3 = read("x,y\n1,0.5\n2,1\n");
    let e = t3
        .to_dataset(&spec("y", Some(Task::Binary)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("fractional"), "{e}");
    // Regression forced on few integers is fine.
    let (_, r) = read("x,y\n1,1\n2,0\n")
        .to_dataset(&spec("y", Some(Task::Regression)))
        .unwrap();
    assert_eq!(r.task, Some(Task::Regression));
}

#[test]
fn missing_targets_are_dropped_and_counted() {
    let t = read("x,y\n1,a\n2,\n3,b\n4,NA\n5,a\n");
    let (d, r) = t.to_dataset(&spec("y", None)).unwrap();
    assert_eq!(r.dropped_missing_target, 2);
    assert_eq!(d.n_samples(), 3);
    assert_eq!(d.x().column(0).to_vec(), [1.0, 3.0, 5.0]);
    let t = read("x,y\n1,1.5\n2,?\n3,2.5\n");
    let (d, r) = t.to_dataset(&spec("y", None)).unwrap();
    assert_eq!(r.dropped_missing_target, 1);
    assert_eq!(d.target().unwrap().as_f64().to_vec(), [1.5, 2.5]);
}

#[test]
fn single_class_or_no_rows_is_an_error() {
    let e = read("x,y\n1,a\n2,a\n3,\n")
        .to_dataset(&spec("y", None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("single class (`a`)"), "{e}");
    let e = read("x,y\n1,\n2,NA\n")
        .to_dataset(&spec("y", None))
        .unwrap_err();
    assert!(matches!(e, Error::NotEnoughSamples { got: 0, .. }), "{e}");
}

#[test]
fn missing_target_column_suggests_names() {
    let e = read("x,target\n1,a\n")
        .to_dataset(&spec("targte", None))
        .unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }));
    assert!(e.to_string().contains("did you mean `target`"), "{e}");
}

#[test]
fn identifiers_and_text_are_excluded_and_reported() {
    let mut text = String::from("id,note,c,x,y\n");
    for i in 0..12 {
        text.push_str(&format!(
            "u{i},\"some words {i}\",{},{i}.5,{}\n",
            ["a", "b"][i % 2],
            i % 2
        ));
    }
    let (d, r) = read(&text).to_dataset(&spec("y", None)).unwrap();
    assert_eq!(d.feature_names(), ["c", "x"]);
    assert_eq!(
        r.excluded_columns,
        [("id".to_string(), "identifier (unique per row)".to_string()),]
    );
    assert_eq!(r.text_columns, ["note"]);
    assert_eq!(d.text()[0].name, "note");
    assert_eq!(d.text()[0].values[3].as_deref(), Some("some words 3"));
    assert_eq!(
        d.features().columns[0].kind,
        ColumnKind::Categorical {
            categories: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(d.x().column(0).to_vec()[..2], [0.0, 1.0]);
}

fn schema(cols: &[(&str, ColumnKind)]) -> Schema {
    Schema::new(
        cols.iter()
            .map(|(n, k)| ColumnSchema {
                name: n.to_string(),
                kind: k.clone(),
            })
            .collect(),
    )
    .unwrap()
}

fn cat(c: &[&str]) -> ColumnKind {
    ColumnKind::Categorical {
        categories: c.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn features_match_by_name_and_map_categories() {
    let expected = schema(&[("color", cat(&["r", "g", "b"])), ("x", ColumnKind::Numeric)]);
    // Columns in another order, an extra column, categories inferred from the file (sorted).
    let t = read("x,extra,color\n1.5,z,g\n2.5,z,b\n3.5,z,\n");
    let x = t.features(&expected).unwrap();
    assert_eq!(x.shape(), [3, 2]);
    assert_eq!(x.column(0).to_vec()[..2], [1.0, 2.0]);
    assert!(x[[2, 0]].is_nan());
    assert_eq!(x.column(1).to_vec(), [1.5, 2.5, 3.5]);
    // Read with the model's schema as forced kinds: same matrix.
    let kinds: BTreeMap<String, ColumnKind> = expected
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.kind.clone()))
        .collect();
    let opts = ReadOptions {
        kinds,
        ..ReadOptions::default()
    };
    let t2 = read_csv_bytes("p.csv", b"x,extra,color\n1.5,z,g\n2.5,z,b\n3.5,z,\n", &opts).unwrap();
    let x2 = t2.features(&expected).unwrap();
    assert_eq!(x2.column(1), x.column(1));
    assert_eq!(x2.column(0).to_vec()[..2], [1.0, 2.0]);
    // A one-row file whose category column reads as text still maps.
    let t3 = read("color,x\nr,1\n");
    assert_eq!(t3.features(&expected).unwrap().row(0).to_vec(), [0.0, 1.0]);
}

#[test]
fn features_errors() {
    let expected = schema(&[("color", cat(&["r", "g"])), ("x", ColumnKind::Numeric)]);
    let e = read("color,z\nr,1\n").features(&expected).unwrap_err();
    assert!(
        matches!(&e, Error::MissingColumn { name, .. } if name == "x"),
        "{e}"
    );
    let e = read("color,x\npurple,1\nr,2\n")
        .features(&expected)
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnknownCategory { value, .. } if value == "purple"),
        "{e}"
    );
    let e = read("color,x\nr,one\ng,two\n")
        .features(&expected)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column `x` holds categorical values") && e.contains("numeric"),
        "{e}"
    );
    let mut text = String::from("color,x\n");
    for i in 0..30 {
        text.push_str(&format!("r,\"free text {i}\"\n"));
    }
    let e = read(&text).features(&expected).unwrap_err().to_string();
    assert!(e.contains("holds text values"), "{e}");
}

#[test]
fn features_map_numbers_and_booleans_to_categories() {
    let expected = schema(&[
        ("n", cat(&["1", "2", "10"])),
        ("b", cat(&["false", "true"])),
        ("flag", ColumnKind::Boolean),
    ]);
    let t = read("n,b,flag\n10,true,1\n1,false,0\n,true,\n");
    assert_eq!(t.column("n").unwrap().0.kind, ColumnKind::Integer);
    assert_eq!(t.column("b").unwrap().0.kind, ColumnKind::Boolean);
    let x = t.features(&expected).unwrap();
    assert_eq!(x.row(0).to_vec(), [2.0, 1.0, 1.0]);
    assert_eq!(x.row(1).to_vec(), [0.0, 0.0, 0.0]);
    assert!(x[[2, 0]].is_nan() && x[[2, 2]].is_nan());
    let e = read("n,b,flag\n3,true,1\n")
        .features(&expected)
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnknownCategory { value, .. } if value == "3"),
        "{e}"
    );
    let e = read("n,b,flag\n1,true,2\n")
        .features(&expected)
        .unwrap_err()
        .to_string();
    assert!(e.contains("expects a boolean"), "{e}");
}

#[test]
fn unseen_categories_are_counted_per_column_and_label() {
    let expected = Schema::new(vec![
        ColumnSchema {
            name: "colour".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["blue".into(), "red".into()],
            },
        },
        ColumnSchema {
            name: "x".into(),
            kind: ColumnKind::Numeric,
        },
    ])
    .unwrap();
    let t = read("colour,x\nred,1\nteal,2\npurple,3\nteal,4\nblue,5\nteal,6\n,7\n");
    let unseen = t.unseen_categories(&expected).unwrap();
    assert_eq!(unseen.len(), 1);
    assert_eq!(unseen[0].column, "colour");
    assert_eq!(
        unseen[0].values,
        [("teal".to_string(), 3), ("purple".to_string(), 1)]
    );
    assert_eq!(
        unseen[0].describe(),
        "column `colour`: 4 rows hold 2 categories not seen in training: `teal` (3 rows), \
         `purple` (1 row)"
    );
    assert!(
        read("colour,x\nred,1\nblue,2\n")
            .unseen_categories(&expected)
            .unwrap()
            .is_empty()
    );
}
