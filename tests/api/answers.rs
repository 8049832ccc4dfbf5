//! `POST /api/rounds/{id}/answers`: grading, replays of the same answer, conflicts and
//! rejected requests.

use std::collections::HashSet;

use idempotency_key_clinic::domain::scenario::Verdict;
use serde_json::json;

use crate::helpers::{Table, TestApp, answer_key, assert_problem};

/// Maximum number of rounds a test deals while it looks for a scenario with a given kind of
/// option.
const MAX_ROUNDS: usize = 20;

/// An option of a dealt scenario, by the ids the round shows.
struct Pick {
    round_id: String,
    scenario_id: String,
    option_id: String,
}

/// Deals rounds until one has a scenario with an option graded `verdict`.
async fn pick_option(app: &TestApp, verdict: Verdict) -> Pick {
    for _ in 0..MAX_ROUNDS {
        let round = app.deal_round().await;
        for scenario in &round.scenarios {
            if let Some(option_id) = answer_key::option_with_verdict(&round.round_id, &scenario.id, verdict) {
                return Pick { round_id: round.round_id.clone(), scenario_id: scenario.id.clone(), option_id };
            }
        }
    }
    panic!("no {verdict:?} option in {MAX_ROUNDS} rounds");
}

/// Answers a scenario with an option graded `verdict` and checks the grade and the stored row.
async fn assert_graded(verdict: Verdict, verdict_name: &str, points: i64) {
    let app = TestApp::spawn().await;
    let pick = pick_option(&app, verdict).await;

    let response = app.answer(&pick.round_id, &pick.scenario_id, &pick.option_id).await;

    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["scenario_id"], pick.scenario_id.as_str());
    assert_eq!(body["option_id"], pick.option_id.as_str());
    assert_eq!(body["verdict"], verdict_name);
    assert_eq!(body["points"], points);
    assert_eq!(body["max_points"], 100);
    let correct_option_id = answer_key::correct_option(&pick.round_id, &pick.scenario_id);
    assert_eq!(body["correct_option_id"], correct_option_id.as_str());
    for field in ["explanation", "safer_pattern", "correct_explanation"] {
        let text = body[field].as_str().unwrap_or("");
        assert!(!text.is_empty(), "answer field {field:?} is missing or empty in {body}");
    }

    let stored = app.stored_answers(&pick.round_id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].verdict, verdict_name);
    assert_eq!(stored[0].points, points);
}

#[tokio::test]
async fn correct_answer_scores_100() {
    assert_graded(Verdict::Correct, "correct", 100).await;
}

#[tokio::test]
async fn partial_answer_scores_50() {
    assert_graded(Verdict::Partial, "partial", 50).await;
}

#[tokio::test]
async fn unsafe_answer_scores_10() {
    assert_graded(Verdict::Unsafe, "unsafe", 10).await;
}

#[tokio::test]
async fn answer_reports_round_progress() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let first = &round.scenarios[0];
    let second = &round.scenarios[1];

    let first_body = app
        .answer(&round.round_id, &first.id, &answer_key::correct_option(&round.round_id, &first.id))
        .await
        .json();
    let second_body = app
        .answer(&round.round_id, &second.id, &answer_key::correct_option(&round.round_id, &second.id))
        .await
        .json();

    assert_eq!(first_body["answered"], 1);
    assert_eq!(first_body["round_score"], 100);
    assert_eq!(first_body["round_finished"], false);
    assert_eq!(second_body["answered"], 2);
    assert_eq!(second_body["round_score"], 200);
    assert_eq!(second_body["round_finished"], false);
}

#[tokio::test]
async fn last_answer_finishes_round() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let (last, earlier) = round.scenarios.split_last().expect("a round has scenarios");
    for scenario in earlier {
        let option_id = answer_key::correct_option(&round.round_id, &scenario.id);
        app.answer(&round.round_id, &scenario.id, &option_id).await;
    }

    let option_id = answer_key::correct_option(&round.round_id, &last.id);
    let body = app.answer(&round.round_id, &last.id, &option_id).await.json();

    assert_eq!(body["answered"], round.scenarios.len());
    assert_eq!(body["round_score"], 800);
    assert_eq!(body["round_finished"], true);
}

#[tokio::test]
async fn same_answer_replays_body() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let option_id = &scenario.options[0].id;

    let first = app.answer(&round.round_id, &scenario.id, option_id).await;
    let stored_before = app.stored_answers(&round.round_id).await;
    let second = app.answer(&round.round_id, &scenario.id, option_id).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body, first.body);
    assert_eq!(app.count_rows(Table::Answers).await, 1);
    assert_eq!(app.stored_answers(&round.round_id).await, stored_before);
}

#[tokio::test]
async fn other_answer_conflicts() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let first_option = &scenario.options[0].id;
    let other_option = &scenario.options[1].id;
    app.answer(&round.round_id, &scenario.id, first_option).await;
    let stored_before = app.stored_answers(&round.round_id).await;

    let response = app.answer(&round.round_id, &scenario.id, other_option).await;

    let body = assert_problem(&response, 409, "answer-conflict");
    assert_eq!(body["answered_option_id"], first_option.as_str());
    assert_eq!(app.stored_answers(&round.round_id).await, stored_before);
    assert_eq!(app.count_rows(Table::Answers).await, 1);
}

#[tokio::test]
async fn scenario_not_in_round() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let dealt: HashSet<&str> = round.scenarios.iter().map(|scenario| scenario.id.as_str()).collect();
    let other_scenario = answer_key::bank()
        .scenarios()
        .iter()
        .find(|scenario| !dealt.contains(scenario.id.as_str()))
        .expect("the bank has more scenarios than a round");

    let response = app.answer(&round.round_id, &other_scenario.id, &round.scenarios[0].options[0].id).await;

    assert_problem(&response, 422, "scenario-not-in-round");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn unknown_option_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;

    let response = app.answer(&round.round_id, &round.scenarios[0].id, "ffffffffffff").await;

    assert_problem(&response, 422, "unknown-option");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn option_of_other_scenario_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let other_scenario_option = &round.scenarios[1].options[0].id;

    let response = app.answer(&round.round_id, &round.scenarios[0].id, other_scenario_option).await;

    assert_problem(&response, 422, "unknown-option");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn option_of_other_round_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    // The same scenario and content option, shown with the id another round would use.
    let content_id = answer_key::content_option_id(&round.round_id, &scenario.id, &scenario.options[0].id);
    let foreign_id = answer_key::public_id("00000000-0000-4000-8000-000000000000", &scenario.id, &content_id);

    let response = app.answer(&round.round_id, &scenario.id, &foreign_id).await;

    assert_problem(&response, 422, "unknown-option");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn answer_unknown_round() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];

    let response = app
        .answer("00000000-0000-4000-8000-000000000000", &scenario.id, &scenario.options[0].id)
        .await;

    assert_problem(&response, 404, "not-found");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn malformed_json_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let path = format!("/api/rounds/{}/answers", round.round_id);

    let response = app.post_raw(&path, Some("application/json"), "{\"scenario_id\": ".to_owned()).await;

    assert_problem(&response, 400, "malformed-json");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn missing_field_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let path = format!("/api/rounds/{}/answers", round.round_id);

    let response = app.post_json(&path, &json!({ "scenario_id": round.scenarios[0].id })).await;

    assert_problem(&response, 400, "invalid-body");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn wrong_content_type_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let path = format!("/api/rounds/{}/answers", round.round_id);
    let body = json!({ "scenario_id": scenario.id, "option_id": scenario.options[0].id }).to_string();

    let response = app.post_raw(&path, Some("text/plain"), body).await;

    assert_problem(&response, 415, "unsupported-media-type");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test]
async fn oversized_body_rejected() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let path = format!("/api/rounds/{}/answers", round.round_id);
    // Valid fields plus 20 KiB of padding, above the 16 KiB limit.
    let body = json!({
        "scenario_id": scenario.id,
        "option_id": scenario.options[0].id,
        "padding": "x".repeat(20 * 1024),
    })
    .to_string();

    let response = app.post_raw(&path, Some("application/json"), body).await;

    assert_problem(&response, 413, "body-too-large");
    assert_eq!(app.count_rows(Table::Answers).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_answers_store_one() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = round.scenarios[0].clone();
    let option_ids: Vec<String> =
        (0..10).map(|index| scenario.options[index % scenario.options.len()].id.clone()).collect();

    // Send all ten at once, each with its own connection.
    let tasks: Vec<_> = option_ids
        .iter()
        .map(|option_id| {
            let api = app.api().clone();
            let round_id = round.round_id.clone();
            let scenario_id = scenario.id.clone();
            let option_id = option_id.clone();
            tokio::spawn(async move { api.answer(&round_id, &scenario_id, &option_id).await })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.expect("an answer task panicked"));
    }

    let stored = app.stored_answers(&round.round_id).await;
    assert_eq!(stored.len(), 1, "stored answers: {stored:?}");
    let winner = answer_key::public_id(&round.round_id, &scenario.id, &stored[0].option_id);
    for (option_id, response) in option_ids.iter().zip(&responses) {
        if *option_id == winner {
            assert_eq!(response.status, 200, "same option as stored: {}", response.body);
            assert_eq!(response.json()["option_id"], winner.as_str());
        } else {
            let body = assert_problem(response, 409, "answer-conflict");
            assert_eq!(body["answered_option_id"], winner.as_str());
        }
    }
}
