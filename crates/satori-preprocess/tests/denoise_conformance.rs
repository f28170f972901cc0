//! The conformance suite of ARCHITECTURE.md §6 for the denoise step, in its transformer form
//! (satori-testkit's `check_estimator` is written for predictors): default params validate and
//! params survive JSON and TOML; fitting twice gives the same model byte for byte; JSON and
//! postcard round trips give identical output, bit for bit; fitting on permuted rows or with unit
//! weights gives the same transform (the step learns nothing from the rows); a wrong column count
//! is `ShapeMismatch`; NaN and infinite inputs, one-row and one-column fits never panic;
//! `feature_names_out` names every output column.
//!
//! Skipped, with the reason: for `axis = "rows"` the row-order and row-subset checks (rows
//! transformed alone or reordered give the same rows) do not hold by design, since each column is
//! a signal along the rows of the batch and a row's output depends on its neighbours. They run
//! for `axis = "columns"`, where each row is its own signal.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, Axis};
use satori_core::{Dataset, Error, Estimator, Params, Transformer};
use satori_preprocess::{
    DenoiseAxis, DenoiseFilter, DenoiseMode, Denoiser, DenoiserParams, ThresholdMode, Wavelet,
};
use satori_testkit::generate::Generator;

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what}: panicked"))
}

fn same_bits(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

const ROW_ORDER_SKIP: &str = "axis = rows: each column is a signal along the rows of the batch, \
                              so a row's output depends on its neighbours in that batch";

fn check(step: &str, params: DenoiserParams, data: &Dataset) {
    no_panic(step, || DenoiserParams::default().validate()).unwrap();
    params.validate().unwrap_or_else(|e| panic!("{step}: {e}"));
    let json = serde_json::to_string(&params).unwrap();
    assert_eq!(
        serde_json::from_str::<DenoiserParams>(&json).unwrap(),
        params,
        "{step}: JSON"
    );
    let toml_text = toml::to_string(&params).unwrap();
    assert_eq!(
        toml::from_str::<DenoiserParams>(&toml_text).unwrap(),
        params,
        "{step}: TOML"
    );

    let x = data.x().to_owned();
    let model = no_panic(step, || params.fit(data)).unwrap_or_else(|e| panic!("{step}: {e}"));
    let out = no_panic(step, || model.transform(x.view())).unwrap();
    assert_eq!(out.dim(), x.dim(), "{step}: shape");
    assert_eq!(model.n_features_in(), x.ncols());
    assert_eq!(
        model.feature_names_out(&data.feature_names()),
        data.feature_names(),
        "{step}: names"
    );

    // Fit twice; serde round trips.
    let again = params.fit(data).unwrap();
    let bytes = postcard::to_allocvec(&model).unwrap();
    assert_eq!(
        bytes,
        postcard::to_allocvec(&again).unwrap(),
        "{step}: fit twice"
    );
    let from_pc: Denoiser = postcard::from_bytes(&bytes).unwrap();
    assert!(
        same_bits(&from_pc.transform(x.view()).unwrap(), &out),
        "{step}: postcard"
    );
    let from_json: Denoiser =
        serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    assert!(
        same_bits(&from_json.transform(x.view()).unwrap(), &out),
        "{step}: JSON"
    );

    // Fit on permuted rows, and with unit weights: the same transform.
    let n = x.nrows();
    let perm: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % n).collect();
    let refit = params.fit(&data.select_rows(&perm).unwrap()).unwrap();
    assert!(
        same_bits(&refit.transform(x.view()).unwrap(), &out),
        "{step}: fit order"
    );
    let unit = data.clone().with_weights(Array1::ones(n)).unwrap();
    let weighted = params.fit(&unit).unwrap();
    assert!(
        same_bits(&weighted.transform(x.view()).unwrap(), &out),
        "{step}: weights"
    );

    // Row order and rows alone.
    if params.axis == DenoiseAxis::Columns {
        let permuted = model.transform(x.select(Axis(0), &perm).view()).unwrap();
        assert!(
            same_bits(&permuted, &out.select(Axis(0), &perm)),
            "{step}: row order"
        );
        for i in [0, n / 2, n - 1] {
            let one = model.transform(x.select(Axis(0), &[i]).view()).unwrap();
            assert!(
                same_bits(&one, &out.select(Axis(0), &[i])),
                "{step}: row {i}"
            );
        }
    } else {
        eprintln!("{step}: row order and subset skipped: {ROW_ORDER_SKIP}");
    }

    // Errors: wrong width; NaN, infinities, one row, one column: Ok or a clean Err.
    for p in [x.ncols() - 1, x.ncols() + 1] {
        let r = no_panic(step, || model.transform(Array2::zeros((2, p)).view()));
        assert!(
            matches!(r, Err(Error::ShapeMismatch { .. })),
            "{step}: {r:?}"
        );
    }
    for v in [f64::NAN, f64::INFINITY] {
        let bad = Array2::from_elem((n, x.ncols()), v);
        let r = no_panic(step, || model.transform(bad.view()));
        assert!(
            matches!(r, Err(Error::InvalidData(_))),
            "{step}: {v}: {r:?}"
        );
    }
    let one_row = data.select_rows(&[0]).unwrap();
    if let Ok(m) = no_panic(step, || params.fit(&one_row)) {
        let _ = no_panic(step, || m.transform(x.view()));
    }
    let one_col = Dataset::new(
        x.column(0).to_owned().insert_axis(Axis(1)),
        vec!["c".into()],
    )
    .unwrap();
    if let Ok(m) = no_panic(step, || params.fit(&one_col)) {
        let _ = no_panic(step, || m.transform(one_col.x()));
    }
}

fn filters() -> Vec<(&'static str, DenoiserParams)> {
    vec![
        ("median", DenoiserParams::default()),
        (
            "median_constant",
            DenoiserParams {
                window: Some(5),
                mode: Some(DenoiseMode::Constant),
                ..Default::default()
            },
        ),
        (
            "moving_average",
            DenoiserParams {
                filter: DenoiseFilter::MovingAverage,
                window: Some(4),
                mode: Some(DenoiseMode::Wrap),
                ..Default::default()
            },
        ),
        (
            "savgol",
            DenoiserParams {
                filter: DenoiseFilter::Savgol,
                window_length: Some(7),
                polyorder: Some(3),
                ..Default::default()
            },
        ),
        (
            "fft_lowpass",
            DenoiserParams {
                filter: DenoiseFilter::FftLowpass,
                cutoff: Some(0.25),
                ..Default::default()
            },
        ),
        (
            "wavelet",
            DenoiserParams {
                filter: DenoiseFilter::Wavelet,
                wavelet: Some(Wavelet::Db2),
                mode: Some(DenoiseMode::Periodization),
                threshold: Some(ThresholdMode::Hard),
                ..Default::default()
            },
        ),
    ]
}

#[test]
fn denoise_conforms_along_rows() {
    let data = Generator::new(60, 4, 11).regression();
    for (name, p) in filters() {
        check(&format!("denoise {name} rows"), p, &data);
    }
}

#[test]
fn denoise_conforms_across_columns() {
    let data = Generator::new(40, 16, 5).regression();
    for (name, p) in filters() {
        let p = DenoiserParams {
            axis: DenoiseAxis::Columns,
            ..p
        };
        check(&format!("denoise {name} columns"), p, &data);
    }
}
