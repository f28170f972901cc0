//! What the encoders share: choosing the columns to encode, learning each column's categories
//! (scikit-learn's `categories="auto"`), finding a value among them, and naming categories.

use ndarray::ArrayView2;
use rayon::prelude::*;
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

/// A per-transform lookup from a value to what its category maps to: a table indexed by the
/// value for whole numbers `0 <= v < len` (a categorical column's codes), so that the hot loop
/// reads one entry instead of searching; other values fall back to [`FittedColumn::find`].
pub(crate) struct CodeMap<'a, T> {
    fitted: &'a FittedColumn,
    table: Vec<T>,
    /// Per category (the missing one last): what it maps to.
    known: Vec<T>,
    /// What a value not seen at fit maps to.
    unknown: T,
}

impl<'a, T: Copy> CodeMap<'a, T> {
    /// The lookup of `fitted`'s values, category `i` mapping to `known(i)`: a table over the
    /// whole numbers up to the largest whole-number category (at most `max(2 · categories,
    /// 1024)` entries).
    pub(crate) fn new(fitted: &'a FittedColumn, known: impl Fn(usize) -> T, unknown: T) -> Self {
        let known: Vec<T> = (0..fitted.n_categories()).map(known).collect();
        let cap = (2 * fitted.values.len()).max(1024);
        let whole = |v: f64| v >= 0.0 && v.fract() == 0.0 && v < cap as f64;
        let len = fitted
            .values
            .iter()
            .filter(|&&v| whole(v))
            .map(|&v| v as usize + 1)
            .max()
            .unwrap_or(0);
        let mut table = vec![unknown; len];
        for (&v, &k) in fitted.values.iter().zip(&known) {
            if whole(v) {
                table[v as usize] = k;
            }
        }
        Self {
            fitted,
            table,
            known,
            unknown,
        }
    }

    /// What the category of `v` maps to.
    #[inline]
    pub(crate) fn get(&self, v: f64) -> T {
        let i = v as usize; // saturating: NaN and negatives give 0, checked below
        match self.table.get(i) {
            Some(&t) if i as f64 == v => t,
            _ => match self.fitted.find(v) {
                Found::Known(c) => self.known[c],
                Found::Unknown => self.unknown,
            },
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

/// Rows per task when counting a column's categories (at least; see [`fit_column`]).
const COUNT_CHUNK: usize = 1 << 16;
/// The largest table of whole-number codes counted directly, and the smallest one used.
const COUNT_TABLE_MAX: usize = 1 << 20;
const COUNT_TABLE_MIN: usize = 256;

/// One chunk's counts: whole numbers `0 <= v < table.len()` in `table`, missing values in
/// `missing`, every other value kept in `other` (to be sorted).
struct ChunkCounts {
    table: Vec<usize>,
    missing: usize,
    other: Vec<f64>,
}

/// Count the categories of `col` (a strided column) in `range`, with a table of `size`.
fn count_chunk(
    col: ndarray::ArrayView1<'_, f64>,
    range: std::ops::Range<usize>,
    size: usize,
) -> ChunkCounts {
    let mut c = ChunkCounts {
        table: vec![0; size],
        missing: 0,
        other: Vec::new(),
    };
    for &v in col.slice(ndarray::s![range]) {
        let i = v as usize; // saturating: NaN and negatives give 0, checked below
        if i < size && i as f64 == v {
            c.table[i] += 1; // a whole number in range, -0.0 included (as 0)
        } else if v.is_nan() {
            c.missing += 1;
        } else {
            c.other.push(v);
        }
    }
    c
}

/// Learn the categories of column `j` of `x`.
///
/// One pass over the column, in parallel over fixed chunks of rows: whole-number values below
/// the table size (a categorical column's codes) are counted in a table indexed by value, other
/// values are sorted and counted; the counts are integers, so the result does not depend on the
/// chunking or the thread count.
pub(crate) fn fit_column(x: ArrayView2<'_, f64>, j: usize, data: &Dataset) -> FittedColumn {
    let schema = &data.features().columns[j];
    let labels: Vec<String> = schema
        .kind
        .categories()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let col = x.column(j);
    let n = col.len();
    let size = labels.len().clamp(COUNT_TABLE_MIN, COUNT_TABLE_MAX);
    let chunk = COUNT_CHUNK.max(size);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    let parts: Vec<ChunkCounts> = starts
        .par_iter()
        .map(|&s| count_chunk(col, s..(s + chunk).min(n), size))
        .collect();
    let mut table = vec![0usize; size];
    let mut n_missing = 0;
    let mut other = Vec::new();
    for p in parts {
        table.iter_mut().zip(&p.table).for_each(|(t, c)| *t += c);
        n_missing += p.missing;
        other.extend(p.other);
    }
    other.sort_unstable_by(f64::total_cmp);
    // (value, count) of each distinct value: the table's whole numbers, then the others.
    let mut pairs: Vec<(f64, usize)> = table
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(i, &c)| (i as f64, c))
        .collect();
    for v in other {
        match pairs.last_mut() {
            // `other` is sorted and never holds a table value, so equal values are adjacent here.
            Some((l, c)) if *l == v => *c += 1,
            _ => pairs.push((v, 1)),
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut counts: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    if n_missing > 0 {
        counts.push(n_missing);
    }
    FittedColumn {
        column: j,
        name: schema.name.clone(),
        labels,
        values: pairs.into_iter().map(|p| p.0).collect(),
        has_missing: n_missing > 0,
        counts,
    }
}
