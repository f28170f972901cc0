//! The boosting loop: bin once, then per round compute gradients, grow one tree per output
//! group, set its leaf values (shrunk, or refitted for quantile losses), update the scores of
//! the training and validation rows, record the losses, and stop early when the validation loss
//! stalls (restoring the best round).

use ndarray::ArrayView2;
use rayon::prelude::*;
use satori_core::collective::{
    Collective, ExactSum, Spread, agree, allgather_concat, allgather_f64, grid_step, snap,
};
use satori_core::rng::{derive_seed, shuffle, sub_rng};
use satori_core::{Error, Progress, Result, TrainingHistory};
use satori_tree::FlatTree;

use crate::binning::bin_data;
use crate::booster::Booster;
use crate::grow::{Grown, TreeConfig, grow};
use crate::kernels::{GradPair, SplitRules};
use crate::loss::{Objective, mean_of, residuals, weighted_quantile};
use crate::params::Common;

/// Rows per chunk when scoring validation rows in parallel.
const SCORE_CHUNK: usize = 2048;

/// Features, encoded target (class codes as `f64` for classifiers) and weights.
pub(crate) struct Rows<'a> {
    pub x: ArrayView2<'a, f64>,
    pub y: Vec<f64>,
    pub w: Vec<f64>,
}

/// What to train: the settings, objective, which features are categorical, and whether to stop
/// early on `valid`.
pub(crate) struct Job<'a> {
    pub common: &'a Common,
    pub objective: Objective,
    pub categorical: Vec<bool>,
    pub early_stopping: bool,
    pub init: Option<&'a Booster>,
    /// The ranks sharing the rows ([`satori_core::collective::Single`] for one process).
    pub comm: &'a dyn Collective,
}

/// Raw scores (group-major) of `x` under `init`, or the initial scores.
fn start_scores(
    init: Option<&Booster>,
    init_score: &[f64],
    x: ArrayView2<'_, f64>,
) -> Result<Vec<f64>> {
    let n = x.nrows();
    let k = init_score.len();
    match init {
        Some(b) => {
            let raw = b.raw(x)?;
            let mut s = vec![0.0; n * k];
            for (i, row) in raw.rows().into_iter().enumerate() {
                for c in 0..k {
                    s[c * n + i] = row[c];
                }
            }
            Ok(s)
        }
        None => Ok(init_score
            .iter()
            .flat_map(|&v| std::iter::repeat_n(v, n))
            .collect()),
    }
}

fn tree_config(c: &Common) -> TreeConfig {
    TreeConfig {
        num_leaves: c.num_leaves,
        max_depth: c.max_depth,
        rules: SplitRules {
            l1: c.l1_regularization,
            l2: c.l2_regularization,
            min_leaf: c.min_samples_leaf as f64,
            min_hess: c.min_child_weight,
            min_gain: c.min_split_gain,
            max_cat_to_onehot: c.max_cat_to_onehot,
            cat_smooth: c.cat_smooth,
            max_cat_threshold: c.max_cat_threshold,
        },
        monotone: c.monotonic_constraints.clone(),
        colsample_bynode: c.colsample_bynode,
    }
}

/// `k` of `n` items drawn by a seeded shuffle, sorted.
fn draw(n: usize, frac: f64, seed: u64) -> Vec<usize> {
    let k = ((n as f64 * frac).round() as usize).clamp(1, n.max(1));
    let mut all: Vec<usize> = (0..n).collect();
    if k < n {
        shuffle(&mut all, &mut sub_rng(seed, 0));
        all.truncate(k);
        all.sort_unstable();
    }
    all
}

/// The rows (marked in `in_bag`) and features drawn for one round: rows are drawn among all
/// ranks' rows, as one process would, and each rank keeps its own.
fn round_sample(
    c: &Common,
    spread: &Spread,
    p: usize,
    round_seed: u64,
    in_bag: &mut [bool],
) -> (Vec<u32>, Vec<usize>) {
    let drawn = draw(spread.total, c.subsample, derive_seed(round_seed, 1));
    let rows: Vec<u32> = spread.local(&drawn).map(|r| r as u32).collect();
    let features = draw(p, c.colsample_bytree, derive_seed(round_seed, 2));
    if c.subsample < 1.0 {
        in_bag.iter_mut().for_each(|b| *b = false);
        rows.iter().for_each(|&r| in_bag[r as usize] = true);
    }
    (rows, features)
}

/// Add `tree`'s values for every row of `x` to `scores` (one group's slice).
fn add_tree_scores(tree: &FlatTree, x: ArrayView2<'_, f64>, scores: &mut [f64]) {
    let p = x.ncols();
    scores
        .par_chunks_mut(SCORE_CHUNK)
        .enumerate()
        .for_each(|(c, s)| {
            let mut row = vec![0.0; p];
            for (j, si) in s.iter_mut().enumerate() {
                let xr = x.row(c * SCORE_CHUNK + j);
                row.iter_mut().zip(xr.iter()).for_each(|(d, &v)| *d = v);
                *si += tree.predict_row(&row)[0];
            }
        });
}

/// The checks that need the data: rows, feature indices, target domain, the model continued.
fn check_job(job: &Job<'_>, train: &Rows<'_>, total: usize) -> Result<()> {
    let p = train.x.ncols();
    if total == 0 {
        return Err(Error::NotEnoughSamples {
            context: "fitting gradient boosting".into(),
            needed: 1,
            got: 0,
        });
    }
    job.common.validate_for(p, &job.categorical)?;
    job.objective.check_target(&train.y)?;
    if let Some(b) = job.init
        && (b.n_features != p || b.objective != job.objective)
    {
        return Err(Error::InvalidData(format!(
            "the model to continue from has {} features and objective {:?}; this data has {p} \
             features and objective {:?}",
            b.n_features, b.objective, job.objective
        )));
    }
    Ok(())
}

/// Gradient pairs rounded to grids fine enough that every histogram sum is exact (see
/// [`satori_core::collective::grid_step`]): sums then do not depend on the order of the rows,
/// the thread count or how the rows are split among ranks, and a parent's histogram minus one
/// child's is exactly the other child's. The grid is at most `2^-31` of the largest gradient at
/// a million rows, far below what a split can tell apart.
fn snap_gradients(gh: &mut [GradPair], total: usize, comm: &dyn Collective) -> Result<()> {
    let mut max = gh
        .par_iter()
        .fold(
            || [0.0f64; 2],
            |m, p| [m[0].max(p[0].abs()), m[1].max(p[1].abs())],
        )
        .reduce(|| [0.0; 2], |a, b| [a[0].max(b[0]), a[1].max(b[1])]);
    comm.allreduce_max(&mut max)?;
    let (gs, hs) = (grid_step(max[0], total), grid_step(max[1], total));
    gh.par_iter_mut().for_each(|p| {
        if let Some(s) = gs {
            p[0] = snap(p[0], s, false);
        }
        // Hessians round up: a positive hessian stays positive.
        if let Some(s) = hs {
            p[1] = snap(p[1], s, true);
        }
    });
    Ok(())
}

/// The weighted mean of an exact loss sum over all ranks.
fn global_mean(comm: &dyn Collective, sum: ExactSum, wsum: f64) -> Result<f64> {
    Ok(mean_of(sum.allreduce(comm)?, wsum))
}

/// The exact sum of every rank's weights.
fn global_weight(comm: &dyn Collective, w: &[f64]) -> Result<f64> {
    let mut s = ExactSum::new();
    w.iter().for_each(|&v| s.add(v));
    s.allreduce(comm)
}

/// Train a booster on `train`, stopping early on `valid` if the job says so. With several
/// ranks (`job.comm`), each passes its own rows and all get the same booster: the one a single
/// process gets on all rows in rank order, bit for bit.
pub(crate) fn train(
    job: &Job<'_>,
    train: &Rows<'_>,
    valid: Option<&Rows<'_>>,
    progress: &dyn Progress,
) -> Result<Booster> {
    let c = job.common;
    let comm = job.comm;
    let (n, p) = train.x.dim();
    let spread = Spread::of(comm, n)?;
    agree(comm, check_job(job, train, spread.total))?;
    let obj = job.objective;
    let k = obj.n_groups();
    let binned = bin_data(train.x, &job.categorical, c.max_bin, c.seed, comm, &spread)?;
    let init_score = match job.init {
        Some(b) => b.init_score.clone(),
        None if comm.size() > 1 => obj.init_score(
            &allgather_concat(comm, &train.y)?,
            &allgather_concat(comm, &train.w)?,
        ),
        None => obj.init_score(&train.y, &train.w),
    };
    let wsum = global_weight(comm, &train.w)?;
    let vwsum = match valid {
        Some(v) => global_weight(comm, &v.w)?,
        None => 0.0,
    };
    let mut scores = start_scores(job.init, &init_score, train.x)?;
    let mut vscores = match valid {
        Some(v) => Some(start_scores(job.init, &init_score, v.x)?),
        None => None,
    };
    let cfg = tree_config(c);
    let mut trees: Vec<FlatTree> = job.init.map(|b| b.trees.clone()).unwrap_or_default();
    let prev_iter = job.init.map_or(0, |b| b.n_iter);
    let mut hist_train = Vec::new();
    let mut hist_valid = Vec::new();
    let mut best = (f64::INFINITY, 0usize);
    let mut gh: Vec<GradPair> = vec![[0.0; 2]; n];
    let mut in_bag = vec![true; n];
    progress.start("boosting", Some(c.n_estimators as u64));
    for t in 0..c.n_estimators {
        let round_seed = derive_seed(c.seed, (prev_iter + t) as u64);
        let (rows, features) = round_sample(c, &spread, p, round_seed, &mut in_bag);
        let probs = obj.softmax(&scores, n);
        for g in 0..k {
            let sl = g * n..(g + 1) * n;
            // Group 0's pass also gives the loss of the previous round (the training history
            // without a separate pass; the loss of the last round is computed after the loop).
            let prev_loss =
                obj.gradients(&train.y, &train.w, &scores[sl.clone()], &probs, g, &mut gh);
            if g == 0 && t > 0 {
                hist_train.push(global_mean(comm, prev_loss, wsum)?);
            }
            snap_gradients(&mut gh, spread.total, comm)?;
            let grown = grow(
                &binned,
                &cfg,
                &gh,
                rows.clone(),
                &features,
                derive_seed(round_seed, 3 + g as u64),
                comm,
            )?;
            let tree = finish_tree(
                grown,
                &obj,
                c.learning_rate,
                train,
                &mut scores[sl.clone()],
                &in_bag,
                comm,
            )?;
            if let (Some(v), Some(vs)) = (valid, vscores.as_mut()) {
                let vn = v.x.nrows();
                add_tree_scores(&tree, v.x, &mut vs[g * vn..(g + 1) * vn]);
            }
            trees.push(tree);
        }
        progress.advance(1);
        if let (Some(v), Some(vs)) = (valid, vscores.as_ref()) {
            let vl = global_mean(comm, obj.loss_sum(&v.y, &v.w, vs), vwsum)?;
            hist_valid.push(vl);
            if vl < best.0 - c.tol {
                best = (vl, t + 1);
            } else if job.early_stopping && t + 1 - best.1 >= c.n_iter_no_change {
                break;
            }
        }
    }
    progress.finish();
    hist_train.push(global_mean(
        comm,
        obj.loss_sum(&train.y, &train.w, &scores),
        wsum,
    )?);
    let trained = hist_train.len();
    let used = if job.early_stopping && valid.is_some() {
        best.1.max(1)
    } else {
        trained
    };
    trees.truncate((prev_iter + used) * k);
    let history = merge_history(
        job.init,
        obj.metric(),
        hist_train,
        valid.map(|_| hist_valid),
    );
    let booster = Booster::new(obj, p, init_score, trees, prev_iter + used, history)?;
    Ok(booster)
}

/// Continue the history of the model trained on, when it has the same shape.
fn merge_history(
    init: Option<&Booster>,
    metric: &str,
    train: Vec<f64>,
    valid: Option<Vec<f64>>,
) -> TrainingHistory {
    match init {
        Some(b) if b.history.valid.is_some() == valid.is_some() => {
            let mut h = b.history.clone();
            h.train.extend(train);
            if let (Some(hv), Some(v)) = (h.valid.as_mut(), valid) {
                hv.extend(v);
            }
            h
        }
        _ => TrainingHistory {
            metric: metric.to_string(),
            train,
            valid,
        },
    }
}

/// Set the leaf values of a grown tree (shrunk raw outputs, or refitted quantiles for the
/// absolute-error and quantile losses) and add them to the training scores.
fn finish_tree(
    grown: Grown,
    obj: &Objective,
    lr: f64,
    train: &Rows<'_>,
    scores: &mut [f64],
    in_bag: &[bool],
    comm: &dyn Collective,
) -> Result<FlatTree> {
    let Grown {
        mut tree,
        rows,
        leaves,
    } = grown;
    let raw: Vec<f64> = match obj.refit_quantile() {
        Some(q) if comm.size() > 1 => refit_leaves(q, &leaves, &rows, train, scores, comm)?,
        Some(q) => leaves
            .iter()
            .map(|l| obj.refit(q, &rows[l.start..l.end], &train.y, &train.w, scores))
            .collect(),
        None => leaves.iter().map(|l| l.output).collect(),
    };
    let values: Vec<f64> = raw.iter().map(|&v| lr * v).collect();
    // Internal nodes keep their shrunk output too (for explanations).
    for node in 0..tree.n_nodes() as u32 {
        if !tree.is_leaf(node) {
            let v = lr * tree.value(node)[0];
            tree.set_value(node, &[v])?;
        }
    }
    for (l, &v) in leaves.iter().zip(&values) {
        tree.set_value(l.node, &[v])?;
        for &r in &rows[l.start..l.end] {
            scores[r as usize] += v;
        }
    }
    if rows.len() < scores.len() {
        // Rows outside this round's sample: route them through the tree.
        let mut row = vec![0.0; train.x.ncols()];
        for (i, xr) in train.x.rows().into_iter().enumerate() {
            if !in_bag[i] {
                row.iter_mut().zip(xr.iter()).for_each(|(d, &v)| *d = v);
                scores[i] += tree.predict_row(&row)[0];
            }
        }
    }
    Ok(tree)
}

/// Refitted leaf values when the rows are spread over ranks: every rank sends, leaf by leaf,
/// the residuals of its rows, and each leaf's quantile is taken over all of them (in rank
/// order, the one-process order).
fn refit_leaves(
    q: f64,
    leaves: &[crate::grow::LeafRange],
    rows: &[u32],
    train: &Rows<'_>,
    scores: &[f64],
    comm: &dyn Collective,
) -> Result<Vec<f64>> {
    let mut local: Vec<f64> = leaves.iter().map(|l| (l.end - l.start) as f64).collect();
    for l in leaves {
        for (r, w) in residuals(&rows[l.start..l.end], &train.y, &train.w, scores) {
            local.push(r);
            local.push(w);
        }
    }
    let parts = allgather_f64(comm, &local)?;
    let nl = leaves.len();
    let mut pairs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); nl];
    for part in &parts {
        if part.len() < nl {
            return Err(Error::Internal(
                "a rank sent fewer leaves than the tree has".into(),
            ));
        }
        let mut at = nl;
        for (i, pl) in pairs.iter_mut().enumerate() {
            let m = part[i] as usize;
            let chunk = part.get(at..at + 2 * m).ok_or_else(|| {
                Error::Internal("a rank sent fewer residuals than it counted".into())
            })?;
            pl.extend(chunk.chunks_exact(2).map(|c| (c[0], c[1])));
            at += 2 * m;
        }
    }
    Ok(pairs.iter_mut().map(|p| weighted_quantile(p, q)).collect())
}

/// Split row ids into (train, validation) with `fraction` held out, per class when `classes`
/// is given (stratified); both parts sorted. Errors when a part would be empty.
pub(crate) fn holdout(
    n: usize,
    classes: Option<(&[usize], usize)>,
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let groups: Vec<Vec<usize>> = match classes {
        Some((codes, k)) => {
            let mut g = vec![Vec::new(); k];
            for (i, &c) in codes.iter().enumerate() {
                if let Some(v) = g.get_mut(c) {
                    v.push(i);
                }
            }
            g
        }
        None => vec![(0..n).collect()],
    };
    let (mut tr, mut va) = (Vec::new(), Vec::new());
    for (gi, mut g) in groups.into_iter().enumerate() {
        shuffle(&mut g, &mut sub_rng(seed, 0xE5 + gi as u64));
        let nv = (g.len() as f64 * fraction).round() as usize;
        va.extend_from_slice(&g[..nv]);
        tr.extend_from_slice(&g[nv..]);
    }
    if tr.is_empty() || va.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: format!("early stopping with validation_fraction {fraction}"),
            needed: 2,
            got: n,
        });
    }
    tr.sort_unstable();
    va.sort_unstable();
    Ok((tr, va))
}
