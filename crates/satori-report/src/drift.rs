//! The drift report of `satori monitor`: one self-contained HTML page with the comparison's
//! facts, the verdict table (every monitored column: PSI, Kolmogorov–Smirnov or χ², missing and
//! unseen shares, the verdict and why), the performance change where the new rows carry the
//! target, and one picture per column — the training and the current shares side by side over
//! the PSI bins (numeric columns: the training deciles; categorical: the categories, the rarest
//! pooled, and the unseen ones).

use minijinja::{Environment, value::Serde};
use satori_core::{Error, Result};
use satori_monitor::{ColumnDrift, Role};
use satori_workflow::monitor::MonitorOutcome;
use serde::Serialize;

use crate::chart::{Chart, Mark, Panel, Series, XAxis, XyPanel};

/// Most column pictures the page draws (the worst columns first); the table lists every column.
pub const MAX_DRIFT_PICTURES: usize = 60;

/// Most bars a categorical column's picture draws: the categories with the largest shares, then
/// `(other)` pooling the rest, then `(unseen)`.
pub const MAX_CATEGORY_BARS: usize = 10;

/// Width and height of a drift picture.
const DRIFT_CHART: (u32, u32) = (820, 380);

const TEMPLATE: &str = include_str!("drift.html");

/// Everything the drift report shows.
#[derive(Debug, Clone)]
pub struct DriftReportInput {
    /// The page's title (e.g. `satori monitor: model.satori on new.csv`).
    pub title: String,
    /// The model file.
    pub model: String,
    /// What rows were compared (e.g. `new.csv (500 rows)`).
    pub data: String,
    /// The comparison.
    pub outcome: MonitorOutcome,
}

/// The picture of one column: training and current shares over its bins.
pub fn drift_chart(column: &ColumnDrift) -> Result<Chart> {
    if column.bins.is_empty() {
        return Err(Error::InvalidData(format!(
            "`{}` has no training distribution to draw",
            column.name
        )));
    }
    let bins = if column.kind == "categorical" {
        pool_categories(&column.bins)
    } else {
        column
            .bins
            .iter()
            .map(|b| (b.label.clone(), b.reference, b.current))
            .collect()
    };
    let labels: Vec<String> = bins.iter().map(|b| b.0.clone()).collect();
    let top = bins
        .iter()
        .fold(0.0f64, |m, b| m.max(b.1).max(b.2))
        .max(0.05);
    let reference: Vec<(f64, f64, f64)> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| (i as f64 - 0.4, i as f64, b.1))
        .collect();
    let current: Vec<(f64, f64, f64)> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| (i as f64, i as f64 + 0.4, b.2))
        .collect();
    let x_label = if column.kind == "categorical" {
        "Category".to_string()
    } else {
        "Bin (edges at the training deciles)".to_string()
    };
    let panel = Panel::Xy(XyPanel {
        subtitle: None,
        x_label,
        y_label: "Share of non-missing values".into(),
        x_range: (-0.6, bins.len() as f64 - 0.4),
        y_range: (0.0, top * 1.12),
        series: vec![
            Series::new(
                Some(format!("training ({} rows)", column.reference_rows)),
                0,
                Mark::Bars(reference),
            ),
            Series::new(
                Some(format!("current ({} rows)", column.current_rows)),
                1,
                Mark::Bars(current),
            ),
        ],
        x_axis: XAxis::Categories(labels),
    });
    Chart::grid(
        format!("{} — {}", column.name, column.verdict.as_str()),
        vec![panel],
        1,
        DRIFT_CHART,
    )
}

/// The categories with the largest shares (on either side), the rest pooled as `(other)`, and
/// `(unseen)` last when any current value is unseen.
fn pool_categories(bins: &[satori_monitor::BinShare]) -> Vec<(String, f64, f64)> {
    let (unseen, known) = match bins.split_last() {
        Some((last, rest)) if last.label == "(unseen)" => (Some(last), rest),
        _ => (None, bins),
    };
    let mut order: Vec<usize> = (0..known.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| known[i].reference.max(known[i].current);
        key(b).total_cmp(&key(a)).then(a.cmp(&b))
    });
    let mut out: Vec<(String, f64, f64)> = Vec::new();
    let shown = if known.len() > MAX_CATEGORY_BARS {
        MAX_CATEGORY_BARS - 1
    } else {
        known.len()
    };
    let mut kept: Vec<usize> = order[..shown].to_vec();
    kept.sort_unstable();
    for &i in &kept {
        out.push((known[i].label.clone(), known[i].reference, known[i].current));
    }
    if shown < known.len() {
        let (r, c) = order[shown..].iter().fold((0.0, 0.0), |s, &i| {
            (s.0 + known[i].reference, s.1 + known[i].current)
        });
        out.push((format!("(other {})", known.len() - shown), r, c));
    }
    if let Some(u) = unseen
        && u.current > 0.0
    {
        out.push((u.label.clone(), u.reference, u.current));
    }
    out
}

#[derive(Serialize)]
struct Fact {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    role: &'static str,
    kind: &'static str,
    verdict: &'static str,
    psi: String,
    test: String,
    p_value: String,
    missing: String,
    unseen: String,
    reasons: String,
}

#[derive(Serialize)]
struct Picture {
    id: String,
    svg: String,
    caption: String,
}

#[derive(Serialize)]
struct Change {
    target: String,
    metric: String,
    reference: String,
    current: String,
    change: String,
}

#[derive(Serialize)]
struct Context {
    title: String,
    subtitle: String,
    version: &'static str,
    verdict: &'static str,
    facts: Vec<Fact>,
    rows: Vec<Row>,
    performance: Vec<Change>,
    performance_note: String,
    pictures: Vec<Picture>,
    notes: Vec<Fact>,
}

fn num(v: Option<f64>) -> String {
    v.map(satori_monitor::short).unwrap_or_else(|| "–".into())
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Render the drift report as one self-contained HTML document (inline CSS and SVG, no scripts,
/// nothing loaded from anywhere; every user text escaped).
pub fn render_drift_report(input: &DriftReportInput) -> Result<String> {
    let o = &input.outcome;
    let t = &o.thresholds;
    let mut facts = vec![
        Fact {
            name: "model".into(),
            value: input.model.clone(),
        },
        Fact {
            name: "compared".into(),
            value: input.data.clone(),
        },
        Fact {
            name: "columns".into(),
            value: o
                .counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(v, n)| format!("{n} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        },
        Fact {
            name: "thresholds".into(),
            value: format!(
                "PSI warning ≥ {}, drift ≥ {}; test p-value warning < {}, drift < {}; missing-share \
                 change warning ≥ {}, drift ≥ {}; unseen-category share warning ≥ {}, drift ≥ {}; \
                 at least {} values for a verdict",
                t.psi_warning,
                t.psi_drift,
                t.p_warning,
                t.p_drift,
                t.missing_warning,
                t.missing_drift,
                t.unseen_warning,
                t.unseen_drift,
                t.min_rows
            ),
        },
    ];
    if let Some(on) = &o.prediction_reference_on {
        facts.push(Fact {
            name: "prediction reference".into(),
            value: on.clone(),
        });
    }
    let rows = o
        .columns
        .iter()
        .map(|c| {
            let (test, p) = match (c.ks, c.chi2) {
                (Some(ks), _) => (format!("KS D = {}", num(Some(ks.statistic))), ks.p_value),
                (None, Some(chi2)) => (
                    format!(
                        "χ² = {} (dof {})",
                        num(Some(chi2.statistic)),
                        c.chi2_dof.unwrap_or(0)
                    ),
                    chi2.p_value,
                ),
                (None, None) => ("–".into(), f64::NAN),
            };
            Row {
                name: c.name.clone(),
                role: match c.role {
                    Role::Input => "input",
                    Role::Prediction => "output",
                },
                kind: c.kind,
                verdict: c.verdict.as_str(),
                psi: num(c.psi),
                test,
                p_value: if p.is_nan() {
                    "–".into()
                } else {
                    format!("{p:.3e}")
                },
                missing: format!("{} → {}", pct(c.reference_missing), pct(c.current_missing)),
                unseen: c.unseen.map(pct).unwrap_or_else(|| "–".into()),
                reasons: c.reasons.join("; "),
            }
        })
        .collect();
    // The worst columns first, by verdict then PSI.
    let mut order: Vec<&ColumnDrift> = o.columns.iter().collect();
    order.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(b.psi.unwrap_or(0.0).total_cmp(&a.psi.unwrap_or(0.0)))
    });
    let mut pictures = Vec::new();
    let mut notes = Vec::new();
    for (k, c) in order.iter().enumerate() {
        if k >= MAX_DRIFT_PICTURES {
            notes.push(Fact {
                name: format!("{} more columns", order.len() - MAX_DRIFT_PICTURES),
                value: format!(
                    "the page draws the {MAX_DRIFT_PICTURES} worst columns; the table lists all"
                ),
            });
            break;
        }
        match drift_chart(c).and_then(|chart| chart.svg()) {
            Ok(svg) => pictures.push(Picture {
                id: format!("column-{k}"),
                svg,
                caption: format!(
                    "{}: PSI {}{}",
                    c.name,
                    num(c.psi),
                    if c.reasons.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", c.reasons.join("; "))
                    }
                ),
            }),
            Err(e) => notes.push(Fact {
                name: c.name.clone(),
                value: match e {
                    Error::InvalidData(s) => s,
                    other => other.to_string(),
                },
            }),
        }
    }
    let performance = o
        .performance
        .iter()
        .map(|m| Change {
            target: m.target.clone(),
            metric: m.metric.clone(),
            reference: format!("{:.4}", m.reference),
            current: format!("{:.4}", m.current),
            change: format!("{:+.4}", m.change),
        })
        .collect();
    let performance_note = match (&o.performance_rows, &o.metrics_on) {
        (Some(n), Some(on)) => format!("On the {n} rows with a target, beside the model's {on}."),
        (Some(n), None) => format!("On the {n} rows with a target."),
        (None, _) => "The compared rows carry no target column: no performance change.".into(),
    };
    let ctx = Context {
        title: input.title.clone(),
        subtitle: format!(
            "{} rows compared with the training reference — overall: {}",
            o.rows,
            o.verdict.as_str()
        ),
        version: satori_core::VERSION,
        verdict: o.verdict.as_str(),
        facts,
        rows,
        performance,
        performance_note,
        pictures,
        notes,
    };
    let mut env = Environment::new();
    env.add_template("drift.html", TEMPLATE)
        .map_err(template_error)?;
    let template = env.get_template("drift.html").map_err(template_error)?;
    template.render(Serde(&ctx)).map_err(template_error)
}

fn template_error(e: minijinja::Error) -> Error {
    Error::Internal(format!("the drift report template failed: {e:#}"))
}
