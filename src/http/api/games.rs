use axum::Json;
use axum::extract::State;

use crate::http::AppState;
use crate::http::api::ApiPath;
use crate::http::problem::ApiError;
use crate::service::{GamesView, ScenarioListView};

pub async fn list_games(State(state): State<AppState>) -> Json<GamesView> {
    Json(state.clinic.games())
}

pub async fn list_scenarios(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ScenarioListView>, ApiError> {
    Ok(Json(state.clinic.scenario_list(&slug)?))
}
