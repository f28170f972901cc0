//! `satori update` and `satori init` as a user runs them: the gate's decision and exit codes,
//! the lineage `satori inspect` shows, one-line errors, and the cold-start path end to end — a
//! served repository answers from a `satori init` baseline, `satori update --repository` writes
//! the next version, and the server swaps it in.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// SplitMix64, so the data needs no RNG crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Rows whose label follows `x1` and `x2` (turned by `theta` radians); `shuffle` permutes the
/// labels.
fn rows(seed: u64, n: usize, theta: f64, shuffle: bool) -> String {
    let mut rng = Mix(seed);
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..n {
        let x: Vec<f64> = (0..3).map(|_| rng.next() * 2.0 - 1.0).collect();
        let logit = 4.0 * (theta.cos() * x[0] + theta.sin() * x[1]) + 0.5 * x[2];
        labels.push(if rng.next() < 1.0 / (1.0 + (-logit).exp()) {
            "yes"
        } else {
            "no"
        });
        xs.push(x);
    }
    if shuffle {
        for i in (1..n).rev() {
            let j = ((rng.next() * (i + 1) as f64) as usize).min(i);
            labels.swap(i, j);
        }
    }
    let mut s = String::from("x1,x2,x3,y\n");
    for (x, l) in xs.iter().zip(labels) {
        s.push_str(&format!("{:.5},{:.5},{:.5},{l}\n", x[0], x[1], x[2]));
    }
    s
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn train_gbm(dir: &Path) -> String {
    let data = write(dir, "old.csv", &rows(1, 1500, 0.0, false));
    let model = dir.join("model.satori").display().to_string();
    let o = satori(&[
        "train",
        &data,
        "--target",
        "y",
        "--model",
        "gbm",
        "--set",
        "model.n_estimators=40",
        "--out",
        &model,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    model
}

#[test]
fn an_accepted_update_is_written_with_its_lineage_and_a_rejected_one_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = train_gbm(d);
    let new = write(d, "new.csv", &rows(2, 1500, 1.2, false));
    let gate = write(d, "gate.csv", &rows(3, 800, 1.2, false));
    let next = d.join("next.satori").display().to_string();
    let o = satori(&[
        "update", &model, &new, "--out", &next, "--valid", &gate, "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["accepted"], true);
    assert_eq!(j["gate"]["metric"], "roc_auc");
    assert!(j["gate"]["challenger"].as_f64().unwrap() > j["gate"]["champion"].as_f64().unwrap());
    assert!(
        j["lineage"]["parent_sha256"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let o = satori(&["inspect", &next]);
    let out = stdout(&o);
    assert!(out.contains("lineage   update 1 of"), "{out}");
    assert!(out.contains("gate      accepted: roc_auc"), "{out}");
    // A second update counts on.
    let next2 = d.join("next2.satori").display().to_string();
    let o = satori(&[
        "update",
        &next,
        &new,
        "--out",
        &next2,
        "--valid",
        &gate,
        "--mode",
        "refit",
        "--tolerance",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&satori(&["inspect", &next2])).contains("update 2 of"));

    // Shuffled labels: rejected, nothing written, exit 4; --keep-rejected keeps it.
    let bad = write(d, "bad.csv", &rows(4, 1500, 1.2, true));
    let out3 = d.join("bad.satori");
    let o = satori(&[
        "update",
        &next,
        &bad,
        "--out",
        out3.to_str().unwrap(),
        "--valid",
        &gate,
        "--mode",
        "refit",
        "--decay-rate",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("update rejected by the gate: roc_auc"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("rejected: nothing written"));
    assert!(!out3.exists());
    let kept = d.join("kept.satori");
    let o = satori(&[
        "update",
        &next,
        &bad,
        "--out",
        out3.to_str().unwrap(),
        "--valid",
        &gate,
        "--mode",
        "refit",
        "--decay-rate",
        "0",
        "--keep-rejected",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(!out3.exists());
    assert!(stdout(&satori(&["inspect", kept.to_str().unwrap()])).contains("gate      rejected"));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = train_gbm(d);
    let next = d.join("next.satori").display().to_string();
    let renamed = write(
        d,
        "renamed.csv",
        &rows(2, 300, 0.0, false).replacen("x3", "x9", 1),
    );
    let o = satori(&["update", &model, &renamed, "--out", &next]);
    assert_user_error(&o, &["x3", "x9"]);
    let new = write(d, "new.csv", &rows(2, 300, 0.0, false));
    let unlabelled: String = rows(3, 100, 0.0, false)
        .lines()
        .map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0))
        .collect();
    let gate = write(d, "gate.csv", &unlabelled);
    let o = satori(&["update", &model, &new, "--out", &next, "--valid", &gate]);
    assert_user_error(&o, &["gate.csv has no column `y`"]);
    let o = satori(&["update", &model, &new, "--out", &next, "--mode", "window"]);
    assert_user_error(
        &o,
        &["window does not apply", "--mode add-trees or --mode refit"],
    );
    let o = satori(&["update", &model, &new, "--out", &next, "--mode", "sideways"]);
    assert_user_error(&o, &["unknown mode `sideways`"]);
    let o = satori(&["update", &model, &new, "--out", &model]);
    assert_user_error(&o, &["--out"]);
    assert!(!Path::new(&next).exists());
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

#[test]
fn a_cold_start_baseline_serves_until_an_accepted_update_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let schema = write(
        d,
        "schema.toml",
        "[columns]\nx1 = \"numeric\"\nx2 = \"numeric\"\nx3 = \"numeric\"\n",
    );
    let repo = d.join("models");
    let folder = repo.join("churn");
    std::fs::create_dir_all(&folder).unwrap();
    let v1 = folder.join("1.satori");
    let o = satori(&[
        "init",
        "--schema",
        &schema,
        "--target",
        "y",
        "--classes",
        "yes,no",
        "--priors",
        "0.1,0.9",
        "--out",
        v1.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let info = stdout(&satori(&["inspect", v1.to_str().unwrap()]));
    assert!(
        info.contains("dummy_classifier") && info.contains("trained   on 0 rows"),
        "{info}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_satori"))
        .args([
            "serve",
            "--repository",
            repo.to_str().unwrap(),
            "--port",
            "0",
            "--poll-interval",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("the server listens").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    let _server = Server(child);
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    let request =
        r#"{"rows": [{"x1": 0.9, "x2": 0.1, "x3": 0.0}, {"x1": -0.9, "x2": -0.1, "x3": 0.0}]}"#;
    let (status, body) = post(addr, "/predict?model=churn", request);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["version"], "1");
    assert_eq!(v["predictions"], serde_json::json!(["no", "no"]));
    assert_eq!(v["probabilities"][0], serde_json::json!([0.9, 0.1]));

    // The first labelled rows: the update (a retrain for a baseline) passes the gate and becomes
    // version 2.
    let first = write(d, "first_week.csv", &rows(5, 1500, 0.0, false));
    let o = satori(&["update", "--repository", folder.to_str().unwrap(), &first]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("retrain (gbm)"), "{}", stdout(&o));
    assert!(folder.join("2.satori").exists());
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = loop {
        let (_, body) = post(addr, "/predict?model=churn", request);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if v["version"] == "2" {
            break v;
        }
        assert!(Instant::now() < deadline, "version 2 never served: {body}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(answer["predictions"], serde_json::json!(["yes", "no"]));
    // A bad batch is rejected: no version 3, version 2 keeps serving.
    let bad = write(d, "bad.csv", &rows(6, 1500, 0.0, true));
    // Judged on a trusted gate file: the shuffled labels lose.
    let gate = write(d, "gate.csv", &rows(7, 800, 0.0, false));
    let o = satori(&[
        "update",
        "--repository",
        folder.to_str().unwrap(),
        &bad,
        "--mode",
        "refit",
        "--decay-rate",
        "0",
        "--valid",
        &gate,
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(!folder.join("3.satori").exists());
    let (_, body) = post(addr, "/predict?model=churn", request);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["version"], "2", "{body}");
    let info = stdout(&satori(&[
        "inspect",
        folder.join("2.satori").to_str().unwrap(),
    ]));
    assert!(info.contains("1.satori"), "{info}");
}

#[test]
fn init_refuses_what_cannot_make_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let schema = write(d, "schema.toml", "[columns]\nx1 = \"numeric\"\n");
    let out = d.join("m.satori");
    let out = out.to_str().unwrap();
    let o = satori(&[
        "init",
        "--schema",
        &schema,
        "--target",
        "y",
        "--classes",
        "a,b",
        "--priors",
        "0.5",
        "--out",
        out,
    ]);
    assert_user_error(&o, &["one prior per class"]);
    let o = satori(&[
        "init",
        "--schema",
        &schema,
        "--target",
        "x1",
        "--classes",
        "a,b",
        "--out",
        out,
    ]);
    assert_user_error(&o, &["target `x1`"]);
    let o = satori(&[
        "init",
        "--schema",
        &schema,
        "--target",
        "y",
        "--classes",
        "a",
        "--out",
        out,
    ]);
    assert_user_error(&o, &["at least two classes"]);
    let o = satori(&[
        "init",
        "--schema",
        &schema,
        "--target",
        "y",
        "--constant",
        "-2.5",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&satori(&["inspect", out])).contains("dummy_regressor"));
}
