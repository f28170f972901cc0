//! Exact TreeSHAP over [`FlatTree`]s.
//!
//! - [`TreeEnsemble::shap_row`]: path-dependent TreeSHAP, Lundberg et al. 2020 (“From local
//!   explanations to global understanding with explainable AI for trees”), Algorithm 2: one
//!   recursion per tree carrying the path of unique features with, for each, the fraction of
//!   the training cover that flows down the path with the feature unknown (`zero`) and whether
//!   the row follows it (`one`); `EXTEND` adds a split, `UNWIND` removes one (a feature split on
//!   twice is unwound and re-extended), and at a leaf the permutation weights of each path
//!   feature are summed by unwinding it. O(leaves × depth²) per tree and row.
//! - [`TreeEnsemble::interactions_row`]: SHAP interaction values, by running the recursion with
//!   each used feature conditioned on (present / absent) — the method of the `shap` package.
//! - [`TreeEnsemble::interventional_row`]: interventional TreeSHAP against one background row
//!   (Lundberg et al. 2020, Algorithm 3, as the `shap` package's `tree_path_dependent=False`):
//!   averaged over a background set, the exact Shapley values of `E_z[f(x_S, z_S̄)]`.
//!
//! A split routes a row as the tree does ([`FlatTree::next`]: thresholds, category sets and the
//! learned direction of missing values), so the values explain exactly the model's output.

use satori_tree::FlatTree;

/// No feature (the root's path element).
const NO_FEATURE: u32 = u32::MAX;

/// One tree of an ensemble, its leaf values already mapped to the explanation's outputs and
/// scaled (a forest's 1/T, a binary classifier's positive class).
pub(crate) struct PreparedTree<'a> {
    tree: &'a FlatTree,
    left: Vec<u32>,
    right: Vec<u32>,
    feature: Vec<u32>,
    cover: Vec<f64>,
    /// `n_nodes × k` values in the explanation's outputs (zeros where the tree adds nothing).
    values: Vec<f64>,
    max_depth: usize,
    /// The features the tree splits on, ascending.
    used: Vec<u32>,
}

impl<'a> PreparedTree<'a> {
    /// Prepare `tree`: its output `src` becomes explanation output `dst` times `scale`, for each
    /// `(src, dst)` in `map`; `k` explanation outputs.
    pub(crate) fn new(tree: &'a FlatTree, scale: f64, map: &[(usize, usize)], k: usize) -> Self {
        let n = tree.n_nodes();
        let mut left = vec![NO_FEATURE; n];
        let mut right = vec![NO_FEATURE; n];
        let mut feature = vec![NO_FEATURE; n];
        let mut cover = vec![0.0; n];
        let mut values = vec![0.0; n * k];
        let mut used = Vec::new();
        for node in 0..n as u32 {
            let i = node as usize;
            cover[i] = tree.stats(node).weight;
            let v = tree.value(node);
            for &(src, dst) in map {
                values[i * k + dst] += scale * v[src];
            }
            if let (Some(f), Some((l, r))) = (tree.feature(node), tree.children(node)) {
                feature[i] = f as u32;
                left[i] = l;
                right[i] = r;
                used.push(f as u32);
            }
        }
        used.sort_unstable();
        used.dedup();
        PreparedTree {
            tree,
            left,
            right,
            feature,
            cover,
            values,
            max_depth: if n == 0 { 0 } else { tree.max_depth() },
            used,
        }
    }

    fn is_leaf(&self, node: usize) -> bool {
        self.feature[node] == NO_FEATURE
    }

    /// The shares of a node's cover that go to its left and right child. A node without cover
    /// (possible only for a tree built by hand) splits evenly.
    fn fractions(&self, node: usize) -> (f64, f64) {
        let w = self.cover[node];
        let (l, r) = (self.left[node] as usize, self.right[node] as usize);
        if w > 0.0 && w.is_finite() {
            (self.cover[l] / w, self.cover[r] / w)
        } else {
            (0.5, 0.5)
        }
    }

    /// The child of `node` that row `x` follows, and the other one.
    fn hot_cold(&self, node: usize, x: &[f64]) -> (usize, usize) {
        let f = self.feature[node] as usize;
        let hot = self.tree.next(node as u32, x[f]) as usize;
        let cold = if hot == self.left[node] as usize {
            self.right[node] as usize
        } else {
            self.left[node] as usize
        };
        (hot, cold)
    }

    /// The cover-weighted mean of the leaf values, per output (what the values are relative to).
    pub(crate) fn expected(&self, k: usize) -> Vec<f64> {
        let mut out = vec![0.0; k];
        if self.feature.is_empty() {
            return out;
        }
        // Walk parents before children carrying each node's probability.
        let mut prob = vec![0.0; self.feature.len()];
        prob[0] = 1.0;
        for node in self.tree.reachable() {
            let i = node as usize;
            if self.is_leaf(i) {
                for (o, v) in out.iter_mut().zip(&self.values[i * k..(i + 1) * k]) {
                    *o += prob[i] * v;
                }
            } else {
                let (fl, fr) = self.fractions(i);
                prob[self.left[i] as usize] += prob[i] * fl;
                prob[self.right[i] as usize] += prob[i] * fr;
            }
        }
        out
    }

    /// The values of the leaf row `x` lands in.
    pub(crate) fn leaf_values(&self, x: &[f64], k: usize) -> &[f64] {
        let i = self.tree.leaf(x) as usize;
        &self.values[i * k..(i + 1) * k]
    }

    fn path_buffer_len(&self) -> usize {
        let d = self.max_depth + 2;
        d * (d + 1) / 2 + d + 2
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathEl {
    feature: u32,
    zero: f64,
    one: f64,
    weight: f64,
}

/// EXTEND: add a split with fractions `zero`, `one` on `feature` at depth `d`.
fn extend(p: &mut [PathEl], d: usize, zero: f64, one: f64, feature: u32) {
    p[d] = PathEl {
        feature,
        zero,
        one,
        weight: if d == 0 { 1.0 } else { 0.0 },
    };
    let dd = (d + 1) as f64;
    for i in (0..d).rev() {
        p[i + 1].weight += one * p[i].weight * (i + 1) as f64 / dd;
        p[i].weight = zero * p[i].weight * (d - i) as f64 / dd;
    }
}

/// UNWIND: remove element `idx` of a path of depth `d` (undo its EXTEND).
fn unwind(p: &mut [PathEl], d: usize, idx: usize) {
    let (one, zero) = (p[idx].one, p[idx].zero);
    let dd = (d + 1) as f64;
    let mut next = p[d].weight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = p[i].weight;
            p[i].weight = next * dd / ((i + 1) as f64 * one);
            next = tmp - p[i].weight * zero * (d - i) as f64 / dd;
        } else {
            p[i].weight = p[i].weight * dd / (zero * (d - i) as f64);
        }
    }
    for i in idx..d {
        p[i].feature = p[i + 1].feature;
        p[i].zero = p[i + 1].zero;
        p[i].one = p[i + 1].one;
    }
}

/// The total permutation weight of the path with element `idx` unwound (without changing it).
fn unwound_sum(p: &[PathEl], d: usize, idx: usize) -> f64 {
    let (one, zero) = (p[idx].one, p[idx].zero);
    let dd = (d + 1) as f64;
    let mut total = 0.0;
    if one != 0.0 {
        let mut next = p[d].weight;
        for i in (0..d).rev() {
            let tmp = next * dd / ((i + 1) as f64 * one);
            total += tmp;
            next = p[i].weight - tmp * zero * (d - i) as f64 / dd;
        }
    } else {
        for i in (0..d).rev() {
            total += p[i].weight / (zero * (d - i) as f64 / dd);
        }
    }
    total
}

/// The state of one recursion: the tree, the row, where contributions go and the condition
/// (0: none; 1: `cond_feature` always present; -1: always absent).
struct Walk<'t, 'x, 'p> {
    t: &'t PreparedTree<'t>,
    x: &'x [f64],
    phi: &'p mut [f64],
    k: usize,
    cond: i8,
    cond_feature: u32,
    buf: Vec<PathEl>,
}

impl Walk<'_, '_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &mut self,
        node: usize,
        parent_off: usize,
        mut d: usize,
        parent_zero: f64,
        parent_one: f64,
        parent_feature: u32,
        cond_fraction: f64,
    ) {
        if cond_fraction == 0.0 || (parent_zero == 0.0 && parent_one == 0.0) {
            return;
        }
        let off = parent_off + d + 1;
        self.buf.copy_within(parent_off..parent_off + d + 1, off);
        if self.cond == 0 || self.cond_feature != parent_feature {
            extend(
                &mut self.buf[off..],
                d,
                parent_zero,
                parent_one,
                parent_feature,
            );
        }
        let t = self.t;
        let k = self.k;
        if t.is_leaf(node) {
            let vals = &t.values[node * k..(node + 1) * k];
            let path = &self.buf[off..];
            for i in 1..=d {
                let el = path[i];
                if el.one == el.zero {
                    continue;
                }
                let w = unwound_sum(path, d, i);
                let scale = w * (el.one - el.zero) * cond_fraction;
                let f = el.feature as usize;
                for (p, v) in self.phi[f * k..(f + 1) * k].iter_mut().zip(vals) {
                    *p += scale * v;
                }
            }
            return;
        }
        let split = t.feature[node];
        let (hot, cold) = t.hot_cold(node, self.x);
        let (fl, fr) = t.fractions(node);
        let (hot_zero, cold_zero) = if hot == t.left[node] as usize {
            (fl, fr)
        } else {
            (fr, fl)
        };
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        if let Some(idx) = (0..=d).find(|&i| self.buf[off + i].feature == split) {
            in_zero = self.buf[off + idx].zero;
            in_one = self.buf[off + idx].one;
            unwind(&mut self.buf[off..], d, idx);
            d -= 1;
        }
        let (mut hot_cf, mut cold_cf) = (cond_fraction, cond_fraction);
        let mut child_d = d + 1;
        if self.cond > 0 && split == self.cond_feature {
            cold_cf = 0.0;
            child_d -= 1;
        } else if self.cond < 0 && split == self.cond_feature {
            hot_cf *= hot_zero;
            cold_cf *= cold_zero;
            child_d -= 1;
        }
        self.recurse(hot, off, child_d, hot_zero * in_zero, in_one, split, hot_cf);
        self.recurse(cold, off, child_d, cold_zero * in_zero, 0.0, split, cold_cf);
    }
}

/// Path-dependent TreeSHAP of one tree for one row, added into `phi` (`n_features × k`).
fn tree_shap(t: &PreparedTree<'_>, x: &[f64], phi: &mut [f64], k: usize, cond: i8, cf: u32) {
    if t.feature.is_empty() || t.is_leaf(0) {
        return;
    }
    let mut w = Walk {
        t,
        x,
        phi,
        k,
        cond,
        cond_feature: cf,
        buf: vec![PathEl::default(); t.path_buffer_len()],
    };
    w.recurse(0, 0, 0, 1.0, 1.0, NO_FEATURE, 1.0);
}

/// Trees whose outputs add up (with an offset) to a model's raw output.
pub(crate) struct TreeEnsemble<'a> {
    pub(crate) trees: Vec<PreparedTree<'a>>,
    /// The model's constant (a boosting model's initial score), per output.
    pub(crate) offset: Vec<f64>,
    /// Explanation outputs.
    pub(crate) k: usize,
    /// Model input features.
    pub(crate) n_features: usize,
}

impl TreeEnsemble<'_> {
    /// The expected raw output over the training cover: the base value.
    pub(crate) fn expected(&self) -> Vec<f64> {
        let mut out = self.offset.clone();
        for t in &self.trees {
            for (o, e) in out.iter_mut().zip(t.expected(self.k)) {
                *o += e;
            }
        }
        out
    }

    /// The raw output of one row.
    pub(crate) fn predict_row(&self, x: &[f64]) -> Vec<f64> {
        let mut out = self.offset.clone();
        for t in &self.trees {
            if t.feature.is_empty() {
                continue;
            }
            for (o, v) in out.iter_mut().zip(t.leaf_values(x, self.k)) {
                *o += v;
            }
        }
        out
    }

    /// Path-dependent SHAP values of one row: `n_features × k`, row-major.
    pub(crate) fn shap_row(&self, x: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.n_features * self.k];
        for t in &self.trees {
            tree_shap(t, x, &mut phi, self.k, 0, 0);
        }
        phi
    }

    /// SHAP interaction values of one row: `n_features × n_features × k`, row-major; the
    /// diagonal holds the main effects, and each row of the matrix sums to the feature's SHAP
    /// value.
    pub(crate) fn interactions_row(&self, x: &[f64]) -> Vec<f64> {
        let (m, k) = (self.n_features, self.k);
        let mut out = vec![0.0; m * m * k];
        let mut phi = vec![0.0; m * k];
        let mut on = vec![0.0; m * k];
        let mut off = vec![0.0; m * k];
        for t in &self.trees {
            phi.iter_mut().for_each(|v| *v = 0.0);
            tree_shap(t, x, &mut phi, k, 0, 0);
            for j in 0..m {
                for c in 0..k {
                    out[(j * m + j) * k + c] += phi[j * k + c];
                }
            }
            for &j in &t.used {
                let j32 = j;
                let j = j as usize;
                on.iter_mut().for_each(|v| *v = 0.0);
                off.iter_mut().for_each(|v| *v = 0.0);
                tree_shap(t, x, &mut on, k, 1, j32);
                tree_shap(t, x, &mut off, k, -1, j32);
                for i in 0..m {
                    if i == j {
                        continue;
                    }
                    for c in 0..k {
                        let v = (on[i * k + c] - off[i * k + c]) / 2.0;
                        out[(j * m + i) * k + c] += v;
                        out[(j * m + j) * k + c] -= v;
                    }
                }
            }
        }
        out
    }

    /// Interventional SHAP values of one row against one background row `z`, added into `phi`
    /// (`n_features × k`): the exact Shapley values of `v(S) = f(x_S, z_S̄)`.
    pub(crate) fn interventional_row(&self, x: &[f64], z: &[f64], phi: &mut [f64]) {
        for t in &self.trees {
            if t.feature.is_empty() || t.is_leaf(0) {
                continue;
            }
            let mut seen = Vec::with_capacity(t.max_depth + 1);
            interventional(t, x, z, 0, &mut seen, 0, 0, phi, self.k);
        }
    }
}

/// The interventional recursion (Algorithm 3): follow every path that `x` or `z` could take
/// once each feature is taken from one of them. `seen` holds `(feature, from_x)` for the
/// features whose source is already fixed along the path; `nx` / `nz` count the features taken
/// from `x` and from `z`. At a leaf reached with `nx` features from `x` (set `S ∪ {i}` for each
/// of them) and `nz` from `z`, a feature from `x` gains `v · nx!·… ` — the Shapley weight
/// `(nx−1)!·nz!/(nx+nz)!`, and one from `z` loses `v · nx!·(nz−1)!/(nx+nz)!`.
#[allow(clippy::too_many_arguments)]
fn interventional(
    t: &PreparedTree<'_>,
    x: &[f64],
    z: &[f64],
    node: usize,
    seen: &mut Vec<(u32, bool)>,
    nx: usize,
    nz: usize,
    phi: &mut [f64],
    k: usize,
) {
    if t.is_leaf(node) {
        let vals = &t.values[node * k..(node + 1) * k];
        if nx > 0 {
            let w_pos = shapley_weight(nx - 1, nz);
            for &(f, _) in seen.iter().filter(|s| s.1) {
                let f = f as usize;
                for (p, v) in phi[f * k..(f + 1) * k].iter_mut().zip(vals) {
                    *p += w_pos * v;
                }
            }
        }
        if nz > 0 {
            let w_neg = shapley_weight(nx, nz - 1);
            for &(f, _) in seen.iter().filter(|s| !s.1) {
                let f = f as usize;
                for (p, v) in phi[f * k..(f + 1) * k].iter_mut().zip(vals) {
                    *p -= w_neg * v;
                }
            }
        }
        return;
    }
    let f = t.feature[node];
    let fi = f as usize;
    let cx = t.tree.next(node as u32, x[fi]) as usize;
    let cz = t.tree.next(node as u32, z[fi]) as usize;
    if let Some(&(_, from_x)) = seen.iter().find(|s| s.0 == f) {
        let c = if from_x { cx } else { cz };
        interventional(t, x, z, c, seen, nx, nz, phi, k);
    } else if cx == cz {
        interventional(t, x, z, cx, seen, nx, nz, phi, k);
    } else {
        seen.push((f, true));
        interventional(t, x, z, cx, seen, nx + 1, nz, phi, k);
        seen.pop();
        seen.push((f, false));
        interventional(t, x, z, cz, seen, nx, nz + 1, phi, k);
        seen.pop();
    }
}

/// `a!·b!/(a+b+1)!`: the Shapley weight of a coalition of `a` other features out of `a+b+1`.
fn shapley_weight(a: usize, b: usize) -> f64 {
    // Computed as 1 / ((a+b+1) · C(a+b, a)) without overflow.
    let n = a + b;
    let mut c = 1.0_f64;
    for i in 0..a.min(b) {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    1.0 / ((n + 1) as f64 * c)
}

#[cfg(test)]
mod tests {
    use satori_core::rng::{RngExt, rng};
    use satori_tree::{NodeStats, SplitRule};

    use super::*;

    /// A random tree of depth up to `depth` on `m` features (feature 0 categorical, the others
    /// numeric, some split twice along a path), two outputs, random covers and missing-value
    /// directions.
    fn random_tree(seed: u64, m: usize, depth: usize) -> FlatTree {
        let mut r = rng(seed);
        let mut t = FlatTree::new(m, 2);
        fn grow(
            t: &mut FlatTree,
            r: &mut satori_core::rng::SatoriRng,
            m: usize,
            depth: usize,
            cover: f64,
        ) -> u32 {
            let v = [r.random::<f64>() * 10.0 - 5.0, r.random::<f64>()];
            let stats = NodeStats {
                n_samples: cover as u64,
                weight: cover,
                impurity: 0.0,
            };
            let node = t.add_node(&v, stats).unwrap();
            if depth == 0 || r.random::<f64>() < 0.15 {
                return node;
            }
            let f = r.random_range(0..m);
            let share = 0.1 + 0.8 * r.random::<f64>();
            let l = grow(t, r, m, depth - 1, cover * share);
            let rt = grow(t, r, m, depth - 1, cover * (1.0 - share));
            let rule = if f == 0 {
                SplitRule::Categories(vec![r.random_range(0..3u32), 3])
            } else {
                SplitRule::Threshold(r.random::<f64>() * 2.0 - 1.0)
            };
            let ml = r.random::<f64>() < 0.5;
            t.set_split(node, f, rule, ml, l, rt, 1.0).unwrap();
            node
        }
        grow(&mut t, &mut r, m, depth, 100.0);
        t
    }

    fn random_row(seed: u64, m: usize) -> Vec<f64> {
        let mut r = rng(seed);
        (0..m)
            .map(|j| {
                if r.random::<f64>() < 0.15 {
                    f64::NAN
                } else if j == 0 {
                    r.random_range(0..5u32) as f64
                } else {
                    r.random::<f64>() * 2.0 - 1.0
                }
            })
            .collect()
    }

    /// `E[f(x) | x_S]` by the cover (the path-dependent value function, Algorithm 1).
    fn cond_expectation(
        t: &PreparedTree<'_>,
        x: &[f64],
        s: &[bool],
        node: usize,
        k: usize,
    ) -> Vec<f64> {
        if t.is_leaf(node) {
            return t.values[node * k..(node + 1) * k].to_vec();
        }
        let f = t.feature[node] as usize;
        if s[f] {
            let (hot, _) = t.hot_cold(node, x);
            return cond_expectation(t, x, s, hot, k);
        }
        let (fl, fr) = t.fractions(node);
        let a = cond_expectation(t, x, s, t.left[node] as usize, k);
        let b = cond_expectation(t, x, s, t.right[node] as usize, k);
        a.iter().zip(&b).map(|(a, b)| fl * a + fr * b).collect()
    }

    fn fact(n: usize) -> f64 {
        (1..=n).map(|i| i as f64).product()
    }

    fn masks(m: usize) -> impl Iterator<Item = Vec<bool>> {
        (0..1usize << m).map(move |b| (0..m).map(|j| b >> j & 1 == 1).collect())
    }

    /// Exact Shapley values of the game `v` over `m` players, `m × k`.
    fn brute_shapley(m: usize, k: usize, v: &dyn Fn(&[bool]) -> Vec<f64>) -> Vec<f64> {
        let mut phi = vec![0.0; m * k];
        for s in masks(m) {
            let size = s.iter().filter(|b| **b).count();
            let vs = v(&s);
            for i in (0..m).filter(|&i| !s[i]) {
                let mut with = s.clone();
                with[i] = true;
                let w = fact(size) * fact(m - size - 1) / fact(m);
                for (o, (a, b)) in v(&with).iter().zip(&vs).enumerate() {
                    phi[i * k + o] += w * (a - b);
                }
            }
        }
        phi
    }

    fn ensemble(trees: &[FlatTree], m: usize) -> TreeEnsemble<'_> {
        TreeEnsemble {
            trees: trees
                .iter()
                .map(|t| PreparedTree::new(t, 0.5, &[(0, 0), (1, 1)], 2))
                .collect(),
            offset: vec![0.25, -1.0],
            k: 2,
            n_features: m,
        }
    }

    #[test]
    fn path_dependent_values_are_the_exact_shapley_values_of_the_cover_game() {
        let m = 5;
        for seed in 0..20 {
            let trees = vec![random_tree(seed, m, 6), random_tree(seed + 100, m, 4)];
            let ens = ensemble(&trees, m);
            for row in 0..5 {
                let x = random_row(seed * 31 + row, m);
                let got = ens.shap_row(&x);
                let v = |s: &[bool]| {
                    let mut out = ens.offset.clone();
                    for t in &ens.trees {
                        for (o, e) in out.iter_mut().zip(cond_expectation(t, &x, s, 0, 2)) {
                            *o += e;
                        }
                    }
                    out
                };
                let want = brute_shapley(m, 2, &v);
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-10, "seed {seed}: {got:?} vs {want:?}");
                }
                // Additivity against the tree's own prediction.
                let pred = ens.predict_row(&x);
                let base = ens.expected();
                for o in 0..2 {
                    let sum: f64 = (0..m).map(|j| got[j * 2 + o]).sum();
                    let leaf: f64 = ens.offset[o]
                        + trees
                            .iter()
                            .map(|t| 0.5 * t.predict_row(&x)[o])
                            .sum::<f64>();
                    assert!((base[o] + sum - pred[o]).abs() < 1e-10);
                    assert!((pred[o] - leaf).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn interaction_values_are_the_shapley_interaction_index() {
        let m = 4;
        for seed in 0..10 {
            let trees = vec![random_tree(seed + 7, m, 5)];
            let ens = ensemble(&trees, m);
            let x = random_row(seed + 1000, m);
            let got = ens.interactions_row(&x);
            let phi = ens.shap_row(&x);
            let v = |s: &[bool]| cond_expectation(&ens.trees[0], &x, s, 0, 2);
            for i in 0..m {
                for j in 0..m {
                    if i == j {
                        continue;
                    }
                    // Φ_ij = Σ_{S ⊆ M∖{i,j}} |S|!(M−|S|−2)! / (2(M−1)!) ∇_ij(S).
                    let mut want = [0.0; 2];
                    for s in masks(m).filter(|s| !s[i] && !s[j]) {
                        let size = s.iter().filter(|b| **b).count();
                        let w = fact(size) * fact(m - size - 2) / (2.0 * fact(m - 1));
                        let mut si = s.clone();
                        si[i] = true;
                        let mut sj = s.clone();
                        sj[j] = true;
                        let mut sij = si.clone();
                        sij[j] = true;
                        for (o, slot) in want.iter_mut().enumerate() {
                            *slot += w * (v(&sij)[o] - v(&si)[o] - v(&sj)[o] + v(&s)[o]);
                        }
                    }
                    for o in 0..2 {
                        let g = got[(i * m + j) * 2 + o];
                        assert!(
                            (g - want[o]).abs() < 1e-10,
                            "seed {seed} {i},{j}: {g} vs {}",
                            want[o]
                        );
                    }
                }
                for o in 0..2 {
                    let row: f64 = (0..m).map(|j| got[(i * m + j) * 2 + o]).sum();
                    assert!((row - phi[i * 2 + o]).abs() < 1e-10);
                }
            }
        }
    }

    #[test]
    fn interventional_values_are_the_exact_shapley_values_against_a_background_row() {
        let m = 5;
        for seed in 0..15 {
            let trees = vec![random_tree(seed + 50, m, 6), random_tree(seed + 80, m, 3)];
            let ens = ensemble(&trees, m);
            let x = random_row(seed + 3, m);
            let z = random_row(seed + 4, m);
            let mut got = vec![0.0; m * 2];
            ens.interventional_row(&x, &z, &mut got);
            let v = |s: &[bool]| {
                let row: Vec<f64> = (0..m).map(|j| if s[j] { x[j] } else { z[j] }).collect();
                ens.predict_row(&row)
            };
            let want = brute_shapley(m, 2, &v);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-10, "seed {seed}: {got:?} vs {want:?}");
            }
        }
    }
}
