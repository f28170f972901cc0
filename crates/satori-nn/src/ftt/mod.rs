//! FT-Transformer (Gorishniy et al. 2021, "Revisiting Deep Learning Models for Tabular Data"):
//! an attention model for tables.
//!
//! Each input feature becomes a token (`value · w_j + b_j`, a learned `d_token`-vector per
//! feature), a learned `[CLS]` token is put in front, `n_blocks` pre-norm transformer blocks
//! (multi-head self-attention, then a ReGLU or GEGLU feed-forward part, each on a residual branch;
//! the first block has no norm before its attention, as the paper's code) mix the tokens, and the
//! head (layer norm, ReLU, linear) reads the `[CLS]` token.
//!
//! Every input is a numeric token: categorical columns reach the model one-hot encoded by the
//! pipeline's automatic preprocessing (one token per category column), not as learned category
//! embeddings.
//!
//! Training runs as the MLP's (mini-batches on the host, burn's autodiff on the Flex CPU backend,
//! the MLP's optimizers and schedules on the host's `f32` weights, seeded streams for every draw,
//! per-epoch histories, early stopping that restores the best epoch). The fitted model holds plain
//! `f32` weights ([`FtNet`]); prediction is a plain host forward pass (no burn at inference;
//! equal to burn's forward pass within 1e-5, and the same for a row alone or in any batch) that
//! can also return the attention probabilities of every block and head ([`Attention`]).
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use satori_core::{Dataset, Estimator, PredictProba, Target};
//! use satori_nn::{FtTransformerClassifierParams, FtTransformerParams};
//!
//! let x = Array2::from_shape_fn((60, 3), |(i, j)| ((i * 7 + j * 5) % 13) as f64 / 6.0 - 1.0);
//! let codes: Array1<usize> = x.rows().into_iter().map(|r| usize::from(r[0] * r[1] > 0.0)).collect();
//! let y = Target::classes(codes, vec!["no".into(), "yes".into()]).unwrap();
//! let names = vec!["a".into(), "b".into(), "c".into()];
//! let data = Dataset::new(x.clone(), names).unwrap().with_target(y).unwrap();
//! let params = FtTransformerClassifierParams(FtTransformerParams {
//!     d_token: 16,
//!     n_heads: 2,
//!     n_blocks: 1,
//!     max_iter: 3,
//!     ..Default::default()
//! });
//! let model = params.fit(&data).unwrap();
//! assert_eq!(model.predict_proba(x.view()).unwrap().dim(), (60, 2));
//! let att = model.attention(x.view()).unwrap();
//! assert_eq!(att.shape(), (60, 1, 2, 4)); // rows, blocks, heads, tokens
//! ```

mod net;
mod params;
mod train;

#[cfg(test)]
mod tests;

use std::ops::{Deref, DerefMut};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
    TrainingHistory,
};
use serde::{Deserialize, Serialize};

pub use net::{Block, FfnActivation, FtNet, LayerNorm};
pub use params::FtTransformerParams;

use crate::model;
use crate::net::{softmax_rows, to_f32_finite, with_classes};
use crate::train::TaskData;

/// Parameters of an [`FtTransformerClassifier`] (softmax output, cross-entropy loss).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FtTransformerClassifierParams(pub FtTransformerParams);

/// Parameters of an [`FtTransformerRegressor`] (one linear output, half squared error).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FtTransformerRegressorParams(pub FtTransformerParams);

macro_rules! wrap_params {
    ($t:ty) => {
        impl Deref for $t {
            type Target = FtTransformerParams;
            fn deref(&self) -> &FtTransformerParams {
                &self.0
            }
        }
        impl DerefMut for $t {
            fn deref_mut(&mut self) -> &mut FtTransformerParams {
                &mut self.0
            }
        }
        impl Params for $t {
            fn validate(&self) -> Result<()> {
                self.0.validate()
            }
        }
    };
}
wrap_params!(FtTransformerClassifierParams);
wrap_params!(FtTransformerRegressorParams);

/// A fitted FT-Transformer's weights and training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FtRecord {
    /// The parameters it was trained with.
    pub params: FtTransformerParams,
    /// The weights.
    pub net: FtNet,
    /// Per-epoch training (and validation) loss.
    pub loss: TrainingHistory,
    /// Per-epoch accuracy or RMSE.
    pub metric: TrainingHistory,
    /// Epochs run.
    pub n_iter: usize,
    /// Whether training stopped on its criterion before `max_iter`.
    pub converged: bool,
    /// Why training stopped early on a non-finite loss, if it did.
    pub stop_reason: Option<String>,
    /// Regression: the network learns `(y - mean) / scale` (as the paper standardises
    /// targets); predictions are mapped back. `(0, 1)` for classifiers.
    pub target_shift: (f64, f64),
}

/// Attention probabilities of some rows: for every row, block, head and query token, a
/// distribution over the key tokens (`[CLS]` first, then one per feature).
#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    /// Rows.
    pub n_rows: usize,
    /// Blocks (layers).
    pub n_blocks: usize,
    /// Heads per block.
    pub n_heads: usize,
    /// Tokens (`1 + n_features`).
    pub n_tokens: usize,
    /// `rows × blocks × heads × tokens × tokens`, row-major: element `[r][l][h][i][j]` is how
    /// much token `i` attends to token `j`.
    pub values: Vec<f32>,
}

impl Attention {
    /// `(rows, blocks, heads, tokens)`.
    pub fn shape(&self) -> (usize, usize, usize, usize) {
        (self.n_rows, self.n_blocks, self.n_heads, self.n_tokens)
    }

    /// The `tokens × tokens` map of row `r`, block `l`, head `h` (row-major).
    pub fn map(&self, r: usize, l: usize, h: usize) -> &[f32] {
        let t2 = self.n_tokens * self.n_tokens;
        let start = ((r * self.n_blocks + l) * self.n_heads + h) * t2;
        &self.values[start..start + t2]
    }

    /// The mean over rows: `blocks × heads × tokens × tokens` (row-major, in `f64`).
    pub fn mean_over_rows(&self) -> Vec<f64> {
        let per = self.n_blocks * self.n_heads * self.n_tokens * self.n_tokens;
        let mut m = vec![0f64; per];
        for row in self.values.chunks_exact(per.max(1)) {
            for (a, &v) in m.iter_mut().zip(row) {
                *a += f64::from(v);
            }
        }
        let n = self.n_rows.max(1) as f64;
        m.iter_mut().for_each(|v| *v /= n);
        m
    }
}

fn fit_record(
    p: &FtTransformerParams,
    x: ndarray::Array2<f32>,
    task: TaskData,
    valid: Option<(ndarray::Array2<f32>, TaskData)>,
    progress: &dyn Progress,
) -> Result<FtRecord> {
    p.validate()?;
    let outputs = task.kind.outputs();
    let (x, task, given_valid) = match valid {
        None => (x, task, 0),
        Some((vx, vt)) => {
            if vx.ncols() != x.ncols() {
                return Err(Error::ShapeMismatch {
                    context: "the validation set's columns".into(),
                    expected: x.ncols(),
                    got: vx.ncols(),
                });
            }
            let k = vx.nrows();
            let x = ndarray::concatenate(ndarray::Axis(0), &[x.view(), vx.view()])
                .map_err(|e| Error::Internal(e.to_string()))?;
            let mut task = task;
            task.y.extend(vt.y);
            task.w.extend(vt.w);
            (x, task, k)
        }
    };
    satori_core::memory::check_fits(
        p.training_bytes(x.ncols(), outputs),
        &format!(
            "training an FT-Transformer (d_token {}, {} blocks) on {} columns",
            p.d_token,
            p.n_blocks,
            x.ncols()
        ),
    )?;
    let net = FtNet::init(
        net::Shape {
            n_features: x.ncols(),
            d_token: p.d_token,
            n_heads: p.n_heads,
            n_blocks: p.n_blocks,
            ffn_hidden: p.ffn_hidden(),
            ffn_activation: p.ffn_activation,
            outputs,
        },
        p.seed,
    );
    let out = train::run(
        train::Spec {
            params: p,
            x,
            task,
            net,
            given_valid,
        },
        progress,
    )?;
    Ok(FtRecord {
        params: p.clone(),
        net: out.net,
        loss: out.loss,
        metric: out.metric,
        n_iter: out.n_iter,
        converged: out.converged,
        stop_reason: out.stop_reason,
        target_shift: (0.0, 1.0),
    })
}

/// The mean and standard deviation (1 where it is 0) of a regression task's training values,
/// weighted by the row weights.
fn standardise(task: &TaskData) -> (f64, f64) {
    let (mut sw, mut s1) = (0.0f64, 0.0f64);
    for (&y, &w) in task.y.iter().zip(&task.w) {
        sw += f64::from(w);
        s1 += f64::from(w) * f64::from(y);
    }
    if sw <= 0.0 {
        return (0.0, 1.0);
    }
    let mean = s1 / sw;
    let var = task
        .y
        .iter()
        .zip(&task.w)
        .map(|(&y, &w)| f64::from(w) * (f64::from(y) - mean).powi(2))
        .sum::<f64>()
        / sw;
    let sd = var.sqrt();
    (mean, if sd > 0.0 && sd.is_finite() { sd } else { 1.0 })
}

/// Fit a regressor on standardised targets and record the shift, the curves back in the
/// target's units.
fn fit_values(
    p: &FtTransformerParams,
    x: Array2<f32>,
    mut task: TaskData,
    valid: Option<(Array2<f32>, TaskData)>,
    progress: &dyn Progress,
) -> Result<FtRecord> {
    let (mean, sd) = standardise(&task);
    let shift = |t: &mut TaskData| {
        t.y.iter_mut()
            .for_each(|y| *y = ((f64::from(*y) - mean) / sd) as f32);
    };
    shift(&mut task);
    let valid = valid.map(|(vx, mut vt)| {
        shift(&mut vt);
        (vx, vt)
    });
    let mut rec = fit_record(p, x, task, valid, progress)?;
    let scale = |h: &mut TrainingHistory, f: f64| {
        h.train.iter_mut().for_each(|v| *v *= f);
        if let Some(v) = &mut h.valid {
            v.iter_mut().for_each(|v| *v *= f);
        }
    };
    scale(&mut rec.loss, sd * sd);
    scale(&mut rec.metric, sd);
    rec.target_shift = (mean, sd);
    Ok(rec)
}

fn class_inputs(
    p: &FtTransformerParams,
    data: &Dataset,
) -> Result<(Array2<f32>, TaskData, Vec<String>)> {
    let target = data.require_target()?;
    let Some(labels) = target.labels() else {
        return Err(Error::InvalidData(
            "FtTransformerClassifier needs class labels as the target, and this target is \
             continuous (use FtTransformerRegressor for regression)"
                .into(),
        ));
    };
    let labels = labels.to_vec();
    let x = model::features(data)?;
    let w = model::sample_weights(data)?;
    let task = model::task_data(target, &w, &p.class_weight, 1.0)?;
    Ok((x, task, labels))
}

fn value_inputs(p: &FtTransformerParams, data: &Dataset) -> Result<(Array2<f32>, TaskData)> {
    let target = data.require_target()?;
    if !matches!(target, Target::Continuous(_)) {
        return Err(Error::InvalidData(
            "FtTransformerRegressor needs a continuous target, and this target holds classes \
             (use FtTransformerClassifier for classification)"
                .into(),
        ));
    }
    let x = model::features(data)?;
    let w = model::sample_weights(data)?;
    let task = model::task_data(target, &w, &p.class_weight, 1.0)?;
    Ok((x, task))
}

fn valid_inputs(valid: &Dataset, labels: Option<&[String]>) -> Result<(Array2<f32>, TaskData)> {
    let vx = model::features(valid)?;
    let vw = model::sample_weights(valid)?;
    let vt = model::valid_task_data(valid.require_target()?, labels, &vw)?;
    Ok((vx, vt))
}

impl Estimator for FtTransformerClassifierParams {
    type Model = FtTransformerClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<FtTransformerClassifier> {
        self.0.validate()?;
        let (x, task, classes) = class_inputs(&self.0, data)?;
        let fitted = fit_record(&self.0, x, task, None, progress)?;
        Ok(FtTransformerClassifier { fitted, classes })
    }
}

impl FtTransformerClassifierParams {
    /// Fit on `train`, measuring the validation loss on `valid` every epoch instead of holding out
    /// `validation_fraction` of the rows; with `early_stopping`, training stops on it.
    pub fn fit_with_validation(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &dyn Progress,
    ) -> Result<FtTransformerClassifier> {
        self.0.validate()?;
        let (x, task, classes) = class_inputs(&self.0, train)?;
        let v = valid_inputs(valid, Some(&classes))?;
        let fitted = fit_record(&self.0, x, task, Some(v), progress)?;
        Ok(FtTransformerClassifier { fitted, classes })
    }
}

impl Estimator for FtTransformerRegressorParams {
    type Model = FtTransformerRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<FtTransformerRegressor> {
        self.0.validate()?;
        let (x, task) = value_inputs(&self.0, data)?;
        let fitted = fit_values(&self.0, x, task, None, progress)?;
        Ok(FtTransformerRegressor { fitted })
    }
}

impl FtTransformerRegressorParams {
    /// Fit on `train`, measuring the validation loss on `valid` every epoch instead of holding out
    /// `validation_fraction` of the rows; with `early_stopping`, training stops on it.
    pub fn fit_with_validation(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &dyn Progress,
    ) -> Result<FtTransformerRegressor> {
        self.0.validate()?;
        let (x, task) = value_inputs(&self.0, train)?;
        let v = valid_inputs(valid, None)?;
        let fitted = fit_values(&self.0, x, task, Some(v), progress)?;
        Ok(FtTransformerRegressor { fitted })
    }
}

/// A fitted FT-Transformer classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FtTransformerClassifier {
    fitted: FtRecord,
    classes: Vec<String>,
}

/// A fitted FT-Transformer regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FtTransformerRegressor {
    fitted: FtRecord,
}

impl FtRecord {
    fn input(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f32>> {
        satori_core::check_features(x, self.net.n_features)?;
        self.net.validate()?;
        Ok(to_f32_finite(x)?.iter().copied().collect())
    }

    fn raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f32>> {
        let xs = self.input(x)?;
        let (out, _) = self.net.forward(&xs, false);
        Array2::from_shape_vec((x.nrows(), self.net.n_outputs()), out)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    fn attention(&self, x: ArrayView2<'_, f64>) -> Result<Attention> {
        let xs = self.input(x)?;
        let (_, values) = self.net.forward(&xs, true);
        Ok(Attention {
            n_rows: x.nrows(),
            n_blocks: self.net.blocks.len(),
            n_heads: self.net.n_heads,
            n_tokens: self.net.n_tokens(),
            values,
        })
    }

    fn summary(&self) -> String {
        let n = &self.net;
        format!(
            "FT-Transformer: {} feature tokens + [CLS], d_token {}, {} block(s) of {} head(s), \
             feed-forward {} ({:?}), {} output(s); {} parameters",
            n.n_features,
            n.d_token,
            n.blocks.len(),
            n.n_heads,
            n.ffn_hidden,
            n.ffn_activation,
            n.n_outputs(),
            n.n_parameters()
        )
    }
}

macro_rules! fitted_common {
    ($t:ty) => {
        impl $t {
            /// Per-epoch loss (training: mean over the epoch's batches; validation with
            /// `early_stopping` or a validation set).
            pub fn loss_curve(&self) -> &TrainingHistory {
                &self.fitted.loss
            }
            /// Per-epoch accuracy (classifier) or RMSE (regressor).
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
            /// Why training stopped early on a non-finite loss, if it did.
            pub fn stop_reason(&self) -> Option<&str> {
                self.fitted.stop_reason.as_deref()
            }
            /// The parameters it was trained with.
            pub fn params(&self) -> &FtTransformerParams {
                &self.fitted.params
            }
            /// The weights.
            pub fn network(&self) -> &FtNet {
                &self.fitted.net
            }
            /// The architecture and parameter count in one line.
            pub fn summary(&self) -> String {
                self.fitted.summary()
            }
            /// The attention probabilities of every row of `x`, block and head.
            pub fn attention(&self, x: ArrayView2<'_, f64>) -> Result<Attention> {
                self.fitted.attention(x)
            }
        }
    };
}
fitted_common!(FtTransformerClassifier);
fitted_common!(FtTransformerRegressor);

impl FtTransformerClassifier {
    /// A classifier from stored weights and class labels (checked against each other).
    pub fn from_record(record: FtRecord, classes: Vec<String>) -> Result<Self> {
        record.net.validate()?;
        if record.net.n_outputs() != classes.len() {
            return Err(Error::InvalidData(format!(
                "an FT-Transformer classifier needs one output per class ({})",
                classes.len()
            )));
        }
        Ok(FtTransformerClassifier {
            fitted: record,
            classes,
        })
    }

    /// The logits (one column per class) of each row.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(self.fitted.raw(x)?.mapv(f64::from))
    }
}

impl FtTransformerRegressor {
    /// A regressor from stored weights (one output).
    pub fn from_record(record: FtRecord) -> Result<Self> {
        record.net.validate()?;
        if record.net.n_outputs() != 1 {
            return Err(Error::InvalidData(
                "an FT-Transformer regressor needs exactly one output".into(),
            ));
        }
        Ok(FtTransformerRegressor { fitted: record })
    }
}

impl Predictor for FtTransformerClassifier {
    fn n_features(&self) -> usize {
        self.fitted.net.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(with_classes(self.predict_proba(x)?).0)
    }
}

impl PredictProba for FtTransformerClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(softmax_rows(self.fitted.raw(x)?.view()))
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        Ok(with_classes(self.predict_proba(x)?))
    }
}

impl Predictor for FtTransformerRegressor {
    fn n_features(&self) -> usize {
        self.fitted.net.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let (mean, sd) = self.fitted.target_shift;
        Ok(self
            .fitted
            .raw(x)?
            .column(0)
            .mapv(|v| f64::from(v) * sd + mean))
    }
}
