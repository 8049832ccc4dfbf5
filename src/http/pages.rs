//! Server-rendered HTML pages. Every text on them reads without JavaScript; the scripts
//! under `/static/js/` add the game, local progress and live leaderboard updates.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::domain::round::ROUND_SIZE;
use crate::service::{GameView, LeaderboardView, ServiceError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(catalogue))
        .route("/games/{slug}/", get(game))
        .route("/progress/", get(progress))
}

/// One learning path with its games, as the catalogue lists them.
pub struct PathSection {
    pub name: String,
    pub summary: String,
    pub games: Vec<GameView>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    paths: Vec<PathSection>,
}

#[derive(Template)]
#[template(path = "game.html")]
struct GamePage {
    game: GameView,
    leaderboard: LeaderboardView,
    round_size: usize,
    scenario_count: usize,
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {}

async fn catalogue(State(state): State<AppState>) -> Response {
    let catalogue = &state.clinic.catalogue;
    let paths = catalogue
        .paths
        .iter()
        .map(|path| PathSection {
            name: path.name.clone(),
            summary: path.summary.clone(),
            games: catalogue
                .games
                .iter()
                .filter(|game| game.path == path.id)
                .map(GameView::from)
                .collect(),
        })
        .collect();
    render(&CataloguePage { paths })
}

async fn game(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let clinic = &state.clinic;
    let game = match clinic.game(&slug) {
        Ok(game) => GameView::from(game),
        Err(_) => return not_found_page(),
    };
    let leaderboard = match clinic.leaderboard(&slug).await {
        Ok(leaderboard) => leaderboard,
        Err(ServiceError::GameNotFound(_)) => return not_found_page(),
        Err(error) => {
            // The page still works without the server-rendered board; the script reloads it.
            tracing::error!(error = %error, "failed to load the leaderboard for the game page");
            LeaderboardView {
                board: game.leaderboard.id.clone(),
                metric: game.leaderboard.metric.clone(),
                entries: Vec::new(),
            }
        }
    };
    render(&GamePage {
        game,
        leaderboard,
        round_size: ROUND_SIZE,
        scenario_count: clinic.bank.scenarios().len(),
    })
}

async fn progress() -> Response {
    render(&ProgressPage {})
}

pub fn not_found_page() -> Response {
    let mut response = render(&NotFoundPage {});
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "failed to render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "The page failed to render.\n").into_response()
        }
    }
}
