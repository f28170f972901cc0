//! The satori side of bench/bench_update.py: update a boosting model on 10 % new rows instead of
//! retraining it on every row, and compare time and test AUC.
//!
//! Usage: `bench_update TRAIN.f64 TRAIN.u8 TEST.f64 TEST.u8 COLS TREES MODE NEW_FRACTION
//! ADD_ROUNDS PARENT`. The training rows' last `NEW_FRACTION` are the new rows; the parent model
//! is trained on the others (`TREES` rounds) once and kept in the file `PARENT` (postcard;
//! untimed). `MODE` is what is timed: `retrain` (`TREES` rounds on every training row, from
//! scratch), `add-trees` (`ADD_ROUNDS` more rounds on the new rows from the parent,
//! `continue_training`) or `refit` (the parent's leaf values refitted on the new rows, decay
//! 0.9). Prints one JSON line: `seconds` and `cpu_seconds` of the timed region (binning
//! included, reading excluded), the test `auc`, and the parent's `parent_auc`.

use std::time::Instant;

use ndarray::{Array1, Array2, s};
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

fn dataset(x: Array2<f64>, y: &[u8]) -> Dataset {
    let codes: Array1<usize> = y.iter().map(|&v| usize::from(v)).collect();
    let target = Target::classes(codes, vec!["0".into(), "1".into()]).expect("target");
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names)
        .expect("dataset")
        .with_target(target)
        .expect("target")
}

fn auc(scores: &[f64], y: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
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

fn test_auc(m: &GbmClassifier, xt: &Array2<f64>, yt: &[u8]) -> f64 {
    let p = m.predict_proba(xt.view()).expect("predict");
    auc(&p.column(1).to_vec(), yt)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    assert!(
        a.len() == 11,
        "usage: bench_update TRAIN.f64 TRAIN.u8 TEST.f64 TEST.u8 COLS TREES MODE NEW_FRACTION \
         ADD_ROUNDS PARENT"
    );
    let cols: usize = a[5].parse().expect("cols");
    let trees: usize = a[6].parse().expect("trees");
    let mode = a[7].as_str();
    let fraction: f64 = a[8].parse().expect("fraction");
    let add_rounds: usize = a[9].parse().expect("rounds");
    let parent_path = &a[10];
    let (x, y) = read(&a[1], &a[2], cols);
    let (xt, yt) = read(&a[3], &a[4], cols);
    let n = x.nrows();
    let n_old = n - (n as f64 * fraction).round() as usize;
    let params = GbmClassifierParams {
        n_estimators: trees,
        learning_rate: 0.1,
        num_leaves: 31,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    };
    let parent: GbmClassifier = if std::path::Path::new(parent_path).exists() {
        postcard::from_bytes(&std::fs::read(parent_path).expect("read parent")).expect("parent")
    } else {
        let old = dataset(x.slice(s![..n_old, ..]).to_owned(), &y[..n_old]);
        let m = params.fit(&old).expect("fit parent");
        let bytes = postcard::to_allocvec(&m).expect("encode parent");
        std::fs::write(parent_path, bytes).expect("write parent");
        m
    };
    let parent_auc = test_auc(&parent, &xt, &yt);
    let all = (mode == "retrain").then(|| dataset(x.clone(), &y));
    let new = dataset(x.slice(s![n_old.., ..]).to_owned(), &y[n_old..]);
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model = match mode {
        "retrain" => params
            .fit(all.as_ref().expect("all rows"))
            .expect("retrain"),
        "add-trees" => GbmClassifierParams {
            n_estimators: add_rounds,
            ..params.clone()
        }
        .continue_training(&parent, &new, None)
        .expect("add trees"),
        "refit" => params.refit(&parent, &new, 0.9).expect("refit"),
        other => panic!("unknown mode {other}: retrain, add-trees or refit"),
    };
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let auc = test_auc(&model, &xt, &yt);
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"auc\": {auc}, \"parent_auc\": \
         {parent_auc}, \"n_iter\": {}, \"new_rows\": {}}}",
        model.n_iter(),
        n - n_old
    );
}
