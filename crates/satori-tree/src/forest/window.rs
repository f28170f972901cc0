//! The sliding-window forest: a fitted forest updated on new rows by adding the trees of a
//! forest grown on them and dropping as many of its oldest trees, so that its size stays fixed
//! and its trees always come from the most recent batches. Trees are kept oldest first, so a
//! forest trained once has its trees in seed order and each update appends at the end.

use satori_core::{Error, Result};

use super::{ForestClassifier, ForestRegressor};

fn check_sizes(old: usize, new: usize, of: usize, nf: usize) -> Result<()> {
    if of != nf {
        return Err(Error::ShapeMismatch {
            context: "features of the forest grown on the new rows".into(),
            expected: nf,
            got: of,
        });
    }
    if new == 0 {
        return Err(Error::param(
            "new trees",
            "the forest grown on the new rows has no trees",
        ));
    }
    if new > old {
        return Err(Error::param(
            "new trees",
            format!("at most the window's size ({old} trees) can be replaced, got {new} new trees"),
        ));
    }
    Ok(())
}

impl ForestClassifier {
    /// This forest with its `newer.n_trees()` oldest trees dropped and `newer`'s trees added
    /// at the end: the same number of trees, the most recent last. `newer` must have been grown
    /// on rows of the same features and the same classes (in the same order; a class may be
    /// absent from its rows). The out-of-bag evaluation no longer describes the forest and is
    /// dropped.
    pub fn slide(&self, newer: &ForestClassifier) -> Result<ForestClassifier> {
        check_sizes(
            self.trees.len(),
            newer.trees.len(),
            newer.n_features,
            self.n_features,
        )?;
        if newer.classes != self.classes {
            return Err(Error::InvalidData(format!(
                "the forest grown on the new rows has classes ({}), the window's forest ({})",
                newer.classes.join(", "),
                self.classes.join(", ")
            )));
        }
        let drop = newer.trees.len();
        let mut trees = self.trees[drop..].to_vec();
        trees.extend(newer.trees.iter().cloned());
        ForestClassifier::new(trees, self.classes.clone(), self.n_features, None)
    }
}

impl ForestRegressor {
    /// This forest with its `newer.n_trees()` oldest trees dropped and `newer`'s trees added
    /// at the end (see [`ForestClassifier::slide`]).
    pub fn slide(&self, newer: &ForestRegressor) -> Result<ForestRegressor> {
        check_sizes(
            self.trees.len(),
            newer.trees.len(),
            newer.n_features,
            self.n_features,
        )?;
        let drop = newer.trees.len();
        let mut trees = self.trees[drop..].to_vec();
        trees.extend(newer.trees.iter().cloned());
        ForestRegressor::new(trees, self.n_features, None)
    }
}

#[cfg(test)]
mod tests {
    use satori_core::{Dataset, Estimator, Predictor};

    use crate::RandomForestRegressorParams;

    fn params(n: usize, seed: u64) -> RandomForestRegressorParams {
        RandomForestRegressorParams {
            n_estimators: n,
            max_depth: Some(4),
            seed,
            ..Default::default()
        }
    }

    fn shifted(data: &Dataset, by: f64) -> Dataset {
        let satori_core::Target::Continuous(y) = data.require_target().unwrap() else {
            unreachable!("a regression dataset")
        };
        let y = y.mapv(|v| v + by);
        data.clone()
            .with_target(satori_core::Target::regression(y))
            .unwrap()
    }

    #[test]
    fn sliding_keeps_the_size_drops_the_oldest_and_follows_the_new_rows() {
        let data = satori_testkit::generate::regression(300, 3, 1);
        let old = params(8, 1).fit(&data).unwrap();
        let moved = shifted(&data, 100.0);
        let newer = params(6, 2).fit(&moved).unwrap();
        let w = old.slide(&newer).unwrap();
        assert_eq!(w.n_trees(), 8);
        assert_eq!(&w.trees()[..2], &old.trees()[6..]);
        assert_eq!(&w.trees()[2..], newer.trees());
        let mean = |m: &crate::ForestRegressor| m.predict(data.x()).unwrap().mean().unwrap();
        // Six of eight trees predict the shifted target: the mean moved by about 75.
        let moved_by = mean(&w) - mean(&old);
        assert!((moved_by - 75.0).abs() < 5.0, "{moved_by}");
        // Replacing more trees than the window holds, or other features, is refused.
        let big = params(9, 3).fit(&moved).unwrap();
        assert!(old.slide(&big).unwrap_err().to_string().contains("at most"));
        let other = satori_testkit::generate::regression(100, 4, 1);
        let other = params(2, 4).fit(&other).unwrap();
        assert!(old.slide(&other).is_err());
    }
}
