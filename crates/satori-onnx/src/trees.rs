//! Tree models as `ai.onnx.ml` `TreeEnsembleClassifier` / `TreeEnsembleRegressor` (version 3,
//! thresholds, leaf weights and base values as double tensors, so that a double input is routed
//! exactly as satori routes it).
//!
//! A threshold split is `BRANCH_LEQ` (`x <= t` goes to the true branch, the left child); a
//! missing value follows `nodes_missing_value_tracks_true`. ONNX has no set-membership mode in
//! these operators, so a **category split** (LightGBM-style: the codes in a set go left) becomes
//! a threshold split on an extra column computed in the graph before the ensemble: 1 where the
//! code is in the set, 0 where it is not, NaN where it is missing; the split is `indicator <= 0.5`
//! with the true branch on the right (not in the set) and missing values sent where satori sends
//! them.

use satori_core::{Error, Result};
use satori_tree::{FlatTree, SplitRule};

use crate::graph::{Elem, Graph, ML, attr_doubles, attr_int, attr_ints, attr_string, attr_strings};

/// How the summed leaf weights become the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Post {
    /// As they are.
    None,
    /// Softmax over the classes (multiclass boosting).
    Softmax,
}

impl Post {
    fn name(self) -> &'static str {
        match self {
            Post::None => "NONE",
            Post::Softmax => "SOFTMAX",
        }
    }
}

/// The (output, weight) pairs of a leaf of tree `t` with values `v`: `leaf(t, v)`.
/// An (output, weight) pair of a leaf.
pub(crate) type LeafPair = (usize, f64);

pub(crate) type LeafFn<'a> = &'a dyn Fn(usize, &[f64]) -> Vec<(usize, f64)>;

/// One leaf weight: tree, node, output (class or target), weight.
type LeafWeight = (usize, usize, usize, f64);

/// The node and leaf arrays of an ensemble.
#[derive(Default)]
struct Arrays {
    tree_ids: Vec<i64>,
    node_ids: Vec<i64>,
    feature_ids: Vec<i64>,
    modes: Vec<String>,
    values: Vec<f64>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    missing_true: Vec<i64>,
    leaves: Vec<LeafWeight>,
}

/// The category splits of the trees, each given an extra input column after the `p` columns of
/// the model's input.
struct CategorySplits {
    p: usize,
    /// (feature, codes), in order of first use.
    sets: Vec<(usize, Vec<u32>)>,
}

impl CategorySplits {
    fn column(&mut self, feature: usize, codes: &[u32]) -> usize {
        let key = (feature, codes.to_vec());
        let i = match self.sets.iter().position(|s| *s == key) {
            Some(i) => i,
            None => {
                self.sets.push(key);
                self.sets.len() - 1
            }
        };
        self.p + i
    }

    /// The model input with one indicator column per category split appended.
    fn augment(&self, g: &mut Graph, x: &str) -> String {
        if self.sets.is_empty() {
            return x.to_string();
        }
        let mut cols = vec![x.to_string()];
        for (feature, codes) in &self.sets {
            let xf = g.columns(x, &[*feature]);
            let set = g.const_f64(
                "category_set",
                &[1, codes.len()],
                codes.iter().map(|&c| f64::from(c)).collect(),
            );
            let eq = g.op("Equal", &[&xf, &set], vec![]);
            let eq = g.cast(&eq, Elem::Double);
            let any = g.op(
                "ReduceMax",
                &[&eq],
                vec![attr_ints("axes", vec![1]), attr_int("keepdims", 1)],
            );
            let nan = g.op("IsNaN", &[&xf], vec![]);
            cols.push(g.op("Where", &[&nan, &xf, &any], vec![]));
        }
        g.hstack(&cols)
    }
}

/// Add `tree` (number `t`) to the arrays; `leaf` gives the (output, weight) pairs of a leaf.
fn add_tree(
    a: &mut Arrays,
    cats: &mut CategorySplits,
    t: usize,
    tree: &FlatTree,
    leaf: &dyn Fn(&[f64]) -> Vec<LeafPair>,
) -> Result<()> {
    for node in 0..tree.n_nodes() as u32 {
        a.tree_ids.push(t as i64);
        a.node_ids.push(i64::from(node));
        match (tree.feature(node), tree.rule(node), tree.children(node)) {
            (Some(f), Some(rule), Some((l, r))) => {
                let (feature, value, true_id, false_id, missing_true) = match rule {
                    SplitRule::Threshold(th) => (f, th, l, r, tree.missing_left(node)),
                    SplitRule::Categories(codes) => {
                        (cats.column(f, &codes), 0.5, r, l, !tree.missing_left(node))
                    }
                };
                a.feature_ids.push(feature as i64);
                a.modes.push("BRANCH_LEQ".into());
                a.values.push(value);
                a.true_ids.push(i64::from(true_id));
                a.false_ids.push(i64::from(false_id));
                a.missing_true.push(i64::from(missing_true));
            }
            (None, _, _) => {
                a.feature_ids.push(0);
                a.modes.push("LEAF".into());
                a.values.push(0.0);
                a.true_ids.push(0);
                a.false_ids.push(0);
                a.missing_true.push(0);
                for (o, w) in leaf(tree.value(node)) {
                    a.leaves.push((t, node as usize, o, w));
                }
            }
            _ => {
                return Err(Error::Internal(format!(
                    "tree {t}: node {node} has a feature but no split"
                )));
            }
        }
    }
    Ok(())
}

fn node_attrs(a: &Arrays) -> Vec<crate::proto::AttributeProto> {
    vec![
        attr_ints("nodes_treeids", a.tree_ids.clone()),
        attr_ints("nodes_nodeids", a.node_ids.clone()),
        attr_ints("nodes_featureids", a.feature_ids.clone()),
        attr_strings("nodes_modes", &a.modes),
        attr_doubles("nodes_values_as_tensor", a.values.clone()),
        attr_ints("nodes_truenodeids", a.true_ids.clone()),
        attr_ints("nodes_falsenodeids", a.false_ids.clone()),
        attr_ints("nodes_missing_value_tracks_true", a.missing_true.clone()),
    ]
}

/// What a tree ensemble is exported as.
pub(crate) struct Ensemble<'a> {
    /// The trees.
    pub trees: &'a [FlatTree],
    /// The number of columns the trees read.
    pub n_features: usize,
    /// The (output, weight) pairs of a leaf with values `v`, and of tree `t`.
    pub leaf: LeafFn<'a>,
    /// Added to each output before `post`.
    pub base_values: Vec<f64>,
    /// The transform of the sums.
    pub post: Post,
}

impl Ensemble<'_> {
    fn arrays(&self, g: &mut Graph, x: &str) -> Result<(Arrays, String)> {
        let mut a = Arrays::default();
        let mut cats = CategorySplits {
            p: self.n_features,
            sets: Vec::new(),
        };
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.n_features() != self.n_features {
                return Err(Error::Internal(format!(
                    "tree {t} reads {} columns, the model {}",
                    tree.n_features(),
                    self.n_features
                )));
            }
            add_tree(&mut a, &mut cats, t, tree, &|v| (self.leaf)(t, v))?;
        }
        let input = cats.augment(g, x);
        Ok((a, input))
    }

    /// A `TreeEnsembleRegressor` with `n_targets` outputs summed over the trees (float
    /// `[N, n_targets]`).
    pub fn regressor(&self, g: &mut Graph, x: &str, n_targets: usize) -> Result<String> {
        let (a, input) = self.arrays(g, x)?;
        let mut attrs = node_attrs(&a);
        attrs.extend([
            attr_ints(
                "target_treeids",
                a.leaves.iter().map(|l| l.0 as i64).collect(),
            ),
            attr_ints(
                "target_nodeids",
                a.leaves.iter().map(|l| l.1 as i64).collect(),
            ),
            attr_ints("target_ids", a.leaves.iter().map(|l| l.2 as i64).collect()),
            attr_doubles(
                "target_weights_as_tensor",
                a.leaves.iter().map(|l| l.3).collect(),
            ),
            attr_int("n_targets", n_targets as i64),
            attr_string("aggregate_function", "SUM"),
            attr_string("post_transform", self.post.name()),
        ]);
        if !self.base_values.is_empty() {
            attrs.push(attr_doubles(
                "base_values_as_tensor",
                self.base_values.clone(),
            ));
        }
        Ok(g.op_in(ML, "TreeEnsembleRegressor", &[&input], 1, attrs)
            .remove(0))
    }

    /// A `TreeEnsembleClassifier` over `classes`: returns (label `[N]` string, scores float
    /// `[N, classes]`).
    pub fn classifier(
        &self,
        g: &mut Graph,
        x: &str,
        classes: &[String],
    ) -> Result<(String, String)> {
        let (a, input) = self.arrays(g, x)?;
        let mut attrs = node_attrs(&a);
        attrs.extend([
            attr_ints(
                "class_treeids",
                a.leaves.iter().map(|l| l.0 as i64).collect(),
            ),
            attr_ints(
                "class_nodeids",
                a.leaves.iter().map(|l| l.1 as i64).collect(),
            ),
            attr_ints("class_ids", a.leaves.iter().map(|l| l.2 as i64).collect()),
            attr_doubles(
                "class_weights_as_tensor",
                a.leaves.iter().map(|l| l.3).collect(),
            ),
            attr_strings("classlabels_strings", classes),
            attr_string("post_transform", self.post.name()),
        ]);
        if !self.base_values.is_empty() {
            attrs.push(attr_doubles(
                "base_values_as_tensor",
                self.base_values.clone(),
            ));
        }
        let mut out = g.op_in(ML, "TreeEnsembleClassifier", &[&input], 2, attrs);
        let scores = out.remove(1);
        let label = out.remove(0);
        Ok((label, scores))
    }
}
