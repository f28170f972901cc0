//! LIBSVM / svmlight sparse text, read into a dense table `label`, `f1`..`fN`, or — when the
//! dense table would be too large, or [`ReadOptions::sparse`] asks — a table of `label` whose
//! features stay one CSR matrix ([`Table::sparse`]) with column `j` = the file's index `j`.
//!
//! Each line is `label idx:value idx:value ... [# comment]`; a `qid:` pair is ignored, as are
//! blank and comment-only lines. Indices are 1-based unless some index is 0, in which case all
//! are 0-based (scikit-learn's `zero_based="auto"`); either way index `i` becomes column `f{i}`
//! (`f1`… or `f0`…). Indices must be increasing on each line. Features a line does not list are
//! 0, as svmlight means.

use std::path::Path;

use satori_core::{Error, Result};

use super::infer::{Raw, RawTable, RowLines};
use super::values::is_int_literal;
use crate::table::{ReadOptions, Table};

/// The most cells (rows × features) a LIBSVM file may expand to: 2^28 (2 GiB of `f64`).
const MAX_DENSE_CELLS: usize = 1 << 28;

struct Row {
    line: u64,
    label: f64,
    pairs: Vec<(u64, f64)>,
}

/// Read LIBSVM text from bytes.
pub(crate) fn read_libsvm(bytes: &[u8], source: &str, opts: &ReadOptions) -> Result<Table> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        perr(
            source,
            line,
            "",
            "the line is not valid UTF-8 (satori reads UTF-8 text files)",
        )
    })?;
    let mut rows = Vec::new();
    let mut int_labels = true;
    let mut min_idx = u64::MAX;
    let mut max_idx = 0u64;
    for (i, raw_line) in text.lines().enumerate() {
        let content = raw_line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let (row, int_label) = parse_line(content, i as u64 + 1, source)?;
        int_labels &= int_label;
        if let (Some(first), Some(last)) = (row.pairs.first(), row.pairs.last()) {
            min_idx = min_idx.min(first.0);
            max_idx = max_idx.max(last.0);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(perr(
            source,
            1,
            "",
            "the file has no data lines (`label idx:value ...`)",
        ));
    }
    let n_features = feature_count(min_idx, max_idx);
    let too_wide = usize::try_from(n_features)
        .ok()
        .is_none_or(|n| n.saturating_mul(rows.len()) > MAX_DENSE_CELLS);
    if opts.sparse.unwrap_or(too_wide) {
        let width = if min_idx == u64::MAX { 0 } else { max_idx + 1 };
        return sparse_table(rows, int_labels, width, source, opts);
    }
    dense_table(rows, int_labels, min_idx, max_idx, source, opts)
}

/// The number of feature columns: the largest index (plus one if 0-based).
fn feature_count(min_idx: u64, max_idx: u64) -> u64 {
    if min_idx == u64::MAX {
        0
    } else if min_idx == 0 {
        max_idx + 1
    } else {
        max_idx
    }
}

/// The rows as a table of `label` with the features in one CSR matrix whose column `j` is the
/// file's index `j` (`f0`…`fN`: whatever the file's base, no detection that a new file could
/// contradict).
fn sparse_table(
    rows: Vec<Row>,
    int_labels: bool,
    n_features: u64,
    source: &str,
    opts: &ReadOptions,
) -> Result<Table> {
    let n_features = usize::try_from(n_features).map_err(|_| {
        Error::InvalidData(format!("{source}: feature index {n_features} is too large"))
    })?;
    let nnz = rows.iter().map(|r| r.pairs.len()).sum();
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    let mut labels = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    indptr.push(0);
    for row in rows {
        labels.push(row.label);
        lines.push(row.line);
        for (idx, v) in row.pairs {
            // Column = the file's own index (0- or 1-based alike, so a new file always lines up
            // with the training one); explicit zeros are not stored; indices increase (checked).
            if v != 0.0 {
                indices.push(idx as usize);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    let matrix = sprs::CsMat::try_new((labels.len(), n_features), indptr, indices, data)
        .map_err(|e| Error::Internal(format!("{source}: building the sparse matrix: {e:?}")))?;
    if let Some(v) = matrix.data().iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{source}: a feature value is {v}; sparse features must be finite"
        )));
    }
    let mut table = RawTable {
        source: source.to_string(),
        names: vec!["label".to_string()],
        cols: vec![Raw::Num {
            vals: labels,
            int_text: int_labels,
            first_nonint: None,
        }],
        forced: opts
            .kinds
            .get("label")
            .map(|k| [("label".to_string(), k.clone())].into_iter().collect())
            .unwrap_or_default(),
        lines: RowLines::Explicit(lines),
        notes: Vec::new(),
    }
    .into_table()?;
    table.notes.push(format!(
        "{source}: {} features kept as a sparse matrix ({} stored values, {:.3}% dense)",
        n_features,
        matrix.nnz(),
        100.0 * matrix.nnz() as f64 / (matrix.rows().max(1) * n_features.max(1)) as f64
    ));
    table.sparse = Some(matrix);
    Ok(table)
}

/// The rows as a dense table `label`, `f1`..`fN`.
fn dense_table(
    rows: Vec<Row>,
    int_labels: bool,
    min_idx: u64,
    max_idx: u64,
    source: &str,
    opts: &ReadOptions,
) -> Result<Table> {
    let zero_based = min_idx == 0;
    let n_features = usize::try_from(feature_count(min_idx, max_idx))
        .ok()
        .filter(|&n| n.saturating_mul(rows.len()) <= MAX_DENSE_CELLS)
        .ok_or_else(|| {
            Error::InvalidData(format!(
                "{source}: feature index {max_idx} is too large for a dense table of {} rows \
                 (read it as a sparse matrix: --sparse)",
                rows.len()
            ))
        })?;
    let n = rows.len();
    let mut features = vec![vec![0.0; n]; n_features];
    let mut labels = Vec::with_capacity(n);
    let mut lines = Vec::with_capacity(n);
    for (r, row) in rows.into_iter().enumerate() {
        labels.push(row.label);
        lines.push(row.line);
        for (idx, v) in row.pairs {
            let j = if zero_based { idx } else { idx - 1 } as usize;
            features[j][r] = v;
        }
    }
    let mut names = vec!["label".to_string()];
    let mut cols = vec![Raw::Num {
        vals: labels,
        int_text: int_labels,
        first_nonint: None,
    }];
    for (j, f) in features.into_iter().enumerate() {
        // Named by the file's own index, so the column of index `i` is `f{i}` whatever the base:
        // a new file with another base cannot shift features silently (a missing column is an
        // error by name instead).
        names.push(format!("f{}", if zero_based { j } else { j + 1 }));
        cols.push(Raw::Num {
            vals: f,
            int_text: false,
            first_nonint: None,
        });
    }
    let super::csv::Overrides {
        forced,
        dropped,
        notes,
    } = super::csv::overrides(&names, opts, source)?;
    let (names, cols): (Vec<String>, Vec<Raw>) = names
        .into_iter()
        .zip(cols)
        .filter(|(n, _)| !dropped.contains(n))
        .unzip();
    if names.is_empty() {
        return Err(Error::InvalidData(format!(
            "{source}: every column was dropped"
        )));
    }
    RawTable {
        source: source.to_string(),
        names,
        cols,
        forced,
        lines: RowLines::Explicit(lines),
        notes,
    }
    .into_table()
}

/// One non-empty line (comment removed): the row, and whether its label is an integer literal.
fn parse_line(content: &str, line: u64, source: &str) -> Result<(Row, bool)> {
    let mut tokens = content.split_ascii_whitespace();
    let label_text = tokens.next().unwrap_or("");
    let label = super::values::parse_number(label_text.as_bytes())
        .filter(|v| !v.is_nan())
        .ok_or_else(|| {
            let msg = format!("`{label_text}` is not a numeric label");
            perr(source, line, "label", msg)
        })?;
    let mut pairs: Vec<(u64, f64)> = Vec::new();
    for tok in tokens {
        let (k, v) = tok.split_once(':').ok_or_else(|| {
            let msg = format!("`{tok}` is not an `index:value` pair");
            perr(source, line, "", msg)
        })?;
        if k == "qid" {
            continue;
        }
        let idx: u64 = k.parse().map_err(|_| {
            let msg = format!("`{k}` is not a feature index (a whole number ≥ 0)");
            perr(source, line, "", msg)
        })?;
        let column = format!("index {idx}");
        let val = super::values::parse_number(v.as_bytes())
            .ok_or_else(|| perr(source, line, &column, format!("`{v}` is not a number")))?;
        if let Some(&(prev, _)) = pairs.last()
            && idx <= prev
        {
            let msg = format!("feature indices must be increasing on a line ({idx} after {prev})");
            return Err(perr(source, line, &column, msg));
        }
        pairs.push((idx, val));
    }
    let row = Row { line, label, pairs };
    Ok((row, is_int_literal(label_text.as_bytes())))
}

fn perr(source: &str, line: u64, column: &str, message: impl Into<String>) -> Error {
    Error::Parse {
        source_name: source.to_string(),
        line,
        column: column.to_string(),
        message: message.into(),
    }
}

/// Read a LIBSVM file.
pub(crate) fn read_libsvm_file(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_libsvm(&bytes, &path.display().to_string(), opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    #[test]
    fn one_based_with_qid_and_comments() {
        let t = read_libsvm(
            b"# header comment\n1 qid:3 1:0.5 3:2 # tail\n\n-1 2:1.5\n",
            "x.svm",
            &ReadOptions::default(),
        )
        .unwrap();
        let names: Vec<&str> = t.schema.names().collect();
        assert_eq!(names, ["label", "f1", "f2", "f3"]);
        assert_eq!(t.columns[0], Column::Values(vec![1.0, -1.0]));
        assert_eq!(t.columns[1], Column::Values(vec![0.5, 0.0]));
        assert_eq!(t.columns[2], Column::Values(vec![0.0, 1.5]));
        assert_eq!(t.columns[3], Column::Values(vec![2.0, 0.0]));
    }

    #[test]
    fn zero_based_when_an_index_is_zero() {
        let t = read_libsvm(b"0 0:1 2:3\n1 1:4\n", "x", &ReadOptions::default()).unwrap();
        assert_eq!(t.schema.len(), 4);
        let names: Vec<&str> = t.schema.names().collect();
        assert_eq!(
            names,
            ["label", "f0", "f1", "f2"],
            "named by the file's own index"
        );
        assert_eq!(t.columns[1], Column::Values(vec![1.0, 0.0]));
        assert_eq!(t.columns[3], Column::Values(vec![3.0, 0.0]));
    }

    #[test]
    fn errors_name_the_line() {
        let e = read_libsvm(b"1 1:2\n1 3:x\n", "x.svm", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("x.svm:2:"), "{e}");
        let e = read_libsvm(b"1 3:1 2:1\n", "x.svm", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("increasing"), "{e}");
        let e = read_libsvm(b"abc 1:1\n", "x.svm", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("not a numeric label"), "{e}");
        assert!(read_libsvm(b"# only\n", "x", &ReadOptions::default()).is_err());
    }
}
