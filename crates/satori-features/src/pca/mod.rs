//! [`PcaParams`] → [`Pca`]: scikit-learn's `PCA`, principal component analysis.
//!
//! The data are centred (never scaled) and projected on the directions of largest variance. The
//! fitted attributes are scikit-learn 1.9's `components_`, `explained_variance_`,
//! `explained_variance_ratio_` (over the total variance), `singular_values_`, `mean_` and
//! `noise_variance_`, with the same deterministic sign convention (`svd_flip` on the rows of
//! `components_`: the entry of largest magnitude in each component is positive).
//!
//! Solvers (`svd_solver`):
//!
//! | solver | what | accuracy |
//! |---|---|---|
//! | `full` | faer's thin SVD of the centred matrix | scikit-learn's `full` to ~1e-12 relative |
//! | `covariance_eigh` | the centred Gram matrix `XcᵀXc` (parallel, fixed chunks: deterministic at any thread count), then a symmetric eigendecomposition; for tall, narrow data | as `full` for components whose variance is not tiny next to the largest |
//! | `randomized` | Halko et al.: a Gaussian sketch of `k + n_oversamples` columns, `iterated_power` power iterations each re-orthonormalised by QR, then an exact SVD of the small projection; seeded | close to the exact solution when the spectrum decays (it does not reproduce scikit-learn's random numbers) |
//! | `auto` (default) | scikit-learn's rule: `covariance_eigh` when `n_features ≤ 1000` and `n_samples ≥ 10·n_features`, else `full` when the data are at most 500 × 500 or `n_components` is a fraction, else `randomized` when `n_components < 0.8·min(n_samples, n_features)`, else `full` | |
//!
//! Data with NaN (missing values) or infinities are rejected at fit and transform time: impute
//! first. Fitting needs two rows and some variance (all-constant data are an error, where
//! scikit-learn would return NaN ratios).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_features::{NComponents, PcaParams};
//!
//! let x = array![[2.0, 0.0], [0.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap();
//! let params = PcaParams { n_components: Some(NComponents::Count(1)), ..Default::default() };
//! let pca = params.fit(&data).unwrap();
//! assert_eq!(pca.components().row(0).to_vec(), vec![1.0, 0.0]);
//! assert!((pca.explained_variance()[0] - 2.0).abs() < 1e-12);
//! assert!((pca.explained_variance_ratio()[0] - 0.8).abs() < 1e-12);
//! let z = pca.transform(x.view()).unwrap();
//! assert_eq!(z.column(0).to_vec(), vec![2.0, 0.0, -2.0, 0.0, 0.0]);
//! assert!(pca.transform(array![[1.0]].view()).is_err()); // wrong column count
//! ```

mod fit;
pub(crate) mod linalg;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::{Error, Params, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::check_transform_input;

/// How many components to keep (scikit-learn's `n_components`, an int or a float in (0, 1),
/// written the same way in TOML and JSON: `n_components = 3` or `n_components = 0.95`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NComponents {
    /// Keep this many components: at least 1 and at most `min(n_samples, n_features)`.
    Count(usize),
    /// Keep the fewest components whose cumulated `explained_variance_ratio_` exceeds this
    /// fraction, strictly between 0 and 1 (needs the `full`, `covariance_eigh` or `auto` solver).
    VarianceRatio(f64),
}

impl Serialize for NComponents {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            NComponents::Count(k) => s.serialize_u64(*k as u64),
            NComponents::VarianceRatio(f) => s.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for NComponents {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Count(u64),
            Ratio(f64),
        }
        match Repr::deserialize(d)? {
            Repr::Count(k) => usize::try_from(k)
                .map(NComponents::Count)
                .map_err(|_| serde::de::Error::custom("n_components is too large")),
            Repr::Ratio(f) => Ok(NComponents::VarianceRatio(f)),
        }
    }
}

/// The algorithm that computes the decomposition (scikit-learn's `svd_solver`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvdSolver {
    /// Pick by the shape of the data, with scikit-learn's rule (see the module documentation).
    #[default]
    Auto,
    /// An exact thin SVD of the centred data.
    Full,
    /// An eigendecomposition of the centred Gram (covariance) matrix.
    CovarianceEigh,
    /// A seeded randomized truncated SVD (Halko et al.).
    Randomized,
}

impl SvdSolver {
    /// The solver's name as scikit-learn spells it.
    pub fn name(self) -> &'static str {
        match self {
            SvdSolver::Auto => "auto",
            SvdSolver::Full => "full",
            SvdSolver::CovarianceEigh => "covariance_eigh",
            SvdSolver::Randomized => "randomized",
        }
    }
}

/// Parameters of [`Pca`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct PcaParams {
    /// How many components to keep: a whole number `k` with `1 ≤ k ≤ min(n_samples, n_features)`
    /// (checked at fit), or a fraction `f` with `0 < f < 1` of the variance to explain. Default none: keep
    /// `min(n_samples, n_features)`.
    pub n_components: Option<NComponents>,
    /// Divide each projected column by the square root of its explained variance, so the output
    /// columns have unit variance. Default `false`.
    pub whiten: bool,
    /// The decomposition algorithm: `auto`, `full`, `covariance_eigh` or `randomized`. Default
    /// `auto`.
    pub svd_solver: SvdSolver,
    /// Extra sketch columns of the `randomized` solver beyond `n_components`; at least 1.
    /// Default 10.
    pub n_oversamples: usize,
    /// Power iterations of the `randomized` solver, 0 to 1000; none means scikit-learn's `auto`:
    /// 7 when `n_components < 0.1·min(n_samples, n_features)`, else 4. Default none.
    pub iterated_power: Option<usize>,
    /// Seed of the `randomized` solver's Gaussian sketch (any value). Default 0.
    pub seed: u64,
}

impl Default for PcaParams {
    fn default() -> Self {
        PcaParams {
            n_components: None,
            whiten: false,
            svd_solver: SvdSolver::Auto,
            n_oversamples: 10,
            iterated_power: None,
            seed: 0,
        }
    }
}

impl Params for PcaParams {
    fn validate(&self) -> Result<()> {
        match self.n_components {
            Some(NComponents::Count(0)) => {
                return Err(Error::param(
                    "n_components",
                    "a count must be at least 1 (use `variance_ratio` for a fraction)",
                ));
            }
            Some(NComponents::VarianceRatio(f)) if !(f > 0.0 && f < 1.0) => {
                return Err(Error::param(
                    "n_components",
                    format!("a variance ratio must be strictly between 0 and 1, got {f}"),
                ));
            }
            Some(NComponents::VarianceRatio(_)) if self.svd_solver == SvdSolver::Randomized => {
                return Err(Error::param(
                    "n_components",
                    "a variance ratio needs the `full`, `covariance_eigh` or `auto` solver; \
                     the `randomized` solver needs a count",
                ));
            }
            _ => {}
        }
        if self.n_oversamples == 0 {
            return Err(Error::param("n_oversamples", "must be at least 1, got 0"));
        }
        if let Some(p) = self.iterated_power
            && p > 1000
        {
            return Err(Error::param(
                "iterated_power",
                format!("must be at most 1000, got {p}"),
            ));
        }
        Ok(())
    }
}

/// A fitted PCA: scikit-learn's fitted `PCA` attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    components: Array2<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    singular_values: Array1<f64>,
    mean: Array1<f64>,
    noise_variance: f64,
    n_samples: usize,
    whiten: bool,
    solver: SvdSolver,
}

impl Pca {
    /// `components_`: one principal axis per row (`n_components × n_features`), unit length,
    /// by decreasing explained variance, each with its largest-magnitude entry positive.
    pub fn components(&self) -> ArrayView2<'_, f64> {
        self.components.view()
    }

    /// `explained_variance_`: the variance (ddof = 1) of the data along each component.
    pub fn explained_variance(&self) -> ArrayView1<'_, f64> {
        self.explained_variance.view()
    }

    /// `explained_variance_ratio_`: each component's share of the total variance.
    pub fn explained_variance_ratio(&self) -> ArrayView1<'_, f64> {
        self.explained_variance_ratio.view()
    }

    /// `singular_values_`: the singular values of the centred data for the kept components.
    pub fn singular_values(&self) -> ArrayView1<'_, f64> {
        self.singular_values.view()
    }

    /// `mean_`: the per-feature mean of the training data.
    pub fn mean(&self) -> ArrayView1<'_, f64> {
        self.mean.view()
    }

    /// `noise_variance_`: the probabilistic-PCA noise variance, the mean of the discarded
    /// components' variances (0 when none are discarded).
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// `n_components_`: the number of kept components.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// `n_samples_`: the number of training rows.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// Whether the output is whitened.
    pub fn whiten(&self) -> bool {
        self.whiten
    }

    /// The solver that was used (never `auto`: the one `auto` picked).
    pub fn solver(&self) -> SvdSolver {
        self.solver
    }

    /// The whitening scales: `sqrt(explained_variance_)`, clipped below at machine epsilon as
    /// scikit-learn does.
    fn scales(&self) -> Array1<f64> {
        self.explained_variance.mapv(|v| v.sqrt().max(f64::EPSILON))
    }

    /// Map projected rows (`n_components` columns) back to the input space: scikit-learn's
    /// `inverse_transform` (`Z · components_ + mean_`, undoing whitening first).
    pub fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if z.ncols() != self.n_components() {
            return Err(Error::ShapeMismatch {
                context: "number of PCA components in inverse_transform".into(),
                expected: self.n_components(),
                got: z.ncols(),
            });
        }
        crate::check::require_finite(z, "PCA inverse_transform")?;
        let mut out = if self.whiten {
            let v = self.explained_variance.mapv(f64::sqrt);
            let scaled = &self.components * &v.insert_axis(ndarray::Axis(1));
            z.dot(&scaled)
        } else {
            z.dot(&self.components)
        };
        out += &self.mean;
        Ok(out)
    }
}

impl Transformer for Pca {
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// scikit-learn's names: `pca0`, `pca1`, …
    fn feature_names_out(&self, _input: &[String]) -> Vec<String> {
        (0..self.n_components())
            .map(|i| format!("pca{i}"))
            .collect()
    }

    /// `X · components_ᵀ − mean_ · components_ᵀ`, divided by the whitening scales when
    /// `whiten` (scikit-learn's order of operations).
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.n_features_in(), "PCA")?;
        let ct = self.components.t();
        let mut out = x.dot(&ct);
        let offset = self.mean.dot(&ct);
        out -= &offset;
        if self.whiten {
            out /= &self.scales();
        }
        Ok(out)
    }
}
