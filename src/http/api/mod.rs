//! The JSON API under `/api`.

mod games;
mod leaderboard;
mod rounds;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/games", get(games::list_games))
        .route("/api/games/{slug}/rounds", post(rounds::create_round))
        .route("/api/rounds/{round_id}", get(rounds::get_round))
        .route("/api/rounds/{round_id}/answers", post(rounds::answer_scenario))
        .route("/api/leaderboards/{slug}", get(leaderboard::get_leaderboard))
        .route("/api/leaderboards/{slug}/entries", post(leaderboard::submit_entry))
        .route("/api/leaderboards/{slug}/entries/{entry_id}", get(leaderboard::get_entry))
}
