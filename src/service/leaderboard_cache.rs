//! A per-instance copy of each top 10, kept for a short time.
//!
//! The top 10 is read on every game page and by every client refresh, and it changes only
//! when someone submits. Each instance keeps the last read for `ttl`; a submission on this
//! instance clears it at once. A submission on another instance shows here within `ttl`:
//! that is the staleness bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::views::LeaderboardView;

/// Each board by game slug, with the moment it was read.
type Boards = HashMap<String, (Instant, Arc<LeaderboardView>)>;

#[derive(Clone)]
pub struct LeaderboardCache {
    ttl: Duration,
    boards: Arc<Mutex<Boards>>,
}

impl LeaderboardCache {
    pub fn new(ttl: Duration) -> Self {
        LeaderboardCache { ttl, boards: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Returns the cached board for `game_slug` if it is younger than the time to live.
    pub fn get(&self, game_slug: &str) -> Option<Arc<LeaderboardView>> {
        let boards = self.lock();
        let (stored_at, board) = boards.get(game_slug)?;
        (stored_at.elapsed() < self.ttl).then(|| board.clone())
    }

    pub fn put(&self, game_slug: &str, board: &Arc<LeaderboardView>) {
        if !self.ttl.is_zero() {
            self.lock().insert(game_slug.to_owned(), (Instant::now(), board.clone()));
        }
    }

    /// Forgets every board, after a change on this instance.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Boards> {
        // The map holds plain copies, so it is consistent even after a panic elsewhere.
        self.boards.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
