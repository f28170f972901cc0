//! Golden files: reference outputs written by `tests/golden/<case>/generate.py` (seeded, with the
//! versions of the reference libraries recorded) into `tests/golden/<case>/expected.json`, which is
//! committed. Tests read them with [`load`] and compare with [`assert_close`] at a stated tolerance;
//! `cargo test` never runs Python.
//!
//! JSON has no NaN or infinity: generators write them as `null` (NaN) or the strings `"nan"`,
//! `"inf"`, `"-inf"`, which [`f64_vec`] and [`f64_matrix`] read back.
//!
//! ```
//! use satori_testkit::golden;
//!
//! // tests/golden/dummy/expected.json, written by scikit-learn's DummyRegressor.
//! let expected = golden::load("dummy");
//! let y = golden::f64_vec(&expected, "/regressor/0/y");
//! let mean = golden::f64_at(&expected, "/regressor/0/mean");
//! let ours = y.iter().sum::<f64>() / y.len() as f64;
//! golden::assert_close("mean of y", &[ours], &[mean], 1e-12, 0.0);
//! ```

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use serde_json::Value;

/// The workspace root: the nearest directory at or above `start` that holds `Cargo.lock`.
pub fn workspace_root(start: &Path) -> Result<PathBuf, String> {
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no Cargo.lock at or above {}: golden files are found from the workspace root",
                start.display()
            )
        })
}

/// The path of `tests/golden/<case>/expected.json` under the workspace holding `manifest_dir`.
pub fn expected_path(manifest_dir: &Path, case: &str) -> Result<PathBuf, String> {
    Ok(workspace_root(manifest_dir)?
        .join("tests")
        .join("golden")
        .join(case)
        .join("expected.json"))
}

/// Read and parse the expected outputs of `case`, starting the search for the workspace root at
/// `manifest_dir` (pass `env!("CARGO_MANIFEST_DIR")`).
pub fn try_load_from(manifest_dir: &Path, case: &str) -> Result<Value, String> {
    let path = expected_path(manifest_dir, case)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read golden file {}: {e} (regenerate it with tests/golden/regenerate.sh {case})",
            path.display()
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| format!("golden file {} is not valid JSON: {e}", path.display()))
}

/// Read and parse `tests/golden/<case>/expected.json`. The workspace root is found from the
/// calling crate's `CARGO_MANIFEST_DIR` (set by cargo when it runs tests), or from this crate's
/// when that is unset. Panics with a readable message when the file is missing or malformed.
pub fn load(case: &str) -> Value {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    try_load_from(&dir, case).unwrap_or_else(|e| panic!("{e}"))
}

/// The value at JSON `pointer` (e.g. `/cases/0/y`), or a panic naming the pointer.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("golden file has nothing at `{pointer}`"))
}

/// One number: JSON numbers, `null` (NaN) and the strings `"nan"`, `"inf"`, `"-inf"`.
pub fn to_f64(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{n} is not representable as f64")),
        Value::Null => Ok(f64::NAN),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "nan" => Ok(f64::NAN),
            "inf" | "infinity" => Ok(f64::INFINITY),
            "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(format!("`{s}` is not a number")),
        },
        other => Err(format!("{other} is not a number")),
    }
}

/// The number at `pointer`.
pub fn f64_at(value: &Value, pointer: &str) -> f64 {
    to_f64(at(value, pointer)).unwrap_or_else(|e| panic!("golden `{pointer}`: {e}"))
}

/// The array of numbers at `pointer`.
pub fn f64_vec(value: &Value, pointer: &str) -> Vec<f64> {
    as_array(value, pointer)
        .iter()
        .enumerate()
        .map(|(i, v)| to_f64(v).unwrap_or_else(|e| panic!("golden `{pointer}`[{i}]: {e}")))
        .collect()
}

/// The array of non-negative integers at `pointer`.
pub fn usize_vec(value: &Value, pointer: &str) -> Vec<usize> {
    as_array(value, pointer)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_u64()
                .and_then(|u| usize::try_from(u).ok())
                .unwrap_or_else(|| panic!("golden `{pointer}`[{i}] = {v} is not an index"))
        })
        .collect()
}

/// The array of strings at `pointer` (numbers are written as JSON prints them).
pub fn string_vec(value: &Value, pointer: &str) -> Vec<String> {
    as_array(value, pointer)
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The matrix (array of equally long rows of numbers) at `pointer`.
pub fn f64_matrix(value: &Value, pointer: &str) -> Array2<f64> {
    let rows = as_array(value, pointer);
    let ncols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
    let mut flat = Vec::with_capacity(rows.len() * ncols);
    for (i, row) in rows.iter().enumerate() {
        let row = row
            .as_array()
            .unwrap_or_else(|| panic!("golden `{pointer}`[{i}] is not an array"));
        assert_eq!(
            row.len(),
            ncols,
            "golden `{pointer}`: row {i} has {} values, row 0 has {ncols}",
            row.len()
        );
        for (j, v) in row.iter().enumerate() {
            flat.push(to_f64(v).unwrap_or_else(|e| panic!("golden `{pointer}`[{i}][{j}]: {e}")));
        }
    }
    Array2::from_shape_vec((rows.len(), ncols), flat)
        .unwrap_or_else(|e| panic!("golden `{pointer}`: {e}"))
}

fn as_array<'a>(value: &'a Value, pointer: &str) -> &'a Vec<Value> {
    at(value, pointer)
        .as_array()
        .unwrap_or_else(|| panic!("golden `{pointer}` is not an array"))
}

/// Whether `actual` is within `atol + rtol * |expected|` of `expected` (NaN matches NaN, an
/// infinity matches the same infinity).
pub fn is_close(actual: f64, expected: f64, rtol: f64, atol: f64) -> bool {
    if actual.is_nan() || expected.is_nan() {
        return actual.is_nan() && expected.is_nan();
    }
    if actual.is_infinite() || expected.is_infinite() {
        return actual == expected;
    }
    (actual - expected).abs() <= atol + rtol * expected.abs()
}

/// Compare two arrays element by element with `atol + rtol * |expected|`; the error lists the
/// first mismatches with their absolute and relative errors.
pub fn compare_close(
    what: &str,
    actual: &[f64],
    expected: &[f64],
    rtol: f64,
    atol: f64,
) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "{what}: {} values, expected {}",
            actual.len(),
            expected.len()
        ));
    }
    let bad: Vec<usize> = (0..actual.len())
        .filter(|&i| !is_close(actual[i], expected[i], rtol, atol))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{what}: {} of {} values differ beyond rtol={rtol:e}, atol={atol:e}:",
        bad.len(),
        actual.len()
    );
    for &i in bad.iter().take(10) {
        let abs = (actual[i] - expected[i]).abs();
        let rel = abs / expected[i].abs();
        msg.push_str(&format!(
            "\n  [{i}] got {:?}, expected {:?} (abs err {abs:e}, rel err {rel:e})",
            actual[i], expected[i]
        ));
    }
    if bad.len() > 10 {
        msg.push_str(&format!("\n  … and {} more", bad.len() - 10));
    }
    Err(msg)
}

/// Assert [`compare_close`]; panics with its message.
pub fn assert_close(what: &str, actual: &[f64], expected: &[f64], rtol: f64, atol: f64) {
    if let Err(e) = compare_close(what, actual, expected, rtol, atol) {
        panic!("{e}");
    }
}

/// Assert two matrices have the same shape and are close element by element (see
/// [`compare_close`]); mismatches are reported as `[row, column]`.
pub fn assert_close_2d(
    what: &str,
    actual: ArrayView2<'_, f64>,
    expected: ArrayView2<'_, f64>,
    rtol: f64,
    atol: f64,
) {
    assert_eq!(
        actual.dim(),
        expected.dim(),
        "{what}: shape {:?}, expected {:?}",
        actual.dim(),
        expected.dim()
    );
    let ncols = actual.ncols().max(1);
    let a: Vec<f64> = actual.iter().copied().collect();
    let e: Vec<f64> = expected.iter().copied().collect();
    if let Err(msg) = compare_close(what, &a, &e, rtol, atol) {
        // Rewrite flat indices as [row, column] for readability.
        let mut out = String::new();
        for line in msg.lines() {
            match line
                .trim_start()
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
            {
                Some((idx, rest)) if idx.parse::<usize>().is_ok() => {
                    let k: usize = idx.parse().unwrap_or(0);
                    out.push_str(&format!("\n  [{}, {}]{rest}", k / ncols, k % ncols));
                }
                _ => {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(line);
                }
            }
        }
        panic!("{out}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_workspace_root() {
        let root = workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(root.join("Cargo.lock").is_file());
        assert!(root.join("crates").is_dir());
        assert!(workspace_root(Path::new("/")).is_err());
    }

    #[test]
    fn missing_case_is_a_readable_error() {
        let e = try_load_from(Path::new(env!("CARGO_MANIFEST_DIR")), "no-such-case").unwrap_err();
        assert!(
            e.contains("no-such-case") && e.contains("regenerate"),
            "{e}"
        );
    }

    #[test]
    fn reads_arrays_with_special_values() {
        let v = json!({"a": [1.5, null, "inf", "-inf", "nan"], "m": [[1, 2], [3, 4]],
                       "s": ["x", 2], "i": [0, 3]});
        let a = f64_vec(&v, "/a");
        assert_eq!(a[0], 1.5);
        assert!(a[1].is_nan() && a[4].is_nan());
        assert_eq!(a[2], f64::INFINITY);
        assert_eq!(a[3], f64::NEG_INFINITY);
        assert_eq!(f64_matrix(&v, "/m")[[1, 0]], 3.0);
        assert_eq!(string_vec(&v, "/s"), vec!["x".to_string(), "2".to_string()]);
        assert_eq!(usize_vec(&v, "/i"), vec![0, 3]);
        assert_eq!(f64_at(&v, "/m/0/1"), 2.0);
    }

    #[test]
    fn comparison_reports_mismatches() {
        assert!(compare_close("v", &[1.0, f64::NAN], &[1.0 + 1e-13, f64::NAN], 1e-12, 0.0).is_ok());
        let e = compare_close("v", &[1.0, 2.0], &[1.0, 2.1], 1e-12, 0.0).unwrap_err();
        assert!(
            e.contains("1 of 2") && e.contains("[1] got 2.0, expected 2.1"),
            "{e}"
        );
        assert!(compare_close("v", &[1.0], &[1.0, 2.0], 0.0, 0.0).is_err());
        assert!(!is_close(f64::INFINITY, 1e308, 1.0, 0.0));
        assert!(!is_close(f64::NAN, 0.0, 1.0, 1.0));
    }

    #[test]
    #[should_panic(expected = "[1, 0] got 5.0")]
    fn matrix_mismatch_names_row_and_column() {
        let a = ndarray::array![[1.0, 2.0], [5.0, 4.0]];
        let e = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        assert_close_2d("m", a.view(), e.view(), 0.0, 0.0);
    }
}
