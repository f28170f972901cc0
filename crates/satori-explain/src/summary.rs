//! Network summaries: the layers of a fitted neural network, their output shapes and parameter
//! counts, with the totals, in the layout of Keras' `model.summary()`.
//!
//! satori's MLPs are a trunk of hidden layers (dense, optional batch normalisation, the
//! activation) shared by one linear output head per target; a classifier's head gives logits
//! that a softmax turns into probabilities. Batch normalisation has four numbers per unit, as in
//! Keras: the learned scale and shift (trainable) and the running mean and variance (not
//! trainable). Parameters are stored as 32-bit floats, which gives the sizes in bytes.

use std::fmt::Write as _;

use satori_core::{Error, Result};
use satori_nn::{Network, NeuralNet};
use satori_pipeline::AnyModel;
use serde::Serialize;

/// One layer of a summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSummary {
    /// The layer's name (`dense`, `dense_1`, `batch_normalization`, …, a head's target name).
    pub name: String,
    /// Its type (`InputLayer`, `Dense`, `BatchNormalization`, `Activation`).
    pub kind: String,
    /// Its output width (the batch dimension is left out: `(None, width)`).
    pub output_width: usize,
    /// Its parameters.
    pub params: usize,
    /// Of which trainable.
    pub trainable: usize,
    /// The activation applied (for `Activation` layers and output heads).
    pub activation: Option<String>,
}

/// A network's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkSummary {
    /// The model kind (`mlp_classifier`, `mlp_regressor`, `multitask_mlp`).
    pub model: String,
    /// The layers, input first.
    pub layers: Vec<LayerSummary>,
    /// Every parameter.
    pub total_params: usize,
    /// The trainable ones.
    pub trainable_params: usize,
    /// The rest (batch normalisation's running statistics).
    pub non_trainable_params: usize,
}

/// Thousands separated by commas, as Keras writes counts.
fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes as Keras writes it (`5.04 KB`).
fn bytes(n: usize) -> String {
    let b = n as f64;
    if b < 1024.0 {
        format!("{b:.2} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2} KB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} MB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

impl NetworkSummary {
    /// The summary of `net`, whose heads are named by `heads` and end in `output_activation`
    /// (one per head: `softmax`, `sigmoid` or `linear`).
    pub fn of_network(
        model: &str,
        net: &Network,
        heads: &[(String, &str)],
    ) -> Result<NetworkSummary> {
        if heads.len() != net.heads.len() {
            return Err(Error::Internal(format!(
                "{} head names for {} heads",
                heads.len(),
                net.heads.len()
            )));
        }
        let act = format!("{:?}", net.activation).to_lowercase();
        let mut layers = vec![LayerSummary {
            name: "input".into(),
            kind: "InputLayer".into(),
            output_width: net.n_inputs,
            params: 0,
            trainable: 0,
            activation: None,
        }];
        let suffix = |i: usize| {
            if i == 0 {
                String::new()
            } else {
                format!("_{i}")
            }
        };
        for (i, h) in net.hidden.iter().enumerate() {
            let d = &h.dense;
            layers.push(LayerSummary {
                name: format!("dense{}", suffix(i)),
                kind: "Dense".into(),
                output_width: d.n_out,
                params: d.n_parameters(),
                trainable: d.n_parameters(),
                activation: None,
            });
            if let Some(bn) = &h.batch_norm {
                let n = bn.gamma.len();
                layers.push(LayerSummary {
                    name: format!("batch_normalization{}", suffix(i)),
                    kind: "BatchNormalization".into(),
                    output_width: d.n_out,
                    params: 4 * n,
                    trainable: 2 * n,
                    activation: None,
                });
            }
            layers.push(LayerSummary {
                name: format!("activation{}", suffix(i)),
                kind: "Activation".into(),
                output_width: d.n_out,
                params: 0,
                trainable: 0,
                activation: Some(act.clone()),
            });
        }
        for (d, (name, out_act)) in net.heads.iter().zip(heads) {
            layers.push(LayerSummary {
                name: name.clone(),
                kind: "Dense".into(),
                output_width: d.n_out,
                params: d.n_parameters(),
                trainable: d.n_parameters(),
                activation: Some(out_act.to_string()),
            });
        }
        let total: usize = layers.iter().map(|l| l.params).sum();
        let trainable: usize = layers.iter().map(|l| l.trainable).sum();
        Ok(NetworkSummary {
            model: model.into(),
            layers,
            total_params: total,
            trainable_params: trainable,
            non_trainable_params: total - trainable,
        })
    }

    /// The summary as Keras prints it: a ruled table of layer (type), output shape and
    /// parameter count, then the totals with their sizes.
    pub fn to_text(&self) -> String {
        let rows: Vec<[String; 3]> = self
            .layers
            .iter()
            .map(|l| {
                let mut name = format!("{} ({})", l.name, l.kind);
                if let Some(a) = &l.activation
                    && l.kind == "Dense"
                {
                    name.push_str(&format!(" → {a}"));
                }
                [
                    name,
                    format!("(None, {})", l.output_width),
                    grouped(l.params),
                ]
            })
            .collect();
        let w0 = rows
            .iter()
            .map(|r| r[0].chars().count())
            .max()
            .unwrap_or(0)
            .max(28);
        let w1 = rows
            .iter()
            .map(|r| r[1].chars().count())
            .max()
            .unwrap_or(0)
            .max(25);
        let w2 = rows
            .iter()
            .map(|r| r[2].chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        let width = 1 + w0 + 1 + w1 + 1 + w2 + 1;
        let mut s = String::new();
        let _ = writeln!(s, "Model: \"{}\"", self.model);
        let _ = writeln!(s, "{}", "_".repeat(width));
        let _ = writeln!(
            s,
            " {:<w0$} {:<w1$} {:<w2$} ",
            "Layer (type)", "Output Shape", "Param #"
        );
        let _ = writeln!(s, "{}", "=".repeat(width));
        for (i, r) in rows.iter().enumerate() {
            let pad0 = w0 + r[0].len() - r[0].chars().count();
            let _ = writeln!(s, " {:<pad0$} {:<w1$} {:<w2$} ", r[0], r[1], r[2]);
            if i + 1 < rows.len() {
                let _ = writeln!(s, "{}", " ".repeat(width));
            }
        }
        let _ = writeln!(s, "{}", "=".repeat(width));
        let _ = writeln!(
            s,
            "Total params: {} ({})",
            grouped(self.total_params),
            bytes(4 * self.total_params)
        );
        let _ = writeln!(
            s,
            "Trainable params: {} ({})",
            grouped(self.trainable_params),
            bytes(4 * self.trainable_params)
        );
        let _ = writeln!(
            s,
            "Non-trainable params: {} ({})",
            grouped(self.non_trainable_params),
            bytes(4 * self.non_trainable_params)
        );
        let _ = writeln!(s, "{}", "_".repeat(width));
        s
    }
}

/// The models that have a network summary.
pub const NETWORK_MODELS: &[&str] = &["mlp_classifier", "mlp_regressor", "multitask_mlp"];

/// The summary of a pipeline's model, or an error naming the models that have one.
pub fn network_summary(model: &AnyModel) -> Result<NetworkSummary> {
    match model {
        AnyModel::MlpClassifier(m) => {
            let net = m.network();
            let act = if net.heads.first().is_some_and(|h| h.n_out == 1) {
                "sigmoid"
            } else {
                "softmax"
            };
            NetworkSummary::of_network("mlp_classifier", net, &[("output".into(), act)])
        }
        AnyModel::MlpRegressor(m) => {
            let net = m.network();
            NetworkSummary::of_network("mlp_regressor", net, &[("output".into(), "linear")])
        }
        AnyModel::MultiTaskMlp(m) => {
            let net = m.network();
            let heads: Vec<(String, &str)> = m
                .tasks()
                .iter()
                .zip(&net.heads)
                .map(|(t, h)| {
                    let act = if t.labels.is_some() {
                        if h.n_out == 1 { "sigmoid" } else { "softmax" }
                    } else {
                        "linear"
                    };
                    (format!("head_{}", t.name), act)
                })
                .collect();
            NetworkSummary::of_network("multitask_mlp", net, &heads)
        }
        _ => Err(Error::param(
            "--summary",
            format!(
                "a summary describes a neural network, and this model is not one; networks are {}",
                NETWORK_MODELS.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_nn::{Activation, BatchNorm, Dense, Hidden};

    fn dense(n_in: usize, n_out: usize) -> Dense {
        Dense {
            n_in,
            n_out,
            weight: vec![0.0; n_in * n_out],
            bias: vec![0.0; n_out],
        }
    }

    #[test]
    fn counts_and_layout_follow_keras() {
        let net = Network {
            n_inputs: 9,
            activation: Activation::Relu,
            hidden: vec![
                Hidden {
                    dense: dense(9, 64),
                    batch_norm: Some(BatchNorm {
                        gamma: vec![1.0; 64],
                        beta: vec![0.0; 64],
                        running_mean: vec![0.0; 64],
                        running_var: vec![1.0; 64],
                        eps: 1e-5,
                    }),
                },
                Hidden {
                    dense: dense(64, 32),
                    batch_norm: None,
                },
            ],
            heads: vec![dense(32, 3)],
            compressed: None,
        };
        let s = NetworkSummary::of_network("mlp_classifier", &net, &[("output".into(), "softmax")])
            .unwrap();
        // 9·64+64 + 4·64 + 64·32+32 + 32·3+3
        assert_eq!(s.total_params, 640 + 256 + 2080 + 99);
        assert_eq!(s.non_trainable_params, 128);
        assert_eq!(s.trainable_params, s.total_params - 128);
        assert_eq!(net.n_parameters() + 128, s.total_params);
        let kinds: Vec<&str> = s.layers.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "InputLayer",
                "Dense",
                "BatchNormalization",
                "Activation",
                "Dense",
                "Activation",
                "Dense"
            ]
        );
        let text = s.to_text();
        assert!(text.starts_with("Model: \"mlp_classifier\"\n"), "{text}");
        assert!(text.contains(" dense_1 (Dense) "), "{text}");
        assert!(text.contains("(None, 64)"), "{text}");
        assert!(text.contains("Total params: 3,075 (12.01 KB)"), "{text}");
        assert!(
            text.contains("Non-trainable params: 128 (512.00 B)"),
            "{text}"
        );
        assert!(NetworkSummary::of_network("x", &net, &[]).is_err());
    }
}
