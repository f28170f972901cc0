//! LIBSVM / svmlight sparse text, read into a dense table `label`, `f1`..`fN`, or — when the
//! dense table would be too large, or [`ReadOptions::sparse`] asks — a table of `label` whose
//! features stay one CSR matrix ([`Table::sparse`]) with column `j` = the file's index `j`.
//!
//! Each line is `label idx:value idx:value ... [# comment]`; a `qid:` pair is ignored, as are
//! blank and comment-only lines. Indices are 1-based unless some index is 0, in which case all
//! are 0-based (scikit-learn's `zero_based="auto"`); either way index `i` becomes column `f{i}`
//! (`f1`… or `f0`…). Indices must be increasing on each line. Features a line does not list are
//! 0, as svmlight means.
//!
//! Limits, each an error naming the line rather than an allocation that aborts: an index is at
//! most [`MAX_FEATURE_INDEX`] (2³¹ − 1, LIBSVM's own `int` index); a dense table holds at most
//! [`MAX_DENSE_CELLS`] cells (2²⁸, 2 GiB of `f64`) and [`MAX_DENSE_COLUMNS`] feature columns
//! (2¹⁶) — larger files are read sparse unless [`ReadOptions::sparse`] is `Some(false)`, which
//! makes them an error instead.

use std::collections::BTreeSet;
use std::path::Path;

use satori_core::{Error, Result, snippet};

use super::infer::{Raw, RawTable, RowLines};
use super::values::is_int_literal;
use crate::table::{ReadOptions, Table};

/// The most cells (rows × features) a dense LIBSVM table may expand to: 2^28 (2 GiB of `f64`).
pub(crate) const MAX_DENSE_CELLS: usize = 1 << 28;

/// The most feature columns of a dense LIBSVM table: 2^16. Every dense column is a named
/// schema entry, so a file of one row with index 10^8 must not become 10^8 columns.
pub(crate) const MAX_DENSE_COLUMNS: usize = 1 << 16;

/// The largest feature index a LIBSVM file may use: 2^31 − 1, as LIBSVM's own reader (an `int`).
/// It bounds the width of the sparse matrix, which models size their per-feature state by.
pub(crate) const MAX_FEATURE_INDEX: u64 = (1 << 31) - 1;

struct Row {
    line: u64,
    label: f64,
    pairs: Vec<(u64, f64)>,
}

/// The indices a file uses: the smallest, and the largest with its line.
#[derive(Clone, Copy)]
struct Span {
    min: u64,
    max: u64,
    max_line: u64,
}

impl Span {
    /// The number of feature columns of a dense table: the largest index, plus one if 0-based.
    fn dense_width(span: Option<Span>) -> u64 {
        span.map_or(0, |s| if s.min == 0 { s.max + 1 } else { s.max })
    }

    /// The width of the sparse matrix, whose column `j` is index `j`: the largest index + 1.
    fn sparse_width(span: Option<Span>) -> u64 {
        span.map_or(0, |s| s.max + 1)
    }
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
    let mut span: Option<Span> = None;
    for (i, raw_line) in text.lines().enumerate() {
        let content = raw_line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let line = i as u64 + 1;
        let (row, int_label) = parse_line(content, line, source)?;
        int_labels &= int_label;
        if let (Some(first), Some(last)) = (row.pairs.first(), row.pairs.last()) {
            span = Some(match span {
                None => Span {
                    min: first.0,
                    max: last.0,
                    max_line: line,
                },
                Some(s) => Span {
                    min: s.min.min(first.0),
                    max: s.max.max(last.0),
                    max_line: if last.0 > s.max { line } else { s.max_line },
                },
            });
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
    // Indices are at most 2^31 - 1 (checked per line), so neither width overflows.
    let too_wide = !fits_dense(Span::dense_width(span), rows.len());
    if opts.sparse.unwrap_or(too_wide) {
        return sparse_table(rows, int_labels, Span::sparse_width(span), source, opts);
    }
    dense_table(rows, int_labels, span, source, opts)
}

/// Whether a dense table of `width` feature columns and `rows` rows is within the limits.
fn fits_dense(width: u64, rows: usize) -> bool {
    usize::try_from(width)
        .ok()
        .filter(|&w| w <= MAX_DENSE_COLUMNS)
        .and_then(|w| w.checked_mul(rows))
        .is_some_and(|cells| cells <= MAX_DENSE_CELLS)
}

/// The rows as a table of `label` with the features in one CSR matrix whose column `j` is the
/// file's index `j` (`f0`…`fN`: whatever the file's base, no detection that a new file could
/// contradict).
fn sparse_table(
    rows: Vec<Row>,
    int_labels: bool,
    width: u64,
    source: &str,
    opts: &ReadOptions,
) -> Result<Table> {
    let n_features = usize::try_from(width).map_err(|_| {
        Error::InvalidData(format!(
            "{source}: {width} features do not fit in this machine's memory"
        ))
    })?;
    let (label_kind, dropped) = sparse_overrides(opts, n_features, source)?;
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
            if !v.is_finite() {
                return Err(perr(
                    source,
                    row.line,
                    &format!("index {idx}"),
                    format!("the value is {v}; sparse features must be finite"),
                ));
            }
            // Column = the file's own index (0- or 1-based alike, so a new file always lines up
            // with the training one); explicit zeros and dropped columns are not stored; indices
            // increase (checked) and are below the width (its definition).
            let j = idx as usize;
            if v != 0.0 && !dropped.contains(&j) {
                indices.push(j);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    let matrix = sprs::CsMat::try_new((labels.len(), n_features), indptr, indices, data)
        .map_err(|e| Error::Internal(format!("{source}: building the sparse matrix: {}", e.3)))?;
    let mut table = RawTable {
        source: source.to_string(),
        names: vec!["label".to_string()],
        cols: vec![Raw::Num {
            vals: labels,
            int_text: int_labels,
            first_nonint: None,
        }],
        forced: label_kind
            .map(|k| [("label".to_string(), k)].into_iter().collect())
            .unwrap_or_default(),
        lines: RowLines::Explicit(lines),
        notes: Vec::new(),
    }
    .into_table()?;
    table.notes.push(format!(
        "{source}: {} features kept as a sparse matrix ({} stored values, {:.3}% dense)",
        n_features,
        matrix.nnz(),
        100.0 * matrix.nnz() as f64 / (matrix.rows().max(1) as f64 * n_features.max(1) as f64)
    ));
    if !dropped.is_empty() {
        let names: Vec<String> = dropped.iter().map(|j| format!("`f{j}`")).collect();
        table.notes.push(format!(
            "{source}: dropped sparse features {} (their columns are empty)",
            names.join(", ")
        ));
    }
    table.sparse = Some(matrix);
    Ok(table)
}

/// What the options say about a sparse table: the forced kind of `label`, and the sparse
/// features to drop (`f{j}`, kept as empty columns so that every other keeps its index). A
/// name that is neither `label` nor a feature is [`Error::MissingColumn`] with the closest
/// names; a sparse feature cannot be categorical.
fn sparse_overrides(
    opts: &ReadOptions,
    width: usize,
    source: &str,
) -> Result<(Option<satori_core::ColumnKind>, BTreeSet<usize>)> {
    let feature = |name: &str| -> Option<usize> {
        let digits = name.strip_prefix('f')?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        canonical
            .then(|| digits.parse::<usize>().ok())
            .flatten()
            .filter(|&j| j < width)
    };
    let missing = |name: &str| {
        let mut names = vec!["label".to_string()];
        names.extend((0..width.min(50)).map(|j| format!("f{j}")));
        if width > 50 {
            names.push(format!("f{}", width - 1));
        }
        let context = match width {
            0 => format!("{source}, whose only column is `label`"),
            w => format!(
                "{source} (its columns: `label` and the sparse features `f0`…`f{}`)",
                w - 1
            ),
        };
        Error::MissingColumn {
            name: name.to_string(),
            context,
            suggestions: satori_core::closest_names(name, names.iter().map(String::as_str), 3),
        }
    };
    let mut label_kind = opts.kinds.get("label").cloned();
    for n in &opts.categorical {
        if n == "label" {
            label_kind.get_or_insert(satori_core::ColumnKind::Categorical {
                categories: Vec::new(),
            });
        } else if feature(n).is_some() {
            return Err(Error::param(
                "categorical",
                format!(
                    "column `{n}` is a feature of the sparse matrix, and sparse features are \
                     numbers; read the file densely (without --sparse) to make it categorical"
                ),
            ));
        } else {
            return Err(missing(n));
        }
    }
    let mut dropped = BTreeSet::new();
    for n in &opts.drop {
        match feature(n) {
            Some(j) => {
                dropped.insert(j);
            }
            None if n == "label" => {
                return Err(Error::param(
                    "drop",
                    format!("{source}: `label` is the only column of a sparse LIBSVM table"),
                ));
            }
            None => return Err(missing(n)),
        }
    }
    Ok((label_kind, dropped))
}

/// The rows as a dense table `label`, `f1`..`fN`.
fn dense_table(
    rows: Vec<Row>,
    int_labels: bool,
    span: Option<Span>,
    source: &str,
    opts: &ReadOptions,
) -> Result<Table> {
    let zero_based = span.is_some_and(|s| s.min == 0);
    let width = Span::dense_width(span);
    if !fits_dense(width, rows.len()) {
        let (max, line) = span.map_or((0, 1), |s| (s.max, s.max_line));
        return Err(perr(
            source,
            line,
            &format!("index {max}"),
            format!(
                "feature index {max} makes a dense table of {width} columns and {} rows, more \
                 than {MAX_DENSE_COLUMNS} columns or 2^28 values; read the file as a sparse \
                 matrix (--sparse)",
                rows.len()
            ),
        ));
    }
    // Fits in `usize`: at most MAX_DENSE_COLUMNS.
    let n_features = width as usize;
    let n = rows.len();
    let mut features = vec![vec![0.0; n]; n_features];
    let mut labels = Vec::with_capacity(n);
    let mut lines = Vec::with_capacity(n);
    for (r, row) in rows.into_iter().enumerate() {
        labels.push(row.label);
        lines.push(row.line);
        for (idx, v) in row.pairs {
            // 1-based files have no index 0 (else the file would be 0-based), so this does not
            // underflow; every index is below the width (its definition).
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
            let msg = format!("`{}` is not a numeric label", snippet(label_text));
            perr(source, line, "label", msg)
        })?;
    let mut pairs: Vec<(u64, f64)> = Vec::new();
    for tok in tokens {
        let (k, v) = tok.split_once(':').ok_or_else(|| {
            let msg = format!("`{}` is not an `index:value` pair", snippet(tok));
            perr(source, line, "", msg)
        })?;
        if k == "qid" {
            continue;
        }
        let idx = parse_index(k).map_err(|msg| perr(source, line, "", msg))?;
        let column = format!("index {idx}");
        let val = super::values::parse_number(v.as_bytes()).ok_or_else(|| {
            perr(
                source,
                line,
                &column,
                format!("`{}` is not a number", snippet(v)),
            )
        })?;
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

/// A feature index: a whole number from 0 to [`MAX_FEATURE_INDEX`].
fn parse_index(k: &str) -> std::result::Result<u64, String> {
    let digits = !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit());
    match k.parse::<u64>() {
        Ok(i) if i <= MAX_FEATURE_INDEX => Ok(i),
        _ if digits => Err(format!(
            "feature index {} is larger than {MAX_FEATURE_INDEX} (2^31 - 1), the largest a \
             LIBSVM file may use",
            snippet(k)
        )),
        _ => Err(format!(
            "`{}` is not a feature index (a whole number from 0 to {MAX_FEATURE_INDEX})",
            snippet(k)
        )),
    }
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
