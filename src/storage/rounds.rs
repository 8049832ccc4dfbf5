//! Rounds and their answers.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Storage;

pub struct NewRound<'a> {
    pub id: &'a str,
    pub game: &'a str,
    /// The deal as JSON, so the round replays exactly as dealt.
    pub deal: &'a str,
    /// `ranked` or `review`.
    pub kind: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct RoundRecord {
    pub id: String,
    pub game: String,
    pub deal: String,
    pub kind: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub scenario_id: String,
    pub option_id: String,
    pub verdict: String,
    pub points: i64,
    pub answered_at: i64,
}

impl Storage {
    pub async fn insert_round(&self, round: &NewRound<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO rounds (id, game, deal, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(round.id)
        .bind(round.game)
        .bind(round.deal)
        .bind(round.kind)
        .bind(round.created_at)
        .bind(round.expires_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn find_round(&self, id: &str) -> Result<Option<RoundRecord>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, game, deal, kind, created_at, expires_at FROM rounds WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(RoundRecord {
                id: row.try_get("id")?,
                game: row.try_get("game")?,
                deal: row.try_get("deal")?,
                kind: row.try_get("kind")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Returns the answers of a round in the order they were given.
    pub async fn answers(&self, round_id: &str) -> Result<Vec<AnswerRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT scenario_id, option_id, verdict, points, answered_at FROM answers \
             WHERE round_id = $1 ORDER BY answered_at, scenario_id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// Stores the first answer to a scenario of a round. Returns the answer that is stored
    /// afterwards (the new one, or the earlier one when the scenario was already answered)
    /// and whether this call inserted it.
    pub async fn insert_first_answer(
        &self,
        round_id: &str,
        answer: &AnswerRecord,
    ) -> Result<(AnswerRecord, bool), sqlx::Error> {
        // The primary key decides which answer wins, so two racing requests cannot both
        // record one; the loser reads the winner's row below.
        let inserted = sqlx::query(
            "INSERT INTO answers (round_id, scenario_id, option_id, verdict, points, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (round_id, scenario_id) DO NOTHING",
        )
        .bind(round_id)
        .bind(&answer.scenario_id)
        .bind(&answer.option_id)
        .bind(&answer.verdict)
        .bind(answer.points)
        .bind(answer.answered_at)
        .execute(self.writer())
        .await?
        .rows_affected()
            == 1;

        let row = sqlx::query(
            "SELECT scenario_id, option_id, verdict, points, answered_at FROM answers \
             WHERE round_id = $1 AND scenario_id = $2",
        )
        .bind(round_id)
        .bind(&answer.scenario_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((answer_from_row(&row)?, inserted))
    }
}

impl Storage {
    /// Returns the scenarios answered in those of `round_ids` that are finished.
    pub async fn finished_rounds_scenarios(&self, round_ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
        if round_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=round_ids.len()).map(|position| format!("${position}")).collect();
        let sql = format!(
            "SELECT DISTINCT a.scenario_id FROM answers a JOIN rounds r ON r.id = a.round_id \
             WHERE r.finished_at IS NOT NULL AND a.round_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for round_id in round_ids {
            query = query.bind(round_id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(|row| row.try_get("scenario_id")).collect()
    }

    /// Records when a round was finished. Returns true only for the call that set it, so
    /// racing final answers report the finish once.
    pub async fn mark_round_finished(&self, round_id: &str, finished_at: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("UPDATE rounds SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
            .bind(finished_at)
            .bind(round_id)
            .execute(self.writer())
            .await?;
        Ok(result.rows_affected() == 1)
    }
}

fn answer_from_row(row: &AnyRow) -> Result<AnswerRecord, sqlx::Error> {
    Ok(AnswerRecord {
        scenario_id: row.try_get("scenario_id")?,
        option_id: row.try_get("option_id")?,
        verdict: row.try_get("verdict")?,
        points: row.try_get("points")?,
        answered_at: row.try_get("answered_at")?,
    })
}
