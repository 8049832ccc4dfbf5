//! Prometheus metrics at `GET /metrics`: request counts and latencies by route and status,
//! the game's own events, and database pool use.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// Latency buckets in seconds, from a cached page (well under a millisecond) to a request
/// that waited for the database pool's whole acquire timeout.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Installs the process-wide metrics recorder and returns the handle that renders it.
/// Returns `None` when a recorder is already installed, as in tests that build several apps.
pub fn install_recorder() -> Option<PrometheusHandle> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".to_owned()), LATENCY_BUCKETS)
        .ok()?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).ok()?;
    describe();
    Some(handle)
}

fn describe() {
    metrics::describe_counter!("http_requests_total", "HTTP requests by method, matched route and status");
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method and matched route"
    );
    metrics::describe_counter!("clinic_rounds_dealt_total", "Rounds dealt");
    metrics::describe_counter!("clinic_rounds_finished_total", "Rounds whose last scenario was answered");
    metrics::describe_counter!("clinic_leaderboard_entries_created_total", "Leaderboard entries created");
    metrics::describe_counter!("clinic_idempotent_replays_total", "Responses replayed for a repeated Idempotency-Key");
    metrics::describe_gauge!("clinic_db_pool_connections", "Open database connections");
    metrics::describe_gauge!("clinic_db_pool_idle_connections", "Idle database connections");
    metrics::describe_gauge!(
        "clinic_db_writer_connections",
        "Open SQLite writing connections (0 or 1), outside the pool; absent on PostgreSQL"
    );
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(render_metrics))
}

async fn render_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (open, idle) = state.clinic.storage.pool_connections();
    metrics::gauge!("clinic_db_pool_connections").set(f64::from(open));
    metrics::gauge!("clinic_db_pool_idle_connections").set(idle as f64);
    if let Some(connected) = state.clinic.storage.writer_connected() {
        metrics::gauge!("clinic_db_writer_connections").set(if connected { 1.0 } else { 0.0 });
    }
    let body = state.metrics.as_ref().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}
