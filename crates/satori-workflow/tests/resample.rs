//! Resampling steps (satori-imbalance) in pipelines: they change the training rows only, are
//! the identity at predict time, and — because cross-validation fits the whole pipeline inside
//! each fold — never leak validation rows into training.

use satori_core::rng::{RngExt, rng};
use satori_data::splits::SplitStrategy;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::pipeline_file::parse_pipeline;
use satori_pipeline::steps::resample;
use satori_workflow::{CvRequest, MetricSpec, TrainRequest, cross_validate, train};

fn target(name: &str) -> TargetSpec {
    TargetSpec {
        name: name.into(),
        task: None,
    }
}

#[test]
fn smote_in_a_pipeline_resamples_training_rows_and_passes_rows_at_predict() {
    let ds = bundled::get("breast_cancer").unwrap();
    let table = read_csv_bytes("bc.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(target("diagnosis"));
    request.holdout = 0.0;
    request.model = "logistic".into();
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"standard_scaler\"\n[[preprocessing]]\nstep = \"smote\"\n\
             k_neighbors = 3\n[model]\nkind = \"logistic\"\n",
            "p.toml",
        )
        .unwrap(),
    );
    let out = train(&table, &request, &satori_core::NoProgress).unwrap();
    let steps = out.pipeline.steps();
    let f = resample::fitted(&steps[1]).expect("the smote step");
    assert_eq!(f.sampler, "smote");
    // breast_cancer: 357 benign, 212 malignant → 357 each.
    assert_eq!(f.counts_before.iter().sum::<u64>(), 569);
    assert_eq!(f.counts_after, vec![357, 357]);
    assert_eq!(f.n_synthetic, 145);
    // The seed reached the step.
    let tree = serde_json::to_value(&out.params).unwrap();
    assert!(tree["preprocessing"][1]["seed"].is_u64());
    // Every row still gets a prediction, and the model file keeps the step.
    assert_eq!(out.pipeline.predict_table(&table).unwrap().len(), 569);
    let bytes = satori_pipeline::model_file::to_bytes(&out.header, &out.pipeline).unwrap();
    let (_, back) =
        satori_pipeline::model_file::from_bytes(std::path::Path::new("m"), &bytes).unwrap();
    assert_eq!(resample::fitted(&back.steps()[1]), Some(f));
    assert_eq!(
        back.predict_table(&table).unwrap().values,
        out.pipeline.predict_table(&table).unwrap().values
    );
}

/// Rows with random labels (no signal), 20% of them `yes`; `copies` appends duplicates of
/// random `yes` rows until the classes balance, as over-sampling before splitting would.
fn noise_csv(leaky_copies: bool) -> Vec<u8> {
    let mut r = rng(11);
    let mut rows: Vec<(Vec<f64>, bool)> = (0..300)
        .map(|_| {
            let x = (0..5).map(|_| r.random::<f64>()).collect();
            (x, r.random::<f64>() < 0.2)
        })
        .collect();
    if leaky_copies {
        let yes: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].1).collect();
        let no = rows.len() - yes.len();
        for _ in 0..no - yes.len() {
            let i = yes[r.random_range(0..yes.len())];
            rows.push(rows[i].clone());
        }
    }
    let mut s = String::from("a,b,c,d,e,y\n");
    for (x, y) in rows {
        let cells: Vec<String> = x.iter().map(|v| v.to_string()).collect();
        s.push_str(&format!(
            "{},{}\n",
            cells.join(","),
            if y { "yes" } else { "no" }
        ));
    }
    s.into_bytes()
}

fn cv_balanced_accuracy(csv: &[u8], pipeline: Option<&str>) -> f64 {
    let table = read_csv_bytes("noise.csv", csv, &ReadOptions::default()).unwrap();
    let request = CvRequest {
        targets: vec![target("y")],
        model: "tree".into(),
        overrides: vec![],
        pipeline: pipeline.map(|p| parse_pipeline(p, "p.toml").unwrap()),
        strategy: SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: true,
            seed: 3,
        },
        groups: None,
        seed: 0,
    };
    let cv = cross_validate(
        &table,
        &request,
        &MetricSpec::default(),
        &satori_core::NoProgress,
    )
    .unwrap();
    cv.summary["balanced_accuracy"].mean
}

/// Over-sampling before splitting leaks: copies of a validation row sit in the training folds
/// and a fully grown tree recalls them, so labels that are pure noise look learnable. With the
/// resampler inside the pipeline, each fold resamples its own training rows only and the score
/// stays at chance, as without resampling.
#[test]
fn cross_validation_resamples_the_training_folds_only() {
    let leaky = cv_balanced_accuracy(&noise_csv(true), None);
    let honest = cv_balanced_accuracy(
        &noise_csv(false),
        Some("[[preprocessing]]\nstep = \"random_over_sampler\"\n"),
    );
    let plain = cv_balanced_accuracy(&noise_csv(false), None);
    eprintln!(
        "balanced accuracy: leaky {leaky:.3}, resampler in the pipeline {honest:.3}, none {plain:.3}"
    );
    assert!(
        leaky > 0.75,
        "over-sampling before the split should leak: {leaky}"
    );
    assert!(
        honest < 0.62,
        "the resampler leaked validation rows: {honest}"
    );
    assert!(
        (honest - plain).abs() < 0.1,
        "{honest} vs {plain} without resampling"
    );
    let smote = cv_balanced_accuracy(
        &noise_csv(false),
        Some("[[preprocessing]]\nstep = \"smote\"\n"),
    );
    assert!(smote < 0.62, "{smote}");
}

#[test]
fn resampling_a_regression_target_or_missing_values_is_a_clear_error() {
    let ds = bundled::get("diabetes").unwrap();
    let table = read_csv_bytes("d.csv", ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(target("progression"));
    request.pipeline = Some(parse_pipeline("[[preprocessing]]\nstep = \"smote\"\n", "p").unwrap());
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("regression"), "{e}");
    let csv = b"a,y\n1,x\n,x\n3,z\n4,z\n5,x\n6,z\n";
    let table = read_csv_bytes("m.csv", csv, &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(target("y"));
    request.holdout = 0.0;
    request.model = "tree".into();
    request.pipeline = Some(
        parse_pipeline(
            "[[preprocessing]]\nstep = \"tomek_links\"\n[model]\nkind = \"tree\"\n",
            "p",
        )
        .unwrap(),
    );
    let e = train(&table, &request, &satori_core::NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("impute first"), "{e}");
}
