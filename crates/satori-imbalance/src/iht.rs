//! Instance hardness threshold: under-sampling by cross-validated class probabilities.

use satori_core::rng::{rng, shuffle};
use satori_core::{Dataset, Error, Estimator, Params, PredictProba, Result};
use satori_linear::LogisticRegressionParams;
use satori_tree::RandomForestClassifierParams;
use serde::{Deserialize, Serialize};

use crate::common::{self, check_finite};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::under::selected;
use crate::{Resampled, Resampler, checked};

/// The model whose cross-validated probabilities measure how hard each row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardnessEstimator {
    /// A random forest of 100 trees (imbalanced-learn's default), seeded with `seed`.
    #[default]
    RandomForest,
    /// Logistic regression (scikit-learn's defaults).
    Logistic,
}

/// imbalanced-learn's `InstanceHardnessThreshold`: the probability of its own class that a
/// model gives each row, out of fold (stratified `cv`-fold cross-validation, shuffled with
/// `seed`); each targeted class keeps the rows at or above the percentile that leaves the asked
/// number (ties can keep a few more). Output rows are grouped by class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceHardnessThresholdParams {
    /// Which classes to under-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the folds and of the forest. Default 0.
    pub seed: u64,
    /// The model: `random_forest` (default) or `logistic`.
    pub estimator: HardnessEstimator,
    /// Folds. Default 5; ≥ 2.
    pub cv: usize,
}

impl Default for InstanceHardnessThresholdParams {
    fn default() -> Self {
        InstanceHardnessThresholdParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            estimator: HardnessEstimator::RandomForest,
            cv: 5,
        }
    }
}

impl Params for InstanceHardnessThresholdParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if self.cv < 2 {
            return Err(Error::param("cv", format!("must be ≥ 2, got {}", self.cv)));
        }
        Ok(())
    }
}

/// numpy's `percentile` (linear interpolation) of `v` at `q` in [0, 100].
fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let t = pos - lo as f64;
    v[lo] + t * (v[hi] - v[lo])
}

impl InstanceHardnessThresholdParams {
    fn fit_proba(
        &self,
        train: &Dataset,
        test: &Dataset,
    ) -> Result<(Vec<String>, ndarray::Array2<f64>)> {
        match self.estimator {
            HardnessEstimator::RandomForest => {
                let p = RandomForestClassifierParams {
                    n_estimators: 100,
                    seed: self.seed,
                    ..Default::default()
                };
                let m = p.fit(train)?;
                Ok((m.classes().to_vec(), m.predict_proba(test.x())?))
            }
            HardnessEstimator::Logistic => {
                let m = LogisticRegressionParams::default().fit(train)?;
                Ok((m.classes().to_vec(), m.predict_proba(test.x())?))
            }
        }
    }
}

impl Resampler for InstanceHardnessThresholdParams {
    fn name(&self) -> &'static str {
        "instance_hardness_threshold"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::UnderSampling)?;
        if self.estimator == HardnessEstimator::Logistic {
            check_finite(data, self.name())?;
        }
        // Stratified folds: each class's rows shuffled and dealt out in turn.
        let mut fold = vec![0usize; data.n_samples()];
        let mut r = rng(self.seed);
        let mut next = 0;
        for c in cls.present() {
            let mut rows = cls.rows(c);
            shuffle(&mut rows, &mut r);
            for row in rows {
                fold[row] = next % self.cv;
                next += 1;
            }
        }
        let mut proba = vec![0.0; data.n_samples()];
        for f in 0..self.cv {
            let test: Vec<usize> = (0..fold.len()).filter(|&i| fold[i] == f).collect();
            let train: Vec<usize> = (0..fold.len()).filter(|&i| fold[i] != f).collect();
            if test.is_empty() || train.is_empty() {
                return Err(Error::NotEnoughSamples {
                    context: format!("instance_hardness_threshold with cv = {}", self.cv),
                    needed: self.cv,
                    got: data.n_samples(),
                });
            }
            let (classes, p) =
                self.fit_proba(&data.select_rows(&train)?, &data.select_rows(&test)?)?;
            for (t, &row) in test.iter().enumerate() {
                let label = &cls.labels[cls.codes[row]];
                proba[row] = classes
                    .iter()
                    .position(|l| l == label)
                    .map_or(0.0, |col| p[[t, col]]);
            }
        }
        let mut keep = Vec::new();
        for c in cls.present() {
            let rows = cls.rows(c);
            match targets.get(&c) {
                Some(&n) => {
                    let ps: Vec<f64> = rows.iter().map(|&i| proba[i]).collect();
                    let q = (1.0 - n as f64 / rows.len() as f64) * 100.0;
                    let threshold = percentile(ps.clone(), q);
                    keep.extend(
                        rows.iter()
                            .zip(&ps)
                            .filter(|(_, p)| **p >= threshold)
                            .map(|(i, _)| *i),
                    );
                }
                None => keep.extend(rows),
            }
        }
        selected(data, &cls, keep, self.name())
    }
}
