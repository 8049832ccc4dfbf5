//! Idempotency-key records: claims with a lease, stored responses, expiry.

use sqlx::Row;

use super::Storage;

/// A response stored for replay: status, the headers worth repeating, and the exact body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub fingerprint: String,
    pub lease_token: Option<String>,
    pub locked_until: Option<i64>,
    pub response: Option<StoredResponse>,
    pub expires_at: i64,
}

pub struct NewClaim<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub fingerprint: &'a str,
    pub lease_token: &'a str,
    pub locked_until: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Identifies the claim a request holds, to complete or release it.
#[derive(Debug, Clone)]
pub struct ClaimRef {
    pub scope: String,
    pub key: String,
    pub lease_token: String,
}

impl Storage {
    /// Claims a key for a new request. Returns false when a record for the key exists.
    ///
    /// The claim commits on its own, before the work starts: a concurrent request with the
    /// same key then sees it at once and gets 409, instead of waiting on an uncommitted row.
    pub async fn try_claim_key(&self, claim: &NewClaim<'_>) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO idempotency_keys \
             (scope, idempotency_key, fingerprint, lease_token, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (scope, idempotency_key) DO NOTHING",
        )
        .bind(claim.scope)
        .bind(claim.key)
        .bind(claim.fingerprint)
        .bind(claim.lease_token)
        .bind(claim.locked_until)
        .bind(claim.created_at)
        .bind(claim.expires_at)
        .execute(self.writer())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn find_key(&self, scope: &str, key: &str) -> Result<Option<KeyRecord>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT fingerprint, lease_token, locked_until, response_status, response_headers, \
             response_body, expires_at FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };

        let status: Option<i64> = row.try_get("response_status")?;
        let headers: Option<String> = row.try_get("response_headers")?;
        let body: Option<String> = row.try_get("response_body")?;
        let response = match (status, body) {
            (Some(status), Some(body)) => Some(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                headers: headers
                    .and_then(|text| serde_json::from_str(&text).ok())
                    .unwrap_or_default(),
                body,
            }),
            _ => None,
        };
        Ok(Some(KeyRecord {
            fingerprint: row.try_get("fingerprint")?,
            lease_token: row.try_get("lease_token")?,
            locked_until: row.try_get("locked_until")?,
            response,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Moves an in-flight key whose lease ran out to a new holder. Returns false when another
    /// request took it over first or the first request completed meanwhile.
    pub async fn take_over_key(
        &self,
        claim: &ClaimRef,
        locked_until: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE idempotency_keys SET lease_token = $1, locked_until = $2 \
             WHERE scope = $3 AND idempotency_key = $4 AND response_status IS NULL AND locked_until <= $5",
        )
        .bind(&claim.lease_token)
        .bind(locked_until)
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Deletes one key record if it has outlived its retention.
    pub async fn delete_expired_key(&self, scope: &str, key: &str, now: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 AND expires_at <= $3",
        )
        .bind(scope)
        .bind(key)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Gives up a claim without storing a response, so a corrected retry with the same key
    /// runs as new. Only the holder of the lease can release it.
    pub async fn release_key(&self, claim: &ClaimRef) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 \
             AND lease_token = $3 AND response_status IS NULL",
        )
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(&claim.lease_token)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Deletes every key record past its retention. Returns how many were deleted.
    pub async fn purge_expired_keys(&self, now: i64) -> Result<u64, sqlx::Error> {
        let result = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(result.rows_affected())
    }
}

/// Stores the response on a claimed key inside the caller's transaction. Returns false when
/// the lease was lost to another request, in which case the caller must roll back.
pub(super) async fn complete_key(
    connection: &mut sqlx::AnyConnection,
    claim: &ClaimRef,
    response: &StoredResponse,
) -> Result<bool, sqlx::Error> {
    let headers = serde_json::to_string(&response.headers).expect("header pairs always serialise");
    let result = sqlx::query(
        "UPDATE idempotency_keys SET response_status = $1, response_headers = $2, response_body = $3, \
         lease_token = NULL, locked_until = NULL \
         WHERE scope = $4 AND idempotency_key = $5 AND lease_token = $6 AND response_status IS NULL",
    )
    .bind(i64::from(response.status))
    .bind(headers)
    .bind(&response.body)
    .bind(&claim.scope)
    .bind(&claim.key)
    .bind(&claim.lease_token)
    .execute(&mut *connection)
    .await?;
    Ok(result.rows_affected() == 1)
}
