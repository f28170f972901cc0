//! The univariate score functions of scikit-learn's `feature_selection`: `f_classif`,
//! `f_regression` and `chi2`, each giving one score and one p-value per feature, with
//! scikit-learn's formulas evaluated in its order of operations (sums over rows in row order).
//! The statistics are finished from per-column sums by [`f_regression_from_sums`] and
//! [`chi2_from_counts`], which the CSR versions (`super::score_csr`) share, so dense and sparse
//! input score alike to the last bit.

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::{Dataset, Error, Result, Target};
use serde::{Deserialize, Serialize};

use super::mutual_info::{mutual_info_classif, mutual_info_regression};
use crate::stats::{chi2_sf, f_sf, pairwise_sum};

/// A univariate score function (scikit-learn's `score_func`).
///
/// In JSON the F and χ² tests are plain strings (`"f_classif"`); the mutual-information
/// estimators carry their options: `{"mutual_info_classif": {"n_neighbors": 3, "seed": 0}}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreFunc {
    /// ANOVA F statistic between the classes of a classification target (`f_classif`).
    #[default]
    FClassif,
    /// F statistic of each feature's univariate linear regression on a continuous target
    /// (`f_regression`, with `center=True, force_finite=True`).
    FRegression,
    /// χ² statistic of non-negative features (counts, frequencies) against the classes of a
    /// classification target (`chi2`).
    Chi2,
    /// Estimated mutual information (nats) between each continuous feature and a
    /// classification target (`mutual_info_classif`); no p-values.
    MutualInfoClassif {
        /// Neighbours of the estimator (scikit-learn's `n_neighbors`, whose default is 3), at
        /// least 1; capped at the class size − 1 (classif, as scikit-learn) or rows − 1
        /// (regression, where scikit-learn raises an error instead).
        n_neighbors: usize,
        /// Seed of the tie-breaking noise (scikit-learn's `random_state`).
        seed: u64,
    },
    /// Estimated mutual information (nats) between each continuous feature and a continuous
    /// target (`mutual_info_regression`); no p-values.
    MutualInfoRegression {
        /// Neighbours of the estimator (scikit-learn's `n_neighbors`, whose default is 3), at
        /// least 1; capped at the class size − 1 (classif, as scikit-learn) or rows − 1
        /// (regression, where scikit-learn raises an error instead).
        n_neighbors: usize,
        /// Seed of the tie-breaking noise (scikit-learn's `random_state`).
        seed: u64,
    },
}

impl ScoreFunc {
    /// scikit-learn's name for the function.
    pub fn name(self) -> &'static str {
        match self {
            ScoreFunc::FClassif => "f_classif",
            ScoreFunc::FRegression => "f_regression",
            ScoreFunc::Chi2 => "chi2",
            ScoreFunc::MutualInfoClassif { .. } => "mutual_info_classif",
            ScoreFunc::MutualInfoRegression { .. } => "mutual_info_regression",
        }
    }

    /// Check the estimator options (`n_neighbors ≥ 1`).
    pub fn validate(self) -> Result<()> {
        match self {
            ScoreFunc::MutualInfoClassif { n_neighbors: 0, .. }
            | ScoreFunc::MutualInfoRegression { n_neighbors: 0, .. } => Err(Error::param(
                "score_func.n_neighbors",
                "must be at least 1 (scikit-learn's default is 3)",
            )),
            _ => Ok(()),
        }
    }

    /// Scores and p-values of the features of `data` (finite features, checked by the caller);
    /// the p-values are empty for the mutual-information estimators.
    pub fn scores(self, data: &Dataset) -> Result<(Array1<f64>, Array1<f64>)> {
        let x = data.x();
        let none = || Array1::<f64>::zeros(0);
        match (self, data.require_target()?) {
            (
                ScoreFunc::MutualInfoClassif { n_neighbors, seed },
                Target::Classes { codes, labels },
            ) => {
                class_rows(codes.view(), labels.len(), self)?;
                let mi = mutual_info_classif(x, codes.view(), labels.len(), n_neighbors, seed);
                Ok((mi, none()))
            }
            (ScoreFunc::MutualInfoRegression { n_neighbors, seed }, Target::Continuous(y)) => {
                if x.nrows() < 2 {
                    return Err(Error::NotEnoughSamples {
                        context: "mutual_info_regression".into(),
                        needed: 2,
                        got: x.nrows(),
                    });
                }
                Ok((
                    mutual_info_regression(x, y.view(), n_neighbors, seed),
                    none(),
                ))
            }
            (ScoreFunc::MutualInfoRegression { .. }, Target::Classes { .. }) => {
                Err(Error::InvalidData(
                    "mutual_info_regression needs a continuous target, and this target holds \
                     class labels (use mutual_info_classif for classification)"
                        .into(),
                ))
            }
            (ScoreFunc::FClassif, Target::Classes { codes, labels }) => {
                Ok(f_classif(x, &class_rows(codes.view(), labels.len(), self)?))
            }
            (ScoreFunc::Chi2, Target::Classes { codes, labels }) => {
                chi2(x, &class_rows(codes.view(), labels.len(), self)?)
            }
            (ScoreFunc::FRegression, Target::Continuous(y)) => Ok(f_regression(x, y.view())),
            (ScoreFunc::FRegression, Target::Classes { .. }) => Err(Error::InvalidData(
                "f_regression needs a continuous target, and this target holds class labels \
                 (use f_classif or chi2 for classification)"
                    .into(),
            )),
            (_, Target::Continuous(_)) => Err(Error::InvalidData(format!(
                "{} needs a classification target, and this target is continuous (use \
                 f_regression or mutual_info_regression for regression)",
                self.name()
            ))),
        }
    }
}

/// Per class present (in code order, as `np.unique(y)`), the row indices of that class in row
/// order. At least two classes must be present.
fn class_rows(
    codes: ArrayView1<'_, usize>,
    n_labels: usize,
    f: ScoreFunc,
) -> Result<Vec<Vec<usize>>> {
    let mut rows = vec![Vec::new(); n_labels];
    for (i, &c) in codes.iter().enumerate() {
        rows.get_mut(c)
            .ok_or_else(|| Error::InvalidData(format!("class code {c} out of range")))?
            .push(i);
    }
    rows.retain(|r| !r.is_empty());
    if rows.len() < 2 {
        return Err(Error::InvalidData(format!(
            "{} needs at least two classes in the target, found {}",
            f.name(),
            rows.len()
        )));
    }
    Ok(rows)
}

/// Per class, the column sums and sums of squares over its rows, in row order.
fn class_sums(x: ArrayView2<'_, f64>, rows: &[usize]) -> (Array1<f64>, Array1<f64>) {
    let mut sums = Array1::<f64>::zeros(x.ncols());
    let mut squares = Array1::<f64>::zeros(x.ncols());
    for &i in rows {
        for ((s, q), &v) in sums.iter_mut().zip(squares.iter_mut()).zip(x.row(i)) {
            *s += v;
            *q += v * v;
        }
    }
    (sums, squares)
}

/// `f_classif` (scikit-learn's `f_oneway`): between-class over within-class mean squares.
fn f_classif(x: ArrayView2<'_, f64>, classes: &[Vec<usize>]) -> (Array1<f64>, Array1<f64>) {
    let p = x.ncols();
    let n_samples: usize = classes.iter().map(Vec::len).sum();
    let n = n_samples as f64;
    let mut ss_alldata = Array1::<f64>::zeros(p);
    let mut sum_all = Array1::<f64>::zeros(p);
    let mut ssbn = Array1::<f64>::zeros(p);
    for rows in classes {
        let (sums, squares) = class_sums(x, rows);
        ss_alldata += &squares;
        sum_all += &sums;
        ssbn += &(sums.mapv(|s| s * s) / rows.len() as f64);
    }
    let square_of_sums_alldata = sum_all.mapv(|s| s * s);
    let sstot = &ss_alldata - &(&square_of_sums_alldata / n);
    ssbn -= &(&square_of_sums_alldata / n);
    let sswn = &sstot - &ssbn;
    let dfbn = (classes.len() - 1) as f64;
    let dfwn = n_samples as f64 - classes.len() as f64;
    let msb = &ssbn / dfbn;
    let msw = &sswn / dfwn;
    let f = &msb / &msw;
    let p_values = f.mapv(|f| f_sf(dfbn, dfwn, f));
    (f, p_values)
}

/// `f_regression` with `center=True, force_finite=True`, through `r_regression`'s correlation.
fn f_regression(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> (Array1<f64>, Array1<f64>) {
    let n = x.nrows();
    let (yc, y_norm) = centred_target(y);
    let p = x.ncols();
    let mut sums = vec![0.0; p];
    let mut squares = vec![0.0; p];
    let mut dots = vec![0.0; p];
    for (row, &w) in x.rows().into_iter().zip(&yc) {
        for (j, &v) in row.iter().enumerate() {
            sums[j] += v;
            squares[j] += v * v;
            dots[j] += w * v;
        }
    }
    f_regression_from_sums(n, y_norm, &sums, &squares, &dots)
}

/// `y − np.mean(y)` (NumPy's pairwise mean) and its Euclidean norm, for a target in any memory
/// layout.
pub(super) fn centred_target(y: ArrayView1<'_, f64>) -> (Vec<f64>, f64) {
    let y_vec = y.to_vec();
    let y_mean = pairwise_sum(&y_vec) / y_vec.len() as f64;
    let yc: Vec<f64> = y_vec.iter().map(|v| v - y_mean).collect();
    let y_norm = yc.iter().map(|v| v * v).sum::<f64>().sqrt();
    (yc, y_norm)
}

/// `f_regression`'s F statistics and p-values over `n` rows from each column's sum, sum of
/// squares and dot product with the centred target (norm `y_norm`): the correlation
/// `r = dot / ‖x − x̄‖ / ‖y_c‖` (NaN → 0), `F = r² / (1 − r²) · (n − 2)`, an infinite `F` replaced
/// by the largest finite value and a NaN one by 0 with p-value 1 (`force_finite=True`).
pub(super) fn f_regression_from_sums(
    n: usize,
    y_norm: f64,
    sums: &[f64],
    squares: &[f64],
    dots: &[f64],
) -> (Array1<f64>, Array1<f64>) {
    let p = sums.len();
    let dof = n as f64 - 2.0;
    let mut f = Array1::<f64>::zeros(p);
    let mut p_values = Array1::<f64>::zeros(p);
    for j in 0..p {
        let mean = sums[j] / n as f64;
        let norm = (squares[j] - n as f64 * mean * mean).sqrt();
        let mut r = dots[j] / norm / y_norm;
        if r.is_nan() {
            r = 0.0;
        }
        let r2 = r * r;
        let mut stat = r2 / (1.0 - r2) * dof;
        let mut pv = f_sf(1.0, dof, stat);
        if stat.is_infinite() {
            stat = f64::MAX;
        } else if stat.is_nan() {
            stat = 0.0;
            pv = 1.0;
        }
        f[j] = stat;
        p_values[j] = pv;
    }
    (f, p_values)
}

/// `chi2`: Σ over classes of (observed − expected)² / expected, where observed is the class's
/// column sum and expected the class frequency times the column sum.
fn chi2(x: ArrayView2<'_, f64>, classes: &[Vec<usize>]) -> Result<(Array1<f64>, Array1<f64>)> {
    if let Some(v) = x.iter().find(|v| **v < 0.0) {
        return Err(Error::InvalidData(format!(
            "chi2 needs non-negative features (counts or frequencies), found {v}"
        )));
    }
    let mut feature_count = Array1::<f64>::zeros(x.ncols());
    for row in x.rows() {
        feature_count += &row;
    }
    let observed: Vec<Array1<f64>> = classes.iter().map(|rows| class_sums(x, rows).0).collect();
    let class_sizes: Vec<f64> = classes.iter().map(|rows| rows.len() as f64).collect();
    Ok(chi2_from_counts(
        &observed,
        &class_sizes,
        feature_count.view(),
        x.nrows(),
    ))
}

/// `chi2`'s statistics and p-values (`k − 1` degrees of freedom for `k` classes) from each
/// class's column sums (`observed[c]`), the class sizes and the column totals over `n` rows: per
/// column, Σ over the classes in order of `(observed − expected)² / expected` with
/// `expected = size / n · total`.
pub(super) fn chi2_from_counts(
    observed: &[Array1<f64>],
    class_sizes: &[f64],
    feature_count: ArrayView1<'_, f64>,
    n: usize,
) -> (Array1<f64>, Array1<f64>) {
    let n = n as f64;
    let mut chisq = Array1::<f64>::zeros(feature_count.len());
    for (obs, &size) in observed.iter().zip(class_sizes) {
        let class_prob = size / n;
        for ((c, o), fc) in chisq.iter_mut().zip(obs).zip(&feature_count) {
            let expected = class_prob * fc;
            let d = o - expected;
            *c += d * d / expected;
        }
    }
    let k = observed.len().saturating_sub(1) as f64;
    let p_values = chisq.mapv(|c| chi2_sf(k, c));
    (chisq, p_values)
}
