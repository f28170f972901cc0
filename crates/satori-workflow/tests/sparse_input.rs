//! A LIBSVM file read sparse: its features reach linear models as one CSR matrix and other models
//! as truncated-SVD components, never densified; predictions from a new file match.

use satori_core::NoProgress;
use satori_data::{Format, ReadOptions, TargetSpec, read_csv_bytes};
use satori_pipeline::model_file;
use satori_workflow::{TrainRequest, train};

/// Rows whose label is the sign of a sparse linear score over `width` features (20 set per row).
fn libsvm(n: usize, width: usize, seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for _ in 0..n {
        let mut idx: Vec<usize> = (0..20)
            .map(|_| (next() % width as u64) as usize + 1)
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let score: f64 = idx
            .iter()
            .map(|&j| {
                if j % 3 == 0 {
                    1.0
                } else if j % 3 == 1 {
                    -1.0
                } else {
                    0.2
                }
            })
            .sum();
        let label = if score > 0.0 { 1 } else { 0 };
        let pairs: Vec<String> = idx.iter().map(|j| format!("{j}:1")).collect();
        out.push_str(&format!("{label} {}\n", pairs.join(" ")));
    }
    out
}

fn read(text: &str, sparse: Option<bool>) -> satori_data::Table {
    let opts = ReadOptions {
        format: Some(Format::Libsvm),
        sparse,
        ..Default::default()
    };
    read_csv_bytes("data.svm", text.as_bytes(), &opts).unwrap()
}

fn request(model: &str) -> TrainRequest {
    let mut r = TrainRequest::new(TargetSpec {
        name: "label".into(),
        task: None,
    });
    r.model = model.into();
    r
}

#[test]
fn a_sparse_libsvm_file_trains_a_linear_model_without_densifying() {
    let text = libsvm(2000, 500, 1);
    let t = read(&text, Some(true));
    let m = t.sparse.as_ref().expect("read sparse");
    assert_eq!(m.cols(), 501, "column j is the file's index j");
    assert_eq!(t.schema.columns.len(), 1);
    let out = train(&t, &request("logistic"), &NoProgress).unwrap();
    let p = &out.pipeline;
    assert!(p.text().sparse() && p.text().reads_sparse_block());
    assert_eq!(p.model().n_features(), 501);
    assert_eq!(p.feature_names_out()[500], "f500");
    let acc = out.evaluation().unwrap().metrics["accuracy"];
    assert!(acc > 0.75, "{acc}");

    // The same rows read densely give the same model (sparse and dense fits agree).
    let mut raw = request("logistic");
    raw.overrides = vec![("auto_preprocessing".into(), "false".into())];
    let dense = train(&read(&text, Some(false)), &raw, &NoProgress).unwrap();
    let a = out.evaluation().cloned().unwrap().metrics["roc_auc"];
    let b = dense.evaluation().cloned().unwrap().metrics["roc_auc"];
    assert!((a - b).abs() < 1e-6, "{a} vs {b}");

    // A new file: narrower is fine, read with the model's options it is sparse even when small;
    // the file round trip predicts the same.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, p).unwrap();
    let (_, loaded) = model_file::load(&path).unwrap();
    let opts = loaded.read_options(ReadOptions {
        format: Some(Format::Libsvm),
        ..Default::default()
    });
    let fresh = read_csv_bytes("new.svm", b"1 3:1 400:1\n0 1:1 2:1\n", &opts).unwrap();
    assert!(fresh.sparse.is_some());
    let x = loaded.predict_table(&fresh).unwrap();
    assert_eq!(x, p.predict_table(&fresh).unwrap());
    assert_eq!(x.len(), 2);

    // Columns are the file's own indices: a new file with an index 0 (which a base detection
    // would read 0-based, shifting every feature) predicts the same for the same row.
    let with_zero = read_csv_bytes("zero.svm", b"0 0:1\n1 3:1 400:1\n", &opts).unwrap();
    let z = loaded.predict_table(&with_zero).unwrap();
    assert_eq!(
        z.proba.as_ref().unwrap().row(1),
        x.proba.as_ref().unwrap().row(0)
    );

    // A feature beyond the training width is named.
    let wide = read_csv_bytes("wide.svm", b"1 601:1\n", &opts).unwrap();
    let e = loaded.predict_table(&wide).unwrap_err().to_string();
    assert!(e.contains("f601") && e.contains("f0…f500"), "{e}");
}

#[test]
fn boosting_gets_svd_components_of_the_sparse_block() {
    let t = read(&libsvm(600, 3000, 2), Some(true));
    let mut r = request("gbm");
    r.overrides = vec![("text.svd_components".into(), "20".into())];
    let out = train(&t, &r, &NoProgress).unwrap();
    assert!(!out.pipeline.text().sparse());
    assert_eq!(out.pipeline.model().n_features(), 20);
    let summary = out.header.model_summary.unwrap();
    assert!(
        summary.contains("LIBSVM features: 3001 sparse columns f0…f3000"),
        "{summary}"
    );
}

#[test]
fn a_file_too_wide_for_a_dense_table_is_read_sparse_by_default() {
    // 3 rows × 2^27 features would be 2^28.6 dense cells.
    let text = "1 1:1 134217728:2\n0 5:1\n1 7:3\n";
    let t = read(text, None);
    assert_eq!(t.sparse.as_ref().unwrap().cols(), (1 << 27) + 1);
    assert!(
        t.notes.iter().any(|n| n.contains("sparse matrix")),
        "{:?}",
        t.notes
    );
    let e = read_csv_bytes(
        "x.svm",
        text.as_bytes(),
        &ReadOptions {
            format: Some(Format::Libsvm),
            sparse: Some(false),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--sparse"), "{e}");
}
