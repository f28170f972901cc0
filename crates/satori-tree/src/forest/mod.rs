//! Random forests and extra trees, classifier and regressor (scikit-learn's
//! `RandomForestClassifier`, `RandomForestRegressor`, `ExtraTreesClassifier`,
//! `ExtraTreesRegressor`).
//!
//! Each tree is a CART tree ([`crate::decision_tree`]) grown on a bootstrap sample (random
//! forests; the draw counts become sample weights, as scikit-learn does) or on every row (extra
//! trees), trying `max_features` features per split: the best threshold of each (random forest)
//! or one uniformly drawn threshold of each (extra trees). Trees are grown in parallel with
//! rayon; tree `i` draws from a stream derived from `seed` and `i`
//! ([`satori_core::rng::derive_seed`]), so the forest is the same bit for bit at any number of
//! threads. Class probabilities are the mean of the trees' leaf class fractions; regression
//! predictions the mean of the trees' leaf values. `oob_score` scores every row with the trees
//! that did not draw it (accuracy or R², as scikit-learn; a row that every tree drew gets
//! probability 0 for every class, or prediction 0, as scikit-learn after its warning).
//!
//! ```
//! use satori_core::{Estimator, PredictProba};
//! use satori_testkit::generate;
//! use satori_tree::RandomForestClassifierParams;
//!
//! let data = generate::binary(200, 1);
//! let params = RandomForestClassifierParams { n_estimators: 20, oob_score: true, ..Default::default() };
//! let model = params.fit(&data).unwrap();
//! assert_eq!(model.n_trees(), 20);
//! assert!(model.oob_score().unwrap() > 0.7);
//! let p = model.predict_proba(data.x()).unwrap();
//! assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
//! ```

pub(crate) mod balanced;
mod params;
pub mod select;
mod window;

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::rng::{RngExt, derive_seed, rng};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, check_features,
};
use serde::{Deserialize, Serialize};

pub use balanced::{BalancedRandomForestClassifierParams, UnderSampling};
pub use params::{
    ExtraTreesClassifierParams, ExtraTreesRegressorParams, RandomForestClassifierParams,
    RandomForestRegressorParams, SampleSize,
};

use crate::builder::grow;
use crate::criterion::{Crit, Targets};
use crate::decision_tree::{check_model, spec};
use crate::flat::{FlatTree, TreeBody};
use crate::packed::Packed;
use crate::params::{
    ClassWeight, FeatureSampling, Prepared, Splitter, argmax_rows, check_poisson, prepare,
    tree_importances,
};
use crate::prune::prune;

/// The out-of-bag evaluation of a forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Oob {
    /// Accuracy (classifiers) or R² (regressors) of the out-of-bag predictions.
    pub score: f64,
    /// Per training row: the out-of-bag class probabilities (classifiers, `n_classes` values)
    /// or the out-of-bag prediction (regressors, one value), row-major.
    pub values: Vec<f64>,
    /// Values per row.
    pub width: usize,
}

/// A fitted forest classifier (random forest or extra trees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ClassifierData")]
pub struct ForestClassifier {
    trees: Vec<FlatTree>,
    classes: Vec<String>,
    n_features: usize,
    oob: Option<Oob>,
    /// The trees compiled for prediction (rebuilt when read, never stored).
    #[serde(skip)]
    packed: Packed,
}

/// A fitted forest regressor (random forest or extra trees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RegressorData")]
pub struct ForestRegressor {
    trees: Vec<FlatTree>,
    n_features: usize,
    oob: Option<Oob>,
    /// The trees compiled for prediction (rebuilt when read, never stored).
    #[serde(skip)]
    packed: Packed,
}

/// [`ForestClassifier`] as stored, before its checks (its trees are converted and validated in
/// parallel).
#[derive(Deserialize)]
struct ClassifierData {
    trees: Vec<TreeBody>,
    classes: Vec<String>,
    n_features: usize,
    oob: Option<Oob>,
}

/// [`ForestRegressor`] as stored, before its checks.
#[derive(Deserialize)]
struct RegressorData {
    trees: Vec<TreeBody>,
    n_features: usize,
    oob: Option<Oob>,
}

impl TryFrom<ClassifierData> for ForestClassifier {
    type Error = Error;

    fn try_from(d: ClassifierData) -> Result<ForestClassifier> {
        ForestClassifier::new(read_trees(d.trees)?, d.classes, d.n_features, d.oob)
    }
}

impl TryFrom<RegressorData> for ForestRegressor {
    type Error = Error;

    fn try_from(d: RegressorData) -> Result<ForestRegressor> {
        ForestRegressor::new(read_trees(d.trees)?, d.n_features, d.oob)
    }
}

/// The trees of a forest as read, converted and validated in parallel (in order).
fn read_trees(bodies: Vec<TreeBody>) -> Result<Vec<FlatTree>> {
    bodies.into_par_iter().map(TreeBody::into_tree).collect()
}

/// The checks every forest passes once, when built or read (prediction relies on them): at
/// least one tree, every tree of the forest's features and `k` values per leaf; then the
/// prediction layout.
fn compile(trees: &[FlatTree], n_features: usize, k: usize) -> Result<Packed> {
    if trees.is_empty() {
        return Err(Error::InvalidData(
            "the forest has no trees; was the model file altered?".into(),
        ));
    }
    if k == 0 {
        return Err(Error::InvalidData(
            "corrupt forest: it predicts no values; was the model file altered?".into(),
        ));
    }
    for t in trees {
        check_model(t, k)?;
        if t.n_features() != n_features {
            return Err(Error::InvalidData(
                "corrupt forest: a tree takes another number of features".into(),
            ));
        }
    }
    Packed::new(trees)
}

impl ForestClassifier {
    /// A checked forest of `trees` over `classes` (each tree's leaves hold one probability per
    /// class), with its prediction layout compiled.
    pub(crate) fn new(
        trees: Vec<FlatTree>,
        classes: Vec<String>,
        n_features: usize,
        oob: Option<Oob>,
    ) -> Result<ForestClassifier> {
        let packed = compile(&trees, n_features, classes.len())?;
        Ok(ForestClassifier {
            trees,
            classes,
            n_features,
            oob,
            packed,
        })
    }
}

impl ForestRegressor {
    /// A checked forest of `trees` (one value per leaf), with its prediction layout compiled.
    pub(crate) fn new(
        trees: Vec<FlatTree>,
        n_features: usize,
        oob: Option<Oob>,
    ) -> Result<ForestRegressor> {
        let packed = compile(&trees, n_features, 1)?;
        Ok(ForestRegressor {
            trees,
            n_features,
            oob,
            packed,
        })
    }
}

/// A fitted random forest classifier.
pub type RandomForestClassifier = ForestClassifier;
/// A fitted extra-trees classifier.
pub type ExtraTreesClassifier = ForestClassifier;
/// A fitted random forest regressor.
pub type RandomForestRegressor = ForestRegressor;
/// A fitted extra-trees regressor.
pub type ExtraTreesRegressor = ForestRegressor;

/// The settings of a forest fit, common to the four parameter sets.
struct ForestConfig<'a> {
    what: &'static str,
    classification: bool,
    crit: Crit,
    splitter: Splitter,
    n_estimators: usize,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_weight_fraction_leaf: f64,
    max_features: FeatureSampling,
    max_leaf_nodes: Option<usize>,
    min_impurity_decrease: f64,
    bootstrap: bool,
    oob_score: bool,
    max_samples: Option<SampleSize>,
    ccp_alpha: f64,
    class_weight: Option<&'a ClassWeight>,
    /// The balanced random forest's per-tree under-sampling (none for the other forests).
    undersample: Option<(UnderSampling, bool)>,
    seed: u64,
}

/// What a forest fit produces.
struct Fitted {
    trees: Vec<FlatTree>,
    labels: Vec<String>,
    n_features: usize,
    oob: Option<Oob>,
}

fn fit_forest(cfg: &ForestConfig<'_>, data: &Dataset, progress: &dyn Progress) -> Result<Fitted> {
    let Prepared {
        cols,
        y,
        class,
        labels,
        mut w,
    } = prepare(data, cfg.classification, cfg.what)?;
    if cfg.crit == Crit::Poisson {
        check_poisson(&y)?;
    }
    let n = cols.n_rows();
    let subsample_weights = matches!(cfg.class_weight, Some(ClassWeight::BalancedSubsample));
    if let Some(cw) = cfg.class_weight
        && !(subsample_weights && cfg.bootstrap)
    {
        let per = cw.per_class(&labels, &class, None)?;
        w.iter_mut()
            .zip(&class)
            .for_each(|(wi, &c)| *wi *= per[c as usize]);
    }
    let n_boot = match cfg.max_samples {
        Some(m) => m.resolve(n)?,
        None => n,
    };
    let k = if cfg.classification { labels.len() } else { 1 };
    let sampler = cfg
        .undersample
        .map(|(strategy, replacement)| {
            balanced::UnderSampler::new(strategy, replacement, &class, &labels)
        })
        .transpose()?;
    let t = Targets {
        y: &y,
        class: &class,
        n_classes: labels.len(),
    };
    progress.start(cfg.what, Some(cfg.n_estimators as u64));
    let grown: Vec<(FlatTree, Vec<u32>)> = (0..cfg.n_estimators)
        .into_par_iter()
        .map(|i| {
            let tree_seed = derive_seed(cfg.seed, i as u64);
            let mut r = rng(tree_seed);
            let (wt, counts) = match &sampler {
                None => tree_weights(cfg, &w, &labels, &class, n_boot, &mut r)?,
                Some(s) => balanced_tree_weights(cfg, s, &w, &labels, &class, n_boot, &mut r)?,
            };
            let s = spec(
                cfg.crit,
                cfg.splitter,
                cfg.max_depth,
                cfg.min_samples_split,
                cfg.min_samples_leaf,
                cfg.min_weight_fraction_leaf,
                cfg.max_features,
                cfg.max_leaf_nodes,
                cfg.min_impurity_decrease,
                cols.n_features(),
                derive_seed(tree_seed, u64::MAX),
            )?;
            let tree = prune(&grow(&s, &cols, &t, &wt, k)?, cfg.ccp_alpha);
            progress.advance(1);
            Ok((tree, counts))
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish();
    let oob = if cfg.oob_score {
        Some(out_of_bag(
            &grown,
            data.x(),
            &y,
            &class,
            k,
            cfg.classification,
        )?)
    } else {
        None
    };
    Ok(Fitted {
        trees: grown.into_iter().map(|(t, _)| t).collect(),
        labels,
        n_features: cols.n_features(),
        oob,
    })
}

/// The sample weights of one tree and its bootstrap draw counts (empty without bootstrap): the
/// counts multiply the weights, and `balanced_subsample` class weights are computed on the
/// drawn rows, as scikit-learn's `_parallel_build_trees`.
fn tree_weights(
    cfg: &ForestConfig<'_>,
    w: &[f64],
    labels: &[String],
    class: &[u32],
    n_boot: usize,
    r: &mut satori_core::rng::SatoriRng,
) -> Result<(Vec<f64>, Vec<u32>)> {
    if !cfg.bootstrap {
        return Ok((w.to_vec(), Vec::new()));
    }
    let n = w.len();
    let subsample = matches!(cfg.class_weight, Some(ClassWeight::BalancedSubsample));
    let mut counts = vec![0u32; n];
    let mut drawn = Vec::with_capacity(if subsample { n_boot } else { 0 });
    for _ in 0..n_boot {
        let j = r.random_range(0..n);
        counts[j] += 1;
        if subsample {
            drawn.push(j as u32);
        }
    }
    let mut wt: Vec<f64> = w.iter().zip(&counts).map(|(a, &c)| a * c as f64).collect();
    if let (true, Some(cw)) = (subsample, cfg.class_weight) {
        let per = cw.per_class(labels, class, Some(&drawn))?;
        wt.iter_mut()
            .zip(class)
            .for_each(|(wi, &c)| *wi *= per[c as usize]);
    }
    Ok((wt, counts))
}

/// The sample weights of one balanced-forest tree: the rows of its under-sample (repeated rows
/// weigh more), then with `bootstrap` a bootstrap draw of `min(n_boot, under-sample size)`
/// positions of the under-sample, as imbalanced-learn's `_local_parallel_build_trees`. The
/// second vector marks the out-of-bag rows with 0 (rows of the under-sample that the bootstrap
/// did not draw) and every other row with 1.
fn balanced_tree_weights(
    cfg: &ForestConfig<'_>,
    sampler: &balanced::UnderSampler,
    w: &[f64],
    labels: &[String],
    class: &[u32],
    n_boot: usize,
    r: &mut satori_core::rng::SatoriRng,
) -> Result<(Vec<f64>, Vec<u32>)> {
    let n = w.len();
    let subset = sampler.draw(r);
    let mut counts = vec![0u32; n];
    let mut oob_marks = vec![1u32; n];
    if !cfg.bootstrap {
        subset.iter().for_each(|&i| counts[i as usize] += 1);
    } else {
        let m = subset.len();
        let nb = n_boot.min(m);
        let mut drawn = Vec::with_capacity(nb);
        for _ in 0..nb {
            let j = subset[r.random_range(0..m)];
            counts[j as usize] += 1;
            drawn.push(j);
        }
        for &i in &subset {
            if counts[i as usize] == 0 {
                oob_marks[i as usize] = 0;
            }
        }
        let mut wt: Vec<f64> = w.iter().zip(&counts).map(|(a, &c)| a * c as f64).collect();
        if let Some(cw @ ClassWeight::BalancedSubsample) = cfg.class_weight {
            let per = cw.per_class(labels, class, Some(&drawn))?;
            wt.iter_mut()
                .zip(class)
                .for_each(|(wi, &c)| *wi *= per[c as usize]);
        }
        return Ok((wt, oob_marks));
    }
    let wt = w.iter().zip(&counts).map(|(a, &c)| a * c as f64).collect();
    Ok((wt, oob_marks))
}

/// scikit-learn's out-of-bag evaluation: each row is predicted by the trees that did not draw
/// it; rows drawn by every tree get zeros.
fn out_of_bag(
    grown: &[(FlatTree, Vec<u32>)],
    x: ArrayView2<'_, f64>,
    y: &[f64],
    class: &[u32],
    k: usize,
    classification: bool,
) -> Result<Oob> {
    let n = x.nrows();
    let mut sum = vec![0.0; n * k];
    let mut count = vec![0u32; n];
    let mut row = vec![0.0; x.ncols()];
    for (tree, counts) in grown {
        for i in (0..n).filter(|&i| counts[i] == 0) {
            row.iter_mut().zip(x.row(i)).for_each(|(d, &s)| *d = s);
            let v = tree.predict_row(&row);
            sum[i * k..(i + 1) * k]
                .iter_mut()
                .zip(v)
                .for_each(|(a, b)| *a += b);
            count[i] += 1;
        }
    }
    for i in 0..n {
        let c = count[i].max(1) as f64;
        sum[i * k..(i + 1) * k].iter_mut().for_each(|v| *v /= c);
    }
    let score = if classification {
        let hits = (0..n)
            .filter(|&i| {
                let r = &sum[i * k..(i + 1) * k];
                let mut best = 0;
                for (j, v) in r.iter().enumerate() {
                    if *v > r[best] {
                        best = j;
                    }
                }
                best == class[i] as usize
            })
            .count();
        hits as f64 / n as f64
    } else {
        r2(y, &sum)
    };
    Ok(Oob {
        score,
        values: sum,
        width: k,
    })
}

/// scikit-learn's `r2_score` (1 − SS_res / SS_tot; 1 for a perfect fit of a constant target,
/// 0 for an imperfect one).
fn r2(y: &[f64], pred: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let ss_res: f64 = y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean).powi(2)).sum();
    if ss_tot == 0.0 {
        return if ss_res == 0.0 { 1.0 } else { 0.0 };
    }
    1.0 - ss_res / ss_tot
}

macro_rules! forest_estimator {
    ($params:ty, $model:ident, $what:literal, $class:tt, $splitter:expr) => {
        impl Estimator for $params {
            type Model = $model;

            fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<$model> {
                self.validate()?;
                let cfg = ForestConfig {
                    what: $what,
                    classification: $class,
                    crit: self.criterion.into(),
                    splitter: $splitter,
                    n_estimators: self.n_estimators,
                    max_depth: self.max_depth,
                    min_samples_split: self.min_samples_split,
                    min_samples_leaf: self.min_samples_leaf,
                    min_weight_fraction_leaf: self.min_weight_fraction_leaf,
                    max_features: self.max_features,
                    max_leaf_nodes: self.max_leaf_nodes,
                    min_impurity_decrease: self.min_impurity_decrease,
                    bootstrap: self.bootstrap,
                    oob_score: self.oob_score,
                    max_samples: self.max_samples,
                    ccp_alpha: self.ccp_alpha,
                    class_weight: forest_estimator!(@cw self, $class),
                    undersample: None,
                    seed: self.seed,
                };
                let f = fit_forest(&cfg, data, progress)?;
                Ok(forest_estimator!(@build f, $class))
            }
        }
    };
    (@cw $s:ident, true) => { $s.class_weight.as_ref() };
    (@cw $s:ident, false) => { None };
    (@build $f:ident, true) => {
        ForestClassifier::new($f.trees, $f.labels, $f.n_features, $f.oob)?
    };
    (@build $f:ident, false) => {
        ForestRegressor::new($f.trees, $f.n_features, $f.oob)?
    };
}

forest_estimator!(
    RandomForestClassifierParams,
    ForestClassifier,
    "RandomForestClassifier",
    true,
    Splitter::Best
);
forest_estimator!(
    ExtraTreesClassifierParams,
    ForestClassifier,
    "ExtraTreesClassifier",
    true,
    Splitter::Random
);
forest_estimator!(
    RandomForestRegressorParams,
    ForestRegressor,
    "RandomForestRegressor",
    false,
    Splitter::Best
);
forest_estimator!(
    ExtraTreesRegressorParams,
    ForestRegressor,
    "ExtraTreesRegressor",
    false,
    Splitter::Random
);

impl Estimator for BalancedRandomForestClassifierParams {
    type Model = ForestClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<ForestClassifier> {
        self.validate()?;
        let cfg = ForestConfig {
            what: "BalancedRandomForestClassifier",
            classification: true,
            crit: self.criterion.into(),
            splitter: Splitter::Best,
            n_estimators: self.n_estimators,
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_weight_fraction_leaf: self.min_weight_fraction_leaf,
            max_features: self.max_features,
            max_leaf_nodes: self.max_leaf_nodes,
            min_impurity_decrease: self.min_impurity_decrease,
            bootstrap: self.bootstrap,
            oob_score: self.oob_score,
            max_samples: self.max_samples,
            ccp_alpha: self.ccp_alpha,
            class_weight: self.class_weight.as_ref(),
            undersample: Some((self.sampling_strategy, self.replacement)),
            seed: self.seed,
        };
        let f = fit_forest(&cfg, data, progress)?;
        ForestClassifier::new(f.trees, f.labels, f.n_features, f.oob)
    }
}

/// The fewest rows per parallel prediction chunk.
const PREDICT_CHUNK: usize = 1024;

/// The mean of the trees' leaf values for every row (`rows × k`), summed in tree order
/// through the packed layout, in parallel over row chunks. A chunk's rows go through one tree
/// at a time, so chunks are as large as the threads allow (one per thread, at least
/// [`PREDICT_CHUNK`] rows): each pass through a large tree then serves as many rows as it can.
/// Every row's sum is the same whatever the chunks, so the result does not depend on the
/// number of threads.
fn mean_values(
    packed: &Packed,
    n_features: usize,
    k: usize,
    x: ArrayView2<'_, f64>,
) -> Result<Array2<f64>> {
    check_features(x, n_features)?;
    let m = packed.n_trees() as f64;
    let chunk = x
        .nrows()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(PREDICT_CHUNK);
    let mut flat = packed.predict_rows(x, k, chunk, &vec![0.0; k]);
    flat.iter_mut().for_each(|v| *v /= m);
    Array2::from_shape_vec((x.nrows(), k), flat)
        .map_err(|e| Error::Internal(format!("forest prediction shape: {e}")))
}

/// Mean of the trees' normalised importances over trees with at least one split, normalised to
/// sum to 1 (scikit-learn's `feature_importances_`).
fn forest_importances(trees: &[FlatTree], n_features: usize) -> Vec<f64> {
    let mut sum = vec![0.0; n_features];
    let mut used = 0usize;
    for t in trees.iter().filter(|t| t.n_nodes() > 1) {
        used += 1;
        sum.iter_mut()
            .zip(tree_importances(t))
            .for_each(|(a, b)| *a += b);
    }
    if used == 0 {
        return sum;
    }
    sum.iter_mut().for_each(|v| *v /= used as f64);
    let total: f64 = sum.iter().sum();
    if total > 0.0 {
        sum.iter_mut().for_each(|v| *v /= total);
    }
    sum
}

macro_rules! forest_accessors {
    ($t:ty) => {
        impl $t {
            /// The fitted trees, in seed order.
            pub fn trees(&self) -> &[FlatTree] {
                &self.trees
            }

            /// The number of trees.
            pub fn n_trees(&self) -> usize {
                self.trees.len()
            }

            /// Impurity-based feature importances (mean decrease in impurity), normalised to sum
            /// to 1, as scikit-learn's `feature_importances_`.
            pub fn feature_importances(&self) -> Vec<f64> {
                forest_importances(&self.trees, self.n_features)
            }

            /// The out-of-bag score (accuracy or R²), when fitted with `oob_score`.
            pub fn oob_score(&self) -> Option<f64> {
                self.oob.as_ref().map(|o| o.score)
            }

            /// The out-of-bag evaluation, when fitted with `oob_score`.
            pub fn oob(&self) -> Option<&Oob> {
                self.oob.as_ref()
            }
        }
    };
}

forest_accessors!(ForestClassifier);
forest_accessors!(ForestRegressor);

impl ForestClassifier {
    /// The out-of-bag class probabilities of the training rows (scikit-learn's
    /// `oob_decision_function_`), when fitted with `oob_score`.
    pub fn oob_decision_function(&self) -> Option<Array2<f64>> {
        let o = self.oob.as_ref()?;
        Array2::from_shape_vec((o.values.len() / o.width.max(1), o.width), o.values.clone()).ok()
    }
}

impl ForestRegressor {
    /// The out-of-bag predictions of the training rows (scikit-learn's `oob_prediction_`),
    /// when fitted with `oob_score`.
    pub fn oob_prediction(&self) -> Option<Array1<f64>> {
        self.oob.as_ref().map(|o| Array1::from(o.values.clone()))
    }
}

impl Predictor for ForestClassifier {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The class code with the largest mean probability (the first on ties).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
}

impl PredictProba for ForestClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        mean_values(&self.packed, self.n_features, self.classes.len(), x)
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        let p = self.predict_proba(x)?;
        Ok((argmax_rows(&p), p))
    }
}

impl Predictor for ForestRegressor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(mean_values(&self.packed, self.n_features, 1, x)?
            .column(0)
            .to_owned())
    }
}
