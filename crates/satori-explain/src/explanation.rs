//! The types every explainer shares: what to explain ([`ExplainParams`], [`Method`], [`RowRange`])
//! and the result ([`Explanation`]): per-row, per-input-column contributions in the model's raw
//! output space, with the base value, such that `base + Σ φ = raw prediction` for every row and
//! output.

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, Array3, Axis};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// How contributions are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The best exact method the model allows: tree SHAP for tree models, linear SHAP for linear
    /// models, otherwise the permutation explainer.
    Auto,
    /// Exact path-dependent TreeSHAP (or interventional, with a background set).
    Tree,
    /// Exact SHAP of a linear model (features independent, against the background mean).
    Linear,
    /// KernelSHAP: weighted linear regression on coalitions, for any model.
    Kernel,
    /// The permutation (sampling) explainer, for any model.
    Permutation,
    /// LIME: a local linear surrogate on discretised, perturbed rows.
    Lime,
}

impl Method {
    /// Every method, in the order `--help` lists them.
    pub const ALL: [Method; 6] = [
        Method::Auto,
        Method::Tree,
        Method::Linear,
        Method::Kernel,
        Method::Permutation,
        Method::Lime,
    ];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Tree => "tree",
            Method::Linear => "linear",
            Method::Kernel => "kernel",
            Method::Permutation => "permutation",
            Method::Lime => "lime",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
                Error::param(
                    "--method",
                    format!("unknown method `{s}`; expected one of {}", names.join(", ")),
                )
            })
    }
}

/// A half-open range of row indices, written `start:end` (either side may be left out: `:100`,
/// `5:`, `:`), or a single row `7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowRange {
    /// First row (0-based).
    pub start: usize,
    /// One past the last row; `None` means the end of the data.
    pub end: Option<usize>,
}

impl RowRange {
    /// The rows this range selects from data of `n_rows` rows; a range outside the data is an
    /// error naming both.
    pub fn resolve(&self, n_rows: usize) -> Result<std::ops::Range<usize>> {
        let end = self.end.unwrap_or(n_rows);
        if self.start >= end {
            return Err(Error::param("--rows", format!("{self} selects no rows")));
        }
        if end > n_rows {
            return Err(Error::param(
                "--rows",
                format!("{self} is outside the data, which has {n_rows} rows (0:{n_rows})"),
            ));
        }
        Ok(self.start..end)
    }
}

impl fmt::Display for RowRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(end) => write!(f, "{}:{end}", self.start),
            None => write!(f, "{}:", self.start),
        }
    }
}

impl FromStr for RowRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::param(
                "--rows",
                format!(
                    "`{s}` is not a row range; write START:END (0-based, END excluded) or one row"
                ),
            )
        };
        let num = |t: &str| -> Result<Option<usize>> {
            let t = t.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<usize>().map(Some).map_err(|_| bad())
            }
        };
        match s.split_once(':') {
            Some((a, b)) => Ok(RowRange {
                start: num(a)?.unwrap_or(0),
                end: num(b)?,
            }),
            None => {
                let row = num(s)?.ok_or_else(bad)?;
                Ok(RowRange {
                    start: row,
                    end: Some(row + 1),
                })
            }
        }
    }
}

/// What to explain and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExplainParams {
    /// The method (`auto` picks the best exact one the model allows).
    pub method: Method,
    /// The rows of the data to explain (all by default).
    pub rows: RowRange,
    /// Rows drawn from the background data (for interventional TreeSHAP, KernelSHAP, the
    /// permutation explainer and LIME's statistics); `None` uses every background row.
    pub background_size: Option<usize>,
    /// Model evaluations per explained row for the sampling methods (KernelSHAP, permutation,
    /// LIME); `None` lets the method choose and state it.
    pub n_evaluations: Option<usize>,
    /// Also compute SHAP interaction values (TreeSHAP only).
    pub interactions: bool,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for ExplainParams {
    fn default() -> Self {
        ExplainParams {
            method: Method::Auto,
            rows: RowRange::default(),
            background_size: None,
            n_evaluations: None,
            interactions: false,
            seed: 0,
        }
    }
}

/// The space the contributions add up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputSpace {
    /// A regression model's prediction.
    Value,
    /// Log-odds (binary) or per-class raw scores before the softmax (multiclass) — the margin of
    /// boosting and logistic models, and what `shap` reports for them by default.
    Margin,
    /// Class probabilities (models whose raw output is a probability: forests, trees).
    Probability,
}

/// Per-row, per-input-column contributions.
///
/// `values[[i, j, k]]` is column `j`'s contribution to output `k` of row `rows[i]`; for every row
/// and output, `base_values[k] + Σ_j values[[i, j, k]] == raw_predictions[[i, k]]` up to rounding
/// ([`Explanation::additivity_error`]). Columns are the columns the user gave, in the model's
/// input order: contributions of derived features (one-hot indicators, text terms, dates) are
/// summed back to the column they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// How the values were computed (never `Auto`: the method `auto` chose).
    pub method: Method,
    /// The input columns.
    pub columns: Vec<String>,
    /// One name per output: `value` for regression, the positive class for binary models, one
    /// class name per class for multiclass models.
    pub outputs: Vec<String>,
    /// The space the values add up in.
    pub output_space: OutputSpace,
    /// The explained rows' indices in the data given.
    pub rows: Vec<usize>,
    /// The expected raw output over the background (or the training cover): one per output.
    pub base_values: Vec<f64>,
    /// Contributions, shape (rows, columns, outputs).
    pub values: Array3<f64>,
    /// The model's raw outputs for the explained rows, shape (rows, outputs).
    pub raw_predictions: Array2<f64>,
    /// The explained rows' input values, shape (rows, columns): numbers as read, category codes
    /// for categorical columns, `NaN` for missing values and text columns. The pictures colour by
    /// them.
    pub data: Array2<f64>,
    /// SHAP interaction values, shape (rows, columns, columns, outputs), when asked for.
    pub interactions: Option<ndarray::Array4<f64>>,
    /// Model evaluations the method spent per row (sampling methods), for the record.
    pub n_evaluations: Option<usize>,
}

impl Explanation {
    /// The largest `|base + Σ φ − raw prediction|` over rows and outputs.
    pub fn additivity_error(&self) -> f64 {
        let sums = self.values.sum_axis(Axis(1));
        let mut worst = 0.0_f64;
        for ((i, k), s) in sums.indexed_iter() {
            let err = (self.base_values[k] + s - self.raw_predictions[[i, k]]).abs();
            worst = worst.max(err);
        }
        worst
    }

    /// Mean absolute contribution of each column to output `k` (the bar chart of a SHAP
    /// summary), in column order.
    pub fn mean_abs(&self, k: usize) -> Vec<f64> {
        let n = self.values.shape()[0].max(1) as f64;
        (0..self.columns.len())
            .map(|j| {
                self.values
                    .index_axis(Axis(1), j)
                    .column(k)
                    .iter()
                    .map(|v| v.abs())
                    .sum::<f64>()
                    / n
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn row_ranges_parse_and_resolve() {
        let r: RowRange = "0:100".parse().unwrap();
        assert_eq!(r.resolve(500).unwrap(), 0..100);
        assert_eq!("5:".parse::<RowRange>().unwrap().resolve(8).unwrap(), 5..8);
        assert_eq!(":3".parse::<RowRange>().unwrap().resolve(8).unwrap(), 0..3);
        assert_eq!("7".parse::<RowRange>().unwrap().resolve(8).unwrap(), 7..8);
        let e = "0:100"
            .parse::<RowRange>()
            .unwrap()
            .resolve(50)
            .unwrap_err();
        assert!(e.to_string().contains("50 rows"), "{e}");
        assert!("a:b".parse::<RowRange>().is_err());
        assert!("3:3".parse::<RowRange>().unwrap().resolve(5).is_err());
        assert!("9".parse::<RowRange>().unwrap().resolve(5).is_err());
    }

    #[test]
    fn methods_parse_by_name() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
        }
        let e = "treeshap".parse::<Method>().unwrap_err();
        assert!(e.to_string().contains("tree, linear"), "{e}");
    }

    #[test]
    fn additivity_and_mean_abs() {
        let e = Explanation {
            method: Method::Tree,
            columns: vec!["a".into(), "b".into()],
            outputs: vec!["value".into()],
            output_space: OutputSpace::Value,
            rows: vec![0, 1],
            base_values: vec![1.0],
            values: Array3::from_shape_vec((2, 2, 1), vec![0.5, -0.25, -1.0, 2.0]).unwrap(),
            raw_predictions: array![[1.25], [2.0]],
            data: array![[0.0, 1.0], [1.0, 0.0]],
            interactions: None,
            n_evaluations: None,
        };
        assert_eq!(e.additivity_error(), 0.0);
        assert_eq!(e.mean_abs(0), vec![0.75, 1.125]);
    }
}
