//! # satori-explain
//!
//! Why a model predicts what it does, for every model satori trains: SHAP values (exact TreeSHAP
//! for tree models, exact linear SHAP, KernelSHAP and a permutation explainer for any model) per
//! input column through the preprocessing, permutation and drop-column importance, partial
//! dependence and ICE, LIME, tree export (Graphviz DOT and text) and network summaries.
//!
//! The shared result type is [`Explanation`]: contributions in the model's raw output space that
//! add up, with the base value, to the raw prediction of every row.
#![warn(missing_docs)]

mod columns;
mod explanation;
pub mod shap;

pub use explanation::{ExplainParams, Explanation, Method, OutputSpace, RowRange};
pub use shap::{auto_method, explain};
