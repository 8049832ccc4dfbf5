//! Everything a use case can fail with, named in the game's own terms.

use crate::domain::nickname::NicknameError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no game has the slug {0:?}")]
    GameNotFound(String),
    #[error("no round has the id {0:?}")]
    RoundNotFound(String),
    #[error("scenario {scenario_id:?} is not part of round {round_id}")]
    ScenarioNotInRound { round_id: String, scenario_id: String },
    #[error("scenario {scenario_id:?} has no option {option_id:?} in this round")]
    UnknownOption { scenario_id: String, option_id: String },
    #[error("scenario {scenario_id:?} was already answered with option {answered_option_id:?}; a round keeps the first answer")]
    AnswerConflict { scenario_id: String, answered_option_id: String },
    #[error("round {round_id} expired; start a new round")]
    RoundExpired { round_id: String },
    #[error("round {round_id:?} was not dealt by this server")]
    UnknownRoundInSubmission { round_id: String },
    #[error("round {round_id} belongs to game {game:?}, not to this leaderboard")]
    RoundOfOtherGame { round_id: String, game: String },
    #[error("round {round_id} is not finished: {answered} of {total} scenarios are answered")]
    RoundNotFinished { round_id: String, answered: usize, total: usize },
    #[error("round {round_id} is already on the leaderboard as entry {entry_id}")]
    RoundAlreadyOnBoard { round_id: String, entry_id: String },
    #[error("invalid review round: {0}")]
    InvalidReviewRound(#[from] crate::domain::round::ReviewDealError),
    #[error("scenario {scenario_id:?} was not answered in any finished round listed in review_round_ids; only scenarios already played can be reviewed")]
    ReviewScenarioNotAnswered { scenario_id: String },
    #[error("round {round_id} is a review round; review rounds earn experience but are not ranked")]
    ReviewRoundNotRanked { round_id: String },
    #[error("invalid nickname: {0}")]
    InvalidNickname(#[from] NicknameError),
    #[error("no leaderboard entry has the id {0:?}")]
    EntryNotFound(String),
    #[error("this Idempotency-Key was already used with a different request; use a new key for a new request")]
    KeyReusedWithDifferentRequest,
    #[error("a request with this Idempotency-Key is still in progress; retry after {retry_after_secs} s")]
    KeyInFlight { retry_after_secs: u64 },
    #[error("the stored round {round_id} cannot be read")]
    CorruptRound { round_id: String, #[source] source: serde_json::Error },
    #[error("database operation failed")]
    Database(#[from] sqlx::Error),
}
