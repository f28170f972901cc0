//! satori's side of bench/bench_forest.py: fit a random forest classifier (scikit-learn's
//! defaults: 100 trees, `max_features = "sqrt"`, bootstrap) on a training matrix, predict the
//! test rows, and print one JSON line with the fit time (wall and process CPU seconds, the data
//! reading excluded), the test accuracy and ROC AUC; then the fastest of 5 `predict_proba`
//! calls on the test rows, the size of the forest as stored (postcard) and the time to read it
//! back.
//!
//! ```text
//! cargo run --release -p satori-tree --example bench_forest -- \
//!     TRAIN.f64 ROWS COLS TRAIN.u8 TEST.f64 TEST_ROWS TEST.u8 [N_ESTIMATORS] [SEED]
//! ```
//!
//! The matrices are row-major little-endian f64, the labels one byte (0 or 1) per row.

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, PredictProba, Target};
use satori_metrics::{accuracy, roc_auc};
use satori_tree::RandomForestClassifierParams;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own; RUSAGE_SELF is always valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn read_matrix(
    path: &str,
    rows: usize,
    cols: usize,
) -> Result<Array2<f64>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() != rows * cols * 8 {
        return Err(format!(
            "{path} holds {} bytes, not {rows} × {cols} f64",
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    Ok(Array2::from_shape_vec((rows, cols), values)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 8 {
        return Err(
            "usage: bench_forest TRAIN.f64 ROWS COLS TRAIN.u8 TEST.f64 TEST_ROWS TEST.u8 \
                    [N_ESTIMATORS] [SEED]"
                .into(),
        );
    }
    let (rows, cols, test_rows): (usize, usize, usize) =
        (args[2].parse()?, args[3].parse()?, args[6].parse()?);
    let n_estimators: usize = args.get(8).map_or(Ok(100), |s| s.parse())?;
    let seed: u64 = args.get(9).map_or(Ok(0), |s| s.parse())?;
    let x = read_matrix(&args[1], rows, cols)?;
    let y: Array1<usize> = std::fs::read(&args[4])?
        .into_iter()
        .map(usize::from)
        .collect();
    let x_test = read_matrix(&args[5], test_rows, cols)?;
    let y_test: Array1<usize> = std::fs::read(&args[7])?
        .into_iter()
        .map(usize::from)
        .collect();
    let names = (0..cols).map(|j| format!("f{j}")).collect();
    let data =
        Dataset::new(x, names)?.with_target(Target::classes(y, vec!["0".into(), "1".into()])?)?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let forest = RandomForestClassifierParams {
        n_estimators,
        seed,
        ..Default::default()
    }
    .fit(&data)?;
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let mut predict_times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let p = forest.predict_proba(x_test.view())?;
        predict_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(p);
    }
    predict_times.sort_by(f64::total_cmp);
    let proba = forest.predict_proba(x_test.view())?;
    let nodes: usize = forest.trees().iter().map(|t| t.n_nodes()).sum();
    // The stored form, read back with the fitted forest dropped first, so that the process's
    // peak memory is the fit's or one forest and its bytes, never two forests.
    let bytes = postcard::to_allocvec(&forest)?;
    drop(forest);
    let t = Instant::now();
    let back: satori_tree::ForestClassifier = postcard::from_bytes(&bytes)?;
    let decode_seconds = t.elapsed().as_secs_f64();
    if back.predict_proba(x_test.view())? != proba {
        return Err("the forest read back predicts other probabilities".into());
    }
    let pred: Array1<usize> = proba
        .rows()
        .into_iter()
        .map(|r| usize::from(r[1] > r[0]))
        .collect();
    let acc = accuracy(y_test.view(), pred.view(), 2, None)?;
    let auc = roc_auc(y_test.view(), proba.column(1), 1, None)?;
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"accuracy\": {acc}, \"auc\": {auc}, \
         \"nodes\": {nodes}, \"threads\": {}, \"predict_seconds\": {}, \"stored_bytes\": {}, \
         \"decode_seconds\": {decode_seconds}}}",
        rayon::current_num_threads(),
        predict_times[0],
        bytes.len()
    );
    Ok(())
}
