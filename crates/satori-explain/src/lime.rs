//! LIME for tabular data: a local linear surrogate of the model around one row, the algorithm
//! and defaults of the `lime` package's `LimeTabularExplainer` (Ribeiro et al. 2016).
//!
//! 1. Each numeric column of the background data is cut at its quartiles (25 %, 50 %, 75 %)
//!    into up to four bins (`discretizer="quartile"`); categorical and boolean columns keep
//!    their categories.
//! 2. `n_samples` (5000) perturbed rows are drawn: for every column a bin (or category) is drawn
//!    with the background's frequencies, and a numeric value inside the bin from a normal with
//!    the bin's mean and standard deviation, truncated to the bin's range. The first sample is
//!    the row itself. Text columns are not perturbed (they keep the row's text and get no
//!    weight).
//! 3. Each sample is coded as 0/1 per column: 1 where it falls in the row's bin (or category).
//!    Its distance to the row is the Euclidean distance of these codes, and its weight
//!    `sqrt(exp(-d² / w²))` with the kernel width `w = 0.75 · sqrt(columns)`.
//! 4. A weighted ridge regression (`alpha = 1`, with intercept) of the model's output on the
//!    codes gives one weight per column: how much being in the row's bin moves the output,
//!    locally. Its weighted R² (`score`) says how well the surrogate fits.
//!
//! The draws come from a seeded generator of our own, so the numbers are reproducible but not
//! the `lime` package's draw for draw. **LIME is not additive**: the weights do not add up to the
//! prediction (the surrogate's own prediction at the row is `intercept + Σ weights`, reported as
//! `local_prediction`, next to the model's); they are a local, approximate ranking, unlike SHAP
//! values, and so have their own result type rather than an `Explanation`.

use ndarray::{Array1, Array2};
use satori_core::{ColumnKind, Error, Result};
use satori_data::{Column, Table};
use satori_pipeline::FittedPipeline;
use serde::Serialize;

use crate::importance::{input_positions, single_target};
use crate::pdp::response;

/// How LIME samples and fits.
#[derive(Debug, Clone, PartialEq)]
pub struct LimeParams {
    /// Perturbed samples per explained row (lime's `num_samples`, 5000).
    pub n_samples: usize,
    /// The kernel width; `None` uses lime's `0.75 · sqrt(columns)`.
    pub kernel_width: Option<f64>,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for LimeParams {
    fn default() -> Self {
        LimeParams {
            n_samples: 5000,
            kernel_width: None,
            seed: 0,
        }
    }
}

/// LIME's explanation of one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimeExplanation {
    /// The explained row's index in the data.
    pub row: usize,
    /// The output explained (`value`, the positive class, or the predicted class).
    pub output: String,
    /// The input columns.
    pub columns: Vec<String>,
    /// Per column, the row's bin or category as lime words it (`age <= 35`, `35 < age <= 50`,
    /// `colour=red`); empty for text columns.
    pub conditions: Vec<String>,
    /// Per column, the surrogate's weight (0 for text columns).
    pub weights: Vec<f64>,
    /// The surrogate's intercept.
    pub intercept: f64,
    /// The surrogate's prediction at the row (`intercept + Σ weights`).
    pub local_prediction: f64,
    /// The model's prediction at the row.
    pub prediction: f64,
    /// The surrogate's weighted R² on the samples.
    pub score: f64,
    /// Samples drawn.
    pub n_samples: usize,
    /// The kernel width used.
    pub kernel_width: f64,
}

/// How one column is discretised.
enum Feature {
    /// Quartile edges and per-bin statistics (mean, std, min, max) and frequencies.
    Numeric {
        edges: Vec<f64>,
        stats: Vec<(f64, f64, f64, f64)>,
        freq: Vec<f64>,
    },
    /// Category codes and their frequencies.
    Categorical { codes: Vec<f64>, freq: Vec<f64> },
    /// Not perturbed.
    Fixed,
}

/// `numpy.percentile` (linear interpolation) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The bin of `v` (numpy's `searchsorted(edges, v)`, left side).
fn bin_of(edges: &[f64], v: f64) -> usize {
    edges.iter().take_while(|&&e| e < v).count()
}

fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

impl Feature {
    fn build(values: &[f64], categorical: bool) -> Result<Feature> {
        let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return Ok(Feature::Fixed);
        }
        finite.sort_by(f64::total_cmp);
        if categorical {
            let mut codes = finite.clone();
            codes.dedup();
            let n = finite.len() as f64;
            let freq = codes
                .iter()
                .map(|c| finite.iter().filter(|v| *v == c).count() as f64 / n)
                .collect();
            return Ok(Feature::Categorical { codes, freq });
        }
        let mut edges: Vec<f64> = [25.0, 50.0, 75.0]
            .iter()
            .map(|&q| percentile(&finite, q))
            .collect();
        edges.dedup();
        let n_bins = edges.len() + 1;
        let mut members: Vec<Vec<f64>> = vec![Vec::new(); n_bins];
        for &v in &finite {
            members[bin_of(&edges, v)].push(v);
        }
        let n = finite.len() as f64;
        let freq = members.iter().map(|m| m.len() as f64 / n).collect();
        let stats = members
            .iter()
            .map(|m| {
                if m.is_empty() {
                    return (0.0, 0.0, 0.0, 0.0);
                }
                let k = m.len() as f64;
                let mean = m.iter().sum::<f64>() / k;
                let var = m.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / k;
                (mean, var.sqrt(), m[0], m[m.len() - 1])
            })
            .collect();
        Ok(Feature::Numeric { edges, stats, freq })
    }
}

/// A small seeded generator (SplitMix64) with uniform and normal draws.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// An index drawn with probabilities `p`.
    fn choice(&mut self, p: &[f64]) -> usize {
        let u = self.uniform();
        let mut acc = 0.0;
        for (i, &pi) in p.iter().enumerate() {
            acc += pi;
            if u < acc {
                return i;
            }
        }
        p.len() - 1
    }

    /// A normal(mean, std) draw truncated to [lo, hi] (rejection, then uniform as a fallback).
    fn truncated(&mut self, mean: f64, std: f64, lo: f64, hi: f64) -> f64 {
        if std <= 0.0 || hi <= lo {
            return mean.clamp(lo, hi);
        }
        for _ in 0..64 {
            let v = mean + std * self.normal();
            if (lo..=hi).contains(&v) {
                return v;
            }
        }
        lo + (hi - lo) * self.uniform()
    }
}

/// Weighted ridge regression with an unpenalised intercept (scikit-learn's `Ridge(alpha)` with
/// `sample_weight`): returns (intercept, coefficients, weighted R²).
#[allow(clippy::needless_range_loop)] // index loops read as the normal equations they solve
pub fn weighted_ridge(
    x: &Array2<f64>,
    y: &Array1<f64>,
    w: &Array1<f64>,
    alpha: f64,
) -> Result<(f64, Vec<f64>, f64)> {
    let (n, p) = x.dim();
    let sw: f64 = w.sum();
    if n == 0 || sw <= 0.0 {
        return Err(Error::InvalidData("no weighted samples to fit".into()));
    }
    let xm: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|i| w[i] * x[[i, j]]).sum::<f64>() / sw)
        .collect();
    let ym = (0..n).map(|i| w[i] * y[i]).sum::<f64>() / sw;
    // Normal equations on centred data: (Xcᵀ W Xc + αI) β = Xcᵀ W yc.
    let mut a = vec![vec![0.0; p + 1]; p];
    for i in 0..n {
        for j in 0..p {
            let xj = x[[i, j]] - xm[j];
            for k in j..p {
                a[j][k] += w[i] * xj * (x[[i, k]] - xm[k]);
            }
            a[j][p] += w[i] * xj * (y[i] - ym);
        }
    }
    for j in 0..p {
        for k in 0..j {
            a[j][k] = a[k][j];
        }
        a[j][j] += alpha;
    }
    // Gaussian elimination with partial pivoting (the matrix is positive definite).
    for c in 0..p {
        let piv = (c..p)
            .max_by(|&r, &s| a[r][c].abs().total_cmp(&a[s][c].abs()))
            .unwrap_or(c);
        a.swap(c, piv);
        let d = a[c][c];
        if d.abs() < 1e-300 {
            return Err(Error::Internal("singular ridge system".into()));
        }
        for r in 0..p {
            if r != c {
                let f = a[r][c] / d;
                if f != 0.0 {
                    for k in c..=p {
                        a[r][k] -= f * a[c][k];
                    }
                }
            }
        }
    }
    let beta: Vec<f64> = (0..p).map(|j| a[j][p] / a[j][j]).collect();
    let intercept = ym - beta.iter().zip(&xm).map(|(b, m)| b * m).sum::<f64>();
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for i in 0..n {
        let pred = intercept + (0..p).map(|j| beta[j] * x[[i, j]]).sum::<f64>();
        ss_res += w[i] * (y[i] - pred) * (y[i] - pred);
        ss_tot += w[i] * (y[i] - ym) * (y[i] - ym);
    }
    let score = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    Ok((intercept, beta, score))
}

/// LIME explanations of `rows` of `table` (which is also the background whose statistics
/// drive the sampling), for a pipeline: see the [module docs](self).
pub fn lime(
    pipeline: &FittedPipeline,
    table: &Table,
    rows: &[usize],
    params: &LimeParams,
) -> Result<Vec<LimeExplanation>> {
    if params.n_samples < 2 {
        return Err(Error::param("n_samples", "LIME needs at least 2 samples"));
    }
    let n = table.n_rows();
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: "LIME's background data".into(),
            needed: 1,
            got: 0,
        });
    }
    if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
        return Err(Error::param(
            "--rows",
            format!("row {bad} is outside the data, which has {n} rows"),
        ));
    }
    single_target(pipeline)?;
    let schema = pipeline.input_schema();
    let positions = input_positions(pipeline, table)?;
    let names: Vec<String> = schema.names().map(str::to_string).collect();
    let features: Vec<Feature> = names
        .iter()
        .zip(&positions)
        .map(|(name, &p)| match &table.columns[p] {
            Column::Values(v) => {
                let kind = &schema.get(name).expect("schema column").kind;
                let categorical =
                    matches!(kind, ColumnKind::Categorical { .. } | ColumnKind::Boolean);
                Feature::build(v, categorical)
            }
            Column::Strings(_) => Ok(Feature::Fixed),
        })
        .collect::<Result<_>>()?;
    let n_cols = names.len();
    let width = params.kernel_width.unwrap_or(0.75 * (n_cols as f64).sqrt());
    if !(width > 0.0 && width.is_finite()) {
        return Err(Error::param("kernel_width", "must be a positive number"));
    }
    let target = single_target(pipeline)?;
    rows.iter()
        .map(|&row| {
            let mut rng = Rng(params.seed ^ (row as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            let m = params.n_samples;
            // The samples as a table (the row repeated, then perturbed column by column) and
            // their 0/1 codes.
            let mut sample = table.select_rows(&vec![row; m])?;
            let mut codes = Array2::<f64>::zeros((m, n_cols));
            let mut conditions = Vec::with_capacity(n_cols);
            for (j, f) in features.iter().enumerate() {
                let p = positions[j];
                let name = &names[j];
                let Column::Values(src) = &table.columns[p] else {
                    conditions.push(String::new());
                    continue;
                };
                let x0 = src[row];
                let mut out = vec![x0; m];
                match f {
                    Feature::Numeric { edges, stats, freq } => {
                        let b0 = if x0.is_nan() {
                            usize::MAX
                        } else {
                            bin_of(edges, x0)
                        };
                        conditions.push(match b0 {
                            usize::MAX => format!("{name} is missing"),
                            0 => format!("{name} <= {}", fmt(edges[0])),
                            b if b == edges.len() => {
                                format!("{name} > {}", fmt(edges[b - 1]))
                            }
                            b => format!("{} < {name} <= {}", fmt(edges[b - 1]), fmt(edges[b])),
                        });
                        codes[[0, j]] = 1.0;
                        for (i, o) in out.iter_mut().enumerate().skip(1) {
                            let b = rng.choice(freq);
                            let (mean, std, lo, hi) = stats[b];
                            *o = rng.truncated(mean, std, lo, hi);
                            codes[[i, j]] = f64::from(b == b0);
                        }
                    }
                    Feature::Categorical { codes: cats, freq } => {
                        let label = schema
                            .get(name)
                            .and_then(|c| c.kind.categories())
                            .and_then(|c| c.get(x0 as usize).cloned())
                            .unwrap_or_else(|| format!("{x0}"));
                        conditions.push(format!("{name}={label}"));
                        codes[[0, j]] = 1.0;
                        for (i, o) in out.iter_mut().enumerate().skip(1) {
                            let c = cats[rng.choice(freq)];
                            *o = c;
                            codes[[i, j]] = f64::from(c == x0);
                        }
                    }
                    Feature::Fixed => {
                        conditions.push(String::new());
                        continue;
                    }
                }
                out[0] = x0;
                sample.columns[p] = Column::Values(out);
            }
            let y_all = response(&pipeline.predict_table(&sample)?)?;
            // The output: regression value, the positive class, or the row's predicted class.
            let k = if y_all.ncols() == 1 {
                0
            } else {
                let r0 = y_all.row(0);
                (0..r0.len())
                    .max_by(|&a, &b| r0[a].total_cmp(&r0[b]))
                    .unwrap_or(0)
            };
            let output = match (&target.classes, y_all.ncols()) {
                (Some(c), 1) if c.len() == 2 => c[1].clone(),
                (Some(c), _) => c.get(k).cloned().unwrap_or_default(),
                (None, _) => "value".into(),
            };
            let y = y_all.column(k).to_owned();
            let weights: Array1<f64> = codes
                .rows()
                .into_iter()
                .map(|r| {
                    let d2: f64 = r.iter().map(|c| (c - 1.0) * (c - 1.0)).sum();
                    (-d2 / (width * width)).exp().sqrt()
                })
                .collect();
            let (intercept, beta, score) = weighted_ridge(&codes, &y, &weights, 1.0)?;
            let beta: Vec<f64> = beta
                .into_iter()
                .zip(&features)
                .map(|(b, f)| if matches!(f, Feature::Fixed) { 0.0 } else { b })
                .collect();
            Ok(LimeExplanation {
                row,
                output,
                columns: names.clone(),
                conditions,
                local_prediction: intercept + beta.iter().sum::<f64>(),
                weights: beta,
                intercept,
                prediction: y[0],
                score,
                n_samples: m,
                kernel_width: width,
            })
        })
        .collect()
}

/// LIME explanations as CSV in long form: `row,output,column,condition,weight`, each row's
/// columns by decreasing |weight|.
pub fn lime_csv(explanations: &[LimeExplanation]) -> String {
    let f = crate::importance::csv_field;
    let mut out = String::from("row,output,column,condition,weight\n");
    for e in explanations {
        let mut order: Vec<usize> = (0..e.columns.len()).collect();
        order.sort_by(|&a, &b| e.weights[b].abs().total_cmp(&e.weights[a].abs()));
        for j in order {
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                e.row,
                f(&e.output),
                f(&e.columns[j]),
                f(&e.conditions[j]),
                e.weights[j]
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ridge_recovers_a_line_and_shrinks() {
        let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]];
        let y = x.column(0).mapv(|v| 3.0 * v) + x.column(1).mapv(|v| -2.0 * v) + 0.5;
        let w = Array1::ones(5);
        let (b0, b, r2) = weighted_ridge(&x, &y, &w, 0.0).unwrap();
        assert!(
            (b0 - 0.5).abs() < 1e-12 && (b[0] - 3.0).abs() < 1e-12,
            "{b0} {b:?}"
        );
        assert!((b[1] + 2.0).abs() < 1e-12 && (r2 - 1.0).abs() < 1e-12);
        let (_, shrunk, _) = weighted_ridge(&x, &y, &w, 1.0).unwrap();
        assert!(shrunk[0] < 3.0 && shrunk[0] > 0.0, "{shrunk:?}");
    }

    #[test]
    fn quartile_bins_follow_numpy() {
        let v: Vec<f64> = (1..=8).map(f64::from).collect();
        let Feature::Numeric { edges, freq, .. } = Feature::build(&v, false).unwrap() else {
            panic!("numeric")
        };
        assert_eq!(edges, vec![2.75, 4.5, 6.25]);
        assert_eq!(freq, vec![0.25; 4]);
        assert_eq!(bin_of(&edges, 2.75), 0);
        assert_eq!(bin_of(&edges, 2.76), 1);
    }
}
