//! The discrete wavelet transform of PyWavelets (`pywt.dwt`/`idwt`, `wavedec`/`waverec`) for
//! Haar and Daubechies 2-8, in the `symmetric` and `periodization` modes, and universal-threshold
//! denoising on top of it.
//!
//! Decomposition (`pywt`'s `downsampling_convolution`): with the decomposition filter `h` of
//! length `F`, output `o` is `Σ_j h[j] · x̃[i - j]` with `i = 2o + 1` for `o < (N + F - 1) / 2`
//! (`symmetric`, `x̃` the half-sample symmetric extension of `x`), or `i = F/2 + 2o` for
//! `o < ceil(N / 2)` (`periodization`, `x̃` periodic with period `N` rounded up to even, an odd
//! signal first extended by a copy of its last sample). Reconstruction
//! (`upsampling_convolution_valid_sf`) sums the approximation then the detail contributions,
//! `out[2m] += Σ_j g[2j] · c[i - j]`, `out[2m + 1] += Σ_j g[2j + 1] · c[i - j]` over
//! `j < F/2`, with `i = F/2 - 1 + m` and `2N - F + 2` outputs (`symmetric`), or with `i` and the
//! output index taken periodically and `2N` outputs (`periodization`, shifted by one sample when
//! `F/2` is even, as PyWavelets does for perfect reconstruction).

use serde::{Deserialize, Serialize};

use super::{ThresholdMode, Wavelet};
use satori_core::numeric::median_in_place;

/// PyWavelets' decomposition low-pass filters (`pywt.Wavelet(name).dec_lo`), bit for bit.
const HAAR: [f64; 2] = [std::f64::consts::FRAC_1_SQRT_2; 2];
const DB2: [f64; 4] = [
    -0.12940952255126037,
    0.2241438680420134,
    0.8365163037378079,
    0.48296291314453416,
];
const DB3: [f64; 6] = [
    0.03522629188570953,
    -0.08544127388202666,
    -0.13501102001025458,
    0.45987750211849154,
    0.8068915093110925,
    0.33267055295008263,
];
const DB4: [f64; 8] = [
    -0.010597401785069032,
    0.0328830116668852,
    0.030841381835560764,
    -0.18703481171909309,
    -0.027983769416859854,
    0.6308807679298589,
    0.7148465705529157,
    0.2303778133088965,
];
const DB5: [f64; 10] = [
    0.0033357252854737712,
    -0.012580751999081999,
    -0.006241490212798274,
    0.07757149384004572,
    -0.032244869584638375,
    -0.24229488706638203,
    0.13842814590132074,
    0.7243085284377729,
    0.6038292697971896,
    0.16010239797419293,
];
const DB6: [f64; 12] = [
    -0.0010773010853084796,
    0.004777257510945511,
    0.0005538422011614961,
    -0.03158203931748603,
    0.027522865530305727,
    0.09750160558732304,
    -0.12976686756726194,
    -0.22626469396543983,
    0.31525035170919763,
    0.7511339080210954,
    0.49462389039845306,
    0.11154074335010947,
];
const DB7: [f64; 14] = [
    0.00035371379997452024,
    -0.0018016407040474908,
    0.0004295779729213665,
    0.01255099855609984,
    -0.01657454163066688,
    -0.03802993693501441,
    0.08061260915108308,
    0.07130921926683026,
    -0.22403618499387498,
    -0.14390600392856498,
    0.4697822874051931,
    0.7291320908462351,
    0.3965393194819173,
    0.07785205408500918,
];
const DB8: [f64; 16] = [
    -0.00011747678412476953,
    0.0006754494064505693,
    -0.00039174037337694705,
    -0.004870352993451574,
    0.008746094047405777,
    0.013981027917398282,
    -0.044088253930794755,
    -0.017369301001807547,
    0.12874742662047847,
    0.0004724845739132828,
    -0.2840155429615469,
    -0.015829105256349306,
    0.5853546836542067,
    0.6756307362972898,
    0.31287159091429995,
    0.05441584224310401,
];

impl Wavelet {
    /// The wavelet's name in PyWavelets.
    pub fn name(self) -> &'static str {
        match self {
            Wavelet::Haar => "haar",
            Wavelet::Db2 => "db2",
            Wavelet::Db3 => "db3",
            Wavelet::Db4 => "db4",
            Wavelet::Db5 => "db5",
            Wavelet::Db6 => "db6",
            Wavelet::Db7 => "db7",
            Wavelet::Db8 => "db8",
        }
    }

    fn dec_lo(self) -> &'static [f64] {
        match self {
            Wavelet::Haar => &HAAR,
            Wavelet::Db2 => &DB2,
            Wavelet::Db3 => &DB3,
            Wavelet::Db4 => &DB4,
            Wavelet::Db5 => &DB5,
            Wavelet::Db6 => &DB6,
            Wavelet::Db7 => &DB7,
            Wavelet::Db8 => &DB8,
        }
    }

    /// The length of the wavelet's filters.
    pub fn filter_len(self) -> usize {
        self.dec_lo().len()
    }

    /// `pywt.dwt_max_level(n, filter_len)`: the deepest level at which the coarsest
    /// coefficients still span at least one filter length, `⌊log2(n / (F - 1))⌋` in integer
    /// arithmetic (0 when `n < F - 1`).
    pub fn max_level(self, n: usize) -> usize {
        let f = self.filter_len();
        if n < f - 1 {
            return 0;
        }
        let q = n / (f - 1);
        (usize::BITS - 1 - q.leading_zeros()) as usize
    }
}

/// The edge mode of the transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum WaveletMode {
    /// Half-sample symmetric extension.
    Symmetric,
    /// Periodic extension, `ceil(N/2)` coefficients per level.
    Periodization,
}

/// The four filters of an orthogonal wavelet, as PyWavelets derives them from `dec_lo`.
struct Filters {
    dec_lo: Vec<f64>,
    dec_hi: Vec<f64>,
    rec_lo: Vec<f64>,
    rec_hi: Vec<f64>,
}

impl Filters {
    fn new(w: Wavelet) -> Filters {
        let dec_lo = w.dec_lo().to_vec();
        let rec_lo: Vec<f64> = dec_lo.iter().rev().copied().collect();
        let dec_hi: Vec<f64> = rec_lo
            .iter()
            .enumerate()
            .map(|(i, &v)| if i % 2 == 0 { -v } else { v })
            .collect();
        let rec_hi: Vec<f64> = dec_hi.iter().rev().copied().collect();
        Filters {
            dec_lo,
            dec_hi,
            rec_lo,
            rec_hi,
        }
    }
}

/// The value at any index of the extended signal.
fn extended(x: &[f64], i: isize, mode: WaveletMode) -> f64 {
    let n = x.len() as isize;
    match mode {
        WaveletMode::Symmetric => {
            let m = i.rem_euclid(2 * n);
            x[(if m < n { m } else { 2 * n - 1 - m }) as usize]
        }
        WaveletMode::Periodization => {
            let padded = n + n % 2;
            let m = i.rem_euclid(padded).min(n - 1);
            x[m as usize]
        }
    }
}

/// One level of the transform of a non-empty `x` with one decomposition filter.
fn downsample(x: &[f64], filter: &[f64], mode: WaveletMode) -> Vec<f64> {
    let n = x.len();
    let f = filter.len();
    let (first, len) = match mode {
        WaveletMode::Symmetric => (1, (n + f - 1) / 2),
        WaveletMode::Periodization => (f / 2, n.div_ceil(2)),
    };
    (0..len)
        .map(|o| {
            let i = first + 2 * o;
            let mut sum = 0.0;
            if i + 1 >= f && i < n {
                // the whole filter over the signal: no extension
                for (j, &h) in filter.iter().enumerate() {
                    sum += h * x[i - j];
                }
            } else {
                for (j, &h) in filter.iter().enumerate() {
                    sum += h * extended(x, i as isize - j as isize, mode);
                }
            }
            sum
        })
        .collect()
}

/// Add the reconstruction of coefficients `c` with filter `g` into `out`.
fn upsample_add(c: &[f64], g: &[f64], mode: WaveletMode, out: &mut [f64]) {
    let n = c.len();
    let half = g.len() / 2;
    match mode {
        WaveletMode::Symmetric => {
            for m in 0..(n + 1).saturating_sub(half) {
                let i = half - 1 + m;
                let (mut even, mut odd) = (0.0, 0.0);
                for j in 0..half {
                    even += g[2 * j] * c[i - j];
                    odd += g[2 * j + 1] * c[i - j];
                }
                out[2 * m] += even;
                out[2 * m + 1] += odd;
            }
        }
        WaveletMode::Periodization => {
            let shift = usize::from(half.is_multiple_of(2));
            let start = (g.len() / 4) as isize - shift as isize;
            let len = 2 * n as isize;
            for t in 0..n as isize {
                let i = start + t;
                let o = (2 * t - shift as isize).rem_euclid(len) as usize;
                let o1 = (o + 1) % (2 * n);
                for j in 0..half {
                    let v = c[(i - j as isize).rem_euclid(n as isize) as usize];
                    out[o] += g[2 * j] * v;
                    out[o1] += g[2 * j + 1] * v;
                }
            }
        }
    }
}

/// `pywt.idwt(a, d)`: `a` and `d` of the same length.
fn idwt(a: &[f64], d: &[f64], filters: &Filters, mode: WaveletMode) -> Vec<f64> {
    let n = a.len();
    let len = match mode {
        WaveletMode::Symmetric => (2 * n + 2).saturating_sub(filters.rec_lo.len()),
        WaveletMode::Periodization => 2 * n,
    };
    let mut out = vec![0.0; len];
    upsample_add(a, &filters.rec_lo, mode, &mut out);
    upsample_add(d, &filters.rec_hi, mode, &mut out);
    out
}

/// `pywt.wavedec`: the approximation at `level` and the details from the coarsest level to the
/// finest.
fn wavedec(
    x: &[f64],
    filters: &Filters,
    mode: WaveletMode,
    level: usize,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut a = x.to_vec();
    let mut details = Vec::with_capacity(level);
    for _ in 0..level {
        let d = downsample(&a, &filters.dec_hi, mode);
        a = downsample(&a, &filters.dec_lo, mode);
        details.push(d);
    }
    details.reverse();
    (a, details)
}

/// `pywt.waverec`: details from the coarsest to the finest; an approximation one longer than
/// the next details loses its last value first.
fn waverec(a: Vec<f64>, details: &[Vec<f64>], filters: &Filters, mode: WaveletMode) -> Vec<f64> {
    let mut a = a;
    for d in details {
        if a.len() == d.len() + 1 {
            a.pop();
        }
        a = idwt(&a, d, filters, mode);
    }
    a
}

/// `pywt.threshold(v, t, mode)`, in PyWavelets' arithmetic: soft is `v · max(1 - t/|v|, 0)`
/// (0 for `v = 0`), hard keeps `v` where `|v| >= t`.
fn threshold(v: f64, t: f64, mode: ThresholdMode) -> f64 {
    match mode {
        ThresholdMode::Soft => {
            if v == 0.0 {
                0.0
            } else {
                v * (1.0 - t / v.abs()).max(0.0)
            }
        }
        ThresholdMode::Hard => {
            if v.abs() < t {
                0.0
            } else {
                v
            }
        }
    }
}

/// Universal-threshold wavelet denoising of `x` (its length at least `wavelet.filter_len() - 1`
/// and `level` at most `wavelet.max_level(x.len())`).
pub(crate) fn denoise(
    x: &[f64],
    wavelet: Wavelet,
    mode: WaveletMode,
    level: usize,
    how: ThresholdMode,
) -> Vec<f64> {
    let filters = Filters::new(wavelet);
    let (a, mut details) = wavedec(x, &filters, mode, level);
    let mut finest: Vec<f64> = details
        .last()
        .map(|d| d.iter().map(|v| v.abs()).collect())
        .unwrap_or_default();
    let sigma = median_in_place(&mut finest).unwrap_or(0.0) / 0.6745;
    let t = sigma * (2.0 * (x.len() as f64).ln()).sqrt();
    for d in &mut details {
        d.iter_mut().for_each(|v| *v = threshold(*v, t, how));
    }
    let mut y = waverec(a, &details, &filters, mode);
    y.truncate(x.len());
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Wavelet; 8] = [
        Wavelet::Haar,
        Wavelet::Db2,
        Wavelet::Db3,
        Wavelet::Db4,
        Wavelet::Db5,
        Wavelet::Db6,
        Wavelet::Db7,
        Wavelet::Db8,
    ];

    #[test]
    fn max_level_as_pywt() {
        assert_eq!(Wavelet::Db4.max_level(6), 0);
        assert_eq!(Wavelet::Db4.max_level(7), 0);
        assert_eq!(Wavelet::Db4.max_level(14), 1);
        assert_eq!(Wavelet::Db4.max_level(1000), 7);
        assert_eq!(Wavelet::Haar.max_level(1), 0);
        assert_eq!(Wavelet::Haar.max_level(1024), 10);
    }

    #[test]
    fn perfect_reconstruction() {
        for w in ALL {
            let f = Filters::new(w);
            for n in [17usize, 40, 101] {
                let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 31) as f64 - 15.0).collect();
                for mode in [WaveletMode::Symmetric, WaveletMode::Periodization] {
                    let level = w.max_level(n).max(1);
                    let (a, d) = wavedec(&x, &f, mode, level);
                    let mut y = waverec(a, &d, &f, mode);
                    assert!(y.len() >= n, "{w:?} {n} {mode:?}");
                    y.truncate(n);
                    for (u, v) in x.iter().zip(&y) {
                        assert!((u - v).abs() < 1e-10, "{w:?} {n} {mode:?}: {u} vs {v}");
                    }
                }
            }
        }
    }

    #[test]
    fn haar_by_hand_and_thresholds() {
        let f = Filters::new(Wavelet::Haar);
        let (a, d) = wavedec(&[1.0, 3.0], &f, WaveletMode::Symmetric, 1);
        let s = std::f64::consts::SQRT_2;
        assert!((a[0] - 4.0 / s).abs() < 1e-15 && (d[0][0] + 2.0 / s).abs() < 1e-15);
        assert_eq!(
            threshold(3.0, 1.0, ThresholdMode::Soft),
            3.0 * (1.0 - 1.0 / 3.0)
        );
        assert_eq!(threshold(-0.5, 1.0, ThresholdMode::Soft), 0.0);
        assert_eq!(threshold(0.0, 0.0, ThresholdMode::Soft), 0.0);
        assert_eq!(threshold(1.0, 1.0, ThresholdMode::Hard), 1.0);
        assert_eq!(threshold(-0.99, 1.0, ThresholdMode::Hard), 0.0);
    }
}
