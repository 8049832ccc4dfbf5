//! `GET /api/games`: the catalogue.

use serde_json::Value;

use crate::helpers::{GAME_SLUG, TestApp};

async fn clinic_game(app: &TestApp) -> Value {
    let body = app.games().await.json();
    let games = body["games"].as_array().cloned().unwrap_or_default();
    games
        .into_iter()
        .find(|game| game["slug"] == GAME_SLUG)
        .unwrap_or_else(|| panic!("no game with slug {GAME_SLUG} in {body}"))
}

#[tokio::test]
async fn games_list_shape() {
    let app = TestApp::spawn().await;

    let response = app.games().await;

    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    let body = response.json();
    let games = body["games"].as_array().expect("\"games\" should be an array");
    assert!(!games.is_empty(), "the catalogue lists no game");
    for game in games {
        for field in ["slug", "title", "summary", "concept", "difficulty", "play_time", "path"] {
            let text = game[field].as_str().unwrap_or("");
            assert!(!text.is_empty(), "game field {field:?} is missing or empty in {game}");
        }
        assert!(game["leaderboard"]["id"].is_string(), "leaderboard.id missing in {game}");
        assert!(game["leaderboard"]["metric"].is_string(), "leaderboard.metric missing in {game}");
    }
}

#[tokio::test]
async fn clinic_game_fields() {
    let app = TestApp::spawn().await;

    let game = clinic_game(&app).await;

    assert_eq!(game["title"], "Idempotency Key Clinic");
    assert_eq!(game["concept"], "Idempotency, retries, duplicate prevention, and consistency");
    assert_eq!(game["difficulty"], "Intermediate");
    assert_eq!(game["play_time"], "6-9 minutes");
    assert_eq!(game["path"], "production-reliability");
    assert_eq!(game["leaderboard"]["id"], "practice/idempotency-key-clinic");
    assert_eq!(game["leaderboard"]["metric"], "Idempotency design score");
}
