//! What the linear models share that is not a solver: input checks and scikit-learn's data
//! preparation for the regressors ([`data`]), the classification target, class weights and the
//! binomial loss for the classifiers ([`classes`]), and CSR input with its products ([`sparse`]).

pub(crate) mod classes;
pub(crate) mod data;
pub(crate) mod sparse;
