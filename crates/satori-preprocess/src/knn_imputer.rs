//! [`KNNImputer`]: scikit-learn's `KNNImputer`, filling each missing value from the nearest
//! training rows that have the value.
//!
//! Distances are scikit-learn's `nan_euclidean`: over the coordinates present in both rows,
//! `sqrt(p / n_present · Σ (x_k - y_k)²)` for `p` columns, and undefined (NaN) when the rows share
//! no present coordinate. For a missing value of column `c` in a row, the donors are the training
//! rows where `c` is present; the `n_neighbors` nearest (all of them when there are fewer) give
//! their values, averaged with weights 1 (`uniform`) or `1 / distance` (`distance`; donors at
//! distance 0, if any, take all the weight). A donor at undefined distance weighs 0, and when every
//! donor is at undefined distance the value is the training mean of the column. Equal distances
//! are broken by training row order (numpy's `argpartition` leaves that order unspecified).
//!
//! The search is the shared neighbour index's ([`satori_neighbors::KnnIndex`] with the
//! [`Metric::NanEuclidean`] metric): one pass of distances per row that has a missing value,
//! then, for each of its missing columns, the nearest donors by
//! [`satori_neighbors::nearest_among`] — the selection, ordering and tie rule of every other
//! neighbour search in satori (SMOTE, the cleaning under-samplers, the `knn` models).
//!
//! Columns with no observed value at fit are dropped unless `keep_empty_features` (then they are
//! filled with 0); `add_indicator` appends missing indicators as [`crate::SimpleImputer`] does.
//! Sample weights are ignored, as in scikit-learn. The fitted model keeps the training matrix.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::KNNImputerParams;
//!
//! let x = array![[1.0, 2.0], [2.0, 4.0], [10.0, 20.0], [1.5, f64::NAN]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let imputer = KNNImputerParams { n_neighbors: 2, ..Default::default() }.fit(&data).unwrap();
//! let out = imputer.transform(x.view()).unwrap();
//! assert_eq!(out[[3, 1]], 3.0); // the mean of the two nearest rows' values, 2 and 4
//! ```

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use satori_neighbors::{Algorithm, IndexOptions, KnnIndex, Metric, nearest_among};
use serde::{Deserialize, Serialize};

use crate::simple_imputer::{imputed_names, write_indicator};
use crate::util::{
    check_input, check_no_infinity, check_not_empty, columns_with_missing, pairwise_sum,
    pairwise_sum_by, standard,
};

/// How a [`KNNImputer`] weighs the neighbours (scikit-learn's `weights`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnnWeights {
    /// Every neighbour weighs 1.
    #[default]
    Uniform,
    /// A neighbour weighs the inverse of its distance.
    Distance,
}

/// Parameters of a [`KNNImputer`], with scikit-learn's names and defaults (metric
/// `nan_euclidean`, missing values NaN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct KNNImputerParams {
    /// The number of neighbouring rows that give a missing value. Default 5; at least 1.
    pub n_neighbors: usize,
    /// The weighting of the neighbours. Default `uniform`; `uniform` or `distance`.
    pub weights: KnnWeights,
    /// Append a 0/1 missing-indicator column for each column that had missing values at fit.
    /// Default false.
    pub add_indicator: bool,
    /// Keep columns with no observed value at fit (filled with 0) instead of dropping them.
    /// Default false.
    pub keep_empty_features: bool,
}

impl Default for KNNImputerParams {
    fn default() -> Self {
        KNNImputerParams {
            n_neighbors: 5,
            weights: KnnWeights::Uniform,
            add_indicator: false,
            keep_empty_features: false,
        }
    }
}

impl Params for KNNImputerParams {
    fn validate(&self) -> Result<()> {
        if self.n_neighbors == 0 {
            return Err(Error::param("n_neighbors", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// A fitted [`KNNImputerParams`]: the training rows (as a nan_euclidean neighbour index) and
/// which columns are kept.
///
/// It serialises as the training matrix and its settings (the layout it has always had in model
/// files); reading it back rebuilds the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredKnnImputer", into = "StoredKnnImputer")]
pub struct KNNImputer {
    n_neighbors: usize,
    weights: KnnWeights,
    index: KnnIndex,
    /// Whether each column had an observed value at fit.
    valid: Vec<bool>,
    /// The training mean of each column (NaN for an empty column).
    col_mean: Vec<f64>,
    keep: Vec<usize>,
    indicator: Vec<usize>,
}

impl PartialEq for KNNImputer {
    fn eq(&self, other: &Self) -> bool {
        self.n_neighbors == other.n_neighbors
            && self.weights == other.weights
            && self.index.rows() == other.index.rows()
            && self.valid == other.valid
            && self.col_mean == other.col_mean
            && self.keep == other.keep
            && self.indicator == other.indicator
    }
}

/// What a [`KNNImputer`] serialises as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredKnnImputer {
    n_neighbors: usize,
    weights: KnnWeights,
    #[serde(with = "crate::serde_nan::matrix")]
    fit_x: Array2<f64>,
    /// Whether each column had an observed value at fit.
    valid: Vec<bool>,
    /// The training mean of each column (NaN for an empty column).
    #[serde(with = "crate::serde_nan::vec")]
    col_mean: Vec<f64>,
    keep: Vec<usize>,
    indicator: Vec<usize>,
}

impl TryFrom<StoredKnnImputer> for KNNImputer {
    type Error = Error;
    fn try_from(s: StoredKnnImputer) -> Result<KNNImputer> {
        let p = s.fit_x.ncols();
        if s.valid.len() != p
            || s.col_mean.len() != p
            || s.keep.iter().chain(&s.indicator).any(|&j| j >= p)
        {
            return Err(Error::InvalidData(
                "a stored KNN imputer's columns do not match its training matrix".into(),
            ));
        }
        Ok(KNNImputer {
            n_neighbors: s.n_neighbors,
            weights: s.weights,
            index: nan_euclidean_index(s.fit_x.view())?,
            valid: s.valid,
            col_mean: s.col_mean,
            keep: s.keep,
            indicator: s.indicator,
        })
    }
}

impl From<KNNImputer> for StoredKnnImputer {
    fn from(m: KNNImputer) -> StoredKnnImputer {
        StoredKnnImputer {
            n_neighbors: m.n_neighbors,
            weights: m.weights,
            fit_x: m.index.rows().to_owned(),
            valid: m.valid,
            col_mean: m.col_mean,
            keep: m.keep,
            indicator: m.indicator,
        }
    }
}

/// The shared neighbour index over the training rows, with scikit-learn's `nan_euclidean`.
fn nan_euclidean_index(x: ArrayView2<'_, f64>) -> Result<KnnIndex> {
    KnnIndex::build(
        x,
        &IndexOptions {
            algorithm: Algorithm::Brute,
            metric: Metric::NanEuclidean,
            ..Default::default()
        },
    )
}

impl Estimator for KNNImputerParams {
    type Model = KNNImputer;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<KNNImputer> {
        self.validate()?;
        let x = data.x();
        check_not_empty(x.nrows(), "KNNImputer")?;
        check_no_infinity(x, "KNNImputer")?;
        let index = nan_euclidean_index(x)?;
        let fit_x = index.rows();
        let p = fit_x.ncols();
        let mut valid = vec![false; p];
        let mut col_mean = vec![f64::NAN; p];
        for j in 0..p {
            let col = fit_x.column(j);
            let count = col.iter().filter(|v| !v.is_nan()).count();
            valid[j] = count > 0;
            // np.ma.array(col, mask).mean(): a pairwise sum of the column with missing set to 0.
            let filled: Vec<f64> = col
                .iter()
                .map(|&v| if v.is_nan() { 0.0 } else { v })
                .collect();
            if count > 0 {
                col_mean[j] = pairwise_sum(&filled) / count as f64;
            }
        }
        let keep = (0..p)
            .filter(|&j| self.keep_empty_features || valid[j])
            .collect();
        let indicator = if self.add_indicator {
            columns_with_missing(x)
        } else {
            Vec::new()
        };
        Ok(KNNImputer {
            n_neighbors: self.n_neighbors,
            weights: self.weights,
            index,
            valid,
            col_mean,
            keep,
            indicator,
        })
    }
}

impl KNNImputer {
    /// The training rows (kept to find neighbours).
    pub fn fit_x(&self) -> ArrayView2<'_, f64> {
        self.index.rows()
    }

    /// The input columns that appear in the output, in order.
    pub fn kept_columns(&self) -> &[usize] {
        &self.keep
    }

    /// The input columns that get a missing-indicator column.
    pub fn indicator_columns(&self) -> &[usize] {
        &self.indicator
    }

    /// The imputed value for column `c` of a row whose distances to the training rows are
    /// `dist`.
    fn impute_one(&self, dist: &[f64], c: usize) -> f64 {
        let rows = self.index.rows();
        let col = rows.column(c);
        // The nearest donors, NaN distances last and ties by training row order.
        let near = nearest_among(
            dist,
            self.n_neighbors,
            (0..col.len()).filter(|&i| !col[i].is_nan()),
        );
        if near.iter().all(|(d, _)| d.is_nan()) {
            // Every donor at undefined distance (NaN ranks last, so the nearest are NaN only
            // when all are).
            return self.col_mean[c];
        }
        let k = near.len();
        let any_zero = near.iter().any(|(d, _)| *d == 0.0);
        let w: Vec<f64> = near
            .iter()
            .map(|&(d, _)| match self.weights {
                KnnWeights::Uniform if d.is_nan() => 0.0,
                KnnWeights::Uniform => 1.0,
                KnnWeights::Distance if any_zero => f64::from(u8::from(d == 0.0)),
                KnnWeights::Distance if d.is_nan() => 0.0,
                KnnWeights::Distance => 1.0 / d,
            })
            .collect();
        // np.ma.average over a row of k values: pairwise sums of w·x and of w.
        let num = pairwise_sum_by(0, k, &|i| col[near[i].1] * w[i]);
        let den = pairwise_sum(&w);
        num / den
    }
}

impl Transformer for KNNImputer {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        imputed_names(input, &self.keep, &self.indicator)
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.index.n_features();
        check_input(x, p, "KNNImputer")?;
        let input = standard(x);
        let k_out = self.keep.len();
        let p_out = k_out + self.indicator.len();
        let n = x.nrows();
        let mut out = vec![0.0; n * p_out];
        if p_out > 0 && p > 0 {
            out.par_chunks_mut(p_out)
                .zip(input.par_chunks(p))
                .try_for_each_init(Vec::new, |dist, (orow, row)| -> Result<()> {
                    let needs = (0..p).any(|j| self.valid[j] && row[j].is_nan());
                    if needs {
                        self.index.distances_to(row, dist)?;
                    }
                    for (o, &j) in orow.iter_mut().zip(&self.keep) {
                        *o = if !self.valid[j] {
                            0.0
                        } else if row[j].is_nan() {
                            self.impute_one(dist, j)
                        } else {
                            row[j]
                        };
                    }
                    write_indicator(row, &self.indicator, &mut orow[k_out..]);
                    Ok(())
                })?;
        }
        Array2::from_shape_vec((n, p_out), out).map_err(|e| Error::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn nan_euclidean_scales_by_present_count() {
        let nan = f64::NAN;
        // present coords: first only; (3-1)^2 * 2/1 = 8
        let d = |a: &[f64], b: &[f64]| Metric::NanEuclidean.distance(a, b);
        assert_eq!(d(&[3.0, nan], &[1.0, 5.0]), 8f64.sqrt());
        assert!(d(&[nan, 1.0], &[1.0, nan]).is_nan());
    }

    #[test]
    fn distance_weights_and_zero_distance() {
        let x = array![[0.0, 1.0], [1.0, 3.0], [3.0, 9.0], [0.0, f64::NAN]];
        let d = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
        let p = KNNImputerParams {
            n_neighbors: 2,
            weights: KnnWeights::Distance,
            ..Default::default()
        };
        let m = p.fit(&d).unwrap();
        // Row 3 sits at distance 0 from row 0: that neighbour takes all the weight.
        assert_eq!(m.transform(x.view()).unwrap()[[3, 1]], 1.0);
        let q = array![[2.0, f64::NAN]];
        // distances sqrt(2*4)=2.828.., sqrt(2*1): weights 1/d
        // Distances: row 0 sqrt(8), rows 1 and 2 sqrt(2) (a tie): the two nearest are rows 1, 2.
        let got = m.transform(q.view()).unwrap()[[0, 1]];
        assert!((got - 6.0).abs() < 1e-12, "{got}");
        assert!(m.transform(array![[1.0]].view()).is_err());
        assert!(
            KNNImputerParams {
                n_neighbors: 0,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn undefined_distances_fall_back_to_the_mean() {
        let nan = f64::NAN;
        let x = array![[1.0, nan], [nan, 2.0], [nan, 4.0]];
        let d = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
        let m = KNNImputerParams::default().fit(&d).unwrap();
        let out = m.transform(x.view()).unwrap();
        assert_eq!(out[[0, 1]], 3.0);
        assert_eq!(out[[1, 0]], 1.0);
    }
}
