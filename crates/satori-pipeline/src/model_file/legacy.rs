//! The payload layouts of older model files, and their upgrade to today's [`FittedPipeline`].
//! All model-file versioning lives here; the model crates know only their current layout.
//!
//! | format | payload |
//! |---|---|
//! | 1 | a single-target pipeline without text columns; networks stored field by field |
//! | 2 | + text vectorizers; networks still field by field |
//! | 3 | networks stored as safetensors bytes; a multi-task model had its own payload |
//! | 4 | one pipeline for one or several targets (today's) |

use satori_core::{Error, Result, Schema, Task, TrainingHistory};
use satori_metrics::DecisionThreshold;
use satori_nn::{Activation, Dense, Hidden, MlpParams, Network, TaskInfo, TrainingRecord};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::fitted::{FittedPipeline, FittedTarget};
use crate::models::{AnyModel, model_list};
use crate::steps::AnyStep;
use crate::text::FittedText;

/// How a fitted model was stored in formats 1 and 2, and how it becomes today's.
pub(crate) trait StoredV2: Sized {
    /// The stored layout.
    type V2: DeserializeOwned;
    /// Today's model from the stored layout.
    fn upgrade(v: Self::V2) -> Result<Self>;
}

/// Models whose layout has not changed since format 1.
macro_rules! same_layout {
    ($($t:ty),* $(,)?) => {
        $(impl StoredV2 for $t {
            type V2 = $t;
            fn upgrade(v: $t) -> Result<$t> {
                Ok(v)
            }
        })*
    };
}

same_layout!(
    satori_baseline::DummyClassifier,
    satori_baseline::DummyRegressor,
    satori_linear::LinearRegression,
    satori_linear::Ridge,
    satori_linear::ElasticNet,
    satori_linear::TweedieRegressor,
    satori_linear::LogisticRegression,
    satori_linear::SgdClassifier,
    satori_linear::SgdRegressor,
    satori_tree::DecisionTreeClassifier,
    satori_tree::DecisionTreeRegressor,
    satori_tree::ForestClassifier,
    satori_tree::ForestRegressor,
    satori_gbm::GbmClassifier,
    satori_gbm::GbmRegressor,
);

/// A layout no file of formats 1 and 2 holds: the kinds added after format 2.
#[derive(Deserialize)]
pub(crate) enum NotInV2 {}

/// Models added after format 2: a payload of formats 1 and 2 cannot name them.
macro_rules! not_in_v2 {
    ($($t:ty),* $(,)?) => {
        $(impl StoredV2 for $t {
            type V2 = NotInV2;
            fn upgrade(v: NotInV2) -> Result<$t> {
                match v {}
            }
        })*
    };
}

not_in_v2!(
    crate::ensemble::FittedVoting,
    crate::ensemble::FittedStacking,
    crate::ensemble::FittedBagging,
    satori_neighbors::KNeighborsClassifier,
    satori_neighbors::KNeighborsRegressor,
    satori_tree::AdaBoostClassifier,
    satori_tree::AdaBoostRegressor,
    satori_nn::FtTransformerClassifier,
    satori_nn::FtTransformerRegressor,
);

/// A network stored field by field (formats 1 and 2).
#[derive(Deserialize)]
pub(crate) struct NetworkV2 {
    n_inputs: usize,
    activation: Activation,
    hidden: Vec<Hidden>,
    heads: Vec<Dense>,
}

/// A network's training record with its network stored field by field (formats 1 and 2).
#[derive(Deserialize)]
pub(crate) struct RecordV2 {
    params: MlpParams,
    net: NetworkV2,
    loss: TrainingHistory,
    metric: TrainingHistory,
    n_iter: usize,
    converged: bool,
    stop_reason: Option<String>,
}

impl RecordV2 {
    fn upgrade(self) -> Result<TrainingRecord> {
        let net = Network {
            n_inputs: self.net.n_inputs,
            activation: self.net.activation,
            hidden: self.net.hidden,
            heads: self.net.heads,
            compressed: None,
        };
        Ok(TrainingRecord {
            params: self.params,
            net,
            loss: self.loss,
            metric: self.metric,
            n_iter: self.n_iter,
            converged: self.converged,
            stop_reason: self.stop_reason,
        })
    }
}

/// An MLP classifier of formats 1 and 2.
#[derive(Deserialize)]
pub(crate) struct MlpClassifierV2 {
    fitted: RecordV2,
    classes: Vec<String>,
}

/// An MLP regressor of formats 1 and 2.
#[derive(Deserialize)]
pub(crate) struct MlpRegressorV2 {
    fitted: RecordV2,
}

/// A multi-task network of format 2.
#[derive(Deserialize)]
pub(crate) struct MultiTaskMlpV2 {
    fitted: RecordV2,
    tasks: Vec<TaskInfo>,
}

impl StoredV2 for satori_nn::MlpClassifier {
    type V2 = MlpClassifierV2;
    fn upgrade(v: MlpClassifierV2) -> Result<Self> {
        satori_nn::MlpClassifier::from_record(v.fitted.upgrade()?, v.classes)
    }
}

impl StoredV2 for satori_nn::MlpRegressor {
    type V2 = MlpRegressorV2;
    fn upgrade(v: MlpRegressorV2) -> Result<Self> {
        satori_nn::MlpRegressor::from_record(v.fitted.upgrade()?)
    }
}

impl StoredV2 for satori_nn::MultiTaskMlp {
    type V2 = MultiTaskMlpV2;
    fn upgrade(v: MultiTaskMlpV2) -> Result<Self> {
        satori_nn::MultiTaskMlp::from_record(v.fitted.upgrade()?, v.tasks)
    }
}

macro_rules! any_model_v2 {
    ($( $variant:ident, $name:literal, $params:ty, $fitted:ty; )*) => {
        /// [`AnyModel`] as formats 1 and 2 stored it (same variants, older layouts).
        #[derive(Deserialize)]
        pub(crate) enum AnyModelV2 {
            $($variant(<$fitted as StoredV2>::V2),)*
        }

        impl AnyModelV2 {
            fn upgrade(self) -> Result<AnyModel> {
                Ok(match self {
                    $(AnyModelV2::$variant(m) => AnyModel::$variant(<$fitted as StoredV2>::upgrade(m)?),)*
                })
            }
        }
    };
}

model_list!(any_model_v2);

/// A single-target pipeline of format 1 (no text stage).
#[derive(Deserialize)]
pub(crate) struct PipelineV1 {
    input: Schema,
    task: Task,
    target: String,
    classes: Option<Vec<String>>,
    steps: Vec<AnyStep>,
    model: AnyModelV2,
    threshold: Option<DecisionThreshold>,
}

/// A single-target pipeline of formats 2 (`M` = [`AnyModelV2`]) and 3 (`M` = [`AnyModel`]).
#[derive(Deserialize)]
pub(crate) struct PipelineV2<M> {
    input: Schema,
    task: Task,
    target: String,
    classes: Option<Vec<String>>,
    steps: Vec<AnyStep>,
    model: M,
    threshold: Option<DecisionThreshold>,
    text: FittedText,
}

/// A multi-task model of formats 2 (`M` = [`MultiTaskMlpV2`]) and 3 (`M` =
/// [`satori_nn::MultiTaskMlp`]), which had a payload of its own.
#[derive(Deserialize)]
pub(crate) struct MultiTaskV3<M> {
    input: Schema,
    tasks: Vec<FittedTarget>,
    steps: Vec<AnyStep>,
    model: M,
}

/// Assemble an upgraded pipeline (the same checks as a new one).
fn assemble(
    input: Schema,
    targets: Vec<FittedTarget>,
    steps: Vec<AnyStep>,
    text: FittedText,
    model: AnyModel,
    threshold: Option<DecisionThreshold>,
) -> Result<FittedPipeline> {
    let p = FittedPipeline::new(input, targets, steps, text, model)?;
    match threshold {
        Some(t) => p.with_threshold(t),
        None => Ok(p),
    }
}

fn one_target(name: String, task: Task, classes: Option<Vec<String>>) -> Vec<FittedTarget> {
    vec![FittedTarget {
        name,
        task,
        classes,
    }]
}

impl PipelineV1 {
    pub(crate) fn upgrade(self) -> Result<FittedPipeline> {
        assemble(
            self.input,
            one_target(self.target, self.task, self.classes),
            self.steps,
            FittedText::default(),
            self.model.upgrade()?,
            self.threshold,
        )
    }
}

/// A stored model that upgrades to today's [`AnyModel`].
pub(crate) trait UpgradeModel {
    fn upgrade_model(self) -> Result<AnyModel>;
}

impl UpgradeModel for AnyModelV2 {
    fn upgrade_model(self) -> Result<AnyModel> {
        self.upgrade()
    }
}

impl UpgradeModel for AnyModel {
    fn upgrade_model(self) -> Result<AnyModel> {
        Ok(self)
    }
}

impl UpgradeModel for MultiTaskMlpV2 {
    fn upgrade_model(self) -> Result<AnyModel> {
        Ok(AnyModel::MultiTaskMlp(
            <satori_nn::MultiTaskMlp as StoredV2>::upgrade(self)?,
        ))
    }
}

impl UpgradeModel for satori_nn::MultiTaskMlp {
    fn upgrade_model(self) -> Result<AnyModel> {
        Ok(AnyModel::MultiTaskMlp(self))
    }
}

impl<M: UpgradeModel> PipelineV2<M> {
    pub(crate) fn upgrade(self) -> Result<FittedPipeline> {
        assemble(
            self.input,
            one_target(self.target, self.task, self.classes),
            self.steps,
            self.text,
            self.model.upgrade_model()?,
            self.threshold,
        )
    }
}

impl<M: UpgradeModel> MultiTaskV3<M> {
    pub(crate) fn upgrade(self) -> Result<FittedPipeline> {
        if self.tasks.is_empty() {
            return Err(Error::InvalidData(
                "a multi-task model without tasks".into(),
            ));
        }
        assemble(
            self.input,
            self.tasks,
            self.steps,
            FittedText::default(),
            self.model.upgrade_model()?,
            None,
        )
    }
}
