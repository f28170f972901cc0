//! Read one table with `satori_data::read_table` and report how long it took: the satori side of
//! the data-loading benchmark (`bench/run.sh data_loading`, see `docs/benchmarks.md`).
//!
//! ```text
//! cargo run --release -p satori-data --example read -- data.csv
//! ```
//!
//! Prints one JSON line on stdout:
//! `{"seconds", "cpu_seconds", "rows", "cols", "peak_rss_bytes", "column_sums", "missing"}` —
//! the read's wall and CPU time (all threads), the table's shape, the process's peak resident set
//! (`VmHWM` from `/proc/self/status`), and, to force every value to be used and to let the
//! benchmark check that all tools read the same numbers, each column's sum (missing values
//! skipped; the count of non-missing values for a text column) and the count of missing values.
//! A bad path or a bad file is a message on stderr and exit code 1.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use satori_data::{Column, ReadOptions, read_table};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!(
            "usage: read <file.csv|file.parquet> (got {} arguments)",
            args.len()
        );
        return ExitCode::from(2);
    };
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    let table = match read_table(Path::new(path), &ReadOptions::default()) {
        Ok(table) => table,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(1);
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = match (cpu0, process_cpu_seconds()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let (sums, missing) = use_every_value(&table.columns);
    let report = serde_json::json!({
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rows": table.n_rows(),
        "cols": table.columns.len(),
        "peak_rss_bytes": peak_rss_bytes(),
        "column_sums": sums,
        "missing": missing,
    });
    println!("{report}");
    ExitCode::SUCCESS
}

/// Each column's sum of non-missing values (for text, the count of non-missing values) and the
/// total count of missing values. Reading every value keeps the measurement honest.
fn use_every_value(columns: &[Column]) -> (Vec<f64>, u64) {
    let mut missing = 0u64;
    let sums = columns
        .iter()
        .map(|column| match column {
            Column::Values(values) => {
                let mut sum = 0.0;
                for &v in values {
                    if v.is_nan() {
                        missing += 1;
                    } else {
                        sum += v;
                    }
                }
                sum
            }
            Column::Strings(values) => {
                let present = values.iter().filter(|v| v.is_some()).count();
                missing += (values.len() - present) as u64;
                present as f64
            }
        })
        .collect();
    (sums, missing)
}

/// The process's peak resident set size (`VmHWM`), in bytes; `None` off Linux.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User + system CPU time of the whole process (all threads), in seconds, from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s, the value on every Linux
/// platform satori runs on); `None` off Linux.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so fields 14 and 15 are at indices 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}
