//! The training flow: overrides, validation, holdout and predictions from raw rows.

use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
use satori_workflow::{TrainRequest, train};

fn table(csv: &str) -> satori_data::Table {
    read_csv_bytes("t.csv", csv.as_bytes(), &ReadOptions::default()).unwrap()
}

fn regression_csv() -> String {
    let mut s = String::from("a,b,y\n");
    for i in 0..50 {
        s.push_str(&format!("{i},{},{}\n", i % 7, i as f64 * 0.5 + 1.0));
    }
    s
}

#[test]
fn overrides_reach_the_model() {
    let t = table(&regression_csv());
    let mut r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    r.holdout = 0.0;
    r.overrides = vec![("model.strategy".into(), "median".into())];
    let out = train(&t, &r, &satori_core::NoProgress).unwrap();
    assert_eq!(out.header.params["model"]["strategy"], "median");
    let p = out.pipeline.predict_table(&t).unwrap();
    // Median of 1.0, 1.5, ..., 25.5 (50 values) is 13.25.
    assert!(p.values.iter().all(|v| *v == 13.25), "{:?}", p.values);
    assert!(out.evaluations.is_none());
}

#[test]
fn bad_overrides_are_clear_errors() {
    let t = table(&regression_csv());
    let mut r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    r.overrides = vec![("model.stratgy".into(), "median".into())];
    let e = train(&t, &r, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("strategy"), "{e}");
    r.overrides = vec![("holdout".into(), "1.5".into())];
    let e = train(&t, &r, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("holdout"), "{e}");
    r.overrides = vec![];
    r.model = "gbmm".into();
    let e = train(&t, &r, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown model `gbmm`"), "{e}");
}

#[test]
fn model_must_suit_the_task() {
    let t = table(&regression_csv());
    let mut r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    r.model = "dummy_classifier".into();
    let e = train(&t, &r, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("classification"), "{e}");
}

#[test]
fn holdout_scores_are_reported_and_stored() {
    let t = table(&regression_csv());
    let r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    let out = train(&t, &r, &satori_core::NoProgress).unwrap();
    let h = out.evaluation().cloned().expect("holdout");
    assert_eq!(h.n_rows, 10);
    assert_eq!(out.header.n_train_samples, 40);
    assert!(h.metrics.contains_key("r2") && h.metrics.contains_key("rmse"));
    assert_eq!(out.header.metrics, h.metrics);
}

#[test]
fn predicting_reorders_columns_by_name_and_rejects_missing_ones() {
    let t = table(&regression_csv());
    let r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    let out = train(&t, &r, &satori_core::NoProgress).unwrap();
    let swapped = table("b,a\n1,2\n3,4\n");
    assert_eq!(out.pipeline.predict_table(&swapped).unwrap().len(), 2);
    let missing = table("a,c\n1,2\n");
    let e = out
        .pipeline
        .predict_table(&missing)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`b`"), "{e}");
}

#[test]
fn an_integer_column_accepts_fractions_at_predict_time() {
    let t = table(&regression_csv());
    let r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    let out = train(&t, &r, &satori_core::NoProgress).unwrap();
    // `a` (0..50, one per row) is an identifier and not an input; `b` is an integer feature.
    assert!(out.header.input_schema.get("a").is_none());
    assert_eq!(
        out.header.input_schema.get("b").unwrap().kind,
        satori_core::ColumnKind::Integer
    );
    let opts = out.pipeline.read_options(ReadOptions::default());
    let new = read_csv_bytes("new.csv", b"a,b\n2,1.5\n", &opts).unwrap();
    assert_eq!(out.pipeline.predict_table(&new).unwrap().len(), 1);
}

#[test]
fn a_class_too_small_to_stratify_can_be_split_at_random() {
    let mut csv = String::from("x,y\n");
    for i in 0..20 {
        csv.push_str(&format!(
            "{i},{}\n",
            if i == 7 {
                "rare"
            } else if i % 2 == 0 {
                "a"
            } else {
                "b"
            }
        ));
    }
    let t = table(&csv);
    let mut r = TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    let e = train(&t, &r, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rare") && e.contains("--set stratify=false"),
        "{e}"
    );
    r.overrides = vec![("stratify".into(), "false".into())];
    let out = train(&t, &r, &satori_core::NoProgress).unwrap();
    assert_eq!(out.evaluation().cloned().unwrap().n_rows, 4);
    assert_eq!(out.header.params["stratify"], false);
}

#[test]
fn a_validation_file_replaces_the_holdout() {
    use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
    let train_csv = b"x,c,y\n1,a,p\n2,b,q\n3,a,p\n4,b,p\n5,a,q\n6,b,p\n";
    let valid_csv = b"y,x,c\nq,7,b\np,8,a\n,9,a\n";
    let train_t = read_csv_bytes("train.csv", train_csv, &ReadOptions::default()).unwrap();
    let opts = satori_workflow::validation_read_options(
        &train_t,
        &["y".to_string()],
        ReadOptions::default(),
    );
    let valid_t = read_csv_bytes("valid.csv", valid_csv, &opts).unwrap();
    let mut request = satori_workflow::TrainRequest::new(TargetSpec {
        name: "y".into(),
        task: None,
    });
    request.validation = Some(valid_t.clone());
    // The default 20% holdout and a validation file are exclusive.
    let err = satori_workflow::train(&train_t, &request, &satori_core::NoProgress).unwrap_err();
    assert!(err.to_string().contains("replaces the holdout"), "{err}");
    request.holdout = 0.0;
    let out = satori_workflow::train(&train_t, &request, &satori_core::NoProgress).unwrap();
    assert_eq!(out.header.n_train_samples, 6);
    let eval = out
        .evaluation()
        .cloned()
        .expect("scores on the validation file");
    assert_eq!(eval.n_rows, 2, "the row without a target is left out");
    assert!(
        out.header
            .metrics_on
            .as_deref()
            .unwrap()
            .starts_with("validation file valid.csv (2 rows)")
    );
    assert_eq!(out.holdout_predictions().unwrap().rows, vec![0, 1]);
    // A label the training data never had is a clear error.
    let bad = read_csv_bytes("bad.csv", b"x,c,y\n1,a,r\n", &opts).unwrap();
    request.validation = Some(bad);
    let err = satori_workflow::train(&train_t, &request, &satori_core::NoProgress).unwrap_err();
    assert!(err.to_string().contains("`r`"), "{err}");
}
