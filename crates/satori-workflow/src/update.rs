//! The update flow behind `satori update model.satori new.csv --out next.satori`: a saved model
//! learns from new rows without being retrained from scratch, and the result replaces it only if
//! a champion/challenger gate says it is not worse.
//!
//! 1. The new rows are read against the model's input schema (other columns are an error naming
//!    them) and its classes; with `time_column` they are ordered by time.
//! 2. Gate rows: the `validation` table, or the most recent `holdout` fraction of the new rows
//!    (with a time column) or a seeded random holdout of them (stratified for classes).
//! 3. The training rows may be cut to a sliding window of the most recent `window` rows, and
//!    weighted by age with a half-life (`weights = 0.5^(age / half_life)`).
//! 4. The model is updated by its mode ([`UpdateKind`]): boosting adds trees or refits leaf
//!    values, forests slide their window of trees, networks and SGD learners make `partial_fit`
//!    passes (the same continuation as `satori train --continue-from`).
//! 5. With `blend = auto` (boosting, `add-trees`), the new trees' weight `w` in `parent + w ·
//!    new` is chosen on the first half of the gate rows, and the gate scores the second half.
//! 6. The gate scores the parent (champion) and the update (challenger) with one metric; the
//!    update is accepted if it is not worse by more than `tolerance`. The outcome carries both
//!    scores and the new model's header with its [`Lineage`].

use satori_core::{Dataset, Error, Progress, Result, Target, Task};
use satori_data::splits::train_test_split;
use satori_data::{Column, Table, TargetSpec};
use satori_metrics::metric_by_name;
use satori_pipeline::model_file::{GateRecord, Lineage};
use satori_pipeline::resume::{ContinueFrom, fit_continue, recode_target};
use satori_pipeline::transfer::recode_to;
use satori_pipeline::update::{
    UpdateMode, boosting_rounds, forest_size, kinds_for_mode, modes_for_kind, scale_added_rounds,
    update_model,
};
use satori_pipeline::{FittedPipeline, ModelHeader};

use crate::evaluate::{MetricSpec, TargetEvaluation, evaluate_predictions};
use crate::header::{HeaderInputs, build};
use crate::params::{TargetInfo, TrainParams};
use crate::stopping::apply_front_end_defaults;
use crate::targets::{Prepared, prepare};

/// The update modes, as `--mode` names them. Without one, a model takes its family's first
/// (boosting: add-trees; forests: window; networks and SGD: partial-fit; a baseline such as a
/// cold-start model: retrain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// Boosting: more rounds on the new rows, from the model's own scores.
    AddTrees,
    /// Boosting: leaf values refitted on the new rows with a decay rate.
    Refit,
    /// Networks and SGD learners: `partial_fit` passes from the current weights.
    PartialFit,
    /// Forests: trees grown on the new rows replace the oldest.
    Window,
    /// Any model: a new model trained on the new rows alone, gated against the parent (the
    /// first real model after a cold start, or a full retrain as the challenger).
    Retrain,
}

impl UpdateKind {
    /// The mode named on the command line.
    pub fn parse(name: &str) -> Result<UpdateKind> {
        match name {
            "add-trees" => Ok(UpdateKind::AddTrees),
            "refit" => Ok(UpdateKind::Refit),
            "partial-fit" => Ok(UpdateKind::PartialFit),
            "window" => Ok(UpdateKind::Window),
            "retrain" => Ok(UpdateKind::Retrain),
            other => Err(Error::param(
                "--mode",
                format!("unknown mode `{other}`: add-trees, refit, partial-fit, window or retrain"),
            )),
        }
    }

    /// The `--mode` name.
    pub fn name(self) -> &'static str {
        match self {
            UpdateKind::AddTrees => "add-trees",
            UpdateKind::Refit => "refit",
            UpdateKind::PartialFit => "partial-fit",
            UpdateKind::Window => "window",
            UpdateKind::Retrain => "retrain",
        }
    }
}

/// How ages are measured for the sample-weight decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HalfLife(pub f64);

impl HalfLife {
    /// `30d`, `12h`, `15m`, `45s`, `2w` (a time column of dates: seconds) or a plain positive
    /// number (the time column's units, or rows without a time column).
    pub fn parse(text: &str) -> Result<HalfLife> {
        let t = text.trim();
        let (num, unit) = match t.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], Some(c)),
            _ => (t, None),
        };
        let scale = match unit {
            None => 1.0,
            Some('s') => 1.0,
            Some('m') => 60.0,
            Some('h') => 3600.0,
            Some('d') => 86_400.0,
            Some('w') => 604_800.0,
            Some(u) => {
                return Err(Error::param(
                    "--half-life",
                    format!("unknown unit `{u}` in `{text}`: use s, m, h, d or w, or a number"),
                ));
            }
        };
        match num.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(HalfLife(v * scale)),
            _ => Err(Error::param(
                "--half-life",
                format!("must be a positive number with an optional unit (30d, 12h), got `{text}`"),
            )),
        }
    }
}

/// Combining the parent and the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blend {
    /// The update as it is.
    None,
    /// The weight of the new trees chosen on half the gate rows (boosting, add-trees).
    Auto,
}

/// What to update, how, and how to judge it.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// The saved model.
    pub parent: FittedPipeline,
    /// Its header.
    pub parent_header: ModelHeader,
    /// `sha256:<hex>` of its file.
    pub parent_sha256: String,
    /// Its file name, for messages and the lineage.
    pub parent_source: String,
    /// The mode; `None` picks the model's first (boosting: add-trees; forests: window;
    /// networks and SGD: partial-fit).
    pub mode: Option<UpdateKind>,
    /// add-trees: rounds to add (default: a tenth of the model's rounds, at least 10).
    pub rounds: Option<usize>,
    /// refit: the weight of the old leaf values (LightGBM's default 0.9).
    pub decay: f64,
    /// window: trees to replace (default: a quarter of the forest, at least 1).
    pub trees: Option<usize>,
    /// partial-fit: epochs or passes.
    pub epochs: usize,
    /// retrain: the `--model` name to train (default `gbm`).
    pub retrain_model: Option<String>,
    /// Fraction of the new rows held out for the gate (without `validation`).
    pub holdout: f64,
    /// A gate table, read with the model's read options.
    pub validation: Option<Table>,
    /// The largest loss on the gate metric accepted.
    pub tolerance: f64,
    /// The gate metric (a scorer name); default: ROC-AUC (binary), log-loss (multiclass), RMSE
    /// (regression), accuracy for a classifier without probabilities.
    pub metric: Option<String>,
    /// Blend the update with its parent.
    pub blend: Blend,
    /// Train on the most recent N new rows only.
    pub window: Option<usize>,
    /// A column that orders the rows in time (numbers or dates); it need not be a model input.
    pub time_column: Option<String>,
    /// Weight the training rows by age with this half-life.
    pub half_life: Option<HalfLife>,
    /// The seed of the holdout and of the new trees.
    pub seed: u64,
    /// The new rows' file name, for provenance.
    pub data_source: Option<String>,
    /// The time of the update (RFC 3339), for provenance.
    pub created_at: Option<String>,
}

impl UpdateRequest {
    /// A request with the defaults: the model's first mode, a 20% holdout, tolerance 0.002,
    /// refit decay 0.9, one epoch, no blend, no window.
    pub fn new(
        parent: FittedPipeline,
        parent_header: ModelHeader,
        parent_sha256: String,
        parent_source: String,
    ) -> Self {
        UpdateRequest {
            parent,
            parent_header,
            parent_sha256,
            parent_source,
            mode: None,
            rounds: None,
            decay: 0.9,
            trees: None,
            epochs: 1,
            retrain_model: None,
            holdout: 0.2,
            validation: None,
            tolerance: 0.002,
            metric: None,
            blend: Blend::None,
            window: None,
            time_column: None,
            half_life: None,
            seed: 0,
            data_source: None,
            created_at: None,
        }
    }
}

/// The result of an update.
#[derive(Debug, Clone)]
pub struct UpdateOutcome {
    /// The updated model's header (its `lineage` records the gate).
    pub header: ModelHeader,
    /// The updated model.
    pub pipeline: FittedPipeline,
    /// Whether the gate accepted it.
    pub accepted: bool,
    /// The gate's record (also in the header's lineage).
    pub gate: GateRecord,
    /// The mode used.
    pub mode: UpdateKind,
    /// The mode with its settings, as recorded.
    pub mode_detail: String,
    /// Rows the update trained on.
    pub n_train: usize,
    /// Gate rows scored.
    pub n_gate: usize,
    /// The blend weight chosen, with `blend = auto`.
    pub blend_weight: Option<f64>,
    /// The updated model's scores on the gate rows.
    pub evaluation: Option<TargetEvaluation>,
}

/// The gate metric's default for a task (for a classifier without probabilities, such as a
/// hinge-loss SGD learner: accuracy).
pub fn default_gate_metric(task: Task) -> &'static str {
    match task {
        Task::Binary => "roc_auc",
        Task::Multiclass => "log_loss",
        Task::Regression => "rmse",
    }
}

/// The values of the time column (numbers, or dates as seconds), and the table without it when
/// it is not one of the model's inputs.
fn take_time_column(
    table: &Table,
    name: &str,
    parent: &FittedPipeline,
) -> Result<(Vec<f64>, Table)> {
    let (schema, column) = table.column(name)?;
    let values: Vec<f64> = match column {
        Column::Values(v) => v.clone(),
        // Increasing whole numbers read as identifiers: their text is the time.
        Column::Strings(v) => v
            .iter()
            .enumerate()
            .map(
                |(i, cell)| match cell.as_deref().map(|c| c.trim().parse::<f64>()) {
                    Some(Ok(x)) if x.is_finite() => Ok(x),
                    _ => Err(Error::InvalidData(format!(
                        "--time-column `{name}` of {} holds `{}` at data row {}: it must hold \
                     numbers or dates ({} column)",
                        table.source,
                        cell.as_deref().unwrap_or(""),
                        i + 1,
                        schema.kind.name()
                    ))),
                },
            )
            .collect::<Result<_>>()?,
    };
    if let Some(i) = values.iter().position(|v| v.is_nan()) {
        return Err(Error::InvalidData(format!(
            "--time-column `{name}` of {} is missing at data row {}",
            table.source,
            i + 1
        )));
    }
    if parent.input_schema().position(name).is_some() {
        return Ok((values, table.clone()));
    }
    let keep: Vec<usize> = (0..table.schema.len())
        .filter(|&j| table.schema.columns[j].name != name)
        .collect();
    let rest = Table {
        source: table.source.clone(),
        schema: satori_core::Schema::new(
            keep.iter()
                .map(|&j| table.schema.columns[j].clone())
                .collect(),
        )?,
        columns: keep.iter().map(|&j| table.columns[j].clone()).collect(),
        notes: table.notes.clone(),
        sparse: table.sparse.clone(),
    };
    Ok((values, rest))
}

/// A table's rows that have the target, as the model's dataset, and those rows' indices.
fn model_dataset(
    table: &Table,
    parent: &FittedPipeline,
    source: &str,
    what: &str,
) -> Result<(Dataset, Vec<usize>, crate::targets::RowsReport)> {
    let target = parent.target_names()[0].to_string();
    if table.schema.position(&target).is_none() {
        return Err(Error::InvalidData(format!(
            "{what} {} has no column `{target}`, the target of {source}: the {what} needs the \
             target to score or learn from",
            table.source
        )));
    }
    let spec = TargetSpec {
        name: target,
        task: Some(parent.task()),
    };
    let Prepared { data, rows, report } = prepare(table, &[spec])?;
    let data = match parent.classes() {
        Some(classes) => {
            let t = recode_target(data.require_target()?, classes, source)?;
            data.with_target(t)?
        }
        None => data,
    };
    let data = recode_to(&data, parent.input_schema(), source).map_err(|e| match e {
        Error::InvalidData(m) => Error::InvalidData(format!("{what} {}: {m}", table.source)),
        other => other,
    })?;
    if data.n_samples() == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("{what} {} (rows with a target)", table.source),
            needed: 1,
            got: 0,
        });
    }
    Ok((data, rows, report))
}

/// Update `request.parent` on the rows of `table`.
pub fn update(
    table: &Table,
    request: &UpdateRequest,
    progress: &dyn Progress,
) -> Result<UpdateOutcome> {
    let parent = &request.parent;
    let source = request.parent_source.as_str();
    if parent.targets().len() != 1 {
        return Err(Error::param(
            "satori update",
            format!("{source} has several targets; updates take a single-target model"),
        ));
    }
    let kind_name = parent.model().kind();
    let mode = match request.mode {
        Some(m) => m,
        None => match modes_for_kind(kind_name).first() {
            Some(m) => UpdateKind::parse(m)?,
            // A baseline (a cold-start model) learns nothing from rows: the first real model
            // replaces it.
            None if kind_name.starts_with("dummy_") => UpdateKind::Retrain,
            None => {
                return Err(Error::param(
                    "--mode",
                    format!(
                        "{source} holds a {kind_name}, which has no incremental update; models \
                         that update: {} (add-trees, refit), {} (window), {} (partial-fit); \
                         --mode retrain trains a new model on the new rows (--model NAME)",
                        kinds_for_mode("add-trees").join(", "),
                        kinds_for_mode("window").join(", "),
                        kinds_for_mode("partial-fit").join(", ")
                    ),
                ));
            }
        },
    };
    if mode != UpdateKind::Retrain && !modes_for_kind(kind_name).contains(&mode.name()) {
        let applies = modes_for_kind(kind_name);
        return Err(Error::param(
            "--mode",
            format!(
                "{} does not apply to {source}, a {kind_name} ({} updates {}); {}",
                mode.name(),
                mode.name(),
                kinds_for_mode(mode.name()).join(", "),
                if applies.is_empty() {
                    format!("a {kind_name} has no incremental update: retrain it on all the rows")
                } else {
                    format!(
                        "for a {kind_name} use --mode {}",
                        applies.join(" or --mode ")
                    )
                }
            ),
        ));
    }
    if request.blend == Blend::Auto && mode != UpdateKind::AddTrees {
        return Err(Error::param(
            "--blend",
            format!(
                "auto blends the trees an add-trees update adds with its parent's (a sum of \
                 boosting models); --mode {} has no blend (use --blend none)",
                mode.name()
            ),
        ));
    }
    if !(request.tolerance.is_finite() && request.tolerance >= 0.0) {
        return Err(Error::param(
            "--tolerance",
            format!("must be a finite number ≥ 0, got {}", request.tolerance),
        ));
    }
    let task = parent.task();

    // 1. The new rows, against the model's schema, in time order.
    let (times, table) = match &request.time_column {
        Some(name) => {
            let (t, rest) = take_time_column(table, name, parent)?;
            (Some(t), rest)
        }
        None => (None, table.clone()),
    };
    let (data, table_rows, report) = model_dataset(&table, parent, source, "the new data")?;
    let times: Option<Vec<f64>> = times.map(|t| table_rows.iter().map(|&r| t[r]).collect());
    let order: Vec<usize> = match &times {
        Some(t) => {
            let mut o: Vec<usize> = (0..data.n_samples()).collect();
            o.sort_by(|&a, &b| t[a].total_cmp(&t[b]).then(a.cmp(&b)));
            o
        }
        None => (0..data.n_samples()).collect(),
    };

    // 2. Gate rows.
    let (mut train_pos, gate, gate_on): (Vec<usize>, Dataset, String) = match &request.validation {
        Some(v) => {
            let (g, _, _) = model_dataset(v, parent, source, "the gate file")?;
            let n = g.n_samples();
            (
                order.clone(),
                g,
                format!("gate file {} ({n} rows)", v.source),
            )
        }
        None => {
            if !(request.holdout > 0.0 && request.holdout < 1.0) {
                return Err(Error::param(
                    "--holdout",
                    format!(
                        "the gate needs rows: a fraction in (0, 1) of the new rows, or --valid \
                         FILE; got {}",
                        request.holdout
                    ),
                ));
            }
            match &times {
                Some(_) => {
                    let n = order.len();
                    let n_gate = ((n as f64) * request.holdout).round().max(1.0) as usize;
                    if n_gate >= n {
                        return Err(Error::NotEnoughSamples {
                            context: "new rows for training and the gate".into(),
                            needed: 2,
                            got: n,
                        });
                    }
                    let (tr, te) = order.split_at(n - n_gate);
                    let gate = data.select_rows(te)?;
                    (
                        tr.to_vec(),
                        gate,
                        format!(
                            "the most recent {:.0}% of the new rows ({} rows)",
                            request.holdout * 100.0,
                            te.len()
                        ),
                    )
                }
                None => {
                    let stratify = task.is_classification();
                    let (tr, te) = train_test_split(&data, request.holdout, stratify, request.seed)
                        .or_else(|_| {
                            train_test_split(&data, request.holdout, false, request.seed)
                        })?;
                    let gate = data.select_rows(&te)?;
                    (
                        tr,
                        gate,
                        format!(
                            "holdout of the new rows ({:.0}%, {} rows)",
                            request.holdout * 100.0,
                            te.len()
                        ),
                    )
                }
            }
        }
    };
    if times.is_none() {
        train_pos.sort_unstable();
    } else {
        let rank: Vec<usize> = {
            let mut r = vec![0; order.len()];
            for (k, &i) in order.iter().enumerate() {
                r[i] = k;
            }
            r
        };
        train_pos.sort_by_key(|&i| rank[i]);
    }

    // Whether the parent gives probabilities (a hinge-loss SGD learner does not).
    let with_proba = parent.predict_dataset_all(&gate)?.remove(0).proba.is_some();
    let metric_name = request.metric.clone().unwrap_or_else(|| {
        if task.is_classification() && !with_proba {
            // ROC-AUC and log-loss need probabilities this model does not give.
            "accuracy".to_string()
        } else {
            default_gate_metric(task).to_string()
        }
    });
    let metric = metric_by_name(&metric_name)?;

    // 3. Window and age weights (train_pos is oldest first).
    if let Some(n) = request.window {
        if n == 0 {
            return Err(Error::param("--window", "must be at least 1 row, got 0"));
        }
        if train_pos.len() > n {
            train_pos.drain(..train_pos.len() - n);
        }
    }
    if train_pos.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "new rows to learn from after the gate's rows".into(),
            needed: 1,
            got: 0,
        });
    }
    let mut train = data.select_rows(&train_pos)?;
    if let Some(h) = request.half_life {
        let ages: Vec<f64> = match &times {
            Some(t) => {
                let newest = train_pos
                    .iter()
                    .map(|&i| t[i])
                    .fold(f64::NEG_INFINITY, f64::max);
                train_pos.iter().map(|&i| newest - t[i]).collect()
            }
            None => (0..train_pos.len()).rev().map(|a| a as f64).collect(),
        };
        let base = train.weights_or_ones();
        let w: ndarray::Array1<f64> = ages
            .iter()
            .zip(base.iter())
            .map(|(a, b)| b * 0.5f64.powf(a / h.0))
            .collect();
        train = train.with_weights(w)?;
    }

    // 4. The update.
    let params: TrainParams = serde_json::from_value(request.parent_header.params.clone())
        .map_err(|e| {
            Error::InvalidData(format!(
                "{source}: its training parameters do not read: {e}"
            ))
        })?;
    let mut header_params = params.clone();
    let (candidate, mut detail) = match mode {
        UpdateKind::Retrain => {
            let name = request
                .retrain_model
                .clone()
                .unwrap_or_else(|| "gbm".into());
            let infos = [TargetInfo {
                name: parent.target_names()[0].to_string(),
                task,
            }];
            let mut p = TrainParams::resolve(
                &name,
                &infos,
                train.features(),
                0.0,
                request.seed,
                None,
                &[],
            )?;
            apply_front_end_defaults(&mut p, None, &[], false, &train)?;
            let fitted = p.pipeline.fit_with_validation(&train, None, progress)?;
            header_params = p;
            (fitted, format!("retrain ({name})"))
        }
        UpdateKind::PartialFit => {
            let cont = ContinueFrom {
                pipeline: parent.clone(),
                params: request.parent_header.params.clone(),
                source: source.to_string(),
                epochs: request.epochs,
            };
            (
                fit_continue(&train, &cont, progress)?,
                format!("partial-fit ({} epochs)", request.epochs),
            )
        }
        UpdateKind::AddTrees => {
            let have = boosting_rounds(parent).unwrap_or(0);
            let rounds = request.rounds.unwrap_or((have / 10).max(10));
            if rounds == 0 {
                return Err(Error::param("--rounds", "must be at least 1, got 0"));
            }
            let m = UpdateMode::AddTrees { rounds };
            (
                update_model(parent, &params.pipeline.model, &train, m, source, progress)?,
                format!("add-trees ({rounds} rounds)"),
            )
        }
        UpdateKind::Refit => {
            let m = UpdateMode::Refit {
                decay: request.decay,
            };
            (
                update_model(parent, &params.pipeline.model, &train, m, source, progress)?,
                format!("refit (decay rate {})", request.decay),
            )
        }
        UpdateKind::Window => {
            let size = forest_size(parent).unwrap_or(0);
            let trees = request.trees.unwrap_or((size / 4).max(1));
            let count = request
                .parent_header
                .lineage
                .as_ref()
                .map_or(0, |l| l.update_count);
            let m = UpdateMode::Window {
                trees,
                seed: satori_core::rng::derive_seed(request.seed, count + 1),
            };
            (
                update_model(parent, &params.pipeline.model, &train, m, source, progress)?,
                format!("window ({trees} of {size} trees replaced)"),
            )
        }
    };

    // 5. Blend, on the first half of the gate rows.
    let truth = &gate.targets()[0];
    let spec = MetricSpec {
        extra: vec![metric_by_name(&metric_name)?],
    };
    let score_on = |p: &FittedPipeline, d: &Dataset| -> Result<f64> {
        let preds = p.predict_dataset_all(d)?.remove(0);
        let e = evaluate_predictions(&d.targets()[0], &preds, d.weights(), &spec)?;
        e.metrics.get(&metric.name()).copied().ok_or_else(|| {
            Error::InvalidData(format!(
                "the gate metric {} is undefined on the gate rows: {}",
                metric.name(),
                e.undefined.get(&metric.name()).cloned().unwrap_or_default()
            ))
        })
    };
    let better = |a: f64, b: f64| {
        if metric.greater_is_better() {
            a > b
        } else {
            a < b
        }
    };
    let (candidate, blend_weight, judged) = match request.blend {
        Blend::None => (candidate, None, gate.clone()),
        Blend::Auto => {
            let n = gate.n_samples();
            if n < 4 {
                return Err(Error::NotEnoughSamples {
                    context: "gate rows to choose a blend weight on half and gate on the other"
                        .into(),
                    needed: 4,
                    got: n,
                });
            }
            let (choose_pos, judge_pos) = halves(truth, n);
            let choose = gate.select_rows(&choose_pos)?;
            let judge = gate.select_rows(&judge_pos)?;
            let first = boosting_rounds(parent).unwrap_or(0);
            let mut best: Option<(f64, f64, FittedPipeline)> = None;
            for k in 0..=10 {
                let w = f64::from(k) / 10.0;
                let p = scale_added_rounds(&candidate, first, w)?;
                let s = score_on(&p, &choose)?;
                if best.as_ref().is_none_or(|b| better(s, b.0)) {
                    best = Some((s, w, p));
                }
            }
            let Some((_, w, p)) = best else {
                return Err(Error::Internal("no blend weight scored".into()));
            };
            detail = format!(
                "{detail}, blend weight {w} chosen on {} gate rows",
                choose.n_samples()
            );
            (p, Some(w), judge)
        }
    };

    // 6. The gate.
    let champion = score_on(parent, &judged)?;
    let challenger = score_on(&candidate, &judged)?;
    let loss = if metric.greater_is_better() {
        champion - challenger
    } else {
        challenger - champion
    };
    let accepted = loss <= request.tolerance;
    let on = if blend_weight.is_some() {
        format!("{gate_on}, its second half ({} rows)", judged.n_samples())
    } else {
        gate_on.clone()
    };
    let gate_record = GateRecord {
        decision: if accepted { "accepted" } else { "rejected" }.to_string(),
        metric: metric.name(),
        greater_is_better: metric.greater_is_better(),
        champion,
        challenger,
        tolerance: request.tolerance,
        on: on.clone(),
    };
    let full_spec = MetricSpec {
        extra: vec![metric_by_name(&metric_name)?],
    };
    let preds = candidate.predict_dataset_all(&judged)?;
    let evaluation = TargetEvaluation {
        target: parent.target_names()[0].to_string(),
        evaluation: evaluate_predictions(
            &judged.targets()[0],
            &preds[0],
            judged.weights(),
            &full_spec,
        )?,
    };
    let evaluations = vec![evaluation.clone()];
    let mut header = build(
        &candidate,
        HeaderInputs {
            params: &header_params,
            train_data: &train,
            evaluations: Some(&evaluations),
            member_metrics: Vec::new(),
            metrics_on: Some(on.clone()),
            rows: &report,
            data_source: request.data_source.clone(),
            created_at: request.created_at.clone(),
            init_from: None,
            reference_predictions: Some((preds.as_slice(), on)),
        },
    )?;
    let parent_seen = request
        .parent_header
        .lineage
        .as_ref()
        .map_or(request.parent_header.n_train_samples, |l| l.rows_seen);
    header.lineage = Some(Lineage {
        parent_sha256: request.parent_sha256.clone(),
        parent: source.to_string(),
        rows_seen: parent_seen + train.n_samples() as u64,
        update_count: request
            .parent_header
            .lineage
            .as_ref()
            .map_or(0, |l| l.update_count)
            + 1,
        mode: detail.clone(),
        gate: gate_record.clone(),
    });
    Ok(UpdateOutcome {
        header,
        pipeline: candidate,
        accepted,
        gate: gate_record,
        mode,
        mode_detail: detail,
        n_train: train.n_samples(),
        n_gate: judged.n_samples(),
        blend_weight,
        evaluation: Some(evaluation),
    })
}

/// The gate rows split in two halves, alternating within each class (classification) so both
/// halves hold every class the gate holds.
fn halves(truth: &Target, n: usize) -> (Vec<usize>, Vec<usize>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    match truth {
        Target::Classes { codes, labels } => {
            for c in 0..labels.len() {
                let rows = (0..n).filter(|&i| codes[i] == c);
                for (k, i) in rows.enumerate() {
                    if k % 2 == 0 { a.push(i) } else { b.push(i) }
                }
            }
            a.sort_unstable();
            b.sort_unstable();
        }
        Target::Continuous(_) => {
            for i in 0..n {
                if i % 2 == 0 { a.push(i) } else { b.push(i) }
            }
        }
    }
    (a, b)
}

/// `sha256:<hex>` of bytes (the lineage's parent hash).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// What a cold-start model predicts before any row exists.
#[derive(Debug, Clone, PartialEq)]
pub enum ColdStart {
    /// Classification: the classes (two: binary, more: multiclass) and their prior
    /// probabilities (positive; normalised to sum to 1), predicted for every row.
    Priors {
        /// The class labels, in any order (stored sorted, as a trained model's).
        classes: Vec<String>,
        /// One prior per class, in the order of `classes`.
        priors: Vec<f64>,
    },
    /// Regression: this value for every row.
    Constant(f64),
}

/// A model that serves before any row exists (`satori init`): the input columns of `schema`
/// (as a trained model's input schema: predictions read rows by these names and kinds), the
/// target `target`, and the baseline's answer. It is a `dummy_classifier` with the given class
/// priors (`strategy = "prior"`) or a `dummy_regressor` predicting the constant; its header
/// records no training rows, no metrics and no drift reference. `satori update --mode retrain`
/// (or `--repository`) replaces it by the first model trained on real rows that passes the
/// gate.
pub fn cold_start(
    schema: satori_core::Schema,
    target: &str,
    what: &ColdStart,
    created_at: Option<String>,
) -> Result<(ModelHeader, FittedPipeline)> {
    use satori_core::ColumnKind;
    if schema.is_empty() {
        return Err(Error::param(
            "--schema",
            "lists no input columns; a cold-start model needs the columns its requests will carry",
        ));
    }
    if schema.position(target).is_some() {
        return Err(Error::param(
            "--schema",
            format!("lists the target `{target}` among the input columns; leave it out"),
        ));
    }
    for c in &schema.columns {
        if matches!(c.kind, ColumnKind::Text | ColumnKind::Identifier) {
            return Err(Error::param(
                "--schema",
                format!(
                    "column `{}` is {}: a cold-start model takes numeric, integer, boolean, \
                     categorical and datetime columns",
                    c.name,
                    c.kind.name()
                ),
            ));
        }
    }
    let nf = schema.len();
    let (data, task, description) = match what {
        ColdStart::Priors { classes, priors } => {
            if classes.len() < 2 {
                return Err(Error::param(
                    "--classes",
                    format!(
                        "a classifier needs at least two classes, got {}",
                        classes.len()
                    ),
                ));
            }
            if priors.len() != classes.len() {
                return Err(Error::param(
                    "--priors",
                    format!(
                        "one prior per class: {} classes and {} priors",
                        classes.len(),
                        priors.len()
                    ),
                ));
            }
            if let Some(p) = priors.iter().find(|p| !(p.is_finite() && **p > 0.0)) {
                return Err(Error::param(
                    "--priors",
                    format!("every prior must be a positive number, got {p}"),
                ));
            }
            let mut pairs: Vec<(String, f64)> = classes
                .iter()
                .cloned()
                .zip(priors.iter().copied())
                .collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(Error::param(
                    "--classes",
                    format!("class `{}` is listed twice", w[0].0),
                ));
            }
            let total: f64 = pairs.iter().map(|p| p.1).sum();
            let labels: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
            let k = labels.len();
            let target_values = Target::classes((0..k).collect(), labels.clone())?;
            let weights: ndarray::Array1<f64> = pairs.iter().map(|p| p.1 / total).collect();
            let x = ndarray::Array2::<f64>::from_elem((k, nf), f64::NAN);
            let data = Dataset::with_schema(x, schema.clone())?
                .with_targets(vec![(target.to_string(), target_values)])?
                .with_weights(weights)?;
            let task = if k == 2 {
                Task::Binary
            } else {
                Task::Multiclass
            };
            let desc = pairs
                .iter()
                .map(|(c, p)| format!("{c} {}", p / total))
                .collect::<Vec<_>>()
                .join(", ");
            (data, task, format!("cold start: class priors {desc}"))
        }
        ColdStart::Constant(v) => {
            if !v.is_finite() {
                return Err(Error::param(
                    "--constant",
                    format!("must be a finite number, got {v}"),
                ));
            }
            let x = ndarray::Array2::<f64>::from_elem((1, nf), f64::NAN);
            let data = Dataset::with_schema(x, schema.clone())?.with_targets(vec![(
                target.to_string(),
                Target::regression(ndarray::Array1::from(vec![*v])),
            )])?;
            (data, Task::Regression, format!("cold start: constant {v}"))
        }
    };
    let infos = [TargetInfo {
        name: target.to_string(),
        task,
    }];
    let mut params = TrainParams::resolve("baseline", &infos, &schema, 0.0, 0, None, &[])?;
    params.pipeline.auto_preprocessing = false;
    params.pipeline.preprocessing.clear();
    let pipeline = params
        .pipeline
        .fit_with_validation(&data, None, &satori_core::NoProgress)?;
    let report = crate::targets::RowsReport {
        n_rows: 0,
        dropped_missing_target: 0,
        missing_per_target: Vec::new(),
        excluded_columns: Vec::new(),
        text_columns: Vec::new(),
    };
    let mut header = build(
        &pipeline,
        HeaderInputs {
            params: &params,
            train_data: &data,
            evaluations: None,
            member_metrics: Vec::new(),
            metrics_on: None,
            rows: &report,
            data_source: Some(description),
            created_at,
            init_from: None,
            reference_predictions: None,
        },
    )?;
    header.n_train_samples = 0;
    header.reference = Vec::new();
    header.prediction_reference = Vec::new();
    header.prediction_reference_on = None;
    header.provenance.data_fingerprint = "none (no rows)".to_string();
    Ok((header, pipeline))
}
