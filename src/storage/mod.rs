//! Persistence behind one type, [`Storage`]. Callers never learn whether SQLite or PostgreSQL
//! runs underneath: the SQL here is written to be accepted by both, and the few places where
//! they differ are decided inside this module.

mod connect;
mod idempotency;
mod leaderboard;
mod rounds;

pub use connect::{DatabaseKind, PoolSettings};
pub use idempotency::{ClaimRef, KeyRecord, NewClaim, StoredResponse};
pub use leaderboard::{EntryRecord, InsertEntryError, NewEntry};
pub use rounds::{AnswerRecord, NewRound, RoundRecord};

use sqlx::AnyPool;

#[derive(Clone, Debug)]
pub struct Storage {
    pool: AnyPool,
    kind: DatabaseKind,
}

impl Storage {
    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// Runs a trivial query, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Returns whether an error is a violation of a unique or primary-key constraint.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|database| database.is_unique_violation())
}
