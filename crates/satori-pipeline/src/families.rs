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

// ---- linear models (satori-linear) ----

use satori_linear as lin;

/// A one-line account of a fitted linear model: coefficients, and how the solver ended.
fn linear_summary(
    name: &str,
    coef: &[f64],
    intercept: &[f64],
    iters: Option<(usize, bool)>,
) -> String {
    let nonzero = coef.iter().filter(|c| **c != 0.0).count();
    let intercept: Vec<String> = intercept.iter().map(|v| format!("{v:.6}")).collect();
    let solver = match iters {
        Some((n, true)) => format!("; converged in {n} iterations"),
        Some((n, false)) => format!("; NOT converged after {n} iterations (raise max_iter or tol)"),
        None => String::new(),
    };
    format!(
        "{name}: {} coefficients ({nonzero} non-zero), intercept {}{solver}",
        coef.len(),
        intercept.join(", ")
    )
}

macro_rules! regressor_family {
    ($params:ty, $needs:expr) => {
        impl Family for $params {
            const ROLE: Role = Role::Regressor;
            const NEEDS: InputNeeds = $needs;
        }
    };
}

macro_rules! classifier_family {
    ($params:ty, $needs:expr) => {
        impl Family for $params {
            const ROLE: Role = Role::Classifier;
            const NEEDS: InputNeeds = $needs;
        }
    };
}

regressor_family!(lin::LinearRegressionParams, InputNeeds::Scaled);
regressor_family!(lin::RidgeParams, InputNeeds::Scaled);
regressor_family!(lin::LassoParams, InputNeeds::Scaled);
regressor_family!(lin::ElasticNetParams, InputNeeds::Scaled);
regressor_family!(lin::PoissonRegressorParams, InputNeeds::Scaled);
regressor_family!(lin::TweedieRegressorParams, InputNeeds::Scaled);
regressor_family!(lin::SgdRegressorParams, InputNeeds::Scaled);
classifier_family!(lin::LogisticRegressionParams, InputNeeds::Scaled);
classifier_family!(lin::SgdClassifierParams, InputNeeds::Scaled);

impl FittedFamily for lin::LinearRegression {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            &format!("least squares (rank {})", self.rank()),
            self.coef(),
            &[self.intercept()],
            None,
        ))
    }
}

impl FittedFamily for lin::Ridge {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            "ridge",
            self.coef(),
            &[self.intercept()],
            None,
        ))
    }
}

impl FittedFamily for lin::ElasticNet {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            &format!("coordinate descent (dual gap {:.3e})", self.dual_gap()),
            self.coef(),
            &[self.intercept()],
            Some((self.n_iter(), self.converged())),
        ))
    }
}

impl FittedFamily for lin::TweedieRegressor {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            "generalised linear model",
            self.coef(),
            &[self.intercept()],
            Some((self.n_iter(), self.converged())),
        ))
    }
}

impl FittedFamily for lin::SgdRegressor {
    fn proba(&self, _x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        Ok(None)
    }
    fn summary(&self) -> Option<String> {
        Some(linear_summary(
            "SGD",
            &self.coef(),
            &[self.intercept()],
            Some((self.n_iter(), self.converged())),
        ))
    }
}

impl FittedFamily for lin::LogisticRegression {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
    fn summary(&self) -> Option<String> {
        let coef = self.coef();
        Some(linear_summary(
            &format!(
                "logistic regression ({} × {} coefficients)",
                coef.nrows(),
                coef.ncols()
            ),
            coef.as_slice().unwrap_or(&[]),
            self.intercept(),
            Some((self.n_iter(), self.converged())),
        ))
    }
}

impl FittedFamily for lin::SgdClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        if self.gives_probabilities() {
            proba_of(self, x)
        } else {
            Ok(None)
        }
    }
    fn summary(&self) -> Option<String> {
        let coef = self.coef();
        Some(linear_summary(
            &format!("SGD classifier, loss {:?}", self.loss()),
            &coef.iter().copied().collect::<Vec<_>>(),
            &self.intercept(),
            Some((self.n_iter(), self.converged())),
        ))
    }
}
