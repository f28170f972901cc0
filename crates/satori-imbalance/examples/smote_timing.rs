//! Times SMOTE on a dataset written by bench/bench_smote.py: `X` as raw little-endian `f64`
//! (rows × columns), `y` as one byte per row (class 0 or 1). Prints one JSON line.
//!
//!     cargo run --release -p satori-imbalance --example smote_timing -- X Y ROWS COLS K REPEATS

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Target};
use satori_imbalance::{Resampler, SmoteParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        eprintln!("usage: smote_timing X Y ROWS COLS K REPEATS");
        std::process::exit(1);
    }
    let n: usize = args[3].parse().expect("ROWS");
    let p: usize = args[4].parse().expect("COLS");
    let k: usize = args[5].parse().expect("K");
    let repeats: usize = args[6].parse().expect("REPEATS");
    let raw = std::fs::read(&args[1]).expect("X");
    let x: Vec<f64> = raw
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let y: Array1<usize> = std::fs::read(&args[2])
        .expect("Y")
        .into_iter()
        .map(usize::from)
        .collect();
    let x = Array2::from_shape_vec((n, p), x).expect("ROWS × COLS values");
    let data = Dataset::new(x, (0..p).map(|j| format!("x{j}")).collect())
        .expect("the dataset")
        .with_target(Target::classes(y, vec!["0".into(), "1".into()]).expect("classes"))
        .expect("the target");
    let smote = SmoteParams {
        k_neighbors: k,
        ..Default::default()
    };
    let mut seconds = Vec::new();
    let mut rows_out = 0;
    for _ in 0..repeats {
        let t = Instant::now();
        let out = smote.fit_resample(&data).expect("SMOTE");
        seconds.push(t.elapsed().as_secs_f64());
        rows_out = out.data.n_samples();
    }
    println!(
        "{{\"seconds\": {seconds:?}, \"rows_out\": {rows_out}, \"threads\": {}}}",
        rayon::current_num_threads()
    );
}
