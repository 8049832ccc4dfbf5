//! Direct calls to the game's JSON API, to prepare finished rounds faster than the page can
//! play them and to read what the server stores and renders.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

pub const GAME_SLUG: &str = "idempotency-key-clinic";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A client for one test server on loopback.
pub struct Api {
    http: reqwest::Client,
    base_url: String,
}

impl Api {
    pub fn new(base_url: &str) -> Api {
        // Without no_proxy, an HTTP_PROXY variable in the environment would route loopback traffic through a proxy.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("build an HTTP client");
        Api { http, base_url: base_url.trim_end_matches('/').to_owned() }
    }

    async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path} failed: {error}"));
        read_json(path, response).await
    }

    /// Deals a ranked round, answers every scenario with its first option and returns the
    /// history entry the game page stores for a finished round, so the page offers it for
    /// submission.
    pub async fn finished_round(&self) -> Value {
        let (status, round) = self.post_json(&format!("/api/games/{GAME_SLUG}/rounds"), &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "dealing a round failed: {round}");
        let round_id = round["round_id"].as_str().expect("the round has an id").to_owned();

        let mut scenarios = Vec::new();
        let mut score = 0;
        for scenario in round["scenarios"].as_array().expect("the round lists its scenarios") {
            let option = &scenario["options"][0];
            let path = format!("/api/rounds/{round_id}/answers");
            let body = json!({ "scenario_id": scenario["id"], "option_id": option["id"] });
            let (status, outcome) = self.post_json(&path, &body).await;
            assert_eq!(status, StatusCode::OK, "answering {} failed: {outcome}", scenario["id"]);
            score = outcome["round_score"].as_u64().expect("the outcome has the round score");
            scenarios.push(json!({
                "id": scenario["id"],
                "title": scenario["title"],
                "category": scenario["category"],
                "concepts": scenario["concepts"],
                "chosen_text": option["text"],
                "verdict": outcome["verdict"],
                "points": outcome["points"],
            }));
        }
        assert_eq!(scenarios.len(), 8, "a ranked round deals 8 scenarios");

        json!({
            "round_id": round_id,
            "kind": "ranked",
            "finished_at": round["created_at"],
            "expires_at": round["expires_at"],
            "score": score,
            "max_score": round["max_score"],
            "scenarios": scenarios,
        })
    }

    /// Submits `round_id` under `nickname` with a fresh Idempotency-Key and returns the
    /// status and the parsed body.
    pub async fn submit_entry(&self, round_id: &str, nickname: &str) -> (StatusCode, Value) {
        let path = format!("/api/leaderboards/{GAME_SLUG}/entries");
        let key = format!("\"xss-test-{}\"", uuid::Uuid::new_v4());
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("Idempotency-Key", key)
            .json(&json!({ "round_id": round_id, "nickname": nickname }))
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST {path} failed: {error}"));
        read_json(&path, response).await
    }

    /// Returns the nicknames of the top 10 entries, in rank order.
    pub async fn leaderboard_nicknames(&self) -> Vec<String> {
        let path = format!("/api/leaderboards/{GAME_SLUG}");
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path} failed: {error}"));
        let (status, board) = read_json(&path, response).await;
        assert_eq!(status, StatusCode::OK, "reading the leaderboard failed: {board}");
        board["entries"]
            .as_array()
            .expect("the leaderboard lists its entries")
            .iter()
            .map(|entry| entry["nickname"].as_str().expect("an entry has a nickname").to_owned())
            .collect()
    }

    /// Returns the HTML source of `path` as the server sends it.
    pub async fn page_source(&self, path: &str) -> String {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path} failed: {error}"));
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap_or_else(|error| panic!("reading the body of {path} failed: {error}"))
    }
}

async fn read_json(path: &str, response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_else(|error| panic!("reading the body of {path} failed: {error}"));
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("the {status} response to {path} is not JSON ({error}): {text}"));
    (status, body)
}
