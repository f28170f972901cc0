//! Feature hashing: [`murmurhash3_32`] (scikit-learn's `murmurhash3_32` with `positive=False`)
//! and [`FeatureHasherParams`] → [`FeatureHasher`], scikit-learn's `FeatureHasher` with
//! `input_type="string"` on `column=value` tokens.
//!
//! Each token is hashed with signed 32-bit MurmurHash3 (seed 0) of its UTF-8 bytes; its column
//! is `|h| mod n_features` (`h = −2³¹` maps as scikit-learn maps it) and, with `alternate_sign`,
//! its value is `+1` for `h ≥ 0` and `−1` otherwise; values landing in the same column add up.
//! The column indices and signs are exactly scikit-learn's.
//!
//! **In a pipeline** the hasher is a transformer over the feature matrix: the hashed columns
//! (by default every categorical column of the schema) are replaced by `n_features` columns
//! `hash0`, `hash1`, … placed after the other columns, which pass through unchanged. A row's
//! token for a column is `name=value`, where `value` is the category label of a categorical
//! column's code, the integer for a whole number (`age=30`), and Rust's shortest
//! representation otherwise (`x=0.5`); NaN (missing) adds no token. Unknown values hash like any
//! other: hashing never fails at transform time.
//!
//! **`n_features` defaults to 1024** (2¹⁰), not scikit-learn's 2²⁰: the pipeline's output is
//! dense, and 2²⁰ columns would take 8 MiB per row. Collisions grow as the number of distinct
//! tokens approaches `n_features`; raise it for high-cardinality columns, or use the sparse
//! [`FeatureHasherParams::transform_strings`] / [`FeatureHasher::transform_csr`].
//!
//! ```
//! use satori_features::{FeatureHasherParams, murmurhash3_32};
//!
//! assert_eq!(murmurhash3_32(b"foo", 0), -156908512);
//! let hasher = FeatureHasherParams { n_features: 16, ..Default::default() };
//! let x = hasher
//!     .transform_strings(&[vec!["color=red".to_string(), "size=L".to_string()], vec![]])
//!     .unwrap();
//! assert_eq!(x.shape(), (2, 16));
//! assert_eq!(x.outer_view(0).unwrap().nnz(), 2);
//! ```

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};
use satori_core::{
    ColumnKind, Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use crate::sparse::csr_from_parts;

/// MurmurHash3 x86 32-bit of `key` with `seed`, as a signed integer (scikit-learn's
/// `murmurhash3_32(key, seed, positive=False)` on the UTF-8 bytes of a string).
pub fn murmurhash3_32(key: &[u8], seed: u32) -> i32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = key.chunks_exact(4);
    for b in &mut blocks {
        let mut k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &byte) in tail.iter().enumerate() {
            k ^= u32::from(byte) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= key.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

/// The column and sign of a token, as scikit-learn's `_hashing_fast.transform`.
pub(crate) fn hash_token(token: &str, n_features: usize, alternate_sign: bool) -> (usize, f64) {
    let h = murmurhash3_32(token.as_bytes(), 0);
    let n = n_features.max(1) as u64;
    let index = if h == i32::MIN {
        ((i32::MAX as u64) - (n - 1)) % n
    } else {
        u64::from(h.unsigned_abs()) % n
    };
    let sign = if alternate_sign && h < 0 { -1.0 } else { 1.0 };
    (index as usize, sign)
}

/// One CSR row of hashed tokens: duplicate columns summed (a zero sum is kept as an explicit
/// entry, as scikit-learn's `sum_duplicates` keeps it).
pub(crate) fn hashed_row<'a>(
    tokens: impl IntoIterator<Item = &'a str>,
    n_features: usize,
    alternate_sign: bool,
) -> BTreeMap<usize, f64> {
    let mut row = BTreeMap::new();
    for t in tokens {
        let (j, v) = hash_token(t, n_features, alternate_sign);
        *row.entry(j).or_insert(0.0) += v;
    }
    row
}

pub(crate) fn check_n_features(n_features: usize) -> Result<()> {
    if n_features == 0 || n_features > i32::MAX as usize {
        return Err(Error::param(
            "n_features",
            format!("must be in [1, 2147483647], got {n_features}"),
        ));
    }
    Ok(())
}

/// Parameters of [`FeatureHasher`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct FeatureHasherParams {
    /// The number of output columns, 1 to 2³¹ − 1. Default 1024 (scikit-learn's 2²⁰ is too wide
    /// for dense output; see the module documentation).
    pub n_features: usize,
    /// Give tokens with a negative hash the value −1, so that collisions cancel on average.
    /// Default `true`.
    pub alternate_sign: bool,
    /// The columns to hash, by name; empty (the default) hashes every categorical column.
    pub columns: Vec<String>,
}

impl Default for FeatureHasherParams {
    fn default() -> Self {
        FeatureHasherParams {
            n_features: 1024,
            alternate_sign: true,
            columns: Vec::new(),
        }
    }
}

impl Params for FeatureHasherParams {
    fn validate(&self) -> Result<()> {
        check_n_features(self.n_features)
    }
}

impl FeatureHasherParams {
    /// scikit-learn's `FeatureHasher(input_type="string").transform`: one row per sample, each
    /// token counted with its sign (`n_samples × n_features`, CSR).
    pub fn transform_strings<S: AsRef<str>>(&self, samples: &[Vec<S>]) -> Result<CsMat<f64>> {
        self.validate()?;
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for sample in samples {
            let row = hashed_row(
                sample.iter().map(AsRef::as_ref),
                self.n_features,
                self.alternate_sign,
            );
            for (j, v) in row {
                indices.push(j);
                data.push(v);
            }
            indptr.push(indices.len());
        }
        csr_from_parts((samples.len(), self.n_features), indptr, indices, data)
    }
}

impl Estimator for FeatureHasherParams {
    type Model = FeatureHasher;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<FeatureHasher> {
        self.validate()?;
        let schema = data.features();
        let names = data.feature_names();
        let hashed: Vec<usize> = if self.columns.is_empty() {
            (0..names.len())
                .filter(|&j| {
                    schema
                        .get(&names[j])
                        .is_some_and(|c| matches!(c.kind, ColumnKind::Categorical { .. }))
                })
                .collect()
        } else {
            self.columns
                .iter()
                .map(|c| schema.require(c, "the columns to hash"))
                .collect::<Result<_>>()?
        };
        if hashed.is_empty() {
            return Err(Error::InvalidData(
                "FeatureHasher found no categorical column to hash: name the columns with \
                 `columns`"
                    .into(),
            ));
        }
        let categories = hashed
            .iter()
            .map(|&j| {
                schema
                    .get(&names[j])
                    .and_then(|c| c.kind.categories().map(<[String]>::to_vec))
            })
            .collect();
        Ok(FeatureHasher {
            n_features: self.n_features,
            alternate_sign: self.alternate_sign,
            input_names: names,
            hashed,
            categories,
        })
    }
}

/// A fitted feature hasher: which columns it hashes, with their names and category labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureHasher {
    n_features: usize,
    alternate_sign: bool,
    input_names: Vec<String>,
    hashed: Vec<usize>,
    categories: Vec<Option<Vec<String>>>,
}

/// A value as hashed: a category label, a whole number, or Rust's shortest representation.
fn value_text(v: f64, categories: Option<&[String]>) -> String {
    if let Some(cats) = categories
        && v >= 0.0
        && v.fract() == 0.0
        && let Some(label) = cats.get(v as usize)
    {
        return label.clone();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl FeatureHasher {
    /// The indices of the hashed input columns.
    pub fn hashed_columns(&self) -> &[usize] {
        &self.hashed
    }

    /// The `column=value` tokens of one row.
    fn tokens(&self, row: ndarray::ArrayView1<'_, f64>) -> Vec<String> {
        self.hashed
            .iter()
            .zip(&self.categories)
            .filter(|&(&j, _)| !row[j].is_nan())
            .map(|(&j, cats)| {
                format!(
                    "{}={}",
                    self.input_names[j],
                    value_text(row[j], cats.as_deref())
                )
            })
            .collect()
    }

    fn passthrough(&self) -> Vec<usize> {
        (0..self.input_names.len())
            .filter(|j| !self.hashed.contains(j))
            .collect()
    }

    /// The output as a sparse matrix: the passed-through columns, then the hashed block.
    pub fn transform_csr(&self, x: ArrayView2<'_, f64>) -> Result<CsMat<f64>> {
        check_features(x, self.input_names.len())?;
        let keep = self.passthrough();
        let width = keep.len() + self.n_features;
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for row in x.rows() {
            for (k, &j) in keep.iter().enumerate() {
                if row[j] != 0.0 {
                    indices.push(k);
                    data.push(row[j]);
                }
            }
            let tokens = self.tokens(row);
            for (j, v) in hashed_row(
                tokens.iter().map(String::as_str),
                self.n_features,
                self.alternate_sign,
            ) {
                indices.push(keep.len() + j);
                data.push(v);
            }
            indptr.push(indices.len());
        }
        csr_from_parts((x.nrows(), width), indptr, indices, data)
    }
}

impl Transformer for FeatureHasher {
    fn n_features_in(&self) -> usize {
        self.input_names.len()
    }

    /// The passed-through input names, then `hash0` … `hash{n_features − 1}`.
    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .passthrough()
            .into_iter()
            .map(|j| {
                input
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| self.input_names[j].clone())
            })
            .collect();
        out.extend((0..self.n_features).map(|i| format!("hash{i}")));
        out
    }

    /// Dense output: the passed-through columns (NaN kept), then the hashed block.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.input_names.len())?;
        let keep = self.passthrough();
        let mut out = Array2::<f64>::zeros((x.nrows(), keep.len() + self.n_features));
        for (i, row) in x.rows().into_iter().enumerate() {
            for (k, &j) in keep.iter().enumerate() {
                out[[i, k]] = row[j];
            }
            let tokens = self.tokens(row);
            for (j, v) in hashed_row(
                tokens.iter().map(String::as_str),
                self.n_features,
                self.alternate_sign,
            ) {
                out[[i, keep.len() + j]] = v;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_matches_reference_values() {
        // Values of sklearn.utils.murmurhash3_32 (positive=False).
        assert_eq!(murmurhash3_32(b"foo", 0), -156908512);
        assert_eq!(murmurhash3_32(b"", 0), 0);
    }
}
