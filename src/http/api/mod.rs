//! The JSON API under `/api`.

mod games;
mod leaderboard;
mod rounds;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};

use std::time::Duration;

use super::AppState;
use super::body_deadline::read_body_within;
use super::problem::ApiError;
use super::rate_limit::{LimitLayerState, LimitedAction, enforce};

/// Path parameters whose rejections are problem details instead of plain text.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Builds the API routes. Bodies of writes must arrive in full within `body_timeout`.
pub fn router(state: &AppState, body_timeout: Duration) -> Router<AppState> {
    // Every route that reads a body is a rate-limited write. The limit runs first, so a
    // client over its limit is turned away before its body is read.
    let limited = |action: LimitedAction, route: MethodRouter<AppState>| {
        let limit = LimitLayerState { limits: state.rate_limits.clone(), action };
        route
            .route_layer(from_fn_with_state(body_timeout, read_body_within))
            .route_layer(from_fn_with_state(limit, enforce))
    };
    Router::new()
        .route("/api/games", get(games::list_games))
        .route("/api/games/{slug}/scenarios", get(games::list_scenarios))
        .route(
            "/api/games/{slug}/rounds",
            limited(LimitedAction::DealRound, post(rounds::create_round)),
        )
        .route("/api/rounds/{round_id}", get(rounds::get_round))
        .route(
            "/api/rounds/{round_id}/answers",
            limited(LimitedAction::Answer, post(rounds::answer_scenario)),
        )
        .route("/api/leaderboards/{slug}", get(leaderboard::get_leaderboard))
        .route(
            "/api/leaderboards/{slug}/entries",
            limited(LimitedAction::Submit, post(leaderboard::submit_entry)),
        )
        .route("/api/leaderboards/{slug}/entries/{entry_id}", get(leaderboard::get_entry))
}
