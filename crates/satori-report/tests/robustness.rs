//! No input makes a chart or the report panic: random shapes, codes, NaN, infinities, extreme
//! and tiny ranges give either a picture that parses as SVG or an error.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use satori_report::{
    ClassScores, Outcomes, ReportInput, TrainingHistory, calibration_chart, confusion_matrix_chart,
    learning_curve_chart, precision_recall_chart, predicted_vs_actual_chart, render_report,
    residuals_chart, roc_chart, score_distribution_chart,
};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.0..1.0f64,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1e300),
        1 => Just(1e300),
        1 => Just(1e-300),
        1 => -5.0..5.0f64,
    ]
}

/// Values a valid input may hold: probabilities including the edges and ties.
fn clean_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.0..1.0f64,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(0.5),
        1 => Just(1e-300),
    ]
}

/// Either every value clean (70%) or a mix with odd ones.
fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        7 => proptest::collection::vec(clean_value(), n),
        3 => proptest::collection::vec(value(), n),
    ]
}

fn parses(svg: &str) {
    roxmltree::Document::parse(svg).expect("a chart's SVG must parse");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn classification_charts_never_panic(
        n in 0usize..12,
        k in 0usize..5,
        codes in proptest::collection::vec(0usize..6, 0..12),
        probs in values(60),
        bins in 0usize..30,
    ) {
        let classes: Vec<String> = (0..k).map(|i| format!("c<{i}>")).collect();
        // Mostly consistent shapes (so that drawing is reached), sometimes not.
        let y: Array1<usize> = (0..n).map(|i| codes.get(i).copied().unwrap_or(0) % (k + usize::from(n % 5 == 0)).max(1)).collect();
        let cols = k.max(1);
        let rows = if n % 4 == 0 { probs.len() / cols } else { n.min(probs.len() / cols) };
        let n = if rows == n { n } else { n.min(rows) };
        let y = y.slice(ndarray::s![..n]).to_owned();
        let rows = if n % 4 == 0 { rows } else { n };
        let proba = Array2::from_shape_vec((rows, cols), probs[..rows * cols].to_vec()).unwrap();
        let s = ClassScores { y_true: y.view(), proba: proba.view(), classes: &classes, sample_weight: None };
        for chart in [roc_chart(&s), precision_recall_chart(&s), calibration_chart(&s, bins), score_distribution_chart(&s, bins)] {
            match chart {
                Ok(c) => parses(&c.svg().unwrap()),
                Err(e) => prop_assert!(e.is_user_error(), "{e}"),
            }
        }
        if let Ok(c) = confusion_matrix_chart(y.view(), y.view(), &classes, None) {
            parses(&c.svg().unwrap());
        }
        let input = ReportInput::new("t", Outcomes::Classification {
            classes,
            y_true: y.to_vec(),
            y_pred: y.to_vec(),
            proba: Some(proba),
        });
        if let Err(e) = render_report(&input) {
            prop_assert!(e.is_user_error(), "{e}");
        }
    }

    #[test]
    fn regression_charts_never_panic(
        t in (0usize..10).prop_flat_map(values),
        p in values(10),
        same_len in proptest::bool::weighted(0.8),
        scale in prop_oneof![Just(1.0), Just(1e-200), Just(1e200), Just(1e308)],
    ) {
        let n = if same_len { t.len() } else { 10 - t.len() % 10 };
        let t = Array1::from(t).mapv(|v| v * scale);
        let p = Array1::from(p[..n].to_vec()).mapv(|v| v * scale);
        for chart in [predicted_vs_actual_chart(t.view(), p.view()), residuals_chart(t.view(), p.view())] {
            match chart {
                Ok(c) => {
                    parses(&c.svg().unwrap());
                    prop_assert!(c.png().is_ok());
                }
                Err(e) => prop_assert!(e.is_user_error(), "{e}"),
            }
        }
        let input = ReportInput::new("r", Outcomes::Regression { y_true: t.to_vec(), y_pred: p.to_vec() });
        if let Err(e) = render_report(&input) {
            prop_assert!(e.is_user_error(), "{e}");
        }
    }

    #[test]
    fn learning_curves_never_panic(
        train in (0usize..8).prop_flat_map(values),
        valid in proptest::option::of(values(8)),
        scale in prop_oneof![Just(1.0), Just(1e-300), Just(1e300)],
    ) {
        let h = TrainingHistory {
            metric: "loss".into(),
            train: train.iter().map(|v| v * scale).collect(),
            valid: valid.map(|v| v.iter().take(train.len()).map(|x| x * scale).collect()),
        };
        match learning_curve_chart(&h) {
            Ok(c) => parses(&c.svg().unwrap()),
            Err(e) => prop_assert!(e.is_user_error(), "{e}"),
        }
    }
}
