//! The public leaderboard: top entries, one entry's rank, and submissions.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::catalogue::Game;
use crate::domain::idempotency::{IdempotencyKey, RequestFingerprint};
use crate::domain::nickname::Nickname;
use crate::domain::round::RoundKind;
use crate::domain::scoring::max_score;
use crate::storage::{ClaimRef, EntryRecord, InsertEntryError, NewEntry, StoredResponse, is_transient};

use super::idempotency::KeyClaim;

/// Attempts at a submission when the database fails transiently: 50 ms, then 200 ms apart.
const TRANSIENT_ATTEMPTS: u32 = 3;
use super::views::*;
use super::{Clinic, LEADERBOARD_SIZE, ServiceError, now_millis};

impl Clinic {
    pub fn game(&self, slug: &str) -> Result<&Game, ServiceError> {
        self.catalogue.game(slug).ok_or_else(|| ServiceError::GameNotFound(slug.to_owned()))
    }

    /// Returns the top 10, at most the leaderboard cache's time to live old. While the cache
    /// contains a board, every caller gets the same shared copy.
    pub async fn leaderboard(&self, game_slug: &str) -> Result<Arc<LeaderboardView>, ServiceError> {
        let game = self.game(game_slug)?;
        if let Some(board) = self.leaderboard_cache.get(&game.slug) {
            return Ok(board);
        }
        let generation = self.leaderboard_cache.generation();
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
        let board = Arc::new(LeaderboardView {
            board: game.leaderboard_id.clone(),
            metric: game.leaderboard_metric.clone(),
            entries,
        });
        self.leaderboard_cache.put(&game.slug, &board, generation);
        Ok(board)
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

    /// Puts a finished round on the leaderboard under an idempotency key. The score comes
    /// from the stored answers; nothing the client sends can change it. A retry with the same
    /// key and request gets the first response again, marked as replayed.
    pub async fn submit_entry(
        &self,
        game_slug: &str,
        submission: &EntrySubmission,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
    ) -> Result<SubmittedEntry, ServiceError> {
        let game = self.game(game_slug)?;
        let scope = format!("leaderboard-entries:{}", game.slug);
        let claim = match self.claim_key(&scope, key, fingerprint).await? {
            KeyClaim::Replay(response) => return Ok(SubmittedEntry { response, replayed: true }),
            KeyClaim::Execute(claim) => claim,
        };

        match self.create_entry_retrying(game, submission, &claim).await {
            Ok(response) => Ok(SubmittedEntry { response, replayed: false }),
            // Another request holds the lease now and will store its own response.
            Err(error @ ServiceError::KeyInFlight { .. }) => Err(error),
            Err(error) => {
                // Validation failures and rolled-back errors store nothing, so a corrected
                // or repeated request with the same key runs again.
                self.release_key(&claim).await;
                Err(error)
            }
        }
    }

    /// Runs [`Clinic::create_entry`] again after transient database failures, with a short
    /// growing pause. Each failed attempt rolled back, so a retry cannot double the entry.
    async fn create_entry_retrying(
        &self,
        game: &Game,
        submission: &EntrySubmission,
        claim: &ClaimRef,
    ) -> Result<StoredResponse, ServiceError> {
        let mut pause = Duration::from_millis(50);
        for attempt in 1.. {
            match self.create_entry(game, submission, claim).await {
                Err(ServiceError::Database(error)) if is_transient(&error) && attempt < TRANSIENT_ATTEMPTS => {
                    tracing::warn!(%error, attempt, "transient database failure; retrying the submission");
                    tokio::time::sleep(pause).await;
                    pause *= 4;
                }
                result => return result,
            }
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn create_entry(
        &self,
        game: &Game,
        submission: &EntrySubmission,
        claim: &ClaimRef,
    ) -> Result<StoredResponse, ServiceError> {
        // Validate the nickname.
        let nickname = Nickname::parse(&submission.nickname)?;
        let round_id = submission.round_id.as_str();

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
        if round.record.kind != RoundKind::Ranked.as_str() {
            return Err(ServiceError::ReviewRoundNotRanked { round_id: round_id.to_owned() });
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

        // Insert the entry and store the response on the key in one transaction.
        let score: i64 = answers.iter().map(|answer| answer.points).sum();
        let entry_id = uuid::Uuid::new_v4().to_string();
        let new_entry = NewEntry {
            id: &entry_id,
            board: &game.leaderboard_id,
            round_id,
            nickname: nickname.as_str(),
            score,
            max_score: i64::from(max_score(total)),
            submitted_at: now_millis(),
        };
        let inserted = self
            .storage
            .insert_entry_completing_key(&new_entry, claim, |record, rank| {
                created_response(&game.slug, entry_view(record.clone(), rank))
            })
            .await;
        match inserted {
            Ok((record, response)) => {
                tracing::info!(entry_id = %record.id, round_id, score, "leaderboard entry created");
                metrics::counter!("clinic_leaderboard_entries_created_total").increment(1);
                self.leaderboard_cache.clear();
                Ok(response)
            }
            Err(InsertEntryError::RoundAlreadyOnBoard { round_id, entry_id }) => {
                Err(ServiceError::RoundAlreadyOnBoard { round_id, entry_id })
            }
            Err(InsertEntryError::LeaseLost) => Err(ServiceError::KeyInFlight { retry_after_secs: 1 }),
            Err(InsertEntryError::Database(error)) => Err(error.into()),
        }
    }

    async fn entry_view(&self, record: EntryRecord) -> Result<EntryView, ServiceError> {
        let rank = self.storage.rank_of(&record).await?;
        Ok(entry_view(record, rank))
    }
}

/// What the client sent to submit a round.
#[derive(Debug, Clone)]
pub struct EntrySubmission {
    pub round_id: String,
    pub nickname: String,
}

/// A submission's response and whether it is a replay of an earlier one.
#[derive(Debug)]
pub struct SubmittedEntry {
    pub response: StoredResponse,
    pub replayed: bool,
}

fn entry_view(record: EntryRecord, rank: i64) -> EntryView {
    EntryView {
        entry_id: record.id,
        board: record.board,
        rank,
        nickname: record.nickname,
        score: record.score,
        max_score: record.max_score,
        submitted_at: format_millis(record.submitted_at),
    }
}

/// Renders the 201 response once, so a replay can send exactly the same bytes.
fn created_response(game_slug: &str, entry: EntryView) -> StoredResponse {
    let location = format!("/api/leaderboards/{game_slug}/entries/{}", entry.entry_id);
    StoredResponse {
        status: 201,
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("location".to_owned(), location),
        ],
        body: serde_json::to_string(&entry).expect("an entry always serialises"),
    }
}
