//! The plumbing both suites share: running a check under `catch_unwind` into a [`Status`],
//! calling into the code under test, permutations, rebuilt datasets, NaN-filled matrices, and
//! the params round trip.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Dataset, Params, Result};
use serde::Serialize;

use crate::report::Status;

/// What one check concludes: `Err` carries the failure message.
pub(crate) type CheckResult = std::result::Result<(), String>;

/// The skipped checks of a suite, with their written reasons.
pub(crate) type Skips<C> = BTreeMap<C, String>;

/// Add `check` to `skips`, for `reason`; panics on an empty reason.
pub(crate) fn add_skip<C: Ord + std::fmt::Display>(skips: &mut Skips<C>, check: C, reason: &str) {
    assert!(
        !reason.trim().is_empty(),
        "skipping {check} needs a written reason"
    );
    skips.insert(check, reason.to_string());
}

/// The status of `check`: skipped with its reason, or `f` run under `catch_unwind`.
pub(crate) fn status_of<C: Ord>(
    skips: &Skips<C>,
    check: C,
    name: &str,
    f: &dyn Fn() -> CheckResult,
) -> Status {
    if let Some(reason) = skips.get(&check) {
        return Status::Skipped(reason.clone());
    }
    match guard(name, f).and_then(|r| r) {
        Ok(()) => Status::Passed,
        Err(m) => Status::Failed(m),
    }
}

/// Run `f`, turning a panic into an error that quotes the panic message.
pub(crate) fn guard<T>(what: &str, f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<non-string panic payload>".into());
        format!("{what} panicked: {msg}")
    })
}

/// Call into the code under test: the outer error is a panic, the inner result its answer.
pub(crate) fn call<T>(
    what: &str,
    f: impl FnOnce() -> Result<T>,
) -> std::result::Result<Result<T>, String> {
    guard(what, f)
}

/// Call into the code under test and require `Ok`.
pub(crate) fn call_ok<T>(
    what: &str,
    f: impl FnOnce() -> Result<T>,
) -> std::result::Result<T, String> {
    call(what, f)?.map_err(|e| format!("{what} failed: {e}"))
}

/// The subject line of a report: the params' type and their JSON.
pub(crate) fn subject<P: Serialize>(params: &P) -> String {
    format!(
        "{} {}",
        std::any::type_name::<P>(),
        serde_json::to_string(params).unwrap_or_else(|e| format!("<unserialisable: {e}>"))
    )
}

/// The postcard bytes of a fitted model.
pub(crate) fn model_bytes<M: Serialize>(model: &M) -> std::result::Result<Vec<u8>, String> {
    postcard::to_allocvec(model).map_err(|e| format!("postcard cannot serialise the model: {e}"))
}

/// A seeded permutation of `0..n` that moves at least one row when `n > 1`.
pub(crate) fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    satori_core::rng::shuffle(&mut rows, &mut satori_core::rng::rng(seed));
    if n > 1 && rows.iter().enumerate().all(|(i, &r)| i == r) {
        rows.reverse();
    }
    rows
}

/// `data` with its features replaced by `x` (same columns unless `schema_cols` picks some) and
/// its weights replaced by `weights`.
pub(crate) fn rebuild(
    data: &Dataset,
    x: Array2<f64>,
    schema_cols: Option<std::ops::Range<usize>>,
    weights: Option<Option<Array1<f64>>>,
) -> std::result::Result<Dataset, String> {
    let mut schema = data.features().clone();
    if let Some(cols) = schema_cols {
        schema.columns = schema.columns.get(cols).unwrap_or_default().to_vec();
    }
    // Every target (one or several), its name and the text columns carry over.
    let build = || -> Result<Dataset> {
        let d = data.with_features(x, schema)?;
        Ok(match weights {
            None => d,
            Some(None) => d.without_weights(),
            Some(Some(w)) => d.with_weights(w)?,
        })
    };
    build().map_err(|e| format!("could not build the test dataset: {e}"))
}

/// `data` without weights and with unit weights.
pub(crate) fn unweighted_and_unit(
    data: &Dataset,
) -> std::result::Result<(Dataset, Dataset), String> {
    let none = rebuild(data, data.x().to_owned(), None, Some(None))?;
    let ones = rebuild(
        data,
        data.x().to_owned(),
        None,
        Some(Some(Array1::ones(data.n_samples()))),
    )?;
    Ok((none, ones))
}

/// `x` with NaN in its first row and in every third cell.
pub(crate) fn with_nans(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut x = x.to_owned();
    for ((i, j), v) in x.indexed_iter_mut() {
        if i == 0 || (i + j) % 3 == 0 {
            *v = f64::NAN;
        }
    }
    x
}

/// The given params validate, and a JSON round trip keeps them.
pub(crate) fn params_validate<P: Params>(params: &P) -> CheckResult {
    params
        .validate()
        .map_err(|e| format!("the given params do not validate: {e}"))?;
    let json = serde_json::to_string(params).map_err(|e| format!("params to JSON: {e}"))?;
    let back: P = serde_json::from_str(&json)
        .map_err(|e| format!("params from their own JSON {json}: {e}"))?;
    let again = serde_json::to_string(&back).map_err(|e| format!("params to JSON: {e}"))?;
    if again != json {
        return Err(format!(
            "params change in a JSON round trip: {json} became {again}"
        ));
    }
    Ok(())
}

/// The default params validate.
pub(crate) fn default_params_validate<P: Params>() -> CheckResult {
    P::default()
        .validate()
        .map_err(|e| format!("the default params do not validate: {e}"))
}

/// Where two fits' JSON first differ, for the message of a failed determinism check.
pub(crate) fn json_difference<M: Serialize>(first: &M, second: &M) -> String {
    let a = serde_json::to_string(first).unwrap_or_default();
    let b = serde_json::to_string(second).unwrap_or_default();
    let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let from = at.saturating_sub(40);
    let snip = |s: &str| s.chars().skip(from).take(100).collect::<String>();
    format!(
        "first difference in JSON at char {at}:\n  first:  …{}\n  second: …{}",
        snip(&a),
        snip(&b)
    )
}

/// Params sent through JSON and fitted on another thread; the fitted model's postcard bytes.
pub(crate) fn fit_elsewhere<P, M>(
    params: &P,
    data: &Dataset,
    fit: impl Fn(&P, &Dataset) -> Result<M> + Send + Sync,
) -> std::result::Result<Vec<u8>, String>
where
    P: Params,
    M: Serialize,
{
    let json = serde_json::to_string(params).map_err(|e| format!("params to JSON: {e}"))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| -> std::result::Result<Vec<u8>, String> {
                let params: P = serde_json::from_str(&json)
                    .map_err(|e| format!("params from their JSON: {e}"))?;
                let model = call_ok("fit on another thread", || fit(&params, data))?;
                model_bytes(&model)
            })
            .join()
            .unwrap_or_else(|_| Err("fit on another thread panicked".into()))
    })
}
