//! The report's template context: what each section shows, as plain serialisable data. Text
//! here is raw; the template escapes it (only the SVG pictures, drawn by plotters with their text
//! escaped, are inserted as they are).

use std::collections::{BTreeMap, BTreeSet};

use ndarray::ArrayView1;
use satori_core::{Result, Task};
use satori_data::profile::{NumericSummary, Profile};
use satori_metrics::{Normalize, ReportRow, ZeroDivision, classification_report, confusion_matrix};
use satori_pipeline::ModelHeader;
use satori_workflow::{TargetInfo, TrainParams};
use serde::Serialize;

use super::{CALIBRATION_BINS, Outcomes, ReportInput, SCORE_BINS};
use crate::format::{count, fixed, metric};
use crate::{
    Chart, ClassScores, TOP_IMPORTANCES, calibration_chart, confusion_matrix_chart,
    importance_chart, learning_curve_chart, precision_recall_chart, predicted_vs_actual_chart,
    residuals_chart, roc_chart, score_distribution_chart,
};

#[derive(Debug, Serialize)]
pub(super) struct Context {
    title: String,
    task: &'static str,
    n_rows: String,
    weighted: bool,
    evaluated_on: Option<String>,
    version: &'static str,
    toc: Vec<Pair>,
    data: Option<DataView>,
    headline: Vec<Pair>,
    metrics: Vec<Pair>,
    undefined: Vec<Pair>,
    pictures: Vec<Picture>,
    notes: Vec<Pair>,
    confusion: Option<ConfusionView>,
    per_class: Option<PerClassView>,
    model: Option<ModelView>,
}

#[derive(Debug, Serialize)]
struct MemberView {
    name: String,
    kind: String,
}

#[derive(Debug, Serialize)]
struct MetricRow {
    name: String,
    values: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct Pair {
    name: String,
    value: String,
}

fn pair(name: impl Into<String>, value: impl Into<String>) -> Pair {
    Pair {
        name: name.into(),
        value: value.into(),
    }
}

#[derive(Debug, Serialize)]
struct Picture {
    id: String,
    svg: String,
    caption: String,
    /// Wider than a half-width figure shows well (small multiples): a row of its own.
    wide: bool,
}

#[derive(Debug, Serialize)]
struct DataView {
    source: String,
    n_rows: String,
    n_columns: String,
    columns: Vec<ColumnView>,
    target: Option<TargetView>,
    warnings: Vec<WarningView>,
}

#[derive(Debug, Serialize)]
struct ColumnView {
    name: String,
    kind: String,
    missing: String,
    distinct: String,
    summary: String,
}

#[derive(Debug, Serialize)]
struct TargetView {
    name: String,
    task: &'static str,
    missing: String,
    classes: Vec<Pair>,
    imbalance: Option<String>,
    summary: Option<String>,
}

#[derive(Debug, Serialize)]
struct WarningView {
    code: String,
    column: String,
    message: String,
}

#[derive(Debug, Serialize)]
struct ConfusionView {
    svg: Option<String>,
    note: Option<String>,
    labels: Vec<String>,
    rows: Vec<ConfusionRow>,
}

#[derive(Debug, Serialize)]
struct ConfusionRow {
    label: String,
    cells: Vec<String>,
    total: String,
}

#[derive(Debug, Serialize)]
struct PerClassView {
    rows: Vec<PerClassRow>,
    accuracy: String,
    total: String,
}

#[derive(Debug, Serialize)]
struct PerClassRow {
    label: String,
    precision: String,
    recall: String,
    f1: String,
    support: String,
}

#[derive(Debug, Serialize)]
struct ModelView {
    kind: String,
    facts: Vec<Pair>,
    /// The parameters that differ from the defaults of the model's kind.
    changed: Vec<ParamChange>,
    /// Why the defaults could not be compared, if they could not.
    defaults_note: Option<String>,
    params: String,
    metrics: Vec<Pair>,
    metrics_on: Option<String>,
    /// An ensemble's members (name, kind), each scored alone on the same rows as `metrics`.
    members: Vec<MemberView>,
    /// One row per metric: the ensemble's value, then each member's.
    member_rows: Vec<MetricRow>,
    provenance: Vec<Pair>,
    inputs: Vec<Pair>,
    /// A neural network's diagram (inline SVG).
    diagram: Option<String>,
}

/// A chart's SVG ready to sit inside HTML: without the XML namespace declaration (HTML puts
/// `<svg>` in the SVG namespace itself), so the page names no external address at all.
fn inline_svg(svg: &str) -> String {
    let svg = svg.replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1);
    svg.replacen("<svg ", r#"<svg role="img" "#, 1)
}

/// One picture a report shows: its stable name (the page anchor and the file name `--plots`
/// writes), what it is, its caption, and the chart or why it cannot be drawn.
pub(super) struct Planned {
    pub id: &'static str,
    pub what: &'static str,
    pub caption: String,
    pub chart: Result<Chart>,
}

/// The pictures of a report, in the order the page shows them (the confusion matrix, which has a
/// section of its own, last).
#[derive(Default)]
pub(super) struct Pictures {
    pub planned: Vec<Planned>,
    /// Pictures left out on purpose, with the reason (no probabilities).
    pub notes: Vec<Pair>,
}

impl Pictures {
    fn add(&mut self, id: &'static str, what: &'static str, caption: &str, chart: Result<Chart>) {
        self.planned.push(Planned {
            id,
            what,
            caption: caption.into(),
            chart,
        });
    }

    fn probability(&mut self, s: &ClassScores<'_>) {
        self.add(
            "roc",
            "ROC curve",
            "True against false positive rate as the decision threshold falls; the area under \
             the curve (AUC) is the chance that a random positive scores above a random negative.",
            roc_chart(s),
        );
        self.add(
            "precision-recall",
            "Precision-recall curve",
            "Precision against recall as the threshold falls; average precision (AP) summarises \
             the curve.",
            precision_recall_chart(s),
        );
        self.add(
            "calibration",
            "Calibration curve",
            "Per bin of predicted probability, the observed fraction of positives: a calibrated \
             model follows the diagonal.",
            calibration_chart(s, CALIBRATION_BINS),
        );
        self.add(
            "scores",
            "Score distribution",
            "How the predicted probabilities spread for each true class: the less the groups \
             overlap, the better they separate.",
            score_distribution_chart(s, SCORE_BINS),
        );
    }

    fn regression(&mut self, t: ArrayView1<'_, f64>, p: ArrayView1<'_, f64>) {
        self.add(
            "predicted-vs-actual",
            "Predicted vs actual",
            "Each row's prediction against its true value: a perfect model puts every point on \
             the diagonal.",
            predicted_vs_actual_chart(t, p),
        );
        self.add(
            "residuals",
            "Residuals",
            "Actual minus predicted against the prediction: structure (a trend, a funnel) shows \
             what the model misses.",
            residuals_chart(t, p),
        );
    }
}

/// Every picture of the report of `input` (validated), in page order.
pub(super) fn plan(input: &ReportInput) -> Pictures {
    let weights = input.sample_weight.as_deref().map(ArrayView1::from);
    let mut pictures = Pictures::default();
    let mut confusion = None;
    match &input.outcomes {
        Outcomes::Classification {
            classes,
            y_true,
            y_pred,
            proba,
        } => {
            let t = ArrayView1::from(y_true.as_slice());
            let p = ArrayView1::from(y_pred.as_slice());
            match proba {
                Some(proba) => pictures.probability(&ClassScores {
                    y_true: t,
                    proba: proba.view(),
                    classes,
                    sample_weight: weights,
                }),
                None => pictures.notes.push(pair(
                    "Probability pictures",
                    "the model gives no class probabilities, so there are no ROC, \
                     precision-recall, calibration or score pictures",
                )),
            }
            confusion = Some(confusion_matrix_chart(t, p, classes, weights));
        }
        Outcomes::Regression { y_true, y_pred } => {
            let t = ArrayView1::from(y_true.as_slice());
            pictures.regression(t, ArrayView1::from(y_pred.as_slice()));
        }
    }
    if let Some(h) = &input.history {
        let caption = if h.valid.is_some() {
            "The metric on the training and on the validation data after each iteration: a \
             validation curve that turns away while the training curve keeps improving means \
             over-fitting."
        } else {
            "The metric on the training data after each iteration: how the fit converged (a \
             curve on training data alone cannot show how well the model generalises)."
        };
        pictures.add(
            "learning-curve",
            "Learning curve",
            caption,
            learning_curve_chart(h),
        );
    }
    let importances = input
        .model
        .as_ref()
        .map(|m| m.feature_importances.as_slice())
        .unwrap_or_default();
    if !importances.is_empty() {
        let shown = importances.len().min(TOP_IMPORTANCES);
        let caption = format!(
            "The model's own importance of its {shown} most important input columns out of {}, \
             named as the fitted model sees them: after its preprocessing, if it has any (an \
             encoded category can then be a column of its own).",
            importances.len()
        );
        pictures.add(
            "importance",
            "Feature importance",
            &caption,
            importance_chart(importances, TOP_IMPORTANCES),
        );
    }
    if let Some(chart) = confusion {
        pictures.add("confusion", "Confusion matrix", "", chart);
    }
    pictures
}

/// The summary's metrics: the task's usual headline ones that were computed, else the first.
fn headline(input: &ReportInput) -> Vec<Pair> {
    let wanted: &[&str] = match input.task() {
        Task::Binary => &["roc_auc", "accuracy", "f1", "log_loss"],
        Task::Multiclass => &["accuracy", "f1_macro", "roc_auc_ovr", "log_loss"],
        Task::Regression => &["r2", "rmse", "mae"],
    };
    let mut out: Vec<Pair> = wanted
        .iter()
        .filter_map(|k| input.metrics.get(*k).map(|v| pair(*k, metric(*v))))
        .collect();
    if out.is_empty() {
        out = input
            .metrics
            .iter()
            .take(3)
            .map(|(k, v)| pair(k, metric(*v)))
            .collect();
    }
    out
}

fn toc(data: bool, classification: bool, model: bool) -> Vec<Pair> {
    let mut toc = vec![pair("summary", "Summary")];
    if data {
        toc.push(pair("data", "Data"));
    }
    toc.push(pair("metrics", "Metrics"));
    toc.push(pair("pictures", "Pictures"));
    if classification {
        toc.push(pair("confusion", "Confusion matrix"));
        toc.push(pair("per-class", "Per-class report"));
    }
    if model {
        toc.push(pair("model", "Model"));
    }
    toc
}

pub(super) fn build(input: &ReportInput) -> Result<Context> {
    let weights = input.sample_weight.as_deref().map(ArrayView1::from);
    let plan = plan(input);
    let mut notes = plan.notes;
    let mut drawn = Vec::new();
    let mut confusion_svg = None;
    for p in plan.planned {
        let svg = p.chart.and_then(|c| Ok((c.size().0 > 700, c.svg()?)));
        if p.id == "confusion" {
            confusion_svg = Some(svg.map(|(_, s)| s));
            continue;
        }
        match svg {
            Ok((wide, svg)) => drawn.push(Picture {
                id: p.id.into(),
                svg: inline_svg(&svg),
                caption: p.caption,
                wide,
            }),
            Err(e) => notes.push(pair(p.what, e.to_string())),
        }
    }
    let (mut confusion, mut per_class) = (None, None);
    if let Outcomes::Classification {
        classes,
        y_true,
        y_pred,
        ..
    } = &input.outcomes
    {
        let t = ArrayView1::from(y_true.as_slice());
        let p = ArrayView1::from(y_pred.as_slice());
        let svg = confusion_svg
            .unwrap_or_else(|| Err(satori_core::Error::Internal("no confusion matrix".into())));
        confusion = Some(confusion_view(t, p, classes, weights, svg));
        per_class = Some(per_class_view(t, p, classes, weights)?);
    }
    let data = input.profile.as_ref().map(data_view);
    let model = input.model.as_ref().map(|h| {
        let mut m = model_view(h);
        m.diagram = input
            .network
            .as_ref()
            .map(|n| inline_svg(&crate::network_svg(n)));
        m
    });
    Ok(Context {
        title: input.title.clone(),
        task: input.task().name(),
        n_rows: count(input.n_rows() as f64),
        weighted: input.sample_weight.is_some(),
        evaluated_on: input.evaluated_on.clone(),
        version: satori_core::VERSION,
        toc: toc(data.is_some(), confusion.is_some(), model.is_some()),
        data,
        headline: headline(input),
        metrics: input
            .metrics
            .iter()
            .map(|(k, v)| pair(k, metric(*v)))
            .collect(),
        undefined: input
            .undefined_metrics
            .iter()
            .map(|(k, v)| pair(k, v))
            .collect(),
        pictures: drawn,
        notes,
        confusion,
        per_class,
        model,
    })
}

fn confusion_view(
    t: ArrayView1<'_, usize>,
    p: ArrayView1<'_, usize>,
    classes: &[String],
    w: Option<ArrayView1<'_, f64>>,
    svg: Result<String>,
) -> ConfusionView {
    let (svg, note) = match svg {
        Ok(svg) => (Some(inline_svg(&svg)), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let rows = match confusion_matrix(t, p, classes.len(), Normalize::None, w) {
        Ok(cm) => cm
            .rows()
            .into_iter()
            .zip(classes)
            .map(|(r, label)| ConfusionRow {
                label: label.clone(),
                cells: r.iter().map(|v| count(*v)).collect(),
                total: count(r.sum()),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    ConfusionView {
        svg,
        note,
        labels: classes.to_vec(),
        rows,
    }
}

fn report_row(label: String, r: &ReportRow) -> PerClassRow {
    PerClassRow {
        label,
        precision: fixed(r.precision, 4),
        recall: fixed(r.recall, 4),
        f1: fixed(r.f1, 4),
        support: count(r.support),
    }
}

fn per_class_view(
    t: ArrayView1<'_, usize>,
    p: ArrayView1<'_, usize>,
    classes: &[String],
    w: Option<ArrayView1<'_, f64>>,
) -> Result<PerClassView> {
    let rep = classification_report(t, p, classes.len(), ZeroDivision::Warn, w)?;
    let mut rows: Vec<PerClassRow> = rep
        .classes
        .iter()
        .map(|(c, r)| report_row(classes.get(*c).cloned().unwrap_or_default(), r))
        .collect();
    rows.push(report_row("macro avg".into(), &rep.macro_avg));
    rows.push(report_row("weighted avg".into(), &rep.weighted_avg));
    Ok(PerClassView {
        rows,
        accuracy: fixed(rep.accuracy, 4),
        total: count(rep.weighted_avg.support),
    })
}

fn numeric(s: &NumericSummary) -> String {
    let std = s.std.map_or_else(|| "–".to_string(), metric);
    format!(
        "min {} · mean {} · max {} · std {}",
        metric(s.min),
        metric(s.mean),
        metric(s.max),
        std
    )
}

fn data_view(p: &Profile) -> DataView {
    let columns = p
        .columns
        .iter()
        .map(|c| {
            let summary = match (&c.numeric, &c.top) {
                (Some(n), _) => numeric(n),
                (None, Some(top)) => top
                    .iter()
                    .take(3)
                    .map(|v| format!("{} ({})", v.value, v.count))
                    .collect::<Vec<_>>()
                    .join(", "),
                (None, None) => String::new(),
            };
            ColumnView {
                name: c.name.clone(),
                kind: c.kind.clone(),
                missing: format!("{} ({}%)", c.missing, fixed(c.missing_pct, 1)),
                distinct: count(c.distinct as f64),
                summary,
            }
        })
        .collect();
    let target = p.target.as_ref().map(|t| {
        let total: usize = t.classes.iter().flatten().map(|c| c.count).sum();
        TargetView {
            name: t.name.clone(),
            task: t.task.name(),
            missing: count(t.missing as f64),
            classes: t
                .classes
                .iter()
                .flatten()
                .map(|c| {
                    let share = if total > 0 {
                        c.count as f64 / total as f64 * 100.0
                    } else {
                        0.0
                    };
                    pair(&c.value, format!("{} ({}%)", c.count, fixed(share, 1)))
                })
                .collect(),
            imbalance: t.imbalance_ratio.map(|r| fixed(r, 2)),
            summary: t.numeric.as_ref().map(numeric),
        }
    });
    let warnings = p
        .warnings
        .iter()
        .map(|w| WarningView {
            code: serde_json::to_value(w.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            column: w.column.clone(),
            message: w.message.clone(),
        })
        .collect();
    DataView {
        source: p.source.clone(),
        n_rows: count(p.n_rows as f64),
        n_columns: count(p.n_columns as f64),
        columns,
        target,
        warnings,
    }
}

/// A parameter whose value differs from the default of the model's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct ParamChange {
    /// Its path in the parameter tree (what `--set` takes), e.g. `model.n_estimators`.
    pub path: String,
    pub value: String,
    pub default: String,
}

/// The parameters `satori train --model <kind>` would use for this model's target and input
/// columns with no pipeline file, no `--set` and the default seed and holdout.
fn default_params(h: &ModelHeader) -> Result<serde_json::Value> {
    if h.is_multi_target() {
        return Err(satori_core::Error::InvalidData(
            "a model of several targets".into(),
        ));
    }
    let targets = [TargetInfo {
        name: h.target.clone(),
        task: h.task,
    }];
    let defaults = TrainParams::default();
    let params = TrainParams::resolve(
        &h.model_kind,
        &targets,
        &h.input_schema,
        defaults.holdout,
        defaults.pipeline.seed,
        None,
        &[],
    )?;
    serde_json::to_value(&params).map_err(|e| satori_core::Error::Internal(e.to_string()))
}

/// The leaves of a parameter tree by path (`a.b`, `steps[0].kind`); a list of plain values is
/// one leaf.
fn flatten(path: &str, v: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    use serde_json::Value;
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), x, out);
            }
        }
        _ => {
            out.insert(path.to_string(), v.clone());
        }
    }
}

fn show_value(v: Option<&serde_json::Value>) -> String {
    match v {
        None => "–".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) => "none".into(),
        Some(v) => v.to_string(),
    }
}

/// Every leaf of `params` that differs from `defaults` (or exists in only one of them), by path.
pub(super) fn param_changes(
    params: &serde_json::Value,
    defaults: &serde_json::Value,
) -> Vec<ParamChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", params, &mut a);
    flatten("", defaults, &mut b);
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| ParamChange {
            path: p.clone(),
            value: show_value(a.get(p)),
            default: show_value(b.get(p)),
        })
        .collect()
}

fn model_view(h: &ModelHeader) -> ModelView {
    let task = h.task;
    let mut facts = vec![
        pair("model", &h.model_kind),
        pair("task", task.name()),
        pair("target", &h.target),
        pair("training rows", count(h.n_train_samples as f64)),
        pair("input columns", count(h.input_schema.columns.len() as f64)),
        pair("model-file format", h.format_version.to_string()),
    ];
    if let (Some(c), true) = (&h.classes, task != Task::Regression) {
        facts.push(pair("classes", c.join(", ")));
    }
    let (changed, defaults_note) = match default_params(h) {
        Ok(defaults) => (param_changes(&h.params, &defaults), None),
        Err(e) => (
            Vec::new(),
            Some(format!(
                "the defaults of {} could not be rebuilt to compare with ({e})",
                h.model_kind
            )),
        ),
    };
    let pv = &h.provenance;
    let none = || "–".to_string();
    ModelView {
        kind: h.model_kind.clone(),
        facts,
        changed,
        defaults_note,
        params: serde_json::to_string_pretty(&h.params)
            .unwrap_or_else(|e| format!("(cannot show the parameters: {e})")),
        metrics: h.metrics.iter().map(|(k, v)| pair(k, metric(*v))).collect(),
        metrics_on: h.metrics_on.clone(),
        members: h
            .member_metrics
            .iter()
            .map(|m| MemberView {
                name: m.name.clone(),
                kind: m.kind.clone(),
            })
            .collect(),
        member_rows: if h.member_metrics.is_empty() {
            Vec::new()
        } else {
            h.metrics
                .iter()
                .map(|(k, v)| MetricRow {
                    name: k.clone(),
                    values: std::iter::once(metric(*v))
                        .chain(
                            h.member_metrics
                                .iter()
                                .map(|m| m.metrics.get(k).map_or_else(String::new, |v| metric(*v))),
                        )
                        .collect(),
                })
                .collect()
        },
        provenance: vec![
            pair("satori version", &pv.library_version),
            pair("created at", pv.created_at.clone().unwrap_or_else(none)),
            pair("training data", pv.data_source.clone().unwrap_or_else(none)),
            pair("data fingerprint", &pv.data_fingerprint),
            pair("seed", pv.seed.to_string()),
        ],
        inputs: h
            .input_schema
            .columns
            .iter()
            .map(|c| pair(&c.name, c.kind.name()))
            .collect(),
        diagram: None,
    }
}
