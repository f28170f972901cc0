//! The automatic preprocessing: the steps `satori train` and `satori cv` put in front of a model
//! when the user names none, chosen from the model family and the inferred schema.
//!
//! | family | steps |
//! |---|---|
//! | baseline (dummy) | none: the features are ignored |
//! | trees, forests, boosting, isolation forests | none: missing values and categories are handled natively (boosting splits categorical columns by category; the other trees read the codes as ordered numbers) |
//! | linear models, neural networks | categorical columns one-hot encoded (unknown categories at predict time → the infrequent group or all zeros; at most 32 outputs per column, the rarest categories grouped), then median imputation with missing-indicator columns, then standard scaling |
//!
//! Every family but the dummy models first expands datetime columns (epoch seconds) into
//! calendar features — year, month, day, day of week, day of year and hour
//! ([`AUTO_DATETIME_PARTS`]; [`without_constant_hour`] drops the hour when no value has a time of
//! day) — instead of learning from raw seconds.
//!
//! The chosen steps are written into the parameters, so the model file's header records them and
//! `--set preprocessing.0.max_categories=10` can adjust them. A pipeline file with
//! `[[preprocessing]]` steps, or `--set auto_preprocessing=false`, replaces them.

use ndarray::ArrayView2;
use satori_core::{ColumnKind, Schema};
use satori_features::{DatetimeFeaturesParams, DatetimePart};
use satori_preprocess as pp;

use super::StepParams;
use crate::models::capabilities::InputNeeds;

/// The most indicator columns the automatic one-hot encoding makes per categorical column.
pub const AUTO_MAX_CATEGORIES: usize = 32;

/// The calendar features the automatic preprocessing makes of each datetime column.
pub const AUTO_DATETIME_PARTS: [DatetimePart; 6] = [
    DatetimePart::Year,
    DatetimePart::Month,
    DatetimePart::Day,
    DatetimePart::DayOfWeek,
    DatetimePart::DayOfYear,
    DatetimePart::Hour,
];

/// The automatic datetime expansion ([`AUTO_DATETIME_PARTS`] of every datetime column).
fn auto_datetime() -> StepParams {
    StepParams::DatetimeFeatures(DatetimeFeaturesParams {
        columns: Vec::new(),
        features: AUTO_DATETIME_PARTS.to_vec(),
        cyclical: false,
    })
}

/// The automatic steps for a family and the schema of the training features.
pub fn auto_steps(needs: InputNeeds, schema: &Schema) -> Vec<StepParams> {
    let any_datetime = schema
        .columns
        .iter()
        .any(|c| matches!(c.kind, ColumnKind::Datetime));
    if needs == InputNeeds::Raw {
        return if any_datetime {
            vec![auto_datetime()]
        } else {
            Vec::new()
        };
    }
    let mut steps = Vec::new();
    if any_datetime {
        steps.push(auto_datetime());
    }
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

/// Drop the hour from the automatic datetime expansion in `steps` when no datetime value of `x`
/// (the training features, with `schema`) has a time of day: date-only columns would give a
/// constant column.
pub fn without_constant_hour(steps: &mut [StepParams], schema: &Schema, x: ArrayView2<'_, f64>) {
    let auto = auto_datetime();
    let Some(StepParams::DatetimeFeatures(p)) = steps.iter_mut().find(|s| **s == auto) else {
        return;
    };
    let has_time = schema
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind, ColumnKind::Datetime))
        .any(|(j, _)| {
            j < x.ncols()
                && x.column(j)
                    .iter()
                    .any(|v| v.is_finite() && v.rem_euclid(86_400.0) != 0.0)
        });
    if !has_time {
        p.features.retain(|f| *f != DatetimePart::Hour);
    }
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

    #[test]
    fn datetime_columns_are_expanded_for_every_family_and_the_hour_only_with_times() {
        let s = schema(&[ColumnKind::Numeric, ColumnKind::Datetime]);
        let raw = auto_steps(InputNeeds::Raw, &s);
        assert_eq!(
            raw.iter().map(|s| s.name()).collect::<Vec<_>>(),
            ["datetime_features"]
        );
        let names: Vec<&str> = auto_steps(InputNeeds::Scaled, &s)
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(
            names,
            ["datetime_features", "simple_imputer", "standard_scaler"]
        );
        let parts = |steps: &[StepParams]| match &steps[0] {
            StepParams::DatetimeFeatures(p) => p.features.clone(),
            other => panic!("{other:?}"),
        };
        // 2024-01-01 and 2024-01-02, midnight: no hour.
        let dates = ndarray::array![[1.0, 1_704_067_200.0], [2.0, 1_704_153_600.0]];
        let mut steps = auto_steps(InputNeeds::Raw, &s);
        without_constant_hour(&mut steps, &s, dates.view());
        assert!(!parts(&steps).contains(&DatetimePart::Hour));
        assert_eq!(parts(&steps).len(), 5);
        // 2024-01-01 13:00: the hour stays.
        let times = ndarray::array![[1.0, 1_704_114_000.0], [2.0, f64::NAN]];
        let mut steps = auto_steps(InputNeeds::Raw, &s);
        without_constant_hour(&mut steps, &s, times.view());
        assert!(parts(&steps).contains(&DatetimePart::Hour));
    }
}
