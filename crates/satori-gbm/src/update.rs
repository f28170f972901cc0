//! Updating a fitted booster on new rows without growing new trees:
//!
//! - [`refit`]: LightGBM's `Booster.refit` — every tree keeps its structure, and each leaf's
//!   value becomes `decay · old + (1 − decay) · fitted`, where `fitted` is the regularised
//!   Newton step `−G/(H+λ)` (times the learning rate) of the new rows that reach the leaf, with
//!   gradients taken at the scores of the trees refitted so far (round by round, as LightGBM's
//!   `RefitTree`). A leaf no new row reaches keeps `decay · old`, as in LightGBM.
//! - [`scale_from`]: the rounds from `first` on multiplied by a weight — the model after a
//!   continuation is `old + w · new`, CatBoost's `sum_models` with weights `[1, w]`.

use ndarray::ArrayView2;
use satori_core::{Error, Result};
use satori_tree::FlatTree;

use crate::booster::Booster;
use crate::kernels::{GradPair, leaf_output};

/// LightGBM's `kEpsilon`, the starting hessian sum of a refitted leaf.
const HESS_EPS: f64 = 1e-15;

/// The regularisation and shrinkage a refit uses (the model's own parameters).
pub(crate) struct RefitSettings {
    pub decay: f64,
    pub learning_rate: f64,
    pub l1: f64,
    pub l2: f64,
}

/// Refit every leaf of `b` on the rows `x` with encoded target `y` and weights `w`.
pub(crate) fn refit(
    b: &Booster,
    x: ArrayView2<'_, f64>,
    y: &[f64],
    w: &[f64],
    s: &RefitSettings,
) -> Result<Booster> {
    if !(0.0..=1.0).contains(&s.decay) {
        return Err(Error::param(
            "decay_rate",
            format!("must be in [0, 1], got {}", s.decay),
        ));
    }
    satori_core::check_features(x, b.n_features)?;
    let n = x.nrows();
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: "refitting a boosting model".into(),
            needed: 1,
            got: 0,
        });
    }
    let obj = b.objective;
    obj.check_target(y)?;
    let k = obj.n_groups();
    let mut scores: Vec<f64> = b
        .init_score
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, n))
        .collect();
    let mut trees: Vec<FlatTree> = Vec::with_capacity(b.trees.len());
    let mut gh: Vec<GradPair> = vec![[0.0; 2]; n];
    for t in 0..b.n_iter {
        // Every group's gradients are taken at the scores before this round (LightGBM's
        // `Boosting()` once per iteration).
        let probs = obj.softmax(&scores, n);
        let mut round: Vec<Vec<GradPair>> = Vec::with_capacity(k);
        for g in 0..k {
            obj.gradients(y, w, &scores[g * n..(g + 1) * n], &probs, g, &mut gh);
            round.push(gh.clone());
        }
        for (g, gh) in round.iter().enumerate() {
            let mut tree = b.trees[t * k + g].clone();
            let leaves = tree.apply(x)?;
            let mut sums = vec![[0.0, HESS_EPS]; tree.n_nodes()];
            for (&l, p) in leaves.iter().zip(gh) {
                sums[l as usize][0] += p[0];
                sums[l as usize][1] += p[1];
            }
            for node in 0..tree.n_nodes() as u32 {
                if !tree.is_leaf(node) {
                    continue;
                }
                let [sg, sh] = sums[node as usize];
                let fitted = leaf_output(sg, sh, s.l1, s.l2, f64::NEG_INFINITY, f64::INFINITY);
                let old = tree.value(node)[0];
                let new = s.decay * old + (1.0 - s.decay) * s.learning_rate * fitted;
                tree.set_value(node, &[new])?;
            }
            let sc = &mut scores[g * n..(g + 1) * n];
            for (i, &l) in leaves.iter().enumerate() {
                sc[i] += tree.value(l)[0];
            }
            trees.push(tree);
        }
    }
    Booster::new(
        obj,
        b.n_features,
        b.init_score.clone(),
        trees,
        b.n_iter,
        b.history.clone(),
    )
}

/// `b` with the value of every node of the rounds from `first` on multiplied by `weight`.
pub(crate) fn scale_from(b: &Booster, first: usize, weight: f64) -> Result<Booster> {
    if !(weight.is_finite() && weight >= 0.0) {
        return Err(Error::param(
            "blend weight",
            format!("must be a finite number ≥ 0, got {weight}"),
        ));
    }
    if first > b.n_iter {
        return Err(Error::param(
            "first round",
            format!("the model has {} rounds, got {first}", b.n_iter),
        ));
    }
    let k = b.objective.n_groups();
    let mut trees = b.trees.clone();
    for tree in trees.iter_mut().skip(first * k) {
        for node in 0..tree.n_nodes() as u32 {
            let v = tree.value(node)[0] * weight;
            tree.set_value(node, &[v])?;
        }
    }
    Booster::new(
        b.objective,
        b.n_features,
        b.init_score.clone(),
        trees,
        b.n_iter,
        b.history.clone(),
    )
}

/// The public update methods both fitted models share: `scale_rounds_from`.
macro_rules! update_api {
    () => {
        /// This model with every tree of the rounds from `first` on scaled by `weight`: after
        /// `continue_training` from a model of `first` rounds, the old model plus `weight`
        /// times the new trees (CatBoost's `sum_models` with weights `[1,
        /// weight]`). `weight` must be finite and ≥ 0, `first` at most `n_iter()`.
        pub fn scale_rounds_from(&self, first: usize, weight: f64) -> satori_core::Result<Self> {
            let mut m = self.clone();
            m.booster = $crate::update::scale_from(&self.booster, first, weight)?;
            Ok(m)
        }
    };
}

pub(crate) use update_api;
