//! satori's side of bench/bench_isolation.py: fit an isolation forest (scikit-learn's defaults:
//! 100 trees, `max_samples="auto"`, `contamination="auto"`) on a matrix and score every row of it.
//!
//! ```text
//! cargo run --release -p satori-tree --example bench_isolation -- DATA.f64 ROWS COLS LABELS.u8 [SEED]
//! ```
//!
//! `DATA.f64` holds ROWS × COLS little-endian `f64` values, row-major; `LABELS.u8` one byte per
//! row (1 = injected anomaly). Prints one JSON line: `seconds` and `cpu_seconds` of fit + score
//! (reading the files is not timed), the ROC-AUC of the anomaly score against the labels, and
//! the share of rows flagged and the mean score.

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator};
use satori_metrics::roc_auc;
use satori_tree::IsolationForestParams;

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 && args.len() != 6 {
        return Err("usage: bench_isolation DATA.f64 ROWS COLS LABELS.u8 [SEED]".into());
    }
    let seed: u64 = args.get(5).map_or(Ok(0), |s| s.parse())?;
    let (rows, cols): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    let bytes = std::fs::read(&args[1])?;
    if bytes.len() != rows * cols * 8 {
        return Err(format!(
            "{} holds {} bytes, not {rows} × {cols} f64",
            args[1],
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    let labels: Vec<usize> = std::fs::read(&args[4])?
        .into_iter()
        .map(usize::from)
        .collect();
    let x = Array2::from_shape_vec((rows, cols), values)?;
    let names = (0..cols).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x, names)?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let forest = IsolationForestParams {
        seed,
        ..Default::default()
    }
    .fit(&data)?;
    let scores = forest.score_samples(data.x())?;
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let flagged = scores.iter().filter(|&&s| s < forest.offset()).count() as f64 / rows as f64;
    let auc = roc_auc(Array1::from(labels).view(), (-&scores).view(), 1, None)?;
    let mean_score = scores.mean().unwrap_or(f64::NAN);
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"auc\": {auc}, \"flagged\": {flagged}, \
         \"mean_score\": {mean_score}, \"threads\": {}}}",
        rayon::current_num_threads()
    );
    Ok(())
}
