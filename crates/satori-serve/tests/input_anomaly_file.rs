//! The input anomaly detector kept in the model file (`satori train --anomaly-detector`), through
//! the library (satori-workflow's training, satori-pipeline's model file): fitted
//! on the training rows after preprocessing, saved in its own section, loaded back identical,
//! refused when damaged, and absent (older files, header-only reads) without harm.

use std::path::Path;

use satori_core::NoProgress;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::model_file;
use satori_workflow::anomalies::IsolationForestParams;
use satori_workflow::monitor::anomaly_share;
use satori_workflow::{TrainOutcome, TrainRequest, train};

fn penguins() -> satori_data::Table {
    let ds = bundled::get("palmer_penguins").unwrap();
    read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default()).unwrap()
}

fn trained(model: &str, detector: Option<IsolationForestParams>) -> TrainOutcome {
    let mut r = TrainRequest::new(TargetSpec {
        name: "species".into(),
        task: None,
    });
    r.model = model.into();
    r.anomaly_detector = detector;
    train(&penguins(), &r, &NoProgress).unwrap()
}

fn params(contamination: serde_json::Value) -> IsolationForestParams {
    serde_json::from_value(serde_json::json!({"contamination": contamination})).unwrap()
}

#[test]
fn the_detector_is_fitted_on_the_preprocessed_training_rows_and_survives_the_file() {
    // Logistic regression: its pipeline one-hot encodes and scales, so the forest sees the
    // model's columns, not the raw ones.
    let out = trained("logistic", Some(params(serde_json::json!(0.05))));
    let a = out.header.input_anomaly.clone().expect("a detector");
    assert_eq!(a.columns, out.pipeline.feature_names_out());
    assert!(a.columns.len() > out.pipeline.input_schema().len());
    assert_eq!(a.n_reference, out.header.n_train_samples);
    assert_eq!(a.contamination, Some(0.05));
    assert_eq!(a.n_estimators, 100);
    // About 5% of the training rows pass the threshold.
    assert!(
        (a.reference_share - 0.05).abs() < 0.02,
        "{}",
        a.reference_share
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        model_file::FORMAT_WITH_ANOMALY
    );
    let (header, pipeline) = model_file::load(&path).unwrap();
    let loaded = header.input_anomaly.clone().unwrap();
    assert_eq!(loaded.forest, a.forest, "the same forest, tree for tree");
    assert_eq!(loaded.threshold, a.threshold);

    // The same scores before and after the file, and an extreme row scores highest.
    let table = read_csv_bytes(
        "rows.csv",
        b"island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
          Biscoe,47.5,15.0,218,4950,female,2009\n\
          Dream,,18.1,,3500,,2008\n\
          Torgersen,95,40,400,25000,male,2009\n",
        &pipeline.read_options(ReadOptions::default()),
    )
    .unwrap();
    let before = a.score_table(&out.pipeline, &table).unwrap();
    let after = loaded.score_table(&pipeline, &table).unwrap();
    assert_eq!(before, after);
    assert!(after.scores.iter().all(|s| *s > 0.0 && *s <= 1.0));
    assert!(after.scores[2] > after.scores[0] && after.scores[2] > after.threshold);
    assert!(after.flags().collect::<Vec<_>>()[2]);

    // Reading the header alone gives the description without the forest.
    let h = model_file::read_header(&path).unwrap();
    let described = h.input_anomaly.unwrap();
    assert!(described.forest.is_none());
    assert_eq!(described.columns, a.columns);
    assert!(described.score_table(&pipeline, &table).is_err());

    // Monitoring: the share of anomalous rows beside the training share.
    let share = anomaly_share(&header, &pipeline, &[&table])
        .unwrap()
        .unwrap();
    assert_eq!(share.rows, 3);
    assert_eq!(share.anomalous, after.n_anomalous());
    assert_eq!(share.reference_share, a.reference_share);
}

#[test]
fn files_without_a_detector_are_unchanged_and_still_load() {
    let out = trained("gbm", None);
    assert!(out.header.input_anomaly.is_none());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        model_file::FORMAT_VERSION
    );
    let header = model_file::load(&path).unwrap().0;
    assert!(header.input_anomaly.is_none());
    assert!(
        !String::from_utf8_lossy(&bytes).contains("input_anomaly"),
        "nothing is written for an absent detector"
    );
    assert!(
        anomaly_share(&header, &out.pipeline, &[&penguins()])
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_damaged_anomaly_section_is_a_clear_error() {
    let out = trained("gbm", Some(params(serde_json::json!("auto"))));
    let a = out.header.input_anomaly.as_ref().unwrap();
    assert_eq!(a.contamination, None);
    assert_eq!(a.threshold, 0.5);
    let bytes = model_file::to_bytes(&out.header, &out.pipeline).unwrap();
    let path = Path::new("m.satori");
    assert!(model_file::from_bytes(path, &bytes).is_ok());

    let err = |b: &[u8]| model_file::from_bytes(path, b).unwrap_err().to_string();
    // Cut inside the section, after the payload, and with one byte flipped in the forest.
    let e = err(&bytes[..bytes.len() - 10]);
    assert!(e.contains("truncated") && e.contains("anomaly"), "{e}");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 5;
    flipped[last] ^= 0x40;
    let e = err(&flipped);
    assert!(e.contains("checksum") && e.contains("anomaly"), "{e}");
    let mut longer = bytes.clone();
    longer.push(0);
    let e = err(&longer);
    assert!(e.contains("bytes follow"), "{e}");
}
