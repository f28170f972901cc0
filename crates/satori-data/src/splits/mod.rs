//! Seeded train/test splits and cross-validation folds, as row indices.
//!
//! [`train_test_split`] holds out a fraction of the rows (stratified by class on request);
//! [`SplitStrategy`] describes a cross-validation scheme that the CLI, the tuner and the
//! cross-validation code share, and [`SplitStrategy::split`] turns it into [`Fold`]s.
//!
//! The unshuffled [`SplitStrategy::KFold`], [`SplitStrategy::StratifiedKFold`],
//! [`SplitStrategy::GroupKFold`] and [`SplitStrategy::TimeSeriesSplit`] give exactly the folds of
//! scikit-learn's classes of the same names (checked by a golden test). Shuffled variants draw from
//! [`satori_core::rng`] with the given seed: the same seed gives the same folds on every platform,
//! but not the folds numpy's generator would give.
//!
//! ```
//! use ndarray::Array2;
//! use satori_core::{Dataset, Target};
//! use satori_data::splits::{SplitStrategy, train_test_split};
//!
//! let data = Dataset::new(Array2::zeros((10, 1)), vec!["x".into()]).unwrap();
//! let folds = SplitStrategy::KFold { n_splits: 3, shuffle: false, seed: 0 }
//!     .split(&data, None)
//!     .unwrap();
//! assert_eq!(folds[0].test, vec![0, 1, 2, 3]);
//! assert_eq!(folds[2].train, vec![0, 1, 2, 3, 4, 5, 6]);
//!
//! let (train, test) = train_test_split(&data, 0.25, false, 42).unwrap();
//! assert_eq!((train.len(), test.len()), (7, 3));
//! ```

mod folds;
mod holdout;

use satori_core::{Dataset, Error, Params, Result, Target};
use serde::{Deserialize, Serialize};

pub use holdout::train_test_split;

/// One cross-validation fold: the rows to train on and the rows to evaluate on (each sorted
/// ascending, disjoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// Row indices of the training part.
    pub train: Vec<usize>,
    /// Row indices of the test part.
    pub test: Vec<usize>,
}

fn default_n_splits() -> usize {
    5
}

fn default_n_repeats() -> usize {
    10
}

/// A cross-validation scheme. Serialised with a `kind` tag, e.g.
/// `{"kind": "stratified_k_fold", "n_splits": 5, "shuffle": true, "seed": 7}`; omitted fields take
/// the defaults stated on each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SplitStrategy {
    /// Consecutive blocks of rows (after a seeded shuffle when `shuffle`); the first
    /// `n_samples % n_splits` folds hold one row more. Same as scikit-learn's `KFold`.
    KFold {
        /// Number of folds, at least 2 and at most the number of rows. Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
        /// Shuffle the rows before cutting them into blocks. Default `false`.
        #[serde(default)]
        shuffle: bool,
        /// Seed of the shuffle (unused without `shuffle`). Default 0.
        #[serde(default)]
        seed: u64,
    },
    /// Folds that keep each class's proportion (scikit-learn's `StratifiedKFold` allocation:
    /// the rows of each class are dealt out in blocks, in their order in the data unless
    /// `shuffle`). Needs a classification target. Unlike scikit-learn, which only warns when the
    /// smallest class has fewer rows than `n_splits` (and raises when every class has), this is
    /// an error: some test folds would miss that class entirely.
    StratifiedKFold {
        /// Number of folds, at least 2, at most the number of rows and at most the size of the
        /// smallest class. Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
        /// Shuffle each class's fold assignment. Default `false`.
        #[serde(default)]
        shuffle: bool,
        /// Seed of the shuffle (unused without `shuffle`). Default 0.
        #[serde(default)]
        seed: u64,
    },
    /// Folds whose test parts never share a group: the largest groups go first, each to the
    /// fold with the fewest rows so far (scikit-learn's unshuffled `GroupKFold`). Needs one group
    /// label per row.
    GroupKFold {
        /// Number of folds, at least 2 and at most the number of distinct groups. Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
    },
    /// Expanding-window splits for time-ordered rows: each test block follows its training rows
    /// (scikit-learn's `TimeSeriesSplit`).
    TimeSeriesSplit {
        /// Number of splits, at least 2; `n_splits + 1` must not exceed the number of rows.
        /// Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
        /// The most rows a training part keeps (the latest ones); `None` keeps all. At least 1.
        #[serde(default)]
        max_train_size: Option<usize>,
        /// Rows per test part, at least 1; `None` uses `n_samples / (n_splits + 1)`.
        #[serde(default)]
        test_size: Option<usize>,
        /// Rows left out between the end of each training part and its test part. Default 0.
        #[serde(default)]
        gap: usize,
    },
    /// Shuffled `KFold` repeated `n_repeats` times with different seeds derived from `seed`.
    RepeatedKFold {
        /// Number of folds per repetition, at least 2 and at most the number of rows. Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
        /// Number of repetitions, at least 1. Default 10.
        #[serde(default = "default_n_repeats")]
        n_repeats: usize,
        /// Seed from which each repetition's seed derives. Default 0.
        #[serde(default)]
        seed: u64,
    },
    /// Shuffled `StratifiedKFold` repeated `n_repeats` times with seeds derived from `seed`.
    RepeatedStratifiedKFold {
        /// Number of folds per repetition (as for `StratifiedKFold`). Default 5.
        #[serde(default = "default_n_splits")]
        n_splits: usize,
        /// Number of repetitions, at least 1. Default 10.
        #[serde(default = "default_n_repeats")]
        n_repeats: usize,
        /// Seed from which each repetition's seed derives. Default 0.
        #[serde(default)]
        seed: u64,
    },
}

impl Default for SplitStrategy {
    /// Five unshuffled folds.
    fn default() -> Self {
        SplitStrategy::KFold {
            n_splits: 5,
            shuffle: false,
            seed: 0,
        }
    }
}

impl SplitStrategy {
    /// The scheme's name as serialised (`k_fold`, `stratified_k_fold`, …).
    pub fn name(&self) -> &'static str {
        match self {
            SplitStrategy::KFold { .. } => "k_fold",
            SplitStrategy::StratifiedKFold { .. } => "stratified_k_fold",
            SplitStrategy::GroupKFold { .. } => "group_k_fold",
            SplitStrategy::TimeSeriesSplit { .. } => "time_series_split",
            SplitStrategy::RepeatedKFold { .. } => "repeated_k_fold",
            SplitStrategy::RepeatedStratifiedKFold { .. } => "repeated_stratified_k_fold",
        }
    }

    /// The number of folds [`SplitStrategy::split`] returns.
    pub fn n_folds(&self) -> usize {
        match *self {
            SplitStrategy::KFold { n_splits, .. }
            | SplitStrategy::StratifiedKFold { n_splits, .. }
            | SplitStrategy::GroupKFold { n_splits }
            | SplitStrategy::TimeSeriesSplit { n_splits, .. } => n_splits,
            SplitStrategy::RepeatedKFold {
                n_splits,
                n_repeats,
                ..
            }
            | SplitStrategy::RepeatedStratifiedKFold {
                n_splits,
                n_repeats,
                ..
            } => n_splits.saturating_mul(n_repeats),
        }
    }

    /// The folds of `data` under this scheme. `groups` (one label per row) is needed by
    /// [`SplitStrategy::GroupKFold`] and ignored by the others.
    pub fn split(&self, data: &Dataset, groups: Option<&[String]>) -> Result<Vec<Fold>> {
        Params::validate(self)?;
        self.split_validated(data, groups)
    }
}

impl Params for SplitStrategy {
    /// Check the parameters that do not depend on the data (`n_splits >= 2`, `n_repeats >= 1`,
    /// `max_train_size` and `test_size` at least 1 when given).
    fn validate(&self) -> Result<()> {
        let n_splits = match *self {
            SplitStrategy::KFold { n_splits, .. }
            | SplitStrategy::StratifiedKFold { n_splits, .. }
            | SplitStrategy::GroupKFold { n_splits } => n_splits,
            SplitStrategy::TimeSeriesSplit {
                n_splits,
                max_train_size,
                test_size,
                ..
            } => {
                if max_train_size == Some(0) {
                    return Err(Error::param(
                        "max_train_size",
                        "must be at least 1 (or left out to keep every earlier row)",
                    ));
                }
                if test_size == Some(0) {
                    return Err(Error::param(
                        "test_size",
                        "must be at least 1 (or left out for n_samples / (n_splits + 1))",
                    ));
                }
                n_splits
            }
            SplitStrategy::RepeatedKFold {
                n_splits,
                n_repeats,
                ..
            }
            | SplitStrategy::RepeatedStratifiedKFold {
                n_splits,
                n_repeats,
                ..
            } => {
                if n_repeats < 1 {
                    return Err(Error::param("n_repeats", "must be at least 1, got 0"));
                }
                n_splits
            }
        };
        if n_splits < 2 {
            return Err(Error::param(
                "n_splits",
                format!("must be at least 2, got {n_splits}"),
            ));
        }
        Ok(())
    }
}

impl SplitStrategy {
    fn split_validated(&self, data: &Dataset, groups: Option<&[String]>) -> Result<Vec<Fold>> {
        let n = data.n_samples();
        match *self {
            SplitStrategy::KFold {
                n_splits,
                shuffle,
                seed,
            } => folds::k_fold(n, n_splits, shuffle.then_some(seed)),
            SplitStrategy::StratifiedKFold {
                n_splits,
                shuffle,
                seed,
            } => folds::stratified_k_fold(class_codes(data)?, n_splits, shuffle.then_some(seed)),
            SplitStrategy::GroupKFold { n_splits } => {
                let groups = groups.ok_or_else(|| {
                    Error::param(
                        "groups",
                        "group_k_fold needs one group label per row (e.g. --groups <column>)",
                    )
                })?;
                folds::group_k_fold(n, groups, n_splits)
            }
            SplitStrategy::TimeSeriesSplit {
                n_splits,
                max_train_size,
                test_size,
                gap,
            } => folds::time_series_split(n, n_splits, max_train_size, test_size, gap),
            SplitStrategy::RepeatedKFold {
                n_splits,
                n_repeats,
                seed,
            } => {
                let mut all = Vec::with_capacity(n_splits.saturating_mul(n_repeats));
                for r in 0..n_repeats {
                    let s = satori_core::rng::derive_seed(seed, r as u64);
                    all.extend(folds::k_fold(n, n_splits, Some(s))?);
                }
                Ok(all)
            }
            SplitStrategy::RepeatedStratifiedKFold {
                n_splits,
                n_repeats,
                seed,
            } => {
                let codes = class_codes(data)?;
                let mut all = Vec::with_capacity(n_splits.saturating_mul(n_repeats));
                for r in 0..n_repeats {
                    let s = satori_core::rng::derive_seed(seed, r as u64);
                    all.extend(folds::stratified_k_fold(codes, n_splits, Some(s))?);
                }
                Ok(all)
            }
        }
    }
}

/// The class codes and labels of a classification dataset, or an error naming what is missing.
fn class_codes(data: &Dataset) -> Result<ClassCodes<'_>> {
    match data.target() {
        Some(Target::Classes { codes, labels }) => Ok(ClassCodes {
            codes: codes
                .as_slice()
                .ok_or_else(|| Error::Internal("class codes are not stored contiguously".into()))?,
            labels,
        }),
        Some(Target::Continuous(_)) => Err(Error::InvalidData(
            "stratification needs a classification target, but the target is continuous \
             (use k_fold, or a classification target)"
                .into(),
        )),
        None => Err(Error::InvalidData(
            "stratification needs a target, and the dataset has none".into(),
        )),
    }
}

/// Class codes per row and the labels they index.
#[derive(Clone, Copy)]
pub(crate) struct ClassCodes<'a> {
    codes: &'a [usize],
    labels: &'a [String],
}

impl ClassCodes<'_> {
    fn label(&self, code: usize) -> &str {
        self.labels.get(code).map_or("?", String::as_str)
    }
}
