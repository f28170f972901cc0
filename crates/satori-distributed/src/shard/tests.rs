use super::*;
use satori_core::collective::ThreadGroup;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// [`csv_lines`] over bytes in memory.
fn lines_of(bytes: &[u8], start: usize, end: usize) -> (Vec<u8>, Vec<u8>) {
    let mut r = std::io::Cursor::new(bytes);
    csv_lines(&mut r, bytes.len() as u64, start as u64, end as u64).unwrap()
}

#[test]
fn byte_ranges_give_every_line_to_exactly_one_rank() {
    let text = "a,b\n1,x\n22,y\n333,z\n4,w\n55,v\n";
    let bytes = text.as_bytes();
    for size in 1..=7 {
        let mut all = String::new();
        for r in 0..size {
            let (h, lines) = lines_of(bytes, bytes.len() * r / size, bytes.len() * (r + 1) / size);
            assert_eq!(h, b"a,b\n");
            all.push_str(std::str::from_utf8(&lines).unwrap());
        }
        assert_eq!(all, &text[4..], "{size} ranks");
    }
    // No final newline.
    let (_, l) = lines_of(b"a\n1\n2", 0, 6);
    assert_eq!(l, b"1\n2");
}

#[test]
fn folders_are_dealt_by_file_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["c.csv", "a.csv", "b.csv", ".hidden.csv", "notes.md"] {
        write(dir.path(), name, "x\n1\n");
    }
    let names = |s: Shard| match s.part {
        Part::Files(f) => f
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(names(plan(dir.path(), 0, 2).unwrap()), vec!["a.csv"]);
    assert_eq!(
        names(plan(dir.path(), 1, 2).unwrap()),
        vec!["b.csv", "c.csv"]
    );
    let e = plan(dir.path(), 0, 4).unwrap_err().to_string();
    assert!(
        e.contains("4 ranks") && e.contains("only 3 data file"),
        "{e}"
    );
    let empty = tempfile::tempdir().unwrap();
    assert!(
        plan(empty.path(), 0, 1)
            .unwrap_err()
            .to_string()
            .contains("no data files")
    );
}

#[test]
fn ranks_agree_on_categories_and_kinds() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "0.csv",
        "n,c,y\n1,red,0\n2,blue,1\n3,red,0\n4,red,1\n",
    );
    write(
        dir.path(),
        "1.csv",
        "n,c,y\n1.5,green,1\n2,blue,0\n7,green,1\n8,blue,0\n",
    );
    let opts = ReadOptions::default();
    let out = ThreadGroup::run(2, |c| {
        let shard = plan(dir.path(), c.rank(), 2).unwrap();
        let tables = read_shard(&shard, &opts).unwrap();
        agree_schema(c, tables, &shard).unwrap()
    });
    let whole = {
        let mut text = std::fs::read_to_string(dir.path().join("0.csv")).unwrap();
        let second = std::fs::read_to_string(dir.path().join("1.csv")).unwrap();
        text.push_str(second.split_once('\n').unwrap().1);
        satori_data::read_csv_bytes("whole", text.as_bytes(), &opts).unwrap()
    };
    for t in &out {
        assert_eq!(t.schema, whole.schema);
    }
    let col = |t: &Table, j: usize| match &t.columns[j] {
        Column::Values(v) => v.clone(),
        Column::Strings(_) => panic!("values expected"),
    };
    let joined: Vec<f64> = [col(&out[0], 1), col(&out[1], 1)].concat();
    assert_eq!(joined, col(&whole, 1));
}

/// Every rank's error from agreeing on the schema of a folder of 2 files on 2 ranks.
fn schema_errors(dir: &Path) -> Vec<String> {
    ThreadGroup::run(2, |c| {
        let shard = plan(dir, c.rank(), 2).unwrap();
        let tables = read_shard(&shard, &ReadOptions::default()).unwrap();
        agree_schema(c, tables, &shard)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    })
}

#[test]
fn disagreeing_shards_are_named_on_every_rank() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "0.csv", "a,b\n1,2\n3,4\n");
    write(dir.path(), "1.csv", "a,c\n1,2\n3,4\n");
    let out = schema_errors(dir.path());
    for e in &out {
        assert!(
            e.contains("rank 1") && e.contains("1.csv") && e.contains("\"c\""),
            "{e}"
        );
    }
    write(dir.path(), "1.csv", "a,b\n1,2\nx,4\n");
    let out = schema_errors(dir.path());
    assert!(
        out[0].contains("column `a`") && out[0].contains("rank 1"),
        "{}",
        out[0]
    );
}

#[test]
fn an_empty_shard_is_an_error_naming_it() {
    let text = "a,b\n1,2\n";
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "one.csv", text);
    let out = ThreadGroup::run(3, |c| {
        let shard = plan(&p, c.rank(), 3).unwrap();
        let tables = read_shard(&shard, &ReadOptions::default());
        let tables = agree(c, tables);
        match tables {
            Ok(t) => agree_schema(c, t, &shard)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    assert!(out.iter().any(|r| r.is_err()), "{out:?}");
}

/// A Parquet file of `rows` rows (`x` = row number, `c` a category of 3, `y` 0/1) in row groups
/// of `group` rows.
fn parquet_file(dir: &Path, rows: usize, group: usize) -> PathBuf {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "x",
            Arc::new(Float64Array::from_iter_values((0..rows).map(|i| i as f64))),
        ),
        (
            "c",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| ["red", "green", "blue"][(i / 50) % 3]),
            )),
        ),
        (
            "y",
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|i| (i % 2) as f64),
            )),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let path = dir.join("rows.parquet");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    path
}

#[test]
fn one_parquet_file_is_dealt_by_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = parquet_file(dir.path(), 1000, 100);
    let opts = ReadOptions::default();
    let whole = read_table(&path, &opts).unwrap();
    for ranks in [2, 3, 10] {
        let out = ThreadGroup::run(ranks, |c| {
            let shard = plan(&path, c.rank(), ranks).unwrap();
            let tables = read_shard(&shard, &opts).unwrap();
            agree_schema(c, tables, &shard).unwrap()
        });
        for t in &out {
            assert_eq!(t.schema, whole.schema, "{ranks} ranks");
        }
        for j in 0..whole.columns.len() {
            let joined: Vec<f64> = out
                .iter()
                .flat_map(|t| match &t.columns[j] {
                    Column::Values(v) => v.clone(),
                    Column::Strings(_) => panic!("values expected"),
                })
                .collect();
            let Column::Values(all) = &whole.columns[j] else {
                panic!("values expected")
            };
            assert_eq!(&joined, all, "column {j}, {ranks} ranks");
        }
    }
    let e = plan(&path, 0, 11).unwrap_err().to_string();
    assert!(
        e.contains("11 ranks") && e.contains("only 10 row group"),
        "{e}"
    );
}
