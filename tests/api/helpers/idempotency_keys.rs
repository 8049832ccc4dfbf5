//! Idempotency-key records: reading them, planting the claim a crashed request leaves
//! behind, and submissions that the endpoint helpers cannot send (raw bodies, raw header
//! bytes, sends whose failure a test expects).

use std::time::{SystemTime, UNIX_EPOCH};

use idempotency_key_clinic::domain::idempotency::RequestFingerprint;
use reqwest::header::HeaderValue;
use serde_json::Value;
use sqlx::Row;

use super::app::TestApp;
use super::client::{ApiClient, ApiResponse, GAME_SLUG};

/// The scope under which the server stores keys of leaderboard submissions.
pub const SUBMISSION_SCOPE: &str = "leaderboard-entries:idempotency-key-clinic";

/// One row of `idempotency_keys`. Times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub scope: String,
    pub key: String,
    pub fingerprint: String,
    pub lease_token: Option<String>,
    pub locked_until: Option<i64>,
    pub response_status: Option<i64>,
    pub response_body: Option<String>,
    pub expires_at: i64,
}

/// Returns the current time in epoch milliseconds, the unit the server stores.
pub fn now_millis() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970");
    i64::try_from(elapsed.as_millis()).expect("epoch milliseconds fit in i64")
}

pub fn submission_path() -> String {
    format!("/api/leaderboards/{GAME_SLUG}/entries")
}

/// Computes the fingerprint the server stores for a submission of `body`, with the server's
/// own code, so a planted claim matches a real request.
pub fn submission_fingerprint(body: &Value) -> String {
    RequestFingerprint::compute("POST", &submission_path(), body).as_str().to_owned()
}

impl TestApp {
    /// Returns every idempotency-key record, ordered by scope and key.
    pub async fn stored_keys(&self) -> Vec<StoredKey> {
        let rows = sqlx::query(
            "SELECT scope, idempotency_key, fingerprint, lease_token, locked_until, response_status, \
             response_body, expires_at FROM idempotency_keys ORDER BY scope, idempotency_key",
        )
        .fetch_all(self.database())
        .await
        .unwrap_or_else(|error| panic!("failed to read idempotency keys: {error}"));
        rows.iter()
            .map(|row| StoredKey {
                scope: row.get("scope"),
                key: row.get("idempotency_key"),
                fingerprint: row.get("fingerprint"),
                lease_token: row.get("lease_token"),
                locked_until: row.get("locked_until"),
                response_status: row.get("response_status"),
                response_body: row.get("response_body"),
                expires_at: row.get("expires_at"),
            })
            .collect()
    }

    /// Inserts the in-flight claim a submission of `body` under `key` leaves when its server
    /// dies before completing it: no response, and a lease that ends at `locked_until`.
    pub async fn insert_in_flight_claim(&self, key: &str, body: &Value, locked_until: i64) {
        let now = now_millis();
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (scope, idempotency_key, fingerprint, lease_token, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(SUBMISSION_SCOPE)
        .bind(key)
        .bind(submission_fingerprint(body))
        .bind("lease-of-a-crashed-request")
        .bind(locked_until)
        .bind(now)
        .bind(now + 60 * 60 * 1000)
        .execute(self.database())
        .await
        .unwrap_or_else(|error| panic!("failed to insert an in-flight claim for key {key:?}: {error}"));
    }
}

impl ApiClient {
    /// Submits `body` exactly as given, as JSON, with `idempotency_key` as raw header bytes.
    pub async fn submit_raw_entry(&self, body: &str, idempotency_key: &[u8]) -> ApiResponse {
        let key = HeaderValue::from_bytes(idempotency_key)
            .unwrap_or_else(|error| panic!("{idempotency_key:?} is not a valid header value: {error}"));
        let request = self
            .http()
            .post(self.url(&submission_path()))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(body.to_owned());
        self.send(request).await
    }

    /// Submits `body` with `idempotency_key` and returns the send error instead of failing
    /// the test, for a server that may die mid-request.
    pub async fn try_submit_entry(&self, body: &Value, idempotency_key: &str) -> Result<ApiResponse, reqwest::Error> {
        let response = self
            .http()
            .post(self.url(&submission_path()))
            .header("idempotency-key", idempotency_key)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await?;
        Ok(ApiResponse { status, headers, body })
    }
}
