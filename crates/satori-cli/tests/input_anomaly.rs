//! `satori train --anomaly-detector`, `satori predict --anomaly-score` and the share of anomalous
//! rows in `satori monitor`, through the binary; bad flags are clear one-line errors.

mod common;

use common::{assert_user_error, data, satori, stderr, stdout};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The penguins without the target, plus `extra` rows far from every training row.
fn new_rows(dir: &std::path::Path, extra: usize) -> String {
    let text = std::fs::read_to_string(data("palmer_penguins.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let species = header.iter().position(|h| *h == "species").unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields.remove(species);
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    let cols: Vec<&str> = header
        .iter()
        .filter(|h| **h != "species")
        .copied()
        .collect();
    for k in 0..extra {
        let row: Vec<String> = cols
            .iter()
            .map(|c| match *c {
                "island" => "Biscoe".to_string(),
                "sex" => "male".to_string(),
                "year" => "2009".to_string(),
                _ => format!("{}", 90_000 + k),
            })
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    let path = dir.join(format!("new-{extra}.csv"));
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

#[test]
fn train_predict_and_monitor_with_an_input_anomaly_detector() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.satori").display().to_string();
    let o = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "gbm",
        "--anomaly-detector",
        "--anomaly-contamination",
        "0.05",
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = json(&o);
    let a = &t["input_anomaly"];
    assert_eq!(a["contamination"], 0.05);
    let threshold = a["threshold"].as_f64().unwrap();
    assert!(threshold > 0.0 && threshold < 1.0);
    let inspect = json(&satori(&["inspect", &model, "--json"]));
    assert_eq!(
        inspect["input_anomaly"]["threshold"].as_f64(),
        Some(threshold)
    );
    let text = stdout(&satori(&["inspect", &model]));
    assert!(
        text.contains("input anomaly detector: 100 isolation trees"),
        "{text}"
    );

    // predict --anomaly-score: two more columns; the 20 far rows all flagged.
    let rows = new_rows(dir.path(), 20);
    let out = dir.path().join("p.csv").display().to_string();
    let o = satori(&[
        "predict",
        &model,
        &rows,
        "--anomaly-score",
        "--out",
        &out,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "prediction,anomaly_score,is_anomaly");
    let body: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(body.len(), 344 + 20);
    for r in &body {
        let s: f64 = r[1].parse().unwrap();
        assert!(s > 0.0 && s <= 1.0);
        assert_eq!(r[2], (s > threshold).to_string());
    }
    assert!(body[344..].iter().all(|r| r[2] == "true"));
    let flagged_known = body[..344].iter().filter(|r| r[2] == "true").count();
    assert!(
        flagged_known < 344 / 5,
        "{flagged_known} of the training rows flagged"
    );

    // monitor: the share of anomalous rows, in text and JSON.
    let o = satori(&["monitor", &model, &rows, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = json(&o);
    let share = &m["input_anomaly"];
    assert_eq!(share["rows"], 364);
    assert_eq!(share["anomalous"], (flagged_known + 20) as u64);
    let o = satori(&["monitor", &model, &rows]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "Input anomalies: {} of 364 rows",
            flagged_known + 20
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_anomaly_flags_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("plain.satori").display().to_string();
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
    let out = dir.path().join("p.csv").display().to_string();
    let o = satori(&[
        "predict",
        &model,
        &data("palmer_penguins.csv"),
        "--anomaly-score",
        "--out",
        &out,
    ]);
    assert_user_error(&o, &["--anomaly-score", "--anomaly-detector"]);
    assert!(!std::path::Path::new(&out).exists());
    for bad in ["0.9", "lots"] {
        let o = satori(&[
            "train",
            &data("palmer_penguins.csv"),
            "--target",
            "species",
            "--anomaly-detector",
            "--anomaly-contamination",
            bad,
        ]);
        assert_user_error(&o, &["contamination"]);
    }
    // The monitor of a model without a detector says nothing about anomalies.
    let o = satori(&["monitor", &model, &data("palmer_penguins.csv"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(json(&o).get("input_anomaly").is_none());
}
