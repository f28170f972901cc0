//! `--continue-from`: a saved model trained further on new rows, from its weights.

use satori_core::NoProgress;
use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_pipeline::resume::ContinueFrom;
use satori_workflow::{TrainOutcome, TrainRequest, train};

fn table(name: &str) -> satori_data::Table {
    let ds = bundled::get(name).unwrap();
    read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default()).unwrap()
}

/// The first `n` rows of a bundled CSV and the rest, as two tables read alike.
fn halves(name: &str, n: usize) -> (satori_data::Table, satori_data::Table) {
    let ds = bundled::get(name).unwrap();
    let mut lines = ds.csv.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let part = |r: &[&str]| format!("{header}\n{}\n", r.join("\n"));
    let read = |text: String| read_csv_bytes(ds.name, text.as_bytes(), &ReadOptions::default());
    (
        read(part(&rows[..n])).unwrap(),
        read(part(&rows[n..])).unwrap(),
    )
}

fn request(target: &str, model: &str, sets: &[(&str, &str)]) -> TrainRequest {
    let mut r = TrainRequest::new(TargetSpec {
        name: target.into(),
        task: None,
    });
    r.model = model.into();
    r.overrides = sets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    r
}

fn continued(base: &TrainOutcome, target: &str, epochs: usize) -> TrainRequest {
    let mut r = request(target, "baseline", &[]);
    r.continue_from = Some(ContinueFrom {
        pipeline: base.pipeline.clone(),
        params: base.header.params.clone(),
        source: "base.satori".into(),
        epochs,
    });
    r
}

#[test]
fn a_network_continues_from_its_weights_and_its_curve_grows() {
    let (first, second) = halves("breast_cancer", 300);
    let base = train(
        &first,
        &request("diagnosis", "mlp", &[("model.max_iter", "3")]),
        &NoProgress,
    )
    .unwrap();
    let more = train(&second, &continued(&base, "diagnosis", 4), &NoProgress).unwrap();
    let before = base.header.training_history.as_ref().unwrap().train.len();
    let after = more.header.training_history.as_ref().unwrap().train.len();
    assert_eq!(after, before + 4);
    assert_eq!(more.header.model_kind, "mlp_classifier");
    assert!(
        more.header
            .init_from
            .as_ref()
            .unwrap()
            .contains("continued for 4")
    );
    // The preprocessing is the base's, unchanged.
    assert_eq!(
        format!("{:?}", more.pipeline.steps()),
        format!("{:?}", base.pipeline.steps())
    );
    // Training further on the new rows improves their holdout over the base model's score on it.
    let rows = more.holdout_predictions().unwrap();
    let (data, _) = second
        .to_dataset(&TargetSpec {
            name: "diagnosis".into(),
            task: None,
        })
        .unwrap();
    let held = data.select_rows(&rows.rows).unwrap();
    let base_preds = base.pipeline.predict_dataset(&held).unwrap();
    let truth = held.require_target().unwrap();
    let base_ll = satori_workflow::evaluate_predictions(
        truth,
        &base_preds,
        None,
        &satori_workflow::MetricSpec::from_names(&[], None).unwrap(),
    )
    .unwrap()
    .metrics["log_loss"];
    let more_ll = more.evaluation().unwrap().metrics["log_loss"];
    assert!(more_ll < base_ll, "continued {more_ll} vs base {base_ll}");
}

#[test]
fn sgd_continues_with_passes_equal_to_partial_fit() {
    let t = table("diabetes");
    let ds = bundled::get("diabetes").unwrap();
    let base = train(
        &t,
        &request(
            ds.target,
            "sgd",
            &[("holdout", "0"), ("model.max_iter", "2")],
        ),
        &NoProgress,
    )
    .unwrap();
    let mut r = continued(&base, ds.target, 2);
    r.holdout = 0.0;
    let more = train(&t, &r, &NoProgress).unwrap();
    // By hand: the same two partial_fit passes on the preprocessed rows.
    let (data, _) = t
        .to_dataset(&TargetSpec {
            name: ds.target.into(),
            task: None,
        })
        .unwrap();
    let x = base.pipeline.preprocess(data.x()).unwrap();
    let current = satori_core::Dataset::new(x, base.pipeline.feature_names_out())
        .unwrap()
        .with_target(data.require_target().unwrap().clone())
        .unwrap();
    let satori_pipeline::AnyModel::SgdRegressor(m) = base.pipeline.model() else {
        panic!("an sgd regressor");
    };
    let mut m = m.clone();
    m.partial_fit(&current).unwrap();
    m.partial_fit(&current).unwrap();
    let want = satori_core::Predictor::predict(&m, current.x()).unwrap();
    assert_eq!(more.pipeline.predict_dataset(&data).unwrap().values, want);
}

#[test]
fn bad_continuations_are_clear_errors() {
    let (first, second) = halves("palmer_penguins", 200);
    let gbm = train(&first, &request("species", "gbm", &[]), &NoProgress).unwrap();
    let e = train(&second, &continued(&gbm, "species", 1), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gbm_classifier") && e.contains("mlp_classifier"),
        "{e}"
    );

    let mlp = train(
        &first,
        &request("species", "mlp", &[("model.max_iter", "2")]),
        &NoProgress,
    )
    .unwrap();
    let mut r = continued(&mlp, "species", 1);
    r.overrides = vec![("model.alpha".into(), "1".into())];
    let e = train(&second, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("--set"), "{e}");
    let e = train(&second, &continued(&mlp, "species", 0), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--epochs"), "{e}");
    // A label the model never saw.
    let csv = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
               Dodo,Biscoe,40,18,190,3500,male,2008\nAdelie,Biscoe,41,18,191,3600,female,2008\n";
    let odd = read_csv_bytes("odd.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut r = continued(&mlp, "species", 1);
    r.holdout = 0.0;
    let e = train(&odd, &r, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("Dodo"), "{e}");
}
