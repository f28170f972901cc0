//! Choosing a subset of a forest's trees: the smaller forest that compression under a size or
//! latency budget keeps (`satori compress --method compact`).
//!
//! [`ForestClassifier::selection_order`] (and the regressor's) orders the trees by greedy forward
//! selection: starting from none, each step adds the tree whose addition brings the subset's
//! mean prediction closest (squared error over the given rows and outputs) to the whole forest's
//! mean prediction on those rows; ties go to the lower tree index. The first `m` trees of that
//! order are then the subset of `m` that (greedily) best preserves the forest's predictions.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::{Error, Result, check_features};

use super::{ForestClassifier, ForestRegressor};
use crate::flat::FlatTree;
use crate::packed::Packed;

/// Greedy forward selection of `trees` (see the module documentation) on rows `x`.
fn greedy_order(trees: &[FlatTree], x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
    if x.nrows() == 0 {
        return Err(Error::NotEnoughSamples {
            context: "choosing trees (rows to compare predictions on)".into(),
            needed: 1,
            got: 0,
        });
    }
    let per_tree: Vec<Array2<f64>> = trees
        .par_iter()
        .map(|t| t.predict(x))
        .collect::<Result<_>>()?;
    let t_n = trees.len();
    let shape = per_tree[0].dim();
    let mut full = Array2::<f64>::zeros(shape);
    for p in &per_tree {
        full += p;
    }
    full /= t_n as f64;
    let mut sum = Array2::<f64>::zeros(shape);
    let mut chosen = vec![false; t_n];
    let mut order = Vec::with_capacity(t_n);
    for m in 1..=t_n {
        let inv = 1.0 / m as f64;
        let best = (0..t_n)
            .into_par_iter()
            .filter(|&t| !chosen[t])
            .map(|t| {
                let err: f64 = sum
                    .iter()
                    .zip(per_tree[t].iter())
                    .zip(full.iter())
                    .map(|((s, p), f)| ((s + p) * inv - f).powi(2))
                    .sum();
                (err, t)
            })
            .reduce(
                || (f64::INFINITY, usize::MAX),
                |a, b| {
                    if b.0 < a.0 || (b.0 == a.0 && b.1 < a.1) {
                        b
                    } else {
                        a
                    }
                },
            );
        let t = best.1;
        chosen[t] = true;
        sum += &per_tree[t];
        order.push(t);
    }
    Ok(order)
}

/// The trees at `keep` (distinct indices into `trees`, at least one), in the given order.
fn pick(trees: &[FlatTree], keep: &[usize]) -> Result<Vec<FlatTree>> {
    let mut seen = vec![false; trees.len()];
    if keep.is_empty() {
        return Err(Error::param("trees", "keep at least one tree"));
    }
    keep.iter()
        .map(|&i| {
            if i >= trees.len() || std::mem::replace(&mut seen[i], true) {
                return Err(Error::param(
                    "trees",
                    format!(
                        "index {i} is repeated or not one of the {} trees",
                        trees.len()
                    ),
                ));
            }
            Ok(trees[i].clone())
        })
        .collect()
}

macro_rules! forest_select {
    ($t:ty) => {
        impl $t {
            /// The trees in greedy forward-selection order on rows `x` (see
            /// [`crate::forest::select`]): the first `m` are the `m` that best preserve the
            /// forest's predictions on `x`.
            pub fn selection_order(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
                check_features(x, self.n_features)?;
                greedy_order(&self.trees, x)
            }

            /// The forest of the trees at `keep` only (out-of-bag results, which described the
            /// whole forest, are dropped).
            pub fn with_trees(&self, keep: &[usize]) -> Result<Self> {
                let mut out = self.clone();
                out.trees = pick(&self.trees, keep)?;
                out.oob = None;
                out.packed = Packed::new(&out.trees)?;
                Ok(out)
            }
        }
    };
}

forest_select!(ForestClassifier);
forest_select!(ForestRegressor);

#[cfg(test)]
mod tests {
    use satori_core::{Estimator, Predictor};

    use crate::RandomForestRegressorParams;

    #[test]
    fn greedy_subsets_track_the_forest_better_as_they_grow() {
        let data = satori_testkit::generate::regression(300, 5, 1);
        let p: RandomForestRegressorParams =
            toml::from_str("n_estimators = 30\nmax_depth = 6").unwrap();
        let forest = p.fit(&data).unwrap();
        let order = forest.selection_order(data.x()).unwrap();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..30).collect::<Vec<_>>());
        let full = forest.predict(data.x()).unwrap();
        let gap = |m: usize| {
            let f = forest.with_trees(&order[..m]).unwrap();
            assert_eq!(f.n_trees(), m);
            let p = f.predict(data.x()).unwrap();
            (&p - &full).mapv(|v| v * v).mean().unwrap()
        };
        let (g1, g10, g30) = (gap(1), gap(10), gap(30));
        assert!(g10 < g1, "{g10} vs {g1}");
        assert!(g30 < 1e-20);
        // the greedy 10 are at least as close as the first 10 trees grown
        let first10 = forest.with_trees(&(0..10).collect::<Vec<_>>()).unwrap();
        let g_first = (&first10.predict(data.x()).unwrap() - &full)
            .mapv(|v| v * v)
            .mean()
            .unwrap();
        assert!(g10 <= g_first, "{g10} vs {g_first}");
        assert!(forest.with_trees(&[]).is_err());
        assert!(forest.with_trees(&[3, 3]).is_err());
        assert!(forest.with_trees(&[30]).is_err());
    }
}
