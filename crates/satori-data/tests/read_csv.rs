//! CSV reading: encodings, delimiters, quoting, missing markers, and errors that name the file,
//! line and column.

use satori_core::{ColumnKind, Error};
use satori_data::{Column, ReadOptions, Table, read_csv_bytes, read_table};

fn read(text: &str) -> Table {
    read_csv_bytes("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap()
}

fn read_err(text: &[u8]) -> String {
    read_csv_bytes("t.csv", text, &ReadOptions::default())
        .unwrap_err()
        .to_string()
}

fn values(t: &Table, name: &str) -> Vec<f64> {
    match t.column(name).unwrap().1 {
        Column::Values(v) => v.clone(),
        Column::Strings(s) => panic!("`{name}` is text: {s:?}"),
    }
}

fn strings(t: &Table, name: &str) -> Vec<Option<String>> {
    match t.column(name).unwrap().1 {
        Column::Strings(s) => s.clone(),
        Column::Values(v) => panic!("`{name}` is values: {v:?}"),
    }
}

fn categories(t: &Table, name: &str) -> Vec<String> {
    t.column(name)
        .unwrap()
        .0
        .kind
        .categories()
        .unwrap()
        .to_vec()
}

#[test]
fn bom_is_accepted() {
    let t = read("\u{feff}a,b\n1,2\n3,4\n");
    assert_eq!(t.schema.names().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(values(&t, "a"), [1.0, 3.0]);
}

#[test]
fn each_delimiter_is_detected() {
    for d in [",", ";", "\t", "|"] {
        let text = format!("a{d}b{d}c\n1{d}2.5{d}x\n4{d}5{d}y\n");
        let t = read(&text);
        assert_eq!(t.schema.len(), 3, "delimiter {d:?}");
        assert_eq!(values(&t, "b"), [2.5, 5.0], "delimiter {d:?}");
        assert_eq!(categories(&t, "c"), ["x", "y"]);
    }
}

#[test]
fn semicolon_files_with_decimal_commas_in_text_are_not_split_on_commas() {
    let t = read("name;score\nann;1,5\nbob;2,5\ncid;3,5\n");
    assert_eq!(t.schema.names().collect::<Vec<_>>(), ["name", "score"]);
}

#[test]
fn explicit_delimiter_wins() {
    let opts = ReadOptions {
        delimiter: Some(b';'),
        ..ReadOptions::default()
    };
    let t = read_csv_bytes("t.csv", b"a,b;c\n1,2;3\n", &opts).unwrap();
    assert_eq!(t.schema.names().collect::<Vec<_>>(), ["a,b", "c"]);
}

#[test]
fn quoted_fields_hold_delimiters_quotes_and_newlines() {
    let text = "id,text,n\n1,\"a, b\",1\n2,\"say \"\"hi\"\"\",2\n3,\"two\nlines\",3\n4,plain,4\n";
    let t = read(text);
    assert_eq!(t.n_rows(), 4);
    assert_eq!(values(&t, "n"), [1.0, 2.0, 3.0, 4.0]);
    let (_, col) = t.column("text").unwrap();
    let got: Vec<String> = match col {
        Column::Strings(s) => s.iter().map(|x| x.clone().unwrap()).collect(),
        Column::Values(_) => categories(&t, "text"),
    };
    for want in ["a, b", "say \"hi\"", "two\nlines", "plain"] {
        assert!(got.iter().any(|g| g == want), "{want:?} not in {got:?}");
    }
}

#[test]
fn crlf_line_ends_and_blank_lines() {
    let t = read("a,b\r\n1,x\r\n\r\n2,y\r\n");
    assert_eq!(values(&t, "a"), [1.0, 2.0]);
    assert_eq!(categories(&t, "b"), ["x", "y"]);
}

#[test]
fn each_default_missing_marker_is_missing() {
    for m in ["", "NA", "N/A", "NaN", "null", "?"] {
        let t = read(&format!("a,b\n1,{m}\n2,3\n"));
        let b = values(&t, "b");
        assert!(b[0].is_nan(), "marker {m:?}");
        assert_eq!(b[1], 3.0);
        assert_eq!(
            t.column("b").unwrap().0.kind,
            ColumnKind::Integer,
            "marker {m:?}"
        );
        let t = read(&format!("a,s\n1,{m}\n2,x\n3,x\n"));
        assert_eq!(
            categories(&t, "s"),
            ["x"],
            "marker {m:?} in a string column"
        );
        assert!(values(&t, "s")[0].is_nan());
    }
}

#[test]
fn missing_markers_are_configurable() {
    let opts = ReadOptions {
        missing_markers: vec!["-999".into(), "".into()],
        ..ReadOptions::default()
    };
    let t = read_csv_bytes("t.csv", b"a,b\n-999,?\n2,?\n3,x\n", &opts).unwrap();
    let a = values(&t, "a");
    assert!(a[0].is_nan());
    assert_eq!(&a[1..], [2.0, 3.0]);
    // `?` is no longer missing: it is a category.
    assert_eq!(categories(&t, "b"), ["?", "x"]);
}

#[test]
fn invalid_utf8_names_the_line() {
    let e = read_err(b"a,b\n1,ok\n2,caf\xe9\n");
    assert!(e.starts_with("t.csv:3: column `b`"), "{e}");
    assert!(e.contains("UTF-8"), "{e}");
    let e = read_err(b"a,\xff\n1,2\n");
    assert!(e.starts_with("t.csv:1:") && e.contains("UTF-8"), "{e}");
}

#[test]
fn ragged_row_says_expected_and_got_with_its_line() {
    let e = read_csv_bytes("t.csv", b"a,b,c\n1,2,3\n4,5\n", &ReadOptions::default()).unwrap_err();
    match &e {
        Error::Parse {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!(*line, 3);
            assert_eq!(column, "c");
            assert!(
                message.contains("expected 3 fields (as in the header), got 2"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    let e = read_err(b"a,b\n1,2\n\"x\ny\",2\n1,2,3\n");
    assert!(e.starts_with("t.csv:5:"), "{e}");
    assert!(e.contains("got 3"), "{e}");
}

#[test]
fn empty_file_and_header_only() {
    let e = read_err(b"");
    assert!(e.contains("t.csv:1:") && e.contains("empty"), "{e}");
    let e = read_err(b"\xEF\xBB\xBF\n \n");
    assert!(e.contains("empty"), "{e}");
    let e = read_err(b"a,b\n");
    assert!(
        e.contains("t.csv:2:") && e.contains("header but no data rows"),
        "{e}"
    );
    let e = read_err(b"a,b");
    assert!(e.contains("no data rows"), "{e}");
}

#[test]
fn duplicate_header_names() {
    let e = read_err(b"a,b,a\n1,2,3\n");
    assert!(e.contains("t.csv:1: column `a`"), "{e}");
    assert!(e.contains("twice (columns 1 and 3)"), "{e}");
}

#[test]
fn unnamed_columns_get_pandas_names() {
    let t = read(",x\n0,1\n1,2\n");
    assert_eq!(t.schema.names().collect::<Vec<_>>(), ["Unnamed: 0", "x"]);
}

#[test]
fn read_table_reads_files_and_names_them_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, "a;b\n1;2\n3\n").unwrap();
    let e = read_table(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("data.csv:3:"), "{e}");
    std::fs::write(&path, "a;b\n1;2\n3;4\n").unwrap();
    let t = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(values(&t, "b"), [2.0, 4.0]);
    let e = read_table(&dir.path().join("nope.csv"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}

#[test]
fn large_file_with_a_late_non_number_and_late_quotes() {
    // More than the reader's first guess (1 MB) and one block (4 MB): the late text value sends
    // the column back for a second pass, and the late quote switches to the quote-aware reader.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("x,y,code\n");
    let n = 250_000;
    for i in 0..n {
        text.push_str(&format!("{},{}.25,{:05}\n", i % 1000, i % 13, i % 50));
    }
    text.push_str("5,\"1.5\",late\n");
    std::fs::write(&path, &text).unwrap();
    let t = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(t.n_rows(), n + 1);
    assert_eq!(t.column("x").unwrap().0.kind, ColumnKind::Integer);
    assert_eq!(values(&t, "y")[n], 1.5);
    let cats = categories(&t, "code");
    assert_eq!(cats.len(), 51);
    assert_eq!(cats[0], "00000", "original text kept");
    assert_eq!(cats[50], "late");
    let codes = values(&t, "code");
    assert_eq!(cats[codes[7] as usize], "00007");
    assert_eq!(cats[codes[n] as usize], "late");
    let _ = strings; // used by other tests
}

#[test]
fn a_delimiter_that_cannot_separate_fields_is_rejected() {
    for d in [b'"', b'\n', b'\r'] {
        let opts = ReadOptions {
            delimiter: Some(d),
            ..ReadOptions::default()
        };
        let e = read_csv_bytes("t.csv", b"a,b\n1,2\n", &opts).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    }
}

#[test]
fn selected_rows_keep_the_schema_and_their_values_in_the_order_given() {
    let t = read("x,c,s\n1,a,hello\n2,b,\n3,a,world\n");
    let sel = t.select_rows(&[2, 0, 2]).unwrap();
    assert_eq!(sel.n_rows(), 3);
    assert_eq!(sel.schema, t.schema);
    assert_eq!(values(&sel, "x"), vec![3.0, 1.0, 3.0]);
    // Category codes stay codes into the same categories.
    assert_eq!(
        values(&sel, "c"),
        vec![values(&t, "c")[2], values(&t, "c")[0], values(&t, "c")[2]]
    );
    assert_eq!(values(&sel, "s")[1], values(&t, "s")[0]);
    assert_eq!(t.select_rows(&[]).unwrap().n_rows(), 0);
    assert!(t.select_rows(&[3]).is_err());
}
