//! `satori explain`'s global views from the command line: tree export (text, DOT, SVG; errors
//! naming the tree models and the number of trees), permutation and drop-column importance,
//! partial dependence and ICE, LIME, the network summary, the report, and one-line errors.

mod common;
use common::*;

use std::path::Path;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn train(dir: &Path, name: &str, data_file: &str, args: &[&str]) -> String {
    let model = path(dir, name);
    let mut all = vec!["train", data_file, "--out", &model];
    all.extend_from_slice(args);
    let o = satori(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    model
}

#[test]
fn a_decision_tree_is_exported_as_text_dot_and_svg() {
    let dir = tmp();
    let bc = data("breast_cancer.csv");
    let m = train(
        dir.path(),
        "tree.satori",
        &bc,
        &[
            "--target",
            "diagnosis",
            "--model",
            "decision_tree_classifier",
            "--set",
            "model.max_depth=2",
        ],
    );
    let o = satori(&["explain", &m, "--tree", "0", "--format", "text"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("|--- "), "{text}");
    assert!(text.contains("|   |--- class: "), "{text}");
    assert!(text.contains("(and missing)"), "{text}");
    let o = satori(&["explain", &m, "--tree", "0", "--format", "dot", "--filled"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dot = stdout(&o);
    assert!(
        dot.starts_with("digraph Tree {\nnode [shape=box, style=\"filled\""),
        "{dot}"
    );
    assert!(
        dot.contains("gini = ") && dot.contains("samples = ") && dot.contains("class = "),
        "{dot}"
    );
    assert!(dot.contains("headlabel=\"True\"") && dot.trim_end().ends_with('}'));
    let svg = path(dir.path(), "tree.svg");
    let o = satori(&[
        "explain", &m, "--tree", "0", "--format", "svg", "--out", &svg,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("tree 0 of 1"), "{}", stdout(&o));
    let pic = std::fs::read_to_string(&svg).unwrap();
    assert!(
        pic.starts_with("<svg") && pic.matches("class=\"node\"").count() == 7,
        "{pic}"
    );
    assert_user_error(
        &satori(&["explain", &m, "--tree", "3"]),
        &["tree 3 is out of range", "has 1 tree"],
    );
}

#[test]
fn boosting_trees_are_numbered_by_round_and_class_and_linear_models_have_none() {
    let dir = tmp();
    let pen = data("palmer_penguins.csv");
    let m = train(
        dir.path(),
        "gbm.satori",
        &pen,
        &[
            "--target",
            "species",
            "--model",
            "gbm",
            "--set",
            "model.n_estimators=4",
        ],
    );
    let o = satori(&["explain", &m, "--tree", "4", "--format", "dot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("digraph Tree {"));
    assert!(
        stderr(&o).contains("boosting round 1 of class"),
        "{}",
        stderr(&o)
    );
    assert_user_error(
        &satori(&["explain", &m, "--tree", "12"]),
        &["has 12 trees (0 to 11)"],
    );
    let lin = train(
        dir.path(),
        "ridge.satori",
        &data("diabetes.csv"),
        &["--target", "progression", "--model", "ridge"],
    );
    assert_user_error(
        &satori(&["explain", &lin, "--tree", "0"]),
        &["tree models are", "random_forest_classifier"],
    );
    assert_user_error(
        &satori(&["explain", &lin, "--summary"]),
        &["networks are", "mlp_classifier"],
    );
    assert_user_error(
        &satori(&["explain", &lin, "--global"]),
        &["--global needs data"],
    );
}

#[test]
fn permutation_importance_ranks_the_columns_the_model_uses_and_is_seeded() {
    let dir = tmp();
    let diab = data("diabetes.csv");
    let m = train(
        dir.path(),
        "ridge.satori",
        &diab,
        &["--target", "progression", "--model", "ridge"],
    );
    let out = path(dir.path(), "imp.csv");
    let report = path(dir.path(), "imp.html");
    let o = satori(&[
        "explain",
        &m,
        &diab,
        "--global",
        "--repeats",
        "3",
        "--seed",
        "4",
        "--out",
        &out,
        "--report",
        &report,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("permutation importance (r2"),
        "{}",
        stdout(&o)
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "column,importance_mean,importance_std");
    assert_eq!(lines.len(), 11, "{csv}");
    // bmi and s5 carry most of diabetes' signal.
    let top: Vec<&str> = lines[1..3]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(top.contains(&"bmi") && top.contains(&"s5"), "{csv}");
    let first: f64 = lines[1].split(',').nth(1).unwrap().parse().unwrap();
    assert!(first > 0.05, "{csv}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<section id=\"importance\">") && html.contains("<svg"));
    // Same seed, same numbers (to standard output); another seed, other numbers.
    let again = satori(&[
        "explain",
        &m,
        &diab,
        "--global",
        "--repeats",
        "3",
        "--seed",
        "4",
    ]);
    assert_eq!(stdout(&again), csv);
    let other = satori(&[
        "explain",
        &m,
        &diab,
        "--global",
        "--repeats",
        "3",
        "--seed",
        "5",
    ]);
    assert_ne!(stdout(&other), csv);
    // A loss: importances are increases of the loss, so still positive for bmi.
    let o = satori(&[
        "explain", &m, &diab, "--global", "--metric", "mse", "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["metric"], "mse");
    assert!(v["importances"][0]["importance_mean"].as_f64().unwrap() > 0.0);
    assert_user_error(
        &satori(&["explain", &m, &diab, "--global", "--metric", "nope"]),
        &["nope"],
    );
}

#[test]
fn drop_column_importance_refits_without_each_column() {
    let dir = tmp();
    let diab = data("diabetes.csv");
    let m = train(
        dir.path(),
        "ridge.satori",
        &diab,
        &["--target", "progression", "--model", "ridge"],
    );
    let o = satori(&[
        "explain",
        &m,
        &diab,
        "--drop-column",
        "--folds",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["method"], "drop_column");
    let imps = v["importances"].as_array().unwrap();
    assert_eq!(imps.len(), 10);
    let top: Vec<&str> = imps[..3]
        .iter()
        .map(|r| r["column"].as_str().unwrap())
        .collect();
    assert!(top.contains(&"bmi"), "{top:?}");
}

#[test]
fn partial_dependence_and_ice_follow_the_grid() {
    let dir = tmp();
    let pen = data("palmer_penguins.csv");
    let m = train(
        dir.path(),
        "logit.satori",
        &pen,
        &["--target", "species", "--model", "logistic_regression"],
    );
    let o = satori(&["explain", &m, &pen, "--pdp", "flipper_length_mm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "flipper_length_mm,pd_Adelie,pd_Chinstrap,pd_Gentoo"
    );
    // flipper_length_mm has fewer than 100 distinct values: the grid is those values.
    assert!(lines.len() > 20 && lines.len() < 101, "{}", lines.len());
    for l in &lines[1..] {
        let s: f64 = l
            .split(',')
            .skip(1)
            .map(|v| v.parse::<f64>().unwrap())
            .sum();
        assert!((s - 1.0).abs() < 1e-9, "{l}");
    }
    // Longer flippers: more Gentoo.
    let gentoo = |l: &str| l.split(',').nth(3).unwrap().parse::<f64>().unwrap();
    assert!(gentoo(lines[lines.len() - 1]) > gentoo(lines[1]));
    let o = satori(&["explain", &m, &pen, "--pdp", "island", "--ice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ice = stdout(&o);
    assert!(
        ice.starts_with("row,island,ice_Adelie,ice_Chinstrap,ice_Gentoo\n"),
        "{ice}"
    );
    let n_rows = std::fs::read_to_string(&pen).unwrap().lines().count() - 1;
    assert_eq!(ice.lines().count(), 1 + n_rows * 3);
    assert!(ice.contains(",Biscoe,"));
    let report = path(dir.path(), "pdp.html");
    let out = path(dir.path(), "pdp2.csv");
    let o = satori(&[
        "explain",
        &m,
        &pen,
        "--pdp",
        "bill_length_mm,island",
        "--grid-resolution",
        "10",
        "--out",
        &out,
        "--report",
        &report,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        1 + 10 * 3
    );
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("<section id=\"pdp-0\">")
    );
    assert_user_error(
        &satori(&["explain", &m, &pen, "--pdp", "flipper"]),
        &["flipper"],
    );
    assert_user_error(
        &satori(&["explain", &m, &pen, "--pdp", "island", "--global"]),
        &["one view at a time"],
    );
}

#[test]
fn lime_weights_each_row_and_the_summary_describes_a_network() {
    let dir = tmp();
    let diab = data("diabetes.csv");
    let m = train(
        dir.path(),
        "ridge.satori",
        &diab,
        &["--target", "progression", "--model", "ridge"],
    );
    let o = satori(&[
        "explain",
        &m,
        &diab,
        "--lime",
        "--rows",
        "0:2",
        "--lime-samples",
        "800",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    assert!(
        csv.starts_with("row,output,column,condition,weight\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 2 * 10);
    // A ridge model's local weights follow its coefficients' signs: bmi pushes up when high.
    let bmi: Vec<&str> = csv.lines().filter(|l| l.contains(",bmi,")).collect();
    assert_eq!(bmi.len(), 2);
    let o2 = satori(&[
        "explain",
        &m,
        &diab,
        "--lime",
        "--rows",
        "0:2",
        "--lime-samples",
        "800",
    ]);
    assert_eq!(stdout(&o2), csv, "seeded");

    let wine = data("wine.csv");
    let mlp = train(
        dir.path(),
        "mlp.satori",
        &wine,
        &[
            "--target",
            "class",
            "--model",
            "mlp_classifier",
            "--set",
            "model.hidden_layer_sizes=[16,8]",
            "--set",
            "model.max_iter=3",
        ],
    );
    let o = satori(&["explain", &mlp, "--summary"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.starts_with("Model: \"mlp_classifier\""), "{s}");
    // 13 inputs → 16 → 8 → 3 classes.
    let total = 13 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3;
    assert!(s.contains(&format!("Total params: {total} ")), "{s}");
    assert!(s.contains("(None, 16)") && s.contains("(None, 3)"), "{s}");

    // The same layers as a diagram, and in the training report's model section.
    let svg_path = dir.path().join("network.svg");
    let o = satori(&[
        "explain",
        &mlp,
        "--summary",
        "--format",
        "svg",
        "--out",
        svg_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert!(
        svg.contains("output (None, 16)") && svg.contains("output (None, 3)"),
        "{svg}"
    );
    assert!(svg.contains(&format!("{total} parameters")), "{svg}");
    let o = satori(&["explain", &mlp, "--summary", "--format", "dot"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--format"), "{}", stderr(&o));
    let report = dir.path().join("mlp.html");
    let o = satori(&[
        "train",
        &wine,
        "--target",
        "class",
        "--model",
        "mlp_classifier",
        "--set",
        "model.hidden_layer_sizes=[16,8]",
        "--set",
        "model.max_iter=3",
        "--out",
        dir.path().join("mlp2.satori").to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("<h3 id=\"network\">Network</h3>"),
        "no diagram in the report"
    );
    assert_eq!(
        html.matches("<g class=\"layer\">").count(),
        svg.matches("<g class=\"layer\">").count()
    );
}
