//! [`PolynomialFeaturesParams`] → [`PolynomialFeatures`]: scikit-learn's `PolynomialFeatures`,
//! every product of the input features up to `degree`.
//!
//! Columns come in scikit-learn's order: the bias `1` (when `include_bias`), then for each degree
//! from 1 to `degree` the index combinations of that size in lexicographic order (with
//! repetition, or without when `interaction_only`). Each product is evaluated as scikit-learn's
//! dense kernel does, from the last factor to the first (`x0·(x1·x2)`), so results are identical
//! to the bit. Output names are scikit-learn's: `1`, `a`, `a^2`, `a b`, `a^2 b`.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_features::PolynomialFeaturesParams;
//!
//! let x = array![[2.0, 3.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let poly = PolynomialFeaturesParams::default().fit(&data).unwrap();
//! assert_eq!(poly.transform(x.view()).unwrap().row(0).to_vec(), vec![1.0, 2.0, 3.0, 4.0, 6.0, 9.0]);
//! assert_eq!(
//!     poly.feature_names_out(&data.feature_names()),
//!     vec!["1", "a", "b", "a^2", "a b", "b^2"]
//! );
//! ```

use ndarray::{Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::{check_fit_input, check_transform_input};

/// The most output columns a [`PolynomialFeatures`] may produce.
pub const MAX_OUTPUT_COLUMNS: usize = 1 << 24;
/// The most values one `transform` call may produce (2³² values, 32 GiB).
pub const MAX_OUTPUT_CELLS: usize = 1 << 32;

/// Parameters of [`PolynomialFeatures`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct PolynomialFeaturesParams {
    /// The maximal degree of the products, 0 to 64. Default 2. (scikit-learn's `(min, max)`
    /// tuple form is not supported.)
    pub degree: usize,
    /// Only products of distinct features (`a b`, not `a^2`). Default `false`.
    pub interaction_only: bool,
    /// Start with a constant column of ones (the degree-0 term). Default `true`. `degree = 0`
    /// needs it (the output would be empty otherwise).
    pub include_bias: bool,
}

impl Default for PolynomialFeaturesParams {
    fn default() -> Self {
        PolynomialFeaturesParams {
            degree: 2,
            interaction_only: false,
            include_bias: true,
        }
    }
}

impl Params for PolynomialFeaturesParams {
    fn validate(&self) -> Result<()> {
        if self.degree > 64 {
            return Err(Error::param(
                "degree",
                format!("must be at most 64, got {}", self.degree),
            ));
        }
        if self.degree == 0 && !self.include_bias {
            return Err(Error::param(
                "degree",
                "degree 0 without `include_bias` would give an empty output; use degree ≥ 1 \
                 or include_bias = true",
            ));
        }
        Ok(())
    }
}

/// A fitted polynomial expansion: the index combination of every output column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolynomialFeatures {
    n_features_in: usize,
    combinations: Vec<Vec<usize>>,
}

/// The next combination after `c` (non-decreasing, or increasing when `strict`) of indices
/// below `n`, in lexicographic order; `false` when `c` was the last.
fn next_combination(c: &mut [usize], n: usize, strict: bool) -> bool {
    let d = c.len();
    for i in (0..d).rev() {
        // The largest value position i may take so that the rest still fits.
        let max = if strict { n - (d - i) } else { n - 1 };
        if c[i] < max {
            c[i] += 1;
            for k in i + 1..d {
                c[k] = if strict { c[k - 1] + 1 } else { c[k - 1] };
            }
            return true;
        }
    }
    false
}

/// `C(n, k)`, saturating at `u128::MAX`.
fn binomial(n: u128, k: u128) -> u128 {
    let k = k.min(n.saturating_sub(k));
    let mut r: u128 = 1;
    for i in 0..k {
        // r · (n − i) / (i + 1) stays an integer at every step.
        r = match r.checked_mul(n - i) {
            Some(v) => v / (i + 1),
            None => return u128::MAX,
        };
    }
    r
}

/// The number of output columns (scikit-learn's `_num_combinations`), saturating.
fn n_output(n: usize, p: &PolynomialFeaturesParams) -> u128 {
    let n = n as u128;
    let mut total = u128::from(p.include_bias);
    for d in 1..=p.degree as u128 {
        let c = if p.interaction_only {
            if d > n {
                break;
            }
            binomial(n, d)
        } else {
            binomial(n + d - 1, d)
        };
        total = total.saturating_add(c);
    }
    total
}

/// Every output column's combination, in scikit-learn's order, or an error past
/// [`MAX_OUTPUT_COLUMNS`].
fn combinations(n: usize, p: &PolynomialFeaturesParams) -> Result<Vec<Vec<usize>>> {
    let count = n_output(n, p);
    if count > MAX_OUTPUT_COLUMNS as u128 {
        return Err(Error::param(
            "degree",
            format!(
                "degree {} on {n} features gives {count} columns, more than                  {MAX_OUTPUT_COLUMNS}; lower the degree or use interaction_only",
                p.degree
            ),
        ));
    }
    let mut out = Vec::with_capacity(count as usize);
    if p.include_bias {
        out.push(Vec::new());
    }
    for d in 1..=p.degree {
        if p.interaction_only && d > n {
            break;
        }
        let mut c: Vec<usize> = if p.interaction_only {
            (0..d).collect()
        } else {
            vec![0; d]
        };
        loop {
            out.push(c.clone());
            if !next_combination(&mut c, n, p.interaction_only) {
                break;
            }
        }
    }
    Ok(out)
}

impl PolynomialFeatures {
    /// `powers_`: for each output column, the exponent of each input feature.
    pub fn powers(&self) -> Array2<usize> {
        let mut p = Array2::zeros((self.combinations.len(), self.n_features_in));
        for (i, c) in self.combinations.iter().enumerate() {
            for &j in c {
                p[[i, j]] += 1;
            }
        }
        p
    }

    /// `n_output_features_`: the number of output columns.
    pub fn n_output_features(&self) -> usize {
        self.combinations.len()
    }
}

impl Estimator for PolynomialFeaturesParams {
    type Model = PolynomialFeatures;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<PolynomialFeatures> {
        self.validate()?;
        check_fit_input(data.x(), "PolynomialFeatures", 1)?;
        Ok(PolynomialFeatures {
            n_features_in: data.n_features(),
            combinations: combinations(data.n_features(), self)?,
        })
    }
}

impl Transformer for PolynomialFeatures {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    /// scikit-learn's names: `1` for the bias, `name^k` for a power, factors joined by spaces.
    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let name = |j: usize| input.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
        self.combinations
            .iter()
            .map(|c| {
                if c.is_empty() {
                    return "1".to_string();
                }
                let mut parts = Vec::new();
                let mut i = 0;
                while i < c.len() {
                    let run = c[i..].iter().take_while(|&&k| k == c[i]).count();
                    parts.push(if run == 1 {
                        name(c[i])
                    } else {
                        format!("{}^{run}", name(c[i]))
                    });
                    i += run;
                }
                parts.join(" ")
            })
            .collect()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.n_features_in, "PolynomialFeatures")?;
        let cells = x.nrows().checked_mul(self.combinations.len());
        if cells.is_none_or(|c| c > MAX_OUTPUT_CELLS) {
            return Err(Error::InvalidData(format!(
                "PolynomialFeatures would produce {} rows × {} columns, more than {} values; \
                 transform fewer rows at a time",
                x.nrows(),
                self.combinations.len(),
                MAX_OUTPUT_CELLS
            )));
        }
        let mut out = Array2::<f64>::zeros((x.nrows(), self.combinations.len()));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            for (c, v) in self.combinations.iter().zip(o.iter_mut()) {
                *v = match c.split_last() {
                    None => 1.0,
                    Some((&last, rest)) => {
                        rest.iter().rev().fold(row[last], |acc, &j| acc * row[j])
                    }
                };
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combination_counts() {
        let p = |degree, interaction_only, include_bias| PolynomialFeaturesParams {
            degree,
            interaction_only,
            include_bias,
        };
        assert_eq!(combinations(3, &p(2, false, true)).unwrap().len(), 10);
        assert_eq!(combinations(3, &p(3, false, false)).unwrap().len(), 19);
        assert_eq!(combinations(3, &p(3, true, true)).unwrap().len(), 8);
        assert_eq!(combinations(2, &p(5, true, false)).unwrap().len(), 3);
        assert_eq!(
            combinations(4, &p(0, false, true)).unwrap(),
            vec![Vec::<usize>::new()]
        );
        assert!(combinations(1000, &p(3, false, true)).is_err());
        assert!(combinations(100_000, &p(64, false, true)).is_err());
        for (n, d, io, b) in [
            (5, 3, false, true),
            (6, 4, true, false),
            (3, 0, false, true),
        ] {
            let q = p(d, io, b);
            assert_eq!(n_output(n, &q), combinations(n, &q).unwrap().len() as u128);
        }
    }
}
