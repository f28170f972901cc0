//! `satori monitor`: verdicts per column against the training reference, the CI exit status, the
//! report, request logs, the performance change, and clear errors for bad input.

mod common;

use common::{assert_user_error, data, satori, stderr, stdout};

/// Train a gradient-boosting model on the penguins and return the folder and the model path.
fn trained() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("penguins.satori").display().to_string();
    let o = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "gbm",
        "--out",
        &model,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, model)
}

/// The penguins with `body_mass_g` moved by `by` grams, every third `island` replaced by
/// `label`, and without the target column when `drop_target`.
fn shifted(dir: &std::path::Path, by: f64, label: Option<&str>, drop_target: bool) -> String {
    let text = std::fs::read_to_string(data("palmer_penguins.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let mass = header.iter().position(|h| *h == "body_mass_g").unwrap();
    let island = header.iter().position(|h| *h == "island").unwrap();
    let species = header.iter().position(|h| *h == "species").unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if i > 0 {
            if let Ok(v) = fields[mass].parse::<f64>() {
                fields[mass] = format!("{}", v + by);
            }
            if let Some(l) = label
                && i % 3 == 0
            {
                fields[island] = l.to_string();
            }
        }
        if drop_target {
            fields.remove(species);
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    let path = dir.join(format!("shifted-{by}-{}.csv", label.unwrap_or("none")));
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn column<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn the_training_distribution_is_stable_and_passes_the_gate() {
    let (dir, model) = trained();
    let same = shifted(dir.path(), 0.0, None, false);
    let o = satori(&["monitor", &model, &same, "--json", "--fail-on", "drift"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["command"], "monitor");
    assert_eq!(doc["rows"], 344);
    // The inputs: the training rows are most of these rows. (The outputs are compared with the
    // holdout's predictions, and a boosted model is surer of its own training rows.)
    for c in doc["columns"].as_array().unwrap() {
        if c["role"] == "input" {
            assert_ne!(c["verdict"], "drift", "{c}");
        }
    }
    let mass = column(&doc, "body_mass_g");
    assert_eq!(mass["verdict"], "stable");
    assert!(mass["psi"].as_f64().unwrap() < 0.05);
    // The model's outputs are monitored too.
    let prediction = column(&doc, "prediction(species)");
    assert_eq!(prediction["role"], "prediction");
    assert_eq!(prediction["kind"], "categorical");
    column(&doc, "P(species=Gentoo)");
    // The rows carry the target: the metrics beside the holdout's.
    let performance = doc["performance"].as_array().unwrap();
    assert!(
        performance.iter().any(|m| m["metric"] == "accuracy"),
        "{performance:?}"
    );
    assert_eq!(doc["performance_rows"], 344);
}

#[test]
fn a_shifted_column_drifts_and_trips_the_gate_after_writing_the_report() {
    let (dir, model) = trained();
    let moved = shifted(dir.path(), 1500.0, Some("Atlantis"), true);
    let report = dir.path().join("drift.html");
    let o = satori(&[
        "monitor",
        &model,
        &moved,
        "--report",
        &report.display().to_string(),
        "--json",
        "--fail-on",
        "drift",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--fail-on drift"), "{}", stderr(&o));
    assert!(stderr(&o).contains("`body_mass_g`"), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["verdict"], "drift");
    let mass = column(&doc, "body_mass_g");
    assert_eq!(mass["verdict"], "drift");
    assert!(mass["psi"].as_f64().unwrap() > 0.25);
    assert!(mass["ks"]["p_value"].as_f64().unwrap() < 1e-6);
    let island = column(&doc, "island");
    assert_eq!(island["verdict"], "drift");
    let unseen = island["unseen"].as_f64().unwrap();
    assert!((unseen - 114.0 / 344.0).abs() < 0.01, "{unseen}");
    assert!(doc["performance"].as_array().unwrap().is_empty());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg") && html.contains("body_mass_g"));
    assert!(html.contains("class=\"v-drift\""));
    // Without the gate the same comparison exits 0; a warning gate trips too.
    let o = satori(&["monitor", &model, &moved, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = satori(&["monitor", &model, &moved, "--fail-on", "warning", "-q"]);
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn request_logs_are_compared_like_a_data_file() {
    let (dir, model) = trained();
    let text = std::fs::read_to_string(data("palmer_penguins.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut log = String::new();
    for (i, line) in lines.enumerate() {
        let row: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(line.split(','))
            .filter(|(h, _)| **h != "species")
            .map(|(h, v)| {
                let value = match v.parse::<f64>() {
                    Ok(n) => serde_json::json!(n),
                    Err(_) if v.is_empty() || v == "NA" => serde_json::Value::Null,
                    Err(_) => serde_json::json!(v),
                };
                (h.to_string(), value)
            })
            .collect();
        // Requests of two rows in the server's shape, and single rows.
        if i % 2 == 0 {
            log.push_str(
                &serde_json::json!({"model": "penguins", "version": "1", "rows": [row],
                    "predictions": ["Adelie"]})
                .to_string(),
            );
        } else {
            log.push_str(&serde_json::Value::Object(row).to_string());
        }
        log.push('\n');
    }
    let path = dir.path().join("requests.jsonl");
    std::fs::write(&path, log).unwrap();
    let o = satori(&[
        "monitor",
        &model,
        "--log",
        &path.display().to_string(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["rows"], 344);
    assert_eq!(column(&doc, "body_mass_g")["verdict"], "stable");
    assert_eq!(column(&doc, "island")["unseen"], 0.0);
    // A malformed line is a user error naming it.
    std::fs::write(&path, "{\"rows\": [{\"island\": \"Biscoe\"}]}\n{oops\n").unwrap();
    let o = satori(&["monitor", &model, "--log", &path.display().to_string()]);
    assert_user_error(&o, &["line 2"]);
}

#[test]
fn bad_input_is_a_clear_user_error() {
    let (dir, model) = trained();
    let same = shifted(dir.path(), 0.0, None, false);
    let o = satori(&[
        "monitor",
        &model,
        &same,
        "--psi-warning",
        "0.5",
        "--psi-drift",
        "0.2",
    ]);
    assert_user_error(&o, &["--psi-warning/--psi-drift"]);
    let o = satori(&["monitor", &model]);
    assert_eq!(o.status.code(), Some(1));
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "a,b\n1,2\n").unwrap();
    let o = satori(&["monitor", &model, &other.display().to_string()]);
    assert_user_error(&o, &[]);
    // The report never overwrites an input.
    let o = satori(&["monitor", &model, &same, "--report", &same]);
    assert_user_error(&o, &["--report"]);
}
