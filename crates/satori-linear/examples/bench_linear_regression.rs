//! satori's side of bench/bench_linear_regression.py: fit an elastic net (coordinate descent,
//! tol 1e-4, max_iter 1000, cyclic) on a regression matrix.
//!
//! ```text
//! cargo run --release -p satori-linear --example bench_linear_regression -- \
//!     DATA.f64 ROWS COLS TARGET.f64 ALPHA L1_RATIO
//! ```
//!
//! `DATA.f64` holds ROWS × COLS little-endian `f64` values, row-major; `TARGET.f64` one `f64` per
//! row. Prints one JSON line: `seconds` and `cpu_seconds` of the fit (reading the files is not
//! timed), the epochs, whether it converged, the duality gap, and the coefficients and intercept
//! (for the agreement with scikit-learn).

use std::time::Instant;

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Target};
use satori_linear::ElasticNetParams;

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn read_f64(path: &str, count: usize) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() != count * 8 {
        return Err(format!("{path} holds {} bytes, not {count} f64", bytes.len()).into());
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        return Err(
            "usage: bench_linear_regression DATA.f64 ROWS COLS TARGET.f64 ALPHA L1_RATIO".into(),
        );
    }
    let (rows, cols): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    let x = Array2::from_shape_vec((rows, cols), read_f64(&args[1], rows * cols)?)?;
    let y = Array1::from(read_f64(&args[4], rows)?);
    let names = (0..cols).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x, names)?.with_target(Target::regression(y))?;
    let params = ElasticNetParams {
        alpha: args[5].parse()?,
        l1_ratio: args[6].parse()?,
        ..Default::default()
    };

    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let model = params.fit(&data)?;
    let (seconds, cpu_s) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let coef: Vec<String> = model.coef().iter().map(|v| format!("{v:e}")).collect();
    println!(
        "{{\"seconds\": {seconds}, \"cpu_seconds\": {cpu_s}, \"n_iter\": {}, \"converged\": {}, \
         \"dual_gap\": {:e}, \"coef\": [{}], \"intercept\": {:e}, \"threads\": {}}}",
        model.n_iter(),
        model.converged(),
        model.dual_gap(),
        coef.join(", "),
        model.intercept(),
        rayon::current_num_threads()
    );
    Ok(())
}
