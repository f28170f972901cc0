//! Timing of the CSV reader on a large file (ignored by default; needs a file):
//!
//! ```sh
//! SATORI_READ_BENCH=/tmp/bench/big.csv cargo test --release -p satori-data --test read_bench \
//!     -- --ignored --nocapture
//! ```
//!
//! It prints the seconds the read took and the process's peak resident memory (VmHWM).

use std::path::Path;
use std::time::Instant;

use satori_data::{Column, ReadOptions, read_table};

fn vm_hwm_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[test]
#[ignore = "needs SATORI_READ_BENCH=<path to a large CSV>"]
fn read_large_csv() {
    let Ok(path) = std::env::var("SATORI_READ_BENCH") else {
        panic!("set SATORI_READ_BENCH to a CSV file");
    };
    let start = Instant::now();
    let t = read_table(Path::new(&path), &ReadOptions::default()).expect("read");
    let secs = start.elapsed().as_secs_f64();
    let n_values = t
        .columns
        .iter()
        .filter(|c| matches!(c, Column::Values(_)))
        .count();
    let checksum: f64 = t
        .columns
        .iter()
        .filter_map(|c| match c {
            Column::Values(v) => Some(v.iter().filter(|x| !x.is_nan()).sum::<f64>()),
            Column::Strings(_) => None,
        })
        .sum();
    println!(
        "rows={} cols={} value_cols={n_values} seconds={secs:.3} peak_rss_mb={:.1} checksum={checksum:.6e}",
        t.n_rows(),
        t.schema.len(),
        vm_hwm_mb().unwrap_or(f64::NAN)
    );
    assert!(t.n_rows() > 0);
}
