//! Preprocessing inside the pipeline: fitted on the training rows only, stored in the model file,
//! and applied to raw rows at predict time exactly as by hand.

use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::model_file;
use satori_pipeline::pipeline_file::parse_pipeline;
use satori_pipeline::steps::StepParams;
use satori_workflow::{TrainRequest, train};

const PIPELINE: &str = r#"
[[preprocessing]]
step = "one_hot_encoder"
handle_unknown = "ignore"

[[preprocessing]]
step = "simple_imputer"
strategy = "median"
add_indicator = true

[[preprocessing]]
step = "standard_scaler"
"#;

fn penguins() -> satori_data::Table {
    let ds = bundled::get("palmer_penguins").unwrap();
    read_csv_bytes("penguins.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap()
}

#[test]
fn steps_are_fitted_on_training_rows_and_replayed_on_raw_rows() {
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.holdout = 0.0;
    request.pipeline = Some(parse_pipeline(PIPELINE, "pipeline.toml").unwrap());
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    assert_eq!(out.pipeline.steps().len(), 3);
    assert_eq!(out.params.pipeline.preprocessing.len(), 3);

    // By hand: the same steps fitted one after another on the same training data.
    let (data, _) = table
        .to_dataset(&TargetSpec {
            name: "species".into(),
            task: None,
        })
        .unwrap();
    let mut current = data.clone();
    let mut fitted = Vec::new();
    for step in &out.params.pipeline.preprocessing {
        let (f, next) = step.fit_transform(&current).unwrap();
        fitted.push(f);
        current = next;
    }
    // Raw rows with missing values, read as the model reads them.
    let opts = out.pipeline.read_options(ReadOptions::default());
    let raw = read_csv_bytes(
        "new.csv",
        b"species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
          Adelie,Dream,,18.1,,3500,,2008\n\
          Gentoo,Biscoe,47.5,15.0,218,4950,female,2009\n",
        &opts,
    )
    .unwrap();
    let x = raw.features(out.pipeline.input_schema()).unwrap();
    let mut by_hand = x.clone();
    for f in &fitted {
        by_hand = f.transform(by_hand.view()).unwrap();
    }
    let in_pipeline = out.pipeline.preprocess(x.view()).unwrap();
    assert_eq!(by_hand, in_pipeline);
    assert!(
        in_pipeline.iter().all(|v| v.is_finite()),
        "imputed and scaled"
    );
    // One-hot columns for island (3) and sex (2 + missing) plus numeric and indicator columns.
    assert!(in_pipeline.ncols() > x.ncols());

    // The model file keeps the steps: identical predictions after a round trip.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let (header, loaded) = model_file::load(&path).unwrap();
    assert_eq!(loaded.preprocess(x.view()).unwrap(), in_pipeline);
    assert_eq!(
        loaded.predict_table(&raw).unwrap(),
        out.pipeline.predict_table(&raw).unwrap()
    );
    assert_eq!(header.params["preprocessing"][2]["step"], "standard_scaler");
}

#[test]
fn set_reaches_into_steps_and_bad_steps_are_clear_errors() {
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.pipeline = Some(parse_pipeline(PIPELINE, "pipeline.toml").unwrap());
    request.overrides = vec![("preprocessing.1.strategy".into(), "most_frequent".into())];
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    assert!(
        matches!(&out.params.pipeline.preprocessing[1], StepParams::SimpleImputer(p) if format!("{:?}", p.strategy).contains("MostFrequent"))
    );
    request.overrides = vec![("preprocessing.1.strategy".into(), "mode".into())];
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("mode"), "{e}");
    // A step that cannot take the column's kind: mean-imputing a categorical column's codes.
    request.overrides = vec![];
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"mean\"\n",
            "p",
        )
        .unwrap(),
    );
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("categorical"), "{e}");
}

#[test]
fn feature_extraction_steps_chain_after_preprocessing() {
    let ds = bundled::get("wine").unwrap();
    let table = read_csv_bytes("wine.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let text = r#"
[[preprocessing]]
step = "standard_scaler"

[[preprocessing]]
step = "select_k_best"
k = 8
score_func = "f_classif"

[[preprocessing]]
step = "pca"
n_components = 3
"#;
    let mut request = TrainRequest::new(TargetSpec {
        name: "class".into(),
        task: None,
    });
    request.pipeline = Some(parse_pipeline(text, "p.toml").unwrap());
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let x = table.features(out.pipeline.input_schema()).unwrap();
    let z = out.pipeline.preprocess(x.view()).unwrap();
    assert_eq!(
        z.ncols(),
        3,
        "scaled, 8 selected, projected on 3 components"
    );
    assert_eq!(out.pipeline.model().n_features(), 3);
    let names: Vec<&str> = out.pipeline.steps().iter().map(|s| s.name()).collect();
    assert_eq!(names, ["standard_scaler", "select_k_best", "pca"]);
}

#[test]
fn unseen_categories_at_predict_follow_the_encoders_policy() {
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.holdout = 0.0;
    request.pipeline = Some(parse_pipeline(PIPELINE, "pipeline.toml").unwrap());
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let opts = out.pipeline.read_options(ReadOptions::default());
    let header =
        "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n";
    let unseen = format!("{header}Adelie,Atlantis,39.1,18.7,181,3750,male,2007\n");
    let known = format!("{header}Adelie,Dream,39.1,18.7,181,3750,male,2007\n");
    let raw = read_csv_bytes("new.csv", unseen.as_bytes(), &opts).unwrap();
    // handle_unknown = "ignore": the island indicators are all zero, as scikit-learn does.
    let (x, labels) = raw
        .features_keeping_unseen(out.pipeline.input_schema())
        .unwrap();
    let island = out
        .pipeline
        .input_schema()
        .columns
        .iter()
        .position(|c| c.name == "island")
        .unwrap();
    assert_eq!(labels[island], vec!["Atlantis".to_string()]);
    let prepared = out.pipeline.steps()[0].transform(x.view()).unwrap();
    let input: Vec<String> = out
        .pipeline
        .input_schema()
        .names()
        .map(str::to_string)
        .collect();
    let names = out.pipeline.steps()[0].feature_names_out(&input);
    assert!(names.iter().any(|n| n == "island_Dream"));
    for (k, name) in names.iter().enumerate() {
        if name.starts_with("island_") {
            assert_eq!(prepared[[0, k]], 0.0, "{name}");
        }
    }
    assert_eq!(out.pipeline.predict_table(&raw).unwrap().len(), 1);
    // The same row with a known island predicts through the same path.
    let raw_known = read_csv_bytes("known.csv", known.as_bytes(), &opts).unwrap();
    assert_eq!(out.pipeline.predict_table(&raw_known).unwrap().len(), 1);

    // handle_unknown = "error": a clear error that names the unseen label, not its code.
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"one_hot_encoder\"\nhandle_unknown = \"error\"\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let opts = out.pipeline.read_options(ReadOptions::default());
    let raw = read_csv_bytes("new.csv", unseen.as_bytes(), &opts).unwrap();
    let e = out.pipeline.predict_table(&raw).unwrap_err().to_string();
    assert!(e.contains("Atlantis") && e.contains("island"), "{e}");
}

const COLUMNS: &str = r#"
[[preprocessing]]
step = "column_transformer"

[[preprocessing.transformers]]
kinds = ["numeric", "integer"]
steps = [{ step = "simple_imputer", strategy = "median" }, { step = "standard_scaler" }]

[[preprocessing.transformers]]
columns = ["island"]
steps = [{ step = "one_hot_encoder", handle_unknown = "ignore" }]
"#;

#[test]
fn column_transformer_runs_steps_per_group_and_passes_the_rest_through() {
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.holdout = 0.0;
    request.pipeline = Some(parse_pipeline(COLUMNS, "pipeline.toml").unwrap());
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let names = out.pipeline.feature_names_out();
    let numeric = [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
    ];
    assert_eq!(&names[..5], &numeric);
    assert_eq!(
        &names[5..8],
        &["island_Biscoe", "island_Dream", "island_Torgersen"]
    );
    assert_eq!(
        names.last().unwrap(),
        "sex",
        "the remainder comes last, unchanged"
    );

    // By hand: the numeric group is imputed then scaled; the remainder keeps its codes.
    let (data, _) = table
        .to_dataset(&TargetSpec {
            name: "species".into(),
            task: None,
        })
        .unwrap();
    let x = data.x();
    let prepared = out.pipeline.preprocess(x).unwrap();
    let col = |name: &str| data.features().position(name).unwrap();
    let sex = x.column(col("sex"));
    let last = prepared.column(prepared.ncols() - 1);
    assert!(
        sex.iter()
            .zip(last.iter())
            .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
    );
    let bill = prepared.column(0);
    let mean = bill.iter().sum::<f64>() / bill.len() as f64;
    assert!(mean.abs() < 1e-9 && bill.iter().all(|v| v.is_finite()));

    // Round trip through the model file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let (_, loaded) = model_file::load(&path).unwrap();
    let again = loaded.preprocess(x).unwrap();
    assert!(
        again
            .iter()
            .zip(prepared.iter())
            .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
    );

    // Bad groups are clear errors.
    for (bad, want) in [
        (COLUMNS.replace("\"integer\"", "\"integr\""), "integer"),
        (COLUMNS.replace("\"island\"", "\"islnd\""), "island"),
        (
            COLUMNS.replace(
                "steps = [{ step = \"one_hot_encoder\", handle_unknown = \"ignore\" }]",
                "steps = []",
            ),
            "at least one step",
        ),
    ] {
        request.pipeline = Some(parse_pipeline(&bad, "pipeline.toml").unwrap());
        let e = train(&table, &request, &satori_core::NoProgress)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn anomaly_filter_drops_flagged_training_rows_and_passes_rows_at_predict() {
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.holdout = 0.0;
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"anomaly_filter\"\ncontamination = 0.1\nseed = 3\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let satori_pipeline::steps::AnyStep::AnomalyFilter(f) = &out.pipeline.steps()[0] else {
        panic!("expected the filter");
    };
    // 10% of the 344 rows (numpy's percentile rule flags about that share).
    assert!((30..=40).contains(&f.n_dropped), "{}", f.n_dropped);
    assert_eq!(f.n_dropped + f.n_kept, 344);
    // Every row still gets a prediction.
    assert_eq!(out.pipeline.predict_table(&table).unwrap().len(), 344);
    // Its parameters are checked like the forest's.
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"anomaly_filter\"\ncontamination = 0.7\n",
            "p",
        )
        .unwrap(),
    );
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("contamination"), "{e}");
}

#[test]
fn denoise_runs_in_a_pipeline_and_rejects_a_window_longer_than_the_signal() {
    let ds = bundled::get("diabetes").unwrap();
    let table = read_csv_bytes("diabetes.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "progression".into(),
        task: None,
    });
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"denoise\"\nfilter = \"median\"\naxis = \"columns\"\nwindow = 3\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    assert_eq!(out.pipeline.steps()[0].name(), "denoise");
    assert!(!out.pipeline.steps().is_empty());
    request.overrides = vec![("preprocessing.0.window".into(), "99".into())];
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("window") && e.contains("99"), "{e}");
}

#[test]
fn outlier_clipper_bounds_the_training_range_in_a_pipeline() {
    let ds = bundled::get("diabetes").unwrap();
    let table = read_csv_bytes("diabetes.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "progression".into(),
        task: None,
    });
    request.holdout = 0.0;
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"outlier_clipper\"\nmethod = \"quantile\"\nlower_quantile = 0.05\nupper_quantile = 0.95\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let (data, _) = table
        .to_dataset(&TargetSpec {
            name: "progression".into(),
            task: None,
        })
        .unwrap();
    let clipped = out.pipeline.preprocess(data.x()).unwrap();
    for j in 0..clipped.ncols() {
        let col = data.x().column(j).to_vec();
        let mut sorted = col.clone();
        sorted.sort_by(f64::total_cmp);
        let max_in = sorted[sorted.len() - 1];
        let max_out = clipped.column(j).iter().copied().fold(f64::MIN, f64::max);
        assert!(max_out <= max_in, "column {j} grew");
        let distinct_at_max = clipped.column(j).iter().filter(|&&v| v == max_out).count();
        assert!(
            distinct_at_max >= 2,
            "column {j}: the top 5% are clipped to one bound"
        );
    }
}

#[test]
fn svd_lda_hashing_and_date_steps_run_in_pipelines() {
    let wine = bundled::get("wine").unwrap();
    let wine = read_csv_bytes("wine.csv", wine.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "class".into(),
        task: None,
    });
    request.holdout = 0.0;
    for (toml, n_out) in [
        (
            "[[preprocessing]]\nstep = \"standard_scaler\"\n[[preprocessing]]\nstep = \"lda\"\nn_components = 2\n",
            2,
        ),
        (
            "[[preprocessing]]\nstep = \"truncated_svd\"\nn_components = 3\n",
            3,
        ),
        (
            "[[preprocessing]]\nstep = \"incremental_pca\"\nn_components = 4\nbatch_size = 50\n",
            4,
        ),
    ] {
        request.pipeline = Some(parse_pipeline(toml, "p").unwrap());
        let out = train(&wine, &request, &satori_core::NoProgress).unwrap();
        assert_eq!(out.pipeline.feature_names_out().len(), n_out, "{toml}");
    }
    // Hashing the categorical columns of the penguins.
    let table = penguins();
    let mut request = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"feature_hasher\"\nn_features = 8\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let names = out.pipeline.feature_names_out();
    assert!(
        !names.iter().any(|n| n == "island" || n == "sex"),
        "{names:?}"
    );
    // Calendar features of a date column.
    let csv =
        b"when,y\n2024-01-31,1\n2024-02-29T13:05:00Z,2\n2023-12-25,3\n2024-07-04,4\n2024-03-01,5\n";
    let table = read_csv_bytes("d.csv", csv, &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: Some(satori_core::Task::Regression),
    });
    request.holdout = 0.0;
    request.pipeline =
        Some(parse_pipeline("[[preprocessing]]\nstep = \"datetime_features\"\n", "p").unwrap());
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let names = out.pipeline.feature_names_out();
    assert!(names.iter().any(|n| n == "when_month"), "{names:?}");
    let x = table.features(out.pipeline.input_schema()).unwrap();
    let expanded = out.pipeline.preprocess(x.view()).unwrap();
    let month = names.iter().position(|n| n == "when_month").unwrap();
    assert_eq!(
        expanded.column(month).to_vec(),
        vec![1.0, 2.0, 12.0, 7.0, 3.0]
    );
}

#[test]
fn select_from_model_keeps_the_columns_a_model_finds_important() {
    let ds = bundled::get("breast_cancer").unwrap();
    let table = read_csv_bytes("bc.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "diagnosis".into(),
        task: None,
    });
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"select_from_model\"\nmax_features = 5\nestimator = { kind = \"random_forest_classifier\", n_estimators = 20 }\n",
            "p",
        )
        .unwrap(),
    );
    request.model = "forest".into();
    request.overrides = vec![("model.n_estimators".into(), "20".into())];
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let names = out.pipeline.feature_names_out();
    assert!(!names.is_empty() && names.len() <= 5, "{names:?}");
    let satori_pipeline::steps::AnyStep::SelectFromModel(sel) = &out.pipeline.steps()[0] else {
        panic!("expected the selector");
    };
    // The kept columns are the best scoring ones.
    let best = sel.scores.iter().copied().fold(f64::MIN, f64::max);
    assert!(sel.selected.iter().any(|&i| sel.scores[i] == best));
    assert!(out.evaluation().cloned().unwrap().metrics["roc_auc"] > 0.9);

    // Linear models select by |coef|: lasso on the diabetes data drops the zeroed columns.
    let ds = bundled::get("diabetes").unwrap();
    let table = read_csv_bytes("d.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: "progression".into(),
        task: None,
    });
    request.model = "ridge".into();
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"standard_scaler\"\n[[preprocessing]]\nstep = \"select_from_model\"\nthreshold = 1e-5\nestimator = { kind = \"lasso\", alpha = 5.0 }\n",
            "p",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let kept = out.pipeline.feature_names_out().len();
    assert!(
        (1..10).contains(&kept),
        "lasso with alpha 5 zeroes some of 10 columns: {kept}"
    );
    // A model with nothing to select by, and a bad threshold, are clear errors.
    for (toml, want) in [
        (
            "estimator = { kind = \"dummy_regressor\" }",
            "neither feature importances",
        ),
        ("threshold = \"mode\"", "threshold"),
    ] {
        request.pipeline = Some(
            parse_pipeline(
                &format!("[[preprocessing]]\nstep = \"select_from_model\"\n{toml}\n"),
                "p",
            )
            .unwrap(),
        );
        let e = train(&table, &request, &satori_core::NoProgress)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
}
