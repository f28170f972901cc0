//! Schema inference over whole columns, and forced kinds.
//!
//! Readers produce raw columns ([`Raw`]); this module decides each column's [`ColumnKind`] and
//! converts its values. The rules, applied to all values of a column (never a sample):
//!
//! - every present value is a number → `integer` when every one is an integer literal, else
//!   `numeric`; an integer column is an `identifier` when its values are unique and its name
//!   looks like an id (`id`, `user_id`, `userId`, …), or when it is a row counter (at least
//!   [`MIN_ID_ROWS`] rows, no missing value, each value one more than the previous);
//! - every present value is a boolean word (`true`/`false`, `yes`/`no`, `t`/`f`,
//!   case-insensitive) → `boolean` (1/0);
//! - every present value is an ISO-8601 date or date-time → `datetime` (seconds since the epoch,
//!   UTC);
//! - values unique per row (none missing) → `text` if some value holds whitespace, else
//!   `identifier` when there are at least [`MIN_ID_ROWS`] rows or the name looks like an id;
//! - at most [`max_categories`] distinct values → `categorical`, categories sorted (numerically
//!   when every category is a number, else by code point) so codes are deterministic;
//! - anything else → `text`.
//!
//! A column with no present value at all is `numeric` (all missing).

use std::collections::BTreeMap;

use rayon::prelude::*;
use satori_core::{ColumnKind, ColumnSchema, Error, Result, Schema, snippet};

use super::values::{format_number, looks_like_id_name, parse_bool, parse_datetime, parse_number};
use crate::table::{Column, Table};

/// Fewest rows for a unique column to be taken as an identifier without an id-like name.
pub const MIN_ID_ROWS: usize = 10;

/// The most distinct values a string column may have and still be categorical: 20, or 5 % of
/// its present values when that is more, but never more than 1000.
pub fn max_categories(present: usize) -> usize {
    (present / 20).clamp(20, 1000)
}

/// A column as a reader produced it.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    /// Every present value parsed as a number (`NaN` = missing).
    Num {
        /// The values.
        vals: Vec<f64>,
        /// Whether every present value was written as an integer.
        int_text: bool,
        /// The first value that is not an integer literal: (row, text).
        first_nonint: Option<(usize, String)>,
    },
    /// Text values (`None` = missing).
    Str(Vec<Option<String>>),
    /// Values whose kind the file format fixes (Parquet booleans, timestamps).
    Typed(ColumnKind, Vec<f64>),
}

/// The 1-based line (or row) number of each row, for messages.
#[derive(Debug, Clone)]
pub(crate) enum RowLines {
    /// Row `i` is on line `i + offset`.
    Offset(u64),
    /// The line of each row.
    Explicit(Vec<u64>),
}

impl RowLines {
    pub(crate) fn line(&self, row: usize) -> u64 {
        match self {
            RowLines::Offset(o) => row as u64 + o,
            RowLines::Explicit(v) => v.get(row).copied().unwrap_or(0),
        }
    }
}

/// Columns as read, before inference.
#[derive(Debug)]
pub(crate) struct RawTable {
    /// The source, for messages.
    pub source: String,
    /// Names, in file order (dropped columns already removed).
    pub names: Vec<String>,
    /// The raw columns, one per name.
    pub cols: Vec<Raw>,
    /// Forced kinds by column name.
    pub forced: BTreeMap<String, ColumnKind>,
    /// Where each row is in the file.
    pub lines: RowLines,
    /// Notes gathered while reading.
    pub notes: Vec<String>,
}

impl RawTable {
    /// Decide kinds and convert values into a [`Table`].
    ///
    /// Columns are decided in parallel (each on its own); the first column's error in file
    /// order is the one returned, and notes keep file order, so the result is the same at any
    /// thread count.
    pub(crate) fn into_table(self) -> Result<Table> {
        let n_rows = self.cols.first().map_or(0, raw_len);
        let (source, lines, forced) = (&self.source, &self.lines, &self.forced);
        let decided: Vec<Result<(ColumnSchema, Column, Vec<String>)>> = self
            .names
            .into_par_iter()
            .zip(self.cols)
            .map(|(name, raw)| {
                let ctx = Ctx {
                    source,
                    name: &name,
                    lines,
                    n_rows,
                };
                ctx.check_finite(&raw)?;
                let mut notes = Vec::new();
                let (kind, col) = match forced.get(&name) {
                    Some(kind) => ctx.forced(kind, raw)?,
                    None => ctx.infer(raw, &mut notes),
                };
                Ok((ColumnSchema { name, kind }, col, notes))
            })
            .collect();
        let mut schema = Vec::with_capacity(decided.len());
        let mut columns = Vec::with_capacity(decided.len());
        let mut notes = self.notes;
        for one in decided {
            let (column_schema, col, column_notes) = one?;
            schema.push(column_schema);
            columns.push(col);
            notes.extend(column_notes);
        }
        Ok(Table {
            source: self.source,
            schema: Schema::new(schema)?,
            columns,
            notes,
            sparse: None,
        })
    }
}

fn raw_len(r: &Raw) -> usize {
    match r {
        Raw::Num { vals, .. } | Raw::Typed(_, vals) => vals.len(),
        Raw::Str(v) => v.len(),
    }
}

struct Ctx<'a> {
    source: &'a str,
    name: &'a str,
    lines: &'a RowLines,
    n_rows: usize,
}

impl Ctx<'_> {
    fn parse_err(&self, row: usize, message: String) -> Error {
        Error::Parse {
            source_name: self.source.to_string(),
            line: self.lines.line(row),
            column: self.name.to_string(),
            message,
        }
    }

    /// An infinite number (`inf`, `-inf`, `1e999`) is an error naming its line and column: no
    /// model can use one, and found later it could only be named by an internal row index.
    fn check_finite(&self, raw: &Raw) -> Result<()> {
        let vals = match raw {
            Raw::Num { vals, .. } | Raw::Typed(_, vals) => vals,
            Raw::Str(_) => return Ok(()),
        };
        if let Some(row) = vals.iter().position(|v| v.is_infinite()) {
            return Err(self.parse_err(
                row,
                format!(
                    "{} is infinite; satori reads finite numbers (leave the cell empty or write \
                     NA for a missing value)",
                    vals[row]
                ),
            ));
        }
        Ok(())
    }

    /// Inferred kind and values.
    fn infer(&self, raw: Raw, notes: &mut Vec<String>) -> (ColumnKind, Column) {
        match raw {
            Raw::Typed(kind, vals) => (kind, Column::Values(vals)),
            Raw::Num { vals, int_text, .. } => {
                if int_text && is_int_identifier(self.name, &vals) {
                    notes.push(identifier_note(self.name));
                    let strings = vals
                        .iter()
                        .map(|v| (!v.is_nan()).then(|| format_number(*v)))
                        .collect();
                    return (ColumnKind::Identifier, Column::Strings(strings));
                }
                let kind = if int_text && vals.iter().any(|v| !v.is_nan()) {
                    ColumnKind::Integer
                } else {
                    ColumnKind::Numeric
                };
                (kind, Column::Values(vals))
            }
            Raw::Str(v) => self.infer_strings(v, notes),
        }
    }

    fn infer_strings(
        &self,
        v: Vec<Option<String>>,
        notes: &mut Vec<String>,
    ) -> (ColumnKind, Column) {
        let present: Vec<&str> = v.iter().flatten().map(String::as_str).collect();
        if present.is_empty() {
            return (ColumnKind::Numeric, Column::Values(vec![f64::NAN; v.len()]));
        }
        // Only `true`/`false` (any case) infer as boolean: other spellings (yes/no, t/f) stay
        // categorical so that a target keeps its original labels. A schema can still force
        // `boolean` on any spelling.
        if present
            .iter()
            .all(|s| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"))
        {
            let vals = v
                .iter()
                .map(|s| match s.as_deref().and_then(|s| parse_bool(s, false)) {
                    Some(b) => f64::from(u8::from(b)),
                    None => f64::NAN,
                })
                .collect();
            return (ColumnKind::Boolean, Column::Values(vals));
        }
        if present.iter().all(|s| parse_datetime(s).is_some()) {
            let vals = v
                .iter()
                .map(|s| s.as_deref().and_then(parse_datetime).unwrap_or(f64::NAN))
                .collect();
            return (ColumnKind::Datetime, Column::Values(vals));
        }
        let distinct: std::collections::BTreeSet<&str> = present.iter().copied().collect();
        let unique = present.len() == self.n_rows && distinct.len() == self.n_rows;
        if unique && self.n_rows >= 2 {
            if present.iter().any(|s| s.chars().any(char::is_whitespace)) {
                notes.push(format!(
                    "column `{}` is free text (a different value on every row); training vectorises it (TF-IDF by default)",
                    self.name
                ));
                return (ColumnKind::Text, Column::Strings(v));
            }
            if self.n_rows >= MIN_ID_ROWS || looks_like_id_name(self.name) {
                notes.push(identifier_note(self.name));
                return (ColumnKind::Identifier, Column::Strings(v));
            }
        }
        if distinct.len() <= max_categories(present.len()) {
            let categories = sort_categories(distinct.into_iter().map(str::to_string).collect());
            let codes = encode(&v, &categories);
            return (
                ColumnKind::Categorical { categories },
                Column::Values(codes),
            );
        }
        notes.push(format!(
            "column `{}` is free text ({} distinct values); training vectorises it (TF-IDF by default)",
            self.name,
            distinct.len()
        ));
        (ColumnKind::Text, Column::Strings(v))
    }

    /// Values converted to a forced kind; a value that does not fit is an error naming its line.
    fn forced(&self, kind: &ColumnKind, raw: Raw) -> Result<(ColumnKind, Column)> {
        let strings = match raw {
            Raw::Num {
                vals,
                int_text,
                first_nonint,
            } => match kind {
                ColumnKind::Numeric => return Ok((kind.clone(), Column::Values(vals))),
                ColumnKind::Integer if int_text => {
                    return Ok((kind.clone(), Column::Values(vals)));
                }
                ColumnKind::Integer => {
                    let found = first_nonint.or_else(|| {
                        let row = vals
                            .iter()
                            .position(|v| v.is_finite() && v.fract() != 0.0)?;
                        Some((row, format!("{}", vals[row])))
                    });
                    return match found {
                        Some((row, text)) => Err(self.parse_err(
                            row,
                            format!(
                                "`{}` is not an integer (the schema says `integer`)",
                                snippet(&text)
                            ),
                        )),
                        None => Ok((kind.clone(), Column::Values(vals))),
                    };
                }
                _ => vals
                    .iter()
                    .map(|v| (!v.is_nan()).then(|| format_number(*v)))
                    .collect(),
            },
            Raw::Typed(k, vals) => {
                if &k == kind || matches!(kind, ColumnKind::Numeric) {
                    return Ok((kind.clone(), Column::Values(vals)));
                }
                return Err(Error::InvalidData(format!(
                    "{}: column `{}` holds {} values, which cannot be read as `{}`",
                    self.source,
                    snippet(self.name),
                    k.name(),
                    kind.name()
                )));
            }
            Raw::Str(v) => v,
        };
        self.forced_strings(kind, strings)
    }

    fn forced_strings(
        &self,
        kind: &ColumnKind,
        v: Vec<Option<String>>,
    ) -> Result<(ColumnKind, Column)> {
        let convert = |f: &dyn Fn(&str) -> Option<f64>, what: &str| -> Result<Vec<f64>> {
            v.iter()
                .enumerate()
                .map(|(row, s)| match s {
                    None => Ok(f64::NAN),
                    Some(s) => f(s).ok_or_else(|| {
                        self.parse_err(
                            row,
                            format!(
                                "`{}` is not {what} (the schema says `{}`)",
                                snippet(s),
                                kind.name()
                            ),
                        )
                    }),
                })
                .collect()
        };
        let vals = match kind {
            ColumnKind::Text | ColumnKind::Identifier => {
                return Ok((kind.clone(), Column::Strings(v)));
            }
            ColumnKind::Numeric => convert(&|s| parse_number(s.as_bytes()), "a number")?,
            ColumnKind::Integer => convert(
                &|s| {
                    super::values::is_int_literal(s.as_bytes())
                        .then(|| parse_number(s.as_bytes()))
                        .flatten()
                },
                "an integer",
            )?,
            ColumnKind::Boolean => convert(
                &|s| parse_bool(s, true).map(|b| f64::from(u8::from(b))),
                "a boolean (true/false, yes/no, t/f, 1/0)",
            )?,
            ColumnKind::Datetime => convert(&parse_datetime, "an ISO-8601 date or date-time")?,
            ColumnKind::Categorical { categories } if categories.is_empty() => {
                let distinct: std::collections::BTreeSet<&str> =
                    v.iter().flatten().map(String::as_str).collect();
                let categories =
                    sort_categories(distinct.into_iter().map(str::to_string).collect());
                let codes = encode(&v, &categories);
                return Ok((
                    ColumnKind::Categorical { categories },
                    Column::Values(codes),
                ));
            }
            ColumnKind::Categorical { categories } => encode_fixed(self.name, &v, categories)?,
        };
        Ok((kind.clone(), Column::Values(vals)))
    }
}

fn identifier_note(name: &str) -> String {
    format!("column `{name}` looks like an identifier (unique per row); it is not a feature")
}

/// Whether an all-integer column is an identifier: unique values under an id-like name, or a row
/// counter (≥ [`MIN_ID_ROWS`] rows, each value one more than the previous).
pub(crate) fn is_int_identifier(name: &str, vals: &[f64]) -> bool {
    if vals.len() < 2 || vals.iter().any(|v| v.is_nan()) {
        return false;
    }
    let counter = vals.len() >= MIN_ID_ROWS && vals.windows(2).all(|w| w[1] - w[0] == 1.0);
    if counter {
        return true;
    }
    if !looks_like_id_name(name) {
        return false;
    }
    let mut sorted = vals.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.windows(2).all(|w| w[0] != w[1])
}

/// Categories in code order: by numeric value when every category is a number, else by code
/// point (as Python sorts strings).
pub fn sort_categories(mut cats: Vec<String>) -> Vec<String> {
    let nums: Option<Vec<f64>> = cats.iter().map(|c| parse_number(c.as_bytes())).collect();
    match nums {
        Some(nums) if nums.iter().all(|n| !n.is_nan()) => {
            let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(cats).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            pairs.into_iter().map(|p| p.1).collect()
        }
        _ => {
            cats.sort();
            cats
        }
    }
}

fn encode(v: &[Option<String>], categories: &[String]) -> Vec<f64> {
    let index: BTreeMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    v.iter()
        .map(|s| {
            s.as_deref()
                .and_then(|s| index.get(s))
                .map_or(f64::NAN, |&c| c as f64)
        })
        .collect()
}

/// Codes into a fixed category list; a value outside it is [`Error::UnknownCategory`].
pub(crate) fn encode_fixed(
    column: &str,
    v: &[Option<String>],
    categories: &[String],
) -> Result<Vec<f64>> {
    let index: BTreeMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    v.iter()
        .map(|s| match s {
            None => Ok(f64::NAN),
            Some(s) => index
                .get(s.as_str())
                .map(|&c| c as f64)
                .ok_or_else(|| unknown_category(column, s, categories)),
        })
        .collect()
}

/// An [`Error::UnknownCategory`] listing (up to ten of) the known categories.
pub(crate) fn unknown_category(column: &str, value: &str, categories: &[String]) -> Error {
    let mut known: Vec<String> = categories
        .iter()
        .take(10)
        .map(|c| format!("`{}`", snippet(c)))
        .collect();
    if categories.len() > 10 {
        known.push(format!("… {} in all", categories.len()));
    }
    Error::UnknownCategory {
        column: column.to_string(),
        value: value.to_string(),
        known: known.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<Option<String>> {
        v.iter()
            .map(|x| (!x.is_empty()).then(|| x.to_string()))
            .collect()
    }

    fn table(name: &str, raw: Raw) -> Result<Table> {
        RawTable {
            source: "t.csv".into(),
            names: vec![name.into()],
            cols: vec![raw],
            forced: BTreeMap::new(),
            lines: RowLines::Offset(2),
            notes: vec![],
        }
        .into_table()
    }

    #[test]
    fn categories_sorted_numerically_or_lexically() {
        let c = sort_categories(vec!["10".into(), "9".into(), "1.5".into()]);
        assert_eq!(c, ["1.5", "9", "10"]);
        let c = sort_categories(vec!["b".into(), "B".into(), "a".into()]);
        assert_eq!(c, ["B", "a", "b"]);
    }

    #[test]
    fn string_inference() {
        let t = table("c", Raw::Str(s(&["r", "g", "", "r"]))).unwrap();
        assert_eq!(
            t.schema.columns[0].kind,
            ColumnKind::Categorical {
                categories: vec!["g".into(), "r".into()]
            }
        );
        let Column::Values(v) = &t.columns[0] else {
            panic!()
        };
        assert_eq!(v[0], 1.0);
        assert!(v[2].is_nan());
        let t = table("b", Raw::Str(s(&["True", "false", "", "TRUE"]))).unwrap();
        assert_eq!(t.schema.columns[0].kind, ColumnKind::Boolean);
        let Column::Values(v) = &t.columns[0] else {
            panic!()
        };
        assert_eq!((v[0], v[1], v[3]), (1.0, 0.0, 1.0));
        assert!(v[2].is_nan());
        let ids: Vec<String> = (0..12).map(|i| format!("u{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let t = table("who", Raw::Str(s(&ids))).unwrap();
        assert_eq!(t.schema.columns[0].kind, ColumnKind::Identifier);
        assert!(t.notes[0].contains("identifier"), "{:?}", t.notes);
    }

    #[test]
    fn integer_row_counter_is_identifier() {
        let vals: Vec<f64> = (5..20).map(f64::from).collect();
        let raw = Raw::Num {
            vals: vals.clone(),
            int_text: true,
            first_nonint: None,
        };
        assert_eq!(
            table("n", raw).unwrap().schema.columns[0].kind,
            ColumnKind::Identifier
        );
        let mut v2 = vals;
        v2.swap(0, 1);
        let raw = Raw::Num {
            vals: v2,
            int_text: true,
            first_nonint: None,
        };
        assert_eq!(
            table("n", raw).unwrap().schema.columns[0].kind,
            ColumnKind::Integer
        );
        let raw = Raw::Num {
            vals: vec![3.0, 1.0],
            int_text: true,
            first_nonint: None,
        };
        assert_eq!(
            table("user_id", raw).unwrap().schema.columns[0].kind,
            ColumnKind::Identifier
        );
    }

    #[test]
    fn max_categories_rule() {
        assert_eq!(max_categories(10), 20);
        assert_eq!(max_categories(10_000), 500);
        assert_eq!(max_categories(10_000_000), 1000);
    }
}
