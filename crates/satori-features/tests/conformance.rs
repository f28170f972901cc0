//! Every transformer of this file passes the testkit's transformer conformance suite
//! (`satori_testkit::TransformerConformance`): PCA, the univariate and variance selectors,
//! polynomial features and the k-bins discretizer. NaN is refused with an error that says to
//! impute; row-order invariance of the fit is checked within a stated tolerance.

use satori_core::{Dataset, Estimator, Transformer};
use satori_features::{
    BinEncode, BinStrategy, KBest, KBinsDiscretizerParams, NComponents, PcaParams,
    PolynomialFeaturesParams, ScoreFunc, SelectKBestParams, SelectPercentileParams, SvdSolver,
    VarianceThresholdParams,
};
use satori_testkit::{NanPolicy, TransformerConformance, generate};
use serde::{Serialize, de::DeserializeOwned};

/// Run the suite on `params` with `data`: NaN is an error that says to impute; `order_tol` is the
/// tolerance (relative, and absolute) of a fit on permuted rows.
fn check_transformer<P>(params: &P, data: &Dataset, order_tol: f64)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    TransformerConformance::new(params.clone(), data.clone())
        .nan_policy(NanPolicy::RejectMentioning("impute"))
        .fit_order_tolerance(order_tol, order_tol)
        .check();
}

#[test]
fn pca_conformance() {
    let data = generate::regression(60, 5, 3);
    for solver in [SvdSolver::Full, SvdSolver::CovarianceEigh, SvdSolver::Auto] {
        for whiten in [false, true] {
            let p = PcaParams {
                n_components: Some(NComponents::Count(3)),
                whiten,
                svd_solver: solver,
                ..Default::default()
            };
            check_transformer(&p, &data, 1e-12);
        }
    }
    let r = PcaParams {
        n_components: Some(NComponents::Count(2)),
        svd_solver: SvdSolver::Randomized,
        seed: 5,
        ..Default::default()
    };
    // The randomized solver sees the rows in another order, so its sketch differs: compare at
    // the accuracy the exact-solution test establishes.
    check_transformer(&r, &data, 1e-6);
}

#[test]
fn selection_conformance() {
    let classes = generate::multiclass(60, 3, 4);
    let regression = generate::regression(50, 6, 5);
    check_transformer(
        &VarianceThresholdParams { threshold: 0.1 },
        &regression,
        0.0,
    );
    for score_func in [ScoreFunc::FClassif, ScoreFunc::Chi2] {
        // chi2 needs non-negative features: shift the generated ones.
        let data = if score_func == ScoreFunc::Chi2 {
            let (x, schema, target, _, _) = classes.clone().into_parts();
            let min = x.iter().fold(f64::INFINITY, |m, v| m.min(*v));
            Dataset::with_schema(x - min, schema)
                .unwrap()
                .with_target(target.unwrap())
                .unwrap()
        } else {
            classes.clone()
        };
        check_transformer(
            &SelectKBestParams {
                score_func,
                k: KBest::Count(2),
            },
            &data,
            0.0,
        );
        check_transformer(
            &SelectPercentileParams {
                score_func,
                percentile: 50.0,
            },
            &data,
            0.0,
        );
    }
    let mi = ScoreFunc::MutualInfoClassif {
        n_neighbors: 3,
        seed: 1,
    };
    check_transformer(
        &SelectKBestParams {
            score_func: mi,
            k: KBest::Count(2),
        },
        &classes,
        0.0,
    );
    let mi = ScoreFunc::MutualInfoRegression {
        n_neighbors: 4,
        seed: 2,
    };
    check_transformer(
        &SelectKBestParams {
            score_func: mi,
            k: KBest::Count(2),
        },
        &regression,
        0.0,
    );
    let f = ScoreFunc::FRegression;
    check_transformer(
        &SelectKBestParams {
            score_func: f,
            k: KBest::Count(3),
        },
        &regression,
        0.0,
    );
    check_transformer(
        &SelectPercentileParams {
            score_func: f,
            percentile: 30.0,
        },
        &regression,
        0.0,
    );
}

#[test]
fn polynomial_and_kbins_conformance() {
    let data = generate::regression(40, 3, 6);
    for (degree, interaction_only, include_bias) in [(2, false, true), (3, true, false)] {
        let p = PolynomialFeaturesParams {
            degree,
            interaction_only,
            include_bias,
        };
        check_transformer(&p, &data, 0.0);
    }
    for strategy in [
        BinStrategy::Uniform,
        BinStrategy::Quantile,
        BinStrategy::Kmeans,
    ] {
        for encode in [BinEncode::Ordinal, BinEncode::OnehotDense] {
            let p = KBinsDiscretizerParams {
                n_bins: 4,
                strategy,
                encode,
                ..Default::default()
            };
            check_transformer(&p, &data, 0.0);
        }
    }
}
