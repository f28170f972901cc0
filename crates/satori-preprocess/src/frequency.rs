//! [`FrequencyEncoder`]: each category replaced by how often it occurred at fit (scikit-learn has
//! no such class; the result is what pandas' `x.map(x.value_counts(normalize=True,
//! dropna=False))` gives).
//!
//! With `normalize` (the default) the encoding is the category's share of the training rows
//! (`count / n`, or `Σ w over the category / Σ w` with sample weights); without, the (weighted)
//! count. A missing value is a category of its own when it was seen at fit. A category not seen
//! at fit encodes as 0 (it occurred in none of the training rows). Encoded columns are replaced
//! in place; other columns pass through.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Transformer};
//! use satori_preprocess::FrequencyEncoderParams;
//!
//! let schema = Schema::new(vec![ColumnSchema { name: "c".into(),
//!     kind: ColumnKind::Categorical { categories: vec!["a".into(), "b".into(), "z".into()] } }])
//!     .unwrap();
//! let x = array![[0.0], [0.0], [0.0], [1.0]];
//! let data = Dataset::with_schema(x.clone(), schema).unwrap();
//! let enc = FrequencyEncoderParams::default().fit(&data).unwrap();
//! let out = enc.transform(array![[0.0], [1.0], [2.0]].view()).unwrap();
//! assert_eq!(out.column(0).to_vec(), vec![0.75, 0.25, 0.0]);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Estimator, Params, Progress, Result, Transformer, check_features};
use serde::{Deserialize, Serialize};

use crate::categories::{FittedColumn, Found, fit_column, select_columns};
use crate::util::{check_not_empty, map_rows};

/// Parameters of a [`FrequencyEncoder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct FrequencyEncoderParams {
    /// The indices of the columns to encode, each below the number of columns and listed once.
    /// Default none: every categorical column of the schema.
    pub columns: Option<Vec<usize>>,
    /// Encode as the share of the training rows (true) or as the count of rows (false), both
    /// weighted by the sample weights when there are any. Default true.
    pub normalize: bool,
}

impl Default for FrequencyEncoderParams {
    fn default() -> Self {
        FrequencyEncoderParams {
            columns: None,
            normalize: true,
        }
    }
}

impl Params for FrequencyEncoderParams {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// A fitted [`FrequencyEncoderParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyEncoder {
    n_features_in: usize,
    /// Per input column: the index into `encoded`, or `None` for a passed-through column.
    plan: Vec<Option<usize>>,
    encoded: Vec<FittedColumn>,
    /// `frequencies[e][c]`: the encoding of category `c` of encoded column `e`.
    frequencies: Vec<Vec<f64>>,
}

impl Estimator for FrequencyEncoderParams {
    type Model = FrequencyEncoder;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<FrequencyEncoder> {
        self.validate()?;
        check_not_empty(data.n_samples(), "FrequencyEncoder")?;
        let cols = select_columns(self.columns.as_deref(), data, "columns")?;
        let x = data.x();
        let w = data.weights();
        let total = w.map_or(data.n_samples() as f64, |w| w.sum());
        let mut plan = vec![None; data.n_features()];
        let mut encoded = Vec::with_capacity(cols.len());
        let mut frequencies = Vec::with_capacity(cols.len());
        for &j in &cols {
            let fitted = fit_column(x, j, data);
            let mut sums = vec![0.0; fitted.n_categories()];
            for (i, &v) in x.column(j).iter().enumerate() {
                if let Found::Known(c) = fitted.find(v) {
                    sums[c] += w.map_or(1.0, |w| w[i]);
                }
            }
            if self.normalize {
                sums.iter_mut().for_each(|s| *s /= total);
            }
            plan[j] = Some(encoded.len());
            encoded.push(fitted);
            frequencies.push(sums);
        }
        Ok(FrequencyEncoder {
            n_features_in: data.n_features(),
            plan,
            encoded,
            frequencies,
        })
    }
}

impl FrequencyEncoder {
    /// The categories learnt for each encoded column, in column order.
    pub fn fitted_columns(&self) -> &[FittedColumn] {
        &self.encoded
    }

    /// The encoding of each category of encoded column `e`, in category order.
    pub fn frequencies(&self, e: usize) -> Option<&[f64]> {
        self.frequencies.get(e).map(Vec::as_slice)
    }
}

impl Transformer for FrequencyEncoder {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        (0..self.n_features_in)
            .map(|j| input.get(j).cloned().unwrap_or_else(|| format!("x{j}")))
            .collect()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        map_rows(x, self.n_features_in, |row, out| {
            for (j, p) in self.plan.iter().enumerate() {
                out[j] = match p {
                    None => row[j],
                    Some(e) => match self.encoded[*e].find(row[j]) {
                        Found::Known(c) => self.frequencies[*e][c],
                        Found::Unknown => 0.0,
                    },
                };
            }
        })
    }
}
