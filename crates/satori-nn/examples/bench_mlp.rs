//! satori's side of bench/bench_mlp.py: train the benchmark MLP (28 → 256 → 256 → 2, ReLU, Adam
//! lr 1e-3, batch 512, shuffled every epoch) for a few epochs on the first rows of a benchmark
//! CSV, on a pool of the given number of threads, and report the time of every epoch.
//!
//! ```text
//! cargo run --release -p satori-nn --example bench_mlp -- \
//!     bench/data/synth_binary_1000000x28.csv ROWS EPOCHS [THREADS [SEED [ALPHA]]]
//! ```
//!
//! Prints one JSON line: `epoch_seconds` and `epoch_cpu_seconds` (wall and process CPU time of
//! every epoch, from the training's progress callback), `seconds` (the median epoch time, the
//! first epoch left out when there are more than one), `cpu_seconds` (likewise), the per-epoch
//! training loss, the training accuracy, the time to predict every row (`predict_seconds`) and
//! the mean latency of a one-row prediction (`single_row_predict_us`) and the process's peak
//! resident set from the start of training on (`peak_rss_bytes`, VmHWM reset after the data is
//! read). Reading the CSV is not timed.

use std::io::{BufRead, BufReader};
use std::sync::Mutex;
use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Predictor, Progress, Target};
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

/// User + system CPU seconds of this process so far (all threads), from /proc/self/stat.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The process's peak resident set in bytes (VmHWM in /proc/self/status), 0 if unknown.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Records wall and CPU time at the start and at the end of every epoch.
struct EpochClock {
    marks: Mutex<Vec<(Instant, f64)>>,
}

impl Progress for EpochClock {
    fn start(&self, _stage: &str, _total: Option<u64>) {
        if let Ok(mut m) = self.marks.lock() {
            m.clear();
            m.push((Instant::now(), process_cpu_seconds()));
        }
    }
    fn advance(&self, _n: u64) {
        if let Ok(mut m) = self.marks.lock() {
            m.push((Instant::now(), process_cpu_seconds()));
        }
    }
    fn finish(&self) {}
}

fn median_after_first(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = if v.len() > 1 {
        v[1..].to_vec()
    } else {
        v.to_vec()
    };
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => 0.5 * (s[n / 2 - 1] + s[n / 2]),
    }
}

fn list(v: &[f64], digits: usize) -> String {
    let s: Vec<String> = v.iter().map(|x| format!("{x:.digits$}")).collect();
    format!("[{}]", s.join(", "))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("bench/data/synth_binary_1000000x28.csv", String::as_str);
    let rows: usize = args.get(2).map_or(Ok(100_000), |s| s.parse())?;
    let epochs: usize = args.get(3).map_or(Ok(3), |s| s.parse())?;
    let threads: usize = args.get(4).map_or(Ok(1), |s| s.parse())?;
    let seed: u64 = args.get(5).map_or(Ok(0), |s| s.parse())?;
    let alpha: f64 = args.get(6).map_or(Ok(0.0), |s| s.parse())?;
    let data = read(path, rows)?;
    let params = MlpClassifierParams(MlpParams {
        hidden_layer_sizes: vec![256, 256],
        batch_size: Some(512),
        max_iter: epochs,
        tol: 0.0,
        n_iter_no_change: epochs + 1,
        alpha,
        seed,
        ..Default::default()
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let clock = EpochClock {
        marks: Mutex::new(Vec::new()),
    };
    // Reset the peak-RSS mark (VmHWM) so that the reported peak is that of training with the
    // data in memory, not of parsing the CSV (the peers reset theirs after loading too).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (cpu0, start) = (process_cpu_seconds(), Instant::now());
    let model = pool.install(|| params.fit_with_progress(&data, &clock))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let fit_cpu = process_cpu_seconds() - cpu0;
    let marks = clock.marks.into_inner().unwrap_or_default();
    let epoch_s: Vec<f64> = marks
        .windows(2)
        .map(|w| w[1].0.duration_since(w[0].0).as_secs_f64())
        .collect();
    let epoch_cpu: Vec<f64> = marks.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let t = Instant::now();
    let pred = pool.install(|| model.predict(data.x()))?;
    let predict_seconds = t.elapsed().as_secs_f64();
    let one = data.x().slice(ndarray::s![0..1, ..]).to_owned();
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(model.predict(one.view())?);
    }
    let single_row_us = t.elapsed().as_secs_f64() * 1e3;
    let y = data.target().map(Target::as_f64).unwrap_or_default();
    let acc = pred.iter().zip(y.iter()).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
    println!(
        "{{\"seconds\": {}, \"cpu_seconds\": {}, \"epoch_seconds\": {}, \"epoch_cpu_seconds\": {}, \
         \"fit_seconds\": {fit_seconds}, \"fit_cpu_seconds\": {fit_cpu}, \"rows\": {}, \
         \"epochs\": {epochs}, \"threads\": {threads}, \"seed\": {seed}, \"loss\": {}, \
         \"train_accuracy\": {acc}, \"predict_seconds\": {predict_seconds}, \
         \"single_row_predict_us\": {single_row_us}, \"peak_rss_bytes\": {}}}",
        median_after_first(&epoch_s),
        median_after_first(&epoch_cpu),
        list(&epoch_s, 4),
        list(&epoch_cpu, 3),
        data.n_samples(),
        list(&model.loss_curve().train, 6),
        peak_rss_bytes(),
    );
    Ok(())
}
