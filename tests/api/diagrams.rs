//! Sequence diagrams in the API: every dealt scenario carries its story as SVG, and every
//! answer carries what happens next.

use crate::helpers::{TestApp, answer_key};

/// Returns the text of the SVG's `<title>`, after checking the markup parses.
fn svg_title(svg: &str) -> String {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|error| panic!("invalid SVG: {error}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    root.children()
        .find(|node| node.tag_name().name() == "title")
        .and_then(|node| node.text())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn dealt_scenarios_carry_story_svg() {
    let app = TestApp::spawn().await;
    let response = app.start_round("idempotency-key-clinic").await;
    assert_eq!(response.status, 201);

    for scenario in response.json()["scenarios"].as_array().unwrap() {
        let svg = scenario["timeline_svg"].as_str().expect("timeline_svg is a string");
        let title = svg_title(svg);
        assert!(title.contains(scenario["title"].as_str().unwrap()), "title {title:?}");
    }
}

#[tokio::test]
async fn wrong_answer_shows_both_outcomes() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let lowest = answer_key::lowest_option(&round.round_id, &scenario.id);

    let body = app.answer(&round.round_id, &scenario.id, &lowest).await.json();

    assert_ne!(body["verdict"], "correct");
    assert!(svg_title(body["outcome_svg"].as_str().unwrap()).starts_with("What happens next with your choice"));
    assert!(svg_title(body["best_outcome_svg"].as_str().unwrap()).starts_with("What happens next with the best choice"));
}

#[tokio::test]
async fn correct_answer_has_no_best_outcome() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let correct = answer_key::correct_option(&round.round_id, &scenario.id);

    let body = app.answer(&round.round_id, &scenario.id, &correct).await.json();

    assert_eq!(body["verdict"], "correct");
    assert!(body["outcome_svg"].as_str().is_some_and(|svg| svg.starts_with("<svg")));
    assert!(body["best_outcome_svg"].is_null());
}
