//! The API's one error type, rendered as RFC 9457 problem details.

use axum::extract::rejection::PathRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::idempotency::KeyError;
use crate::service::ServiceError;
use crate::storage::is_transient;

/// Seconds a client is asked to wait after the database failed to answer.
const DATABASE_RETRY_AFTER_SECS: u64 = 2;

/// Media type of every API error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An API error: a status, a problem type documented under `/problems/`, and details.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub extensions: Map<String, Value>,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(flatten)]
    extensions: &'a Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            title,
            detail: detail.into(),
            extensions: Map::new(),
            headers: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn bad_request(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, kind, title, detail)
    }

    /// The problem for a request body over the size limit.
    pub fn body_too_large() -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            "The request body is larger than the server accepts.",
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// Logs the cause chain of an unexpected failure and hides it from the client.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut causes = vec![error.to_string()];
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %causes.join(": "), "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-error",
            "Internal server error",
            "The server failed to complete the request. It is safe to retry.",
        )
    }

    /// Renders the body alone, so a stored response can be replayed byte for byte.
    pub fn body(&self) -> String {
        let body = ProblemBody {
            kind: format!("/problems/{}", self.kind),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            extensions: &self.extensions,
        };
        serde_json::to_string(&body).expect("problem details always serialise")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = (self.status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        use ServiceError as E;
        let detail = error.to_string();
        match error {
            E::GameNotFound(_) | E::RoundNotFound(_) | E::EntryNotFound(_) => ApiError::not_found(detail),
            E::ScenarioNotInRound { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "scenario-not-in-round",
                "Scenario not in round",
                detail,
            ),
            E::UnknownOption { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-option",
                "Unknown option",
                detail,
            ),
            E::AnswerConflict { answered_option_id, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "answer-conflict",
                "Scenario already answered",
                detail,
            )
            .with("answered_option_id", answered_option_id),
            E::RoundExpired { .. } => {
                ApiError::new(StatusCode::CONFLICT, "round-expired", "Round expired", detail)
            }
            E::UnknownRoundInSubmission { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-round",
                "Unknown round",
                detail,
            ),
            E::RoundOfOtherGame { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "round-of-other-game",
                "Round of another game",
                detail,
            ),
            E::RoundNotFinished { answered, total, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "round-not-finished",
                "Round not finished",
                detail,
            )
            .with("answered", answered)
            .with("total", total),
            E::RoundAlreadyOnBoard { entry_id, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "round-already-submitted",
                "Round already on the leaderboard",
                detail,
            )
            .with("entry_id", entry_id),
            E::InvalidReviewRound(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-review-round",
                "Invalid review round",
                detail,
            ),
            E::ReviewScenarioNotAnswered { scenario_id } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-review-round",
                "Invalid review round",
                detail,
            )
            .with("scenario_id", scenario_id),
            E::ReviewRoundNotRanked { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "review-round-not-ranked",
                "Review rounds are not ranked",
                detail,
            ),
            E::InvalidNickname(ref rule) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-nickname",
                "Invalid nickname",
                detail.clone(),
            )
            .with("rule", rule.rule()),
            E::KeyReusedWithDifferentRequest => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused with a different request",
                detail,
            ),
            E::KeyInFlight { retry_after_secs } => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency-key-in-flight",
                "Request with this idempotency key in progress",
                detail,
            )
            .with("retry_after", retry_after_secs)
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs)),
            E::Database(ref database) if is_transient(database) => {
                tracing::warn!(error = %database, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database-unavailable",
                    "Database unavailable",
                    "The database did not answer in time. Nothing was stored; retry shortly.",
                )
                .with_header(header::RETRY_AFTER, HeaderValue::from(DATABASE_RETRY_AFTER_SECS))
            }
            E::CorruptRound { .. } | E::Database(_) => ApiError::internal(&error),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        let (kind, title) = match error {
            KeyError::Missing => ("idempotency-key-missing", "Idempotency-Key header missing"),
            _ => ("idempotency-key-invalid", "Invalid Idempotency-Key header"),
        };
        ApiError::bad_request(kind, title, error.to_string()).with("rule", error.rule())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        match rejection {
            // Every path parameter is a string id, so the only way to fail is a percent-encoded
            // value that is not UTF-8. No resource has such an id.
            PathRejection::FailedToDeserializePathParams(error) => {
                ApiError::not_found(format!("No resource matches this URL: {}.", error.kind()))
            }
            // A route whose pattern lacks a parameter its handler extracts: a server bug.
            other => ApiError::internal(&other),
        }
    }
}
