//! The `Idempotency-Key` header on leaderboard submissions: required, replayed for a retry
//! of the same request, rejected for a different request, and safe under concurrent retries.

use serde_json::{Value, json};

use crate::helpers::{ApiResponse, DealtRound, Strategy, Table, TestApp, assert_problem};

fn entry_body(round_id: &str, nickname: &str) -> Value {
    json!({ "round_id": round_id, "nickname": nickname })
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn assert_created(response: &ApiResponse) {
    assert_eq!(response.status, 201, "{}", response.body);
}

#[tokio::test]
async fn submit_without_key_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), None).await;

    let body = assert_problem(&response, 400, "idempotency-key-missing");
    assert_eq!(body["rule"], "idempotency-key-required");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}

#[tokio::test]
async fn long_key_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = "k".repeat(256);

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await;

    let body = assert_problem(&response, 400, "idempotency-key-invalid");
    assert_eq!(body["rule"], "idempotency-key-length");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
}

#[tokio::test]
async fn same_key_replays_response() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();

    let first = app.submit_entry_with(&body, Some(&key)).await;
    let retry = app.submit_entry_with(&body, Some(&key)).await;

    assert_created(&first);
    assert_created(&retry);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn quoted_key_matches_bare_key() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();

    // The draft sends the key as a structured-field string, and many clients send it bare.
    let first = app.submit_entry_with(&body, Some(&key)).await;
    let retry = app.submit_entry_with(&body, Some(&format!("\"{key}\""))).await;

    assert_created(&first);
    assert_created(&retry);
    assert_eq!(retry.body, first.body);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn same_key_other_body_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = new_key();
    assert_created(&app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await);

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Grace"), Some(&key)).await;

    assert_problem(&response, 422, "idempotency-key-reused");
    let stored = app.stored_entries().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].nickname, "Ada");
}

#[tokio::test]
async fn failed_submission_not_replayed() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let body = entry_body(&round.round_id, "Ada");
    let key = new_key();
    let early = app.submit_entry_with(&body, Some(&key)).await;

    // Finish the round, then retry with the same key and body.
    app.answer_all(&round, Strategy::AllCorrect).await;
    let retry = app.submit_entry_with(&body, Some(&key)).await;

    assert_problem(&early, 409, "round-not-finished");
    assert_created(&retry);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_one_entry() {
    let app = TestApp::spawn().await;
    let round: DealtRound = app.deal_round().await;
    app.answer_all(&round, Strategy::AllCorrect).await;
    let body = entry_body(&round.round_id, "Ada");
    let key = new_key();

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let api = app.api().clone();
            let body = body.clone();
            let key = key.clone();
            tokio::spawn(async move { api.submit_entry_with(&body, Some(&key)).await })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.expect("a submission task panicked"));
    }

    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
    let created: Vec<&ApiResponse> = responses.iter().filter(|response| response.status == 201).collect();
    assert!(!created.is_empty(), "no submission succeeded");
    for response in &created {
        assert_eq!(response.body, created[0].body, "two different 201 bodies for one key");
    }
    for response in responses.iter().filter(|response| response.status != 201) {
        assert_problem(response, 409, "idempotency-key-in-flight");
        assert!(response.header("retry-after").is_some(), "409 without Retry-After: {}", response.body);
    }
}
