//! The prediction layout: every tree of a booster compiled at fit or load time (never stored)
//! into one array of 16-byte nodes whose children sit side by side (`right = left + 1`), leaf
//! values inline. Routing is [`satori_tree::FlatTree::next`]'s exactly (thresholds `x <= t`,
//! category sets, NaN by `missing_left`) and leaf values are copied bit for bit, so
//! predictions equal the stored trees'.
//!
//! Walking is branch-light: a leaf points at itself with threshold +inf and NaN going left
//! (its value is kept in a parallel array), so several walks (trees of one row, or rows of
//! one tree) step in lockstep without a per-walk test, and stop together once every one sits
//! on a leaf. Models without category splits use a walk with no category test at all. The
//! layout is checked once when compiled (every child in range, the highest feature known), so
//! the walk runs without bounds checks ([`walk_unchecked`]) on rows long enough, and through
//! its safe twin otherwise. Batches go through a block of rows one tree at a time (the tree's
//! nodes stay in the first-level cache), and each row still adds its trees in tree order, so
//! every path gives the same sums, bit for bit.

use satori_tree::{FlatTree, SplitRule};

use crate::kernels::{
    CATEGORY, FEATURE, LEAF, MISSING_LEFT, PackedNode as Node, walk_safe, walk_unchecked,
};

/// Rows of one tree walked in lockstep by [`Packed::add_rows`].
const LANES: usize = 8;

/// Trees of one row walked in lockstep by [`Packed::add_all`].
const TREE_LANES: usize = 8;

/// Rows per block of [`Packed::add_rows`]: each tree walks all of them before the next tree.
const BLOCK: usize = 64;

/// The compiled trees.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Packed {
    nodes: Vec<Node>,
    /// Per node: its leaf value (0 for a split).
    leaf_values: Vec<f64>,
    roots: Vec<u32>,
    sets: Vec<Vec<u64>>,
    /// The shortest row the unchecked walk may read: one past the highest feature of any
    /// node (leaves read feature 0, so at least 1).
    min_row: usize,
    /// Whether every root and child index was found in range (so the unchecked walk may run
    /// on rows of at least `min_row` values).
    checked: bool,
}

impl Packed {
    /// Compile `trees` (each already validated, with fewer than 2^29 features).
    pub fn new(trees: &[FlatTree]) -> Packed {
        let mut p = Packed::default();
        for t in trees {
            p.roots.push(p.nodes.len() as u32);
            p.add_tree(t);
        }
        p.check_layout();
        p
    }

    /// Record what [`walk_unchecked`] relies on: every index in range, and the longest
    /// feature index.
    fn check_layout(&mut self) {
        let len = self.nodes.len();
        let children_ok = self.nodes.iter().all(|n| {
            let last = n.left as usize + usize::from(n.flags & LEAF == 0);
            last < len
        });
        let roots_ok = self.roots.iter().all(|&r| (r as usize) < len);
        self.checked = children_ok && roots_ok && len < u32::MAX as usize;
        self.min_row = self
            .nodes
            .iter()
            .map(|n| (n.flags & FEATURE) as usize + 1)
            .max()
            .unwrap_or(1);
    }

    /// Whether the unchecked walk may read `row`s of this length.
    #[inline]
    fn unchecked_ok(&self, row_len: usize) -> bool {
        self.checked && row_len >= self.min_row
    }

    /// Step every walk `idx[l]` (of row `rows[l]`) until all of them sit on a leaf, through
    /// the unchecked kernel when `UNCHECKED` (the caller checked [`Packed::unchecked_ok`]
    /// for every row) or its safe twin.
    #[inline(always)]
    fn walk<const CAT: bool, const UNCHECKED: bool, const N: usize>(
        &self,
        idx: &mut [usize; N],
        rows: [&[f64]; N],
    ) {
        if UNCHECKED {
            // SAFETY: every start index is a root or a leaf reached from one (in range, as
            // are all children: `checked`), and every row is at least `min_row` long, which
            // is past every node's feature (`unchecked_ok`, checked by the callers).
            unsafe { walk_unchecked::<CAT, N>(&self.nodes, &self.sets, idx, rows) }
        } else {
            walk_safe::<CAT, N>(&self.nodes, &self.sets, idx, rows);
        }
    }

    fn add_tree(&mut self, t: &FlatTree) {
        // Breadth-first, children pushed as a pair: the left child's slot is reserved with
        // its sibling's right after it.
        let base = self.nodes.len();
        let mut order: Vec<u32> = vec![0];
        let blank = Node {
            value: 0.0,
            flags: LEAF,
            left: 0,
        };
        self.nodes.push(blank);
        self.leaf_values.push(0.0);
        let mut i = 0;
        while i < order.len() {
            let old = order[i];
            let slot = base + i;
            match (t.feature(old), t.rule(old), t.children(old)) {
                (Some(f), Some(rule), Some((l, r))) => {
                    let left = (base + order.len()) as u32;
                    order.push(l);
                    order.push(r);
                    self.nodes.extend([blank, blank]);
                    self.leaf_values.extend([0.0, 0.0]);
                    let mut flags = f as u32 & FEATURE;
                    if t.missing_left(old) {
                        flags |= MISSING_LEFT;
                    }
                    let value = match rule {
                        SplitRule::Threshold(th) => th,
                        SplitRule::Categories(codes) => {
                            flags |= CATEGORY;
                            let words = codes
                                .iter()
                                .map(|&c| c as usize / 64 + 1)
                                .max()
                                .unwrap_or(0);
                            let mut bits = vec![0u64; words];
                            for c in codes {
                                bits[c as usize / 64] |= 1 << (c % 64);
                            }
                            self.sets.push(bits);
                            (self.sets.len() - 1) as f64
                        }
                    };
                    self.nodes[slot] = Node { value, flags, left };
                }
                _ => {
                    // A leaf routes every value back to itself (see `kernels::walk_safe`).
                    self.nodes[slot] = Node {
                        value: f64::INFINITY,
                        flags: LEAF | MISSING_LEFT,
                        left: slot as u32,
                    };
                    self.leaf_values[slot] = t.value(old).first().copied().unwrap_or(0.0);
                }
            }
            i += 1;
        }
    }

    /// The number of compiled trees.
    #[cfg(test)]
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Whether any split tests a category set (else the walks skip that test).
    fn has_categories(&self) -> bool {
        !self.sets.is_empty()
    }

    /// The leaf value of tree `t` for `row` (which has every feature the trees use).
    #[inline]
    pub fn tree_value(&self, t: usize, row: &[f64]) -> f64 {
        let mut i = [self.roots[t] as usize];
        walk_safe::<true, 1>(&self.nodes, &self.sets, &mut i, [row]);
        self.leaf_values[i[0]]
    }

    /// Add every tree's value for `row` to `out[t % out.len()]`, in tree order. [`TREE_LANES`]
    /// trees are walked in lockstep (their dependent loads overlap); the additions still
    /// happen one tree after another, so the sums are those of [`Packed::tree_value`] in order.
    pub fn add_all(&self, row: &[f64], out: &mut [f64]) {
        match (self.has_categories(), self.unchecked_ok(row.len())) {
            (true, true) => self.add_all_with::<true, true>(row, out),
            (true, false) => self.add_all_with::<true, false>(row, out),
            (false, true) => self.add_all_with::<false, true>(row, out),
            (false, false) => self.add_all_with::<false, false>(row, out),
        }
    }

    fn add_all_with<const CAT: bool, const UNCHECKED: bool>(&self, row: &[f64], out: &mut [f64]) {
        let k = out.len();
        if k == 0 {
            return;
        }
        let n_trees = self.roots.len();
        // `g`: the output group of the next tree (`t % k`, without a division per tree).
        let mut g = 0;
        let mut add = |v: f64| {
            out[g] += v;
            g += 1;
            if g == k {
                g = 0;
            }
        };
        let mut t = 0;
        while t + TREE_LANES <= n_trees {
            let mut idx: [usize; TREE_LANES] = std::array::from_fn(|l| self.roots[t + l] as usize);
            self.walk::<CAT, UNCHECKED, TREE_LANES>(&mut idx, [row; TREE_LANES]);
            idx.iter().for_each(|&i| add(self.leaf_values[i]));
            t += TREE_LANES;
        }
        for t in t..n_trees {
            add(self.tree_value(t, row));
        }
    }

    /// Add every tree's value to each row's `k` outputs: `x` holds the rows one after another
    /// (`nf` values each), `out` their outputs (`k` each; tree `t` adds to output `t % k`).
    /// Blocks of [`BLOCK`] rows go through one tree at a time, [`LANES`] rows in lockstep;
    /// every row still adds its trees in tree order, so the sums equal [`Packed::add_all`]'s.
    pub fn add_rows(&self, x: &[f64], nf: usize, k: usize, out: &mut [f64]) {
        match (self.has_categories(), self.unchecked_ok(nf)) {
            (true, true) => self.add_rows_with::<true, true>(x, nf, k, out),
            (true, false) => self.add_rows_with::<true, false>(x, nf, k, out),
            (false, true) => self.add_rows_with::<false, true>(x, nf, k, out),
            (false, false) => self.add_rows_with::<false, false>(x, nf, k, out),
        }
    }

    fn add_rows_with<const CAT: bool, const UNCHECKED: bool>(
        &self,
        x: &[f64],
        nf: usize,
        k: usize,
        out: &mut [f64],
    ) {
        if k == 0 {
            return;
        }
        let n = out.len() / k;
        let row = |r: usize| &x[r * nf..(r + 1) * nf];
        let mut b0 = 0;
        while b0 < n {
            let b1 = (b0 + BLOCK).min(n);
            let mut g = 0;
            for &root in &self.roots {
                let mut r = b0;
                while r < b1 {
                    // A short last group repeats its last row; only real rows add.
                    let m = (b1 - r).min(LANES);
                    let rows: [&[f64]; LANES] = std::array::from_fn(|l| row(r + l.min(m - 1)));
                    let mut idx = [root as usize; LANES];
                    self.walk::<CAT, UNCHECKED, LANES>(&mut idx, rows);
                    for (l, &i) in idx.iter().take(m).enumerate() {
                        out[(r + l) * k + g] += self.leaf_values[i];
                    }
                    r += m;
                }
                g += 1;
                if g == k {
                    g = 0;
                }
            }
            b0 = b1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use satori_tree::NodeStats;

    /// root: x0 <= 1 (NaN left) ? (x1 in {0, 2, 70} (NaN right) ? 10 : 20) : 30.
    fn sample() -> FlatTree {
        let mut t = FlatTree::new(2, 1);
        let s = NodeStats::default();
        let root = t.add_node(&[0.0], s).unwrap();
        let cat = t.add_node(&[0.0], s).unwrap();
        let far = t.add_node(&[30.0], s).unwrap();
        let a = t.add_node(&[10.0], s).unwrap();
        let b = t.add_node(&[20.0], s).unwrap();
        t.set_split(root, 0, SplitRule::Threshold(1.0), true, cat, far, 1.0)
            .unwrap();
        t.set_split(
            cat,
            1,
            SplitRule::Categories(vec![0, 2, 70]),
            false,
            a,
            b,
            1.0,
        )
        .unwrap();
        t
    }

    #[test]
    fn packed_routing_equals_the_flat_tree() {
        let t = sample();
        let p = Packed::new(&[t.clone(), t.clone()]);
        let rows = [
            [1.0, 0.0],
            [1.0, 1.0],
            [1.5, 0.0],
            [f64::NAN, 2.0],
            [0.0, f64::NAN],
            [0.0, 70.0],
            [0.0, 71.0],
            [0.0, -1.0],
            [0.0, 0.5],
            [0.0, 1e300],
            [f64::INFINITY, 0.0],
            [f64::NEG_INFINITY, 2.0],
        ];
        for r in rows {
            assert_eq!(p.tree_value(1, &r), t.predict_row(&r)[0], "{r:?}");
        }
        assert_eq!(p.n_trees(), 2);
        // Numeric-only trees take the walk without category tests.
        let numeric = numeric_sample();
        let trees: Vec<FlatTree> = (0..19)
            .map(|i| {
                if i % 3 == 1 {
                    numeric.clone()
                } else {
                    t.clone()
                }
            })
            .collect();
        let numeric_only = vec![numeric; 19];
        for trees in [trees, numeric_only] {
            check_sums(&trees, &rows);
        }
    }

    /// x0 <= 1 (NaN right) ? (x1 <= -0.5 (NaN left) ? 1 : 2) : 3.
    fn numeric_sample() -> FlatTree {
        let mut t = FlatTree::new(2, 1);
        let s = NodeStats::default();
        let root = t.add_node(&[0.0], s).unwrap();
        let inner = t.add_node(&[0.0], s).unwrap();
        let far = t.add_node(&[3.0], s).unwrap();
        let a = t.add_node(&[1.0], s).unwrap();
        let b = t.add_node(&[2.0], s).unwrap();
        t.set_split(root, 0, SplitRule::Threshold(1.0), false, inner, far, 1.0)
            .unwrap();
        t.set_split(inner, 1, SplitRule::Threshold(-0.5), true, a, b, 1.0)
            .unwrap();
        t
    }

    /// Single-row (lanes + remainder) and block sums, for 1 and 3 output groups and row
    /// counts around the lane and block sizes, equal the flat trees' values added in order.
    fn check_sums(trees: &[FlatTree], rows: &[[f64; 2]]) {
        let p = Packed::new(trees);
        for k in [1, 3] {
            let expect = |r: &[f64; 2]| {
                let mut e = vec![0.25; k];
                for (t, tree) in trees.iter().enumerate() {
                    e[t % k] += tree.predict_row(r)[0];
                }
                e
            };
            for r in rows {
                let mut out = vec![0.25; k];
                p.add_all(r, &mut out);
                let e = expect(r);
                assert_eq!(bits(&out), bits(&e), "{r:?}");
            }
            for n in [0, 1, 7, 8, 9, 63, 64, 65, 150] {
                let xs: Vec<[f64; 2]> = (0..n).map(|i| rows[(i * 7) % rows.len()]).collect();
                let flat: Vec<f64> = xs.iter().flatten().copied().collect();
                let mut out = vec![0.25; n * k];
                p.add_rows(&flat, 2, k, &mut out);
                let e: Vec<f64> = xs.iter().flat_map(expect).collect();
                assert_eq!(bits(&out), bits(&e), "{n} rows, k = {k}");
            }
        }
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// A tree grown by splitting a chosen leaf per step: (leaf pick, feature, threshold or
    /// category, NaN left, category split, leaf value).
    type Step = (u8, u8, i8, bool, bool, i8);

    fn random_tree(nf: usize, steps: &[Step]) -> FlatTree {
        let mut t = FlatTree::new(nf, 1);
        let s = NodeStats::default();
        let mut leaves = vec![t.add_node(&[0.5], s).unwrap()];
        for (j, &(pick, f, th, ml, cat, v)) in steps.iter().enumerate() {
            let at = leaves.swap_remove(pick as usize % leaves.len());
            let l = t.add_node(&[f64::from(v) * 0.25], s).unwrap();
            let r = t.add_node(&[j as f64 - f64::from(v) * 0.5], s).unwrap();
            let rule = if cat {
                SplitRule::Categories(vec![u32::from(th.unsigned_abs()) % 5, 7, 70])
            } else {
                SplitRule::Threshold(f64::from(th) * 0.5)
            };
            t.set_split(at, f as usize % nf, rule, ml, l, r, 1.0)
                .unwrap();
            leaves.extend([l, r]);
        }
        t
    }

    fn input() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            -40.0..40.0f64,
            (0u8..80).prop_map(f64::from),
        ]
    }

    proptest! {
        /// The unchecked walk equals its safe twin and the flat trees, for single rows and
        /// blocks, with and without category splits.
        #[test]
        fn unchecked_walk_matches_safe_twin(
            steps in prop::collection::vec(
                prop::collection::vec(any::<Step>(), 0..24), 1..20),
            rows in prop::collection::vec(prop::collection::vec(input(), 3), 0..80),
            k in 1usize..4,
        ) {
            let trees: Vec<FlatTree> = steps.iter().map(|s| random_tree(3, s)).collect();
            let p = Packed::new(&trees);
            prop_assert!(p.unchecked_ok(3));
            let expect = |r: &[f64]| {
                let mut e = vec![0.0; k];
                for (t, tree) in trees.iter().enumerate() {
                    e[t % k] += tree.predict_row(r)[0];
                }
                bits(&e)
            };
            let mut all = Vec::new();
            for r in &rows {
                let e = expect(r);
                all.extend(e.iter().map(|&b| f64::from_bits(b)));
                for (cat, unchecked) in [(true, true), (true, false), (false, true), (false, false)] {
                    if !cat && p.has_categories() {
                        continue;
                    }
                    let mut out = vec![0.0; k];
                    match (cat, unchecked) {
                        (true, true) => p.add_all_with::<true, true>(r, &mut out),
                        (true, false) => p.add_all_with::<true, false>(r, &mut out),
                        (false, true) => p.add_all_with::<false, true>(r, &mut out),
                        (false, false) => p.add_all_with::<false, false>(r, &mut out),
                    }
                    prop_assert_eq!(bits(&out), e.clone());
                }
            }
            let flat: Vec<f64> = rows.iter().flatten().copied().collect();
            for unchecked in [true, false] {
                let mut out = vec![0.0; rows.len() * k];
                if unchecked {
                    p.add_rows_with::<true, true>(&flat, 3, k, &mut out);
                } else {
                    p.add_rows_with::<true, false>(&flat, 3, k, &mut out);
                }
                prop_assert_eq!(bits(&out), bits(&all));
            }
            // Rows shorter than a used feature never take the unchecked walk.
            prop_assert!(!p.unchecked_ok(0));
        }
    }
}
