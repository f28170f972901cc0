//! One module per subcommand. A command calls down into the workflow layer and the CLI's shared
//! modules (`args`, `show`, `report`, `output`), never into another command.

pub mod anomalies;
pub mod compress;
pub mod cv;
pub mod demo;
pub mod evaluate;
pub mod explain;
pub mod explain_args;
pub mod explain_attention;
pub mod explain_insight;
pub mod explain_shap;
pub mod export;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod monitor;
pub mod predict;
pub mod predict_distributed;
pub mod serve;
pub mod train;
pub mod train_distributed;
pub mod transform;
pub mod tune;
pub mod update;
