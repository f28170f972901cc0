//! The real server on a loopback port, spoken to over real HTTP: every endpoint, the predictions
//! against the library's (read as `satori predict` reads), errors, limits, hot swap under load,
//! routes, drain, tokens, path traversal, batching and the request log.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::*;
use satori_serve::{BatchConfig, SourceSpec};
use serde_json::{Value, json};

fn labels(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// `x` after a trip through JSON text and serde_json's parser (which, without its
/// `float_roundtrip` feature, may land one ulp away): the server writes every probability in
/// shortest round-trip form, so the client reads exactly what it reads for the library's value.
fn via_json(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    serde_json::from_str(&serde_json::to_string(x).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn every_endpoint_answers_and_predictions_match_the_library() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |_| {});
    let addr = server.addr();
    let (want_labels, want_proba) = library_predictions(&m.v1, ROWS_CSV);
    let want_proba = want_proba.expect("a classifier gives probabilities");

    // Health and metadata.
    assert_eq!(get(addr, "/v2/health/live").status, 200);
    let r = get(addr, "/v2/health/ready");
    assert_eq!((r.status, r.json()["ready"].clone()), (200, json!(true)));
    let meta = get(addr, "/v2").json();
    assert_eq!(meta["name"], "satori");
    assert_eq!(meta["models"], json!(["penguins"]));
    let mm = get(addr, "/v2/models/penguins").json();
    assert_eq!(mm["name"], "penguins");
    assert_eq!(mm["versions"], json!(["1"]));
    let inputs = mm["inputs"].as_array().unwrap();
    let island = inputs.iter().find(|t| t["name"] == "island").unwrap();
    assert_eq!(island["datatype"], "BYTES");
    assert_eq!(island["shape"], json!([-1]));
    let bill = inputs
        .iter()
        .find(|t| t["name"] == "bill_length_mm")
        .unwrap();
    assert_eq!(bill["datatype"], "FP64");
    assert!(inputs.iter().all(|t| t["name"] != "species"));
    let outputs = mm["outputs"].as_array().unwrap();
    assert_eq!(outputs[0]["name"], "predict");
    assert_eq!(outputs[1]["name"], "probabilities");
    assert_eq!(outputs[1]["shape"], json!([-1, 3]));
    assert_eq!(
        get(addr, "/v2/models/penguins/versions/1").json()["version"],
        "1"
    );
    assert_eq!(get(addr, "/v2/models/penguins/ready").status, 200);
    assert_eq!(
        get(addr, "/v2/models/penguins/versions/1/ready").status,
        200
    );
    assert_eq!(
        get(addr, "/v2/models/penguins/versions/7/ready").status,
        404
    );
    assert_eq!(get(addr, "/v2/models/nope/ready").status, 404);

    // Rows, columns and CSV give the library's predictions, bit for bit.
    let rows = rows_json();
    let r = post_json(addr, "/predict", &json!({ "rows": rows }));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-satori-model-version"), Some("1"));
    let j = r.json();
    assert_eq!(labels(&j["predictions"]), want_labels);
    assert_eq!(matrix(&j["probabilities"]), via_json(&want_proba));
    assert_eq!(j["classes"], json!(["Adelie", "Chinstrap", "Gentoo"]));
    assert_eq!(
        (j["model"].clone(), j["version"].clone()),
        (json!("penguins"), json!("1"))
    );
    let mut columns = serde_json::Map::new();
    for k in rows[0].as_object().unwrap().keys() {
        columns.insert(
            k.clone(),
            Value::Array(rows.iter().map(|r| r[k].clone()).collect()),
        );
    }
    let r = post_json(
        addr,
        "/predict?model=penguins",
        &json!({ "columns": columns }),
    );
    assert_eq!(labels(&r.json()["predictions"]), want_labels);
    let r = request(
        addr,
        "POST",
        "/predict?id=island",
        &[("Content-Type", "text/csv")],
        ROWS_CSV.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "island,prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo"
    );
    for ((line, label), p) in lines.zip(&want_labels).zip(&want_proba) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[1], label);
        let got: Vec<f64> = cells[2..].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(&got, p);
    }

    // v2 inference: one tensor per column.
    let infer = json!({
        "id": "req-1",
        "inputs": columns.iter().map(|(name, values)| {
            let datatype = if values.as_array().unwrap().iter().any(Value::is_string) {
                "BYTES"
            } else {
                "FP64"
            };
            json!({"name": name, "datatype": datatype, "shape": [values.as_array().unwrap().len()], "data": values})
        }).collect::<Vec<_>>(),
    });
    let r = post_json(addr, "/v2/models/penguins/infer", &infer);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["id"], "req-1");
    assert_eq!(j["model_name"], "penguins");
    assert_eq!(j["model_version"], "1");
    assert_eq!(j["outputs"][0]["name"], "predict");
    assert_eq!(labels(&j["outputs"][0]["data"]), want_labels);
    assert_eq!(j["outputs"][1]["shape"], json!([5, 3]));
    let flat: Vec<f64> = via_json(&want_proba).into_iter().flatten().collect();
    let got: Vec<f64> = j["outputs"][1]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(got, flat);
    let mut only = infer.clone();
    only["outputs"] = json!([{"name": "probabilities"}]);
    let r = post_json(addr, "/v2/models/penguins/versions/1/infer", &only);
    assert_eq!(r.json()["outputs"].as_array().unwrap().len(), 1);

    // Errors: one place, JSON bodies, client statuses.
    let bad = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "application/json")],
        b"{\"rows\": [",
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let missing = post_json(addr, "/predict", &json!({"rows": [{"island": "Dream"}]}));
    assert_eq!(missing.status, 422, "{}", missing.text());
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("bill_length_mm")
    );
    let mut not_a_number = rows[0].clone();
    not_a_number["bill_length_mm"] = json!("long");
    let r = post_json(addr, "/predict", &json!({"rows": [not_a_number]}));
    assert!(matches!(r.status, 400 | 422), "{} {}", r.status, r.text());
    assert!(r.json()["error"].is_string());
    assert_eq!(post_json(addr, "/v2/models/nope/infer", &infer).status, 404);
    assert_eq!(
        post_json(addr, "/predict?model=nope", &json!({"rows": rows})).status,
        404
    );
    assert_eq!(get(addr, "/no/such/endpoint").status, 404);
    let r = get(addr, "/predict");
    assert_eq!(r.status, 405);
    assert!(r.json()["error"].is_string());
    let r = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "application/xml")],
        b"<a/>",
    );
    assert_eq!(r.status, 415);
    let r = post_json(
        addr,
        "/v2/models/penguins/infer",
        &json!({"inputs": [{"name": "island"}]}),
    );
    assert_eq!(r.status, 400);

    // Metrics: counts by outcome, histograms, gauges, in the text format.
    let metrics = get(addr, "/metrics");
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text();
    let count = |outcome: &str| -> u64 {
        let key = format!(
            "satori_requests_total{{model=\"penguins\",version=\"1\",outcome=\"{outcome}\"}} "
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&key))
            .unwrap_or_else(|| panic!("no {key} in\n{text}"))
            .parse()
            .unwrap()
    };
    assert_eq!(count("success"), 5);
    assert!(count("bad_request") >= 2);
    for family in [
        "satori_request_queue_seconds_bucket",
        "satori_request_compute_seconds_bucket",
        "satori_request_duration_seconds_count",
        "satori_batch_size_bucket",
        "satori_inflight_requests",
        "satori_queue_depth",
        "satori_model_loads_total{model=\"penguins\",version=\"1\",outcome=\"success\"} 1",
    ] {
        assert!(text.contains(family), "{family} missing");
    }
    server.shutdown().unwrap();
}

#[test]
fn a_regressor_answers_numbers() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "mass", &m.regressor, |c| {
        c.max_body = 4096;
    });
    let addr = server.addr();
    let csv = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,sex,year\n\
               Adelie,Torgersen,39.1,18.7,181,male,2007\nGentoo,Biscoe,47.5,15.0,218,female,2009\n";
    let (want, proba) = library_predictions(&m.regressor, csv);
    assert!(proba.is_none());
    let r = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "text/csv")],
        csv.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let got: Vec<String> = r.text().lines().skip(1).map(str::to_string).collect();
    assert_eq!(got, want);
    let mm = get(addr, "/v2/models/mass").json();
    assert_eq!(mm["outputs"].as_array().unwrap().len(), 1);
    assert_eq!(mm["outputs"][0]["datatype"], "FP64");
    // The body limit: 413 with a JSON error, and the server keeps answering.
    let big = vec![b'x'; 10_000];
    let r = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "text/csv")],
        &big,
    );
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("--max-body"));
    assert_eq!(get(addr, "/v2/health/live").status, 200);
    server.shutdown().unwrap();
}

#[test]
fn hot_swap_under_load_fails_no_request_and_a_bad_version_leaves_the_old_serving() {
    let m = models();
    let root = temp();
    put(&root.path().join("penguins/1.satori"), &m.v1);
    let mut c = config(SourceSpec::Repository(root.path().to_path_buf()));
    c.poll_interval = Some(Duration::from_millis(100));
    c.admin_token = Some("s3cret".into());
    let server = satori_serve::Server::start(c).unwrap();
    let addr = server.addr();
    let (v1_labels, v1_proba) = library_predictions(&m.v1, ROWS_CSV);
    let (v2_labels, v2_proba) = library_predictions(&m.v2, ROWS_CSV);
    let (v1_proba, v2_proba) = (
        v1_proba.map(|p| via_json(&p)),
        v2_proba.map(|p| via_json(&p)),
    );
    assert_ne!(
        v1_proba, v2_proba,
        "the two versions must differ to see the swap"
    );
    let body = json!({"rows": rows_json()});

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let seen_v2 = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, failures, seen_v2, body) = (
                stop.clone(),
                failures.clone(),
                seen_v2.clone(),
                body.clone(),
            );
            let (v1, v2) = (
                (v1_labels.clone(), v1_proba.clone()),
                (v2_labels.clone(), v2_proba.clone()),
            );
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let r = post_json(addr, "/predict", &body);
                    n += 1;
                    if r.status != 200 {
                        failures.fetch_add(1, Ordering::SeqCst);
                        continue;
                    }
                    let j = r.json();
                    let got = (labels(&j["predictions"]), Some(matrix(&j["probabilities"])));
                    // Every answer is wholly one version's: never a mix.
                    match r.header("x-satori-model-version") {
                        Some("1") if got == v1 => {}
                        Some("2") if got == v2 => {
                            seen_v2.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    put(&root.path().join("penguins/2.satori"), &m.v2);
    eventually("version 2 answers", || seen_v2.load(Ordering::SeqCst) > 10);
    // A broken version 3: it fails to load, version 2 keeps serving, the failure is counted.
    put(
        &root.path().join("penguins/3.satori"),
        b"SATORI but not a model",
    );
    eventually("version 3's load failure is counted", || {
        get(addr, "/metrics").text().contains(
            "satori_model_loads_total{model=\"penguins\",version=\"3\",outcome=\"failure\"} 1",
        )
    });
    let before = seen_v2.load(Ordering::SeqCst);
    eventually("version 2 still answers", || {
        seen_v2.load(Ordering::SeqCst) > before + 10
    });
    stop.store(true, Ordering::SeqCst);
    let total: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(failures.load(Ordering::SeqCst), 0, "of {total} requests");
    assert_eq!(get(addr, "/v2/models/penguins").json()["version"], "2");

    // The index lists what is on disk and what serves.
    let index = get(addr, "/v2/repository/index").json();
    let state = |v: &str| {
        index
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["version"] == v)
            .map(|e| e["state"].clone())
    };
    assert_eq!(state("2"), Some(json!("READY")));
    assert_eq!(state("1"), Some(json!("UNAVAILABLE")));
    assert_eq!(state("3"), Some(json!("UNAVAILABLE")));

    // Rollback to a named version; the poller leaves the pinned version alone.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "s3cret",
        &json!({"version": "1"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    std::thread::sleep(Duration::from_millis(500));
    let r = post_json(addr, "/predict", &body);
    assert_eq!(r.header("x-satori-model-version"), Some("1"));
    // A load of the broken version fails with 422 and leaves version 1 serving.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "s3cret",
        &json!({"version": 3}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        post_json(addr, "/predict", &body).header("x-satori-model-version"),
        Some("1")
    );
    // Load without a version: the highest that loads is asked for (3, broken) — refused.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "s3cret",
        &json!({}),
    );
    assert_eq!(r.status, 422);
    std::fs::remove_file(root.path().join("penguins/3.satori")).unwrap();
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "s3cret",
        &json!({}),
    );
    assert_eq!(r.json()["version"], "2");

    // Unload: 404 afterwards, and the poller does not bring it back.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/unload",
        "s3cret",
        &json!({}),
    );
    assert_eq!(r.status, 200);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(post_json(addr, "/predict", &body).status, 404);
    assert_eq!(get(addr, "/v2/models/penguins").status, 404);
    assert_eq!(get(addr, "/v2/health/ready").status, 503);
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "s3cret",
        &json!({}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(get(addr, "/v2/models/penguins/ready").status, 200);
    server.shutdown().unwrap();
}

#[test]
fn challenger_and_shadow_routes() {
    let m = models();
    let root = temp();
    put(&root.path().join("penguins/1.satori"), &m.v1);
    put(&root.path().join("penguins/2.satori"), &m.v2);
    let mut c = config(SourceSpec::Repository(root.path().to_path_buf()));
    c.admin_token = Some("tok".into());
    let server = satori_serve::Server::start(c).unwrap();
    let addr = server.addr();
    // The champion is the highest version; make version 1 a challenger for a quarter.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/route",
        "tok",
        &json!({"challenger": "1", "share": 0.25}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["challenger"]["version"], "1");
    let body = json!({"rows": rows_json()});
    let versions: Vec<String> = (0..20)
        .map(|_| {
            post_json(addr, "/predict", &body)
                .header("x-satori-model-version")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        versions.iter().filter(|v| *v == "1").count(),
        5,
        "{versions:?}"
    );
    // A pinned version is reachable directly.
    let r = post_json(addr, "/predict?version=1", &body);
    assert_eq!(r.header("x-satori-model-version"), Some("1"));
    // Bad routes are refused.
    for bad in [
        json!({"challenger": "1"}),
        json!({"challenger": "1", "share": 1.5}),
        json!({"challenger": "9", "share": 0.5}),
    ] {
        let r = admin(addr, "/v2/repository/models/penguins/route", "tok", &bad);
        assert!(matches!(r.status, 404 | 422), "{bad}: {}", r.status);
    }
    // Shadow: answers come from the champion; the shadow's scorings are counted.
    let r = admin(
        addr,
        "/v2/repository/models/penguins/route",
        "tok",
        &json!({"shadow": "1"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        get(addr, "/v2/repository/models/penguins/route").json()["shadow"],
        "1"
    );
    for _ in 0..5 {
        let r = post_json(addr, "/predict", &body);
        assert_eq!(r.header("x-satori-model-version"), Some("2"));
    }
    eventually("shadow scorings are counted", || {
        let text = get(addr, "/metrics").text();
        text.lines().any(|l| {
            l.starts_with(
                "satori_shadow_requests_total{model=\"penguins\",version=\"1\",outcome=\"success\"}",
            ) && !l.ends_with(" 0")
        })
    });
    assert!(
        get(addr, "/metrics")
            .text()
            .contains("satori_model_serving{model=\"penguins\",version=\"1\",role=\"shadow\"} 1")
    );
    server.shutdown().unwrap();
}

#[test]
fn management_needs_the_token_and_is_off_without_one() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |_| {});
    let addr = server.addr();
    let r = admin(
        addr,
        "/v2/repository/models/penguins/unload",
        "anything",
        &json!({}),
    );
    assert_eq!(r.status, 403);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("--admin-token")
    );
    server.shutdown().unwrap();

    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |c| {
        c.admin_token = Some("right".into());
    });
    let addr = server.addr();
    for (auth, status) in [
        (None, 401),
        (Some("Bearer wrong"), 401),
        (Some("Bearer righ"), 401),
        (Some("right"), 401),
    ] {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        let r = request(
            addr,
            "POST",
            "/v2/repository/models/penguins/unload",
            &headers,
            b"{}",
        );
        assert_eq!(r.status, status, "{auth:?}");
        assert!(r.header("www-authenticate").is_some());
    }
    assert_eq!(get(addr, "/v2/models/penguins/ready").status, 200);
    // The right token reloads the file (a single file is version 1).
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "right",
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "right",
        &json!({"version": "2"}),
    );
    assert_eq!(r.status, 404);
    let r = admin(
        addr,
        "/v2/repository/models/penguins/load",
        "right",
        &json!({"version": [1]}),
    );
    assert_eq!(r.status, 400);
    server.shutdown().unwrap();
}

#[test]
fn repository_paths_cannot_escape_the_root() {
    let m = models();
    let base = temp();
    let root = base.path().join("repo");
    put(&root.join("penguins/1.satori"), &m.v1);
    // A model outside the root, and symlinks from inside the root to it.
    let outside = base.path().join("outside");
    put(&outside.join("1.satori"), &m.v2);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, root.join("evil")).unwrap();
        std::os::unix::fs::symlink(outside.join("1.satori"), root.join("penguins/7.satori"))
            .unwrap();
    }
    let mut c = config(SourceSpec::Repository(root.clone()));
    c.admin_token = Some("tok".into());
    let server = satori_serve::Server::start(c).unwrap();
    let addr = server.addr();
    // The symlinked model and version are not served or listed.
    let index = get(addr, "/v2/repository/index").json();
    assert!(
        index
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] == "penguins" && e["version"] == "1"),
        "{index}"
    );
    assert_eq!(get(addr, "/v2/models/penguins").json()["version"], "1");
    assert_eq!(get(addr, "/v2/models/evil").status, 404);
    let attempts = [
        ("/v2/repository/models/evil/load", json!({})),
        (
            "/v2/repository/models/penguins/load",
            json!({"version": "7"}),
        ),
        ("/v2/repository/models/../load", json!({})),
        ("/v2/repository/models/%2e%2e/load", json!({})),
        ("/v2/repository/models/..%2Foutside/load", json!({})),
        ("/v2/repository/models/%2Fetc%2Fpasswd/load", json!({})),
        (
            "/v2/repository/models/penguins/load",
            json!({"version": "../../outside/1"}),
        ),
        (
            "/v2/repository/models/penguins/load",
            json!({"version": "/etc/passwd"}),
        ),
        ("/v2/repository/models/.hidden/load", json!({})),
    ];
    for (path, body) in attempts {
        let r = admin(addr, path, "tok", &body);
        assert_eq!(r.status, 404, "{path} {body}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
    for path in [
        "/v2/models/%2e%2e/ready",
        "/v2/models/..%2F..%2Fetc/versions/1",
    ] {
        assert_eq!(get(addr, path).status, 404, "{path}");
    }
    let r = post_json(
        addr,
        "/predict?model=..%2Foutside",
        &json!({"rows": rows_json()}),
    );
    assert_eq!(r.status, 404);
    // Still only version 1 serves.
    assert_eq!(
        get(addr, "/v2/models/penguins").json()["versions"],
        json!(["1"])
    );
    server.shutdown().unwrap();
}

#[test]
fn overload_gives_503_with_retry_after_and_a_deadline_gives_504() {
    let m = models();
    // A large batch keeps the one compute slot busy while others arrive; no queue.
    let mut big = String::from(ROWS_CSV);
    let body_rows: Vec<&str> = ROWS_CSV.lines().skip(1).collect();
    for _ in 0..4000 {
        for r in &body_rows {
            big.push_str(r);
            big.push('\n');
        }
    }
    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |c| {
        c.max_concurrency = 1;
        c.max_queue = 0;
    });
    let addr = server.addr();
    let mut saw_503 = false;
    for _round in 0..10 {
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (barrier, big) = (barrier.clone(), big.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    request(
                        addr,
                        "POST",
                        "/predict",
                        &[("Content-Type", "text/csv")],
                        big.as_bytes(),
                    )
                })
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert!(matches!(r.status, 200 | 503), "{} {}", r.status, r.text());
            if r.status == 503 {
                saw_503 = true;
                assert_eq!(r.header("retry-after"), Some("1"));
                assert!(r.json()["error"].as_str().unwrap().contains("retry"));
            }
        }
        if saw_503 {
            break;
        }
    }
    assert!(
        saw_503,
        "eight concurrent large batches on one slot with no queue"
    );
    assert!(
        get(addr, "/metrics")
            .text()
            .contains("outcome=\"overloaded\"} ")
    );
    // The server still answers normally afterwards.
    assert_eq!(
        post_json(addr, "/predict", &json!({"rows": rows_json()})).status,
        200
    );
    server.shutdown().unwrap();

    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |c| {
        c.timeout = Duration::from_micros(1);
    });
    let r = request(
        server.addr(),
        "POST",
        "/predict",
        &[("Content-Type", "text/csv")],
        big.as_bytes(),
    );
    assert_eq!(r.status, 504, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("--timeout"));
    server.shutdown().unwrap();
}

#[test]
fn shutdown_finishes_a_request_in_flight_and_stops_accepting() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |c| {
        c.drain_timeout = Duration::from_secs(60);
    });
    let addr = server.addr();
    let body = json!({"rows": rows_json()}).to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    // A request whose body is still arriving when the shutdown starts.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(first).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stopper = std::thread::spawn(move || server.shutdown());
    std::thread::sleep(Duration::from_millis(500));
    // New connections are refused while draining.
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_err();
    s.write_all(rest).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["predictions"].as_array().unwrap().len(), 5);
    stopper.join().unwrap().unwrap();
    assert!(refused, "the listener closes when the drain starts");
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_err());
}

#[test]
fn dynamic_batching_merges_requests_and_isolates_a_bad_one() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "penguins", &m.v1, |c| {
        c.batch = Some(BatchConfig {
            max_rows: 64,
            max_delay: Duration::from_millis(50),
        });
    });
    let addr = server.addr();
    let rows = rows_json();
    let (want, _) = library_predictions(&m.v1, ROWS_CSV);
    let barrier = Arc::new(Barrier::new(12));
    let handles: Vec<_> = (0..12)
        .map(|i| {
            let barrier = barrier.clone();
            let mut row = rows[i % rows.len()].clone();
            if i == 11 {
                row["bill_depth_mm"] = json!("deep");
            }
            std::thread::spawn(move || {
                barrier.wait();
                (i, post_json(addr, "/predict", &json!({"rows": [row]})))
            })
        })
        .collect();
    for h in handles {
        let (i, r) = h.join().unwrap();
        if i == 11 {
            assert!(matches!(r.status, 400 | 422), "{}", r.text());
        } else {
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(
                labels(&r.json()["predictions"]),
                vec![want[i % want.len()].clone()]
            );
        }
    }
    let text = get(addr, "/metrics").text();
    let calls: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("satori_batch_size_count{model=\"penguins\",version=\"1\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=13).contains(&calls),
        "{calls} predict calls for 12 requests"
    );
    server.shutdown().unwrap();
}

#[test]
fn the_request_log_holds_every_answered_request() {
    let m = models();
    let dir = temp();
    let log = dir.path().join("requests.jsonl");
    let l = log.clone();
    let server = file_server(dir.path(), "penguins", &m.v1, move |c| {
        c.log_requests = Some(l);
        c.log_max_bytes = 1500;
    });
    let addr = server.addr();
    for _ in 0..6 {
        assert_eq!(
            post_json(addr, "/predict", &json!({"rows": rows_json()})).status,
            200
        );
    }
    assert_eq!(
        post_json(addr, "/predict", &json!({"rows": [{"x": 1}]})).status,
        422
    );
    server.shutdown().unwrap();
    let mut lines = Vec::new();
    for k in (1..=5).rev() {
        let p = dir.path().join(format!("requests.jsonl.{k}"));
        if let Ok(t) = std::fs::read_to_string(&p) {
            lines.extend(t.lines().map(str::to_string));
        }
    }
    lines.extend(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(str::to_string),
    );
    assert!(
        dir.path().join("requests.jsonl.1").exists(),
        "rotated by size"
    );
    let entries: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = entries.last().unwrap();
    assert_eq!(last["status"], 422);
    let ok = &entries[entries.len() - 2];
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["model"], "penguins");
    assert_eq!(ok["rows"].as_array().unwrap().len(), 5);
    assert_eq!(ok["output"]["predictions"].as_array().unwrap().len(), 5);
}

/// The value of one exported series, found by its name and labels.
fn series(text: &str, name: &str, labels: &str) -> Option<f64> {
    let prefix = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn drift_metrics_follow_the_rows_the_server_scores() {
    let m = models();
    let dir = temp();
    let server = file_server(dir.path(), "pen", &m.v1, |c| {
        c.hooks.drift = Some(Arc::new(
            satori_serve::drift::DriftMonitor::new(200, satori_monitor::Thresholds::default())
                .unwrap(),
        ));
    });
    let addr = server.addr();
    // Rows like the training rows (172 of the 344), but every bill 60 mm longer: the input
    // drifts.
    let csv = penguins_csv();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let j = header
        .split(',')
        .position(|c| c == "bill_length_mm")
        .unwrap();
    let mut shifted = format!("{header}\n");
    // Every other row: the species mix of the training data.
    for line in lines.step_by(2) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if let Ok(v) = cells[j].parse::<f64>() {
            cells[j] = format!("{}", v + 60.0);
        }
        shifted.push_str(&cells.join(","));
        shifted.push('\n');
    }
    let r = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "text/csv")],
        shifted.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let text = get(addr, "/metrics").text();
    assert!(text.contains("# TYPE satori_drift_psi gauge"), "{text}");
    assert_eq!(
        series(
            &text,
            "satori_drift_window_rows",
            "model=\"pen\",version=\"1\""
        ),
        Some(172.0)
    );
    let bill = "model=\"pen\",version=\"1\",column=\"bill_length_mm\",role=\"input\"";
    assert_eq!(
        series(&text, "satori_drift_verdict", bill),
        Some(2.0),
        "{text}"
    );
    assert!(series(&text, "satori_drift_psi", bill).unwrap() > 0.25);
    assert!(series(&text, "satori_drift_ks_p_value", bill).unwrap() < 1e-6);
    // A column left alone is not called drifted.
    let depth = "model=\"pen\",version=\"1\",column=\"bill_depth_mm\",role=\"input\"";
    assert!(
        series(&text, "satori_drift_verdict", depth).unwrap() < 2.0,
        "{text}"
    );
    server.shutdown().unwrap();
}

/// Numbers with 16–17 significant digits, sent as JSON numbers, reach the model as exactly the
/// values `satori predict` reads from the same text in a CSV file (serde_json's
/// `float_roundtrip`): the request log shows the cells the reader saw, and the predictions are
/// the library's, bit for bit. Each of these decimals is one that serde_json's default parser
/// reads one ulp away.
#[test]
fn json_numbers_with_17_digits_score_as_the_same_csv_text() {
    let m = models();
    let dir = temp();
    let log = dir.path().join("requests.jsonl");
    let l = log.clone();
    let server = file_server(dir.path(), "mass", &m.regressor, move |c| {
        c.log_requests = Some(l);
    });
    let addr = server.addr();
    let rows = [
        (
            "Biscoe",
            "47.440938569052209",
            "15.048285057433917",
            "179.76991766744273",
            "male",
        ),
        (
            "Dream",
            "42.933023856434187",
            "13.373926522378787",
            "175.27653373626883",
            "female",
        ),
        (
            "Torgersen",
            "39.525576779741390",
            "17.440938569052209",
            "191.70834223523670",
            "male",
        ),
    ];
    // The regressor predicts body_mass_g from the other columns, species among them.
    let mut csv =
        String::from("species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,sex,year\n");
    let mut json_rows = Vec::new();
    for (island, a, b, c, sex) in rows {
        csv.push_str(&format!("Gentoo,{island},{a},{b},{c},{sex},2008\n"));
        json_rows.push(format!(
            r#"{{"species": "Gentoo", "island": "{island}", "bill_length_mm": {a}, "bill_depth_mm": {b}, "flipper_length_mm": {c}, "sex": "{sex}", "year": 2008}}"#
        ));
    }
    // The body as text, so that the digits are exactly these (not re-printed by a serializer).
    let body = format!(r#"{{"rows": [{}]}}"#, json_rows.join(", "));
    let r = request(
        addr,
        "POST",
        "/predict",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let got: Vec<f64> = r.json()["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (want, _) = library_predictions(&m.regressor, &csv);
    let want: Vec<f64> = want.iter().map(|s| s.parse().unwrap()).collect();
    assert_eq!(got, want);
    server.shutdown().unwrap();

    let entry: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let columns: Vec<String> = labels(&entry["columns"]);
    for (i, (_, a, b, c, _)) in rows.iter().enumerate() {
        for (name, text) in [
            ("bill_length_mm", a),
            ("bill_depth_mm", b),
            ("flipper_length_mm", c),
        ] {
            let j = columns.iter().position(|n| n == name).unwrap();
            let cell = entry["rows"][i][j].as_str().unwrap();
            assert_eq!(
                cell.parse::<f64>().unwrap().to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "row {i} {name}: sent {text}, the reader saw {cell}"
            );
        }
    }
}

/// A model trained with an input anomaly detector answers each row's anomaly score on every
/// endpoint — the library's scores for the same rows read from CSV, bit for bit — and exports
/// their histogram and the anomalous rows on /metrics; a model without one answers none.
#[test]
fn a_model_with_an_input_anomaly_detector_scores_every_row() {
    let bytes = anomaly_model();
    let dir = temp();
    let server = file_server(dir.path(), "penguins", bytes, |_| {});
    let addr = server.addr();
    // ROWS_CSV and one row far outside anything seen in training.
    let far = "Biscoe,95.0,40.0,400,25000,female,2009\n";
    let csv = format!("{ROWS_CSV}{far}");
    let want = library_anomaly_scores(bytes, &csv);
    let threshold = {
        let (h, _) =
            satori_pipeline::model_file::from_bytes(std::path::Path::new("m"), bytes).unwrap();
        h.input_anomaly.unwrap().threshold
    };
    assert!(
        want[5] > threshold && want[5] > want[..5].iter().cloned().fold(0.0, f64::max),
        "the far row is the most anomalous and flagged: {want:?} (threshold {threshold})"
    );

    // JSON rows.
    let mut rows = rows_json();
    rows.push(json!({"island": "Biscoe", "bill_length_mm": 95.0, "bill_depth_mm": 40.0,
                     "flipper_length_mm": 400, "body_mass_g": 25000, "sex": "female", "year": 2009}));
    let r = post_json(addr, "/predict", &json!({"rows": rows}));
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let got: Vec<f64> = body["anomaly_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, want);
    assert_eq!(body["anomaly_threshold"].as_f64(), Some(threshold));
    assert_eq!(body["predictions"].as_array().unwrap().len(), 6);

    // CSV in, CSV out: the two columns `satori predict --anomaly-score` writes.
    let r = request(
        addr,
        "POST",
        "/predict?proba=false",
        &[("Content-Type", "text/csv")],
        csv.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "prediction,anomaly_score,is_anomaly");
    for (line, w) in lines.zip(&want) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[1].parse::<f64>().unwrap(), *w);
        assert_eq!(cells[2], (*w > threshold).to_string());
    }

    // v2: an `anomaly_score` output, in the metadata too.
    let meta = get(addr, "/v2/models/penguins").json();
    assert!(
        meta["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "anomaly_score")
    );
    let r = post_json(
        addr,
        "/v2/models/penguins/infer",
        &json!({"inputs": [
            {"name": "island", "datatype": "BYTES", "shape": [1], "data": ["Biscoe"]},
            {"name": "bill_length_mm", "datatype": "FP64", "shape": [1], "data": [95.0]},
            {"name": "bill_depth_mm", "datatype": "FP64", "shape": [1], "data": [40.0]},
            {"name": "flipper_length_mm", "datatype": "FP64", "shape": [1], "data": [400]},
            {"name": "body_mass_g", "datatype": "FP64", "shape": [1], "data": [25000]},
            {"name": "sex", "datatype": "BYTES", "shape": [1], "data": ["female"]},
            {"name": "year", "datatype": "INT64", "shape": [1], "data": [2009]}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let out = r.json()["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "anomaly_score")
        .cloned()
        .expect("an anomaly_score output");
    assert_eq!(out["data"], json!([want[5]]));

    // Metrics: 6 + 6 + 1 rows scored, the far row anomalous each time (and any others the
    // library flags).
    let flagged = want.iter().filter(|&&w| w > threshold).count();
    let text = get(addr, "/metrics").text();
    let labels = r#"model="penguins",version="1""#;
    assert_eq!(
        series(&text, "satori_input_anomaly_score_count", labels),
        Some(13.0)
    );
    assert_eq!(
        series(&text, "satori_input_anomalous_rows_total", labels),
        Some((2 * flagged + 1) as f64)
    );
    assert_eq!(
        series(&text, "satori_input_anomaly_threshold", labels),
        Some(threshold)
    );
    server.shutdown().unwrap();

    // A model without a detector: no scores, no anomaly series.
    let plain = file_server(dir.path(), "plain", &models().v1, |_| {});
    let r = post_json(plain.addr(), "/predict", &json!({"rows": rows_json()}));
    assert_eq!(r.status, 200);
    assert!(r.json().get("anomaly_scores").is_none());
    assert!(
        !get(plain.addr(), "/metrics")
            .text()
            .contains("satori_input_anomaly")
    );
    plain.shutdown().unwrap();
}
