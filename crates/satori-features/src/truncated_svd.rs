//! [`TruncatedSvdParams`] → [`TruncatedSvd`]: scikit-learn's `TruncatedSVD` (latent semantic
//! analysis), a rank-`k` SVD of the data **without centring**, so that it works on sparse
//! matrices (term counts, TF-IDF) without densifying them.
//!
//! Algorithms (`algorithm`):
//!
//! | algorithm | what | accuracy |
//! |---|---|---|
//! | `randomized` (default) | Halko et al.'s randomized range finder: a seeded Gaussian sketch of `n_components + n_oversamples` columns, `n_iter` power iterations normalised by LU (`auto` when `n_iter > 2`) or QR, then an exact SVD of the small projection. On CSR input every product is a sparse-dense product: the input is never densified | close to the exact solution when the spectrum decays; satori's random numbers are not numpy's, so results match scikit-learn's to the accuracy of the method, not bit for bit |
//! | `arpack` | an exact thin SVD by faer (scikit-learn uses ARPACK's Lanczos iteration with `tol = 0`, i.e. to machine precision). On CSR input it builds a dense copy, so it is limited to 5·10⁷ entries | scikit-learn's `arpack` to ~1e-10 |
//!
//! The fitted attributes are scikit-learn 1.9's `components_` (sign-fixed with `svd_flip` on
//! the rows: each component's largest-magnitude entry is positive), `explained_variance_` (the
//! variance of the transformed training data), `explained_variance_ratio_` (over the total
//! variance of the input columns) and `singular_values_`.
//!
//! `n_components` must be at most `min(n_samples, n_features)` and the data need two columns
//! (as scikit-learn); NaN and infinities are rejected (impute first).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Transformer};
//! use satori_features::{SvdAlgorithm, TruncatedSvdParams, sparse::csr_from_dense};
//!
//! let x = array![[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 3.0]];
//! let params = TruncatedSvdParams { n_components: 1, algorithm: SvdAlgorithm::Arpack, ..Default::default() };
//! let dense = params.fit(&Dataset::new(x.clone(), vec!["a".into(), "b".into(), "c".into()]).unwrap()).unwrap();
//! assert_eq!(dense.components().row(0).to_vec(), vec![0.0, 0.0, 1.0]);
//! // The same model from the sparse matrix, and a sparse transform.
//! let csr = csr_from_dense(x.view());
//! let sparse = params.fit_csr(&csr).unwrap();
//! assert_eq!(sparse.transform_csr(&csr).unwrap(), dense.transform(x.view()).unwrap());
//! ```

use faer::Mat;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result, Transformer, rng};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use crate::check::{check_fit_input, check_transform_input, require_finite};
use crate::pca::linalg::{svd_flip_rows, thin_svd};
use crate::sparse::{
    as_csr, csr_column_mean_var, csr_dot_dense, csr_t_dot_dense, require_finite_csr,
};

/// The largest number of entries `arpack` densifies a sparse input to.
const MAX_DENSE_ENTRIES: usize = 50_000_000;

/// The SVD algorithm of [`TruncatedSvdParams`] (scikit-learn's `algorithm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvdAlgorithm {
    /// Halko et al.'s randomized SVD (seeded).
    #[default]
    Randomized,
    /// An exact thin SVD (scikit-learn's `arpack` to machine precision).
    Arpack,
}

/// How the randomized range finder re-normalises between power iterations (scikit-learn's
/// `power_iteration_normalizer`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerIterationNormalizer {
    /// `qr` when `n_iter ≤ 2`, else `lu` (scikit-learn's rule).
    #[default]
    Auto,
    /// A thin QR decomposition after each product (most stable, slowest).
    Qr,
    /// The permuted lower factor of an LU decomposition with partial pivoting.
    Lu,
    /// No normalisation (fastest; loses precision for large `n_iter`).
    None,
}

/// Parameters of [`TruncatedSvd`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TruncatedSvdParams {
    /// Number of components: at least 1, at most `min(n_samples, n_features)` (checked at fit).
    /// Default 2.
    pub n_components: usize,
    /// `randomized` or `arpack` (exact). Default `randomized`.
    pub algorithm: SvdAlgorithm,
    /// Power iterations of the randomized solver, 0 to 1000. Default 5.
    pub n_iter: usize,
    /// Extra sketch columns of the randomized solver, at least 1. Default 10.
    pub n_oversamples: usize,
    /// Normalisation between power iterations: `auto`, `qr`, `lu` or `none`. Default `auto`.
    pub power_iteration_normalizer: PowerIterationNormalizer,
    /// Seed of the randomized solver's Gaussian sketch (any value). Default 0.
    pub seed: u64,
}

impl Default for TruncatedSvdParams {
    fn default() -> Self {
        TruncatedSvdParams {
            n_components: 2,
            algorithm: SvdAlgorithm::Randomized,
            n_iter: 5,
            n_oversamples: 10,
            power_iteration_normalizer: PowerIterationNormalizer::Auto,
            seed: 0,
        }
    }
}

impl Params for TruncatedSvdParams {
    fn validate(&self) -> Result<()> {
        if self.n_components == 0 {
            return Err(Error::param("n_components", "must be at least 1, got 0"));
        }
        if self.n_iter > 1000 {
            return Err(Error::param(
                "n_iter",
                format!("must be at most 1000, got {}", self.n_iter),
            ));
        }
        if self.n_oversamples == 0 {
            return Err(Error::param("n_oversamples", "must be at least 1, got 0"));
        }
        Ok(())
    }
}

/// faer's decompositions and products split work by the rayon pool's thread count, which changes
/// their rounding; running them in a private one-thread pool makes the model the same bit for bit
/// at any thread count (the sparse products stay parallel: their chunking is fixed).
pub(crate) struct SeqFaer(rayon::ThreadPool);

impl SeqFaer {
    pub(crate) fn new() -> Result<Self> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map(SeqFaer)
            .map_err(|e| Error::Internal(format!("cannot start a one-thread pool: {e}")))
    }

    pub(crate) fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        self.0.install(f)
    }
}

/// A linear operator the randomized range finder multiplies by: a dense matrix or a CSR one.
enum Operator<'a> {
    Dense(&'a Mat<f64>),
    Sparse(&'a CsMat<f64>),
}

impl Operator<'_> {
    fn shape(&self) -> (usize, usize) {
        match self {
            Operator::Dense(m) => (m.nrows(), m.ncols()),
            Operator::Sparse(m) => (m.rows(), m.cols()),
        }
    }

    /// `A · B` (or `Aᵀ · B` when `transpose`).
    fn apply(&self, b: &Mat<f64>, transpose: bool, seq: &SeqFaer) -> Mat<f64> {
        match self {
            Operator::Dense(m) if transpose => seq.run(|| m.transpose() * b),
            Operator::Dense(m) => seq.run(|| *m * b),
            Operator::Sparse(m) => {
                let l = b.ncols();
                let rm: Vec<f64> = (0..b.nrows())
                    .flat_map(|i| (0..l).map(move |j| b[(i, j)]))
                    .collect();
                let out = if transpose {
                    csr_t_dot_dense(m, &rm, l)
                } else {
                    csr_dot_dense(m, &rm, l)
                };
                let rows = out.len() / l.max(1);
                Mat::from_fn(rows, l, |i, j| out[i * l + j])
            }
        }
    }
}

/// The permuted lower factor `P·L` of an LU decomposition with partial pivoting of the tall
/// `a` (scipy's `lu(a, permute_l=True)[0]`): rows in the original order.
fn lu_permuted_lower(a: &Mat<f64>) -> Mat<f64> {
    let (n, l) = (a.nrows(), a.ncols());
    let k = n.min(l);
    // Row-major working copy: the elimination updates whole rows.
    let mut w: Vec<f64> = (0..n)
        .flat_map(|i| (0..l).map(move |j| a[(i, j)]))
        .collect();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut pivot_tail = vec![0.0; l];
    for c in 0..k {
        // The first row of largest magnitude in column c (LAPACK's idamax).
        let mut best = c;
        let mut best_v = w[perm[c] * l + c].abs();
        for (r, &row) in perm.iter().enumerate().skip(c + 1) {
            let v = w[row * l + c].abs();
            if v > best_v {
                best = r;
                best_v = v;
            }
        }
        perm.swap(c, best);
        let prow = perm[c];
        let pivot = w[prow * l + c];
        if pivot == 0.0 {
            continue;
        }
        let tail = &mut pivot_tail[..l - c - 1];
        tail.copy_from_slice(&w[prow * l + c + 1..(prow + 1) * l]);
        for &row in &perm[c + 1..] {
            let base = row * l;
            let f = w[base + c] / pivot;
            w[base + c] = f;
            for (x, p) in w[base + c + 1..base + l].iter_mut().zip(tail.iter()) {
                *x -= f * p;
            }
        }
    }
    // pos[i]: the position of input row i in the pivot order.
    let mut pos = vec![0; n];
    perm.iter().enumerate().for_each(|(at, &row)| pos[row] = at);
    Mat::from_fn(n, k, |i, j| match pos[i].cmp(&j) {
        std::cmp::Ordering::Greater => w[i * l + j],
        std::cmp::Ordering::Equal => 1.0,
        std::cmp::Ordering::Less => 0.0,
    })
}

fn normalise(m: Mat<f64>, how: PowerIterationNormalizer, seq: &SeqFaer) -> Mat<f64> {
    match how {
        PowerIterationNormalizer::Lu => lu_permuted_lower(&m),
        PowerIterationNormalizer::None => m,
        PowerIterationNormalizer::Qr | PowerIterationNormalizer::Auto => {
            seq.run(|| m.as_ref().qr().compute_thin_Q())
        }
    }
}

impl TruncatedSvdParams {
    /// scikit-learn's `randomized_svd` (without the transpose shortcut): the top `k` singular
    /// values and right singular vectors (rows).
    fn randomized(&self, a: &Operator<'_>, k: usize) -> Result<(Array1<f64>, Array2<f64>)> {
        let (n, p) = a.shape();
        let l = k.saturating_add(self.n_oversamples).min(p).min(n).max(k);
        let mut r = rng::rng(self.seed);
        let mut q = Mat::<f64>::zeros(p, l);
        for j in 0..l {
            for i in 0..p {
                q[(i, j)] = rng::standard_normal(&mut r);
            }
        }
        let how = match self.power_iteration_normalizer {
            PowerIterationNormalizer::Auto if self.n_iter <= 2 => PowerIterationNormalizer::Qr,
            PowerIterationNormalizer::Auto => PowerIterationNormalizer::Lu,
            other => other,
        };
        let seq = SeqFaer::new()?;
        for _ in 0..self.n_iter {
            q = normalise(a.apply(&q, false, &seq), how, &seq);
            q = normalise(a.apply(&q, true, &seq), how, &seq);
        }
        let y = a.apply(&q, false, &seq);
        let q = seq.run(|| y.as_ref().qr().compute_thin_Q());
        // B = Qᵀ A = (Aᵀ Q)ᵀ, l × p.
        let b = a.apply(&q, true, &seq);
        let (sv, vt) = seq.run(|| thin_svd(b.transpose()))?;
        let k = k.min(sv.len());
        Ok((
            sv.slice(s![..k]).to_owned(),
            vt.slice(s![..k, ..]).to_owned(),
        ))
    }

    fn check_k(&self, n: usize, p: usize) -> Result<usize> {
        self.validate()?;
        if p < 2 {
            return Err(Error::InvalidData(format!(
                "TruncatedSVD needs at least 2 feature columns, got {p}"
            )));
        }
        let k = self.n_components;
        if k > p {
            return Err(Error::param(
                "n_components",
                format!("must be at most n_features ({p}), got {k}"),
            ));
        }
        if k > n {
            return Err(Error::param(
                "n_components",
                format!("must be at most n_samples ({n}), got {k}"),
            ));
        }
        Ok(k)
    }

    /// Fit on a dense matrix.
    pub fn fit_array(&self, x: ArrayView2<'_, f64>) -> Result<TruncatedSvd> {
        check_fit_input(x, "TruncatedSVD", 1)?;
        let k = self.check_k(x.nrows(), x.ncols())?;
        let m = Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[[i, j]]);
        let (sv, vt) = match self.algorithm {
            SvdAlgorithm::Arpack => SeqFaer::new()?.run(|| thin_svd(m.as_ref()))?,
            SvdAlgorithm::Randomized => self.randomized(&Operator::Dense(&m), k)?,
        };
        let full_var: f64 = x.var_axis(Axis(0), 0.0).sum();
        self.finish(sv, vt, k, full_var, |c| Ok(x.dot(&c.t())))
    }

    /// Fit on a sparse matrix (CSR, or CSC converted to CSR). The `randomized` algorithm never
    /// densifies it; `arpack` builds a dense copy (at most 5·10⁷ entries).
    pub fn fit_csr(&self, x: &CsMat<f64>) -> Result<TruncatedSvd> {
        let x = as_csr(x);
        require_finite_csr(&x, "TruncatedSVD")?;
        let (n, p) = (x.rows(), x.cols());
        if n == 0 {
            return Err(Error::NotEnoughSamples {
                context: "fitting TruncatedSVD".into(),
                needed: 1,
                got: 0,
            });
        }
        let k = self.check_k(n, p)?;
        let (sv, vt) = match self.algorithm {
            SvdAlgorithm::Arpack => {
                if n.saturating_mul(p) > MAX_DENSE_ENTRIES {
                    return Err(Error::param(
                        "algorithm",
                        format!(
                            "`arpack` densifies sparse input, and {n} × {p} is more than \
                             {MAX_DENSE_ENTRIES} entries; use `randomized`"
                        ),
                    ));
                }
                let mut m = Mat::<f64>::zeros(n, p);
                for (i, row) in x.outer_iterator().enumerate() {
                    for (j, &v) in row.iter() {
                        m[(i, j)] += v;
                    }
                }
                SeqFaer::new()?.run(|| thin_svd(m.as_ref()))?
            }
            SvdAlgorithm::Randomized => self.randomized(&Operator::Sparse(&x), k)?,
        };
        let full_var = csr_column_mean_var(&x).1.sum();
        self.finish(sv, vt, k, full_var, |c| sparse_project(&x, c))
    }

    /// Sign-fix, truncate and compute the variances of the projected training data.
    fn finish(
        &self,
        sv: Array1<f64>,
        mut vt: Array2<f64>,
        k: usize,
        full_var: f64,
        project: impl Fn(&Array2<f64>) -> Result<Array2<f64>>,
    ) -> Result<TruncatedSvd> {
        let k = k.min(sv.len());
        let mut components = vt.slice_mut(s![..k, ..]).to_owned();
        svd_flip_rows(&mut components);
        vt = components;
        let z = project(&vt)?;
        let explained_variance = z.var_axis(Axis(0), 0.0);
        let explained_variance_ratio = &explained_variance / full_var;
        Ok(TruncatedSvd {
            components: vt,
            explained_variance,
            explained_variance_ratio,
            singular_values: sv.slice(s![..k]).to_owned(),
            algorithm: self.algorithm,
        })
    }
}

/// `X · Cᵀ` for a CSR `x` and components `c` (`k × p`).
fn sparse_project(x: &CsMat<f64>, c: &Array2<f64>) -> Result<Array2<f64>> {
    let k = c.nrows();
    // Cᵀ row-major (p × k): each stored value reads one contiguous row.
    let ct: Vec<f64> = c.t().iter().copied().collect();
    let out = csr_dot_dense(x, &ct, k);
    Array2::from_shape_vec((x.rows(), k), out)
        .map_err(|e| Error::Internal(format!("sparse projection shape: {e}")))
}

impl Estimator for TruncatedSvdParams {
    type Model = TruncatedSvd;

    fn fit_with_progress(&self, data: &Dataset, _progress: &dyn Progress) -> Result<TruncatedSvd> {
        self.fit_array(data.x())
    }
}

/// A fitted truncated SVD: scikit-learn's fitted `TruncatedSVD` attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruncatedSvd {
    components: Array2<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    singular_values: Array1<f64>,
    algorithm: SvdAlgorithm,
}

impl TruncatedSvd {
    /// `components_`: the right singular vectors, one per row (`n_components × n_features`),
    /// each with its largest-magnitude entry positive.
    pub fn components(&self) -> ArrayView2<'_, f64> {
        self.components.view()
    }

    /// `explained_variance_`: the variance (ddof = 0) of each column of the transformed
    /// training data.
    pub fn explained_variance(&self) -> ArrayView1<'_, f64> {
        self.explained_variance.view()
    }

    /// `explained_variance_ratio_`: `explained_variance_` over the total variance of the input
    /// columns.
    pub fn explained_variance_ratio(&self) -> ArrayView1<'_, f64> {
        self.explained_variance_ratio.view()
    }

    /// `singular_values_`: the top singular values of the (uncentred) training data.
    pub fn singular_values(&self) -> ArrayView1<'_, f64> {
        self.singular_values.view()
    }

    /// The number of components.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The algorithm that was used.
    pub fn algorithm(&self) -> SvdAlgorithm {
        self.algorithm
    }

    /// Project a sparse matrix: `X · components_ᵀ` (dense, `n_samples × n_components`).
    pub fn transform_csr(&self, x: &CsMat<f64>) -> Result<Array2<f64>> {
        if x.cols() != self.components.ncols() {
            return Err(Error::ShapeMismatch {
                context: "number of feature columns".into(),
                expected: self.components.ncols(),
                got: x.cols(),
            });
        }
        let x = as_csr(x);
        require_finite_csr(&x, "TruncatedSVD")?;
        sparse_project(&x, &self.components)
    }

    /// scikit-learn's `inverse_transform`: `Z · components_`.
    pub fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if z.ncols() != self.n_components() {
            return Err(Error::ShapeMismatch {
                context: "number of TruncatedSVD components in inverse_transform".into(),
                expected: self.n_components(),
                got: z.ncols(),
            });
        }
        require_finite(z, "TruncatedSVD inverse_transform")?;
        Ok(z.dot(&self.components))
    }
}

impl Transformer for TruncatedSvd {
    fn n_features_in(&self) -> usize {
        self.components.ncols()
    }

    /// scikit-learn's names: `truncatedsvd0`, `truncatedsvd1`, …
    fn feature_names_out(&self, _input: &[String]) -> Vec<String> {
        (0..self.n_components())
            .map(|i| format!("truncatedsvd{i}"))
            .collect()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.n_features_in(), "TruncatedSVD")?;
        Ok(x.dot(&self.components.t()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn lu_factor_reproduces_permuted_product() {
        let a = Mat::from_fn(5, 3, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 - 1.5 + j as f64 * 0.1
        });
        let pl = lu_permuted_lower(&a);
        // P·L spans the same column space as A: projecting A on it leaves no residue.
        let q = pl.as_ref().qr().compute_thin_Q();
        let resid = &a - &q * (q.transpose() * &a);
        assert!(resid.norm_max() < 1e-12);
    }

    #[test]
    fn too_many_components_is_an_error() {
        let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]];
        let p = TruncatedSvdParams {
            n_components: 3,
            ..Default::default()
        };
        let e = p.fit_array(x.view()).unwrap_err().to_string();
        assert!(e.contains("n_features (2)"), "{e}");
    }
}
