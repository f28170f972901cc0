//! Every regression model passes the shared conformance suite, with and without sample weights
//! and categorical (integer-coded) columns.

use satori_core::{Dataset, Target};
use satori_linear::{
    ElasticNetParams, GlmSolver, LassoParams, LinearRegressionParams, Link, PoissonRegressorParams,
    RidgeParams, RidgeSolver, Selection, TweedieRegressorParams,
};
use satori_testkit::Conformance;
use satori_testkit::generate::{self, Generator};

fn sets() -> Vec<Dataset> {
    vec![
        generate::regression(50, 3, 1),
        Generator::new(41, 4, 3)
            .weights(true)
            .categorical(1, 3)
            .regression(),
    ]
}

/// The same features with a positive target `exp(y / 2)`, for the GLMs.
fn positive_sets() -> Vec<Dataset> {
    sets()
        .into_iter()
        .map(|d| {
            let y = d
                .require_target()
                .unwrap()
                .as_f64()
                .mapv(|v| (0.5 * v).exp());
            d.with_target(Target::regression(y)).unwrap()
        })
        .collect()
}

#[test]
fn least_squares_and_ridge_conform() {
    for data in sets() {
        Conformance::new(LinearRegressionParams::default(), data.clone()).check();
        let positive = LinearRegressionParams {
            positive: true,
            ..Default::default()
        };
        Conformance::new(positive, data.clone()).check();
        for solver in [RidgeSolver::Auto, RidgeSolver::Svd] {
            let p = RidgeParams {
                alpha: 0.5,
                solver,
                ..Default::default()
            };
            // A prediction near zero is a cancellation of terms of the target's size (~1):
            // refitting on permuted rows moves it by rounding of that size, hence atol 1e-12.
            Conformance::new(p, data.clone())
                .fit_order_tolerance(1e-12, 1e-12)
                .check();
        }
    }
}

#[test]
fn lasso_and_elastic_net_conform() {
    for data in sets() {
        let lasso = LassoParams {
            alpha: 0.05,
            ..Default::default()
        };
        Conformance::new(lasso, data.clone()).check();
        let enet = ElasticNetParams {
            alpha: 0.1,
            l1_ratio: 0.3,
            selection: Selection::Random,
            seed: 7,
            tol: 1e-10,
            ..Default::default()
        };
        // Random selection visits coordinates in a different order on permuted rows only through
        // rounding; at a tight tolerance both fits stop at the same optimum.
        Conformance::new(enet, data.clone())
            .fit_order_tolerance(1e-8, 1e-8)
            .check();
    }
}

#[test]
fn glms_conform() {
    for data in positive_sets() {
        for solver in [GlmSolver::Lbfgs, GlmSolver::NewtonCholesky] {
            let poisson = PoissonRegressorParams {
                alpha: 0.1,
                solver,
                ..Default::default()
            };
            // Both solvers stop at `max |∇| ≤ tol`, not at the optimum: a refit on permuted rows
            // may stop a little elsewhere (within the tolerance's reach).
            Conformance::new(poisson, data.clone())
                .fit_order_tolerance(1e-6, 1e-6)
                .check();
            for (power, link) in [(1.5, Link::Auto), (2.0, Link::Log), (0.0, Link::Auto)] {
                let p = TweedieRegressorParams {
                    power,
                    link,
                    alpha: 0.1,
                    solver,
                    ..Default::default()
                };
                Conformance::new(p, data.clone())
                    .fit_order_tolerance(1e-6, 1e-6)
                    .check();
            }
        }
    }
}
