use axum::Json;
use axum::extract::State;

use crate::http::AppState;
use crate::service::GamesView;

pub async fn list_games(State(state): State<AppState>) -> Json<GamesView> {
    Json(state.clinic.games())
}
