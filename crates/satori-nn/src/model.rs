//! What every fitted network stores, and the input checks the estimators share.

use ndarray::{Array2, ArrayView1};
use satori_core::{Dataset, Error, Progress, Result, Target, TrainingHistory};
use serde::{Deserialize, Serialize};

use crate::net::{Network, to_f32_finite};
use crate::params::{ClassWeight, MlpParams};
use crate::train::{self, TaskData, TaskKind, TrainOutcome, TrainSpec, fresh_head, init_network};

/// A fitted network with its training record: what every model of this crate stores (a
/// classifier adds its class labels, a multi-task network its tasks). Public so that code reading
/// older stored layouts (the model file's versioning) can rebuild a model with
/// `MlpClassifier::from_record` and its siblings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// The parameters it was trained with (used again by `fit_more`).
    pub params: MlpParams,
    /// The weights.
    pub net: Network,
    /// Per-epoch training (and validation) loss.
    pub loss: TrainingHistory,
    /// Per-epoch metric (accuracy or RMSE of the first head).
    pub metric: TrainingHistory,
    /// Epochs run.
    pub n_iter: usize,
    /// Whether training stopped on its criterion before `max_iter`.
    pub converged: bool,
    /// Why training stopped early on a non-finite loss, if it did.
    pub stop_reason: Option<String>,
}

impl TrainingRecord {
    pub(crate) fn new(params: MlpParams, out: TrainOutcome) -> Self {
        TrainingRecord {
            params,
            net: out.net,
            loss: out.loss,
            metric: out.metric,
            n_iter: out.n_iter,
            converged: out.converged,
            stop_reason: out.stop_reason,
        }
    }

    /// A record of weights that were not trained here.
    pub(crate) fn untrained(params: MlpParams, net: Network, loss: &str, metric: &str) -> Self {
        let empty = |m: &str| TrainingHistory {
            metric: m.into(),
            train: Vec::new(),
            valid: None,
        };
        TrainingRecord {
            params,
            net,
            loss: empty(loss),
            metric: empty(metric),
            n_iter: 0,
            converged: false,
            stop_reason: None,
        }
    }

    /// This record continued by `out` (histories appended).
    pub(crate) fn continued(&self, out: TrainOutcome) -> Self {
        let join = |a: &TrainingHistory, b: TrainingHistory| TrainingHistory {
            metric: a.metric.clone(),
            train: a.train.iter().copied().chain(b.train).collect(),
            valid: match (&a.valid, b.valid) {
                (Some(x), Some(y)) => Some(x.iter().copied().chain(y).collect()),
                _ => None,
            },
        };
        TrainingRecord {
            params: self.params.clone(),
            net: out.net,
            loss: join(&self.loss, out.loss),
            metric: join(&self.metric, out.metric),
            n_iter: self.n_iter + out.n_iter,
            converged: out.converged,
            stop_reason: out.stop_reason,
        }
    }
}

/// A fitted network whose trunk can start another one (transfer learning).
pub trait NeuralNet {
    /// The stored network.
    fn network(&self) -> &Network;
}

/// The features as `f32`, refusing NaN and infinities.
pub(crate) fn features(data: &Dataset) -> Result<Array2<f32>> {
    if data.n_samples() == 0 {
        return Err(Error::NotEnoughSamples {
            context: "training a neural network".into(),
            needed: 1,
            got: 0,
        });
    }
    to_f32_finite(data.x())
}

/// Sample weights (ones when absent), checked finite and ≥ 0.
pub(crate) fn sample_weights(data: &Dataset) -> Result<Vec<f32>> {
    let w = data.weights_or_ones();
    if let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::InvalidData(format!(
            "sample weight {bad}: weights must be finite and ≥ 0"
        )));
    }
    Ok(w.iter().map(|&v| v as f32).collect())
}

/// The task data of a target, with class weights for classification targets.
pub(crate) fn task_data(
    target: &Target,
    weights: &[f32],
    class_weight: &ClassWeight,
    loss_weight: f32,
) -> Result<TaskData> {
    match target {
        Target::Classes { codes, labels } => {
            let cw = class_weights(codes.view(), labels, class_weight)?;
            Ok(TaskData {
                kind: TaskKind::Classes(labels.len().max(1)),
                y: codes.iter().map(|&c| c as f32).collect(),
                w: codes
                    .iter()
                    .zip(weights)
                    .map(|(&c, &w)| w * cw[c])
                    .collect(),
                loss_weight,
            })
        }
        Target::Continuous(y) => {
            if let Some(bad) = y.iter().find(|v| !v.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "the regression target holds {bad}; a neural network needs finite targets"
                )));
            }
            if !matches!(class_weight, ClassWeight::None) {
                return Err(Error::param(
                    "class_weight",
                    "applies to classification targets only; leave it out for regression",
                ));
            }
            Ok(TaskData {
                kind: TaskKind::Values,
                y: y.iter().map(|&v| v as f32).collect(),
                w: weights.to_vec(),
                loss_weight,
            })
        }
    }
}

fn class_weights(
    codes: ArrayView1<'_, usize>,
    labels: &[String],
    cw: &ClassWeight,
) -> Result<Vec<f32>> {
    let k = labels.len();
    match cw {
        ClassWeight::None => Ok(vec![1.0; k]),
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; k];
            codes.iter().for_each(|&c| counts[c] += 1);
            let present = counts.iter().filter(|&&c| c > 0).count().max(1);
            let n = codes.len() as f64;
            Ok(counts
                .iter()
                .map(|&c| {
                    if c > 0 {
                        (n / (present as f64 * c as f64)) as f32
                    } else {
                        1.0
                    }
                })
                .collect())
        }
        ClassWeight::Custom(map) => {
            if let Some(unknown) = map.keys().find(|l| !labels.contains(l)) {
                return Err(satori_core::class_weight::unknown_class(unknown, labels));
            }
            Ok(labels
                .iter()
                .map(|l| map.get(l).map_or(1.0, |&w| w as f32))
                .collect())
        }
    }
}

/// A given validation set: its features and task data (row-aligned, same tasks as training).
pub(crate) type ValidPart = (Array2<f32>, Vec<TaskData>);

/// The task data of a validation target: its sample weights only (the validation loss is the
/// plain loss on the given rows), checked to have the training target's classes.
pub(crate) fn valid_task_data(
    target: &Target,
    train_labels: Option<&[String]>,
    weights: &[f32],
) -> Result<TaskData> {
    if let (Some(train), Some(valid)) = (train_labels, target.labels())
        && train != valid
    {
        return Err(Error::InvalidData(format!(
            "the validation set's classes ({}) are not the training classes ({})",
            valid.join(", "),
            train.join(", ")
        )));
    }
    if train_labels.is_some() != target.labels().is_some() {
        return Err(Error::InvalidData(
            "the validation set's target is not of the training target's kind (classes or values)"
                .into(),
        ));
    }
    task_data(target, weights, &ClassWeight::None, 1.0)
}

/// Fit a fresh network with one head per task; with `valid`, the validation loss is measured on
/// it (and early stopping stops on it) instead of a held-out fraction of `x`.
pub(crate) fn fit_fresh(
    params: &MlpParams,
    x: Array2<f32>,
    tasks: Vec<TaskData>,
    valid: Option<ValidPart>,
    progress: &dyn Progress,
) -> Result<TrainingRecord> {
    params.validate()?;
    let (x, tasks, given_valid) = match valid {
        None => (x, tasks, 0),
        Some((vx, vtasks)) => {
            if vx.ncols() != x.ncols() || vtasks.len() != tasks.len() {
                return Err(Error::ShapeMismatch {
                    context: "the validation set's columns".into(),
                    expected: x.ncols(),
                    got: vx.ncols(),
                });
            }
            let k = vx.nrows();
            let x = ndarray::concatenate(ndarray::Axis(0), &[x.view(), vx.view()])
                .map_err(|e| Error::Internal(e.to_string()))?;
            let tasks = tasks
                .into_iter()
                .zip(vtasks)
                .map(|(mut t, v)| {
                    t.y.extend(v.y);
                    t.w.extend(v.w);
                    t
                })
                .collect();
            (x, tasks, k)
        }
    };
    let heads: Vec<usize> = tasks.iter().map(|t| t.kind.outputs()).collect();
    satori_core::memory::check_fits(
        params.training_bytes(x.ncols(), heads.iter().sum()),
        &format!(
            "training a network with hidden layers {:?} on {} columns",
            params.hidden_layer_sizes,
            x.ncols()
        ),
    )?;
    let net = init_network(
        x.ncols(),
        &params.hidden_layer_sizes,
        params.activation,
        params.batch_norm,
        &heads,
        params.seed,
    );
    let spec = TrainSpec {
        params,
        x,
        tasks,
        net,
        frozen: 0,
        slow: 0,
        epochs: params.max_iter,
        given_valid,
    };
    Ok(TrainingRecord::new(
        params.clone(),
        train::run(spec, progress)?,
    ))
}

/// Fit a network whose trunk comes from `base` (the first `freeze` layers frozen, the others
/// trained at `transfer_lr_factor`) under fresh heads.
pub(crate) fn fit_transfer(
    params: &MlpParams,
    base: &Network,
    freeze: usize,
    x: Array2<f32>,
    tasks: Vec<TaskData>,
    progress: &dyn Progress,
) -> Result<TrainingRecord> {
    params.validate()?;
    if x.ncols() != base.n_inputs {
        return Err(Error::ShapeMismatch {
            context: "number of feature columns of the data vs the input of the base network \
                      (transfer learning needs the same input columns, in the same order)"
                .into(),
            expected: base.n_inputs,
            got: x.ncols(),
        });
    }
    if freeze > base.hidden.len() {
        return Err(Error::param(
            "freeze",
            format!(
                "the base network has {} hidden layer(s), so at most {} can be frozen; got {freeze}",
                base.hidden.len(),
                base.hidden.len()
            ),
        ));
    }
    let mut net = base.clone();
    net.heads = tasks
        .iter()
        .enumerate()
        .map(|(t, task)| {
            fresh_head(
                base,
                task.kind.outputs(),
                params.seed.wrapping_add(t as u64),
            )
        })
        .collect();
    let slow = net.hidden.len();
    let spec = TrainSpec {
        params,
        x,
        tasks,
        net,
        frozen: freeze,
        slow,
        epochs: params.max_iter,
        given_valid: 0,
    };
    Ok(TrainingRecord::new(
        params.clone(),
        train::run(spec, progress)?,
    ))
}

/// Continue training `fitted` for `epochs` more epochs on new data.
pub(crate) fn fit_continue(
    fitted: &TrainingRecord,
    x: Array2<f32>,
    tasks: Vec<TaskData>,
    epochs: usize,
    progress: &dyn Progress,
) -> Result<TrainingRecord> {
    if epochs == 0 {
        return Err(Error::param("epochs", "must be ≥ 1, got 0"));
    }
    if x.ncols() != fitted.net.n_inputs {
        return Err(Error::ShapeMismatch {
            context: "number of feature columns to continue training on".into(),
            expected: fitted.net.n_inputs,
            got: x.ncols(),
        });
    }
    let params = MlpParams {
        warmup_epochs: 0,
        ..fitted.params.clone()
    };
    let spec = TrainSpec {
        params: &params,
        x,
        tasks,
        net: fitted.net.clone(),
        frozen: 0,
        slow: 0,
        epochs,
        given_valid: 0,
    };
    Ok(fitted.continued(train::run(spec, progress)?))
}
