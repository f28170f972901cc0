//! Every chart: valid SVG (parsed as XML) with the expected labels and marks, PNG bytes of the
//! right size that are not blank, and clear errors for odd input.

use std::collections::BTreeSet;

use ndarray::{Array1, Array2, array};
use satori_report::{
    Chart, ClassScores, PNG_SIGNATURE, TrainingHistory, calibration_chart, calibration_curve,
    confusion_matrix_chart, learning_curve_chart, precision_recall_chart,
    predicted_vs_actual_chart, residuals_chart, roc_chart, score_distribution_chart,
};

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The SVG parsed as XML, and all its text content.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect()
}

fn count_tag(svg: &str, tag: &str) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == tag)
        .count()
}

fn has_text(texts: &[String], want: &str) -> bool {
    texts.iter().any(|t| t.contains(want))
}

/// PNG signature, decoded size equal to the chart's, and more than a handful of colours.
fn check_png(chart: &Chart) {
    let bytes = chart.png().unwrap();
    assert!(bytes.starts_with(&PNG_SIGNATURE));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0u8; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), chart.size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let colours: BTreeSet<&[u8]> = buf[..info.buffer_size()].chunks_exact(3).collect();
    assert!(
        colours.len() > 20,
        "only {} colours: blank picture?",
        colours.len()
    );
    // Text was drawn: dark grey ink pixels exist.
    assert!(
        colours.iter().any(|c| c.iter().all(|&v| v < 90)),
        "no dark (text) pixels"
    );
}

fn binary() -> (Array1<usize>, Array2<f64>, Vec<String>) {
    let y = array![0usize, 0, 1, 1];
    let p1 = [0.1, 0.4, 0.35, 0.8];
    let proba = Array2::from_shape_fn((4, 2), |(i, j)| if j == 1 { p1[i] } else { 1.0 - p1[i] });
    (y, proba, labels(&["benign", "malignant"]))
}

fn multiclass() -> (Array1<usize>, Array2<f64>, Vec<String>) {
    let y = array![0usize, 1, 2, 0, 1, 2, 0, 1, 2, 1];
    let proba = array![
        [0.7, 0.2, 0.1],
        [0.2, 0.5, 0.3],
        [0.1, 0.3, 0.6],
        [0.4, 0.4, 0.2],
        [0.3, 0.3, 0.4],
        [0.2, 0.2, 0.6],
        [0.5, 0.25, 0.25],
        [0.1, 0.8, 0.1],
        [0.3, 0.4, 0.3],
        [0.6, 0.3, 0.1],
    ];
    (y, proba, labels(&["setosa", "versicolor", "virginica"]))
}

#[test]
fn roc_binary_has_auc_in_legend_and_renders_png() {
    let (y, p, c) = binary();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let chart = roc_chart(&s).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    // scikit-learn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75
    assert!(has_text(&texts, "AUC = 0.750"), "{texts:?}");
    assert!(has_text(&texts, "ROC curve (positive class: malignant)"));
    assert!(has_text(&texts, "False positive rate") && has_text(&texts, "True positive rate"));
    assert!(has_text(&texts, "chance"));
    assert!(count_tag(&svg, "polyline") >= 2);
    check_png(&chart);
}

#[test]
fn roc_multiclass_draws_one_curve_per_class_with_its_own_auc() {
    let (y, p, c) = multiclass();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let texts = svg_texts(&roc_chart(&s).unwrap().svg().unwrap());
    for (k, name) in c.iter().enumerate() {
        let ovr = y.mapv(|v| usize::from(v == k));
        let want = satori_metrics::roc_auc(ovr.view(), p.column(k), 1, None).unwrap();
        let label = format!("{name} (AUC = {want:.3})");
        assert!(has_text(&texts, &label), "missing {label} in {texts:?}");
    }
    assert!(has_text(&texts, "one-vs-rest"));
}

#[test]
fn precision_recall_has_average_precision_and_prevalence() {
    let (y, p, c) = binary();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let chart = precision_recall_chart(&s).unwrap();
    let texts = svg_texts(&chart.svg().unwrap());
    // scikit-learn: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333
    assert!(has_text(&texts, "AP = 0.833"), "{texts:?}");
    assert!(has_text(&texts, "prevalence = 0.500"));
    assert!(has_text(&texts, "Recall") && has_text(&texts, "Precision"));
    check_png(&chart);
}

#[test]
fn weights_change_the_curves() {
    let (y, p, c) = binary();
    let w = array![1.0, 3.0, 1.0, 1.0];
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: Some(w.view()),
    };
    let texts = svg_texts(&roc_chart(&s).unwrap().svg().unwrap());
    let want = satori_metrics::roc_auc(y.view(), p.column(1), 1, Some(w.view())).unwrap();
    assert!((want - 0.75).abs() > 1e-3);
    assert!(has_text(&texts, &format!("AUC = {want:.3}")), "{texts:?}");
    let bad = array![1.0, -1.0, 1.0, 1.0];
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: Some(bad.view()),
    };
    assert!(
        roc_chart(&s)
            .unwrap_err()
            .to_string()
            .contains("non-negative")
    );
}

#[test]
fn calibration_curve_matches_scikit_learn() {
    // scikit-learn 1.9.1: calibration_curve(y, p, n_bins=5) and n_bins=3.
    let y = array![0usize, 0, 0, 1, 1, 1, 1, 0, 1, 1];
    let p = array![0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.65, 0.7, 0.8, 1.0];
    let c = calibration_curve(y.view(), p.view(), 1, 5).unwrap();
    let close = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    };
    assert!(
        close(&c.prob_true, &[0.0, 0.5, 1.0, 0.6666666666666666, 1.0]),
        "{c:?}"
    );
    assert!(
        close(
            &c.prob_pred,
            &[0.15000000000000002, 0.325, 0.55, 0.7166666666666668, 1.0]
        ),
        "{c:?}"
    );
    assert_eq!(c.counts, vec![2, 2, 2, 3, 1]);
    let c = calibration_curve(y.view(), p.view(), 1, 3).unwrap();
    assert!(close(&c.prob_true, &[0.0, 1.0, 0.6666666666666666]));
    assert!(close(
        &c.prob_pred,
        &[0.18333333333333335, 0.5375, 0.8333333333333334]
    ));
    // numpy's linspace edge 3 * 0.2 = 0.6000000000000001: 0.6 and that edge fall in bin 2.
    let y = array![0usize, 1, 1, 0];
    let p = array![0.6000000000000001, 0.6, 0.61, 0.2];
    let c = calibration_curve(y.view(), p.view(), 1, 5).unwrap();
    assert!(
        close(&c.prob_true, &[0.0, 0.5, 1.0])
            && close(&c.prob_pred, &[0.2, 0.6000000000000001, 0.61])
    );
    // Errors, not panics.
    assert!(calibration_curve(y.view(), p.view(), 1, 0).is_err());
    assert!(calibration_curve(y.view(), array![0.1, 1.2, 0.3, 0.4].view(), 1, 5).is_err());
    assert!(calibration_curve(y.view(), array![0.1, f64::NAN, 0.3, 0.4].view(), 1, 5).is_err());
    assert!(calibration_curve(y.view(), array![0.1].view(), 1, 5).is_err());
}

#[test]
fn calibration_chart_has_diagonal_and_markers() {
    let (y, p, c) = multiclass();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let chart = calibration_chart(&s, 5).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    assert!(has_text(&texts, "perfectly calibrated") && has_text(&texts, "virginica"));
    assert!(
        has_text(&texts, "Mean predicted probability") && has_text(&texts, "Fraction of positives")
    );
    let bins: usize = (0..3)
        .map(|k| {
            calibration_curve(y.view(), p.column(k), k, 5)
                .unwrap()
                .counts
                .len()
        })
        .sum();
    assert!(
        count_tag(&svg, "circle") >= bins,
        "one marker per non-empty bin"
    );
    check_png(&chart);
}

#[test]
fn score_distribution_binary_and_multiclass() {
    let (y, p, c) = binary();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let chart = score_distribution_chart(&s, 10).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    assert!(has_text(&texts, "true benign (n = 2)") && has_text(&texts, "true malignant (n = 2)"));
    assert!(has_text(&texts, "P(malignant)"));
    // Four distinct bins hold one sample each: four bars (plus two legend swatches).
    assert!(count_tag(&svg, "rect") >= 6);
    check_png(&chart);

    let (y, p, c) = multiclass();
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let chart = score_distribution_chart(&s, 10).unwrap();
    assert_eq!(chart.size().0, 3 * 420, "three panels side by side");
    let texts = svg_texts(&chart.svg().unwrap());
    for name in &c {
        assert!(
            has_text(&texts, &format!("class {name}")) && has_text(&texts, &format!("P({name})"))
        );
    }
    assert!(has_text(&texts, "other classes (n = 7)"));
    assert!(score_distribution_chart(&s, 0).is_err());
    check_png(&chart);
}

#[test]
fn confusion_matrix_shows_counts_and_row_rates() {
    let y = array![0usize, 0, 1, 1, 1];
    let yp = array![0usize, 1, 1, 1, 0];
    let c = labels(&["no", "yes"]);
    let chart = confusion_matrix_chart(y.view(), yp.view(), &c, None).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    for want in [
        "50.0%",
        "33.3%",
        "66.7%",
        "Predicted class",
        "True class",
        "no",
        "yes",
    ] {
        assert!(has_text(&texts, want), "missing {want}: {texts:?}");
    }
    assert_eq!(texts.iter().filter(|t| t.as_str() == "1").count(), 3);
    assert_eq!(texts.iter().filter(|t| t.as_str() == "2").count(), 1);
    check_png(&chart);
    // Weighted counts keep their fractions.
    let w = array![0.5, 1.0, 1.0, 1.0, 1.0];
    let texts = svg_texts(
        &confusion_matrix_chart(y.view(), yp.view(), &c, Some(w.view()))
            .unwrap()
            .svg()
            .unwrap(),
    );
    assert!(has_text(&texts, "0.50") && has_text(&texts, "33.3%"));
    // A code out of range, or nothing at all, is an error.
    assert!(confusion_matrix_chart(y.view(), array![0usize, 1, 2, 1, 0].view(), &c, None).is_err());
    assert!(
        confusion_matrix_chart(
            Array1::<usize>::zeros(0).view(),
            Array1::<usize>::zeros(0).view(),
            &c,
            None
        )
        .is_err()
    );
}

#[test]
fn labels_with_markup_are_escaped_in_svg() {
    let (y, p, _) = binary();
    let c = labels(&["<b>no</b>", "yes & \"maybe\""]);
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    for chart in [
        roc_chart(&s).unwrap(),
        score_distribution_chart(&s, 5).unwrap(),
    ] {
        let svg = chart.svg().unwrap();
        assert!(!svg.contains("<b>"));
        let texts = svg_texts(&svg);
        assert!(has_text(&texts, "yes & \"maybe\""), "{texts:?}");
    }
    let texts = svg_texts(
        &confusion_matrix_chart(y.view(), y.view(), &c, None)
            .unwrap()
            .svg()
            .unwrap(),
    );
    assert!(has_text(&texts, "<b>no</b>"));
}

#[test]
fn odd_classification_input_is_a_clear_error() {
    let (y, p, c) = binary();
    let one_class = array![1usize, 1, 1, 1];
    let s = ClassScores {
        y_true: one_class.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    let e = roc_chart(&s).unwrap_err().to_string();
    assert!(e.contains("holds only malignant"), "{e}");
    assert!(precision_recall_chart(&s).is_err());
    // Calibration and score pictures are defined for one class.
    assert!(calibration_chart(&s, 5).is_ok() && score_distribution_chart(&s, 5).is_ok());

    let mut nan = p.clone();
    nan[[2, 1]] = f64::NAN;
    let s = ClassScores {
        y_true: y.view(),
        proba: nan.view(),
        classes: &c,
        sample_weight: None,
    };
    for r in [
        roc_chart(&s),
        precision_recall_chart(&s),
        calibration_chart(&s, 5),
        score_distribution_chart(&s, 5),
    ] {
        let e = r.unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("NaN"), "{e}");
    }
    let empty_y = Array1::<usize>::zeros(0);
    let empty_p = Array2::<f64>::zeros((0, 2));
    let s = ClassScores {
        y_true: empty_y.view(),
        proba: empty_p.view(),
        classes: &c,
        sample_weight: None,
    };
    assert!(
        roc_chart(&s)
            .unwrap_err()
            .to_string()
            .contains("need at least 1")
    );
    let s = ClassScores {
        y_true: y.view(),
        proba: p.view(),
        classes: &c[..1],
        sample_weight: None,
    };
    assert!(roc_chart(&s).is_err());
    let three = array![[0.2, 0.3, 0.5]];
    let s = ClassScores {
        y_true: y.view(),
        proba: three.view(),
        classes: &c,
        sample_weight: None,
    };
    assert!(roc_chart(&s).is_err());
    let bad_code = array![0usize, 5, 1, 0];
    let s = ClassScores {
        y_true: bad_code.view(),
        proba: p.view(),
        classes: &c,
        sample_weight: None,
    };
    assert!(roc_chart(&s).unwrap_err().to_string().contains("code 5"));
}

#[test]
fn many_points_are_thinned_but_keep_the_auc() {
    let n = 20_000;
    let y: Array1<usize> = (0..n).map(|i| usize::from(i % 3 == 0)).collect();
    let p1: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % n) as f64 / n as f64 * 0.5 + if i % 3 == 0 { 0.3 } else { 0.0 })
        .collect();
    let proba = Array2::from_shape_fn((n, 2), |(i, j)| if j == 1 { p1[i] } else { 1.0 - p1[i] });
    let c = labels(&["a", "b"]);
    let s = ClassScores {
        y_true: y.view(),
        proba: proba.view(),
        classes: &c,
        sample_weight: None,
    };
    let svg = precision_recall_chart(&s).unwrap().svg().unwrap();
    assert!(svg.len() < 200_000, "SVG of {} bytes", svg.len());
    let ap = satori_metrics::average_precision(y.view(), proba.column(1), 1, None).unwrap();
    assert!(
        svg_texts(&svg)
            .iter()
            .any(|t| t.contains(&format!("AP = {ap:.3}")))
    );
}

#[test]
fn regression_charts() {
    let y = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let yp = array![1.5, 1.8, 3.3, 3.9, 4.0];
    let chart = predicted_vs_actual_chart(y.view(), yp.view()).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    assert!(has_text(&texts, "Predicted vs actual") && has_text(&texts, "predicted = actual"));
    assert!(has_text(&texts, "Actual value") && has_text(&texts, "Predicted value"));
    assert!(count_tag(&svg, "circle") >= 5);
    check_png(&chart);

    let chart = residuals_chart(y.view(), yp.view()).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    assert!(has_text(&texts, "Residual (actual − predicted)") && has_text(&texts, "zero residual"));
    check_png(&chart);

    // One row, or all-equal values, still give a drawable range.
    let one = array![2.0];
    assert!(
        predicted_vs_actual_chart(one.view(), one.view())
            .unwrap()
            .svg()
            .is_ok()
    );
    assert!(
        residuals_chart(one.view(), one.view())
            .unwrap()
            .png()
            .is_ok()
    );

    // Large inputs are sampled, and say so.
    let n = 12_000;
    let big: Array1<f64> = (0..n).map(|i| i as f64).collect();
    let svg = residuals_chart(big.view(), big.mapv(|v| v * 0.9).view())
        .unwrap()
        .svg()
        .unwrap();
    assert!(count_tag(&svg, "circle") <= satori_report::MAX_SCATTER_POINTS + 10);
    assert!(
        svg_texts(&svg)
            .iter()
            .any(|t| t.contains("of 12000 rows shown"))
    );

    // Errors.
    assert!(residuals_chart(y.view(), array![1.0].view()).is_err());
    let e = predicted_vs_actual_chart(array![1.0, f64::NAN].view(), array![1.0, 2.0].view())
        .unwrap_err();
    assert!(e.to_string().contains("row 1"));
    assert!(residuals_chart(array![1.0, 2.0].view(), array![f64::INFINITY, 2.0].view()).is_err());
    assert!(predicted_vs_actual_chart(Array1::zeros(0).view(), Array1::zeros(0).view()).is_err());
}

#[test]
fn learning_curves_from_synthetic_histories() {
    let train: Vec<f64> = (0..50).map(|i| 0.7 * (-0.05 * i as f64).exp()).collect();
    let valid: Vec<f64> = (0..50)
        .map(|i| 0.72 * (-0.04 * i as f64).exp() + 0.002 * i as f64)
        .collect();
    let h = TrainingHistory {
        metric: "log_loss".into(),
        train,
        valid: Some(valid),
    };
    let chart = learning_curve_chart(&h).unwrap();
    let svg = chart.svg().unwrap();
    let texts = svg_texts(&svg);
    assert!(has_text(&texts, "Learning curve: log_loss") && has_text(&texts, "Iteration"));
    assert!(has_text(&texts, "training") && has_text(&texts, "validation"));
    assert!(
        count_tag(&svg, "circle") >= 100,
        "markers on 2 × 50 iterations"
    );
    check_png(&chart);

    // Long histories are lines without markers; one iteration still draws.
    let long = TrainingHistory {
        metric: "rmse".into(),
        train: (0..5000).map(|i| 1.0 / (1.0 + i as f64)).collect(),
        valid: None,
    };
    let svg = learning_curve_chart(&long).unwrap().svg().unwrap();
    assert!(!svg_texts(&svg).iter().any(|t| t == "validation"));
    let one = TrainingHistory {
        metric: "rmse".into(),
        train: vec![0.5],
        valid: Some(vec![0.6]),
    };
    assert!(learning_curve_chart(&one).unwrap().png().is_ok());

    // Serde round trip; `valid` may be left out.
    let simple = TrainingHistory {
        metric: "log_loss".into(),
        train: vec![0.5, 0.25],
        valid: Some(vec![0.75, 0.5]),
    };
    let json = serde_json::to_string(&simple).unwrap();
    assert_eq!(
        json,
        r#"{"metric":"log_loss","train":[0.5,0.25],"valid":[0.75,0.5]}"#
    );
    assert_eq!(
        serde_json::from_str::<TrainingHistory>(&json).unwrap(),
        simple
    );
    let no_valid: TrainingHistory =
        serde_json::from_str(r#"{"metric":"mse","train":[1.0,0.5]}"#).unwrap();
    assert_eq!(no_valid.valid, None);

    // Errors.
    let empty = TrainingHistory {
        metric: "mse".into(),
        train: vec![],
        valid: None,
    };
    assert!(learning_curve_chart(&empty).is_err());
    let uneven = TrainingHistory {
        metric: "mse".into(),
        train: vec![1.0, 0.5],
        valid: Some(vec![1.0]),
    };
    assert!(
        learning_curve_chart(&uneven)
            .unwrap_err()
            .to_string()
            .contains("expected 2, got 1")
    );
    let nan = TrainingHistory {
        metric: "mse".into(),
        train: vec![1.0, f64::NAN],
        valid: None,
    };
    assert!(
        learning_curve_chart(&nan)
            .unwrap_err()
            .to_string()
            .contains("iteration 2")
    );
}
