//! Test helpers: models trained once per test binary, a real server on a loopback port, and a
//! small HTTP/1.1 client over `std::net::TcpStream` (so a test can also send half a request or
//! garbage, which a full client would not).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use satori_core::NoProgress;
use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
use satori_pipeline::model_file;
use satori_serve::{ServeConfig, Server, SourceSpec};
use satori_workflow::train::{TrainRequest, train};

/// The penguins data set (categorical and numeric columns, missing values).
pub fn penguins_csv() -> String {
    satori_data::bundled::get("palmer_penguins")
        .expect("bundled penguins")
        .csv
        .to_string()
}

/// A few penguin rows without the target, some with missing values and an unseen island.
pub const ROWS_CSV: &str = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
Torgersen,39.1,18.7,181,3750,male,2007\n\
Biscoe,47.5,15.0,218,4950,female,2009\n\
Dream,,18.1,,3500,,2008\n\
Atlantis,45.0,16.0,200,4000,male,2008\n\
Dream,49.0,19.5,210,3950,male,2009\n";

/// Train a model on the penguins and return its file bytes.
fn train_bytes(target: &str, n_estimators: u32) -> Vec<u8> {
    let table = read_csv_bytes(
        "penguins.csv",
        penguins_csv().as_bytes(),
        &ReadOptions::default(),
    )
    .expect("penguins read");
    let mut request = TrainRequest::new(TargetSpec {
        name: target.into(),
        task: None,
    });
    request.model = "gbm".into();
    request.overrides = vec![
        ("model.n_estimators".into(), n_estimators.to_string()),
        ("model.num_leaves".into(), "7".into()),
    ];
    let out = train(&table, &request, &NoProgress).expect("train");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.satori");
    model_file::save(&path, &out.header, &out.pipeline).expect("save");
    std::fs::read(&path).expect("read model")
}

/// Model files trained once: `species` classifiers with 10 and 30 trees, and a `body_mass_g`
/// regressor.
pub struct Models {
    pub v1: Vec<u8>,
    pub v2: Vec<u8>,
    pub regressor: Vec<u8>,
}

pub fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| Models {
        v1: train_bytes("species", 10),
        v2: train_bytes("species", 30),
        regressor: train_bytes("body_mass_g", 10),
    })
}

/// A `species` classifier whose file carries an input anomaly detector (an isolation forest on
/// the training rows after preprocessing, 5% contamination), trained once per test binary.
pub fn anomaly_model() -> &'static [u8] {
    static MODEL: OnceLock<Vec<u8>> = OnceLock::new();
    MODEL.get_or_init(|| {
        let table = read_csv_bytes(
            "penguins.csv",
            penguins_csv().as_bytes(),
            &ReadOptions::default(),
        )
        .expect("penguins read");
        let mut request = TrainRequest::new(TargetSpec {
            name: "species".into(),
            task: None,
        });
        request.model = "gbm".into();
        request.overrides = vec![
            ("model.n_estimators".into(), "10".into()),
            ("model.num_leaves".into(), "7".into()),
        ];
        request.anomaly_detector = Some(
            serde_json::from_value(serde_json::json!({"contamination": 0.05, "n_estimators": 50}))
                .expect("isolation forest params"),
        );
        let out = train(&table, &request, &NoProgress).expect("train");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.satori");
        model_file::save(&path, &out.header, &out.pipeline).expect("save");
        std::fs::read(&path).expect("read model")
    })
}

/// The input anomaly scores the library gives `csv`'s rows with the model file `bytes`, read as
/// `satori predict` reads a file.
pub fn library_anomaly_scores(bytes: &[u8], csv: &str) -> Vec<f64> {
    let (header, pipeline) = model_file::from_bytes(Path::new("m.satori"), bytes).expect("model");
    let opts = pipeline.read_options(ReadOptions::default());
    let table = read_csv_bytes("rows.csv", csv.as_bytes(), &opts).expect("rows");
    header
        .input_anomaly
        .expect("a detector")
        .score_table(&pipeline, &table)
        .expect("scores")
        .scores
}

/// Write `bytes` to `path` atomically (temp file + rename), as a deployment would.
pub fn put(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A config for a test server on a free loopback port.
pub fn config(source: SourceSpec) -> ServeConfig {
    let mut c = ServeConfig::new(source);
    c.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    c.poll_interval = None;
    c.threads = 2;
    c
}

/// A single-model server on `bytes` saved as `<dir>/<name>.satori`.
pub fn file_server(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    edit: impl FnOnce(&mut ServeConfig),
) -> Server {
    let path = dir.join(format!("{name}.satori"));
    put(&path, bytes);
    let mut c = config(SourceSpec::File { path, name: None });
    edit(&mut c);
    Server::start(c).expect("server starts")
}

/// The answer to a request.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Send one request (`Connection: close`) and read the whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

/// Read an HTTP/1.1 response to the end of the connection.
pub fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..eol])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], b"")
}

pub fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> Resp {
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

pub fn admin(addr: SocketAddr, path: &str, token: &str, body: &serde_json::Value) -> Resp {
    let auth = format!("Bearer {token}");
    request(
        addr,
        "POST",
        path,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body.to_string().as_bytes(),
    )
}

/// The library's predictions for `csv` with the model file `bytes`, read as `satori predict`
/// reads a file: (labels, probabilities).
pub fn library_predictions(bytes: &[u8], csv: &str) -> (Vec<String>, Option<Vec<Vec<f64>>>) {
    let (_, pipeline) = model_file::from_bytes(Path::new("m.satori"), bytes).expect("model");
    let opts = pipeline.read_options(ReadOptions::default());
    let table = read_csv_bytes("rows.csv", csv.as_bytes(), &opts).expect("rows");
    let p = pipeline.predict_table(&table).expect("predict");
    let labels = (0..p.len()).map(|i| p.label(i)).collect();
    let proba = p
        .proba
        .map(|m| m.rows().into_iter().map(|r| r.to_vec()).collect());
    (labels, proba)
}

/// The rows of [`ROWS_CSV`] as JSON objects (numbers as numbers, empty cells as null).
pub fn rows_json() -> Vec<serde_json::Value> {
    let mut lines = ROWS_CSV.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let mut o = serde_json::Map::new();
            for (k, v) in header.iter().zip(l.split(',')) {
                let value = if v.is_empty() {
                    serde_json::Value::Null
                } else if let Ok(x) = v.parse::<f64>() {
                    serde_json::json!(x)
                } else {
                    serde_json::json!(v)
                };
                o.insert(k.to_string(), value);
            }
            serde_json::Value::Object(o)
        })
        .collect()
}

/// Poll `f` until it is true (up to a generous minute on a loaded machine).
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for: {what}");
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

pub fn pathbuf(p: &Path) -> PathBuf {
    p.to_path_buf()
}
