//! The training flow behind `mpirun -np N satori train DATA --distributed`: every rank holds
//! its own consecutive rows (one schema agreed by all, see `satori_distributed::shard`), the
//! holdout is drawn among all rows as one process would draw it, the model fits data-parallel
//! ([`satori_pipeline::PipelineParams::fit_distributed`]), and rank 0 gathers the holdout's
//! predictions, scores them and gets the outcome to write and report. On every other rank the
//! flow returns `None`.
//!
//! What differs from [`crate::train`]: the model file's drift reference of the input columns
//! is rank 0's training rows (a part of the data, not all of it); the options that need every
//! row on one process (a validation file, threshold tuning, a cost matrix, transfer or
//! continued training, an input-anomaly detector, several targets) are refused with the reason.

use ndarray::{Array1, Array2};
use satori_core::collective::{Collective, Spread, agree, allgather_concat, allgather_u64};
use satori_core::{Dataset, Error, Progress, Result, Target};
use satori_data::{Table, TargetClasses};
use satori_pipeline::Predictions;

use crate::evaluate::{Labelled, MetricSpec, TargetEvaluation, evaluate_predictions};
use crate::header::{HeaderInputs, build};
use crate::params::TrainParams;
use crate::stopping::{EarlyStopReport, apply_front_end_defaults};
use crate::targets::{Prepared, RowsReport, first_classification, prepare_with, target_only};
use crate::train::{TrainOutcome, TrainRequest, split_rows};

/// Refuse what needs every row on one process, each with the reason.
fn refuse(request: &TrainRequest) -> Result<()> {
    let no = |given: bool, flag: &str| -> Result<()> {
        if given {
            return Err(Error::param(
                flag,
                "is not available with --distributed (it needs every row on one process); see \
                 docs/distributed.md",
            ));
        }
        Ok(())
    };
    no(request.targets.len() > 1, "--target (several)")?;
    no(request.validation.is_some(), "--valid")?;
    no(request.threshold.is_some(), "--tune-threshold")?;
    no(request.cost_matrix.is_some(), "--cost-matrix")?;
    no(request.init_from.is_some(), "--init-from")?;
    no(request.continue_from.is_some(), "--continue-from")?;
    no(request.anomaly_detector.is_some(), "--anomaly-detector")
}

/// Every rank's values of a column, concatenated in rank order (copied only when the column
/// is not contiguous).
fn gather_column(comm: &dyn Collective, v: &Array1<f64>) -> Result<Vec<f64>> {
    match v.as_slice() {
        Some(s) => allgather_concat(comm, s),
        None => allgather_concat(comm, &v.to_vec()),
    }
}

/// Every rank's target, concatenated in rank order.
fn gather_target(comm: &dyn Collective, t: &Target) -> Result<Target> {
    match t {
        Target::Continuous(y) => Ok(Target::Continuous(Array1::from(gather_column(comm, y)?))),
        Target::Classes { codes, labels } => {
            let local: Vec<f64> = codes.iter().map(|&c| c as f64).collect();
            let all = allgather_concat(comm, &local)?;
            Target::classes(
                all.into_iter().map(|c| c as usize).collect(),
                labels.clone(),
            )
        }
    }
}

/// The holdout split of all ranks' rows (global ids), as [`crate::train`] splits one table.
fn global_split(
    data: &Dataset,
    params: &TrainParams,
    spread: &Spread,
    comm: &dyn Collective,
) -> Result<(Vec<usize>, Vec<usize>, Option<String>)> {
    if params.holdout == 0.0 {
        return Ok(((0..spread.total).collect(), Vec::new(), None));
    }
    let target = data.require_target()?;
    let all = gather_target(comm, target)?;
    let d = target_only(spread.total, &all)?;
    let strat = params
        .stratify
        .then(|| first_classification(data).map(|(name, _)| name))
        .flatten();
    split_rows(&d, params.holdout, strat, params.pipeline.seed)
}

/// Every rank's predictions concatenated in rank order.
fn gather_predictions(comm: &dyn Collective, p: &Predictions) -> Result<Predictions> {
    let values = gather_column(comm, &p.values)?;
    let proba = match &p.proba {
        Some(m) => {
            let k = m.ncols();
            let flat: Vec<f64> = m.iter().copied().collect();
            let all = allgather_concat(comm, &flat)?;
            Some(
                Array2::from_shape_vec((all.len() / k.max(1), k), all)
                    .map_err(|e| Error::Internal(e.to_string()))?,
            )
        }
        None => None,
    };
    Ok(Predictions {
        task: p.task,
        values: Array1::from(values),
        classes: p.classes.clone(),
        proba,
    })
}

/// Sum the row counts of every rank's report (column lists are the same on every rank).
fn gather_rows(comm: &dyn Collective, r: &RowsReport) -> Result<RowsReport> {
    let mut local = vec![r.n_rows as u64, r.dropped_missing_target as u64];
    local.extend(r.missing_per_target.iter().map(|m| m.1 as u64));
    let all = allgather_u64(comm, &local)?;
    let mut out = r.clone();
    let sum = |i: usize| {
        all.iter()
            .map(|v| v.get(i).copied().unwrap_or(0) as usize)
            .sum()
    };
    out.n_rows = sum(0);
    out.dropped_missing_target = sum(1);
    for (k, m) in out.missing_per_target.iter_mut().enumerate() {
        m.1 = sum(2 + k);
    }
    Ok(out)
}

/// Train on this rank's rows of `table` (on the schema every rank agreed on) together with
/// every other rank; rank 0 gets the outcome, the others `None`. Every rank must call it.
pub fn train_distributed(
    table: &Table,
    request: &TrainRequest,
    comm: &dyn Collective,
    progress: &dyn Progress,
) -> Result<Option<TrainOutcome>> {
    agree(comm, refuse(request))?;
    // Agree on the target's classes first: a shard may hold only some of them.
    let mine = agree(
        comm,
        request
            .targets
            .first()
            .ok_or_else(|| Error::param("--target", "name a target"))
            .and_then(|t| table.target_classes(t))
            .and_then(|c| serde_json::to_vec(&c).map_err(|e| Error::Internal(e.to_string()))),
    )?;
    let parts: Vec<TargetClasses> = comm
        .allgather_bytes(&mine)?
        .iter()
        .map(|b| serde_json::from_slice(b).map_err(|e| Error::Internal(e.to_string())))
        .collect::<Result<_>>()?;
    let classes = TargetClasses::merge(&parts);
    let prepared = agree(comm, prepare_with(table, &request.targets, Some(&classes)));
    let Prepared { data, report, .. } = prepared?;
    let report = gather_rows(comm, &report)?;
    let infos = crate::train::target_infos_of(&data, &request.target_names());
    let mut params = TrainParams::resolve(
        &request.model,
        &infos,
        data.features(),
        request.holdout,
        request.seed,
        request.pipeline.as_ref(),
        &request.overrides,
    )?;
    let spread = Spread::of(comm, data.n_samples())?;
    if spread.total == 0 {
        return Err(Error::NotEnoughSamples {
            context: "distributed training (no rank has a row with a target)".into(),
            needed: 1,
            got: 0,
        });
    }
    let (train_ids, test_ids, stratified_on) = global_split(&data, &params, &spread, comm)?;
    let train_data = data.select_rows(&spread.local(&train_ids).collect::<Vec<_>>())?;
    let test_data = data.select_rows(&spread.local(&test_ids).collect::<Vec<_>>())?;
    apply_front_end_defaults(
        &mut params,
        request.pipeline.as_ref(),
        &request.overrides,
        false,
        &train_data,
    )?;
    let pipeline = params
        .pipeline
        .fit_distributed(&train_data, comm, progress)?;
    // The holdout: each rank predicts its own rows; rank 0 scores them all.
    let spec = MetricSpec::from_names(&request.metrics, None)?;
    let preds = pipeline
        .predict_dataset_all(&test_data)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("no predictions".into()))?;
    let preds = gather_predictions(comm, &preds)?;
    let truth = gather_target(comm, test_data.require_target()?)?;
    let weights = match test_data.weights() {
        Some(w) => Some(Array1::from(gather_column(comm, &w.to_owned())?)),
        None => None,
    };
    let reference_train = if test_ids.is_empty() {
        let p = pipeline.predict_dataset_all(&train_data)?;
        let mut all = Vec::with_capacity(p.len());
        for t in &p {
            all.push(gather_predictions(comm, t)?);
        }
        Some(all)
    } else {
        None
    };
    if comm.rank() != 0 {
        return Ok(None);
    }
    let target_name = pipeline
        .targets()
        .first()
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let (evaluations, labelled, metrics_on) = if test_ids.is_empty() {
        (None, None, None)
    } else {
        let evaluation =
            evaluate_predictions(&truth, &preds, weights.as_ref().map(|w| w.view()), &spec)?;
        (
            Some(vec![TargetEvaluation {
                target: target_name,
                evaluation,
            }]),
            Some(vec![Labelled {
                rows: test_ids.clone(),
                truth,
                predictions: preds.clone(),
            }]),
            Some(format!(
                "holdout ({:.0}%, {} rows)",
                params.holdout * 100.0,
                test_ids.len()
            )),
        )
    };
    let (reference, reference_on) = match reference_train {
        Some(r) => (r, format!("training rows ({})", train_ids.len())),
        None => (vec![preds], metrics_on.clone().unwrap_or_default()),
    };
    let header = build(
        &pipeline,
        HeaderInputs {
            params: &params,
            train_data: &train_data,
            evaluations: evaluations.as_deref(),
            member_metrics: Vec::new(),
            metrics_on,
            rows: &report,
            data_source: request.data_source.clone(),
            created_at: request.created_at.clone(),
            reference_predictions: Some((reference.as_slice(), reference_on)),
            init_from: None,
        },
    )?;
    // The header counts rank 0's training rows; the model trained on every rank's.
    let mut header = header;
    header.n_train_samples = train_ids.len() as u64;
    let early_stop =
        EarlyStopReport::from_history(header.training_history.as_ref(), &params, false);
    Ok(Some(TrainOutcome {
        header,
        pipeline,
        rows: report,
        params,
        evaluations,
        labelled,
        stratified_on,
        early_stop,
    }))
}
