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
    /// Connections for reads, and for writes too on PostgreSQL.
    pool: AnyPool,
    /// For a SQLite file, one connection that makes every write. SQLite lets one writer at a
    /// time hold its lock, and writers that contend for it sleep and poll, so queueing
    /// writes for one connection is both faster and fairer.
    own_writer: Option<AnyPool>,
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

    /// Returns the number of open connections of the shared pool, the one that
    /// `PoolSettings::max_connections` sizes, and how many of them are idle.
    pub fn pool_connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Returns whether the one SQLite writing connection is open, or `None` where writes
    /// share the pool.
    pub fn writer_connected(&self) -> Option<bool> {
        self.own_writer.as_ref().map(|writer| writer.size() > 0)
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.own_writer {
            writer.close().await;
        }
        self.pool.close().await;
    }

    /// Returns the pool that writes go through.
    fn writer(&self) -> &AnyPool {
        self.own_writer.as_ref().unwrap_or(&self.pool)
    }
}

/// Returns whether an error is a violation of a unique or primary-key constraint.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|database| database.is_unique_violation())
}

/// Returns whether an error may pass if the same work is tried again: the pool or the
/// connection failed, or PostgreSQL aborted the transaction for a serialization failure,
/// a deadlock, a shutdown or a lost connection (SQLSTATE classes 08, 40 and 57P).
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("40") || code.starts_with("57P")
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) after the busy timeout.
                || code == "5" || code == "6"
        }),
        _ => false,
    }
}
