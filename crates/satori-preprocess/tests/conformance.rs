//! The conformance suite of ARCHITECTURE.md §6, in its transformer form (satori-testkit's suite
//! is written for predictors): default params validate and params survive JSON; fitting twice
//! gives the same model byte for byte; JSON and postcard round trips give identical output, bit
//! for bit; rows transformed alone or in any order give the rows of the full batch; fitting on
//! permuted rows gives the same transform (to 1e-12: sums run in another order); unit weights =
//! no weights; a wrong column count is `ShapeMismatch`; NaN inputs, one-row fits and one-column
//! fits never panic; `feature_names_out` names every output column. Every call runs under
//! `catch_unwind`, so a panic fails the check with the step's name.

use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, Axis};
use satori_core::{Dataset, Error, Estimator, Transformer};
use satori_preprocess::*;
use satori_testkit::generate::Generator;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what}: panicked"))
}

fn same_bits(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) -> bool {
    a.dim() == b.dim()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol * y.abs().max(1.0))
}

/// The tolerance (relative, absolute below 1) of fits on reordered rows (sums in another
/// order): 1e-12, except for an iterative search whose end point moves within its own tolerance
/// (PowerTransformer's λ, xtol 1.48e-8), where outputs are compared at 1e-6.
fn fit_tolerance(step: &str) -> f64 {
    if step.starts_with("PowerTransformer") {
        1e-6
    } else {
        1e-12
    }
}

fn check<P>(step: &str, params: P, data: &Dataset)
where
    P: Estimator + Serialize + DeserializeOwned + PartialEq + Debug,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    // Params: defaults validate, the given ones too, and JSON keeps them.
    no_panic(step, || P::default().validate()).unwrap_or_else(|e| panic!("{step}: default: {e}"));
    params.validate().unwrap_or_else(|e| panic!("{step}: {e}"));
    let json = serde_json::to_string(&params).unwrap();
    assert_eq!(
        serde_json::from_str::<P>(&json).unwrap(),
        params,
        "{step}: params JSON"
    );

    let x = data.x().to_owned();
    let model = no_panic(step, || params.fit(data)).unwrap_or_else(|e| panic!("{step}: fit: {e}"));
    let out =
        no_panic(step, || model.transform(x.view())).unwrap_or_else(|e| panic!("{step}: {e}"));
    assert_eq!(
        out.nrows(),
        x.nrows(),
        "{step}: one output row per input row"
    );
    assert_eq!(
        model.feature_names_out(&data.feature_names()).len(),
        out.ncols(),
        "{step}: one name per output column"
    );
    assert_eq!(model.n_features_in(), x.ncols(), "{step}: n_features_in");

    check_serde(step, &params, data, &model, &out);
    check_rows(step, &params, data, &model, &out);
    check_errors(step, &params, data, &model);
}

/// Fit twice = the same model, byte for byte; JSON and postcard round trips = identical output.
fn check_serde<P>(step: &str, params: &P, data: &Dataset, model: &P::Model, out: &Array2<f64>)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    let x = data.x();
    let again = params.fit(data).unwrap();
    assert_eq!(
        postcard::to_allocvec(&model).unwrap(),
        postcard::to_allocvec(&again).unwrap(),
        "{step}: fit twice"
    );

    // Serde round trips: identical output.
    let from_json: P::Model = serde_json::from_str(&serde_json::to_string(&model).unwrap())
        .unwrap_or_else(|e| panic!("{step}: JSON round trip: {e}"));
    assert!(
        same_bits(&from_json.transform(x.view()).unwrap(), out),
        "{step}: JSON"
    );
    let bytes = postcard::to_allocvec(&model).unwrap();
    let from_pc: P::Model =
        postcard::from_bytes(&bytes).unwrap_or_else(|e| panic!("{step}: postcard round trip: {e}"));
    assert!(
        same_bits(&from_pc.transform(x.view()).unwrap(), out),
        "{step}: postcard"
    );
}

/// Rows transformed in another order or alone = the same rows, bit for bit; a fit on permuted
/// rows, and one with unit weights, = the same transform (to the fit tolerance).
fn check_rows<P>(step: &str, params: &P, data: &Dataset, model: &P::Model, out: &Array2<f64>)
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = data.x();
    let n = x.nrows();
    let perm: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % n).collect();
    let permuted = model.transform(x.select(Axis(0), &perm).view()).unwrap();
    assert!(
        same_bits(&permuted, &out.select(Axis(0), &perm)),
        "{step}: row order"
    );
    for i in [0, n / 2, n - 1] {
        let one = model.transform(x.select(Axis(0), &[i]).view()).unwrap();
        assert!(
            same_bits(&one, &out.select(Axis(0), &[i])),
            "{step}: row {i} alone"
        );
    }

    // Row order of the fit.
    let refit = params.fit(&data.select_rows(&perm).unwrap()).unwrap();
    let tol = fit_tolerance(step);
    let reordered = refit.transform(x.view()).unwrap();
    let worst = reordered
        .iter()
        .zip(out)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        close(&reordered, out, tol),
        "{step}: fit row order ({worst:e})"
    );

    // Unit weights = no weights.
    let (xs, schema, target, _, _) = data.clone().into_parts();
    let mut unweighted = Dataset::with_schema(xs, schema).unwrap();
    if let Some(t) = target {
        unweighted = unweighted.with_target(t).unwrap();
    }
    let unit = unweighted.clone().with_weights(Array1::ones(n)).unwrap();
    let a = params
        .fit(&unweighted)
        .unwrap()
        .transform(x.view())
        .unwrap();
    let b = params.fit(&unit).unwrap().transform(x.view()).unwrap();
    assert!(close(&a, &b, tol), "{step}: unit weights");
}

/// A wrong column count is `ShapeMismatch`; NaN, infinities, one-row, all-missing and
/// one-column fits are `Ok` or a clean `Err`, never a panic.
fn check_errors<P>(step: &str, params: &P, data: &Dataset, model: &P::Model)
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = data.x();
    for p in [x.ncols() - 1, x.ncols() + 1] {
        let bad = Array2::<f64>::zeros((2, p));
        let r = no_panic(step, || model.transform(bad.view()));
        assert!(
            matches!(r, Err(Error::ShapeMismatch { .. })),
            "{step}: {p} columns: {r:?}"
        );
    }

    // NaN everywhere, infinities, one-row and one-column fits: Ok or a clean Err.
    let nan = Array2::from_elem((3, x.ncols()), f64::NAN);
    let _ = no_panic(step, || model.transform(nan.view()));
    let inf = Array2::from_elem((2, x.ncols()), f64::INFINITY);
    let _ = no_panic(step, || model.transform(inf.view()));
    let one_row = data.select_rows(&[0]).unwrap();
    if let Ok(m) = no_panic(step, || params.fit(&one_row)) {
        let _ = no_panic(step, || m.transform(x.view()));
    }
    let all_nan = Dataset::with_schema(nan.clone(), data.features().clone()).unwrap();
    if let Ok(m) = no_panic(step, || params.fit(&all_nan)) {
        let _ = no_panic(step, || m.transform(x.view()));
    }
    let one_col = Dataset::new(
        x.column(0).to_owned().insert_axis(Axis(1)),
        vec!["only".into()],
    )
    .unwrap();
    if let Ok(m) = no_panic(step, || params.fit(&one_col)) {
        let _ = no_panic(step, || m.transform(one_col.x()));
    }
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
