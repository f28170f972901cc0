//! The satori side of bench/bench_gbm.py: train a GbmClassifier on raw row-major float64 files
//! and report the training time alone, then batch and single-row prediction times and test AUC.
//!
//! Usage: `bench_gbm TRAIN.f64 TRAIN.u8 TEST.f64 TEST.u8 COLS THREADS TREES`. Prints one JSON
//! line: `seconds` and `cpu_seconds` of `fit` (binning included, reading excluded), `auc`,
//! `predict_seconds` (predict_proba on the test rows), `single_row_us` (mean latency of
//! `predict_proba_one` over the first 20 000 test rows), `single_row_into_us` (the same with
//! `predict_proba_one_into`, which writes into a caller's buffer).
//!
//! For timing prediction alone: `BENCH_GBM_MODEL=PATH` loads the fitted model from PATH
//! (postcard) when it exists, instead of training (`seconds` is then 0), and saves it there
//! after training otherwise; `BENCH_GBM_REPS=N` (default 1) repeats the batch and the
//! single-row timings N times and reports the fastest of each.

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Target};
use satori_gbm::{EarlyStopping, GbmClassifier, GbmClassifierParams};

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn read(path: &str, labels: &str, cols: usize) -> (Array2<f64>, Vec<u8>) {
    let bytes = std::fs::read(path).expect("read features");
    let vals: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let rows = vals.len() / cols;
    let x = Array2::from_shape_vec((rows, cols), vals).expect("shape");
    let y = std::fs::read(labels).expect("read labels");
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
    assert!(
        a.len() == 8,
        "usage: bench_gbm TRAIN.f64 TRAIN.u8 TEST.f64 TEST.u8 COLS THREADS TREES"
    );
    let cols: usize = a[5].parse().expect("cols");
    let threads: usize = a[6].parse().expect("threads");
    let trees: usize = a[7].parse().expect("trees");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("thread pool");
    let (x, y) = read(&a[1], &a[2], cols);
    let (xt, yt) = read(&a[3], &a[4], cols);
    let codes: Array1<usize> = y.iter().map(|&v| usize::from(v)).collect();
    let target = Target::classes(codes, vec!["0".into(), "1".into()]).expect("target");
    let names = (0..cols).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x, names)
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
    let saved = std::env::var("BENCH_GBM_MODEL").ok();
    let reps: usize = std::env::var("BENCH_GBM_REPS").map_or(1, |v| v.parse().expect("reps"));
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model: GbmClassifier = match &saved {
        Some(p) if std::path::Path::new(p).exists() => {
            postcard::from_bytes(&std::fs::read(p).expect("read model")).expect("model")
        }
        _ => params.fit(&data).expect("fit"),
    };
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    if let Some(p) = &saved {
        let bytes = postcard::to_allocvec(&model).expect("encode model");
        std::fs::write(p, bytes).expect("write model");
    }
    drop(data);
    let mut predict_seconds = f64::INFINITY;
    let mut proba = None;
    for _ in 0..reps {
        let t = Instant::now();
        proba = Some(model.predict_proba(xt.view()).expect("predict"));
        predict_seconds = predict_seconds.min(t.elapsed().as_secs_f64());
    }
    let proba = proba.expect("at least one repetition");
    let scores: Vec<f64> = proba.column(1).to_vec();
    let auc = auc(&scores, &yt);
    let n1 = xt.nrows().min(20_000);
    let rows: Vec<Vec<f64>> = (0..n1).map(|i| xt.row(i).to_vec()).collect();
    let mut sink = 0.0;
    let (mut single_row_us, mut single_row_into_us) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        let t = Instant::now();
        for r in &rows {
            sink += model.predict_proba_one(r).expect("row")[1];
        }
        single_row_us = single_row_us.min(t.elapsed().as_secs_f64() / n1 as f64 * 1e6);
        let mut buf = [0.0; 2];
        let t = Instant::now();
        for r in &rows {
            model.predict_proba_one_into(r, &mut buf).expect("row");
            sink += buf[1];
        }
        single_row_into_us = single_row_into_us.min(t.elapsed().as_secs_f64() / n1 as f64 * 1e6);
    }
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"auc\": {auc}, \"predict_seconds\": \
         {predict_seconds}, \"single_row_us\": {single_row_us}, \
         \"single_row_into_us\": {single_row_into_us}, \"n_iter\": {}, \"checksum\": {sink}}}",
        model.n_iter()
    );
}
