//! Learning curves from a training history.

use satori_core::Result;
pub use satori_core::TrainingHistory;

use crate::chart::{Chart, Mark, Panel, Series, XAxis, XyPanel, padded_range, thin_polyline};

/// The learning curves: the metric on the training (and validation) data per iteration.
pub fn learning_curve_chart(history: &TrainingHistory) -> Result<Chart> {
    history.validate()?;
    let n = history.train.len();
    let x_range = if n == 1 { (0.5, 1.5) } else { (1.0, n as f64) };
    let all = history
        .train
        .iter()
        .chain(history.valid.iter().flatten())
        .copied();
    let y_range = padded_range(all, &[])?;
    let line = |v: &[f64]| {
        let pts = v
            .iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect();
        thin_polyline(pts, x_range, y_range, 2000)
    };
    let mark = |v: &[f64]| {
        if n <= 60 {
            Mark::LineMarkers(line(v))
        } else {
            Mark::Line(line(v))
        }
    };
    let mut series = vec![Series::new(
        Some("training".into()),
        0,
        mark(&history.train),
    )];
    if let Some(v) = &history.valid {
        series.push(Series::new(Some("validation".into()), 1, mark(v)));
    }
    Chart::single(
        format!("Learning curve: {}", history.metric),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Iteration".into(),
            y_label: history.metric.clone(),
            x_range,
            y_range,
            series,
            x_axis: XAxis::Integer,
        }),
    )
}
