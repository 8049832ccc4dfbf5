//! The `Idempotency-Key` header on leaderboard submissions: required and validated, replayed
//! for a retry of the same request, rejected for a different request, and never stored for a
//! request that failed validation or was rejected before it ran.

use serde_json::{Value, json};

use crate::helpers::{ApiResponse, Strategy, Table, TestApp, assert_problem, submission_path};

fn entry_body(round_id: &str, nickname: &str) -> Value {
    json!({ "round_id": round_id, "nickname": nickname })
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn assert_created(response: &ApiResponse) {
    assert_eq!(response.status, 201, "{}", response.body);
}

/// Checks that the problem's `type` URL is served by the server as an HTML page about that
/// problem, as RFC 9457 recommends for a type URI.
async fn assert_type_documented(app: &TestApp, problem: &Value) {
    let problem_type = problem["type"].as_str().unwrap_or_else(|| panic!("no type member in {problem}"));
    let title = problem["title"].as_str().unwrap_or_else(|| panic!("no title member in {problem}"));

    let page = app.get(problem_type).await;

    assert_eq!(page.status, 200, "GET {problem_type}: {}", page.body);
    assert_eq!(page.content_type(), "text/html", "content type of {problem_type}");
    assert!(page.body.contains(&format!("<h1>{title}</h1>")), "{problem_type} does not describe {title:?}");
}

/// Submits a finished round with the raw header bytes `key` and checks the 400 problem, its
/// `rule`, its documentation page, and that nothing was stored.
async fn assert_key_rejected(key: &[u8], rule: &str) {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada").to_string();

    let response = app.submit_raw_entry(&body, key).await;

    let problem = assert_problem(&response, 400, "idempotency-key-invalid");
    assert_eq!(problem["rule"], rule, "rule for key {:?}", String::from_utf8_lossy(key));
    assert_type_documented(&app, &problem).await;
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}

#[tokio::test]
async fn submit_without_key_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), None).await;

    let body = assert_problem(&response, 400, "idempotency-key-missing");
    assert_eq!(body["rule"], "idempotency-key-required");
    assert_type_documented(&app, &body).await;
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}

#[tokio::test]
async fn long_key_rejected() {
    assert_key_rejected("k".repeat(256).as_bytes(), "idempotency-key-length").await;
}

#[tokio::test]
async fn longest_key_accepted() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = "k".repeat(255);

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await;

    assert_created(&response);
    let stored = app.stored_keys().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].key, key);
}

#[tokio::test]
async fn empty_quoted_key_rejected() {
    assert_key_rejected(b"\"\"", "idempotency-key-length").await;
}

#[tokio::test]
async fn non_ascii_key_rejected() {
    assert_key_rejected("clé-1".as_bytes(), "idempotency-key-printable-ascii").await;
}

#[tokio::test]
async fn unterminated_quoted_key_rejected() {
    assert_key_rejected(b"\"abc", "idempotency-key-syntax").await;
}

#[tokio::test]
async fn quoted_key_with_parameter_rejected() {
    assert_key_rejected(b"\"abc\";v=1", "idempotency-key-syntax").await;
}

#[tokio::test]
async fn two_key_headers_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");

    // HTTP lets any hop join the two field lines into one, "\"first\", \"second\"", so they
    // must mean the same as that line, which is not a single structured-field string.
    let request = app
        .http()
        .post(app.url(&submission_path()))
        .header("idempotency-key", "\"first\"")
        .header("idempotency-key", "\"second\"")
        .json(&body);
    let response = app.send(request).await;

    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}

#[tokio::test]
async fn combined_key_line_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada").to_string();

    let response = app.submit_raw_entry(&body, b"\"first\", \"second\"").await;

    let problem = assert_problem(&response, 400, "idempotency-key-invalid");
    assert_eq!(problem["rule"], "idempotency-key-syntax");
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
    assert_eq!(retry.status, first.status);
    assert_eq!(retry.body.as_bytes(), first.body.as_bytes());
    assert_eq!(retry.content_type(), first.content_type());
    let entry_id = first.json()["entry_id"].as_str().unwrap_or_default().to_owned();
    let location = format!("/api/leaderboards/idempotency-key-clinic/entries/{entry_id}");
    assert_eq!(first.header("location"), Some(location.as_str()));
    assert_eq!(retry.header("location"), Some(location.as_str()));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 1);
}

#[tokio::test]
async fn replay_survives_third_retry() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();

    let first = app.submit_entry_with(&body, Some(&key)).await;
    let second = app.submit_entry_with(&body, Some(&key)).await;
    let third = app.submit_entry_with(&body, Some(&key)).await;

    assert_created(&first);
    assert_eq!(second.body, first.body);
    assert_eq!(third.body, first.body);
    assert_eq!(third.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn reformatted_body_replays() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let round_id = &played.round_id;
    let key = new_key();
    let compact = format!(r#"{{"round_id":"{round_id}","nickname":"Ada"}}"#);
    // Reordered keys, whitespace, and "A" written as a \u escape: the same JSON value.
    let reordered = format!("{{\n  \"nickname\" : \"\\u0041da\",\n\t\"round_id\":   \"{round_id}\"\n}}\n");

    let first = app.submit_raw_entry(&compact, key.as_bytes()).await;
    let retry = app.submit_raw_entry(&reordered, key.as_bytes()).await;

    assert_created(&first);
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body, first.body);
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
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn bare_key_matches_quoted_key() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let key = new_key();

    let first = app.submit_entry_with(&body, Some(&format!("\"{key}\""))).await;
    let retry = app.submit_entry_with(&body, Some(&key)).await;

    assert_created(&first);
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let stored = app.stored_keys().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].key, key, "the quoted form should be stored unquoted");
}

#[tokio::test]
async fn same_key_other_body_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = new_key();
    let first = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await;
    assert_created(&first);
    let stored_before = app.stored_keys().await;

    let response = app.submit_entry_with(&entry_body(&played.round_id, "Grace"), Some(&key)).await;

    let problem = assert_problem(&response, 422, "idempotency-key-reused");
    assert_type_documented(&app, &problem).await;
    assert_eq!(response.header("idempotent-replayed"), None);
    let stored_after = app.stored_keys().await;
    assert_eq!(stored_after.len(), 1);
    assert_eq!(stored_after[0].fingerprint, stored_before[0].fingerprint);
    assert_eq!(stored_after[0].response_status, Some(201));
    assert_eq!(stored_after[0].response_body.as_deref(), Some(first.body.as_str()));
    assert_eq!(stored_after, stored_before);
    let entries = app.stored_entries().await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].nickname, "Ada");
}

#[tokio::test]
async fn second_key_same_round_conflicts() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, "Ada");
    let first = app.submit_entry_with(&body, Some(&new_key())).await;
    assert_created(&first);
    let entry_id = first.json()["entry_id"].clone();

    let response = app.submit_entry_with(&body, Some(&new_key())).await;

    let problem = assert_problem(&response, 409, "round-already-submitted");
    assert_eq!(problem["entry_id"], entry_id);
    assert_eq!(response.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
    // The rejected request ran but stored no response, so only the first key has a record.
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 1);
}

#[tokio::test]
async fn invalid_nickname_not_stored() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let key = new_key();

    let rejected = app.submit_entry_with(&entry_body(&played.round_id, "Ada\u{7}"), Some(&key)).await;
    let keys_after_rejection = app.count_rows(Table::IdempotencyKeys).await;
    let corrected = app.submit_entry_with(&entry_body(&played.round_id, "Ada"), Some(&key)).await;

    assert_problem(&rejected, 422, "invalid-nickname");
    assert_eq!(keys_after_rejection, 0);
    assert_created(&corrected);
    assert_eq!(corrected.header("idempotent-replayed"), None);
    assert_eq!(corrected.json()["nickname"], "Ada");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn failed_submission_not_replayed() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let body = entry_body(&round.round_id, "Ada");
    let key = new_key();
    let early = app.submit_entry_with(&body, Some(&key)).await;
    let keys_after_failure = app.count_rows(Table::IdempotencyKeys).await;

    // Finish the round, then retry with the same key and body.
    app.answer_all(&round, Strategy::AllCorrect).await;
    let retry = app.submit_entry_with(&body, Some(&key)).await;

    assert_problem(&early, 409, "round-not-finished");
    assert_eq!(keys_after_failure, 0);
    assert_created(&retry);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 1);
}

#[tokio::test]
async fn submission_rate_limited() {
    let app = TestApp::spawn_with(
        "clinic.db",
        &[("CLINIC_RATE_LIMIT", "on"), ("CLINIC_SUBMISSIONS_PER_MINUTE", "2")],
    )
    .await;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        rounds.push(app.play_round(Strategy::AllCorrect).await);
    }

    let first = app.submit_entry(&rounds[0].round_id, "Ada").await;
    let second = app.submit_entry(&rounds[1].round_id, "Ada").await;
    let third = app.submit_entry(&rounds[2].round_id, "Ada").await;

    assert_created(&first);
    assert_created(&second);
    let problem = assert_problem(&third, 429, "rate-limited");
    assert_type_documented(&app, &problem).await;
    let retry_after = third.header("retry-after").and_then(|value| value.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|seconds| seconds >= 1), "Retry-After {:?}", third.header("retry-after"));
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 2);
    // The limit rejects before the idempotency layer, so the third key has no record.
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 2);
}

#[tokio::test]
async fn oversized_body_rejected() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let body = entry_body(&played.round_id, &"a".repeat(17 * 1024)).to_string();
    assert!(body.len() > 16 * 1024);

    let response = app.submit_raw_entry(&body, new_key().as_bytes()).await;

    let problem = assert_problem(&response, 413, "body-too-large");
    assert_type_documented(&app, &problem).await;
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
    assert_eq!(app.count_rows(Table::IdempotencyKeys).await, 0);
}
