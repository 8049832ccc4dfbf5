//! Idempotency keys over time: concurrent retries of one request, claims left behind by a
//! request whose server died, and keys that outlive their retention.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ApiResponse, Strategy, Table, TestApp, assert_problem, now_millis};

fn entry_body(round_id: &str, nickname: &str) -> Value {
    json!({ "round_id": round_id, "nickname": nickname })
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn is_replay(response: &ApiResponse) -> bool {
    response.header("idempotent-replayed") == Some("true")
}

/// Returns the Retry-After header in whole seconds, failing the test when it is missing or
/// not a number.
fn retry_after_secs(response: &ApiResponse) -> u64 {
    response
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{} without a numeric Retry-After: {}", response.status, response.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_retries_one_entry() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();

    let tasks: Vec<_> = (0..50)
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
    let originals: Vec<&ApiResponse> =
        responses.iter().filter(|response| response.status == 201 && !is_replay(response)).collect();
    assert_eq!(originals.len(), 1, "201 responses without the replay header");
    let original = originals[0];
    for response in responses.iter().filter(|response| response.status == 201 && is_replay(response)) {
        assert_eq!(response.body, original.body, "a replay differs from the original");
        assert_eq!(response.header("location"), original.header("location"));
    }
    for response in responses.iter().filter(|response| response.status != 201) {
        assert_problem(response, 409, "idempotency-key-in-flight");
        assert!(retry_after_secs(response) >= 1);
    }
    let stored = app.stored_keys().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].response_body.as_deref(), Some(original.body.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_keys_one_entry() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");

    // Each request has its own key, so only the round's unique constraint can stop a double.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let api = app.api().clone();
            let body = body.clone();
            tokio::spawn(async move { api.submit_entry_with(&body, Some(&new_key())).await })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.expect("a submission task panicked"));
    }

    let entries = app.stored_entries().await;
    assert_eq!(entries.len(), 1);
    let created: Vec<&ApiResponse> = responses.iter().filter(|response| response.status == 201).collect();
    assert_eq!(created.len(), 1, "201 responses for one round");
    assert_eq!(created[0].json()["entry_id"], entries[0].id.as_str());
    for response in responses.iter().filter(|response| response.status != 201) {
        let problem = assert_problem(response, 409, "round-already-submitted");
        assert_eq!(problem["entry_id"], entries[0].id.as_str());
    }
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 1);
}

#[tokio::test]
async fn expired_claim_taken_over() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();
    app.insert_in_flight_claim(&key, &body, now_millis() - 1_000).await;

    let response = app.submit_entry_with(&body, Some(&key)).await;

    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.header("idempotent-replayed"), None);
    let entries = app.stored_entries().await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].round_id, played.round_id);
    assert_eq!(response.json()["entry_id"], entries[0].id.as_str());
    let stored = app.stored_keys().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].response_status, Some(201));
    assert_eq!(stored[0].lease_token, None);
}

#[tokio::test]
async fn live_claim_blocks_until_lease_ends() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();
    let lease_ends = now_millis() + 2_000;
    app.insert_in_flight_claim(&key, &body, lease_ends).await;

    let blocked = app.submit_entry_with(&body, Some(&key)).await;

    assert_problem(&blocked, 409, "idempotency-key-in-flight");
    let retry_after = retry_after_secs(&blocked);
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after} for a lease of 2 s");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);

    // Retry the unchanged request, as the 409 problem type documents, until the lease ends.
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut rejections = 0;
    let retry = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let response = app.submit_entry_with(&body, Some(&key)).await;
        if response.status != 409 || Instant::now() >= deadline {
            break response;
        }
        assert_problem(&response, 409, "idempotency-key-in-flight");
        retry_after_secs(&response);
        rejections += 1;
    };
    let succeeded_at = now_millis();

    assert_eq!(retry.status, 201, "after {rejections} rejections: {}", retry.body);
    assert!(succeeded_at >= lease_ends, "succeeded {} ms before the lease ended", lease_ends - succeeded_at);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn claim_for_other_body_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = new_key();
    app.insert_in_flight_claim(&key, &entry_body(&played.round_id, "Grace"), now_millis() - 1_000)
        .await;

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await;

    // An abandoned claim is taken over only by the same request.
    assert_problem(&response, 422, "idempotency-key-reused");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
}

#[tokio::test]
async fn expired_key_purged_then_new() {
    let app = TestApp::spawn_with(
        "clinic.db",
        &[("CLINIC_IDEMPOTENCY_KEY_TTL", "1s"), ("CLINIC_IDEMPOTENCY_PURGE_INTERVAL", "200ms")],
    )
    .await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();
    let first = app.submit_entry_with(&body, Some(&key)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 1);

    let deadline = Instant::now() + Duration::from_secs(5);
    let mut remaining = 1;
    while remaining > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = app.count_rows(Table::IdempotencyKeys).await;
    }
    assert_eq!(remaining, 0, "the background task did not purge the expired key within 5 s");

    let retry = app.submit_entry_with(&body, Some(&key)).await;

    // After expiry the key is new, so the round's unique constraint rejects the request and
    // no replay is sent.
    let problem = assert_problem(&retry, 409, "round-already-submitted");
    assert_eq!(problem["entry_id"], first.json()["entry_id"]);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}

#[tokio::test]
async fn expired_unpurged_key_is_new() {
    let app = TestApp::spawn_with(
        "clinic.db",
        &[("CLINIC_IDEMPOTENCY_KEY_TTL", "1s"), ("CLINIC_IDEMPOTENCY_PURGE_INTERVAL", "1h")],
    )
    .await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();
    let first = app.submit_entry_with(&body, Some(&key)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let expires_at = app.stored_keys().await[0].expires_at;

    let wait = u64::try_from(expires_at - now_millis() + 50).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let retry = app.submit_entry_with(&body, Some(&key)).await;

    // The purge task has not run, so the request itself finds the record expired.
    let problem = assert_problem(&retry, 409, "round-already-submitted");
    assert_eq!(problem["entry_id"], first.json()["entry_id"]);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}
