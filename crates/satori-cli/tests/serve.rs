//! `satori serve` as a child process: it answers the same rows as `satori predict` with the same
//! predictions and probabilities (CSV byte for byte, JSON value for value), and SIGTERM drains
//! and exits 0.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
    );
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, raw[split + 4..].to_vec())
}

/// Kill the server if a test fails before stopping it.
struct Server(Child, SocketAddr);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Server, std::thread::JoinHandle<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_satori"))
        .arg("serve")
        .args(args)
        .args(["--port", "0", "--poll-interval", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("satori serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let addr = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the server exited before listening: {seen}"))
            .unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .parse::<SocketAddr>()
                .unwrap();
        }
    };
    // Keep reading standard error so the server never blocks on it; hand it back at the end.
    let rest = std::thread::spawn(move || {
        let mut text = seen;
        for line in lines.map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(addr, "GET", "/v2/health/ready", "text/plain", b"").0 != 200 {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Server(child, addr), rest)
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn the_server_answers_exactly_as_satori_predict_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("penguins.satori");
    let model = model.to_str().unwrap();
    let o = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "gbm",
        "--set",
        "model.n_estimators=20",
        "--out",
        model,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let preds = dir.path().join("preds.csv");
    let o = satori(&[
        "predict",
        model,
        &data("palmer_penguins.csv"),
        "--proba",
        "--out",
        preds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = std::fs::read(&preds).unwrap();

    let (server, log) = start(&[model]);
    let addr = server.1;
    // CSV in, CSV out: byte for byte the file `satori predict --proba` wrote.
    let input = std::fs::read(data("palmer_penguins.csv")).unwrap();
    let (status, body) = http(addr, "POST", "/predict", "text/csv", &input);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        String::from_utf8_lossy(&body),
        String::from_utf8_lossy(&expected)
    );

    // JSON rows: the same labels and probabilities (as numbers) for every row.
    let text = String::from_utf8_lossy(&input).into_owned();
    let table = csv_rows(&text);
    let header = &table[0];
    let rows: Vec<serde_json::Value> = table[1..]
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (k, v) in header.iter().zip(r) {
                if k == "species" {
                    continue;
                }
                let value = match v.parse::<f64>() {
                    _ if v.is_empty() || v == "NA" => serde_json::Value::Null,
                    Ok(x) => serde_json::json!(x),
                    Err(_) => serde_json::json!(v),
                };
                o.insert(k.clone(), value);
            }
            serde_json::Value::Object(o)
        })
        .collect();
    let body = serde_json::json!({ "rows": rows }).to_string();
    let (status, answer) = http(
        addr,
        "POST",
        "/predict",
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    let want = csv_rows(&String::from_utf8_lossy(&expected));
    assert_eq!(want.len() - 1, rows.len());
    for (i, w) in want[1..].iter().enumerate() {
        assert_eq!(answer["predictions"][i], w[0].as_str(), "row {i}");
        let got: Vec<f64> = answer["probabilities"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        // The file's numbers read exactly, then through JSON text and serde_json's parser as
        // the server's answer was (without `float_roundtrip` it may land one ulp away).
        let exact: Vec<f64> = w[1..].iter().map(|x| x.parse().unwrap()).collect();
        let want_p: Vec<f64> =
            serde_json::from_str(&serde_json::to_string(&exact).unwrap()).unwrap();
        assert_eq!(got, want_p, "row {i}");
    }

    // SIGTERM: drains and exits 0.
    let mut server = server;
    let pid = server.0.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = log.join().unwrap();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("serving model `penguins` version 1"), "{log}");
    assert!(
        log.contains("management endpoints (load, unload, route) are disabled"),
        "{log}"
    );
    assert!(log.contains("draining"), "{log}");
}

#[test]
fn bad_serve_arguments_are_one_line_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.satori");
    assert_user_error(
        &satori(&["serve", missing.to_str().unwrap()]),
        &["missing.satori"],
    );
    assert_user_error(
        &satori(&["serve", "--repository", dir.path().to_str().unwrap()]),
        &["holds no model"],
    );
    let not_model = dir.path().join("notes.satori");
    std::fs::write(&not_model, "hello").unwrap();
    assert_user_error(
        &satori(&["serve", not_model.to_str().unwrap()]),
        &["notes.satori"],
    );
    assert_user_error(
        &satori(&["serve", not_model.to_str().unwrap(), "--max-body", "lots"]),
        &["--max-body"],
    );
    let o = satori(&["serve", "--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("satori serve --repository models/"));
}
