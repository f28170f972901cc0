//! Reading a cost matrix from CSV (`--cost-matrix costs.csv`).

use std::path::Path;

use ndarray::Array2;
use satori_core::{Error, Result};
use satori_metrics::CostMatrix;

/// Read a cost matrix for `classes`: `costs[t][p]` is the cost of predicting class `p` for a row
/// of class `t`. The file is a square grid of numbers, optionally with a header row of predicted
/// class labels and a first column of true class labels (then rows and columns may come in any
/// order and are matched to the classes by label); without labels, rows and columns follow the
/// classes' order (as `satori inspect model.satori` lists them).
pub fn read_cost_matrix(path: &Path, classes: &[String]) -> Result<CostMatrix> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let source = path.display().to_string();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::Parse {
            source_name: source.clone(),
            line: i as u64 + 1,
            column: "-".into(),
            message: e.to_string(),
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    let is_num = |s: &str| s.parse::<f64>().is_ok();
    let header = rows
        .first()
        .is_some_and(|r| r.iter().skip(1).any(|c| !is_num(c)));
    let col_labels: Option<Vec<String>> = header.then(|| rows.remove(0));
    let row_labels = rows.iter().any(|r| r.first().is_some_and(|c| !is_num(c)));
    let k = classes.len();
    let mut grid = Array2::<f64>::zeros((k, k));
    if rows.len() != k {
        return Err(shape(&source, k, rows.len(), "rows"));
    }
    let skip = usize::from(row_labels);
    let col_order: Vec<usize> = match &col_labels {
        Some(labels) => labels
            .iter()
            .skip(skip)
            .map(|l| class_index(&source, classes, l))
            .collect::<Result<_>>()?,
        None => (0..k).collect(),
    };
    for (i, row) in rows.iter().enumerate() {
        let t = if row_labels {
            class_index(&source, classes, &row[0])?
        } else {
            i
        };
        let cells = &row[skip..];
        if cells.len() != k || col_order.len() != k {
            return Err(shape(&source, k, cells.len(), "columns"));
        }
        for (j, cell) in cells.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| Error::Parse {
                source_name: source.clone(),
                line: (i + 1 + usize::from(header)) as u64,
                column: (j + 1 + skip).to_string(),
                message: format!("`{cell}` is not a number"),
            })?;
            grid[[t, col_order[j]]] = v;
        }
    }
    CostMatrix::new(grid, k)
}

fn class_index(source: &str, classes: &[String], label: &str) -> Result<usize> {
    classes.iter().position(|c| c == label).ok_or_else(|| {
        Error::InvalidData(format!(
            "{source}: `{label}` is not one of the classes ({})",
            classes.join(", ")
        ))
    })
}

fn shape(source: &str, k: usize, got: usize, what: &str) -> Error {
    Error::InvalidData(format!(
        "{source}: a cost matrix for {k} classes needs {k} {what} of numbers (rows = true class, columns = predicted class), got {got}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn plain_and_labelled_grids() {
        let classes = vec!["a".to_string(), "b".to_string()];
        let m = read_cost_matrix(write("0,5\n1,0\n").path(), &classes).unwrap();
        assert_eq!(m.cost(0, 1), 5.0);
        let m = read_cost_matrix(write("true,b,a\nb,0,1\na,5,0\n").path(), &classes).unwrap();
        assert_eq!(m.cost(0, 1), 5.0);
        assert_eq!(m.cost(1, 0), 1.0);
    }

    #[test]
    fn wrong_shape_and_labels_are_errors() {
        let classes = vec!["a".to_string(), "b".to_string()];
        let e = read_cost_matrix(write("0,1,2\n1,0,2\n").path(), &classes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 columns"), "{e}");
        let e = read_cost_matrix(write("0,1\n").path(), &classes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 rows"), "{e}");
        let e = read_cost_matrix(write("x,a,c\na,0,1\nb,1,0\n").path(), &classes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`c`"), "{e}");
        let e = read_cost_matrix(write("0,1\n1,zero\n").path(), &classes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("zero"), "{e}");
    }
}
