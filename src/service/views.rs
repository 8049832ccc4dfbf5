//! The shapes the API returns. Field names are part of the public API.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::catalogue::Game;
use crate::domain::scenario::Operation;

#[derive(Debug, Serialize)]
pub struct GamesView {
    pub games: Vec<GameView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GameView {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub concept: String,
    pub difficulty: String,
    pub play_time: String,
    pub path: String,
    pub leaderboard: LeaderboardRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeaderboardRef {
    pub id: String,
    pub metric: String,
}

impl From<&Game> for GameView {
    fn from(game: &Game) -> Self {
        GameView {
            slug: game.slug.clone(),
            title: game.title.clone(),
            summary: game.summary.clone(),
            concept: game.concept.clone(),
            difficulty: game.difficulty.clone(),
            play_time: game.play_time.clone(),
            path: game.path.clone(),
            leaderboard: LeaderboardRef {
                id: game.leaderboard_id.clone(),
                metric: game.leaderboard_metric.clone(),
            },
        }
    }
}

/// A round as dealt, without the answer key, plus the answers given so far.
#[derive(Debug, Serialize)]
pub struct RoundView {
    pub round_id: String,
    pub game: String,
    /// `ranked` (may go on the leaderboard) or `review` (practice only).
    pub kind: String,
    pub created_at: String,
    pub expires_at: String,
    pub scenarios: Vec<DealtScenarioView>,
    pub answers: Vec<AnswerView>,
    pub answered: usize,
    pub score: u32,
    pub max_score: u32,
    pub finished: bool,
    pub concept_scores: Vec<ConceptScoreView>,
}

/// Points earned on the scenarios that train one concept, over the points they offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConceptScoreView {
    pub concept: String,
    pub points: u32,
    pub max_points: u32,
    pub scenarios: u32,
}

/// The bank as listed publicly: what each scenario is about, never its answer key.
#[derive(Debug, Serialize)]
pub struct ScenarioListView {
    pub scenarios: Vec<ScenarioSummaryView>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioSummaryView {
    pub id: String,
    pub category: String,
    pub tier: u8,
    pub concepts: Vec<String>,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct DealtScenarioView {
    pub id: String,
    pub category: String,
    pub tier: u8,
    pub concepts: Vec<String>,
    pub title: String,
    pub operation: Operation,
    pub story: String,
    pub question: String,
    pub options: Vec<OptionView>,
    /// The retry story as an SVG sequence diagram.
    pub timeline_svg: String,
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    pub id: String,
    pub text: String,
}

/// The grade of one answer, with everything the feedback panel shows.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub scenario_id: String,
    pub option_id: String,
    pub verdict: &'static str,
    pub points: u32,
    pub max_points: u32,
    pub explanation: String,
    pub safer_pattern: String,
    pub misconception: Option<String>,
    pub correct_option_id: String,
    pub correct_explanation: String,
    pub contract: String,
    pub source: String,
    /// Sequence diagram (SVG) of what follows under the chosen behaviour.
    pub outcome_svg: String,
    /// Sequence diagram (SVG) of what follows under the best behaviour, or `None` when the
    /// choice was the best.
    pub best_outcome_svg: Option<String>,
}

/// An answer's grade plus the state of the round after it.
#[derive(Debug, Serialize)]
pub struct AnswerOutcomeView {
    #[serde(flatten)]
    pub answer: AnswerView,
    pub round_score: u32,
    pub answered: usize,
    pub round_finished: bool,
    pub concept_scores: Vec<ConceptScoreView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderboardView {
    pub board: String,
    pub metric: String,
    pub entries: Vec<RankedEntryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedEntryView {
    pub rank: i64,
    pub nickname: String,
    pub score: i64,
    pub max_score: i64,
    pub submitted_at: String,
}

/// One entry with its current rank, as returned on submission and by the entry resource.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub entry_id: String,
    pub board: String,
    pub rank: i64,
    pub nickname: String,
    pub score: i64,
    pub max_score: i64,
    pub submitted_at: String,
}

/// Formats Unix epoch milliseconds as an RFC 3339 timestamp in UTC.
pub fn format_millis(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .unwrap_or_default()
}
