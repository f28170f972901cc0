//! The HTTP endpoints.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::input::{Cells, predict_body, v2_inputs};
use crate::metrics::Outcome;
use crate::model::{LoadedModel, Scored, predict_json, predictions_csv, v2_outputs};
use crate::repository::{Route, Served};

type St = State<Arc<AppState>>;
type Body = Result<Bytes, BytesRejection>;

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let max_body = state.config.max_body;
    Router::new()
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2", get(server_metadata))
        .route("/v2/models/{name}", get(model_metadata))
        .route(
            "/v2/models/{name}/versions/{version}",
            get(version_metadata),
        )
        .route("/v2/models/{name}/ready", get(model_ready))
        .route(
            "/v2/models/{name}/versions/{version}/ready",
            get(version_ready),
        )
        .route("/v2/models/{name}/infer", post(infer))
        .route(
            "/v2/models/{name}/versions/{version}/infer",
            post(version_infer),
        )
        .route("/predict", post(predict))
        .route("/metrics", get(metrics))
        .route("/v2/repository/index", get(index).post(index))
        .route("/v2/repository/models/{name}/load", post(load))
        .route("/v2/repository/models/{name}/unload", post(unload))
        .route(
            "/v2/repository/models/{name}/route",
            post(set_route).get(get_route),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!(
        "no endpoint {method} {}; see /v2 and docs/serving.md",
        satori_core::snippet(uri.path())
    ))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn body_bytes(state: &AppState, body: Body) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the body is larger than the server's limit of {} bytes (--max-body)",
                state.config.max_body
            ))
        } else {
            ApiError::BadRequest(format!("cannot read the body: {}", e.body_text()))
        }
    })
}

fn json_value(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not valid JSON: {}",
            satori_core::clip(&e.to_string(), 200)
        ))
    })
}

// ----- health and metadata -----

async fn live() -> Response {
    axum::Json(json!({"live": true})).into_response()
}

async fn ready(State(s): St) -> Response {
    let ready = !s.draining.load(Ordering::SeqCst) && !s.repo.routes().is_empty();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(json!({"ready": ready}))).into_response()
}

async fn server_metadata(State(s): St) -> Response {
    let models: Vec<String> = s.repo.routes().keys().cloned().collect();
    axum::Json(json!({
        "name": "satori",
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": ["model_repository", "predict_rows", "prometheus_metrics"],
        "models": models,
    }))
    .into_response()
}

fn route_of(s: &AppState, name: &str) -> Result<Arc<Route>, ApiError> {
    s.repo.route(name).ok_or_else(|| {
        let served: Vec<String> = s.repo.routes().keys().cloned().collect();
        ApiError::NotFound(format!(
            "no model `{}` is being served (serving: {})",
            satori_core::snippet(name),
            if served.is_empty() {
                "none".to_string()
            } else {
                served.join(", ")
            }
        ))
    })
}

fn served_version(route: &Route, name: &str, version: &str) -> Result<Arc<Served>, ApiError> {
    route.version(version).ok_or_else(|| {
        let loaded: Vec<String> = route.roles().into_iter().map(|(v, _)| v).collect();
        ApiError::NotFound(format!(
            "model `{}` version `{}` is not loaded (loaded: {})",
            satori_core::snippet(name),
            satori_core::snippet(version),
            loaded.join(", ")
        ))
    })
}

fn metadata_of(route: &Route, model: &LoadedModel) -> Value {
    let mut m = model.v2_metadata();
    m["versions"] = json!(
        route
            .roles()
            .into_iter()
            .map(|(v, _)| v)
            .collect::<Vec<_>>()
    );
    m["version"] = json!(model.version);
    m
}

async fn model_metadata(State(s): St, Path(name): Path<String>) -> Result<Response, ApiError> {
    let route = route_of(&s, &name)?;
    Ok(axum::Json(metadata_of(&route, &route.champion.model)).into_response())
}

async fn version_metadata(
    State(s): St,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let route = route_of(&s, &name)?;
    let served = served_version(&route, &name, &version)?;
    Ok(axum::Json(metadata_of(&route, &served.model)).into_response())
}

async fn model_ready(State(s): St, Path(name): Path<String>) -> Result<Response, ApiError> {
    let route = route_of(&s, &name)?;
    Ok(
        axum::Json(json!({"name": name, "version": route.champion.model.version, "ready": true}))
            .into_response(),
    )
}

async fn version_ready(
    State(s): St,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let route = route_of(&s, &name)?;
    served_version(&route, &name, &version)?;
    Ok(axum::Json(json!({"name": name, "version": version, "ready": true})).into_response())
}

async fn metrics(State(s): St) -> Response {
    let mut served = Vec::new();
    for (name, route) in s.repo.routes().iter() {
        for (v, role) in route.roles() {
            served.push((name.clone(), v, role));
        }
    }
    let mut text = s.metrics.render(&served);
    if let Some(d) = &s.config.hooks.drift {
        d.render(&mut text);
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

// ----- prediction -----

/// What a request asks to predict.
enum Work {
    /// Rows from JSON.
    Cells(Cells),
    /// A CSV body, with the id columns to carry through.
    Csv(Bytes, Vec<String>),
}

/// What a prediction gives back.
struct Answer {
    model: Arc<LoadedModel>,
    scored: Scored,
    ids: Vec<(String, Vec<String>)>,
}

/// Decrements the in-flight gauge however the request ends.
struct InFlight<'a>(&'a AppState);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Predict `work` with `name` (the only served model when `None`) at `version` (the route's
/// pick when `None`): admission, the deadline, the predict call off the runtime, shadow scoring,
/// metrics and the request log, for every prediction endpoint alike.
async fn run_predict(
    s: &Arc<AppState>,
    endpoint: &'static str,
    name: Option<&str>,
    version: Option<&str>,
    work: Work,
) -> Result<Answer, ApiError> {
    let arrived = Instant::now();
    // No draining check here: once the drain starts the listener is closed and each connection
    // ends after its current request, which is in flight and must be answered.
    s.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let _in_flight = InFlight(s);
    let route = match name {
        Some(n) => route_of(s, n),
        None => {
            let routes = s.repo.routes();
            match routes.len() {
                0 => Err(ApiError::NotFound("no model is being served".into())),
                1 => routes
                    .values()
                    .next()
                    .cloned()
                    .ok_or_else(|| ApiError::NotFound("no model is being served".into())),
                _ => Err(ApiError::BadRequest(format!(
                    "this server serves several models ({}); name one with `?model=NAME`",
                    routes.keys().cloned().collect::<Vec<_>>().join(", ")
                ))),
            }
        }
    };
    let route = match route {
        Ok(r) => r,
        Err(e) => {
            s.metrics.unrouted(e.outcome());
            return Err(e);
        }
    };
    let model_name = route.champion.model.name.clone();
    let served = match version {
        Some(v) => match served_version(&route, &model_name, v) {
            Ok(x) => x,
            Err(e) => {
                s.metrics.unrouted(e.outcome());
                return Err(e);
            }
        },
        None => route.pick(),
    };
    let shadow = route.shadow.clone().filter(|sh| !Arc::ptr_eq(sh, &served));
    let shadow_work = shadow.as_ref().map(|_| match &work {
        Work::Cells(c) => Work::Cells(c.clone()),
        Work::Csv(b, ids) => Work::Csv(b.clone(), ids.clone()),
    });
    let model = served.model.clone();
    let rows_in = match &work {
        Work::Cells(c) => Some(c.clone()),
        Work::Csv(..) => None,
    };
    let result = tokio::time::timeout(s.config.timeout, score(s, &served, work)).await;
    let result = match result {
        Ok(r) => r,
        Err(_) => Err(ApiError::Timeout(format!(
            "the prediction did not finish within the server's deadline of {} s (--timeout)",
            s.config.timeout.as_secs_f64()
        ))),
    };
    let total = arrived.elapsed();
    match &result {
        Ok((scored, _, queued)) => {
            let n = scored.predictions.first().map_or(0, |p| p.len());
            model.metrics.request(Outcome::Success, n, *queued, total);
        }
        Err(e) => model.metrics.request(e.outcome(), 0, Duration::ZERO, total),
    }
    if let (Some(sh), Some(w)) = (shadow, shadow_work) {
        run_shadow(s.clone(), sh, w);
    }
    if let Some(log) = &s.log {
        log.send(log_entry(
            endpoint,
            &model,
            rows_in.as_ref(),
            &result,
            total,
        ));
    }
    let (scored, ids, _) = result?;
    Ok(Answer { model, scored, ids })
}

type Scoring = (Scored, Vec<(String, Vec<String>)>, Duration);

/// The predict call of one request: through the model's batcher, or in its own compute slot.
async fn score(s: &Arc<AppState>, served: &Arc<Served>, work: Work) -> Result<Scoring, ApiError> {
    if let (Some(b), Work::Cells(cells)) = (&served.batcher, &work) {
        let (scored, queued) = b.submit(cells.clone()).await?;
        return Ok((scored, Vec::new(), queued));
    }
    let waiting = Instant::now();
    let permit = s.admission.acquire().await?;
    let queued = waiting.elapsed();
    let model = served.model.clone();
    let hooks = s.config.hooks.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        predict_work(&model, work, &hooks)
    })
    .await;
    let (scored, ids) =
        joined.map_err(|e| ApiError::Internal(format!("the prediction task failed: {e}")))??;
    Ok((scored, ids, queued))
}

/// Columns carried beside the predictions: (name, one cell per row).
type CarriedColumns = Vec<(String, Vec<String>)>;

/// Read and predict, on a blocking thread.
fn predict_work(
    model: &LoadedModel,
    work: Work,
    hooks: &crate::Hooks,
) -> Result<(Scored, CarriedColumns), ApiError> {
    let (table, scored) = match work {
        Work::Cells(cells) => {
            let table = cells.read(&model.read_opts)?;
            let scored = model.predict_table(&table)?;
            (table, scored)
        }
        Work::Csv(bytes, id_names) => {
            let (table, scored) = model.predict_csv(&bytes)?;
            let ids = id_names
                .iter()
                .map(|n| Ok((n.clone(), satori_workflow::output::column_text(&table, n)?)))
                .collect::<Result<Vec<_>, satori_core::Error>>()?;
            hooks.observe(model, &table, &scored);
            return Ok((scored, ids));
        }
    };
    hooks.observe(model, &table, &scored);
    Ok((scored, Vec::new()))
}

/// Score the shadow version in the background, if a compute slot is free (a shadow never queues
/// ahead of real requests); its outcome is only counted.
fn run_shadow(s: Arc<AppState>, shadow: Arc<Served>, work: Work) {
    let metrics = shadow.model.metrics.clone();
    tokio::spawn(async move {
        let outcome =
            match tokio::time::timeout(s.config.timeout, score_shadow(&s, &shadow, work)).await {
                Ok(Ok(())) => Outcome::Success,
                Ok(Err(e)) => e.outcome(),
                Err(_) => Outcome::Timeout,
            };
        metrics.shadow(outcome);
    });
}

async fn score_shadow(s: &Arc<AppState>, shadow: &Arc<Served>, work: Work) -> Result<(), ApiError> {
    if s.admission.waiting() > 0 {
        return Err(crate::limits::overloaded());
    }
    score(s, shadow, work).await.map(|_| ())
}

fn log_entry(
    endpoint: &str,
    model: &LoadedModel,
    cells: Option<&Cells>,
    result: &Result<Scoring, ApiError>,
    total: Duration,
) -> String {
    let mut entry = json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "endpoint": endpoint,
        "model": model.name,
        "version": model.version,
        "latency_ms": total.as_secs_f64() * 1e3,
    });
    if let Some(c) = cells {
        entry["columns"] = json!(c.header);
        entry["rows"] = json!(c.rows);
    }
    match result {
        Ok((scored, _, _)) => {
            entry["status"] = json!(200);
            entry["n_rows"] = json!(scored.predictions.first().map_or(0, |p| p.len()));
            let mut out = predict_json(model, scored);
            if let Some(o) = out.as_object_mut() {
                o.remove("model");
                o.remove("version");
            }
            entry["output"] = out;
        }
        Err(e) => {
            entry["status"] = json!(e.status().as_u16());
            entry["error"] = json!(e.message());
        }
    }
    entry.to_string()
}

fn version_header(resp: &mut Response, model: &LoadedModel) {
    if let Ok(v) = HeaderValue::from_str(&model.version) {
        resp.headers_mut().insert("x-satori-model-version", v);
    }
}

#[derive(Debug, Deserialize)]
struct PredictQuery {
    model: Option<String>,
    version: Option<String>,
    /// Id columns to carry through (CSV), comma-separated.
    id: Option<String>,
    /// Probability columns in CSV answers (default true).
    proba: Option<bool>,
}

async fn predict(
    State(s): St,
    query: Result<Query<PredictQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // A request refused before it reaches a model (bad query, body, media type) is counted with
    // empty model labels, as one for an unknown model.
    let parsed = (|| -> Result<(PredictQuery, bool, Work), ApiError> {
        let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let bytes = body_bytes(&s, body)?;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_ascii_lowercase();
        let csv = content_type.starts_with("text/csv");
        let work = if csv {
            let ids =
                q.id.as_deref()
                    .map(|s| {
                        s.split(',')
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
            Work::Csv(bytes, ids)
        } else if content_type.starts_with("application/json") || content_type.is_empty() {
            Work::Cells(predict_body(&json_value(&bytes)?)?)
        } else {
            return Err(ApiError::UnsupportedMediaType(format!(
                "`Content-Type: {}` is not read here; send application/json or text/csv",
                satori_core::snippet(&content_type)
            )));
        };
        Ok((q, csv, work))
    })();
    let (q, csv, work) = match parsed {
        Ok(p) => p,
        Err(e) => {
            s.metrics.unrouted(e.outcome());
            return Err(e);
        }
    };
    let answer = run_predict(
        &s,
        "predict",
        q.model.as_deref(),
        q.version.as_deref(),
        work,
    )
    .await?;
    let mut resp = if csv {
        let body = predictions_csv(
            &answer.model,
            &answer.scored,
            &answer.ids,
            q.proba.unwrap_or(true),
        );
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            )],
            body,
        )
            .into_response()
    } else {
        axum::Json(predict_json(&answer.model, &answer.scored)).into_response()
    };
    version_header(&mut resp, &answer.model);
    Ok(resp)
}

async fn infer(State(s): St, Path(name): Path<String>, body: Body) -> Result<Response, ApiError> {
    infer_at(s, name, None, body).await
}

async fn version_infer(
    State(s): St,
    Path((name, version)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    infer_at(s, name, Some(version), body).await
}

async fn infer_at(
    s: Arc<AppState>,
    name: String,
    version: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(&s, body)?;
    let request = json_value(&bytes)?;
    let cells = v2_inputs(&request)?;
    let wanted: Option<Vec<String>> = request.get("outputs").and_then(Value::as_array).map(|o| {
        o.iter()
            .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    });
    let answer = run_predict(
        &s,
        "infer",
        Some(&name),
        version.as_deref(),
        Work::Cells(cells),
    )
    .await?;
    let mut out = json!({
        "model_name": answer.model.name,
        "model_version": answer.model.version,
        "outputs": v2_outputs(&answer.model, &answer.scored, wanted.as_deref()),
    });
    if let Some(id) = request.get("id") {
        out["id"] = id.clone();
    }
    let mut resp = axum::Json(out).into_response();
    version_header(&mut resp, &answer.model);
    Ok(resp)
}

// ----- management -----

/// Management calls need `Authorization: Bearer <token>`; without a configured token they are
/// disabled.
fn check_admin(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &s.config.admin_token else {
        return Err(ApiError::Forbidden(
            "management endpoints are disabled: start the server with --admin-token (or \
             SATORI_ADMIN_TOKEN) to enable them"
                .into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn index(State(s): St) -> Response {
    let routes = s.repo.routes();
    let mut out = Vec::new();
    for (name, versions) in s.repo.on_disk() {
        let route = routes.get(&name);
        for (v, _) in versions {
            let role = route.and_then(|r| {
                r.roles()
                    .into_iter()
                    .find(|(rv, _)| *rv == v)
                    .map(|(_, role)| role)
            });
            let mut entry = json!({
                "name": name,
                "version": v,
                "state": if role.is_some() { "READY" } else { "UNAVAILABLE" },
            });
            match role {
                Some(role) => entry["role"] = json!(role),
                None => entry["reason"] = json!("not loaded"),
            }
            out.push(entry);
        }
    }
    axum::Json(Value::Array(out)).into_response()
}

/// An optional JSON body (empty is `{}`).
fn optional_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v = json_value(bytes)?;
    if !v.is_object() {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    Ok(v)
}

/// A version given as a string or a whole number.
fn version_field(v: &Value, field: &str) -> Result<Option<String>, ApiError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(other) => Err(ApiError::BadRequest(format!(
            "`{field}` must be a version such as \"2\", not {}",
            satori_core::snippet(&other.to_string())
        ))),
    }
}

/// Run a blocking repository call off the runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("the management task failed: {e}")))?
}

async fn load(
    State(s): St,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let bytes = body_bytes(&s, body)?;
    let version = version_field(&optional_json(&bytes)?, "version")?;
    let repo = s.repo.clone();
    let n = name.clone();
    let model = blocking(move || repo.load(&n, version.as_deref())).await?;
    crate::log_line(&format!(
        "model `{}` version {} loaded by a management call",
        model.name, model.version
    ));
    Ok(
        axum::Json(json!({"name": model.name, "version": model.version, "state": "READY"}))
            .into_response(),
    )
}

async fn unload(
    State(s): St,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    body_bytes(&s, body)?;
    s.repo.unload(&name)?;
    crate::log_line(&format!("model `{name}` unloaded by a management call"));
    Ok(axum::Json(json!({"name": name, "state": "UNAVAILABLE"})).into_response())
}

fn route_json(name: &str, route: &Route) -> Value {
    json!({
        "name": name,
        "champion": route.champion.model.version,
        "challenger": route.challenger.as_ref().map(|(c, share)| json!({
            "version": c.model.version, "share": share
        })),
        "shadow": route.shadow.as_ref().map(|sh| sh.model.version.clone()),
    })
}

async fn get_route(State(s): St, Path(name): Path<String>) -> Result<Response, ApiError> {
    let route = route_of(&s, &name)?;
    Ok(axum::Json(route_json(&name, &route)).into_response())
}

async fn set_route(
    State(s): St,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let bytes = body_bytes(&s, body)?;
    let v = optional_json(&bytes)?;
    let challenger = version_field(&v, "challenger")?;
    let shadow = version_field(&v, "shadow")?;
    let share = match (&challenger, v.get("share")) {
        (Some(_), Some(x)) => match x.as_f64() {
            Some(f) if f > 0.0 && f <= 1.0 => Some(f),
            _ => {
                return Err(ApiError::Unprocessable(format!(
                    "`share` must be a number in (0, 1], the fraction of requests the challenger \
                     answers; got {}",
                    satori_core::snippet(&x.to_string())
                )));
            }
        },
        (Some(_), None) => {
            return Err(ApiError::Unprocessable(
                "a challenger needs `share`: the fraction of requests it answers, in (0, 1]".into(),
            ));
        }
        (None, _) => None,
    };
    let repo = s.repo.clone();
    let n = name.clone();
    let route = blocking(move || {
        let c = challenger.as_deref().zip(share);
        repo.set_route(&n, c, shadow.as_deref())
    })
    .await?;
    Ok(axum::Json(route_json(&name, &route)).into_response())
}
