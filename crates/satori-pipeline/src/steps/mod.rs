//! Preprocessing steps: the closed, serde-tagged [`StepParams`] and fitted [`AnyStep`] enums,
//! chained in front of the model inside a [`crate::FittedPipeline`], and the helpers that fit and
//! apply a chain of them. A column transformer holds steps and `select_from_model` fits a model:
//! the one recursion of the layer (steps ↔ column transformer, steps → models).

pub mod auto;
pub mod column_transformer;
pub mod resample;
pub mod row_filter;
pub mod select_model;

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};
use satori_core::{
    ColumnKind, ColumnSchema, Dataset, Error, Estimator, Params, Progress, Result, Schema,
    Transformer,
};
use satori_features as fe;
use satori_imbalance as imb;
use satori_preprocess as pp;
use serde::{Deserialize, Serialize};

use column_transformer as ct;
use row_filter as rf;

/// Generates the step enums and their dispatch from one list, so that adding a step is one line
/// here (and the compiler points at nothing else to update).
macro_rules! steps {
    ($( $variant:ident, $name:literal, $params:ty, $fitted:ty, $keeps_kinds:literal; )*) => {
        /// The parameters of one preprocessing step, tagged by `step` in TOML/JSON
        /// (`{"step": "standard_scaler", "with_mean": true}`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "step", rename_all = "snake_case")]
        pub enum StepParams {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant($params),
            )*
        }

        /// A fitted preprocessing step (externally tagged, as the binary model payload requires).
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum AnyStep {
            $(
                #[doc = concat!("A fitted `", $name, "`.")]
                $variant($fitted),
            )*
        }

        /// The step names a pipeline file accepts.
        pub const STEP_NAMES: &[&str] = &[$($name),*];

        impl StepParams {
            /// The step's name.
            pub fn name(&self) -> &'static str {
                match self { $(StepParams::$variant(_) => $name,)* }
            }

            /// Check the step's parameters.
            pub fn validate(&self) -> Result<()> {
                match self { $(StepParams::$variant(p) => p.validate(),)* }
            }

            fn fit_step(&self, data: &Dataset) -> Result<AnyStep> {
                match self { $(StepParams::$variant(p) => Ok(AnyStep::$variant(p.fit(data)?)),)* }
            }

            fn keeps_kinds(&self) -> bool {
                match self { $(StepParams::$variant(_) => $keeps_kinds,)* }
            }
        }

        impl AnyStep {
            /// The step's name.
            pub fn name(&self) -> &'static str {
                match self { $(AnyStep::$variant(_) => $name,)* }
            }

            fn transformer(&self) -> &dyn Transformer {
                match self { $(AnyStep::$variant(s) => s,)* }
            }
        }
    };
}

steps! {
    SimpleImputer, "simple_imputer", pp::SimpleImputerParams, pp::SimpleImputer, true;
    KnnImputer, "knn_imputer", pp::KNNImputerParams, pp::KNNImputer, false;
    StandardScaler, "standard_scaler", pp::StandardScalerParams, pp::StandardScaler, false;
    MinMaxScaler, "min_max_scaler", pp::MinMaxScalerParams, pp::MinMaxScaler, false;
    MaxAbsScaler, "max_abs_scaler", pp::MaxAbsScalerParams, pp::MaxAbsScaler, false;
    RobustScaler, "robust_scaler", pp::RobustScalerParams, pp::RobustScaler, false;
    QuantileTransformer, "quantile_transformer", pp::QuantileTransformerParams, pp::QuantileTransformer, false;
    PowerTransformer, "power_transformer", pp::PowerTransformerParams, pp::PowerTransformer, false;
    OneHotEncoder, "one_hot_encoder", pp::OneHotEncoderParams, pp::OneHotEncoder, true;
    OrdinalEncoder, "ordinal_encoder", pp::OrdinalEncoderParams, pp::OrdinalEncoder, true;
    TargetEncoder, "target_encoder", pp::TargetEncoderParams, pp::TargetEncoder, true;
    FrequencyEncoder, "frequency_encoder", pp::FrequencyEncoderParams, pp::FrequencyEncoder, true;
    Pca, "pca", fe::PcaParams, fe::Pca, false;
    VarianceThreshold, "variance_threshold", fe::VarianceThresholdParams, fe::VarianceThreshold, true;
    SelectKBest, "select_k_best", fe::SelectKBestParams, fe::UnivariateSelector, true;
    SelectPercentile, "select_percentile", fe::SelectPercentileParams, fe::UnivariateSelector, true;
    PolynomialFeatures, "polynomial_features", fe::PolynomialFeaturesParams, fe::PolynomialFeatures, false;
    KBinsDiscretizer, "k_bins_discretizer", fe::KBinsDiscretizerParams, fe::KBinsDiscretizer, false;
    TruncatedSvd, "truncated_svd", fe::TruncatedSvdParams, fe::TruncatedSvd, false;
    IncrementalPca, "incremental_pca", fe::IncrementalPcaParams, fe::IncrementalPca, false;
    Lda, "lda", fe::LdaParams, fe::Lda, false;
    FeatureHasher, "feature_hasher", fe::FeatureHasherParams, fe::FeatureHasher, true;
    DatetimeFeatures, "datetime_features", fe::DatetimeFeaturesParams, fe::DatetimeFeatures, true;
    OutlierClipper, "outlier_clipper", pp::OutlierClipperParams, pp::OutlierClipper, true;
    Denoise, "denoise", pp::DenoiserParams, pp::Denoiser, true;
    ColumnTransformer, "column_transformer", ct::ColumnTransformerParams, ct::ColumnTransformer, false;
    AnomalyFilter, "anomaly_filter", rf::AnomalyFilterParams, rf::AnomalyFilter, true;
    SelectFromModel, "select_from_model", select_model::SelectFromModelParams, select_model::ModelSelector, true;
    RandomOverSampler, "random_over_sampler", imb::RandomOverSamplerParams, imb::FittedResampler, true;
    Smote, "smote", imb::SmoteParams, imb::FittedResampler, true;
    RandomUnderSampler, "random_under_sampler", imb::RandomUnderSamplerParams, imb::FittedResampler, true;
    TomekLinks, "tomek_links", imb::TomekLinksParams, imb::FittedResampler, true;
    EditedNearestNeighbours, "edited_nearest_neighbours", imb::EditedNearestNeighboursParams, imb::FittedResampler, true;
    RepeatedEditedNearestNeighbours, "repeated_edited_nearest_neighbours", imb::RepeatedEditedNearestNeighboursParams, imb::FittedResampler, true;
    AllKnn, "all_knn", imb::AllKnnParams, imb::FittedResampler, true;
    NearMiss, "near_miss", imb::NearMissParams, imb::FittedResampler, true;
    BorderlineSmote, "borderline_smote", imb::BorderlineSmoteParams, imb::FittedResampler, true;
    Adasyn, "adasyn", imb::AdasynParams, imb::FittedResampler, true;
    SmoteEnn, "smote_enn", imb::SmoteEnnParams, imb::FittedResampler, true;
    SmoteTomek, "smote_tomek", imb::SmoteTomekParams, imb::FittedResampler, true;
    OneSidedSelection, "one_sided_selection", imb::OneSidedSelectionParams, imb::FittedResampler, true;
    NeighbourhoodCleaningRule, "neighbourhood_cleaning_rule", imb::NeighbourhoodCleaningRuleParams, imb::FittedResampler, true;
    SmoteNc, "smote_nc", imb::SmoteNcParams, imb::FittedResampler, true;
    Smoten, "smoten", imb::SmotenParams, imb::FittedResampler, true;
    ClusterCentroids, "cluster_centroids", imb::ClusterCentroidsParams, imb::FittedResampler, true;
    InstanceHardnessThreshold, "instance_hardness_threshold", imb::InstanceHardnessThresholdParams, imb::FittedResampler, true;
    KmeansSmote, "kmeans_smote", imb::KMeansSmoteParams, imb::FittedResampler, true;
}

impl StepParams {
    /// Fit on `data` and return the fitted step with the transformed training data. Target
    /// encoding cross-fits here, so the rows the next step learns from carry no leak of their own
    /// target.
    pub fn fit_transform(&self, data: &Dataset) -> Result<(AnyStep, Dataset)> {
        self.validate()?;
        if let StepParams::ColumnTransformer(p) = self {
            let (fitted, out) = p.fit_transform(data)?;
            let schema = out.features().clone();
            let (x, ..) = out.into_parts();
            let out = data.with_features(x, schema)?;
            return Ok((AnyStep::ColumnTransformer(fitted), out));
        }
        if let Some(resampled) = resample::fit_transform(self, data) {
            return resampled;
        }
        if let StepParams::AnomalyFilter(p) = self {
            let (fitted, kept) = p.fit_filter(data)?;
            return Ok((AnyStep::AnomalyFilter(fitted), kept));
        }
        let (step, x) = match self {
            StepParams::TargetEncoder(p) => {
                let (fitted, x) = p.fit_transform(data)?;
                (AnyStep::TargetEncoder(fitted), x)
            }
            other => {
                let step = other.fit_step(data)?;
                let x = step.transform(data.x())?;
                (step, x)
            }
        };
        let schema = output_schema(data.features(), &step, self.keeps_kinds())?;
        let out = data.with_features(x, schema)?;
        Ok((step, out))
    }
}

impl AnyStep {
    /// Transform a feature matrix.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.transformer().transform(x)
    }

    /// Whether each output row depends only on the same input row, so the step can be applied a
    /// chunk of rows at a time (signal filters along the rows cannot).
    pub fn row_wise(&self) -> bool {
        match self {
            AnyStep::ColumnTransformer(ct) => ct
                .groups()
                .iter()
                .all(|g| g.steps.iter().all(AnyStep::row_wise)),
            AnyStep::Denoise(d) => d.axis() != pp::DenoiseAxis::Rows,
            _ => true,
        }
    }

    /// The columns it takes.
    pub fn n_features_in(&self) -> usize {
        self.transformer().n_features_in()
    }

    /// The names of the columns it produces.
    pub fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        self.transformer().feature_names_out(input)
    }
}

/// The schema of a step's output: a column that keeps its input's name keeps its kind when the
/// step passes values through (encoders, the simple imputer); every other column is numeric.
fn output_schema(input: &Schema, step: &AnyStep, keeps_kinds: bool) -> Result<Schema> {
    let names_in: Vec<String> = input.names().map(str::to_string).collect();
    let names = step.feature_names_out(&names_in);
    let columns = names
        .into_iter()
        .map(|name| {
            let kind = match input.get(&name) {
                Some(c) if keeps_kinds => c.kind.clone(),
                _ => ColumnKind::Numeric,
            };
            ColumnSchema { name, kind }
        })
        .collect();
    Schema::new(columns).map_err(|e| {
        Error::Internal(format!(
            "step `{}` produced bad column names: {e}",
            step.name()
        ))
    })
}

/// Check every preprocessing step's parameters; a bad one is named by its place in the tree,
/// `preprocessing.<i>.<name>`.
pub fn validate_steps(steps: &[StepParams]) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        step.validate().map_err(|e| match e {
            Error::InvalidParameter { name, reason } => {
                Error::param(format!("preprocessing.{i}.{name}"), reason)
            }
            other => other,
        })?;
    }
    Ok(())
}

/// Fit steps one after another, each on the previous one's output (no copy without steps).
pub fn fit_steps<'a>(
    data: &'a Dataset,
    steps: &[StepParams],
    progress: &dyn Progress,
) -> Result<(Vec<AnyStep>, Cow<'a, Dataset>)> {
    let mut fitted = Vec::with_capacity(steps.len());
    let mut current = Cow::Borrowed(data);
    for step in steps {
        progress.start(&format!("fitting {}", step.name()), None);
        let result = step.fit_transform(&current);
        progress.finish();
        let (f, next) = result?;
        fitted.push(f);
        current = Cow::Owned(next);
    }
    Ok((fitted, current))
}

/// Apply fitted steps in order.
pub fn apply_steps(steps: &[AnyStep], x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let mut current = x.to_owned();
    for step in steps {
        current = step.transform(current.view())?;
    }
    Ok(current)
}

/// Check that each fitted step takes the columns the previous stage gives (the first takes the
/// `input_len` input columns), and return the width the model must take: the last step's output
/// columns plus `extra` (e.g. the text vectorizers' columns).
pub fn check_step_widths(input_len: usize, steps: &[AnyStep], extra: usize) -> Result<usize> {
    let mut width = input_len;
    for step in steps {
        if step.n_features_in() != width {
            return Err(Error::ShapeMismatch {
                context: format!("columns into step `{}`", step.name()),
                expected: width,
                got: step.n_features_in(),
            });
        }
        let names: Vec<String> = (0..width).map(|i| i.to_string()).collect();
        width = step.feature_names_out(&names).len();
    }
    Ok(width + extra)
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use satori_core::Dataset;

    use super::{StepParams, check_step_widths};

    /// The step-width check pipelines assemble with: each step must take the previous stage's
    /// width, and the result is the last width plus the extra (text) columns.
    #[test]
    fn step_widths_are_chained_and_checked() {
        let data = Dataset::new(
            array![[1.0, 2.0], [3.0, 5.0], [4.0, 1.0]],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        let fit = |toml_text: &str, data: &Dataset| {
            let p: StepParams = toml::from_str(toml_text).unwrap();
            p.fit_transform(data).unwrap()
        };
        let (scaler, scaled) = fit("step = \"standard_scaler\"", &data);
        let (poly, _) = fit("step = \"polynomial_features\"", &scaled);
        let steps = [scaler, poly];
        assert_eq!(check_step_widths(2, &[], 0).unwrap(), 2);
        // 2 → 2 (scaler) → 6 (degree-2 polynomial with bias: 1, a, b, a², ab, b²).
        assert_eq!(check_step_widths(2, &steps, 0).unwrap(), 6);
        assert_eq!(check_step_widths(2, &steps, 3).unwrap(), 9);
        let e = check_step_widths(3, &steps, 0).unwrap_err().to_string();
        assert!(e.contains("standard_scaler"), "{e}");
        // The scaler was fitted on 2 columns; after the polynomial it would get 6.
        let swapped = [steps[1].clone(), steps[0].clone()];
        let e = check_step_widths(2, &swapped, 0).unwrap_err();
        match e {
            satori_core::Error::ShapeMismatch {
                context,
                expected,
                got,
            } => {
                assert_eq!(context, "columns into step `standard_scaler`");
                assert_eq!((expected, got), (6, 2));
            }
            other => panic!("expected a shape mismatch, got {other}"),
        }
    }
}
