//! satori's side of `bench/bench_shap.py`: SHAP values of a saved model, timed in-process.
//!
//! ```text
//! cargo run --release -p satori-explain --example shap_bench -- MODEL DATA.csv MODE [ROWS]
//! ```
//!
//! `MODE` is `batch` (TreeSHAP over every row of DATA: the model and the data are loaded untimed,
//! `explain` is timed), `one` (the median time of explaining a one-row table, over ROWS calls
//! cycling through DATA's first ROWS rows) or `kernel` (KernelSHAP of the first ROWS rows, with DATA's first
//! 100 rows as the background, as shap's KernelExplainer is run). Prints one JSON line:
//! `seconds` (the timed region), `cpu_seconds`, `rows`, and checksums of the values (Σ φ and
//! Σ |φ|) so that the harness can compare them with the peers'.

use std::time::Instant;

use satori_data::ReadOptions;
use satori_explain::{ExplainParams, Method, RowRange, explain};
use satori_pipeline::model_file;

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
    if args.len() < 4 {
        return Err("usage: shap_bench MODEL DATA.csv batch|one|kernel [ROWS]".into());
    }
    let (_, pipeline) = model_file::load(std::path::Path::new(&args[1]))?;
    let opts = pipeline.read_options(ReadOptions::default());
    let table = satori_data::read_table(std::path::Path::new(&args[2]), &opts)?;
    let n = table.n_rows();
    let count: usize = args.get(4).map_or(Ok(1000), |s| s.parse())?;
    let mut params = ExplainParams {
        method: Method::Tree,
        ..ExplainParams::default()
    };
    let (seconds, cpu, values) = match args[3].as_str() {
        "batch" => {
            let (w, c) = (Instant::now(), cpu_seconds());
            let e = explain(&pipeline, &table, None, &params)?;
            (
                w.elapsed().as_secs_f64(),
                cpu_seconds() - c,
                e.values.iter().copied().collect::<Vec<f64>>(),
            )
        }
        "one" => {
            // One-row tables, cut untimed: the timed call is what a server does per request.
            let singles = (0..count.min(n))
                .map(|i| table.select_rows(&[i]))
                .collect::<satori_core::Result<Vec<_>>>()?;
            let mut times = Vec::with_capacity(count);
            let mut values = Vec::new();
            let c = cpu_seconds();
            for i in 0..count {
                let w = Instant::now();
                let e = explain(&pipeline, &singles[i % singles.len()], None, &params)?;
                times.push(w.elapsed().as_secs_f64());
                if i < singles.len() {
                    values.extend(e.values.iter().copied());
                }
            }
            times.sort_by(f64::total_cmp);
            (times[times.len() / 2], cpu_seconds() - c, values)
        }
        "kernel" => {
            params.method = Method::Kernel;
            params.rows = RowRange {
                start: 0,
                end: Some(count.min(n)),
            };
            let bg_rows: Vec<usize> = (0..n.min(100)).collect();
            let background = table.select_rows(&bg_rows)?;
            let (w, c) = (Instant::now(), cpu_seconds());
            let e = explain(&pipeline, &table, Some(&background), &params)?;
            (
                w.elapsed().as_secs_f64(),
                cpu_seconds() - c,
                e.values.iter().copied().collect::<Vec<f64>>(),
            )
        }
        other => return Err(format!("unknown mode {other:?}").into()),
    };
    let sum: f64 = values.iter().sum();
    let abs: f64 = values.iter().map(|v| v.abs()).sum();
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu}, \"rows\": {n}, \"sum\": {sum}, \
         \"abs_sum\": {abs}}}"
    );
    Ok(())
}
