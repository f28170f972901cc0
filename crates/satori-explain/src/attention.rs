//! Attention maps of an FT-Transformer: for some rows, how much each token (`[CLS]` and one per
//! column the model sees) attends to each other token, per block and head, and the mean over the
//! rows.

use std::fmt::Write as _;
use std::ops::Range;

use ndarray::ArrayView2;
use satori_core::{Error, Result};
use satori_nn::Attention;
use satori_pipeline::{AnyModel, FittedPipeline};

/// The name of the `[CLS]` token in [`AttentionMaps::tokens`].
pub const CLS_TOKEN: &str = "[CLS]";

/// Attention probabilities of some rows of data, with the tokens named.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionMaps {
    /// `[CLS]`, then the columns the model sees (after preprocessing), in order.
    pub tokens: Vec<String>,
    /// The data rows explained (0-based, as in the input).
    pub rows: Range<usize>,
    /// The per-row probabilities (see [`Attention`]).
    pub attention: Attention,
    /// The mean over the rows: `blocks × heads × tokens × tokens`, row-major.
    pub mean: Vec<f64>,
}

impl AttentionMaps {
    /// Blocks (layers) of the model.
    pub fn n_blocks(&self) -> usize {
        self.attention.n_blocks
    }

    /// Heads per block.
    pub fn n_heads(&self) -> usize {
        self.attention.n_heads
    }

    /// The mean map of block `l`, head `h` (`tokens × tokens`, row-major: query token `i`
    /// attends to key token `j` with weight `[i * tokens + j]`).
    pub fn mean_map(&self, l: usize, h: usize) -> &[f64] {
        let t2 = self.tokens.len() * self.tokens.len();
        let start = (l * self.attention.n_heads + h) * t2;
        &self.mean[start..start + t2]
    }

    /// The mean over rows, blocks and heads (`tokens × tokens`, row-major): the overall map.
    pub fn overall(&self) -> Vec<f64> {
        let t2 = self.tokens.len() * self.tokens.len();
        let maps = (self.n_blocks() * self.n_heads()).max(1);
        let mut m = vec![0f64; t2];
        for chunk in self.mean.chunks_exact(t2.max(1)) {
            for (a, v) in m.iter_mut().zip(chunk) {
                *a += v / maps as f64;
            }
        }
        m
    }

    /// The long CSV form: `row,block,head,query,key,attention` for every explained row, then the
    /// mean over the rows with `row` = `mean` (blocks and heads 0-based).
    pub fn to_csv(&self) -> String {
        let mut s = String::from("row,block,head,query,key,attention\n");
        let t = self.tokens.len();
        let names: Vec<String> = self.tokens.iter().map(|n| csv_field(n)).collect();
        for (k, r) in self.rows.clone().enumerate() {
            for l in 0..self.n_blocks() {
                for h in 0..self.n_heads() {
                    let m = self.attention.map(k, l, h);
                    for i in 0..t {
                        for j in 0..t {
                            let _ = writeln!(
                                s,
                                "{r},{l},{h},{},{},{}",
                                names[i],
                                names[j],
                                m[i * t + j]
                            );
                        }
                    }
                }
            }
        }
        for l in 0..self.n_blocks() {
            for h in 0..self.n_heads() {
                let m = self.mean_map(l, h);
                for i in 0..t {
                    for j in 0..t {
                        let _ =
                            writeln!(s, "mean,{l},{h},{},{},{}", names[i], names[j], m[i * t + j]);
                    }
                }
            }
        }
        s
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The attention maps of `pipeline`'s model on `rows` of `x` (the pipeline's input columns, in
/// its input schema's order). An error when the model is not an FT-Transformer, when the
/// pipeline also reads text columns, or when the rows are outside the data.
pub fn attention_maps(
    pipeline: &FittedPipeline,
    x: ArrayView2<'_, f64>,
    rows: Range<usize>,
) -> Result<AttentionMaps> {
    let model = pipeline.model();
    if !pipeline.text().is_empty() {
        return Err(Error::InvalidData(
            "attention maps of a model that also reads text columns are not supported".into(),
        ));
    }
    if rows.start >= rows.end || rows.end > x.nrows() {
        return Err(Error::param(
            "--rows",
            format!(
                "{}:{} is outside the data, which has {} rows",
                rows.start,
                rows.end,
                x.nrows()
            ),
        ));
    }
    let inputs = pipeline.preprocess(x.slice(ndarray::s![rows.clone(), ..]))?;
    let attention = match model {
        AnyModel::FtTransformerClassifier(m) => m.attention(inputs.view())?,
        AnyModel::FtTransformerRegressor(m) => m.attention(inputs.view())?,
        other => {
            return Err(Error::InvalidData(format!(
                "--attention needs an ft_transformer model; this is {}",
                other.kind()
            )));
        }
    };
    let mut tokens = vec![CLS_TOKEN.to_string()];
    tokens.extend(pipeline.feature_names_out());
    if tokens.len() != attention.n_tokens {
        return Err(Error::Internal(format!(
            "the model has {} tokens and the pipeline names {} columns",
            attention.n_tokens,
            tokens.len() - 1
        )));
    }
    let mean = attention.mean_over_rows();
    Ok(AttentionMaps {
        tokens,
        rows,
        attention,
        mean,
    })
}
