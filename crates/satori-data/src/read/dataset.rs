//! From a table to a training dataset (features + target) or a predict-time feature matrix.
//!
//! Target rules: labels that are strings, booleans or categories → classification; numbers
//! that are all whole and take at most [`MAX_INFERRED_CLASSES`] distinct values →
//! classification; other numbers → regression. Two classes are [`Task::Binary`], more are
//! [`Task::Multiclass`]. Class labels are ordered as scikit-learn's `classes_`: numeric order
//! for numbers (formatted without a trailing `.0`), code-point order for strings.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use satori_core::{
    ColumnKind, ColumnSchema, Dataset, Error, Result, Schema, Target, Task, snippet,
};

use super::infer::{encode_fixed, sort_categories, unknown_category};
use super::values::{format_number, parse_bool};
use crate::table::{Column, LoadReport, Table, TargetSpec};

/// Most distinct whole-number target values for which classification is inferred.
pub const MAX_INFERRED_CLASSES: usize = 20;

impl Table {
    /// The dataset for training: every feature column (all but the target, identifiers and
    /// text), the target (rows with a missing target dropped and counted), its task.
    ///
    /// The task is `target.task`, or else inferred: string, boolean or categorical labels, or
    /// whole numbers with at most [`MAX_INFERRED_CLASSES`] distinct values → classification (two
    /// classes: binary, more: multiclass); other numbers → regression. Class labels are sorted
    /// as scikit-learn's `classes_`. A forced task that does not fit the values, a single class,
    /// or no row with a target is an error.
    pub fn to_dataset(&self, target: &TargetSpec) -> Result<(Dataset, LoadReport)> {
        to_dataset(self, target, None)
    }

    /// The distinct target values of this table's rows, for tables that hold parts of one
    /// dataset (the shards of a distributed job) to agree on the classes before each builds its
    /// dataset: merge every part's with [`TargetClasses::merge`] and pass the result to
    /// [`Table::to_dataset_with_classes`].
    pub fn target_classes(&self, target: &TargetSpec) -> Result<TargetClasses> {
        let ti = self.schema.require(&target.name, &self.source)?;
        Ok(match target_values(self, ti) {
            Y::Labels(v) => {
                let distinct: std::collections::BTreeSet<&str> =
                    v.iter().filter_map(|l| l.as_deref()).collect();
                TargetClasses {
                    labels: distinct.into_iter().map(str::to_string).collect(),
                    values: Vec::new(),
                    whole: false,
                    many: false,
                }
            }
            Y::Num(v) => {
                let present: Vec<f64> = v.into_iter().filter(|x| !x.is_nan()).collect();
                let whole = present.iter().all(|x| x.is_finite() && x.fract() == 0.0);
                let mut uniq = present;
                uniq.sort_by(f64::total_cmp);
                uniq.dedup();
                // A forced classification keeps every class; otherwise more than
                // MAX_INFERRED_CLASSES numbers mean regression, and none need be kept.
                let forced = target.task.is_some_and(|t| t.is_classification());
                let many = !forced && uniq.len() > MAX_INFERRED_CLASSES;
                if many {
                    uniq.clear();
                }
                TargetClasses {
                    labels: Vec::new(),
                    values: uniq,
                    whole,
                    many,
                }
            }
        })
    }

    /// [`Table::to_dataset`] with the classes (and the classification-or-regression decision)
    /// taken from `classes`, every part's merged, rather than from this table's rows alone: a
    /// part that holds one class, or fewer distinct numbers, codes its rows as the whole
    /// dataset would.
    pub fn to_dataset_with_classes(
        &self,
        target: &TargetSpec,
        classes: &TargetClasses,
    ) -> Result<(Dataset, LoadReport)> {
        to_dataset(self, target, Some(classes))
    }

    /// The feature matrix for a model whose feature columns are `expected`: columns matched by
    /// name in any order (extra columns ignored), categories mapped to the expected codes; a
    /// missing column, a wrongly typed column or an unknown category is a clear error.
    pub fn features(&self, expected: &Schema) -> Result<Array2<f64>> {
        features(self, expected)
    }

    /// As [`Table::features`], except that a category outside an expected categorical column's
    /// list is kept as an out-of-range code instead of being an error: the `j`-th unseen label of
    /// column `k` (in the order returned, `unseen[k][j]`) gets the code
    /// `categories.len() + j`, so the steps and models after it can apply their own policy
    /// (one-hot `handle_unknown`, a tree's unseen-category branch) and name the label in errors.
    /// Only categorical columns read as categorical (the table's own category list) or as text
    /// can carry unseen labels this way.
    pub fn features_keeping_unseen(
        &self,
        expected: &Schema,
    ) -> Result<(Array2<f64>, Vec<Vec<String>>)> {
        features_keeping_unseen(self, expected)
    }

    /// The categories of this table's columns that an expected categorical column's list (a
    /// model's training categories) does not have, with the number of rows holding each: one
    /// entry per column that has any, in the expected schema's order; labels by falling row
    /// count, then first appearance.
    pub fn unseen_categories(&self, expected: &Schema) -> Result<Vec<UnseenCategories>> {
        let (x, unseen) = features_keeping_unseen(self, expected)?;
        let mut out = Vec::new();
        for (k, labels) in unseen.into_iter().enumerate() {
            if labels.is_empty() {
                continue;
            }
            let known = match &expected.columns[k].kind {
                ColumnKind::Categorical { categories } => categories.len(),
                _ => continue,
            };
            let mut rows = vec![0usize; labels.len()];
            for &v in x.column(k) {
                if v.is_finite()
                    && v >= known as f64
                    && let Some(n) = rows.get_mut(v as usize - known)
                {
                    *n += 1;
                }
            }
            let mut values: Vec<(String, usize)> = labels.into_iter().zip(rows).collect();
            values.sort_by_key(|v| std::cmp::Reverse(v.1));
            out.push(UnseenCategories {
                column: expected.columns[k].name.clone(),
                values,
            });
        }
        Ok(out)
    }
}

/// The categories of one column never seen in training (see [`Table::unseen_categories`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnseenCategories {
    /// The column.
    pub column: String,
    /// Each unseen label with the number of rows holding it, most frequent first.
    pub values: Vec<(String, usize)>,
}

impl UnseenCategories {
    /// Rows holding an unseen category of this column.
    pub fn rows(&self) -> usize {
        self.values.iter().map(|(_, n)| n).sum()
    }

    /// `column `colour`: 4 rows hold 2 categories not seen in training: `purple` (3 rows),
    /// `teal` (1 row)` — at most five labels, each cut to a snippet.
    pub fn describe(&self) -> String {
        const SHOWN: usize = 5;
        let rows = |n: usize| {
            if n == 1 {
                "1 row".to_string()
            } else {
                format!("{n} rows")
            }
        };
        let mut listed: Vec<String> = self
            .values
            .iter()
            .take(SHOWN)
            .map(|(label, n)| format!("`{}` ({})", satori_core::snippet(label), rows(*n)))
            .collect();
        if self.values.len() > SHOWN {
            listed.push(format!("and {} more", self.values.len() - SHOWN));
        }
        let what = match self.values.len() {
            1 => "1 category".to_string(),
            n => format!("{n} categories"),
        };
        let verb = if self.rows() == 1 { "holds" } else { "hold" };
        format!(
            "column `{}`: {} {verb} {what} not seen in training: {}",
            satori_core::snippet(&self.column),
            rows(self.rows()),
            listed.join(", ")
        )
    }
}

/// The distinct target values of a table or of several merged (see
/// [`Table::target_classes`]): string labels, or distinct numbers (none kept when there are
/// more than [`MAX_INFERRED_CLASSES`], `many`) and whether every number is whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetClasses {
    /// The distinct labels of a label column.
    pub labels: Vec<String>,
    /// The distinct numbers of a numeric column, sorted (empty when `many`).
    pub values: Vec<f64>,
    /// Whether every number is a finite whole number.
    pub whole: bool,
    /// Whether there are more than [`MAX_INFERRED_CLASSES`] distinct numbers.
    pub many: bool,
}

impl TargetClasses {
    /// The union of several parts' classes.
    pub fn merge(parts: &[TargetClasses]) -> TargetClasses {
        let mut labels: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut values: Vec<f64> = Vec::new();
        for p in parts {
            labels.extend(p.labels.iter().cloned());
            values.extend(&p.values);
        }
        values.sort_by(f64::total_cmp);
        values.dedup();
        TargetClasses {
            labels: labels.into_iter().collect(),
            values,
            whole: parts.iter().all(|p| p.whole),
            many: parts.iter().any(|p| p.many),
        }
    }
}

/// The target of each row: a number, or a label (`None`/`NaN` = missing).
enum Y {
    Num(Vec<f64>),
    Labels(Vec<Option<String>>),
}

fn target_values(t: &Table, i: usize) -> Y {
    let kind = &t.schema.columns[i].kind;
    match (&t.columns[i], kind) {
        (Column::Values(v), ColumnKind::Categorical { categories }) => Y::Labels(
            v.iter()
                .map(|c| {
                    (!c.is_nan())
                        .then(|| categories.get(*c as usize).cloned())
                        .flatten()
                })
                .collect(),
        ),
        (Column::Values(v), ColumnKind::Boolean) => Y::Labels(
            v.iter()
                .map(|b| {
                    (!b.is_nan()).then(|| (if *b != 0.0 { "true" } else { "false" }).to_string())
                })
                .collect(),
        ),
        (Column::Values(v), _) => Y::Num(v.clone()),
        (Column::Strings(s), _) => Y::Labels(s.clone()),
    }
}

pub(crate) fn to_dataset(
    t: &Table,
    spec: &TargetSpec,
    classes: Option<&TargetClasses>,
) -> Result<(Dataset, LoadReport)> {
    let ti = t.schema.require(&spec.name, &t.source)?;
    let tname = &spec.name;
    let y = target_values(t, ti);
    if spec.task.is_none()
        && matches!(
            t.schema.columns[ti].kind,
            ColumnKind::Text | ColumnKind::Identifier
        )
        && let Y::Labels(labels) = &y
    {
        return Err(too_many_classes(tname, labels));
    }
    let keep: Vec<usize> = match &y {
        Y::Num(v) => (0..v.len()).filter(|&r| !v[r].is_nan()).collect(),
        Y::Labels(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
    };
    let n_rows = t.n_rows();
    let mut report = LoadReport {
        dropped_missing_target: n_rows - keep.len(),
        ..LoadReport::default()
    };
    if keep.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: format!(
                "training: every row of {} misses the target `{}`",
                t.source,
                snippet(tname)
            ),
            needed: 1,
            got: 0,
        });
    }
    let target = build_target(y, &keep, spec, &t.schema.columns[ti].kind, classes)?;
    report.task = Some(target.task());

    let mut feats = Vec::new();
    let mut text = Vec::new();
    for (j, c) in t.schema.columns.iter().enumerate() {
        if j == ti {
            continue;
        }
        match c.kind {
            ColumnKind::Identifier => report
                .excluded_columns
                .push((c.name.clone(), "identifier (unique per row)".into())),
            ColumnKind::Text => {
                let Column::Strings(v) = &t.columns[j] else {
                    return Err(Error::Internal(format!(
                        "text column `{}` holds numbers",
                        c.name
                    )));
                };
                report.text_columns.push(c.name.clone());
                text.push(satori_core::TextColumn {
                    name: c.name.clone(),
                    values: keep.iter().map(|&r| v[r].clone()).collect(),
                });
            }
            _ => feats.push(j),
        }
    }
    let mut x = Array2::<f64>::zeros((keep.len(), feats.len()));
    let all = keep.len() == n_rows;
    for (k, &j) in feats.iter().enumerate() {
        let Column::Values(v) = &t.columns[j] else {
            return Err(Error::Internal(format!(
                "feature column `{}` holds text",
                t.schema.columns[j].name
            )));
        };
        let mut col = x.column_mut(k);
        if all {
            col.assign(&ndarray::ArrayView1::from(v.as_slice()));
        } else {
            for (dst, &r) in col.iter_mut().zip(&keep) {
                *dst = v[r];
            }
        }
    }
    let schema = Schema::new(feats.iter().map(|&j| t.schema.columns[j].clone()).collect())?;
    let mut data = Dataset::with_schema(x, schema)?.with_text(text)?;
    if let Some(m) = &t.sparse {
        let block = if keep.len() == m.rows() {
            m.clone()
        } else {
            satori_core::sparse::select_rows(m, &keep)
        };
        data = data.with_sparse(block)?;
    }
    let data = data.with_target(target)?.with_target_name(tname.clone());
    Ok((data, report))
}

/// A target read as text or an identifier (too many distinct values to be categorical): how
/// many classes it would have, and how to go on.
fn too_many_classes(name: &str, labels: &[Option<String>]) -> Error {
    let present: Vec<&str> = labels.iter().flatten().map(String::as_str).collect();
    let distinct = present
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let n = present.len();
    let reason = if distinct == n {
        format!(
            "has {distinct} distinct classes in {n} rows, a different one on every row: it looks \
             like an identifier, not something to predict; choose another target, or pass \
             --task multiclass to train a {distinct}-class classifier anyway"
        )
    } else {
        format!(
            "has {distinct} distinct classes in {n} rows, more than are taken as classes without \
             asking ({}); to train a {distinct}-class classifier, pass --task multiclass",
            super::infer::max_categories(n)
        )
    };
    task_error(name, reason)
}

fn task_error(name: &str, reason: String) -> Error {
    Error::param("task", format!("target `{}`: {reason}", snippet(name)))
}

fn build_target(
    y: Y,
    keep: &[usize],
    spec: &TargetSpec,
    kind: &ColumnKind,
    global: Option<&TargetClasses>,
) -> Result<Target> {
    let name = &spec.name;
    let (labels, codes): (Vec<String>, Vec<usize>) = match y {
        Y::Labels(v) => {
            if spec.task == Some(Task::Regression) {
                return Err(task_error(
                    name,
                    format!(
                        "regression needs numbers, and the column holds {} labels",
                        kind.name()
                    ),
                ));
            }
            let present: Vec<&str> = keep.iter().filter_map(|&r| v[r].as_deref()).collect();
            let labels = match global {
                Some(g) => sort_categories(g.labels.clone()),
                None => {
                    let distinct: std::collections::BTreeSet<&str> =
                        present.iter().copied().collect();
                    sort_categories(distinct.into_iter().map(str::to_string).collect())
                }
            };
            let index: BTreeMap<&str, usize> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.as_str(), i))
                .collect();
            let codes = present
                .iter()
                .map(|s| {
                    index.get(s).copied().ok_or_else(|| {
                        Error::Internal(format!(
                            "target label `{}` outside the merged classes",
                            snippet(s)
                        ))
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            (labels, codes)
        }
        Y::Num(v) => {
            let vals: Vec<f64> = keep.iter().map(|&r| v[r]).collect();
            let (whole, uniq, many) = match global {
                Some(g) => (
                    g.whole,
                    g.values.clone(),
                    g.many || g.values.len() > MAX_INFERRED_CLASSES,
                ),
                None => {
                    let whole = vals.iter().all(|x| x.is_finite() && x.fract() == 0.0);
                    let mut uniq = vals.clone();
                    uniq.sort_by(f64::total_cmp);
                    uniq.dedup();
                    let many = uniq.len() > MAX_INFERRED_CLASSES;
                    (whole, uniq, many)
                }
            };
            let classify = match spec.task {
                Some(Task::Regression) => false,
                Some(_) if !whole => {
                    return Err(task_error(
                        name,
                        "classification needs whole-number or string labels, and the column holds fractional values".into(),
                    ));
                }
                Some(_) => true,
                None => whole && !many && !matches!(kind, ColumnKind::Datetime),
            };
            if !classify {
                return Ok(Target::regression(Array1::from(vals)));
            }
            let codes = vals
                .iter()
                .map(|x| uniq.binary_search_by(|u| u.total_cmp(x)).unwrap_or(0))
                .collect();
            (uniq.iter().map(|u| format_number(*u)).collect(), codes)
        }
    };
    match (labels.len(), spec.task) {
        (1, _) => Err(Error::InvalidData(format!(
            "the target `{}` has a single class (`{}`); classification needs at least two",
            snippet(name),
            snippet(&labels[0])
        ))),
        (n, Some(Task::Binary)) if n > 2 => Err(task_error(
            name,
            format!("binary classification needs two classes, and the column has {n}; use multiclass"),
        )),
        (2, Some(Task::Multiclass)) => Err(task_error(
            name,
            "multiclass classification needs three or more classes, and the column has 2; use binary".into(),
        )),
        _ => Target::classes(Array1::from(codes), labels),
    }
}

fn mismatch(t: &Table, name: &str, have: &ColumnKind, want: &ColumnKind) -> Error {
    Error::InvalidData(format!(
        "{}: column `{}` holds {} values, and the model expects {} values",
        t.source,
        snippet(name),
        have.name(),
        want.name()
    ))
}

/// Codes into `got` as codes into `exp` (the same labels); a label `exp` lacks is an error, or,
/// when `unseen` is given, gets the code `exp.len() + j` where `j` is its place in `unseen`.
fn remap_codes(
    name: &str,
    v: &[f64],
    got: &[String],
    exp: &[String],
    unseen: Option<&mut Vec<String>>,
) -> Result<Vec<f64>> {
    if exp == got {
        return Ok(v.to_vec());
    }
    if let Some(unseen) = unseen {
        let mut index: BTreeMap<&str, usize> = exp
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        for label in got {
            if !index.contains_key(label.as_str()) {
                index.insert(label.as_str(), exp.len() + unseen.len());
                unseen.push(label.clone());
            }
        }
        // A missing value stays missing: `NaN as usize` is 0, which would read it as the file's
        // first category (a row's prediction then depended on the other rows of its file).
        return Ok(v
            .iter()
            .map(|c| {
                if c.is_nan() {
                    return f64::NAN;
                }
                got.get(*c as usize)
                    .and_then(|l| index.get(l.as_str()))
                    .map_or(f64::NAN, |&i| i as f64)
            })
            .collect());
    }
    let index: BTreeMap<&str, usize> = exp
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    v.iter()
        .map(|c| {
            if c.is_nan() {
                return Ok(f64::NAN);
            }
            let label = got.get(*c as usize).map_or("", String::as_str);
            index
                .get(label)
                .map(|&i| i as f64)
                .ok_or_else(|| unknown_category(name, label, exp))
        })
        .collect()
}

/// One expected feature column's values; with `unseen`, categories outside the expected list are
/// kept (see [`remap_codes`]) instead of being an error.
fn feature_column(
    t: &Table,
    want: &ColumnSchema,
    unseen: Option<&mut Vec<String>>,
) -> Result<Vec<f64>> {
    let (have, col) = t.column(&want.name)?;
    let name = &want.name;
    match (&want.kind, &have.kind, col) {
        (ColumnKind::Text | ColumnKind::Identifier, _, _) => Err(Error::InvalidData(format!(
            "column `{}` of kind {} cannot be a feature column",
            snippet(name),
            want.kind.name()
        ))),
        (
            ColumnKind::Categorical { categories: exp },
            ColumnKind::Categorical { categories: got },
            Column::Values(v),
        ) => remap_codes(name, v, got, exp, unseen),
        (ColumnKind::Categorical { categories: exp }, _, Column::Strings(s)) => match unseen {
            None => encode_fixed(name, s, exp),
            Some(unseen) => {
                let got: Vec<String> = s
                    .iter()
                    .flatten()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .cloned()
                    .collect();
                let index: BTreeMap<&str, usize> = got
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i))
                    .collect();
                let codes: Vec<f64> = s
                    .iter()
                    .map(|v| {
                        v.as_deref()
                            .and_then(|v| index.get(v))
                            .map_or(f64::NAN, |&i| i as f64)
                    })
                    .collect();
                remap_codes(name, &codes, &got, exp, Some(unseen))
            }
        },
        (
            ColumnKind::Categorical { categories: exp },
            ColumnKind::Numeric | ColumnKind::Integer,
            Column::Values(v),
        ) => {
            let s: Vec<Option<String>> = v
                .iter()
                .map(|x| (!x.is_nan()).then(|| format_number(*x)))
                .collect();
            encode_fixed(name, &s, exp)
        }
        (ColumnKind::Categorical { categories: exp }, ColumnKind::Boolean, Column::Values(v)) => v
            .iter()
            .map(|b| {
                if b.is_nan() {
                    return Ok(f64::NAN);
                }
                let want_b = *b != 0.0;
                exp.iter()
                    .position(|c| parse_bool(c, true) == Some(want_b))
                    .map(|i| i as f64)
                    .ok_or_else(|| {
                        unknown_category(name, if want_b { "true" } else { "false" }, exp)
                    })
            })
            .collect(),
        (
            ColumnKind::Numeric | ColumnKind::Integer | ColumnKind::Boolean | ColumnKind::Datetime,
            ColumnKind::Numeric | ColumnKind::Integer | ColumnKind::Boolean | ColumnKind::Datetime,
            Column::Values(v),
        ) => {
            if want.kind == ColumnKind::Boolean
                && let Some(x) = v.iter().find(|x| !x.is_nan() && **x != 0.0 && **x != 1.0)
            {
                return Err(Error::InvalidData(format!(
                    "{}: column `{}` holds {x}, and the model expects a boolean (0 or 1)",
                    t.source,
                    snippet(name)
                )));
            }
            Ok(v.clone())
        }
        (want_kind, have_kind, _) => Err(mismatch(t, name, have_kind, want_kind)),
    }
}

pub(crate) fn features(t: &Table, expected: &Schema) -> Result<Array2<f64>> {
    let n = t.n_rows();
    let mut x = Array2::<f64>::zeros((n, expected.len()));
    for (k, want) in expected.columns.iter().enumerate() {
        let v = feature_column(t, want, None)?;
        x.column_mut(k)
            .assign(&ndarray::ArrayView1::from(v.as_slice()));
    }
    Ok(x)
}

pub(crate) fn features_keeping_unseen(
    t: &Table,
    expected: &Schema,
) -> Result<(Array2<f64>, Vec<Vec<String>>)> {
    let n = t.n_rows();
    let mut x = Array2::<f64>::zeros((n, expected.len()));
    let mut unseen = vec![Vec::new(); expected.len()];
    for (k, want) in expected.columns.iter().enumerate() {
        let v = feature_column(t, want, Some(&mut unseen[k]))?;
        x.column_mut(k)
            .assign(&ndarray::ArrayView1::from(v.as_slice()));
    }
    Ok((x, unseen))
}
