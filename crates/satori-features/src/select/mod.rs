//! Feature selection: [`VarianceThresholdParams`] → [`VarianceThreshold`] (scikit-learn's
//! `VarianceThreshold`), and [`SelectKBestParams`] / [`SelectPercentileParams`] →
//! [`UnivariateSelector`] (scikit-learn's `SelectKBest` and `SelectPercentile`) with the score
//! functions of [`ScoreFunc`]: `f_classif`, `f_regression`, `chi2`, `mutual_info_classif`,
//! `mutual_info_regression`.
//!
//! Scores and p-values follow scikit-learn 1.9's formulas in its order of operations; p-values
//! are the F and χ² survival functions (SciPy's `fdtrc`, `chdtrc`). Ties are broken as
//! scikit-learn does: `SelectKBest` keeps the last `k` of a stable ascending sort of the scores
//! (so among equal scores the later columns win), `SelectPercentile` keeps scores above numpy's
//! linear percentile and then the earliest ties up to `⌊n_features · percentile / 100⌋`. NaN
//! scores (constant features under `f_classif`) rank lowest.
//!
//! [`chi2_csr`] and [`f_regression_csr`] score a sparse CSR matrix (TF-IDF, counts) without
//! densifying it, with the same results as the dense score functions.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Target, Transformer};
//! use satori_features::{KBest, ScoreFunc, SelectKBestParams};
//!
//! let x = array![[1.0, 5.0, 0.3], [2.0, 5.1, 0.1], [8.0, 4.9, 0.2], [9.0, 5.0, 0.4]];
//! let y = Target::classes(array![0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["f0".into(), "f1".into(), "f2".into()])
//!     .unwrap()
//!     .with_target(y)
//!     .unwrap();
//! let params = SelectKBestParams { score_func: ScoreFunc::FClassif, k: KBest::Count(1) };
//! let sel = params.fit(&data).unwrap();
//! assert_eq!(sel.support(), &[true, false, false]);
//! assert_eq!(sel.transform(x.view()).unwrap().column(0).to_vec(), vec![1.0, 2.0, 8.0, 9.0]);
//! assert_eq!(sel.feature_names_out(&data.feature_names()), vec!["f0".to_string()]);
//! ```

mod mutual_info;
mod score;
mod score_csr;
mod univariate;
mod variance;

use ndarray::{Array2, ArrayView2, Axis};
use satori_core::Result;

pub use score::ScoreFunc;
pub use score_csr::{chi2_csr, f_regression_csr};
pub use univariate::{KBest, SelectKBestParams, SelectPercentileParams, UnivariateSelector};
pub use variance::{VarianceThreshold, VarianceThresholdParams};

use crate::check::check_transform_input;

/// The kept columns of `x` (checked for width and finite values).
fn select_columns(x: ArrayView2<'_, f64>, support: &[bool], step: &str) -> Result<Array2<f64>> {
    check_transform_input(x, support.len(), step)?;
    let keep: Vec<usize> = support
        .iter()
        .enumerate()
        .filter_map(|(j, &k)| k.then_some(j))
        .collect();
    Ok(x.select(Axis(1), &keep))
}

/// The names of the kept columns (`x{j}` where the caller gave too few names).
fn selected_names(input: &[String], support: &[bool]) -> Vec<String> {
    support
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .map(|(j, _)| input.get(j).cloned().unwrap_or_else(|| format!("x{j}")))
        .collect()
}
