//! [`SgdClassifierParams`] → [`SgdClassifier`].

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::rng::derive_seed;
use satori_core::{
    CsMat, Dataset, Error, Estimator, NoProgress, Params, PredictProba, Predictor, Progress,
    Result, SparseEstimator, SparsePredictor, Target, check_features,
};
use serde::{Deserialize, Serialize};

use super::kernel::{self, Config, Loss, Rows, State};
use super::{LearningRate, Penalty, dense_score, epoch_orders, kernel_l1_ratio, validate_common};
use crate::common::classes::{
    ClassWeight, check_finite, class_codes, class_target, csr_class_input, dense_class_input,
    expit, labels_from_scores, present_classes, require_rows, require_two_classes,
};
use crate::common::sparse::{XRef, check_predict_csr, csr_scores};

const NAME: &str = "SgdClassifier";

/// The loss of an [`SgdClassifier`] (scikit-learn's `loss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SgdClassifierLoss {
    /// `max(0, 1 - y p)`: a linear SVM (default).
    #[default]
    Hinge,
    /// The logistic loss: logistic regression; gives probabilities.
    LogLoss,
    /// A smoothed hinge, quadratic for `y p` in [-1, 1]; gives probabilities.
    ModifiedHuber,
    /// `max(0, 1 - y p)²`.
    SquaredHinge,
    /// `max(0, -y p)`: the perceptron.
    Perceptron,
}

impl SgdClassifierLoss {
    fn kernel(self) -> Loss {
        match self {
            SgdClassifierLoss::Hinge => Loss::Hinge(1.0),
            SgdClassifierLoss::LogLoss => Loss::Log,
            SgdClassifierLoss::ModifiedHuber => Loss::ModifiedHuber,
            SgdClassifierLoss::SquaredHinge => Loss::SquaredHinge(1.0),
            SgdClassifierLoss::Perceptron => Loss::Hinge(0.0),
        }
    }
}

/// Parameters of an [`SgdClassifier`], with scikit-learn 1.9's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct SgdClassifierParams {
    /// The loss. Default `hinge`; one of `hinge`, `log_loss`, `modified_huber`,
    /// `squared_hinge`, `perceptron`.
    pub loss: SgdClassifierLoss,
    /// The penalty. Default `l2`; one of `none`, `l2`, `l1`, `elasticnet`.
    pub penalty: Penalty,
    /// Penalty strength (and the scale of the `optimal` schedule). Default 1e-4; must be ≥ 0,
    /// and > 0 with `learning_rate = "optimal"`.
    pub alpha: f64,
    /// Elastic-net mixing (used by `elasticnet` only): 1 is L1, 0 is L2. Default 0.15; in [0, 1].
    pub l1_ratio: f64,
    /// Whether to fit an intercept. Default true.
    pub fit_intercept: bool,
    /// Maximum number of epochs (passes over the data). Default 1000; must be ≥ 1.
    pub max_iter: usize,
    /// Stop when `n_iter_no_change` epochs in a row fail to bring the mean training objective
    /// below the best so far minus `tol`. Default 1e-3; ≥ 0, or absent (`null` in JSON) to
    /// always run `max_iter` epochs.
    pub tol: Option<f64>,
    /// Whether to shuffle the rows before each epoch (with `seed`). Default true.
    pub shuffle: bool,
    /// Seed of the shuffling. Any value; default 0.
    pub seed: u64,
    /// The learning-rate schedule. Default `optimal`; one of `constant`, `optimal`,
    /// `invscaling`, `adaptive`.
    pub learning_rate: LearningRate,
    /// Initial learning rate of `constant`, `invscaling` and `adaptive`. Default 0.01; > 0.
    pub eta0: f64,
    /// Exponent of `invscaling`. Default 0.5; finite.
    pub power_t: f64,
    /// Epochs without improvement before stopping (or, with `adaptive`, dividing the rate by 5).
    /// Default 5; ≥ 1.
    pub n_iter_no_change: usize,
    /// Class weights multiplied into the sample weights; `balanced` uses plain row counts, as
    /// scikit-learn's SGD. Default none. Not available with `partial_fit` for `balanced`.
    pub class_weight: ClassWeight,
    /// Average the coefficients over the updates from update `average` on (scikit-learn's
    /// `average=True` is 1). Default 0 (no averaging).
    pub average: u64,
}

impl Default for SgdClassifierParams {
    fn default() -> Self {
        SgdClassifierParams {
            loss: SgdClassifierLoss::Hinge,
            penalty: Penalty::L2,
            alpha: 1e-4,
            l1_ratio: 0.15,
            fit_intercept: true,
            max_iter: 1000,
            tol: Some(1e-3),
            shuffle: true,
            seed: 0,
            learning_rate: LearningRate::Optimal,
            eta0: 0.01,
            power_t: 0.5,
            n_iter_no_change: 5,
            class_weight: ClassWeight::None,
            average: 0,
        }
    }
}

impl Params for SgdClassifierParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            self.penalty,
            self.alpha,
            self.l1_ratio,
            self.learning_rate,
            self.eta0,
            self.power_t,
            self.max_iter,
            self.tol,
            self.n_iter_no_change,
        )?;
        self.class_weight.validate()
    }
}

impl SgdClassifierParams {
    fn config(&self) -> Config {
        Config {
            loss: self.loss.kernel(),
            penalty: self.penalty,
            alpha: self.alpha,
            l1_ratio: kernel_l1_ratio(self.penalty, self.l1_ratio),
            learning_rate: self.learning_rate,
            eta0: self.eta0,
            power_t: self.power_t,
            fit_intercept: self.fit_intercept,
            average: self.average,
            tol: self.tol,
            n_iter_no_change: self.n_iter_no_change,
        }
    }

    /// A new model from one pass over `data`, in row order (scikit-learn's first `partial_fit`
    /// call, with the classes taken from the target's full label list). Continue it with
    /// [`SgdClassifier::partial_fit`].
    pub fn partial_fit(&self, data: &Dataset) -> Result<SgdClassifier> {
        self.validate_online()?;
        let (codes, labels) = class_target(data, NAME)?;
        let mut model = self.start_online(codes, labels, data.n_features())?;
        model.partial_fit(data)?;
        Ok(model)
    }

    /// The checks of a first `partial_fit`: [`Params::validate`], and class weights that do not
    /// need the whole training set.
    fn validate_online(&self) -> Result<()> {
        self.validate()?;
        if self.class_weight == ClassWeight::Balanced {
            return Err(Error::param(
                "class_weight",
                "`balanced` needs the whole training set, so it is not available with \
                 partial_fit; give the weights as a map instead",
            ));
        }
        Ok(())
    }

    /// A model before its first pass: classes from the full label list, zero weights.
    fn start_online(
        &self,
        codes: ArrayView1<'_, usize>,
        labels: &[String],
        n_features: usize,
    ) -> Result<SgdClassifier> {
        if labels.len() < 2 {
            return Err(Error::InvalidData(format!(
                "{NAME} needs at least two class labels in the target, got {}",
                labels.len()
            )));
        }
        let all: Vec<usize> = (0..labels.len()).collect();
        let class_w = self.class_weight.resolve(labels, codes, &all, None)?;
        let cfg = self.config();
        let n_states = if labels.len() == 2 { 1 } else { labels.len() };
        Ok(SgdClassifier {
            states: vec![State::new(n_features, &cfg); n_states],
            cfg,
            loss: self.loss,
            classes: labels.to_vec(),
            fitted: all,
            class_weight: class_w,
            n_features,
            n_iter: 0,
            converged: false,
        })
    }

    /// [`partial_fit`](Self::partial_fit) on a CSR matrix (a first pass, in row order); continue
    /// with [`SgdClassifier::partial_fit_csr`].
    pub fn partial_fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<SgdClassifier> {
        self.validate_online()?;
        let (codes, labels) = class_codes(target, NAME)?;
        let mut model = self.start_online(codes, labels, x.cols())?;
        model.partial_fit_csr(x, target, weights)?;
        Ok(model)
    }
}

impl Estimator for SgdClassifierParams {
    type Model = SgdClassifier;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<SgdClassifier> {
        self.validate()?;
        let (codes, labels) = dense_class_input(data, NAME)?;
        self.fit_rows(
            XRef::Dense(data.x()),
            codes,
            labels,
            data.weights(),
            progress,
        )
    }
}

impl SgdClassifierParams {
    /// The fit on checked features (dense or CSR), class codes and sample weights.
    pub(crate) fn fit_rows(
        &self,
        x: XRef<'_>,
        codes: ArrayView1<'_, usize>,
        labels: &[String],
        weights: Option<ArrayView1<'_, f64>>,
        progress: &dyn Progress,
    ) -> Result<SgdClassifier> {
        let n_features = x.ncols();
        let present = present_classes(codes, labels.len());
        require_two_classes(&present, labels, NAME)?;
        let class_w = self.class_weight.resolve(labels, codes, &present, None)?;
        let cfg = self.config();
        let mut model = SgdClassifier {
            states: Vec::new(),
            cfg,
            loss: self.loss,
            classes: labels.to_vec(),
            fitted: present,
            class_weight: class_w,
            n_features,
            n_iter: 0,
            converged: false,
        };
        let problems = model.n_problems();
        progress.start("SGD classifier", Some(problems as u64));
        let results: Vec<Result<(State, usize)>> = (0..problems)
            .into_par_iter()
            .map(|k| {
                let (y, weight) = model.encode(k, codes, weights);
                let rows = Rows {
                    x,
                    y: &y,
                    weight: &weight,
                };
                let mut state = State::new(model.n_features, &model.cfg);
                let orders =
                    epoch_orders(codes.len(), self.shuffle, derive_seed(self.seed, k as u64));
                let epochs =
                    kernel::run(&mut state, &model.cfg, &rows, self.max_iter, true, orders)?;
                progress.advance(1);
                Ok((state, epochs))
            })
            .collect();
        progress.finish();
        for r in results {
            let (state, epochs) = r?;
            model.states.push(state);
            model.n_iter = model.n_iter.max(epochs);
        }
        model.converged = model.n_iter < self.max_iter;
        if !model.converged {
            progress.note(&format!(
                "SgdClassifier ran all {} epochs without meeting tol; increase max_iter",
                self.max_iter
            ));
        }
        Ok(model)
    }
}

/// A fitted SGD classifier: one linear function for two classes, one per class (one-vs-rest)
/// for more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgdClassifier {
    cfg: Config,
    loss: SgdClassifierLoss,
    states: Vec<State>,
    classes: Vec<String>,
    /// Label codes of the classes the model distinguishes, ascending.
    fitted: Vec<usize>,
    /// Weight of each label (1 when not given).
    class_weight: Vec<f64>,
    n_features: usize,
    n_iter: usize,
    converged: bool,
}

impl SgdClassifier {
    fn n_problems(&self) -> usize {
        if self.fitted.len() == 2 {
            1
        } else {
            self.fitted.len()
        }
    }

    /// Targets in the loss's encoding and per-row weights (class weight × sample weight) of
    /// binary problem `k`.
    fn encode(
        &self,
        k: usize,
        codes: ArrayView1<'_, usize>,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> (Vec<f64>, Vec<f64>) {
        let (positive, w_pos, w_neg) = if self.fitted.len() == 2 {
            let (c0, c1) = (self.fitted[0], self.fitted[1]);
            (c1, self.class_weight[c1], self.class_weight[c0])
        } else {
            let c = self.fitted[k];
            (c, self.class_weight[c], 1.0)
        };
        let negative = if self.cfg.loss == Loss::Log {
            0.0
        } else {
            -1.0
        };
        let mut y = Vec::with_capacity(codes.len());
        let mut w = Vec::with_capacity(codes.len());
        for (i, &c) in codes.iter().enumerate() {
            let yi = if c == positive { 1.0 } else { negative };
            let cw = if yi > 0.0 { w_pos } else { w_neg };
            y.push(yi);
            w.push(cw * weights.map_or(1.0, |s| s[i]));
        }
        (y, w)
    }

    /// One more pass over `data`, in row order, continuing from the current state (see the
    /// module docs: passes over consecutive batches equal one pass over their concatenation).
    /// The target must have the same label list as the model's.
    pub fn partial_fit(&mut self, data: &Dataset) -> Result<()> {
        let (codes, labels) = class_target(data, NAME)?;
        require_rows(codes.len(), NAME)?;
        check_features(data.x(), self.n_features)?;
        check_finite(data.x(), NAME)?;
        self.partial_fit_rows(XRef::Dense(data.x()), codes, labels, data.weights())
    }

    /// [`partial_fit`](Self::partial_fit) on checked features (dense or CSR).
    pub(crate) fn partial_fit_rows(
        &mut self,
        x: XRef<'_>,
        codes: ArrayView1<'_, usize>,
        labels: &[String],
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<()> {
        if labels != self.classes.as_slice() {
            return Err(Error::InvalidData(format!(
                "partial_fit: the batch's class labels [{}] differ from the model's [{}]",
                labels.join(", "),
                self.classes.join(", ")
            )));
        }
        if let Some((i, &c)) = codes
            .iter()
            .enumerate()
            .find(|(_, c)| !self.fitted.contains(c))
        {
            return Err(Error::InvalidData(format!(
                "partial_fit: row {i} has class `{}`, which this model (fitted without it) \
                 cannot learn; fit again with all classes present",
                self.classes[c]
            )));
        }
        self.check_model()?;
        let mut states = std::mem::take(&mut self.states);
        let result: Result<Vec<()>> = states
            .par_iter_mut()
            .enumerate()
            .map(|(k, state)| {
                let (y, weight) = self.encode(k, codes, weights);
                let rows = Rows {
                    x,
                    y: &y,
                    weight: &weight,
                };
                let orders = epoch_orders(codes.len(), false, 0);
                kernel::run(state, &self.cfg, &rows, 1, false, orders).map(|_| ())
            })
            .collect();
        self.states = states;
        result?;
        self.n_iter = 1;
        Ok(())
    }

    /// Coefficients, `(1, n_features)` for two classes (of the second class), else
    /// `(n_classes, n_features)` — scikit-learn's `coef_`.
    pub fn coef(&self) -> Array2<f64> {
        let mut out = Array2::zeros((self.states.len(), self.n_features));
        for (k, s) in self.states.iter().enumerate() {
            let (c, _) = s.coef(&self.cfg);
            for (j, v) in c.into_iter().enumerate().take(self.n_features) {
                out[[k, j]] = v;
            }
        }
        out
    }

    /// Intercepts, one per row of [`coef`](Self::coef).
    pub fn intercept(&self) -> Vec<f64> {
        self.states.iter().map(|s| s.coef(&self.cfg).1).collect()
    }

    /// The loss it was trained with.
    pub fn loss(&self) -> SgdClassifierLoss {
        self.loss
    }

    /// Whether the loss gives probabilities (`log_loss`, `modified_huber`).
    pub fn gives_probabilities(&self) -> bool {
        matches!(
            self.loss,
            SgdClassifierLoss::LogLoss | SgdClassifierLoss::ModifiedHuber
        )
    }

    /// Epochs of the last fit (the most over the one-vs-rest problems); 1 after `partial_fit`.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the stopping rule ended the fit before `max_iter` epochs.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Updates done so far plus one (scikit-learn's `t_`), of the first binary problem.
    pub fn t(&self) -> f64 {
        self.states.first().map_or(1.0, |s| s.t)
    }

    /// The class code per row of raw scores: the largest score, for two classes the second
    /// class when the score is > 0.
    fn labels_of(&self, scores: &Array2<f64>) -> Array1<f64> {
        labels_from_scores(scores, &self.fitted)
    }

    /// The score-to-probability link of the loss, or an error for losses without one.
    fn proba_link(&self) -> Result<fn(f64) -> f64> {
        match self.loss {
            SgdClassifierLoss::LogLoss => Ok(expit),
            SgdClassifierLoss::ModifiedHuber => Ok(|d| (d.clamp(-1.0, 1.0) + 1.0) / 2.0),
            other => Err(Error::param(
                "loss",
                format!(
                    "probability estimates need loss = \"log_loss\" or \"modified_huber\", \
                     not {other:?}; use predict or decision_function"
                ),
            )),
        }
    }

    /// Probabilities from raw scores through `link`.
    fn proba_of(&self, scores: &Array2<f64>, link: fn(f64) -> f64) -> Array2<f64> {
        let mut out = Array2::zeros((scores.nrows(), self.classes.len()));
        for (i, s) in scores.outer_iter().enumerate() {
            if s.len() == 1 {
                let p1 = link(s[0]);
                out[[i, self.fitted[0]]] = 1.0 - p1;
                out[[i, self.fitted[1]]] = p1;
            } else {
                let p: Vec<f64> = s.iter().map(|d| link(*d)).collect();
                let sum: f64 = p.iter().sum();
                for (k, v) in p.iter().enumerate() {
                    out[[i, self.fitted[k]]] = if sum > 0.0 {
                        v / sum
                    } else {
                        1.0 / p.len() as f64
                    };
                }
            }
        }
        out
    }

    fn check_model(&self) -> Result<()> {
        let ok = self.fitted.len() >= 2
            && self.states.len() == self.n_problems()
            && self.fitted.iter().all(|&c| c < self.classes.len())
            && self.class_weight.len() == self.classes.len()
            && self
                .states
                .iter()
                .all(|s| s.consistent(self.n_features, &self.cfg));
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidData(
                "this SgdClassifier is inconsistent (state and class counts disagree); was the \
                 model file altered?"
                    .into(),
            ))
        }
    }

    /// Raw scores: `(n, 1)` for two classes (positive = second class), else one column per
    /// fitted class.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        check_finite(x, NAME)?;
        self.check_model()?;
        let coefs: Vec<(Vec<f64>, f64)> = self.states.iter().map(|s| s.coef(&self.cfg)).collect();
        let mut out = Array2::zeros((x.nrows(), coefs.len()));
        for (i, row) in x.outer_iter().enumerate() {
            for (k, (w, b)) in coefs.iter().enumerate() {
                out[[i, k]] = dense_score(row, w, *b);
            }
        }
        Ok(out)
    }
}

impl Predictor for SgdClassifier {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The class code (as `f64`) with the largest score; for two classes the second when the
    /// score is > 0.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let scores = self.decision_function(x)?;
        Ok(self.labels_of(&scores))
    }
}

impl PredictProba for SgdClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Probabilities for `log_loss` (the logistic function of each score) and `modified_huber`
    /// (`(clip(score, -1, 1) + 1) / 2`), normalised over the classes for one-vs-rest (uniform
    /// when every class gets 0), as scikit-learn; labels without a model get 0. Other losses
    /// have no probabilities: an `InvalidParameter` error naming `loss`.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let link = self.proba_link()?;
        let scores = self.decision_function(x)?;
        Ok(self.proba_of(&scores, link))
    }
}

impl SparseEstimator for SgdClassifierParams {
    /// [`Estimator::fit`] on a CSR matrix, with scikit-learn's sparse SGD: the same updates
    /// through the stored entries only (the L1 penalty and the weight norms of the stopping rule
    /// on the features of the current row) and intercept updates scaled by 0.01.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<SgdClassifier> {
        self.validate()?;
        let (codes, labels, w) = csr_class_input(x, target, weights, NAME)?;
        self.fit_rows(
            XRef::Csr(x),
            codes,
            labels,
            w.as_ref().map(|w| w.view()),
            &NoProgress,
        )
    }
}

impl SgdClassifier {
    /// [`partial_fit`](Self::partial_fit) on a CSR matrix: one more pass in row order with the
    /// sparse updates of [`SparseEstimator::fit_csr`].
    pub fn partial_fit_csr(
        &mut self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<()> {
        let (codes, labels, w) = csr_class_input(x, target, weights, NAME)?;
        check_predict_csr(x, self.n_features, NAME)?;
        self.partial_fit_rows(XRef::Csr(x), codes, labels, w.as_ref().map(|w| w.view()))
    }

    /// [`decision_function`](Self::decision_function) for a CSR matrix (the same values: the
    /// skipped zeros add nothing).
    pub fn decision_function_csr(&self, x: &CsMat<f64>) -> Result<Array2<f64>> {
        check_predict_csr(x, self.n_features, NAME)?;
        self.check_model()?;
        let coefs: Vec<(Vec<f64>, f64)> = self.states.iter().map(|s| s.coef(&self.cfg)).collect();
        Ok(csr_scores(x, coefs.iter().map(|(w, b)| (w.as_slice(), *b))))
    }
}

impl SparsePredictor for SgdClassifier {
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>> {
        let scores = self.decision_function_csr(x)?;
        Ok(self.labels_of(&scores))
    }

    /// Probabilities for `log_loss` and `modified_huber` (as [`PredictProba::predict_proba`]);
    /// `None` for the other losses, which give none.
    fn predict_proba_csr(&self, x: &CsMat<f64>) -> Result<Option<Array2<f64>>> {
        let Ok(link) = self.proba_link() else {
            check_predict_csr(x, self.n_features, NAME)?;
            return Ok(None);
        };
        let scores = self.decision_function_csr(x)?;
        Ok(Some(self.proba_of(&scores, link)))
    }
}
