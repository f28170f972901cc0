//! Regression tests of the reliability issue ("never lose a file, never abort, never answer
//! wrongly in silence"), data layer: each reproduces a report and failed before its fix.

use satori_core::{Error, Task};
use satori_data::chunks::CsvChunks;
use satori_data::{Format, ReadOptions, Table, TargetSpec, read_csv_bytes, read_table};

fn read_err(text: &[u8]) -> Error {
    read_csv_bytes("t.csv", text, &ReadOptions::default()).unwrap_err()
}

fn parse_line(e: &Error) -> (u64, String) {
    match e {
        Error::Parse { line, column, .. } => (*line, column.clone()),
        other => panic!("not a parse error: {other}"),
    }
}

fn chunks(path: &std::path::Path, rows: usize) -> Result<Vec<Table>, Error> {
    CsvChunks::open(path, &ReadOptions::default(), rows)?.collect()
}

/// 50 data rows; line 13 opens a quote in its last field that is never closed, so the rest of
/// the file fits in that field and the record still has three fields.
fn unclosed_quote_file() -> String {
    let mut text = String::from("a,b,c\n");
    for i in 0..50 {
        if i == 11 {
            text.push_str("12,5,\"oops\n");
        } else {
            text.push_str(&format!("{i},{},x{}\n", i % 7, i % 3));
        }
    }
    text
}

// Item 3: an unclosed quote swallowed the rest of the file into one cell (11 rows of 50, exit 0).
#[test]
fn unclosed_quote_is_an_error_naming_the_line_it_opened_on() {
    let text = unclosed_quote_file();
    let e = read_err(text.as_bytes());
    assert_eq!(parse_line(&e), (13, "c".to_string()), "{e}");
    assert!(e.to_string().contains("never closed"), "{e}");

    // The same from a file, and through the chunked reader.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.csv");
    std::fs::write(&path, &text).unwrap();
    let e = read_table(&path, &ReadOptions::default()).unwrap_err();
    assert_eq!(parse_line(&e).0, 13, "{e}");
    for rows in [1, 5, 12, 13, 100] {
        let e = chunks(&path, rows).unwrap_err();
        assert_eq!(parse_line(&e).0, 13, "{rows} rows per chunk: {e}");
        assert!(e.to_string().contains("never closed"), "{e}");
    }

    // A quote left open in the header, and one opened on the last line.
    let e = read_err(b"a,\"b\n1,2\n3,4\n");
    assert_eq!(parse_line(&e).0, 1, "{e}");
    let e = read_err(b"a,b\n1,2\n3,\"4\n");
    assert_eq!(parse_line(&e).0, 3, "{e}");
    // Closed quotes, doubled quotes and literal quotes inside unquoted fields are fine.
    let t = read_csv_bytes(
        "t.csv",
        b"a,b\n1,\"x\"\"y\"\n2,\"p\nq\"\n3,in\"side\n",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(t.n_rows(), 3);
}

// Item 5: a NUL byte inside a number turned the column into an identifier, silently dropped.
#[test]
fn nul_byte_in_a_value_names_its_line_and_column() {
    let mut text = String::from("a,b\n");
    for i in 0..12 {
        if i == 4 {
            text.push_str("4\u{0}2,1\n");
        } else {
            text.push_str(&format!("{i},{}\n", i % 2));
        }
    }
    let e = read_err(text.as_bytes());
    assert_eq!(parse_line(&e), (6, "a".to_string()), "{e}");
    assert!(e.to_string().contains("NUL"), "{e}");
    // In a text column, after a quote (the quote-aware reader), and in the header.
    let e = read_err(b"a,b\nx,\"q\"\ny,p\x00q\n");
    assert_eq!(parse_line(&e), (3, "b".to_string()), "{e}");
    let e = read_err(b"a,b\x00\n1,2\n");
    assert_eq!(parse_line(&e).0, 1, "{e}");
}

// Item 13: a chunked read named the line within the re-encoded chunk (`(data rows 251–300):50`
// for line 300).
#[test]
fn chunk_errors_name_the_line_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("a,b\n");
    for i in 0..400 {
        match i {
            // A quoted field over two lines: every later row is one line further down.
            9 => text.push_str("9,\"two\nlines\"\n"),
            // A blank line, skipped: one more.
            20 => text.push_str("20,x\n\n"),
            // Line 1 + 299 + 2 = 302.
            298 => text.push_str("298,x,extra\n"),
            _ => text.push_str(&format!("{i},x{}\n", i % 3)),
        }
    }
    std::fs::write(&path, &text).unwrap();
    let whole = read_table(&path, &ReadOptions::default()).unwrap_err();
    assert_eq!(parse_line(&whole).0, 302, "{whole}");
    for rows in [1, 7, 50, 299, 1000] {
        let e = chunks(&path, rows).unwrap_err();
        assert_eq!(parse_line(&e).0, 302, "{rows} rows per chunk: {e}");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("{}:302:", path.display())),
            "{msg}"
        );
    }
    // The file line of each row of the last chunk, for errors found after reading.
    let mut it = CsvChunks::open(&path, &ReadOptions::default(), 10).unwrap();
    let _ = it.next().unwrap().unwrap();
    assert_eq!(it.row_lines(), (2..=11).collect::<Vec<u64>>());
}

fn libsvm(text: &[u8], sparse: Option<bool>) -> satori_core::Result<Table> {
    let opts = ReadOptions {
        format: Some(Format::Libsvm),
        sparse,
        ..ReadOptions::default()
    };
    read_csv_bytes("x.svm", text, &opts)
}

// Item 10: index 10^10 made training allocate 240 GB and abort; u64::MAX overflowed
// `max_idx + 1` (and was the "no index seen" marker); errors dumped the CSR arrays.
#[test]
fn libsvm_indices_beyond_the_cap_are_one_line_errors_naming_the_line() {
    for sparse in [None, Some(true), Some(false)] {
        for (text, line) in [
            (&b"1 1:1\n0 3:1 10000000000:1\n"[..], 2),
            (b"1 18446744073709551615:1\n", 1),
            (b"1 0:1 18446744073709551615:2\n", 1),
            (b"1 1:1\n# c\n1 2147483648:1\n", 3),
        ] {
            let e = libsvm(text, sparse).unwrap_err();
            assert!(e.is_user_error(), "{e}");
            assert_eq!(parse_line(&e).0, line, "{e}");
            let msg = e.to_string();
            assert!(msg.contains("2147483647"), "names the cap: {msg}");
            assert!(msg.len() < 300 && !msg.contains('\n'), "{msg}");
        }
    }
    // Up to the cap is fine when sparse (the dense table would be too large and is refused).
    let t = libsvm(b"1 1:1\n0 2147483647:2\n", None).unwrap();
    let m = t.sparse.as_ref().unwrap();
    assert_eq!(m.cols(), 2147483648);
    assert_eq!(m.nnz(), 2);
    let e = libsvm(b"1 1:1\n0 2147483647:2\n", Some(false)).unwrap_err();
    assert!(e.to_string().contains("--sparse"), "{e}");
    assert!(e.to_string().len() < 300, "{e}");
    // A file of only labels has no features: no marker value stands in for "no index seen".
    let t = libsvm(b"1\n0\n", Some(true)).unwrap();
    assert_eq!(t.sparse.as_ref().unwrap().cols(), 0);
    let t = libsvm(b"1\n0\n", None).unwrap();
    assert_eq!(t.schema.len(), 1);
}

// Item 16: a target with thousands of distinct labels was called free text.
#[test]
fn a_target_with_many_classes_says_how_many_and_how_to_proceed() {
    let mut text = String::from("x,y\n");
    for i in 0..10_000 {
        text.push_str(&format!("{},c{}\n", i % 17, i % 3000));
    }
    let t = read_csv_bytes("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    let spec = |task| TargetSpec {
        name: "y".into(),
        task,
    };
    let msg = t.to_dataset(&spec(None)).unwrap_err().to_string();
    assert!(msg.contains("3000 distinct classes"), "{msg}");
    assert!(msg.contains("--task multiclass"), "{msg}");
    assert!(!msg.contains("free text"), "{msg}");
    let (d, _) = t.to_dataset(&spec(Some(Task::Multiclass))).unwrap();
    assert_eq!(d.target().unwrap().labels().unwrap().len(), 3000);

    // A different value on every row: it looks like an identifier.
    let mut text = String::from("x,y\n");
    for i in 0..30 {
        text.push_str(&format!("{},u{i}\n", i % 3));
    }
    let t = read_csv_bytes("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    let msg = t.to_dataset(&spec(None)).unwrap_err().to_string();
    assert!(
        msg.contains("30 distinct classes") && msg.contains("identifier"),
        "{msg}"
    );
}

// Item 16: `--drop`/`--categorical` naming a missing column lists the closest names — or the
// columns there are when none is close — and applies to sparse LIBSVM tables too.
#[test]
fn drop_and_categorical_naming_missing_columns_list_names() {
    let opts = ReadOptions {
        drop: vec!["zzz".into()],
        ..ReadOptions::default()
    };
    let e = read_csv_bytes("t.csv", b"alpha,beta\n1,2\n", &opts).unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("`alpha`") && msg.contains("`beta`"), "{msg}");

    let sparse = |drop: &[&str], categorical: &[&str]| {
        let opts = ReadOptions {
            format: Some(Format::Libsvm),
            sparse: Some(true),
            drop: drop.iter().map(|s| s.to_string()).collect(),
            categorical: categorical.iter().map(|s| s.to_string()).collect(),
            ..ReadOptions::default()
        };
        read_csv_bytes("x.svm", b"1 1:1 2:5\n0 2:3\n", &opts)
    };
    let e = sparse(&["f9"], &[]).unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    assert!(e.to_string().contains("`f2`"), "{e}");
    let e = sparse(&[], &["lable"]).unwrap_err();
    assert!(e.to_string().contains("did you mean `label`"), "{e}");
    let e = sparse(&[], &["f1"]).unwrap_err();
    assert!(e.to_string().contains("sparse"), "{e}");
    // Dropping a sparse feature leaves its column empty (the width stays, so columns keep
    // their file index).
    let t = sparse(&["f2"], &[]).unwrap();
    let m = t.sparse.as_ref().unwrap();
    assert_eq!(m.cols(), 3);
    assert_eq!(m.to_dense().column(2).sum(), 0.0);
    assert_eq!(m.to_dense()[[0, 1]], 1.0);
}

// Item 6: bit flips inside a Parquet page read back as huge numbers with exit 0.
#[test]
fn parquet_written_by_satori_carries_page_checksums_that_catch_bit_flips() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let data = satori_data::synth::RegressionParams {
        n_samples: 300,
        n_features: 3,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.parquet");
    satori_data::write::write_dataset_parquet(&data, &path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let original = read_table(&path, &ReadOptions::default()).unwrap();
    // The last bytes of each page's data: those before the first data page (the dictionary
    // page's end) and those at the end of each column chunk (the last data page's end).
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut page_ends = Vec::new();
    for rg in reader.metadata().row_groups() {
        for c in rg.columns() {
            let (start, len) = c.byte_range();
            page_ends.push((start + len) as usize);
            if c.dictionary_page_offset().is_some() {
                page_ends.push(c.data_page_offset() as usize);
            }
        }
    }
    let mut flipped = 0;
    for end in page_ends {
        for pos in end - 16..end {
            for bit in [0, 3, 7] {
                let mut bad = good.clone();
                bad[pos] ^= 1 << bit;
                std::fs::write(&path, &bad).unwrap();
                flipped += 1;
                match read_table(&path, &ReadOptions::default()) {
                    Err(e) => {
                        let msg = e.to_string();
                        assert!(e.is_user_error(), "{msg}");
                        assert!(msg.contains("d.parquet"), "{msg}");
                        assert!(msg.contains("checksum"), "{msg}");
                    }
                    Ok(t) => panic!(
                        "a flipped bit at byte {pos} read back without error (same values: {})",
                        t.columns == original.columns
                    ),
                }
            }
        }
    }
    assert!(flipped >= 4 * 16 * 3, "{flipped}");
}

/// Item 14: an infinite number is named by the reader (file, line, column) instead of reaching an
/// estimator that could only name an internal row index.
#[test]
fn an_infinite_number_names_its_line_and_column() {
    let e = read_err(b"a,b,y\n1,2,x\n3,-inf,y\n4,5,x\n");
    let (line, column) = parse_line(&e);
    assert_eq!((line, column.as_str()), (3, "b"));
    assert!(e.to_string().contains("infinite"), "{e}");
    let e = read_err(b"a,target\n1,2\n2,1e999\n");
    assert_eq!(parse_line(&e), (3, "target".to_string()));
    // `nan` is a missing value, as before.
    let t = read_csv_bytes("t.csv", b"a\n1\nnan\n", &ReadOptions::default()).unwrap();
    assert_eq!(t.n_rows(), 2);
}
