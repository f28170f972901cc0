//! The one override mechanism: `--set model.max_depth=6`, a dotted path into the serialised
//! parameters. The CLI, the tuner and the server all go through [`apply_override`].

use satori_core::{Error, Result, clip, closest_names, snippet};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Parse `path=value` as given on the command line.
pub fn parse_assignment(text: &str) -> Result<(String, String)> {
    let (path, value) = text.split_once('=').ok_or_else(|| {
        Error::param(
            "--set",
            format!(
                "`{}` is not of the form path=value (e.g. model.strategy=median)",
                snippet(text)
            ),
        )
    })?;
    let path = path.trim();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(Error::param(
            "--set",
            format!(
                "`{}` is not a dotted path such as model.strategy",
                snippet(path)
            ),
        ));
    }
    Ok((path.to_string(), value.trim().to_string()))
}

/// The value of a `--set`: JSON when it parses as JSON (numbers, booleans, null, arrays, quoted
/// strings), otherwise the text as a string (so `model.strategy=median` needs no quotes); a
/// bracketed list of such values needs no quotes either (`model.members=[gbm,logistic]`).
pub fn parse_value(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str(text) {
        return v;
    }
    let trimmed = text.trim();
    if let Some(inner) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
        && !inner.contains(['[', ']', '{', '}'])
    {
        if inner.trim().is_empty() {
            return Value::Array(Vec::new());
        }
        return Value::Array(
            inner
                .split(',')
                .map(|item| parse_value(item.trim()))
                .collect(),
        );
    }
    Value::String(text.to_string())
}

/// Set `path` in a JSON tree to `value`. Every segment but the last must exist (so that a typo
/// is an error naming the closest valid keys); the last may be new only if `allow_new` is true.
pub fn set_path(root: &mut Value, path: &str, value: Value, allow_new: bool) -> Result<()> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let here = snippet(&segments[..=i].join("."));
        let parent = snippet(&segments[..i].join("."));
        node = match node {
            Value::Array(items) => {
                // A list (e.g. `preprocessing.1.with_mean`) is indexed by position.
                let len = items.len();
                let idx = seg
                    .parse::<usize>()
                    .ok()
                    .filter(|k| *k < len)
                    .ok_or_else(|| {
                        Error::param(
                            &here,
                            format!("`{parent}` is a list of {len}; use an index 0..{len}"),
                        )
                    })?;
                if last {
                    items[idx] = value;
                    return Ok(());
                }
                &mut items[idx]
            }
            // `model.class_weight.yes=3`: a class-weight map takes any class label, and a word
            // (`"none"`, `"balanced"`) becomes a map.
            node if last && i > 0 && segments[i - 1] == "class_weight" => {
                if !node.is_object() {
                    *node = Value::Object(Default::default());
                }
                if let Value::Object(map) = node {
                    map.insert((*seg).to_string(), value);
                }
                return Ok(());
            }
            Value::Object(map) => {
                if !(map.contains_key(*seg) || (last && allow_new)) {
                    let suggestions = closest_names(seg, map.keys().map(String::as_str), 3);
                    let valid: Vec<&str> = map.keys().map(String::as_str).collect();
                    let hint = if suggestions.is_empty() {
                        format!("valid names here: {}", valid.join(", "))
                    } else {
                        let list: Vec<String> =
                            suggestions.iter().map(|s| format!("`{s}`")).collect();
                        format!("did you mean {}?", list.join(", "))
                    };
                    return Err(Error::param(here, format!("no such parameter; {hint}")));
                }
                if last {
                    // A new `kind` (model) or `step` (preprocessing step) is another type whose
                    // fields are not the old one's: start it from its defaults, so that
                    // `--set model.kind=ridge` on a boosting run does not keep boosting's fields.
                    let switches = matches!(*seg, "kind" | "step")
                        && value.is_string()
                        && map
                            .get(*seg)
                            .is_some_and(|old| old.is_string() && *old != value);
                    if switches {
                        map.clear();
                    }
                    map.insert((*seg).to_string(), value);
                    return Ok(());
                }
                map.get_mut(*seg).expect("checked above")
            }
            _ => {
                return Err(Error::param(
                    snippet(path),
                    format!("`{parent}` is not a group of parameters"),
                ));
            }
        };
    }
    Ok(())
}

/// Apply `path=value` assignments to serialisable parameters and read them back; the typed
/// deserialisation (with `deny_unknown_fields`) and `validate` catch values of the wrong type or
/// range.
pub fn apply_overrides<T: Serialize + DeserializeOwned>(
    params: &T,
    sets: &[(String, String)],
) -> Result<T> {
    let mut tree = serde_json::to_value(params)
        .map_err(|e| Error::Internal(format!("cannot serialise parameters: {e}")))?;
    for (path, value) in sets {
        // Optional fields serialise as null, so a present key always exists to be overridden.
        set_path(&mut tree, path, parse_value(value), false)?;
    }
    serde_json::from_value(tree).map_err(|e| {
        let mut paths: Vec<String> = sets.iter().map(|(p, _)| snippet(p)).collect();
        paths.dedup();
        Error::param(clip(&paths.join(", "), 120), clip(&e.to_string(), 300))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_assignments() {
        assert_eq!(
            parse_assignment("model.a=3").unwrap(),
            ("model.a".into(), "3".into())
        );
        assert!(parse_assignment("model.a").is_err());
        assert!(parse_assignment("model..a=1").is_err());
        assert!(parse_assignment("=1").is_err());
    }

    #[test]
    fn values_are_json_or_strings() {
        assert_eq!(parse_value("3"), json!(3));
        assert_eq!(parse_value("0.5"), json!(0.5));
        assert_eq!(parse_value("true"), json!(true));
        assert_eq!(parse_value("median"), json!("median"));
        assert_eq!(parse_value("[1,2]"), json!([1, 2]));
        // Lists of bare words need no quotes; their items are parsed like single values.
        assert_eq!(
            parse_value("[gbm, logistic,forest]"),
            json!(["gbm", "logistic", "forest"])
        );
        assert_eq!(parse_value("[gbm,0.5]"), json!(["gbm", 0.5]));
        assert_eq!(parse_value("[]"), json!([]));
        assert_eq!(parse_value("[a,[b]"), json!("[a,[b]"));
    }

    #[test]
    fn a_new_kind_starts_from_its_own_defaults() {
        let mut v = json!({"model": {"kind": "gbm_classifier", "cat_smooth": 10.0}});
        set_path(&mut v, "model.kind", json!("ridge"), false).unwrap();
        assert_eq!(v["model"], json!({"kind": "ridge"}));
        let mut v = json!({"preprocessing": [{"step": "standard_scaler", "with_mean": true}]});
        set_path(
            &mut v,
            "preprocessing.0.step",
            json!("min_max_scaler"),
            false,
        )
        .unwrap();
        assert_eq!(v["preprocessing"][0], json!({"step": "min_max_scaler"}));
        // Setting the same kind keeps the other fields.
        let mut v = json!({"model": {"kind": "ridge", "alpha": 2.0}});
        set_path(&mut v, "model.kind", json!("ridge"), false).unwrap();
        assert_eq!(v["model"]["alpha"], 2.0);
    }

    #[test]
    fn typo_names_closest_key() {
        let mut v = json!({"model": {"strategy": "mean", "quantile": null}});
        let e = set_path(&mut v, "model.stratgy", json!("median"), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("model.stratgy") && e.contains("`strategy`"),
            "{e}"
        );
        set_path(&mut v, "model.strategy", json!("median"), false).unwrap();
        assert_eq!(v["model"]["strategy"], "median");
        let e = set_path(&mut v, "model.strategy.x", json!(1), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a group"), "{e}");
    }
}
