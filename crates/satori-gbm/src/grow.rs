//! Growing one tree leaf-wise on gradient histograms: always split the leaf with the largest
//! gain, build the smaller child's histogram and get its sibling by subtraction, partition the
//! rows of the split leaf in place. Split search and histogram building run in parallel over
//! features; each feature's work is sequential, so the tree is the same at any thread count.
//!
//! With several ranks, each builds the histograms of its own rows and the ranks sum them
//! (LightGBM's data-parallel learner); gradients lie on an exact grid (see `boost.rs`), so the
//! sums, the splits and the tree are those of one process on all rows, bit for bit. Which child
//! is built and which subtracted follows the global counts, so every rank does the same.

use rayon::prelude::*;
use satori_core::Result;
use satori_core::collective::Collective;
use satori_core::rng::{derive_seed, shuffle, sub_rng};
use satori_tree::{FlatTree, NodeStats, SplitRule};

use crate::binning::{Binned, FeatureBins};
use crate::kernels::{
    self, Bin, GROUP, GradPair, LeafCtx, SLOTS, Split, SplitKind, SplitRules, leaf_gain,
    leaf_output,
};

/// Rows × features below which a histogram is built on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 18;

/// Settings of one tree.
#[derive(Debug, Clone)]
pub(crate) struct TreeConfig {
    pub num_leaves: usize,
    pub max_depth: Option<usize>,
    pub rules: SplitRules,
    pub monotone: Vec<i8>,
    pub colsample_bynode: f64,
}

/// A grown tree before its leaf values are set: the tree (leaf values are the raw outputs), the
/// rows in leaf order, and each leaf's node id, row range and raw output.
pub(crate) struct Grown {
    pub tree: FlatTree,
    pub rows: Vec<u32>,
    pub leaves: Vec<LeafRange>,
}

/// One leaf of a grown tree.
#[derive(Debug, Clone)]
pub(crate) struct LeafRange {
    pub node: u32,
    pub start: usize,
    pub end: usize,
    pub output: f64,
}

struct Leaf {
    node: u32,
    start: usize,
    end: usize,
    sum: Bin,
    depth: usize,
    lo: f64,
    hi: f64,
    hist: Option<Vec<Bin>>,
    best: Option<Split>,
}

struct Grower<'a> {
    data: &'a Binned,
    cfg: &'a TreeConfig,
    gh: &'a [GradPair],
    features: &'a [usize],
    seed: u64,
    rows: Vec<u32>,
    ordered: Vec<GradPair>,
    pool: Vec<Vec<Bin>>,
    comm: &'a dyn Collective,
}

/// Sum a histogram (or any bins) over ranks; exact, as every value is on the gradient grid.
fn allreduce_bins(comm: &dyn Collective, bins: &mut [Bin]) -> Result<()> {
    if comm.size() == 1 {
        return Ok(());
    }
    let mut flat: Vec<f64> = bins.iter().flatten().copied().collect();
    comm.allreduce_sum(&mut flat)?;
    for (b, c) in bins.iter_mut().zip(flat.chunks_exact(3)) {
        *b = [c[0], c[1], c[2]];
    }
    Ok(())
}

fn slots(v: &mut [Bin], f: usize) -> &mut [Bin; SLOTS] {
    let s: &mut [Bin] = &mut v[f * SLOTS..(f + 1) * SLOTS];
    s.try_into()
        .unwrap_or_else(|_| unreachable!("a feature has SLOTS bins"))
}

impl Grower<'_> {
    fn take_hist(&mut self) -> Vec<Bin> {
        match self.pool.pop() {
            Some(mut h) => {
                h.iter_mut().for_each(|b| *b = [0.0; 3]);
                h
            }
            None => vec![[0.0; 3]; self.data.features.len() * SLOTS],
        }
    }

    /// The histogram of rows `start..end` (all rows in order when `all`), summed over ranks.
    fn build_hist(&mut self, start: usize, end: usize, all: bool) -> Result<Vec<Bin>> {
        let mut hist = self.local_hist(start, end, all);
        allreduce_bins(self.comm, &mut hist)?;
        Ok(hist)
    }

    /// The histogram of this rank's rows `start..end`.
    fn local_hist(&mut self, start: usize, end: usize, all: bool) -> Vec<Bin> {
        let mut hist = self.take_hist();
        let rows = &self.rows[start..end];
        let data = self.data;
        let gh = self.gh;
        if !all {
            self.ordered.clear();
            self.ordered.extend(rows.iter().map(|&r| gh[r as usize]));
        }
        let ordered = &self.ordered;
        let used = self.features;
        let mut parts: Vec<(usize, &mut [Bin; SLOTS])> = hist
            .chunks_mut(SLOTS)
            .enumerate()
            .filter(|(f, _)| used.binary_search(f).is_ok())
            .map(|(f, out)| {
                let out: &mut [Bin; SLOTS] = out
                    .try_into()
                    .unwrap_or_else(|_| unreachable!("a feature has SLOTS bins"));
                (f, out)
            })
            .collect();
        // Groups of GROUP features share one pass over the rows; each feature's sums run in
        // row order whatever the grouping, so the result is the same at any thread count.
        let work = |group: &mut [(usize, &mut [Bin; SLOTS])]| {
            if let [(f0, o0), (f1, o1), (f2, o2), (f3, o3)] = group {
                let cols = [
                    data.column(*f0),
                    data.column(*f1),
                    data.column(*f2),
                    data.column(*f3),
                ];
                if all {
                    kernels::hist_all_group(cols, gh, [o0, o1, o2, o3]);
                } else {
                    // SAFETY: `rows` is a sub-slice of a permutation of training row ids, each
                    // below `data.n_rows`, every column's length (checked in `grow`).
                    unsafe {
                        kernels::hist_rows_group_unchecked(cols, rows, ordered, [o0, o1, o2, o3])
                    };
                }
                return;
            }
            for (f, out) in group.iter_mut() {
                let col = data.column(*f);
                if all {
                    kernels::hist_all(col, gh, out);
                } else {
                    // SAFETY: as above.
                    unsafe { kernels::hist_rows_unchecked(col, rows, ordered, out) };
                }
            }
        };
        // Small leaves are not worth waking other threads for (their spinning costs more CPU
        // than the work); the sums are the same either way.
        if rows.len() * parts.len() >= PARALLEL_MIN_WORK {
            parts.par_chunks_mut(GROUP).for_each(work);
        } else {
            parts.chunks_mut(GROUP).for_each(work);
        }
        hist
    }

    fn node_features(&self, node: u32) -> Vec<usize> {
        let f = self.cfg.colsample_bynode;
        if f >= 1.0 {
            return self.features.to_vec();
        }
        let k = ((self.features.len() as f64 * f).ceil() as usize).clamp(1, self.features.len());
        let mut pick = self.features.to_vec();
        shuffle(&mut pick, &mut sub_rng(self.seed, u64::from(node)));
        pick.truncate(k);
        pick.sort_unstable();
        pick
    }

    fn find_split(&self, leaf: &Leaf) -> Option<Split> {
        let hist = leaf.hist.as_ref()?;
        let r = &self.cfg.rules;
        if leaf.sum[2] < 2.0 * r.min_leaf || self.cfg.max_depth.is_some_and(|d| leaf.depth >= d) {
            return None;
        }
        let parent_out = leaf_output(leaf.sum[0], leaf.sum[1], r.l1, r.l2, leaf.lo, leaf.hi);
        let ctx = LeafCtx {
            total: leaf.sum,
            lo: leaf.lo,
            hi: leaf.hi,
            parent_gain: leaf_gain(leaf.sum[0], leaf.sum[1], r.l1, r.l2, parent_out),
        };
        let feats = self.node_features(leaf.node);
        // Split search over 256 bins per feature is microseconds: sequential.
        let found: Vec<Option<Split>> = feats
            .iter()
            .map(|&f| {
                let h: &[Bin; SLOTS] = hist[f * SLOTS..(f + 1) * SLOTS]
                    .try_into()
                    .unwrap_or_else(|_| unreachable!("a feature has SLOTS bins"));
                let fb = &self.data.features[f];
                if fb.is_categorical() {
                    kernels::best_categorical(h, fb.n_values(), f, &ctx, r)
                } else {
                    let m = self.cfg.monotone.get(f).copied().unwrap_or(0);
                    kernels::best_numeric(h, fb.n_values(), f, m, &ctx, r)
                }
            })
            .collect();
        // Sequential pick: the first feature wins a tie, at any thread count.
        found
            .into_iter()
            .flatten()
            .fold(None, |best: Option<Split>, s| match best {
                Some(b) if !kernels::beats(s.gain, b.gain) => Some(b),
                _ => Some(s),
            })
    }
}

/// Grow one tree on the rows `rows` (a permutation of distinct training row ids) with gradient
/// pairs `gh` (indexed by row id), using `features` (sorted) only.
pub(crate) fn grow(
    data: &Binned,
    cfg: &TreeConfig,
    gh: &[GradPair],
    rows: Vec<u32>,
    features: &[usize],
    seed: u64,
    comm: &dyn Collective,
) -> Result<Grown> {
    let all = rows.len() == data.n_rows;
    if rows.iter().any(|&r| r as usize >= data.n_rows) || gh.len() != data.n_rows {
        return Err(satori_core::Error::Internal(
            "tree rows out of range of the binned data".into(),
        ));
    }
    let n_features = data.features.len();
    let mut tree = FlatTree::new(n_features, 1);
    let mut g = Grower {
        data,
        cfg,
        gh,
        features,
        seed: derive_seed(seed, 0x7EE),
        rows,
        ordered: Vec::new(),
        pool: Vec::new(),
        comm,
    };
    let mut sum: Bin = [0.0; 3];
    for &r in &g.rows {
        let p = gh[r as usize];
        sum = [sum[0] + p[0], sum[1] + p[1], sum[2] + 1.0];
    }
    allreduce_bins(comm, std::slice::from_mut(&mut sum))?;
    let n = g.rows.len();
    let root_hist = g.build_hist(0, n, all && is_identity(&g.rows))?;
    let root_node = tree.add_node(&[0.0], stats(&sum))?;
    let mut root = Leaf {
        node: root_node,
        start: 0,
        end: n,
        sum,
        depth: 0,
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
        hist: Some(root_hist),
        best: None,
    };
    root.best = g.find_split(&root);
    let mut leaves = vec![root];
    while leaves.len() < cfg.num_leaves {
        let pick = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.best.as_ref().map(|s| (i, s.gain)))
            .fold(None, |best: Option<(usize, f64)>, (i, gain)| match best {
                Some((_, bg)) if !kernels::beats(gain, bg) => best,
                _ => Some((i, gain)),
            });
        let Some((i, _)) = pick else { break };
        let (left, right) = split_leaf(&mut g, &mut tree, &mut leaves[i])?;
        leaves[i] = left;
        leaves.push(right);
    }
    let r = &cfg.rules;
    let mut out = Vec::with_capacity(leaves.len());
    for l in &leaves {
        let v = leaf_output(l.sum[0], l.sum[1], r.l1, r.l2, l.lo, l.hi);
        tree.set_value(l.node, &[v])?;
        out.push(LeafRange {
            node: l.node,
            start: l.start,
            end: l.end,
            output: v,
        });
    }
    Ok(Grown {
        tree,
        rows: g.rows,
        leaves: out,
    })
}

fn is_identity(rows: &[u32]) -> bool {
    rows.iter().enumerate().all(|(i, &r)| r as usize == i)
}

fn stats(sum: &Bin) -> NodeStats {
    NodeStats {
        n_samples: sum[2] as u64,
        weight: sum[1],
        impurity: 0.0,
    }
}

/// The stored rule of a split and the bins it sends left.
fn route(fb: &FeatureBins, s: &Split) -> Result<(SplitRule, [bool; SLOTS])> {
    let nv = fb.n_values();
    let mut left_of = [false; SLOTS];
    let rule = match (&s.kind, fb) {
        (SplitKind::Threshold(b), FeatureBins::Numeric { upper }) => {
            left_of[..=*b as usize].iter_mut().for_each(|v| *v = true);
            SplitRule::Threshold(upper[*b as usize])
        }
        (SplitKind::Categories(bins), FeatureBins::Categorical { codes, .. }) => {
            bins.iter().for_each(|&b| left_of[b as usize] = true);
            SplitRule::Categories(bins.iter().map(|&b| codes[b as usize]).collect())
        }
        _ => {
            return Err(satori_core::Error::Internal(
                "split kind does not match the feature kind".into(),
            ));
        }
    };
    if nv < SLOTS {
        left_of[nv] = s.missing_left;
    }
    Ok((rule, left_of))
}

/// Split `leaf` by its best split: partition its rows, add the children to the tree, build the
/// smaller child's histogram and subtract it from the parent's for the larger one.
fn split_leaf(g: &mut Grower<'_>, tree: &mut FlatTree, leaf: &mut Leaf) -> Result<(Leaf, Leaf)> {
    let s = leaf
        .best
        .take()
        .ok_or_else(|| satori_core::Error::Internal("split of a leaf without a split".into()))?;
    let (rule, left_of) = route(&g.data.features[s.feature], &s)?;
    let mut scratch = Vec::new();
    let n_left = kernels::partition(
        &mut g.rows[leaf.start..leaf.end],
        &mut scratch,
        g.data.column(s.feature),
        &left_of,
    );
    let mid = leaf.start + n_left;
    let r = &g.cfg.rules;
    let parent_out = leaf_output(leaf.sum[0], leaf.sum[1], r.l1, r.l2, leaf.lo, leaf.hi);
    tree.set_value(leaf.node, &[parent_out])?;
    let ln = tree.add_node(&[0.0], stats(&s.left))?;
    let rn = tree.add_node(&[0.0], stats(&s.right))?;
    tree.set_split(leaf.node, s.feature, rule, s.missing_left, ln, rn, s.gain)?;
    // Monotone bounds: the children of a constrained split meet at the mid value.
    let m = g.cfg.monotone.get(s.feature).copied().unwrap_or(0);
    let midv = (s.left_out + s.right_out) / 2.0;
    let (mut lb, mut rb) = ((leaf.lo, leaf.hi), (leaf.lo, leaf.hi));
    if m > 0 {
        lb.1 = lb.1.min(midv);
        rb.0 = rb.0.max(midv);
    } else if m < 0 {
        lb.0 = lb.0.max(midv);
        rb.1 = rb.1.min(midv);
    }
    let depth = leaf.depth + 1;
    let mut left = Leaf {
        node: ln,
        start: leaf.start,
        end: mid,
        sum: s.left,
        depth,
        lo: lb.0,
        hi: lb.1,
        hist: None,
        best: None,
    };
    let mut right = Leaf {
        node: rn,
        start: mid,
        end: leaf.end,
        sum: s.right,
        depth,
        lo: rb.0,
        hi: rb.1,
        hist: None,
        best: None,
    };
    let can_split =
        |l: &Leaf| l.sum[2] >= 2.0 * r.min_leaf && g.cfg.max_depth.is_none_or(|d| l.depth < d);
    let (need_l, need_r) = (can_split(&left), can_split(&right));
    let parent_hist = leaf.hist.take();
    if let Some(mut parent_hist) = parent_hist.filter(|_| need_l || need_r) {
        // Global counts (the same on every rank; this rank's own row counts would not be).
        let left_smaller = s.left[2] <= s.right[2];
        let (small, large) = if left_smaller {
            (&mut left, &mut right)
        } else {
            (&mut right, &mut left)
        };
        let small_hist = g.build_hist(small.start, small.end, false)?;
        for &f in g.features {
            let child: &[Bin] = &small_hist[f * SLOTS..(f + 1) * SLOTS];
            kernels::subtract(slots(&mut parent_hist, f), child);
        }
        small.hist = Some(small_hist);
        large.hist = Some(parent_hist);
    } else if let Some(h) = leaf.hist.take() {
        g.pool.push(h);
    }
    for child in [&mut left, &mut right] {
        let ok = if child.node == ln { need_l } else { need_r };
        child.best = if ok { g.find_split(child) } else { None };
        if child.best.is_none()
            && let Some(h) = child.hist.take()
        {
            g.pool.push(h);
        }
    }
    Ok((left, right))
}
