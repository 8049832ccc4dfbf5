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
#[derive(Default)]
struct Boards {
    by_game: HashMap<String, (Instant, Arc<LeaderboardView>)>,
    /// Counts the clears, so a read that began before a change is not stored after it.
    generation: u64,
}

#[derive(Clone)]
pub struct LeaderboardCache {
    ttl: Duration,
    boards: Arc<Mutex<Boards>>,
}

impl LeaderboardCache {
    pub fn new(ttl: Duration) -> Self {
        LeaderboardCache { ttl, boards: Arc::new(Mutex::new(Boards::default())) }
    }

    /// Returns the cached board for `game_slug` if it is younger than the time to live.
    pub fn get(&self, game_slug: &str) -> Option<Arc<LeaderboardView>> {
        let boards = self.lock();
        let (stored_at, board) = boards.by_game.get(game_slug)?;
        (stored_at.elapsed() < self.ttl).then(|| board.clone())
    }

    /// Returns the current generation. Take it before reading a board from the database and
    /// hand it to [`LeaderboardCache::put`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Stores a board read from the database, unless the cache was cleared since the read
    /// began at `generation`: that board may lack the change that caused the clear.
    pub fn put(&self, game_slug: &str, board: &Arc<LeaderboardView>, generation: u64) {
        let mut boards = self.lock();
        if !self.ttl.is_zero() && boards.generation == generation {
            boards.by_game.insert(game_slug.to_owned(), (Instant::now(), board.clone()));
        }
    }

    /// Forgets every board, after a change on this instance.
    pub fn clear(&self) {
        let mut boards = self.lock();
        boards.generation += 1;
        boards.by_game.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Boards> {
        // The map holds plain copies, so it is consistent even after a panic elsewhere.
        self.boards.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(nickname: &str) -> Arc<LeaderboardView> {
        Arc::new(LeaderboardView {
            board: "board".to_owned(),
            metric: "score".to_owned(),
            entries: vec![super::super::views::RankedEntryView {
                rank: 1,
                nickname: nickname.to_owned(),
                score: 800,
                max_score: 800,
                submitted_at: "2026-12-04T00:00:00Z".to_owned(),
            }],
        })
    }

    #[test]
    fn read_before_a_clear_is_not_kept() {
        let cache = LeaderboardCache::new(Duration::from_secs(60));
        let generation = cache.generation();
        // A submission commits and clears the cache while the read is still running.
        cache.clear();

        cache.put("game", &board("old"), generation);

        assert!(cache.get("game").is_none());
    }

    #[test]
    fn read_after_a_clear_is_kept() {
        let cache = LeaderboardCache::new(Duration::from_secs(60));
        cache.clear();
        let generation = cache.generation();

        cache.put("game", &board("new"), generation);

        assert_eq!(cache.get("game").unwrap().entries[0].nickname, "new");
    }
}
