//! One log line per request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Logs method, matched route, status, duration and request id once the response is ready,
/// and counts the request in the metrics.
/// The matched route (`/api/rounds/{round_id}`) is logged instead of the raw path so ids from
/// the URL do not multiply log cardinality.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    let duration_ms = elapsed * 1000.0;
    let method_label = metric_method(&method);
    let labels = [("method", method_label.to_owned()), ("route", route.clone())];
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed);
    metrics::counter!(
        "http_requests_total",
        "method" => method_label,
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    if status >= 500 {
        tracing::warn!(%method, route, status, duration_ms, request_id, "request");
    } else {
        tracing::info!(%method, route, status, duration_ms, request_id, "request");
    }
    response
}

/// Returns the method as a metric label. Clients can send any token as a method, so anything
/// beyond the standard methods is counted as `other`; otherwise each new token would add
/// series that live as long as the process.
fn metric_method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Longest client-supplied request id kept; longer or unusual ids are replaced by a new one.
const MAX_REQUEST_ID_LENGTH: usize = 64;

/// Removes a client's `X-Request-Id` unless it is a short token of letters, digits, `-` and
/// `_`, so the id that is logged and echoed cannot carry arbitrary text. The request-id
/// layer then generates a fresh one.
pub async fn drop_invalid_request_id(mut request: Request, next: Next) -> Response {
    let valid = request.headers().get("x-request-id").is_none_or(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_LENGTH
            && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-' || *byte == b'_')
    });
    if !valid {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}
