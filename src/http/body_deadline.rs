//! One deadline for a whole request body.
//!
//! A timeout that restarts with each chunk lets a client that sends a byte now and then hold a
//! request open for hours. Routes that read a body get it read in full, within one deadline
//! and the size limit, before the handler runs.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::LengthLimitError;

use super::MAX_BODY_BYTES;
use super::problem::ApiError;

/// Reads the request body within `deadline` before the handler runs. A body that arrives
/// too slowly gets 408. A body larger than [`MAX_BODY_BYTES`] gets 413, without waiting for
/// it when `Content-Length` declares the size.
pub async fn read_body_within(State(deadline): State<Duration>, request: Request, next: Next) -> Response {
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return ApiError::body_too_large().into_response();
    }

    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) if is_length_limit(&error) => return ApiError::body_too_large().into_response(),
        Ok(Err(error)) => {
            return ApiError::bad_request("unreadable-body", "Unreadable request body", error.to_string())
                .into_response();
        }
        Err(_) => {
            let detail = format!(
                "The request body did not arrive within {} s. Send the whole body at once.",
                deadline.as_secs_f64()
            );
            return ApiError::new(StatusCode::REQUEST_TIMEOUT, "body-timeout", "Request body too slow", detail)
                .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<LengthLimitError>() {
            return true;
        }
        source = cause.source();
    }
    false
}
