//! Times ROC-AUC, average precision and log loss on binary scores read from raw files, for
//! `bench/metrics/run.sh`.
//!
//! Usage: `bench_metrics <dir>` where `<dir>` holds `labels.u8` (one byte per sample, 0 or 1),
//! `scores.f64` and `proba.f64` (little-endian f64). Prints one line per metric:
//! `<name> <seconds> <value>`.

use std::path::Path;
use std::time::Instant;

use ndarray::Array1;

fn read_f64(path: &Path) -> Result<Array1<f64>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() % 8 != 0 {
        return Err(format!("{}: length is not a multiple of 8", path.display()));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect())
}

fn main() -> Result<(), String> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: bench_metrics <data dir>")?;
    let dir = Path::new(&dir);
    let labels = std::fs::read(dir.join("labels.u8")).map_err(|e| e.to_string())?;
    let y: Array1<usize> = labels.iter().map(|&b| usize::from(b)).collect();
    let scores = read_f64(&dir.join("scores.f64"))?;
    let proba = read_f64(&dir.join("proba.f64"))?;
    let time = |name: &str, f: &dyn Fn() -> satori_core::Result<f64>| -> Result<(), String> {
        let start = Instant::now();
        let v = f().map_err(|e| format!("{name}: {e}"))?;
        println!("{name} {:.6} {v:.17e}", start.elapsed().as_secs_f64());
        Ok(())
    };
    time("roc_auc", &|| {
        satori_metrics::roc_auc(y.view(), scores.view(), 1, None)
    })?;
    time("average_precision", &|| {
        satori_metrics::average_precision(y.view(), scores.view(), 1, None)
    })?;
    time("log_loss", &|| {
        satori_metrics::log_loss_binary(y.view(), proba.view(), None)
    })?;
    Ok(())
}
