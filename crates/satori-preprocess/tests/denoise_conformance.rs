//! The denoise step passes the testkit's transformer conformance suite
//! (`satori_testkit::TransformerConformance`, ARCHITECTURE.md §6 in its transformer form), its
//! params also survive TOML, and it keeps the shape and the column names. The step learns nothing
//! from the rows, so fits on permuted rows or with unit weights give the same transform bit for
//! bit; NaN and infinities are `InvalidData`.
//!
//! Skipped, with the reason: for `axis = "rows"` the row-order and row-subset checks (rows
//! transformed alone or reordered give the same rows) do not hold by design, since each column is
//! a signal along the rows of the batch and a row's output depends on its neighbours. They run
//! for `axis = "columns"`, where each row is its own signal.

use ndarray::Array2;
use satori_core::{Dataset, Error, Estimator, Transformer};
use satori_preprocess::{
    DenoiseAxis, DenoiseFilter, DenoiseMode, DenoiserParams, ThresholdMode, Wavelet,
};
use satori_testkit::generate::Generator;
use satori_testkit::{NanPolicy, TransformerCheck, TransformerConformance};

const ROW_ORDER_SKIP: &str = "axis = rows: each column is a signal along the rows of the batch, \
                              so a row's output depends on its neighbours in that batch";

fn check(step: &str, params: DenoiserParams, data: &Dataset) {
    let toml_text = toml::to_string(&params).unwrap();
    assert_eq!(
        toml::from_str::<DenoiserParams>(&toml_text).unwrap(),
        params,
        "{step}: TOML"
    );

    let mut suite = TransformerConformance::new(params.clone(), data.clone())
        .nan_policy(NanPolicy::Reject)
        .fit_order_tolerance(0.0, 0.0);
    if params.axis == DenoiseAxis::Rows {
        suite = suite
            .skip(TransformerCheck::RowOrderTransform, ROW_ORDER_SKIP)
            .skip(TransformerCheck::SubsetInvariance, ROW_ORDER_SKIP);
    }
    let report = suite.run();
    assert!(report.is_ok(), "{step}:\n{report}");

    // The same shape and names; NaN and infinities are InvalidData.
    let x = data.x();
    let model = params.fit(data).unwrap();
    assert_eq!(model.transform(x).unwrap().dim(), x.dim(), "{step}: shape");
    assert_eq!(
        model.feature_names_out(&data.feature_names()),
        data.feature_names(),
        "{step}: names"
    );
    for v in [f64::NAN, f64::INFINITY] {
        let bad = Array2::from_elem(x.dim(), v);
        let r = model.transform(bad.view());
        assert!(
            matches!(r, Err(Error::InvalidData(_))),
            "{step}: {v}: {r:?}"
        );
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
