//! Minimal cost-complexity pruning, scikit-learn's `_cost_complexity_prune`: repeatedly collapse
//! the internal node with the smallest effective alpha `(R(t) − R(T_t)) / (|T_t| − 1)`, where
//! `R(t) = w_t / w_root · impurity_t`, the first such node in node order on ties.

use serde::{Deserialize, Serialize};

use crate::flat::FlatTree;

/// The pruning path of a grown tree: the effective alphas at which subtrees collapse and the
/// total leaf impurity of the pruned tree after each step (scikit-learn's
/// `cost_complexity_pruning_path`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PruningPath {
    /// Increasing effective alphas; the first is 0 (the full tree).
    pub ccp_alphas: Vec<f64>,
    /// The sum of the leaves' weighted impurities `Σ w_leaf / w_root · impurity_leaf` of the
    /// subtree at each alpha.
    pub impurities: Vec<f64>,
}

/// Run the pruning loop; `stop` says when to stop given the next effective alpha. Returns which
/// nodes stay in the subtree and the path.
fn prune_loop(tree: &FlatTree, stop: impl Fn(f64) -> bool) -> (Vec<bool>, PruningPath) {
    let n = tree.n_nodes();
    let total = tree.stats(0).weight;
    let r_node: Vec<f64> = (0..n as u32)
        .map(|i| tree.stats(i).weight * tree.stats(i).impurity / total)
        .collect();
    let mut parent = vec![u32::MAX; n];
    let mut is_leaf = vec![false; n];
    let mut in_tree = vec![false; n];
    for node in tree.reachable() {
        in_tree[node as usize] = true;
        match tree.children(node) {
            Some((l, r)) => {
                parent[l as usize] = node;
                parent[r as usize] = node;
            }
            None => is_leaf[node as usize] = true,
        }
    }
    let mut n_leaves = vec![0usize; n];
    let mut r_branch = vec![0.0; n];
    for leaf in (0..n).filter(|&i| is_leaf[i]) {
        r_branch[leaf] = r_node[leaf];
        let mut i = leaf;
        while i != 0 {
            let p = parent[i] as usize;
            r_branch[p] += r_node[leaf];
            n_leaves[p] += 1;
            i = p;
        }
    }
    let mut candidate: Vec<bool> = (0..n).map(|i| in_tree[i] && !is_leaf[i]).collect();
    let mut path = PruningPath {
        ccp_alphas: vec![0.0],
        impurities: vec![r_branch[0]],
    };
    while candidate[0] {
        let (mut alpha, mut node) = (f64::MAX, 0usize);
        for i in (0..n).filter(|&i| candidate[i]) {
            let a = (r_node[i] - r_branch[i]) / (n_leaves[i] as f64 - 1.0);
            if a < alpha {
                alpha = a;
                node = i;
            }
        }
        if stop(alpha) {
            break;
        }
        let mut stack = vec![node as u32];
        while let Some(i) = stack.pop() {
            if !in_tree[i as usize] {
                continue;
            }
            candidate[i as usize] = false;
            in_tree[i as usize] = false;
            if let Some((l, r)) = tree.children(i) {
                stack.push(l);
                stack.push(r);
            }
        }
        in_tree[node] = true;
        let pruned = n_leaves[node] - 1;
        n_leaves[node] = 0;
        let diff = r_node[node] - r_branch[node];
        r_branch[node] = r_node[node];
        let mut i = parent[node];
        while i != u32::MAX {
            n_leaves[i as usize] -= pruned;
            r_branch[i as usize] += diff;
            i = parent[i as usize];
        }
        path.ccp_alphas.push(alpha);
        path.impurities.push(r_branch[0]);
    }
    (in_tree, path)
}

/// The tree pruned at `ccp_alpha` (compacted); the tree itself when nothing is pruned.
pub(crate) fn prune(tree: &FlatTree, ccp_alpha: f64) -> FlatTree {
    if ccp_alpha <= 0.0 || tree.n_nodes() <= 1 {
        return tree.clone();
    }
    let (in_tree, _) = prune_loop(tree, |a| a > ccp_alpha);
    let mut t = tree.clone();
    for node in tree.reachable() {
        let i = node as usize;
        if in_tree[i]
            && let Some((l, _)) = tree.children(node)
            && !in_tree[l as usize]
        {
            t.make_leaf(node);
        }
    }
    t.compacted()
}

/// The full pruning path of `tree`.
pub(crate) fn path(tree: &FlatTree) -> PruningPath {
    prune_loop(tree, |_| false).1
}
