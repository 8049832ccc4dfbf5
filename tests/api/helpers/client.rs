//! An HTTP client for one test server, with one helper per endpoint.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::answer_key;
use super::bodies::DealtRound;
use super::server::ServerLog;

/// The slug of the one game the catalogue lists.
pub const GAME_SLUG: &str = "idempotency-key-clinic";

const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A response read in full, so a test can check status, headers and body in any order.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl ApiResponse {
    /// Parses the body as JSON, failing the test with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| {
            panic!("the {} response body is not JSON ({error}): {}", self.status, self.body)
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Returns the media type without parameters such as `charset`.
    pub fn content_type(&self) -> &str {
        let value = self.header("content-type").unwrap_or("");
        value.split(';').next().unwrap_or("").trim()
    }
}

/// How [`ApiClient::play_round`] picks an option for each scenario, in dealing order.
#[derive(Debug, Clone, Copy)]
pub enum Strategy {
    AllCorrect,
    /// The option worth the fewest points everywhere.
    AllLowest,
    /// The correct option for the first n scenarios, the lowest option for the rest.
    CorrectThenLowest(usize),
}

impl Strategy {
    fn picks_correct(self, position: usize) -> bool {
        match self {
            Strategy::AllCorrect => true,
            Strategy::AllLowest => false,
            Strategy::CorrectThenLowest(count) => position < count,
        }
    }
}

/// A finished round and the points its answers earned, as the answer responses reported them.
#[derive(Debug, Clone)]
pub struct PlayedRound {
    pub round_id: String,
    pub score: i64,
}

/// Sends requests to one test server on a loopback address.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    server_log: ServerLog,
}

impl ApiClient {
    pub fn new(address: SocketAddr, server_log: ServerLog) -> ApiClient {
        assert!(address.ip().is_loopback(), "tests only talk to loopback servers, not {address}");
        // No proxy: a proxy from the environment must never see test traffic.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("failed to build the HTTP client");
        ApiClient { http, base_url: format!("http://{address}"), server_log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Returns the underlying HTTP client, for requests no endpoint helper builds, such as a
    /// raw body with an `Idempotency-Key` or a send whose failure the test expects.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    // Generic requests.

    pub async fn send(&self, request: RequestBuilder) -> ApiResponse {
        let response = request.send().await.unwrap_or_else(|error| {
            panic!("request failed: {error:?}\nlast server output:\n{}", self.server_log.tail(20))
        });
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .text()
            .await
            .unwrap_or_else(|error| panic!("failed to read the {status} response body: {error}"));
        ApiResponse { status, headers, body }
    }

    pub async fn request(&self, method: Method, path: &str) -> ApiResponse {
        self.send(self.http.request(method, self.url(path))).await
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.request(Method::GET, path).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> ApiResponse {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// Posts `body` as is, with `content_type` when given.
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: String) -> ApiResponse {
        let mut request = self.http.post(self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        self.send(request).await
    }

    // Games and rounds.

    pub async fn games(&self) -> ApiResponse {
        self.get("/api/games").await
    }

    pub async fn start_round(&self, slug: &str) -> ApiResponse {
        self.send(self.http.post(self.url(&format!("/api/games/{slug}/rounds")))).await
    }

    /// Starts a round with a JSON body, such as `{"seen_scenario_ids": [...]}`.
    pub async fn start_round_with(&self, slug: &str, body: &Value) -> ApiResponse {
        self.post_json(&format!("/api/games/{slug}/rounds"), body).await
    }

    /// Starts a round of the clinic, failing the test unless the server returns 201.
    pub async fn deal_round(&self) -> DealtRound {
        let response = self.start_round(GAME_SLUG).await;
        assert_eq!(response.status, StatusCode::CREATED, "starting a round: {}", response.body);
        serde_json::from_str(&response.body)
            .unwrap_or_else(|error| panic!("the round body does not have the expected shape ({error}): {}", response.body))
    }

    pub async fn round(&self, round_id: &str) -> ApiResponse {
        self.get(&format!("/api/rounds/{round_id}")).await
    }

    pub async fn answer(&self, round_id: &str, scenario_id: &str, option_id: &str) -> ApiResponse {
        let body = json!({ "scenario_id": scenario_id, "option_id": option_id });
        self.post_json(&format!("/api/rounds/{round_id}/answers"), &body).await
    }

    /// Answers every scenario of `round` by `strategy`, failing the test unless each answer
    /// returns 200.
    pub async fn answer_all(&self, round: &DealtRound, strategy: Strategy) -> PlayedRound {
        let mut score = 0;
        for (position, scenario) in round.scenarios.iter().enumerate() {
            let option_id = if strategy.picks_correct(position) {
                answer_key::correct_option(&round.round_id, &scenario.id)
            } else {
                answer_key::lowest_option(&round.round_id, &scenario.id)
            };
            let response = self.answer(&round.round_id, &scenario.id, &option_id).await;
            assert_eq!(response.status, StatusCode::OK, "answering {}: {}", scenario.id, response.body);
            score += response.json()["points"]
                .as_i64()
                .unwrap_or_else(|| panic!("the answer response has no points: {}", response.body));
        }
        PlayedRound { round_id: round.round_id.clone(), score }
    }

    /// Starts a round and answers all its scenarios by `strategy`.
    pub async fn play_round(&self, strategy: Strategy) -> PlayedRound {
        let round = self.deal_round().await;
        self.answer_all(&round, strategy).await
    }

    // Leaderboard.

    /// Submits a round with a fresh `Idempotency-Key`.
    pub async fn submit_entry(&self, round_id: &str, nickname: &str) -> ApiResponse {
        let body = json!({ "round_id": round_id, "nickname": nickname });
        let key = uuid::Uuid::new_v4().to_string();
        self.submit_entry_with(&body, Some(&key)).await
    }

    /// Submits any JSON body, with the given `Idempotency-Key` or none.
    pub async fn submit_entry_with(&self, body: &Value, idempotency_key: Option<&str>) -> ApiResponse {
        let mut request = self.http.post(self.url(&format!("/api/leaderboards/{GAME_SLUG}/entries"))).json(body);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        self.send(request).await
    }

    /// Submits a round and returns the new entry's id, failing the test unless the server
    /// returns 201.
    pub async fn create_entry(&self, round_id: &str, nickname: &str) -> String {
        let response = self.submit_entry(round_id, nickname).await;
        assert_eq!(response.status, StatusCode::CREATED, "submitting {nickname:?}: {}", response.body);
        response.json()["entry_id"]
            .as_str()
            .unwrap_or_else(|| panic!("the entry response has no entry_id: {}", response.body))
            .to_owned()
    }

    pub async fn leaderboard(&self) -> ApiResponse {
        self.get(&format!("/api/leaderboards/{GAME_SLUG}")).await
    }

    pub async fn entry(&self, entry_id: &str) -> ApiResponse {
        self.get(&format!("/api/leaderboards/{GAME_SLUG}/entries/{entry_id}")).await
    }
}
