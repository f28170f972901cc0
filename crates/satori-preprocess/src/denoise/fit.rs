//! The fitted [`Denoiser`]: the resolved filter configuration and column selection, and the
//! transform that gathers the signals, filters them in parallel and writes them back.

use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::{
    ColumnKind, Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use serde::{Deserialize, Serialize};

use super::fft::Lowpass;
use super::savgol::{Savgol, SavgolMode};
use super::wavelet::{self, WaveletMode};
use super::window::{self, Extend};
use super::{DenoiseAxis, DenoiseFilter, DenoiseMode, DenoiserParams, ThresholdMode, Wavelet};
use crate::util::check_not_empty;

/// Rows per parallel task with `axis = "columns"`.
const ROW_CHUNK: usize = 1024;

/// A filter with every default resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Spec {
    Median {
        window: usize,
        mode: Extend,
    },
    MovingAverage {
        window: usize,
        mode: Extend,
    },
    Savgol {
        window_length: usize,
        polyorder: usize,
        /// `None`: interp.
        mode: Option<Extend>,
    },
    FftLowpass {
        cutoff: f64,
    },
    Wavelet {
        wavelet: Wavelet,
        /// `None`: the largest level for the signal's length.
        level: Option<usize>,
        mode: WaveletMode,
        threshold: ThresholdMode,
    },
}

fn extend_mode(mode: Option<DenoiseMode>) -> Extend {
    match mode {
        Some(DenoiseMode::Mirror) => Extend::Mirror,
        Some(DenoiseMode::Nearest) => Extend::Nearest,
        Some(DenoiseMode::Wrap) => Extend::Wrap,
        Some(DenoiseMode::Constant) => Extend::Constant,
        _ => Extend::Reflect,
    }
}

impl Spec {
    /// The resolved filter of validated params.
    fn new(p: &DenoiserParams) -> Spec {
        match p.filter {
            DenoiseFilter::Median => Spec::Median {
                window: p.window.unwrap_or(3),
                mode: extend_mode(p.mode),
            },
            DenoiseFilter::MovingAverage => Spec::MovingAverage {
                window: p.window.unwrap_or(3),
                mode: extend_mode(p.mode),
            },
            DenoiseFilter::Savgol => Spec::Savgol {
                window_length: p.window_length.unwrap_or(1),
                polyorder: p.polyorder.unwrap_or(0),
                mode: match p.mode {
                    None | Some(DenoiseMode::Interp) => None,
                    other => Some(extend_mode(other)),
                },
            },
            DenoiseFilter::FftLowpass => Spec::FftLowpass {
                cutoff: p.cutoff.unwrap_or(1.0),
            },
            DenoiseFilter::Wavelet => Spec::Wavelet {
                wavelet: p.wavelet.unwrap_or(Wavelet::Db4),
                level: p.level,
                mode: match p.mode {
                    Some(DenoiseMode::Periodization) => WaveletMode::Periodization,
                    _ => WaveletMode::Symmetric,
                },
                threshold: p.threshold.unwrap_or_default(),
            },
        }
    }

    /// Whether the invariants that validation established still hold (a deserialised model is
    /// checked before use, so that a damaged file cannot make the filters index out of bounds).
    fn is_valid(&self) -> bool {
        match self {
            Spec::Median { window, .. } => window % 2 == 1,
            Spec::MovingAverage { window, .. } => *window >= 1,
            Spec::Savgol {
                window_length,
                polyorder,
                ..
            } => window_length % 2 == 1 && polyorder < window_length,
            Spec::FftLowpass { cutoff } => *cutoff > 0.0 && *cutoff <= 1.0,
            Spec::Wavelet { level, .. } => *level != Some(0),
        }
    }

    fn filter(&self) -> DenoiseFilter {
        match self {
            Spec::Median { .. } => DenoiseFilter::Median,
            Spec::MovingAverage { .. } => DenoiseFilter::MovingAverage,
            Spec::Savgol { .. } => DenoiseFilter::Savgol,
            Spec::FftLowpass { .. } => DenoiseFilter::FftLowpass,
            Spec::Wavelet { .. } => DenoiseFilter::Wavelet,
        }
    }
}

/// A filter ready for signals of one length.
enum Plan {
    Median(usize, Extend),
    MovingAverage(usize, Extend),
    Savgol(Savgol, SavgolMode),
    Fft(Lowpass),
    Wavelet(Wavelet, WaveletMode, usize, ThresholdMode),
}

impl Plan {
    fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(match self {
            Plan::Median(w, m) => window::median(x, *w, *m),
            Plan::MovingAverage(w, m) => window::moving_average(x, *w, *m),
            Plan::Savgol(s, m) => s.apply(x, *m),
            Plan::Fft(lp) => lp.apply(x)?,
            Plan::Wavelet(w, m, level, t) => wavelet::denoise(x, *w, *m, *level, *t),
        })
    }
}

/// A fitted [`DenoiserParams`]: the filter's configuration and the selected columns. Nothing is
/// learnt from the data; see [`DenoiserParams`] for what each filter computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Denoiser {
    n_features_in: usize,
    axis: DenoiseAxis,
    /// Indices of the filtered columns, in signal order.
    columns: Vec<usize>,
    /// Their names, for messages.
    names: Vec<String>,
    spec: Spec,
}

impl Estimator for DenoiserParams {
    type Model = Denoiser;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<Denoiser> {
        self.validate()?;
        check_not_empty(data.n_samples(), "the denoise step")?;
        let (columns, names) = select(self.columns.as_deref(), data)?;
        let model = Denoiser {
            n_features_in: data.n_features(),
            axis: self.axis,
            columns,
            names,
            spec: Spec::new(self),
        };
        // Nothing to learn, but the training data must be filterable: the same checks as a
        // transform, so a bad configuration fails at fit.
        model.plan(model.signal_len(data.n_samples()))?;
        model.check_finite(data.x())?;
        Ok(model)
    }
}

/// The columns to filter: the named ones (numeric or integer), or every numeric and integer
/// column in schema order.
fn select(requested: Option<&[String]>, data: &Dataset) -> Result<(Vec<usize>, Vec<String>)> {
    let schema = data.features();
    let numeric = |k: &ColumnKind| matches!(k, ColumnKind::Numeric | ColumnKind::Integer);
    let columns: Vec<usize> = match requested {
        Some(names) => {
            let mut idx = Vec::with_capacity(names.len());
            for name in names {
                let j = schema.require(name, "the data given to the denoise step")?;
                let kind = &schema.columns[j].kind;
                if !numeric(kind) {
                    return Err(Error::param(
                        "columns",
                        format!(
                            "column `{name}` is {}; the denoise step filters numeric and integer \
                             columns only",
                            kind.name()
                        ),
                    ));
                }
                idx.push(j);
            }
            idx
        }
        None => (0..schema.len())
            .filter(|&j| numeric(&schema.columns[j].kind))
            .collect(),
    };
    if columns.is_empty() {
        return Err(Error::InvalidData(
            "the denoise step found no numeric or integer column to filter".into(),
        ));
    }
    let names = columns
        .iter()
        .map(|&j| schema.columns[j].name.clone())
        .collect();
    Ok((columns, names))
}

impl Denoiser {
    /// The filter.
    pub fn filter(&self) -> DenoiseFilter {
        self.spec.filter()
    }

    /// The axis along which signals run.
    pub fn axis(&self) -> DenoiseAxis {
        self.axis
    }

    /// The indices of the filtered columns, in signal order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// The length of each signal in a batch of `n_rows` rows.
    fn signal_len(&self, n_rows: usize) -> usize {
        match self.axis {
            DenoiseAxis::Rows => n_rows,
            DenoiseAxis::Columns => self.columns.len(),
        }
    }

    /// Where the signal comes from, for messages.
    fn signal_source(&self) -> String {
        match self.axis {
            DenoiseAxis::Rows => "the batch's rows (axis = \"rows\": each column is a signal \
                                  along the rows of the batch given)"
                .into(),
            DenoiseAxis::Columns => format!(
                "the {} selected columns (axis = \"columns\")",
                self.columns.len()
            ),
        }
    }

    fn too_short(&self, n: usize, name: &str, needed: usize, what: &str) -> Error {
        Error::param(
            name,
            format!(
                "{what} needs signals of at least {needed} samples, but the signals are {n} long: \
                 {}",
                self.signal_source()
            ),
        )
    }

    /// The filter prepared for signals of length `n >= 1`, or an error when they are too short.
    fn plan(&self, n: usize) -> Result<Plan> {
        if self.columns.iter().any(|&j| j >= self.n_features_in) || !self.spec.is_valid() {
            return Err(Error::Internal(
                "denoise: the fitted step's configuration is inconsistent (a corrupted model?)"
                    .into(),
            ));
        }
        Ok(match &self.spec {
            Spec::Median { window, mode } | Spec::MovingAverage { window, mode } => {
                if *window > n {
                    let what = format!("a window of {window}");
                    return Err(self.too_short(n, "window", *window, &what));
                }
                if matches!(self.spec, Spec::Median { .. }) {
                    Plan::Median(*window, *mode)
                } else {
                    Plan::MovingAverage(*window, *mode)
                }
            }
            Spec::Savgol {
                window_length,
                polyorder,
                mode,
            } => {
                if *window_length > n {
                    let what = format!("a window_length of {window_length}");
                    return Err(self.too_short(n, "window_length", *window_length, &what));
                }
                let mode = mode.map_or(SavgolMode::Interp, SavgolMode::Extend);
                Plan::Savgol(Savgol::new(*window_length, *polyorder), mode)
            }
            Spec::FftLowpass { cutoff } => Plan::Fft(Lowpass::new(n, *cutoff)),
            Spec::Wavelet {
                wavelet,
                level,
                mode,
                threshold,
            } => {
                let max = wavelet.max_level(n);
                let f = wavelet.filter_len();
                if max == 0 {
                    let what = format!("wavelet `{}` (filter length {f})", wavelet.name());
                    return Err(self.too_short(n, "wavelet", 2 * (f - 1), &what));
                }
                let level = level.unwrap_or(max);
                if level > max {
                    return Err(Error::param(
                        "level",
                        format!(
                            "must be at most {max} (pywt.dwt_max_level for signals of {n} \
                             samples and wavelet `{}`), got {level}",
                            wavelet.name()
                        ),
                    ));
                }
                Plan::Wavelet(*wavelet, *mode, level, *threshold)
            }
        })
    }

    /// An error for the first NaN or infinite value of the signals of `x`, in signal order.
    fn check_finite(&self, x: ArrayView2<'_, f64>) -> Result<()> {
        let bad = |i: usize, k: usize, v: f64| {
            Error::InvalidData(format!(
                "denoise: column `{}`, row {i} holds {v}; noise filters need complete, finite \
                 signals: impute missing values first (e.g. a simple_imputer step before this one)",
                self.names.get(k).map_or("?", String::as_str)
            ))
        };
        match self.axis {
            DenoiseAxis::Rows => {
                for (k, &j) in self.columns.iter().enumerate() {
                    if let Some((i, &v)) = x.column(j).indexed_iter().find(|(_, v)| !v.is_finite())
                    {
                        return Err(bad(i, k, v));
                    }
                }
            }
            DenoiseAxis::Columns => {
                for (i, row) in x.rows().into_iter().enumerate() {
                    for (k, &j) in self.columns.iter().enumerate() {
                        if !row[j].is_finite() {
                            return Err(bad(i, k, row[j]));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Transformer for Denoiser {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features_in)?;
        let (n, p) = x.dim();
        let mut out = x.as_standard_layout().into_owned();
        if n == 0 {
            return Ok(out);
        }
        let plan = self.plan(self.signal_len(n))?;
        self.check_finite(x)?;
        // Each signal is filtered on its own, so the result does not depend on the threads.
        match self.axis {
            DenoiseAxis::Rows => {
                let filtered: Vec<Vec<f64>> = self
                    .columns
                    .par_iter()
                    .map(|&j| plan.apply(&x.column(j).to_vec()))
                    .collect::<Result<_>>()?;
                for (&j, values) in self.columns.iter().zip(&filtered) {
                    out.column_mut(j)
                        .assign(&ArrayView1::from(values.as_slice()));
                }
            }
            DenoiseAxis::Columns => {
                let flat = out
                    .as_slice_mut()
                    .ok_or_else(|| Error::Internal("denoise: output not contiguous".into()))?;
                flat.par_chunks_mut(ROW_CHUNK * p)
                    .try_for_each(|chunk| -> Result<()> {
                        let mut signal = Vec::with_capacity(self.columns.len());
                        for row in chunk.chunks_mut(p) {
                            signal.clear();
                            signal.extend(self.columns.iter().map(|&j| row[j]));
                            let y = plan.apply(&signal)?;
                            for (&j, v) in self.columns.iter().zip(y) {
                                row[j] = v;
                            }
                        }
                        Ok(())
                    })?;
            }
        }
        Ok(out)
    }
}
