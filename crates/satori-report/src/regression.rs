//! Regression pictures: predicted against actual values, and residuals against predictions
//! (scikit-learn's `PredictionErrorDisplay`, both kinds).

use ndarray::ArrayView1;
use satori_core::{Error, Result};

use crate::chart::{Chart, Mark, Panel, Series, XAxis, XyPanel, padded_range, stride_sample};
use crate::format::count;

/// Most points a scatter plot draws; larger inputs show every k-th row.
pub const MAX_SCATTER_POINTS: usize = 5000;

fn check(y_true: ArrayView1<'_, f64>, y_pred: ArrayView1<'_, f64>) -> Result<()> {
    if y_true.len() != y_pred.len() {
        return Err(Error::ShapeMismatch {
            context: "predicted vs true values".into(),
            expected: y_true.len(),
            got: y_pred.len(),
        });
    }
    if y_true.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "a regression chart".into(),
            needed: 1,
            got: 0,
        });
    }
    for (what, v) in [("true", y_true), ("predicted", y_pred)] {
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::InvalidData(format!(
                "{what} values must be finite to be plotted; row {i} holds {}",
                v[i]
            )));
        }
    }
    Ok(())
}

/// The drawn points and a note when only a sample of them is drawn.
fn sample(points: Vec<(f64, f64)>) -> (Vec<(f64, f64)>, String) {
    let n = points.len();
    let drawn = stride_sample(&points, MAX_SCATTER_POINTS);
    let note = if drawn.len() < n {
        format!(
            " ({} of {} rows shown)",
            count(drawn.len() as f64),
            count(n as f64)
        )
    } else {
        String::new()
    };
    (drawn, note)
}

/// Predicted against actual values, with the `predicted = actual` diagonal; both axes share one
/// range so that the diagonal is at 45°.
pub fn predicted_vs_actual_chart(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
) -> Result<Chart> {
    check(y_true, y_pred)?;
    let range = padded_range(y_true.iter().chain(y_pred.iter()).copied(), &[])?;
    let (points, note) = sample(y_true.iter().copied().zip(y_pred.iter().copied()).collect());
    Chart::single(
        format!("Predicted vs actual{note}"),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Actual value".into(),
            y_label: "Predicted value".into(),
            x_range: range,
            y_range: range,
            series: vec![
                Series::reference(
                    Some("predicted = actual".into()),
                    vec![(range.0, range.0), (range.1, range.1)],
                ),
                Series::new(Some("rows".into()), 0, Mark::Scatter(points)),
            ],
            x_axis: XAxis::Plain,
        }),
    )
}

/// Residuals (actual − predicted) against predicted values, with the zero line.
pub fn residuals_chart(y_true: ArrayView1<'_, f64>, y_pred: ArrayView1<'_, f64>) -> Result<Chart> {
    check(y_true, y_pred)?;
    let pts: Vec<(f64, f64)> = y_pred
        .iter()
        .zip(y_true.iter())
        .map(|(&p, &t)| (p, t - p))
        .collect();
    if let Some(i) = pts.iter().position(|p| !p.1.is_finite()) {
        return Err(Error::InvalidData(format!(
            "the residual of row {i} overflows"
        )));
    }
    let x_range = padded_range(pts.iter().map(|p| p.0), &[])?;
    let y_range = padded_range(pts.iter().map(|p| p.1), &[0.0])?;
    let (points, note) = sample(pts);
    Chart::single(
        format!("Residuals vs predicted{note}"),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Predicted value".into(),
            y_label: "Residual (actual − predicted)".into(),
            x_range,
            y_range,
            series: vec![
                Series::reference(
                    Some("zero residual".into()),
                    vec![(x_range.0, 0.0), (x_range.1, 0.0)],
                ),
                Series::new(Some("rows".into()), 0, Mark::Scatter(points)),
            ],
            x_axis: XAxis::Plain,
        }),
    )
}
