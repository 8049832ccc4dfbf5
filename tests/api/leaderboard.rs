//! The leaderboard: submitting finished rounds, ranking, single entries and hiding entries
//! with the `hide-entry` command.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{DealtRound, Strategy, Table, TestApp, assert_problem};

const BOARD_ID: &str = "practice/idempotency-key-clinic";
const BOARD_SIZE: usize = 10;
const UNKNOWN_ROUND_ID: &str = "00000000-0000-4000-8000-000000000000";
/// Pause between submissions so that their millisecond timestamps differ and ties have a
/// defined order.
const SUBMISSION_GAP: Duration = Duration::from_millis(3);

/// A submitted entry, in submission order.
struct Submitted {
    entry_id: String,
    nickname: String,
    score: i64,
}

/// Submits one finished round per strategy, in order, and returns the entries.
async fn fill_board(app: &TestApp, strategies: &[Strategy]) -> Vec<Submitted> {
    let mut submitted = Vec::new();
    for (index, strategy) in strategies.iter().enumerate() {
        let played = app.play_round(*strategy).await;
        let nickname = format!("player-{index:02}");
        let entry_id = app.create_entry(&played.round_id, &nickname).await;
        submitted.push(Submitted { entry_id, nickname, score: played.score });
        tokio::time::sleep(SUBMISSION_GAP).await;
    }
    submitted
}

/// Eleven rounds: every count of correct answers from 0 to 8, then two perfect rounds.
fn eleven_strategies() -> Vec<Strategy> {
    let mut strategies: Vec<Strategy> = (0..=8).map(Strategy::CorrectThenLowest).collect();
    strategies.extend([Strategy::AllCorrect, Strategy::AllCorrect]);
    strategies
}

/// Orders entries as the board should: highest score first, ties to the earlier submission.
fn expected_ranking(submitted: &[Submitted]) -> Vec<&Submitted> {
    let mut ranking: Vec<&Submitted> = submitted.iter().collect();
    // A stable sort keeps submission order among equal scores.
    ranking.sort_by_key(|entry| std::cmp::Reverse(entry.score));
    ranking
}

fn entries_of(board: &Value) -> Vec<Value> {
    board["entries"].as_array().cloned().unwrap_or_else(|| panic!("no entries array in {board}"))
}

#[tokio::test]
async fn submit_finished_round() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::CorrectThenLowest(6)).await;

    let response = app.submit_entry(&played.round_id, "  Ada  ").await;

    assert_eq!(response.status, 201, "{}", response.body);
    let body = response.json();
    let entry_id = body["entry_id"].as_str().unwrap_or("");
    assert!(!entry_id.is_empty(), "no entry_id in {body}");
    let expected_location = format!("/api/leaderboards/idempotency-key-clinic/entries/{entry_id}");
    assert_eq!(response.header("location"), Some(expected_location.as_str()));
    assert_eq!(body["board"], BOARD_ID);
    assert_eq!(body["rank"], 1);
    assert_eq!(body["nickname"], "Ada");
    assert_eq!(body["score"], app.stored_points(&played.round_id).await);
    assert_eq!(body["score"], played.score);
    assert_eq!(body["max_score"], 800);

    let stored = app.stored_entries().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, entry_id);
    assert_eq!(stored[0].round_id, played.round_id);
    assert_eq!(stored[0].nickname, "Ada");
    assert_eq!(stored[0].score, played.score);
    assert_eq!(stored[0].max_score, 800);
}

#[tokio::test]
async fn submit_unfinished_round() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let unanswered = round.scenarios.len() - 1;
    let partial = DealtRound {
        round_id: round.round_id.clone(),
        scenarios: round.scenarios[..unanswered].to_vec(),
    };
    app.answer_all(&partial, Strategy::AllCorrect).await;

    let response = app.submit_entry(&round.round_id, "Ada").await;

    let body = assert_problem(&response, 409, "round-not-finished");
    assert_eq!(body["answered"], unanswered);
    assert_eq!(body["total"], round.scenarios.len());
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
}

#[tokio::test]
async fn submit_unknown_round() {
    let app = TestApp::spawn().await;

    let response = app.submit_entry(UNKNOWN_ROUND_ID, "Ada").await;

    assert_problem(&response, 422, "unknown-round");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
}

#[tokio::test]
async fn resubmit_round_conflicts() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;
    let entry_id = app.create_entry(&played.round_id, "Ada").await;

    // submit_entry sends a fresh idempotency key, so this is a new request, not a retry.
    let response = app.submit_entry(&played.round_id, "Grace").await;

    let body = assert_problem(&response, 409, "round-already-submitted");
    assert_eq!(body["entry_id"], entry_id.as_str());
    let stored = app.stored_entries().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].nickname, "Ada");
}

#[tokio::test]
async fn client_cannot_set_score() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllLowest).await;
    let body = json!({ "round_id": played.round_id, "nickname": "Mallory", "score": 800 });
    let key = uuid::Uuid::new_v4().to_string();

    let response = app.submit_entry_with(&body, Some(&key)).await;

    // The server may reject the unknown field or ignore it, but it must never store 800.
    assert!(
        response.status == 400 || response.status == 201,
        "expected 400 or 201, got {}: {}",
        response.status,
        response.body
    );
    let stored_points = app.stored_points(&played.round_id).await;
    for entry in app.stored_entries().await {
        assert_eq!(entry.score, stored_points, "stored entry {entry:?}");
    }
    if response.status == 201 {
        assert_eq!(response.json()["score"], stored_points);
    }
}

#[tokio::test]
async fn empty_board_shape() {
    let app = TestApp::spawn().await;

    let response = app.leaderboard().await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.content_type(), "application/json");
    let body = response.json();
    assert_eq!(body["board"], BOARD_ID);
    assert_eq!(body["metric"], "Idempotency design score");
    assert_eq!(body["entries"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn leaderboard_unknown_game() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/leaderboards/no-such-game").await;

    assert_problem(&response, 404, "not-found");
}

#[tokio::test]
async fn board_shows_top_ten() {
    let app = TestApp::spawn().await;
    let submitted = fill_board(&app, &eleven_strategies()).await;
    let ranking = expected_ranking(&submitted);

    let entries = entries_of(&app.leaderboard().await.json());

    assert_eq!(entries.len(), BOARD_SIZE);
    for (position, (shown, expected)) in entries.iter().zip(&ranking).enumerate() {
        assert_eq!(shown["rank"], position + 1, "rank of {shown}");
        assert_eq!(shown["nickname"], expected.nickname.as_str(), "entry at rank {}", position + 1);
        assert_eq!(shown["score"], expected.score, "entry at rank {}", position + 1);
        assert_eq!(shown["max_score"], 800, "entry at rank {}", position + 1);
    }
    let scores: Vec<i64> = entries.iter().filter_map(|entry| entry["score"].as_i64()).collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "scores not descending: {scores:?}");
}

#[tokio::test]
async fn ties_go_to_earlier_entry() {
    let app = TestApp::spawn().await;
    let submitted = fill_board(&app, &[Strategy::AllCorrect, Strategy::AllCorrect]).await;

    let entries = entries_of(&app.leaderboard().await.json());

    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["score"], entries[1]["score"]);
    assert_eq!(entries[0]["nickname"], submitted[0].nickname.as_str());
    assert_eq!(entries[1]["nickname"], submitted[1].nickname.as_str());
    assert_eq!(app.entry(&submitted[0].entry_id).await.json()["rank"], 1);
    assert_eq!(app.entry(&submitted[1].entry_id).await.json()["rank"], 2);
}

#[tokio::test]
async fn entry_outside_top_ten() {
    let app = TestApp::spawn().await;
    let submitted = fill_board(&app, &eleven_strategies()).await;
    let ranking = expected_ranking(&submitted);
    let last = ranking[BOARD_SIZE];

    let response = app.entry(&last.entry_id).await;

    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["entry_id"], last.entry_id.as_str());
    assert_eq!(body["rank"], BOARD_SIZE + 1);
    assert_eq!(body["nickname"], last.nickname.as_str());
    assert_eq!(body["score"], last.score);
    let board = entries_of(&app.leaderboard().await.json());
    assert!(
        board.iter().all(|entry| entry["nickname"] != last.nickname.as_str()),
        "the 11th entry is on the board"
    );
}

#[tokio::test]
async fn entry_rank_is_current() {
    let app = TestApp::spawn().await;
    let low = app.play_round(Strategy::AllLowest).await;
    let low_entry = app.create_entry(&low.round_id, "early-low").await;
    let rank_before = app.entry(&low_entry).await.json()["rank"].clone();
    let high = app.play_round(Strategy::AllCorrect).await;
    app.create_entry(&high.round_id, "late-high").await;

    let rank_after = app.entry(&low_entry).await.json()["rank"].clone();

    assert_eq!(rank_before, 1);
    assert_eq!(rank_after, 2);
}

#[tokio::test]
async fn entry_unknown_id() {
    let app = TestApp::spawn().await;

    let response = app.entry(UNKNOWN_ROUND_ID).await;

    assert_problem(&response, 404, "not-found");
}

#[tokio::test]
async fn hide_entry_command() {
    let app = TestApp::spawn().await;
    let submitted = fill_board(&app, &[Strategy::AllCorrect, Strategy::AllLowest]).await;
    let hidden = &submitted[0];
    let visible = &submitted[1];

    let outcome = app.run_command(&["hide-entry", &hidden.entry_id]).await;

    assert!(outcome.status.success(), "hide-entry failed with {}:\n{}", outcome.status, outcome.output);
    let entries = entries_of(&app.leaderboard().await.json());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["nickname"], visible.nickname.as_str());
    assert_eq!(entries[0]["rank"], 1);
    assert_problem(&app.entry(&hidden.entry_id).await, 404, "not-found");
    assert_eq!(app.entry(&visible.entry_id).await.json()["rank"], 1);
    let stored = app.stored_entries().await;
    let stored_hidden = stored.iter().find(|entry| entry.id == hidden.entry_id).expect("the hidden entry should still be stored");
    assert!(stored_hidden.hidden, "the stored entry is not marked hidden");
}

#[tokio::test]
async fn hide_unknown_entry_fails() {
    let app = TestApp::spawn().await;

    let outcome = app.run_command(&["hide-entry", UNKNOWN_ROUND_ID]).await;

    assert!(!outcome.status.success(), "hide-entry of an unknown id exited with success:\n{}", outcome.output);
}
