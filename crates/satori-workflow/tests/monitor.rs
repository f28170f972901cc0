//! Drift monitoring through the workflow: the model file's output references, the monitored
//! columns and rows, and a sliding window fed row by row agreeing with a whole-table comparison.

use satori_data::{ReadOptions, TargetSpec, bundled, read_csv_bytes};
use satori_monitor::{DriftWindow, Role, Thresholds, Verdict};
use satori_workflow::monitor::{monitor_tables, monitored_columns, monitored_rows};
use satori_workflow::{TrainRequest, train};

fn penguins() -> (satori_workflow::TrainOutcome, satori_data::Table) {
    let ds = bundled::get("palmer_penguins").unwrap();
    let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default()).unwrap();
    let mut request = TrainRequest::new(TargetSpec {
        name: ds.target.into(),
        task: None,
    });
    request.model = "gbm".into();
    (
        train(&table, &request, &satori_core::NoProgress).unwrap(),
        table,
    )
}

#[test]
fn the_header_keeps_the_outputs_distribution_on_the_holdout() {
    let (outcome, _) = penguins();
    let h = &outcome.header;
    let names: Vec<&str> = h
        .prediction_reference
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "prediction(species)",
            "P(species=Adelie)",
            "P(species=Chinstrap)",
            "P(species=Gentoo)"
        ]
    );
    let holdout = outcome.holdout_predictions().unwrap().rows.len() as u64;
    assert!(h.prediction_reference.iter().all(|r| r.count == holdout));
    assert_eq!(h.prediction_reference[0].categories.len(), 3);
    assert!(h.prediction_reference[1].sketch.is_some());
    assert!(
        h.prediction_reference_on
            .as_deref()
            .unwrap()
            .starts_with("holdout")
    );
    // Every numeric input has a sketch, every categorical one its counts.
    for r in &h.reference {
        assert!(r.sketch.is_some() || !r.category_counts.is_empty(), "{r:?}");
    }
}

#[test]
fn a_window_fed_row_by_row_agrees_with_the_whole_table() {
    let (outcome, table) = penguins();
    let (h, p) = (&outcome.header, &outcome.pipeline);
    let whole = monitor_tables(h, p, &[&table], Thresholds::default()).unwrap();
    assert_eq!(whole.rows, table.n_rows());
    let inputs = whole
        .columns
        .iter()
        .filter(|c| c.role == Role::Input)
        .count();
    assert_eq!(inputs, p.input_schema().columns.len());
    for c in whole.columns.iter().filter(|c| c.role == Role::Input) {
        assert_ne!(c.verdict, Verdict::Drift, "{c:?}");
    }
    // The server's way: a window of 100 rows, fed one row at a time.
    let rows = monitored_rows(p, &table).unwrap();
    let mut window = DriftWindow::new(monitored_columns(h, p), 100, Thresholds::default()).unwrap();
    for r in &rows {
        window.push(r).unwrap();
    }
    let tail = read_csv_bytes(
        "tail",
        {
            let csv = bundled::get("palmer_penguins").unwrap().csv;
            let lines: Vec<&str> = csv.lines().collect();
            let mut s = lines[0].to_string();
            for l in &lines[lines.len() - 100..] {
                s.push('\n');
                s.push_str(l);
            }
            s.push('\n');
            s
        }
        .as_bytes(),
        &p.read_options(ReadOptions::default()),
    )
    .unwrap();
    let last = monitor_tables(h, p, &[&tail], Thresholds::default()).unwrap();
    assert_eq!(window.report(), last.columns);
}

#[test]
fn request_logs_take_requests_and_single_rows() {
    let text = r#"{"model":"m","version":"1","rows":[{"a":1,"b":"x"},{"a":2.5,"b":"y, z"}],"predictions":[0,1]}

{"a":null,"b":"x"}
{"b":"\"q\"","a":4}
"#;
    let t =
        satori_workflow::monitor::request_log_table("log", text, &ReadOptions::default()).unwrap();
    assert_eq!(t.n_rows(), 4);
    let names: Vec<&str> = t.schema.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn malformed_logs_name_the_line() {
    let opts = ReadOptions::default();
    let e = satori_workflow::monitor::request_log_table("log", "{\"a\":1}\nnot json\n", &opts)
        .unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = satori_workflow::monitor::request_log_table("log", "[1,2]\n", &opts).unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
    let e = satori_workflow::monitor::request_log_table("log", "{\"rows\":[{\"a\":[1]}]}\n", &opts)
        .unwrap_err();
    assert!(e.to_string().contains("list or an object"), "{e}");
    let e = satori_workflow::monitor::request_log_table("log", "\n\n", &opts).unwrap_err();
    assert!(e.to_string().contains("request rows"), "{e}");
}
