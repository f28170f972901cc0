//! Samplers built on k-means: cluster centroids (under-sampling) and k-means SMOTE.
//!
//! The k-means here is reproducible from its seed: k-means++ seeding (one candidate per centre,
//! each drawn with probability proportional to its squared distance to the nearest centre so
//! far), then Lloyd iterations until no centre moves more than `1e-4 ×` the mean column variance
//! (scikit-learn's tolerance) or 300 iterations; one start (`n_init = 1`). An emptied cluster is
//! re-seeded at the row farthest from its centre. imbalanced-learn uses scikit-learn's `KMeans`
//! (`ClusterCentroids`) and `MiniBatchKMeans` (`KMeansSMOTE`), whose starts differ, so the
//! clusters agree in kind, not row for row.

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use satori_core::rng::{RngExt, derive_seed, rng};
use satori_core::{Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::common::{
    self, Synthetic, check_finite, check_no_categorical, index, interpolate, knn_self, smote_draws,
    take, weights_of,
};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::{Resampled, Resampler, checked};

fn sq(a: ndarray::ArrayView1<'_, f64>, b: ndarray::ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// k-means of the rows of `x` into `k` clusters: the centres and each row's cluster.
pub(crate) fn kmeans(x: ArrayView2<'_, f64>, k: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let (n, p) = x.dim();
    let k = k.min(n).max(1);
    let mut r = rng(seed);
    let mut centres = Array2::<f64>::zeros((k, p));
    centres.row_mut(0).assign(&x.row(r.random_range(0..n)));
    let mut d2: Vec<f64> = (0..n).map(|i| sq(x.row(i), centres.row(0))).collect();
    for c in 1..k {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 {
            let mut u = r.random::<f64>() * total;
            let mut pick = n - 1;
            for (i, d) in d2.iter().enumerate() {
                if u < *d {
                    pick = i;
                    break;
                }
                u -= d;
            }
            pick
        } else {
            r.random_range(0..n)
        };
        centres.row_mut(c).assign(&x.row(pick));
        for (i, d) in d2.iter_mut().enumerate() {
            *d = d.min(sq(x.row(i), centres.row(c)));
        }
    }
    let var_mean = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
    let tol = 1e-4 * var_mean;
    let mut labels = vec![0usize; n];
    for _ in 0..300 {
        labels = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut best = (f64::INFINITY, 0);
                for c in 0..k {
                    let d = sq(x.row(i), centres.row(c));
                    if d < best.0 {
                        best = (d, c);
                    }
                }
                best.1
            })
            .collect();
        let mut sums = Array2::<f64>::zeros((k, p));
        let mut counts = vec![0usize; k];
        for (i, &c) in labels.iter().enumerate() {
            counts[c] += 1;
            let mut s = sums.row_mut(c);
            s += &x.row(i);
        }
        let mut moved: f64 = 0.0;
        for (c, &count) in counts.iter().enumerate() {
            if count == 0 {
                let far = (0..n)
                    .max_by(|&a, &b| {
                        let da = sq(x.row(a), centres.row(labels[a]));
                        let db = sq(x.row(b), centres.row(labels[b]));
                        da.total_cmp(&db).then(b.cmp(&a))
                    })
                    .expect("rows");
                centres.row_mut(c).assign(&x.row(far));
                labels[far] = c;
                moved = f64::INFINITY;
                continue;
            }
            let new = sums.row(c).mapv(|v| v / count as f64);
            moved = moved.max(sq(new.view(), centres.row(c)));
            centres.row_mut(c).assign(&new);
        }
        if moved <= tol {
            break;
        }
    }
    (centres, labels)
}

/// `voting` of [`ClusterCentroidsParams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voting {
    /// `soft`, or `hard` when the data has text columns or a sparse block (which a centroid
    /// cannot have).
    #[default]
    Auto,
    /// Each centroid's nearest row of the class (a copy).
    Hard,
    /// The centroids themselves (new rows).
    Soft,
}

/// imbalanced-learn's `ClusterCentroids`: replaces each targeted class by the centres of a
/// k-means clustering of its rows into as many clusters as rows asked (`soft`), or by the row
/// nearest to each centre (`hard`). Output rows are grouped by class. Needs finite numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterCentroidsParams {
    /// Which classes to under-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the k-means starts. Default 0.
    pub seed: u64,
    /// `auto` (default), `hard` or `soft`.
    pub voting: Voting,
}

impl Params for ClusterCentroidsParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()
    }
}

impl Resampler for ClusterCentroidsParams {
    fn name(&self) -> &'static str {
        "cluster_centroids"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::UnderSampling)?;
        check_finite(data, self.name())?;
        let hard = match self.voting {
            Voting::Hard => true,
            Voting::Soft => false,
            Voting::Auto => !data.text().is_empty() || data.sparse().is_some(),
        };
        if !hard {
            check_no_categorical(
                data,
                self.name(),
                "use voting = \"hard\" (it keeps real rows)",
            )?;
        }
        let mut origin = Vec::new();
        let mut synthetic = Vec::new();
        for c in cls.present() {
            let rows = cls.rows(c);
            let Some(&n) = targets.get(&c) else {
                origin.extend(rows.iter().map(|&r| Some(r)));
                continue;
            };
            if n == 0 {
                continue;
            }
            let xc = take(data.x(), &rows);
            let (centres, labels) = kmeans(xc.view(), n, derive_seed(self.seed, c as u64));
            if hard {
                let nn = index(xc.view())?.kneighbors(centres.view(), 1)?.indices;
                origin.extend(nn.column(0).iter().map(|&i| Some(rows[i])));
            } else {
                let weights = data.weights().map(|w| {
                    (0..centres.nrows())
                        .map(|k| {
                            let members: Vec<f64> = (0..rows.len())
                                .filter(|&i| labels[i] == k)
                                .map(|i| w[rows[i]])
                                .collect();
                            members.iter().sum::<f64>() / members.len().max(1) as f64
                        })
                        .collect()
                });
                origin.extend(std::iter::repeat_n(None, centres.nrows()));
                synthetic.push(Synthetic {
                    class: c,
                    x: centres,
                    weights,
                });
            }
        }
        common::assemble(data, &cls, origin, synthetic, self.name())
    }
}

/// imbalanced-learn's `KMeansSMOTE`: clusters all rows with k-means (`n_clusters`), keeps the
/// clusters where the class is at least `cluster_balance_threshold` of the rows (`auto`: half
/// its share of the rows to generate) and has more than `k_neighbors` rows, and runs SMOTE
/// inside each, giving sparse clusters more new rows (weight `mean_distance^density_exponent
/// / n`, exponent `auto`: `log_1.6(n)^1.8 · 0.16` with `n` the cluster's class rows, as
/// imbalanced-learn computes it). Each cluster gets `⌈weight · n⌉` rows, so the total can
/// exceed the asked number slightly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KMeansSmoteParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the clustering and the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours inside a cluster. Default 2; ≥ 1.
    pub k_neighbors: usize,
    /// Clusters (imbalanced-learn's `kmeans_estimator` as a number). Default 8; ≥ 1.
    pub n_clusters: usize,
    /// The least share of the class in a cluster that SMOTE runs in, in [0, 1]; none (default)
    /// is `auto`.
    pub cluster_balance_threshold: Option<f64>,
    /// The exponent of the cluster density; none (default) is `auto`.
    pub density_exponent: Option<f64>,
}

impl Default for KMeansSmoteParams {
    fn default() -> Self {
        KMeansSmoteParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 2,
            n_clusters: 8,
            cluster_balance_threshold: None,
            density_exponent: None,
        }
    }
}

impl Params for KMeansSmoteParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if self.k_neighbors == 0 {
            return Err(Error::param("k_neighbors", "must be ≥ 1, got 0"));
        }
        if self.n_clusters == 0 {
            return Err(Error::param("n_clusters", "must be ≥ 1, got 0"));
        }
        if let Some(t) = self.cluster_balance_threshold
            && !t.is_finite()
        {
            return Err(Error::param(
                "cluster_balance_threshold",
                format!("must be a finite number, got {t}"),
            ));
        }
        if let Some(e) = self.density_exponent
            && !e.is_finite()
        {
            return Err(Error::param(
                "density_exponent",
                format!("must be a finite number, got {e}"),
            ));
        }
        Ok(())
    }
}

impl KMeansSmoteParams {
    fn sparsity(&self, x: ArrayView2<'_, f64>) -> f64 {
        let n = x.nrows();
        let mut total = 0.0;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    total += sq(x.row(i), x.row(j)).sqrt();
                }
            }
        }
        let mean = total / (n * n - n) as f64;
        let exponent = self
            .density_exponent
            .unwrap_or_else(|| (n as f64).log(1.6).powf(1.8) * 0.16);
        mean.powf(exponent) / n as f64
    }
}

impl Resampler for KMeansSmoteParams {
    fn name(&self) -> &'static str {
        "kmeans_smote"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        check_no_categorical(data, self.name(), "one-hot encode them first")?;
        let total: usize = targets.values().sum();
        let (_, labels) = kmeans(data.x(), self.n_clusters, self.seed);
        let n_clusters = labels.iter().max().map_or(0, |m| m + 1);
        let k = self.k_neighbors;
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n == 0 {
                continue;
            }
            let threshold = if self.n_clusters == 1 {
                f64::NEG_INFINITY
            } else {
                self.cluster_balance_threshold
                    .unwrap_or(n as f64 / total as f64 / 2.0)
            };
            let mut valid: Vec<(Vec<usize>, f64)> = Vec::new();
            for q in 0..n_clusters {
                let members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == q).collect();
                if members.is_empty() {
                    continue;
                }
                let of_class: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| cls.codes[i] == c)
                    .collect();
                let share = of_class.len() as f64 / members.len() as f64;
                if share < threshold || (of_class.len() as f64) < (k + 1) as f64 {
                    continue;
                }
                let s = self.sparsity(take(data.x(), &of_class).view());
                valid.push((of_class, s));
            }
            if valid.is_empty() {
                return Err(Error::InvalidData(format!(
                    "`kmeans_smote`: no cluster has enough rows of class `{}`; lower \
                     cluster_balance_threshold or change n_clusters",
                    cls.labels[c]
                )));
            }
            let sum: f64 = valid.iter().map(|v| v.1).sum();
            for (q, (rows, s)) in valid.iter().enumerate() {
                let m = (n as f64 * s / sum).ceil() as usize;
                if m == 0 {
                    continue;
                }
                let xc = take(data.x(), rows);
                let nn = knn_self(xc.view(), k)?.indices;
                let seed = derive_seed(derive_seed(self.seed, c as u64), q as u64 + 1);
                let draws = smote_draws(&nn, m, seed);
                let w = weights_of(data, rows);
                let (x, weights) =
                    interpolate(xc.view(), w.as_deref(), xc.view(), w.as_deref(), &draws);
                synthetic.push(Synthetic {
                    class: c,
                    x,
                    weights,
                });
            }
        }
        common::append(data, &cls, synthetic, self.name())
    }
}
