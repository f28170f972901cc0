//! Over-samplers for categorical columns: SMOTE-NC (mixed numeric and categorical columns) and
//! SMOTE-N (every column nominal).

use ndarray::Array2;
use rayon::prelude::*;
use satori_core::rng::{RngExt, derive_seed, sub_rng};
use satori_core::{ColumnKind, Dataset, Error, Params, Result};
use serde::{Deserialize, Serialize};

use crate::common::{
    self, CHUNK, Synthetic, check_class_size, check_finite, knn_self, smote_draws, take, weights_of,
};
use crate::strategy::{SamplingKind, SamplingStrategy};
use crate::{Resampled, Resampler, checked};

fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::param("k_neighbors", "must be ≥ 1, got 0"));
    }
    Ok(())
}

/// imbalanced-learn's `SMOTENC`: SMOTE for data with categorical columns — the categorical
/// columns are those of kind `categorical` in the data's schema. Neighbours are searched on the
/// numeric columns beside a one-hot encoding of the categorical ones scaled by the median of the
/// class's numeric standard deviations / √2; a new row interpolates the numeric columns and
/// takes, for each categorical column, the most frequent category among its seed row's
/// `k_neighbors` neighbours (ties broken at random). Needs both kinds of columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmoteNcParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours. Default 5; ≥ 1.
    pub k_neighbors: usize,
}

impl Default for SmoteNcParams {
    fn default() -> Self {
        SmoteNcParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
        }
    }
}

impl Params for SmoteNcParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_k(self.k_neighbors)
    }
}

/// numpy's median.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Resampler for SmoteNcParams {
    fn name(&self) -> &'static str {
        "smote_nc"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        let cols = &data.features().columns;
        let cat: Vec<(usize, usize)> = cols
            .iter()
            .enumerate()
            .filter_map(|(j, c)| match &c.kind {
                ColumnKind::Categorical { categories } => Some((j, categories.len())),
                _ => None,
            })
            .collect();
        let num: Vec<usize> = (0..cols.len())
            .filter(|j| !cat.iter().any(|(c, _)| c == j))
            .collect();
        if cat.is_empty() {
            return Err(Error::InvalidData(
                "`smote_nc` needs categorical columns (kind `categorical` in the schema), and \
                 the data has none; use smote"
                    .into(),
            ));
        }
        if num.is_empty() {
            return Err(Error::InvalidData(
                "`smote_nc` needs some numeric columns, and every column is categorical; use \
                 smoten"
                    .into(),
            ));
        }
        let k = self.k_neighbors;
        let n_onehot: usize = cat.iter().map(|c| c.1).sum();
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n == 0 {
                continue;
            }
            let rows = cls.rows(c);
            check_class_size(&cls, c, rows.len(), k, "k_neighbors", self.name())?;
            let xc = take(data.x(), &rows);
            let stds: Vec<f64> = num.iter().map(|&j| xc.column(j).std(0.0)).collect();
            let scale = median(stds) / std::f64::consts::SQRT_2;
            let mut enc = Array2::<f64>::zeros((rows.len(), num.len() + n_onehot));
            for i in 0..rows.len() {
                for (t, &j) in num.iter().enumerate() {
                    enc[[i, t]] = xc[[i, j]];
                }
                let mut off = num.len();
                for &(j, nc) in &cat {
                    enc[[i, off + xc[[i, j]] as usize]] = scale;
                    off += nc;
                }
            }
            let nn = knn_self(enc.view(), k)?.indices;
            let seed = derive_seed(self.seed, c as u64);
            let draws = smote_draws(&nn, n, seed);
            let p = data.n_features();
            let mut out = vec![0.0; n * p];
            out.par_chunks_mut(CHUNK * p)
                .zip(draws.par_chunks(CHUNK))
                .enumerate()
                .for_each(|(ci, (block, ds))| {
                    let mut g = sub_rng(seed, u64::MAX - ci as u64);
                    for (d, row) in ds.iter().zip(block.chunks_mut(p)) {
                        for &j in &num {
                            let a = xc[[d.row, j]];
                            row[j] = a + d.step * (xc[[d.nb, j]] - a);
                        }
                        for &(j, nc) in &cat {
                            let mut counts = vec![0usize; nc];
                            for &m in nn.row(d.row) {
                                counts[xc[[m, j]] as usize] += 1;
                            }
                            let top = *counts.iter().max().expect("categories");
                            let ties: Vec<usize> = (0..nc).filter(|&v| counts[v] == top).collect();
                            row[j] = ties[g.random_range(0..ties.len())] as f64;
                        }
                    }
                });
            let x = Array2::from_shape_vec((n, p), out).expect("the shape of the new rows");
            let weights = weights_of(data, &rows)
                .map(|w| draws.iter().map(|d| w[d.row]).collect::<Vec<f64>>());
            synthetic.push(Synthetic {
                class: c,
                x,
                weights,
            });
        }
        common::append(data, &cls, synthetic, self.name())
    }
}

/// imbalanced-learn's `SMOTEN`: SMOTE for nominal data — every column is taken as nominal
/// (a categorical column's codes, or a numeric column's distinct values). Distances are the
/// value difference metric (per column, the squared L1 distance between the class
/// distributions of the two values), and a new row takes, column by column, the most frequent
/// value (the smallest on a tie) among a random row of the class and its `k_neighbors` nearest
/// rows of the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmotenParams {
    /// Which classes to over-sample and to how many rows. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// Seed of the draws. Default 0.
    pub seed: u64,
    /// Same-class neighbours. Default 5; ≥ 1.
    pub k_neighbors: usize,
}

impl Default for SmotenParams {
    fn default() -> Self {
        SmotenParams {
            sampling_strategy: SamplingStrategy::Auto,
            seed: 0,
            k_neighbors: 5,
        }
    }
}

impl Params for SmotenParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        check_k(self.k_neighbors)
    }
}

impl Resampler for SmotenParams {
    fn name(&self) -> &'static str {
        "smoten"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let cls = common::classes(data, self.name())?;
        let targets = cls.targets(&self.sampling_strategy, SamplingKind::OverSampling)?;
        check_finite(data, self.name())?;
        let (n_rows, p) = data.x().dim();
        let n_classes = cls.labels.len();
        // Each column's distinct values (sorted) and each row's ordinal code.
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(p);
        let mut codes = Array2::<usize>::zeros((n_rows, p));
        for j in 0..p {
            let mut v: Vec<f64> = data.x().column(j).to_vec();
            v.sort_by(f64::total_cmp);
            v.dedup();
            for i in 0..n_rows {
                codes[[i, j]] = v
                    .binary_search_by(|a| a.total_cmp(&data.x()[[i, j]]))
                    .expect("a value of the column");
            }
            values.push(v);
        }
        // P(class | value) per column.
        let proba: Vec<Array2<f64>> = (0..p)
            .map(|j| {
                let mut m = Array2::<f64>::zeros((values[j].len(), n_classes));
                for i in 0..n_rows {
                    m[[codes[[i, j]], cls.codes[i]]] += 1.0;
                }
                for mut r in m.outer_iter_mut() {
                    let s: f64 = r.sum();
                    if s > 0.0 {
                        r.mapv_inplace(|v| v / s);
                    }
                }
                m
            })
            .collect();
        let k = self.k_neighbors;
        let mut synthetic = Vec::new();
        for (&c, &n) in &targets {
            if n == 0 {
                continue;
            }
            let rows = cls.rows(c);
            check_class_size(&cls, c, rows.len(), k, "k_neighbors", self.name())?;
            let m = rows.len();
            let vdm = |a: usize, b: usize| -> f64 {
                (0..p)
                    .map(|j| {
                        let (pa, pb) = (proba[j].row(codes[[a, j]]), proba[j].row(codes[[b, j]]));
                        let l1: f64 = pa.iter().zip(pb).map(|(x, y)| (x - y).abs()).sum();
                        l1 * l1
                    })
                    .sum()
            };
            // The k + 1 nearest rows of each row of the class (itself included), by VDM.
            let nn: Vec<Vec<usize>> = (0..m)
                .into_par_iter()
                .map(|i| {
                    let mut d: Vec<(f64, usize)> =
                        (0..m).map(|t| (vdm(rows[i], rows[t]), t)).collect();
                    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    d.truncate(k + 1);
                    d.into_iter().map(|(_, t)| t).collect()
                })
                .collect();
            let seed = derive_seed(self.seed, c as u64);
            let picks: Vec<usize> = (0..n.div_ceil(CHUNK))
                .into_par_iter()
                .flat_map_iter(|ci| {
                    let mut g = sub_rng(seed, ci as u64);
                    (0..CHUNK.min(n - ci * CHUNK))
                        .map(|_| g.random_range(0..m))
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut x = Array2::<f64>::zeros((n, p));
            for (s, &i) in picks.iter().enumerate() {
                for j in 0..p {
                    let v =
                        common::mode(nn[i].iter().map(|&t| codes[[rows[t], j]]), values[j].len());
                    x[[s, j]] = values[j][v];
                }
            }
            let weights =
                weights_of(data, &rows).map(|w| picks.iter().map(|&i| w[i]).collect::<Vec<f64>>());
            synthetic.push(Synthetic {
                class: c,
                x,
                weights,
            });
        }
        common::append(data, &cls, synthetic, self.name())
    }
}
