//! Ensembles from the library: greedy ensemble selection chooses by out-of-fold score, and every
//! bad ensemble declaration is a one-line error naming what is wrong.

use satori_core::{Estimator, Task};
use satori_pipeline::{AnyModel, ModelParams, PipelineParams};
use satori_testkit::generate::Generator;

fn params(toml_text: &str) -> PipelineParams {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}\n{toml_text}"))
}

fn error(toml_text: &str, task: Task) -> String {
    let data = match task {
        Task::Regression => Generator::new(80, 3, 11).regression(),
        _ => Generator::new(80, 3, 11).classification(2),
    };
    match toml::from_str::<PipelineParams>(toml_text) {
        Err(e) => e.to_string(),
        Ok(p) => p
            .fit(&data)
            .map(|_| ())
            .expect_err("the declaration should be refused")
            .to_string(),
    }
}

/// A baseline that predicts the class prior never helps a good model on the out-of-fold log
/// loss, so greedy selection gives it no weight, and the weights are shares of the rounds.
#[test]
fn selection_prefers_the_better_candidates() {
    let data = Generator::new(200, 4, 12).classification(2);
    let p = params(
        r#"
        [model]
        kind = "ensemble_selection_classifier"
        ensemble_size = 20
        members = ["baseline", "logistic", { model = { kind = "decision_tree_classifier", max_depth = 3 } }]
        "#,
    );
    let fitted = p.fit(&data).unwrap();
    let AnyModel::EnsembleSelectionClassifier(v) = fitted.model() else {
        panic!("expected ensemble selection, got {}", fitted.model().kind());
    };
    let names: Vec<&str> = v.members.iter().map(|m| m.name.as_str()).collect();
    assert!(!names.contains(&"baseline"), "{names:?}");
    let weights = v.weights.as_ref().unwrap();
    assert!(
        (weights.iter().sum::<f64>() - 1.0).abs() < 1e-12,
        "{weights:?}"
    );
    assert!(
        weights.iter().all(|w| (w * 20.0).fract() == 0.0),
        "{weights:?}"
    );
    // Deterministic: the same choice again.
    let again = p.fit(&data).unwrap();
    assert_eq!(
        format!("{:?}", again.model().summary()),
        format!("{:?}", fitted.model().summary())
    );
    // A regression target selects by RMSE.
    let reg = Generator::new(120, 3, 13).regression();
    let p = params(
        r#"
        [model]
        kind = "ensemble_selection_regressor"
        ensemble_size = 10
        members = ["baseline", "ridge"]
        "#,
    );
    let fitted = p.fit(&reg).unwrap();
    let names: Vec<&str> = fitted
        .model()
        .members()
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["ridge"]);
}

#[test]
fn bad_declarations_are_clear_errors() {
    let cases: &[(&str, Task, &str)] = &[
        (
            "[model]\nkind = \"voting_classifier\"\nvoting = \"soft\"\nmembers = [\"sgd\", \"logistic\"]",
            Task::Binary,
            "member `sgd` (a sgd_classifier) gives no class probabilities",
        ),
        (
            "[model]\nkind = \"stacking_classifier\"\nstack_method = \"predict_proba\"\nmembers = [\"sgd\"]",
            Task::Binary,
            "stack_method = \"predict_proba\"",
        ),
        (
            "[model]\nkind = \"voting_classifier\"\nmembers = [\"logistic\", \"tree\"]\nweights = [1.0]",
            Task::Binary,
            "1 weights for 2 members",
        ),
        (
            "[model]\nkind = \"voting_regressor\"\nmembers = []",
            Task::Regression,
            "at least 1 member",
        ),
        (
            "[model]\nkind = \"voting_classifier\"\nmembers = [{ name = \"a\", model = \"tree\" }, { name = \"a\", model = \"logistic\" }]",
            Task::Binary,
            "two members are named `a`",
        ),
        (
            "[model]\nkind = \"stacking_classifier\"\nmembers = [\"tree\"]\ncv = { kind = \"time_series_split\" }",
            Task::Binary,
            "predict every row exactly once",
        ),
        (
            "[model]\nkind = \"voting_classifier\"\nmembers = [{ model = \"tree\", colour = 1 }]",
            Task::Binary,
            "unknown member field `colour`",
        ),
        (
            "[model]\nkind = \"voting_classifier\"\nmembers = [\"tree\"]",
            Task::Regression,
            "voting_classifier needs a classification target",
        ),
        (
            "[model]\nkind = \"voting_regressor\"\nmembers = [\"gbmm\"]",
            Task::Regression,
            "unknown model `gbmm`",
        ),
        (
            "[model]\nkind = \"ensemble_selection_classifier\"\nmetric = \"nope\"",
            Task::Binary,
            "nope",
        ),
    ];
    for (text, task, want) in cases {
        let e = error(text, *task);
        assert!(e.contains(want), "{text}\n→ {e}\n(wanted `{want}`)");
        // A TOML file's own parse errors quote the file around the message.
        if !e.starts_with("TOML parse error") {
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}

/// `voting` and `stacking` pick the task's kind; the members' short names do too.
#[test]
fn short_names_follow_the_task() {
    for (name, task, kind) in [
        ("voting", Task::Binary, "voting_classifier"),
        ("voting", Task::Regression, "voting_regressor"),
        ("stacking", Task::Multiclass, "stacking_classifier"),
        ("stacking", Task::Regression, "stacking_regressor"),
        (
            "ensemble_selection",
            Task::Binary,
            "ensemble_selection_classifier",
        ),
    ] {
        assert_eq!(ModelParams::from_name(name, &[task]).unwrap().kind(), kind);
    }
    let reg = Generator::new(60, 2, 14).regression();
    let p = PipelineParams {
        model: ModelParams::from_name("voting", &[Task::Regression]).unwrap(),
        ..Default::default()
    };
    let mut tree = serde_json::to_value(&p).unwrap();
    tree["model"]["members"] = serde_json::json!(["linear", "tree"]);
    let p: PipelineParams = serde_json::from_value(tree).unwrap();
    let fitted = p.fit(&reg).unwrap();
    let kinds: Vec<&str> = fitted
        .model()
        .members()
        .iter()
        .map(|m| m.model.kind())
        .collect();
    assert_eq!(kinds, ["linear_regression", "decision_tree_regressor"]);
}

/// Bagging: copies of any member on drawn rows and columns; the out-of-bag score is an honest
/// estimate (close to a holdout's), and the draws are the same at the same seed.
#[test]
fn bagging_draws_rows_and_columns_and_scores_out_of_bag() {
    let data = Generator::new(300, 5, 15).classification(2);
    let p = params(
        r#"
        [model]
        kind = "bagging_classifier"
        n_estimators = 12
        max_samples = 0.8
        max_features = 3
        oob_score = true
        estimator = { model = { kind = "decision_tree_classifier", max_depth = 4 } }
        "#,
    );
    let fitted = p.fit(&data).unwrap();
    let AnyModel::BaggingClassifier(b) = fitted.model() else {
        panic!("expected bagging, got {}", fitted.model().kind());
    };
    assert_eq!(b.estimators.len(), 12);
    assert!(b.features.iter().all(|f| f.len() == 3));
    assert!(
        b.features.iter().any(|f| f != &b.features[0]),
        "columns are drawn"
    );
    let oob = b.oob_score.unwrap();
    assert!((0.5..=1.0).contains(&oob), "{oob}");
    let again = p.fit(&data).unwrap();
    assert_eq!(
        format!("{:?}", again.model().summary()),
        format!("{:?}", fitted.model().summary())
    );
    use satori_core::PredictProba;
    let proba = fitted.predict_proba(data.x()).unwrap();
    assert!(
        proba
            .rows()
            .into_iter()
            .all(|r| (r.sum() - 1.0).abs() < 1e-12)
    );
    // Bagging a regressor; a bad amount is named.
    let reg = Generator::new(150, 3, 16).regression();
    let p =
        params("[model]\nkind = \"bagging_regressor\"\nestimator = \"ridge\"\noob_score = true");
    let fitted = p.fit(&reg).unwrap();
    assert!(
        fitted
            .model()
            .summary()
            .unwrap()
            .contains("out-of-bag score")
    );
    let e = error(
        "[model]\nkind = \"bagging_regressor\"\nmax_samples = 1.5",
        Task::Regression,
    );
    assert!(e.contains("max_samples"), "{e}");
    let e = error(
        "[model]\nkind = \"bagging_classifier\"\nbootstrap = false\noob_score = true",
        Task::Binary,
    );
    assert!(e.contains("oob_score"), "{e}");
}

/// Blending: the members learn from one part of the rows, the final estimator from their
/// predictions on the held-out part; no refit. Reproducible at a seed, another split at another.
#[test]
fn blending_holds_out_rows_for_the_final_estimator() {
    let data = Generator::new(200, 4, 17).classification(2);
    let text = |seed: u64| {
        format!(
            "[model]\nkind = \"stacking_classifier\"\nblend = 0.25\nseed = {seed}\n\
             members = [\"logistic\", {{ model = {{ kind = \"decision_tree_classifier\", max_depth = 3 }} }}]"
        )
    };
    let fitted = params(&text(1)).fit(&data).unwrap();
    let summary = fitted.model().summary().unwrap();
    assert!(
        summary.contains("blending classifier (final estimator on 50 held-out rows)"),
        "{summary}"
    );
    use satori_core::PredictProba;
    let p1 = fitted.predict_proba(data.x()).unwrap();
    let again = params(&text(1)).fit(&data).unwrap();
    assert_eq!(again.predict_proba(data.x()).unwrap(), p1);
    let other = params(&text(2)).fit(&data).unwrap();
    assert_ne!(other.predict_proba(data.x()).unwrap(), p1);
    let e = error(
        "[model]\nkind = \"stacking_regressor\"\nblend = 0.2\ncv = { kind = \"k_fold\" }",
        Task::Regression,
    );
    assert!(e.contains("give `blend` or `cv`, not both"), "{e}");
    let e = error(
        "[model]\nkind = \"stacking_regressor\"\nblend = 1.0",
        Task::Regression,
    );
    assert!(e.contains("model.blend"), "{e}");
}

/// imbalanced-learn's ensembles that resample inside, as bagging recipes: every copy balances
/// its own draw, so the rare class is found more often than by plain bagging.
#[test]
fn balanced_bagging_and_easy_ensemble_balance_each_copy() {
    use ndarray::{Array1, Array2};
    use satori_core::{Dataset, Predictor, Target};
    // 400 rows, 8% positives, overlapping classes.
    let n = 400;
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        let u = ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0;
        let positive = i % 12 == 0;
        u + if positive && j < 2 { 0.35 } else { 0.0 }
    });
    let codes: Array1<usize> = (0..n).map(|i| usize::from(i % 12 == 0)).collect();
    let data = Dataset::new(x.clone(), vec!["a".into(), "b".into(), "c".into()])
        .unwrap()
        .with_target(Target::classes(codes.clone(), vec!["no".into(), "yes".into()]).unwrap())
        .unwrap();
    let recall = |name: &str| {
        let p = PipelineParams {
            model: ModelParams::from_name(name, &[Task::Binary]).unwrap(),
            ..Default::default()
        };
        let fitted = p.fit(&data).unwrap();
        let pred = fitted.predict(x.view()).unwrap();
        let positives = codes.iter().filter(|c| **c == 1).count() as f64;
        let found = pred
            .iter()
            .zip(&codes)
            .filter(|(p, c)| **c == 1 && **p == 1.0)
            .count() as f64;
        (fitted, found / positives)
    };
    let (plain, plain_recall) = recall("bagging");
    let (balanced, balanced_recall) = recall("balanced_bagging");
    let (easy, easy_recall) = recall("easy_ensemble");
    assert_eq!(plain.model().kind(), "bagging_classifier");
    for fitted in [&balanced, &easy] {
        let AnyModel::BaggingClassifier(b) = fitted.model() else {
            panic!("a recipe is a bagging classifier")
        };
        assert!(
            b.estimators
                .iter()
                .all(|e| e.steps.iter().any(|s| s.name() == "random_under_sampler"))
        );
    }
    assert!(
        balanced_recall > plain_recall && easy_recall > plain_recall,
        "recall: plain {plain_recall}, balanced {balanced_recall}, easy {easy_recall}"
    );
    let e = ModelParams::from_name("easy_ensemble", &[Task::Regression])
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a class target"), "{e}");
}
