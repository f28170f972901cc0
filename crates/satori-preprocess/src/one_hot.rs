//! [`OneHotEncoder`]: scikit-learn's `OneHotEncoder` (dense output) on chosen columns, with the
//! other columns passed through.
//!
//! Each encoded column is replaced, in place, by one 0/1 column per category seen at fit (in
//! code order for a categorical column, ascending value for another; a missing value seen at fit
//! is one more category, last), named `<column>_<category>` (`<column>_nan` for missing). Other
//! columns keep their position and value, so that steps can be chained.
//!
//! Rare categories are grouped as scikit-learn 1.9.1 groups them: with `min_frequency`, a
//! category seen in fewer than `min_frequency` rows (or a fraction `min_frequency` of the rows)
//! is infrequent; with `max_categories`, the least frequent categories beyond `max_categories - 1`
//! are infrequent too (ties broken by category order). Infrequent categories share one output
//! column, `<column>_infrequent_sklearn`, placed after the frequent ones. `drop` removes the
//! first output of each column (`first`) or of two-output columns only (`if_binary`), counted
//! after grouping (so the dropped one can be the infrequent group).
//!
//! A value not seen at fit is an [`satori_core::Error::UnknownCategory`] with `error`, an
//! all-zero block with `ignore`, and the infrequent column with `infrequent_if_exist` when the
//! column has one (all zeros otherwise). Sample weights are ignored (scikit-learn's encoder takes
//! none).
//!
//! `transform` (the [`Transformer`] that pipelines chain) writes a dense matrix, as
//! scikit-learn's `sparse_output=False`. [`OneHotEncoder::transform_csr`] is the sparse path,
//! scikit-learn's default `sparse_output=True`: the same columns and values as a
//! [`sprs::CsMat`] in CSR form with scikit-learn's structure (one stored 1.0 per encoded value
//! with an output column, nothing for a dropped category or an ignored unknown, the non-zero
//! values of passed-through columns, column indices ascending within a row), built straight from
//! the input in one parallel pass, never through the dense matrix. A 1,000-category column of 1M
//! rows is 8 GB dense and about 24 MB as CSR. Fitting counts a categorical column's
//! codes in a table (no sort), and both transforms find a code's output column by indexing a
//! table, not by searching the categories.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Transformer};
//! use satori_preprocess::{HandleUnknown, OneHotEncoderParams};
//!
//! let schema = Schema::new(vec![
//!     ColumnSchema { name: "colour".into(),
//!         kind: ColumnKind::Categorical { categories: vec!["red".into(), "blue".into()] } },
//!     ColumnSchema { name: "size".into(), kind: ColumnKind::Numeric },
//! ]).unwrap();
//! let x = array![[0.0, 1.5], [1.0, 2.5], [1.0, 3.5]];
//! let data = Dataset::with_schema(x.clone(), schema).unwrap();
//! let params = OneHotEncoderParams { handle_unknown: HandleUnknown::Ignore, ..Default::default() };
//! let enc = params.fit(&data).unwrap();
//! assert_eq!(enc.feature_names_out(&data.feature_names()),
//!            vec!["colour_red", "colour_blue", "size"]);
//! assert_eq!(enc.transform(x.view()).unwrap().row(1).to_vec(), vec![0.0, 1.0, 2.5]);
//! assert_eq!(enc.transform(array![[7.0, 0.0]].view()).unwrap().row(0).to_vec(),
//!            vec![0.0, 0.0, 0.0]); // unknown code 7: all zeros
//!
//! // The sparse path: the same matrix as CSR; the unknown row and the zero store nothing.
//! let csr = enc.transform_csr(array![[1.0, 2.5], [7.0, 0.0]].view()).unwrap();
//! assert_eq!(csr.indptr().raw_storage(), &[0, 2, 2]);
//! assert_eq!(csr.indices(), &[1, 2]);
//! assert_eq!(csr.data(), &[1.0, 2.5]);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::categories::{CodeMap, FittedColumn, fit_column, select_columns};
use crate::util::{check_not_empty, map_rows};
use satori_core::check_features;

mod sparse;

/// What [`OneHotEncoder`] does with a category not seen at fit (scikit-learn's `handle_unknown`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleUnknown {
    /// Fail with [`satori_core::Error::UnknownCategory`].
    #[default]
    Error,
    /// Encode as all zeros.
    Ignore,
    /// Encode as the infrequent category where the column has one, else all zeros.
    InfrequentIfExist,
}

/// Which category [`OneHotEncoder`] drops (scikit-learn's `drop`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCategory {
    /// Keep every category.
    #[default]
    None,
    /// Drop the first output of every column.
    First,
    /// Drop the first output of columns with exactly two outputs.
    IfBinary,
}

/// Parameters of a [`OneHotEncoder`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct OneHotEncoderParams {
    /// The indices of the columns to encode, each below the number of columns and listed once.
    /// Default none: every categorical column of the schema.
    pub columns: Option<Vec<usize>>,
    /// The category to drop. Default `none`; `none`, `first` or `if_binary`.
    pub drop: DropCategory,
    /// What to do with categories not seen at fit. Default `error`; `error`, `ignore` or
    /// `infrequent_if_exist`.
    pub handle_unknown: HandleUnknown,
    /// Categories seen in fewer rows are infrequent: a whole number of rows (at least 1) or a
    /// fraction of the rows in (0, 1). Default none (no minimum).
    pub min_frequency: Option<f64>,
    /// At most this many outputs per column, the infrequent group included; at least 1. Default
    /// none (no limit).
    pub max_categories: Option<usize>,
}

impl Params for OneHotEncoderParams {
    fn validate(&self) -> Result<()> {
        if let Some(f) = self.min_frequency {
            let fraction = f > 0.0 && f < 1.0;
            let count = f >= 1.0 && f.fract() == 0.0 && f.is_finite();
            if !(fraction || count) {
                return Err(Error::param(
                    "min_frequency",
                    format!(
                        "must be a whole number of rows (at least 1) or a fraction in (0, 1), \
                         got {f}"
                    ),
                ));
            }
        }
        if self.max_categories == Some(0) {
            return Err(Error::param("max_categories", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// One encoded column: its categories and where each goes in the output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Encoded {
    fitted: FittedColumn,
    /// The output slot of each category (`None`: dropped).
    slot: Vec<Option<usize>>,
    /// The output slot of unknown values (`None`: all zeros), unless they are an error.
    unknown_slot: Option<usize>,
    /// The output names' category parts, in slot order.
    slot_labels: Vec<String>,
}

/// A fitted [`OneHotEncoderParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoder {
    n_features_in: usize,
    handle_unknown: HandleUnknown,
    /// Per input column: the index into `encoded`, or `None` for a passed-through column.
    plan: Vec<Option<usize>>,
    encoded: Vec<Encoded>,
}

impl Estimator for OneHotEncoderParams {
    type Model = OneHotEncoder;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<OneHotEncoder> {
        self.validate()?;
        check_not_empty(data.n_samples(), "OneHotEncoder")?;
        let cols = select_columns(self.columns.as_deref(), data, "columns")?;
        let x = data.x();
        let mut plan = vec![None; data.n_features()];
        let mut encoded = Vec::with_capacity(cols.len());
        for &j in &cols {
            let fitted = fit_column(x, j, data);
            plan[j] = Some(encoded.len());
            encoded.push(self.layout(fitted, data.n_samples()));
        }
        Ok(OneHotEncoder {
            n_features_in: data.n_features(),
            handle_unknown: self.handle_unknown,
            plan,
            encoded,
        })
    }
}

impl OneHotEncoderParams {
    /// The infrequent categories of a column (scikit-learn's `_identify_infrequent`).
    fn infrequent(&self, counts: &[usize], n_samples: usize) -> Vec<bool> {
        let mut mask: Vec<bool> = match self.min_frequency {
            Some(f) if f >= 1.0 => counts.iter().map(|&c| (c as f64) < f).collect(),
            Some(f) => {
                let min = n_samples as f64 * f;
                counts.iter().map(|&c| (c as f64) < min).collect()
            }
            None => vec![false; counts.len()],
        };
        let n_infrequent = mask.iter().filter(|&&m| m).count();
        let n_current = counts.len() - n_infrequent + 1;
        if let Some(max) = self.max_categories
            && max < n_current
        {
            let frequent = max - 1;
            if frequent == 0 {
                mask.iter_mut().for_each(|m| *m = true);
            } else {
                // np.argsort(counts, kind="mergesort")[:-frequent]: stable ascending by count.
                let mut order: Vec<usize> = (0..counts.len()).collect();
                order.sort_by_key(|&i| counts[i]);
                for &i in &order[..counts.len().saturating_sub(frequent)] {
                    mask[i] = true;
                }
            }
        }
        mask
    }

    /// Where each category of `fitted` goes in the output.
    fn layout(&self, fitted: FittedColumn, n_samples: usize) -> Encoded {
        let n = fitted.n_categories();
        let enabled = self.min_frequency.is_some() || self.max_categories.is_some();
        let infrequent = if enabled {
            self.infrequent(&fitted.counts, n_samples)
        } else {
            vec![false; n]
        };
        let n_frequent = infrequent.iter().filter(|&&m| !m).count();
        let has_infrequent = n_frequent < n;
        // Grouped index: frequent categories in order, then the infrequent group.
        let mut next = 0;
        let grouped: Vec<usize> = infrequent
            .iter()
            .map(|&inf| {
                if inf {
                    n_frequent
                } else {
                    next += 1;
                    next - 1
                }
            })
            .collect();
        let n_grouped = n_frequent + usize::from(has_infrequent);
        let dropped = match self.drop {
            DropCategory::None => None,
            DropCategory::First => Some(0),
            DropCategory::IfBinary => (n_grouped == 2).then_some(0),
        };
        let to_slot = |g: usize| match dropped {
            Some(d) if g == d => None,
            Some(d) if g > d => Some(g - 1),
            _ => Some(g),
        };
        let mut group_labels: Vec<String> = (0..n)
            .filter(|&i| !infrequent[i])
            .map(|i| fitted.category_label(i))
            .collect();
        if has_infrequent {
            group_labels.push("infrequent_sklearn".into());
        }
        let slot_labels = (0..n_grouped)
            .filter(|&g| to_slot(g).is_some())
            .map(|g| group_labels[g].clone())
            .collect();
        let unknown_slot = match self.handle_unknown {
            HandleUnknown::InfrequentIfExist if has_infrequent => to_slot(n_frequent),
            _ => None,
        };
        Encoded {
            slot: grouped.into_iter().map(to_slot).collect(),
            unknown_slot,
            slot_labels,
            fitted,
        }
    }
}

impl OneHotEncoder {
    /// The categories learnt for each encoded column, in column order.
    pub fn fitted_columns(&self) -> Vec<&FittedColumn> {
        self.encoded.iter().map(|e| &e.fitted).collect()
    }

    /// Per input column, how many output columns it becomes: its block's width for an encoded
    /// column (0 when every category is dropped), 1 for a passed-through one. The blocks are in
    /// input column order, so these widths place every input column's outputs.
    pub fn output_widths(&self) -> Vec<usize> {
        self.plan
            .iter()
            .map(|p| p.map_or(1, |e| self.encoded[e].slot_labels.len()))
            .collect()
    }

    /// The number of output columns.
    pub fn n_features_out(&self) -> usize {
        self.plan
            .iter()
            .map(|p| p.map_or(1, |e| self.encoded[e].slot_labels.len()))
            .sum()
    }

    /// The value-to-output lookup of an encoded column: a slot below [`ZERO`], [`ZERO`] for all
    /// zeros (a dropped category, or an ignored unknown), [`UNKNOWN`] for an error.
    fn code_map<'a>(&self, e: &'a Encoded) -> CodeMap<'a, usize> {
        let unknown = match self.handle_unknown {
            HandleUnknown::Error => UNKNOWN,
            _ => e.unknown_slot.unwrap_or(ZERO),
        };
        let known = |i: usize| e.slot.get(i).copied().flatten().unwrap_or(ZERO);
        CodeMap::new(&e.fitted, known, unknown)
    }

    /// Each input column as the row encoders see it, in column order.
    fn columns_out(&self) -> Vec<ColumnOut<'_>> {
        let mut at = 0;
        self.plan
            .iter()
            .map(|p| {
                let (c, width) = match p.and_then(|e| self.encoded.get(e)) {
                    None => (ColumnOut::Pass { at }, 1),
                    Some(e) => {
                        let map = self.code_map(e);
                        (ColumnOut::Encode { at, map }, e.slot_labels.len())
                    }
                };
                at += width;
                c
            })
            .collect()
    }

    /// Under `handle_unknown = error`: the error for the first unknown value (the first encoded
    /// column, in column order, that has one; its first such row).
    fn first_unknown(&self, x: ArrayView2<'_, f64>) -> Result<()> {
        if self.handle_unknown != HandleUnknown::Error {
            return Ok(());
        }
        for e in &self.encoded {
            let map = self.code_map(e);
            let col = x.column(e.fitted.column);
            if let Some(&v) = col.iter().find(|&&v| map.get(v) == UNKNOWN) {
                return Err(e.fitted.unknown(v));
            }
        }
        Ok(())
    }
}

/// In a [`CodeMap`] of [`OneHotEncoder`]: the value encodes as all zeros.
const ZERO: usize = usize::MAX - 1;
/// In a [`CodeMap`] of [`OneHotEncoder`]: the value is an unknown category under `error`.
const UNKNOWN: usize = usize::MAX;

/// One input column as the row encoders of [`OneHotEncoder`] see it.
enum ColumnOut<'a> {
    /// Passed through to output column `at`.
    Pass { at: usize },
    /// Encoded into the output columns from `at` on.
    Encode { at: usize, map: CodeMap<'a, usize> },
}

/// The entries of one encoded row, in ascending output column, through `emit(column, value)`
/// (a passed-through zero emits nothing, as a sparse matrix stores no zero); `false` at an
/// unknown category under `error`.
#[inline]
fn encode_row(cols: &[ColumnOut<'_>], row: &[f64], mut emit: impl FnMut(usize, f64)) -> bool {
    for (c, &v) in cols.iter().zip(row) {
        match c {
            ColumnOut::Pass { at } => {
                if v != 0.0 {
                    emit(*at, v); // NaN too: it is not zero
                }
            }
            ColumnOut::Encode { at, map } => match map.get(v) {
                ZERO => {}
                UNKNOWN => return false,
                s => emit(at + s, 1.0),
            },
        }
    }
    true
}

impl Transformer for OneHotEncoder {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_features_out());
        for (j, p) in self.plan.iter().enumerate() {
            let name = input.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
            match p {
                None => names.push(name),
                Some(e) => names.extend(
                    self.encoded[*e]
                        .slot_labels
                        .iter()
                        .map(|l| format!("{name}_{l}")),
                ),
            }
        }
        names
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        self.first_unknown(x)?;
        let cols = self.columns_out();
        map_rows(x, self.n_features_out(), |row, out| {
            // Unknown values under `error` were ruled out above; zeros are already in `out`.
            for (c, &v) in cols.iter().zip(row) {
                match c {
                    ColumnOut::Pass { at } => out[*at] = v,
                    ColumnOut::Encode { at, map } => {
                        let s = map.get(v);
                        if s < ZERO {
                            out[at + s] = 1.0;
                        }
                    }
                }
            }
        })
    }
}
