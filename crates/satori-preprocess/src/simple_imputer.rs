//! [`SimpleImputer`]: scikit-learn's `SimpleImputer`, replacing missing values (NaN) by a
//! per-column statistic.
//!
//! | strategy | statistic (over the column's non-missing values) |
//! |---|---|
//! | `mean` | the mean, summed row after row as numpy sums axis 0 (`np.ma.mean(X, axis=0)`) |
//! | `median` | `np.ma.median`: the middle value, or the mean of the two middle values |
//! | `most_frequent` | the most frequent value, the smallest among ties (`scipy.stats.mode`) |
//! | `constant` | `fill_value` (0 when not given) |
//!
//! **Columns with no observed value at fit** have no statistic. As in scikit-learn they are
//! *dropped* from the output (for every strategy, `constant` included) unless
//! `keep_empty_features` is set; then they are kept and filled with 0 (`fill_value` for
//! `constant`). `add_indicator` appends, after the imputed columns, one 0/1 column per input
//! column that had a missing value at fit (scikit-learn's `MissingIndicator(features=
//! "missing-only")`), named `missingindicator_<column>`; missing values in other columns at
//! transform time are imputed but get no indicator. Sample weights are ignored, as scikit-learn's
//! `SimpleImputer` takes none. Infinite values are an error (scikit-learn's `allow-nan`).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_preprocess::{ImputeStrategy, SimpleImputerParams};
//!
//! let x = array![[1.0, f64::NAN], [3.0, 4.0], [f64::NAN, 6.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let params = SimpleImputerParams { add_indicator: true, ..Default::default() };
//! let imputer = params.fit(&data).unwrap();
//! let out = imputer.transform(x.view()).unwrap();
//! assert_eq!(out.row(0).to_vec(), vec![1.0, 5.0, 0.0, 1.0]);
//! assert_eq!(out.row(2).to_vec(), vec![2.0, 6.0, 1.0, 0.0]);
//! let names = imputer.feature_names_out(&["a".into(), "b".into()]);
//! assert_eq!(names[3], "missingindicator_b");
//!
//! let median = SimpleImputerParams { strategy: ImputeStrategy::Median, ..Default::default() };
//! assert_eq!(median.fit(&data).unwrap().statistics(), &[2.0, 5.0]);
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::numeric::median_in_place;
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::util::{
    check_input, check_no_infinity, check_not_empty, columns_with_missing, map_columns, map_rows,
    mode, present, seq_sum,
};

/// The statistic a [`SimpleImputer`] fills with (scikit-learn's `strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeStrategy {
    /// The mean of the column's non-missing values.
    #[default]
    Mean,
    /// The median of the column's non-missing values.
    Median,
    /// The most frequent non-missing value (the smallest among ties).
    MostFrequent,
    /// `fill_value`.
    Constant,
}

/// Parameters of a [`SimpleImputer`], with scikit-learn's names and defaults. Missing values are
/// NaN (scikit-learn's default `missing_values=np.nan`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct SimpleImputerParams {
    /// The statistic to fill with. Default `mean`; one of `mean`, `median`, `most_frequent`,
    /// `constant`.
    pub strategy: ImputeStrategy,
    /// The value the `constant` strategy fills with (ignored by the others); a finite number.
    /// Default none, meaning 0 as in scikit-learn for numeric data.
    pub fill_value: Option<f64>,
    /// Append a 0/1 missing-indicator column for each column that had missing values at fit.
    /// Default false.
    pub add_indicator: bool,
    /// Keep columns with no observed value at fit (filled with 0, or `fill_value` for
    /// `constant`) instead of dropping them. Default false.
    pub keep_empty_features: bool,
}

impl Params for SimpleImputerParams {
    fn validate(&self) -> Result<()> {
        if let Some(v) = self.fill_value
            && !v.is_finite()
        {
            return Err(Error::param(
                "fill_value",
                format!("must be a finite number, got {v}"),
            ));
        }
        Ok(())
    }
}

/// A fitted [`SimpleImputerParams`]: one statistic per input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleImputer {
    #[serde(with = "crate::serde_nan::vec")]
    statistics: Vec<f64>,
    keep: Vec<usize>,
    indicator: Vec<usize>,
    n_features_in: usize,
}

impl Estimator for SimpleImputerParams {
    type Model = SimpleImputer;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<SimpleImputer> {
        self.validate()?;
        let x = data.x();
        check_not_empty(x.nrows(), "SimpleImputer")?;
        check_no_infinity(x, "SimpleImputer")?;
        self.check_categorical(data)?;
        let statistics = self.statistics(x);
        let keep = (0..statistics.len())
            .filter(|&j| self.keep_empty_features || !statistics[j].is_nan())
            .collect();
        let indicator = if self.add_indicator {
            columns_with_missing(x)
        } else {
            Vec::new()
        };
        Ok(SimpleImputer {
            statistics,
            keep,
            indicator,
            n_features_in: x.ncols(),
        })
    }
}

impl SimpleImputerParams {
    /// A mean or median of category codes is no category: refuse it, naming the column and the
    /// strategy that fits.
    fn check_categorical(&self, data: &Dataset) -> Result<()> {
        let name = match self.strategy {
            ImputeStrategy::Mean => "mean",
            ImputeStrategy::Median => "median",
            ImputeStrategy::MostFrequent | ImputeStrategy::Constant => return Ok(()),
        };
        if let Some(col) = data
            .features()
            .columns
            .iter()
            .find(|c| matches!(c.kind, satori_core::ColumnKind::Categorical { .. }))
        {
            return Err(Error::param(
                "strategy",
                format!(
                    "simple_imputer: the {name} of categorical column `{}` is not one of its \
                     categories; impute categorical columns with strategy = \"most_frequent\" \
                     (or one-hot encode them first, as the automatic preprocessing does)",
                    col.name
                ),
            ));
        }
        Ok(())
    }

    /// The statistic of each column: NaN for an all-missing column, or its replacement when
    /// `keep_empty_features` is set.
    fn statistics(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let fill = self.fill_value.unwrap_or(0.0);
        let empty = if self.keep_empty_features {
            match self.strategy {
                ImputeStrategy::Constant => fill,
                _ => 0.0,
            }
        } else {
            f64::NAN
        };
        map_columns(x, |_, col| {
            let count = col.iter().filter(|v| !v.is_nan()).count();
            if count == 0 {
                return empty;
            }
            match self.strategy {
                ImputeStrategy::Mean => {
                    // np.ma.mean fills masked values with 0 and sums axis 0 row by row.
                    let sum = seq_sum(col.iter().map(|&v| if v.is_nan() { 0.0 } else { v }));
                    sum / count as f64
                }
                ImputeStrategy::Median => median_in_place(&mut present(col)).unwrap_or(empty),
                ImputeStrategy::MostFrequent => mode(&present(col)).unwrap_or(empty),
                ImputeStrategy::Constant => fill,
            }
        })
    }
}

impl SimpleImputer {
    /// The fill value of each input column; NaN for a column dropped because it had no observed
    /// value at fit.
    pub fn statistics(&self) -> &[f64] {
        &self.statistics
    }

    /// The input columns that appear in the output, in order.
    pub fn kept_columns(&self) -> &[usize] {
        &self.keep
    }

    /// The input columns that get a missing-indicator column (those with missing values at fit,
    /// when `add_indicator` was set).
    pub fn indicator_columns(&self) -> &[usize] {
        &self.indicator
    }
}

/// Output names shared by the imputers: the kept columns, then `missingindicator_<name>`.
pub(crate) fn imputed_names(input: &[String], keep: &[usize], indicator: &[usize]) -> Vec<String> {
    let name = |j: usize| input.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
    keep.iter()
        .map(|&j| name(j))
        .chain(
            indicator
                .iter()
                .map(|&j| format!("missingindicator_{}", name(j))),
        )
        .collect()
}

/// Write the indicator columns of `row` into `out` (1 where missing).
pub(crate) fn write_indicator(row: &[f64], indicator: &[usize], out: &mut [f64]) {
    for (o, &j) in out.iter_mut().zip(indicator) {
        *o = if row[j].is_nan() { 1.0 } else { 0.0 };
    }
}

impl Transformer for SimpleImputer {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        imputed_names(input, &self.keep, &self.indicator)
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features_in, "SimpleImputer")?;
        let k = self.keep.len();
        map_rows(x, k + self.indicator.len(), |row, out| {
            for (o, &j) in out.iter_mut().zip(&self.keep) {
                let v = row[j];
                *o = if v.is_nan() { self.statistics[j] } else { v };
            }
            write_indicator(row, &self.indicator, &mut out[k..]);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn data(x: Array2<f64>) -> Dataset {
        let names = (0..x.ncols()).map(|j| format!("c{j}")).collect();
        Dataset::new(x, names).unwrap()
    }

    #[test]
    fn strategies_and_empty_columns() {
        let nan = f64::NAN;
        let x = array![
            [1.0, nan, 2.0],
            [2.0, nan, 2.0],
            [2.0, nan, 7.0],
            [nan, nan, 7.0]
        ];
        let d = data(x.clone());
        let fit = |strategy, keep_empty_features| {
            SimpleImputerParams {
                strategy,
                fill_value: Some(-1.0),
                keep_empty_features,
                ..Default::default()
            }
            .fit(&d)
            .unwrap()
        };
        let mean = fit(ImputeStrategy::Mean, false);
        assert_eq!(mean.statistics()[0], 5.0 / 3.0);
        assert!(mean.statistics()[1].is_nan());
        assert_eq!(mean.kept_columns(), &[0, 2]);
        let out = mean.transform(x.view()).unwrap();
        assert_eq!(out.dim(), (4, 2));
        assert_eq!(out[[3, 0]], 5.0 / 3.0);
        assert_eq!(fit(ImputeStrategy::Median, false).statistics()[2], 4.5);
        assert_eq!(
            fit(ImputeStrategy::MostFrequent, false).statistics()[2],
            2.0
        );
        let constant = fit(ImputeStrategy::Constant, false);
        assert_eq!(constant.kept_columns(), &[0, 2]);
        let kept = fit(ImputeStrategy::Constant, true);
        assert_eq!(kept.transform(x.view()).unwrap()[[0, 1]], -1.0);
        assert_eq!(fit(ImputeStrategy::Median, true).statistics()[1], 0.0);
    }

    #[test]
    fn errors_not_panics() {
        let d = data(array![[1.0, 2.0]]);
        let m = SimpleImputerParams::default().fit(&d).unwrap();
        assert!(matches!(
            m.transform(array![[1.0]].view()),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(m.transform(array![[1.0, f64::INFINITY]].view()).is_err());
        let bad = SimpleImputerParams {
            fill_value: Some(f64::NAN),
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        assert!(
            SimpleImputerParams::default()
                .fit(&data(Array2::zeros((0, 2))))
                .is_err()
        );
    }
}
