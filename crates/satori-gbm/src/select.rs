//! Keeping the first rounds of a fitted model: the smaller boosted model that compression under
//! a size or latency budget picks (`satori compress --method compact`). Boosting rounds correct
//! the ones before them, so a prefix of rounds is itself a consistent model (what early stopping
//! keeps), unlike an arbitrary subset of trees.

use satori_core::{Error, Result};

use crate::booster::Booster;

impl Booster {
    /// The same model with only its first `n_rounds` rounds (1 ≤ `n_rounds` ≤ rounds in use).
    pub(crate) fn first_rounds(&self, n_rounds: usize) -> Result<Booster> {
        if n_rounds == 0 || n_rounds > self.n_iter {
            return Err(Error::param(
                "rounds",
                format!(
                    "keeps between 1 and the {} rounds in use, got {n_rounds}",
                    self.n_iter
                ),
            ));
        }
        let k = self.objective.n_groups();
        Booster::new(
            self.objective,
            self.n_features,
            self.init_score.clone(),
            self.trees[..n_rounds * k].to_vec(),
            n_rounds,
            self.history.clone(),
        )
    }
}

/// `with_rounds` for a fitted model holding a `booster` (expanded in its module).
macro_rules! booster_select {
    ($t:ident) => {
        impl $t {
            /// The same model keeping only its first `n_rounds` boosting rounds (between 1 and
            /// [`Self::n_iter`]): smaller and faster, usually a little less accurate. The
            /// training history is kept as it was.
            pub fn with_rounds(&self, n_rounds: usize) -> satori_core::Result<$t> {
                Ok($t {
                    booster: self.booster.first_rounds(n_rounds)?,
                    ..self.clone()
                })
            }
        }
    };
}

pub(crate) use booster_select;

#[cfg(test)]
mod tests {
    use satori_core::{Estimator, PredictProba};

    use crate::GbmClassifierParams;

    #[test]
    fn a_prefix_of_rounds_predicts_as_the_first_rounds() {
        let data = satori_testkit::generate::binary(200, 3);
        let p: GbmClassifierParams = toml::from_str("n_estimators = 20\nnum_leaves = 7").unwrap();
        let full = p.fit(&data).unwrap();
        let small = full.with_rounds(5).unwrap();
        assert_eq!(small.n_iter(), 5);
        assert_eq!(small.trees(), &full.trees()[..5]);
        let raw_small = small.decision_function(data.x()).unwrap();
        let mut raw = ndarray::Array2::from_elem((data.n_samples(), 1), full.init_score()[0]);
        for t in &full.trees()[..5] {
            raw += &t.predict(data.x()).unwrap();
        }
        for (a, b) in raw_small.iter().zip(raw.iter()) {
            assert!((a - b).abs() < 1e-9);
        }
        assert_eq!(small.predict_proba(data.x()).unwrap().ncols(), 2);
        assert!(full.with_rounds(0).is_err());
        assert!(full.with_rounds(21).is_err());
    }
}
