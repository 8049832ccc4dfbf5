//! HTTP: the router, the middleware every request passes, and thin handlers that translate
//! between requests and the [`Clinic`] use cases.

mod api;
pub mod assets;
mod body_deadline;
mod fallback;
mod health;
pub mod json;
mod logging;
pub mod metrics;
mod openapi;
mod pages;
mod prepared_page;
pub mod problem;
mod problem_types;
pub mod rate_limit;
mod render_cache;
mod security;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower::util::{MapRequestLayer, MapResponseLayer};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub use logging::REQUEST_LOG_TARGET;
pub use render_cache::RenderCache;

use crate::service::{Clinic, LeaderboardView};
use prepared_page::PreparedPage;
use rate_limit::RateLimits;

/// Largest request body accepted. The API's bodies are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// State shared by every handler. Each request clones it, so it is one reference-counted
/// pointer to [`SharedState`].
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub clinic: Clinic,
    /// Per-client limits on writes; `None` when turned off.
    pub rate_limits: Option<Arc<RateLimits>>,
    /// Renders `/metrics`; `None` when another app in this process installed the recorder.
    pub metrics: Option<PrometheusHandle>,
    /// Whether responses carry Strict-Transport-Security.
    pub hsts: bool,
    /// Prepared HTML pages, each with the leaderboard it shows, if any.
    pub pages: RenderCache<Option<Arc<LeaderboardView>>, Arc<PreparedPage>>,
    /// Each game's top 10 as JSON, with the leaderboard it was encoded from.
    pub leaderboards: RenderCache<Arc<LeaderboardView>, Bytes>,
}

/// Builds the whole application: every route with its middleware. A request body that takes
/// longer than `body_timeout` to arrive in full is cut off with 408.
pub fn app(state: AppState, body_timeout: Duration) -> Router {
    // One stack, outermost first. Applied as a single layer, it wraps each route once; each
    // separate `Router::layer` call would add a boxed service that every request clones.
    let hsts = state.hsts;
    let middleware = ServiceBuilder::new()
        .layer(MapRequestLayer::new(logging::drop_invalid_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(axum::middleware::from_fn(logging::log_request))
        // Outside the panic layer, so a 500 from a panic gets the headers too.
        .layer(MapResponseLayer::new(move |mut response: axum::http::Response<_>| {
            security::add_security_headers(response.headers_mut(), hsts);
            response
        }))
        .layer(CatchPanicLayer::custom(fallback::panic_response))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .merge(api::router(&state, body_timeout))
        .merge(pages::router())
        .merge(assets::router())
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .merge(problem_types::router())
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(middleware)
        .with_state(state)
}
