//! The feature-importance picture: the largest importances a fitted model reports, as
//! horizontal bars.

use satori_core::{Error, Result};

use crate::chart::{BAR_BOTTOM, BAR_ROW, BAR_TOP, BarPanel, Chart, Panel, SINGLE};

/// Most bars the report's importance picture shows.
pub const TOP_IMPORTANCES: usize = 15;

/// The `top` largest feature importances as horizontal bars, largest on top, each labelled with
/// its column name and value. `importances` are `(column, importance)` pairs as the model holds
/// them (for satori's pipelines: the columns after preprocessing, e.g. one per one-hot category);
/// they must be finite and non-negative. The title says how many of how many columns are shown.
pub fn importance_chart(importances: &[(String, f64)], top: usize) -> Result<Chart> {
    if importances.is_empty() {
        return Err(Error::InvalidData(
            "the model reports no feature importances".into(),
        ));
    }
    if top == 0 {
        return Err(Error::param("top", "must be at least 1, got 0"));
    }
    if let Some((name, v)) = importances.iter().find(|(_, v)| !v.is_finite() || *v < 0.0) {
        return Err(Error::InvalidData(format!(
            "feature importances must be finite and non-negative; `{name}` has {v}"
        )));
    }
    let mut sorted: Vec<&(String, f64)> = importances.iter().collect();
    // Largest first; ties keep the model's order.
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    sorted.truncate(top);
    let n = sorted.len();
    let title = if n < importances.len() {
        format!("Feature importance (top {n} of {})", importances.len())
    } else {
        "Feature importance".to_string()
    };
    let height = BAR_TOP + BAR_ROW * n as u32 + BAR_BOTTOM;
    Chart::grid(
        title,
        vec![Panel::Bars(BarPanel {
            labels: sorted.iter().map(|(l, _)| l.clone()).collect(),
            values: sorted.iter().map(|(_, v)| *v).collect(),
            x_label: "Importance, as the model reports it".into(),
        })],
        1,
        (SINGLE.0, height),
    )
}
