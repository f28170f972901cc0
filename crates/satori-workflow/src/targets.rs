//! One or several targets from a table: the `--target a,b,c` list, and the dataset of the rows
//! that have every target (features + targets), with an account of what was left out.

use ndarray::{Array2, Axis};
use satori_core::{Dataset, Error, Result, Schema, Target};
use satori_data::{Column, LoadReport, Table, TargetSpec};
use serde::Serialize;

/// Split a `--target a,b,c` list: names trimmed; an empty name or a name given twice is an error.
pub fn parse_targets(text: &str) -> Result<Vec<String>> {
    let names: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
    if names.iter().any(String::is_empty) {
        return Err(Error::param(
            "--target",
            format!("`{text}` has an empty target name; list the targets as a,b,c"),
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::param(
                "--target",
                format!("the target `{n}` is named twice in `{text}`"),
            ));
        }
    }
    Ok(names)
}

/// How a table's rows became training rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowsReport {
    /// Rows in the table.
    pub n_rows: usize,
    /// Rows dropped because a target was missing.
    pub dropped_missing_target: usize,
    /// Rows missing each target, in target order (a row can miss several).
    pub missing_per_target: Vec<(String, usize)>,
    /// Columns that are not features, with the reason.
    pub excluded_columns: Vec<(String, String)>,
    /// Free-text columns, vectorised by the pipeline's text stage.
    pub text_columns: Vec<String>,
}

/// The training rows of a table: features and every target, on the rows that have them all.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Features, targets (named), text columns and the sparse block of the kept rows.
    pub data: Dataset,
    /// The table rows kept, in order (row `i` of `data` is table row `rows[i]`).
    pub rows: Vec<usize>,
    /// What was left out.
    pub report: RowsReport,
}

/// Whether a cell is missing.
pub(crate) fn is_missing_cell(column: &Column, i: usize) -> bool {
    match column {
        Column::Values(v) => v[i].is_nan(),
        Column::Strings(v) => v[i].is_none(),
    }
}

/// The dataset of `table`'s rows that have every target in `specs` (targets never become
/// features). One target reads exactly as [`Table::to_dataset`]; several drop every row that
/// misses any of them, and at least 2 rows must remain.
pub fn prepare(table: &Table, specs: &[TargetSpec]) -> Result<Prepared> {
    prepare_with(table, specs, None)
}

/// [`prepare`] with the classes of a single target agreed beforehand (the merged
/// [`satori_data::TargetClasses`] of every shard of a distributed job), so that a shard codes
/// its rows' classes as the whole dataset would.
pub fn prepare_with(
    table: &Table,
    specs: &[TargetSpec],
    classes: Option<&satori_data::TargetClasses>,
) -> Result<Prepared> {
    let Some(first) = specs.first() else {
        return Err(Error::param("--target", "name at least one target"));
    };
    let idx: Vec<usize> = specs
        .iter()
        .map(|s| table.schema.require(&s.name, &table.source))
        .collect::<Result<_>>()?;
    let n_rows = table.n_rows();
    let mut missing = vec![0usize; specs.len()];
    let mut rows = Vec::with_capacity(n_rows);
    for r in 0..n_rows {
        let mut complete = true;
        for (k, &j) in idx.iter().enumerate() {
            if is_missing_cell(&table.columns[j], r) {
                missing[k] += 1;
                complete = false;
            }
        }
        if complete {
            rows.push(r);
        }
    }
    let missing_per_target: Vec<(String, usize)> =
        specs.iter().map(|s| s.name.clone()).zip(missing).collect();
    if specs.len() == 1 {
        let (data, load) = match classes {
            Some(c) => table.to_dataset_with_classes(first, c)?,
            None => table.to_dataset(first)?,
        };
        if data.n_samples() != rows.len() {
            return Err(Error::Internal(
                "the rows with a target do not match the dataset".into(),
            ));
        }
        let report = report_of(n_rows, rows.len(), missing_per_target, load);
        return Ok(Prepared {
            data: data.with_target_name(first.name.clone()),
            rows,
            report,
        });
    }
    if rows.len() < 2 {
        let counts: Vec<String> = missing_per_target
            .iter()
            .map(|(n, m)| format!("`{n}` missing in {m}"))
            .collect();
        return Err(Error::NotEnoughSamples {
            context: format!(
                "training with several targets: rows of {} that have every target ({})",
                table.source,
                counts.join(", ")
            ),
            needed: 2,
            got: rows.len(),
        });
    }
    let others: Vec<usize> = idx[1..].to_vec();
    let feature_cols: Vec<usize> = (0..table.schema.columns.len())
        .filter(|j| !others.contains(j))
        .collect();
    let (data, load) = subtable(table, &rows, &feature_cols)?.to_dataset(first)?;
    let mut targets = vec![(first.name.clone(), data.require_target()?.clone())];
    for (k, spec) in specs.iter().enumerate().skip(1) {
        let (d, _) = subtable(table, &rows, &[idx[k]])?.to_dataset(spec)?;
        targets.push((spec.name.clone(), d.require_target()?.clone()));
    }
    if targets.iter().any(|(_, t)| t.len() != rows.len()) || data.n_samples() != rows.len() {
        return Err(Error::Internal(
            "a target lost rows after the complete rows were chosen".into(),
        ));
    }
    let data = data.with_targets(targets)?;
    let report = report_of(n_rows, rows.len(), missing_per_target, load);
    Ok(Prepared { data, rows, report })
}

fn report_of(
    n_rows: usize,
    kept: usize,
    missing_per_target: Vec<(String, usize)>,
    load: LoadReport,
) -> RowsReport {
    RowsReport {
        n_rows,
        dropped_missing_target: n_rows - kept,
        missing_per_target,
        excluded_columns: load.excluded_columns,
        text_columns: load.text_columns,
    }
}

/// The rows of `table` at `rows`, with only the columns at `keep_cols`.
fn subtable(table: &Table, rows: &[usize], keep_cols: &[usize]) -> Result<Table> {
    let columns = keep_cols
        .iter()
        .map(|&j| match &table.columns[j] {
            Column::Values(v) => Column::Values(rows.iter().map(|&r| v[r]).collect()),
            Column::Strings(v) => Column::Strings(rows.iter().map(|&r| v[r].clone()).collect()),
        })
        .collect();
    let schema = Schema::new(
        keep_cols
            .iter()
            .map(|&j| table.schema.columns[j].clone())
            .collect(),
    )?;
    let sparse = match &table.sparse {
        Some(m) if rows.len() == m.rows() => Some(m.clone()),
        Some(m) => Some(satori_core::sparse::select_rows(m, rows)),
        None => None,
    };
    Ok(Table {
        source: table.source.clone(),
        schema,
        columns,
        notes: Vec::new(),
        sparse,
    })
}

/// A dataset of no feature columns whose one target is `target`: what a stratified split of
/// several targets looks at.
pub(crate) fn target_only(n: usize, target: &Target) -> Result<Dataset> {
    Dataset::with_schema(Array2::zeros((n, 0)), Schema::new(Vec::new())?)?
        .with_target(target.clone())
}

/// The first classification target of a dataset, with its name, if any.
pub(crate) fn first_classification(data: &Dataset) -> Option<(String, &Target)> {
    data.targets()
        .iter()
        .enumerate()
        .find(|(_, t)| t.task().is_classification())
        .map(|(i, t)| {
            let name = data
                .target_names()
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("target {i}"));
            (name, t)
        })
}

/// The rows at `rows` of a target.
pub(crate) fn select_target(t: &Target, rows: &[usize]) -> Result<Target> {
    Ok(match t {
        Target::Continuous(y) => Target::regression(y.select(Axis(0), rows)),
        Target::Classes { codes, labels } => {
            Target::classes(codes.select(Axis(0), rows), labels.clone())?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_lists_are_split_and_checked() {
        assert_eq!(parse_targets(" a, b ,c").unwrap(), ["a", "b", "c"]);
        assert!(
            parse_targets("a,,b")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            parse_targets("a,b,a")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }
}
