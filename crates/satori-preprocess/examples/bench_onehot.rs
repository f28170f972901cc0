//! satori's side of bench/bench_onehot.py: one-hot encode one categorical column (fit +
//! transform) and report the time, the CPU time and a checksum of the output.
//!
//! ```text
//! cargo run --release -p satori-preprocess --example bench_onehot -- DATA.f64 ROWS CATEGORIES sparse|dense
//! ```
//!
//! `DATA.f64` holds ROWS little-endian `f64` category codes in `0..CATEGORIES`: one categorical
//! column whose schema has CATEGORIES labels. `sparse` times `OneHotEncoderParams::default()`
//! fit + [`satori_preprocess::OneHotEncoder::transform_csr`] (scikit-learn's `OneHotEncoder()`,
//! CSR output), `dense` fit + `transform` (`OneHotEncoder(sparse_output=False)`). Prints one
//! JSON line: `seconds` and `cpu_seconds` of fit + transform (reading the file is not timed),
//! the output shape, `nnz` (stored entries, or non-zero values of the dense matrix) and
//! `checksum`, the sum of value × column index over the output, computed after the clock stops.

use std::time::Instant;

use ndarray::Array2;
use satori_core::{ColumnKind, ColumnSchema, Dataset, Estimator, Schema, Transformer};
use satori_preprocess::OneHotEncoderParams;

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
    if args.len() != 5 || !["sparse", "dense"].contains(&args[4].as_str()) {
        return Err("usage: bench_onehot DATA.f64 ROWS CATEGORIES sparse|dense".into());
    }
    let (rows, k): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    let bytes = std::fs::read(&args[1])?;
    if bytes.len() != rows * 8 {
        return Err(format!("{} holds {} bytes, not {rows} f64", args[1], bytes.len()).into());
    }
    let codes: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    let x = Array2::from_shape_vec((rows, 1), codes)?;
    let schema = Schema::new(vec![ColumnSchema {
        name: "cat".into(),
        kind: ColumnKind::Categorical {
            categories: (0..k).map(|c| format!("c{c}")).collect(),
        },
    }])?;
    let data = Dataset::with_schema(x, schema)?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let enc = OneHotEncoderParams::default().fit(&data)?;
    let (shape, nnz, checksum, seconds, cpu_s);
    if args[4] == "sparse" {
        let m = enc.transform_csr(data.x())?;
        (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        shape = m.shape();
        nnz = m.nnz();
        checksum = m.iter().map(|(v, (_, j))| v * j as f64).sum::<f64>();
    } else {
        let m = enc.transform(data.x())?;
        (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        shape = m.dim();
        nnz = m.iter().filter(|v| **v != 0.0).count();
        checksum = m
            .rows()
            .into_iter()
            .map(|r| r.iter().enumerate().map(|(j, v)| v * j as f64).sum::<f64>())
            .sum::<f64>();
    }
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"rows\": {}, \"cols\": {}, \
         \"nnz\": {nnz}, \"checksum\": {checksum}, \"threads\": {}}}",
        shape.0,
        shape.1,
        rayon::current_num_threads()
    );
    Ok(())
}
