//! [`TargetEncoder`]: scikit-learn's `TargetEncoder`, replacing each category by a shrunk mean
//! of the target over the rows of that category.
//!
//! For a continuous or binary target (class code 0/1), category `c` with `n_c` rows, target mean
//! `m_c` and sum of squared deviations `s_c` encodes as
//!
//! - `smooth = auto` (empirical Bayes, scikit-learn's default): `λ m_c + (1 - λ) m` with
//!   `λ = v n_c / (v n_c + s_c / n_c)`, `m` the overall target mean and `v` its variance;
//! - `smooth = k`: `(k m + Σ y) / (k + n_c)`.
//!
//! A multiclass target is one-hot encoded and each class gets its own column per encoded column
//! (named `<column>_<class>`), in class order. Categories not seen at fit (missing included, if
//! none was seen) encode as the target mean.
//!
//! [`TargetEncoderParams::fit_transform`] encodes the *training* rows by cross-fitting, as
//! scikit-learn's `fit_transform` does: the rows are split into `cv` folds (scikit-learn's
//! `KFold` for a continuous target, `StratifiedKFold` for classes) and each fold is encoded
//! with encodings learnt on the other folds, so that a row's own target does not leak into its
//! encoding. `transform` uses the encodings learnt on all rows. With `shuffle = false` the folds
//! are scikit-learn's exactly; with `shuffle = true` they are drawn from `seed` (scikit-learn's
//! generator is not reproduced). Encoded columns are replaced in place, other columns pass
//! through. Sample weights are ignored (scikit-learn's encoder takes none).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Target, Transformer};
//! use satori_preprocess::{Smooth, TargetEncoderParams};
//!
//! let schema = Schema::new(vec![ColumnSchema { name: "c".into(),
//!     kind: ColumnKind::Categorical { categories: vec!["a".into(), "b".into()] } }]).unwrap();
//! let x = array![[0.0], [0.0], [1.0], [1.0]];
//! let data = Dataset::with_schema(x.clone(), schema).unwrap()
//!     .with_target(Target::regression(array![1.0, 3.0, 10.0, 14.0])).unwrap();
//! let params = TargetEncoderParams { smooth: Smooth::Value(2.0), cv: 2, shuffle: false,
//!     ..Default::default() };
//! let enc = params.fit(&data).unwrap();
//! // (2 · 7 + 1 + 3) / (2 + 2) = 4.5 for "a"
//! assert_eq!(enc.transform(array![[0.0]].view()).unwrap()[[0, 0]], 4.5);
//! let (_, cross_fitted) = params.fit_transform(&data).unwrap();
//! assert_eq!(cross_fitted.nrows(), 4);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::rng::{SatoriRng, shuffle, sub_rng};
use satori_core::{
    Dataset, Error, Estimator, Params, Progress, Result, Target, Transformer, check_features,
};
use serde::{Deserialize, Serialize};

use crate::categories::{FittedColumn, Found, fit_column, select_columns};
use crate::util::{check_not_empty, map_rows, pairwise_sum, pairwise_sum_by};

/// The smoothing of a [`TargetEncoder`] (scikit-learn's `smooth`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Smooth {
    /// The empirical Bayes estimate (scikit-learn's `"auto"`).
    #[default]
    Auto,
    /// A fixed weight of the overall mean, in rows: finite and at least 0.
    Value(f64),
}

/// Parameters of a [`TargetEncoder`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TargetEncoderParams {
    /// The indices of the columns to encode, each below the number of columns and listed once.
    /// Default none: every categorical column of the schema.
    pub columns: Option<Vec<usize>>,
    /// The shrinkage towards the overall mean. Default `auto`; `auto` or `{"value": k}` with a
    /// finite `k >= 0`.
    pub smooth: Smooth,
    /// The number of cross-fitting folds of `fit_transform`. Default 5; at least 2 and at most
    /// the number of rows.
    pub cv: usize,
    /// Shuffle before splitting into folds (drawn from `seed`). Default true, as scikit-learn.
    pub shuffle: bool,
    /// The seed of the fold shuffle. Default 0; any integer.
    pub seed: u64,
}

impl Default for TargetEncoderParams {
    fn default() -> Self {
        TargetEncoderParams {
            columns: None,
            smooth: Smooth::Auto,
            cv: 5,
            shuffle: true,
            seed: 0,
        }
    }
}

impl Params for TargetEncoderParams {
    fn validate(&self) -> Result<()> {
        if let Smooth::Value(k) = self.smooth
            && !(k.is_finite() && k >= 0.0)
        {
            return Err(Error::param(
                "smooth",
                format!("must be `auto` or a finite number >= 0, got {k}"),
            ));
        }
        if self.cv < 2 {
            return Err(Error::param(
                "cv",
                format!("must be at least 2 folds, got {}", self.cv),
            ));
        }
        Ok(())
    }
}

/// A fitted [`TargetEncoderParams`]: an encoding per category (per class for multiclass).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetEncoder {
    n_features_in: usize,
    /// Per input column: the index into `encoded`, or `None` for a passed-through column.
    plan: Vec<Option<usize>>,
    encoded: Vec<FittedColumn>,
    /// Class labels of a multiclass target (one output per class); empty otherwise.
    classes: Vec<String>,
    /// The target mean per output (one, or one per class).
    target_mean: Vec<f64>,
    /// `encodings[e][t][c]`: encoded column `e`, target output `t`, category `c`.
    encodings: Vec<Vec<Vec<f64>>>,
}

/// The target as the columns scikit-learn encodes: `y` itself, the 0/1 code, or one 0/1 column
/// per class; with the class labels of a multiclass target.
fn target_columns(target: &Target) -> Result<(Vec<Vec<f64>>, Vec<String>)> {
    Ok(match target {
        Target::Continuous(y) => (vec![y.to_vec()], Vec::new()),
        Target::Classes { codes, labels } if labels.len() <= 2 => {
            (vec![codes.iter().map(|&c| c as f64).collect()], Vec::new())
        }
        Target::Classes { codes, labels } => {
            let cols = (0..labels.len())
                .map(|k| codes.iter().map(|&c| f64::from(u8::from(c == k))).collect())
                .collect();
            (cols, labels.clone())
        }
    })
}

/// `np.var(y)`: pairwise sums of the deviations from the pairwise mean.
fn variance(y: &[f64]) -> f64 {
    let mean = pairwise_sum(y) / y.len() as f64;
    pairwise_sum_by(0, y.len(), &|i| (y[i] - mean) * (y[i] - mean)) / y.len() as f64
}

impl TargetEncoderParams {
    /// The encodings of one column's category indices (`None`: not a fitted category) learnt
    /// from the rows `rows`, for target column `y` with mean `mean`.
    fn encode(&self, cats: &[Option<usize>], n_cats: usize, y: &[f64], rows: &[usize]) -> Vec<f64> {
        let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        let mean = pairwise_sum(&ys) / ys.len() as f64;
        if let Smooth::Value(k) = self.smooth {
            // scikit-learn starts each category's sum at k·mean and its count at k.
            let mut sums = vec![k * mean; n_cats];
            let mut counts = vec![k; n_cats];
            for &i in rows {
                if let Some(c) = cats[i] {
                    sums[c] += y[i];
                    counts[c] += 1.0;
                }
            }
            return (0..n_cats)
                .map(|c| {
                    if counts[c] == 0.0 {
                        mean
                    } else {
                        sums[c] / counts[c]
                    }
                })
                .collect();
        }
        let mut sums = vec![0.0; n_cats];
        let mut counts = vec![0usize; n_cats];
        for &i in rows {
            if let Some(c) = cats[i] {
                sums[c] += y[i];
                counts[c] += 1;
            }
        }
        // smooth = auto: scikit-learn's `_fit_encoding_fast_auto_smooth`.
        let var = variance(&ys);
        let means: Vec<f64> = (0..n_cats).map(|c| sums[c] / counts[c] as f64).collect();
        let mut ssd = vec![0.0; n_cats];
        for &i in rows {
            if let Some(c) = cats[i] {
                let d = y[i] - means[c];
                ssd[c] += d * d;
            }
        }
        (0..n_cats)
            .map(|c| {
                let n = counts[c] as f64;
                let lambda = var * n / (var * n + ssd[c] / n);
                if lambda.is_nan() {
                    mean
                } else {
                    lambda * means[c] + (1.0 - lambda) * mean
                }
            })
            .collect()
    }

    /// The fitted columns, their category index per row, the target columns and the class
    /// labels (multiclass only).
    #[allow(clippy::type_complexity)] // internal: the four parts of a fit, named above
    fn prepare(
        &self,
        data: &Dataset,
    ) -> Result<(
        Vec<FittedColumn>,
        Vec<Vec<Option<usize>>>,
        Vec<Vec<f64>>,
        Vec<String>,
    )> {
        self.validate()?;
        check_not_empty(data.n_samples(), "TargetEncoder")?;
        let target = data.require_target()?;
        let (ys, classes) = target_columns(target)?;
        let cols = select_columns(self.columns.as_deref(), data, "columns")?;
        let fitted: Vec<FittedColumn> = cols
            .iter()
            .map(|&j| fit_column(data.x(), j, data))
            .collect();
        let codes = fitted
            .iter()
            .map(|f| {
                data.x()
                    .column(f.column)
                    .iter()
                    .map(|&v| match f.find(v) {
                        Found::Known(c) => Some(c),
                        Found::Unknown => None,
                    })
                    .collect()
            })
            .collect();
        Ok((fitted, codes, ys, classes))
    }

    /// Encode `data`'s training rows by cross-fitting (see the module documentation), and
    /// return the encoder fitted on all rows with them.
    pub fn fit_transform(&self, data: &Dataset) -> Result<(TargetEncoder, Array2<f64>)> {
        let model = self.fit(data)?;
        let (fitted, codes, ys, _) = self.prepare(data)?;
        let n = data.n_samples();
        let folds = self.folds(data.require_target()?, n)?;
        let n_out = model.n_features_out();
        let x = data.x();
        let mut out = Array2::zeros((n, n_out));
        let all: Vec<usize> = (0..n).collect();
        for test in &folds {
            let mut in_test = vec![false; n];
            test.iter().for_each(|&i| in_test[i] = true);
            let train: Vec<usize> = all.iter().copied().filter(|&i| !in_test[i]).collect();
            let enc: Vec<Vec<Vec<f64>>> = fitted
                .iter()
                .zip(&codes)
                .map(|(f, c)| {
                    ys.iter()
                        .map(|y| self.encode(c, f.n_categories(), y, &train))
                        .collect()
                })
                .collect();
            for &i in test {
                let mut at = 0;
                for (j, p) in model.plan.iter().enumerate() {
                    match p {
                        None => {
                            out[[i, at]] = x[[i, j]];
                            at += 1;
                        }
                        Some(e) => {
                            for e_t in &enc[*e] {
                                // Every training value is a fitted category.
                                out[[i, at]] = codes[*e][i].map_or(f64::NAN, |c| e_t[c]);
                                at += 1;
                            }
                        }
                    }
                }
            }
        }
        Ok((model, out))
    }

    /// The test folds: scikit-learn's `KFold` (continuous) or `StratifiedKFold` (classes).
    fn folds(&self, target: &Target, n: usize) -> Result<Vec<Vec<usize>>> {
        let k = self.cv;
        if k > n {
            return Err(Error::NotEnoughSamples {
                context: format!("{k}-fold cross-fitting in TargetEncoder.fit_transform"),
                needed: k,
                got: n,
            });
        }
        let mut rng = sub_rng(self.seed, 0);
        match target {
            Target::Continuous(_) => {
                let mut order: Vec<usize> = (0..n).collect();
                if self.shuffle {
                    shuffle(&mut order, &mut rng);
                }
                let mut folds = Vec::with_capacity(k);
                let mut start = 0;
                for f in 0..k {
                    let size = n / k + usize::from(f < n % k);
                    folds.push(order[start..start + size].to_vec());
                    start += size;
                }
                Ok(folds)
            }
            Target::Classes { codes, .. } => self.stratified_folds(&codes.to_vec(), n, &mut rng),
        }
    }

    /// scikit-learn's `StratifiedKFold` test folds of the `n` class codes `codes`.
    fn stratified_folds(
        &self,
        codes: &[usize],
        n: usize,
        rng: &mut SatoriRng,
    ) -> Result<Vec<Vec<usize>>> {
        let k = self.cv;
        // Classes in order of first appearance, as StratifiedKFold encodes them.
        let mut first: Vec<(usize, usize)> = Vec::new();
        for (i, &c) in codes.iter().enumerate() {
            if !first.iter().any(|&(code, _)| code == c) {
                first.push((c, i));
            }
        }
        let n_classes = first.len();
        let enc = |c: usize| first.iter().position(|&(code, _)| code == c).unwrap_or(0);
        let y: Vec<usize> = codes.iter().map(|&c| enc(c)).collect();
        let mut counts = vec![0usize; n_classes];
        y.iter().for_each(|&c| counts[c] += 1);
        if counts.iter().all(|&c| k > c) {
            return Err(Error::NotEnoughSamples {
                context: format!(
                    "{k}-fold stratified cross-fitting in TargetEncoder.fit_transform \
                     (rows of the largest class)"
                ),
                needed: k,
                got: counts.iter().copied().max().unwrap_or(0),
            });
        }
        let mut sorted = y.clone();
        sorted.sort_unstable();
        // allocation[c][f]: rows of class c in fold f (bincount of sorted[f::k]).
        let mut allocation = vec![vec![0usize; k]; n_classes];
        for (i, &c) in sorted.iter().enumerate() {
            allocation[c][i % k] += 1;
        }
        let mut test_fold = vec![0usize; n];
        for (c, per_fold) in allocation.iter().enumerate() {
            let mut fold_of: Vec<usize> = per_fold
                .iter()
                .enumerate()
                .flat_map(|(f, &m)| std::iter::repeat_n(f, m))
                .collect();
            if self.shuffle {
                shuffle(&mut fold_of, rng);
            }
            let rows = (0..n).filter(|&i| y[i] == c);
            for (i, f) in rows.zip(fold_of) {
                test_fold[i] = f;
            }
        }
        Ok((0..k)
            .map(|f| (0..n).filter(|&i| test_fold[i] == f).collect())
            .collect())
    }
}

impl Estimator for TargetEncoderParams {
    type Model = TargetEncoder;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<TargetEncoder> {
        let (fitted, codes, ys, classes) = self.prepare(data)?;
        let all: Vec<usize> = (0..data.n_samples()).collect();
        let target_mean = ys
            .iter()
            .map(|y| pairwise_sum(y) / y.len() as f64)
            .collect();
        let encodings = fitted
            .iter()
            .zip(&codes)
            .map(|(f, c)| {
                ys.iter()
                    .map(|y| self.encode(c, f.n_categories(), y, &all))
                    .collect()
            })
            .collect();
        let mut plan = vec![None; data.n_features()];
        for (e, f) in fitted.iter().enumerate() {
            plan[f.column] = Some(e);
        }
        Ok(TargetEncoder {
            n_features_in: data.n_features(),
            plan,
            encoded: fitted,
            classes,
            target_mean,
            encodings,
        })
    }
}

impl TargetEncoder {
    /// The categories learnt for each encoded column, in column order.
    pub fn fitted_columns(&self) -> &[FittedColumn] {
        &self.encoded
    }

    /// The target mean (one per class for a multiclass target).
    pub fn target_mean(&self) -> &[f64] {
        &self.target_mean
    }

    /// The encodings of encoded column `e`: one list per target output, one value per category.
    pub fn encodings(&self, e: usize) -> Option<&[Vec<f64>]> {
        self.encodings.get(e).map(Vec::as_slice)
    }

    /// The number of output columns.
    pub fn n_features_out(&self) -> usize {
        let per = self.target_mean.len();
        self.plan
            .iter()
            .map(|p| if p.is_some() { per } else { 1 })
            .sum()
    }
}

impl Transformer for TargetEncoder {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_features_out());
        for (j, p) in self.plan.iter().enumerate() {
            let name = input.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
            if p.is_some() && !self.classes.is_empty() {
                names.extend(self.classes.iter().map(|c| format!("{name}_{c}")));
            } else {
                names.push(name);
            }
        }
        names
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        map_rows(x, self.n_features_out(), |row, out| {
            let mut at = 0;
            for (j, p) in self.plan.iter().enumerate() {
                match p {
                    None => {
                        out[at] = row[j];
                        at += 1;
                    }
                    Some(e) => {
                        let found = self.encoded[*e].find(row[j]);
                        for (t, enc) in self.encodings[*e].iter().enumerate() {
                            out[at] = match found {
                                Found::Known(c) => enc[c],
                                Found::Unknown => self.target_mean[t],
                            };
                            at += 1;
                        }
                    }
                }
            }
        })
    }
}
