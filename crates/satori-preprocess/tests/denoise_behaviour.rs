//! Behaviour of the denoise step: column selection and pass-through, both axes, the errors the
//! issue asks for (NaN, a window longer than the signal, an even median window, a signal too
//! short for a wavelet level, a column of the wrong kind), thread-count independence, and what
//! the filters do to noise.

use ndarray::Array2;
use satori_core::{
    ColumnKind, ColumnSchema, Dataset, Error, Estimator, Params, Schema, Transformer,
};
use satori_preprocess::{
    DenoiseAxis, DenoiseFilter, DenoiseMode, DenoiserParams, ThresholdMode, Wavelet,
};

fn names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("c{j}")).collect()
}

fn data(x: &Array2<f64>) -> Dataset {
    Dataset::new(x.clone(), names(x.ncols())).unwrap()
}

/// A deterministic noisy signal: a slow sine plus a fast pseudo-random wiggle.
fn noisy(n: usize, phase: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64 / n as f64;
            let noise = (((i * 7919 + 13) % 101) as f64 / 50.0) - 1.0;
            (6.0 * t + phase).sin() + 0.3 * noise
        })
        .collect()
}

fn matrix(cols: &[Vec<f64>]) -> Array2<f64> {
    Array2::from_shape_fn((cols[0].len(), cols.len()), |(i, j)| cols[j][i])
}

fn median(window: usize) -> DenoiserParams {
    DenoiserParams {
        window: Some(window),
        ..DenoiserParams::default()
    }
}

fn all_filters() -> Vec<DenoiserParams> {
    vec![
        median(5),
        DenoiserParams {
            filter: DenoiseFilter::MovingAverage,
            window: Some(4),
            mode: Some(DenoiseMode::Nearest),
            ..Default::default()
        },
        DenoiserParams {
            filter: DenoiseFilter::Savgol,
            window_length: Some(7),
            polyorder: Some(2),
            ..Default::default()
        },
        DenoiserParams {
            filter: DenoiseFilter::FftLowpass,
            cutoff: Some(0.3),
            ..Default::default()
        },
        DenoiserParams {
            filter: DenoiseFilter::Wavelet,
            wavelet: Some(Wavelet::Db3),
            threshold: Some(ThresholdMode::Hard),
            ..Default::default()
        },
    ]
}

#[test]
fn selected_columns_filtered_others_pass_through() {
    let x = matrix(&[noisy(40, 0.0), noisy(40, 1.0), noisy(40, 2.0)]);
    for p in all_filters() {
        let p = DenoiserParams {
            columns: Some(vec!["c2".into(), "c0".into()]),
            ..p
        };
        let m = p.fit(&data(&x)).unwrap();
        assert_eq!(m.columns(), &[2, 0]);
        assert_eq!(m.filter(), p.filter);
        assert_eq!(m.axis(), DenoiseAxis::Rows);
        let out = m.transform(x.view()).unwrap();
        assert_eq!(out.column(1), x.column(1), "{:?}", p.filter);
        assert_ne!(out.column(0), x.column(0), "{:?}", p.filter);
        // each column is filtered on its own
        let alone = DenoiserParams {
            columns: None,
            ..p.clone()
        };
        let one = x.column(2).to_owned().insert_axis(ndarray::Axis(1));
        let single = alone
            .fit(&data(&one))
            .unwrap()
            .transform(one.view())
            .unwrap();
        assert_eq!(single.column(0), out.column(2), "{:?}", p.filter);
    }
}

#[test]
fn axis_columns_follows_the_listed_order() {
    let rows = [noisy(24, 0.0), noisy(24, 0.5), noisy(24, 3.0)];
    // each row a signal, plus a leading id column
    let x = Array2::from_shape_fn(
        (3, 25),
        |(i, j)| if j == 0 { i as f64 } else { rows[i][j - 1] },
    );
    let forward: Vec<String> = (1..25).map(|j| format!("c{j}")).collect();
    let backward: Vec<String> = forward.iter().rev().cloned().collect();
    for p in all_filters() {
        let fwd = DenoiserParams {
            axis: DenoiseAxis::Columns,
            columns: Some(forward.clone()),
            ..p.clone()
        };
        let out = fwd.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
        assert_eq!(out.column(0), x.column(0));
        for (i, row) in rows.iter().enumerate() {
            // the same as filtering the row's signal as a one-column time series
            let col = Array2::from_shape_vec((24, 1), row.clone()).unwrap();
            let want = p.fit(&data(&col)).unwrap().transform(col.view()).unwrap();
            for j in 0..24 {
                assert_eq!(out[[i, j + 1]], want[[j, 0]], "{:?}", p.filter);
            }
        }
        // listing the columns backwards filters the reversed signal
        let bwd = DenoiserParams {
            axis: DenoiseAxis::Columns,
            columns: Some(backward.clone()),
            ..p.clone()
        };
        let rev = bwd.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
        let flipped: Vec<f64> = rows[0].iter().rev().copied().collect();
        let col = Array2::from_shape_vec((24, 1), flipped).unwrap();
        let want = p.fit(&data(&col)).unwrap().transform(col.view()).unwrap();
        for j in 0..24 {
            assert_eq!(rev[[0, 24 - j]], want[[j, 0]], "{:?}", p.filter);
        }
    }
}

#[test]
fn missing_values_are_an_error_naming_the_column() {
    let mut x = matrix(&[noisy(10, 0.0), noisy(10, 1.0)]);
    x[[4, 1]] = f64::NAN;
    let e = median(3).fit(&data(&x)).unwrap_err().to_string();
    assert!(
        e.contains("`c1`") && e.contains("row 4") && e.contains("impute"),
        "{e}"
    );
    let clean = matrix(&[noisy(10, 0.0), noisy(10, 1.0)]);
    let m = median(3).fit(&data(&clean)).unwrap();
    assert!(matches!(m.transform(x.view()), Err(Error::InvalidData(_))));
    x[[4, 1]] = f64::INFINITY;
    let e = m.transform(x.view()).unwrap_err().to_string();
    assert!(e.contains("inf") && e.contains("`c1`"), "{e}");
    // a NaN in a column that is not filtered is passed through
    let only0 = DenoiserParams {
        columns: Some(vec!["c0".into()]),
        ..median(3)
    };
    x[[4, 1]] = f64::NAN;
    let out = only0.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
    assert!(out[[4, 1]].is_nan());
    // axis = columns names the row and the column
    let cols = DenoiserParams {
        axis: DenoiseAxis::Columns,
        ..median(1)
    };
    let e = cols.fit(&data(&x)).unwrap_err().to_string();
    assert!(e.contains("row 4") && e.contains("`c1`"), "{e}");
}

#[test]
fn window_longer_than_the_signal_is_an_error() {
    let x = matrix(&[noisy(4, 0.0)]);
    let e = median(5).fit(&data(&x)).unwrap_err();
    assert!(matches!(&e, Error::InvalidParameter { name, .. } if name == "window"));
    let text = e.to_string();
    assert!(
        text.contains("at least 5") && text.contains("4 long"),
        "{text}"
    );
    // at transform: a batch with fewer rows than the window
    let long = matrix(&[noisy(30, 0.0)]);
    let m = median(5).fit(&data(&long)).unwrap();
    let e = m.transform(long.slice(ndarray::s![..3, ..])).unwrap_err();
    assert!(e.to_string().contains("rows of the batch"), "{e}");
    // savgol: window_length
    let sg = DenoiserParams {
        filter: DenoiseFilter::Savgol,
        window_length: Some(7),
        polyorder: Some(2),
        ..Default::default()
    };
    let e = sg.fit(&data(&x)).unwrap_err();
    assert!(matches!(&e, Error::InvalidParameter { name, .. } if name == "window_length"));
    // axis = columns: the number of selected columns is the signal length
    let wide = Array2::from_shape_fn((10, 3), |(i, j)| (i * j) as f64);
    let cols = DenoiserParams {
        axis: DenoiseAxis::Columns,
        ..median(5)
    };
    let e = cols.fit(&data(&wide)).unwrap_err().to_string();
    assert!(e.contains("3 selected columns"), "{e}");
}

#[test]
fn even_median_window_and_wavelet_lengths() {
    let x = matrix(&[noisy(64, 0.0)]);
    let e = median(4).fit(&data(&x)).unwrap_err().to_string();
    assert!(e.contains("odd"), "{e}");
    let wavelet = |level, w| DenoiserParams {
        filter: DenoiseFilter::Wavelet,
        wavelet: Some(w),
        level,
        ..Default::default()
    };
    // db4 on 64 samples: dwt_max_level(64, 8) = 3
    wavelet(Some(3), Wavelet::Db4).fit(&data(&x)).unwrap();
    let e = wavelet(Some(4), Wavelet::Db4).fit(&data(&x)).unwrap_err();
    assert!(e.to_string().contains("at most 3"), "{e}");
    let short = matrix(&[noisy(13, 0.0)]);
    let e = wavelet(None, Wavelet::Db4).fit(&data(&short)).unwrap_err();
    assert!(e.to_string().contains("at least 14 samples"), "{e}");
    wavelet(None, Wavelet::Haar).fit(&data(&short)).unwrap();
}

#[test]
fn column_selection_errors() {
    let schema = Schema::new(vec![
        ColumnSchema {
            name: "temperature".into(),
            kind: ColumnKind::Numeric,
        },
        ColumnSchema {
            name: "city".into(),
            kind: ColumnKind::Categorical {
                categories: vec!["a".into(), "b".into()],
            },
        },
        ColumnSchema {
            name: "count".into(),
            kind: ColumnKind::Integer,
        },
    ])
    .unwrap();
    let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i + j) % 2) as f64);
    let d = Dataset::with_schema(x.clone(), schema).unwrap();
    // default: numeric and integer columns only
    let m = median(3).fit(&d).unwrap();
    assert_eq!(m.columns(), &[0, 2]);
    assert_eq!(m.transform(x.view()).unwrap().column(1), x.column(1));
    let pick = |c: &str| DenoiserParams {
        columns: Some(vec![c.into()]),
        ..median(3)
    };
    let e = pick("city").fit(&d).unwrap_err().to_string();
    assert!(e.contains("`city` is categorical"), "{e}");
    let e = pick("temprature").fit(&d).unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }));
    assert!(e.to_string().contains("did you mean `temperature`"), "{e}");
    // no numeric column at all
    let cats = Schema::new(vec![ColumnSchema {
        name: "city".into(),
        kind: ColumnKind::Categorical {
            categories: vec!["a".into()],
        },
    }])
    .unwrap();
    let d = Dataset::with_schema(Array2::zeros((5, 1)), cats).unwrap();
    assert!(median(3).fit(&d).is_err());
    // no rows, wrong width
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(median(3).fit(&data(&empty)).is_err());
    let m = median(3).fit(&data(&Array2::zeros((5, 2)))).unwrap();
    assert!(matches!(
        m.transform(Array2::zeros((5, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(m.transform(empty.view()).unwrap().dim(), (0, 2));
}

#[test]
fn same_result_at_one_and_two_threads() {
    let cols: Vec<Vec<f64>> = (0..16).map(|j| noisy(300, j as f64)).collect();
    let x = matrix(&cols);
    for p in all_filters() {
        for axis in [DenoiseAxis::Rows, DenoiseAxis::Columns] {
            let p = DenoiserParams { axis, ..p.clone() };
            let m = p.fit(&data(&x)).unwrap();
            let run = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| m.transform(x.view()).unwrap())
            };
            let (a, b) = (run(1), run(2));
            assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
        }
    }
}

#[test]
fn filters_reduce_noise() {
    // A smooth signal plus deterministic noise: every filter brings it closer to the signal.
    let n = 256;
    let clean: Vec<f64> = (0..n).map(|i| (i as f64 / 20.0).sin()).collect();
    let noisy: Vec<f64> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| c + 0.4 * ((((i * 7919 + 3) % 97) as f64 / 48.0) - 1.0))
        .collect();
    let x = matrix(std::slice::from_ref(&noisy));
    let rmse = |v: &[f64]| {
        (v.iter()
            .zip(&clean)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt()
    };
    let before = rmse(&noisy);
    for p in all_filters() {
        let out = p.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
        let after = rmse(&out.column(0).to_vec());
        assert!(after < 0.7 * before, "{:?}: {after} vs {before}", p.filter);
    }
    // the full band and a one-sample window change nothing
    let all = DenoiserParams {
        filter: DenoiseFilter::FftLowpass,
        cutoff: Some(1.0),
        ..Default::default()
    };
    let out = all.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
    assert!(out.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-13));
    let out = median(1)
        .fit(&data(&x))
        .unwrap()
        .transform(x.view())
        .unwrap();
    assert_eq!(out, x);
}

#[test]
fn constant_signal_is_left_alone() {
    // All detail coefficients are zero, so sigma and the threshold are 0: no NaN (PyWavelets'
    // soft threshold would give 0/0 here), the signal comes back.
    let x = Array2::from_elem((32, 1), 3.5);
    for p in all_filters() {
        let out = p.fit(&data(&x)).unwrap().transform(x.view()).unwrap();
        assert!(
            out.iter().all(|v| (v - 3.5).abs() < 1e-12),
            "{:?}: {out:?}",
            p.filter
        );
    }
}

#[test]
fn parameters_from_toml() {
    let p: DenoiserParams = toml::from_str(
        "filter = \"wavelet\"\naxis = \"columns\"\ncolumns = [\"a\", \"b\"]\nwavelet = \"db8\"\n\
         level = 2\nmode = \"periodization\"\nthreshold = \"hard\"",
    )
    .unwrap();
    p.validate().unwrap();
    assert_eq!(p.wavelet, Some(Wavelet::Db8));
    assert_eq!(p.axis, DenoiseAxis::Columns);
    let p: DenoiserParams = toml::from_str("filter = \"median\"\ncutoff = 0.5").unwrap();
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("fft_lowpass"), "{e}");
    let e = toml::from_str::<DenoiserParams>("filter = \"gaussian\"").unwrap_err();
    assert!(e.to_string().contains("moving_average"), "{e}");
}

#[test]
fn documented_toml_example_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/preprocessing.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let section = doc
        .split("## Noise filters")
        .nth(1)
        .expect("a Noise filters section");
    let block = section
        .split("```toml")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a TOML example");
    let uncommented: String = block
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| !r.is_empty() && (r.starts_with('[') || r.contains(" = ")))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let value: toml::Value = toml::from_str(&uncommented).unwrap();
    let steps = value["preprocessing"].as_array().unwrap();
    assert_eq!(steps.len(), 4);
    for step in steps {
        let mut table = step.as_table().unwrap().clone();
        assert_eq!(table.remove("step").unwrap().as_str(), Some("denoise"));
        let p: DenoiserParams = table.try_into().unwrap();
        p.validate().unwrap_or_else(|e| panic!("{p:?}: {e}"));
    }
}

#[test]
fn damaged_model_is_an_error_not_a_panic() {
    let x = Array2::from_shape_fn((9, 2), |(i, j)| (i * (j + 1)) as f64);
    let good = median(3).fit(&data(&x)).unwrap();
    let json = serde_json::to_string(&good).unwrap();
    for (from, to) in [
        ("\"window\":3", "\"window\":0"),
        ("\"window\":3", "\"window\":4"),
        ("\"columns\":[0,1]", "\"columns\":[0,7]"),
        ("\"names\":[\"c0\",\"c1\"]", "\"names\":[]"),
    ] {
        assert!(json.contains(from), "{json}");
        let bad: satori_preprocess::Denoiser =
            serde_json::from_str(&json.replace(from, to)).unwrap();
        let r = std::panic::catch_unwind(|| bad.transform(x.view()));
        let r = r.unwrap_or_else(|_| panic!("{to}: panicked"));
        if to.starts_with("\"names\"") {
            assert!(r.is_ok());
        } else {
            assert!(matches!(r, Err(Error::Internal(_))), "{to}: {r:?}");
        }
    }
}

#[test]
fn reads_as_a_tagged_pipeline_step() {
    // The pipeline's `StepParams` is internally tagged by `step`; the filter's parameters sit
    // next to the tag, as in `{step = "denoise", filter = "median", window = 5}`.
    #[derive(Debug, serde::Deserialize)]
    #[serde(tag = "step", rename_all = "snake_case")]
    enum Step {
        Denoise(DenoiserParams),
    }
    let Step::Denoise(p) =
        toml::from_str("step = \"denoise\"\nfilter = \"fft_lowpass\"\ncutoff = 1").unwrap();
    assert_eq!(p.cutoff, Some(1.0));
    p.validate().unwrap();
    let e = toml::from_str::<Step>("step = \"denoise\"\nfilter = \"median\"\nwindw = 5");
    assert!(e.unwrap_err().to_string().contains("window"));
}
