//! DummyClassifier and DummyRegressor against scikit-learn 1.9.1 (tests/golden/dummy, written by
//! its generate.py). Deterministic strategies are compared at rtol 1e-12 and, because the
//! computations follow numpy's floating-point order, also bit for bit; the random strategies
//! (`stratified`, `uniform`) are compared by class frequencies over many draws.

use ndarray::{Array1, Array2};
use satori_baseline::{
    ClassifierStrategy, DummyClassifierParams, DummyRegressorParams, RegressorStrategy,
};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_testkit::golden;
use serde_json::Value;

const RTOL: f64 = 1e-12;

fn cases(kind: &str) -> Vec<Value> {
    let g = golden::load("dummy");
    let versions = golden::at(&g, "/versions");
    assert_eq!(
        versions["sklearn"], "1.9.1",
        "golden file from another scikit-learn"
    );
    golden::at(&g, &format!("/{kind}"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn weights(case: &Value) -> Option<Array1<f64>> {
    (!case["weights"].is_null()).then(|| golden::f64_vec(case, "/weights").into())
}

fn dataset(case: &Value, target: Target) -> Dataset {
    let p = case["n_features"].as_u64().unwrap_or(1) as usize;
    let names = (0..p).map(|j| format!("f{j}")).collect();
    let d = Dataset::new(Array2::zeros((target.len(), p)), names)
        .unwrap()
        .with_target(target)
        .unwrap();
    match weights(case) {
        Some(w) => d.with_weights(w).unwrap(),
        None => d,
    }
}

fn test_x(case: &Value) -> Array2<f64> {
    let p = case["n_features"].as_u64().unwrap_or(1) as usize;
    let n = golden::load("dummy")["n_test"].as_u64().unwrap_or(4) as usize;
    Array2::ones((n, p))
}

/// Class labels sorted as `np.unique` sorts strings (by code point), and the codes of `y`.
fn encode(y: &[String]) -> (Vec<String>, Array1<usize>) {
    let mut labels = y.to_vec();
    labels.sort();
    labels.dedup();
    let codes = y
        .iter()
        .map(|v| labels.iter().position(|l| l == v).unwrap())
        .collect();
    (labels, codes)
}

fn assert_bits(what: &str, got: &[f64], want: &[f64]) {
    golden::assert_close(what, got, want, RTOL, 0.0);
    let exact = got
        .iter()
        .zip(want)
        .all(|(a, b)| a.to_bits() == b.to_bits());
    assert!(
        exact,
        "{what}: within rtol but not bit for bit: {got:?} vs {want:?}"
    );
}

fn classifier_data(case: &Value) -> (Dataset, Vec<String>) {
    let y = golden::string_vec(case, "/y");
    let (labels, codes) = encode(&y);
    assert_eq!(
        labels,
        golden::string_vec(case, "/classes"),
        "{}",
        case["name"]
    );
    let target = Target::classes(codes, labels.clone()).unwrap();
    (dataset(case, target), labels)
}

fn classifier(strategy: ClassifierStrategy, constant: Option<String>) -> DummyClassifierParams {
    DummyClassifierParams {
        strategy,
        constant,
        seed: 0,
    }
}

#[test]
fn classifier_deterministic_strategies_match_sklearn() {
    for case in cases("classifier") {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let (data, labels) = classifier_data(&case);
        let x = test_x(&case);
        let constant = case["constant"]["constant"].as_str().map(str::to_string);
        let runs = [
            (
                "most_frequent",
                classifier(ClassifierStrategy::MostFrequent, None),
            ),
            ("prior", classifier(ClassifierStrategy::Prior, None)),
            (
                "constant",
                classifier(ClassifierStrategy::Constant, constant),
            ),
            ("uniform", classifier(ClassifierStrategy::Uniform, None)),
        ];
        for (key, params) in runs {
            let what = format!("{name}/{key}");
            let model = params.fit(&data).unwrap();
            assert_bits(
                &format!("{what}: class_prior"),
                model.class_prior(),
                &golden::f64_vec(&case, "/class_prior"),
            );
            let proba = model.predict_proba(x.view()).unwrap();
            let want = golden::f64_matrix(&case, &format!("/{key}/proba"));
            golden::assert_close_2d(
                &format!("{what}: proba"),
                proba.view(),
                want.view(),
                RTOL,
                0.0,
            );
            if key != "uniform" {
                let got: Vec<String> = model
                    .predict(x.view())
                    .unwrap()
                    .iter()
                    .map(|&c| labels[c as usize].clone())
                    .collect();
                assert_eq!(
                    got,
                    golden::string_vec(&case, &format!("/{key}/predict")),
                    "{what}"
                );
            }
        }
    }
}

/// `|f - p| <= 5 σ` for a frequency `f` of `n` draws of probability `p` (`scale` 2 for the
/// difference of two such frequencies).
fn assert_frequency(what: &str, f: f64, p: f64, n: usize, scale: f64) {
    let sigma = (scale * p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (f - p).abs() <= 5.0 * sigma + 1e-12,
        "{what}: frequency {f} vs {p} (5σ = {})",
        5.0 * sigma
    );
}

#[test]
fn classifier_random_strategies_match_sklearn_in_distribution() {
    let n = golden::load("dummy")["n_draws"].as_u64().unwrap_or(20000) as usize;
    for case in cases("classifier") {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let (data, _) = classifier_data(&case);
        let p = data.n_features();
        let x = Array2::zeros((n, p));
        let prior = golden::f64_vec(&case, "/class_prior");
        let k = prior.len();
        // Uniform draws among the classes of y, whatever their weight.
        let uniform = vec![1.0 / k as f64; k];
        for (key, strategy, expected) in [
            ("stratified", ClassifierStrategy::Stratified, &prior),
            ("uniform", ClassifierStrategy::Uniform, &uniform),
        ] {
            let model = classifier(strategy, None).fit(&data).unwrap();
            let pred = model.predict(x.view()).unwrap();
            let sklearn = golden::f64_vec(&case, &format!("/{key}/freq"));
            for c in 0..k {
                let f = pred.iter().filter(|&&v| v == c as f64).count() as f64 / n as f64;
                let what = format!("{name}/{key} class {c}");
                assert_frequency(&what, f, expected[c], n, 1.0);
                assert_frequency(
                    &format!("{what} (sklearn)"),
                    sklearn[c],
                    expected[c],
                    n,
                    1.0,
                );
                assert_frequency(&format!("{what} vs sklearn"), f, sklearn[c], n, 2.0);
            }
            // predict is the argmax of predict_proba for the same input (same draws).
            let proba = model.predict_proba(x.view()).unwrap();
            if strategy == ClassifierStrategy::Stratified {
                for (i, row) in proba.rows().into_iter().enumerate().take(500) {
                    assert_eq!(row[pred[i] as usize], 1.0, "{name}: row {i}");
                    assert_eq!(row.sum(), 1.0);
                }
            }
        }
    }
}

fn regressor(strategy: RegressorStrategy) -> DummyRegressorParams {
    DummyRegressorParams {
        strategy,
        ..Default::default()
    }
}

#[test]
fn regressor_matches_sklearn_to_the_last_bit() {
    let all = cases("regressor");
    assert!(all.len() >= 10);
    for case in all {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let data = dataset(
            &case,
            Target::regression(golden::f64_vec(&case, "/y").into()),
        );
        let x = test_x(&case);
        let mut runs = vec![
            (
                "mean".to_string(),
                regressor(RegressorStrategy::Mean),
                golden::f64_at(&case, "/mean"),
            ),
            (
                "median".into(),
                regressor(RegressorStrategy::Median),
                golden::f64_at(&case, "/median"),
            ),
            (
                "constant".into(),
                DummyRegressorParams {
                    strategy: RegressorStrategy::Constant,
                    constant: Some(golden::f64_at(&case, "/constant/constant")),
                    ..Default::default()
                },
                golden::f64_at(&case, "/constant/value"),
            ),
        ];
        for q in golden::at(&case, "/quantiles").as_array().unwrap() {
            let quantile = golden::to_f64(&q["q"]).unwrap();
            let params = DummyRegressorParams {
                strategy: RegressorStrategy::Quantile,
                quantile: Some(quantile),
                ..Default::default()
            };
            runs.push((
                format!("quantile {quantile}"),
                params,
                golden::to_f64(&q["value"]).unwrap(),
            ));
        }
        for (key, params, want) in runs {
            let model = params.fit(&data).unwrap();
            let what = format!("{name}/{key}");
            assert_bits(&what, &[model.constant()], &[want]);
            let pred = model.predict(x.view()).unwrap();
            assert_bits(
                &format!("{what}: predict"),
                pred.as_slice().unwrap(),
                &vec![want; x.nrows()],
            );
        }
    }
}
