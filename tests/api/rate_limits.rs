//! Per-client rate limits, turned on for these tests only. Every other test starts its
//! server with `CLINIC_RATE_LIMIT=off`.

use crate::helpers::{GAME_SLUG, Table, TestApp, assert_problem};

#[tokio::test]
async fn round_limit_applies() {
    let app =
        TestApp::spawn_with("clinic.db", &[("CLINIC_RATE_LIMIT", "on"), ("CLINIC_ROUNDS_PER_MINUTE", "2")]).await;

    let first = app.start_round(GAME_SLUG).await;
    let second = app.start_round(GAME_SLUG).await;
    let third = app.start_round(GAME_SLUG).await;

    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(second.status, 201, "{}", second.body);
    assert_problem(&third, 429, "rate-limited");
    assert!(third.header("retry-after").is_some(), "429 without Retry-After");
    assert_eq!(app.count_rows(Table::Rounds).await, 2);
}

#[tokio::test]
async fn limit_off_allows_bursts() {
    let app = TestApp::spawn_with("clinic.db", &[("CLINIC_ROUNDS_PER_MINUTE", "2")]).await;

    for attempt in 1..=5 {
        let response = app.start_round(GAME_SLUG).await;
        assert_eq!(response.status, 201, "round {attempt}: {}", response.body);
    }
}
