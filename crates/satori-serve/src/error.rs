//! The one place where errors become HTTP statuses: every handler returns [`ApiError`], whose
//! response is the status below and a JSON body `{"error": "..."}` (one line, never a backtrace).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use satori_core::Error;

/// A request that could not be answered, by why.
#[derive(Debug)]
pub enum ApiError {
    /// The request itself is malformed (not JSON, wrong shape, bad CSV): 400.
    BadRequest(String),
    /// Well-formed, but the model cannot take it (missing column, unknown category where refused,
    /// wrong types): 422.
    Unprocessable(String),
    /// No such model, version or route: 404.
    NotFound(String),
    /// The method is not allowed on this path: 405.
    MethodNotAllowed,
    /// The body is larger than `--max-body`: 413.
    TooLarge(String),
    /// The client's `Content-Type` is not one the endpoint reads: 415.
    UnsupportedMediaType(String),
    /// No or a wrong bearer token on a management endpoint: 401.
    Unauthorized,
    /// Management is disabled (the server was started without a token): 403.
    Forbidden(String),
    /// The queue is full or the server is draining: 503 with `Retry-After`.
    Overloaded(String),
    /// The request's deadline (`--timeout`) passed: 504.
    Timeout(String),
    /// A broken invariant in the server or the library: 500.
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The outcome label this error is counted under in the metrics.
    pub fn outcome(&self) -> crate::metrics::Outcome {
        use crate::metrics::Outcome;
        match self {
            ApiError::BadRequest(_)
            | ApiError::Unprocessable(_)
            | ApiError::TooLarge(_)
            | ApiError::UnsupportedMediaType(_)
            | ApiError::MethodNotAllowed => Outcome::BadRequest,
            ApiError::NotFound(_) => Outcome::NotFound,
            ApiError::Unauthorized | ApiError::Forbidden(_) => Outcome::Unauthorized,
            ApiError::Overloaded(_) => Outcome::Overloaded,
            ApiError::Timeout(_) => Outcome::Timeout,
            ApiError::Internal(_) => Outcome::Error,
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Unprocessable(m)
            | ApiError::NotFound(m)
            | ApiError::TooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::Forbidden(m)
            | ApiError::Overloaded(m)
            | ApiError::Timeout(m)
            | ApiError::Internal(m) => m.clone(),
            ApiError::MethodNotAllowed => "method not allowed on this path".into(),
            ApiError::Unauthorized => {
                "this management endpoint needs `Authorization: Bearer <token>` with the server's \
                 admin token"
                    .into()
            }
        }
    }
}

/// A library error from predicting on a request's rows: the client's mistake is 400 (the rows do
/// not parse) or 422 (they parse but the model cannot take them); only a broken invariant is 500.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let message = satori_core::clip(&e.to_string(), 2000);
        match e {
            Error::Parse { .. } | Error::UnsupportedFormat(_) => ApiError::BadRequest(message),
            Error::Internal(_) => ApiError::Internal(message),
            _ if e.is_user_error() => ApiError::Unprocessable(message),
            _ => ApiError::Internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.message() });
        let mut resp = (status, axum::Json(body)).into_response();
        match &self {
            ApiError::Overloaded(_) => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"satori\""),
                );
            }
            _ => {}
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_client_statuses() {
        let missing = Error::MissingColumn {
            name: "age".into(),
            context: "request".into(),
            suggestions: vec![],
        };
        assert_eq!(
            ApiError::from(missing).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let parse = Error::Parse {
            source_name: "request".into(),
            line: 2,
            column: "age".into(),
            message: "not a number".into(),
        };
        assert_eq!(ApiError::from(parse).status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            ApiError::from(Error::Internal("x".into())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let overloaded = ApiError::Overloaded("full".into()).into_response();
        assert_eq!(overloaded.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(overloaded.headers()[header::RETRY_AFTER], "1");
    }
}
