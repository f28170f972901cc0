//! The checks of the transformer conformance suite; [`run`] drives them over a [`Setup`], which
//! the `TransformerConformance` builder fills in.

use std::collections::BTreeSet;

use ndarray::{Array2, ArrayView2, Axis, s};
use satori_core::{Dataset, Error, Estimator, Result, Transformer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::check::{NanPolicy, TransformerCheck};
use crate::harness::{
    CheckResult, Skips, call, call_ok, default_params_validate, fit_elsewhere, json_difference,
    model_bytes, params_validate, permutation, rebuild, status_of, subject, unweighted_and_unit,
    with_nans,
};
use crate::report::{Report, Status, Tolerance};

/// What one run of the transformer suite needs: the params, the dataset, the skips, the NaN
/// policy, the tolerances and the permutation seed.
#[derive(Debug, Clone)]
pub(crate) struct Setup<P> {
    pub params: P,
    pub data: Dataset,
    pub skips: Skips<TransformerCheck>,
    pub nan: NanPolicy,
    pub fit_order_tol: Tolerance,
    pub subset_tol: Tolerance,
    pub seed: u64,
}

/// A check that needs the fitted transformer.
type FittedCheck<P> = fn(&Ctx<'_, P>) -> CheckResult;

/// Everything the checks share: the suite, the transformer fitted on its dataset, its output on
/// the dataset and its postcard bytes.
struct Ctx<'a, P: Estimator> {
    c: &'a Setup<P>,
    model: &'a P::Model,
    base: &'a Array2<f64>,
    bytes: &'a [u8],
}

/// Run every check of `c`.
pub(crate) fn run<P>(c: &Setup<P>) -> Report<TransformerCheck>
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    let mut outcomes: Vec<(TransformerCheck, Status)> = Vec::new();
    let record = |outcomes: &mut Vec<(TransformerCheck, Status)>,
                  check: TransformerCheck,
                  f: &dyn Fn() -> CheckResult| {
        outcomes.push((check, status_of(&c.skips, check, check.name(), f)));
    };
    record(
        &mut outcomes,
        TransformerCheck::DefaultParamsValidate,
        &default_params_validate::<P>,
    );
    record(&mut outcomes, TransformerCheck::ParamsValidate, &|| {
        params_validate(&c.params)
    });

    let fitted_checks: &[(TransformerCheck, FittedCheck<P>)] = &[
        (TransformerCheck::FitTwice, fit_twice),
        (TransformerCheck::SerdeJson, serde_json_round_trip),
        (TransformerCheck::SerdePostcard, serde_postcard_round_trip),
        (TransformerCheck::FeatureNames, feature_names),
        (TransformerCheck::OutputWidth, output_width),
        (TransformerCheck::RowOrderTransform, row_order_transform),
        (TransformerCheck::RowOrderFit, row_order_fit),
        (TransformerCheck::SubsetInvariance, subset_invariance),
        (TransformerCheck::UnitWeights, unit_weights),
        (TransformerCheck::WrongColumnCount, wrong_column_count),
        (TransformerCheck::NanInput, nan_input),
        (TransformerCheck::InfiniteInput, infinite_input),
        (TransformerCheck::OneRowFit, one_row_fit),
        (TransformerCheck::OneColumnFit, one_column_fit),
        (TransformerCheck::SameSeed, same_seed),
    ];
    match fit_base(c) {
        Ok((model, base, bytes)) => {
            record(&mut outcomes, TransformerCheck::Fit, &|| Ok(()));
            let ctx = Ctx {
                c,
                model: &model,
                base: &base,
                bytes: &bytes,
            };
            for (check, f) in fitted_checks {
                if *check == TransformerCheck::OneColumnFit && c.data.n_features() == 0 {
                    outcomes.push((
                        *check,
                        Status::Skipped("the dataset has no feature column".into()),
                    ));
                    continue;
                }
                record(&mut outcomes, *check, &|| f(&ctx));
            }
        }
        Err(e) => {
            record(&mut outcomes, TransformerCheck::Fit, &|| Err(e.clone()));
            for (check, _) in fitted_checks {
                record(&mut outcomes, *check, &|| {
                    Err("not run: the fit on the dataset failed".into())
                });
            }
        }
    }
    Report {
        subject: subject(&c.params),
        outcomes,
    }
}

/// The transformer fitted on the dataset, its output on the dataset and its postcard bytes.
type Fitted<M> = (M, Array2<f64>, Vec<u8>);

fn fit_base<P>(c: &Setup<P>) -> std::result::Result<Fitted<P::Model>, String>
where
    P: Estimator,
    P::Model: Transformer + Serialize,
{
    let x = c.data.x();
    if !c.nan.accepts_nan() && x.iter().any(|v| v.is_nan()) {
        return Err(format!(
            "the dataset has NaN, but the NaN policy is {:?}: give a dataset without NaN or the \
             policy the transformer documents",
            c.nan
        ));
    }
    let model = call_ok("fit", || c.params.fit(&c.data))?;
    let base = transform(&model, x, "transform of the training rows")?;
    obeys_policy(c.nan, x, base.view(), "transform of the training rows")?;
    let bytes = model_bytes(&model)?;
    Ok((model, base, bytes))
}

/// `model.transform(x)`, required to be `Ok` with one output row per input row.
fn transform<M: Transformer>(
    model: &M,
    x: ArrayView2<'_, f64>,
    what: &str,
) -> std::result::Result<Array2<f64>, String> {
    let out = call_ok(what, || model.transform(x))?;
    if out.nrows() != x.nrows() {
        return Err(format!(
            "{what}: {} output rows for {} input rows",
            out.nrows(),
            x.nrows()
        ));
    }
    Ok(out)
}

/// The output of `input` holds what the NaN policy promises: finite values, NaN only in rows
/// whose input has a NaN (NaN passing through), or NaN anywhere (missing values introduced).
/// Infinite output is never right.
fn obeys_policy(
    nan: NanPolicy,
    input: ArrayView2<'_, f64>,
    out: ArrayView2<'_, f64>,
    what: &str,
) -> CheckResult {
    let bad = |v: &f64| v.is_infinite() || (v.is_nan() && nan != NanPolicy::MissingIntroduced);
    let Some(((i, j), v)) = out.indexed_iter().find(|(_, v)| bad(v)) else {
        return Ok(());
    };
    if v.is_infinite() || nan != NanPolicy::MissingPropagates {
        return Err(format!("{what}: output [{i}, {j}] is {v}"));
    }
    for (i, row) in out.rows().into_iter().enumerate() {
        if let Some(j) = row.iter().position(|v| v.is_infinite()) {
            return Err(format!("{what}: output [{i}, {j}] is {}", row[j]));
        }
        if let Some(j) = row.iter().position(|v| v.is_nan())
            && !input.row(i).iter().any(|v| v.is_nan())
        {
            return Err(format!(
                "{what}: output [{i}, {j}] is NaN, but input row {i} has no NaN (the policy \
                 MissingPropagates lets a NaN through only where one came in)"
            ));
        }
    }
    Ok(())
}

/// Under a rejecting policy, `result` (of a call given NaN) must be an `Err`, with the policy's
/// text in its message.
fn refused<T>(nan: NanPolicy, result: Result<T>, what: &str) -> CheckResult {
    match result {
        Ok(_) => Err(format!(
            "{what}: accepted NaN, but the NaN policy is {nan:?} (NaN must be an error)"
        )),
        Err(e) => match nan {
            NanPolicy::RejectMentioning(text) if !e.to_string().contains(text) => {
                Err(format!("{what}: the error does not mention {text:?}: {e}"))
            }
            _ => Ok(()),
        },
    }
}

/// Compare two outputs element by element (bit for bit when `tol` is exact).
fn same(what: &str, got: &Array2<f64>, want: &Array2<f64>, tol: Tolerance) -> CheckResult {
    if got.dim() != want.dim() {
        return Err(format!(
            "{what}: output of shape {:?}, expected {:?}",
            got.dim(),
            want.dim()
        ));
    }
    if let Some(((i, j), v)) = got.indexed_iter().find(|(ij, v)| !tol.eq(**v, want[*ij])) {
        return Err(format!(
            "{what}: output [{i}, {j}] is {v:?}, expected {:?}",
            want[[i, j]]
        ));
    }
    Ok(())
}

fn fit_twice<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Serialize,
{
    let again = call_ok("second fit", || ctx.c.params.fit(&ctx.c.data))?;
    if model_bytes(&again)? != ctx.bytes {
        return Err(format!(
            "two fits gave different transformers; {}",
            json_difference(ctx.model, &again)
        ));
    }
    Ok(())
}

fn serde_json_round_trip<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    let json = serde_json::to_string(ctx.model).map_err(|e| format!("model to JSON: {e}"))?;
    let back: P::Model =
        serde_json::from_str(&json).map_err(|e| format!("model from its own JSON: {e}"))?;
    let out = transform(&back, ctx.c.data.x(), "JSON round trip")?;
    same("after a JSON round trip", &out, ctx.base, Tolerance::EXACT)
}

fn serde_postcard_round_trip<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    let back: P::Model = postcard::from_bytes(ctx.bytes)
        .map_err(|e| format!("model from its own postcard bytes: {e}"))?;
    let out = transform(&back, ctx.c.data.x(), "postcard round trip")?;
    same(
        "after a postcard round trip",
        &out,
        ctx.base,
        Tolerance::EXACT,
    )?;
    if model_bytes(&back)? != ctx.bytes {
        return Err("the transformer's postcard bytes change in a round trip".into());
    }
    Ok(())
}

fn feature_names<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let data = &ctx.c.data;
    let n_in = call_ok("n_features_in", || Ok(ctx.model.n_features_in()))?;
    if n_in != data.n_features() {
        return Err(format!(
            "n_features_in() is {n_in} for a fit on {} columns",
            data.n_features()
        ));
    }
    let input = data.feature_names();
    let names = call_ok("feature_names_out", || {
        Ok(ctx.model.feature_names_out(&input))
    })?;
    if names.len() != ctx.base.ncols() {
        return Err(format!(
            "feature_names_out gives {} names for {} output columns: {names:?}",
            names.len(),
            ctx.base.ncols()
        ));
    }
    let mut seen = BTreeSet::new();
    if let Some(twice) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(format!(
            "feature_names_out names two columns {twice:?}: {names:?}"
        ));
    }
    Ok(())
}

fn output_width<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = ctx.c.data.x();
    let n = x.nrows();
    let width = ctx.base.ncols();
    for rows in [1, 2, n / 2] {
        let rows = rows.min(n);
        if rows == 0 || rows == n {
            continue;
        }
        let batch = x.slice(s![..rows, ..]);
        let what = format!("transform of the first {rows} rows");
        if let Ok(out) = call(&what, || ctx.model.transform(batch))?
            && out.dim() != (rows, width)
        {
            return Err(format!(
                "{what}: output of shape {:?}; the whole batch gives {width} columns",
                out.dim()
            ));
        }
    }
    Ok(())
}

fn row_order_transform<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let perm = permutation(ctx.c.data.n_samples(), ctx.c.seed);
    let x = ctx.c.data.x().select(Axis(0), &perm);
    let out = transform(ctx.model, x.view(), "transform of permuted rows")?;
    same(
        "output of permuted rows vs the permuted output",
        &out,
        &ctx.base.select(Axis(0), &perm),
        Tolerance::EXACT,
    )
}

fn row_order_fit<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let perm = permutation(ctx.c.data.n_samples(), ctx.c.seed.wrapping_add(1));
    let data = ctx.c.data.select_rows(&perm).map_err(|e| e.to_string())?;
    let model = call_ok("fit on permuted rows", || ctx.c.params.fit(&data))?;
    let out = transform(
        &model,
        ctx.c.data.x(),
        "transformer fitted on permuted rows",
    )?;
    same(
        "transformer fitted on permuted rows vs the original",
        &out,
        ctx.base,
        ctx.c.fit_order_tol,
    )
}

fn subset_invariance<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = ctx.c.data.x();
    let tol = ctx.c.subset_tol;
    for i in 0..x.nrows().min(25) {
        let out = transform(ctx.model, x.slice(s![i..i + 1, ..]), "one row")?;
        same(
            &format!("row {i} transformed alone"),
            &out,
            &ctx.base.select(Axis(0), &[i]),
            tol,
        )?;
    }
    let rows: Vec<usize> = (0..x.nrows()).step_by(3).rev().collect();
    let sub = x.select(Axis(0), &rows);
    let out = transform(ctx.model, sub.view(), "a subset of rows")?;
    same(
        "every third row, reversed, vs the full batch",
        &out,
        &ctx.base.select(Axis(0), &rows),
        tol,
    )
}

fn unit_weights<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = ctx.c.data.x();
    let (none, ones) = unweighted_and_unit(&ctx.c.data)?;
    let m_none = call_ok("fit without weights", || ctx.c.params.fit(&none))?;
    let m_ones = call_ok("fit with unit weights", || ctx.c.params.fit(&ones))?;
    let a = transform(&m_none, x, "transformer fitted without weights")?;
    let b = transform(&m_ones, x, "transformer fitted with unit weights")?;
    same("unit weights vs no weights", &b, &a, ctx.c.fit_order_tol)
}

fn wrong_column_count<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = ctx.c.data.x();
    let rows = x.nrows().clamp(1, 5);
    let p = x.ncols();
    let mut bad_counts = vec![p + 1];
    if p >= 1 {
        bad_counts.push(p - 1);
    }
    for q in bad_counts {
        let bad = Array2::from_shape_fn((rows, q), |(i, j)| {
            x.get((i, j))
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(0.5)
        });
        match call(&format!("transform with {q} columns"), || {
            ctx.model.transform(bad.view())
        })? {
            Ok(_) => {
                return Err(format!(
                    "transform accepted {q} columns from a transformer fitted on {p}"
                ));
            }
            Err(Error::ShapeMismatch { .. }) => {}
            Err(e) => {
                return Err(format!(
                    "transform of {q} columns (fitted on {p}) is not Error::ShapeMismatch: {e}"
                ));
            }
        }
    }
    Ok(())
}

fn nan_input<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let nan = ctx.c.nan;
    let x = ctx.c.data.x();
    let x_nan = with_nans(x);

    // The transformer fitted on the dataset, given NaN.
    let what = "transform of NaN rows";
    let got = call(what, || ctx.model.transform(x_nan.view()))?;
    if nan.accepts_nan() {
        let out = got.map_err(|e| format!("{what} failed, but NaN means missing: {e}"))?;
        if out.dim() != ctx.base.dim() {
            return Err(format!(
                "{what}: output of shape {:?}, expected {:?}",
                out.dim(),
                ctx.base.dim()
            ));
        }
        obeys_policy(nan, x_nan.view(), out.view(), what)?;
    } else {
        refused(nan, got, what)?;
    }

    // A fit on NaN.
    let data = rebuild(&ctx.c.data, x_nan.clone(), None, None)?;
    let fitted = call("fit with NaN", || ctx.c.params.fit(&data))?;
    if nan.accepts_nan() {
        let model =
            fitted.map_err(|e| format!("fit with NaN failed, but NaN means missing: {e}"))?;
        let on_nan = transform(&model, x_nan.view(), "NaN-fitted transformer on NaN rows")?;
        obeys_policy(
            nan,
            x_nan.view(),
            on_nan.view(),
            "NaN-fitted transformer on NaN rows",
        )?;
        let on_clean = transform(&model, x, "NaN-fitted transformer on the dataset")?;
        obeys_policy(
            nan,
            x,
            on_clean.view(),
            "NaN-fitted transformer on the dataset",
        )?;
        if on_nan.ncols() != on_clean.ncols() {
            return Err(format!(
                "the NaN-fitted transformer gives {} columns on NaN rows and {} on the dataset",
                on_nan.ncols(),
                on_clean.ncols()
            ));
        }
    } else {
        refused(nan, fitted, "fit with NaN")?;
    }

    // A fit on nothing but NaN: Ok or a clean Err (always an Err when NaN is refused).
    let all_nan = Array2::from_elem(x.dim(), f64::NAN);
    let data = rebuild(&ctx.c.data, all_nan, None, None)?;
    let fitted = call("fit on an all-NaN matrix", || ctx.c.params.fit(&data))?;
    match fitted {
        Ok(model) if nan.accepts_nan() => {
            let _ = call("all-NaN-fitted transformer on the dataset", || {
                model.transform(x)
            })?;
        }
        other => {
            if !nan.accepts_nan() {
                refused(nan, other, "fit on an all-NaN matrix")?;
            }
        }
    }
    Ok(())
}

fn infinite_input<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x = ctx.c.data.x();
    let (n, p) = x.dim();
    if n == 0 || p == 0 {
        return Ok(());
    }
    let mut x_inf = x.to_owned();
    x_inf[[0, 0]] = f64::INFINITY;
    x_inf[[n - 1, p - 1]] = f64::NEG_INFINITY;
    let what = "transform of infinite values";
    if let Ok(out) = call(what, || ctx.model.transform(x_inf.view()))?
        && out.dim() != ctx.base.dim()
    {
        return Err(format!(
            "{what}: output of shape {:?}, expected {:?}",
            out.dim(),
            ctx.base.dim()
        ));
    }
    // A dataset refuses infinity in some columns (a categorical code, say): then no transformer
    // can be fitted on one, and only the transform above applies.
    let Ok(data) = rebuild(&ctx.c.data, x_inf, None, None) else {
        return Ok(());
    };
    if let Ok(model) = call("fit with infinite values", || ctx.c.params.fit(&data))? {
        let _ = call(
            "transform by the transformer fitted on infinite values",
            || model.transform(x),
        )?;
    }
    Ok(())
}

fn one_row_fit<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let data = ctx.c.data.select_rows(&[0]).map_err(|e| e.to_string())?;
    if let Ok(model) = call("fit on one row", || ctx.c.params.fit(&data))? {
        let x = ctx.c.data.x();
        let what = "transform by the transformer fitted on one row";
        if let Ok(out) = call(what, || model.transform(x))?
            && out.nrows() != x.nrows()
        {
            return Err(format!(
                "{what}: {} output rows for {} input rows",
                out.nrows(),
                x.nrows()
            ));
        }
    }
    Ok(())
}

fn one_column_fit<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Transformer,
{
    let x1 = ctx.c.data.x().slice(s![.., 0..1]).to_owned();
    let data = rebuild(&ctx.c.data, x1.clone(), Some(0..1), None)?;
    if let Ok(model) = call("fit on one column", || ctx.c.params.fit(&data))? {
        let n_in = call_ok("n_features_in", || Ok(model.n_features_in()))?;
        if n_in != 1 {
            return Err(format!("fitted on one column, n_features_in() is {n_in}"));
        }
        let what = "transform by the transformer fitted on one column";
        if let Ok(out) = call(what, || model.transform(x1.view()))?
            && out.nrows() != x1.nrows()
        {
            return Err(format!(
                "{what}: {} output rows for {} input rows",
                out.nrows(),
                x1.nrows()
            ));
        }
    }
    Ok(())
}

fn same_seed<P>(ctx: &Ctx<'_, P>) -> CheckResult
where
    P: Estimator,
    P::Model: Serialize,
{
    let bytes = fit_elsewhere(&ctx.c.params, &ctx.c.data, |p: &P, d| p.fit(d))?;
    if bytes != ctx.bytes {
        return Err(
            "params sent through JSON and fitted on another thread gave a different transformer"
                .into(),
        );
    }
    Ok(())
}
