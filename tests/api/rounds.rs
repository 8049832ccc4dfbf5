//! `POST /api/games/{slug}/rounds` and `GET /api/rounds/{id}`: dealing a round and reading it
//! back with the answers so far.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::helpers::{
    DealtRound, GAME_SLUG, Strategy, Table, TestApp, all_keys, answer_key, assert_problem,
};

const ROUND_SIZE: usize = 8;
const CORE_CATEGORIES: [&str; 6] = ["payments", "emails", "imports", "orders", "put-updates", "inventory"];
/// Keys that would give the answers away before a scenario is answered.
const ANSWER_KEY_FIELDS: [&str; 7] = [
    "verdict",
    "explanation",
    "safer_pattern",
    "correct",
    "misconception",
    "correct_option_id",
    "correct_explanation",
];
/// Maximum number of rounds a test deals while it waits for a random event, such as a
/// repeated scenario.
const MAX_ROUNDS: usize = 40;

#[tokio::test]
async fn start_round_created() {
    let app = TestApp::spawn().await;

    let response = app.start_round(GAME_SLUG).await;

    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.content_type(), "application/json");
    let body = response.json();
    let round_id = body["round_id"].as_str().expect("round_id should be a string");
    assert_eq!(response.header("location"), Some(format!("/api/rounds/{round_id}").as_str()));
    assert_eq!(body["game"], GAME_SLUG);
    assert_eq!(body["scenarios"].as_array().map(Vec::len), Some(ROUND_SIZE));
    assert_eq!(body["answered"], 0);
    assert_eq!(body["score"], 0);
    assert_eq!(body["max_score"], 800);
    assert_eq!(body["finished"], false);
}

#[tokio::test]
async fn start_round_stores_row() {
    let app = TestApp::spawn().await;

    let round = app.deal_round().await;

    let stored = app.stored_rounds().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, round.round_id);
    assert_eq!(stored[0].game, GAME_SLUG);
}

#[tokio::test]
async fn start_round_covers_core_categories() {
    let app = TestApp::spawn().await;

    let round = app.deal_round().await;

    let categories: HashSet<&str> = round.scenarios.iter().map(|scenario| scenario.category.as_str()).collect();
    for category in CORE_CATEGORIES {
        assert!(categories.contains(category), "no {category} scenario in round: {categories:?}");
    }
}

#[tokio::test]
async fn start_round_no_duplicate_scenarios() {
    let app = TestApp::spawn().await;

    let round = app.deal_round().await;

    let ids: HashSet<&str> = round.scenarios.iter().map(|scenario| scenario.id.as_str()).collect();
    assert_eq!(ids.len(), round.scenarios.len(), "a scenario repeats in {ids:?}");
}

#[tokio::test]
async fn start_round_option_counts() {
    let app = TestApp::spawn().await;

    let round = app.deal_round().await;

    for scenario in &round.scenarios {
        let count = scenario.options.len();
        assert!((3..=5).contains(&count), "scenario {} has {count} options", scenario.id);
        let distinct: HashSet<&str> = scenario.options.iter().map(|option| option.id.as_str()).collect();
        assert_eq!(distinct.len(), count, "scenario {} repeats an option id", scenario.id);
    }
}

#[tokio::test]
async fn start_round_hides_answer_key() {
    let app = TestApp::spawn().await;

    let body = app.start_round(GAME_SLUG).await.json();

    let keys = all_keys(&body);
    for field in ANSWER_KEY_FIELDS {
        assert!(!keys.iter().any(|key| key == field), "the dealt round contains {field:?}");
    }
}

#[tokio::test]
async fn start_round_hides_content_option_ids() {
    let app = TestApp::spawn().await;

    let round = app.deal_round().await;

    // Content ids such as "replay-stored-response" name the idea behind an option.
    for scenario in &round.scenarios {
        for option in &scenario.options {
            let content_id = answer_key::content_option_id(&round.round_id, &scenario.id, &option.id);
            assert_ne!(option.id, content_id, "scenario {} shows a content option id", scenario.id);
        }
    }
}

#[tokio::test]
async fn option_ids_differ_between_rounds() {
    let app = TestApp::spawn().await;

    // Deal rounds until one scenario appears in two of them.
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut pair = None;
    for _ in 0..MAX_ROUNDS {
        let round = app.deal_round().await;
        for scenario in &round.scenarios {
            if let Some(earlier) = seen.get(&scenario.id) {
                pair = Some((scenario.id.clone(), earlier.clone(), scenario.option_ids()));
                break;
            }
            seen.insert(scenario.id.clone(), scenario.option_ids());
        }
        if pair.is_some() {
            break;
        }
    }
    let (scenario_id, first_ids, second_ids) =
        pair.unwrap_or_else(|| panic!("no scenario repeated in {MAX_ROUNDS} rounds"));

    let first: HashSet<&String> = first_ids.iter().collect();
    let shared: Vec<&String> = second_ids.iter().filter(|id| first.contains(id)).collect();
    assert!(shared.is_empty(), "scenario {scenario_id} shows option ids {shared:?} in two rounds");
}

#[tokio::test]
async fn option_order_is_shuffled() {
    let app = TestApp::spawn().await;

    // Record each scenario's option order as content ids, until one scenario shows two orders.
    let mut orders: HashMap<String, HashSet<Vec<String>>> = HashMap::new();
    let mut shuffled = false;
    for _ in 0..MAX_ROUNDS {
        let round = app.deal_round().await;
        for scenario in &round.scenarios {
            let order: Vec<String> = scenario
                .options
                .iter()
                .map(|option| answer_key::content_option_id(&round.round_id, &scenario.id, &option.id))
                .collect();
            let scenario_orders = orders.entry(scenario.id.clone()).or_default();
            scenario_orders.insert(order);
            shuffled |= scenario_orders.len() > 1;
        }
        if shuffled {
            break;
        }
    }

    assert!(shuffled, "no scenario changed its option order in {MAX_ROUNDS} rounds");
}

#[tokio::test]
async fn seen_scenarios_avoided() {
    let app = TestApp::spawn().await;
    let first = app.deal_round().await;
    let seen: Vec<&str> = first.scenarios.iter().map(|scenario| scenario.id.as_str()).collect();

    let response = app.start_round_with(GAME_SLUG, &json!({ "seen_scenario_ids": seen })).await;

    // Eight seen scenarios leave unseen ones in every category, so none should repeat.
    assert_eq!(response.status, 201, "{}", response.body);
    let second: DealtRound = serde_json::from_str(&response.body).expect("the response should be a dealt round");
    let repeated: Vec<&str> = second
        .scenarios
        .iter()
        .map(|scenario| scenario.id.as_str())
        .filter(|id| seen.contains(id))
        .collect();
    assert!(repeated.is_empty(), "seen scenarios dealt again: {repeated:?}");
    assert_eq!(second.scenarios.len(), ROUND_SIZE);
}

#[tokio::test]
async fn too_many_seen_ids_rejected() {
    let app = TestApp::spawn().await;
    let seen: Vec<String> = (0..501).map(|index| format!("scenario-{index}")).collect();

    let response = app.start_round_with(GAME_SLUG, &json!({ "seen_scenario_ids": seen })).await;

    assert_problem(&response, 400, "invalid-body");
    assert_eq!(app.count_rows(Table::Rounds).await, 0);
}

#[tokio::test]
async fn start_round_unknown_game() {
    let app = TestApp::spawn().await;

    let response = app.start_round("no-such-game").await;

    assert_problem(&response, 404, "not-found");
    assert_eq!(app.count_rows(Table::Rounds).await, 0);
}

fn scenarios_of(body: &Value) -> Value {
    body["scenarios"].clone()
}

#[tokio::test]
async fn round_as_dealt() {
    let app = TestApp::spawn().await;
    let dealt = app.start_round(GAME_SLUG).await.json();
    let round_id = dealt["round_id"].as_str().expect("round_id should be a string");

    let response = app.round(round_id).await;

    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["round_id"], round_id);
    assert_eq!(scenarios_of(&body), scenarios_of(&dealt), "the scenarios differ from the deal");
    assert_eq!(body["answers"], Value::Array(Vec::new()));
    assert_eq!(body["answered"], 0);
    assert_eq!(body["score"], 0);
    assert_eq!(body["finished"], false);
    let keys = all_keys(&body);
    for field in ANSWER_KEY_FIELDS {
        assert!(!keys.iter().any(|key| key == field), "an unanswered round contains {field:?}");
    }
}

/// Answers the first `count` scenarios with their lowest option and returns the points.
async fn answer_first(app: &TestApp, round: &DealtRound, count: usize) -> Vec<i64> {
    let mut points = Vec::new();
    for scenario in round.scenarios.iter().take(count) {
        let option_id = answer_key::lowest_option(&round.round_id, &scenario.id);
        let response = app.answer(&round.round_id, &scenario.id, &option_id).await;
        assert_eq!(response.status, 200, "{}", response.body);
        points.push(response.json()["points"].as_i64().expect("points should be a number"));
    }
    points
}

#[tokio::test]
async fn round_lists_answers_so_far() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let points = answer_first(&app, &round, 3).await;

    let body = app.round(&round.round_id).await.json();

    let answers = body["answers"].as_array().expect("answers should be an array");
    let answered_ids: HashSet<&str> = answers.iter().filter_map(|answer| answer["scenario_id"].as_str()).collect();
    let expected_ids: HashSet<&str> = round.scenarios.iter().take(3).map(|scenario| scenario.id.as_str()).collect();
    assert_eq!(answered_ids, expected_ids);
    assert_eq!(body["answered"], 3);
    assert_eq!(body["score"], points.iter().sum::<i64>());
    assert_eq!(body["finished"], false);
}

#[tokio::test]
async fn round_finished_after_all() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let played = app.answer_all(&round, Strategy::CorrectThenLowest(5)).await;

    let body = app.round(&round.round_id).await.json();

    let answers = body["answers"].as_array().expect("answers should be an array");
    let listed_points: i64 = answers.iter().filter_map(|answer| answer["points"].as_i64()).sum();
    assert_eq!(answers.len(), ROUND_SIZE);
    assert_eq!(body["answered"], ROUND_SIZE);
    assert_eq!(body["finished"], true);
    assert_eq!(body["score"], listed_points);
    assert_eq!(body["score"], played.score);
    assert_eq!(body["score"], app.stored_points(&round.round_id).await);
    assert_eq!(body["max_score"], 800);
}

#[tokio::test]
async fn round_unknown_id() {
    let app = TestApp::spawn().await;

    let response = app.round("00000000-0000-4000-8000-000000000000").await;

    assert_problem(&response, 404, "not-found");
}
