//! Voting and stacking against scikit-learn 1.9.1 (tests/golden/ensemble, written by its
//! generate.py): the same ensembles — decision trees, scaled logistic regression, linear
//! regression and ridge as members — declared in a pipeline TOML, fitted on the same rows, give
//! scikit-learn's predictions. Class labels match exactly; probabilities and regression values
//! within 1e-9 (the members are deterministic: trees on float32-exact features split exactly as
//! scikit-learn's; logistic regressions with tol=1e-10 sit at the same optimum), except a
//! stacking whose final estimator is a logistic regression: it learns from the members'
//! out-of-fold probabilities, equal to scikit-learn's within 1e-9, and its optimum moves with
//! them, so its probabilities agree within 1e-8. Each member's
//! own predictions are checked first, so a failure says whether a member or the combination
//! differs.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
use satori_pipeline::PipelineParams;
use satori_testkit::golden;
use serde_json::Value;

const TOL: f64 = 1e-9;

/// The tolerance of a case's ensemble outputs (see the module's documentation).
fn tolerance(case: &str) -> f64 {
    if case.starts_with("stacking_") && !case.contains("predict_passthrough") {
        1e-8
    } else {
        TOL
    }
}

fn labels_and_codes(y: &[String]) -> (Vec<String>, Array1<usize>) {
    let mut labels = y.to_vec();
    labels.sort();
    labels.dedup();
    let codes = y
        .iter()
        .map(|v| labels.iter().position(|l| l == v).unwrap())
        .collect();
    (labels, codes)
}

fn close(what: &str, got: &Array2<f64>, want: &Array2<f64>, tol: f64) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((i, j), w) in want.indexed_iter() {
        let g = got[[i, j]];
        assert!((g - w).abs() <= tol, "{what}[{i},{j}]: got {g}, want {w}");
    }
}

fn column(v: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((v.len(), 1), v).unwrap()
}

fn fit(case: &Value) -> (satori_pipeline::FittedPipeline, Option<Vec<String>>) {
    let toml_text = case["toml"].as_str().unwrap();
    let params: PipelineParams =
        toml::from_str(&format!("auto_preprocessing = false\n{toml_text}"))
            .unwrap_or_else(|e| panic!("{}: {e}\n{toml_text}", case["name"]));
    let x = golden::f64_matrix(case, "/x");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x, names).unwrap();
    let (data, labels) = if case["task"] == "classification" {
        let (labels, codes) = labels_and_codes(&golden::string_vec(case, "/y"));
        let t = Target::classes(codes, labels.clone()).unwrap();
        (data.with_target(t).unwrap(), Some(labels))
    } else {
        let t = Target::regression(golden::f64_vec(case, "/y").into());
        (data.with_target(t).unwrap(), None)
    };
    (params.fit(&data.with_target_name("y")).unwrap(), labels)
}

#[test]
fn voting_and_stacking_match_scikit_learn() {
    let expected = golden::load("ensemble");
    let cases = golden::at(&expected, "/cases").as_array().unwrap();
    assert_eq!(cases.len(), 13);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (pipeline, labels) = fit(case);
        let x_test = golden::f64_matrix(case, "/x_test");
        let decode = |p: &Array1<f64>| -> Vec<String> {
            let l = labels.as_ref().unwrap();
            p.iter().map(|c| l[*c as usize].clone()).collect()
        };
        // Each member alone first.
        for (i, m) in pipeline.model().members().iter().enumerate() {
            let want = &case["members"][i];
            assert_eq!(m.name, want["name"].as_str().unwrap(), "{name}");
            let out = m.output(x_test.view()).unwrap();
            if labels.is_some() {
                assert_eq!(
                    decode(&out.values),
                    golden::string_vec(want, "/predict"),
                    "{name}: member {}",
                    m.name
                );
                close(
                    &format!("{name}: member {} proba", m.name),
                    out.proba.as_ref().unwrap(),
                    &golden::f64_matrix(want, "/proba"),
                    TOL,
                );
            } else {
                close(
                    &format!("{name}: member {}", m.name),
                    &column(out.values.to_vec()),
                    &column(golden::f64_vec(want, "/predict")),
                    TOL,
                );
            }
        }
        // Then the ensemble, on held-out rows and on its training rows.
        for (x, suffix) in [
            (x_test.clone(), ""),
            (golden::f64_matrix(case, "/x"), "_train"),
        ] {
            let p = pipeline.predict(x.view()).unwrap();
            let key = format!("/predict{suffix}");
            if labels.is_some() {
                assert_eq!(decode(&p), golden::string_vec(case, &key), "{name}{suffix}");
                let proba_key = format!("proba{suffix}");
                if case.get(&proba_key).is_some() {
                    close(
                        &format!("{name}: {proba_key}"),
                        &pipeline.predict_proba(x.view()).unwrap(),
                        &golden::f64_matrix(case, &format!("/{proba_key}")),
                        tolerance(name),
                    );
                }
            } else {
                close(
                    &format!("{name}{suffix}"),
                    &column(p.to_vec()),
                    &column(golden::f64_vec(case, &key)),
                    tolerance(name),
                );
            }
        }
    }
}
