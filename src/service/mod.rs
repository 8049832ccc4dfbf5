//! What the game does for a caller, in the order a player meets it: start a round, answer,
//! submit to the leaderboard. Each operation loads through [`Storage`], applies the domain
//! rules and returns a view ready to serialise; no HTTP type appears here.

mod error;
mod idempotency;
mod leaderboard;
mod leaderboard_cache;
mod rounds;
mod views;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use error::ServiceError;
pub use idempotency::{IdempotencySettings, KeyClaim};
pub use leaderboard::{EntrySubmission, SubmittedEntry};
pub use leaderboard_cache::LeaderboardCache;
pub use rounds::RoundRequest;
pub use views::*;

use crate::domain::bank::ScenarioBank;
use crate::domain::catalogue::Catalogue;
use crate::storage::Storage;

/// How long a dealt round can be answered and submitted.
pub const ROUND_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Entries shown on a leaderboard.
pub const LEADERBOARD_SIZE: i64 = 10;

#[derive(Clone)]
pub struct Clinic {
    pub storage: Storage,
    pub bank: Arc<ScenarioBank>,
    pub catalogue: Arc<Catalogue>,
    pub idempotency: IdempotencySettings,
    pub leaderboard_cache: LeaderboardCache,
}

impl Clinic {
    pub fn new(
        storage: Storage,
        bank: ScenarioBank,
        catalogue: Catalogue,
        idempotency: IdempotencySettings,
        leaderboard_cache: LeaderboardCache,
    ) -> Self {
        Clinic { storage, bank: Arc::new(bank), catalogue: Arc::new(catalogue), idempotency, leaderboard_cache }
    }

    pub fn games(&self) -> GamesView {
        GamesView { games: self.catalogue.games.iter().map(GameView::from).collect() }
    }
}

/// Returns the current time in Unix epoch milliseconds, the unit every stored time uses.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}
