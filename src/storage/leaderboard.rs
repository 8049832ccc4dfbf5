//! Leaderboard entries and their ranks.

use sqlx::Row;
use sqlx::any::AnyRow;

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::idempotency::{ClaimRef, StoredResponse, complete_key};
use super::{DatabaseKind, Storage, is_unique_violation};

pub struct NewEntry<'a> {
    pub id: &'a str,
    pub board: &'a str,
    pub round_id: &'a str,
    pub nickname: &'a str,
    pub score: i64,
    pub max_score: i64,
    pub submitted_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRecord {
    pub id: String,
    pub board: String,
    pub round_id: String,
    pub nickname: String,
    pub score: i64,
    pub max_score: i64,
    pub submitted_at: i64,
    pub hidden: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertEntryError {
    #[error("round {round_id} is already on the leaderboard as entry {entry_id}")]
    RoundAlreadyOnBoard { round_id: String, entry_id: String },
    #[error("the idempotency key's lease passed to another request before this one committed")]
    LeaseLost,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const ENTRY_COLUMNS: &str = "id, board, round_id, nickname, score, max_score, submitted_at, hidden";

impl Storage {
    /// Inserts an entry and stores the response on the request's idempotency key, in one
    /// transaction: a crash leaves either both or neither. The unique constraint on
    /// `round_id`, not a prior lookup, keeps a round on the board once, so two racing
    /// submissions cannot both get in.
    ///
    /// The response's rank is the rank at submission. PostgreSQL counts it inside the
    /// transaction. SQLite counts it just before, because the count scans every entry ranked
    /// ahead and would hold the one write lock meanwhile. Entries committed or hidden between
    /// the count and the commit are missed, as they would be a moment later anyway.
    pub async fn insert_entry_completing_key<F>(
        &self,
        entry: &NewEntry<'_>,
        claim: &ClaimRef,
        render_response: F,
    ) -> Result<(EntryRecord, StoredResponse), InsertEntryError>
    where
        F: FnOnce(&EntryRecord, i64) -> StoredResponse,
    {
        let record = EntryRecord {
            id: entry.id.to_owned(),
            board: entry.board.to_owned(),
            round_id: entry.round_id.to_owned(),
            nickname: entry.nickname.to_owned(),
            score: entry.score,
            max_score: entry.max_score,
            submitted_at: entry.submitted_at,
            hidden: false,
        };
        let rank_before = match self.kind {
            DatabaseKind::Sqlite => Some(self.rank_of(&record).await?),
            DatabaseKind::Postgres => None,
        };

        let mut transaction = self.writer().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO leaderboard_entries \
             (id, board, round_id, nickname, score, max_score, submitted_at, hidden) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(entry.id)
        .bind(entry.board)
        .bind(entry.round_id)
        .bind(entry.nickname)
        .bind(entry.score)
        .bind(entry.max_score)
        .bind(entry.submitted_at)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            transaction.rollback().await?;
            if is_unique_violation(&error) {
                if let Some(existing) = self.entry_for_round(entry.round_id).await? {
                    return Err(InsertEntryError::RoundAlreadyOnBoard {
                        round_id: entry.round_id.to_owned(),
                        entry_id: existing.id,
                    });
                }
            }
            return Err(InsertEntryError::Database(error));
        }

        let rank = match rank_before {
            Some(rank) => rank,
            None => rank_from_ahead(rank_query(&record).fetch_one(&mut *transaction).await?.try_get("ahead")?),
        };
        let response = render_response(&record, rank);
        if !complete_key(&mut transaction, claim, &response).await? {
            transaction.rollback().await?;
            return Err(InsertEntryError::LeaseLost);
        }
        transaction.commit().await?;
        Ok((record, response))
    }

    pub async fn entry_for_round(&self, round_id: &str) -> Result<Option<EntryRecord>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM leaderboard_entries WHERE round_id = $1"
        ))
        .bind(round_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    pub async fn find_entry(&self, entry_id: &str) -> Result<Option<EntryRecord>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {ENTRY_COLUMNS} FROM leaderboard_entries WHERE id = $1"))
            .bind(entry_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// Returns the visible entries of a board, best first; ties go to the earlier submission.
    pub async fn top_entries(&self, board: &str, limit: i64) -> Result<Vec<EntryRecord>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM leaderboard_entries WHERE board = $1 AND hidden = 0 \
             ORDER BY score DESC, submitted_at ASC, id ASC LIMIT $2"
        ))
        .bind(board)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Returns the 1-based rank an entry has among the visible entries of its board, by the
    /// same order as [`Storage::top_entries`].
    pub async fn rank_of(&self, entry: &EntryRecord) -> Result<i64, sqlx::Error> {
        let ahead: i64 = rank_query(entry).fetch_one(&self.pool).await?.try_get("ahead")?;
        Ok(rank_from_ahead(ahead))
    }

    /// Hides an entry from the board. Returns false when no entry has that id.
    pub async fn hide_entry(&self, entry_id: &str) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("UPDATE leaderboard_entries SET hidden = 1 WHERE id = $1")
            .bind(entry_id)
            .execute(self.writer())
            .await?;
        Ok(result.rows_affected() > 0)
    }
}

fn entry_from_row(row: &AnyRow) -> Result<EntryRecord, sqlx::Error> {
    let hidden: i64 = row.try_get("hidden")?;
    Ok(EntryRecord {
        id: row.try_get("id")?,
        board: row.try_get("board")?,
        round_id: row.try_get("round_id")?,
        nickname: row.try_get("nickname")?,
        score: row.try_get("score")?,
        max_score: row.try_get("max_score")?,
        submitted_at: row.try_get("submitted_at")?,
        hidden: hidden != 0,
    })
}

/// Counts the visible entries ranked above `entry`: a higher score, or the same score
/// submitted earlier (the id breaks exact ties).
fn rank_query(entry: &EntryRecord) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(
        "SELECT COUNT(*) AS ahead FROM leaderboard_entries WHERE board = $1 AND hidden = 0 AND \
         (score > $2 OR (score = $2 AND (submitted_at < $3 OR (submitted_at = $3 AND id < $4))))",
    )
    .bind(&entry.board)
    .bind(entry.score)
    .bind(entry.submitted_at)
    .bind(&entry.id)
}

fn rank_from_ahead(ahead: i64) -> i64 {
    ahead + 1
}
