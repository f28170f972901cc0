//! Request bodies to rows of text cells, and cells to a table through the model's own reader.
//!
//! The server never coerces types itself: every request (JSON rows, JSON columns, v2 tensors)
//! becomes rows of text cells — a JSON number as its shortest round-trip text, a string as it is,
//! `null` as an empty (missing) cell — and those cells are read by `satori-data`'s CSV reader with
//! the options the model file dictates ([`satori_pipeline::FittedPipeline::read_options`]), the
//! same reader and options `satori predict` uses on a file. Names, kinds, categories, missing
//! markers and unseen categories therefore behave exactly as on the command line.

use satori_data::{ReadOptions, Table};
use serde_json::Value;

use crate::error::ApiError;

/// Rows of text cells under one header: what every JSON request becomes before reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// The column names.
    pub header: Vec<String>,
    /// One entry per row, one cell per header name.
    pub rows: Vec<Vec<String>>,
}

impl Cells {
    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// The cells as CSV bytes (comma-separated, quoted where needed).
    pub fn to_csv(&self) -> Vec<u8> {
        csv_bytes(&self.header, self.rows.iter())
    }

    /// Read the cells as the model reads a file: through the CSV reader with `opts` (the model's
    /// read options), the delimiter fixed to the comma these cells are written with.
    pub fn read(&self, opts: &ReadOptions) -> Result<Table, ApiError> {
        read_cells(&self.header, self.rows.iter(), opts)
    }
}

/// Write a header and rows as CSV bytes.
pub(crate) fn csv_bytes<'a>(
    header: &[String],
    rows: impl Iterator<Item = &'a Vec<String>>,
) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    // Writing to memory cannot fail; a failure here would be a broken invariant, reported below.
    let mut ok = w.write_record(header).is_ok();
    for row in rows {
        ok &= w.write_record(row).is_ok();
    }
    debug_assert!(ok);
    w.into_inner().unwrap_or_default()
}

/// Read header + rows through the CSV reader with the model's options.
pub(crate) fn read_cells<'a>(
    header: &[String],
    rows: impl Iterator<Item = &'a Vec<String>>,
    opts: &ReadOptions,
) -> Result<Table, ApiError> {
    let bytes = csv_bytes(header, rows);
    let opts = ReadOptions {
        delimiter: Some(b','),
        ..opts.clone()
    };
    Ok(satori_data::read_csv_bytes("request", &bytes, &opts)?)
}

/// A JSON value as a cell's text: `null` is missing (empty), numbers in their shortest
/// round-trip form, booleans as `true`/`false`, strings as they are. Arrays and objects are not
/// cells.
pub fn cell_text(v: &Value, column: &str) -> Result<String, ApiError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.clone()),
        Value::Array(_) | Value::Object(_) => Err(ApiError::BadRequest(format!(
            "column `{}`: a cell must be a number, a string, a boolean or null, not {}",
            satori_core::snippet(column),
            if v.is_array() {
                "an array"
            } else {
                "an object"
            }
        ))),
    }
}

/// The body of `POST /predict` in JSON: `{"rows": [{"col": value, …}, …]}` or
/// `{"columns": {"col": [value, …], …}}`.
pub fn predict_body(body: &Value) -> Result<Cells, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object with `rows` (a list of objects) or `columns` (an \
             object of lists)"
                .into(),
        ));
    };
    match (obj.get("rows"), obj.get("columns")) {
        (Some(rows), None) => rows_cells(rows),
        (None, Some(columns)) => columns_cells(columns),
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "give either `rows` or `columns`, not both".into(),
        )),
        (None, None) => Err(ApiError::BadRequest(
            "the body needs `rows` (a list of objects) or `columns` (an object of lists)".into(),
        )),
    }
}

/// `[{"col": value}, …]`: the header is every key in order of first appearance; a row without a
/// key has a missing value there (a column no row has is missing from the table, as a column
/// missing from a file).
fn rows_cells(rows: &Value) -> Result<Cells, ApiError> {
    let Some(rows) = rows.as_array() else {
        return Err(ApiError::BadRequest(
            "`rows` must be a list of objects".into(),
        ));
    };
    let mut header: Vec<String> = Vec::new();
    let mut index = std::collections::BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(row) = row.as_object() else {
            return Err(ApiError::BadRequest(format!(
                "`rows[{i}]` must be an object of column → value"
            )));
        };
        for k in row.keys() {
            if !index.contains_key(k) {
                index.insert(k.clone(), header.len());
                header.push(k.clone());
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = vec![String::new(); header.len()];
        for (k, v) in row.as_object().into_iter().flatten() {
            cells[index[k]] = cell_text(v, k)?;
        }
        out.push(cells);
    }
    non_empty(Cells { header, rows: out })
}

/// `{"col": [value, …]}`: every list the same length.
fn columns_cells(columns: &Value) -> Result<Cells, ApiError> {
    let Some(columns) = columns.as_object() else {
        return Err(ApiError::BadRequest(
            "`columns` must be an object of column → list of values".into(),
        ));
    };
    let mut header = Vec::new();
    let mut lists = Vec::new();
    for (name, values) in columns {
        let Some(values) = values.as_array() else {
            return Err(ApiError::BadRequest(format!(
                "`columns.{}` must be a list of values",
                satori_core::snippet(name)
            )));
        };
        header.push(name.clone());
        lists.push((name, values));
    }
    column_lists(header, &lists)
}

fn column_lists(header: Vec<String>, lists: &[(&String, &Vec<Value>)]) -> Result<Cells, ApiError> {
    let n = lists.first().map_or(0, |(_, v)| v.len());
    for (name, values) in lists {
        if values.len() != n {
            return Err(ApiError::BadRequest(format!(
                "column `{}` has {} values but `{}` has {n}; every column needs one value per row",
                satori_core::snippet(name),
                values.len(),
                satori_core::snippet(lists[0].0)
            )));
        }
    }
    let mut rows = vec![Vec::with_capacity(header.len()); n];
    for (name, values) in lists {
        for (row, v) in rows.iter_mut().zip(values.iter()) {
            row.push(cell_text(v, name)?);
        }
    }
    non_empty(Cells { header, rows })
}

fn non_empty(cells: Cells) -> Result<Cells, ApiError> {
    if cells.rows.is_empty() || cells.header.is_empty() {
        return Err(ApiError::BadRequest(
            "the request holds no rows to predict".into(),
        ));
    }
    Ok(cells)
}

/// The inputs of an Open Inference Protocol v2 request: one tensor per column, `shape` `[n]` or
/// `[n, 1]`, `data` flat (or nested) in row order, `datatype` `BYTES` for strings, `FP64`/`FP32`/
/// `INT64`/`INT32`/… for numbers, `BOOL` for booleans; `null` is accepted as a missing value.
pub fn v2_inputs(body: &Value) -> Result<Cells, ApiError> {
    let Some(inputs) = body.get("inputs").and_then(Value::as_array) else {
        return Err(ApiError::BadRequest(
            "a v2 inference request needs `inputs`: a list of tensors {name, datatype, shape, \
             data}, one per column"
                .into(),
        ));
    };
    let mut header = Vec::new();
    let mut flat: Vec<Vec<Value>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, t) in inputs.iter().enumerate() {
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::BadRequest(format!("`inputs[{i}]` needs a string `name`")))?;
        let datatype = t.get("datatype").and_then(Value::as_str).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "input `{}` needs a `datatype`",
                satori_core::snippet(name)
            ))
        })?;
        let shape: Vec<i64> = t
            .get("shape")
            .and_then(Value::as_array)
            .map(|s| s.iter().map(|d| d.as_i64().unwrap_or(-1)).collect())
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "input `{}` needs a `shape`",
                    satori_core::snippet(name)
                ))
            })?;
        let data = t.get("data").ok_or_else(|| {
            ApiError::BadRequest(format!(
                "input `{}` needs `data`",
                satori_core::snippet(name)
            ))
        })?;
        let mut values = Vec::new();
        flatten(data, &mut values);
        let n = shape.first().copied().unwrap_or(-1);
        let width: i64 = shape.iter().skip(1).product();
        if shape.is_empty() || shape.iter().any(|d| *d < 0) || width != 1 {
            return Err(ApiError::BadRequest(format!(
                "input `{}`: shape {shape:?} is not [rows] or [rows, 1]; send one tensor per column",
                satori_core::snippet(name)
            )));
        }
        if values.len() as i64 != n {
            return Err(ApiError::BadRequest(format!(
                "input `{}`: shape {shape:?} says {n} values but `data` holds {}",
                satori_core::snippet(name),
                values.len()
            )));
        }
        check_datatype(name, datatype, &values)?;
        if names.iter().any(|x| x == name) {
            return Err(ApiError::BadRequest(format!(
                "input `{}` appears twice",
                satori_core::snippet(name)
            )));
        }
        names.push(name.to_string());
        header.push(name.to_string());
        flat.push(values);
    }
    let lists: Vec<(&String, &Vec<Value>)> = names.iter().zip(flat.iter()).collect();
    column_lists(header, &lists)
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| flatten(x, out)),
        other => out.push(other.clone()),
    }
}

/// Each value must be what its tensor's datatype says (or null, a missing value).
fn check_datatype(name: &str, datatype: &str, values: &[Value]) -> Result<(), ApiError> {
    let ok: fn(&Value) -> bool = match datatype {
        "BYTES" => |v| v.is_string() || v.is_null(),
        "BOOL" => |v| v.is_boolean() || v.is_null(),
        "FP64" | "FP32" | "FP16" | "BF16" => |v| v.is_number() || v.is_null(),
        "INT64" | "INT32" | "INT16" | "INT8" | "UINT64" | "UINT32" | "UINT16" | "UINT8" => {
            |v| v.is_i64() || v.is_u64() || v.is_null()
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "input `{}`: unknown datatype `{}` (use BYTES, BOOL, FP64, FP32, INT64, …)",
                satori_core::snippet(name),
                satori_core::snippet(other)
            )));
        }
    };
    if let Some(bad) = values.iter().find(|v| !ok(v)) {
        return Err(ApiError::BadRequest(format!(
            "input `{}` is {datatype} but holds {}",
            satori_core::snippet(name),
            satori_core::snippet(&bad.to_string())
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_and_columns_give_the_same_cells() {
        let a =
            predict_body(&json!({"rows": [{"x": 1.5, "c": "red"}, {"c": null, "x": 2}]})).unwrap();
        let b = predict_body(&json!({"columns": {"x": [1.5, 2], "c": ["red", null]}})).unwrap();
        // JSON objects keep their keys sorted: c, x.
        assert_eq!(a.header, vec!["c", "x"]);
        assert_eq!(a.rows, vec![vec!["red", "1.5"], vec!["", "2"]]);
        assert_eq!(a, b);
    }

    /// Decimals of 17 significant digits that serde_json's default (fast, not always correctly
    /// rounded) float parser reads one ulp away from the correctly rounded value. With the
    /// `float_roundtrip` feature the workspace enables, a JSON number becomes the very `f64` the
    /// CSV reader makes of the same text, so a row scores as `satori predict` scores it.
    const HARD_DECIMALS: [&str; 6] = [
        "179.76991766744273",
        "175.27653373626883",
        "12.933023856434187",
        "150.48285057433917",
        "17.440938569052209",
        "13.373926522378787",
    ];

    #[test]
    fn numbers_of_17_significant_digits_reach_the_reader_exactly() {
        for text in HARD_DECIMALS {
            let body: Value =
                serde_json::from_str(&format!("{{\"rows\": [{{\"x\": {text}}}]}}")).unwrap();
            let cells = predict_body(&body).unwrap();
            let cell = &cells.rows[0][0];
            let exact: f64 = text.parse().unwrap();
            assert_eq!(
                cell.parse::<f64>().unwrap().to_bits(),
                exact.to_bits(),
                "{text} became the cell {cell}"
            );
        }
    }

    #[test]
    fn bad_bodies_are_bad_requests() {
        for body in [
            json!([1, 2]),
            json!({"rows": []}),
            json!({"rows": [1]}),
            json!({"rows": [{"x": [1]}]}),
            json!({"columns": {"x": [1], "y": [1, 2]}}),
            json!({"rows": [{"x": 1}], "columns": {}}),
        ] {
            let err = predict_body(&body).unwrap_err();
            assert!(matches!(err, ApiError::BadRequest(_)), "{body}: {err:?}");
        }
    }

    #[test]
    fn v2_tensors_are_checked_against_their_shape_and_datatype() {
        let ok = v2_inputs(&json!({"inputs": [
            {"name": "x", "datatype": "FP64", "shape": [2, 1], "data": [[1.0], [2.5]]},
            {"name": "c", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]}
        ]}))
        .unwrap();
        assert_eq!(ok.rows, vec![vec!["1.0", "a"], vec!["2.5", "b"]]);
        for body in [
            json!({"inputs": [{"name": "x", "datatype": "FP64", "shape": [3], "data": [1.0]}]}),
            json!({"inputs": [{"name": "x", "datatype": "INT64", "shape": [1], "data": [1.5]}]}),
            json!({"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1], "data": [1]}]}),
            json!({"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 2], "data": [1, 2]}]}),
            json!({"inputs": [{"name": "x", "datatype": "COMPLEX", "shape": [1], "data": [1]}]}),
            json!({"outputs": []}),
        ] {
            assert!(v2_inputs(&body).is_err(), "{body}");
        }
    }
}
