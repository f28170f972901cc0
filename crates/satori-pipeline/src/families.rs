//! Each model family's place in the pipeline: its [`Family`] role and input needs, and what its
//! fitted model gives beyond predictions ([`FittedFamily`]).

use ndarray::{Array2, ArrayView2};
use satori_core::Result;

use crate::auto::InputNeeds;
use crate::models::{Family, FittedFamily, Role, proba_of};

impl Family for satori_baseline::DummyClassifierParams {
    const ROLE: Role = Role::Classifier;
    const NEEDS: InputNeeds = InputNeeds::Raw;
}

impl FittedFamily for satori_baseline::DummyClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
}

impl Family for satori_baseline::DummyRegressorParams {
    const ROLE: Role = Role::Regressor;
    const NEEDS: InputNeeds = InputNeeds::Raw;
}

impl FittedFamily for satori_baseline::DummyRegressor {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
}
