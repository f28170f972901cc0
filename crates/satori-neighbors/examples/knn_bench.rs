//! satori's side of bench/bench_knn.py: index a matrix and find the `k` nearest indexed rows of
//! each query.
//!
//! ```text
//! cargo run --release -p satori-neighbors --example knn_bench -- \
//!     X.f64 ROWS COLS QUERIES.f64 NQ ALGORITHM K
//! ```
//!
//! The `.f64` files hold little-endian `f64` values, row-major. `ALGORITHM` is `auto`, `kd_tree`
//! or `brute`. Prints one JSON line: `seconds` and `cpu_seconds` of `build` + `kneighbors`
//! (reading the files is not timed), and checksums of the answer that bench/bench_knn.py
//! compares with scikit-learn's: `index_checksum` = Σ (j + 1)·index over every query and
//! neighbour position j, `distance_sum` = Σ distance.

use std::time::Instant;

use ndarray::Array2;
use satori_neighbors::{Algorithm, IndexOptions, KnnIndex};

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn read_matrix(
    path: &str,
    rows: usize,
    cols: usize,
) -> Result<Array2<f64>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() != rows * cols * 8 {
        return Err(format!(
            "{path} holds {} bytes, not {rows} × {cols} f64",
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    Ok(Array2::from_shape_vec((rows, cols), values)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 8 {
        return Err("usage: knn_bench X.f64 ROWS COLS QUERIES.f64 NQ ALGORITHM K".into());
    }
    let (rows, cols, nq): (usize, usize, usize) =
        (args[2].parse()?, args[3].parse()?, args[5].parse()?);
    let algorithm = match args[6].as_str() {
        "auto" => Algorithm::Auto,
        "kd_tree" => Algorithm::KdTree,
        "brute" => Algorithm::Brute,
        other => return Err(format!("unknown algorithm `{other}`").into()),
    };
    let k: usize = args[7].parse()?;
    let x = read_matrix(&args[1], rows, cols)?;
    let q = read_matrix(&args[4], nq, cols)?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let options = IndexOptions {
        algorithm,
        ..Default::default()
    };
    let index = KnnIndex::build(x.view(), &options)?;
    let built = wall.elapsed().as_secs_f64();
    let found = index.kneighbors(q.view(), k)?;
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let mut index_checksum: u64 = 0;
    for row in found.indices.rows() {
        for (j, &i) in row.iter().enumerate() {
            index_checksum = index_checksum.wrapping_add((j as u64 + 1) * i as u64);
        }
    }
    let distance_sum: f64 = found.distances.iter().sum();
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"build_seconds\": {built}, \
         \"index_checksum\": {index_checksum}, \"distance_sum\": {distance_sum}, \"threads\": {}}}",
        rayon::current_num_threads()
    );
    Ok(())
}
