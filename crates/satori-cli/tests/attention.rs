//! `satori explain --attention`: an FT-Transformer's attention maps as CSV, SVG and an HTML page,
//! a round trip through the model file, and the one-line errors.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn train_ftt(dir: &Path) -> String {
    let model = path(dir, "ftt.satori");
    let out = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "ft_transformer",
        "--set",
        "model.max_iter=4",
        "--set",
        "model.d_token=16",
        "--set",
        "model.n_heads=4",
        "--out",
        &model,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    model
}

#[test]
fn attention_maps_as_csv_svg_and_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_ftt(dir.path());
    // The model file predicts (a save/load round trip of the new kind).
    let pred = path(dir.path(), "pred.csv");
    let out = satori(&[
        "predict",
        &model,
        &data("palmer_penguins.csv"),
        "--proba",
        "--out",
        &pred,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let csv = path(dir.path(), "att.csv");
    let html = path(dir.path(), "att.html");
    let out = satori(&[
        "explain",
        &model,
        &data("palmer_penguins.csv"),
        "--attention",
        "--rows",
        "3:7",
        "--out",
        &csv,
        "--report",
        &html,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("[CLS] attends most to"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row,block,head,query,key,attention"));
    // Every (row, block, head, query) distribution sums to 1; rows 3..7 and the mean.
    let mut sums: BTreeMap<(String, String, String, String), f64> = BTreeMap::new();
    let mut tokens = std::collections::BTreeSet::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 6, "{line}");
        tokens.insert(f[4].to_string());
        let v: f64 = f[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&v), "{line}");
        *sums
            .entry((f[0].into(), f[1].into(), f[2].into(), f[3].into()))
            .or_default() += v;
    }
    for (k, s) in &sums {
        assert!((s - 1.0).abs() < 1e-4, "{k:?}: {s}");
    }
    let rows: std::collections::BTreeSet<&str> = sums.keys().map(|k| k.0.as_str()).collect();
    assert_eq!(
        rows.into_iter().collect::<Vec<_>>(),
        ["3", "4", "5", "6", "mean"]
    );
    assert!(tokens.contains("[CLS]"));
    assert!(tokens.iter().any(|t| t.starts_with("island")), "{tokens:?}");
    // Default blocks (2) × heads (4) maps per row.
    let heads: std::collections::BTreeSet<(&str, &str)> =
        sums.keys().map(|k| (k.1.as_str(), k.2.as_str())).collect();
    assert_eq!(heads.len(), 8);

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        page.matches("<svg").count(),
        1 + 8,
        "overall + every block and head"
    );
    assert!(page.contains("Block 2, head 4"));
    assert!(page.contains("What [CLS] attends to"));

    let svg = path(dir.path(), "att.svg");
    let out = satori(&[
        "explain",
        &model,
        &data("palmer_penguins.csv"),
        "--attention",
        "--out",
        &svg,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["n_blocks"], 2);
    assert_eq!(summary["rows"], "0:344");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg") || picture.starts_with("<?xml"));
    assert!(picture.contains("[CLS]"));
}

#[test]
fn attention_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let logistic = path(dir.path(), "logistic.satori");
    let out = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "logistic",
        "--out",
        &logistic,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = path(dir.path(), "a.csv");
    let out = satori(&[
        "explain",
        &logistic,
        &data("palmer_penguins.csv"),
        "--attention",
        "--out",
        &csv,
    ]);
    assert_user_error(
        &out,
        &["--attention needs an ft_transformer model; this is logistic_regression"],
    );
    assert!(!Path::new(&csv).exists());
    let model = train_ftt(dir.path());
    let out = satori(&[
        "explain",
        &model,
        &data("palmer_penguins.csv"),
        "--attention",
        "--rows",
        "0:100000",
        "--out",
        &csv,
    ]);
    assert_user_error(&out, &["--rows", "outside the data"]);
    let out = satori(&["explain", &model, "--attention", "--out", &csv]);
    assert_user_error(&out, &["--attention needs the data"]);
    let out = satori(&[
        "explain",
        &model,
        &data("palmer_penguins.csv"),
        "--attention",
    ]);
    assert_user_error(&out, &["--out"]);
    assert!(!Path::new(&csv).exists());
}
