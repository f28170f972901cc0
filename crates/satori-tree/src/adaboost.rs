//! AdaBoost with decision trees: [`AdaBoostClassifierParams`] (scikit-learn 1.9's
//! `AdaBoostClassifier`, SAMME, its only algorithm), [`AdaBoostRegressorParams`] (scikit-learn's
//! `AdaBoostRegressor`, AdaBoost.R2) and [`RusBoostClassifierParams`] (imbalanced-learn's
//! `RUSBoostClassifier`: SAMME with a random under-sample of the rows before each round).
//!
//! The classifier follows scikit-learn step by step: the sample weights are normalised, clipped
//! at machine epsilon before each round, each round fits a tree (depth 1 by default) with them,
//! the weighted error `ε` gives the tree weight `α = learning_rate · (ln((1 − ε)/ε) + ln(K − 1))`
//! and the misclassified rows' weights grow by `e^α`; a perfect tree ends the fit with weight 1,
//! a tree no better than chance (`ε ≥ 1 − 1/K`) is dropped and ends it. The decision function is
//! the weight-normalised vote (`α` for the predicted class, `−α/(K − 1)` for the others) and the
//! probabilities its softmax (over `±d/2` for two classes, `d/(K − 1)` otherwise). With the same
//! trees (scikit-learn's and satori's decision trees split identically when no two candidate
//! splits tie) the predictions and probabilities are scikit-learn's.
//!
//! The regressor's rounds draw a weighted bootstrap sample of the rows (satori's random stream,
//! from `seed`), fit a tree (depth 3 by default) on it, and weigh it by the normalised loss
//! (`linear`, `square` or `exponential`); predictions are the weighted median of the trees'.
//!
//! ```
//! use satori_core::{Estimator, PredictProba, Predictor};
//! use satori_testkit::generate;
//! use satori_tree::AdaBoostClassifierParams;
//!
//! let data = generate::binary(200, 1);
//! let model = AdaBoostClassifierParams { n_estimators: 20, ..Default::default() }.fit(&data).unwrap();
//! assert!(model.n_trees() <= 20);
//! let p = model.predict_proba(data.x()).unwrap();
//! assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
//! ```

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::numeric::pairwise_sum;
use satori_core::rng::{RngExt, derive_seed, rng};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, check_features,
};
use serde::{Deserialize, Serialize};

use crate::builder::grow;
use crate::criterion::{ClassCriterion, Crit, RegCriterion, Targets};
use crate::decision_tree::{check_model, spec};
use crate::flat::FlatTree;
use crate::forest::UnderSampling;
use crate::forest::balanced::UnderSampler;
use crate::params::{FeatureSampling, Prepared, Splitter, prepare, tree_importances};

fn check_common(n_estimators: usize, learning_rate: f64, max_depth: usize) -> Result<()> {
    if n_estimators == 0 {
        return Err(Error::param("n_estimators", "must be at least 1, got 0"));
    }
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return Err(Error::param(
            "learning_rate",
            format!("must be a finite number > 0 (default 1.0), got {learning_rate}"),
        ));
    }
    if max_depth == 0 {
        return Err(Error::param(
            "max_depth",
            "the depth of each tree must be at least 1, got 0",
        ));
    }
    Ok(())
}

/// Parameters of an AdaBoost classifier (scikit-learn 1.9's `AdaBoostClassifier`, SAMME) whose
/// weak learners are decision trees (scikit-learn's default `DecisionTreeClassifier(max_depth=1)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct AdaBoostClassifierParams {
    /// The most boosting rounds (trees); fewer when a tree is perfect or no better than chance.
    /// Default 50; at least 1.
    pub n_estimators: usize,
    /// Multiplies each tree's weight. Default 1.0; finite, > 0.
    pub learning_rate: f64,
    /// The depth of each tree. Default 1 (stumps); at least 1.
    pub max_depth: usize,
    /// The impurity the trees minimise: `gini` (default), `entropy` or `log_loss`.
    pub criterion: ClassCriterion,
    /// Seed of the trees' feature order (it only decides between equally good splits).
    /// Default 0.
    pub seed: u64,
}

impl Default for AdaBoostClassifierParams {
    fn default() -> Self {
        AdaBoostClassifierParams {
            n_estimators: 50,
            learning_rate: 1.0,
            max_depth: 1,
            criterion: ClassCriterion::default(),
            seed: 0,
        }
    }
}

impl Params for AdaBoostClassifierParams {
    fn validate(&self) -> Result<()> {
        check_common(self.n_estimators, self.learning_rate, self.max_depth)
    }
}

/// Parameters of RUSBoost (imbalanced-learn 0.14's `RUSBoostClassifier`): SAMME boosting in
/// which each round fits its tree on a random under-sample of the rows (with their current
/// boosting weights) that balances the classes; the error and the weight update use every row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct RusBoostClassifierParams {
    /// The most boosting rounds (trees). Default 50; at least 1.
    pub n_estimators: usize,
    /// Multiplies each tree's weight. Default 1.0; finite, > 0.
    pub learning_rate: f64,
    /// The depth of each tree. Default 1 (stumps); at least 1.
    pub max_depth: usize,
    /// The impurity the trees minimise: `gini` (default), `entropy` or `log_loss`.
    pub criterion: ClassCriterion,
    /// Which classes each round's under-sampler shrinks to the minority's count: `"auto"`
    /// (default, every class but the minority), `"all"`, `"majority"`, `"not minority"`,
    /// `"not majority"`, or a ratio in (0, 1] (binary targets).
    pub sampling_strategy: UnderSampling,
    /// Draw the under-samples with replacement. Default false.
    pub replacement: bool,
    /// Seed of the under-samples and the trees' feature order. Default 0.
    pub seed: u64,
}

impl Default for RusBoostClassifierParams {
    fn default() -> Self {
        RusBoostClassifierParams {
            n_estimators: 50,
            learning_rate: 1.0,
            max_depth: 1,
            criterion: ClassCriterion::default(),
            sampling_strategy: UnderSampling::NotMinority,
            replacement: false,
            seed: 0,
        }
    }
}

impl Params for RusBoostClassifierParams {
    fn validate(&self) -> Result<()> {
        check_common(self.n_estimators, self.learning_rate, self.max_depth)?;
        if let UnderSampling::Ratio(r) = self.sampling_strategy
            && !(r > 0.0 && r <= 1.0)
        {
            return Err(Error::param(
                "sampling_strategy",
                format!("a ratio (minority / majority after sampling) must be in (0, 1], got {r}"),
            ));
        }
        Ok(())
    }
}

/// How AdaBoost.R2 turns a row's error (scaled to [0, 1] by the largest) into its loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdaBoostLoss {
    /// The scaled error (default).
    #[default]
    Linear,
    /// Its square.
    Square,
    /// `1 − e^(−error)`.
    Exponential,
}

/// Parameters of an AdaBoost regressor (scikit-learn's `AdaBoostRegressor`, AdaBoost.R2) whose
/// weak learners are regression trees (scikit-learn's default `DecisionTreeRegressor(max_depth=3)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct AdaBoostRegressorParams {
    /// The most boosting rounds (trees); fewer when a tree is perfect or its loss reaches 0.5.
    /// Default 50; at least 1.
    pub n_estimators: usize,
    /// Multiplies each tree's weight (and scales the weight update). Default 1.0; finite, > 0.
    pub learning_rate: f64,
    /// `linear` (default), `square` or `exponential`.
    pub loss: AdaBoostLoss,
    /// The depth of each tree. Default 3; at least 1.
    pub max_depth: usize,
    /// Seed of each round's weighted bootstrap sample. Default 0.
    pub seed: u64,
}

impl Default for AdaBoostRegressorParams {
    fn default() -> Self {
        AdaBoostRegressorParams {
            n_estimators: 50,
            learning_rate: 1.0,
            loss: AdaBoostLoss::Linear,
            max_depth: 3,
            seed: 0,
        }
    }
}

impl Params for AdaBoostRegressorParams {
    fn validate(&self) -> Result<()> {
        check_common(self.n_estimators, self.learning_rate, self.max_depth)
    }
}

/// A fitted AdaBoost (SAMME) or RUSBoost classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostClassifier {
    trees: Vec<FlatTree>,
    /// scikit-learn's `estimator_weights_`: one per round asked for, 0 for rounds not kept.
    estimator_weights: Vec<f64>,
    /// scikit-learn's `estimator_errors_`: one per round asked for, 1 for rounds not run.
    estimator_errors: Vec<f64>,
    classes: Vec<String>,
    n_features: usize,
}

/// A fitted RUSBoost classifier.
pub type RusBoostClassifier = AdaBoostClassifier;

/// A fitted AdaBoost.R2 regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostRegressor {
    trees: Vec<FlatTree>,
    estimator_weights: Vec<f64>,
    estimator_errors: Vec<f64>,
    n_features: usize,
}

/// The class code with the largest value of each row of a tree's leaf fractions (the first on
/// ties, as `np.argmax`).
fn tree_classes(tree: &FlatTree, x: ArrayView2<'_, f64>) -> Result<Vec<u32>> {
    let v = tree.predict(x)?;
    Ok(v.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (i, x) in r.iter().enumerate() {
                if *x > r[best] {
                    best = i;
                }
            }
            best as u32
        })
        .collect())
}

/// Normalises the data's sample weights to sum to 1, as scikit-learn's `fit`.
fn initial_weights(w: &[f64]) -> Result<Vec<f64>> {
    let total = pairwise_sum(w);
    if !(total > 0.0 && total.is_finite()) {
        return Err(Error::InvalidData(
            "AdaBoost needs sample weights with a positive, finite sum".into(),
        ));
    }
    Ok(w.iter().map(|v| v / total).collect())
}

/// Clips the weights at machine epsilon, keeping the rows that started at zero at zero.
fn clip(w: &mut [f64], zero: &[bool]) {
    for (v, &z) in w.iter_mut().zip(zero) {
        *v = if z { 0.0 } else { v.max(f64::EPSILON) };
    }
}

struct SammeConfig {
    what: &'static str,
    n_estimators: usize,
    learning_rate: f64,
    max_depth: usize,
    crit: Crit,
    seed: u64,
    sampler: Option<(UnderSampling, bool)>,
}

fn fit_samme(
    cfg: &SammeConfig,
    data: &Dataset,
    progress: &dyn Progress,
) -> Result<AdaBoostClassifier> {
    let Prepared {
        cols,
        y,
        class,
        labels,
        w,
    } = prepare(data, true, cfg.what)?;
    let k = labels.len();
    let n = class.len();
    let sampler = cfg
        .sampler
        .map(|(s, r)| UnderSampler::new(s, r, &class, &labels))
        .transpose()?;
    let mut r = rng(derive_seed(cfg.seed, 1));
    let zero: Vec<bool> = w.iter().map(|v| *v == 0.0).collect();
    let mut w = initial_weights(&w)?;
    let t = Targets {
        y: &y,
        class: &class,
        n_classes: k,
    };
    let mut trees = Vec::new();
    let mut weights = vec![0.0; cfg.n_estimators];
    let mut errors = vec![1.0; cfg.n_estimators];
    progress.start(cfg.what, Some(cfg.n_estimators as u64));
    for iboost in 0..cfg.n_estimators {
        clip(&mut w, &zero);
        let s = spec(
            cfg.crit,
            Splitter::Best,
            Some(cfg.max_depth),
            2,
            1,
            0.0,
            FeatureSampling::All,
            None,
            0.0,
            cols.n_features(),
            derive_seed(cfg.seed, iboost as u64 + 2),
        )?;
        let fit_w = match &sampler {
            None => w.clone(),
            Some(s) => {
                let mut fw = vec![0.0; n];
                for i in s.draw(&mut r) {
                    fw[i as usize] += w[i as usize];
                }
                fw
            }
        };
        let tree = grow(&s, &cols, &t, &fit_w, k)?;
        let pred = tree_classes(&tree, data.x())?;
        let incorrect: Vec<f64> = pred
            .iter()
            .zip(&class)
            .map(|(p, c)| if p != c { 1.0 } else { 0.0 })
            .collect();
        let prod: Vec<f64> = incorrect.iter().zip(&w).map(|(a, b)| a * b).collect();
        let error = pairwise_sum(&prod) / pairwise_sum(&w);
        progress.advance(1);
        if error <= 0.0 {
            trees.push(tree);
            weights[iboost] = 1.0;
            errors[iboost] = 0.0;
            break;
        }
        if error >= 1.0 - 1.0 / k as f64 {
            if trees.is_empty() {
                return Err(Error::InvalidData(format!(
                    "{}: the first tree is no better than chance (weighted error {error:.4} with \
                     {k} classes), so the ensemble cannot be fit; check that the features carry \
                     information about the target",
                    cfg.what
                )));
            }
            break;
        }
        let alpha = cfg.learning_rate * (((1.0 - error) / error).ln() + (k as f64 - 1.0).ln());
        trees.push(tree);
        weights[iboost] = alpha;
        errors[iboost] = error;
        if iboost != cfg.n_estimators - 1 {
            for (v, inc) in w.iter_mut().zip(&incorrect) {
                let pos = if *v > 0.0 { 1.0 } else { 0.0 };
                *v = if sampler.is_none() {
                    // scikit-learn: exp(log(w) + α · incorrect · (w > 0)).
                    (v.ln() + alpha * inc * pos).exp()
                } else {
                    // imbalanced-learn: w · exp(α · incorrect · (w > 0)).
                    *v * (alpha * inc * pos).exp()
                };
            }
        }
        let total = pairwise_sum(&w);
        if !total.is_finite() || total <= 0.0 {
            break;
        }
        if iboost < cfg.n_estimators - 1 {
            w.iter_mut().for_each(|v| *v /= total);
        }
    }
    progress.finish();
    Ok(AdaBoostClassifier {
        trees,
        estimator_weights: weights,
        estimator_errors: errors,
        classes: labels,
        n_features: cols.n_features(),
    })
}

impl Estimator for AdaBoostClassifierParams {
    type Model = AdaBoostClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<AdaBoostClassifier> {
        self.validate()?;
        fit_samme(
            &SammeConfig {
                what: "AdaBoostClassifier",
                n_estimators: self.n_estimators,
                learning_rate: self.learning_rate,
                max_depth: self.max_depth,
                crit: self.criterion.into(),
                seed: self.seed,
                sampler: None,
            },
            data,
            progress,
        )
    }
}

impl Estimator for RusBoostClassifierParams {
    type Model = AdaBoostClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<AdaBoostClassifier> {
        self.validate()?;
        fit_samme(
            &SammeConfig {
                what: "RUSBoostClassifier",
                n_estimators: self.n_estimators,
                learning_rate: self.learning_rate,
                max_depth: self.max_depth,
                crit: self.criterion.into(),
                seed: self.seed,
                sampler: Some((self.sampling_strategy, self.replacement)),
            },
            data,
            progress,
        )
    }
}

impl Estimator for AdaBoostRegressorParams {
    type Model = AdaBoostRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<AdaBoostRegressor> {
        self.validate()?;
        let what = "AdaBoostRegressor";
        let Prepared {
            cols, y, class, w, ..
        } = prepare(data, false, what)?;
        let n = y.len();
        let zero: Vec<bool> = w.iter().map(|v| *v == 0.0).collect();
        let mut w = initial_weights(&w)?;
        let t = Targets {
            y: &y,
            class: &class,
            n_classes: 0,
        };
        let mut r = rng(derive_seed(self.seed, 1));
        let mut trees = Vec::new();
        let mut weights = vec![0.0; self.n_estimators];
        let mut errors = vec![1.0; self.n_estimators];
        progress.start(what, Some(self.n_estimators as u64));
        for iboost in 0..self.n_estimators {
            clip(&mut w, &zero);
            // numpy's choice(p=w): searchsorted(cdf / cdf[-1], uniform, side="right").
            let mut cdf = Vec::with_capacity(n);
            let mut acc = 0.0;
            for v in &w {
                acc += v;
                cdf.push(acc);
            }
            let last = acc;
            cdf.iter_mut().for_each(|c| *c /= last);
            let mut counts = vec![0.0; n];
            for _ in 0..n {
                let u: f64 = r.random();
                let j = cdf.partition_point(|c| *c <= u).min(n - 1);
                counts[j] += 1.0;
            }
            let s = spec(
                RegCriterion::SquaredError.into(),
                Splitter::Best,
                Some(self.max_depth),
                2,
                1,
                0.0,
                FeatureSampling::All,
                None,
                0.0,
                cols.n_features(),
                derive_seed(self.seed, iboost as u64 + 2),
            )?;
            let tree = grow(&s, &cols, &t, &counts, 1)?;
            let pred = tree.predict(data.x())?;
            progress.advance(1);
            let mask: Vec<usize> = (0..n).filter(|&i| w[i] > 0.0).collect();
            let mut err: Vec<f64> = mask.iter().map(|&i| (pred[[i, 0]] - y[i]).abs()).collect();
            let max = err.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max != 0.0 {
                err.iter_mut().for_each(|e| *e /= max);
            }
            match self.loss {
                AdaBoostLoss::Linear => {}
                AdaBoostLoss::Square => err.iter_mut().for_each(|e| *e *= *e),
                AdaBoostLoss::Exponential => err.iter_mut().for_each(|e| *e = 1.0 - (-*e).exp()),
            }
            let prod: Vec<f64> = mask.iter().zip(&err).map(|(&i, e)| w[i] * e).collect();
            let error = pairwise_sum(&prod);
            trees.push(tree);
            if error <= 0.0 {
                weights[iboost] = 1.0;
                errors[iboost] = 0.0;
                break;
            }
            if error >= 0.5 {
                if trees.len() > 1 {
                    trees.pop();
                }
                break;
            }
            let beta = error / (1.0 - error);
            let alpha = self.learning_rate * (1.0 / beta).ln();
            if iboost != self.n_estimators - 1 {
                for (&i, e) in mask.iter().zip(&err) {
                    w[i] *= beta.powf((1.0 - e) * self.learning_rate);
                }
            }
            weights[iboost] = alpha;
            errors[iboost] = error;
            let total = pairwise_sum(&w);
            if !total.is_finite() || total <= 0.0 {
                break;
            }
            if iboost < self.n_estimators - 1 {
                w.iter_mut().for_each(|v| *v /= total);
            }
        }
        progress.finish();
        Ok(AdaBoostRegressor {
            trees,
            estimator_weights: weights,
            estimator_errors: errors,
            n_features: cols.n_features(),
        })
    }
}

fn check_trees(trees: &[FlatTree], weights: &[f64], n_features: usize, k: usize) -> Result<()> {
    if trees.is_empty() || weights.len() < trees.len() {
        return Err(Error::InvalidData(
            "the AdaBoost model has no trees (or fewer weights than trees); was the model file \
             altered?"
                .into(),
        ));
    }
    for t in trees {
        check_model(t, k)?;
        if t.n_features() != n_features {
            return Err(Error::InvalidData(
                "corrupt AdaBoost model: a tree takes another number of features".into(),
            ));
        }
    }
    Ok(())
}

/// `Σ wₜ · importancesₜ / Σ w`, scikit-learn's `feature_importances_`.
fn boosted_importances(trees: &[FlatTree], weights: &[f64], n_features: usize) -> Vec<f64> {
    let norm = pairwise_sum(weights);
    let mut sum = vec![0.0; n_features];
    for (t, w) in trees.iter().zip(weights) {
        sum.iter_mut()
            .zip(tree_importances(t))
            .for_each(|(a, b)| *a += w * b);
    }
    if norm != 0.0 {
        sum.iter_mut().for_each(|v| *v /= norm);
    }
    sum
}

impl AdaBoostClassifier {
    /// The fitted trees, in boosting order.
    pub fn trees(&self) -> &[FlatTree] {
        &self.trees
    }

    /// The number of trees kept.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// scikit-learn's `estimator_weights_`: one per round asked for, 0 for rounds not kept.
    pub fn estimator_weights(&self) -> &[f64] {
        &self.estimator_weights
    }

    /// scikit-learn's `estimator_errors_`: one per round asked for, 1 for rounds not run.
    pub fn estimator_errors(&self) -> &[f64] {
        &self.estimator_errors
    }

    /// Impurity importances of the trees, weighted by the tree weights.
    pub fn feature_importances(&self) -> Vec<f64> {
        boosted_importances(&self.trees, &self.estimator_weights, self.n_features)
    }

    /// scikit-learn's `decision_function`: one value per row for two classes (positive favours
    /// the second), else one per class.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        let k = self.classes.len();
        check_trees(&self.trees, &self.estimator_weights, self.n_features, k)?;
        let n = x.nrows();
        let mut pred = Array2::<f64>::zeros((n, k));
        let other = -1.0 / (k as f64 - 1.0);
        for (i, (tree, &w)) in self.trees.iter().zip(&self.estimator_weights).enumerate() {
            let p = tree_classes(tree, x)?;
            for (row, &c) in p.iter().enumerate() {
                for j in 0..k {
                    let v = if c as usize == j { w } else { other * w };
                    if i == 0 {
                        pred[[row, j]] = v;
                    } else {
                        pred[[row, j]] += v;
                    }
                }
            }
        }
        let norm = pairwise_sum(&self.estimator_weights);
        pred.mapv_inplace(|v| v / norm);
        if k == 2 {
            let d: Array1<f64> = pred.rows().into_iter().map(|r| -r[0] + r[1]).collect();
            return Ok(d.insert_axis(ndarray::Axis(1)));
        }
        Ok(pred)
    }
}

/// scikit-learn's `softmax` of each row: subtract the row maximum, exponentiate, divide by the
/// sum.
fn softmax_rows(mut m: Array2<f64>) -> Array2<f64> {
    for mut row in m.rows_mut() {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - max).exp());
        let s = pairwise_sum(&row.to_vec());
        row.mapv_inplace(|v| v / s);
    }
    m
}

impl Predictor for AdaBoostClassifier {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// For two classes the second when the decision function is positive, else the class with
    /// the largest decision value (the first on ties).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let d = self.decision_function(x)?;
        if self.classes.len() == 2 {
            return Ok(d.column(0).mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }));
        }
        Ok(crate::params::argmax_rows(&d))
    }
}

impl PredictProba for AdaBoostClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let d = self.decision_function(x)?;
        let k = self.classes.len();
        let scaled = if k == 2 {
            Array2::from_shape_fn((d.nrows(), 2), |(i, j)| {
                if j == 0 {
                    -d[[i, 0]] / 2.0
                } else {
                    d[[i, 0]] / 2.0
                }
            })
        } else {
            d.mapv(|v| v / (k as f64 - 1.0))
        };
        Ok(softmax_rows(scaled))
    }
}

impl AdaBoostRegressor {
    /// The fitted trees, in boosting order.
    pub fn trees(&self) -> &[FlatTree] {
        &self.trees
    }

    /// The number of trees kept.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// scikit-learn's `estimator_weights_`.
    pub fn estimator_weights(&self) -> &[f64] {
        &self.estimator_weights
    }

    /// scikit-learn's `estimator_errors_`.
    pub fn estimator_errors(&self) -> &[f64] {
        &self.estimator_errors
    }

    /// Impurity importances of the trees, weighted by the tree weights.
    pub fn feature_importances(&self) -> Vec<f64> {
        boosted_importances(&self.trees, &self.estimator_weights, self.n_features)
    }
}

impl Predictor for AdaBoostRegressor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The weighted median of the trees' predictions (scikit-learn's `_get_median_predict`):
    /// the smallest prediction whose cumulative tree weight reaches half the total.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features)?;
        check_trees(&self.trees, &self.estimator_weights, self.n_features, 1)?;
        let preds: Vec<Array2<f64>> = self
            .trees
            .iter()
            .map(|t| t.predict(x))
            .collect::<Result<_>>()?;
        let m = self.trees.len();
        let mut out = Array1::zeros(x.nrows());
        let mut order: Vec<usize> = (0..m).collect();
        for (i, o) in out.iter_mut().enumerate() {
            order.sort_by(|&a, &b| preds[a][[i, 0]].total_cmp(&preds[b][[i, 0]]));
            let mut cdf = Vec::with_capacity(m);
            let mut acc = 0.0;
            for &t in &order {
                acc += self.estimator_weights[t];
                cdf.push(acc);
            }
            let half = 0.5 * acc;
            let pos = cdf.iter().position(|c| *c >= half).unwrap_or(0);
            *o = preds[order[pos]][[i, 0]];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satori_core::Target;

    #[test]
    fn bad_parameters_are_errors() {
        for p in [
            AdaBoostClassifierParams {
                n_estimators: 0,
                ..Default::default()
            },
            AdaBoostClassifierParams {
                learning_rate: 0.0,
                ..Default::default()
            },
            AdaBoostClassifierParams {
                max_depth: 0,
                ..Default::default()
            },
        ] {
            assert!(p.validate().is_err(), "{p:?}");
        }
        assert!(
            AdaBoostRegressorParams {
                learning_rate: f64::NAN,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            RusBoostClassifierParams {
                sampling_strategy: UnderSampling::Ratio(0.0),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn a_perfect_stump_ends_the_fit_with_weight_one() {
        let x = array![[1.0], [2.0], [3.0], [4.0]];
        let y = Target::classes(array![0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap();
        let d = Dataset::new(x.clone(), vec!["f".into()])
            .unwrap()
            .with_target(y)
            .unwrap();
        let m = AdaBoostClassifierParams::default().fit(&d).unwrap();
        assert_eq!(m.n_trees(), 1);
        assert_eq!(m.estimator_weights()[0], 1.0);
        assert_eq!(m.estimator_errors()[0], 0.0);
        assert_eq!(
            m.predict(x.view()).unwrap().to_vec(),
            vec![0.0, 0.0, 1.0, 1.0]
        );
        // Votes (−1, +1) for a row of the second class: decision −(−1) + 1 = 2, probabilities
        // softmax(−1, 1), as scikit-learn.
        assert_eq!(m.decision_function(x.view()).unwrap()[[3, 0]], 2.0);
        let p = m.predict_proba(x.view()).unwrap();
        let e = 1.0 / (1.0 + (-2.0f64).exp());
        assert!((p[[3, 1]] - e).abs() < 1e-15);
    }
}
