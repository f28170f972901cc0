//! Partial dependence and ICE (individual conditional expectation), scikit-learn's
//! `partial_dependence(method="brute")` for any model.
//!
//! For one column (or two), every row of the data is given the same value of that column, the
//! model predicts, and the predictions are averaged: the partial dependence at that value. Done
//! for each value of a grid, it is the curve of how the prediction moves with the column, the
//! other columns kept as they are in the data. The per-row predictions are the ICE curves.
//!
//! The grid follows scikit-learn: a numeric column with fewer distinct values than
//! `grid_resolution` (100) uses those values; otherwise `grid_resolution` evenly spaced points
//! between the column's `percentiles` (5 % and 95 %, computed as `scipy.stats.mstats.mquantiles`
//! does); a categorical column uses its categories present in the data. Two columns give the
//! Cartesian product (the second varying fastest). Missing values are left out of the grid.
//!
//! The column is replaced in the **input** table, before the pipeline, so the preprocessing is
//! part of the model explained. Outputs are the prediction for regression, the positive class's
//! probability for a binary classifier and every class's probability for a multiclass one
//! (scikit-learn's `response_method="auto"` for classifiers with probabilities).

use ndarray::{Array2, Array3, Axis};
use rayon::prelude::*;
use satori_core::{ColumnKind, Error, Result, Task};
use satori_data::{Column, Table};
use satori_pipeline::{FittedPipeline, Predictions};
use serde::Serialize;

use crate::importance::{input_positions, single_target};

/// How the grid is built.
#[derive(Debug, Clone, PartialEq)]
pub struct PdpParams {
    /// Points per numeric column (scikit-learn's `grid_resolution`, default 100).
    pub grid_resolution: usize,
    /// The quantiles bounding a numeric column's grid (default 0.05 and 0.95).
    pub percentiles: (f64, f64),
    /// Whether to keep the per-row (ICE) predictions.
    pub individual: bool,
}

impl Default for PdpParams {
    fn default() -> Self {
        PdpParams {
            grid_resolution: 100,
            percentiles: (0.05, 0.95),
            individual: false,
        }
    }
}

/// Partial dependence of one or two columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialDependence {
    /// The columns varied.
    pub columns: Vec<String>,
    /// Each column's grid values (category codes for categorical columns).
    pub grid: Vec<Vec<f64>>,
    /// Each column's grid labels where it is categorical (the category names).
    pub grid_labels: Vec<Option<Vec<String>>>,
    /// The outputs: `value`, the positive class, or one class per output.
    pub outputs: Vec<String>,
    /// The averaged predictions, outputs × grid points (points in Cartesian order, the last
    /// column varying fastest).
    pub average: Array2<f64>,
    /// The per-row predictions (ICE), outputs × rows × grid points, when asked for.
    pub individual: Option<Array3<f64>>,
}

impl PartialDependence {
    /// The grid points, each one value per column, in the order of `average`'s columns.
    pub fn points(&self) -> Vec<Vec<f64>> {
        cartesian(&self.grid)
    }

    /// The CSV the CLI writes: the grid columns, then one `pd_<output>` column per output.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut header: Vec<String> = self
            .columns
            .iter()
            .map(|c| crate::importance::csv_field(c))
            .collect();
        header.extend(
            self.outputs
                .iter()
                .map(|o| crate::importance::csv_field(&format!("pd_{o}"))),
        );
        out.push_str(&header.join(","));
        out.push('\n');
        for (p, point) in self.points().iter().enumerate() {
            let mut cells: Vec<String> = point
                .iter()
                .enumerate()
                .map(|(j, v)| match &self.grid_labels[j] {
                    Some(labels) => crate::importance::csv_field(
                        labels.get(*v as usize).map_or("", String::as_str),
                    ),
                    None => format!("{v}"),
                })
                .collect();
            cells.extend((0..self.outputs.len()).map(|k| format!("{}", self.average[[k, p]])));
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

impl PartialDependence {
    /// The ICE curves as CSV in long form: `row`, the grid column, then one `ice_<output>`
    /// column per output; empty when the per-row predictions were not kept.
    pub fn ice_csv(&self) -> String {
        let Some(ind) = &self.individual else {
            return String::new();
        };
        let field = crate::importance::csv_field;
        let mut header = vec!["row".to_string()];
        header.extend(self.columns.iter().map(|c| field(c)));
        header.extend(self.outputs.iter().map(|o| field(&format!("ice_{o}"))));
        let mut out = header.join(",");
        out.push('\n');
        let points = self.points();
        for i in 0..ind.shape()[1] {
            for (p, point) in points.iter().enumerate() {
                let mut cells = vec![i.to_string()];
                cells.extend(
                    point
                        .iter()
                        .enumerate()
                        .map(|(j, v)| match &self.grid_labels[j] {
                            Some(labels) => {
                                field(labels.get(*v as usize).map_or("", String::as_str))
                            }
                            None => format!("{v}"),
                        }),
                );
                cells.extend((0..self.outputs.len()).map(|k| format!("{}", ind[[k, i, p]])));
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        out
    }
}

/// `scipy.stats.mstats.mquantiles(x, prob, alphap=0.4, betap=0.4)` of finite values.
pub fn mquantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    let mut x: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    x.sort_by(f64::total_cmp);
    let n = x.len();
    probs
        .iter()
        .map(|&p| match n {
            0 => f64::NAN,
            1 => x[0],
            _ => {
                let m = 0.4 + p * (1.0 - 0.4 - 0.4);
                let aleph = n as f64 * p + m;
                let k = aleph.clamp(1.0, (n - 1) as f64).floor() as usize;
                let gamma = (aleph - k as f64).clamp(0.0, 1.0);
                (1.0 - gamma) * x[k - 1] + gamma * x[k]
            }
        })
        .collect()
}

/// `numpy.linspace(start, stop, num)` (endpoint included).
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut v: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                i as f64 / div * delta + start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    v[num - 1] = stop;
    v
}

/// One column's grid, scikit-learn's `_grid_from_X`: the distinct values when categorical or
/// fewer than `resolution`, else `resolution` points evenly between the percentiles.
pub fn feature_grid(
    values: &[f64],
    categorical: bool,
    resolution: usize,
    percentiles: (f64, f64),
) -> Result<Vec<f64>> {
    let (lo, hi) = percentiles;
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
        return Err(Error::param(
            "percentiles",
            format!("({lo}, {hi}) must be two quantiles in [0, 1], the first below the second"),
        ));
    }
    if resolution <= 1 {
        return Err(Error::param("grid_resolution", "must be at least 2"));
    }
    let mut uniques: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    uniques.sort_by(f64::total_cmp);
    uniques.dedup();
    if uniques.is_empty() {
        return Err(Error::InvalidData(
            "the column has no values (every row is missing)".into(),
        ));
    }
    if categorical || uniques.len() < resolution {
        return Ok(uniques);
    }
    let q = mquantiles(values, &[lo, hi]);
    if (q[0] - q[1]).abs() <= 1e-8 + 1e-5 * q[1].abs() {
        return Err(Error::param(
            "percentiles",
            "the column's percentiles are too close to each other to build a grid; choose \
             percentiles further apart",
        ));
    }
    Ok(linspace(q[0], q[1], resolution))
}

/// The Cartesian product of the grids, the last varying fastest (scikit-learn's `cartesian`).
pub fn cartesian(grid: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for axis in grid {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    points
}

/// The brute-force core, for any model: `eval(point)` gives the predictions (rows × outputs)
/// with the columns set to `point`. Returns the averages (outputs × points) and, when
/// `individual`, the per-row predictions (outputs × rows × points). Points are evaluated in
/// parallel; the result does not depend on the thread count.
pub fn partial_dependence_by<F>(
    grid: &[Vec<f64>],
    individual: bool,
    eval: F,
) -> Result<(Array2<f64>, Option<Array3<f64>>)>
where
    F: Fn(&[f64]) -> Result<Array2<f64>> + Sync,
{
    let points = cartesian(grid);
    let preds = points
        .par_iter()
        .map(|p| eval(p))
        .collect::<Result<Vec<Array2<f64>>>>()?;
    let (n_rows, n_out) = preds.first().map_or((0, 0), |p| p.dim());
    if n_rows == 0 {
        return Err(Error::NotEnoughSamples {
            context: "partial dependence".into(),
            needed: 1,
            got: 0,
        });
    }
    let mut average = Array2::zeros((n_out, points.len()));
    for (p, pred) in preds.iter().enumerate() {
        let mean = pred.mean_axis(Axis(0)).unwrap_or_default();
        for k in 0..n_out {
            average[[k, p]] = mean[k];
        }
    }
    let individual = individual.then(|| {
        Array3::from_shape_fn((n_out, n_rows, points.len()), |(k, i, p)| preds[p][[i, k]])
    });
    Ok((average, individual))
}

/// The outputs a pipeline's partial dependence shows, and their values from predictions.
fn outputs_of(pipeline: &FittedPipeline) -> Result<Vec<String>> {
    let target = single_target(pipeline)?;
    Ok(match (target.task, &target.classes) {
        (Task::Regression, _) => vec!["value".into()],
        (Task::Binary, Some(c)) if c.len() == 2 => vec![c[1].clone()],
        (_, Some(c)) => c.clone(),
        (_, None) => vec!["value".into()],
    })
}

/// Rows × outputs from a pipeline's predictions (see the [module docs](self)).
pub(crate) fn response(predictions: &Predictions) -> Result<Array2<f64>> {
    match predictions.task {
        Task::Regression => Ok(predictions.values.clone().insert_axis(Axis(1))),
        task => {
            let p = predictions.proba.as_ref().ok_or_else(|| {
                Error::InvalidData(
                    "this classifier gives no class probabilities, which partial dependence \
                     averages"
                        .into(),
                )
            })?;
            Ok(if task == Task::Binary && p.ncols() == 2 {
                p.column(1).to_owned().insert_axis(Axis(1))
            } else {
                p.clone()
            })
        }
    }
}

/// Partial dependence (and ICE, with `params.individual`) of a pipeline on one or two of its
/// input columns over the rows of `table`.
pub fn partial_dependence(
    pipeline: &FittedPipeline,
    table: &Table,
    columns: &[&str],
    params: &PdpParams,
) -> Result<PartialDependence> {
    if columns.is_empty() || columns.len() > 2 {
        return Err(Error::param(
            "--pdp",
            format!("takes one or two columns, got {}", columns.len()),
        ));
    }
    if table.n_rows() == 0 {
        return Err(Error::NotEnoughSamples {
            context: "partial dependence".into(),
            needed: 1,
            got: 0,
        });
    }
    let schema = pipeline.input_schema();
    let positions = input_positions(pipeline, table)?;
    let mut table_pos = Vec::new();
    let mut grid = Vec::new();
    let mut labels = Vec::new();
    for &name in columns {
        let j = schema.position(name).ok_or_else(|| {
            Error::missing_column(
                name,
                "the model's input columns",
                schema.names().collect::<Vec<_>>(),
            )
        })?;
        let p = positions[j];
        let col = schema.get(name).expect("position was found");
        let Column::Values(values) = &table.columns[p] else {
            return Err(Error::InvalidData(format!(
                "`{name}` is a text column; partial dependence needs a numeric or categorical \
                 column"
            )));
        };
        let categorical = matches!(col.kind, ColumnKind::Categorical { .. });
        grid.push(feature_grid(
            values,
            categorical,
            params.grid_resolution,
            params.percentiles,
        )?);
        labels.push(col.kind.categories().map(<[String]>::to_vec));
        table_pos.push(p);
    }
    let n_rows = table.n_rows();
    let eval = |point: &[f64]| -> Result<Array2<f64>> {
        let mut t = table.clone();
        for (&p, &v) in table_pos.iter().zip(point) {
            t.columns[p] = Column::Values(vec![v; n_rows]);
        }
        response(&pipeline.predict_table(&t)?)
    };
    let (average, individual) = partial_dependence_by(&grid, params.individual, eval)?;
    Ok(PartialDependence {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        grid,
        grid_labels: labels,
        outputs: outputs_of(pipeline)?,
        average,
        individual,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_follow_scikit_learn() {
        assert_eq!(
            feature_grid(&[3.0, 1.0, 2.0, 1.0, f64::NAN], false, 100, (0.05, 0.95)).unwrap(),
            vec![1.0, 2.0, 3.0]
        );
        let v: Vec<f64> = (0..200).map(f64::from).collect();
        let g = feature_grid(&v, false, 5, (0.05, 0.95)).unwrap();
        assert_eq!(g.len(), 5);
        // mquantiles(arange(200), [0.05, 0.95]) = [9.41, 189.59]
        assert!(
            (g[0] - 9.41).abs() < 1e-12 && (g[4] - 189.59).abs() < 1e-12,
            "{g:?}"
        );
        assert!(feature_grid(&v, false, 1, (0.05, 0.95)).is_err());
        assert!(feature_grid(&v, false, 10, (0.9, 0.1)).is_err());
        assert!(feature_grid(&[f64::NAN], false, 10, (0.05, 0.95)).is_err());
        assert_eq!(
            cartesian(&[vec![1.0, 2.0], vec![5.0, 6.0]]),
            vec![
                vec![1.0, 5.0],
                vec![1.0, 6.0],
                vec![2.0, 5.0],
                vec![2.0, 6.0]
            ]
        );
    }
}
