//! Search spaces: a map from `--set` paths to distributions, with conditional parameters.
//!
//! A [`SearchSpace`] is an ordered list of [`Param`]s. Each has a dotted path (the same path
//! `--set` takes, e.g. `model.learning_rate`), a [`Distribution`] and, optionally, a
//! [`Condition`]: the parameter exists only when its parent has one of the given values. Parents
//! are ordered before their children, so samplers walk the list once.
//!
//! Inside the crate a trial's parameters are a [`Point`]: one `Option<f64>` per parameter (the
//! float or integer value, or the index of a choice; `None` when the parameter is inactive).
//! [`SearchSpace::to_values`] turns a point into the `serde_json::Value`s that `--set` takes.

use std::collections::BTreeMap;

use satori_core::{Error, Result, snippet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One trial's parameters in the space's internal form: per parameter (in [`SearchSpace::params`]
/// order) the float value, the integer value as `f64`, or the index of a choice; `None` where the
/// parameter is inactive (its condition does not hold).
pub type Point = Vec<Option<f64>>;

/// The most points a grid may have.
pub const MAX_GRID_POINTS: usize = 1_000_000;

/// What values one parameter can take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// A real number in `[low, high]`.
    Float {
        /// Lowest value (inclusive).
        low: f64,
        /// Highest value (inclusive).
        high: f64,
        /// Sample uniformly in log space (`low > 0`).
        log: bool,
        /// Only `low + k·step` (must divide `high - low`; not with `log`).
        step: Option<f64>,
        /// Number of points the grid sampler takes (evenly spaced, in log space when `log`);
        /// other samplers ignore it.
        grid: Option<usize>,
    },
    /// An integer in `[low, high]`.
    Int {
        /// Lowest value (inclusive).
        low: i64,
        /// Highest value (inclusive).
        high: i64,
        /// Sample in log space (`low ≥ 1`, `step = 1`).
        log: bool,
        /// Only `low + k·step` (must divide `high - low`).
        step: i64,
        /// Number of points the grid sampler takes (evenly spaced, in log space when `log`,
        /// rounded, duplicates dropped); without it the grid takes every value.
        grid: Option<usize>,
    },
    /// One of a list of values (strings, numbers, booleans, or any JSON value).
    Choice {
        /// The values, in order.
        choices: Vec<Value>,
    },
}

/// The condition under which a parameter exists: its parent has one of `values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The parent parameter's path.
    pub parent: String,
    /// The parent values for which the parameter exists.
    pub values: Vec<Value>,
}

/// One searched parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The `--set` path, e.g. `model.learning_rate`.
    pub path: String,
    /// Its values.
    pub distribution: Distribution,
    /// When it exists; `None` for always.
    pub condition: Option<Condition>,
}

/// A validated search space: parameters ordered parents first, conditions resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSpace {
    params: Vec<Param>,
    #[serde(skip)]
    parents: Vec<Option<(usize, Vec<f64>)>>,
}

/// Whether two JSON values are the same choice: numbers compare by value (`1` equals `1.0`).
pub fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Distribution {
    /// Check the distribution, naming `path` in the error.
    pub fn validate(&self, path: &str) -> Result<()> {
        let bad = |reason: String| Err(Error::param(path, reason));
        match *self {
            Distribution::Float {
                low,
                high,
                log,
                step,
                grid,
            } => {
                if !low.is_finite() || !high.is_finite() {
                    return bad(format!("the range {low}..{high} must be finite"));
                }
                if low >= high {
                    return bad(format!(
                        "the range is empty: low {low} must be below high {high}"
                    ));
                }
                if !(high - low).is_finite() {
                    return bad(format!("the range {low}..{high} is too wide to sample"));
                }
                if log && low <= 0.0 {
                    return bad(format!(
                        "a log range must be positive, but {low}..{high} reaches zero or below"
                    ));
                }
                if let Some(step) = step {
                    if log {
                        return bad("log and step cannot be combined".into());
                    }
                    if !(step.is_finite() && step > 0.0) {
                        return bad(format!("step must be positive, got {step}"));
                    }
                    let k = (high - low) / step;
                    if k > MAX_GRID_POINTS as f64 * 1000.0
                        || (k - k.round()).abs() > 1e-9 * k.max(1.0)
                    {
                        return bad(format!(
                            "step {step} does not divide the range {low}..{high} into whole steps"
                        ));
                    }
                }
                check_grid(path, grid)
            }
            Distribution::Int {
                low,
                high,
                log,
                step,
                grid,
            } => {
                if low >= high {
                    return bad(format!(
                        "the range is empty: low {low} must be below high {high}"
                    ));
                }
                if high.checked_sub(low).is_none() {
                    return bad(format!("the range {low}..{high} is too wide to sample"));
                }
                if log && low < 1 {
                    return bad(format!(
                        "a log range must be positive, but {low}..{high} reaches zero or below"
                    ));
                }
                if step < 1 {
                    return bad(format!("step must be a positive integer, got {step}"));
                }
                if log && step != 1 {
                    return bad("log and step cannot be combined".into());
                }
                if (high as i128 - low as i128) % step as i128 != 0 {
                    return bad(format!(
                        "step {step} does not divide the range {low}..{high} into whole steps"
                    ));
                }
                check_grid(path, grid)
            }
            Distribution::Choice { ref choices } => {
                if choices.is_empty() {
                    return bad("a choice needs at least one value".into());
                }
                for (i, a) in choices.iter().enumerate() {
                    if choices[..i].iter().any(|b| value_eq(a, b)) {
                        return bad(format!("the choice {a} is listed twice"));
                    }
                }
                Ok(())
            }
        }
    }

    /// The value of an internal coordinate, as `--set` takes it.
    pub fn to_value(&self, x: f64) -> Value {
        match self {
            Distribution::Float { low, step, .. } => {
                let v = match step {
                    Some(step) => tidy(low + ((x - low) / step).round() * step, *low, *step),
                    None => x,
                };
                serde_json::Number::from_f64(v)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            Distribution::Int { .. } => Value::from(x.round() as i64),
            Distribution::Choice { choices } => choices
                .get(x.round().max(0.0) as usize)
                .cloned()
                .unwrap_or(Value::Null),
        }
    }

    /// The internal coordinate of a value, or why the value is not in the distribution.
    pub fn from_value(&self, value: &Value) -> std::result::Result<f64, String> {
        match self {
            Distribution::Float {
                low, high, step, ..
            } => {
                let v = value
                    .as_f64()
                    .ok_or_else(|| format!("{value} is not a number"))?;
                let tol = 1e-9 * (high - low);
                if v < low - tol || v > high + tol {
                    return Err(format!("{v} is outside {low}..{high}"));
                }
                if let Some(step) = step {
                    let k = (v - low) / step;
                    if (k - k.round()).abs() > 1e-6 {
                        return Err(format!("{v} is not on the step {step} from {low}"));
                    }
                }
                Ok(v.clamp(*low, *high))
            }
            Distribution::Int {
                low, high, step, ..
            } => {
                let v = value
                    .as_f64()
                    .filter(|v| v.fract() == 0.0)
                    .ok_or_else(|| format!("{value} is not an integer"))?;
                if v < *low as f64 || v > *high as f64 {
                    return Err(format!("{v} is outside {low}..{high}"));
                }
                if (v as i64 - low) % step != 0 {
                    return Err(format!("{v} is not on the step {step} from {low}"));
                }
                Ok(v)
            }
            Distribution::Choice { choices } => choices
                .iter()
                .position(|c| value_eq(c, value))
                .map(|i| i as f64)
                .ok_or_else(|| format!("{value} is not one of the choices")),
        }
    }

    /// The grid sampler's values (internal coordinates), or why there is no finite grid.
    pub fn grid_values(&self) -> std::result::Result<Vec<f64>, String> {
        match *self {
            Distribution::Float {
                low,
                high,
                log,
                step,
                grid,
            } => match (grid, step) {
                (Some(n), _) => Ok(spaced(low, high, n, log)),
                (None, Some(step)) => {
                    let k = ((high - low) / step).round() as usize;
                    if k + 1 > MAX_GRID_POINTS {
                        return Err(format!("step {step} gives {} points", k + 1));
                    }
                    Ok((0..=k).map(|i| low + i as f64 * step).collect())
                }
                (None, None) => Err(
                    "a continuous range has no grid; give it a step (step=0.1) or a grid size (grid=5)"
                        .into(),
                ),
            },
            Distribution::Int {
                low,
                high,
                log,
                step,
                grid,
            } => match grid {
                Some(n) => {
                    let mut v: Vec<f64> = spaced(low as f64, high as f64, n, log)
                        .into_iter()
                        .map(|x| low as f64 + ((x - low as f64) / step as f64).round() * step as f64)
                        .collect();
                    v.dedup();
                    Ok(v)
                }
                None => {
                    let k = ((high - low) / step) as usize;
                    if k + 1 > MAX_GRID_POINTS {
                        return Err(format!("{} values is too many for a grid; give grid=N", k + 1));
                    }
                    Ok((0..=k).map(|i| (low + i as i64 * step) as f64).collect())
                }
            },
            Distribution::Choice { ref choices } => {
                Ok((0..choices.len()).map(|i| i as f64).collect())
            }
        }
    }
}

fn check_grid(path: &str, grid: Option<usize>) -> Result<()> {
    match grid {
        Some(n) if !(2..=MAX_GRID_POINTS).contains(&n) => Err(Error::param(
            path,
            format!("grid must be between 2 and {MAX_GRID_POINTS} points, got {n}"),
        )),
        _ => Ok(()),
    }
}

/// `n` points from `low` to `high` inclusive, evenly spaced (in log space when `log`).
fn spaced(low: f64, high: f64, n: usize, log: bool) -> Vec<f64> {
    let (a, b) = if log {
        (low.ln(), high.ln())
    } else {
        (low, high)
    };
    (0..n)
        .map(|i| {
            let t = a + (b - a) * i as f64 / (n - 1) as f64;
            let v = if log { t.exp() } else { t };
            v.clamp(low, high)
        })
        .collect()
}

/// Round a value on a step grid to the decimals its low and step need (so 0.1·3 prints 0.3).
fn tidy(v: f64, low: f64, step: f64) -> f64 {
    let decimals = |x: f64| {
        let s = format!("{x}");
        s.split_once('.').map_or(0, |(_, f)| f.len())
    };
    let d = decimals(low).max(decimals(step)).min(15) as i32;
    let scale = 10f64.powi(d);
    let r = (v * scale).round() / scale;
    if r.is_finite() { r } else { v }
}

impl std::fmt::Display for Distribution {
    /// The spec syntax that parses back to this distribution, e.g. `int(16,256,log)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let opts = |log: bool, step: Option<String>, grid: Option<usize>| {
            let mut o = String::new();
            if log {
                o.push_str(",log");
            }
            if let Some(s) = step {
                o.push_str(&format!(",step={s}"));
            }
            if let Some(g) = grid {
                o.push_str(&format!(",grid={g}"));
            }
            o
        };
        match self {
            Distribution::Float {
                low,
                high,
                log,
                step,
                grid,
            } => write!(
                f,
                "float({low:?},{high:?}{})",
                opts(*log, step.map(|s| format!("{s:?}")), *grid)
            ),
            Distribution::Int {
                low,
                high,
                log,
                step,
                grid,
            } => write!(
                f,
                "int({low},{high}{})",
                opts(*log, (*step != 1).then(|| step.to_string()), *grid)
            ),
            Distribution::Choice { choices } => {
                let items: Vec<String> = choices.iter().map(Value::to_string).collect();
                write!(f, "choice({})", items.join(","))
            }
        }
    }
}

impl std::fmt::Display for Param {
    /// `PATH=SPEC`, as `--search` takes it (values as JSON, so strings are quoted).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.distribution)?;
        if let Some(c) = &self.condition {
            let values: Vec<String> = c.values.iter().map(Value::to_string).collect();
            write!(f, " if {}={}", c.parent, values.join("|"))?;
        }
        Ok(())
    }
}

impl SearchSpace {
    /// A validated space: distributions checked, paths unique, each condition's parent present
    /// and able to take the condition's values, no cycles; parents are moved before children
    /// (otherwise the given order is kept).
    pub fn new(params: Vec<Param>) -> Result<Self> {
        for (i, p) in params.iter().enumerate() {
            if p.path.is_empty() || p.path.split('.').any(str::is_empty) {
                return Err(Error::param(
                    snippet(&p.path),
                    "is not a dotted path such as model.learning_rate",
                ));
            }
            p.distribution.validate(&p.path)?;
            if params[..i].iter().any(|q| q.path == p.path) {
                return Err(Error::param(&p.path, "is searched twice"));
            }
        }
        // Order parents first: repeatedly take the first parameter whose parent is placed.
        let mut placed: Vec<Param> = Vec::with_capacity(params.len());
        let mut left: Vec<Param> = params;
        while !left.is_empty() {
            let pos = left.iter().position(|p| match &p.condition {
                None => true,
                Some(c) => placed.iter().any(|q| q.path == c.parent),
            });
            match pos {
                Some(i) => placed.push(left.remove(i)),
                None => {
                    let p = &left[0];
                    let parent = p.condition.as_ref().map_or("", |c| c.parent.as_str());
                    let reason = if left.iter().any(|q| q.path == parent) {
                        format!("its condition on `{parent}` is part of a cycle of conditions")
                    } else {
                        format!("its condition names `{parent}`, which is not searched")
                    };
                    return Err(Error::param(&p.path, reason));
                }
            }
        }
        let mut parents = Vec::with_capacity(placed.len());
        for p in &placed {
            let Some(c) = &p.condition else {
                parents.push(None);
                continue;
            };
            if c.values.is_empty() {
                return Err(Error::param(
                    &p.path,
                    format!("its condition on `{}` lists no values", c.parent),
                ));
            }
            let idx = placed
                .iter()
                .position(|q| q.path == c.parent)
                .ok_or_else(|| Error::Internal("condition parent vanished".into()))?;
            let parent = &placed[idx].distribution;
            let mut xs = Vec::with_capacity(c.values.len());
            for v in &c.values {
                let x = parent.from_value(v).map_err(|why| {
                    Error::param(
                        &p.path,
                        format!("its condition `{}={v}` can never hold: {why}", c.parent),
                    )
                })?;
                xs.push(x);
            }
            parents.push(Some((idx, xs)));
        }
        Ok(SearchSpace {
            params: placed,
            parents,
        })
    }

    /// The parameters, parents before children.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether the space has no parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The index of the parameter at `path`.
    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.params.iter().position(|p| p.path == path)
    }

    /// Whether parameter `i` is active given the parents already set in `point`.
    pub fn is_active(&self, i: usize, point: &[Option<f64>]) -> bool {
        match &self.parents[i] {
            None => true,
            Some((parent, values)) => match point.get(*parent).copied().flatten() {
                Some(x) => values
                    .iter()
                    .any(|v| (v - x).abs() < 1e-9 * v.abs().max(1.0)),
                None => false,
            },
        }
    }

    /// A point's parameters as `--set` values, keyed by path (inactive parameters left out).
    pub fn to_values(&self, point: &[Option<f64>]) -> BTreeMap<String, Value> {
        self.params
            .iter()
            .zip(point)
            .filter_map(|(p, x)| x.map(|x| (p.path.clone(), p.distribution.to_value(x))))
            .collect()
    }

    /// The point of a set of values (e.g. an enqueued trial or a stored one): every active
    /// parameter must be given and in its distribution, no inactive or unknown one may be.
    pub fn point_from_values(&self, values: &BTreeMap<String, Value>) -> Result<Point> {
        let mut point: Point = vec![None; self.params.len()];
        for (i, p) in self.params.iter().enumerate() {
            let active = self.is_active(i, &point);
            match (values.get(&p.path), active) {
                (Some(v), true) => {
                    let x = p
                        .distribution
                        .from_value(v)
                        .map_err(|why| Error::param(&p.path, why))?;
                    point[i] = Some(x);
                }
                (None, true) => return Err(Error::param(&p.path, "has no value")),
                (Some(_), false) => {
                    return Err(Error::param(
                        &p.path,
                        "has a value but its condition does not hold",
                    ));
                }
                (None, false) => {}
            }
        }
        if let Some(k) = values.keys().find(|k| self.index_of(k).is_none()) {
            return Err(Error::param(k, "is not in the search space"));
        }
        Ok(point)
    }

    /// Every point of the grid, in order (the last parameter varies fastest), or an error naming
    /// a parameter without a finite grid.
    pub fn grid(&self) -> Result<Vec<Point>> {
        let mut axes = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let v = p
                .distribution
                .grid_values()
                .map_err(|why| Error::param(&p.path, format!("grid search: {why}")))?;
            axes.push(v);
        }
        let mut out = Vec::new();
        let mut point: Point = vec![None; self.params.len()];
        self.grid_rec(0, &axes, &mut point, &mut out)?;
        Ok(out)
    }

    fn grid_rec(
        &self,
        i: usize,
        axes: &[Vec<f64>],
        point: &mut Point,
        out: &mut Vec<Point>,
    ) -> Result<()> {
        if i == self.params.len() {
            if out.len() >= MAX_GRID_POINTS {
                return Err(Error::param(
                    "grid",
                    format!("the grid has more than {MAX_GRID_POINTS} points; search fewer values"),
                ));
            }
            out.push(point.clone());
            return Ok(());
        }
        if !self.is_active(i, point) {
            point[i] = None;
            return self.grid_rec(i + 1, axes, point, out);
        }
        for &x in &axes[i] {
            point[i] = Some(x);
            self.grid_rec(i + 1, axes, point, out)?;
        }
        point[i] = None;
        Ok(())
    }
}

impl<'de> Deserialize<'de> for SearchSpace {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            params: Vec<Param>,
        }
        let raw = Raw::deserialize(d)?;
        SearchSpace::new(raw.params).map_err(serde::de::Error::custom)
    }
}
