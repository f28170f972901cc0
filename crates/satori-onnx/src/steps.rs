//! The preprocessing steps that have ONNX equivalents, on the double matrix of the model's
//! input columns: imputation (`IsNaN`/`Where`, the indicator columns as `IsNaN` cast to 0/1),
//! the scalers (`Sub`/`Div`/`Mul`/`Add` with the fitted statistics, in double, so the values are
//! satori's to the bit), and one-hot encoding of categorical columns (a `Gather` from the table of
//! each column's output rows, which the fitted encoder itself computes for every code, the
//! unseen code and the missing value). Every other step is refused by name.

use ndarray::Array2;
use satori_core::{Error, Result, Transformer};
use satori_pipeline::AnyStep;
use satori_preprocess::OneHotEncoder;

use crate::graph::{Elem, Graph, attr_int};
use crate::unsupported;

/// The matrix flowing through the steps: its value name and, per column, the number of
/// categories when the column still holds a categorical input's codes (`None`: numbers).
pub(crate) struct Flow {
    pub x: String,
    pub kinds: Vec<Option<usize>>,
}

/// The steps that export, for the error that names the others.
pub const EXPORTABLE_STEPS: &[&str] = &[
    "simple_imputer",
    "standard_scaler",
    "min_max_scaler",
    "max_abs_scaler",
    "robust_scaler",
    "one_hot_encoder",
];

fn row(g: &mut Graph, stem: &str, v: &[f64]) -> String {
    g.const_f64(stem, &[1, v.len()], v.to_vec())
}

fn check_width(step: &str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "step `{step}` reads {expected} columns but gets {got}"
        )))
    }
}

/// Apply `step` to the flow.
pub(crate) fn apply(g: &mut Graph, step: &AnyStep, flow: Flow) -> Result<Flow> {
    let p = flow.kinds.len();
    let numbers = |n: usize| vec![None; n];
    match step {
        AnyStep::SimpleImputer(s) => {
            check_width(step.name(), s.n_features_in(), p)?;
            let stats: Vec<f64> = s
                .statistics()
                .iter()
                .map(|v| if v.is_nan() { 0.0 } else { *v })
                .collect();
            let stats = row(g, "impute_statistics", &stats);
            let nan = g.op("IsNaN", &[&flow.x], vec![]);
            let filled = g.op("Where", &[&nan, &stats, &flow.x], vec![]);
            let keep = s.kept_columns();
            let mut parts = vec![
                if keep.len() == p && keep.iter().enumerate().all(|(i, &j)| i == j) {
                    filled
                } else {
                    g.columns(&filled, keep)
                },
            ];
            let mut kinds: Vec<Option<usize>> = keep.iter().map(|&j| flow.kinds[j]).collect();
            let ind = s.indicator_columns();
            if !ind.is_empty() {
                let cols = g.columns(&flow.x, ind);
                let missing = g.op("IsNaN", &[&cols], vec![]);
                parts.push(g.cast(&missing, Elem::Double));
                kinds.extend(numbers(ind.len()));
            }
            Ok(Flow {
                x: g.hstack(&parts),
                kinds,
            })
        }
        AnyStep::StandardScaler(s) => {
            check_width(step.name(), s.n_features_in(), p)?;
            let mut x = flow.x;
            if s.with_mean()
                && let Some(m) = s.mean()
            {
                let m = row(g, "scaler_mean", m);
                x = g.op("Sub", &[&x, &m], vec![]);
            }
            if let Some(sc) = s.scale() {
                let sc = row(g, "scaler_scale", sc);
                x = g.op("Div", &[&x, &sc], vec![]);
            }
            Ok(Flow {
                x,
                kinds: numbers(p),
            })
        }
        AnyStep::MinMaxScaler(s) => {
            check_width(step.name(), s.n_features_in(), p)?;
            let sc = row(g, "minmax_scale", s.scale());
            let mn = row(g, "minmax_min", s.min());
            let x = g.op("Mul", &[&flow.x, &sc], vec![]);
            let mut x = g.op("Add", &[&x, &mn], vec![]);
            if let Some((lo, hi)) = s.clip() {
                // Comparisons are false for NaN, so a missing value stays missing (np.clip).
                let lo = g.const_f64("clip_low", &[1], vec![lo]);
                let hi = g.const_f64("clip_high", &[1], vec![hi]);
                let below = g.op("Less", &[&x, &lo], vec![]);
                x = g.op("Where", &[&below, &lo, &x], vec![]);
                let above = g.op("Greater", &[&x, &hi], vec![]);
                x = g.op("Where", &[&above, &hi, &x], vec![]);
            }
            Ok(Flow {
                x,
                kinds: numbers(p),
            })
        }
        AnyStep::MaxAbsScaler(s) => {
            check_width(step.name(), s.n_features_in(), p)?;
            let sc = row(g, "maxabs_scale", s.scale());
            let x = g.op("Div", &[&flow.x, &sc], vec![]);
            Ok(Flow {
                x,
                kinds: numbers(p),
            })
        }
        AnyStep::RobustScaler(s) => {
            check_width(step.name(), s.n_features_in(), p)?;
            let mut x = flow.x;
            if let Some(c) = s.center() {
                let c = row(g, "robust_center", c);
                x = g.op("Sub", &[&x, &c], vec![]);
            }
            if let Some(sc) = s.scale() {
                let sc = row(g, "robust_scale", sc);
                x = g.op("Div", &[&x, &sc], vec![]);
            }
            Ok(Flow {
                x,
                kinds: numbers(p),
            })
        }
        AnyStep::OneHotEncoder(enc) => one_hot(g, enc, flow),
        other => Err(unsupported(&format!(
            "preprocessing step `{}` has no ONNX equivalent; steps that export are {}",
            other.name(),
            EXPORTABLE_STEPS.join(", ")
        ))),
    }
}

/// One-hot encoding: each encoded column's block is a row of a table indexed by the code (the
/// codes `0..k`, then `k` for a category the model never saw, then the missing value).
fn one_hot(g: &mut Graph, enc: &OneHotEncoder, flow: Flow) -> Result<Flow> {
    let p = flow.kinds.len();
    check_width("one_hot_encoder", enc.n_features_in(), p)?;
    let widths = enc.output_widths();
    let fitted = enc.fitted_columns();
    // A value every encoded column knows, so that probing one column never trips another's
    // unknown-category error.
    let mut safe = vec![0.0; p];
    for f in &fitted {
        safe[f.column] = f.values.first().copied().unwrap_or(f64::NAN);
    }
    let mut parts = Vec::new();
    let mut kinds = Vec::new();
    let mut offset = 0;
    for (j, &w) in widths.iter().enumerate() {
        let Some(col) = fitted.iter().find(|f| f.column == j) else {
            parts.push(g.columns(&flow.x, &[j]));
            kinds.push(flow.kinds[j]);
            offset += w;
            continue;
        };
        let Some(k) = flow.kinds[j] else {
            return Err(unsupported(&format!(
                "one_hot_encoder on column `{}`, which holds numbers rather than a categorical \
                 input's categories (only categorical columns export)",
                col.name
            )));
        };
        if w > 0 {
            let mut table = Array2::<f64>::zeros((k + 2, w));
            for (r, code) in (0..=k).map(|c| c as f64).chain([f64::NAN]).enumerate() {
                let mut probe = Array2::from_shape_vec((1, p), safe.clone())
                    .map_err(|e| Error::Internal(e.to_string()))?;
                probe[[0, j]] = code;
                // A code the encoder refuses (`handle_unknown = error`) has no row: an ONNX
                // graph cannot fail, so it encodes as all zeros (documented in docs/onnx.md).
                if let Ok(out) = enc.transform(probe.view()) {
                    for c in 0..w {
                        table[[r, c]] = out[[0, offset + c]];
                    }
                }
            }
            let table = g.const_f64("one_hot_table", &[k + 2, w], table.into_iter().collect());
            let xj = g.columns(&flow.x, &[j]);
            let nan = g.op("IsNaN", &[&xj], vec![]);
            let missing = g.const_f64("missing_row", &[1], vec![(k + 1) as f64]);
            let unseen = g.const_f64("unseen_row", &[1], vec![k as f64]);
            // Codes above the last category are unseen (row k); missing (row k + 1) is put in
            // after the clamp, which would otherwise fold it into the unseen row.
            let idx = g.op("Min", &[&xj, &unseen], vec![]);
            let idx = g.op("Where", &[&nan, &missing, &idx], vec![]);
            let idx = g.cast(&idx, Elem::Int64);
            let rows = g.op("Gather", &[&table, &idx], vec![attr_int("axis", 0)]);
            let shape = g.const_i64("shape", &[2], vec![-1, w as i64]);
            parts.push(g.op("Reshape", &[&rows, &shape], vec![]));
            kinds.extend(vec![None; w]);
        }
        offset += w;
    }
    if offset != enc.n_features_out() {
        return Err(Error::Internal(format!(
            "one-hot widths add up to {offset}, the encoder gives {}",
            enc.n_features_out()
        )));
    }
    Ok(Flow {
        x: g.hstack(&parts),
        kinds,
    })
}
