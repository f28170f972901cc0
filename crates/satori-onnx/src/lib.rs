//! ONNX export of fitted satori pipelines ([docs/onnx.md](../../../docs/onnx.md)).
//!
//! [`export`] turns a [`FittedPipeline`] into an ONNX model (`ModelProto` bytes) that ONNX
//! Runtime runs with the standard operators and the `ai.onnx.ml` domain:
//!
//! - **inputs**: one tensor per input column, shape `[N, 1]`, named after the column: numeric,
//!   integer, boolean (0/1) and datetime (seconds since the Unix epoch) columns as
//!   `tensor(double)` with NaN for a missing value; categorical columns as `tensor(string)`, a
//!   missing value being the empty string or another of satori's missing markers (`NA`, `N/A`,
//!   `NaN`, `null`, `?`); an unseen category goes where satori sends one. This is what a data
//!   frame gives column by column (`df[[c]].to_numpy()`), and what skl2onnx asks for mixed data;
//! - the **preprocessing** steps that have ONNX equivalents ([`EXPORTABLE_STEPS`]), on a double
//!   matrix of the columns;
//! - the **model** ([`EXPORTABLE_MODELS`]): trees, forests and gradient boosting as
//!   `TreeEnsembleClassifier`/`TreeEnsembleRegressor`, networks as `Gemm` and activations,
//!   linear models as `Gemm`;
//! - **outputs**, skl2onnx's names: a classifier gives `label` (`tensor(string)`, `[N]`) and
//!   `probabilities` (`tensor(float)`, `[N, classes]`, columns in the model's class order); a
//!   regressor gives `variable` (`tensor(float)`, `[N, 1]`).
//!
//! Anything without an ONNX equivalent is a one-line error naming it: a step, a model kind,
//! several targets, text columns, a tuned decision threshold.

mod graph;
mod models;
pub mod proto;
mod steps;
mod trees;

use std::path::Path;

use prost::Message;
use satori_core::{ColumnKind, Error, Result, Task};
use satori_data::ReadOptions;
use satori_pipeline::FittedPipeline;

pub use graph::{Elem, IR_VERSION, ML_OPSET, OPSET, Port};
pub use models::EXPORTABLE_MODELS;
pub use steps::EXPORTABLE_STEPS;

use graph::{Graph, ML, attr_float, attr_strings};
use models::Head;
use steps::Flow;

/// The names of the graph outputs, which no input column may take.
const OUTPUT_NAMES: &[&str] = &["label", "probabilities", "variable"];

/// The error for something the export cannot express.
pub(crate) fn unsupported(what: &str) -> Error {
    Error::UnsupportedFormat(format!("ONNX export: {what}"))
}

/// An exported model: its bytes and its interface.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    /// The serialised `ModelProto`.
    pub bytes: Vec<u8>,
    /// The graph inputs, one per input column.
    pub inputs: Vec<Port>,
    /// The graph outputs.
    pub outputs: Vec<Port>,
}

/// Export `pipeline` as an ONNX model (see the [crate docs](crate) for its interface).
pub fn export(pipeline: &FittedPipeline) -> Result<OnnxModel> {
    if pipeline.targets().len() != 1 {
        return Err(unsupported(&format!(
            "this model predicts {} targets ({}); only single-target models export",
            pipeline.targets().len(),
            pipeline.target_names().join(", ")
        )));
    }
    if !pipeline.text().is_empty() {
        return Err(unsupported(
            "the pipeline vectorises text columns, which has no ONNX equivalent",
        ));
    }
    if pipeline.threshold().is_some() {
        return Err(unsupported(
            "the model has a tuned decision threshold; export it without one (train without \
             --tune-threshold)",
        ));
    }
    let mut g = Graph::default();
    let flow = inputs(&mut g, pipeline)?;
    let flow = pipeline
        .steps()
        .iter()
        .try_fold(flow, |flow, step| steps::apply(&mut g, step, flow))?;
    let p = flow.kinds.len();
    let classes = match pipeline.task() {
        Task::Regression => None,
        _ => pipeline.classes(),
    };
    let head = models::model_head(&mut g, pipeline.model(), &flow.x, p, classes)?;
    match (head, classes) {
        (Head::Classes { proba, label }, Some(classes)) => {
            let label = match label {
                Some(l) => l,
                None => {
                    let idx = g.op(
                        "ArgMax",
                        &[&proba],
                        vec![graph::attr_int("axis", 1), graph::attr_int("keepdims", 0)],
                    );
                    let labels = g.const_strings("classes", classes);
                    g.op("Gather", &[&labels, &idx], vec![graph::attr_int("axis", 0)])
                }
            };
            g.output(
                &label,
                Port {
                    name: "label".into(),
                    elem: Elem::String,
                    shape: vec![None],
                },
            );
            g.output(
                &proba,
                Port {
                    name: "probabilities".into(),
                    elem: Elem::Float,
                    shape: vec![None, Some(classes.len())],
                },
            );
        }
        (Head::Value(v), None) => g.output(
            &v,
            Port {
                name: "variable".into(),
                elem: Elem::Float,
                shape: vec![None, Some(1)],
            },
        ),
        _ => {
            return Err(Error::Internal(format!(
                "model `{}` does not give what its {} task needs",
                pipeline.model().kind(),
                pipeline.task().name()
            )));
        }
    }
    let inputs = g.inputs().to_vec();
    let outputs = g.outputs().to_vec();
    let mut metadata = vec![
        (
            "satori_model_kind".to_string(),
            pipeline.model().kind().to_string(),
        ),
        ("satori_target".to_string(), pipeline.target().to_string()),
        (
            "satori_task".to_string(),
            pipeline.task().name().to_string(),
        ),
    ];
    if let Some(c) = classes {
        metadata.push(("satori_classes".to_string(), c.join(",")));
    }
    let doc = format!(
        "satori {} predicting `{}` ({}); one input per column, see docs/onnx.md",
        pipeline.model().kind(),
        pipeline.target(),
        pipeline.task().name()
    );
    let model = g.into_model("satori", &doc, metadata);
    Ok(OnnxModel {
        bytes: model.encode_to_vec(),
        inputs,
        outputs,
    })
}

/// Export `pipeline` to `path`, written complete or not at all.
pub fn export_to_file(pipeline: &FittedPipeline, path: &Path) -> Result<OnnxModel> {
    let model = export(pipeline)?;
    satori_core::fs::write_atomic(path, &model.bytes)?;
    Ok(model)
}

/// One input per column, joined into the double matrix the steps read.
fn inputs(g: &mut Graph, pipeline: &FittedPipeline) -> Result<Flow> {
    // An empty string is missing too: satori's reader treats an empty field as missing whatever
    // the markers say (and it is what docs/onnx.md tells users to pass).
    let mut markers = pipeline
        .read_options(ReadOptions::default())
        .missing_markers;
    if !markers.iter().any(|m| m.is_empty()) {
        markers.push(String::new());
    }
    let columns = &pipeline.input_schema().columns;
    // Declare every input first, so that no intermediate value can take a column's name.
    let mut names = Vec::with_capacity(columns.len());
    for c in columns {
        let elem = match &c.kind {
            ColumnKind::Numeric
            | ColumnKind::Integer
            | ColumnKind::Boolean
            | ColumnKind::Datetime => Elem::Double,
            ColumnKind::Categorical { .. } => Elem::String,
            ColumnKind::Text | ColumnKind::Identifier => {
                return Err(unsupported(&format!(
                    "input column `{}` is a {} column, which has no ONNX equivalent",
                    c.name,
                    c.kind.name()
                )));
            }
        };
        if OUTPUT_NAMES.contains(&c.name.as_str()) {
            return Err(unsupported(&format!(
                "input column `{}` has the name of an ONNX output ({}); rename the column and \
                 train again",
                c.name,
                OUTPUT_NAMES.join(", ")
            )));
        }
        names.push(g.input(Port {
            name: c.name.clone(),
            elem,
            shape: vec![None, Some(1)],
        }));
    }
    let mut cols = Vec::new();
    let mut kinds = Vec::new();
    for (c, x) in columns.iter().zip(&names) {
        match &c.kind {
            ColumnKind::Categorical { categories } => {
                let k = categories.len();
                let mut keys = categories.clone();
                let mut values: Vec<f32> = (0..k).map(|i| i as f32).collect();
                for m in &markers {
                    if !keys.contains(m) {
                        keys.push(m.clone());
                        values.push(f32::NAN);
                    }
                }
                let codes = g.op_in(
                    ML,
                    "LabelEncoder",
                    &[x],
                    1,
                    vec![
                        attr_strings("keys_strings", &keys),
                        graph::attr_floats("values_floats", values),
                        attr_float("default_float", k as f32),
                    ],
                );
                cols.push(g.cast(&codes[0], Elem::Double));
                kinds.push(Some(k));
            }
            _ => {
                cols.push(x.clone());
                kinds.push(None);
            }
        }
    }
    if cols.is_empty() {
        return Err(unsupported("the model has no input columns"));
    }
    Ok(Flow {
        x: g.hstack(&cols),
        kinds,
    })
}
