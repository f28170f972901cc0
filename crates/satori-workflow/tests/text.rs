//! Free-text columns in training pipelines: vectorised, joined to the numeric columns, sparse
//! into linear models, reduced by truncated SVD for the others, carried in the model file.

use ndarray::Axis;
use satori_core::{ColumnKind, NoProgress};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_features::TfidfVectorizerParams;
use satori_pipeline::model_file;
use satori_workflow::{TrainRequest, train};

const POSITIVE: &[&str] = &["great", "excellent", "loved", "wonderful", "superb"];
const NEGATIVE: &[&str] = &["awful", "terrible", "hated", "boring", "dreadful"];
const NEUTRAL: &[&str] = &[
    "the", "movie", "plot", "actor", "film", "scene", "story", "was", "and", "with", "cast",
    "music", "ending", "director", "camera", "script",
];

/// A small seeded generator (the test must not depend on a crate's stream).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Reviews whose sentiment words give the label (10% of labels flipped), a noise text column,
/// a weakly informative numeric column, and a missing review now and then.
fn reviews_csv(n: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut csv = String::from("review,title,stars_hint,sentiment\n");
    for i in 0..n {
        let positive = rng.below(2) == 1;
        let mut words: Vec<&str> = (0..6 + rng.below(6))
            .map(|_| NEUTRAL[rng.below(NEUTRAL.len())])
            .collect();
        let pool = if positive { POSITIVE } else { NEGATIVE };
        for _ in 0..1 + rng.below(2) {
            let at = rng.below(words.len() + 1);
            words.insert(at, pool[rng.below(pool.len())]);
        }
        let label = if rng.below(10) == 0 {
            !positive
        } else {
            positive
        };
        let review = if i % 37 == 5 {
            String::new()
        } else {
            words.join(" ")
        };
        let title: Vec<&str> = (0..3).map(|_| NEUTRAL[rng.below(NEUTRAL.len())]).collect();
        let hint = rng.below(5) as f64 + if label { 0.5 } else { 0.0 };
        csv.push_str(&format!(
            "{review},{} {i},{hint},{}\n",
            title.join(" "),
            if label { "pos" } else { "neg" }
        ));
    }
    csv
}

fn table(n: usize, seed: u64) -> Table {
    read_csv_bytes(
        "reviews.csv",
        reviews_csv(n, seed).as_bytes(),
        &ReadOptions::default(),
    )
    .unwrap()
}

fn request(model: &str, sets: &[(&str, &str)]) -> TrainRequest {
    let mut r = TrainRequest::new(TargetSpec {
        name: "sentiment".into(),
        task: None,
    });
    r.model = model.into();
    r.overrides = sets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    r
}

fn accuracy(outcome: &satori_workflow::TrainOutcome) -> f64 {
    outcome.evaluation().unwrap().metrics["accuracy"]
}

/// The model input built by hand: the pipeline's numeric steps, then scikit-learn-default TF-IDF
/// of the `review` column, densified.
fn by_hand(
    p: &satori_pipeline::FittedPipeline,
    data: &satori_core::Dataset,
) -> ndarray::Array2<f64> {
    let z = p.preprocess(data.x()).unwrap();
    let review = &data
        .text()
        .iter()
        .find(|c| c.name == "review")
        .unwrap()
        .values;
    let (_, terms) = TfidfVectorizerParams::default()
        .fit_transform(review)
        .unwrap();
    let terms = satori_features::sparse::csr_to_dense(&terms);
    ndarray::concatenate(Axis(1), &[z.view(), terms.view()]).unwrap()
}

#[test]
fn text_columns_are_read_as_text_and_carried_in_the_dataset() {
    let t = table(50, 1);
    let (data, report) = t
        .to_dataset(&TargetSpec {
            name: "sentiment".into(),
            task: None,
        })
        .unwrap();
    assert_eq!(report.text_columns, ["review", "title"]);
    assert_eq!(data.feature_names(), ["stars_hint"]);
    assert_eq!(data.text().len(), 2);
    assert_eq!(data.text()[0].values.len(), 50);
}

#[test]
fn logistic_regression_learns_from_sparse_tfidf_and_beats_the_numeric_column_alone() {
    let t = table(800, 2);
    let with_text = train(&t, &request("logistic", &[]), &NoProgress).unwrap();
    let p = &with_text.pipeline;
    assert!(p.text().sparse(), "a linear model gets the sparse matrix");
    assert_eq!(p.text().column_names(), ["review", "title"]);
    let names = p.feature_names_out();
    assert!(names.contains(&"review:excellent".to_string()), "{names:?}");
    assert_eq!(names.len(), p.model().n_features());
    let without = train(
        &t,
        &request("logistic", &[("text.vectorizer", "none")]),
        &NoProgress,
    )
    .unwrap();
    assert!(without.pipeline.text().is_empty());
    let (a, b) = (accuracy(&with_text), accuracy(&without));
    assert!(a > 0.8 && a > b + 0.15, "text {a} vs numeric only {b}");
}

/// Predicting from raw rows equals vectorising and predicting by hand.
#[test]
fn predictions_from_raw_rows_equal_the_steps_done_by_hand() {
    let t = table(400, 3);
    let out = train(
        &t,
        &request(
            "logistic",
            &[("text.columns", "[\"review\"]"), ("holdout", "0")],
        ),
        &NoProgress,
    )
    .unwrap();
    let p = &out.pipeline;
    let from_table = p.predict_table(&t).unwrap();

    let (data, _) = t
        .to_dataset(&TargetSpec {
            name: "sentiment".into(),
            task: None,
        })
        .unwrap();
    let x = by_hand(p, &data);
    let by_hand = p.model().predict(x.view()).unwrap();
    assert_eq!(from_table.values, by_hand);
    let proba = p.model().predict_proba(x.view()).unwrap().unwrap();
    let got = from_table.proba.unwrap();
    let diff = (&got - &proba)
        .mapv(f64::abs)
        .fold(0.0f64, |a, &b| a.max(b));
    assert!(
        diff < 1e-9,
        "sparse vs dense probabilities differ by {diff}"
    );
}

#[test]
fn boosting_gets_truncated_svd_components() {
    let t = table(600, 4);
    let out = train(
        &t,
        &request(
            "gbm",
            &[
                ("text.columns", "[\"review\"]"),
                ("text.svd_components", "8"),
            ],
        ),
        &NoProgress,
    )
    .unwrap();
    let p = &out.pipeline;
    assert!(!p.text().sparse());
    let names = p.feature_names_out();
    assert_eq!(names.last().unwrap(), "review:svd7");
    assert_eq!(names.len(), 1 + 8);
    assert!(accuracy(&out) > 0.75, "{}", accuracy(&out));
    let describe = p.text().describe().join("\n");
    assert!(
        describe.contains("8 truncated-SVD components"),
        "{describe}"
    );
}

#[test]
fn a_dense_model_gets_a_narrow_vocabulary_densified() {
    let t = table(300, 5);
    let out = train(
        &t,
        &request(
            "tree",
            &[
                ("text.columns", "[\"review\"]"),
                ("text.tfidf.max_features", "12"),
            ],
        ),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(out.pipeline.model().n_features(), 1 + 12);
    assert!(!out.pipeline.text().sparse());
}

#[test]
fn chi2_selection_and_hashing() {
    let t = table(500, 6);
    let out = train(
        &t,
        &request(
            "logistic",
            &[
                ("text.columns", "[\"review\"]"),
                ("text.select_k_best", "10"),
                ("text.max_abs_scale", "true"),
            ],
        ),
        &NoProgress,
    )
    .unwrap();
    let names = out.pipeline.feature_names_out();
    assert_eq!(names.len(), 1 + 10);
    // The ten sentiment words are the most class-dependent terms.
    let kept: Vec<&str> = names[1..].iter().map(|n| &n["review:".len()..]).collect();
    let sentiment = kept
        .iter()
        .filter(|w| POSITIVE.contains(w) || NEGATIVE.contains(w))
        .count();
    assert!(sentiment >= 9, "{kept:?}");

    let hashed = train(
        &t,
        &request(
            "sgd",
            &[
                ("text.vectorizer", "hashing"),
                ("text.hashing.n_features", "1024"),
            ],
        ),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(hashed.pipeline.model().n_features(), 1 + 2 * 1024);
    assert!(accuracy(&hashed) > 0.75, "{}", accuracy(&hashed));
}

#[test]
fn model_file_round_trip_and_reading_text_back() {
    let t = table(300, 7);
    let out = train(&t, &request("logistic", &[]), &NoProgress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let (_, loaded) = model_file::load(&path).unwrap();
    // New rows read with the model's read options: the text columns stay text even when a small
    // file would be inferred otherwise.
    let csv = "review,title,stars_hint\nexcellent movie,a b,1\nterrible plot,c d,1\n";
    let opts = loaded.read_options(ReadOptions::default());
    let fresh = read_csv_bytes("new.csv", csv.as_bytes(), &opts).unwrap();
    assert_eq!(fresh.schema.columns[0].kind, ColumnKind::Text);
    let a = loaded.predict_table(&fresh).unwrap();
    let b = out.pipeline.predict_table(&fresh).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.label(0), "pos");
    assert_eq!(a.label(1), "neg");
}

#[test]
fn bad_text_settings_and_inputs_are_clear_errors() {
    let t = table(200, 8);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "logistic",
            &[("text.columns", "[\"reveiw\"]")],
            "did you mean `review`",
        ),
        ("logistic", &[("text.select_k_best", "0")], "select_k_best"),
        (
            "logistic",
            &[("text.vectorizer", "hashing"), ("text.select_k_best", "5")],
            "alternate_sign",
        ),
        ("gbm", &[("text.svd_components", "100000")], "too few"),
        ("logistic", &[("text.tfidf.nope", "1")], "nope"),
    ];
    for (model, sets, needle) in cases {
        let e = train(&t, &request(model, sets), &NoProgress)
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{sets:?}: {e}");
    }

    // Predicting without the text column names it.
    let out = train(&t, &request("logistic", &[]), &NoProgress).unwrap();
    let csv = "title,stars_hint\nx y,1\n";
    let fresh = read_csv_bytes("new.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let e = out.pipeline.predict_table(&fresh).unwrap_err().to_string();
    assert!(e.contains("review"), "{e}");
    let e = out
        .pipeline
        .predict_matrix(ndarray::Array2::zeros((1, 1)).view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("`review`") && e.contains("text columns"), "{e}");
}

/// The `[text]` example in docs/preprocessing.md parses and trains.
#[test]
fn the_documented_text_table_trains() {
    let doc = include_str!("../../../docs/preprocessing.md");
    let start = doc
        .find("# text.toml — the [text] table")
        .expect("the example is in the docs");
    let block: String = doc[start..]
        .lines()
        .take_while(|l| !l.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n");
    let tree = satori_pipeline::pipeline_file::parse_pipeline(&block, "doc").unwrap();
    let t = table(400, 9);
    let mut r = request("logistic", &[("text.select_k_best", "40")]);
    r.pipeline = Some(tree);
    let out = train(&t, &r, &NoProgress).unwrap();
    assert_eq!(out.params.pipeline.text.tfidf.ngram_range, (1, 2));
    assert!(out.params.pipeline.text.tfidf.sublinear_tf);
    assert_eq!(out.pipeline.text().column_names(), ["review"]);
    assert_eq!(out.pipeline.feature_names_out().len(), 1 + 40);
    let e = satori_pipeline::pipeline_file::parse_pipeline("[text]\nvectoriser = \"tfidf\"\n", "p")
        .and_then(|tree| {
            let mut r = request("logistic", &[]);
            r.pipeline = Some(tree);
            train(&t, &r, &NoProgress).map(|_| ())
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("vectoriser"), "{e}");
}

/// Regression models from the linear family read the sparse matrix too, and predict what they
/// predict on the densified one.
#[test]
fn linear_regressors_take_the_sparse_path() {
    let t = table(300, 10);
    for model in ["ridge", "linear", "elastic_net", "sgd"] {
        let mut r = request(model, &[("text.columns", "[\"review\"]"), ("holdout", "0")]);
        r.targets = vec![TargetSpec {
            name: "stars_hint".into(),
            task: Some(satori_core::Task::Regression),
        }];
        let out = train(&t, &r, &NoProgress).unwrap();
        let p = &out.pipeline;
        assert!(p.text().sparse(), "{model}");
        let from_table = p.predict_table(&t).unwrap();
        let (data, _) = t.to_dataset(&r.targets[0]).unwrap();
        let x = by_hand(p, &data);
        let by_hand = p.model().predict(x.view()).unwrap();
        let diff = (&from_table.values - &by_hand)
            .mapv(f64::abs)
            .fold(0.0f64, |a, &b| a.max(b));
        assert!(diff < 1e-9, "{model}: {diff}");
    }
}

/// Everything that refits or re-predicts on subsets carries the text: cross-validation folds,
/// threshold tuning's out-of-fold fits, a validation file for early stopping.
#[test]
fn cross_validation_threshold_tuning_and_validation_files_carry_text() {
    let t = table(400, 11);
    let cv = satori_workflow::cross_validate(
        &t,
        &satori_workflow::CvRequest {
            targets: vec![TargetSpec {
                name: "sentiment".into(),
                task: None,
            }],
            model: "logistic".into(),
            overrides: vec![("text.columns".into(), "[\"review\"]".into())],
            pipeline: None,
            strategy: satori_data::splits::SplitStrategy::StratifiedKFold {
                n_splits: 4,
                shuffle: true,
                seed: 0,
            },
            groups: None,
            seed: 0,
        },
        &satori_workflow::MetricSpec::from_names(&[], None).unwrap(),
        &NoProgress,
    )
    .unwrap();
    for fold in &cv.folds {
        assert!(fold.scores["accuracy"] > 0.75, "{:?}", fold.scores);
    }

    let mut r = request("logistic", &[("text.columns", "[\"review\"]")]);
    r.threshold = Some(satori_workflow::ThresholdObjective::Metric("f1".into()));
    let tuned = train(&t, &r, &NoProgress).unwrap();
    assert!(tuned.pipeline.threshold().is_some());
    assert!(accuracy(&tuned) > 0.75);

    let valid = table(200, 12);
    let mut r = request(
        "gbm",
        &[
            ("text.columns", "[\"review\"]"),
            ("text.svd_components", "6"),
            ("holdout", "0"),
        ],
    );
    r.holdout = 0.0;
    r.validation = Some(valid);
    let out = train(&t, &r, &NoProgress).unwrap();
    assert!(accuracy(&out) > 0.7, "{}", accuracy(&out));
    let history = out
        .header
        .training_history
        .expect("boosting records its curve");
    assert!(
        history.valid.is_some_and(|v| !v.is_empty()),
        "stopped on the validation file"
    );
}

/// A text column without a single token is a clear error naming it and the way out.
#[test]
fn a_text_column_without_tokens_is_a_clear_error() {
    let mut csv = String::from("note,x,y\n");
    for i in 0..60 {
        csv.push_str(&format!("a {} b,{i},{}\n", i % 10, i % 2));
    }
    let mut opts = ReadOptions::default();
    opts.kinds.insert("note".into(), ColumnKind::Text);
    let t = read_csv_bytes("t.csv", csv.as_bytes(), &opts).unwrap();
    let mut r = request("logistic", &[]);
    r.targets = vec![TargetSpec {
        name: "y".into(),
        task: None,
    }];
    let e = train(&t, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("note") && e.contains("text.vectorizer"), "{e}");
}

/// With fewer training rows than the automatic 100 components, a dense model gets one component
/// per row instead of an error.
#[test]
fn few_rows_and_many_terms_still_train_a_dense_model() {
    let mut csv = String::from("note,y\n");
    for i in 0..40 {
        let words: Vec<String> = (0..6).map(|k| format!("w{}x", (i * 6 + k) % 230)).collect();
        csv.push_str(&format!(
            "{} {},{}\n",
            words.join(" "),
            if i % 2 == 0 { "good" } else { "poor" },
            i % 2
        ));
    }
    let t = read_csv_bytes("t.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut r = request("gbm", &[("holdout", "0")]);
    r.holdout = 0.0;
    r.targets = vec![TargetSpec {
        name: "y".into(),
        task: None,
    }];
    let out = train(&t, &r, &NoProgress).unwrap();
    assert_eq!(out.pipeline.model().n_features(), 40);
    assert!(out.pipeline.feature_names_out()[39].ends_with("svd39"));
}

/// `select_k_best` for a continuous target keeps what scikit-learn's
/// `SelectKBest(f_regression, k)` keeps on the same TF-IDF matrix (golden).
#[test]
fn select_k_best_for_regression_matches_scikit_learn() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/text_select_regression/expected.json"
    );
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut csv = String::from("doc,y\n");
    for (d, y) in golden["docs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(golden["y"].as_array().unwrap())
    {
        csv.push_str(&format!(
            "{},{}\n",
            d.as_str().unwrap(),
            y.as_f64().unwrap()
        ));
    }
    let mut opts = ReadOptions::default();
    opts.kinds.insert("doc".into(), ColumnKind::Text);
    let t = read_csv_bytes("g.csv", csv.as_bytes(), &opts).unwrap();
    for case in golden["cases"].as_array().unwrap() {
        let k = case["k"].as_u64().unwrap().to_string();
        let mut r = request("ridge", &[("text.select_k_best", k.as_str())]);
        r.holdout = 0.0;
        r.targets = vec![TargetSpec {
            name: "y".into(),
            task: None,
        }];
        let out = train(&t, &r, &NoProgress).unwrap();
        let kept: Vec<String> = out
            .pipeline
            .feature_names_out()
            .iter()
            .map(|n| n.trim_start_matches("doc:").to_string())
            .collect();
        let want: Vec<String> = case["kept"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(kept, want, "k = {k}");
    }
}
