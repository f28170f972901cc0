//! Golden tests of the denoise step against SciPy 1.17.1, NumPy 2.4.6 and PyWavelets 1.9.0:
//! tests/golden/denoise_filters/ (scipy.ndimage.median_filter, scipy.signal.medfilt,
//! scipy.ndimage.uniform_filter1d, scipy.signal.savgol_filter, numpy.fft) and
//! tests/golden/denoise_wavelet/ (pywt.wavedec → pywt.threshold → pywt.waverec), each written by
//! its seeded generate.py.
//!
//! Tolerances: the median is a selection and the moving average follows scipy's running sum
//! step by step, so both must agree exactly (measured: 0). The FFT (another FFT algorithm,
//! measured 7e-15) and the wavelet transform (the same sums, in a slightly different order at
//! the edges, measured 6e-16) agree to 1e-12 relative to the signal's scale:
//! `|got - want| <= 1e-12 · max(1, max |x|)` over each case. Savitzky-Golay meets the same bound
//! with less margin (measured 6.3e-13), and the gap is scipy's: its `savgol_coeffs` solves the
//! least-squares problem with `lstsq` on the unscaled Vandermonde matrix, which for a window of
//! 21 and degree 5 is 5.8e-13 (relative) away from the exact rational weights, while satori's
//! are within 1e-15 of them (a unit test in src/denoise/savgol.rs checks this).

use ndarray::Array2;
use satori_core::{Dataset, Estimator, Transformer};
use satori_preprocess::{DenoiseFilter, DenoiserParams};
use serde_json::Value;

fn load(case: &str) -> Value {
    let path = format!(
        "{}/../../tests/golden/{case}/expected.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let p = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), p), rows.concat()).unwrap()
}

/// Run every case of a golden file; returns the largest error of each filter relative to the
/// signal scale.
fn run(case_file: &str) -> Vec<(DenoiseFilter, f64)> {
    let golden = load(case_file);
    let cases = golden["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut worst: Vec<(DenoiseFilter, f64)> = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let params: DenoiserParams = serde_json::from_value(case["params"].clone())
            .unwrap_or_else(|e| panic!("{name}: params: {e}"));
        let x = matrix(&case["x"]);
        let want = matrix(&case["expected"]);
        let names: Vec<String> = (0..x.ncols()).map(|j| format!("c{j}")).collect();
        let data = Dataset::new(x.clone(), names).unwrap();
        let model = params
            .fit(&data)
            .unwrap_or_else(|e| panic!("{name}: fit: {e}"));
        let got = model
            .transform(x.view())
            .unwrap_or_else(|e| panic!("{name}: transform: {e}"));
        assert_eq!(got.dim(), want.dim(), "{name}");
        let scale = x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let exact = matches!(
            params.filter,
            DenoiseFilter::Median | DenoiseFilter::MovingAverage
        );
        let mut err = 0.0f64;
        for ((i, j), &w) in want.indexed_iter() {
            let g = got[[i, j]];
            if exact {
                assert_eq!(g, w, "{name}: [{i}, {j}]: got {g}, scipy {w}");
            }
            err = err.max((g - w).abs() / scale);
        }
        assert!(err <= 1e-12, "{name}: relative error {err:e}");
        match worst.iter_mut().find(|(f, _)| *f == params.filter) {
            Some((_, e)) => *e = e.max(err),
            None => worst.push((params.filter, err)),
        }
    }
    worst
}

#[test]
fn scipy_and_numpy_filters() {
    let worst = run("denoise_filters");
    eprintln!("largest relative errors: {worst:?}");
    assert_eq!(
        worst.len(),
        4,
        "median, moving average, savgol and fft cases"
    );
}

#[test]
fn pywavelets_denoising() {
    let worst = run("denoise_wavelet");
    eprintln!("largest relative errors: {worst:?}");
    assert_eq!(worst.len(), 1);
}
