//! satori's side of `bench/bench_text_train.py`: train a text classifier on a CSV with a free-text
//! column, a numeric column and a label — the whole `satori train` flow (TF-IDF of the text column,
//! automatic preprocessing of the numeric one, a stratified 20% holdout, sparse logistic
//! regression, holdout scores).
//!
//! ```text
//! cargo run --release -p satori-pipeline --example bench_text_train -- DATA.csv [MODEL]
//! ```
//!
//! A `.svm` file is read as LIBSVM with its features kept sparse (`--sparse`), the label column
//! `label`, for `bench/bench_libsvm_train.py`. Reading the file is not timed. The last line
//! printed is a JSON report: `seconds` and `cpu_seconds` (training and scoring the holdout), the
//! holdout accuracy and ROC-AUC, the number of model columns, the model and its summary.

use std::time::Instant;

use satori_core::NoProgress;
use satori_data::{ReadOptions, TargetSpec, read_table};
use satori_workflow::{TrainRequest, train};

/// Process CPU seconds (user + system, all threads) so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, model) = match args.as_slice() {
        [_, path] => (path.clone(), "logistic".to_string()),
        [_, path, model] => (path.clone(), model.clone()),
        _ => return Err("usage: bench_text_train DATA.csv [MODEL]".into()),
    };
    let opts = ReadOptions {
        sparse: path.ends_with(".svm").then_some(true),
        ..ReadOptions::default()
    };
    let table = read_table(std::path::Path::new(&path), &opts)?;
    let mut request = TrainRequest::new(TargetSpec {
        name: "label".into(),
        task: None,
    });
    request.model = model.clone();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let out = train(&table, &request, &NoProgress)?;
    let seconds = t.elapsed().as_secs_f64();
    let cpu_seconds = cpu_seconds() - cpu;
    let metrics = &out.evaluation().ok_or("no holdout")?.metrics;
    let terms = out.pipeline.model().n_features();
    let report = serde_json::json!({
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "accuracy": metrics["accuracy"],
        "roc_auc": metrics.get("roc_auc").copied().unwrap_or(f64::NAN),
        "n_features": terms,
        "model": out.pipeline.model().kind(),
        "summary": out.header.model_summary,
    });
    println!("{report}");
    Ok(())
}
