//! Per-column and target summaries.

use std::collections::BTreeMap;

use satori_core::{ColumnKind, ColumnSchema, Task};

use super::{ColumnProfile, NumericSummary, TOP_N, TargetProfile, ValueCount};
use crate::write::format_number;
use crate::{Column, MAX_INFERRED_CLASSES, Table};

/// Summary of the non-missing values; `None` when there are none.
pub(crate) fn numeric_summary(values: impl Iterator<Item = f64> + Clone) -> Option<NumericSummary> {
    let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
    for v in values.clone().filter(|v| !v.is_nan()) {
        n += 1;
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    if n == 0 {
        return None;
    }
    let mean = sum / n as f64;
    let std = (n >= 2).then(|| {
        let ss: f64 = values
            .filter(|v| !v.is_nan())
            .map(|v| (v - mean) * (v - mean))
            .sum();
        (ss / (n - 1) as f64).sqrt()
    });
    Some(NumericSummary {
        min,
        mean,
        max,
        std,
    })
}

/// Number of distinct non-missing values (`-0` and `0` count as one).
fn distinct_numbers(v: &[f64]) -> usize {
    let mut present: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    present.sort_unstable_by(f64::total_cmp);
    present.dedup_by(|a, b| a == b);
    present.len()
}

/// The most frequent values, most frequent first, ties in the given (value) order.
fn top(counts: Vec<ValueCount>) -> Vec<ValueCount> {
    let mut counts: Vec<ValueCount> = counts.into_iter().filter(|c| c.count > 0).collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.count)); // stable: ties keep value order
    counts.truncate(TOP_N);
    counts
}

/// Count per category code (codes outside the list are ignored).
fn code_counts(v: &[f64], labels: &[String]) -> Vec<ValueCount> {
    let mut counts = vec![0usize; labels.len()];
    for x in v.iter().filter(|x| !x.is_nan() && **x >= 0.0) {
        if let Some(c) = counts.get_mut(*x as usize) {
            *c += 1;
        }
    }
    labels
        .iter()
        .zip(counts)
        .map(|(l, count)| ValueCount {
            value: l.clone(),
            count,
        })
        .collect()
}

fn bool_labels() -> Vec<String> {
    vec!["false".into(), "true".into()]
}

/// Count per distinct string, in code-point order.
fn string_counts(s: &[Option<String>]) -> Vec<ValueCount> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in s.iter().flatten() {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(v, count)| ValueCount {
            value: v.to_string(),
            count,
        })
        .collect()
}

/// One column's profile.
pub(crate) fn column_profile(
    schema: &ColumnSchema,
    column: &Column,
    n_rows: usize,
) -> ColumnProfile {
    let (missing, distinct, numeric, top_values) = match column {
        Column::Values(v) => {
            let missing = v.iter().filter(|x| x.is_nan()).count();
            let distinct = distinct_numbers(v);
            match &schema.kind {
                ColumnKind::Categorical { categories } => (
                    missing,
                    distinct,
                    None,
                    Some(top(code_counts(v, categories))),
                ),
                ColumnKind::Boolean => {
                    let codes: Vec<f64> = v
                        .iter()
                        .map(|x| {
                            if x.is_nan() {
                                *x
                            } else {
                                f64::from(u8::from(*x != 0.0))
                            }
                        })
                        .collect();
                    (
                        missing,
                        distinct,
                        None,
                        Some(top(code_counts(&codes, &bool_labels()))),
                    )
                }
                _ => (missing, distinct, numeric_summary(v.iter().copied()), None),
            }
        }
        Column::Strings(s) => {
            let counts = string_counts(s);
            let missing = s.iter().filter(|x| x.is_none()).count();
            (missing, counts.len(), None, Some(top(counts)))
        }
    };
    ColumnProfile {
        name: schema.name.clone(),
        kind: schema.kind.name().to_string(),
        missing,
        missing_pct: if n_rows == 0 {
            0.0
        } else {
            100.0 * missing as f64 / n_rows as f64
        },
        distinct,
        numeric,
        top: top_values,
    }
}

/// The classes of a target column, in label order, or `None` for a regression target.
pub(crate) fn target_classes(schema: &ColumnSchema, column: &Column) -> Option<Vec<ValueCount>> {
    let counts = match (column, &schema.kind) {
        (Column::Strings(s), _) => string_counts(s),
        (Column::Values(v), ColumnKind::Categorical { categories }) => code_counts(v, categories),
        (Column::Values(v), ColumnKind::Boolean) => {
            let codes: Vec<f64> = v
                .iter()
                .map(|x| {
                    if x.is_nan() {
                        *x
                    } else {
                        f64::from(u8::from(*x != 0.0))
                    }
                })
                .collect();
            code_counts(&codes, &bool_labels())
        }
        (Column::Values(_), ColumnKind::Datetime) => return None,
        (Column::Values(v), _) => {
            let mut present: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            if present.iter().any(|x| !x.is_finite() || x.fract() != 0.0) {
                return None;
            }
            present.sort_by(f64::total_cmp);
            let mut counts: Vec<(f64, usize)> = Vec::new();
            for x in present {
                match counts.last_mut() {
                    Some((last, c)) if *last == x => *c += 1,
                    _ => counts.push((x, 1)),
                }
            }
            if counts.len() > MAX_INFERRED_CLASSES {
                return None;
            }
            counts
                .into_iter()
                .map(|(x, count)| {
                    let mut buf = Vec::new();
                    format_number(x, &mut buf);
                    ValueCount {
                        value: String::from_utf8_lossy(&buf).into_owned(),
                        count,
                    }
                })
                .collect()
        }
    };
    Some(counts.into_iter().filter(|c| c.count > 0).collect())
}

/// The target's profile.
pub(crate) fn target_profile(table: &Table, i: usize) -> TargetProfile {
    let (schema, column) = (&table.schema.columns[i], &table.columns[i]);
    let missing = match column {
        Column::Values(v) => v.iter().filter(|x| x.is_nan()).count(),
        Column::Strings(s) => s.iter().filter(|x| x.is_none()).count(),
    };
    match (target_classes(schema, column), column) {
        (Some(classes), _) => {
            let max = classes.iter().map(|c| c.count).max();
            let min = classes.iter().map(|c| c.count).min();
            let imbalance_ratio = max.zip(min).map(|(a, b)| a as f64 / b as f64);
            let majority = classes.iter().find(|c| Some(c.count) == max);
            let minority = classes.iter().find(|c| Some(c.count) == min);
            let imbalance = majority
                .zip(minority)
                .zip(imbalance_ratio)
                .map(|((a, b), r)| super::Imbalance {
                    ratio: r,
                    threshold: super::IMBALANCE_WARNING_RATIO,
                    imbalanced: classes.len() >= 2 && r >= super::IMBALANCE_WARNING_RATIO,
                    majority: a.clone(),
                    minority: b.clone(),
                });
            TargetProfile {
                name: schema.name.clone(),
                task: if classes.len() <= 2 {
                    Task::Binary
                } else {
                    Task::Multiclass
                },
                missing,
                classes: Some(classes),
                imbalance_ratio,
                imbalance,
                numeric: None,
            }
        }
        (None, col) => TargetProfile {
            name: schema.name.clone(),
            task: Task::Regression,
            missing,
            classes: None,
            imbalance_ratio: None,
            imbalance: None,
            numeric: match col {
                Column::Values(v) => numeric_summary(v.iter().copied()),
                Column::Strings(_) => None,
            },
        },
    }
}
