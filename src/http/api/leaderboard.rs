use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::json::ApiJson;
use crate::http::problem::ApiError;
use crate::service::{EntryView, LeaderboardView};

pub async fn get_leaderboard(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<LeaderboardView>, ApiError> {
    Ok(Json(state.clinic.leaderboard(&slug).await?))
}

pub async fn get_entry(
    State(state): State<AppState>,
    Path((slug, entry_id)): Path<(String, String)>,
) -> Result<Json<EntryView>, ApiError> {
    Ok(Json(state.clinic.entry(&slug, &entry_id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    round_id: String,
    nickname: String,
}

pub async fn submit_entry(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(request): ApiJson<EntryRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let entry = state.clinic.submit_entry(&slug, &request.round_id, &request.nickname).await?;
    let location = format!("/api/leaderboards/{slug}/entries/{}", entry.entry_id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(entry)))
}
