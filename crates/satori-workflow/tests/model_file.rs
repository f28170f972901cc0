//! The model file: round trips, and every way a file can be wrong.

use std::path::Path;

use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::model_file::{self, FORMAT_VERSION, MAGIC};
use satori_workflow::{TrainRequest, train};

fn trained(
    name: &str,
) -> (
    satori_pipeline::ModelHeader,
    satori_pipeline::FittedPipeline,
    satori_data::Table,
) {
    let ds = bundled::get(name).expect("bundled dataset");
    let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default()).expect("reads");
    let request = TrainRequest::new(TargetSpec {
        name: ds.target.into(),
        task: None,
    });
    let out = train(&table, &request, &satori_core::NoProgress).expect("trains");
    (out.header, out.pipeline, table)
}

#[test]
fn round_trip_gives_identical_predictions() {
    for name in ["breast_cancer", "wine", "diabetes", "palmer_penguins"] {
        let (header, pipeline, table) = trained(name);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.satori");
        model_file::save(&path, &header, &pipeline).unwrap();
        let (h2, p2) = model_file::load(&path).unwrap();
        assert_eq!(h2, header, "{name}");
        let a = pipeline.predict_table(&table).unwrap();
        let b = p2.predict_table(&table).unwrap();
        assert_eq!(a, b, "{name}");
        assert_eq!(model_file::read_header(&path).unwrap(), header);
        assert!(!dir.path().join("m.satori.tmp").exists());
    }
}

#[test]
fn header_records_schema_metrics_and_provenance() {
    let (header, _, _) = trained("palmer_penguins");
    assert_eq!(header.format_version, FORMAT_VERSION);
    assert_eq!(header.target, "species");
    assert_eq!(header.classes.as_deref().unwrap().len(), 3);
    let island = header
        .input_schema
        .get("island")
        .expect("island is an input column");
    assert_eq!(island.kind.categories().unwrap().len(), 3);
    assert!(header.metrics.contains_key("accuracy"));
    assert_eq!(header.reference.len(), header.input_schema.len());
    assert!(header.provenance.data_fingerprint.contains('x'));
    assert_eq!(header.params["model"]["kind"], "dummy_classifier");
}

fn bytes() -> Vec<u8> {
    let (header, pipeline, _) = trained("wine");
    model_file::to_bytes(&header, &pipeline).unwrap()
}

fn load_err(bytes: &[u8]) -> String {
    model_file::from_bytes(Path::new("m.satori"), bytes)
        .unwrap_err()
        .to_string()
}

#[test]
fn not_a_model_file() {
    let e = load_err(b"a,b\n1,2\n");
    assert!(e.contains("not a satori model file"), "{e}");
    assert!(load_err(b"").contains("not a satori model file"));
}

#[test]
fn truncated_files() {
    let b = bytes();
    assert!(
        load_err(&b[..10]).contains("truncated"),
        "{}",
        load_err(&b[..10])
    );
    assert!(
        load_err(&b[..40]).contains("truncated"),
        "{}",
        load_err(&b[..40])
    );
    let e = load_err(&b[..b.len() - 3]);
    assert!(e.contains("truncated") && e.contains("payload"), "{e}");
}

#[test]
fn corrupted_files() {
    let b = bytes();
    let mut flipped = b.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x55;
    assert!(
        load_err(&flipped).contains("payload checksum"),
        "{}",
        load_err(&flipped)
    );
    let mut head = b.clone();
    head[40] ^= 0x01;
    assert!(
        load_err(&head).contains("header checksum"),
        "{}",
        load_err(&head)
    );
    let mut extra = b.clone();
    extra.push(0);
    assert!(load_err(&extra).contains("corrupted"));
}

#[test]
fn newer_format_is_refused_with_advice() {
    let mut b = bytes();
    // Newer than every format this build reads (5: with an input anomaly section).
    let newest = FORMAT_VERSION.max(model_file::FORMAT_WITH_ANOMALY);
    b[8..12].copy_from_slice(&(newest + 1).to_le_bytes());
    let e = load_err(&b);
    assert!(e.contains("newer") && e.contains("upgrade"), "{e}");
    assert_eq!(&b[..8], MAGIC);
}

#[test]
fn read_header_does_not_need_the_payload() {
    let b = bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.satori");
    // Keep the preamble and header, drop most of the payload.
    let head_len = u32::from_le_bytes([b[12], b[13], b[14], b[15]]) as usize;
    std::fs::write(&path, &b[..32 + head_len]).unwrap();
    assert_eq!(model_file::read_header(&path).unwrap().target, "class");
    assert!(
        model_file::load(&path)
            .unwrap_err()
            .to_string()
            .contains("truncated")
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let e = model_file::load(Path::new("/nonexistent/m.satori"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/m.satori"), "{e}");
}

/// A model file written by an earlier build (format 2: a neural network stored field by field,
/// before weights were stored as safetensors) still loads and predicts what that build predicted.
#[test]
fn a_format_2_neural_network_file_still_loads_and_predicts_the_same() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/model-files");
    let (header, pipeline) = model_file::load(&dir.join("v2-mlp-breast-cancer.satori")).unwrap();
    assert_eq!(header.format_version, 2);
    assert_eq!(header.model_kind, "mlp_classifier");
    let ds = bundled::get("breast_cancer").unwrap();
    let opts = pipeline.read_options(ReadOptions::default());
    let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &opts).unwrap();
    let preds = pipeline.predict_table(&table).unwrap();
    let expected =
        std::fs::read_to_string(dir.join("v2-mlp-breast-cancer.predictions.csv")).unwrap();
    let proba = preds.proba.as_ref().unwrap();
    for (i, line) in expected.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(preds.label(i), f[0], "row {i}");
        for k in 0..2 {
            let want: f64 = f[k + 1].parse().unwrap();
            assert_eq!(proba[[i, k]], want, "row {i} class {k}");
        }
    }
    // Saved again, it is written in the current format and predicts the same.
    let tmp = tempfile::tempdir().unwrap();
    let again = tmp.path().join("m.satori");
    let mut h = header.clone();
    h.format_version = FORMAT_VERSION;
    model_file::save(&again, &h, &pipeline).unwrap();
    let (_, reloaded) = model_file::load(&again).unwrap();
    assert_eq!(reloaded.predict_table(&table).unwrap(), preds);
}

/// Model files written by the last build of format 3 (commit 463abc3, by
/// `tests/fixtures/model-files/make_v3.sh`): single-target models of several families — with a
/// tuned threshold, categorical and missing inputs, a text column read sparse and densified — and
/// a multi-task network, which had a payload of its own then. Each still loads and its prediction
/// file is the old build's, byte for byte.
#[test]
fn format_3_files_load_and_predict_exactly_as_the_build_that_wrote_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("tests/fixtures/model-files");
    let data = root.join("data");
    let cases = [
        ("v3-gbm-penguins", data.join("palmer_penguins.csv"), true, 1),
        (
            "v3-logistic-threshold-breast-cancer",
            data.join("breast_cancer.csv"),
            true,
            1,
        ),
        ("v3-forest-diabetes", data.join("diabetes.csv"), false, 1),
        ("v3-text-logistic-reviews", dir.join("reviews.csv"), true, 1),
        ("v3-text-gbm-reviews", dir.join("reviews.csv"), true, 1),
        (
            "v3-multitask-penguins",
            data.join("palmer_penguins.csv"),
            true,
            2,
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (name, input, proba, n_targets) in cases {
        let (header, pipeline) = model_file::load(&dir.join(format!("{name}.satori"))).unwrap();
        assert_eq!(header.format_version, 3, "{name}");
        assert_eq!(pipeline.targets().len(), n_targets, "{name}");
        let opts = pipeline.read_options(ReadOptions::default());
        let table = satori_data::read_table(&input, &opts).unwrap();
        let preds = pipeline.predict_table_all(&table).unwrap();
        let out = tmp.path().join(format!("{name}.csv"));
        satori_workflow::output::write_predictions(&out, pipeline.targets(), &preds, &[], proba)
            .unwrap();
        let got = std::fs::read_to_string(&out).unwrap();
        let want = std::fs::read_to_string(dir.join(format!("{name}.predictions.csv"))).unwrap();
        assert!(
            got == want,
            "{name}: the predictions differ from the old build's"
        );
        // Saved again in today's format, it predicts the same.
        let again = tmp.path().join(format!("{name}.satori"));
        let mut h = header.clone();
        h.format_version = FORMAT_VERSION;
        model_file::save(&again, &h, &pipeline).unwrap();
        let (_, reloaded) = model_file::load(&again).unwrap();
        assert_eq!(reloaded.predict_table_all(&table).unwrap(), preds, "{name}");
    }
}

/// Tree-model files written before the compact tree layout (`make_v5.sh`, commit 75acfa4):
/// written again by today's build they keep their format number (the tree layout is told apart
/// inside the payload), shrink, and predict exactly the same, the input anomaly scores of the
/// format-5 file included. (`crates/satori-cli/tests/old_model_files.rs` checks their
/// predictions against the old build's files.)
#[test]
fn tree_files_of_format_4_and_5_are_smaller_written_again_and_predict_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("tests/fixtures/model-files");
    let data = root.join("data");
    let cases = [
        ("v4-forest-penguins", "palmer_penguins.csv", 4),
        ("v4-extra-trees-breast-cancer", "breast_cancer.csv", 4),
        ("v4-gbm-diabetes", "diabetes.csv", 4),
        ("v4-tree-wine", "wine.csv", 4),
        ("v5-gbm-anomaly-penguins", "palmer_penguins.csv", 5),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (name, input, format) in cases {
        let old = dir.join(format!("{name}.satori"));
        let (header, pipeline) = model_file::load(&old).unwrap();
        assert_eq!(header.format_version, format, "{name}");
        let opts = pipeline.read_options(ReadOptions::default());
        let table = satori_data::read_table(&data.join(input), &opts).unwrap();
        let preds = pipeline.predict_table_all(&table).unwrap();
        let again = tmp.path().join(format!("{name}.satori"));
        model_file::save(&again, &header, &pipeline).unwrap();
        let (h2, reloaded) = model_file::load(&again).unwrap();
        assert_eq!(h2.format_version, format, "{name}");
        assert_eq!(reloaded.predict_table_all(&table).unwrap(), preds, "{name}");
        let (a, b) = (
            std::fs::metadata(&old).unwrap().len(),
            std::fs::metadata(&again).unwrap().len(),
        );
        assert!(b < a, "{name}: {b} bytes written again, {a} before");
        if let (Some(x), Some(y)) = (&header.input_anomaly, &h2.input_anomaly) {
            assert_eq!(
                x.score_table(&pipeline, &table).unwrap(),
                y.score_table(&reloaded, &table).unwrap(),
                "{name}"
            );
        } else {
            assert_eq!(format, 4, "{name}: the anomaly detector was lost");
        }
    }
}
