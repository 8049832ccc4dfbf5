//! Liveness and readiness probes for load balancers and orchestrators.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use super::AppState;
use super::problem::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// Answers as long as the process serves requests.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Answers 200 only while the database answers a query.
async fn readyz(State(state): State<AppState>) -> Result<String, ApiError> {
    let database = state.clinic.storage.kind().as_str();
    match state.clinic.storage.ping().await {
        Ok(()) => Ok(format!("ok: {database} database reachable\n")),
        Err(error) => {
            tracing::warn!(error = %error, database, "readiness check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database-unavailable",
                "Database unavailable",
                format!("The {database} database does not answer."),
            ))
        }
    }
}
