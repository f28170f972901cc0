//! Each model family's place in the pipeline: its [`Family`] role and input needs, and what its
//! fitted model gives beyond predictions ([`FittedFamily`]).

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{CsMat, Dataset, Result, SparseEstimator};

use crate::auto::InputNeeds;
use crate::models::{Family, FittedFamily, Role, proba_of, sparse_of};

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

impl FittedFamily for satori_baseline::DummyRegressor {}

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

/// `impl Family` for a parameter type: its role, input needs and, with `sparse`, the sparse fit
/// through its [`SparseEstimator`] implementation.
macro_rules! family {
    ($role:ident, $params:ty, $needs:expr) => {
        impl Family for $params {
            const ROLE: Role = Role::$role;
            const NEEDS: InputNeeds = $needs;
        }
    };
    ($role:ident, $params:ty, $needs:expr, sparse) => {
        impl Family for $params {
            const ROLE: Role = Role::$role;
            const NEEDS: InputNeeds = $needs;
            const SPARSE: bool = true;
            fn fit_sparse(&self, x: &CsMat<f64>, data: &Dataset) -> Result<Self::Model> {
                self.fit_csr(x, data.require_target()?, data.weights())
            }
        }
    };
}

family!(
    Regressor,
    lin::LinearRegressionParams,
    InputNeeds::Scaled,
    sparse
);
family!(Regressor, lin::RidgeParams, InputNeeds::Scaled, sparse);
family!(Regressor, lin::LassoParams, InputNeeds::Scaled, sparse);
family!(Regressor, lin::ElasticNetParams, InputNeeds::Scaled, sparse);
family!(
    Regressor,
    lin::PoissonRegressorParams,
    InputNeeds::Scaled,
    sparse
);
family!(
    Regressor,
    lin::TweedieRegressorParams,
    InputNeeds::Scaled,
    sparse
);
family!(
    Regressor,
    lin::SgdRegressorParams,
    InputNeeds::Scaled,
    sparse
);
family!(
    Classifier,
    lin::LogisticRegressionParams,
    InputNeeds::Scaled,
    sparse
);
family!(
    Classifier,
    lin::SgdClassifierParams,
    InputNeeds::Scaled,
    sparse
);

impl FittedFamily for lin::LinearRegression {
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        Some(self.coef().iter().map(|c| c.abs()).collect())
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        let coef = self.coef();
        Some(
            coef.columns()
                .into_iter()
                .map(|c| c.iter().map(|v| v.abs()).sum())
                .collect(),
        )
    }
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
    fn predict_sparse(&self, x: &CsMat<f64>) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        sparse_of(self, x)
    }
    fn coef_magnitudes(&self) -> Option<Vec<f64>> {
        let coef = self.coef();
        Some(
            coef.columns()
                .into_iter()
                .map(|c| c.iter().map(|v| v.abs()).sum())
                .collect(),
        )
    }
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

// ---- trees and forests (satori-tree) ----

use satori_tree as tree;

family!(
    Classifier,
    tree::DecisionTreeClassifierParams,
    InputNeeds::Raw
);
family!(
    Regressor,
    tree::DecisionTreeRegressorParams,
    InputNeeds::Raw
);
family!(
    Classifier,
    tree::RandomForestClassifierParams,
    InputNeeds::Raw
);
family!(
    Regressor,
    tree::RandomForestRegressorParams,
    InputNeeds::Raw
);
family!(
    Classifier,
    tree::ExtraTreesClassifierParams,
    InputNeeds::Raw
);
family!(Regressor, tree::ExtraTreesRegressorParams, InputNeeds::Raw);

impl FittedFamily for tree::DecisionTreeClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances())
    }
    fn summary(&self) -> Option<String> {
        Some(format!(
            "decision tree: depth {}, {} leaves",
            self.get_depth(),
            self.get_n_leaves()
        ))
    }
}

impl FittedFamily for tree::DecisionTreeRegressor {
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances())
    }
    fn summary(&self) -> Option<String> {
        Some(format!(
            "decision tree: depth {}, {} leaves",
            self.get_depth(),
            self.get_n_leaves()
        ))
    }
}

fn forest_summary(trees: &[satori_tree::FlatTree], oob: Option<f64>) -> String {
    let leaves: usize = trees.iter().map(|t| t.n_leaves()).sum();
    let depth = trees.iter().map(|t| t.max_depth()).max().unwrap_or(0);
    let oob = oob
        .map(|s| format!("; out-of-bag score {s:.4}"))
        .unwrap_or_default();
    format!(
        "forest: {} trees, {leaves} leaves in all, deepest {depth}{oob}",
        trees.len()
    )
}

impl FittedFamily for tree::ForestClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances())
    }
    fn summary(&self) -> Option<String> {
        Some(forest_summary(self.trees(), self.oob_score()))
    }
}

impl FittedFamily for tree::ForestRegressor {
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances())
    }
    fn summary(&self) -> Option<String> {
        Some(forest_summary(self.trees(), self.oob_score()))
    }
}

// ---- neural networks (satori-nn) ----

use satori_nn as nn;

family!(Classifier, nn::MlpClassifierParams, InputNeeds::Scaled);
family!(Regressor, nn::MlpRegressorParams, InputNeeds::Scaled);

impl FittedFamily for nn::MlpClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
    fn history(&self) -> Option<satori_core::TrainingHistory> {
        Some(self.loss_curve().clone())
    }
    fn summary(&self) -> Option<String> {
        Some(nn::MlpClassifier::summary(self))
    }
}

impl FittedFamily for nn::MlpRegressor {
    fn history(&self) -> Option<satori_core::TrainingHistory> {
        Some(self.loss_curve().clone())
    }
    fn summary(&self) -> Option<String> {
        Some(nn::MlpRegressor::summary(self))
    }
}

// ---- gradient boosting (satori-gbm) ----

use satori_gbm as gbm;

impl Family for gbm::GbmClassifierParams {
    const ROLE: Role = Role::Classifier;
    const NEEDS: InputNeeds = InputNeeds::Raw;

    fn fit_valid(
        &self,
        data: &satori_core::Dataset,
        valid: Option<&satori_core::Dataset>,
        progress: &dyn satori_core::Progress,
    ) -> Result<Self::Model> {
        match valid {
            Some(v) => self.fit_with_validation(data, v),
            None => satori_core::Estimator::fit_with_progress(self, data, progress),
        }
    }
}

impl Family for gbm::GbmRegressorParams {
    const ROLE: Role = Role::Regressor;
    const NEEDS: InputNeeds = InputNeeds::Raw;

    fn fit_valid(
        &self,
        data: &satori_core::Dataset,
        valid: Option<&satori_core::Dataset>,
        progress: &dyn satori_core::Progress,
    ) -> Result<Self::Model> {
        match valid {
            Some(v) => self.fit_with_validation(data, v),
            None => satori_core::Estimator::fit_with_progress(self, data, progress),
        }
    }
}

fn gbm_summary(trees: &[satori_tree::FlatTree], n_iter: usize, per_round: usize) -> String {
    let leaves: usize = trees.iter().map(|t| t.n_leaves()).sum();
    format!(
        "gradient boosting: {n_iter} rounds × {per_round} tree(s) = {} trees, {leaves} leaves in all",
        trees.len()
    )
}

impl FittedFamily for gbm::GbmClassifier {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        proba_of(self, x)
    }
    fn importances(&self) -> Option<Vec<f64>> {
        Some(normalised(
            self.feature_importances(gbm::ImportanceKind::Gain),
        ))
    }
    fn history(&self) -> Option<satori_core::TrainingHistory> {
        Some(self.training_history().clone())
    }
    fn summary(&self) -> Option<String> {
        let per_round = self.trees().len() / self.n_iter().max(1);
        Some(gbm_summary(self.trees(), self.n_iter(), per_round.max(1)))
    }
}

impl FittedFamily for gbm::GbmRegressor {
    fn importances(&self) -> Option<Vec<f64>> {
        Some(normalised(
            self.feature_importances(gbm::ImportanceKind::Gain),
        ))
    }
    fn history(&self) -> Option<satori_core::TrainingHistory> {
        Some(self.training_history().clone())
    }
    fn summary(&self) -> Option<String> {
        Some(gbm_summary(self.trees(), self.n_iter(), 1))
    }
}

/// Importances scaled to sum to 1 (all zero stays all zero).
fn normalised(v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.into_iter().map(|x| x / total).collect()
    } else {
        v
    }
}
