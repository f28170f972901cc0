//! The report a person reads: `--report` and `--plots` on `train` and `evaluate` — feature
//! importances, the parameters that differ from the defaults, the validation file named, the
//! learning curve's caption, where the files went, and every picture as SVG and PNG in a folder.

mod common;
use common::*;

use std::path::Path;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// The `<section id="…">` of a report, from its start to its end.
fn section(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    rest[..rest.find("</section>").unwrap()].to_string()
}

/// Train on `data` with `args`, writing the model into `dir`; the run's output.
fn train(dir: &Path, data: &str, args: &[&str]) -> std::process::Output {
    let model = path(dir, "m.satori");
    let mut all = vec!["train", data, "--out", &model];
    all.extend_from_slice(args);
    satori(&all)
}

const PENGUIN_GBM: &[&str] = &[
    "--target",
    "species",
    "--model",
    "gbm",
    "--set",
    "model.n_estimators=15",
];

#[test]
fn a_boosted_model_shows_its_importances_and_a_linear_one_says_nothing() {
    let dir = tmp();
    let report = path(dir.path(), "r.html");
    let mut args = PENGUIN_GBM.to_vec();
    args.extend(["--report", &report]);
    let o = train(dir.path(), &data("palmer_penguins.csv"), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    let pictures = section(&html, "pictures");
    let at = pictures
        .find("<figure id=\"importance\"")
        .expect("an importance picture");
    let fig = &pictures[at..];
    let fig = &fig[..fig.find("</figure>").unwrap()];
    assert!(fig.contains("Feature importance"), "{fig}");
    for column in ["bill_length_mm", "flipper_length_mm"] {
        assert!(
            fig.contains(&format!("\n{column}\n</text>")),
            "{column} in {fig}"
        );
    }
    assert!(
        fig.contains("named as the fitted model sees them"),
        "the caption says what the names are"
    );

    // A linear model has no importances: no picture, no note, no word.
    let o = train(
        dir.path(),
        &data("breast_cancer.csv"),
        &[
            "--target",
            "diagnosis",
            "--model",
            "logistic",
            "--report",
            &report,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.to_lowercase().contains("importance"));
}

#[test]
fn parameters_that_differ_from_the_defaults_are_listed_with_the_full_json_folded() {
    let dir = tmp();
    let report = path(dir.path(), "r.html");
    let cancer = data("breast_cancer.csv");
    let base = [
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--report",
        &report,
    ];
    let o = train(dir.path(), &cancer, &base);
    assert!(o.status.success(), "{}", stderr(&o));
    let model = section(&std::fs::read_to_string(&report).unwrap(), "model");
    assert!(
        model.contains("Every parameter has the default value of logistic_regression"),
        "a plain run uses the defaults, its automatic preprocessing included: {model}"
    );
    assert!(model.contains("<details><summary>All parameters (JSON)</summary>"));

    let mut args = base.to_vec();
    args.extend(["--set", "model.C=0.5", "--seed", "3", "--holdout", "0.3"]);
    let o = train(dir.path(), &cancer, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let model = section(&std::fs::read_to_string(&report).unwrap(), "model");
    let table = &model[model.find("<table class=\"params\">").expect("a table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let row = |p: &str| {
        table
            .split("<tr>")
            .find(|r| r.contains(&format!("<code>{p}</code>")))
            .unwrap_or_else(|| panic!("no row for {p} in {table}"))
            .to_string()
    };
    assert!(
        row("model.C").contains("<td>0.5</td><td>1.0</td>"),
        "{table}"
    );
    assert!(
        row("holdout").contains("<td>0.3</td><td>0.2</td>"),
        "{table}"
    );
    assert!(row("seed").contains("<td>3</td><td>0</td>"), "{table}");
    assert!(
        !table.contains("<code>model.max_iter</code>"),
        "unchanged: {table}"
    );
}

#[test]
fn a_validation_file_is_named_and_the_learning_curve_caption_fits_the_curves() {
    let dir = tmp();
    let valid = path(dir.path(), "valid-rows.csv");
    std::fs::copy(data("breast_cancer.csv"), &valid).unwrap();
    let report = path(dir.path(), "r.html");
    let o = train(
        dir.path(),
        &data("breast_cancer.csv"),
        &[
            "--target",
            "diagnosis",
            "--model",
            "gbm",
            "--set",
            "model.n_estimators=10",
            "--valid",
            &valid,
            "--report",
            &report,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    let title = &html[html.find("<h1>").unwrap()..html.find("</h1>").unwrap()];
    assert!(
        title.contains("validation file") && title.contains("valid-rows.csv"),
        "{title}"
    );
    assert!(!title.contains("holdout"), "{title}");
    let summary = section(&html, "summary");
    assert!(summary.contains("the validation file") && summary.contains("valid-rows.csv"));
    assert!(html.contains("id=\"learning-curve\""));
    assert!(
        html.contains("over-fitting"),
        "training and validation curves"
    );

    // A regression with a holdout: the learning curve has no validation curve, and the page
    // does not speak of over-fitting.
    let o = train(
        dir.path(),
        &data("diabetes.csv"),
        &[
            "--target",
            "progression",
            "--model",
            "gbm",
            "--set",
            "model.n_estimators=10",
            "--report",
            &report,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&report).unwrap();
    let inspect = satori(&["inspect", &path(dir.path(), "m.satori"), "--json"]);
    let header: serde_json::Value = serde_json::from_str(&stdout(&inspect)).unwrap();
    assert!(header["training_history"]["valid"].is_null(), "{header}");
    assert!(html.contains("id=\"learning-curve\""));
    assert!(!html.contains("over-fitting"));
    assert!(html.contains("the holdout"), "the rows are named");
}

#[test]
fn train_and_evaluate_say_where_the_report_went_in_the_same_words() {
    let dir = tmp();
    let report = path(dir.path(), "train.html");
    let o = train(
        dir.path(),
        &data("wine.csv"),
        &[
            "--target", "class", "--model", "baseline", "--report", &report,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("Wrote the report to {report}")),
        "{}",
        stderr(&o)
    );
    let again = path(dir.path(), "eval.html");
    let o = satori(&[
        "evaluate",
        &path(dir.path(), "m.satori"),
        &data("wine.csv"),
        "--report",
        &again,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("Wrote the report to {again}")));
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn check_pictures(dir: &Path, names: &[&str]) {
    let mut want: Vec<String> = names
        .iter()
        .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
        .collect();
    want.sort();
    assert_eq!(
        listing(dir),
        want,
        "exactly the pictures, no temporary files"
    );
    for n in names {
        let svg = std::fs::read_to_string(dir.join(format!("{n}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{n}.svg"
        );
        let png = std::fs::read(dir.join(format!("{n}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2000,
            "{n}.png"
        );
    }
}

#[test]
fn plots_writes_every_picture_as_svg_and_png_with_stable_names() {
    let dir = tmp();
    let plots = dir.path().join("plots");
    std::fs::create_dir(&plots).unwrap();
    let plots_s = plots.display().to_string();
    let mut args = PENGUIN_GBM.to_vec();
    args.extend(["--plots", &plots_s]);
    let o = train(dir.path(), &data("palmer_penguins.csv"), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = [
        "roc",
        "precision-recall",
        "calibration",
        "scores",
        "learning-curve",
        "importance",
        "confusion",
    ];
    check_pictures(&plots, &names);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("Wrote 14 picture files to {plots_s}:")),
        "{err}"
    );
    for n in names {
        assert!(err.contains(&path(&plots, &format!("{n}.svg"))), "{err}");
    }
    assert!(!err.contains("Wrote the report"), "no --report, no report");

    // evaluate writes the same pictures for the model; again over the same files is fine.
    let model = path(dir.path(), "m.satori");
    let o = satori(&[
        "evaluate",
        &model,
        &data("palmer_penguins.csv"),
        "--plots",
        &plots_s,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_pictures(&plots, &names);

    // A regression's pictures, from predictions alone (no model: no importances).
    let preds = path(dir.path(), "preds.csv");
    std::fs::write(&preds, "y,p\n1.0,1.5\n2.0,1.8\n3.0,3.3\n4.0,3.9\n").unwrap();
    let reg = dir.path().join("reg");
    std::fs::create_dir(&reg).unwrap();
    let o = satori(&[
        "evaluate",
        "--predictions",
        &preds,
        "--target",
        "y",
        "--pred",
        "p",
        "--task",
        "regression",
        "--plots",
        &reg.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_pictures(&reg, &["predicted-vs-actual", "residuals"]);
}

#[test]
fn plots_needs_an_existing_folder_and_never_overwrites_an_input() {
    let dir = tmp();
    let missing = path(dir.path(), "no-such-folder");
    let o = train(
        dir.path(),
        &data("wine.csv"),
        &[
            "--target", "class", "--model", "baseline", "--plots", &missing,
        ],
    );
    assert_user_error(&o, &[&missing, "does not exist"]);
    assert!(
        !Path::new(&missing).exists(),
        "outputs never create folders"
    );
    assert!(
        !dir.path().join("m.satori").exists(),
        "refused before training"
    );

    let file = path(dir.path(), "a-file");
    std::fs::write(&file, "x").unwrap();
    let o = train(
        dir.path(),
        &data("wine.csv"),
        &["--target", "class", "--model", "baseline", "--plots", &file],
    );
    assert_user_error(&o, &[&file, "not a folder"]);

    // A cost matrix that sits where a picture would go is an input: refused, left alone.
    let plots = dir.path().join("plots");
    std::fs::create_dir(&plots).unwrap();
    let cost = path(&plots, "confusion.svg");
    std::fs::write(&cost, "0,1\n1,0\n").unwrap();
    let preds = path(dir.path(), "p.csv");
    std::fs::write(&preds, "y,s\n1,0.9\n0,0.2\n1,0.35\n0,0.4\n").unwrap();
    let o = satori(&[
        "evaluate",
        "--predictions",
        &preds,
        "--target",
        "y",
        "--score",
        "s",
        "--cost-matrix",
        &cost,
        "--plots",
        &plots.display().to_string(),
    ]);
    assert_user_error(&o, &["--plots", "input"]);
    assert_eq!(std::fs::read_to_string(&cost).unwrap(), "0,1\n1,0\n");
    assert_eq!(listing(&plots), ["confusion.svg"]);

    // Like --report, pictures need held-out rows.
    let o = train(
        dir.path(),
        &data("wine.csv"),
        &[
            "--target",
            "class",
            "--model",
            "baseline",
            "--holdout",
            "0",
            "--plots",
            &plots.display().to_string(),
        ],
    );
    assert_user_error(&o, &["--plots", "holdout"]);
}

#[test]
fn help_documents_plots() {
    for cmd in ["train", "evaluate"] {
        let o = satori(&[cmd, "--help"]);
        let help = stdout(&o);
        assert!(help.contains("--plots <DIR>"), "{cmd}: {help}");
        assert!(help.contains("roc.svg"), "{cmd}: {help}");
    }
}
