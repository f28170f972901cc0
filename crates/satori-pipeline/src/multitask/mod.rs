//! Multi-task learning from a table: several target columns at once (`satori train --target
//! a,b,c --model mlp`), any mix of classification and regression, learned by one
//! [`satori_nn::MultiTaskMlp`] — a shared trunk with one head per target — behind the family's
//! automatic preprocessing.
//!
//! The flow ([`train_multitask`]):
//!
//! 1. Every target must be a column of the table, named once. The other targets are never
//!    features. Rows missing any target are dropped (counted per target); at least 2 rows must
//!    remain.
//! 2. Each target's task is inferred as for a single target (strings, booleans or few distinct
//!    whole numbers → classification), unless forced with `tasks.<name>.task`.
//! 3. A holdout split (`holdout`, `seed`) is stratified on the first classification target when
//!    `stratify` is true (the default), at random when there is none.
//! 4. The preprocessing (by default the neural-network family's one-hot → impute → scale, see
//!    [`crate::auto`]) is fitted on the training rows; supervised steps see the first target.
//! 5. The network trains on the weighted sum of the task losses, the weights being
//!    `tasks.<name>.weight` (default 1 each).
//! 6. Each task is scored on the holdout with the same default metrics as single-target training
//!    ([`crate::default_metrics`]).
//!
//! The result is a [`FittedMultiTask`] (raw input rows in, one [`Predictions`] per task out) and
//! a [`MultiTaskHeader`] for the model file (see [`crate::model_file::save_multitask`]).
//!
//! ```
//! use satori_data::{ReadOptions, read_csv_bytes};
//! use satori_pipeline::multitask::{MultiTaskRequest, train_multitask};
//!
//! let mut csv = String::from("x1,x2,kind,size\n");
//! for i in 0..40 {
//!     let (a, b) = (i as f64 / 10.0, (i % 7) as f64);
//!     let kind = if a + b > 4.0 { "big" } else { "small" };
//!     csv += &format!("{a},{b},{kind},{}\n", 2.0 * a - b);
//! }
//! let table = read_csv_bytes("toy.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
//! let mut request = MultiTaskRequest::new(vec!["kind".into(), "size".into()]);
//! request.overrides = vec![("model.max_iter".into(), "20".into())];
//! let outcome = train_multitask(&table, &request, &satori_core::NoProgress).unwrap();
//! let names: Vec<&str> = outcome.model.tasks().iter().map(|t| t.name.as_str()).collect();
//! assert_eq!(names, ["kind", "size"]);
//! let predictions = outcome.model.predict_table(&table).unwrap();
//! assert_eq!(predictions[0].classes.as_deref(), Some(&["big".to_string(), "small".to_string()][..]));
//! assert_eq!(predictions[1].len(), 40);
//! ```

mod fitted;
mod params;
mod train;

pub use fitted::{FittedMultiTask, FittedTask, write_predictions};
pub use params::{MultiTaskParams, TaskParams, load_params_file, parse_params_file};
pub use train::{
    MultiTaskHeader, MultiTaskOutcome, MultiTaskRequest, MultiTaskRows, TaskEvaluation,
    train_multitask,
};

use satori_core::{Error, Result};

/// The `model_kind` of a multi-task model in its file's header.
pub const MULTITASK_KIND: &str = "multitask_mlp";

/// The `--model` names that train a multi-task network.
pub const MULTITASK_MODEL_NAMES: &[&str] = &["mlp", MULTITASK_KIND];

/// Split a `--target a,b,c` list: names trimmed; an empty name or a name given twice is an error.
pub fn parse_targets(text: &str) -> Result<Vec<String>> {
    let names: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
    if names.iter().any(String::is_empty) {
        return Err(Error::param(
            "--target",
            format!("`{text}` has an empty target name; list the targets as a,b,c"),
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::param(
                "--target",
                format!("the target `{n}` is named twice in `{text}`"),
            ));
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_lists_are_split_and_checked() {
        assert_eq!(parse_targets("a, b,c").unwrap(), ["a", "b", "c"]);
        assert!(
            parse_targets("a,,b")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let e = parse_targets("a,b,a").unwrap_err().to_string();
        assert!(e.contains("`a` is named twice"), "{e}");
    }
}
