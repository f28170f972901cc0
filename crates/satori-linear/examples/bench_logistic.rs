//! satori's side of bench/bench_logistic.py: fit a logistic regression (scikit-learn's defaults:
//! L2, C = 1, lbfgs, tol 1e-4, max_iter 100) on a binary classification matrix.
//!
//! ```text
//! cargo run --release -p satori-linear --example bench_logistic -- DATA.f64 ROWS COLS LABELS.u8
//! ```
//!
//! `DATA.f64` holds ROWS × COLS little-endian `f64` values, row-major; `LABELS.u8` one byte per
//! row (the class, 0 or 1). Prints one JSON line: `seconds` and `cpu_seconds` of the fit (reading
//! the files is not timed), the iterations, whether it converged, and the coefficients and
//! intercept (for the agreement with scikit-learn).

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Target};
use satori_linear::LogisticRegressionParams;

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
    if args.len() != 5 {
        return Err("usage: bench_logistic DATA.f64 ROWS COLS LABELS.u8".into());
    }
    let (rows, cols): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    let bytes = std::fs::read(&args[1])?;
    if bytes.len() != rows * cols * 8 {
        return Err(format!(
            "{} holds {} bytes, not {rows} × {cols} f64",
            args[1],
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    let codes: Array1<usize> = std::fs::read(&args[4])?
        .into_iter()
        .map(usize::from)
        .collect();
    let x = Array2::from_shape_vec((rows, cols), values)?;
    let names = (0..cols).map(|j| format!("f{j}")).collect();
    let target = Target::classes(codes, vec!["0".into(), "1".into()])?;
    let data = Dataset::new(x, names)?.with_target(target)?;

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model = LogisticRegressionParams::default().fit(&data)?;
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
