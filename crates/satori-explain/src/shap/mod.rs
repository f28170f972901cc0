//! SHAP values per input column, for every model: exact TreeSHAP (path-dependent or
//! interventional, with interaction values), exact linear SHAP, KernelSHAP and the permutation
//! explainer. [`explain`] is the entry point.

#[cfg(test)]
mod golden;
mod models;
mod sampling;
mod tree;
mod write;

use ndarray::{Array2, Array3, Array4, Axis};
use rayon::prelude::*;
use satori_core::{Error, Result};
use satori_data::Table;
use satori_pipeline::FittedPipeline;

use crate::columns::explained_columns;
use crate::{ExplainParams, Explanation, Method};

pub use sampling::{default_kernel_evaluations, default_permutation_evaluations};

/// Background rows drawn when the caller does not say how many (KernelSHAP, the permutation
/// explainer and interventional TreeSHAP cost grows with it; `shap` recommends about 100).
pub const DEFAULT_BACKGROUND_SIZE: usize = 100;

/// The method `auto` picks for a pipeline, and why (for the user).
pub fn auto_method(pipeline: &FittedPipeline) -> (Method, String) {
    let model = pipeline.model();
    let exact = if models::tree_view(model).is_some() {
        Some(Method::Tree)
    } else if models::linear_view(model).is_some() {
        Some(Method::Linear)
    } else {
        None
    };
    match exact {
        None => (
            Method::Permutation,
            format!(
                "a {} has no exact explainer; the permutation explainer samples it",
                model.kind()
            ),
        ),
        Some(m) => match explained_columns(pipeline) {
            Ok(_) => (m, format!("exact {} SHAP for a {}", m.name(), model.kind())),
            Err(feature) => (
                Method::Permutation,
                format!(
                    "the preprocessing mixes input columns into feature `{feature}`, so exact {} \
                     SHAP values of the model's features cannot be summed per column; the \
                     permutation explainer works on the input columns",
                    m.name()
                ),
            ),
        },
    }
}

/// Explain the predictions of `pipeline` for the rows `params.rows` of `table`: per input
/// column, in the model's raw output space, with `base + Σ φ = raw prediction` for every row
/// and output. `background` (rows with the model's input columns) is what absent columns are
/// drawn from for interventional TreeSHAP, linear SHAP and the sampling explainers; without
/// one, linear SHAP and the sampling explainers use rows of `table` itself, and TreeSHAP is
/// path-dependent (the training cover stands for the background).
pub fn explain(
    pipeline: &FittedPipeline,
    table: &Table,
    background: Option<&Table>,
    params: &ExplainParams,
) -> Result<Explanation> {
    let schema = pipeline.input_schema();
    if schema.is_empty() && pipeline.text().is_empty() {
        return Err(Error::InvalidData(
            "the model reads no input columns; there is nothing to explain".into(),
        ));
    }
    let (x_all, _) = table.features_keeping_unseen(schema)?;
    let range = params.rows.resolve(x_all.nrows())?;
    let rows: Vec<usize> = range.collect();
    let x = x_all.select(Axis(0), &rows);
    let bg_all = match background {
        Some(b) => {
            let (m, _) = b.features_keeping_unseen(schema).map_err(|e| {
                Error::InvalidData(format!(
                    "the background data does not have the model's input columns: {e}"
                ))
            })?;
            if m.nrows() == 0 {
                return Err(Error::InvalidData("the background data has no rows".into()));
            }
            Some(m)
        }
        None => None,
    };
    if params.background_size == Some(0) {
        return Err(Error::param("--background-size", "must be at least 1 row"));
    }
    let method = match params.method {
        Method::Auto => auto_method(pipeline).0,
        m => m,
    };
    if params.interactions && method != Method::Tree {
        return Err(Error::param(
            "--interactions",
            format!(
                "SHAP interaction values come from TreeSHAP (a tree model with --method tree), \
                 not from --method {method}"
            ),
        ));
    }
    // The background rows (sampled from --background, or from the explained rows): a pipeline
    // that reads text needs the table's rows too.
    let reads_text = !pipeline.text().is_empty();
    let background_rows = |cap: Option<usize>| -> Result<Rows> {
        let (src, src_table) = match &bg_all {
            Some(b) => (b, background.unwrap_or(table)),
            None => (&x_all, table),
        };
        let n = params.background_size.or(cap).unwrap_or(src.nrows());
        let idx = sampling::sample_rows(src.nrows(), n, params.seed);
        Ok(Rows {
            x: src.select(Axis(0), &idx),
            table: if reads_text {
                Some(src_table.select_rows(&idx)?)
            } else {
                None
            },
        })
    };
    let explained = || -> Result<Rows> {
        Ok(Rows {
            x: x.clone(),
            table: if reads_text {
                Some(table.select_rows(&rows)?)
            } else {
                None
            },
        })
    };
    match method {
        Method::Tree => {
            let bg = match (&bg_all, params.background_size) {
                (Some(_), _) => Some(background_rows(Some(DEFAULT_BACKGROUND_SIZE))?),
                (None, Some(_)) => Some(background_rows(None)?),
                (None, None) => None,
            };
            if bg.is_some() && params.interactions {
                return Err(Error::param(
                    "--interactions",
                    "interaction values are path-dependent TreeSHAP's; leave out --background",
                ));
            }
            tree_explain(pipeline, &rows, &explained()?, bg, params.interactions)
        }
        Method::Linear => {
            let bg = background_rows(None)?;
            linear_explain(pipeline, &rows, &explained()?, &bg)
        }
        Method::Kernel | Method::Permutation => {
            if !pipeline.text().is_empty() {
                return Err(Error::param(
                    "--method",
                    format!(
                        "the model also reads text columns ({}), which --method {method} cannot \
                         yet mask; the exact methods (tree, linear) sum their features back per \
                         column",
                        pipeline.text().column_names().join(", ")
                    ),
                ));
            }
            let bg = background_rows(Some(DEFAULT_BACKGROUND_SIZE))?.x;
            sampling::explain_sampled(pipeline, method, &rows, x.view(), bg.view(), params)
        }
        Method::Lime => Err(Error::param(
            "--method",
            "LIME is a local surrogate, not SHAP values; it is not available from this explainer",
        )),
        Method::Auto => Err(Error::Internal("auto resolved to auto".into())),
    }
}

/// The names of a single-target pipeline's outputs for the exact explainers (`k` of them).
fn exact_outputs(pipeline: &FittedPipeline, k: usize) -> Result<Vec<String>> {
    if pipeline.targets().len() != 1 {
        return Err(Error::param(
            "--method",
            format!(
                "exact SHAP explains one target, and this model predicts {}; use --method \
                 permutation or kernel",
                pipeline.targets().len()
            ),
        ));
    }
    let names: Vec<String> = match pipeline.classes() {
        Some(c) if c.len() == 2 && k == 1 => vec![c[1].clone()],
        Some(c) if c.len() == k => c.to_vec(),
        Some(c) => {
            return Err(Error::Internal(format!(
                "{k} model outputs for {} classes",
                c.len()
            )));
        }
        None => vec!["value".to_string()],
    };
    if names.len() != k {
        return Err(Error::Internal(format!(
            "{k} model outputs for {} names",
            names.len()
        )));
    }
    Ok(names)
}

/// Rows the exact explainers read: the input columns and, for a pipeline that reads text, the
/// table rows they came from (the text columns' documents).
struct Rows {
    x: Array2<f64>,
    table: Option<Table>,
}

impl Rows {
    /// What the model sees for these rows (dense).
    fn model_input(&self, pipeline: &FittedPipeline) -> Result<Array2<f64>> {
        match &self.table {
            Some(t) => pipeline.model_input(t),
            None => pipeline.preprocess(self.x.view()),
        }
    }

    /// The reported columns' values for the pictures: the input columns, then `NaN` for the
    /// text columns (a document has no position on an axis).
    fn data(&self, n_columns: usize) -> Array2<f64> {
        let mut d = Array2::from_elem((self.x.nrows(), n_columns), f64::NAN);
        let m = self.x.ncols().min(n_columns);
        d.slice_mut(ndarray::s![.., ..m])
            .assign(&self.x.slice(ndarray::s![.., ..m]));
        d
    }
}

/// The model's features of the explained rows, the reported columns and the per-column map,
/// for the exact methods.
fn exact_inputs(
    pipeline: &FittedPipeline,
    method: Method,
    rows: &Rows,
) -> Result<(Array2<f64>, Vec<String>, Vec<usize>)> {
    let (columns, sources) = explained_columns(pipeline).map_err(|feature| {
        Error::param(
            "--method",
            format!(
                "the preprocessing mixes input columns into feature `{feature}`, so {method} SHAP \
                 values cannot be summed per column; use --method permutation or kernel (or \
                 auto, which does)"
            ),
        )
    })?;
    let z = rows.model_input(pipeline)?;
    if z.ncols() != sources.len() {
        return Err(Error::Internal(format!(
            "{} model features for {} named sources",
            z.ncols(),
            sources.len()
        )));
    }
    Ok((z, columns, sources))
}

/// Sum `n_features × k` values per row into `n_columns × k` by `sources`.
fn to_columns(phi: &[f64], sources: &[usize], k: usize, out: &mut [f64]) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for (f, &c) in sources.iter().enumerate() {
        for o in 0..k {
            out[c * k + o] += phi[f * k + o];
        }
    }
}

fn tree_explain(
    pipeline: &FittedPipeline,
    rows: &[usize],
    explained: &Rows,
    background: Option<Rows>,
    interactions: bool,
) -> Result<Explanation> {
    let model = pipeline.model();
    let view = models::tree_view(model).ok_or_else(|| {
        Error::param(
            "--method",
            format!(
                "TreeSHAP needs a tree model (decision tree, random forest, extra trees, \
                 gradient boosting); for a {} use --method kernel or permutation{}",
                model.kind(),
                if models::linear_view(model).is_some() {
                    " (or linear)"
                } else {
                    ""
                }
            ),
        )
    })?;
    let (z, columns, sources) = exact_inputs(pipeline, Method::Tree, explained)?;
    let ens = &view.ensemble;
    let (k, m, nc, n) = (ens.k, ens.n_features, columns.len(), z.nrows());
    if z.ncols() != m {
        return Err(Error::Internal("model features vs preprocessing".into()));
    }
    let outputs = exact_outputs(pipeline, k)?;
    let zb = match &background {
        Some(b) => Some(b.model_input(pipeline)?),
        None => None,
    };
    let z_rows: Vec<Vec<f64>> = z.rows().into_iter().map(|r| r.to_vec()).collect();
    let bg_rows: Option<Vec<Vec<f64>>> = zb
        .as_ref()
        .map(|b| b.rows().into_iter().map(|r| r.to_vec()).collect());
    let mut values = vec![0.0; n * nc * k];
    let mut raw = vec![0.0; n * k];
    let mut inter = if interactions {
        vec![0.0; n * nc * nc * k]
    } else {
        Vec::new()
    };
    let base = match &bg_rows {
        Some(b) => {
            let mut e = vec![0.0; k];
            for r in b {
                for (a, v) in e.iter_mut().zip(ens.predict_row(r)) {
                    *a += v / b.len() as f64;
                }
            }
            e
        }
        None => ens.expected(),
    };
    values
        .par_chunks_mut(nc * k)
        .zip(raw.par_chunks_mut(k))
        .zip(z_rows.par_iter())
        .for_each(|((out, raw), row)| {
            raw.copy_from_slice(&ens.predict_row(row));
            let phi = match &bg_rows {
                None => ens.shap_row(row),
                Some(b) => {
                    let mut phi = vec![0.0; m * k];
                    for zr in b {
                        ens.interventional_row(row, zr, &mut phi);
                    }
                    phi.iter_mut().for_each(|v| *v /= b.len() as f64);
                    phi
                }
            };
            to_columns(&phi, &sources, k, out);
        });
    if interactions {
        inter
            .par_chunks_mut(nc * nc * k)
            .zip(z_rows.par_iter())
            .for_each(|(out, row)| {
                let full = ens.interactions_row(row);
                for (a, &ca) in sources.iter().enumerate() {
                    for (b, &cb) in sources.iter().enumerate() {
                        for o in 0..k {
                            out[(ca * nc + cb) * k + o] += full[(a * m + b) * k + o];
                        }
                    }
                }
            });
    }
    let shape_err = |e: ndarray::ShapeError| Error::Internal(format!("explanation shape: {e}"));
    Ok(Explanation {
        method: Method::Tree,
        columns,
        outputs,
        output_space: view.space,
        rows: rows.to_vec(),
        base_values: base,
        values: Array3::from_shape_vec((n, nc, k), values).map_err(shape_err)?,
        raw_predictions: Array2::from_shape_vec((n, k), raw).map_err(shape_err)?,
        data: explained.data(nc),
        interactions: if interactions {
            Some(Array4::from_shape_vec((n, nc, nc, k), inter).map_err(shape_err)?)
        } else {
            None
        },
        n_evaluations: None,
    })
}

fn linear_explain(
    pipeline: &FittedPipeline,
    rows: &[usize],
    explained: &Rows,
    background: &Rows,
) -> Result<Explanation> {
    let model = pipeline.model();
    let view = models::linear_view(model).ok_or_else(|| {
        Error::param(
            "--method",
            format!(
                "linear SHAP needs a linear model (linear, ridge, lasso, elastic net, GLM, \
                 logistic, SGD); for a {} use --method {}",
                model.kind(),
                if models::tree_view(model).is_some() {
                    "tree, kernel or permutation"
                } else {
                    "kernel or permutation"
                }
            ),
        )
    })?;
    let (z, columns, sources) = exact_inputs(pipeline, Method::Linear, explained)?;
    let zb = background.model_input(pipeline)?;
    let (k, m) = view.coef.dim();
    if z.ncols() != m || zb.ncols() != m {
        return Err(Error::Internal("model features vs preprocessing".into()));
    }
    let outputs = exact_outputs(pipeline, k)?;
    let mean = zb
        .mean_axis(Axis(0))
        .ok_or_else(|| Error::InvalidData("the background data has no rows".into()))?;
    if mean.iter().any(|v| !v.is_finite()) || z.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(
            "missing values reach the linear model after the preprocessing; impute them".into(),
        ));
    }
    let (n, nc) = (z.nrows(), columns.len());
    let mut values = Array3::zeros((n, nc, k));
    let mut raw = Array2::zeros((n, k));
    let base: Vec<f64> = (0..k)
        .map(|o| view.intercept[o] + view.coef.row(o).dot(&mean))
        .collect();
    for i in 0..n {
        for o in 0..k {
            let w = view.coef.row(o);
            raw[[i, o]] = view.intercept[o] + w.dot(&z.row(i));
            for (f, &c) in sources.iter().enumerate() {
                values[[i, c, o]] += w[f] * (z[[i, f]] - mean[f]);
            }
        }
    }
    Ok(Explanation {
        method: Method::Linear,
        columns,
        outputs,
        output_space: view.space,
        rows: rows.to_vec(),
        base_values: base,
        values,
        raw_predictions: raw,
        data: explained.data(nc),
        interactions: None,
        n_evaluations: None,
    })
}
