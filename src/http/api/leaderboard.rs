use axum::Json;
use axum::extract::State;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::idempotency::{IdempotencyKey, RequestFingerprint};
use crate::http::AppState;
use crate::http::api::ApiPath;
use crate::http::json::ApiJson;
use crate::http::problem::ApiError;
use crate::service::{EntrySubmission, EntryView, SubmittedEntry};

/// Sends the top 10 as JSON, encoded once per change of the board.
pub async fn get_leaderboard(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> Result<Response, ApiError> {
    let board = state.clinic.leaderboard(&slug).await?;
    let json = state.leaderboards.get_or_render(&slug, &board, || serde_json::to_vec(&*board).map(Bytes::from));
    let json = json.map_err(|error| ApiError::internal(&error))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response())
}

pub async fn get_entry(
    State(state): State<AppState>,
    ApiPath((slug, entry_id)): ApiPath<(String, String)>,
) -> Result<Json<EntryView>, ApiError> {
    Ok(Json(state.clinic.entry(&slug, &entry_id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    round_id: String,
    nickname: String,
}

/// Header that marks a response sent again for a repeated request, as Stripe names it.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub async fn submit_entry(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    // Check the key and the body's shape before anything is claimed or stored.
    let key = IdempotencyKey::parse_lines(headers.get_all("idempotency-key").iter().map(HeaderValue::as_bytes))
        .map_err(ApiError::from)?;
    let request: EntryRequest = serde_json::from_value(body.clone()).map_err(|error| {
        ApiError::bad_request(
            "invalid-body",
            "Invalid request body",
            format!("The request body does not have the expected fields: {error}"),
        )
    })?;
    let route = format!("/api/leaderboards/{slug}/entries");
    let fingerprint = RequestFingerprint::compute("POST", &route, &body);

    let submission = EntrySubmission { round_id: request.round_id, nickname: request.nickname };
    let submitted = state.clinic.submit_entry(&slug, &submission, &key, &fingerprint).await?;
    Ok(stored_response(submitted))
}

fn stored_response(submitted: SubmittedEntry) -> Response {
    let stored = submitted.response;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.insert(name, value);
        }
    }
    if submitted.replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
