//! One log line per request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
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
    let labels = [("method", method.to_string()), ("route", route.clone())];
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed);
    metrics::counter!(
        "http_requests_total",
        "method" => method.to_string(),
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
