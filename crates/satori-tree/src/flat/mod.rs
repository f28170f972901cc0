//! The flat tree: one binary tree as parallel node arrays.
//!
//! Every tree model of satori (decision trees, forests, extra trees, isolation forests, gradient
//! boosting) stores its trees in this form, so that prediction, importances, SHAP, export and
//! compression are written once. Node 0 is the root; a node's children always have larger
//! indices than the node itself (so the arrays can be walked without recursion and checked
//! for cycles in one pass).
//!
//! Routing a row at an internal node:
//! - a **threshold** split sends `x <= threshold` left and `x > threshold` right (scikit-learn's
//!   convention);
//! - a **category** split reads `x` as a category code and sends the codes in its set left and
//!   every other code (including a code never seen in training) right, LightGBM's convention;
//! - a missing value (`NaN`) goes where `missing_left` says, for both kinds.
//!
//! ```
//! use satori_tree::{FlatTree, NodeStats, SplitRule};
//!
//! let mut t = FlatTree::new(1, 1);
//! let root = t.add_node(&[0.5], NodeStats::default()).unwrap();
//! let l = t.add_node(&[0.0], NodeStats::default()).unwrap();
//! let r = t.add_node(&[1.0], NodeStats::default()).unwrap();
//! t.set_split(root, 0, SplitRule::Threshold(2.5), false, l, r, 1.0).unwrap();
//! assert_eq!(t.predict_row(&[1.0]), &[0.0]);
//! assert_eq!(t.predict_row(&[3.0]), &[1.0]);
//! assert_eq!(t.predict_row(&[f64::NAN]), &[1.0]);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Error, Result, check_features};
use serde::{Deserialize, Serialize};

mod stored;

pub(crate) use stored::TreeBody;

/// The marker of "no child" (a leaf) and "no feature".
pub const NONE: u32 = u32::MAX;

/// How an internal node routes a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SplitRule {
    /// `x <= threshold` goes left.
    Threshold(f64),
    /// Category codes in the list go left; every other code goes right.
    Categories(Vec<u32>),
}

/// An internal node's test, borrowed from the tree ([`FlatTree::split_test`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SplitTest<'a> {
    /// `x <= threshold` goes left.
    Threshold(f64),
    /// The category codes whose bit is set go left.
    Categories(&'a [u64]),
}

/// What a node saw in training: used by importances, SHAP (cover) and pruning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeStats {
    /// Training rows that reached the node.
    pub n_samples: u64,
    /// Their total weight (sample weights, or hessians for gradient boosting): the "cover".
    pub weight: f64,
    /// The node's impurity (criterion value, or the boosting objective), 0 if not tracked.
    pub impurity: f64,
}

/// A binary tree as parallel arrays indexed by node id (see the [module docs](self)). Its
/// serialised form is compact (`flat/stored.rs`); a tree read from bytes is validated once, there.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatTree {
    n_features: usize,
    n_outputs: usize,
    /// Split feature per node; [`NONE`] for a leaf.
    feature: Vec<u32>,
    /// Threshold per node (threshold splits; 0 otherwise, so that every tree is valid JSON).
    threshold: Vec<f64>,
    /// Index into `category_sets` for a category split; [`NONE`] otherwise.
    category_set: Vec<u32>,
    /// Bitsets of the category splits (bit `c` set: code `c` goes left).
    category_sets: Vec<Vec<u64>>,
    left: Vec<u32>,
    right: Vec<u32>,
    missing_left: Vec<bool>,
    /// The split's gain (weighted impurity decrease, or the boosting gain); 0 for a leaf.
    gain: Vec<f64>,
    stats: Vec<NodeStats>,
    /// `n_outputs` values per node, row-major (leaves predict theirs; internal nodes keep
    /// theirs for SHAP and pruning).
    value: Vec<f64>,
}

impl FlatTree {
    /// An empty tree taking `n_features` columns and giving `n_outputs` values per row.
    pub fn new(n_features: usize, n_outputs: usize) -> Self {
        FlatTree {
            n_features,
            n_outputs,
            feature: Vec::new(),
            threshold: Vec::new(),
            category_set: Vec::new(),
            category_sets: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            missing_left: Vec::new(),
            gain: Vec::new(),
            stats: Vec::new(),
            value: Vec::new(),
        }
    }

    /// Append a node (a leaf until [`FlatTree::set_split`] makes it internal); returns its id.
    pub fn add_node(&mut self, value: &[f64], stats: NodeStats) -> Result<u32> {
        if value.len() != self.n_outputs {
            return Err(Error::ShapeMismatch {
                context: "tree node values".into(),
                expected: self.n_outputs,
                got: value.len(),
            });
        }
        let id = self.feature.len();
        if id >= NONE as usize {
            return Err(Error::Internal("tree has too many nodes".into()));
        }
        self.feature.push(NONE);
        self.threshold.push(0.0);
        self.category_set.push(NONE);
        self.left.push(NONE);
        self.right.push(NONE);
        self.missing_left.push(false);
        self.gain.push(0.0);
        self.stats.push(stats);
        self.value.extend_from_slice(value);
        Ok(id as u32)
    }

    /// Make `node` an internal node splitting on `feature` by `rule`, with children `left` and
    /// `right` (both added after `node`), missing values going left if `missing_left`.
    #[allow(clippy::too_many_arguments)]
    pub fn set_split(
        &mut self,
        node: u32,
        feature: usize,
        rule: SplitRule,
        missing_left: bool,
        left: u32,
        right: u32,
        gain: f64,
    ) -> Result<()> {
        let n = self.n_nodes();
        let i = node as usize;
        if i >= n || left as usize >= n || right as usize >= n {
            return Err(Error::Internal(format!(
                "split of node {node} names a node outside the tree ({n} nodes)"
            )));
        }
        if left <= node || right <= node || left == right {
            return Err(Error::Internal(format!(
                "children {left}, {right} of node {node} must be distinct and come after it"
            )));
        }
        if feature >= self.n_features {
            return Err(Error::Internal(format!(
                "split feature {feature} out of range ({} features)",
                self.n_features
            )));
        }
        match rule {
            SplitRule::Threshold(t) if t.is_nan() => {
                return Err(Error::Internal(format!(
                    "split of node {node} has a NaN threshold"
                )));
            }
            SplitRule::Threshold(t) => {
                self.threshold[i] = t;
                self.category_set[i] = NONE;
            }
            SplitRule::Categories(codes) => {
                let words = codes
                    .iter()
                    .map(|&c| c as usize / 64 + 1)
                    .max()
                    .unwrap_or(0);
                let mut bits = vec![0u64; words];
                for c in codes {
                    bits[c as usize / 64] |= 1 << (c % 64);
                }
                self.category_set[i] = self.category_sets.len() as u32;
                self.category_sets.push(bits);
                self.threshold[i] = 0.0;
            }
        }
        self.feature[i] = feature as u32;
        self.left[i] = left;
        self.right[i] = right;
        self.missing_left[i] = missing_left;
        self.gain[i] = gain;
        Ok(())
    }

    /// Turn `node` back into a leaf (its subtree stays in the arrays, unreachable). Used by
    /// cost-complexity pruning; [`FlatTree::compacted`] drops the unreachable nodes.
    pub fn make_leaf(&mut self, node: u32) {
        let i = node as usize;
        if i < self.n_nodes() {
            self.feature[i] = NONE;
            self.left[i] = NONE;
            self.right[i] = NONE;
            self.threshold[i] = 0.0;
            self.category_set[i] = NONE;
            self.gain[i] = 0.0;
        }
    }

    /// Replace a node's values (e.g. boosting shrinkage, leaf refits).
    pub fn set_value(&mut self, node: u32, value: &[f64]) -> Result<()> {
        let (i, k) = (node as usize, self.n_outputs);
        if i >= self.n_nodes() || value.len() != k {
            return Err(Error::Internal(format!("bad value update for node {node}")));
        }
        self.value[i * k..(i + 1) * k].copy_from_slice(value);
        Ok(())
    }

    /// The number of input columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of values per prediction.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// The number of nodes (reachable or not).
    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Whether `node` is a leaf.
    pub fn is_leaf(&self, node: u32) -> bool {
        self.feature[node as usize] == NONE
    }

    /// The number of leaves reachable from the root.
    pub fn n_leaves(&self) -> usize {
        self.reachable()
            .iter()
            .filter(|&&n| self.is_leaf(n))
            .count()
    }

    /// The depth of the deepest reachable leaf (a lone root has depth 0).
    pub fn max_depth(&self) -> usize {
        let mut depth = vec![0usize; self.n_nodes()];
        let mut max = 0;
        for n in self.reachable() {
            let d = depth[n as usize];
            max = max.max(d);
            if let Some((l, r)) = self.children(n) {
                depth[l as usize] = d + 1;
                depth[r as usize] = d + 1;
            }
        }
        max
    }

    /// The node ids reachable from the root, parents before children.
    pub fn reachable(&self) -> Vec<u32> {
        if self.n_nodes() == 0 {
            return Vec::new();
        }
        let mut out = vec![0u32];
        let mut i = 0;
        while i < out.len() {
            if let Some((l, r)) = self.children(out[i]) {
                out.push(l);
                out.push(r);
            }
            i += 1;
        }
        out
    }

    /// The split feature of an internal node.
    pub fn feature(&self, node: u32) -> Option<usize> {
        let f = self.feature[node as usize];
        (f != NONE).then_some(f as usize)
    }

    /// The threshold of a threshold split, or the bitset of a category split (bit `c` set:
    /// code `c` goes left), without building a [`SplitRule`]; `None` for a leaf.
    pub fn split_test(&self, node: u32) -> Option<SplitTest<'_>> {
        let i = node as usize;
        self.feature(node)?;
        Some(match self.category_set[i] {
            NONE => SplitTest::Threshold(self.threshold[i]),
            s => SplitTest::Categories(&self.category_sets[s as usize]),
        })
    }

    /// The split rule of an internal node.
    pub fn rule(&self, node: u32) -> Option<SplitRule> {
        let i = node as usize;
        self.feature(node)?;
        Some(match self.category_set[i] {
            NONE => SplitRule::Threshold(self.threshold[i]),
            s => {
                let bits = &self.category_sets[s as usize];
                let codes = (0..bits.len() * 64)
                    .filter(|&c| bits[c / 64] >> (c % 64) & 1 == 1)
                    .map(|c| c as u32)
                    .collect();
                SplitRule::Categories(codes)
            }
        })
    }

    /// The children `(left, right)` of an internal node.
    pub fn children(&self, node: u32) -> Option<(u32, u32)> {
        let i = node as usize;
        (self.feature[i] != NONE).then(|| (self.left[i], self.right[i]))
    }

    /// Where missing values go at an internal node (`true`: left).
    pub fn missing_left(&self, node: u32) -> bool {
        self.missing_left[node as usize]
    }

    /// The gain of a node's split (0 for a leaf).
    pub fn gain(&self, node: u32) -> f64 {
        self.gain[node as usize]
    }

    /// What the node saw in training.
    pub fn stats(&self, node: u32) -> NodeStats {
        self.stats[node as usize]
    }

    /// The node's values.
    pub fn value(&self, node: u32) -> &[f64] {
        let (i, k) = (node as usize, self.n_outputs);
        &self.value[i * k..(i + 1) * k]
    }

    /// The child a value goes to at internal node `node`.
    #[inline]
    pub fn next(&self, node: u32, x: f64) -> u32 {
        let i = node as usize;
        let go_left = if x.is_nan() {
            self.missing_left[i]
        } else {
            match self.category_set[i] {
                NONE => x <= self.threshold[i],
                s => {
                    let bits = &self.category_sets[s as usize];
                    // A negative, fractional or unseen code is not in the set: it goes right.
                    x >= 0.0
                        && x.fract() == 0.0
                        && (x as usize) < bits.len() * 64
                        && bits[x as usize / 64] >> (x as usize % 64) & 1 == 1
                }
            }
        };
        if go_left { self.left[i] } else { self.right[i] }
    }

    /// The leaf a row lands in. The row must have [`FlatTree::n_features`] values and the tree
    /// at least one node (both guaranteed by [`FlatTree::validate`] and the callers' checks).
    #[inline]
    pub fn leaf(&self, row: &[f64]) -> u32 {
        let mut node = 0u32;
        loop {
            let f = self.feature[node as usize];
            if f == NONE {
                return node;
            }
            node = self.next(node, row[f as usize]);
        }
    }

    /// The values of the leaf a row lands in.
    pub fn predict_row(&self, row: &[f64]) -> &[f64] {
        self.value(self.leaf(row))
    }

    /// The node ids a row passes through, root first, leaf last.
    pub fn decision_path(&self, row: &[f64]) -> Vec<u32> {
        let mut path = vec![0u32];
        let mut node = 0u32;
        while let Some(f) = self.feature(node) {
            node = self.next(node, row[f]);
            path.push(node);
        }
        path
    }

    /// The leaf of every row of `x`.
    pub fn apply(&self, x: ArrayView2<'_, f64>) -> Result<Vec<u32>> {
        self.check_input(x)?;
        let mut row = vec![0.0; self.n_features];
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                row.iter_mut().zip(r.iter()).for_each(|(d, &s)| *d = s);
                self.leaf(&row)
            })
            .collect())
    }

    /// The leaf values of every row of `x`: `n_rows × n_outputs`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let leaves = self.apply(x)?;
        let mut out = Array2::zeros((leaves.len(), self.n_outputs));
        for (mut o, &leaf) in out.rows_mut().into_iter().zip(&leaves) {
            o.iter_mut()
                .zip(self.value(leaf))
                .for_each(|(d, &s)| *d = s);
        }
        Ok(out)
    }

    /// The total split gain per feature over reachable nodes (not normalised).
    pub fn gain_by_feature(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.n_features];
        for n in self.reachable() {
            if let Some(f) = self.feature(n) {
                out[f] += self.gain[n as usize];
            }
        }
        out
    }

    /// The number of reachable splits per feature.
    pub fn splits_by_feature(&self) -> Vec<u64> {
        let mut out = vec![0; self.n_features];
        for n in self.reachable() {
            if let Some(f) = self.feature(n) {
                out[f] += 1;
            }
        }
        out
    }

    /// A copy holding only the reachable nodes, renumbered parents-first.
    pub fn compacted(&self) -> FlatTree {
        let order = self.reachable();
        let mut new_id = vec![NONE; self.n_nodes()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let mut t = FlatTree::new(self.n_features, self.n_outputs);
        for &old in &order {
            // Cannot fail: values have n_outputs entries and the count only shrinks.
            let _ = t.add_node(self.value(old), self.stats(old));
        }
        for &old in &order {
            if let (Some(f), Some(rule), Some((l, r))) =
                (self.feature(old), self.rule(old), self.children(old))
            {
                let _ = t.set_split(
                    new_id[old as usize],
                    f,
                    rule,
                    self.missing_left(old),
                    new_id[l as usize],
                    new_id[r as usize],
                    self.gain(old),
                );
            }
        }
        t
    }

    /// Check the invariants that prediction relies on (for trees read from files): at least one
    /// node, consistent array lengths, children after their parents and inside the tree, split
    /// features and category sets in range.
    pub fn validate(&self) -> Result<()> {
        let n = self.n_nodes();
        let bad = |what: String| Err(Error::InvalidData(format!("corrupt tree: {what}")));
        if n == 0 {
            return bad("no nodes".into());
        }
        let lens = [
            self.threshold.len(),
            self.category_set.len(),
            self.left.len(),
            self.right.len(),
            self.missing_left.len(),
            self.gain.len(),
            self.stats.len(),
        ];
        if lens.iter().any(|&l| l != n) || self.value.len() != n * self.n_outputs {
            return bad("node arrays of different lengths".into());
        }
        for i in 0..n {
            if self.feature[i] == NONE {
                continue;
            }
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            if l <= i || r <= i || l >= n || r >= n {
                return bad(format!("node {i} has children {l}, {r}"));
            }
            if self.feature[i] as usize >= self.n_features {
                return bad(format!("node {i} splits on feature {}", self.feature[i]));
            }
            let s = self.category_set[i];
            if s != NONE && s as usize >= self.category_sets.len() {
                return bad(format!("node {i} names category set {s}"));
            }
        }
        Ok(())
    }

    fn check_input(&self, x: ArrayView2<'_, f64>) -> Result<()> {
        check_features(x, self.n_features)?;
        if self.n_nodes() == 0 {
            return Err(Error::InvalidData("the tree has no nodes".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// root: x0 <= 1 ? (x1 in {0, 2} ? leaf 10 : leaf 20) : leaf 30; NaN at root goes left,
    /// NaN at the category node goes right.
    fn sample() -> FlatTree {
        let mut t = FlatTree::new(2, 1);
        let s = NodeStats {
            n_samples: 4,
            weight: 4.0,
            impurity: 1.0,
        };
        let root = t.add_node(&[0.0], s).unwrap();
        let cat = t.add_node(&[0.0], s).unwrap();
        let far = t.add_node(&[30.0], s).unwrap();
        let a = t.add_node(&[10.0], s).unwrap();
        let b = t.add_node(&[20.0], s).unwrap();
        t.set_split(root, 0, SplitRule::Threshold(1.0), true, cat, far, 2.0)
            .unwrap();
        t.set_split(
            cat,
            1,
            SplitRule::Categories(vec![0, 2, 70]),
            false,
            a,
            b,
            0.5,
        )
        .unwrap();
        t
    }

    #[test]
    fn routes_thresholds_categories_and_missing() {
        let t = sample();
        t.validate().unwrap();
        let x = array![
            [1.0, 0.0],
            [1.0, 1.0],
            [1.5, 0.0],
            [f64::NAN, 2.0],
            [0.0, f64::NAN],
            [0.0, 70.0],
            [0.0, 71.0],
            [0.0, -1.0],
            [0.0, 0.5],
            [0.0, 1e300]
        ];
        let p = t.predict(x.view()).unwrap();
        let got: Vec<f64> = p.column(0).to_vec();
        assert_eq!(
            got,
            vec![10.0, 20.0, 30.0, 10.0, 20.0, 10.0, 20.0, 20.0, 20.0, 20.0]
        );
        assert_eq!(t.decision_path(&[0.0, 1.0]), vec![0, 1, 4]);
    }

    #[test]
    fn shape_queries_and_importances() {
        let t = sample();
        assert_eq!(t.n_leaves(), 3);
        assert_eq!(t.max_depth(), 2);
        assert_eq!(t.gain_by_feature(), vec![2.0, 0.5]);
        assert_eq!(t.splits_by_feature(), vec![1, 1]);
        assert_eq!(t.rule(1), Some(SplitRule::Categories(vec![0, 2, 70])));
        assert!(t.predict(array![[1.0]].view()).is_err());
    }

    #[test]
    fn pruning_and_compaction_keep_predictions_of_the_pruned_tree() {
        let mut t = sample();
        t.set_value(1, &[15.0]).unwrap();
        t.make_leaf(1);
        assert_eq!(t.n_leaves(), 2);
        let c = t.compacted();
        assert_eq!(c.n_nodes(), 3);
        c.validate().unwrap();
        assert_eq!(c.predict_row(&[0.0, 1.0]), &[15.0]);
        assert_eq!(c.predict_row(&[5.0, 1.0]), &[30.0]);
    }

    #[test]
    fn bad_structure_is_rejected() {
        let mut t = FlatTree::new(1, 1);
        assert!(t.validate().is_err());
        let a = t.add_node(&[0.0], NodeStats::default()).unwrap();
        assert!(t.add_node(&[0.0, 1.0], NodeStats::default()).is_err());
        let b = t.add_node(&[0.0], NodeStats::default()).unwrap();
        assert!(
            t.set_split(a, 0, SplitRule::Threshold(0.0), false, b, b, 0.0)
                .is_err()
        );
        assert!(
            t.set_split(b, 0, SplitRule::Threshold(0.0), false, a, a, 0.0)
                .is_err()
        );
        assert!(
            t.set_split(a, 3, SplitRule::Threshold(0.0), false, b, 1, 0.0)
                .is_err()
        );
        // A corrupted file: a child pointing backwards must be caught before prediction loops.
        let mut broken = sample();
        broken.left[1] = 0;
        assert!(broken.validate().is_err());
        let mut broken = sample();
        broken.category_set[1] = 9;
        assert!(broken.validate().is_err());
    }

    #[test]
    fn json_round_trip() {
        let t = sample();
        let back: FlatTree = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn postcard_round_trip() {
        let t = sample();
        let bytes = postcard::to_allocvec(&t).unwrap();
        let back: FlatTree = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.predict_row(&[0.0, 2.0]), &[10.0]);
    }
}
