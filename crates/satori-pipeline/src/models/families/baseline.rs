//! The dummy baselines (satori-baseline).

use ndarray::ArrayView2;
use satori_baseline::{
    DummyClassifier, DummyClassifierParams, DummyRegressor, DummyRegressorParams,
};
use satori_core::{CsMat, Dataset, Estimator, Predictor, Progress, Result, TrainingHistory};

use super::{
    InputNeeds, Role, caps, dense_only, no_continuation, no_sparse_fit, values_only, with_proba,
};
use crate::models::{Capabilities, Family, FittedFamily, Output};

impl Family for DummyClassifierParams {
    const CAPS: Capabilities = caps(
        Role::Classifier,
        InputNeeds::Raw,
        false,
        true,
        false,
        false,
        false,
        false,
    );

    fn fit_valid(
        &self,
        data: &Dataset,
        _valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<DummyClassifier> {
        self.fit_with_progress(data, progress)
    }

    fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<DummyClassifier> {
        no_sparse_fit(x, data)
    }
}

impl FittedFamily for DummyClassifier {
    fn n_features(&self) -> usize {
        Predictor::n_features(self)
    }
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        with_proba(self, x)
    }
    fn outputs_sparse(&self, _x: &CsMat<f64>) -> Result<Vec<Output>> {
        Err(dense_only())
    }
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        None
    }
    fn history(&self) -> Option<TrainingHistory> {
        None
    }
    fn summary(&self) -> Option<String> {
        None
    }
    fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
        no_continuation()
    }
}

impl Family for DummyRegressorParams {
    const CAPS: Capabilities = caps(
        Role::Regressor,
        InputNeeds::Raw,
        false,
        false,
        false,
        false,
        false,
        false,
    );

    fn fit_valid(
        &self,
        data: &Dataset,
        _valid: Option<&Dataset>,
        progress: &dyn Progress,
    ) -> Result<DummyRegressor> {
        self.fit_with_progress(data, progress)
    }

    fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<DummyRegressor> {
        no_sparse_fit(x, data)
    }
}

impl FittedFamily for DummyRegressor {
    fn n_features(&self) -> usize {
        Predictor::n_features(self)
    }
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
        values_only(self, x)
    }
    fn outputs_sparse(&self, _x: &CsMat<f64>) -> Result<Vec<Output>> {
        Err(dense_only())
    }
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        None
    }
    fn history(&self) -> Option<TrainingHistory> {
        None
    }
    fn summary(&self) -> Option<String> {
        None
    }
    fn continue_training(&self, _: &Dataset, _: usize, _: &dyn Progress) -> Result<Self> {
        no_continuation()
    }
}
