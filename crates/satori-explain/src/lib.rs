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

mod attention;
mod columns;
mod explanation;
pub mod shap;

pub use attention::{AttentionMaps, CLS_TOKEN, attention_maps};
pub use explanation::{ExplainParams, Explanation, Method, OutputSpace, RowRange};
pub mod export;
pub use export::{
    ExportOptions, ModelTrees, TreeValues, export_dot, export_svg, export_text, model_trees,
};
pub mod importance;
pub use importance::{
    DropColumnParams, Importances, PermutationParams, drop_column_importance,
    permutation_importance, permutation_importance_matrix, permutation_scores, seeded_permutation,
};
pub mod pdp;
pub use pdp::{PartialDependence, PdpParams, partial_dependence, partial_dependence_by};
pub mod summary;
pub use summary::{LayerSummary, NetworkSummary, network_summary};
pub mod lime;
pub use lime::{LimeExplanation, LimeParams, lime, lime_csv};
pub use shap::{auto_method, explain};
