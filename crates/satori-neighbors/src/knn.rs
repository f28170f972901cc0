//! The `knn` models: scikit-learn's `KNeighborsClassifier` and `KNeighborsRegressor`, which
//! predict from the `n_neighbors` training rows nearest to each row.
//!
//! - **Weights** (`weights`): `uniform` gives every neighbour weight 1; `distance` gives weight
//!   `1 / distance`, and where a row has neighbours at distance 0, those get weight 1 and the
//!   others 0 (scikit-learn's `_get_weights`), so an exact match decides alone.
//! - **Classifier**: the probability of a class is the sum of its neighbours' weights (added in
//!   neighbour order) divided by the sum over classes (numpy's summation order); the prediction
//!   is the most probable class, the lowest class code on a tie (`np.argmax`, and
//!   `scipy.stats.mode` in scikit-learn's uniform `predict`). The probability columns are the
//!   training target's full label list (a label without training rows gets 0).
//! - **Regressor**: the mean of the neighbours' targets (`np.mean`), or with `distance` weights
//!   `Σ w·y / Σ w` (each sum in numpy's order).
//! - **Sample weights** are ignored, as scikit-learn's `KNeighbors*` ignore them (their `fit`
//!   takes none).
//! - **Missing values** are refused with a clear error (impute first; the pipeline's automatic
//!   preprocessing does).
//! - **Ties among neighbours**: rows at equal distance are taken in row order, so the training
//!   row order can matter when a tie straddles the `n_neighbors`-th place (scikit-learn's order
//!   there depends on its algorithm).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
//! use satori_neighbors::{KNeighborsClassifierParams, Weights};
//!
//! let x = array![[0.0], [1.0], [2.0], [10.0], [11.0]];
//! let y = Target::classes(array![0, 0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap();
//! let data = Dataset::new(x, vec!["f".into()]).unwrap().with_target(y).unwrap();
//! let params = KNeighborsClassifierParams {
//!     n_neighbors: 3,
//!     weights: Weights::Distance,
//!     ..Default::default()
//! };
//! let model = params.fit(&data).unwrap();
//! assert_eq!(model.predict(array![[9.0]].view()).unwrap().to_vec(), vec![1.0]);
//! let proba = model.predict_proba(array![[1.0]].view()).unwrap();
//! assert_eq!(proba.row(0).to_vec(), vec![1.0, 0.0]); // an exact match decides alone
//! ```

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::numeric::pairwise_sum;
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
    check_features,
};
use serde::{Deserialize, Serialize};

use crate::index::{Algorithm, IndexOptions, KnnIndex, Metric};

/// How neighbours are weighted (scikit-learn's `weights`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weights {
    /// Every neighbour counts the same.
    #[default]
    Uniform,
    /// A neighbour counts `1 / distance`; neighbours at distance 0, where there are any, count
    /// alone.
    Distance,
}

/// The parameters both knn models share, with scikit-learn's names and defaults.
macro_rules! knn_params {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// The number of neighbours each prediction uses. Default 5; ≥ 1 and at most the
            /// number of training rows (checked at fit).
            pub n_neighbors: usize,
            /// How the neighbours are weighted: `uniform` (default) or `distance`.
            pub weights: Weights,
            /// The search algorithm: `auto` (default; scikit-learn's rule, see
            /// [`Algorithm::Auto`]), `kd_tree` or `brute`. The predictions are the same.
            pub algorithm: Algorithm,
            /// Rows per KD-tree leaf (speed only). Default 30; ≥ 1.
            pub leaf_size: usize,
            /// The Minkowski power of the distance (scikit-learn's `p` with
            /// `metric="minkowski"`): 2 (default) for Euclidean, 1 for Manhattan.
            pub p: f64,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    n_neighbors: 5,
                    weights: Weights::Uniform,
                    algorithm: Algorithm::Auto,
                    leaf_size: 30,
                    p: 2.0,
                }
            }
        }

        impl Params for $name {
            fn validate(&self) -> Result<()> {
                validate(self.n_neighbors, self.leaf_size, self.p)
            }
        }

        impl $name {
            fn options(&self) -> IndexOptions {
                IndexOptions {
                    algorithm: self.algorithm,
                    metric: if self.p == 1.0 { Metric::Manhattan } else { Metric::Euclidean },
                    leaf_size: self.leaf_size,
                }
            }
        }
    };
}

knn_params!(
    /// Parameters of a [`KNeighborsClassifier`] (scikit-learn's `KNeighborsClassifier`).
    KNeighborsClassifierParams
);
knn_params!(
    /// Parameters of a [`KNeighborsRegressor`] (scikit-learn's `KNeighborsRegressor`).
    KNeighborsRegressorParams
);

fn validate(n_neighbors: usize, leaf_size: usize, p: f64) -> Result<()> {
    if n_neighbors == 0 {
        return Err(Error::param("n_neighbors", "must be ≥ 1, got 0"));
    }
    if leaf_size == 0 {
        return Err(Error::param("leaf_size", "must be ≥ 1, got 0"));
    }
    if p != 1.0 && p != 2.0 {
        return Err(Error::param(
            "p",
            format!("must be 1 (Manhattan) or 2 (Euclidean), got {p}"),
        ));
    }
    Ok(())
}

/// Build the index of the training rows, with `n_neighbors` checked against their count.
fn build_index(data: &Dataset, n_neighbors: usize, options: &IndexOptions) -> Result<KnnIndex> {
    let n = data.n_samples();
    if n_neighbors > n {
        return Err(Error::NotEnoughSamples {
            context: format!("a knn model with n_neighbors = {n_neighbors}"),
            needed: n_neighbors,
            got: n,
        });
    }
    KnnIndex::build(data.x(), options)
}

/// Each row's neighbour weights (`None` for uniform), scikit-learn's `_get_weights`.
fn neighbour_weights(
    weights: Weights,
    distances: ndarray::ArrayView1<'_, f64>,
) -> Option<Vec<f64>> {
    match weights {
        Weights::Uniform => None,
        Weights::Distance => {
            if distances.iter().any(|d| *d == 0.0) {
                Some(
                    distances
                        .iter()
                        .map(|d| if *d == 0.0 { 1.0 } else { 0.0 })
                        .collect(),
                )
            } else {
                Some(distances.iter().map(|d| 1.0 / d).collect())
            }
        }
    }
}

/// A fitted k-nearest-neighbours classifier: the indexed training rows and their classes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KNeighborsClassifier {
    index: KnnIndex,
    codes: Vec<usize>,
    classes: Vec<String>,
    n_neighbors: usize,
    weights: Weights,
}

impl Estimator for KNeighborsClassifierParams {
    type Model = KNeighborsClassifier;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<KNeighborsClassifier> {
        self.validate()?;
        let (codes, labels) = match data.require_target()? {
            Target::Classes { codes, labels } => (codes, labels),
            Target::Continuous(_) => {
                return Err(Error::InvalidData(
                    "KNeighborsClassifier needs class labels as the target, and this target is \
                     continuous (use KNeighborsRegressor for regression)"
                        .into(),
                ));
            }
        };
        if let Some((i, c)) = codes.iter().enumerate().find(|(_, c)| **c >= labels.len()) {
            return Err(Error::InvalidData(format!(
                "class code {c} at row {i} is out of range for {} labels",
                labels.len()
            )));
        }
        let index = build_index(data, self.n_neighbors, &self.options())?;
        Ok(KNeighborsClassifier {
            index,
            codes: codes.to_vec(),
            classes: labels.clone(),
            n_neighbors: self.n_neighbors,
            weights: self.weights,
        })
    }
}

impl KNeighborsClassifier {
    /// The number of neighbours each prediction uses.
    pub fn n_neighbors(&self) -> usize {
        self.n_neighbors
    }

    /// The index of the training rows.
    pub fn index(&self) -> &KnnIndex {
        &self.index
    }

    /// Refuse a model whose parts disagree (only possible for an altered model file).
    fn check_model(&self) -> Result<()> {
        if self.codes.len() != self.index.n_samples()
            || self.n_neighbors == 0
            || self.n_neighbors > self.codes.len()
            || self.codes.iter().any(|c| *c >= self.classes.len())
        {
            return Err(Error::InvalidData(format!(
                "this KNeighborsClassifier is inconsistent ({} indexed rows, {} targets, {} \
                 classes, n_neighbors {}); was the model file altered?",
                self.index.n_samples(),
                self.codes.len(),
                self.classes.len(),
                self.n_neighbors
            )));
        }
        Ok(())
    }
}

impl Predictor for KNeighborsClassifier {
    fn n_features(&self) -> usize {
        self.index.n_features()
    }

    /// The class code of each row (as `f64`): the most probable class of
    /// [`PredictProba::predict_proba`], the lowest code on a tie.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(most_probable(&self.predict_proba(x)?))
    }
}

/// The most probable class of each row of probabilities (as `f64`), the lowest on a tie.
fn most_probable(proba: &Array2<f64>) -> Array1<f64> {
    proba
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (c, v) in row.iter().enumerate() {
                if *v > row[best] {
                    best = c;
                }
            }
            best as f64
        })
        .collect()
}

impl PredictProba for KNeighborsClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features())?;
        self.check_model()?;
        let found = self.index.kneighbors(x, self.n_neighbors)?;
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for ((mut row, ind), dist) in out
            .rows_mut()
            .into_iter()
            .zip(found.indices.rows())
            .zip(found.distances.rows())
        {
            let w = neighbour_weights(self.weights, dist);
            for (j, &i) in ind.iter().enumerate() {
                row[self.codes[i]] += w.as_ref().map_or(1.0, |w| w[j]);
            }
            let total = pairwise_sum(row.as_slice().unwrap_or(&[]));
            row /= total;
        }
        Ok(out)
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        let p = self.predict_proba(x)?;
        Ok((most_probable(&p), p))
    }
}

/// A fitted k-nearest-neighbours regressor: the indexed training rows and their targets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KNeighborsRegressor {
    index: KnnIndex,
    y: Vec<f64>,
    n_neighbors: usize,
    weights: Weights,
}

impl Estimator for KNeighborsRegressorParams {
    type Model = KNeighborsRegressor;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        _progress: &dyn Progress,
    ) -> Result<KNeighborsRegressor> {
        self.validate()?;
        let y = match data.require_target()? {
            Target::Continuous(y) => y,
            Target::Classes { .. } => {
                return Err(Error::InvalidData(
                    "KNeighborsRegressor needs a continuous target, and this target holds class \
                     labels (use KNeighborsClassifier for classification)"
                        .into(),
                ));
            }
        };
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "the target of row {i} is missing or infinite; drop or impute it first"
            )));
        }
        let index = build_index(data, self.n_neighbors, &self.options())?;
        Ok(KNeighborsRegressor {
            index,
            y: y.to_vec(),
            n_neighbors: self.n_neighbors,
            weights: self.weights,
        })
    }
}

impl KNeighborsRegressor {
    /// The number of neighbours each prediction uses.
    pub fn n_neighbors(&self) -> usize {
        self.n_neighbors
    }

    /// The index of the training rows.
    pub fn index(&self) -> &KnnIndex {
        &self.index
    }
}

impl Predictor for KNeighborsRegressor {
    fn n_features(&self) -> usize {
        self.index.n_features()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_features(x, self.n_features())?;
        if self.y.len() != self.index.n_samples()
            || self.n_neighbors == 0
            || self.n_neighbors > self.y.len()
        {
            return Err(Error::InvalidData(format!(
                "this KNeighborsRegressor is inconsistent ({} indexed rows, {} targets, \
                 n_neighbors {}); was the model file altered?",
                self.index.n_samples(),
                self.y.len(),
                self.n_neighbors
            )));
        }
        let found = self.index.kneighbors(x, self.n_neighbors)?;
        let mut ys = vec![0.0; self.n_neighbors];
        Ok(found
            .indices
            .rows()
            .into_iter()
            .zip(found.distances.rows())
            .map(|(ind, dist)| {
                for (t, &i) in ys.iter_mut().zip(ind) {
                    *t = self.y[i];
                }
                match neighbour_weights(self.weights, dist) {
                    None => pairwise_sum(&ys) / ys.len() as f64,
                    Some(w) => {
                        let num: Vec<f64> = ys.iter().zip(&w).map(|(y, w)| y * w).collect();
                        pairwise_sum(&num) / pairwise_sum(&w)
                    }
                }
            })
            .collect())
    }
}
