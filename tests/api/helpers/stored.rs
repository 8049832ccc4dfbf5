//! Reading the rows the server stored, through the test's own connection pool.

use sqlx::Row;

use super::app::TestApp;

/// The tables a test may count rows in.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Rounds,
    Answers,
    LeaderboardEntries,
    IdempotencyKeys,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Rounds => "rounds",
            Table::Answers => "answers",
            Table::LeaderboardEntries => "leaderboard_entries",
            Table::IdempotencyKeys => "idempotency_keys",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRound {
    pub id: String,
    pub game: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub scenario_id: String,
    /// The content id, not the id the round shows.
    pub option_id: String,
    pub verdict: String,
    pub points: i64,
    pub answered_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: String,
    pub round_id: String,
    pub nickname: String,
    pub score: i64,
    pub max_score: i64,
    pub hidden: bool,
}

impl TestApp {
    pub async fn count_rows(&self, table: Table) -> i64 {
        let query = format!("SELECT COUNT(*) AS row_count FROM {}", table.name());
        sqlx::query(&query)
            .fetch_one(self.database())
            .await
            .and_then(|row| row.try_get("row_count"))
            .unwrap_or_else(|error| panic!("failed to count rows in {}: {error}", table.name()))
    }

    pub async fn stored_rounds(&self) -> Vec<StoredRound> {
        let rows = sqlx::query("SELECT id, game FROM rounds ORDER BY created_at, id")
            .fetch_all(self.database())
            .await
            .unwrap_or_else(|error| panic!("failed to read rounds: {error}"));
        rows.iter()
            .map(|row| StoredRound {
                id: row.get("id"),
                game: row.get("game"),
            })
            .collect()
    }

    /// Returns a round's stored answers, ordered by scenario id.
    pub async fn stored_answers(&self, round_id: &str) -> Vec<StoredAnswer> {
        let rows = sqlx::query(
            "SELECT scenario_id, option_id, verdict, points, answered_at FROM answers \
             WHERE round_id = $1 ORDER BY scenario_id",
        )
        .bind(round_id)
        .fetch_all(self.database())
        .await
        .unwrap_or_else(|error| panic!("failed to read the answers of round {round_id}: {error}"));
        rows.iter()
            .map(|row| StoredAnswer {
                scenario_id: row.get("scenario_id"),
                option_id: row.get("option_id"),
                verdict: row.get("verdict"),
                points: row.get("points"),
                answered_at: row.get("answered_at"),
            })
            .collect()
    }

    /// Returns the sum of the points stored for a round's answers.
    pub async fn stored_points(&self, round_id: &str) -> i64 {
        self.stored_answers(round_id).await.iter().map(|answer| answer.points).sum()
    }

    /// Returns every leaderboard entry, hidden ones included, ordered by id.
    pub async fn stored_entries(&self) -> Vec<StoredEntry> {
        let rows = sqlx::query(
            "SELECT id, round_id, nickname, score, max_score, hidden FROM leaderboard_entries ORDER BY id",
        )
        .fetch_all(self.database())
        .await
        .unwrap_or_else(|error| panic!("failed to read leaderboard entries: {error}"));
        rows.iter()
            .map(|row| StoredEntry {
                id: row.get("id"),
                round_id: row.get("round_id"),
                nickname: row.get("nickname"),
                score: row.get("score"),
                max_score: row.get("max_score"),
                hidden: row.get::<i64, _>("hidden") != 0,
            })
            .collect()
    }
}
