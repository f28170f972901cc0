//! Times SMOTE on a dataset written by bench/bench_smote.py: `X` as raw little-endian `f64`
//! (rows × columns), `y` as one byte per row (class 0 or 1). Prints one JSON line: the wall
//! seconds of each repeat and, on Linux, its CPU seconds (user + system, all threads).
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
    let mut cpu_seconds = Vec::new();
    let mut rows_out = 0;
    let mut checksum = 0u64;
    for _ in 0..repeats {
        let c = cpu_time();
        let t = Instant::now();
        let out = smote.fit_resample(&data).expect("SMOTE");
        seconds.push(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c, cpu_time()) {
            cpu_seconds.push(b - a);
        }
        rows_out = out.data.n_samples();
        // The exact bits of the output (FNV-1a over the values' bits), to compare builds.
        checksum = out.data.x().iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
            (h ^ v.to_bits()).wrapping_mul(0x100_0000_01b3)
        });
    }
    let cpu = if cpu_seconds.len() == seconds.len() {
        format!("{cpu_seconds:?}")
    } else {
        "null".into()
    };
    println!(
        "{{\"seconds\": {seconds:?}, \"cpu_seconds\": {cpu}, \"rows_out\": {rows_out}, \
         \"checksum\": \"{checksum:016x}\", \"threads\": {}}}",
        rayon::current_num_threads()
    );
}

/// This process's CPU time so far (user + system, every thread) from `/proc/self/stat`, in
/// seconds (clock ticks of 1/100 s, Linux's USER_HZ); `None` where that file is not there.
fn cpu_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are fields 14 and 15 of the line, i.e. the 12th and 13th after the `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace().skip(11);
    let utime: f64 = f.next()?.parse().ok()?;
    let stime: f64 = f.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
