//! [`MultiTaskMlp`]: one shared trunk, one output head per target (any mix of classification
//! and regression), trained on the weighted sum of the task losses (`loss_weights`).
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use satori_core::{Dataset, Target};
//! use satori_nn::{MlpParams, MultiTaskMlpParams};
//!
//! let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * 5 + j * 3) % 13) as f64 / 6.0 - 1.0);
//! let value: Array1<f64> = x.rows().into_iter().map(|r| r[0] - r[1]).collect();
//! let codes: Array1<usize> = value.iter().map(|&v| usize::from(v > 0.0)).collect();
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let targets = vec![
//!     ("value".to_string(), Target::regression(value)),
//!     ("sign".to_string(), Target::classes(codes, vec!["neg".into(), "pos".into()]).unwrap()),
//! ];
//! let params = MultiTaskMlpParams(MlpParams { hidden_layer_sizes: vec![8], max_iter: 30, ..Default::default() });
//! let model = params.fit_tasks(&data, &targets).unwrap();
//! assert_eq!(model.task_names(), vec!["value", "sign"]);
//! assert_eq!(model.predict_task(1, x.view()).unwrap().len(), 60);
//! let scores = model.evaluate(&data, &targets).unwrap();
//! assert_eq!(scores[1].metric, "accuracy");
//! ```

use std::ops::{Deref, DerefMut};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, MultiOutputPredictor, NoProgress, Params, Progress, Result, Target,
    TrainingHistory,
};
use serde::{Deserialize, Serialize};

use crate::model::{self, NeuralNet, TrainingRecord};
use crate::net::{Network, argmax_rows, softmax_rows};
use crate::params::{ClassWeight, MlpParams};

/// Parameters of a [`MultiTaskMlp`]: the shared [`MlpParams`], with `loss_weights` (one per
/// task) weighting the task losses. `class_weight` does not apply (use sample weights).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MultiTaskMlpParams(pub MlpParams);

impl Deref for MultiTaskMlpParams {
    type Target = MlpParams;
    fn deref(&self) -> &MlpParams {
        &self.0
    }
}

impl DerefMut for MultiTaskMlpParams {
    fn deref_mut(&mut self) -> &mut MlpParams {
        &mut self.0
    }
}

impl Params for MultiTaskMlpParams {
    fn validate(&self) -> Result<()> {
        self.0.validate()?;
        if self.0.class_weight != ClassWeight::None {
            return Err(Error::param(
                "class_weight",
                "does not apply to multi-task networks; use sample weights",
            ));
        }
        Ok(())
    }
}

/// One task of a multi-task network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// The target's name.
    pub name: String,
    /// The class labels of a classification task; `None` for regression.
    pub labels: Option<Vec<String>>,
}

/// The score of one task on some data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskScore {
    /// The task's name.
    pub task: String,
    /// `accuracy` (classification) or `r2` (regression).
    pub metric: String,
    /// The value.
    pub value: f64,
}

/// Fits on a dataset with one or several targets ([`Dataset::with_targets`]): one head per target,
/// named after the dataset's target names (`target_0`, … where it has none).
impl Estimator for MultiTaskMlpParams {
    type Model = MultiTaskMlp;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<MultiTaskMlp> {
        let names = data.target_names();
        let targets: Vec<(String, Target)> = data
            .targets()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let name = match names.get(i) {
                    Some(n) if names.len() == data.n_targets() => n.clone(),
                    _ => format!("target_{i}"),
                };
                (name, t.clone())
            })
            .collect();
        self.fit_tasks_with_progress(data, &targets, progress)
    }
}

impl MultiTaskMlpParams {
    /// Fit one network on `data`'s features for every `(name, target)` (each row-aligned with
    /// `data`); `data`'s own target is ignored, its sample weights apply to every task.
    pub fn fit_tasks(&self, data: &Dataset, targets: &[(String, Target)]) -> Result<MultiTaskMlp> {
        self.fit_tasks_with_progress(data, targets, &NoProgress)
    }

    /// [`MultiTaskMlpParams::fit_tasks`], reporting progress.
    pub fn fit_tasks_with_progress(
        &self,
        data: &Dataset,
        targets: &[(String, Target)],
        progress: &dyn Progress,
    ) -> Result<MultiTaskMlp> {
        self.validate()?;
        let (x, tasks, infos) = self.inputs(data, targets)?;
        let fitted = model::fit_fresh(&self.0, x, tasks, None, progress)?;
        Ok(MultiTaskMlp {
            fitted,
            tasks: infos,
        })
    }

    /// Transfer learning for several tasks: `base`'s trunk (first `freeze` layers frozen) under
    /// fresh heads; see [`crate::MlpClassifierParams::fit_from`].
    pub fn fit_tasks_from(
        &self,
        base: &impl NeuralNet,
        freeze: usize,
        data: &Dataset,
        targets: &[(String, Target)],
    ) -> Result<MultiTaskMlp> {
        self.validate()?;
        let (x, tasks, infos) = self.inputs(data, targets)?;
        let fitted = model::fit_transfer(&self.0, base.network(), freeze, x, tasks, &NoProgress)?;
        Ok(MultiTaskMlp {
            fitted,
            tasks: infos,
        })
    }

    #[allow(clippy::type_complexity)]
    fn inputs(
        &self,
        data: &Dataset,
        targets: &[(String, Target)],
    ) -> Result<(Array2<f32>, Vec<crate::train::TaskData>, Vec<TaskInfo>)> {
        if targets.is_empty() {
            return Err(Error::NotEnoughSamples {
                context: "a multi-task network (targets)".into(),
                needed: 1,
                got: 0,
            });
        }
        let lw = &self.0.loss_weights;
        if !lw.is_empty() && lw.len() != targets.len() {
            return Err(Error::param(
                "loss_weights",
                format!(
                    "needs one weight per task ({}), got {}",
                    targets.len(),
                    lw.len()
                ),
            ));
        }
        let x = model::features(data)?;
        let w = model::sample_weights(data)?;
        let mut tasks = Vec::with_capacity(targets.len());
        let mut infos = Vec::with_capacity(targets.len());
        for (t, (name, target)) in targets.iter().enumerate() {
            if target.len() != data.n_samples() {
                return Err(Error::ShapeMismatch {
                    context: format!("rows of target `{name}` vs the features"),
                    expected: data.n_samples(),
                    got: target.len(),
                });
            }
            let weight = lw.get(t).map_or(1.0, |&v| v as f32);
            tasks.push(model::task_data(target, &w, &ClassWeight::None, weight)?);
            infos.push(TaskInfo {
                name: name.clone(),
                labels: target.labels().map(<[String]>::to_vec),
            });
        }
        Ok((x, tasks, infos))
    }
}

/// A fitted multi-task network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiTaskMlp {
    fitted: TrainingRecord,
    tasks: Vec<TaskInfo>,
}

impl MultiTaskMlp {
    /// A multi-task network from a stored training record and its tasks (one head per task, with
    /// one output per class of a classification task and one output for a regression task).
    pub fn from_record(record: TrainingRecord, tasks: Vec<TaskInfo>) -> Result<MultiTaskMlp> {
        record.net.validate()?;
        let heads = &record.net.heads;
        let fits = heads.len() == tasks.len()
            && heads
                .iter()
                .zip(&tasks)
                .all(|(h, t)| h.n_out == t.labels.as_ref().map_or(1, Vec::len));
        if !fits {
            return Err(Error::InvalidData(format!(
                "a multi-task network needs one head per task ({}), sized by its classes",
                tasks.len()
            )));
        }
        Ok(MultiTaskMlp {
            fitted: record,
            tasks,
        })
    }

    /// The tasks, in head order.
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }

    /// The task names, in head order.
    pub fn task_names(&self) -> Vec<&str> {
        self.tasks.iter().map(|t| t.name.as_str()).collect()
    }

    /// Number of feature columns the network takes.
    pub fn n_features(&self) -> usize {
        self.fitted.net.n_inputs
    }

    fn head(&self, task: usize, x: ArrayView2<'_, f64>) -> Result<Array2<f32>> {
        if task >= self.tasks.len() {
            return Err(Error::param(
                "task",
                format!(
                    "the network has {} task(s) (0..{}), got {task}",
                    self.tasks.len(),
                    self.tasks.len()
                ),
            ));
        }
        let xs = self.fitted.net.input(x)?;
        let out = self.fitted.net.forward(xs.view());
        out.into_iter()
            .nth(task)
            .ok_or_else(|| Error::Internal(format!("the network has no head for task {task}")))
    }

    /// Predictions of task `task`: class codes (as `f64`) or values.
    pub fn predict_task(&self, task: usize, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let out = self.head(task, x)?;
        Ok(match self.tasks[task].labels {
            Some(_) => argmax_rows(softmax_rows(out.view()).view())
                .into_iter()
                .map(|c| c as f64)
                .collect(),
            None => out.column(0).mapv(f64::from),
        })
    }

    /// Class probabilities of classification task `task`.
    pub fn predict_proba_task(&self, task: usize, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let out = self.head(task, x)?;
        if self.tasks[task].labels.is_none() {
            return Err(Error::InvalidData(format!(
                "task `{}` is a regression task and has no class probabilities",
                self.tasks[task].name
            )));
        }
        Ok(softmax_rows(out.view()))
    }

    /// Score every task on `data` (accuracy for classification, R² for regression), with
    /// `data`'s sample weights. `targets` are in the order of training.
    pub fn evaluate(&self, data: &Dataset, targets: &[(String, Target)]) -> Result<Vec<TaskScore>> {
        if targets.len() != self.tasks.len() {
            return Err(Error::ShapeMismatch {
                context: "number of targets to evaluate vs tasks of the network".into(),
                expected: self.tasks.len(),
                got: targets.len(),
            });
        }
        let w = data.weights();
        let mut scores = Vec::with_capacity(targets.len());
        for (t, (_, target)) in targets.iter().enumerate() {
            let pred = self.predict_task(t, data.x())?;
            let (metric, value) = match target {
                Target::Classes { codes, labels } => {
                    let p: Array1<usize> = pred.mapv(|v| v as usize);
                    let n = labels
                        .len()
                        .max(self.tasks[t].labels.as_ref().map_or(0, Vec::len));
                    (
                        "accuracy",
                        satori_metrics::accuracy(codes.view(), p.view(), n, w)?,
                    )
                }
                Target::Continuous(y) => {
                    ("r2", satori_metrics::r2_score(y.view(), pred.view(), w)?)
                }
            };
            scores.push(TaskScore {
                task: self.tasks[t].name.clone(),
                metric: metric.into(),
                value,
            });
        }
        Ok(scores)
    }

    /// Per-epoch total loss (weighted sum of the task losses).
    pub fn loss_curve(&self) -> &TrainingHistory {
        &self.fitted.loss
    }

    /// Per-epoch metric of the first task (accuracy or RMSE).
    pub fn metric_curve(&self) -> &TrainingHistory {
        &self.fitted.metric
    }

    /// Number of epochs run.
    pub fn n_iter(&self) -> usize {
        self.fitted.n_iter
    }

    /// Whether training stopped on its criterion before `max_iter`.
    pub fn converged(&self) -> bool {
        self.fitted.converged
    }

    /// Why training stopped early because of a non-finite loss, if it did.
    pub fn stop_reason(&self) -> Option<&str> {
        self.fitted.stop_reason.as_deref()
    }

    /// The layers, their shapes and parameter counts (one head per task).
    pub fn summary(&self) -> String {
        let names: Vec<String> = self.tasks.iter().map(|t| t.name.clone()).collect();
        self.fitted.net.summary(&names)
    }
}

impl MultiOutputPredictor for MultiTaskMlp {
    fn n_features(&self) -> usize {
        self.fitted.net.n_inputs
    }

    fn n_outputs(&self) -> usize {
        self.tasks.len()
    }

    /// Every task's predictions, one column per task (class codes or values).
    fn predict_outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let mut out = Array2::zeros((x.nrows(), self.tasks.len()));
        for t in 0..self.tasks.len() {
            out.column_mut(t).assign(&self.predict_task(t, x)?);
        }
        Ok(out)
    }
}

impl NeuralNet for MultiTaskMlp {
    fn network(&self) -> &Network {
        &self.fitted.net
    }
}
