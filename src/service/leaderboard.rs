//! The public leaderboard: top entries, one entry's rank, and submissions.

use crate::domain::catalogue::Game;
use crate::domain::nickname::Nickname;
use crate::storage::{EntryRecord, InsertEntryError, NewEntry};

use super::views::*;
use super::{Clinic, LEADERBOARD_SIZE, ServiceError, now_millis};

impl Clinic {
    pub fn game(&self, slug: &str) -> Result<&Game, ServiceError> {
        self.catalogue.game(slug).ok_or_else(|| ServiceError::GameNotFound(slug.to_owned()))
    }

    pub async fn leaderboard(&self, game_slug: &str) -> Result<LeaderboardView, ServiceError> {
        let game = self.game(game_slug)?;
        let records = self.storage.top_entries(&game.leaderboard_id, LEADERBOARD_SIZE).await?;
        let entries = records
            .into_iter()
            .zip(1..)
            .map(|(record, rank)| RankedEntryView {
                rank,
                nickname: record.nickname,
                score: record.score,
                max_score: record.max_score,
                submitted_at: format_millis(record.submitted_at),
            })
            .collect();
        Ok(LeaderboardView {
            board: game.leaderboard_id.clone(),
            metric: game.leaderboard_metric.clone(),
            entries,
        })
    }

    pub async fn entry(&self, game_slug: &str, entry_id: &str) -> Result<EntryView, ServiceError> {
        let game = self.game(game_slug)?;
        let record = self
            .storage
            .find_entry(entry_id)
            .await?
            .filter(|record| record.board == game.leaderboard_id && !record.hidden)
            .ok_or_else(|| ServiceError::EntryNotFound(entry_id.to_owned()))?;
        self.entry_view(record).await
    }

    /// Puts a finished round on the leaderboard. The score comes from the stored answers;
    /// nothing the client sends can change it.
    pub async fn submit_entry(
        &self,
        game_slug: &str,
        round_id: &str,
        raw_nickname: &str,
    ) -> Result<EntryView, ServiceError> {
        // Validate what the client sent.
        let game = self.game(game_slug)?;
        let nickname = Nickname::parse(raw_nickname)?;

        // The round must be this game's, finished and still within its lifetime.
        let round = match self.load_round(round_id).await {
            Err(ServiceError::RoundNotFound(_)) => {
                return Err(ServiceError::UnknownRoundInSubmission { round_id: round_id.to_owned() });
            }
            other => other?,
        };
        if round.record.game != game.slug {
            return Err(ServiceError::RoundOfOtherGame {
                round_id: round_id.to_owned(),
                game: round.record.game,
            });
        }
        if round.record.expires_at <= now_millis() {
            return Err(ServiceError::RoundExpired { round_id: round_id.to_owned() });
        }
        let answers = self.storage.answers(round_id).await?;
        let total = round.deal.scenarios.len();
        if answers.len() < total {
            return Err(ServiceError::RoundNotFinished {
                round_id: round_id.to_owned(),
                answered: answers.len(),
                total,
            });
        }

        // Insert; the unique round constraint turns a second submission into a conflict.
        let score: i64 = answers.iter().map(|answer| answer.points).sum();
        let entry_id = uuid::Uuid::new_v4().to_string();
        let inserted = self
            .storage
            .insert_entry(&NewEntry {
                id: &entry_id,
                board: &game.leaderboard_id,
                round_id,
                nickname: nickname.as_str(),
                score,
                max_score: i64::from(crate::domain::scoring::max_score(total)),
                submitted_at: now_millis(),
            })
            .await;
        let record = match inserted {
            Ok(record) => record,
            Err(InsertEntryError::RoundAlreadyOnBoard { round_id, entry_id }) => {
                return Err(ServiceError::RoundAlreadyOnBoard { round_id, entry_id });
            }
            Err(InsertEntryError::Database(error)) => return Err(error.into()),
        };
        tracing::info!(entry_id = %record.id, round_id = %round_id, score, "leaderboard entry created");
        self.entry_view(record).await
    }

    async fn entry_view(&self, record: EntryRecord) -> Result<EntryView, ServiceError> {
        let rank = self.storage.rank_of(&record).await?;
        Ok(EntryView {
            entry_id: record.id,
            board: record.board,
            rank,
            nickname: record.nickname,
            score: record.score,
            max_score: record.max_score,
            submitted_at: format_millis(record.submitted_at),
        })
    }
}
