//! The multi-task training flow: table → complete rows → holdout → preprocessing → network →
//! per-task scores and the model-file header.

use std::collections::BTreeMap;

use ndarray::{Array2, Axis};
use satori_core::{ColumnKind, Dataset, Error, Progress, Result, Schema, Target, Task};
use satori_data::{Column, Table, TargetSpec};
use serde::{Deserialize, Serialize};

use super::{FittedMultiTask, FittedTask, MULTITASK_KIND, MULTITASK_MODEL_NAMES, MultiTaskParams};
use crate::model_file::{FORMAT_VERSION, TaskHeader};
use crate::reference::{fingerprint, reference_stats};
use crate::{Evaluation, MetricSpec, ModelHeader, Provenance, evaluate_predictions};

/// What to train.
#[derive(Debug, Clone)]
pub struct MultiTaskRequest {
    /// The target columns, in head order (at least one; usually two or more).
    pub targets: Vec<String>,
    /// The `--model` name: `mlp` (or `multitask_mlp`); any other is an error.
    pub model: String,
    /// `path=value` overrides of [`MultiTaskParams`].
    pub overrides: Vec<(String, String)>,
    /// A parameter file's tree (see [`super::parse_params_file`]), applied before the
    /// overrides.
    pub pipeline: Option<serde_json::Value>,
    /// The holdout fraction (overridable as `holdout`).
    pub holdout: f64,
    /// The split seed (overridable as `seed`).
    pub seed: u64,
    /// Metrics to report per task beyond the task's defaults (a metric that does not fit a task
    /// is listed as undefined there).
    pub metrics: Vec<String>,
    /// The training file's name, for provenance.
    pub data_source: Option<String>,
    /// The time of training (RFC 3339), for provenance; the library reads no clock.
    pub created_at: Option<String>,
}

impl MultiTaskRequest {
    /// A request with defaults: `mlp`, a 20% holdout, seed 0.
    pub fn new(targets: Vec<String>) -> Self {
        MultiTaskRequest {
            targets,
            model: "mlp".into(),
            overrides: Vec::new(),
            pipeline: None,
            holdout: 0.2,
            seed: 0,
            metrics: Vec::new(),
            data_source: None,
            created_at: None,
        }
    }
}

/// One task's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskEvaluation {
    /// The target column.
    pub target: String,
    /// Its evaluation.
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// How the table's rows became training rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiTaskRows {
    /// Rows in the table.
    pub n_rows: usize,
    /// Rows missing each target, in target order (a row can miss several).
    pub missing_per_target: Vec<(String, usize)>,
    /// Rows dropped because at least one target was missing.
    pub dropped: usize,
    /// Columns that are not features, with the reason.
    pub excluded_columns: Vec<(String, String)>,
}

/// The result of multi-task training.
#[derive(Debug, Clone)]
pub struct MultiTaskOutcome {
    /// The model file's header.
    pub header: MultiTaskHeader,
    /// The fitted model.
    pub model: FittedMultiTask,
    /// The parameters used, after overrides.
    pub params: MultiTaskParams,
    /// How the rows were chosen.
    pub rows: MultiTaskRows,
    /// The classification target the holdout was stratified on, if any.
    pub stratified_on: Option<String>,
    /// Scores per task on the holdout, if rows were held out.
    pub holdout: Option<Vec<TaskEvaluation>>,
}

/// The header of a multi-task model file: the single-target header's fields (for a multi-task
/// model `target` lists the targets comma-separated, `task` and `classes` are the first task's,
/// `metrics` is empty and `model_kind` is [`MULTITASK_KIND`]) plus one entry per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiTaskHeader {
    /// The fields every model header has.
    #[serde(flatten)]
    pub base: ModelHeader,
    /// The tasks, in head order, with their holdout metrics.
    pub tasks: Vec<TaskHeader>,
}

/// The rows of `table` at `rows`, without the columns at `drop`.
fn subtable(table: &Table, rows: &[usize], keep_cols: &[usize]) -> Result<Table> {
    let columns = keep_cols
        .iter()
        .map(|&j| match &table.columns[j] {
            Column::Values(v) => Column::Values(rows.iter().map(|&r| v[r]).collect()),
            Column::Strings(v) => Column::Strings(rows.iter().map(|&r| v[r].clone()).collect()),
        })
        .collect();
    let schema = Schema::new(
        keep_cols
            .iter()
            .map(|&j| table.schema.columns[j].clone())
            .collect(),
    )?;
    Ok(Table {
        source: table.source.clone(),
        schema,
        columns,
        notes: Vec::new(),
        sparse: None,
    })
}

fn select_target(t: &Target, rows: &[usize]) -> Result<Target> {
    Ok(match t {
        Target::Continuous(y) => Target::regression(y.select(Axis(0), rows)),
        Target::Classes { codes, labels } => {
            Target::classes(codes.select(Axis(0), rows), labels.clone())?
        }
    })
}

/// The training dataset (features + the first target) and every target, on the rows that have
/// all targets.
struct Prepared {
    data: Dataset,
    targets: Vec<(String, Target)>,
    rows: MultiTaskRows,
}

fn prepare(table: &Table, names: &[String], forced: &[Option<Task>]) -> Result<Prepared> {
    let idx: Vec<usize> = names
        .iter()
        .map(|n| table.schema.require(n, &table.source))
        .collect::<Result<_>>()?;
    let n_rows = table.n_rows();
    let mut missing = vec![0usize; names.len()];
    let mut keep = Vec::with_capacity(n_rows);
    for r in 0..n_rows {
        let mut complete = true;
        for (k, &j) in idx.iter().enumerate() {
            if crate::evaluate::is_missing_cell(&table.columns[j], r) {
                missing[k] += 1;
                complete = false;
            }
        }
        if complete {
            keep.push(r);
        }
    }
    let missing_per_target: Vec<(String, usize)> = names.iter().cloned().zip(missing).collect();
    if keep.len() < 2 {
        let counts: Vec<String> = missing_per_target
            .iter()
            .map(|(n, m)| format!("`{n}` missing in {m}"))
            .collect();
        return Err(Error::NotEnoughSamples {
            context: format!(
                "multi-task training: rows of {} that have every target ({})",
                table.source,
                counts.join(", ")
            ),
            needed: 2,
            got: keep.len(),
        });
    }
    let mut excluded = Vec::new();
    let mut feature_cols = vec![idx[0]];
    for (j, c) in table.schema.columns.iter().enumerate() {
        if idx.contains(&j) {
            continue;
        }
        if matches!(c.kind, ColumnKind::Text) {
            excluded.push((
                c.name.clone(),
                "free text (multi-task networks read numeric and categorical columns)".into(),
            ));
        } else {
            feature_cols.push(j);
        }
    }
    let spec = |k: usize| TargetSpec {
        name: names[k].clone(),
        task: forced[k],
    };
    let (data, report) = subtable(table, &keep, &feature_cols)?.to_dataset(&spec(0))?;
    excluded.extend(report.excluded_columns);
    let mut targets = Vec::with_capacity(names.len());
    targets.push((names[0].clone(), data.require_target()?.clone()));
    for k in 1..names.len() {
        let (d, _) = subtable(table, &keep, &[idx[k]])?.to_dataset(&spec(k))?;
        targets.push((names[k].clone(), d.require_target()?.clone()));
    }
    if targets.iter().any(|(_, t)| t.len() != keep.len()) || data.n_samples() != keep.len() {
        return Err(Error::Internal(
            "a target lost rows after the complete rows were chosen".into(),
        ));
    }
    Ok(Prepared {
        data: data.with_target_name(names[0].clone()),
        targets,
        rows: MultiTaskRows {
            n_rows,
            missing_per_target,
            dropped: n_rows - keep.len(),
            excluded_columns: excluded,
        },
    })
}

/// Train one multi-task network on a table (see the module docs for the flow).
pub fn train_multitask(
    table: &Table,
    request: &MultiTaskRequest,
    progress: &dyn Progress,
) -> Result<MultiTaskOutcome> {
    if table.sparse.is_some() {
        return Err(Error::InvalidData(format!(
            "{}: multi-task training reads dense columns, and the LIBSVM features were read as a \
             sparse matrix",
            table.source
        )));
    }
    if !MULTITASK_MODEL_NAMES.contains(&request.model.as_str()) {
        return Err(Error::param(
            "--model",
            format!(
                "several targets ({}) are learned by one multi-task neural network: use --model mlp \
                 (`{}` takes one target; train one model per target instead)",
                request.targets.join(", "),
                request.model
            ),
        ));
    }
    if request.targets.is_empty() {
        return Err(Error::param("--target", "name at least one target"));
    }
    let names = &request.targets;
    let forced = super::params::forced_tasks(names, request.pipeline.as_ref(), &request.overrides)?;
    let prep = prepare(table, names, &forced)?;
    let params = MultiTaskParams::resolve(
        names,
        prep.data.features(),
        request.holdout,
        request.seed,
        request.pipeline.as_ref(),
        &request.overrides,
    )?;
    let (train_rows, test_rows, stratified_on) = split(&prep, &params)?;
    let train_data = prep.data.select_rows(&train_rows)?;
    let train_targets: Vec<(String, Target)> = prep
        .targets
        .iter()
        .map(|(n, t)| Ok((n.clone(), select_target(t, &train_rows)?)))
        .collect::<Result<_>>()?;
    let (steps, current) =
        crate::preprocessor::fit_steps(&train_data, &params.preprocessing, progress)?;
    progress.start(&format!("fitting {MULTITASK_KIND}"), None);
    let network = params
        .network(names)
        .fit_tasks_with_progress(&current, &train_targets, progress);
    progress.finish();
    let tasks: Vec<FittedTask> = prep
        .targets
        .iter()
        .map(|(n, t)| FittedTask {
            name: n.clone(),
            task: t.task(),
            classes: t.labels().map(<[String]>::to_vec),
        })
        .collect();
    let model = FittedMultiTask::new(prep.data.features().clone(), tasks, steps, network?)?;

    let spec = MetricSpec::from_names(&request.metrics, None)?;
    let holdout = if test_rows.is_empty() {
        None
    } else {
        let x = prep.data.x().select(Axis(0), &test_rows);
        let preds = model.predict_matrix(x.view())?;
        let evals = prep
            .targets
            .iter()
            .zip(preds)
            .map(|((name, t), p)| {
                let truth = select_target(t, &test_rows)?;
                Ok(TaskEvaluation {
                    target: name.clone(),
                    evaluation: evaluate_predictions(&truth, &p, None, &spec)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Some(evals)
    };
    let header = build_header(
        request,
        &params,
        &model,
        &prep,
        &train_data,
        holdout.as_deref(),
        test_rows.len(),
    )?;
    Ok(MultiTaskOutcome {
        header,
        model,
        params,
        rows: prep.rows,
        stratified_on,
        holdout,
    })
}

/// Training and holdout rows, and the target stratified on.
fn split(
    prep: &Prepared,
    params: &MultiTaskParams,
) -> Result<(Vec<usize>, Vec<usize>, Option<String>)> {
    let n = prep.data.n_samples();
    if params.holdout == 0.0 {
        return Ok(((0..n).collect(), Vec::new(), None));
    }
    let strat = params
        .stratify
        .then(|| {
            prep.targets
                .iter()
                .find(|(_, t)| t.task().is_classification())
        })
        .flatten();
    let (rows, stratified_on) = match strat {
        Some((name, target)) => {
            let d = Dataset::with_schema(Array2::zeros((n, 0)), Schema::new(Vec::new())?)?
                .with_target(target.clone())?;
            let split = satori_data::splits::train_test_split(&d, params.holdout, true, params.seed)
                .map_err(|e| match e {
                    Error::InvalidData(msg) => Error::InvalidData(format!(
                        "{msg} (stratifying on `{name}`; to split at random instead: --set stratify=false)"
                    )),
                    other => other,
                })?;
            (split, Some(name.clone()))
        }
        None => (
            satori_data::splits::train_test_split(&prep.data, params.holdout, false, params.seed)?,
            None,
        ),
    };
    let (train, test) = rows;
    if train.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "multi-task training rows after the holdout".into(),
            needed: 1,
            got: 0,
        });
    }
    Ok((train, test, stratified_on))
}

fn build_header(
    request: &MultiTaskRequest,
    params: &MultiTaskParams,
    model: &FittedMultiTask,
    prep: &Prepared,
    train_data: &Dataset,
    holdout: Option<&[TaskEvaluation]>,
    n_test: usize,
) -> Result<MultiTaskHeader> {
    let first = model
        .tasks()
        .first()
        .ok_or_else(|| Error::Internal("a multi-task model without tasks".into()))?;
    let tasks = model
        .tasks()
        .iter()
        .enumerate()
        .map(|(k, t)| TaskHeader {
            name: t.name.clone(),
            task: t.task,
            classes: t.classes.clone(),
            loss_weight: params.tasks.get(&t.name).map_or(1.0, |p| p.weight),
            missing_in_training_file: prep.rows.missing_per_target.get(k).map_or(0, |m| m.1) as u64,
            metrics: holdout
                .and_then(|h| h.get(k))
                .map(|e| e.evaluation.metrics.clone())
                .unwrap_or_default(),
        })
        .collect();
    let base = ModelHeader {
        format_version: FORMAT_VERSION,
        model_kind: MULTITASK_KIND.to_string(),
        task: first.task,
        target: request.targets.join(","),
        classes: first.classes.clone(),
        input_schema: model.input_schema().clone(),
        params: serde_json::to_value(params).map_err(|e| Error::Internal(e.to_string()))?,
        n_train_samples: train_data.n_samples() as u64,
        metrics: BTreeMap::new(),
        metrics_on: holdout
            .map(|_| format!("holdout ({:.0}%, {n_test} rows)", params.holdout * 100.0)),
        threshold: None,
        reference: reference_stats(train_data),
        provenance: Provenance {
            library_version: satori_core::VERSION.to_string(),
            created_at: request.created_at.clone(),
            data_source: request.data_source.clone(),
            data_fingerprint: fingerprint(train_data),
            seed: params.seed,
        },
        feature_importances: Vec::new(),
        training_history: Some(model.model().loss_curve().clone()),
        model_summary: Some(model.model().summary()),
        init_from: None,
    };
    Ok(MultiTaskHeader { base, tasks })
}
