//! The profile's warnings: constant, identifier, mostly-missing, leaking and imbalanced columns.

use std::collections::BTreeMap;

use rayon::prelude::*;
use satori_core::{ColumnKind, Task};

use super::{ColumnProfile, TargetProfile, Warning, WarningCode};
use crate::{Column, Table};

/// Above this fraction of missing values a column is `mostly_missing`.
pub const MOSTLY_MISSING_FRACTION: f64 = 0.5;
/// Above this absolute Pearson correlation with a numeric target a column is a `target_leak`.
pub const LEAK_CORRELATION: f64 = 0.99;
/// From this largest-to-smallest class ratio on (the smallest class below 25 % of the largest),
/// the target is `imbalanced_target`: `satori inspect` and `satori train` warn and name the
/// remedies.
pub const IMBALANCE_WARNING_RATIO: f64 = 4.0;

fn warning(code: WarningCode, column: &str, message: String) -> Warning {
    Warning {
        code,
        column: column.to_string(),
        message,
    }
}

/// Constant, identifier and mostly-missing columns, in column order.
pub(crate) fn column_warnings(table: &Table, profiles: &[ColumnProfile]) -> Vec<Warning> {
    let n = table.n_rows();
    let mut out = Vec::new();
    for ((schema, column), p) in table
        .schema
        .columns
        .iter()
        .zip(&table.columns)
        .zip(profiles)
    {
        let name = &schema.name;
        if n > 0 && p.distinct <= 1 {
            let what = if p.distinct == 0 {
                "has no value at all".to_string()
            } else {
                "holds a single value".to_string()
            };
            out.push(warning(
                WarningCode::Constant,
                name,
                format!("column `{name}` {what}, so it cannot help a model; drop it"),
            ));
        }
        let looks_like_id = match (column, &schema.kind) {
            (_, ColumnKind::Identifier) => true,
            (Column::Values(v), ColumnKind::Numeric | ColumnKind::Integer) => {
                crate::read::infer::is_int_identifier(name, v)
            }
            _ => false,
        };
        if looks_like_id {
            out.push(warning(
                WarningCode::Identifier,
                name,
                format!(
                    "column `{name}` looks like a row identifier (unique per row); a model cannot \
                     generalise from it, so it is not used as a feature"
                ),
            ));
        }
        if n > 0 && p.missing as f64 / n as f64 > MOSTLY_MISSING_FRACTION {
            out.push(warning(
                WarningCode::MostlyMissing,
                name,
                format!(
                    "column `{name}` is {:.1}% missing; consider dropping it or adding a \
                     missing-indicator feature",
                    p.missing_pct
                ),
            ));
        }
    }
    out
}

/// A per-row key of a column's value (`None` = missing) for exact-match comparisons.
fn row_keys(column: &Column) -> Vec<Option<u64>> {
    match column {
        Column::Values(v) => v
            .iter()
            .map(|x| (!x.is_nan()).then(|| (x + 0.0).to_bits()))
            .collect(),
        Column::Strings(s) => {
            let mut index: BTreeMap<&str, u64> = BTreeMap::new();
            s.iter()
                .map(|x| {
                    x.as_deref().map(|t| {
                        let next = index.len() as u64;
                        *index.entry(t).or_insert(next)
                    })
                })
                .collect()
        }
    }
}

/// Whether `feature` determines `target`: over the rows where both are present, every feature
/// value goes with a single target value, there are at least two feature values and two target
/// values, and feature values repeat (at most half as many distinct values as rows).
fn determines(feature: &[Option<u64>], target: &[Option<u64>]) -> bool {
    let mut map: BTreeMap<u64, u64> = BTreeMap::new();
    let mut targets = std::collections::BTreeSet::new();
    let mut rows = 0usize;
    for (f, t) in feature.iter().zip(target) {
        let (Some(f), Some(t)) = (f, t) else { continue };
        rows += 1;
        targets.insert(*t);
        if *map.entry(*f).or_insert(*t) != *t {
            return false;
        }
    }
    map.len() >= 2 && targets.len() >= 2 && map.len() * 2 <= rows
}

/// Pearson correlation over the rows where both values are present (`None` with fewer than
/// three such rows or a constant side).
fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let pairs = || {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let n = pairs().count();
    if n < 3 {
        return None;
    }
    let (ma, mb) = pairs().fold((0.0, 0.0), |(sa, sb), (x, y)| (sa + x, sb + y));
    let (ma, mb) = (ma / n as f64, mb / n as f64);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in pairs() {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa.sqrt() * sbb.sqrt()))
}

/// Columns that are (nearly) the target.
pub(crate) fn leak_warnings(
    table: &Table,
    target: usize,
    profile: &TargetProfile,
    columns: &[ColumnProfile],
) -> Vec<Warning> {
    let target_name = &table.schema.columns[target].name;
    let candidates: Vec<usize> = (0..table.schema.len())
        .filter(|&j| j != target && table.schema.columns[j].kind != ColumnKind::Identifier)
        .collect();
    // Rows where the target is present bound the rows a feature can be compared on.
    let target_rows = table.n_rows().saturating_sub(profile.missing);
    let found: Vec<Option<Warning>> = if profile.task == Task::Regression {
        let Column::Values(y) = &table.columns[target] else {
            return Vec::new();
        };
        candidates
            .par_iter()
            .map(|&j| {
                let col = &table.schema.columns[j];
                let Column::Values(v) = &table.columns[j] else {
                    return None;
                };
                if matches!(col.kind, ColumnKind::Categorical { .. }) {
                    return None;
                }
                let r = correlation(v, y)?;
                (r.abs() > LEAK_CORRELATION).then(|| {
                    warning(
                        WarningCode::TargetLeak,
                        &col.name,
                        format!(
                            "column `{}` has correlation {r:.4} with the target `{target_name}`: \
                             it is (nearly) the target itself, and a model trained on it would \
                             not work on new data; drop it unless it is truly known before the \
                             target",
                            col.name
                        ),
                    )
                })
            })
            .collect()
    } else {
        let y = row_keys(&table.columns[target]);
        candidates
            .par_iter()
            .map(|&j| {
                let col = &table.schema.columns[j];
                // Over the compared rows a column keeps at least `distinct - profile.missing`
                // distinct values; skip the exact check when that is already too many.
                let min_distinct = columns[j].distinct.saturating_sub(profile.missing);
                if min_distinct * 2 > target_rows {
                    return None;
                }
                determines(&row_keys(&table.columns[j]), &y).then(|| {
                    warning(
                        WarningCode::TargetLeak,
                        &col.name,
                        format!(
                            "every value of column `{}` goes with a single class of the target \
                             `{target_name}`: it determines the target, which suggests a leak; \
                             drop it unless it is truly known before the target",
                            col.name
                        ),
                    )
                })
            })
            .collect()
    };
    found.into_iter().flatten().collect()
}

/// From this strength of association between a column's missingness and the target (Cramér's V
/// for a class target, the absolute point-biserial correlation for a numeric one) on, the column
/// is `missingness_predicts_target`.
pub const MISSINGNESS_ASSOCIATION: f64 = 0.5;
/// Fewest missing (and present) rows for the missingness warning: below, chance associations are
/// too likely.
const MISSINGNESS_MIN_ROWS: usize = 10;

/// Columns whose missingness predicts the target: the association between "this column is
/// missing" and the target, over the rows where the target is known, is at least
/// [`MISSINGNESS_ASSOCIATION`].
pub(crate) fn missingness_warnings(
    table: &Table,
    target: usize,
    columns: &[ColumnProfile],
) -> Vec<Warning> {
    let target_name = &table.schema.columns[target].name;
    let y = row_keys(&table.columns[target]);
    let numeric_target = match &table.columns[target] {
        Column::Values(v) if table.schema.columns[target].kind.categories().is_none() => Some(v),
        _ => None,
    };
    let candidates: Vec<usize> = (0..table.schema.len())
        .filter(|&j| j != target && columns[j].missing >= MISSINGNESS_MIN_ROWS)
        .collect();
    let found: Vec<Option<Warning>> = candidates
        .par_iter()
        .map(|&j| {
            let missing: Vec<bool> = row_keys(&table.columns[j])
                .iter()
                .map(Option::is_none)
                .collect();
            let (strength, how) = match numeric_target {
                Some(v) => {
                    let ind: Vec<f64> = missing.iter().map(|m| f64::from(u8::from(*m))).collect();
                    let pairs: Vec<(f64, f64)> = ind
                        .iter()
                        .zip(v.iter())
                        .filter(|(_, y)| !y.is_nan())
                        .map(|(a, b)| (*a, *b))
                        .collect();
                    let n_missing = pairs.iter().filter(|(m, _)| *m == 1.0).count();
                    if n_missing < MISSINGNESS_MIN_ROWS
                        || pairs.len() - n_missing < MISSINGNESS_MIN_ROWS
                    {
                        return None;
                    }
                    let (a, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
                    let r = correlation(&a, &b)?.abs();
                    (r, format!("point-biserial correlation {r:.2}"))
                }
                None => {
                    let v = cramers_v(&missing, &y)?;
                    (v, format!("Cramér's V {v:.2}"))
                }
            };
            (strength >= MISSINGNESS_ASSOCIATION).then(|| {
                let col = &table.schema.columns[j].name;
                warning(
                    WarningCode::MissingnessPredictsTarget,
                    col,
                    format!(
                        "whether column `{col}` is missing predicts the target `{target_name}` \
                         ({how}): if the value is recorded because of the outcome, that is a \
                         leak; models learn from the missingness (boosting natively, others \
                         through the imputer's indicator)"
                    ),
                )
            })
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// Cramér's V between a yes/no column and class keys (rows with a missing class skipped), or
/// `None` when either side has one value or too few rows.
fn cramers_v(flag: &[bool], classes: &[Option<u64>]) -> Option<f64> {
    let mut counts: BTreeMap<u64, [usize; 2]> = BTreeMap::new();
    for (f, c) in flag.iter().zip(classes) {
        let Some(c) = c else { continue };
        counts.entry(*c).or_default()[usize::from(*f)] += 1;
    }
    let col: [usize; 2] = counts
        .values()
        .fold([0, 0], |acc, r| [acc[0] + r[0], acc[1] + r[1]]);
    let n = col[0] + col[1];
    if counts.len() < 2 || col[0] < MISSINGNESS_MIN_ROWS || col[1] < MISSINGNESS_MIN_ROWS {
        return None;
    }
    let mut chi2 = 0.0;
    for r in counts.values() {
        let row = (r[0] + r[1]) as f64;
        for k in 0..2 {
            let expected = row * col[k] as f64 / n as f64;
            chi2 += (r[k] as f64 - expected).powi(2) / expected;
        }
    }
    // min(rows, columns) - 1 = 1 for a yes/no column.
    Some((chi2 / n as f64).sqrt())
}

/// A warning when the largest class is at least [`IMBALANCE_WARNING_RATIO`] times the smallest,
/// naming both classes' counts and the remedies.
pub(crate) fn imbalance_warning(profile: &TargetProfile) -> Option<Warning> {
    let imb = profile.imbalance.as_ref().filter(|i| i.imbalanced)?;
    let binary = profile.classes.as_ref().is_some_and(|c| c.len() == 2);
    let threshold = if binary {
        "--tune-threshold f1 (or another metric) picks the decision threshold; "
    } else {
        ""
    };
    Some(warning(
        WarningCode::ImbalancedTarget,
        &profile.name,
        format!(
            "the target `{}` is imbalanced: its smallest class `{}` has {} rows against {} of \
             `{}` (ratio {:.1}, warned from {}); options: weight the rare classes up with \
             --set model.class_weight=balanced (logistic, sgd, tree, forest, extra_trees, gbm, \
             mlp; or a map such as --set model.class_weight.<class>=5), resample the training \
             rows with --resample smote or --resample random_under_sampler, or train \
             balanced_random_forest; {threshold}judge the model by metrics that see the rare \
             class: average_precision (PR AUC), geometric_mean, balanced_accuracy, f1",
            profile.name,
            satori_core::clip(&imb.minority.value, 24),
            imb.minority.count,
            imb.majority.count,
            satori_core::clip(&imb.majority.value, 24),
            imb.ratio,
            imb.threshold,
        ),
    ))
}
