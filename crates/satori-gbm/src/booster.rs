//! The fitted ensemble both models wrap: the initial scores, the trees (round-major, one per
//! output group per round), the iteration used, and the training history. Checked when read
//! from a file, so that prediction never indexes out of range.

use ndarray::{Array2, ArrayView2};
use satori_core::{Error, Result, TrainingHistory, check_features};
use satori_tree::FlatTree;
use serde::{Deserialize, Serialize};

use satori_tree::packed::Packed;

use crate::loss::Objective;

/// Rows per parallel prediction chunk (fixed, so the work split never depends on threads).
const PREDICT_CHUNK: usize = 1024;

/// Which feature importance to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportanceKind {
    /// The number of splits on each feature (LightGBM's `split`).
    Split,
    /// The total gain of the splits on each feature (LightGBM's `gain`).
    Gain,
}

/// The boosted trees of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BoosterData")]
pub(crate) struct Booster {
    pub objective: Objective,
    pub n_features: usize,
    pub init_score: Vec<f64>,
    /// `n_iter * n_groups` trees; tree `t * n_groups + k` is round `t`'s tree of group `k`.
    pub trees: Vec<FlatTree>,
    pub n_iter: usize,
    pub history: TrainingHistory,
    /// The trees compiled for prediction (rebuilt when read, never stored).
    #[serde(skip)]
    packed: Packed,
}

/// The unchecked form of [`Booster`] as read from a file.
#[derive(Deserialize)]
struct BoosterData {
    objective: Objective,
    n_features: usize,
    init_score: Vec<f64>,
    trees: Vec<FlatTree>,
    n_iter: usize,
    history: TrainingHistory,
}

impl TryFrom<BoosterData> for Booster {
    type Error = Error;

    fn try_from(d: BoosterData) -> Result<Booster> {
        Booster::new(
            d.objective,
            d.n_features,
            d.init_score,
            d.trees,
            d.n_iter,
            d.history,
        )
    }
}

impl Booster {
    /// A checked booster with its prediction layout compiled.
    pub fn new(
        objective: Objective,
        n_features: usize,
        init_score: Vec<f64>,
        trees: Vec<FlatTree>,
        n_iter: usize,
        history: TrainingHistory,
    ) -> Result<Booster> {
        let mut b = Booster {
            objective,
            n_features,
            init_score,
            trees,
            n_iter,
            history,
            packed: Packed::default(),
        };
        b.check()?;
        // The packed layout refuses trees of more features than its nodes can name.
        b.packed = Packed::new(&b.trees)?;
        Ok(b)
    }

    /// The invariants prediction relies on.
    pub fn check(&self) -> Result<()> {
        let k = self.objective.n_groups();
        let bad = |w: String| {
            Err(Error::InvalidData(format!(
                "corrupt gradient boosting model: {w}"
            )))
        };
        if self.init_score.len() != k {
            return bad(format!(
                "{} initial scores for {k} groups",
                self.init_score.len()
            ));
        }
        if self.trees.len() != self.n_iter * k {
            return bad(format!(
                "{} trees for {} rounds of {k}",
                self.trees.len(),
                self.n_iter
            ));
        }
        // Each tree was validated as it was read (or built through the checked API).
        for t in &self.trees {
            if t.n_features() != self.n_features || t.n_outputs() != 1 {
                return bad("a tree of another shape".into());
            }
        }
        Ok(())
    }

    /// Raw scores, row-major (`n_rows × n_groups`), in parallel over fixed row chunks; each
    /// chunk's rows go through the trees in blocks ([`Packed::add_rows`]).
    pub fn raw_flat(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        check_features(x, self.n_features)?;
        let k = self.objective.n_groups();
        Ok(self
            .packed
            .predict_rows(x, k, PREDICT_CHUNK, &self.init_score))
    }

    /// Raw scores (`n_rows × n_groups`), see [`Booster::raw_flat`].
    pub fn raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let flat = self.raw_flat(x)?;
        Array2::from_shape_vec((x.nrows(), self.objective.n_groups()), flat)
            .map_err(|e| Error::Internal(format!("raw score shape: {e}")))
    }

    /// One row's raw scores written into `out[..n_groups]`, checking the row's length (`out`
    /// must hold at least `n_groups` values; callers size it). No allocation.
    #[inline]
    pub fn raw_one_into(&self, row: &[f64], out: &mut [f64]) -> Result<()> {
        if row.len() != self.n_features {
            return Err(Error::ShapeMismatch {
                context: "number of feature values in the row".into(),
                expected: self.n_features,
                got: row.len(),
            });
        }
        let k = self.init_score.len();
        let Some(out) = out.get_mut(..k) else {
            return Err(Error::ShapeMismatch {
                context: "length of the output buffer for one row".into(),
                expected: k,
                got: out.len(),
            });
        };
        out.copy_from_slice(&self.init_score);
        self.packed.add_all(row, out);
        Ok(())
    }

    /// Split counts or total gains per feature, over the trees in use.
    pub fn importances(&self, kind: ImportanceKind) -> Vec<f64> {
        let mut out = vec![0.0; self.n_features];
        for t in &self.trees {
            match kind {
                ImportanceKind::Split => {
                    for (o, c) in out.iter_mut().zip(t.splits_by_feature()) {
                        *o += c as f64;
                    }
                }
                ImportanceKind::Gain => {
                    for (o, g) in out.iter_mut().zip(t.gain_by_feature()) {
                        *o += g;
                    }
                }
            }
        }
        out
    }
}

/// The public methods both fitted models share, written once.
macro_rules! booster_api {
    () => {
        /// The number of boosting rounds in use: the best round when early stopping restored
        /// it, else every round trained.
        pub fn n_iter(&self) -> usize {
            self.booster.n_iter
        }

        /// The loss after each round on the training rows and, when there was one, the
        /// validation set (every round trained, also those after the best).
        pub fn training_history(&self) -> &satori_core::TrainingHistory {
            &self.booster.history
        }

        /// The trees in use, round-major: tree `t * k + c` is round `t`'s tree of output
        /// group `c` (`k` groups: the number of classes for multiclass, else 1). Leaf values
        /// include the learning rate.
        pub fn trees(&self) -> &[satori_tree::FlatTree] {
            &self.booster.trees
        }

        /// The starting raw score of each output group (the baseline the trees add to).
        pub fn init_score(&self) -> &[f64] {
            &self.booster.init_score
        }

        /// Per feature: the number of splits on it, or the total gain of those splits, over
        /// the trees in use (not normalised, as LightGBM's `feature_importance`).
        pub fn feature_importances(&self, kind: $crate::ImportanceKind) -> Vec<f64> {
            self.booster.importances(kind)
        }

        /// Raw scores (`n_rows × k`): the initial score plus every tree's value, before the
        /// link function (logit, softmax input, log for Poisson).
        pub fn decision_function(
            &self,
            x: ndarray::ArrayView2<'_, f64>,
        ) -> satori_core::Result<ndarray::Array2<f64>> {
            self.booster.raw(x)
        }
    };
}

pub(crate) use booster_api;

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder, s};
    use satori_core::{Estimator, Predictor};

    use crate::GbmRegressorParams;

    /// Batch prediction reads row-major input in place and copies any other layout per chunk;
    /// both equal the single-row path bit for bit, across chunk and block boundaries.
    #[test]
    fn any_input_layout_predicts_like_single_rows() {
        let data = satori_testkit::generate::regression(300, 4, 3);
        let params = GbmRegressorParams {
            n_estimators: 13,
            num_leaves: 7,
            ..Default::default()
        };
        let model = params.fit(&data).unwrap();
        let n = 2600;
        let x = Array2::from_shape_fn((n, 4), |(i, j)| {
            if (i + j) % 17 == 0 {
                f64::NAN
            } else {
                ((i * 7 + j * 13) % 101) as f64 / 25.0 - 2.0
            }
        });
        let mut fortran = Array2::zeros((n, 4).f());
        fortran.assign(&x);
        assert!(fortran.as_slice().is_none());
        let strided = x.slice(s![..;3, ..]);
        let one = |r: ndarray::ArrayView1<'_, f64>| model.predict_one(&r.to_vec()).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let expect: Vec<f64> = x.rows().into_iter().map(one).collect();
        for input in [x.view(), fortran.view()] {
            let got = model.predict(input).unwrap();
            assert_eq!(bits(got.as_slice().unwrap()), bits(&expect));
        }
        let got = model.predict(strided).unwrap();
        let expect: Vec<f64> = expect.iter().step_by(3).copied().collect();
        assert_eq!(bits(got.as_slice().unwrap()), bits(&expect));
    }
}
