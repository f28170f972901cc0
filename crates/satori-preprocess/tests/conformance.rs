//! Every preprocessing step passes the testkit's transformer conformance suite
//! (`satori_testkit::TransformerConformance`, ARCHITECTURE.md §6 in its transformer form):
//! default params validate and params survive JSON; fitting twice gives the same model byte for
//! byte; JSON and postcard round trips give identical output, bit for bit; rows transformed alone
//! or in any order give the rows of the full batch; fitting on permuted rows, or with unit
//! weights, gives the same transform (to 1e-12: sums run in another order); a wrong column count
//! is `ShapeMismatch`; NaN means missing (imputers fill it, the other steps keep it in its row);
//! infinities, all-NaN, one-row and one-column fits never panic; `feature_names_out` names every
//! output column once.

use ndarray::Array2;
use satori_core::{Dataset, Estimator, Transformer};
use satori_preprocess::*;
use satori_testkit::generate::Generator;
use satori_testkit::{NanPolicy, TransformerConformance};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn same_bits(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The tolerance (relative and absolute) of fits on reordered rows and with unit weights (sums
/// in another order): 1e-12, except for an iterative search whose end point moves within its own
/// tolerance (PowerTransformer's λ, xtol 1.48e-8), where outputs are compared at 1e-6.
fn fit_tolerance(step: &str) -> f64 {
    if step.starts_with("PowerTransformer") {
        1e-6
    } else {
        1e-12
    }
}

/// What a step does with NaN (missing): the imputers fill it; every other step keeps it in its
/// row (scalers and the clipper keep the cell NaN, encoders make it a category or keep it NaN,
/// passed-through columns keep it).
fn nan_policy(step: &str) -> NanPolicy {
    if step.starts_with("SimpleImputer") || step.starts_with("KNNImputer") {
        NanPolicy::MissingToFinite
    } else {
        NanPolicy::MissingPropagates
    }
}

fn check<P>(step: &str, params: P, data: &Dataset)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    let tol = fit_tolerance(step);
    let report = TransformerConformance::new(params, data.clone())
        .nan_policy(nan_policy(step))
        .fit_order_tolerance(tol, tol)
        .run();
    assert!(report.is_ok(), "{step}:\n{report}");
}

fn numeric() -> Dataset {
    Generator::new(60, 4, 11)
        .nan_fraction(0.15)
        .weights(true)
        .regression()
}

fn mixed() -> Dataset {
    Generator::new(80, 2, 5)
        .nan_fraction(0.05)
        .categorical(2, 5)
        .regression()
}

#[test]
fn imputers_conform() {
    for strategy in [
        ImputeStrategy::Mean,
        ImputeStrategy::Median,
        ImputeStrategy::MostFrequent,
        ImputeStrategy::Constant,
    ] {
        let p = SimpleImputerParams {
            strategy,
            add_indicator: true,
            ..Default::default()
        };
        check("SimpleImputer", p, &numeric());
    }
    for weights in [KnnWeights::Uniform, KnnWeights::Distance] {
        let p = KNNImputerParams {
            n_neighbors: 3,
            weights,
            add_indicator: true,
            ..Default::default()
        };
        check("KNNImputer", p, &numeric());
    }
}

#[test]
fn scalers_conform() {
    check(
        "StandardScaler",
        StandardScalerParams::default(),
        &numeric(),
    );
    check("MinMaxScaler", MinMaxScalerParams::default(), &numeric());
    check("MaxAbsScaler", MaxAbsScalerParams::default(), &numeric());
    check("RobustScaler", RobustScalerParams::default(), &numeric());
    for output_distribution in [OutputDistribution::Uniform, OutputDistribution::Normal] {
        let p = QuantileTransformerParams {
            n_quantiles: 20,
            output_distribution,
        };
        check("QuantileTransformer", p, &numeric());
    }
    for standardize in [true, false] {
        check(
            "PowerTransformer",
            PowerTransformerParams { standardize },
            &numeric(),
        );
    }
}

#[test]
fn encoders_conform() {
    let d = mixed();
    let p = OneHotEncoderParams {
        handle_unknown: HandleUnknown::InfrequentIfExist,
        min_frequency: Some(0.1),
        ..Default::default()
    };
    check("OneHotEncoder", p, &d);
    check("OneHotEncoder default", OneHotEncoderParams::default(), &d);
    let p = OrdinalEncoderParams {
        handle_unknown: OrdinalUnknown::UseEncodedValue,
        unknown_value: Some(-1.0),
        ..Default::default()
    };
    check("OrdinalEncoder", p, &d);
    check("FrequencyEncoder", FrequencyEncoderParams::default(), &d);
    let p = TargetEncoderParams {
        cv: 3,
        ..Default::default()
    };
    check("TargetEncoder regression", p.clone(), &d);
    let classes = Generator::new(90, 1, 8).categorical(2, 4).classification(3);
    check("TargetEncoder multiclass", p.clone(), &classes);
    let binary = Generator::new(90, 1, 9).categorical(1, 3).classification(2);
    check("TargetEncoder binary", p, &binary);
}

#[test]
fn target_encoder_cross_fitting_is_seeded() {
    let d = Generator::new(90, 1, 8).categorical(2, 4).classification(3);
    let p = TargetEncoderParams::default();
    let (m1, a) = p.fit_transform(&d).unwrap();
    let (m2, b) = p.fit_transform(&d).unwrap();
    assert!(same_bits(&a, &b), "same seed, same cross-fitted encodings");
    assert_eq!(
        postcard::to_allocvec(&m1).unwrap(),
        postcard::to_allocvec(&m2).unwrap()
    );
    let other = TargetEncoderParams {
        seed: 1,
        ..Default::default()
    };
    assert!(
        !same_bits(&other.fit_transform(&d).unwrap().1, &a),
        "another seed, other folds"
    );
    // The model of fit_transform is the model of fit.
    assert_eq!(
        postcard::to_allocvec(&p.fit(&d).unwrap()).unwrap(),
        postcard::to_allocvec(&m1).unwrap()
    );
}

#[test]
fn empty_columns_survive_serde() {
    let mut d = numeric();
    let (mut x, schema, target, _, _) = d.clone().into_parts();
    x.column_mut(1).fill(f64::NAN);
    d = Dataset::with_schema(x, schema)
        .unwrap()
        .with_target(target.unwrap())
        .unwrap();
    let keep = SimpleImputerParams {
        keep_empty_features: false,
        add_indicator: true,
        ..Default::default()
    };
    check("SimpleImputer empty column", keep, &d);
    check(
        "StandardScaler empty column",
        StandardScalerParams::default(),
        &d,
    );
    check(
        "MinMaxScaler empty column",
        MinMaxScalerParams::default(),
        &d,
    );
    check(
        "RobustScaler empty column",
        RobustScalerParams::default(),
        &d,
    );
    check("KNNImputer empty column", KNNImputerParams::default(), &d);
    check(
        "QuantileTransformer empty column",
        QuantileTransformerParams::default(),
        &d,
    );
}
