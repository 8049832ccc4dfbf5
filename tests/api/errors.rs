//! Error responses shared by the whole API, routing errors, probes and security headers.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{ApiResponse, GAME_SLUG, TestApp, assert_problem, assert_problem_shape};

const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

fn assert_security_headers(response: &ApiResponse, request: &str) {
    let policy = response.header("content-security-policy").unwrap_or("");
    assert!(!policy.is_empty(), "{request}: no Content-Security-Policy header");
    assert!(!policy.contains("'unsafe-inline'"), "{request}: the policy allows inline code: {policy}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{request}");
}

#[tokio::test]
async fn api_errors_are_problems() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;
    let scenario = &round.scenarios[0];
    let answers_path = format!("/api/rounds/{}/answers", round.round_id);
    app.answer(&round.round_id, &scenario.id, &scenario.options[0].id).await;

    let cases = [
        ("unknown game", app.start_round("no-such-game").await),
        ("unknown round", app.round(UNKNOWN_ID).await),
        ("unknown entry", app.entry(UNKNOWN_ID).await),
        ("unknown route", app.get("/api/no-such-route").await),
        ("method not allowed", app.request(Method::DELETE, "/api/games").await),
        ("malformed JSON", app.post_raw(&answers_path, Some("application/json"), "{".to_owned()).await),
        ("missing field", app.post_json(&answers_path, &json!({ "option_id": "x" })).await),
        ("wrong content type", app.post_raw(&answers_path, Some("text/plain"), "{}".to_owned()).await),
        ("oversized body", app.post_raw(&answers_path, Some("application/json"), format!("\"{}\"", "x".repeat(17 * 1024))).await),
        ("unknown option", app.answer(&round.round_id, &scenario.id, "ffffffffffff").await),
        ("changed answer", app.answer(&round.round_id, &scenario.id, &scenario.options[1].id).await),
        ("unfinished round", app.submit_entry(&round.round_id, "Ada").await),
        ("unknown round submitted", app.submit_entry(UNKNOWN_ID, "Ada").await),
    ];

    for (case, response) in &cases {
        assert!(response.status.as_u16() >= 400, "{case}: status {}", response.status);
        assert_eq!(response.content_type(), "application/problem+json", "{case}: {}", response.body);
        assert_problem_shape(response);
    }
}

#[tokio::test]
async fn unknown_api_route() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/no-such-route").await;

    assert_problem(&response, 404, "not-found");
}

#[tokio::test]
async fn delete_games_not_allowed() {
    let app = TestApp::spawn().await;

    let response = app.request(Method::DELETE, "/api/games").await;

    assert_problem(&response, 405, "method-not-allowed");
    let allow = response.header("allow").unwrap_or("");
    assert!(allow.contains("GET"), "Allow header {allow:?} should list GET");
    assert!(!allow.contains("DELETE"), "Allow header {allow:?} lists DELETE");
}

#[tokio::test]
async fn get_answers_not_allowed() {
    let app = TestApp::spawn().await;
    let round = app.deal_round().await;

    let response = app.get(&format!("/api/rounds/{}/answers", round.round_id)).await;

    assert_problem(&response, 405, "method-not-allowed");
    let allow = response.header("allow").unwrap_or("");
    assert!(allow.contains("POST"), "Allow header {allow:?} should list POST");
}

#[tokio::test]
async fn healthz_ok() {
    let app = TestApp::spawn().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn readyz_ok() {
    let app = TestApp::spawn().await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn security_headers_on_api() {
    let app = TestApp::spawn().await;

    assert_security_headers(&app.games().await, "GET /api/games");
    assert_security_headers(&app.start_round(GAME_SLUG).await, "POST rounds");
    assert_security_headers(&app.get("/api/no-such-route").await, "unknown API route");
}

#[tokio::test]
async fn security_headers_on_pages() {
    let app = TestApp::spawn().await;

    assert_security_headers(&app.get("/").await, "catalogue page");
    assert_security_headers(&app.get(&format!("/games/{GAME_SLUG}/")).await, "game page");
    assert_security_headers(&app.get("/no-such-page").await, "not-found page");
}

#[tokio::test]
async fn request_id_is_returned() {
    let app = TestApp::spawn().await;

    let response = app.games().await;

    let request_id = response.header("x-request-id").unwrap_or("");
    assert!(!request_id.is_empty(), "no x-request-id header");
}

#[tokio::test]
async fn hsts_only_when_enabled() {
    let plain = TestApp::spawn().await;
    let over_tls = TestApp::spawn_with("clinic.db", &[("CLINIC_HSTS", "on")]).await;

    let without = plain.get("/").await;
    let with = over_tls.get("/").await;

    assert_eq!(without.header("strict-transport-security"), None);
    assert_eq!(with.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
}
