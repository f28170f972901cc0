//! [`OrdinalEncoder`]: scikit-learn's `OrdinalEncoder` on chosen columns, with the other columns
//! passed through.
//!
//! Each encoded column is replaced, in place, by the index of its value among the categories
//! seen at fit (ascending: for a categorical column, the rank of the code among the codes seen).
//! A missing value stays NaN (scikit-learn's default `encoded_missing_value=np.nan`) when missing
//! values were seen at fit. A value not seen at fit is an
//! [`satori_core::Error::UnknownCategory`] with `handle_unknown = "error"`, and `unknown_value`
//! with `use_encoded_value`; as in scikit-learn, that includes a missing value in a column that
//! had none at fit. Sample weights are ignored.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Transformer};
//! use satori_preprocess::{OrdinalEncoderParams, OrdinalUnknown};
//!
//! let schema = Schema::new(vec![ColumnSchema { name: "c".into(),
//!     kind: ColumnKind::Categorical { categories: vec!["a".into(), "b".into(), "z".into()] } }])
//!     .unwrap();
//! let x = array![[0.0], [2.0], [f64::NAN]];
//! let data = Dataset::with_schema(x.clone(), schema).unwrap();
//! let params = OrdinalEncoderParams {
//!     handle_unknown: OrdinalUnknown::UseEncodedValue,
//!     unknown_value: Some(-1.0),
//!     ..Default::default()
//! };
//! let enc = params.fit(&data).unwrap();
//! let out = enc.transform(array![[2.0], [1.0], [f64::NAN]].view()).unwrap();
//! assert_eq!(out[[0, 0]], 1.0); // "z" is the second category seen
//! assert_eq!(out[[1, 0]], -1.0); // "b" was not seen at fit
//! assert!(out[[2, 0]].is_nan());
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use serde::{Deserialize, Serialize};

use crate::categories::{FittedColumn, Found, fit_column, select_columns};
use crate::util::{check_not_empty, map_rows};

/// What [`OrdinalEncoder`] does with a category not seen at fit (scikit-learn's
/// `handle_unknown`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrdinalUnknown {
    /// Fail with [`satori_core::Error::UnknownCategory`].
    #[default]
    Error,
    /// Encode as `unknown_value`.
    UseEncodedValue,
}

/// Parameters of an [`OrdinalEncoder`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct OrdinalEncoderParams {
    /// The indices of the columns to encode, each below the number of columns and listed once.
    /// Default none: every categorical column of the schema.
    pub columns: Option<Vec<usize>>,
    /// What to do with categories not seen at fit. Default `error`; `error` or
    /// `use_encoded_value`.
    pub handle_unknown: OrdinalUnknown,
    /// The code of unknown categories under `use_encoded_value`: a whole number that is not the
    /// code of a fitted category (negative, or at least the number of categories). Default none,
    /// which there means NaN (scikit-learn's `np.nan`; JSON has no NaN to write). Must be unset
    /// with `error`.
    pub unknown_value: Option<f64>,
}

impl Params for OrdinalEncoderParams {
    fn validate(&self) -> Result<()> {
        match (self.handle_unknown, self.unknown_value) {
            (OrdinalUnknown::Error, Some(v)) => Err(Error::param(
                "unknown_value",
                format!(
                    "is only used with handle_unknown = \"use_encoded_value\"; remove it or set \
                     that (got {v})"
                ),
            )),
            (OrdinalUnknown::UseEncodedValue, Some(v)) if !(v.is_finite() && v.fract() == 0.0) => {
                Err(Error::param(
                    "unknown_value",
                    format!("must be a whole number (or unset for NaN), got {v}"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A fitted [`OrdinalEncoderParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalEncoder {
    n_features_in: usize,
    handle_unknown: OrdinalUnknown,
    #[serde(with = "crate::serde_nan::scalar")]
    unknown_value: f64,
    /// Per input column: the index into `encoded`, or `None` for a passed-through column.
    plan: Vec<Option<usize>>,
    encoded: Vec<FittedColumn>,
}

impl Estimator for OrdinalEncoderParams {
    type Model = OrdinalEncoder;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<OrdinalEncoder> {
        self.validate()?;
        check_not_empty(data.n_samples(), "OrdinalEncoder")?;
        let cols = select_columns(self.columns.as_deref(), data, "columns")?;
        let mut plan = vec![None; data.n_features()];
        let mut encoded = Vec::with_capacity(cols.len());
        for &j in &cols {
            let fitted = fit_column(data.x(), j, data);
            if let Some(v) = self.unknown_value
                && v >= 0.0
                && v < fitted.values.len() as f64
            {
                return Err(Error::param(
                    "unknown_value",
                    format!(
                        "{v} is the code of a category seen at fit in column `{}` (codes 0 to \
                         {}); use a negative number or at least {}",
                        fitted.name,
                        fitted.values.len() - 1,
                        fitted.values.len()
                    ),
                ));
            }
            plan[j] = Some(encoded.len());
            encoded.push(fitted);
        }
        Ok(OrdinalEncoder {
            n_features_in: data.n_features(),
            handle_unknown: self.handle_unknown,
            unknown_value: self.unknown_value.unwrap_or(f64::NAN),
            plan,
            encoded,
        })
    }
}

impl OrdinalEncoder {
    /// The categories learnt for each encoded column, in column order.
    pub fn fitted_columns(&self) -> &[FittedColumn] {
        &self.encoded
    }

    fn code(&self, f: &FittedColumn, v: f64) -> f64 {
        match f.find(v) {
            Found::Known(i) if i < f.values.len() => i as f64,
            Found::Known(_) => f64::NAN, // the missing category stays missing
            Found::Unknown => self.unknown_value,
        }
    }
}

impl Transformer for OrdinalEncoder {
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
        if self.handle_unknown == OrdinalUnknown::Error {
            for f in &self.encoded {
                let col = x.column(f.column);
                if let Some(&v) = col.iter().find(|&&v| f.find(v) == Found::Unknown) {
                    return Err(f.unknown(v));
                }
            }
        }
        map_rows(x, self.n_features_in, |row, out| {
            for (j, p) in self.plan.iter().enumerate() {
                out[j] = match p {
                    None => row[j],
                    Some(e) => self.code(&self.encoded[*e], row[j]),
                };
            }
        })
    }
}
