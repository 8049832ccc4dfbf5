//! Review rounds: practice on scenarios from the player's finished rounds, never ranked.

use serde_json::json;

use crate::helpers::{Strategy, TestApp, assert_problem};

const ROUNDS: &str = "/api/games/idempotency-key-clinic/rounds";

#[tokio::test]
async fn review_of_finished_round_deals_those_scenarios() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllLowest).await;
    let ids: Vec<String> = app.round(&played.round_id).await.json()["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|scenario| scenario["id"].as_str().unwrap().to_owned())
        .collect();

    let response = app
        .post_json(ROUNDS, &json!({"review_scenario_ids": ids, "review_round_ids": [played.round_id]}))
        .await;

    assert_eq!(response.status, 201, "{}", response.body);
    let body = response.json();
    assert_eq!(body["kind"], "review");
    let mut dealt: Vec<String> =
        body["scenarios"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let mut expected = ids.clone();
    dealt.sort();
    expected.sort();
    assert_eq!(dealt, expected);
}

#[tokio::test]
async fn review_of_open_round_rejected() {
    let app = TestApp::spawn().await;
    let open = app.deal_round().await;
    let ids: Vec<&str> = open.scenarios.iter().map(|scenario| scenario.id.as_str()).collect();

    let response = app
        .post_json(ROUNDS, &json!({"review_scenario_ids": ids, "review_round_ids": [open.round_id]}))
        .await;

    assert_problem(&response, 422, "invalid-review-round");
}

#[tokio::test]
async fn review_without_source_rounds_rejected() {
    let app = TestApp::spawn().await;

    let response = app.post_json(ROUNDS, &json!({"review_scenario_ids": ["payments-lost-response-retry"]})).await;

    assert_problem(&response, 422, "invalid-review-round");
}

#[tokio::test]
async fn review_round_kept_off_leaderboard() {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllLowest).await;
    let first_id = app.round(&played.round_id).await.json()["scenarios"][0]["id"].as_str().unwrap().to_owned();
    let review = app
        .post_json(ROUNDS, &json!({"review_scenario_ids": [first_id], "review_round_ids": [played.round_id]}))
        .await
        .json();
    let review_id = review["round_id"].as_str().unwrap();
    let option_id = review["scenarios"][0]["options"][0]["id"].as_str().unwrap();
    assert_eq!(app.answer(review_id, &first_id, option_id).await.status, 200);

    let response = app.submit_entry(review_id, "Reviewer").await;

    assert_problem(&response, 422, "review-round-not-ranked");
}

#[tokio::test]
async fn ranked_round_kind_is_ranked() {
    let app = TestApp::spawn().await;

    let body = app.start_round("idempotency-key-clinic").await.json();

    assert_eq!(body["kind"], "ranked");
}
