use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::api::ApiPath;
use crate::http::json::{ApiJson, OptionalApiJson};
use crate::http::problem::ApiError;
use crate::service::{self, AnswerOutcomeView, RoundView};

/// Optional body of a round request.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RoundRequest {
    /// Scenarios the player met in recent rounds, to be avoided while unseen ones are left.
    #[serde(default)]
    seen_scenario_ids: Vec<String>,
    /// Scenarios to practise again. When present, the round is a review round of exactly
    /// these, which never reaches the leaderboard.
    #[serde(default)]
    review_scenario_ids: Option<Vec<String>>,
    /// The player's finished rounds in which the review scenarios were answered.
    #[serde(default)]
    review_round_ids: Vec<String>,
}

/// Most seen ids a request may list; more than the bank holds is never useful.
const MAX_SEEN_IDS: usize = 500;
/// Most rounds a review request may name as its source.
const MAX_REVIEW_ROUND_IDS: usize = 200;

pub async fn create_round(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    OptionalApiJson(request): OptionalApiJson<RoundRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let request = request.unwrap_or_default();
    if request.seen_scenario_ids.len() > MAX_SEEN_IDS {
        return Err(ApiError::bad_request(
            "invalid-body",
            "Invalid request body",
            format!("seen_scenario_ids lists {} ids; at most {MAX_SEEN_IDS} are allowed", request.seen_scenario_ids.len()),
        ));
    }
    if request.review_round_ids.len() > MAX_REVIEW_ROUND_IDS {
        return Err(ApiError::bad_request(
            "invalid-body",
            "Invalid request body",
            format!("review_round_ids lists {} ids; at most {MAX_REVIEW_ROUND_IDS} are allowed", request.review_round_ids.len()),
        ));
    }
    let request = service::RoundRequest {
        seen_scenario_ids: request.seen_scenario_ids,
        review_scenario_ids: request.review_scenario_ids,
        review_round_ids: request.review_round_ids,
    };
    let round = state.clinic.start_round(&slug, &request).await?;
    let location = format!("/api/rounds/{}", round.round_id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(round)))
}

pub async fn get_round(
    State(state): State<AppState>,
    ApiPath(round_id): ApiPath<String>,
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
    ApiPath(round_id): ApiPath<String>,
    ApiJson(request): ApiJson<AnswerRequest>,
) -> Result<Json<AnswerOutcomeView>, ApiError> {
    let outcome = state.clinic.answer(&round_id, &request.scenario_id, &request.option_id).await?;
    Ok(Json(outcome))
}
