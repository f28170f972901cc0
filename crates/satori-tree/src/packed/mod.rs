//! The prediction layout every tree ensemble shares (gradient boosting, random forests, extra
//! trees): the trees compiled at fit or load time (never stored) into one array of 16-byte
//! nodes whose children sit side by side (`right = left + 1`). Routing is
//! [`FlatTree::next`]'s exactly (thresholds `x <= t`, category sets, NaN by `missing_left`) and
//! leaf values are copied bit for bit, so predictions equal the flat trees'.
//!
//! Walking is branch-light: a leaf points at itself with threshold +inf and NaN going left
//! (its values are kept in a parallel array, `width` per node), so several walks (trees of one
//! row, or rows of one tree) step in lockstep without a per-walk test, and stop together once
//! every one sits on a leaf. Models without category splits use a walk with no category test
//! at all. The layout is checked once when compiled (every child in range, the highest feature
//! known), so the walk runs without bounds checks ([`kernels::walk_unchecked`]) on rows long
//! enough, and through its safe twin otherwise. Batches go through a block of rows one tree at
//! a time (the tree's top levels stay in cache), and each row still adds its trees in tree
//! order, so every path gives the same sums, bit for bit.
//!
//! Outputs: tree `t` adds its `width` leaf values to the outputs `g .. g + width` of a row,
//! where `g` starts at 0 and advances by `width` per tree, wrapping at the row's `k` outputs
//! (`k` a multiple of `width`). A boosting model's trees have one value each and cycle over
//! the `k` output groups (`g = t % k`); a forest's trees have `k` values each (class
//! probabilities) and all add to the same `k` outputs.

mod kernels;

use ndarray::{ArrayView2, s};
use rayon::prelude::*;
use satori_core::{Error, Result};

use crate::flat::{FlatTree, SplitTest};
use kernels::{
    CATEGORY, FEATURE, LEAF, MISSING_LEFT, PackedNode as Node, walk_safe, walk_unchecked,
};

/// Rows of one tree walked in lockstep by [`Packed::add_rows`].
const LANES: usize = 8;

/// Trees of one row walked in lockstep by [`Packed::add_all`].
const TREE_LANES: usize = 8;

/// Rows per block of [`Packed::add_rows`] for small trees (boosting's): each tree walks all of
/// them before the next tree, and the block's rows stay in the first-level cache.
const BLOCK: usize = 64;

/// Above this many bytes per tree (nodes and leaf values), [`Packed::add_rows`] walks every
/// row it is given through one tree before the next: a fully grown forest's tree does not stay
/// in cache from one small block to the next, and each pass through it costs a trip to memory
/// (measured: 65k rows through 30 flights trees of 90k nodes took 0.53 s in blocks of 64 rows,
/// 0.35 s in blocks of 4,096 and 0.20 s in blocks of 32,768, on one thread).
const LARGE_TREE_BYTES: usize = 256 << 10;

/// The largest feature index a packed node can hold, plus one.
pub const MAX_FEATURES: usize = FEATURE as usize + 1;

/// Trees compiled for prediction (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    nodes: Vec<Node>,
    /// Per node: its `width` leaf values (zeros for a split).
    leaf_values: Vec<f64>,
    /// Values per leaf.
    width: usize,
    roots: Vec<u32>,
    sets: Vec<Vec<u64>>,
    /// The shortest row the unchecked walk may read: one past the highest feature of any
    /// node (leaves read feature 0, so at least 1).
    min_row: usize,
    /// Whether every root and child index was found in range (so the unchecked walk may run
    /// on rows of at least `min_row` values).
    checked: bool,
}

impl Default for Packed {
    fn default() -> Self {
        Packed {
            nodes: Vec::new(),
            leaf_values: Vec::new(),
            width: 1,
            roots: Vec::new(),
            sets: Vec::new(),
            min_row: 1,
            checked: false,
        }
    }
}

impl Packed {
    /// Compile `trees`, which must all give the same number of values per leaf and take fewer
    /// than [`MAX_FEATURES`] features (trees are valid by construction: built through
    /// [`FlatTree`]'s checked API or validated when read).
    pub fn new(trees: &[FlatTree]) -> Result<Packed> {
        let width = trees.first().map_or(1, FlatTree::n_outputs);
        if width == 0 {
            return Err(Error::InvalidData(
                "corrupt tree: its leaves hold no values".into(),
            ));
        }
        if let Some(t) = trees.iter().find(|t| t.n_outputs() != width) {
            return Err(Error::InvalidData(format!(
                "corrupt tree ensemble: trees with {width} and {} values per leaf",
                t.n_outputs()
            )));
        }
        if let Some(t) = trees.iter().find(|t| t.n_features() > MAX_FEATURES) {
            return Err(Error::InvalidData(format!(
                "tree models take at most {MAX_FEATURES} features, got {}",
                t.n_features()
            )));
        }
        let mut p = Packed {
            width,
            ..Packed::default()
        };
        for t in trees {
            p.roots.push(p.nodes.len() as u32);
            p.add_tree(t);
        }
        p.check_layout();
        Ok(p)
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
        // Depth-first over sibling pairs: a split's two children get adjacent slots reserved at
        // the end, and the left child's subtree is laid out before the right child's, so a
        // walk that goes left finds the next pair right after the current one (fewer cache
        // lines touched per walk than a breadth-first layout on deep trees).
        let w = self.width;
        let blank = Node {
            value: 0.0,
            flags: LEAF,
            left: 0,
        };
        let mut stack: Vec<(u32, usize)> = vec![(0, self.nodes.len())];
        self.nodes.push(blank);
        self.leaf_values.extend(std::iter::repeat_n(0.0, w));
        while let Some((old, slot)) = stack.pop() {
            match (t.feature(old), t.split_test(old), t.children(old)) {
                (Some(f), Some(test), Some((l, r))) => {
                    let left = self.nodes.len() as u32;
                    self.nodes.extend([blank, blank]);
                    self.leaf_values.extend(std::iter::repeat_n(0.0, 2 * w));
                    stack.push((r, left as usize + 1));
                    stack.push((l, left as usize));
                    let mut flags = f as u32 & FEATURE;
                    if t.missing_left(old) {
                        flags |= MISSING_LEFT;
                    }
                    let value = match test {
                        SplitTest::Threshold(th) => th,
                        SplitTest::Categories(bits) => {
                            flags |= CATEGORY;
                            self.sets.push(bits.to_vec());
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
                    self.leaf_values[slot * w..(slot + 1) * w].copy_from_slice(t.value(old));
                }
            }
        }
    }

    /// The number of compiled trees.
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Values per leaf.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether any split tests a category set (else the walks skip that test).
    fn has_categories(&self) -> bool {
        !self.sets.is_empty()
    }

    #[inline]
    fn values_of(&self, node: usize) -> &[f64] {
        &self.leaf_values[node * self.width..(node + 1) * self.width]
    }

    /// The leaf values of tree `t` for `row` (which has every feature the trees use).
    #[inline]
    pub fn tree_values(&self, t: usize, row: &[f64]) -> &[f64] {
        let mut i = [self.roots[t] as usize];
        walk_safe::<true, 1>(&self.nodes, &self.sets, &mut i, [row]);
        self.values_of(i[0])
    }

    /// The first leaf value of tree `t` for `row` (a boosting tree's only one).
    #[inline]
    pub fn tree_value(&self, t: usize, row: &[f64]) -> f64 {
        self.tree_values(t, row)[0]
    }

    /// Add every tree's values for `row` to `out` (`out.len()` a multiple of the width; see the
    /// [module docs](self) for which tree adds to which output), in tree order. [`TREE_LANES`]
    /// trees are walked in lockstep (their dependent loads overlap); the additions still
    /// happen one tree after another, so the sums are those of [`Packed::tree_values`] in
    /// order.
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
        let w = self.width;
        if k == 0 || !k.is_multiple_of(w) {
            return;
        }
        let n_trees = self.roots.len();
        // `g`: the first output of the next tree (advancing by the width, without a division
        // per tree).
        let mut g = 0;
        let mut add = |vals: &[f64]| {
            out[g..g + w]
                .iter_mut()
                .zip(vals)
                .for_each(|(o, v)| *o += v);
            g += w;
            if g == k {
                g = 0;
            }
        };
        let mut t = 0;
        while t + TREE_LANES <= n_trees {
            let mut idx: [usize; TREE_LANES] = std::array::from_fn(|l| self.roots[t + l] as usize);
            self.walk::<CAT, UNCHECKED, TREE_LANES>(&mut idx, [row; TREE_LANES]);
            idx.iter().for_each(|&i| add(self.values_of(i)));
            t += TREE_LANES;
        }
        for t in t..n_trees {
            add(self.tree_values(t, row));
        }
    }

    /// The outputs of every row of `x` (`k` per row, row-major): each row's outputs start as
    /// `start` (`k` values), then the trees add theirs ([`Packed::add_rows`]), in parallel over
    /// chunks of `chunk` rows. Row-major input is read in place; any other layout is copied
    /// per chunk. A row's sums do not depend on the chunks (trees are added in order), so the
    /// result is the same at any `chunk` and number of threads. `x` must have at least the
    /// trees' features as columns (the callers check its width).
    pub fn predict_rows(
        &self,
        x: ArrayView2<'_, f64>,
        k: usize,
        chunk: usize,
        start: &[f64],
    ) -> Vec<f64> {
        let nf = x.ncols();
        let mut flat = vec![0.0; x.nrows() * k];
        if k == 0 || start.len() != k {
            return flat;
        }
        let chunk = chunk.max(1);
        flat.par_chunks_mut(chunk * k)
            .enumerate()
            .for_each(|(c, o)| {
                let first = c * chunk;
                let sub = x.slice(s![first..first + o.len() / k, ..]);
                let owned: Vec<f64>;
                let rows = match sub.as_slice() {
                    Some(v) => v,
                    None => {
                        owned = sub.iter().copied().collect();
                        &owned
                    }
                };
                o.chunks_mut(k).for_each(|r| r.copy_from_slice(start));
                self.add_rows(rows, nf, k, o);
            });
        flat
    }

    /// The rows per block of [`Packed::add_rows`]: [`BLOCK`], or all of them for large trees
    /// ([`LARGE_TREE_BYTES`]).
    fn block_rows(&self) -> usize {
        let n_trees = self.roots.len().max(1);
        let bytes = (self.nodes.len() * (std::mem::size_of::<Node>() + 8 * self.width)) / n_trees;
        if bytes > LARGE_TREE_BYTES {
            usize::MAX
        } else {
            BLOCK
        }
    }

    /// Add every tree's values to each row's `k` outputs: `x` holds the rows one after another
    /// (`nf` values each), `out` their outputs (`k` each, a multiple of the width). Blocks of
    /// rows ([`BLOCK`] for small trees, all of them for large ones) go through one tree at a
    /// time, [`LANES`] rows in lockstep; every row still adds its trees in tree order, so the
    /// sums equal [`Packed::add_all`]'s whatever the block.
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
        let w = self.width;
        if k == 0 || !k.is_multiple_of(w) {
            return;
        }
        let n = (out.len() / k).min(x.len().checked_div(nf).unwrap_or(usize::MAX));
        let row = |r: usize| &x[r * nf..(r + 1) * nf];
        let block = self.block_rows();
        let mut b0 = 0;
        while b0 < n {
            let b1 = b0.saturating_add(block).min(n);
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
                        let o = (r + l) * k + g;
                        out[o..o + w]
                            .iter_mut()
                            .zip(self.values_of(i))
                            .for_each(|(d, v)| *d += v);
                    }
                    r += m;
                }
                g += w;
                if g == k {
                    g = 0;
                }
            }
            b0 = b1;
        }
    }
}

#[cfg(test)]
mod tests;
