//! `/metrics` as Prometheus itself reads it.
//!
//! - The exposition is parsed by a well-kept parser of the text format (`prometheus-parse`):
//!   every sample line parses, every family has its help and type, and the families carry the
//!   labels the docs promise.
//! - `promtool check metrics` (Prometheus's own linter) accepts it.
//! - A real Prometheus server (Debian's `prometheus` package) scrapes the running server, and
//!   the scraped series are queried back through Prometheus's HTTP API with their labels.
//!
//! The last two need the `prometheus` package (`apt-get install prometheus`; `.ci/run` installs
//! it). Without it they fail when `CI` is set and are skipped with a loud message elsewhere.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::{Value, json};

/// A binary of the `prometheus` package on PATH (or named by `env`), or `None` outside CI (with a
/// loud message); in CI its absence fails the test.
fn find_tool(name: &str, env: &str, test: &str) -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(p.into());
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI is set and no `{name}` binary is on PATH: {test} must run in CI (.ci/run installs \
             Debian's prometheus package; or set {env}=/path/to/{name})"
        );
        eprintln!(
            "SKIPPED {test}: no `{name}` on PATH (apt-get install prometheus, or set \
             {env}=/path/to/{name})"
        );
    }
    found
}

/// A server with traffic: two successful predictions, one bad request, one unknown model.
fn busy_server(dir: &std::path::Path) -> satori_serve::Server {
    let server = file_server(dir, "penguins", anomaly_model(), |c| {
        c.hooks.drift = Some(std::sync::Arc::new(
            satori_serve::drift::DriftMonitor::new(100, satori_monitor::Thresholds::default())
                .unwrap(),
        ));
    });
    let addr = server.addr();
    for _ in 0..2 {
        assert_eq!(
            post_json(addr, "/predict", &json!({"rows": rows_json()})).status,
            200
        );
    }
    assert_eq!(post_json(addr, "/predict", &json!({"rows": 3})).status, 400);
    assert_eq!(
        post_json(addr, "/predict?model=nope", &json!({"rows": rows_json()})).status,
        404
    );
    server
}

#[test]
fn the_exposition_parses_with_every_family_typed_and_labelled() {
    let dir = temp();
    let server = busy_server(dir.path());
    let text = get(server.addr(), "/metrics").text();
    server.shutdown().unwrap();

    // Every sample line is a sample to the parser (it skips lines it cannot read).
    let mut typed = std::collections::BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match prometheus_parse::LineInfo::parse(line) {
            prometheus_parse::LineInfo::Sample { value, .. } => {
                assert!(value.parse::<f64>().is_ok(), "value of `{line}`");
            }
            // A histogram's type line is reported under `<name>_bucket`, with `<name>` as alias.
            prometheus_parse::LineInfo::Type {
                metric_name,
                metric_alias,
                ..
            } => {
                typed.insert(metric_alias.unwrap_or(metric_name).to_string());
            }
            prometheus_parse::LineInfo::Doc { .. } => {}
            prometheus_parse::LineInfo::Empty | prometheus_parse::LineInfo::Ignored => {
                panic!("a line the parser does not read: `{line}`")
            }
        }
    }
    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parse");
    for family in &typed {
        assert!(scrape.docs.contains_key(family), "{family} has no HELP");
    }
    let find = |metric: &str, want: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && want.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .unwrap_or_else(|| panic!("no {metric} with {want:?}"))
    };
    let model = [("model", "penguins"), ("version", "1")];
    let ok = find(
        "satori_requests_total",
        &[model[0], model[1], ("outcome", "success")],
    );
    assert_eq!(ok.value, prometheus_parse::Value::Counter(2.0));
    // The malformed body and the unknown model are each counted once, before routing: under
    // empty model labels.
    let counted = |outcome: &str| -> Vec<(String, prometheus_parse::Value)> {
        scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == "satori_requests_total" && s.labels.get("outcome") == Some(outcome)
            })
            .filter(|s| s.value != prometheus_parse::Value::Counter(0.0))
            .map(|s| {
                (
                    s.labels.get("model").unwrap_or("?").to_string(),
                    s.value.clone(),
                )
            })
            .collect()
    };
    for outcome in ["bad_request", "not_found"] {
        assert_eq!(
            counted(outcome),
            vec![("".to_string(), prometheus_parse::Value::Counter(1.0))],
            "{outcome}: {text}"
        );
    }
    assert_eq!(
        find("satori_rows_total", &model).value,
        prometheus_parse::Value::Counter(10.0)
    );
    for histogram in [
        "satori_request_duration_seconds",
        "satori_request_compute_seconds",
        "satori_request_queue_seconds",
        "satori_batch_size",
        "satori_input_anomaly_score",
    ] {
        let prometheus_parse::Value::Histogram(buckets) = &find(histogram, &model).value else {
            panic!("{histogram} is not a histogram");
        };
        assert!(buckets.len() > 3, "{histogram}: {buckets:?}");
        assert!(
            buckets.windows(2).all(|w| w[0].count <= w[1].count),
            "{histogram}: buckets are cumulative"
        );
    }
    assert!(matches!(
        find("satori_input_anomalous_rows_total", &model).value,
        prometheus_parse::Value::Counter(_)
    ));
    assert!(matches!(
        find(
            "satori_model_serving",
            &[model[0], model[1], ("role", "champion")]
        )
        .value,
        prometheus_parse::Value::Gauge(1.0)
    ));
    assert!(matches!(
        find("satori_drift_window_rows", &model).value,
        prometheus_parse::Value::Gauge(10.0)
    ));
}

#[test]
fn promtool_accepts_the_exposition() {
    let Some(promtool) = find_tool("promtool", "PROMTOOL", "promtool_accepts_the_exposition")
    else {
        return;
    };
    let dir = temp();
    let server = busy_server(dir.path());
    let text = get(server.addr(), "/metrics").text();
    server.shutdown().unwrap();
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Prometheus's instant query `q`, through its HTTP API: the result vector.
fn query(prometheus: SocketAddr, q: &str) -> Vec<Value> {
    let mut encoded = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    // Prometheus may not listen yet.
    if std::net::TcpStream::connect(prometheus).is_err() {
        return Vec::new();
    }
    let r = get(prometheus, &format!("/api/v1/query?query={encoded}"));
    if r.status != 200 {
        return Vec::new();
    }
    let v = r.json();
    assert_eq!(v["status"], "success", "{v}");
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_real_prometheus_scrapes_the_server() {
    let Some(prometheus) = find_tool(
        "prometheus",
        "PROMETHEUS",
        "a_real_prometheus_scrapes_the_server",
    ) else {
        return;
    };
    let dir = temp();
    let server = busy_server(dir.path());
    let target = server.addr();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  \
             - job_name: satori\n    metrics_path: /metrics\n    static_configs:\n      \
             - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let web = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={web}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    let _prometheus = Killed(child);

    let instance = target.to_string();
    let mut found = Vec::new();
    eventually("Prometheus has scraped satori_requests_total", || {
        found = query(
            web,
            r#"satori_requests_total{job="satori",outcome="success",model="penguins"}"#,
        );
        !found.is_empty()
    });
    let series = &found[0];
    let m = &series["metric"];
    assert_eq!(m["__name__"], "satori_requests_total");
    assert_eq!(m["job"], "satori");
    assert_eq!(m["instance"], instance.as_str());
    assert_eq!(m["model"], "penguins");
    assert_eq!(m["version"], "1");
    assert_eq!(m["outcome"], "success");
    assert_eq!(series["value"][1], "2");

    // The scrape succeeded, and histograms and the anomaly series arrived as well.
    let up = query(web, r#"up{job="satori"}"#);
    assert_eq!(up[0]["value"][1], "1", "{up:?}");
    let buckets = query(
        web,
        r#"satori_request_duration_seconds_bucket{model="penguins",le="+Inf"}"#,
    );
    assert_eq!(buckets[0]["value"][1], "2", "{buckets:?}");
    let anomaly = query(
        web,
        r#"satori_input_anomaly_score_count{model="penguins",version="1"}"#,
    );
    assert_eq!(anomaly[0]["value"][1], "10", "{anomaly:?}");

    // New traffic shows up in a later scrape.
    assert_eq!(
        post_json(target, "/predict", &json!({"rows": rows_json()})).status,
        200
    );
    eventually("Prometheus sees the third request", || {
        query(
            web,
            r#"satori_requests_total{outcome="success",model="penguins"} == 3"#,
        )
        .len()
            == 1
    });
    server.shutdown().unwrap();
}
