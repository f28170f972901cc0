//! `column_transformer`: steps per group of columns (chosen by name or by kind), scikit-learn's
//! `ColumnTransformer`. Each group's steps see only its columns; the outputs are placed side by
//! side in group order, followed by the columns no group chose (`remainder = "passthrough"`,
//! the default) or without them (`"drop"`).
//!
//! ```toml
//! [[preprocessing]]
//! step = "column_transformer"
//! remainder = "passthrough"
//!
//! [[preprocessing.transformers]]
//! kinds = ["numeric", "integer"]
//! steps = [{ step = "simple_imputer", strategy = "median" }, { step = "standard_scaler" }]
//!
//! [[preprocessing.transformers]]
//! columns = ["island"]
//! steps = [{ step = "one_hot_encoder", handle_unknown = "ignore" }]
//! ```

use ndarray::{Array2, ArrayView2, Axis, concatenate};
use satori_core::{
    ColumnSchema, Dataset, Error, Estimator, Params, Progress, Result, Schema, Transformer,
    check_features, closest_names,
};
use serde::{Deserialize, Serialize};

use super::{AnyStep, StepParams, apply_steps};

/// The column kinds a group can select by.
pub const KIND_NAMES: &[&str] = &["numeric", "integer", "boolean", "categorical", "datetime"];

/// What happens to the columns no group selects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remainder {
    /// Keep them, after the groups' outputs, with their kinds.
    #[default]
    Passthrough,
    /// Leave them out.
    Drop,
}

/// One group: the columns it takes and the steps run on them, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnGroup {
    /// Columns by name (in this order).
    pub columns: Vec<String>,
    /// Columns by kind (`numeric`, `integer`, `boolean`, `categorical`, `datetime`), in file
    /// order; added after the named ones, each column once.
    pub kinds: Vec<String>,
    /// The steps run on the group's columns. At least one.
    pub steps: Vec<StepParams>,
}

/// Parameters of a [`ColumnTransformer`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnTransformerParams {
    /// The groups, in output order. At least one.
    pub transformers: Vec<ColumnGroup>,
    /// The columns no group selects: `passthrough` (default) or `drop`.
    pub remainder: Remainder,
}

impl Params for ColumnTransformerParams {
    fn validate(&self) -> Result<()> {
        if self.transformers.is_empty() {
            return Err(Error::param(
                "transformers",
                "a column_transformer needs at least one group",
            ));
        }
        for (i, g) in self.transformers.iter().enumerate() {
            if g.steps.is_empty() {
                return Err(Error::param(
                    format!("transformers.{i}.steps"),
                    "a group needs at least one step",
                ));
            }
            if g.columns.is_empty() && g.kinds.is_empty() {
                return Err(Error::param(
                    format!("transformers.{i}"),
                    "a group selects its columns with `columns` (names) or `kinds`",
                ));
            }
            for k in &g.kinds {
                if !KIND_NAMES.contains(&k.as_str()) {
                    let near = closest_names(k, KIND_NAMES.iter().copied(), 1);
                    let hint = near
                        .first()
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default();
                    return Err(Error::param(
                        format!("transformers.{i}.kinds"),
                        format!("unknown kind `{k}`{hint}; valid: {}", KIND_NAMES.join(", ")),
                    ));
                }
            }
            for (j, s) in g.steps.iter().enumerate() {
                s.validate().map_err(|e| match e {
                    Error::InvalidParameter { name, reason } => {
                        Error::param(format!("transformers.{i}.steps.{j}.{name}"), reason)
                    }
                    other => other,
                })?;
            }
        }
        Ok(())
    }
}

/// A fitted group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedGroup {
    /// The input columns it reads, in order.
    pub columns: Vec<usize>,
    /// Its fitted steps.
    pub steps: Vec<AnyStep>,
}

/// A fitted `column_transformer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnTransformer {
    n_features_in: usize,
    groups: Vec<FittedGroup>,
    remainder: Vec<usize>,
}

impl ColumnTransformerParams {
    /// The input columns of each group, and of the remainder.
    fn select(&self, schema: &Schema) -> Result<(Vec<Vec<usize>>, Vec<usize>)> {
        let mut used = vec![false; schema.len()];
        let mut groups = Vec::with_capacity(self.transformers.len());
        for g in &self.transformers {
            let mut cols = Vec::new();
            for name in &g.columns {
                let k = schema.require(name, "column_transformer")?;
                if !cols.contains(&k) {
                    cols.push(k);
                }
            }
            for (k, c) in schema.columns.iter().enumerate() {
                if g.kinds.iter().any(|kind| kind == c.kind.name()) && !cols.contains(&k) {
                    cols.push(k);
                }
            }
            for &k in &cols {
                used[k] = true;
            }
            groups.push(cols);
        }
        let remainder = match self.remainder {
            Remainder::Passthrough => (0..schema.len()).filter(|&k| !used[k]).collect(),
            Remainder::Drop => Vec::new(),
        };
        Ok((groups, remainder))
    }

    /// Fit every group on its columns and return the fitted transformer with the transformed
    /// training data (target encoders inside cross-fit, as at the top level).
    pub fn fit_transform(&self, data: &Dataset) -> Result<(ColumnTransformer, Dataset)> {
        self.validate()?;
        let (selected, remainder) = self.select(data.features())?;
        let mut groups = Vec::with_capacity(selected.len());
        let mut parts = Vec::new();
        let mut columns: Vec<ColumnSchema> = Vec::new();
        for (cols, g) in selected.into_iter().zip(&self.transformers) {
            let mut current = sub_dataset(data, &cols)?;
            let mut steps = Vec::with_capacity(g.steps.len());
            for step in &g.steps {
                let (fitted, next) = step.fit_transform(&current)?;
                steps.push(fitted);
                current = next;
            }
            parts.push(current.x().to_owned());
            columns.extend(current.features().columns.iter().cloned());
            groups.push(FittedGroup {
                columns: cols,
                steps,
            });
        }
        parts.push(data.x().select(Axis(1), &remainder));
        columns.extend(
            remainder
                .iter()
                .map(|&k| data.features().columns[k].clone()),
        );
        let views: Vec<ArrayView2<'_, f64>> = parts.iter().map(|p| p.view()).collect();
        let x = concatenate(Axis(1), &views)
            .map_err(|e| Error::Internal(format!("column_transformer output: {e}")))?;
        let schema = Schema::new(columns).map_err(|e| {
            Error::InvalidData(format!(
                "column_transformer: the groups' outputs have clashing column names ({e}); select each column in one group only"
            ))
        })?;
        let mut out = Dataset::with_schema(x, schema)?;
        if let Some(t) = data.target() {
            out = out.with_target(t.clone())?;
        }
        if let Some(w) = data.weights() {
            out = out.with_weights(w.to_owned())?;
        }
        let fitted = ColumnTransformer {
            n_features_in: data.n_features(),
            groups,
            remainder,
        };
        Ok((fitted, out))
    }
}

/// The rows of `data` restricted to `cols`, with their kinds, target and weights.
fn sub_dataset(data: &Dataset, cols: &[usize]) -> Result<Dataset> {
    let schema = Schema::new(
        cols.iter()
            .map(|&k| data.features().columns[k].clone())
            .collect(),
    )?;
    let mut d = Dataset::with_schema(data.x().select(Axis(1), cols), schema)?;
    if let Some(t) = data.target() {
        d = d.with_target(t.clone())?;
    }
    if let Some(w) = data.weights() {
        d = d.with_weights(w.to_owned())?;
    }
    Ok(d)
}

impl Estimator for ColumnTransformerParams {
    type Model = ColumnTransformer;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<Self::Model> {
        Ok(self.fit_transform(data)?.0)
    }
}

impl ColumnTransformer {
    /// The fitted groups.
    pub fn groups(&self) -> &[FittedGroup] {
        &self.groups
    }
}

impl Transformer for ColumnTransformer {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for g in &self.groups {
            let names: Vec<String> = g
                .columns
                .iter()
                .map(|&k| input.get(k).cloned().unwrap_or_else(|| format!("x{k}")))
                .collect();
            out.extend(g.steps.iter().fold(names, |n, s| s.feature_names_out(&n)));
        }
        out.extend(
            self.remainder
                .iter()
                .map(|&k| input.get(k).cloned().unwrap_or_else(|| format!("x{k}"))),
        );
        out
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        let mut parts = Vec::with_capacity(self.groups.len() + 1);
        for g in &self.groups {
            parts.push(apply_steps(&g.steps, x.select(Axis(1), &g.columns).view())?);
        }
        parts.push(x.select(Axis(1), &self.remainder));
        let views: Vec<ArrayView2<'_, f64>> = parts.iter().map(|p| p.view()).collect();
        concatenate(Axis(1), &views)
            .map_err(|e| Error::Internal(format!("column_transformer output: {e}")))
    }
}
