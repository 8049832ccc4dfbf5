//! HTTP: the router, the middleware every request passes, and thin handlers that translate
//! between requests and the [`Clinic`] use cases.

mod api;
pub mod assets;
mod fallback;
mod health;
mod html_cache;
pub mod json;
mod logging;
pub mod metrics;
mod openapi;
mod pages;
pub mod problem;
mod problem_types;
pub mod rate_limit;
mod security;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::time::Duration;

use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use rate_limit::RateLimits;

use crate::service::Clinic;

/// Largest request body accepted. The API's bodies are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub clinic: Clinic,
    /// Per-client limits on writes; `None` when turned off.
    pub rate_limits: Option<Arc<RateLimits>>,
    /// Renders `/metrics`; `None` when another app in this process installed the recorder.
    pub metrics: Option<PrometheusHandle>,
    /// Whether responses carry Strict-Transport-Security.
    pub hsts: bool,
}

/// Builds the whole application: every route with its middleware. A request body that takes
/// longer than `body_timeout` to arrive is cut off with 408.
pub fn app(state: AppState, body_timeout: Duration) -> Router {
    Router::new()
        .merge(api::router(&state))
        .merge(pages::router().route_layer(axum::middleware::from_fn(html_cache::conditional_html)))
        .merge(assets::router())
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .merge(problem_types::router())
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(axum::middleware::from_fn_with_state(state.hsts, security::add_security_headers))
        .layer(CatchPanicLayer::custom(fallback::panic_response))
        .layer(axum::middleware::from_fn(logging::log_request))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(logging::drop_invalid_request_id))
        .with_state(state)
}
