//! `schema.toml`: forced column kinds.
//!
//! ```toml
//! [columns]
//! age = "integer"
//! income = "numeric"
//! joined = "datetime"
//! color = { kind = "categorical", categories = ["red", "green"] }
//! city = "categorical"          # categories taken from the data, sorted
//! notes = "text"
//! ```
//!
//! Kinds: `numeric`, `integer`, `boolean`, `categorical`, `text`, `datetime`, `identifier`. A
//! categorical column with `categories` fixes the codes (a value outside them is an error when
//! reading); without them the categories are the data's distinct values, sorted.

use std::collections::BTreeMap;
use std::path::Path;

use satori_core::{ColumnKind, Error, Result, snippet};

const KINDS: &str = "numeric, integer, boolean, categorical, text, datetime, identifier";

/// Parse the text of a schema file (`source` names it in messages).
pub(crate) fn parse_schema(text: &str, source: &str) -> Result<BTreeMap<String, ColumnKind>> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let start = e.span().map_or(0, |s| s.start.min(text.len()));
        let line = text.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        Error::Parse {
            source_name: source.to_string(),
            line,
            column: String::new(),
            message: format!("not a valid schema file: {}", e.message()),
        }
    })?;
    let bad =
        |name: &str, reason: String| Error::param(format!("{source}: {}", snippet(name)), reason);
    for key in doc.keys() {
        if key != "columns" {
            return Err(bad(
                key,
                "unknown section; a schema file has one table, `[columns]`, mapping column names to kinds".into(),
            ));
        }
    }
    let Some(columns) = doc.get("columns") else {
        return Err(bad(
            "columns",
            "missing `[columns]` table naming column kinds".into(),
        ));
    };
    let columns = columns.as_table().ok_or_else(|| {
        bad(
            "columns",
            "must be a table: `[columns]` then `name = \"kind\"` lines".into(),
        )
    })?;
    let mut out = BTreeMap::new();
    for (name, value) in columns {
        out.insert(name.clone(), parse_column(name, value, &bad)?);
    }
    Ok(out)
}

/// One `name = ...` entry of `[columns]`.
fn parse_column(
    name: &str,
    value: &toml::Value,
    bad: &dyn Fn(&str, String) -> Error,
) -> Result<ColumnKind> {
    let path = format!("columns.{name}");
    let (kind_name, categories) = match value {
        toml::Value::String(s) => (s.as_str(), None),
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| *k != "kind" && *k != "categories") {
                return Err(bad(
                    &path,
                    format!(
                        "unknown key `{}`; expected `kind` and optionally `categories`",
                        snippet(k)
                    ),
                ));
            }
            let kind = t
                .get("kind")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| bad(&path, format!("needs `kind = \"...\"`, one of: {KINDS}")))?;
            (kind, t.get("categories"))
        }
        _ => {
            return Err(bad(
                &path,
                format!(
                    "expected a kind name (one of: {KINDS}) or a table \
                     `{{ kind = \"categorical\", categories = [...] }}`"
                ),
            ));
        }
    };
    let kind = match kind_name {
        "numeric" => ColumnKind::Numeric,
        "integer" => ColumnKind::Integer,
        "boolean" => ColumnKind::Boolean,
        "text" => ColumnKind::Text,
        "datetime" => ColumnKind::Datetime,
        "identifier" => ColumnKind::Identifier,
        "categorical" => ColumnKind::Categorical {
            categories: parse_categories(categories, &path, bad)?,
        },
        other => {
            return Err(bad(
                &path,
                format!("unknown kind `{}`; valid kinds: {KINDS}", snippet(other)),
            ));
        }
    };
    if categories.is_some() && !matches!(kind, ColumnKind::Categorical { .. }) {
        return Err(bad(
            &path,
            "`categories` is only allowed with kind `categorical`".into(),
        ));
    }
    Ok(kind)
}

fn parse_categories(
    v: Option<&toml::Value>,
    path: &str,
    bad: &dyn Fn(&str, String) -> Error,
) -> Result<Vec<String>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let arr = v
        .as_array()
        .ok_or_else(|| bad(path, "`categories` must be an array of strings".into()))?;
    let mut cats = Vec::with_capacity(arr.len());
    for c in arr {
        let s = match c {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => super::values::format_number(*f),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(bad(path, "`categories` must be an array of strings".into())),
        };
        if cats.contains(&s) {
            return Err(bad(
                path,
                format!("category `{}` is listed twice", snippet(&s)),
            ));
        }
        cats.push(s);
    }
    Ok(cats)
}

/// Read a schema file.
pub(crate) fn load(path: &Path) -> Result<BTreeMap<String, ColumnKind>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_schema_bytes(&bytes, &path.display().to_string())
}

/// Parse the bytes of a schema file: UTF-8 text (an invalid byte is an error naming its line).
pub(crate) fn parse_schema_bytes(
    bytes: &[u8],
    source: &str,
) -> Result<BTreeMap<String, ColumnKind>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = memchr::memchr_iter(b'\n', &bytes[..e.valid_up_to()]).count() as u64 + 1;
        Error::Parse {
            source_name: source.to_string(),
            line,
            column: String::new(),
            message: "the schema file is not valid UTF-8 text".into(),
        }
    })?;
    parse_schema(text, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_categories() {
        let m = parse_schema(
            "[columns]\nage = \"integer\"\ncolor = { kind = \"categorical\", categories = [\"r\", \"g\"] }\ncity = \"categorical\"\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(m["age"], ColumnKind::Integer);
        assert_eq!(m["color"].categories().unwrap(), ["r", "g"]);
        assert_eq!(m["city"].categories().unwrap().len(), 0);
    }

    #[test]
    fn errors_are_clear() {
        let e = parse_schema("[columns]\nage = \"int\"\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown kind `int`") && e.contains("integer"),
            "{e}"
        );
        let e = parse_schema("[columns]\nage = \n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.toml:2"), "{e}");
        let e = parse_schema("[cols]\n", "s.toml").unwrap_err().to_string();
        assert!(e.contains("[columns]"), "{e}");
        let e = parse_schema(
            "[columns]\na = { kind = \"numeric\", categories = [\"x\"] }\n",
            "s",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("only allowed"), "{e}");
    }
}
