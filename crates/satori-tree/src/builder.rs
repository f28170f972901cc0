//! The CART builder shared by decision trees, random forests and extra trees: scikit-learn's
//! `DepthFirstTreeBuilder` / `BestFirstTreeBuilder` with the `best` and `random` splitters,
//! missing-value support (scikit-learn ≥ 1.3) and the same stopping rules, growing into a
//! [`FlatTree`].

use std::collections::BinaryHeap;

use ndarray::ArrayView2;
use satori_core::rng::{RngExt, SatoriRng, rng};
use satori_core::{Error, Result};

use crate::criterion::{Crit, EPSILON, Eval, Item, Targets};
use crate::flat::{FlatTree, NONE, NodeStats, SplitRule};

/// scikit-learn's `FEATURE_THRESHOLD`: values closer than this are not split apart.
const FEATURE_THRESHOLD: f64 = 1e-7;

/// The feature matrix stored column by column (one contiguous slice per feature), shared by
/// every tree of a forest.
pub(crate) struct Columns {
    data: Vec<f64>,
    n: usize,
    p: usize,
}

impl Columns {
    /// Copy `x` column-major; infinite values are refused (NaN means missing).
    pub fn new(x: ArrayView2<'_, f64>) -> Result<Self> {
        let (n, p) = x.dim();
        let mut data = Vec::with_capacity(n * p);
        for (j, col) in x.columns().into_iter().enumerate() {
            for (i, &v) in col.iter().enumerate() {
                if v.is_infinite() {
                    return Err(Error::InvalidData(format!(
                        "feature column {j} holds {v} at row {i}; trees take finite values or \
                         NaN (missing)"
                    )));
                }
                data.push(v);
            }
        }
        Ok(Columns { data, n, p })
    }

    /// The values of feature `f`, one per row.
    #[inline]
    pub fn col(&self, f: usize) -> &[f64] {
        &self.data[f * self.n..(f + 1) * self.n]
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.n
    }

    /// The number of features.
    pub fn n_features(&self) -> usize {
        self.p
    }
}

/// How split thresholds are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitKind {
    /// The best threshold of each candidate feature.
    Best,
    /// One uniformly drawn threshold per candidate feature (extra trees).
    Random,
}

/// Resolved settings of one tree.
#[derive(Debug, Clone)]
pub(crate) struct TreeSpec {
    pub crit: Crit,
    pub splitter: SplitKind,
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub min_weight_fraction_leaf: f64,
    pub max_features: usize,
    pub max_leaf_nodes: Option<usize>,
    pub min_impurity_decrease: f64,
    pub seed: u64,
}

/// A split found for a node: samples `[start, pos)` go left after partitioning.
#[derive(Debug, Clone, Copy)]
struct Split {
    feature: usize,
    threshold: f64,
    missing_left: bool,
    pos: usize,
    improvement: f64,
    imp_left: f64,
    imp_right: f64,
}

/// A node while growing.
struct BNode {
    split: Option<Split>,
    left: u32,
    right: u32,
    value: Vec<f64>,
    stats: NodeStats,
}

/// What is needed to evaluate a candidate.
#[derive(Clone, Copy)]
struct Candidate {
    feature: usize,
    threshold: f64,
    missing_left: bool,
    proxy: f64,
}

struct Builder<'a> {
    spec: &'a TreeSpec,
    cols: &'a Columns,
    t: &'a Targets<'a>,
    w: &'a [f64],
    n_outputs: usize,
    samples: Vec<u32>,
    features: Vec<usize>,
    /// (order-preserving key of the value, sample) of the node's non-missing rows.
    pairs: Vec<(u64, u32)>,
    missing: Vec<u32>,
    layout: Vec<u32>,
    items: Vec<Item>,
    radix: Vec<(u64, u32)>,
    scratch: Vec<u32>,
    eval: Eval,
    rng: SatoriRng,
    w_all: f64,
    min_weight_leaf: f64,
    nodes: Vec<BNode>,
}

/// Grow one tree on the rows with positive weight. `n_outputs` is the number of classes (or 1).
pub(crate) fn grow(
    spec: &TreeSpec,
    cols: &Columns,
    t: &Targets<'_>,
    w: &[f64],
    n_outputs: usize,
) -> Result<FlatTree> {
    let samples: Vec<u32> = (0..cols.n_rows() as u32)
        .filter(|&i| w[i as usize] > 0.0)
        .collect();
    if samples.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "growing a tree (rows with positive weight)".into(),
            needed: 1,
            got: 0,
        });
    }
    let w_all: f64 = samples.iter().map(|&i| w[i as usize]).sum();
    let mut b = Builder {
        spec,
        cols,
        t,
        w,
        n_outputs,
        samples,
        features: (0..cols.n_features()).collect(),
        pairs: Vec::new(),
        missing: Vec::new(),
        layout: Vec::new(),
        items: Vec::new(),
        radix: Vec::new(),
        scratch: Vec::new(),
        eval: Eval::new(spec.crit, t.n_classes),
        rng: rng(spec.seed),
        w_all,
        min_weight_leaf: spec.min_weight_fraction_leaf * w_all,
        nodes: Vec::new(),
    };
    match spec.max_leaf_nodes {
        Some(m) => b.grow_best_first(m),
        None => b.grow_depth_first(),
    }
    b.into_flat()
}

impl Builder<'_> {
    /// Add a node over `samples[start..end]` and look for its split (scikit-learn's
    /// `_add_split_node` / the body of the depth-first loop). Returns the node id.
    fn add_node(&mut self, start: usize, end: usize, depth: usize, impurity: Option<f64>) -> u32 {
        let s = self.spec;
        let node = &self.samples[start..end];
        self.eval.init_node(node, self.t, self.w);
        let w_node = self.eval.w_total;
        let impurity = match impurity {
            Some(i) => i,
            None => {
                let node = &self.samples[start..end];
                self.eval.node_impurity(node, self.t, self.w)
            }
        };
        let n = end - start;
        let value = self
            .eval
            .node_value(&self.samples[start..end], self.t, self.w);
        let mut split = None;
        let is_leaf = depth >= s.max_depth
            || n < s.min_samples_split
            || n < 2 * s.min_samples_leaf
            || w_node < 2.0 * self.min_weight_leaf
            || impurity <= EPSILON;
        if !is_leaf {
            split = self
                .find_split(start, end, impurity, w_node)
                .filter(|sp| sp.pos < end && sp.improvement + EPSILON >= s.min_impurity_decrease);
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(BNode {
            split,
            left: NONE,
            right: NONE,
            value,
            stats: NodeStats {
                n_samples: n as u64,
                weight: w_node,
                impurity,
            },
        });
        id
    }

    fn grow_depth_first(&mut self) {
        // (start, end, depth, impurity, parent, is_left)
        let mut stack = vec![(0usize, self.samples.len(), 0usize, None, NONE, false)];
        while let Some((start, end, depth, imp, parent, is_left)) = stack.pop() {
            let id = self.add_node(start, end, depth, imp);
            self.link(parent, id, is_left);
            if let Some(sp) = self.nodes[id as usize].split {
                stack.push((sp.pos, end, depth + 1, Some(sp.imp_right), id, false));
                stack.push((start, sp.pos, depth + 1, Some(sp.imp_left), id, true));
            }
        }
    }

    fn link(&mut self, parent: u32, child: u32, is_left: bool) {
        if parent != NONE {
            let p = &mut self.nodes[parent as usize];
            if is_left {
                p.left = child;
            } else {
                p.right = child;
            }
        }
    }

    fn grow_best_first(&mut self, max_leaf_nodes: usize) {
        // Max-heap on improvement; ties go to the older node.
        let mut frontier = BinaryHeap::new();
        let mut ranges = Vec::new();
        let push =
            |b: &Self, frontier: &mut BinaryHeap<(OrdF64, std::cmp::Reverse<u32>)>, id: u32| {
                let imp = b.nodes[id as usize].split.map_or(0.0, |s| s.improvement);
                frontier.push((OrdF64(imp), std::cmp::Reverse(id)));
            };
        let root = self.add_node(0, self.samples.len(), 0, None);
        ranges.push((0usize, self.samples.len(), 0usize));
        push(self, &mut frontier, root);
        let mut max_split_nodes = max_leaf_nodes.saturating_sub(1);
        while let Some((_, std::cmp::Reverse(id))) = frontier.pop() {
            let Some(sp) = self.nodes[id as usize].split else {
                continue;
            };
            if max_split_nodes == 0 {
                self.nodes[id as usize].split = None;
                continue;
            }
            max_split_nodes -= 1;
            let (start, end, depth) = ranges[id as usize];
            let l = self.add_node(start, sp.pos, depth + 1, Some(sp.imp_left));
            ranges.push((start, sp.pos, depth + 1));
            let r = self.add_node(sp.pos, end, depth + 1, Some(sp.imp_right));
            ranges.push((sp.pos, end, depth + 1));
            self.nodes[id as usize].left = l;
            self.nodes[id as usize].right = r;
            push(self, &mut frontier, l);
            push(self, &mut frontier, r);
        }
    }

    /// Search the candidate features of node `samples[start..end]` and partition the samples by
    /// the best split found.
    fn find_split(
        &mut self,
        start: usize,
        end: usize,
        impurity: f64,
        w_node: f64,
    ) -> Option<Split> {
        let p = self.features.len();
        let mut best: Option<Candidate> = None;
        let (mut visited, mut constant) = (0usize, 0usize);
        let mut i = 0;
        while i < p && (visited < self.spec.max_features || visited <= constant) {
            let j = self.rng.random_range(i..p);
            self.features.swap(i, j);
            let f = self.features[i];
            i += 1;
            visited += 1;
            let found = match self.spec.splitter {
                SplitKind::Best => self.best_on_feature(f, start, end, best.map(|b| b.proxy)),
                SplitKind::Random => self.random_on_feature(f, start, end),
            };
            match found {
                None => constant += 1,
                Some(Some(c)) if c.proxy > best.map_or(f64::NEG_INFINITY, |b| b.proxy) => {
                    best = Some(c)
                }
                Some(_) => {}
            }
        }
        let c = best?;
        // Partition samples[start..end]: left (stable) then right.
        let col = self.cols.col(c.feature);
        self.scratch.clear();
        let mut k = start;
        for idx in start..end {
            let s = self.samples[idx];
            let v = col[s as usize];
            let left = if v.is_nan() {
                c.missing_left
            } else {
                v <= c.threshold
            };
            if left {
                self.samples[k] = s;
                k += 1;
            } else {
                self.scratch.push(s);
            }
        }
        self.samples[k..end].copy_from_slice(&self.scratch);
        let pos = k;
        let layout = &self.samples[start..end];
        self.eval.reset(layout, self.t, self.w);
        self.eval.advance(layout, pos - start, self.t, self.w);
        let (il, ir) = self.eval.children_impurity(layout, self.t, self.w);
        let (wl, wr) = (self.eval.w_left, self.eval.w_right());
        let improvement = (w_node / self.w_all) * (impurity - wr / w_node * ir - wl / w_node * il);
        Some(Split {
            feature: c.feature,
            threshold: c.threshold,
            missing_left: c.missing_left,
            pos,
            improvement,
            imp_left: il,
            imp_right: ir,
        })
    }

    /// Collect the node's rows into `pairs` (sorted by feature `f`) and `missing`; `None` when
    /// the feature is constant in the node (no value, or every value within 1e-7 and no missing).
    fn gather_sorted(&mut self, f: usize, start: usize, end: usize) -> Option<(usize, usize)> {
        let col = self.cols.col(f);
        self.pairs.clear();
        self.missing.clear();
        for &s in &self.samples[start..end] {
            let v = col[s as usize];
            if v.is_nan() {
                self.missing.push(s);
            } else {
                self.pairs.push((order_key(v), s));
            }
        }
        let (nn, nm) = (self.pairs.len(), self.missing.len());
        if nn == 0 {
            return None;
        }
        // Integer keys sort faster than `f64::total_cmp`; ties keep the sample order.
        sort_pairs(&mut self.pairs, &mut self.radix);
        let (lo, hi) = (key_value(self.pairs[0].0), key_value(self.pairs[nn - 1].0));
        if nm == 0 && hi <= lo + FEATURE_THRESHOLD {
            return None;
        }
        Some((nn, nm))
    }

    /// The best threshold of feature `f` (`None`: the feature is constant in the node;
    /// `Some(None)`: no valid split beats `best`).
    fn best_on_feature(
        &mut self,
        f: usize,
        start: usize,
        end: usize,
        best: Option<f64>,
    ) -> Option<Option<Candidate>> {
        let (nn, nm) = self.gather_sorted(f, start, end)?;
        let val = |pairs: &[(u64, u32)], q: usize| key_value(pairs[q].0);
        let n = nn + nm;
        let msl = self.spec.min_samples_leaf;
        let mut best_proxy = best.unwrap_or(f64::NEG_INFINITY);
        let mut out = None;
        for pass_left in [false, true] {
            if pass_left && nm == 0 {
                break;
            }
            self.layout.clear();
            if pass_left {
                self.layout.extend_from_slice(&self.missing);
            }
            self.layout.extend(self.pairs.iter().map(|p| p.1));
            if !pass_left {
                self.layout.extend_from_slice(&self.missing);
            }
            let (w, y) = (self.w, self.t.y);
            self.items.clear();
            self.items.extend(self.layout.iter().map(|&s| Item {
                w: w[s as usize],
                v: y[s as usize],
            }));
            let off = if pass_left { nm } else { 0 };
            self.eval.reset(&self.layout, self.t, self.w);
            // q: the number of non-missing values on the left.
            let mut q = 0;
            loop {
                q += 1;
                while q < nn && val(&self.pairs, q) <= val(&self.pairs, q - 1) + FEATURE_THRESHOLD {
                    q += 1;
                }
                let missing_only_right = q == nn && !pass_left && nm > 0;
                if q >= nn && !missing_only_right {
                    break;
                }
                let pos = off + q;
                let (n_left, n_right) = (pos, n - pos);
                if n_left < msl || n_right < msl {
                    if missing_only_right {
                        break;
                    }
                    continue;
                }
                self.eval.advance_items(&self.items, pos);
                if self.eval.w_left < self.min_weight_leaf
                    || self.eval.w_right() < self.min_weight_leaf
                {
                    if missing_only_right {
                        break;
                    }
                    continue;
                }
                let proxy = self.eval.proxy();
                if proxy > best_proxy {
                    best_proxy = proxy;
                    // "Non-missing left, missing right": scikit-learn's threshold is +inf; the
                    // largest finite value routes every finite value the same way and keeps the
                    // tree valid JSON.
                    let threshold = if missing_only_right {
                        f64::MAX
                    } else {
                        midpoint(val(&self.pairs, q - 1), val(&self.pairs, q))
                    };
                    let missing_left = if nm == 0 { n_left > n_right } else { pass_left };
                    out = Some(Candidate {
                        feature: f,
                        threshold,
                        missing_left,
                        proxy,
                    });
                }
                if missing_only_right {
                    break;
                }
            }
        }
        Some(out)
    }

    /// One random threshold on feature `f` (extra trees).
    fn random_on_feature(
        &mut self,
        f: usize,
        start: usize,
        end: usize,
    ) -> Option<Option<Candidate>> {
        let col = self.cols.col(f);
        let (mut lo, mut hi, mut nm) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
        for &s in &self.samples[start..end] {
            let v = col[s as usize];
            if v.is_nan() {
                nm += 1;
            } else {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let n = end - start;
        if nm == n || (hi <= lo + FEATURE_THRESHOLD && nm == 0) {
            return None;
        }
        let u: f64 = self.rng.random();
        let mut threshold = lo + (hi - lo) * u;
        if threshold >= hi {
            threshold = lo;
        }
        let miss_left = nm > 0 && self.rng.random_bool(0.5);
        self.layout.clear();
        self.scratch.clear();
        for &s in &self.samples[start..end] {
            let v = col[s as usize];
            let left = if v.is_nan() {
                miss_left
            } else {
                v <= threshold
            };
            if left {
                self.layout.push(s);
            } else {
                self.scratch.push(s);
            }
        }
        let n_left = self.layout.len();
        let n_right = n - n_left;
        self.layout.extend_from_slice(&self.scratch);
        let msl = self.spec.min_samples_leaf;
        if n_left < msl || n_right < msl {
            return Some(None);
        }
        self.eval.reset(&self.layout, self.t, self.w);
        self.eval.advance(&self.layout, n_left, self.t, self.w);
        if self.eval.w_left < self.min_weight_leaf || self.eval.w_right() < self.min_weight_leaf {
            return Some(None);
        }
        let missing_left = if nm == 0 { n_left > n_right } else { miss_left };
        Some(Some(Candidate {
            feature: f,
            threshold,
            missing_left,
            proxy: self.eval.proxy(),
        }))
    }

    /// The grown nodes as a flat tree; a node's gain is scikit-learn's weighted impurity
    /// decrease `w·i − w_l·i_l − w_r·i_r`.
    fn into_flat(self) -> Result<FlatTree> {
        let mut t = FlatTree::new(self.cols.n_features(), self.n_outputs);
        for nd in &self.nodes {
            t.add_node(&nd.value, nd.stats)?;
        }
        for (id, nd) in self.nodes.iter().enumerate() {
            if let Some(sp) = nd.split
                && nd.left != NONE
            {
                let (l, r) = (
                    &self.nodes[nd.left as usize],
                    &self.nodes[nd.right as usize],
                );
                let gain = nd.stats.weight * nd.stats.impurity
                    - l.stats.weight * l.stats.impurity
                    - r.stats.weight * r.stats.impurity;
                t.set_split(
                    id as u32,
                    sp.feature,
                    SplitRule::Threshold(sp.threshold),
                    sp.missing_left,
                    nd.left,
                    nd.right,
                    gain,
                )?;
            }
        }
        Ok(t)
    }
}

/// A `u64` whose unsigned order is the order of the (non-NaN) `f64` values (`-0.0` before
/// `0.0`, which compare equal as floats and are never split apart: their gap is below
/// [`FEATURE_THRESHOLD`]).
#[inline]
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Sort `(key, sample)` pairs by key then sample: a comparison sort for small slices, an LSD
/// radix sort on the key bytes (stable, skipping bytes every key shares) for large ones. The
/// pairs arrive in increasing sample order, so both give the same order.
fn sort_pairs(pairs: &mut Vec<(u64, u32)>, buf: &mut Vec<(u64, u32)>) {
    let n = pairs.len();
    if n < 1024 {
        pairs.sort_unstable();
        return;
    }
    let mut hist = [[0usize; 256]; 8];
    for &(k, _) in pairs.iter() {
        for (b, h) in hist.iter_mut().enumerate() {
            h[((k >> (8 * b)) & 0xff) as usize] += 1;
        }
    }
    buf.clear();
    buf.resize(n, (0, 0));
    for (b, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue;
        }
        let mut offset = [0usize; 256];
        let mut acc = 0;
        for (o, &c) in offset.iter_mut().zip(h.iter()) {
            *o = acc;
            acc += c;
        }
        for &p in pairs.iter() {
            let d = ((p.0 >> (8 * b)) & 0xff) as usize;
            buf[offset[d]] = p;
            offset[d] += 1;
        }
        std::mem::swap(pairs, buf);
    }
}

/// The `f64` of an [`order_key`].
#[inline]
fn key_value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// scikit-learn's threshold: the sum of halves, or the lower value when rounding lands on the
/// upper one (or overflows).
fn midpoint(a: f64, b: f64) -> f64 {
    let t = a / 2.0 + b / 2.0;
    if t == b || t.is_infinite() { a } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_matches_the_comparison_sort() {
        let mut r = rng(4);
        for n in [0usize, 5, 1023, 1024, 5000] {
            let pairs: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| {
                    let v: f64 = if i % 7 == 0 {
                        0.5
                    } else {
                        r.random::<f64>() * 200.0 - 100.0
                    };
                    (order_key(v), i)
                })
                .collect();
            let mut want = pairs.clone();
            want.sort_unstable();
            let mut got = pairs;
            sort_pairs(&mut got, &mut Vec::new());
            assert_eq!(got, want);
        }
    }

    #[test]
    fn order_keys_sort_as_the_values_and_round_trip() {
        let vals = [-1e300, -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.1, 3.0, 1e308];
        let keys: Vec<u64> = vals.iter().map(|&v| order_key(v)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for &v in &vals {
            assert_eq!(key_value(order_key(v)).to_bits(), v.to_bits());
        }
    }
}

/// An `f64` with a total order, for the best-first frontier.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF64(f64);

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
