//! Growing one isolation tree: scikit-learn's `ExtraTreeRegressor(max_features=1,
//! splitter="random")` on a subsample, as `IsolationForest` fits it.

use std::collections::BTreeSet;

use ndarray::ArrayView2;
use satori_core::Result;
use satori_core::rng::{RngExt, SatoriRng};

use crate::flat::{FlatTree, NodeStats, SplitRule};

/// A feature whose range in a node is at most this is constant there (scikit-learn's
/// `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;

/// scikit-learn's `_average_path_length`: the average path length of an unsuccessful search in a
/// binary search tree of `n` keys, `c(n) = 2 (ln(n − 1) + γ) − 2 (n − 1) / n` for `n > 2`, 1 for
/// `n = 2` and 0 for `n <= 1`.
pub fn average_path_length(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n == 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
    }
}

/// numpy's `np.euler_gamma`.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// `k` distinct indices of `0..n`, sorted (Floyd's algorithm for small `k`, a partial
/// Fisher-Yates shuffle otherwise).
pub(crate) fn sample_without_replacement(n: usize, k: usize, rng: &mut SatoriRng) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    if k.saturating_mul(4) < n {
        let mut chosen = BTreeSet::new();
        for j in n - k..n {
            let t = rng.random_range(0..=j);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        return chosen.into_iter().collect();
    }
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

/// The distinct indices among `k` drawn from `0..n` with replacement, sorted. scikit-learn fits
/// a bootstrapped tree on the distinct rows with their draw counts as sample weights, which an
/// isolation tree does not use: each distinct row is one sample (so it can be isolated, and
/// counts once in a leaf's `c(n)`).
pub(crate) fn sample_with_replacement(n: usize, k: usize, rng: &mut SatoriRng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..k).map(|_| rng.random_range(0..n)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The subsample of one tree, column-major: `cols[f][i]` is feature `features[f]` of sampled
/// row `i`.
struct Sample {
    features: Vec<usize>,
    cols: Vec<Vec<f64>>,
}

impl Sample {
    fn gather(x: ArrayView2<'_, f64>, rows: &[usize], features: Vec<usize>) -> Self {
        let cols = features
            .iter()
            .map(|&f| {
                let c = x.column(f);
                rows.iter().map(|&r| c[r]).collect()
            })
            .collect();
        Sample { features, cols }
    }
}

/// A node waiting to be split: its id, depth and the range of `order` holding its rows.
struct Pending {
    id: u32,
    depth: usize,
    start: usize,
    end: usize,
}

/// The min and max of the non-missing values of `col` at `rows`, and how many there are.
fn range(col: &[f64], rows: &[u32]) -> (f64, f64, usize) {
    let (mut lo, mut hi, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0);
    for &r in rows {
        let v = col[r as usize];
        if !v.is_nan() {
            lo = lo.min(v);
            hi = hi.max(v);
            n += 1;
        }
    }
    (lo, hi, n)
}

/// Reorder `rows` so that the rows going left come first; returns how many go left. Non-missing
/// values `<= threshold` go left; missing values follow the child with more non-missing rows
/// (the left one on a tie), which is what `missing_left` records.
fn partition(col: &[f64], rows: &mut [u32], threshold: f64) -> (usize, bool) {
    let (mut left, mut present) = (0usize, 0usize);
    for &r in rows.iter() {
        let v = col[r as usize];
        if !v.is_nan() {
            present += 1;
            left += usize::from(v <= threshold);
        }
    }
    let missing_left = left >= present - left;
    let goes_left = |v: f64| {
        if v.is_nan() {
            missing_left
        } else {
            v <= threshold
        }
    };
    let mut i = 0;
    for k in 0..rows.len() {
        if goes_left(col[rows[k] as usize]) {
            rows.swap(i, k);
            i += 1;
        }
    }
    (i, missing_left)
}

/// Grow one isolation tree on rows `rows` (indices into `x`, duplicates allowed) using the
/// columns `features`, down to `max_depth`. Each node's value is its depth plus
/// [`average_path_length`] of its row count: the path length a row ending there is credited.
pub(crate) fn grow_tree(
    x: ArrayView2<'_, f64>,
    rows: &[usize],
    features: Vec<usize>,
    max_depth: usize,
    rng: &mut SatoriRng,
) -> Result<FlatTree> {
    let sample = Sample::gather(x, rows, features);
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    let mut tree = FlatTree::new(x.ncols(), 1);
    let root = add(&mut tree, 0, rows.len())?;
    let mut stack = vec![Pending {
        id: root,
        depth: 0,
        start: 0,
        end: rows.len(),
    }];
    let mut candidates: Vec<usize> = Vec::with_capacity(sample.features.len());
    while let Some(node) = stack.pop() {
        let n = node.end - node.start;
        if n <= 1 || node.depth >= max_depth {
            continue;
        }
        let rows_here = &mut order[node.start..node.end];
        // Draw features without replacement until one is not constant in the node.
        candidates.clear();
        candidates.extend(0..sample.features.len());
        let mut split = None;
        while !candidates.is_empty() {
            let pick = rng.random_range(0..candidates.len());
            let f = candidates.swap_remove(pick);
            let (lo, hi, present) = range(&sample.cols[f], rows_here);
            if present == 0 || hi <= lo + FEATURE_THRESHOLD {
                continue;
            }
            let u: f64 = rng.random();
            let mut threshold = (hi - lo) * u + lo;
            if threshold >= hi {
                threshold = lo;
            }
            split = Some((f, threshold));
            break;
        }
        let Some((f, threshold)) = split else {
            continue;
        };
        let (n_left, missing_left) = partition(&sample.cols[f], rows_here, threshold);
        let left = add(&mut tree, node.depth + 1, n_left)?;
        let right = add(&mut tree, node.depth + 1, n - n_left)?;
        tree.set_split(
            node.id,
            sample.features[f],
            SplitRule::Threshold(threshold),
            missing_left,
            left,
            right,
            0.0,
        )?;
        let mid = node.start + n_left;
        stack.push(Pending {
            id: right,
            depth: node.depth + 1,
            start: mid,
            end: node.end,
        });
        stack.push(Pending {
            id: left,
            depth: node.depth + 1,
            start: node.start,
            end: mid,
        });
    }
    Ok(tree)
}

/// Append a node at `depth` holding `n` training rows.
fn add(tree: &mut FlatTree, depth: usize, n: usize) -> Result<u32> {
    let value = depth as f64 + average_path_length(n as f64);
    let stats = NodeStats {
        n_samples: n as u64,
        weight: n as f64,
        impurity: 0.0,
    };
    tree.add_node(&[value], stats)
}

/// The tree's draws: its rows and features, then the tree itself, all from `rng`.
pub(crate) struct TreeDraw {
    /// The number of rows to draw.
    pub max_samples: usize,
    /// The number of features to draw.
    pub max_features: usize,
    /// Draw rows with replacement.
    pub bootstrap: bool,
    /// The depth limit.
    pub max_depth: usize,
}

impl TreeDraw {
    /// Draw the rows and features of one tree from `rng` and grow it.
    pub(crate) fn grow(&self, x: ArrayView2<'_, f64>, rng: &mut SatoriRng) -> Result<FlatTree> {
        let (n, p) = x.dim();
        let rows = if self.bootstrap {
            sample_with_replacement(n, self.max_samples, rng)
        } else {
            sample_without_replacement(n, self.max_samples, rng)
        };
        let features = if self.max_features >= p {
            (0..p).collect()
        } else {
            sample_without_replacement(p, self.max_features, rng)
        };
        grow_tree(x, &rows, features, self.max_depth, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satori_core::rng::rng;

    #[test]
    fn average_path_length_small_cases() {
        assert_eq!(average_path_length(0.0), 0.0);
        assert_eq!(average_path_length(1.0), 0.0);
        assert_eq!(average_path_length(2.0), 1.0);
        // 2 (ln 2 + γ) − 4/3
        let c3 = 2.0 * (2f64.ln() + EULER_GAMMA) - 4.0 / 3.0;
        assert_eq!(average_path_length(3.0), c3);
    }

    #[test]
    fn samples_are_distinct_sorted_and_in_range() {
        let mut r = rng(1);
        for (n, k) in [(10, 10), (10, 3), (1000, 256), (100, 60)] {
            let s = sample_without_replacement(n, k, &mut r);
            assert_eq!(s.len(), k);
            assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&i| i < n));
        }
        let s = sample_with_replacement(5, 20, &mut r);
        assert!(!s.is_empty() && s.len() <= 5);
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&i| i < 5));
    }

    #[test]
    fn tree_isolates_every_distinct_row_within_depth() {
        let x = array![[0.0, 1.0], [1.0, 1.0], [2.0, 5.0], [3.0, 1.0], [3.0, 1.0]];
        let t = grow_tree(x.view(), &[0, 1, 2, 3, 4], vec![0, 1], 8, &mut rng(3)).unwrap();
        t.validate().unwrap();
        // The duplicated row cannot be split: it ends in a leaf of 2 rows, c(2) = 1.
        let leaf = t.leaf(&[3.0, 1.0]);
        assert_eq!(t.stats(leaf).n_samples, 2);
        let depth = t.decision_path(&[3.0, 1.0]).len() - 1;
        assert_eq!(t.value(leaf), &[depth as f64 + 1.0]);
        for r in 0..3 {
            let leaf = t.leaf(&[x[[r, 0]], x[[r, 1]]]);
            assert_eq!(t.stats(leaf).n_samples, 1);
        }
        // Depth 1: the root splits once, leaves get c(n) for what they hold.
        let t = grow_tree(x.view(), &[0, 1, 2, 3, 4], vec![0, 1], 1, &mut rng(3)).unwrap();
        assert_eq!(t.max_depth(), 1);
    }

    #[test]
    fn missing_values_follow_the_larger_child() {
        let x = array![[0.0], [1.0], [2.0], [f64::NAN], [f64::NAN]];
        let t = grow_tree(x.view(), &[0, 1, 2, 3, 4], vec![0], 1, &mut rng(5)).unwrap();
        let (l, r) = t.children(0).unwrap();
        let (nl, nr) = (t.stats(l).n_samples, t.stats(r).n_samples);
        assert_eq!(nl + nr, 5);
        let big = if t.missing_left(0) { nl } else { nr };
        assert!(big >= 4, "NaN rows joined the larger side: {nl} / {nr}");
        // All-missing or constant columns cannot be split.
        let x = array![[f64::NAN, 1.0], [f64::NAN, 1.0]];
        let t = grow_tree(x.view(), &[0, 1], vec![0, 1], 8, &mut rng(5)).unwrap();
        assert_eq!(t.n_nodes(), 1);
        assert_eq!(t.value(0), &[1.0]);
    }
}
