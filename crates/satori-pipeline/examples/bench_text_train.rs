//! satori's side of `bench/bench_text_train.py`: train a text classifier on a CSV with a free-text
//! column, a numeric column and a label — the whole `satori train` flow (TF-IDF of the text column,
//! automatic preprocessing of the numeric one, a stratified 20% holdout, sparse logistic
//! regression, holdout scores).
//!
//! ```text
//! cargo run --release -p satori-pipeline --example bench_text_train -- DATA.csv [MODEL]
//! ```
//!
//! Reading the file is not timed. The last line printed is a JSON report: `seconds` (training
//! and scoring the holdout), the holdout accuracy and ROC-AUC, the number of terms and the model.

use std::time::Instant;

use satori_core::NoProgress;
use satori_data::{ReadOptions, TargetSpec, read_table};
use satori_pipeline::{TrainRequest, train};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, model) = match args.as_slice() {
        [_, path] => (path.clone(), "logistic".to_string()),
        [_, path, model] => (path.clone(), model.clone()),
        _ => return Err("usage: bench_text_train DATA.csv [MODEL]".into()),
    };
    let table = read_table(std::path::Path::new(&path), &ReadOptions::default())?;
    let mut request = TrainRequest::new(TargetSpec {
        name: "label".into(),
        task: None,
    });
    request.model = model.clone();
    let t = Instant::now();
    let out = train(&table, &request, &NoProgress)?;
    let seconds = t.elapsed().as_secs_f64();
    let metrics = &out.holdout.as_ref().ok_or("no holdout")?.metrics;
    let terms = out.pipeline.model().n_features();
    let report = serde_json::json!({
        "seconds": seconds,
        "accuracy": metrics["accuracy"],
        "roc_auc": metrics.get("roc_auc").copied().unwrap_or(f64::NAN),
        "n_features": terms,
        "model": out.pipeline.model().kind(),
        "summary": out.header.model_summary,
    });
    println!("{report}");
    Ok(())
}
