//! `make_classification`: Gaussian clusters on the vertices of a hypercube.

use std::collections::BTreeSet;

use ndarray::{Array1, Array2};
use satori_core::rng::{RngExt, SatoriRng, shuffle, sub_rng};
use satori_core::{Dataset, Error, Params, Result, Target};
use serde::{Deserialize, Serialize};

use super::{Normals, check_size, feature_names, fill_rows};

/// The most clusters (`n_classes × n_clusters_per_class`) a classification problem may have.
pub const MAX_CLUSTERS: usize = 1 << 16;

/// The most covariance-factor entries (`clusters × n_informative²`) a problem may need.
pub const MAX_COVARIANCE_CELLS: usize = 1 << 27;

/// A random classification problem (scikit-learn's `make_classification` construction).
///
/// Each class is made of `n_clusters_per_class` Gaussian clusters, one per vertex of a hypercube
/// of side `2 * class_sep` in the space of the `n_informative` features, each with a random
/// covariance (standard normals times a matrix with entries uniform in [-1, 1]). Then come
/// `n_redundant` random linear combinations of the informative features, `n_repeated` copies of
/// informative or redundant ones, and standard-normal noise features for the rest. A fraction
/// `flip_y` of the labels is replaced at random, every feature is shifted by `shift` and
/// multiplied by `scale`, and with `shuffle` the rows and the feature order are permuted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassificationParams {
    /// Number of rows, at least 1. Default 100.
    pub n_samples: usize,
    /// Number of features, at least `n_informative + n_redundant + n_repeated`. Default 20.
    pub n_features: usize,
    /// Informative features, at least 1 and with `2^n_informative >= n_classes *
    /// n_clusters_per_class`. Default 2.
    pub n_informative: usize,
    /// Random linear combinations of the informative features. Default 2.
    pub n_redundant: usize,
    /// Copies of randomly chosen informative or redundant features. Default 0.
    pub n_repeated: usize,
    /// Number of classes, at least 2. Default 2.
    pub n_classes: usize,
    /// Clusters per class, at least 1; at most 65536 clusters in all. Default 2.
    pub n_clusters_per_class: usize,
    /// Class proportions: `n_classes` values summing to 1, or `n_classes - 1` values summing to at
    /// most 1 (the last class takes the rest); each in [0, 1]. `None` (default): balanced.
    /// Label noise (`flip_y`) moves the realised proportions slightly.
    pub weights: Option<Vec<f64>>,
    /// Fraction of rows whose label is replaced by a uniformly random class, in [0, 1].
    /// Default 0.01.
    pub flip_y: f64,
    /// Half the side of the hypercube: larger values separate the classes more. Finite and
    /// non-negative. Default 1.0.
    pub class_sep: f64,
    /// Place clusters on the hypercube's vertices (`true`, default) or on a random polytope.
    pub hypercube: bool,
    /// Added to every feature. Finite. Default 0.0.
    pub shift: f64,
    /// Multiplies every feature (after the shift). Finite. Default 1.0.
    pub scale: f64,
    /// Permute the rows and the features. Default `true`.
    pub shuffle: bool,
    /// Seed of every random draw. Default 0.
    pub seed: u64,
}

impl Default for ClassificationParams {
    fn default() -> Self {
        ClassificationParams {
            n_samples: 100,
            n_features: 20,
            n_informative: 2,
            n_redundant: 2,
            n_repeated: 0,
            n_classes: 2,
            n_clusters_per_class: 2,
            weights: None,
            flip_y: 0.01,
            class_sep: 1.0,
            hypercube: true,
            shift: 0.0,
            scale: 1.0,
            shuffle: true,
            seed: 0,
        }
    }
}

impl Params for ClassificationParams {
    fn validate(&self) -> Result<()> {
        check_size(self.n_samples, self.n_features)?;
        let n_clusters = self.check_clusters()?;
        self.check_features(n_clusters)?;
        if let Some(w) = &self.weights {
            self.class_weights_from(w)?;
        }
        if !(0.0..=1.0).contains(&self.flip_y) {
            return Err(Error::param(
                "flip_y",
                format!("must be in [0, 1], got {}", self.flip_y),
            ));
        }
        if !(self.class_sep.is_finite() && self.class_sep >= 0.0) {
            return Err(Error::param(
                "class_sep",
                format!("must be finite and non-negative, got {}", self.class_sep),
            ));
        }
        for (name, v) in [("shift", self.shift), ("scale", self.scale)] {
            if !v.is_finite() {
                return Err(Error::param(name, format!("must be finite, got {v}")));
            }
        }
        Ok(())
    }
}

impl ClassificationParams {
    /// Check the class and cluster counts; the number of clusters.
    fn check_clusters(&self) -> Result<usize> {
        if self.n_classes < 2 {
            return Err(Error::param(
                "n_classes",
                format!("must be at least 2, got {}", self.n_classes),
            ));
        }
        if self.n_clusters_per_class < 1 {
            return Err(Error::param(
                "n_clusters_per_class",
                "must be at least 1, got 0",
            ));
        }
        let n_clusters = self.n_classes.checked_mul(self.n_clusters_per_class);
        let n_clusters = match n_clusters {
            Some(c) if c <= MAX_CLUSTERS => c,
            _ => {
                return Err(Error::param(
                    "n_clusters_per_class",
                    format!("n_classes × n_clusters_per_class must be at most {MAX_CLUSTERS}"),
                ));
            }
        };
        Ok(n_clusters)
    }

    /// Check the feature counts against each other and the clusters.
    fn check_features(&self, n_clusters: usize) -> Result<()> {
        if self.n_informative < 1 {
            return Err(Error::param("n_informative", "must be at least 1, got 0"));
        }
        let covariance_cells = self
            .n_informative
            .checked_mul(self.n_informative)
            .and_then(|c| c.checked_mul(n_clusters));
        if covariance_cells.is_none_or(|c| c > MAX_COVARIANCE_CELLS) {
            return Err(Error::param(
                "n_informative",
                format!(
                    "{} informative features with {n_clusters} clusters need more than                      {MAX_COVARIANCE_CELLS} covariance entries (clusters × n_informative²); use                      fewer informative features or clusters",
                    self.n_informative
                ),
            ));
        }
        if self.n_informative < 64 && (1usize << self.n_informative) < n_clusters {
            return Err(Error::param(
                "n_informative",
                format!(
                    "{} informative features give {} hypercube vertices, fewer than the {} \
                     clusters (n_classes × n_clusters_per_class); use n_informative >= {}",
                    self.n_informative,
                    1usize << self.n_informative,
                    n_clusters,
                    usize::BITS - (n_clusters - 1).leading_zeros()
                ),
            ));
        }
        let used = self
            .n_informative
            .saturating_add(self.n_redundant)
            .saturating_add(self.n_repeated);
        if used > self.n_features {
            return Err(Error::param(
                "n_features",
                format!(
                    "must be at least n_informative + n_redundant + n_repeated = {used}, got {}",
                    self.n_features
                ),
            ));
        }
        Ok(())
    }
}

/// The fixed parts of the problem, drawn once from the main stream.
struct Design {
    /// Cumulative row counts: cluster `k` holds positions `ends[k-1]..ends[k]`.
    ends: Vec<usize>,
    centroids: Vec<Vec<f64>>,
    /// Per cluster, the `n_inf × n_inf` covariance factor, row-major.
    covariance: Vec<Vec<f64>>,
    /// `n_inf × n_redundant`, row-major.
    redundant: Vec<f64>,
    repeated: Vec<usize>,
    /// Output row → generation position (identity without shuffle).
    row_perm: Vec<usize>,
    /// Output column → internal column.
    col_perm: Vec<usize>,
}

impl ClassificationParams {
    /// The full vector of class weights.
    fn class_weights_from(&self, w: &[f64]) -> Result<Vec<f64>> {
        let k = self.n_classes;
        if w.iter().any(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::param("weights", "each weight must be in [0, 1]"));
        }
        let sum: f64 = w.iter().sum();
        if w.len() == k {
            if (sum - 1.0).abs() > 1e-6 {
                return Err(Error::param(
                    "weights",
                    format!("the {k} weights must sum to 1, got {sum}"),
                ));
            }
            Ok(w.to_vec())
        } else if w.len() + 1 == k {
            if sum > 1.0 + 1e-9 {
                return Err(Error::param(
                    "weights",
                    format!(
                        "the {} weights must sum to at most 1 (the last class takes the rest), got {sum}",
                        k - 1
                    ),
                ));
            }
            let mut full = w.to_vec();
            full.push((1.0 - sum).max(0.0));
            Ok(full)
        } else {
            Err(Error::param(
                "weights",
                format!(
                    "needs {k} or {} values (one per class), got {}",
                    k - 1,
                    w.len()
                ),
            ))
        }
    }

    fn design(&self) -> Result<Design> {
        let (n, n_inf, k) = (self.n_samples, self.n_informative, self.n_classes);
        let n_clusters = k * self.n_clusters_per_class;
        let weights = match &self.weights {
            Some(w) => self.class_weights_from(w)?,
            None => vec![1.0 / k as f64; k],
        };
        let mut sizes: Vec<usize> = (0..n_clusters)
            .map(|c| (n as f64 * weights[c % k] / self.n_clusters_per_class as f64) as usize)
            .collect();
        let assigned: usize = sizes.iter().sum();
        for i in 0..n.saturating_sub(assigned) {
            sizes[i % n_clusters] += 1;
        }
        let ends: Vec<usize> = sizes
            .iter()
            .scan(0usize, |acc, s| {
                *acc += s;
                Some(*acc)
            })
            .collect();
        let mut g = sub_rng(self.seed, 0);
        let mut centroids = hypercube_vertices(n_clusters, n_inf, &mut g);
        for c in centroids.iter_mut().flatten() {
            *c = *c * 2.0 * self.class_sep - self.class_sep;
        }
        if !self.hypercube {
            let per_cluster: Vec<f64> = (0..n_clusters).map(|_| g.random()).collect();
            let per_feature: Vec<f64> = (0..n_inf).map(|_| g.random()).collect();
            for (c, row) in centroids.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v *= per_cluster[c] * per_feature[j];
                }
            }
        }
        let mut uniform_pm1 =
            |len: usize| -> Vec<f64> { (0..len).map(|_| 2.0 * g.random::<f64>() - 1.0).collect() };
        let covariance: Vec<Vec<f64>> = (0..n_clusters)
            .map(|_| uniform_pm1(n_inf * n_inf))
            .collect();
        let redundant = uniform_pm1(n_inf * self.n_redundant);
        let base = n_inf + self.n_redundant;
        let repeated: Vec<usize> = (0..self.n_repeated)
            .map(|_| (((base - 1) as f64) * g.random::<f64>() + 0.5) as usize)
            .collect();
        let mut row_perm: Vec<usize> = (0..n).collect();
        let mut col_perm: Vec<usize> = (0..self.n_features).collect();
        if self.shuffle {
            shuffle(&mut row_perm, &mut g);
            shuffle(&mut col_perm, &mut g);
        }
        Ok(Design {
            ends,
            centroids,
            covariance,
            redundant,
            repeated,
            row_perm,
            col_perm,
        })
    }

    /// Generate the dataset (validating the parameters first).
    pub fn generate(&self) -> Result<Dataset> {
        self.validate()?;
        let d = self.design()?;
        let (n_inf, n_red, n_feat) = (self.n_informative, self.n_redundant, self.n_features);
        let n_classes = self.n_classes;
        let internal = |g: &mut SatoriRng,
                        normals: &mut Normals,
                        row: usize,
                        out: &mut [f64],
                        scratch: &mut [f64]| {
            let pos = d.row_perm[row];
            let cluster = d.ends.partition_point(|&e| e <= pos);
            let (buf, z) = scratch.split_at_mut(n_feat);
            for v in z.iter_mut() {
                *v = normals.next(g);
            }
            let a = &d.covariance[cluster];
            for (j, v) in buf[..n_inf].iter_mut().enumerate() {
                let dot: f64 = z
                    .iter()
                    .enumerate()
                    .map(|(i, zi)| zi * a[i * n_inf + j])
                    .sum();
                *v = dot + d.centroids[cluster][j];
            }
            for r in 0..n_red {
                buf[n_inf + r] = (0..n_inf)
                    .map(|i| buf[i] * d.redundant[i * n_red + r])
                    .sum();
            }
            let base = n_inf + n_red;
            for (r, &src) in d.repeated.iter().enumerate() {
                buf[base + r] = buf[src];
            }
            for v in buf[base + d.repeated.len()..].iter_mut() {
                *v = normals.next(g);
            }
            let mut class = cluster % n_classes;
            if self.flip_y > 0.0 && g.random::<f64>() < self.flip_y {
                class = g.random_range(0..n_classes);
            }
            for (o, &c) in out.iter_mut().zip(&d.col_perm) {
                *o = (buf[c] + self.shift) * self.scale;
            }
            class
        };
        let (x, y) = fill_rows(self.seed, self.n_samples, n_feat, n_feat + n_inf, internal);
        let x = Array2::from_shape_vec((self.n_samples, n_feat), x)
            .map_err(|e| Error::Internal(format!("synthetic matrix shape: {e}")))?;
        let labels: Vec<String> = (0..n_classes).map(|c| c.to_string()).collect();
        Ok(Dataset::new(x, feature_names(n_feat))?
            .with_target(Target::classes(Array1::from(y), labels)?)?
            .with_target_name("target"))
    }
}

/// `n` distinct random vertices of the unit hypercube in `dim` dimensions, as 0/1 coordinates.
/// The caller guarantees `2^dim >= n`.
fn hypercube_vertices(n: usize, dim: usize, g: &mut SatoriRng) -> Vec<Vec<f64>> {
    let mut seen: BTreeSet<Vec<bool>> = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let v: Vec<bool> = (0..dim).map(|_| g.random::<bool>()).collect();
        if seen.insert(v.clone()) {
            out.push(v.iter().map(|&b| f64::from(u8::from(b))).collect());
        }
    }
    out
}
