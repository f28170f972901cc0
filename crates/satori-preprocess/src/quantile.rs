//! [`QuantileTransformer`]: scikit-learn's `QuantileTransformer` with `subsample=None` (every
//! row is used), mapping each column through its empirical distribution to a uniform or a normal
//! one.
//!
//! Fit stores `n_quantiles` quantiles per column at evenly spaced references `linspace(0, 1,
//! n_quantiles)` (numpy's `nanpercentile`, linear interpolation; `n_quantiles` is capped at the
//! number of rows). Transform interpolates as scikit-learn does, averaging `np.interp` run upwards
//! and downwards so that repeated quantiles map to the middle of their references; values at (or,
//! for `normal`, within 1e-7 of) the extreme quantiles map to 0 and 1, and the `normal` output is
//! the standard normal quantile of that (Cephes' `ndtri`, as scipy's `norm.ppf`), clipped to the
//! quantiles of `1e-7` and `1 - 1e-7`. NaN is ignored at fit and kept in transform; ±inf is an
//! error. Sample weights are ignored (scikit-learn's class takes none).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::QuantileTransformerParams;
//!
//! let x = array![[1.0], [2.0], [3.0], [10.0], [f64::NAN]];
//! let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
//! let params = QuantileTransformerParams { n_quantiles: 4, ..Default::default() };
//! let out = params.fit(&data).unwrap().transform(x.view()).unwrap();
//! for (got, want) in out.column(0).iter().zip([0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]) {
//!     assert!((got - want).abs() < 1e-15); // numpy's percentile arithmetic, to the last bit
//! }
//! assert!(out[[4, 0]].is_nan());
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::numeric::percentile_linear_sorted;
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::util::{
    check_input, check_no_infinity, check_not_empty, map_columns, map_rows, present,
};

/// The distribution a [`QuantileTransformer`] maps to (scikit-learn's `output_distribution`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputDistribution {
    /// Uniform on [0, 1].
    #[default]
    Uniform,
    /// Standard normal.
    Normal,
}

/// Parameters of a [`QuantileTransformer`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct QuantileTransformerParams {
    /// The number of quantiles stored per column (capped at the number of rows). Default 1000;
    /// at least 1.
    pub n_quantiles: usize,
    /// The output distribution. Default `uniform`; `uniform` or `normal`.
    pub output_distribution: OutputDistribution,
}

impl Default for QuantileTransformerParams {
    fn default() -> Self {
        QuantileTransformerParams {
            n_quantiles: 1000,
            output_distribution: OutputDistribution::Uniform,
        }
    }
}

impl Params for QuantileTransformerParams {
    fn validate(&self) -> Result<()> {
        if self.n_quantiles == 0 {
            return Err(Error::param("n_quantiles", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// A fitted [`QuantileTransformerParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantileTransformer {
    output_distribution: OutputDistribution,
    #[serde(with = "crate::serde_nan::vec")]
    references: Vec<f64>,
    /// `quantiles[j]`: the quantiles of column `j` at the references.
    quantiles: Vec<QuantileColumn>,
}

/// The quantiles of one column (NaN throughout for a column with no observed value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct QuantileColumn {
    #[serde(with = "crate::serde_nan::vec")]
    values: Vec<f64>,
}

/// `np.linspace(0, 1, n)`.
fn linspace01(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![0.0];
    }
    let step = 1.0 / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step).collect();
    v[n - 1] = 1.0;
    v
}

impl Estimator for QuantileTransformerParams {
    type Model = QuantileTransformer;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<QuantileTransformer> {
        self.validate()?;
        let x = data.x();
        check_not_empty(x.nrows(), "QuantileTransformer")?;
        check_no_infinity(x, "QuantileTransformer")?;
        let n_quantiles = self.n_quantiles.min(x.nrows()).max(1);
        let references = linspace01(n_quantiles);
        let quantiles = map_columns(x, |_, col| {
            let mut v = present(col);
            v.sort_unstable_by(f64::total_cmp);
            let values = if v.is_empty() {
                vec![f64::NAN; n_quantiles]
            } else {
                references
                    .iter()
                    // np.nanpercentile(col, references * 100), as scikit-learn calls it.
                    .map(|r| percentile_linear_sorted(&v, r * 100.0).unwrap_or(f64::NAN))
                    .collect()
            };
            QuantileColumn { values }
        });
        Ok(QuantileTransformer {
            output_distribution: self.output_distribution,
            references,
            quantiles,
        })
    }
}

/// `np.interp(x, xp, fp)` for increasing `xp` (ties allowed) and non-NaN `x`.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x < xp[0] {
        return fp[0];
    }
    if x > xp[n - 1] {
        return fp[n - 1];
    }
    // The last j with xp[j] <= x (numpy's binary_search_with_guess).
    let j = xp.partition_point(|&v| v <= x).saturating_sub(1);
    if j == n - 1 || xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + fp[j + 1];
        if r2.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return r2;
    }
    r
}

/// Threshold of the `normal` output's bounds (scikit-learn's `BOUNDS_THRESHOLD`).
const BOUNDS_THRESHOLD: f64 = 1e-7;

impl QuantileTransformer {
    /// The references, `linspace(0, 1, n_quantiles)` (`references_`).
    pub fn references(&self) -> &[f64] {
        &self.references
    }

    /// The quantiles of column `j` at the references (a column of `quantiles_`).
    pub fn quantiles(&self, j: usize) -> Option<&[f64]> {
        self.quantiles.get(j).map(|q| q.values.as_slice())
    }

    /// The transform of one value of a column with quantiles `q` (and `neg_q`, `neg_refs`: the
    /// negated, reversed quantiles and references).
    fn forward(&self, x: f64, q: &[f64], neg_q: &[f64], neg_refs: &[f64]) -> f64 {
        if x.is_nan() || q[0].is_nan() {
            return f64::NAN;
        }
        let (lo, hi) = (q[0], q[q.len() - 1]);
        let normal = self.output_distribution == OutputDistribution::Normal;
        let (at_lo, at_hi) = if normal {
            (x - BOUNDS_THRESHOLD < lo, x + BOUNDS_THRESHOLD > hi)
        } else {
            (x == lo, x == hi)
        };
        let mut v = 0.5 * (interp(x, q, &self.references) - interp(-x, neg_q, neg_refs));
        if at_hi {
            v = 1.0;
        }
        if at_lo {
            v = 0.0;
        }
        if normal {
            let clip_min = ndtri(BOUNDS_THRESHOLD - f64::EPSILON);
            let clip_max = ndtri(1.0 - (BOUNDS_THRESHOLD - f64::EPSILON));
            v = ndtri(v).clamp(clip_min, clip_max);
        }
        v
    }
}

impl Transformer for QuantileTransformer {
    fn n_features_in(&self) -> usize {
        self.quantiles.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        input.to_vec()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.n_features_in();
        check_input(x, p, "QuantileTransformer")?;
        let neg_refs: Vec<f64> = self.references.iter().rev().map(|r| -r).collect();
        let neg_q: Vec<Vec<f64>> = self
            .quantiles
            .iter()
            .map(|q| q.values.iter().rev().map(|v| -v).collect())
            .collect();
        map_rows(x, p, |row, out| {
            for j in 0..p {
                out[j] = self.forward(row[j], &self.quantiles[j].values, &neg_q[j], &neg_refs);
            }
        })
    }
}

/// Cephes' `ndtri`, the standard normal quantile function, as scipy's `special.ndtri` (and so
/// `stats.norm.ppf`) computes it: a rational approximation in `(y - 1/2)²` in the centre and in
/// `1 / sqrt(-2 log y)` in the tails. `ndtri(0) = -inf`, `ndtri(1) = inf`, NaN outside [0, 1].
#[allow(clippy::excessive_precision)] // Cephes' coefficients verbatim: the same f64 as in C
pub(crate) fn ndtri(y0: f64) -> f64 {
    const S2PI: f64 = 2.506_628_274_631_000_502_42;
    const EXP_NEG2: f64 = 0.135_335_283_236_612_691_89;
    const P0: [f64; 5] = [
        -5.996_335_010_141_078_952_67E1,
        9.800_107_541_859_996_615_36E1,
        -5.667_628_574_690_702_934_39E1,
        1.393_126_093_872_796_795_03E1,
        -1.239_165_838_673_812_580_16E0,
    ];
    const Q0: [f64; 8] = [
        1.954_488_583_381_417_598_34E0,
        4.676_279_128_988_815_384_53E0,
        8.636_024_213_908_905_905_75E1,
        -2.254_626_878_541_193_705_27E2,
        2.002_602_123_800_606_603_59E2,
        -8.203_722_561_683_333_399_12E1,
        1.590_562_251_262_116_955_15E1,
        -1.183_316_211_213_300_031_42E0,
    ];
    const P1: [f64; 9] = [
        4.055_448_923_059_624_199_23E0,
        3.152_510_945_998_938_661_54E1,
        5.716_281_922_464_212_881_62E1,
        4.408_050_738_932_008_347_00E1,
        1.468_495_619_288_580_240_14E1,
        2.186_633_068_507_902_675_39E0,
        -1.402_560_791_713_544_958_75E-1,
        -3.504_246_268_278_482_034_18E-2,
        -8.574_567_851_546_854_136_11E-4,
    ];
    const Q1: [f64; 8] = [
        1.577_998_832_564_667_497_31E1,
        4.539_076_351_288_792_105_84E1,
        4.131_720_382_546_720_304_40E1,
        1.504_253_856_929_075_034_08E1,
        2.504_649_462_083_094_159_79E0,
        -1.421_829_228_547_877_885_74E-1,
        -3.808_064_076_915_782_771_94E-2,
        -9.332_594_808_954_574_273_72E-4,
    ];
    const P2: [f64; 9] = [
        3.237_748_917_769_460_359_70E0,
        6.915_228_890_689_842_116_95E0,
        3.938_810_252_924_744_434_15E0,
        1.333_034_608_158_075_423_89E0,
        2.014_853_895_491_790_815_38E-1,
        1.237_166_348_178_200_213_58E-2,
        3.015_815_535_082_354_160_07E-4,
        2.658_069_746_867_375_508_32E-6,
        6.239_745_391_849_832_937_30E-9,
    ];
    const Q2: [f64; 8] = [
        6.024_270_393_647_420_142_55E0,
        3.679_835_638_561_608_594_03E0,
        1.377_020_994_890_813_302_71E0,
        2.162_369_935_944_966_358_90E-1,
        1.342_040_060_885_431_890_37E-2,
        3.280_144_646_821_277_391_04E-4,
        2.892_478_647_453_806_839_36E-6,
        6.790_194_080_099_812_744_25E-9,
    ];
    // Cephes' polevl (leading coefficient given) and p1evl (leading coefficient 1).
    fn polevl(x: f64, c: &[f64]) -> f64 {
        c[1..].iter().fold(c[0], |acc, &k| acc * x + k)
    }
    fn p1evl(x: f64, c: &[f64]) -> f64 {
        c[1..].iter().fold(x + c[0], |acc, &k| acc * x + k)
    }
    if y0.is_nan() || !(0.0..=1.0).contains(&y0) {
        return f64::NAN;
    }
    if y0 == 0.0 {
        return f64::NEG_INFINITY;
    }
    if y0 == 1.0 {
        return f64::INFINITY;
    }
    let mut y = y0;
    let mut negate = true;
    if y > 1.0 - EXP_NEG2 {
        y = 1.0 - y;
        negate = false;
    }
    if y > EXP_NEG2 {
        let y = y - 0.5;
        let y2 = y * y;
        let x = y + y * (y2 * polevl(y2, &P0) / p1evl(y2, &Q0));
        return x * S2PI;
    }
    let x = (-2.0 * y.ln()).sqrt();
    let x0 = x - x.ln() / x;
    let z = 1.0 / x;
    let x1 = if x < 8.0 {
        z * polevl(z, &P1) / p1evl(z, &Q1)
    } else {
        z * polevl(z, &P2) / p1evl(z, &Q2)
    };
    let x = x0 - x1;
    if negate { -x } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ndtri_known_values() {
        assert_eq!(ndtri(0.5), 0.0);
        assert!((ndtri(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
        assert!((ndtri(1e-10) + 6.361_340_902_404_056).abs() < 1e-13);
        assert_eq!(ndtri(0.0), f64::NEG_INFINITY);
        assert!(ndtri(1.5).is_nan());
    }

    #[test]
    fn interp_follows_numpy() {
        let xp = [1.0, 2.0, 2.0, 4.0];
        let fp = [0.0, 0.25, 0.5, 1.0];
        assert_eq!(interp(0.0, &xp, &fp), 0.0);
        assert_eq!(interp(2.0, &xp, &fp), 0.5); // the last of the tied xp
        assert_eq!(interp(3.0, &xp, &fp), 0.75);
        assert_eq!(interp(9.0, &xp, &fp), 1.0);
    }

    #[test]
    fn ties_map_to_the_middle_and_normal_is_clipped() {
        let x = array![[1.0], [2.0], [2.0], [2.0], [3.0]];
        let data = Dataset::new(x.clone(), vec!["a".into()]).unwrap();
        let p = QuantileTransformerParams {
            n_quantiles: 5,
            ..Default::default()
        };
        let out = p.fit(&data).unwrap().transform(x.view()).unwrap();
        assert_eq!(out[[1, 0]], 0.5);
        let normal = QuantileTransformerParams {
            n_quantiles: 5,
            output_distribution: OutputDistribution::Normal,
        };
        let out = normal.fit(&data).unwrap().transform(x.view()).unwrap();
        assert!(out[[0, 0]] < -5.0 && out[[0, 0]].is_finite());
        assert_eq!(out[[1, 0]], 0.0);
    }
}
