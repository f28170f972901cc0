//! The spec syntax of `--search PATH=SPEC` and of a TOML `[search]` table.
//!
//! ```text
//! assignment := PATH "=" spec
//! spec       := dist [ "if" PATH "=" value { "|" value } ]
//! dist       := "float(" number "," number { "," option } ")"
//!             | "int("   integer "," integer { "," option } ")"
//!             | "choice(" value { "," value } ")"
//! option     := "log" | "step=" number | "grid=" integer
//! value      := a JSON value (1, 0.5, true, null, "quoted, text", [64,64]) or a bare word (gbdt)
//! ```
//!
//! Examples: `model.learning_rate=float(0.01,0.3,log)`, `model.num_leaves=int(16,256,log)`,
//! `model.max_depth=int(1,10,step=3)`, `model.boosting=choice(gbdt,dart)`,
//! `model.drop_rate=float(0.05,0.5) if model.boosting=dart`.
//!
//! In TOML, each leaf of the `[search]` table (dotted keys or nested tables give the path) is
//! either a spec string or an inline table:
//!
//! ```toml
//! [search]
//! model.learning_rate = "float(0.01, 0.3, log)"
//! model.num_leaves = { int = [16, 256], log = true }
//! model.boosting = { choice = ["gbdt", "dart"] }
//! model.drop_rate = { float = [0.05, 0.5], if = { "model.boosting" = "dart" } }
//! ```

use satori_core::{Error, Result, snippet};
use serde_json::Value;

use crate::space::{Condition, Distribution, Param, SearchSpace};

/// The error for a bad spec: names the path and the spec.
fn bad(path: &str, spec: &str, reason: impl std::fmt::Display) -> Error {
    Error::param(
        format!("--search {}", snippet(path)),
        format!("`{}`: {reason}", snippet(spec.trim())),
    )
}

const EXPECTED: &str = "expected float(low,high[,log][,step=S][,grid=N]), int(low,high[,log][,step=S][,grid=N]) or choice(a,b,...)";

impl Param {
    /// Parse `PATH=SPEC`, as `--search` takes it.
    pub fn parse(assignment: &str) -> Result<Param> {
        let (path, spec) = assignment.split_once('=').ok_or_else(|| {
            Error::param(
                "--search",
                format!(
                    "`{}` is not of the form path=spec (e.g. model.learning_rate=float(0.01,0.3,log))",
                    snippet(assignment)
                ),
            )
        })?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(Error::param(
                "--search",
                format!(
                    "`{}` is not a dotted path such as model.learning_rate",
                    snippet(path)
                ),
            ));
        }
        Param::parse_spec(path, spec)
    }

    /// Parse the SPEC of parameter `path` (a distribution and an optional `if` condition).
    pub fn parse_spec(path: &str, spec: &str) -> Result<Param> {
        let text = spec.trim();
        let open = text.find('(').ok_or_else(|| bad(path, spec, EXPECTED))?;
        let kind = text[..open].trim();
        let close = matching_paren(text, open).ok_or_else(|| bad(path, spec, "no closing `)`"))?;
        let args = split_top(&text[open + 1..close], ',');
        let rest = text[close + 1..].trim();
        let distribution = match kind {
            "float" | "int" => parse_range(path, spec, kind, &args)?,
            "choice" => {
                let mut choices = Vec::with_capacity(args.len());
                for a in &args {
                    choices.push(parse_value(path, spec, a)?);
                }
                Distribution::Choice { choices }
            }
            other => {
                return Err(bad(
                    path,
                    spec,
                    format!("unknown kind `{other}`; {EXPECTED}"),
                ));
            }
        };
        let condition = if rest.is_empty() {
            None
        } else {
            let cond = rest.strip_prefix("if ").ok_or_else(|| {
                bad(
                    path,
                    spec,
                    format!(
                        "unexpected `{rest}` after the `)`; a condition reads `if parent=value`"
                    ),
                )
            })?;
            Some(parse_condition(path, spec, cond)?)
        };
        let param = Param {
            path: path.to_string(),
            distribution,
            condition,
        };
        param.distribution.validate(path).map_err(|e| match e {
            Error::InvalidParameter { reason, .. } => bad(path, spec, reason),
            other => other,
        })?;
        Ok(param)
    }
}

fn parse_range(path: &str, spec: &str, kind: &str, args: &[String]) -> Result<Distribution> {
    if args.len() < 2 {
        return Err(bad(
            path,
            spec,
            format!("{kind} needs a low and a high, e.g. {kind}(1,10)"),
        ));
    }
    let (mut log, mut step, mut grid) = (false, None::<String>, None::<usize>);
    for opt in &args[2..] {
        let opt = opt.trim();
        if opt == "log" {
            log = true;
        } else if let Some(s) = opt.strip_prefix("step=") {
            step = Some(s.trim().to_string());
        } else if let Some(g) = opt.strip_prefix("grid=") {
            let n = g.trim().parse::<usize>().map_err(|_| {
                bad(
                    path,
                    spec,
                    format!("grid=`{g}` is not a whole number of points"),
                )
            })?;
            grid = Some(n);
        } else {
            return Err(bad(
                path,
                spec,
                format!("unknown option `{opt}`; options are log, step=S, grid=N"),
            ));
        }
    }
    if kind == "float" {
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| bad(path, spec, format!("{what} `{}` is not a number", s.trim())))
        };
        let step = match step {
            Some(s) => Some(num(&s, "step")?),
            None => None,
        };
        Ok(Distribution::Float {
            low: num(&args[0], "low")?,
            high: num(&args[1], "high")?,
            log,
            step,
            grid,
        })
    } else {
        let int = |s: &str, what: &str| {
            s.trim().parse::<i64>().map_err(|_| {
                bad(
                    path,
                    spec,
                    format!("{what} `{}` is not an integer", s.trim()),
                )
            })
        };
        let step = match step {
            Some(s) => int(&s, "step")?,
            None => 1,
        };
        Ok(Distribution::Int {
            low: int(&args[0], "low")?,
            high: int(&args[1], "high")?,
            log,
            step,
            grid,
        })
    }
}

fn parse_condition(path: &str, spec: &str, cond: &str) -> Result<Condition> {
    let (parent, values) = cond.split_once('=').ok_or_else(|| {
        bad(
            path,
            spec,
            "a condition reads `if parent=value` or `if parent=a|b`",
        )
    })?;
    let parent = parent.trim();
    if parent.is_empty() || parent.split('.').any(str::is_empty) {
        return Err(bad(path, spec, format!("`{parent}` is not a dotted path")));
    }
    let mut vals = Vec::new();
    for v in split_top(values, '|') {
        vals.push(parse_value(path, spec, &v)?);
    }
    Ok(Condition {
        parent: parent.to_string(),
        values: vals,
    })
}

/// A value: JSON when it parses as JSON, otherwise a bare word as a string.
fn parse_value(path: &str, spec: &str, text: &str) -> Result<Value> {
    let t = text.trim();
    if t.is_empty() {
        return Err(bad(path, spec, "an empty value"));
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => Ok(v),
        Err(_) if t.starts_with('"') || t.starts_with('[') || t.starts_with('{') => {
            Err(bad(path, spec, format!("`{t}` is not a valid value")))
        }
        Err(_) => Ok(Value::String(t.to_string())),
    }
}

/// The index of the `)` matching the `(` at `open`, skipping quoted text and brackets.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split on `sep` outside quotes and brackets.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for c in text.chars() {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
            cur.push(c);
            continue;
        }
        match c {
            '"' => quoted = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

impl SearchSpace {
    /// A space from `--search` assignments (`PATH=SPEC` each).
    pub fn parse_specs<'a>(assignments: impl IntoIterator<Item = &'a str>) -> Result<Self> {
        let params = assignments
            .into_iter()
            .map(Param::parse)
            .collect::<Result<Vec<_>>>()?;
        SearchSpace::new(params)
    }

    /// A space from a TOML document: its `[search]` table, or the whole document when it has no
    /// `search` key.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let msg = e.message().replace('\n', " ");
            Error::param("[search]", format!("not valid TOML: {}", msg.trim()))
        })?;
        match doc.get("search") {
            Some(toml::Value::Table(t)) => SearchSpace::from_toml(t),
            Some(_) => Err(Error::param("[search]", "`search` must be a table")),
            None => SearchSpace::from_toml(&doc),
        }
    }

    /// A space from the contents of a `[search]` table (dotted keys or nested tables give the
    /// paths; each leaf is a spec string or an inline table such as `{ int = [16, 256], log =
    /// true }`).
    pub fn from_toml(table: &toml::Table) -> Result<Self> {
        let mut params = Vec::new();
        collect_toml(table, "", &mut params)?;
        SearchSpace::new(params)
    }
}

fn collect_toml(table: &toml::Table, prefix: &str, out: &mut Vec<Param>) -> Result<()> {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(spec) => out.push(Param::parse_spec(&path, spec)?),
            toml::Value::Table(t)
                if ["float", "int", "choice"]
                    .iter()
                    .any(|k| t.contains_key(*k)) =>
            {
                out.push(toml_leaf(&path, t)?)
            }
            toml::Value::Table(t) => collect_toml(t, &path, out)?,
            other => {
                return Err(Error::param(
                    format!("[search] {}", snippet(&path)),
                    format!(
                        "`{}` is not a spec; write a string such as \"float(0.01,0.3,log)\" or a table such as {{ int = [16, 256], log = true }}",
                        snippet(&other.to_string())
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn toml_leaf(path: &str, t: &toml::Table) -> Result<Param> {
    let name = format!("[search] {}", snippet(path));
    let err = |reason: String| Error::param(&name, reason);
    let json = |v: &toml::Value| {
        serde_json::to_value(v).map_err(|e| err(format!("cannot read `{v}`: {e}")))
    };
    let kinds: Vec<&str> = ["float", "int", "choice"]
        .into_iter()
        .filter(|k| t.contains_key(*k))
        .collect();
    if kinds.len() != 1 {
        return Err(err(format!(
            "give one of float, int, choice, not {}",
            kinds.join(" and ")
        )));
    }
    let kind = kinds[0];
    for k in t.keys() {
        if ![kind, "log", "step", "grid", "if"].contains(&k.as_str()) {
            return Err(err(format!(
                "unknown key `{k}`; keys are float/int/choice, log, step, grid, if"
            )));
        }
    }
    let list = match &t[kind] {
        toml::Value::Array(a) => a,
        other => return Err(err(format!("`{kind}` must be a list, got `{other}`"))),
    };
    let log = match t.get("log") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(other) => return Err(err(format!("`log` must be true or false, got `{other}`"))),
    };
    let grid = match t.get("grid") {
        None => None,
        Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as usize),
        Some(other) => return Err(err(format!("`grid` must be a whole number, got `{other}`"))),
    };
    let bounds = |kind: &str| -> Result<(toml::Value, toml::Value)> {
        match list.as_slice() {
            [a, b] => Ok((a.clone(), b.clone())),
            _ => Err(err(format!(
                "`{kind}` must be [low, high], got {} values",
                list.len()
            ))),
        }
    };
    let float = |v: &toml::Value, what: &str| match v {
        toml::Value::Float(x) => Ok(*x),
        toml::Value::Integer(i) => Ok(*i as f64),
        other => Err(err(format!("{what} `{other}` is not a number"))),
    };
    let int = |v: &toml::Value, what: &str| match v {
        toml::Value::Integer(i) => Ok(*i),
        other => Err(err(format!("{what} `{other}` is not an integer"))),
    };
    let distribution = match kind {
        "float" => {
            let (a, b) = bounds(kind)?;
            Distribution::Float {
                low: float(&a, "low")?,
                high: float(&b, "high")?,
                log,
                step: t.get("step").map(|s| float(s, "step")).transpose()?,
                grid,
            }
        }
        "int" => {
            let (a, b) = bounds(kind)?;
            Distribution::Int {
                low: int(&a, "low")?,
                high: int(&b, "high")?,
                log,
                step: t
                    .get("step")
                    .map(|s| int(s, "step"))
                    .transpose()?
                    .unwrap_or(1),
                grid,
            }
        }
        _ => {
            if t.contains_key("log") || t.contains_key("step") || t.contains_key("grid") {
                return Err(err("a choice takes no log, step or grid".into()));
            }
            Distribution::Choice {
                choices: list.iter().map(json).collect::<Result<_>>()?,
            }
        }
    };
    distribution.validate(path).map_err(|e| match e {
        Error::InvalidParameter { reason, .. } => err(reason),
        other => other,
    })?;
    let condition = match t.get("if") {
        None => None,
        Some(toml::Value::Table(c)) if c.len() == 1 => {
            let (parent, v) = c.iter().next().ok_or_else(|| err("empty `if`".into()))?;
            let values = match v {
                toml::Value::Array(a) => a.iter().map(json).collect::<Result<_>>()?,
                other => vec![json(other)?],
            };
            Some(Condition {
                parent: parent.clone(),
                values,
            })
        }
        Some(other) => {
            return Err(err(format!(
                "`if` must name one parent, e.g. if = {{ \"model.boosting\" = \"dart\" }}, got `{other}`"
            )));
        }
    };
    Ok(Param {
        path: path.to_string(),
        distribution,
        condition,
    })
}
