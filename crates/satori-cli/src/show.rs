//! Printing what the commands report: evaluations, model-file headers, training summaries.
//! Shared by the commands, which never call each other.

use std::collections::BTreeMap;
use std::path::Path;

use satori_core::Progress;
use satori_pipeline::{MemberMetrics, ModelHeader, TaskHeader};
use satori_workflow::{Evaluation, TargetEvaluation};

use crate::output::{num, table};
use crate::progress::TermProgress;

/// `satori inspect` of a model file: one target or several.
pub fn print_header(path: &Path, h: &ModelHeader) {
    if h.is_multi_target() {
        return print_multi_header(path, h);
    }
    show!(
        "{}: satori model file, format {}",
        path.display(),
        h.format_version
    );
    show!("  model     {}", h.model_kind);
    show!("  task      {} (target `{}`)", h.task.name(), h.target);
    if let Some(c) = &h.classes {
        show!("  classes   {}", c.join(", "));
    }
    print_provenance(h);
    if !h.metrics.is_empty() {
        show!(
            "Metrics on {}:",
            h.metrics_on.as_deref().unwrap_or("training")
        );
        show!("{}", ensemble_metrics_table(&h.metrics, &h.member_metrics));
    }
    if let Some(a) = &h.input_anomaly {
        show!(
            "  anomaly   input anomaly detector: {} isolation trees on {} columns, anomalous \
             above {:.4} ({:.1}% of the {} training rows)",
            a.n_estimators,
            a.columns.len(),
            a.threshold,
            100.0 * a.reference_share,
            a.n_reference
        );
    }
    if let Some(c) = &h.compression {
        show!("Compressed from {}:", c.source);
        for line in satori_workflow::compress::report_lines(c) {
            show!("  {line}");
        }
    }
    print_model_details(h);
}

/// A table of metrics: one column of values, or for an ensemble the ensemble's column followed
/// by each member's own (measured alone on the same rows).
pub fn ensemble_metrics_table(
    metrics: &BTreeMap<String, f64>,
    members: &[MemberMetrics],
) -> comfy_table::Table {
    let mut header = vec![
        "metric",
        if members.is_empty() {
            "value"
        } else {
            "ensemble"
        },
    ];
    header.extend(members.iter().map(|m| m.name.as_str()));
    let mut t = table(&header);
    for (k, v) in metrics {
        let mut row = vec![k.clone(), num(*v)];
        row.extend(
            members
                .iter()
                .map(|m| m.metrics.get(k).map(|v| num(*v)).unwrap_or_default()),
        );
        t.add_row(row);
    }
    t
}

/// The header's training, provenance, steps and parameter lines.
pub fn print_provenance(h: &ModelHeader) {
    show!(
        "  trained   on {} rows; seed {}",
        h.n_train_samples,
        h.provenance.seed
    );
    show!(
        "  by        satori {}{}",
        h.provenance.library_version,
        h.provenance
            .created_at
            .as_ref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default()
    );
    if let Some(src) = &h.provenance.data_source {
        show!(
            "  data      {src} (fingerprint {})",
            h.provenance.data_fingerprint
        );
    }
    if let Some(steps) = h.params["preprocessing"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
        show!("  steps     {} → {}", names.join(" → "), h.model_kind);
    }
    if let Some(base) = &h.init_from {
        show!("  from      {base}");
    }
    if let Some(l) = &h.lineage {
        show!(
            "  lineage   update {} of {} ({}), {}; {} rows seen in all",
            l.update_count,
            l.parent,
            l.parent_sha256,
            l.mode,
            l.rows_seen
        );
        show!(
            "  gate      {}: {} {} (parent) → {} (update), tolerance {}, on {}",
            l.gate.decision,
            l.gate.metric,
            num(l.gate.champion),
            num(l.gate.challenger),
            num(l.gate.tolerance),
            l.gate.on
        );
    }
    if let Some(t) = &h.threshold {
        show!(
            "  threshold {} (tuned for {} = {})",
            num(t.threshold),
            t.metric,
            num(t.value)
        );
    }
    show!("  params    {}", h.params);
}

/// The model summary, training history, feature importances and input columns of a header.
pub fn print_model_details(h: &ModelHeader) {
    if let Some(summary) = &h.model_summary {
        show!("Model:");
        for line in summary.lines() {
            show!("  {line}");
        }
    }
    if let Some(hist) = &h.training_history {
        let last = |v: &[f64]| v.last().copied().map(num).unwrap_or_default();
        let valid = hist
            .valid
            .as_ref()
            .map(|v| format!(", validation {}", last(v)))
            .unwrap_or_default();
        show!(
            "Training history: {} iterations; final {} training {}{valid}",
            hist.train.len(),
            hist.metric,
            last(&hist.train)
        );
    }
    if !h.feature_importances.is_empty() {
        let shown = h.feature_importances.len().min(15);
        show!(
            "Feature importances (top {shown} of {}):",
            h.feature_importances.len()
        );
        let mut t = table(&["feature", "importance"]);
        for (name, v) in &h.feature_importances[..shown] {
            t.add_row(vec![name.clone(), num(*v)]);
        }
        show!("{t}");
    }
    show!("Input columns ({}):", h.input_schema.len());
    let mut t = table(&["column", "kind", "categories"]);
    for c in &h.input_schema.columns {
        let cats = c
            .kind
            .categories()
            .map(|c| c.join(", "))
            .unwrap_or_default();
        t.add_row(vec![c.name.clone(), c.kind.name().to_string(), cats]);
    }
    show!("{t}");
}

fn print_multi_header(path: &Path, h: &ModelHeader) {
    show!(
        "{}: satori model file, format {} ({} targets)",
        path.display(),
        h.format_version,
        h.tasks.len()
    );
    show!("  model     {}", h.model_kind);
    print_provenance(h);
    show!("Targets ({}):", h.tasks.len());
    let mut t = table(&[
        "target",
        "kind",
        "classes",
        "loss weight",
        "missing in training file",
    ]);
    for task in &h.tasks {
        t.add_row(vec![
            task.name.clone(),
            task.task.name().to_string(),
            task.classes
                .as_ref()
                .map(|c| c.join(", "))
                .unwrap_or_default(),
            num(task.loss_weight),
            task.missing_in_training_file.to_string(),
        ]);
    }
    show!("{t}");
    if h.tasks.iter().any(|t| !t.metrics.is_empty()) {
        show!(
            "Metrics on {}:",
            h.metrics_on.as_deref().unwrap_or("training")
        );
        show!(
            "{}",
            metrics_table(h.tasks.iter().map(|t| (&t.name, &t.metrics)))
        );
    }
    print_model_details(h);
}

/// A table of metrics per target.
pub fn metrics_table<'a>(
    targets: impl Iterator<Item = (&'a String, &'a BTreeMap<String, f64>)>,
) -> comfy_table::Table {
    let mut t = table(&["target", "metric", "value"]);
    for (target, metrics) in targets {
        for (k, v) in metrics {
            t.add_row(vec![target.clone(), k.clone(), num(*v)]);
        }
    }
    t
}

/// A target's task and classes, e.g. `binary (no, yes)`.
pub fn task_line(t: &TaskHeader) -> String {
    let classes = t
        .classes
        .as_ref()
        .map(|c| format!(" ({})", c.join(", ")))
        .unwrap_or_default();
    format!("{}{classes}", t.task.name())
}

/// Notes on the columns that are not features, with the reason.
pub fn note_excluded(columns: &[(String, String)], progress: &TermProgress) {
    for (col, why) in columns {
        progress.note(&format!("column `{col}` is not a feature: {why}"));
    }
}

/// The model with the preprocessing steps in front, from the parameter tree:
/// `one_hot_encoder → standard_scaler → mlp` (the model alone without steps).
pub fn model_chain(params: &serde_json::Value, model: &str) -> String {
    let steps: Vec<&str> = params["preprocessing"]
        .as_array()
        .map(|a| a.iter().filter_map(|st| st["step"].as_str()).collect())
        .unwrap_or_default();
    if steps.is_empty() {
        model.to_string()
    } else {
        format!("{} → {model}", steps.join(" → "))
    }
}

/// Print one evaluation per target: a target alone as it is, several under a heading each.
pub fn print_evaluations(evals: &[TargetEvaluation], progress: &TermProgress) {
    let several = evals.len() > 1;
    for (i, e) in evals.iter().enumerate() {
        if several {
            if i > 0 {
                show!();
            }
            show!("Target `{}`:", e.target);
        }
        print_evaluation(&e.evaluation, &e.target, progress);
    }
}

/// Print an evaluation as tables.
pub fn print_evaluation(e: &Evaluation, target: &str, progress: &TermProgress) {
    if e.dropped_missing_target > 0 {
        progress.note(&format!(
            "left out {} rows whose target `{target}` is missing",
            e.dropped_missing_target
        ));
    }
    show!("{} rows, target `{target}` ({})", e.n_rows, e.task.name());
    let mut t = table(&["metric", "value"]);
    for (k, v) in &e.metrics {
        t.add_row(vec![k.clone(), num(*v)]);
    }
    for (k, why) in &e.undefined {
        t.add_row(vec![k.clone(), format!("undefined: {why}")]);
    }
    show!("{t}");
    if let (Some(cm), Some(classes)) = (&e.confusion_matrix, &e.classes) {
        show!("Confusion matrix (rows: true class, columns: predicted):");
        let mut header = vec![String::from("true \\ predicted")];
        header.extend(classes.iter().cloned());
        let mut t = table(&[]);
        t.set_header(header);
        for (label, row) in classes.iter().zip(cm) {
            let mut cells = vec![label.clone()];
            cells.extend(row.iter().map(|v| num(*v)));
            t.add_row(cells);
        }
        show!("{t}");
    }
}

/// Warn on stderr (once per column; `-q` silences it) about categories of `table` that the model
/// with input schema `input` never saw in training — they are predicted as the model treats
/// unseen categories — or, with `strict` (`--strict`), fail with the same information.
pub fn check_unseen(
    table: &satori_data::Table,
    input: &satori_core::Schema,
    strict: bool,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let unseen = table.unseen_categories(input)?;
    if unseen.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = unseen.iter().map(|u| u.describe()).collect();
    if strict {
        return Err(satori_core::Error::InvalidData(format!(
            "{}: {} (--strict refuses categories the model never saw in training)",
            table.source,
            lines.join("; ")
        ))
        .into());
    }
    for line in lines {
        progress.say(&format!(
            "warning: {line}; they are predicted as the model treats unseen categories \
             (--strict makes this an error)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::model_chain;

    #[test]
    fn the_model_is_named_after_its_preprocessing_steps() {
        let params = serde_json::json!({
            "preprocessing": [{"step": "simple_imputer"}, {"step": "standard_scaler"}],
        });
        assert_eq!(
            model_chain(&params, "mlp"),
            "simple_imputer → standard_scaler → mlp"
        );
        let none = serde_json::json!({"preprocessing": []});
        assert_eq!(model_chain(&none, "gbm"), "gbm");
        assert_eq!(model_chain(&serde_json::json!({}), "gbm"), "gbm");
    }
}
