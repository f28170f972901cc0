//! The numerical solvers behind the linear models, each one copy for the whole crate:
//!
//! - [`lbfgs`]: scipy's L-BFGS-B (without bounds), for logistic regression and the GLMs;
//! - [`dense`]: blocked QR, SVD, scipy's `lstsq` rule, ridge by SVD and Cholesky solves, for
//!   least squares and ridge on dense input;
//! - [`nnls`]: Lawson–Hanson non-negative least squares (`positive = true`);
//! - [`cgls`]: conjugate gradients on the implicitly centred normal equations, for least squares
//!   and ridge on CSR input.
//!
//! Coordinate descent lives with the elastic net (`crate::elastic_net`), Newton–Cholesky with the
//! GLMs (`crate::glm`), the proximal method with logistic regression and the SGD updates with SGD:
//! each is specific to its model's objective.

pub(crate) mod cgls;
pub(crate) mod dense;
pub(crate) mod lbfgs;
pub(crate) mod nnls;
