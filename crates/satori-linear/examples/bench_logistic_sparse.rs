//! satori's side of bench/bench_logistic_sparse.py: fit a logistic regression (scikit-learn's
//! defaults: L2, C = 1, lbfgs, tol 1e-4, max_iter 100) on a CSR matrix, without densifying.
//!
//! ```text
//! cargo run --release -p satori-linear --example bench_logistic_sparse -- \
//!     STEM ROWS COLS NNZ
//! ```
//!
//! `STEM.indptr` holds ROWS + 1 little-endian `u64` row offsets, `STEM.indices` NNZ `u32`
//! column indices, `STEM.data` NNZ `f64` values, `STEM.u8` one byte per row (the class, 0 or 1).
//! Prints one JSON line: `seconds` and `cpu_seconds` of the fit (reading the files is not timed),
//! the iterations, whether it converged, and the coefficients and intercept (for the agreement
//! with scikit-learn).

use std::time::Instant;

use ndarray::Array1;
use satori_core::{CsMat, SparseEstimator, Target};
use satori_linear::LogisticRegressionParams;

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// Read `count` little-endian values of `width` bytes from `path`.
fn read<T>(
    path: &str,
    count: usize,
    width: usize,
    f: impl Fn(&[u8]) -> T,
) -> Result<Vec<T>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() != count * width {
        return Err(format!("{path} holds {} bytes, not {count} × {width}", bytes.len()).into());
    }
    Ok(bytes.chunks_exact(width).map(f).collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: bench_logistic_sparse STEM ROWS COLS NNZ".into());
    }
    let stem = &args[1];
    let (rows, cols, nnz): (usize, usize, usize) =
        (args[2].parse()?, args[3].parse()?, args[4].parse()?);
    let le8 = |b: &[u8]| <[u8; 8]>::try_from(b).unwrap_or([0; 8]);
    let indptr = read(&format!("{stem}.indptr"), rows + 1, 8, |b| {
        u64::from_le_bytes(le8(b)) as usize
    })?;
    let indices = read(&format!("{stem}.indices"), nnz, 4, |b| {
        u32::from_le_bytes(<[u8; 4]>::try_from(b).unwrap_or([0; 4])) as usize
    })?;
    let data = read(&format!("{stem}.data"), nnz, 8, |b| {
        f64::from_le_bytes(le8(b))
    })?;
    let codes: Array1<usize> = read(&format!("{stem}.u8"), rows, 1, |b| usize::from(b[0]))?.into();
    let x = CsMat::try_new((rows, cols), indptr, indices, data)
        .map_err(|(_, _, _, e)| format!("invalid CSR matrix: {e}"))?;
    let target = Target::classes(codes, vec!["0".into(), "1".into()])?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model = LogisticRegressionParams::default().fit_csr(&x, &target, None)?;
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let coef: Vec<String> = model.coef().iter().map(|v| format!("{v:e}")).collect();
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"n_iter\": {}, \"converged\": {}, \
         \"coef\": [{}], \"intercept\": {:e}, \"threads\": {}}}",
        model.n_iter(),
        model.converged(),
        coef.join(", "),
        model.intercept()[0],
        rayon::current_num_threads()
    );
    Ok(())
}
