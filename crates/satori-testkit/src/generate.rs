//! Small seeded datasets for tests: classification (binary or multiclass, string labels) and
//! regression, optionally with NaNs, categorical columns and sample weights.
//!
//! The features carry signal: classes are Gaussian blobs with class-dependent centres, and the
//! regression target is a linear function of the numeric features plus noise, so a model that
//! learns anything beats a baseline. The same arguments always give the same dataset.
//!
//! ```
//! use satori_testkit::generate::{Generator, binary};
//!
//! let d = binary(50, 7);
//! assert_eq!(d.n_samples(), 50);
//! let d = Generator::new(40, 3, 1).nan_fraction(0.1).categorical(1, 4).weights(true).regression();
//! assert_eq!(d.n_features(), 4);
//! assert!(d.weights().is_some());
//! ```

use ndarray::{Array1, Array2};
use satori_core::rng::{RngExt, SatoriRng, derive_seed, rng, standard_normal};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Schema, Target};

/// Label names for classification targets; they are in sorted order, as scikit-learn's `classes_`.
const LABELS: [&str; 10] = [
    "ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay",
];

/// A seeded dataset generator: `n_samples` rows of `n_features` numeric columns, plus optional
/// categorical columns, NaNs and weights.
#[derive(Debug, Clone)]
pub struct Generator {
    n_samples: usize,
    n_features: usize,
    seed: u64,
    nan_fraction: f64,
    n_categorical: usize,
    n_categories: usize,
    weights: bool,
}

impl Generator {
    /// `n_samples` rows of `n_features` numeric features, from `seed`.
    pub fn new(n_samples: usize, n_features: usize, seed: u64) -> Self {
        Generator {
            n_samples,
            n_features,
            seed,
            nan_fraction: 0.0,
            n_categorical: 0,
            n_categories: 0,
            weights: false,
        }
    }

    /// Replace this fraction (in [0, 1)) of the feature values by NaN, at seeded positions.
    pub fn nan_fraction(mut self, fraction: f64) -> Self {
        assert!(
            (0.0..1.0).contains(&fraction),
            "nan_fraction must be in [0, 1), got {fraction}"
        );
        self.nan_fraction = fraction;
        self
    }

    /// Append `n_columns` categorical columns with `n_categories` categories each (codes
    /// `0..n_categories`, categories named `c0`, `c1`, …), correlated with the target.
    pub fn categorical(mut self, n_columns: usize, n_categories: usize) -> Self {
        assert!(
            n_columns == 0 || n_categories >= 1,
            "categorical columns need at least one category"
        );
        self.n_categorical = n_columns;
        self.n_categories = n_categories;
        self
    }

    /// Attach seeded sample weights in [0.5, 2).
    pub fn weights(mut self, weights: bool) -> Self {
        self.weights = weights;
        self
    }

    /// A classification dataset with `n_classes` (≥ 2) string labels (`ant`, `bee`, `cat`, … in
    /// sorted order); every class occurs when `n_samples >= n_classes`.
    pub fn classification(&self, n_classes: usize) -> Dataset {
        assert!(n_classes >= 2, "classification needs at least 2 classes");
        let mut r = rng(derive_seed(self.seed, 1));
        let codes: Array1<usize> = (0..self.n_samples)
            .map(|i| {
                if i < n_classes {
                    i
                } else {
                    r.random_range(0..n_classes)
                }
            })
            .collect();
        let centres = Array2::from_shape_fn((n_classes, self.n_features), |(c, j)| {
            1.5 * ((c * 7 + j * 3) % 5) as f64 - 3.0
        });
        let signal = |i: usize, j: usize| centres[[codes[i], j]];
        let cat_signal = |i: usize| codes[i] as f64;
        let target = Target::classes(codes.clone(), labels(n_classes))
            .unwrap_or_else(|e| panic!("generator built an invalid target: {e}"));
        self.build(target, signal, cat_signal)
    }

    /// A regression dataset: `y = Σ_j (j + 1) x_j / n_features + category effects + noise`.
    pub fn regression(&self) -> Dataset {
        let mut r = rng(derive_seed(self.seed, 2));
        let base = Array2::from_shape_fn((self.n_samples, self.n_features), |_| {
            standard_normal(&mut r)
        });
        let cats = self.categorical_codes(derive_seed(self.seed, 3));
        let p = self.n_features.max(1) as f64;
        let y: Array1<f64> = (0..self.n_samples)
            .map(|i| {
                let lin: f64 = (0..self.n_features)
                    .map(|j| (j + 1) as f64 * base[[i, j]] / p)
                    .sum();
                let cat: f64 = cats.row(i).iter().map(|c| 0.5 * c).sum();
                lin + cat + 0.1 * standard_normal(&mut r)
            })
            .collect();
        let target = Target::regression(y);
        self.assemble(base, cats, target)
    }

    fn build(
        &self,
        target: Target,
        signal: impl Fn(usize, usize) -> f64,
        cat_signal: impl Fn(usize) -> f64,
    ) -> Dataset {
        let mut r = rng(derive_seed(self.seed, 4));
        let x = Array2::from_shape_fn((self.n_samples, self.n_features), |(i, j)| {
            signal(i, j) + standard_normal(&mut r)
        });
        let mut cats = self.categorical_codes(derive_seed(self.seed, 5));
        if self.n_categories > 0 {
            // Tie categories to the target so they carry signal: half the rows take a
            // target-dependent category.
            for ((i, j), v) in cats.indexed_iter_mut() {
                if (i + j) % 2 == 0 {
                    *v = (cat_signal(i) as usize % self.n_categories) as f64;
                }
            }
        }
        self.assemble(x, cats, target)
    }

    fn categorical_codes(&self, seed: u64) -> Array2<f64> {
        let mut r = rng(seed);
        let k = self.n_categories.max(1);
        Array2::from_shape_fn((self.n_samples, self.n_categorical), |_| {
            r.random_range(0..k) as f64
        })
    }

    fn assemble(&self, numeric: Array2<f64>, cats: Array2<f64>, target: Target) -> Dataset {
        let mut x = ndarray::concatenate![ndarray::Axis(1), numeric, cats];
        let mut r = rng(derive_seed(self.seed, 6));
        if self.nan_fraction > 0.0 {
            x.mapv_inplace(|v| {
                if r.random::<f64>() < self.nan_fraction {
                    f64::NAN
                } else {
                    v
                }
            });
        }
        let data = Dataset::with_schema(x, self.schema())
            .and_then(|d| d.with_target(target))
            .map(|d| d.with_target_name("target"))
            .and_then(|d| {
                if self.weights {
                    let w = (0..self.n_samples)
                        .map(|_| 0.5 + 1.5 * r.random::<f64>())
                        .collect();
                    d.with_weights(w)
                } else {
                    Ok(d)
                }
            });
        data.unwrap_or_else(|e| panic!("generator built an invalid dataset: {e}"))
    }

    fn schema(&self) -> Schema {
        let numeric = (0..self.n_features).map(|j| ColumnSchema {
            name: format!("x{j}"),
            kind: ColumnKind::Numeric,
        });
        let categories: Vec<String> = (0..self.n_categories).map(|c| format!("c{c}")).collect();
        let categorical = (0..self.n_categorical).map(|j| ColumnSchema {
            name: format!("cat{j}"),
            kind: ColumnKind::Categorical {
                categories: categories.clone(),
            },
        });
        Schema {
            columns: numeric.chain(categorical).collect(),
        }
    }
}

/// The class labels the generators use for `n_classes` classes, in sorted order.
pub fn labels(n_classes: usize) -> Vec<String> {
    if n_classes <= LABELS.len() {
        LABELS[..n_classes].iter().map(|s| s.to_string()).collect()
    } else {
        (0..n_classes).map(|c| format!("class_{c:04}")).collect()
    }
}

/// A binary classification dataset with 3 numeric features (labels `ant`, `bee`).
pub fn binary(n_samples: usize, seed: u64) -> Dataset {
    Generator::new(n_samples, 3, seed).classification(2)
}

/// A multiclass dataset with 4 numeric features and `n_classes` labels.
pub fn multiclass(n_samples: usize, n_classes: usize, seed: u64) -> Dataset {
    Generator::new(n_samples, 4, seed).classification(n_classes)
}

/// A regression dataset with `n_features` numeric features.
pub fn regression(n_samples: usize, n_features: usize, seed: u64) -> Dataset {
    Generator::new(n_samples, n_features, seed).regression()
}

/// A seeded random generator for tests that need their own draws.
pub fn test_rng(seed: u64) -> SatoriRng {
    rng(seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_core::Task;

    #[test]
    fn same_seed_same_data_and_different_seed_different_data() {
        let a = Generator::new(30, 3, 5).nan_fraction(0.2).classification(3);
        let b = Generator::new(30, 3, 5).nan_fraction(0.2).classification(3);
        assert_eq!(
            a.x().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.x().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(a.target(), b.target());
        let c = Generator::new(30, 3, 6).classification(3);
        assert_ne!(a.target(), c.target());
    }

    #[test]
    fn classification_has_every_class_and_sorted_labels() {
        let d = multiclass(40, 4, 1);
        assert_eq!(d.task(), Some(Task::Multiclass));
        let Some(Target::Classes { codes, labels }) = d.target() else {
            panic!("not a classification target")
        };
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(&sorted, labels);
        for c in 0..4 {
            assert!(codes.iter().any(|&k| k == c));
        }
        assert_eq!(binary(10, 1).task(), Some(Task::Binary));
        assert_eq!(self::labels(12).len(), 12);
    }

    #[test]
    fn options_are_applied() {
        let d = Generator::new(200, 2, 3)
            .nan_fraction(0.25)
            .categorical(2, 3)
            .weights(true)
            .regression();
        assert_eq!(d.n_features(), 4);
        let nan = d.x().iter().filter(|v| v.is_nan()).count() as f64 / 800.0;
        assert!((0.15..0.35).contains(&nan), "{nan}");
        assert_eq!(
            d.features().columns[3]
                .kind
                .categories()
                .map(<[String]>::len),
            Some(3)
        );
        let w = d.weights().unwrap();
        assert!(w.iter().all(|w| (0.5..2.0).contains(w)));
        let cat = d
            .x()
            .column(2)
            .iter()
            .filter(|v| !v.is_nan())
            .all(|v| [0.0, 1.0, 2.0].contains(v));
        assert!(cat);
    }

    #[test]
    fn regression_target_follows_the_features() {
        let d = regression(500, 2, 9);
        let y = d.target().unwrap().as_f64();
        let x = d.x();
        let fit: f64 = (0..500)
            .map(|i| (y[i] - (0.5 * x[[i, 0]] + x[[i, 1]])).powi(2))
            .sum::<f64>()
            / 500.0;
        assert!(fit < 0.02, "residual variance {fit}");
    }
}
