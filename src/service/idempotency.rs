//! Claiming an idempotency key before a write, and what to do when it was seen before.

use std::time::Duration;

use crate::domain::idempotency::{Decision, IdempotencyKey, KeyState, RequestFingerprint, decide};
use crate::storage::{ClaimRef, NewClaim, StoredResponse};

use super::{Clinic, ServiceError, now_millis};

/// How long keys live and how long an in-flight claim blocks its key.
#[derive(Debug, Clone)]
pub struct IdempotencySettings {
    /// Retention of a key record; a key seen after it is a new request.
    pub retention: Duration,
    /// Lease of an in-flight claim. A request that crashed holds its key no longer than this.
    pub lease: Duration,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        IdempotencySettings { retention: Duration::from_secs(24 * 60 * 60), lease: Duration::from_secs(10) }
    }
}

/// The outcome of presenting a key.
#[derive(Debug)]
pub enum KeyClaim {
    /// The key is new (or was abandoned): this request runs and must complete or release it.
    Execute(ClaimRef),
    /// The same request finished before: send its stored response again.
    Replay(StoredResponse),
}

/// Attempts at claiming one key before giving up with 409. Each lost attempt means another
/// request changed the record in between, which is rare, so a few are plenty.
const CLAIM_ATTEMPTS: usize = 4;

impl Clinic {
    /// Claims `key` within `scope` for a request with `fingerprint`, following the IETF
    /// draft: new key, run; same request completed, replay; same request in flight, 409;
    /// different request, 422.
    pub async fn claim_key(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
    ) -> Result<KeyClaim, ServiceError> {
        let settings = &self.idempotency;
        for _ in 0..CLAIM_ATTEMPTS {
            let now = now_millis();
            let claim = ClaimRef {
                scope: scope.to_owned(),
                key: key.as_str().to_owned(),
                lease_token: uuid::Uuid::new_v4().to_string(),
            };
            let locked_until = now + settings.lease.as_millis() as i64;
            let claimed = self
                .storage
                .try_claim_key(&NewClaim {
                    scope,
                    key: key.as_str(),
                    fingerprint: fingerprint.as_str(),
                    lease_token: &claim.lease_token,
                    locked_until,
                    created_at: now,
                    expires_at: now + settings.retention.as_millis() as i64,
                })
                .await?;
            if claimed {
                return Ok(KeyClaim::Execute(claim));
            }

            let Some(record) = self.storage.find_key(scope, key.as_str()).await? else {
                // Released or purged since the claim attempt: try to claim again.
                continue;
            };
            let state = match record.response {
                Some(_) => KeyState::Completed,
                None => KeyState::InFlight { lease_expires_at: record.locked_until.unwrap_or(0) },
            };
            let stored_fingerprint = RequestFingerprint::from_stored(record.fingerprint);
            match decide(&stored_fingerprint, &state, record.expires_at, fingerprint, now) {
                Decision::Replay => {
                    let response = record.response.expect("a completed record has a response");
                    tracing::info!(key = %key.log_digest(), scope, "idempotent replay");
                    metrics::counter!("clinic_idempotent_replays_total").increment(1);
                    return Ok(KeyClaim::Replay(response));
                }
                Decision::FingerprintMismatch => return Err(ServiceError::KeyReusedWithDifferentRequest),
                Decision::InFlight { retry_after_secs } => {
                    return Err(ServiceError::KeyInFlight { retry_after_secs });
                }
                Decision::TakeOver => {
                    if self.storage.take_over_key(&claim, locked_until, now).await? {
                        tracing::warn!(key = %key.log_digest(), scope, "took over an abandoned idempotency key");
                        return Ok(KeyClaim::Execute(claim));
                    }
                }
                Decision::Expired => {
                    self.storage.delete_expired_key(scope, key.as_str(), now).await?;
                }
            }
        }
        Err(ServiceError::KeyInFlight { retry_after_secs: 1 })
    }

    /// Gives a claim back without a stored response, after a failure that must not be
    /// replayed. A failed release only delays a retry until the lease ends.
    pub async fn release_key(&self, claim: &ClaimRef) {
        if let Err(error) = self.storage.release_key(claim).await {
            tracing::warn!(%error, scope = claim.scope, "failed to release an idempotency key; it frees itself when its lease ends");
        }
    }

    /// Deletes key records past their retention; runs periodically in the background.
    pub async fn purge_expired_keys(&self) -> Result<u64, ServiceError> {
        Ok(self.storage.purge_expired_keys(now_millis()).await?)
    }
}
