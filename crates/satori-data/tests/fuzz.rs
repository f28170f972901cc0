//! The readers under a deterministic mutation fuzzer (`satori_testkit::fuzz`): no panic, every
//! error a one-line user error naming a line in the file, CSV read in small blocks = read whole.
//! The promises are checked in `satori_data::fuzz_targets`, which the cargo-fuzz targets in
//! `fuzz/` share. `SATORI_FUZZ_ITERS=100000 cargo test -p satori-data --release --test fuzz`
//! runs a long campaign; see docs/robustness.md.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float32Array, Int32Array, RecordBatch,
    StringArray, TimestampMillisecondArray,
};
use parquet::arrow::ArrowWriter;
use satori_data::fuzz_targets;
use satori_testkit::fuzz::{Fuzzer, Outcome};

fn outcome(r: satori_core::Result<()>) -> Outcome {
    // The size and class of errors are asserted inside the targets (a panic is a bug).
    Outcome::of(&r, usize::MAX)
}

/// Run `f` on a one-thread pool: the readers' parallel loops run inline, so that thousands of
/// tiny inputs do not each wait for worker threads on a busy machine.
fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(f)
}

const CSV_SEEDS: &[&str] = &[
    "a,b,c\n1,2.5,x\n3,,y\n4,NA,x\n",
    "id,name,score,when,ok\n1,\"Smith, J\",3.5,2024-01-02,true\n2,\"O\"\"Brien\",4,2024-01-03T10:00:00Z,false\n3,\"two\nlines\",,2024-01-04,TRUE\n",
    "\u{feff}x;y;z\r\n1,5;2;a\r\n3;4;b\r\n",
    "x\ty\n1\t2\n3\t4\n",
    "user_id,label\n007,yes\n008,no\n009,yes\n010,no\n011,yes\n012,no\n013,yes\n014,no\n015,yes\n016,no\n017,no\n",
    "a,b\n1e308,-inf\nnan,inf\n-0,0.1\n",
    ",x\n0,1\n1,2\n",
    "t,n\n\"free text one\",1\n\"more free text\",2\n\"and again\",3\n",
];

const LIBSVM_SEEDS: &[&str] = &[
    "1 1:0.5 3:2\n-1 2:1.5\n",
    "# comment\n0 qid:3 0:1 2:3 # tail\n1 1:4\n\n2 5:1e-3\n",
    "2.5 1:1 2:2\n-1 1:3\n",
    "1\n0\n1 7:1\n",
];

const SCHEMA_SEEDS: &[&str] = &[
    "[columns]\nage = \"integer\"\nincome = \"numeric\"\njoined = \"datetime\"\n",
    "[columns]\ncolor = { kind = \"categorical\", categories = [\"red\", \"green\"] }\ncity = \"categorical\"\nnotes = \"text\"\nid = \"identifier\"\nflag = \"boolean\"\n",
    "[columns]\nn = { kind = \"categorical\", categories = [1, 2.5, true] }\n",
];

#[test]
fn fuzz_csv_reader() {
    one_thread(|| {
        Fuzzer::new("csv", CSV_SEEDS)
            .default_iterations(4000)
            .max_len(8 << 10)
            .run(|b| outcome(fuzz_targets::csv(b)))
            .assert_clean();
    });
}

#[test]
fn fuzz_chunked_csv_reader() {
    one_thread(|| {
        Fuzzer::new("csv-chunks", CSV_SEEDS)
            .default_iterations(4000)
            .max_len(8 << 10)
            .run(|b| outcome(fuzz_targets::csv_chunks(b)))
            .assert_clean();
    });
}

#[test]
fn fuzz_libsvm_reader() {
    one_thread(|| {
        Fuzzer::new("libsvm", LIBSVM_SEEDS)
            .default_iterations(20000)
            .max_len(8 << 10)
            .tokens(["qid:", " 1:", "0:", ":1", "2147483647:1", "2147483648:1"])
            .run(|b| outcome(fuzz_targets::libsvm(b)))
            .assert_clean();
    });
}

#[test]
fn fuzz_schema_file_reader() {
    one_thread(|| {
        Fuzzer::new("schema-toml", SCHEMA_SEEDS)
            .default_iterations(20000)
            .max_len(4 << 10)
            .tokens([
                "[columns]",
                "kind",
                "categories",
                "\"categorical\"",
                "{",
                "}",
                "'''",
            ])
            .run(|b| outcome(fuzz_targets::schema_file(b)))
            .assert_clean();
    });
}

/// Parquet seeds: a file satori writes (page checksums) and one the `parquet` crate writes with
/// every type satori reads (dictionaries, dates, timestamps, nulls), without checksums.
fn parquet_seeds() -> Vec<Vec<u8>> {
    let data = satori_data::synth::ClassificationParams {
        n_samples: 30,
        n_features: 5,
        ..Default::default()
    }
    .generate()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    satori_data::write::write_dataset_parquet(&data, &path).unwrap();
    let ours = std::fs::read(&path).unwrap();

    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "i",
            Arc::new(Int32Array::from(vec![Some(1), None, Some(3), Some(1)])),
        ),
        (
            "f",
            Arc::new(Float32Array::from(vec![
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
            "day",
            Arc::new(Date32Array::from(vec![Some(0), Some(1), None, Some(19000)])),
        ),
        (
            "ts",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(0),
                None,
                Some(1000),
                Some(5),
            ])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let mut theirs = Vec::new();
    let mut w = ArrowWriter::try_new(&mut theirs, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    vec![ours, theirs]
}

#[test]
fn fuzz_parquet_reader() {
    one_thread(|| {
        Fuzzer::new("parquet", parquet_seeds())
            .default_iterations(10000)
            .tokens([
                &b"PAR1"[..],
                b"\x15\x00",
                b"\x19\x1c",
                b"\xff\xff\xff\xff\x0f",
            ])
            .run(|b| outcome(fuzz_targets::parquet(b)))
            .assert_clean();
    });
}

/// What the fuzzer found, minimised; each failed before its fix. The targets assert the
/// promises (a panic fails the test); the assertions here say what the right answer is.
#[test]
fn fuzz_findings_stay_fixed() {
    use satori_data::{Format, ReadOptions, read_csv_bytes};
    let err = |b: &[u8]| {
        read_csv_bytes("t.csv", b, &ReadOptions::default())
            .unwrap_err()
            .to_string()
    };
    // CSV: the quote-aware reader dated a record by where it was before skipping the line ends
    // in front of it (after a `\r\n` header, after a blank line): one line too early, and not
    // what the parallel reader said.
    for (input, line) in [
        (&b"z\r\n1,aaaaaue\n2,\"O\""[..], "t.csv:2:"),
        (b",\n\n\"te\x906xxt one\",1", "t.csv:3:"),
    ] {
        fuzz_targets::csv(input).unwrap_err();
        assert!(err(input).starts_with(line), "{}", err(input));
    }
    // A carriage return alone ends a record for the quote-aware reader but not for the parallel
    // one: blocks holding one go to the quote-aware reader.
    fuzz_targets::csv(b";;\r5;2;a\r\x17\r\n1\n3;4;\"").unwrap_err();
    // The two readers checked a bad row in another order (field count first, or bytes first).
    fuzz_targets::csv(b"a\n\x85e,whe\x81k\n1,\"Sm-0").unwrap_err();
    // A column name with a line break, and long names and values, made messages of several
    // lines or of kilobytes.
    let e = err(b",\"\n\"m\n,\x85");
    assert!(e.contains("column `\\nm`"), "{e}");
    let long = "a".repeat(2000);
    let e = err(format!("{long},b\n1,2,3\n").as_bytes());
    assert!(e.len() < 200, "{e}");
    fuzz_targets::csv_chunks(format!("l{long}\n1,2\n").as_bytes()).unwrap_err();
    let e = fuzz_targets::schema_file(format!("[columns]\nag=\"i{long}\"\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.len() < 300, "{e}");
    fuzz_targets::schema_file(format!("[columns]\nn={{{long}=1}}\n").as_bytes()).unwrap_err();
    fuzz_targets::schema_file(format!("[column{long}]\n").as_bytes()).unwrap_err();
    // ... and a target named by a long header missing on every row.
    let _ = fuzz_targets::csv(format!(",{long}2\n,\n").as_bytes());

    // LIBSVM: one row with index 10^8 became a dense table of 10^8 named columns (a minute and
    // gigabytes); wide files are sparse, or an error when dense is forced.
    let svm = |sparse| ReadOptions {
        format: Some(Format::Libsvm),
        sparse,
        ..ReadOptions::default()
    };
    let t = read_csv_bytes("x.svm", b"1 100000000:1\n", &svm(None)).unwrap();
    assert_eq!(t.sparse.unwrap().cols(), 100_000_001);
    let e = read_csv_bytes("x.svm", b"1 100000000:1\n", &svm(Some(false))).unwrap_err();
    assert!(e.to_string().contains("65536 columns"), "{e}");

    // Parquet: a damaged file (no checksums) panicked inside the `parquet` crate.
    for bytes in [
        &include_bytes!("fuzz_findings/parquet-dict-decoder-panic.parquet")[..],
        include_bytes!("fuzz_findings/parquet-decoder-panic-cargo-fuzz.parquet"),
    ] {
        let e = fuzz_targets::parquet(bytes).unwrap_err().to_string();
        assert!(e.contains("not a readable Parquet file"), "{e}");
    }
}

/// Write every target's seeds as files, for cargo-fuzz (`fuzz/seeds/<target>/`):
/// `SATORI_FUZZ_SEEDS_DIR=fuzz/seeds cargo test -p satori-data --test fuzz -- --ignored`.
#[test]
#[ignore = "writes the cargo-fuzz seed corpus when asked"]
fn write_seed_corpus() {
    let Some(dir) = std::env::var_os("SATORI_FUZZ_SEEDS_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let text = |seeds: &[&str]| seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let sets: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("csv", text(CSV_SEEDS)),
        ("csv_chunks", text(CSV_SEEDS)),
        ("libsvm", text(LIBSVM_SEEDS)),
        ("schema_file", text(SCHEMA_SEEDS)),
        ("parquet", parquet_seeds()),
    ];
    for (target, seeds) in sets {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(d.join(format!("seed-{i}")), s).unwrap();
        }
    }
}
