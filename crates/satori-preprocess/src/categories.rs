//! What the encoders share: choosing the columns to encode, learning each column's categories
//! (scikit-learn's `categories="auto"`), finding a value among them, and naming categories.

use ndarray::ArrayView2;
use satori_core::{ColumnKind, Dataset, Error, Result};
use serde::{Deserialize, Serialize};

/// The categories one column had at fit: its distinct non-missing values in ascending order (for
/// a categorical column, the codes, so the schema's order), and whether missing (NaN) was seen,
/// which then counts as one more category after the others, as in scikit-learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumn {
    /// The input column's index.
    pub column: usize,
    /// The input column's name at fit.
    pub name: String,
    /// The category labels of a categorical column (the schema's list); empty for other kinds,
    /// whose categories are named by their value.
    pub labels: Vec<String>,
    /// The distinct non-missing values seen at fit, ascending.
    pub values: Vec<f64>,
    /// Whether a missing value was seen at fit (the last category).
    pub has_missing: bool,
    /// Rows per category at fit, in category order (the missing category last).
    pub counts: Vec<usize>,
}

/// Where a value falls among a column's fitted categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// The category at this index (the missing category is `values.len()`).
    Known(usize),
    /// Not seen at fit.
    Unknown,
}

impl FittedColumn {
    /// The number of categories, the missing one included.
    pub fn n_categories(&self) -> usize {
        self.values.len() + usize::from(self.has_missing)
    }

    /// The category of `v`.
    pub(crate) fn find(&self, v: f64) -> Found {
        if v.is_nan() {
            return if self.has_missing {
                Found::Known(self.values.len())
            } else {
                Found::Unknown
            };
        }
        let v = if v == 0.0 { 0.0 } else { v }; // -0.0 is 0.0
        match self.values.binary_search_by(|c| c.total_cmp(&v)) {
            Ok(i) => Found::Known(i),
            Err(_) => Found::Unknown,
        }
    }

    /// The label of a value of this column: the schema's category for a known code, `nan` for
    /// missing, and the number otherwise (as Python prints a float, e.g. `1.0`).
    pub(crate) fn label_of(&self, v: f64) -> String {
        if v.is_nan() {
            return "nan".into();
        }
        if v >= 0.0 && v.fract() == 0.0 && (v as usize) < self.labels.len() {
            return self.labels[v as usize].clone();
        }
        format!("{v:?}")
    }

    /// The label of category `i`.
    pub(crate) fn category_label(&self, i: usize) -> String {
        self.values
            .get(i)
            .map_or_else(|| "nan".into(), |&v| self.label_of(v))
    }

    /// [`Error::UnknownCategory`] for `v`.
    pub(crate) fn unknown(&self, v: f64) -> Error {
        let mut known: Vec<String> = (0..self.n_categories().min(10))
            .map(|i| self.category_label(i))
            .collect();
        if self.n_categories() > 10 {
            known.push(format!("… {} in all", self.n_categories()));
        }
        Error::UnknownCategory {
            column: self.name.clone(),
            value: self.label_of(v),
            known: known.join(", "),
        }
    }
}

/// The columns to encode: `columns` when given (checked against the data), else every
/// categorical column of the schema.
pub(crate) fn select_columns(
    columns: Option<&[usize]>,
    data: &Dataset,
    param: &str,
) -> Result<Vec<usize>> {
    let schema = data.features();
    let Some(cols) = columns else {
        return Ok(schema
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.kind, ColumnKind::Categorical { .. }))
            .map(|(j, _)| j)
            .collect());
    };
    let mut sorted = cols.to_vec();
    sorted.sort_unstable();
    if let Some(&bad) = sorted.iter().find(|&&j| j >= data.n_features()) {
        return Err(Error::param(
            param,
            format!(
                "column index {bad} is out of range: the data has {} columns (0 to {})",
                data.n_features(),
                data.n_features().saturating_sub(1)
            ),
        ));
    }
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::param(
            param,
            format!("column index {} is listed twice", w[0]),
        ));
    }
    Ok(sorted)
}

/// Learn the categories of column `j` of `x`.
pub(crate) fn fit_column(x: ArrayView2<'_, f64>, j: usize, data: &Dataset) -> FittedColumn {
    let schema = &data.features().columns[j];
    let col = x.column(j);
    let mut values: Vec<f64> = col
        .iter()
        .filter(|v| !v.is_nan())
        .map(|&v| if v == 0.0 { 0.0 } else { v }) // -0.0 is 0.0, as numpy's unique has it
        .collect();
    values.sort_unstable_by(f64::total_cmp);
    let mut counts = Vec::new();
    let mut distinct: Vec<f64> = Vec::new();
    for v in values {
        if distinct.last().is_some_and(|&l| l == v) {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        } else {
            distinct.push(v);
            counts.push(1);
        }
    }
    let n_missing = col.iter().filter(|v| v.is_nan()).count();
    if n_missing > 0 {
        counts.push(n_missing);
    }
    FittedColumn {
        column: j,
        name: schema.name.clone(),
        labels: schema
            .kind
            .categories()
            .map(<[String]>::to_vec)
            .unwrap_or_default(),
        values: distinct,
        has_missing: n_missing > 0,
        counts,
    }
}
