//! Writing predictions: one row per input row, in input order.

use std::path::Path;

use satori_core::{Error, Result};
use satori_data::{Column, Table};

use crate::Predictions;

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

/// Write predictions as CSV: the id column (if given), `prediction`, and with `proba` one
/// `proba_<class>` column per class. Numbers are written in shortest round-trip form, so reading
/// the file back gives the library's values bit for bit.
pub fn write_predictions(
    path: &Path,
    predictions: &Predictions,
    id: Option<(&str, &[String])>,
    proba: bool,
) -> Result<()> {
    let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
    let mut w = csv::Writer::from_path(path).map_err(io)?;
    let mut header: Vec<String> = Vec::new();
    if let Some((name, _)) = id {
        header.push(name.to_string());
    }
    header.push("prediction".into());
    let probs = if proba {
        predictions.proba.as_ref()
    } else {
        None
    };
    if proba && probs.is_none() {
        return Err(Error::InvalidData(
            "--proba needs a classifier; this model predicts a continuous value".into(),
        ));
    }
    if let (Some(_), Some(classes)) = (probs, &predictions.classes) {
        header.extend(classes.iter().map(|c| format!("proba_{c}")));
    }
    w.write_record(&header).map_err(io)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..predictions.len() {
        record.clear();
        if let Some((_, ids)) = id {
            record.push(ids.get(i).cloned().unwrap_or_default());
        }
        record.push(predictions.label(i));
        if let Some(p) = probs {
            record.extend(p.row(i).iter().map(|v| format!("{v}")));
        }
        w.write_record(&record).map_err(io)?;
    }
    w.flush().map_err(|e| Error::io(path, e))?;
    Ok(())
}
