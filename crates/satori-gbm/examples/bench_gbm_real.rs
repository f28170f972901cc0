//! The satori side of bench/bench_gbm_real.py: train a GbmClassifier on a real dataset with
//! categorical columns and missing values (exported by bench/real_data.py) and report the
//! training time alone, then test AUC and batch prediction time.
//!
//! Usage: `bench_gbm_real STEM THREADS TREES`, where `STEM_{train,test}.{f64,u8}` are the
//! row-major float64 features (categorical columns as integer codes, missing = NaN) and uint8
//! labels, and `STEM.meta.json` lists the columns with their categories (`null` for numeric).
//! The schema marks the categorical columns, so the GBM splits them natively. Prints one JSON
//! line: `seconds` and `cpu_seconds` of `fit` (binning included, reading excluded), `auc`,
//! `predict_seconds` (predict_proba on the test rows), `n_iter`.

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, PredictProba, Schema, Target};
use satori_gbm::{EarlyStopping, GbmClassifierParams};

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// The feature schema from `STEM.meta.json`: numeric columns, or categorical with their list.
fn schema(path: &str) -> Schema {
    let text = std::fs::read_to_string(path).expect("read meta.json");
    let meta: serde_json::Value = serde_json::from_str(&text).expect("parse meta.json");
    let columns = meta["columns"]
        .as_array()
        .expect("meta.json: columns")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("column name").to_string();
            let kind = match c["categories"].as_array() {
                Some(cats) => ColumnKind::Categorical {
                    categories: cats
                        .iter()
                        .map(|v| v.as_str().expect("category").to_string())
                        .collect(),
                },
                None => ColumnKind::Numeric,
            };
            ColumnSchema { name, kind }
        })
        .collect();
    Schema::new(columns).expect("schema")
}

fn read(stem: &str, part: &str, cols: usize) -> (Array2<f64>, Vec<u8>) {
    let bytes = std::fs::read(format!("{stem}_{part}.f64")).expect("read features");
    let vals: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let rows = vals.len() / cols;
    let x = Array2::from_shape_vec((rows, cols), vals).expect("shape");
    let y = std::fs::read(format!("{stem}_{part}.u8")).expect("read labels");
    assert_eq!(y.len(), rows, "labels and rows differ");
    (x, y)
}

fn auc(scores: &[f64], y: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks over ties, then the Mann-Whitney statistic.
    let mut rank = vec![0.0; scores.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        idx[i..=j].iter().for_each(|&k| rank[k] = r);
        i = j + 1;
    }
    let pos = y.iter().filter(|&&v| v == 1).count() as f64;
    let neg = y.len() as f64 - pos;
    let sum: f64 = (0..y.len()).filter(|&k| y[k] == 1).map(|k| rank[k]).sum();
    (sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    assert!(a.len() == 4, "usage: bench_gbm_real STEM THREADS TREES");
    let stem = &a[1];
    let threads: usize = a[2].parse().expect("threads");
    let trees: usize = a[3].parse().expect("trees");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("thread pool");
    let features = schema(&format!("{stem}.meta.json"));
    let cols = features.len();
    let n_categorical = features
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Categorical { .. }))
        .count();
    let (x, y) = read(stem, "train", cols);
    let (xt, yt) = read(stem, "test", cols);
    let codes: Array1<usize> = y.iter().map(|&v| usize::from(v)).collect();
    let target = Target::classes(codes, vec!["0".into(), "1".into()]).expect("target");
    let data = Dataset::with_schema(x, features)
        .expect("dataset")
        .with_target(target)
        .expect("target");
    let params = GbmClassifierParams {
        n_estimators: trees,
        learning_rate: 0.1,
        num_leaves: 31,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    };
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model = params.fit(&data).expect("fit");
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    drop(data);
    let t = Instant::now();
    let proba = model.predict_proba(xt.view()).expect("predict");
    let predict_seconds = t.elapsed().as_secs_f64();
    let scores: Vec<f64> = proba.column(1).to_vec();
    let auc = auc(&scores, &yt);
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"auc\": {auc}, \"predict_seconds\": \
         {predict_seconds}, \"n_iter\": {}, \"categorical_columns\": {n_categorical}}}",
        model.n_iter()
    );
}
