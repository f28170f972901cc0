//! Continuing to train a saved model on new rows (`satori train new.csv --target y
//! --continue-from model.satori --epochs 5`): scikit-learn's `partial_fit` from the command line.
//!
//! The saved pipeline's fitted preprocessing is reused as it is (new rows are transformed exactly
//! as the model's training rows were); the model continues from its weights:
//!
//! - neural networks (`mlp_classifier`, `mlp_regressor`) train `epochs` more epochs from their
//!   weights with a fresh optimizer state (`fit_more`), their learning curves appended;
//! - SGD learners (`sgd_classifier`, `sgd_regressor`) make `epochs` more passes (`partial_fit`),
//!   each equal to one pass of scikit-learn's `partial_fit` over the rows in order.
//!
//! The new rows need the model's input columns (matched by name) and, for classifiers, labels
//! among the model's classes (a class may be absent from the new rows). Other model families
//! have no incremental update and are refused with a message saying so.

use satori_core::{Dataset, Error, Progress, Result, Target};

use crate::fitted::FittedPipeline;
use crate::models::continuable_kinds;
use crate::steps::apply_steps;

/// A saved model to continue training.
#[derive(Debug, Clone)]
pub struct ContinueFrom {
    /// The saved pipeline.
    pub pipeline: FittedPipeline,
    /// The saved model's training parameters (its header's `params`).
    pub params: serde_json::Value,
    /// Where it came from, for messages and provenance.
    pub source: String,
    /// Epochs (networks) or passes (SGD) to add, at least 1.
    pub epochs: usize,
}

/// `target` recoded to the model's class list `classes` (labels matched by name); a label the
/// model does not know is an error naming it.
pub fn recode_target(target: &Target, classes: &[String], source: &str) -> Result<Target> {
    match target {
        Target::Continuous(_) => Err(Error::InvalidData(format!(
            "{source} is a classifier (classes {}), and the new target is continuous",
            classes.join(", ")
        ))),
        Target::Classes { codes, labels } => {
            let mut map = Vec::with_capacity(labels.len());
            for l in labels {
                let Some(k) = classes.iter().position(|c| c == l) else {
                    return Err(Error::UnknownCategory {
                        column: "target".into(),
                        value: l.clone(),
                        known: classes.join(", "),
                    });
                };
                map.push(k);
            }
            Target::classes(codes.mapv(|c| map[c]), classes.to_vec())
        }
    }
}

/// `data` (raw input rows recoded to `base`'s input schema, with a target) as the model sees
/// it: the target coded as `base`'s classes (a label it does not know is an error naming it),
/// the columns through `base`'s fitted steps, the weights kept. With no steps the columns keep
/// their input kinds (categorical columns stay categories for the tree models).
pub(crate) fn model_rows(base: &FittedPipeline, data: &Dataset, source: &str) -> Result<Dataset> {
    let mut target = data.require_target()?.clone();
    if let Some(classes) = base.classes() {
        target = recode_target(&target, classes, source)?;
    } else if !matches!(target, Target::Continuous(_)) {
        return Err(Error::InvalidData(format!(
            "{source} is a regressor, and the new target holds class labels (force a numeric target \
             with --task regression)"
        )));
    }
    let x = apply_steps(base.steps(), data.x())?;
    let mut current = if base.steps().is_empty() && x.ncols() == base.input_schema().len() {
        Dataset::with_schema(x, base.input_schema().clone())?
    } else {
        Dataset::new(x, base.feature_names_out())?
    }
    .with_target(target)?;
    if let Some(w) = data.weights() {
        current = current.with_weights(w.to_owned())?;
    }
    Ok(current)
}

/// Continue training `cont`'s model on `data` (already recoded to the model's input schema).
pub fn fit_continue(
    data: &Dataset,
    cont: &ContinueFrom,
    progress: &dyn Progress,
) -> Result<FittedPipeline> {
    let base = &cont.pipeline;
    if cont.epochs == 0 {
        return Err(Error::param("--epochs", "must be at least 1, got 0"));
    }
    if !base.text().is_empty() {
        return Err(Error::param(
            "--continue-from",
            format!(
                "{} reads text or sparse columns; continuing training supports models on numeric \
                 and categorical columns only",
                cont.source
            ),
        ));
    }
    let kind = base.model().kind();
    if !base.model().capabilities().continues {
        return Err(Error::param(
            "--continue-from",
            format!(
                "{} holds a {kind}, which has no incremental update; models that continue \
                 training: {} (retrain a {kind} on all the rows instead)",
                cont.source,
                continuable_kinds().join(", ")
            ),
        ));
    }
    let current = model_rows(base, data, &cont.source)?;
    progress.start(
        &format!("continuing {kind} for {} more epochs", cont.epochs),
        None,
    );
    let model = base
        .model()
        .continue_training(&current, cont.epochs, progress);
    progress.finish();
    let mut pipeline = base.clone();
    pipeline.model = model?;
    if let Some(name) = data.target_name() {
        pipeline.targets[0].name = name.to_string();
    }
    Ok(pipeline)
}
