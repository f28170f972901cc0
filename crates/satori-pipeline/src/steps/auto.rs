//! The automatic preprocessing: the steps `satori train` and `satori cv` put in front of a model
//! when the user names none, chosen from the model family and the inferred schema.
//!
//! | family | steps |
//! |---|---|
//! | baseline (dummy) | none: the features are ignored |
//! | trees, forests, boosting, isolation forests | none: missing values and categories are handled natively (boosting splits categorical columns by category; the other trees read the codes as ordered numbers) |
//! | linear models, neural networks | categorical columns one-hot encoded (unknown categories at predict time → the infrequent group or all zeros; at most 32 outputs per column, the rarest categories grouped), then median imputation with missing-indicator columns, then standard scaling |
//!
//! The chosen steps are written into the parameters, so the model file's header records them and
//! `--set preprocessing.0.max_categories=10` can adjust them. A pipeline file with
//! `[[preprocessing]]` steps, or `--set auto_preprocessing=false`, replaces them.

use satori_core::{ColumnKind, Schema};
use satori_preprocess as pp;

use super::StepParams;
use crate::models::InputNeeds;

/// The most indicator columns the automatic one-hot encoding makes per categorical column.
pub const AUTO_MAX_CATEGORIES: usize = 32;

/// The automatic steps for a family and the schema of the training features.
pub fn auto_steps(needs: InputNeeds, schema: &Schema) -> Vec<StepParams> {
    if needs == InputNeeds::Raw {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let any_categorical = schema
        .columns
        .iter()
        .any(|c| matches!(c.kind, ColumnKind::Categorical { .. }));
    if any_categorical {
        steps.push(StepParams::OneHotEncoder(pp::OneHotEncoderParams {
            handle_unknown: pp::HandleUnknown::InfrequentIfExist,
            max_categories: Some(AUTO_MAX_CATEGORIES),
            ..Default::default()
        }));
    }
    steps.push(StepParams::SimpleImputer(pp::SimpleImputerParams {
        strategy: pp::ImputeStrategy::Median,
        add_indicator: true,
        ..Default::default()
    }));
    steps.push(StepParams::StandardScaler(Default::default()));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_core::ColumnSchema;

    fn schema(kinds: &[ColumnKind]) -> Schema {
        Schema::new(
            kinds
                .iter()
                .enumerate()
                .map(|(i, k)| ColumnSchema {
                    name: format!("c{i}"),
                    kind: k.clone(),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn raw_families_get_no_steps_and_scaled_ones_get_encode_impute_scale() {
        let s = schema(&[
            ColumnKind::Numeric,
            ColumnKind::Categorical {
                categories: vec!["a".into(), "b".into()],
            },
        ]);
        assert!(auto_steps(InputNeeds::Raw, &s).is_empty());
        let names: Vec<&str> = auto_steps(InputNeeds::Scaled, &s)
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(
            names,
            ["one_hot_encoder", "simple_imputer", "standard_scaler"]
        );
        let numeric_only = schema(&[ColumnKind::Numeric, ColumnKind::Integer]);
        let names: Vec<&str> = auto_steps(InputNeeds::Scaled, &numeric_only)
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(names, ["simple_imputer", "standard_scaler"]);
    }
}
