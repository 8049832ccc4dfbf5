//! Server-rendered HTML pages. Every text on them reads without JavaScript; the scripts
//! under `/static/js/` add the game, local progress and live leaderboard updates.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::prepared_page::PreparedPage;
use crate::domain::round::ROUND_SIZE;
use crate::domain::scenario::Verdict;
use crate::domain::scoring::{experience_points, max_score};
use crate::service::{GameView, LeaderboardView, ServiceError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(catalogue))
        .route("/games/{slug}/", get(game))
        .route("/progress/", get(progress))
        .route("/progress/reference/", get(reference))
}

/// One learning path with its games, as the catalogue lists them.
pub struct PathSection {
    pub name: String,
    pub summary: String,
    pub games: Vec<GameView>,
}

/// The game whose local progress the progress page shows. The browser keeps that progress
/// under a key of this game alone.
const PROGRESS_GAME_SLUG: &str = "idempotency-key-clinic";

// Each page's `section` names the main navigation link that is the current page, if any.

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    section: &'static str,
    paths: Vec<PathSection>,
}

#[derive(Template)]
#[template(path = "game.html")]
struct GamePage {
    section: &'static str,
    game: GameView,
    path_name: String,
    leaderboard: Arc<LeaderboardView>,
    round_size: usize,
    scenario_count: usize,
    max_score: u32,
    max_xp: u32,
    points_correct: u32,
    points_partial: u32,
    points_unsafe: u32,
}

impl GamePage {
    /// Returns the date part of an RFC 3339 timestamp, such as `2026-12-04`.
    fn date_of<'a>(&self, timestamp: &'a str) -> &'a str {
        timestamp.get(..10).unwrap_or(timestamp)
    }
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    section: &'static str,
    game: GameView,
    round_size: usize,
    max_score: u32,
}

#[derive(Template)]
#[template(path = "reference.html")]
struct ReferencePage {
    section: &'static str,
    game: GameView,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    section: &'static str,
}

async fn catalogue(State(state): State<AppState>, request: Request) -> Response {
    prepared(&state, "/", &None, request.headers(), || {
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
        CataloguePage { section: "games", paths }.render()
    })
}

async fn game(State(state): State<AppState>, Path(slug): Path<String>, request: Request) -> Response {
    let clinic = &state.clinic;
    let Ok(game) = clinic.game(&slug) else {
        return not_found_page();
    };
    let leaderboard = match clinic.leaderboard(&slug).await {
        Ok(leaderboard) => Some(leaderboard),
        Err(ServiceError::GameNotFound(_)) => return not_found_page(),
        Err(error) => {
            // The page still works without the server-rendered board; the script reloads it.
            tracing::error!(error = %error, "failed to load the leaderboard for the game page");
            None
        }
    };
    prepared(&state, &slug, &leaderboard, request.headers(), || {
        let game = GameView::from(game);
        let path_name = clinic
            .catalogue
            .paths
            .iter()
            .find(|path| path.id == game.path)
            .map_or_else(|| game.path.clone(), |path| path.name.clone());
        let leaderboard = leaderboard.clone().unwrap_or_else(|| {
            Arc::new(LeaderboardView {
                board: game.leaderboard.id.clone(),
                metric: game.leaderboard.metric.clone(),
                entries: Vec::new(),
            })
        });
        let max_score = max_score(ROUND_SIZE);
        GamePage {
            section: "",
            game,
            path_name,
            leaderboard,
            round_size: ROUND_SIZE,
            scenario_count: clinic.bank.scenarios().len(),
            max_score,
            max_xp: experience_points(max_score),
            points_correct: Verdict::Correct.points(),
            points_partial: Verdict::Partial.points(),
            points_unsafe: Verdict::Unsafe.points(),
        }
        .render()
    })
}

async fn progress(State(state): State<AppState>, request: Request) -> Response {
    let Ok(game) = state.clinic.game(PROGRESS_GAME_SLUG) else {
        return not_found_page();
    };
    prepared(&state, "/progress/", &None, request.headers(), || {
        ProgressPage {
            section: "progress",
            game: GameView::from(game),
            round_size: ROUND_SIZE,
            max_score: max_score(ROUND_SIZE),
        }
        .render()
    })
}

/// The pattern reference: the scenarios this browser has answered, read from local progress.
async fn reference(State(state): State<AppState>, request: Request) -> Response {
    let Ok(game) = state.clinic.game(PROGRESS_GAME_SLUG) else {
        return not_found_page();
    };
    prepared(&state, "/progress/reference/", &None, request.headers(), || {
        ReferencePage { section: "reference", game: GameView::from(game) }.render()
    })
}

// Handlers take the whole request to read its headers, because a `HeaderMap` argument
// would copy them.

/// Returns the page prepared under `name` from `leaderboard`, rendering and preparing
/// it first when there is none yet or the leaderboard changed. Pages that show no
/// leaderboard pass `None` and are prepared once. Game pages are named by their slug and the
/// others by their path, which has slashes that slugs lack, so the names cannot clash.
fn prepared(
    state: &AppState,
    name: &str,
    leaderboard: &Option<Arc<LeaderboardView>>,
    request: &HeaderMap,
    render: impl FnOnce() -> askama::Result<String>,
) -> Response {
    let page = state.pages.get_or_render(name, leaderboard, || render().map(|html| Arc::new(PreparedPage::new(html))));
    match page {
        Ok(page) => page.respond(request),
        Err(error) => render_failed(&error),
    }
}

pub fn not_found_page() -> Response {
    let mut response = render(&NotFoundPage { section: "" });
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => render_failed(&error),
    }
}

fn render_failed(error: &askama::Error) -> Response {
    tracing::error!(error = %error, "failed to render a page");
    (StatusCode::INTERNAL_SERVER_ERROR, "The page failed to render.\n").into_response()
}
