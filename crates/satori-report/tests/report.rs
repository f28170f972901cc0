//! The HTML report: self-contained, every section present for binary, multiclass and regression
//! models trained on real (bundled) data, user text escaped, odd input a clear error.

use ndarray::{Array2, array};
use satori_core::{NoProgress, Task};
use satori_data::{ReadOptions, TargetSpec, bundled, profile::profile, read_csv_bytes};
use satori_report::{Outcomes, ReportInput, TrainingHistory, render_report};
use satori_workflow::{TrainRequest, train};

/// A report of a baseline model on a bundled dataset's holdout rows, with profile and header.
fn bundled_report(name: &str) -> (ReportInput, String) {
    let ds = bundled::get(name).unwrap();
    let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let spec = TargetSpec {
        name: ds.target.into(),
        task: Some(ds.task),
    };
    let mut request = TrainRequest::new(spec.clone());
    request.data_source = Some(ds.name.into());
    let outcome = train(&table, &request, &NoProgress).unwrap();
    let (data, _) = table.to_dataset(&spec).unwrap();
    let (_, test_rows) =
        satori_data::splits::train_test_split(&data, 0.2, ds.task.is_classification(), 0).unwrap();
    let test = data.select_rows(&test_rows).unwrap();
    let preds = outcome.pipeline.predict_matrix(test.x()).unwrap();
    let mut input = ReportInput::from_predictions(
        format!("{name} report"),
        test.require_target().unwrap(),
        &preds,
        None,
    )
    .unwrap();
    input.evaluated_on = Some(format!("holdout of {name}"));
    input.profile = Some(profile(&table, Some(ds.target)).unwrap());
    input.model = Some(outcome.header);
    assert_eq!(input.task(), ds.task);
    let html = render_report(&input).unwrap();
    (input, html)
}

/// Nothing in the page can make the browser fetch anything.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "<script", "<link", "<iframe", "<img", "@import", "url(", " src=",
        "//cdn",
    ] {
        assert!(!lower.contains(bad), "the report contains `{bad}`");
    }
    assert!(lower.starts_with("<!doctype html>"));
    assert!(lower.contains("<style>"), "inline CSS");
    assert!(lower.contains("content-security-policy"));
}

/// Every inline SVG parses as XML.
fn inline_svgs(html: &str) -> usize {
    let mut n = 0;
    let mut rest = html;
    while let Some(start) = rest.find("<svg ") {
        let end = rest[start..].find("</svg>").expect("unclosed <svg>") + start + "</svg>".len();
        roxmltree::Document::parse(&rest[start..end])
            .unwrap_or_else(|e| panic!("inline SVG {n} is not XML: {e}"));
        n += 1;
        rest = &rest[end..];
    }
    n
}

fn assert_sections(html: &str, ids: &[&str]) {
    for id in ids {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section #{id} missing"
        );
        if ![
            "summary",
            "roc",
            "precision-recall",
            "calibration",
            "scores",
            "predicted-vs-actual",
            "residuals",
            "learning-curve",
            "importance",
        ]
        .contains(id)
        {
            assert!(
                html.contains(&format!("href=\"#{id}\"")),
                "no link to #{id}"
            );
        }
    }
}

#[test]
fn binary_report_has_every_section() {
    let (input, html) = bundled_report("breast_cancer");
    assert_self_contained(&html);
    assert_sections(
        &html,
        &[
            "summary",
            "data",
            "metrics",
            "pictures",
            "roc",
            "precision-recall",
            "calibration",
            "scores",
            "confusion",
            "per-class",
            "model",
        ],
    );
    assert_eq!(inline_svgs(&html), 5, "4 pictures and the confusion matrix");
    for name in input.metrics.keys() {
        assert!(
            html.contains(&format!("<td>{name}</td>")),
            "metric {name} missing"
        );
    }
    assert!(input.metrics.contains_key("roc_auc"));
    // Data summary, per-class report and provenance.
    assert!(html.contains("breast_cancer: 569 rows, 31 columns."));
    assert!(html.contains("<td>mean_radius</td>"));
    assert!(html.contains("<td>macro avg</td>") && html.contains("<td>weighted avg</td>"));
    let header = input.model.as_ref().unwrap();
    assert!(html.contains(&header.provenance.data_fingerprint));
    assert!(html.contains("dummy_classifier"));
    assert!(
        html.contains("&quot;holdout&quot;"),
        "parameters as escaped JSON"
    );
    assert!(html.contains("AUC = "));
}

#[test]
fn multiclass_report_has_every_section() {
    let (input, html) = bundled_report("wine");
    assert_eq!(input.task(), Task::Multiclass);
    assert_self_contained(&html);
    assert_sections(
        &html,
        &[
            "summary",
            "data",
            "metrics",
            "pictures",
            "roc",
            "precision-recall",
            "calibration",
            "scores",
            "confusion",
            "per-class",
            "model",
        ],
    );
    assert_eq!(inline_svgs(&html), 5);
    for class in ["class_0", "class_1", "class_2"] {
        assert!(
            html.contains(&format!("<th>{class}</th>")),
            "confusion row {class}"
        );
        assert!(
            html.contains(&format!("{class} (AUC = ")),
            "ROC curve of {class}"
        );
    }
    assert!(html.contains("one-vs-rest"));
}

#[test]
fn regression_report_has_every_section() {
    let (input, html) = bundled_report("diabetes");
    assert_eq!(input.task(), Task::Regression);
    assert_self_contained(&html);
    assert_sections(
        &html,
        &[
            "summary",
            "data",
            "metrics",
            "pictures",
            "predicted-vs-actual",
            "residuals",
            "model",
        ],
    );
    assert!(!html.contains("id=\"confusion\"") && !html.contains("id=\"roc\""));
    assert_eq!(inline_svgs(&html), 2);
    assert!(html.contains("<td>r2</td>") && html.contains("<td>rmse</td>"));
    // The summary leads with the regression headline metrics.
    let summary = &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"data\"").unwrap()];
    assert!(summary.contains("<td>r2</td>") && summary.contains("<td>rmse</td>"));
    assert!(!summary.contains("<td>mape</td>"));
}

#[test]
fn learning_curve_appears_with_a_history() {
    let (mut input, _) = bundled_report("diabetes");
    input.history = Some(TrainingHistory {
        metric: "rmse".into(),
        train: vec![80.0, 60.0, 55.0, 53.0],
        valid: Some(vec![82.0, 66.0, 63.0, 64.0]),
    });
    let html = render_report(&input).unwrap();
    assert_sections(&html, &["learning-curve"]);
    assert_eq!(inline_svgs(&html), 3);
    // A broken history is a note, not a failed report.
    input.history = Some(TrainingHistory {
        metric: "rmse".into(),
        train: vec![1.0, f64::NAN],
        valid: None,
    });
    let html = render_report(&input).unwrap();
    assert!(!html.contains("id=\"learning-curve\""));
    assert!(html.contains("<b>Learning curve</b> not drawn"));
}

fn tricky_classification() -> ReportInput {
    let classes = vec![
        "<script>alert(1)</script>".to_string(),
        "a&b \"q\"".to_string(),
    ];
    let proba = array![[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]];
    let mut input = ReportInput::new(
        "<i>title</i>",
        Outcomes::Classification {
            classes,
            y_true: vec![0, 1, 0, 1],
            y_pred: vec![0, 1, 0, 1],
            proba: Some(proba),
        },
    );
    input.metrics.insert("<b>metric</b>".into(), 0.5);
    input
        .undefined_metrics
        .insert("x".into(), "because <reasons>".into());
    input.evaluated_on = Some("<rows>".into());
    input
}

#[test]
fn user_text_is_escaped() {
    let mut input = tricky_classification();
    let csv = b"<col>,\"y&\"\n1,<a>\n2,<b>\n3,<a>\n4,<b>\n";
    let table = read_csv_bytes("<file>.csv", csv, &ReadOptions::default()).unwrap();
    input.profile = Some(profile(&table, Some("y&")).unwrap());
    let html = render_report(&input).unwrap();
    assert_self_contained(&html);
    for raw in [
        "<script>alert",
        "<i>title",
        "<b>metric",
        "<reasons>",
        "<rows>",
        "<col>",
        "<file>",
        "<a>",
    ] {
        assert!(!html.contains(raw), "unescaped `{raw}`");
    }
    // minijinja also escapes `/` (as `&#x2f;`).
    for escaped in [
        "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;",
        "&lt;i&gt;title&lt;&#x2f;i&gt;",
        "&lt;b&gt;metric&lt;&#x2f;b&gt;",
        "a&amp;b",
        "&lt;col&gt;",
        "&lt;file&gt;.csv",
        "y&amp;",
    ] {
        assert!(html.contains(escaped), "missing `{escaped}`");
    }
    assert_eq!(
        inline_svgs(&html),
        5,
        "labels inside the pictures are escaped XML too"
    );
}

#[test]
fn a_picture_the_data_cannot_support_becomes_a_note() {
    let mut input = tricky_classification();
    if let Outcomes::Classification { y_true, .. } = &mut input.outcomes {
        *y_true = vec![1, 1, 1, 1];
    }
    let html = render_report(&input).unwrap();
    assert!(
        html.contains("<b>ROC curve</b> not drawn")
            && html.contains("<b>Precision-recall curve</b> not drawn")
    );
    assert!(html.contains("id=\"calibration\"") && html.contains("id=\"confusion\""));
}

#[test]
fn no_probabilities_means_no_probability_pictures() {
    let mut input = tricky_classification();
    if let Outcomes::Classification { proba, .. } = &mut input.outcomes {
        *proba = None;
    }
    let html = render_report(&input).unwrap();
    assert!(!html.contains("id=\"roc\""));
    assert!(html.contains("gives no class probabilities"));
    assert_sections(&html, &["confusion", "per-class"]);
}

#[test]
fn inconsistent_input_is_a_clear_error() {
    let base = tricky_classification();
    let with = |f: &dyn Fn(&mut ReportInput)| {
        let mut i = base.clone();
        f(&mut i);
        render_report(&i).unwrap_err().to_string()
    };
    let set = |f: fn(&mut Vec<usize>, &mut Vec<usize>, &mut Option<Array2<f64>>)| {
        move |i: &mut ReportInput| {
            if let Outcomes::Classification {
                y_true,
                y_pred,
                proba,
                ..
            } = &mut i.outcomes
            {
                f(y_true, y_pred, proba);
            }
        }
    };
    assert!(with(&set(|_, p, _| p.truncate(3))).contains("expected 4, got 3"));
    assert!(with(&set(|t, _, _| t[0] = 7)).contains("code 7"));
    assert!(
        with(&set(|_, _, pr| {
            if let Some(p) = pr {
                p[[1, 1]] = f64::NAN;
            }
        }))
        .contains("NaN")
    );
    assert!(
        with(&set(|t, p, pr| {
            t.clear();
            p.clear();
            *pr = None;
        }))
        .contains("need at least 1")
    );
    assert!(with(&|i| i.sample_weight = Some(vec![1.0, 1.0, -1.0, 1.0])).contains("non-negative"));
    assert!(with(&|i| i.sample_weight = Some(vec![1.0])).contains("sample weights"));
    let reg = ReportInput::new(
        "r",
        Outcomes::Regression {
            y_true: vec![1.0, 2.0],
            y_pred: vec![1.0, f64::INFINITY],
        },
    );
    assert!(
        render_report(&reg)
            .unwrap_err()
            .to_string()
            .contains("row 1")
    );
    let one = ReportInput::new(
        "c",
        Outcomes::Classification {
            classes: vec!["a".into()],
            y_true: vec![0],
            y_pred: vec![0],
            proba: None,
        },
    );
    assert!(render_report(&one).is_err());
}

#[test]
fn sample_weights_reach_the_tables() {
    let mut input = tricky_classification();
    input.sample_weight = Some(vec![2.5, 1.0, 1.0, 1.0]);
    let html = render_report(&input).unwrap();
    assert!(html.contains("weighted"));
    assert!(
        html.contains("<td class=\"num\">3.50</td>"),
        "weighted row total of the first class"
    );
}

#[test]
fn from_predictions_checks_codes_and_keeps_weights() {
    use satori_core::Target;
    use satori_pipeline::Predictions;
    let classes = vec!["a".to_string(), "b".to_string()];
    let truth = Target::classes(array![0usize, 1, 1, 0], classes.clone()).unwrap();
    let proba = array![[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]];
    let preds = Predictions {
        task: Task::Binary,
        values: array![0.0, 1.0, 0.0, 0.0],
        classes: Some(classes.clone()),
        proba: Some(proba.clone()),
    };
    let w = array![1.0, 2.0, 1.0, 1.0];
    let input = ReportInput::from_predictions("t", &truth, &preds, Some(w.view())).unwrap();
    assert_eq!(
        input.sample_weight.as_deref(),
        Some(&[1.0, 2.0, 1.0, 1.0][..])
    );
    // Weighted accuracy: (1 + 2 + 0 + 1) / 5.
    assert!((input.metrics["accuracy"] - 0.8).abs() < 1e-12);
    assert!(render_report(&input).unwrap().contains("weighted"));
    let bad = Predictions {
        values: array![0.0, 1.5, 0.0, 0.0],
        ..preds.clone()
    };
    let e = ReportInput::from_predictions("t", &truth, &bad, None).unwrap_err();
    assert!(e.to_string().contains("1.5"), "{e}");
    let out_of_range = Predictions {
        values: array![0.0, 2.0, 0.0, 0.0],
        ..preds
    };
    assert!(ReportInput::from_predictions("t", &truth, &out_of_range, None).is_err());
}

/// The `<section id="…">` of a page, from its start to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap();
    &rest[..end]
}

#[test]
fn importances_of_the_model_are_a_bar_chart() {
    let (mut input, html) = bundled_report("breast_cancer");
    // The baseline has no importances: no picture and no word about them.
    assert!(input.model.as_ref().unwrap().feature_importances.is_empty());
    assert!(!html.contains("id=\"importance\""));
    assert!(!html.to_lowercase().contains("importance"));
    let columns: Vec<String> = input.model.as_ref().unwrap().input_schema.columns[..20]
        .iter()
        .map(|c| c.name.clone())
        .collect();
    input.model.as_mut().unwrap().feature_importances = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), 1.0 / (i + 1) as f64))
        .collect();
    let html = render_report(&input).unwrap();
    assert_sections(&html, &["importance"]);
    let pictures = section(&html, "pictures");
    let fig = &pictures[pictures.find("id=\"importance\"").unwrap()..];
    let fig = &fig[..fig.find("</figure>").unwrap()];
    assert!(fig.contains("Feature importance (top 15 of 20)"), "{fig}");
    // plotters writes each SVG text on a line of its own.
    let bar = |c: &String| fig.contains(&format!("\n{c}\n</text>"));
    assert!(bar(&columns[0]) && bar(&columns[14]), "{fig}");
    assert!(!bar(&columns[15]), "only the 15 largest");
    assert!(
        fig.contains("named as the fitted model sees them"),
        "the caption says what the names are"
    );
    // The same picture is one of the report's charts, by a stable name.
    let names: Vec<&str> = satori_report::report_charts(&input)
        .unwrap()
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        [
            "roc",
            "precision-recall",
            "calibration",
            "scores",
            "importance",
            "confusion"
        ]
    );
    assert!(
        names
            .iter()
            .all(|n| satori_report::PICTURE_NAMES.contains(n))
    );
}

#[test]
fn parameters_that_differ_from_the_defaults_are_a_table() {
    let (mut input, html) = bundled_report("wine");
    let model = section(&html, "model");
    assert!(
        model.contains("Every parameter has the default value of dummy_classifier"),
        "{model}"
    );
    // The full tree stays available, folded.
    let details = &model[model.find("<details>").expect("folded JSON")..];
    assert!(details.contains("All parameters (JSON)") && details.contains("&quot;holdout&quot;"));

    let header = input.model.as_mut().unwrap();
    header.params["model"]["strategy"] = "uniform".into();
    header.params["holdout"] = 0.25.into();
    let html = render_report(&input).unwrap();
    let model = section(&html, "model");
    assert!(model.contains("2 parameters differ from the defaults of dummy_classifier"));
    let table = &model[model.find("<table class=\"params\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(rows[0].contains("<code>holdout</code>") && rows[0].contains("<td>0.25</td>"));
    assert!(rows[0].contains("<td>0.2</td>"), "the default beside it");
    assert!(rows[1].contains("<code>model.strategy</code>") && rows[1].contains("uniform"));
    assert!(rows[1].contains("<td>prior</td>"), "{}", rows[1]);
}

#[test]
fn the_learning_curve_caption_speaks_of_over_fitting_only_with_a_validation_curve() {
    let (mut input, _) = bundled_report("diabetes");
    input.history = Some(TrainingHistory {
        metric: "rmse".into(),
        train: vec![80.0, 60.0, 55.0, 53.0],
        valid: None,
    });
    let html = render_report(&input).unwrap();
    assert_sections(&html, &["learning-curve"]);
    assert!(!html.contains("over-fitting"), "no validation curve here");
    input.history.as_mut().unwrap().valid = Some(vec![82.0, 66.0, 63.0, 64.0]);
    let html = render_report(&input).unwrap();
    assert!(html.contains("over-fitting"));
}
