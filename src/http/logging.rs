//! One log line per request.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::field::display;

/// Target of the request lines, which the log output buffers (see `telemetry`).
pub const REQUEST_LOG_TARGET: &str = module_path!();

/// Logs method, matched route, status, duration and request id once the response is ready,
/// and counts the request in the metrics.
/// The matched route (`/api/rounds/{round_id}`) is logged instead of the raw path so ids from
/// the URL do not multiply log cardinality.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let request_id = request.headers().get("x-request-id").cloned();

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    record_request(metric_method(&method), route, status, elapsed.as_secs_f64());
    let duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let request_id = request_id.as_ref().and_then(|value| value.to_str().ok()).unwrap_or("");
    // Route patterns, method tokens and request ids (checked by `drop_invalid_request_id`)
    // have no spaces, quotes or control characters, so they are written as they are, which
    // skips the escaping of quoted fields.
    let (route, request_id) = (display(route), display(request_id));
    if status >= 500 {
        tracing::warn!(target: REQUEST_LOG_TARGET, %method, route, status, duration_us, request_id, "request");
    } else {
        tracing::info!(target: REQUEST_LOG_TARGET, %method, route, status, duration_us, request_id, "request");
    }
    response
}

/// The metric handles of one method, route and status.
type RequestHandles = (metrics::Counter, metrics::Histogram);

/// Handles by route, then by method and status.
type HandlesByRoute = HashMap<String, HashMap<(&'static str, u16), RequestHandles>>;

thread_local! {
    /// Looking a metric up by its labels allocates the labels and searches the registry, so
    /// each thread keeps the handles it used. Routes are the router's patterns and statuses
    /// the server's own, so the map stays small.
    static REQUEST_HANDLES: RefCell<HandlesByRoute> = RefCell::new(HashMap::new());
}

fn record_request(method: &'static str, route: &str, status: u16, seconds: f64) {
    REQUEST_HANDLES.with_borrow_mut(|routes| {
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), HashMap::new());
        }
        let by_status = routes.get_mut(route).expect("inserted above");
        let (counter, histogram) = by_status.entry((method, status)).or_insert_with(|| {
            let labels = [("method", method.to_owned()), ("route", route.to_owned())];
            let histogram = metrics::histogram!("http_request_duration_seconds", &labels);
            let counter = metrics::counter!(
                "http_requests_total",
                "method" => method,
                "route" => route.to_owned(),
                "status" => status.to_string()
            );
            (counter, histogram)
        });
        counter.increment(1);
        histogram.record(seconds);
    });
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
pub fn drop_invalid_request_id(mut request: Request) -> Request {
    let valid = request.headers().get("x-request-id").is_none_or(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_LENGTH
            && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-' || *byte == b'_')
    });
    if !valid {
        request.headers_mut().remove("x-request-id");
    }
    request
}
