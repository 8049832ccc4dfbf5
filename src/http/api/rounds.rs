use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::json::ApiJson;
use crate::http::problem::ApiError;
use crate::service::{AnswerOutcomeView, RoundView};

pub async fn create_round(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let round = state.clinic.start_round(&slug).await?;
    let location = format!("/api/rounds/{}", round.round_id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(round)))
}

pub async fn get_round(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
) -> Result<Json<RoundView>, ApiError> {
    Ok(Json(state.clinic.round(&round_id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    scenario_id: String,
    option_id: String,
}

pub async fn answer_scenario(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    ApiJson(request): ApiJson<AnswerRequest>,
) -> Result<Json<AnswerOutcomeView>, ApiError> {
    let outcome = state.clinic.answer(&round_id, &request.scenario_id, &request.option_id).await?;
    Ok(Json(outcome))
}
