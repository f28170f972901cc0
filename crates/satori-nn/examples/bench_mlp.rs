//! satori's side of bench/bench_mlp.py: train the benchmark MLP (28 → 256 → 256 → 2, ReLU, Adam,
//! batch 512) for a few epochs on the first rows of a benchmark CSV and report the time per epoch.
//!
//! ```text
//! cargo run --release -p satori-nn --example bench_mlp -- bench/data/synth_binary_1000000x28.csv 100000 3
//! ```
//!
//! Prints one JSON line: `seconds` (time per epoch: the fit's time divided by the epochs; the CSV
//! read is not timed), the per-epoch training loss, the training accuracy, the time to predict
//! every row (`predict_seconds`) and the mean latency of a one-row prediction
//! (`single_row_predict_us`).

use std::io::{BufRead, BufReader};
use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Predictor, Target};
use satori_nn::{MlpClassifierParams, MlpParams};

fn read(path: &str, rows: usize) -> Result<Dataset, Box<dyn std::error::Error>> {
    let file = BufReader::new(std::fs::File::open(path)?);
    let mut lines = file.lines();
    let header = lines.next().ok_or("empty file")??;
    let width = header.split(',').count() - 1;
    let mut x = Vec::with_capacity(rows * width);
    let mut y = Vec::with_capacity(rows);
    for line in lines.take(rows) {
        let line = line?;
        let mut vals = line.split(',').map(str::parse::<f64>);
        for _ in 0..width {
            x.push(vals.next().ok_or("short row")??);
        }
        y.push(vals.next().ok_or("no target")?? as usize);
    }
    let n = y.len();
    let names = (0..width).map(|j| format!("f{j}")).collect();
    let target = Target::classes(Array1::from(y), vec!["0".into(), "1".into()])?;
    Ok(Dataset::new(Array2::from_shape_vec((n, width), x)?, names)?.with_target(target)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("bench/data/synth_binary_1000000x28.csv", String::as_str);
    let rows: usize = args.get(2).map_or(Ok(100_000), |s| s.parse())?;
    let epochs: usize = args.get(3).map_or(Ok(3), |s| s.parse())?;
    let data = read(path, rows)?;
    let params = MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![256, 256],
        batch_size: Some(512),
        max_iter: epochs,
        tol: 0.0,
        n_iter_no_change: epochs + 1,
        ..Default::default()
    });
    let start = Instant::now();
    let model = params.fit(&data)?;
    let seconds = start.elapsed().as_secs_f64() / epochs as f64;
    let t = Instant::now();
    let pred = model.predict(data.x())?;
    let predict_seconds = t.elapsed().as_secs_f64();
    let one = data.x().slice(ndarray::s![0..1, ..]).to_owned();
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(model.predict(one.view())?);
    }
    let single_row_us = t.elapsed().as_secs_f64() * 1e3;
    let y = data.target().map(Target::as_f64).unwrap_or_default();
    let acc = pred.iter().zip(y.iter()).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
    let loss: Vec<String> = model
        .loss_curve()
        .train
        .iter()
        .map(|v| format!("{v:.6}"))
        .collect();
    println!(
        "{{\"seconds\": {seconds}, \"rows\": {}, \"epochs\": {epochs}, \"loss\": [{}], \"train_accuracy\": {acc}, \"predict_seconds\": {predict_seconds}, \"single_row_predict_us\": {single_row_us}}}",
        data.n_samples(),
        loss.join(", ")
    );
    Ok(())
}
