//! Times `PCA(n_components=10)` (solver `auto`, which picks `covariance_eigh` for tall data, as
//! scikit-learn does) on a raw little-endian `f64` row-major matrix written by `pca_bench.py`.
//!
//! ```text
//! python crates/satori-features/examples/pca_bench.py write /tmp/pca.bin 1000000 28
//! cargo run --release -p satori-features --example pca_bench -- /tmp/pca.bin 1000000 28
//! python crates/satori-features/examples/pca_bench.py time /tmp/pca.bin 1000000 28
//! ```
//!
//! Prints the median of 3 fits in seconds, and the first explained variances for a cross-check.

use std::time::Instant;

use ndarray::Array2;
use satori_core::{Dataset, Estimator};
use satori_features::{NComponents, PcaParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, n, p) = match args.as_slice() {
        [_, path, n, p] => (path.clone(), n.parse::<usize>()?, p.parse::<usize>()?),
        _ => return Err("usage: pca_bench FILE N_ROWS N_COLS".into()),
    };
    let bytes = std::fs::read(&path)?;
    if bytes.len() != n * p * 8 {
        return Err(format!("{path} holds {} bytes, expected {}", bytes.len(), n * p * 8).into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let x = Array2::from_shape_vec((n, p), values)?;
    let data = Dataset::new(x, (0..p).map(|j| format!("f{j}")).collect())?;
    let params = PcaParams {
        n_components: Some(NComponents::Count(10)),
        ..Default::default()
    };
    // A memory-bound reference: one read of every value.
    let t = Instant::now();
    let total: f64 = data.x().iter().sum();
    println!(
        "one pass over the data (sum = {total:.3e}): {:.4} s",
        t.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    let mut model = None;
    for _ in 0..3 {
        let t = Instant::now();
        model = Some(params.fit(&data)?);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let model = model.ok_or("no fit")?;
    println!(
        "satori PCA(n_components=10) solver={} median of 3: {:.4} s (runs {:?})",
        model.solver().name(),
        times[1],
        times
    );
    println!(
        "explained_variance[..3] = {:?}",
        &model.explained_variance().to_vec()[..3]
    );
    Ok(())
}
