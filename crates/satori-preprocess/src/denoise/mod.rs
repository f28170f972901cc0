//! Noise filters: [`DenoiserParams`] fits into a [`Denoiser`] that smooths numeric signals with
//! one of five filters, each matching its SciPy, NumPy or PyWavelets reference:
//!
//! | `filter` | reference | parameters |
//! |---|---|---|
//! | `median` | `scipy.ndimage.median_filter(x, size=window, mode=mode)`; `mode = "constant"` is `scipy.signal.medfilt(x, window)` (zero padding) | `window` (odd, default 3), `mode` |
//! | `moving_average` | `scipy.ndimage.uniform_filter1d(x, size=window, mode=mode)` | `window` (default 3), `mode` |
//! | `savgol` | `scipy.signal.savgol_filter(x, window_length, polyorder, mode=mode)` (deriv 0) | `window_length` (odd), `polyorder`, `mode` |
//! | `fft_lowpass` | `numpy.fft`: `X = rfft(x); X[rfftfreq(n) > cutoff / 2] = 0; irfft(X, n)` | `cutoff` |
//! | `wavelet` | PyWavelets `wavedec` → `threshold` → `waverec`, cropped to the input length | `wavelet`, `level`, `mode`, `threshold` |
//!
//! **What a signal is.** With `axis = "rows"` (the default) each selected column is one signal,
//! its values in row order: a time series down the rows. At transform time the filter runs over
//! the rows of the batch it is given, so the output of a row depends on its neighbours in that
//! batch: this axis is for batch and offline use (transform a whole series at once), not for
//! scoring rows one at a time. With `axis = "columns"` each row's selected columns, in the order
//! selected, form one signal (a spectrum or a sampled curve per row), and rows are independent.
//! Columns that are not selected pass through unchanged.
//!
//! **Fit** resolves the column selection (`columns` by name, or every numeric/integer column of
//! the schema) and checks the data; it learns nothing else: the filter is stateless, and the
//! fitted step stores only its configuration.
//!
//! **Bad input** is an error, never a panic: a NaN or ±inf in a selected column (filters need
//! complete signals: impute first), a window longer than the signal, an even median window, a
//! signal too short for one wavelet decomposition level, a selected column that is not numeric.
//!
//! **Edge modes.** `median` and `moving_average` take scipy.ndimage's modes: `reflect` (default,
//! `d c b a | a b c d | d c b a`), `mirror` (`d c b | a b c d | c b a`), `nearest`
//! (`a a a | a b c d | d d d`), `wrap` (`b c d | a b c d | a b c`) and `constant` (zeros).
//! `savgol` takes scipy.signal's: `interp` (default: the edge windows are fitted by a polynomial
//! of degree `polyorder`), `mirror`, `nearest`, `wrap` and `constant`. `wavelet` takes
//! PyWavelets': `symmetric` (default, ndimage's `reflect`) and `periodization`.
//!
//! **FFT low-pass.** For a signal of length `n`, bin `k` of `rfft` (k = 0..=n/2) has the frequency
//! `k / n` cycles per sample (numpy's `rfftfreq`, computed as `k · (1/n)`); the Nyquist frequency
//! is 0.5. Bins with frequency above `cutoff · 0.5` are set to zero and the rest kept unchanged,
//! and `irfft` brings the signal back at length `n`. `cutoff = 1` keeps every bin.
//!
//! **Wavelet denoising.** The signal is decomposed by `wavedec` to `level` levels (default the
//! largest useful level, `pywt.dwt_max_level(n, filter_length)`), the detail coefficients of every
//! level are thresholded (`soft`: `d · max(1 - t/|d|, 0)`; `hard`: `d` where `|d| >= t`, else 0)
//! with the universal threshold `t = σ · sqrt(2 · ln n)`, where `n` is the signal length and
//! `σ = median(|d₁|) / 0.6745` is the median absolute deviation (about zero) of the finest
//! detail coefficients `d₁`, and the approximation coefficients are kept. `waverec` reconstructs
//! and the result is cropped to the input length.
//!
//! ```
//! use ndarray::{Array2, array};
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::{DenoiseFilter, DenoiserParams};
//!
//! let x = array![[1.0, 0.0], [9.0, 1.0], [2.0, 2.0], [3.0, 3.0], [2.0, 4.0]];
//! let data = Dataset::new(x.clone(), vec!["signal".into(), "time".into()]).unwrap();
//! let params = DenoiserParams {
//!     filter: DenoiseFilter::Median,
//!     window: Some(3),
//!     columns: Some(vec!["signal".into()]),
//!     ..DenoiserParams::default()
//! };
//! let out = params.fit(&data).unwrap().transform(x.view()).unwrap();
//! assert_eq!(out.column(0).to_vec(), vec![1.0, 2.0, 3.0, 2.0, 2.0]); // the spike is gone
//! assert_eq!(out.column(1), x.column(1)); // not selected: passed through
//! ```

mod fft;
mod fit;
mod savgol;
mod wavelet;
mod window;

use satori_core::{Error, Params, Result};
use serde::{Deserialize, Serialize};

pub use fit::Denoiser;

/// Which noise filter a [`DenoiserParams`] applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenoiseFilter {
    /// The median of a sliding window (`scipy.ndimage.median_filter`, `scipy.signal.medfilt`).
    #[default]
    Median,
    /// The mean of a sliding window (`scipy.ndimage.uniform_filter1d`).
    MovingAverage,
    /// Savitzky-Golay smoothing (`scipy.signal.savgol_filter`).
    Savgol,
    /// Zeroing the Fourier coefficients above a cutoff frequency (`numpy.fft`).
    FftLowpass,
    /// Thresholding the detail coefficients of a discrete wavelet transform (PyWavelets).
    Wavelet,
}

impl DenoiseFilter {
    /// The filter's name as written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            DenoiseFilter::Median => "median",
            DenoiseFilter::MovingAverage => "moving_average",
            DenoiseFilter::Savgol => "savgol",
            DenoiseFilter::FftLowpass => "fft_lowpass",
            DenoiseFilter::Wavelet => "wavelet",
        }
    }
}

/// Along which axis a signal runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenoiseAxis {
    /// Each selected column is a signal along the rows of the batch (a time series).
    #[default]
    Rows,
    /// Each row's selected columns, in order, form one signal.
    Columns,
}

/// How a filter extends the signal past its ends; which modes each filter takes is listed on
/// [`DenoiserParams::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenoiseMode {
    /// Half-sample symmetric: `d c b a | a b c d | d c b a` (scipy.ndimage).
    Reflect,
    /// Whole-sample symmetric: `d c b | a b c d | c b a` (scipy).
    Mirror,
    /// The edge value repeated: `a a a | a b c d | d d d` (scipy).
    Nearest,
    /// Periodic: `b c d | a b c d | a b c` (scipy).
    Wrap,
    /// Zeros past the ends (scipy's `constant` with `cval = 0`; `scipy.signal.medfilt`).
    Constant,
    /// Savitzky-Golay only: fit a polynomial to each edge window (scipy's default).
    Interp,
    /// Wavelet only: half-sample symmetric extension (PyWavelets' default).
    Symmetric,
    /// Wavelet only: periodic extension giving the shortest decomposition (PyWavelets).
    Periodization,
}

impl DenoiseMode {
    fn name(self) -> &'static str {
        match self {
            DenoiseMode::Reflect => "reflect",
            DenoiseMode::Mirror => "mirror",
            DenoiseMode::Nearest => "nearest",
            DenoiseMode::Wrap => "wrap",
            DenoiseMode::Constant => "constant",
            DenoiseMode::Interp => "interp",
            DenoiseMode::Symmetric => "symmetric",
            DenoiseMode::Periodization => "periodization",
        }
    }
}

/// A wavelet of the `wavelet` filter: Haar or a Daubechies wavelet with 2 to 8 vanishing moments
/// (PyWavelets' names and filter coefficients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wavelet {
    /// Haar (`db1`), filter length 2.
    Haar,
    /// Daubechies 2, filter length 4.
    Db2,
    /// Daubechies 3, filter length 6.
    Db3,
    /// Daubechies 4, filter length 8.
    Db4,
    /// Daubechies 5, filter length 10.
    Db5,
    /// Daubechies 6, filter length 12.
    Db6,
    /// Daubechies 7, filter length 14.
    Db7,
    /// Daubechies 8, filter length 16.
    Db8,
}

/// How the `wavelet` filter shrinks detail coefficients (`pywt.threshold`'s `mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMode {
    /// `d · max(1 - t/|d|, 0)`: shrink towards zero by `t` (PyWavelets' default).
    #[default]
    Soft,
    /// Keep `d` where `|d| >= t`, zero it elsewhere.
    Hard,
}

/// Parameters of a [`Denoiser`]: one noise filter applied to numeric columns, as a pipeline step
/// `{step = "denoise", filter = "median", window = 5}`.
///
/// | `filter` | reference |
/// |---|---|
/// | `median` | `scipy.ndimage.median_filter(x, size=window, mode=mode)`; `mode = "constant"` is `scipy.signal.medfilt(x, window)` |
/// | `moving_average` | `scipy.ndimage.uniform_filter1d(x, size=window, mode=mode)` |
/// | `savgol` | `scipy.signal.savgol_filter(x, window_length, polyorder, mode=mode)` |
/// | `fft_lowpass` | `X = numpy.fft.rfft(x); X[numpy.fft.rfftfreq(n) > cutoff / 2] = 0; numpy.fft.irfft(X, n)` |
/// | `wavelet` | `pywt.wavedec` → `pywt.threshold` (universal threshold `σ·sqrt(2 ln n)`, `σ = median(abs(d₁)) / 0.6745` of the finest details) → `pywt.waverec`, cropped to `n` |
///
/// With `axis = "rows"` each selected column is a signal along the rows *of the batch given to
/// `transform`* (batch and offline use: a row's output depends on its neighbours); with
/// `axis = "columns"` each row's selected columns, in order, form one signal. Fitting only
/// resolves the columns and checks the data: the filters are stateless. A NaN or infinite value
/// in a selected column, or a window longer than the signal, is an error.
///
/// Each filter reads only its own parameters; setting one that belongs to another filter is an
/// error naming the filter it belongs to. Unset (`None`) parameters take the defaults given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct DenoiserParams {
    /// The filter: `median` (default), `moving_average`, `savgol`, `fft_lowpass` or `wavelet`.
    pub filter: DenoiseFilter,
    /// `rows` (default): each selected column is a signal along the rows of the batch;
    /// `columns`: each row's selected columns, in order, are one signal.
    pub axis: DenoiseAxis,
    /// The names of the columns to filter, each a numeric or integer column listed once; with
    /// `axis = "columns"` their order is the signal's order. Default none: every numeric and
    /// integer column, in schema order.
    pub columns: Option<Vec<String>>,
    /// `median` and `moving_average`: the window length in samples, at least 1 and at most the
    /// signal length; odd for `median`. Default 3. An even moving-average window covers one
    /// more sample before the centre than after it, as in scipy.
    pub window: Option<usize>,
    /// `savgol`: the window length, odd, above `polyorder` and at most the signal length.
    /// Required by `savgol`.
    pub window_length: Option<usize>,
    /// `savgol`: the degree of the fitted polynomial, below `window_length`. Required by
    /// `savgol`.
    pub polyorder: Option<usize>,
    /// The edge extension. `median`, `moving_average`: `reflect` (default), `mirror`,
    /// `nearest`, `wrap` or `constant`; `savgol`: `interp` (default), `mirror`, `nearest`,
    /// `wrap` or `constant`; `wavelet`: `symmetric` (default) or `periodization`; not taken by
    /// `fft_lowpass`.
    pub mode: Option<DenoiseMode>,
    /// `fft_lowpass`: the highest frequency kept, as a fraction of the Nyquist frequency, in
    /// (0, 1]. Required by `fft_lowpass`.
    pub cutoff: Option<f64>,
    /// `wavelet`: `haar` or `db2` … `db8`. Default `db4`.
    pub wavelet: Option<Wavelet>,
    /// `wavelet`: the number of decomposition levels, from 1 to `pywt.dwt_max_level(n,
    /// filter_length)` for a signal of length `n`. Default that maximum.
    pub level: Option<usize>,
    /// `wavelet`: `soft` (default) or `hard` thresholding of the detail coefficients.
    pub threshold: Option<ThresholdMode>,
}

/// The filters each optional parameter belongs to.
const OWNERS: &[(&str, &[DenoiseFilter])] = &[
    (
        "window",
        &[DenoiseFilter::Median, DenoiseFilter::MovingAverage],
    ),
    ("window_length", &[DenoiseFilter::Savgol]),
    ("polyorder", &[DenoiseFilter::Savgol]),
    ("cutoff", &[DenoiseFilter::FftLowpass]),
    ("wavelet", &[DenoiseFilter::Wavelet]),
    ("level", &[DenoiseFilter::Wavelet]),
    ("threshold", &[DenoiseFilter::Wavelet]),
];

impl DenoiserParams {
    fn is_set(&self, name: &str) -> bool {
        match name {
            "window" => self.window.is_some(),
            "window_length" => self.window_length.is_some(),
            "polyorder" => self.polyorder.is_some(),
            "cutoff" => self.cutoff.is_some(),
            "wavelet" => self.wavelet.is_some(),
            "level" => self.level.is_some(),
            "threshold" => self.threshold.is_some(),
            _ => false,
        }
    }

    /// The edge modes the filter takes, its default first.
    fn modes(&self) -> &'static [DenoiseMode] {
        use DenoiseMode::*;
        match self.filter {
            DenoiseFilter::Median | DenoiseFilter::MovingAverage => {
                &[Reflect, Mirror, Nearest, Wrap, Constant]
            }
            DenoiseFilter::Savgol => &[Interp, Mirror, Nearest, Wrap, Constant],
            DenoiseFilter::Wavelet => &[Symmetric, Periodization],
            DenoiseFilter::FftLowpass => &[],
        }
    }

    fn validate_mode(&self) -> Result<()> {
        let Some(mode) = self.mode else {
            return Ok(());
        };
        let modes = self.modes();
        if modes.contains(&mode) {
            return Ok(());
        }
        let filter = self.filter.name();
        if modes.is_empty() {
            return Err(Error::param(
                "mode",
                format!("filter `{filter}` takes no edge mode; remove `mode`"),
            ));
        }
        let names: Vec<&str> = modes.iter().map(|m| m.name()).collect();
        Err(Error::param(
            "mode",
            format!(
                "filter `{filter}` takes mode {}, got `{}`",
                names.join(", "),
                mode.name()
            ),
        ))
    }

    fn validate_filter_params(&self) -> Result<()> {
        match self.filter {
            DenoiseFilter::Median | DenoiseFilter::MovingAverage => {
                let window = self.window.unwrap_or(3);
                if window == 0 {
                    return Err(Error::param("window", "must be at least 1, got 0"));
                }
                if self.filter == DenoiseFilter::Median && window.is_multiple_of(2) {
                    return Err(Error::param(
                        "window",
                        format!("the median window must be odd, got {window}"),
                    ));
                }
            }
            DenoiseFilter::Savgol => {
                let (Some(length), Some(order)) = (self.window_length, self.polyorder) else {
                    return Err(Error::param(
                        if self.window_length.is_none() {
                            "window_length"
                        } else {
                            "polyorder"
                        },
                        "filter `savgol` needs both `window_length` (odd) and `polyorder` \
                         (below window_length)",
                    ));
                };
                if length.is_multiple_of(2) {
                    return Err(Error::param(
                        "window_length",
                        format!("must be odd, got {length}"),
                    ));
                }
                if order >= length {
                    return Err(Error::param(
                        "polyorder",
                        format!("must be less than window_length ({length}), got {order}"),
                    ));
                }
            }
            DenoiseFilter::FftLowpass => match self.cutoff {
                None => {
                    return Err(Error::param(
                        "cutoff",
                        "filter `fft_lowpass` needs `cutoff`, a fraction of the Nyquist \
                         frequency in (0, 1]",
                    ));
                }
                Some(c) if !(c > 0.0 && c <= 1.0) => {
                    return Err(Error::param(
                        "cutoff",
                        format!("must be in (0, 1] (a fraction of the Nyquist frequency), got {c}"),
                    ));
                }
                Some(_) => {}
            },
            DenoiseFilter::Wavelet => {
                if self.level == Some(0) {
                    return Err(Error::param("level", "must be at least 1, got 0"));
                }
            }
        }
        Ok(())
    }
}

impl Params for DenoiserParams {
    fn validate(&self) -> Result<()> {
        for (name, owners) in OWNERS {
            if self.is_set(name) && !owners.contains(&self.filter) {
                let names: Vec<&str> = owners.iter().map(|f| f.name()).collect();
                return Err(Error::param(
                    *name,
                    format!(
                        "is a parameter of filter {}, not of `{}`; remove it",
                        names.join(" and "),
                        self.filter.name()
                    ),
                ));
            }
        }
        self.validate_mode()?;
        self.validate_filter_params()?;
        if let Some(columns) = &self.columns {
            if columns.is_empty() {
                return Err(Error::param(
                    "columns",
                    "must name at least one column (leave it out to filter every numeric column)",
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            for c in columns {
                if !seen.insert(c.as_str()) {
                    return Err(Error::param(
                        "columns",
                        format!("column `{c}` is listed twice"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: DenoiserParams) -> String {
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_and_partial_toml() {
        DenoiserParams::default().validate().unwrap();
        let p: DenoiserParams =
            toml::from_str("filter = \"savgol\"\nwindow_length = 7\npolyorder = 2").unwrap();
        assert_eq!(p.filter, DenoiseFilter::Savgol);
        p.validate().unwrap();
        let p: DenoiserParams =
            toml::from_str("filter = \"wavelet\"\nwavelet = \"db4\"\nmode = \"periodization\"")
                .unwrap();
        p.validate().unwrap();
        assert!(toml::from_str::<DenoiserParams>("windw = 3").is_err());
        assert!(toml::from_str::<DenoiserParams>("wavelet = \"db9\"").is_err());
    }

    #[test]
    fn invalid_parameters_are_named() {
        let e = err(DenoiserParams {
            window: Some(4),
            ..Default::default()
        });
        assert!(e.contains("`window`") && e.contains("odd"), "{e}");
        let e = err(DenoiserParams {
            polyorder: Some(2),
            ..Default::default()
        });
        assert!(e.contains("filter savgol, not of `median`"), "{e}");
        let e = err(DenoiserParams {
            filter: DenoiseFilter::Savgol,
            window_length: Some(5),
            ..Default::default()
        });
        assert!(e.contains("polyorder"), "{e}");
        let e = err(DenoiserParams {
            filter: DenoiseFilter::Savgol,
            window_length: Some(5),
            polyorder: Some(5),
            ..Default::default()
        });
        assert!(e.contains("less than window_length"), "{e}");
        let e = err(DenoiserParams {
            filter: DenoiseFilter::FftLowpass,
            cutoff: Some(1.5),
            ..Default::default()
        });
        assert!(e.contains("(0, 1]"), "{e}");
        let e = err(DenoiserParams {
            mode: Some(DenoiseMode::Symmetric),
            ..Default::default()
        });
        assert!(e.contains("reflect, mirror"), "{e}");
        let e = err(DenoiserParams {
            filter: DenoiseFilter::Wavelet,
            level: Some(0),
            ..Default::default()
        });
        assert!(e.contains("`level`"), "{e}");
        let e = err(DenoiserParams {
            columns: Some(vec!["a".into(), "a".into()]),
            ..Default::default()
        });
        assert!(e.contains("twice"), "{e}");
    }
}
