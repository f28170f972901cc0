//! The model file's header for a trained pipeline: provenance, metrics, importances, history.

use std::collections::BTreeMap;

use satori_core::{Dataset, Error, Result, Target};
use satori_pipeline::model_file::FORMAT_VERSION;
use satori_pipeline::{FittedPipeline, MemberMetrics, ModelHeader, Provenance, TaskHeader};

use crate::evaluate::TargetEvaluation;
use crate::params::TrainParams;
use crate::targets::RowsReport;

/// What the header records beyond the pipeline itself.
pub(crate) struct HeaderInputs<'a> {
    pub params: &'a TrainParams,
    pub train_data: &'a Dataset,
    pub evaluations: Option<&'a [TargetEvaluation]>,
    pub member_metrics: Vec<MemberMetrics>,
    pub metrics_on: Option<String>,
    pub rows: &'a RowsReport,
    pub data_source: Option<String>,
    pub created_at: Option<String>,
    pub init_from: Option<String>,
    /// The model's predictions the output references are measured on, and what rows they are.
    pub reference_predictions: Option<(&'a [satori_pipeline::Predictions], String)>,
}

/// Build the header of a freshly trained pipeline.
pub(crate) fn build(pipeline: &FittedPipeline, h: HeaderInputs<'_>) -> Result<ModelHeader> {
    let targets = pipeline.targets();
    let several = targets.len() > 1;
    let first = &targets[0];
    let metrics: BTreeMap<String, f64> = match h.evaluations {
        Some(e) if !several => e
            .first()
            .map(|t| t.evaluation.metrics.clone())
            .unwrap_or_default(),
        _ => BTreeMap::new(),
    };
    let tasks = if several {
        targets
            .iter()
            .enumerate()
            .map(|(k, t)| TaskHeader {
                name: t.name.clone(),
                task: t.task,
                classes: t.classes.clone(),
                loss_weight: h
                    .params
                    .pipeline
                    .tasks
                    .get(&t.name)
                    .map_or(1.0, |s| s.weight),
                missing_in_training_file: h.rows.missing_per_target.get(k).map_or(0, |m| m.1)
                    as u64,
                metrics: h
                    .evaluations
                    .and_then(|e| e.get(k))
                    .map(|e| e.evaluation.metrics.clone())
                    .unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ModelHeader {
        format_version: FORMAT_VERSION,
        model_kind: pipeline.model().kind().to_string(),
        task: first.task,
        target: pipeline.target_names().join(","),
        classes: first.classes.clone(),
        input_schema: pipeline.input_schema().clone(),
        params: serde_json::to_value(h.params).map_err(|e| Error::Internal(e.to_string()))?,
        n_train_samples: h.train_data.n_samples() as u64,
        metrics,
        metrics_on: h.evaluations.and(h.metrics_on),
        threshold: pipeline.threshold().cloned(),
        reference: satori_monitor::reference_stats(h.train_data),
        provenance: Provenance {
            library_version: satori_core::VERSION.to_string(),
            created_at: h.created_at,
            data_source: h.data_source,
            data_fingerprint: fingerprint(h.train_data),
            seed: h.params.pipeline.seed,
            data_checksum: None,
        },
        feature_importances: ranked_importances(pipeline),
        training_history: pipeline.model().training_history(),
        model_summary: summary_with_text(pipeline),
        init_from: h.init_from,
        tasks,
        member_metrics: h.member_metrics,
        prediction_reference: h
            .reference_predictions
            .as_ref()
            .map(|(p, _)| crate::monitor::prediction_reference(targets, p))
            .unwrap_or_default(),
        prediction_reference_on: h.reference_predictions.map(|(_, on)| on),
        lineage: None,
        input_anomaly: None,
        compression: None,
    })
}

/// The model's summary, preceded by a line per text column (how it reaches the model).
fn summary_with_text(pipeline: &FittedPipeline) -> Option<String> {
    let mut lines: Vec<String> = pipeline
        .text()
        .describe()
        .into_iter()
        .map(|l| format!("text {l}"))
        .collect();
    lines.extend(pipeline.model().summary());
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The model's feature importances by output column name, largest first.
fn ranked_importances(pipeline: &FittedPipeline) -> Vec<(String, f64)> {
    let Some(values) = pipeline.model().feature_importances() else {
        return Vec::new();
    };
    let names = pipeline.feature_names_out();
    let mut pairs: Vec<(String, f64)> = names.into_iter().zip(values).collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    pairs
}

/// A fingerprint of a feature matrix and its targets: CRC-32 of the feature bits, of the targets,
/// and the shape. Equal data gives equal fingerprints; it is no cryptographic hash.
pub fn fingerprint(data: &Dataset) -> String {
    let mut hx = crc32fast::Hasher::new();
    for v in data.x().iter() {
        hx.update(&v.to_bits().to_le_bytes());
    }
    let mut hy = crc32fast::Hasher::new();
    for target in data.targets() {
        match target {
            Target::Continuous(y) => y.iter().for_each(|v| hy.update(&v.to_bits().to_le_bytes())),
            Target::Classes { codes, labels } => {
                codes
                    .iter()
                    .for_each(|c| hy.update(&(*c as u64).to_le_bytes()));
                labels.iter().for_each(|l| hy.update(l.as_bytes()));
            }
        }
    }
    format!(
        "{}x{}-{:08x}-{:08x}",
        data.n_samples(),
        data.n_features(),
        hx.finalize(),
        hy.finalize()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn fingerprints_tell_data_apart() {
        let d = Dataset::new(array![[1.0], [f64::NAN], [3.0]], vec!["a".into()]).unwrap();
        let d2 = Dataset::new(array![[1.0], [f64::NAN], [3.5]], vec!["a".into()]).unwrap();
        assert_ne!(fingerprint(&d), fingerprint(&d2));
        assert_eq!(fingerprint(&d), fingerprint(&d.clone()));
        let y = d
            .clone()
            .with_target(Target::regression(array![1.0, 2.0, 3.0]))
            .unwrap();
        assert_ne!(fingerprint(&d), fingerprint(&y));
    }
}
