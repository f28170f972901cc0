//! Times StandardScaler and median SimpleImputer (fit + transform) on a 1M × 28 matrix with 10%
//! missing values, median of 3 runs; `bench_sklearn.py` next to this file times scikit-learn on
//! data of the same shape and distribution. Run both in the same session and compare ratios:
//!
//! ```text
//! cargo run --release -p satori-preprocess --example bench_scale_impute
//! tests/golden/.venv/bin/python crates/satori-preprocess/examples/bench_sklearn.py
//! ```

use std::time::Instant;

use ndarray::Array2;
use satori_core::rng::{RngExt, rng, standard_normal};
use satori_core::{Dataset, Estimator, Transformer};
use satori_preprocess::{ImputeStrategy, SimpleImputerParams, StandardScalerParams};

fn median_of_3(mut f: impl FnMut() -> f64) -> f64 {
    let mut t: Vec<f64> = (0..3).map(|_| f()).collect();
    t.sort_by(f64::total_cmp);
    t[1]
}

fn main() {
    let (n, p) = (1_000_000, 28);
    let mut r = rng(42);
    let x = Array2::from_shape_fn((n, p), |_| {
        if r.random::<f64>() < 0.1 {
            f64::NAN
        } else {
            standard_normal(&mut r) * 3.0 + 1.0
        }
    });
    let names = (0..p).map(|j| format!("f{j}")).collect();
    let data = Dataset::new(x.clone(), names).expect("dataset");
    let scale = median_of_3(|| {
        let t = Instant::now();
        let m = StandardScalerParams::default().fit(&data).expect("fit");
        let out = m.transform(x.view()).expect("transform");
        std::hint::black_box(out);
        t.elapsed().as_secs_f64()
    });
    let impute = median_of_3(|| {
        let t = Instant::now();
        let params = SimpleImputerParams {
            strategy: ImputeStrategy::Median,
            ..Default::default()
        };
        let m = params.fit(&data).expect("fit");
        let out = m.transform(x.view()).expect("transform");
        std::hint::black_box(out);
        t.elapsed().as_secs_f64()
    });
    println!(
        "satori threads={} standard_scaler {scale:.3} s  median_imputer {impute:.3} s",
        rayon::current_num_threads()
    );
}
