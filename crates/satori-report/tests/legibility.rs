//! Charts a person can read: one set of text sizes in every chart, none below 11 px; integer
//! axes written without decimals; legends outside the plotting area, never over the data; and
//! the feature-importance bars.

use ndarray::{Array1, Array2, array};
use satori_report::{
    Chart, ClassScores, PNG_SIGNATURE, TrainingHistory, calibration_chart, confusion_matrix_chart,
    importance_chart, learning_curve_chart, precision_recall_chart, predicted_vs_actual_chart,
    residuals_chart, roc_chart, score_distribution_chart,
};

/// A text element of an SVG: its content, font size and height on the picture.
#[derive(Debug, Clone)]
struct Text {
    text: String,
    size: f64,
    y: f64,
}

fn texts(svg: &str) -> Vec<Text> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG: {e}"));
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|n| {
            let num = |a: &str| {
                n.attribute(a)
                    .unwrap_or_else(|| panic!("text without {a}: {n:?}"))
                    .parse::<f64>()
                    .unwrap()
            };
            Text {
                text: n.text().unwrap_or_default().trim().to_string(),
                size: num("font-size"),
                y: num("y"),
            }
        })
        .collect()
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn history(n: usize, valid: bool) -> TrainingHistory {
    let curve = |a: f64| (0..n).map(|i| a * (-0.03 * i as f64).exp()).collect();
    TrainingHistory {
        metric: "log_loss".into(),
        train: curve(0.7),
        valid: valid.then(|| curve(0.75)),
    }
}

/// Every kind of chart the crate draws.
fn every_chart() -> Vec<(&'static str, Chart)> {
    let y = array![0usize, 0, 1, 1, 0, 1, 1, 0];
    let p1 = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.3];
    let proba = Array2::from_shape_fn((8, 2), |(i, j)| if j == 1 { p1[i] } else { 1.0 - p1[i] });
    let classes = labels(&["benign", "malignant"]);
    let s = ClassScores {
        y_true: y.view(),
        proba: proba.view(),
        classes: &classes,
        sample_weight: None,
    };
    let ym = array![0usize, 1, 2, 0, 1, 2, 0, 1, 2];
    let pm = Array2::from_shape_fn((9, 3), |(i, j)| if i % 3 == j { 0.6 } else { 0.2 });
    let cm = labels(&["Adelie", "Chinstrap", "Gentoo"]);
    let sm = ClassScores {
        y_true: ym.view(),
        proba: pm.view(),
        classes: &cm,
        sample_weight: None,
    };
    let t: Array1<f64> = (0..40).map(|i| f64::from(i) * 2.5).collect();
    let pr: Array1<f64> = t.mapv(|v| v * 0.9 + 3.0);
    let imp: Vec<(String, f64)> = (0..20)
        .map(|i| (format!("feature_{i}"), 1.0 / f64::from(i + 1)))
        .collect();
    vec![
        ("roc", roc_chart(&s).unwrap()),
        ("roc multiclass", roc_chart(&sm).unwrap()),
        ("precision-recall", precision_recall_chart(&s).unwrap()),
        ("calibration", calibration_chart(&s, 10).unwrap()),
        ("scores", score_distribution_chart(&s, 20).unwrap()),
        (
            "scores multiclass",
            score_distribution_chart(&sm, 20).unwrap(),
        ),
        (
            "confusion",
            confusion_matrix_chart(y.view(), y.view(), &classes, None).unwrap(),
        ),
        (
            "confusion multiclass",
            confusion_matrix_chart(ym.view(), ym.view(), &cm, None).unwrap(),
        ),
        (
            "predicted vs actual",
            predicted_vs_actual_chart(t.view(), pr.view()).unwrap(),
        ),
        ("residuals", residuals_chart(t.view(), pr.view()).unwrap()),
        (
            "learning curve",
            learning_curve_chart(&history(120, true)).unwrap(),
        ),
        ("importance", importance_chart(&imp, 15).unwrap()),
    ]
}

#[test]
fn every_chart_uses_the_same_legible_text_sizes() {
    let mut sizes = std::collections::BTreeSet::new();
    for (name, chart) in every_chart() {
        let svg = chart.svg().unwrap();
        let all = texts(&svg);
        assert!(!all.is_empty(), "{name}: no text");
        for t in &all {
            assert!(
                t.size >= 11.0,
                "{name}: `{}` is {} px, below 11 px",
                t.text,
                t.size
            );
            sizes.insert((t.size * 100.0).round() as i64);
        }
        // Tick labels (plain numbers) are 14 px in every chart.
        for t in all.iter().filter(|t| t.text.parse::<f64>().is_ok()) {
            assert_eq!(t.size, 14.0, "{name}: tick label `{}`", t.text);
        }
    }
    // One small set of sizes for the whole crate: ticks and legends, axis and panel titles,
    // chart titles.
    let sizes: Vec<f64> = sizes.into_iter().map(|s| s as f64 / 100.0).collect();
    assert_eq!(sizes, vec![14.0, 16.0, 18.0]);
}

#[test]
fn every_chart_renders_a_png_of_its_size() {
    for (name, chart) in every_chart() {
        let png = chart.png().unwrap();
        assert!(png.starts_with(&PNG_SIGNATURE), "{name}");
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), chart.size(), "{name}");
    }
}

/// The x-axis tick labels of a one-panel x–y chart: the numbers on the lowest row of numbers.
fn x_ticks(svg: &str) -> Vec<String> {
    let numbers: Vec<Text> = texts(svg)
        .into_iter()
        .filter(|t| t.text.parse::<f64>().is_ok())
        .collect();
    let lowest = numbers.iter().map(|t| t.y).fold(f64::MIN, f64::max);
    numbers
        .into_iter()
        .filter(|t| (t.y - lowest).abs() < 0.5)
        .map(|t| t.text)
        .collect()
}

#[test]
fn iteration_axes_are_whole_numbers() {
    for n in [1, 2, 3, 7, 10, 37, 120, 2500] {
        let svg = learning_curve_chart(&history(n, n % 2 == 0))
            .unwrap()
            .svg()
            .unwrap();
        let ticks = x_ticks(&svg);
        assert!(!ticks.is_empty(), "{n} iterations: no x ticks");
        for t in &ticks {
            assert!(
                !t.contains('.') && t.parse::<i64>().is_ok(),
                "{n} iterations: x tick `{t}` is not a whole number ({ticks:?})"
            );
            let v: i64 = t.parse().unwrap();
            assert!((1..=n as i64).contains(&v), "{n} iterations: tick {v}");
        }
        if n >= 3 {
            assert!(ticks.len() >= 2, "{n} iterations: {ticks:?}");
        }
    }
}

#[test]
fn legends_sit_below_the_plot_never_over_the_data() {
    for (name, chart) in every_chart() {
        let svg = chart.svg().unwrap();
        let all = texts(&svg);
        let legend_words = [
            "AUC =",
            "AP =",
            "chance",
            "perfectly calibrated",
            "true benign",
            "other classes",
            "predicted = actual",
            "zero residual",
            "training",
            "validation",
        ];
        let legend: Vec<&Text> = all
            .iter()
            .filter(|t| legend_words.iter().any(|w| t.text.contains(w)))
            .collect();
        let ticks: Vec<&Text> = all
            .iter()
            .filter(|t| t.text.parse::<f64>().is_ok())
            .collect();
        if legend.is_empty() {
            continue;
        }
        // Every chart here is one row of panels: x tick labels sit right under the plotting
        // areas, so a legend below all of them is outside every plotting area.
        let lowest_tick = ticks.iter().map(|t| t.y).fold(f64::MIN, f64::max);
        assert!(!ticks.is_empty(), "{name}: no ticks");
        for l in &legend {
            assert!(
                l.y > lowest_tick,
                "{name}: legend `{}` at y = {} is not below the x axis (ticks down to {})",
                l.text,
                l.y,
                lowest_tick
            );
        }
        assert!(
            legend.iter().all(|l| l.y < f64::from(chart.size().1)),
            "{name}: legend outside the picture"
        );
    }
}

#[test]
fn importance_bars_show_the_largest_first_with_names_and_values() {
    let imp: Vec<(String, f64)> = vec![
        ("island=Biscoe".into(), 0.1),
        ("bill_length_mm".into(), 0.5),
        ("flipper_length_mm".into(), 0.3),
        ("sex=male".into(), 0.0),
        ("body_mass_g".into(), 0.1),
    ];
    let chart = importance_chart(&imp, 3).unwrap();
    let svg = chart.svg().unwrap();
    let all = texts(&svg);
    assert!(
        all.iter()
            .any(|t| t.text == "Feature importance (top 3 of 5)"),
        "{all:?}"
    );
    let pos = |name: &str| {
        all.iter()
            .find(|t| t.text == name)
            .unwrap_or_else(|| panic!("no `{name}` in {all:?}"))
            .y
    };
    assert!(pos("bill_length_mm") < pos("flipper_length_mm"));
    assert!(
        pos("flipper_length_mm") < pos("island=Biscoe"),
        "ties keep the model's order"
    );
    assert!(
        !all.iter()
            .any(|t| t.text == "body_mass_g" || t.text == "sex=male")
    );
    assert!(all.iter().any(|t| t.text == "0.5000"));
    // One bar per feature shown, each as wide as its share of the largest.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let widths: Vec<f64> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && n.attribute("fill") != Some("#FFFFFF"))
        .filter_map(|n| n.attribute("width")?.parse().ok())
        .collect();
    assert_eq!(widths.len(), 3, "{widths:?}");
    assert!((widths[1] / widths[0] - 0.6).abs() < 0.02, "{widths:?}");
    assert!((widths[2] / widths[0] - 0.2).abs() < 0.02, "{widths:?}");
    let png = chart.png().unwrap();
    assert!(png.starts_with(&PNG_SIGNATURE));

    // All shown: no "top" in the title; long names are cut with an ellipsis.
    let long = vec![("a".repeat(80), 1.0), ("b".into(), 0.5)];
    let all = texts(&importance_chart(&long, 15).unwrap().svg().unwrap());
    assert!(all.iter().any(|t| t.text == "Feature importance"));
    assert!(
        all.iter()
            .any(|t| t.text.ends_with('…') && t.text.len() < 80)
    );

    // Nothing to show, or values that are not importances: clear errors.
    let err = |imp: &[(String, f64)]| importance_chart(imp, 15).unwrap_err().to_string();
    assert!(err(&[]).contains("no feature importances"));
    assert!(err(&[("x".into(), f64::NAN)]).contains("`x`"));
    assert!(err(&[("x".into(), -1.0)]).contains("non-negative"));
    assert!(importance_chart(&long, 0).is_err());
}
