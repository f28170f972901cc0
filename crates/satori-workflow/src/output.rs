//! Writing predictions: one row per input row, in input order, complete or not at all.

use std::path::Path;

use satori_core::fs::OutputFile;
use satori_core::{Error, Result};
use satori_data::{Column, Table};
use satori_pipeline::{FittedTarget, Predictions};

/// The text of every cell of a table column (for carrying an id column through): categories as
/// their labels, whole numbers without a decimal point, missing as empty.
pub fn column_text(table: &Table, name: &str) -> Result<Vec<String>> {
    let (schema, column) = table.column(name)?;
    Ok(match column {
        Column::Strings(v) => v.iter().map(|s| s.clone().unwrap_or_default()).collect(),
        Column::Values(v) => {
            let cats = schema.kind.categories();
            v.iter()
                .map(|x| match (x.is_nan(), cats) {
                    (true, _) => String::new(),
                    (false, Some(c)) => c.get(*x as usize).cloned().unwrap_or_default(),
                    (false, None) => format!("{x}"),
                })
                .collect()
        }
    })
}

/// Write predictions as CSV, one row per input row: the id columns (if given), then for one
/// target `prediction` and with `proba` one `proba_<class>` column per class; for several
/// targets one `prediction_<target>` column per target and with `proba` one
/// `proba_<target>_<class>` column per class of each classification target. Numbers are written
/// in shortest round-trip form, so reading the file back gives the library's values bit for bit.
/// Returns the column names.
pub fn write_predictions(
    path: &Path,
    targets: &[FittedTarget],
    predictions: &[Predictions],
    ids: &[(String, Vec<String>)],
    proba: bool,
) -> Result<Vec<String>> {
    write_predictions_with(path, targets, predictions, ids, proba, &[])
}

/// [`write_predictions`] with `extra` columns (name, one value per row) after the predictions
/// and probabilities, e.g. `predict --explain`'s strongest contributions.
pub fn write_predictions_with(
    path: &Path,
    targets: &[FittedTarget],
    predictions: &[Predictions],
    ids: &[(String, Vec<String>)],
    proba: bool,
    extra: &[(String, Vec<String>)],
) -> Result<Vec<String>> {
    if targets.len() != predictions.len() || targets.is_empty() {
        return Err(Error::Internal("one set of predictions per target".into()));
    }
    let several = targets.len() > 1;
    let with_proba: Vec<bool> = predictions
        .iter()
        .map(|p| proba && p.proba.is_some())
        .collect();
    if proba && !with_proba.iter().any(|b| *b) {
        let why = if several {
            "--proba needs a classification target with probabilities; every target of this \
             model predicts a value"
        } else {
            "--proba needs a classifier that gives probabilities; this model predicts a value"
        };
        return Err(Error::InvalidData(why.into()));
    }
    let mut header: Vec<String> = ids.iter().map(|(n, _)| n.clone()).collect();
    for t in targets {
        header.push(if several {
            format!("prediction_{}", t.name)
        } else {
            "prediction".into()
        });
    }
    for (t, p) in targets.iter().zip(predictions) {
        if !(proba && p.proba.is_some()) {
            continue;
        }
        for c in t.classes.iter().flatten() {
            header.push(if several {
                format!("proba_{}_{c}", t.name)
            } else {
                format!("proba_{c}")
            });
        }
    }
    header.extend(extra.iter().map(|(n, _)| n.clone()));
    let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
    let mut out = OutputFile::create(path)?;
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&header).map_err(io)?;
        let n = predictions[0].len();
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        for i in 0..n {
            record.clear();
            record.extend(
                ids.iter()
                    .map(|(_, v)| v.get(i).cloned().unwrap_or_default()),
            );
            record.extend(predictions.iter().map(|p| p.label(i)));
            for (p, on) in predictions.iter().zip(&with_proba) {
                if let (true, Some(pr)) = (on, &p.proba) {
                    record.extend(pr.row(i).iter().map(|v| format!("{v}")));
                }
            }
            record.extend(
                extra
                    .iter()
                    .map(|(_, v)| v.get(i).cloned().unwrap_or_default()),
            );
            w.write_record(&record).map_err(io)?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    out.commit()?;
    Ok(header)
}
