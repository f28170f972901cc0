//! The checks of the estimator conformance suite; [`run`] drives them over a [`Setup`], which
//! the `Conformance` builder fills in.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use satori_core::{Dataset, Estimator, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::check::Check;
use crate::harness::{
    CheckResult, Skips, call, call_ok, default_params_validate, fit_elsewhere, json_difference,
    model_bytes, params_validate, permutation, rebuild, status_of, subject, unweighted_and_unit,
    with_nans,
};
use crate::report::{Report, Status, Tolerance};

/// What one run of the estimator suite needs: the params, the dataset, the skips, the
/// tolerances and the permutation seed.
#[derive(Debug, Clone)]
pub(crate) struct Setup<E> {
    pub params: E,
    pub data: Dataset,
    pub skips: Skips<Check>,
    pub fit_order_tol: Tolerance,
    pub subset_tol: Tolerance,
    pub seed: u64,
}

/// What `predict_with_proba` returns: the predictions and the probabilities.
pub(crate) type PredictionsAndProba = (Array1<f64>, Array2<f64>);

/// `predict_proba` and `classes().len()` as plain functions, so one runner serves models with
/// and without them.
pub(crate) struct ProbaApi<M> {
    pub proba: fn(&M, ArrayView2<'_, f64>) -> Result<Array2<f64>>,
    /// `predict_with_proba`: required to equal `predict` and `proba`, bit for bit.
    pub both: fn(&M, ArrayView2<'_, f64>) -> Result<PredictionsAndProba>,
    pub n_classes: fn(&M) -> usize,
}

/// How the runner asks a model for its predictions: one column per output (one for a
/// `Predictor`, one per target for a `MultiOutputPredictor`), and probabilities where the model
/// gives them.
pub(crate) struct Api<M> {
    pub predict: fn(&M, ArrayView2<'_, f64>) -> Result<Array2<f64>>,
    pub proba: Option<ProbaApi<M>>,
}

/// A single-output model's predictions as one column.
pub(crate) fn single_column<M: satori_core::Predictor>(
    m: &M,
    x: ArrayView2<'_, f64>,
) -> Result<Array2<f64>> {
    m.predict(x).map(|v: Array1<f64>| v.insert_axis(Axis(1)))
}

/// What a model says about a matrix: predictions (rows × outputs) and, for proba models,
/// probabilities.
#[derive(Debug, Clone)]
struct Outputs {
    predict: Array2<f64>,
    proba: Option<Array2<f64>>,
}

/// A check that needs the fitted model.
type ModelCheck<E> = fn(&Ctx<'_, E>) -> CheckResult;

/// Everything the checks share: the suite, the model fitted on its dataset and its outputs.
struct Ctx<'a, E: Estimator> {
    c: &'a Setup<E>,
    api: &'a Api<E::Model>,
    model: &'a E::Model,
    base: &'a Outputs,
    bytes: &'a [u8],
}

/// Run every check of `c` (the proba check only when the api gives probabilities).
pub(crate) fn run<E>(c: &Setup<E>, api: &Api<E::Model>) -> Report
where
    E: Estimator,
    E::Model: Serialize + DeserializeOwned,
{
    let proba = api.proba.as_ref();
    let mut outcomes: Vec<(Check, Status)> = Vec::new();
    let record =
        |outcomes: &mut Vec<(Check, Status)>, check: Check, f: &dyn Fn() -> CheckResult| {
            outcomes.push((check, status_of(&c.skips, check, check.name(), f)));
        };
    record(
        &mut outcomes,
        Check::DefaultParamsValidate,
        &default_params_validate::<E>,
    );
    record(&mut outcomes, Check::ParamsValidate, &|| {
        params_validate(&c.params)
    });

    let fitted = fit_base(c, api);
    let model_checks: &[(Check, ModelCheck<E>)] = &[
        (Check::FitTwice, fit_twice),
        (Check::SerdeJson, serde_json_round_trip),
        (Check::SerdePostcard, serde_postcard_round_trip),
        (Check::RowOrderPredict, row_order_predict),
        (Check::RowOrderFit, row_order_fit),
        (Check::SubsetInvariance, subset_invariance),
        (Check::UnitWeights, unit_weights),
        (Check::WrongColumnCount, wrong_column_count),
        (Check::NanFeatures, nan_features),
        (Check::OneRowFit, one_row_fit),
        (Check::OneFeatureFit, one_feature_fit),
        (Check::SameSeed, same_seed),
        (Check::Proba, proba_valid),
    ];
    match &fitted {
        Ok((model, base, bytes)) => {
            record(&mut outcomes, Check::Fit, &|| Ok(()));
            let ctx = Ctx {
                c,
                api,
                model,
                base,
                bytes,
            };
            for (check, f) in model_checks {
                if *check == Check::Proba && proba.is_none() {
                    continue;
                }
                if *check == Check::OneFeatureFit && c.data.n_features() == 0 {
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
            record(&mut outcomes, Check::Fit, &|| Err(e.clone()));
            for (check, _) in model_checks {
                if *check != Check::Proba || proba.is_some() {
                    record(&mut outcomes, *check, &|| {
                        Err("not run: the fit on the dataset failed".into())
                    });
                }
            }
        }
    }
    Report {
        subject: subject(&c.params),
        outcomes,
    }
}

fn fit_base<E>(
    c: &Setup<E>,
    api: &Api<E::Model>,
) -> std::result::Result<(E::Model, Outputs, Vec<u8>), String>
where
    E: Estimator,
    E::Model: Serialize + DeserializeOwned,
{
    let model = call_ok("fit", || c.params.fit(&c.data))?;
    let base = outputs(&model, c.data.x(), api, "predict on the training rows")?;
    require_finite(&base, "predictions on the training rows")?;
    let bytes = model_bytes(&model)?;
    Ok((model, base, bytes))
}

/// Predictions (and probabilities) of `model` on `x`, required to be `Ok` with one row per row.
fn outputs<M>(
    model: &M,
    x: ArrayView2<'_, f64>,
    api: &Api<M>,
    what: &str,
) -> std::result::Result<Outputs, String> {
    let predict = call_ok(&format!("{what}: predict"), || (api.predict)(model, x))?;
    if predict.nrows() != x.nrows() {
        return Err(format!(
            "{what}: predict returned {} rows for {} rows",
            predict.nrows(),
            x.nrows()
        ));
    }
    let proba = match &api.proba {
        Some(api) => {
            let p = call_ok(&format!("{what}: predict_proba"), || (api.proba)(model, x))?;
            if p.nrows() != x.nrows() {
                return Err(format!(
                    "{what}: predict_proba returned {} rows for {}",
                    p.nrows(),
                    x.nrows()
                ));
            }
            let (both_pred, both_proba) = call_ok(&format!("{what}: predict_with_proba"), || {
                (api.both)(model, x)
            })?;
            let same = |a: &[f64], b: &[f64]| {
                a.len() == b.len() && a.iter().zip(b).all(|(u, v)| u.to_bits() == v.to_bits())
            };
            let predicted: Vec<f64> = predict.column(0).to_vec();
            if !same(&both_pred.to_vec(), &predicted)
                || !same(
                    &both_proba.iter().copied().collect::<Vec<_>>(),
                    &p.iter().copied().collect::<Vec<_>>(),
                )
                || both_proba.dim() != p.dim()
            {
                return Err(format!(
                    "{what}: predict_with_proba differs from predict and predict_proba"
                ));
            }
            Some(p)
        }
        None => None,
    };
    Ok(Outputs { predict, proba })
}

fn require_finite(out: &Outputs, what: &str) -> CheckResult {
    if let Some(((i, k), v)) = out.predict.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!("{what}: row {i} predicts {v} (output {k})"));
    }
    if let Some(p) = &out.proba
        && let Some(((i, j), v)) = p.indexed_iter().find(|(_, v)| !v.is_finite())
    {
        return Err(format!("{what}: probability [{i}, {j}] is {v}"));
    }
    Ok(())
}

/// Compare two outputs element by element (bit for bit when `tol` is exact).
fn same(what: &str, got: &Outputs, want: &Outputs, tol: Tolerance) -> CheckResult {
    let eq = |a: f64, b: f64| tol.eq(a, b);
    if got.predict.dim() != want.predict.dim() {
        return Err(format!(
            "{what}: predictions of shape {:?}, expected {:?}",
            got.predict.dim(),
            want.predict.dim()
        ));
    }
    if let Some(((i, k), v)) = got
        .predict
        .indexed_iter()
        .find(|(ik, v)| !eq(**v, want.predict[*ik]))
    {
        let output = if got.predict.ncols() > 1 {
            format!(" (output {k})")
        } else {
            String::new()
        };
        return Err(format!(
            "{what}: row {i} predicts {v:?}, expected {:?}{output}",
            want.predict[[i, k]]
        ));
    }
    match (&got.proba, &want.proba) {
        (Some(a), Some(b)) => {
            if a.dim() != b.dim() {
                return Err(format!(
                    "{what}: probabilities of shape {:?}, expected {:?}",
                    a.dim(),
                    b.dim()
                ));
            }
            if let Some(((i, j), v)) = a.indexed_iter().find(|(ij, v)| !eq(**v, b[*ij])) {
                return Err(format!(
                    "{what}: probability [{i}, {j}] is {v:?}, expected {:?}",
                    b[[i, j]]
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn select(out: &Outputs, rows: &[usize]) -> Outputs {
    Outputs {
        predict: out.predict.select(Axis(0), rows),
        proba: out.proba.as_ref().map(|p| p.select(Axis(0), rows)),
    }
}

fn fit_twice<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
    E::Model: Serialize,
{
    let again = call_ok("second fit", || ctx.c.params.fit(&ctx.c.data))?;
    if model_bytes(&again)? != ctx.bytes {
        return Err(format!(
            "two fits gave different models; {}",
            json_difference(ctx.model, &again)
        ));
    }
    Ok(())
}

fn serde_json_round_trip<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
    E::Model: Serialize + DeserializeOwned,
{
    let json = serde_json::to_string(ctx.model).map_err(|e| format!("model to JSON: {e}"))?;
    let back: E::Model =
        serde_json::from_str(&json).map_err(|e| format!("model from its own JSON: {e}"))?;
    let out = outputs(&back, ctx.c.data.x(), ctx.api, "JSON round trip")?;
    same("after a JSON round trip", &out, ctx.base, Tolerance::EXACT)
}

fn serde_postcard_round_trip<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
    E::Model: Serialize + DeserializeOwned,
{
    let back: E::Model = postcard::from_bytes(ctx.bytes)
        .map_err(|e| format!("model from its own postcard bytes: {e}"))?;
    let out = outputs(&back, ctx.c.data.x(), ctx.api, "postcard round trip")?;
    same(
        "after a postcard round trip",
        &out,
        ctx.base,
        Tolerance::EXACT,
    )?;
    if model_bytes(&back)? != ctx.bytes {
        return Err("the model's postcard bytes change in a round trip".into());
    }
    Ok(())
}

fn row_order_predict<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let perm = permutation(ctx.c.data.n_samples(), ctx.c.seed);
    let x = ctx.c.data.x().select(Axis(0), &perm);
    let out = outputs(ctx.model, x.view(), ctx.api, "predict on permuted rows")?;
    same(
        "predictions on permuted rows vs permuted predictions",
        &out,
        &select(ctx.base, &perm),
        Tolerance::EXACT,
    )
}

fn row_order_fit<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let perm = permutation(ctx.c.data.n_samples(), ctx.c.seed.wrapping_add(1));
    let data = ctx.c.data.select_rows(&perm).map_err(|e| e.to_string())?;
    let model = call_ok("fit on permuted rows", || ctx.c.params.fit(&data))?;
    let out = outputs(
        &model,
        ctx.c.data.x(),
        ctx.api,
        "model fitted on permuted rows",
    )?;
    same(
        "model fitted on permuted rows vs the original",
        &out,
        ctx.base,
        ctx.c.fit_order_tol,
    )
}

fn subset_invariance<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let x = ctx.c.data.x();
    let tol = ctx.c.subset_tol;
    for i in 0..x.nrows().min(25) {
        let out = outputs(ctx.model, x.slice(s![i..i + 1, ..]), ctx.api, "one row")?;
        same(
            &format!("row {i} predicted alone"),
            &out,
            &select(ctx.base, &[i]),
            tol,
        )?;
    }
    let rows: Vec<usize> = (0..x.nrows()).step_by(3).rev().collect();
    let sub = x.select(Axis(0), &rows);
    let out = outputs(ctx.model, sub.view(), ctx.api, "a subset of rows")?;
    same(
        "every third row, reversed, vs the full batch",
        &out,
        &select(ctx.base, &rows),
        tol,
    )
}

fn unit_weights<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let data = &ctx.c.data;
    let (none, ones) = unweighted_and_unit(data)?;
    let m_none = call_ok("fit without weights", || ctx.c.params.fit(&none))?;
    let m_ones = call_ok("fit with unit weights", || ctx.c.params.fit(&ones))?;
    let a = outputs(&m_none, data.x(), ctx.api, "model fitted without weights")?;
    let b = outputs(&m_ones, data.x(), ctx.api, "model fitted with unit weights")?;
    same("unit weights vs no weights", &b, &a, Tolerance::EXACT)
}

fn wrong_column_count<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
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
        if call(&format!("predict with {q} columns"), || {
            (ctx.api.predict)(ctx.model, bad.view())
        })?
        .is_ok()
        {
            return Err(format!(
                "predict accepted {q} columns from a model fitted on {p}"
            ));
        }
        if let Some(api) = &ctx.api.proba
            && call(&format!("predict_proba with {q} columns"), || {
                (api.proba)(ctx.model, bad.view())
            })?
            .is_ok()
        {
            return Err(format!(
                "predict_proba accepted {q} columns from a model fitted on {p}"
            ));
        }
    }
    Ok(())
}

/// Predict on `x`: an `Err` is fine; `Ok` must be one finite value (and a valid probability row)
/// per row.
fn handled<M>(model: &M, x: ArrayView2<'_, f64>, api: &Api<M>, what: &str) -> CheckResult {
    if call(&format!("{what}: predict"), || (api.predict)(model, x))?.is_err() {
        return Ok(());
    }
    let out = outputs(model, x, api, what)?;
    require_finite(&out, what)?;
    if let (Some(api), Some(p)) = (&api.proba, &out.proba) {
        proba_matrix(p, (api.n_classes)(model), what)?;
    }
    Ok(())
}

fn nan_features<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let x_nan = with_nans(ctx.c.data.x());
    handled(ctx.model, x_nan.view(), ctx.api, "clean model on NaN rows")?;
    let data = rebuild(&ctx.c.data, x_nan.clone(), None, None)?;
    if let Ok(model) = call("fit with NaN features", || ctx.c.params.fit(&data))? {
        handled(
            &model,
            x_nan.view(),
            ctx.api,
            "NaN-fitted model on NaN rows",
        )?;
        handled(
            &model,
            ctx.c.data.x(),
            ctx.api,
            "NaN-fitted model on clean rows",
        )?;
    }
    Ok(())
}

fn one_row_fit<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let data = ctx.c.data.select_rows(&[0]).map_err(|e| e.to_string())?;
    if let Ok(model) = call("fit on one row", || ctx.c.params.fit(&data))? {
        handled(&model, ctx.c.data.x(), ctx.api, "model fitted on one row")?;
    }
    Ok(())
}

fn one_feature_fit<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let x1 = ctx.c.data.x().slice(s![.., 0..1]).to_owned();
    let data = rebuild(&ctx.c.data, x1.clone(), Some(0..1), None)?;
    if let Ok(model) = call("fit on one feature", || ctx.c.params.fit(&data))? {
        handled(&model, x1.view(), ctx.api, "model fitted on one feature")?;
    }
    Ok(())
}

fn same_seed<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
    E::Model: Serialize,
{
    let bytes = fit_elsewhere(&ctx.c.params, &ctx.c.data, |p: &E, d| p.fit(d))?;
    if bytes != ctx.bytes {
        return Err(
            "params sent through JSON and fitted on another thread gave a different model".into(),
        );
    }
    Ok(())
}

fn proba_valid<E>(ctx: &Ctx<'_, E>) -> CheckResult
where
    E: Estimator,
{
    let (Some(api), Some(p)) = (&ctx.api.proba, &ctx.base.proba) else {
        return Ok(());
    };
    let k = (api.n_classes)(ctx.model);
    proba_matrix(p, k, "predict_proba on the training rows")?;
    if let Some((i, v)) = ctx
        .base
        .predict
        .column(0)
        .iter()
        .enumerate()
        .find(|(_, v)| v.fract() != 0.0 || **v < 0.0 || **v >= k as f64)
    {
        return Err(format!("row {i} predicts {v}, not a class code below {k}"));
    }
    Ok(())
}

fn proba_matrix(p: &Array2<f64>, k: usize, what: &str) -> CheckResult {
    if p.ncols() != k {
        return Err(format!(
            "{what}: {} probability columns for {k} classes",
            p.ncols()
        ));
    }
    if let Some(((i, j), v)) = p.indexed_iter().find(|(_, v)| !(0.0..=1.0).contains(*v)) {
        return Err(format!(
            "{what}: probability [{i}, {j}] = {v} is outside [0, 1]"
        ));
    }
    for (i, row) in p.rows().into_iter().enumerate() {
        let sum: f64 = row.sum();
        if (sum - 1.0).abs() > 1e-12 {
            return Err(format!("{what}: row {i} sums to {sum:?}, not 1"));
        }
    }
    Ok(())
}
