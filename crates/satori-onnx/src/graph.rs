//! A small builder over the ONNX messages: unique value names, nodes, constants (initializers),
//! attributes, and the model around the graph.

use crate::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto, attribute_proto::AttributeType,
    tensor_proto::DataType, tensor_shape_proto::Dimension, tensor_shape_proto::dimension,
    type_proto,
};

/// The ONNX operator set of the default domain the export uses (ONNX 1.12).
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` operator set (TreeEnsemble*-3 with double-precision attributes, LabelEncoder-2).
pub const ML_OPSET: i64 = 3;
/// The IR version that goes with [`OPSET`].
pub const IR_VERSION: i64 = 8;
/// The domain of the classical machine-learning operators.
pub const ML: &str = "ai.onnx.ml";

/// Element types used by the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// 64-bit integer.
    Int64,
    /// UTF-8 string.
    String,
}

impl Elem {
    fn code(self) -> i32 {
        (match self {
            Elem::Float => DataType::Float,
            Elem::Double => DataType::Double,
            Elem::Int64 => DataType::Int64,
            Elem::String => DataType::String,
        }) as i32
    }

    /// The ONNX type name (`tensor(double)`, …).
    pub fn type_name(self) -> &'static str {
        match self {
            Elem::Float => "tensor(float)",
            Elem::Double => "tensor(double)",
            Elem::Int64 => "tensor(int64)",
            Elem::String => "tensor(string)",
        }
    }
}

/// One graph input or output: its name, element type and shape (`None`: the batch dimension).
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// The tensor's name.
    pub name: String,
    /// Its element type.
    pub elem: Elem,
    /// Its dimensions; `None` is the number of rows `N`.
    pub shape: Vec<Option<usize>>,
}

impl Port {
    fn value_info(&self) -> ValueInfoProto {
        let dim = self
            .shape
            .iter()
            .map(|d| Dimension {
                denotation: String::new(),
                value: Some(match d {
                    Some(n) => dimension::Value::DimValue(*n as i64),
                    None => dimension::Value::DimParam("N".into()),
                }),
            })
            .collect();
        ValueInfoProto {
            name: self.name.clone(),
            r#type: Some(TypeProto {
                denotation: String::new(),
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: self.elem.code(),
                    shape: Some(TensorShapeProto { dim }),
                })),
            }),
            ..Default::default()
        }
    }

    /// `name: tensor(type) [N, k]`, as the CLI prints it.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self
            .shape
            .iter()
            .map(|d| d.map_or("N".to_string(), |n| n.to_string()))
            .collect();
        format!(
            "{}: {} [{}]",
            self.name,
            self.elem.type_name(),
            dims.join(", ")
        )
    }
}

/// An attribute of a node.
pub fn attr_int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i: v,
        ..Default::default()
    }
}

/// An attribute holding a list of integers.
pub fn attr_ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: v,
        ..Default::default()
    }
}

/// An attribute holding a float.
pub fn attr_float(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Float as i32,
        f: v,
        ..Default::default()
    }
}

/// An attribute holding a list of floats.
pub fn attr_floats(name: &str, v: Vec<f32>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Floats as i32,
        floats: v,
        ..Default::default()
    }
}

/// An attribute holding a string.
pub fn attr_string(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: v.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// An attribute holding a list of strings.
pub fn attr_strings(name: &str, v: &[String]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Strings as i32,
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}

/// An attribute holding a tensor of doubles (1-D).
pub fn attr_doubles(name: &str, v: Vec<f64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::Tensor as i32,
        t: Some(tensor_f64("", &[v.len()], v)),
        ..Default::default()
    }
}

/// A tensor of doubles.
pub fn tensor_f64(name: &str, dims: &[usize], v: Vec<f64>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: DataType::Double as i32,
        double_data: v,
        ..Default::default()
    }
}

/// A graph under construction.
#[derive(Debug, Default)]
pub struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<Port>,
    outputs: Vec<Port>,
    taken: std::collections::BTreeSet<String>,
    counter: usize,
}

impl Graph {
    /// A fresh name starting with `stem`, distinct from every name given so far.
    pub fn fresh(&mut self, stem: &str) -> String {
        loop {
            self.counter += 1;
            let name = format!("{stem}_{}", self.counter);
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
    }

    /// Declare a graph input (its name is reserved as given).
    pub fn input(&mut self, port: Port) -> String {
        self.taken.insert(port.name.clone());
        let name = port.name.clone();
        self.inputs.push(port);
        name
    }

    /// Make `value` the graph output `port` (through an Identity node named after it).
    pub fn output(&mut self, value: &str, port: Port) {
        self.taken.insert(port.name.clone());
        self.nodes.push(NodeProto {
            input: vec![value.into()],
            output: vec![port.name.clone()],
            name: format!("output_{}", port.name),
            op_type: "Identity".into(),
            ..Default::default()
        });
        self.outputs.push(port);
    }

    /// The graph inputs declared so far.
    pub fn inputs(&self) -> &[Port] {
        &self.inputs
    }

    /// The graph outputs declared so far.
    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }

    /// Add a node of the default domain with one output; returns the output's name.
    pub fn op(&mut self, op: &str, inputs: &[&str], attrs: Vec<AttributeProto>) -> String {
        self.op_in("", op, inputs, 1, attrs).remove(0)
    }

    /// Add a node of `domain` with `n_outputs` outputs; returns their names.
    pub fn op_in(
        &mut self,
        domain: &str,
        op: &str,
        inputs: &[&str],
        n_outputs: usize,
        attrs: Vec<AttributeProto>,
    ) -> Vec<String> {
        let stem = op.to_ascii_lowercase();
        let outputs: Vec<String> = (0..n_outputs).map(|_| self.fresh(&stem)).collect();
        let name = self.fresh(&format!("{stem}_node"));
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.clone(),
            name,
            op_type: op.into(),
            domain: domain.into(),
            attribute: attrs,
            ..Default::default()
        });
        outputs
    }

    /// A constant tensor of doubles.
    pub fn const_f64(&mut self, stem: &str, dims: &[usize], v: Vec<f64>) -> String {
        let name = self.fresh(stem);
        self.initializers.push(tensor_f64(&name, dims, v));
        name
    }

    /// A constant tensor of floats.
    pub fn const_f32(&mut self, stem: &str, dims: &[usize], v: Vec<f32>) -> String {
        let name = self.fresh(stem);
        self.initializers.push(TensorProto {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Float as i32,
            float_data: v,
            ..Default::default()
        });
        name
    }

    /// A constant tensor of 64-bit integers.
    pub fn const_i64(&mut self, stem: &str, dims: &[usize], v: Vec<i64>) -> String {
        let name = self.fresh(stem);
        self.initializers.push(TensorProto {
            name: name.clone(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Int64 as i32,
            int64_data: v,
            ..Default::default()
        });
        name
    }

    /// A constant tensor of strings.
    pub fn const_strings(&mut self, stem: &str, v: &[String]) -> String {
        let name = self.fresh(stem);
        self.initializers.push(TensorProto {
            name: name.clone(),
            dims: vec![v.len() as i64],
            data_type: DataType::String as i32,
            string_data: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..Default::default()
        });
        name
    }

    /// `Cast(value, to)`.
    pub fn cast(&mut self, value: &str, to: Elem) -> String {
        self.op("Cast", &[value], vec![attr_int("to", to.code() as i64)])
    }

    /// Columns `cols` of the matrix `value` (`Gather` on axis 1).
    pub fn columns(&mut self, value: &str, cols: &[usize]) -> String {
        let idx = self.const_i64(
            "cols",
            &[cols.len()],
            cols.iter().map(|&c| c as i64).collect(),
        );
        self.op("Gather", &[value, &idx], vec![attr_int("axis", 1)])
    }

    /// Concatenate matrices side by side.
    pub fn hstack(&mut self, values: &[String]) -> String {
        if values.len() == 1 {
            return values[0].clone();
        }
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        self.op("Concat", &refs, vec![attr_int("axis", 1)])
    }

    /// The finished model.
    pub fn into_model(self, name: &str, doc: &str, metadata: Vec<(String, String)>) -> ModelProto {
        let uses_ml = self.nodes.iter().any(|n| n.domain == ML);
        let mut opset_import = vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }];
        if uses_ml {
            opset_import.push(OperatorSetIdProto {
                domain: ML.into(),
                version: ML_OPSET,
            });
        }
        ModelProto {
            ir_version: IR_VERSION,
            opset_import,
            producer_name: "satori".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            domain: "ai.satori".into(),
            model_version: 1,
            doc_string: doc.into(),
            graph: Some(GraphProto {
                node: self.nodes,
                name: name.into(),
                initializer: self.initializers,
                input: self.inputs.iter().map(Port::value_info).collect(),
                output: self.outputs.iter().map(Port::value_info).collect(),
                ..Default::default()
            }),
            metadata_props: metadata
                .into_iter()
                .map(|(key, value)| StringStringEntryProto { key, value })
                .collect(),
            ..Default::default()
        }
    }
}
