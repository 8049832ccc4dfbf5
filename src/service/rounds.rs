//! Starting rounds, reading them back and grading answers.

use std::collections::HashSet;

use crate::domain::bank::CONCEPTS;
use crate::domain::round::{self, Deal, DealtScenario, RoundKind, public_option_id};
use crate::diagram::{Diagram, render_svg};
use crate::domain::scenario::{Scenario, ScenarioOption, Verdict};
use crate::domain::scoring::{MAX_POINTS_PER_SCENARIO, max_score};
use crate::storage::{AnswerRecord, NewRound, RoundRecord};

use super::views::*;
use super::{Clinic, ROUND_LIFETIME, ServiceError, now_millis};

/// Parameters a player sends when starting a round.
#[derive(Debug, Clone, Default)]
pub struct RoundRequest {
    /// Scenarios met in recent rounds; a ranked round avoids them while others are left.
    pub seen_scenario_ids: Vec<String>,
    /// Scenarios to practise again; when set, the round is a review round of exactly these.
    pub review_scenario_ids: Option<Vec<String>>,
    /// Finished rounds of the player's own in which the review scenarios were answered.
    pub review_round_ids: Vec<String>,
}

/// A stored round with its deal parsed, ready for grading.
pub(super) struct LoadedRound {
    pub record: RoundRecord,
    pub deal: Deal,
}

impl Clinic {
    /// Deals and stores a new round: a ranked round avoiding `request.seen_scenario_ids`
    /// while unseen scenarios are left, or a review round of exactly the scenarios named.
    pub async fn start_round(&self, game_slug: &str, request: &RoundRequest) -> Result<RoundView, ServiceError> {
        let game = self
            .catalogue
            .game(game_slug)
            .ok_or_else(|| ServiceError::GameNotFound(game_slug.to_owned()))?;

        let (deal, kind) = match &request.review_scenario_ids {
            Some(ids) => {
                self.check_review_sources(ids, &request.review_round_ids).await?;
                (round::deal_review(&self.bank, ids, &mut rand::rng())?, RoundKind::Review)
            }
            None => {
                let seen: HashSet<&str> = request.seen_scenario_ids.iter().map(String::as_str).collect();
                (round::deal(&self.bank, &seen, &mut rand::rng()), RoundKind::Ranked)
            }
        };
        let deal_json = serde_json::to_string(&deal).expect("a deal always serialises");
        let round_id = uuid::Uuid::new_v4().to_string();
        let created_at = now_millis();
        let expires_at = created_at + ROUND_LIFETIME.as_millis() as i64;
        self.storage
            .insert_round(&NewRound {
                id: &round_id,
                game: &game.slug,
                deal: &deal_json,
                kind: kind.as_str(),
                created_at,
                expires_at,
            })
            .await?;
        tracing::info!(round_id = %round_id, game = %game.slug, kind = kind.as_str(), "round dealt");
        metrics::counter!("clinic_rounds_dealt_total").increment(1);

        let record = RoundRecord {
            id: round_id,
            game: game.slug.clone(),
            deal: deal_json,
            kind: kind.as_str().to_owned(),
            created_at,
            expires_at,
        };
        Ok(self.round_view(&LoadedRound { record, deal }, &[]))
    }

    /// Checks that every scenario to review was answered in one of the finished rounds named.
    ///
    /// Review feedback names the best option, so reviewing a scenario that sits in an open
    /// ranked round would reveal that round's answers; a scenario becomes reviewable only
    /// once the player has answered it for real.
    async fn check_review_sources(&self, scenario_ids: &[String], round_ids: &[String]) -> Result<(), ServiceError> {
        let answered: HashSet<String> =
            self.storage.finished_rounds_scenarios(round_ids).await?.into_iter().collect();
        match scenario_ids.iter().find(|id| !answered.contains(*id)) {
            Some(missing) => Err(ServiceError::ReviewScenarioNotAnswered { scenario_id: missing.clone() }),
            None => Ok(()),
        }
    }

    pub async fn round(&self, round_id: &str) -> Result<RoundView, ServiceError> {
        let round = self.load_round(round_id).await?;
        let answers = self.storage.answers(round_id).await?;
        Ok(self.round_view(&round, &answers))
    }

    /// Grades an answer. A scenario keeps its first answer: the same option again returns
    /// the same grade, another option is a conflict.
    pub async fn answer(
        &self,
        round_id: &str,
        scenario_id: &str,
        public_id: &str,
    ) -> Result<AnswerOutcomeView, ServiceError> {
        // Resolve the round, the scenario and the option the player sees.
        let round = self.load_round(round_id).await?;
        if round.record.expires_at <= now_millis() {
            return Err(ServiceError::RoundExpired { round_id: round_id.to_owned() });
        }
        let dealt = round.deal.scenario(scenario_id).ok_or_else(|| ServiceError::ScenarioNotInRound {
            round_id: round_id.to_owned(),
            scenario_id: scenario_id.to_owned(),
        })?;
        let option_id = dealt.resolve_option(round_id, public_id).ok_or_else(|| {
            ServiceError::UnknownOption {
                scenario_id: scenario_id.to_owned(),
                option_id: public_id.to_owned(),
            }
        })?;
        let scenario = self.scenario_of(round_id, dealt)?;
        let option = scenario.option(option_id).ok_or_else(|| ServiceError::UnknownOption {
            scenario_id: scenario_id.to_owned(),
            option_id: public_id.to_owned(),
        })?;

        // Store the first answer; a retry or a second try reads back what is stored.
        let proposed = AnswerRecord {
            scenario_id: scenario_id.to_owned(),
            option_id: option.id.clone(),
            verdict: option.verdict.as_str().to_owned(),
            points: i64::from(option.verdict.points()),
            answered_at: now_millis(),
        };
        let (stored, inserted) = self.storage.insert_first_answer(round_id, &proposed).await?;
        if stored.option_id != proposed.option_id {
            return Err(ServiceError::AnswerConflict {
                scenario_id: scenario_id.to_owned(),
                answered_option_id: public_option_id(round_id, scenario_id, &stored.option_id),
            });
        }

        // Report the grade together with the round's new state.
        let answers = self.storage.answers(round_id).await?;
        let round_score = answers.iter().map(|answer| answer.points.max(0) as u32).sum();
        let answered = answers.len();
        let finished = answered == round.deal.scenarios.len();
        if inserted && finished && self.storage.mark_round_finished(round_id, now_millis()).await? {
            tracing::info!(round_id, score = round_score, "round finished");
            metrics::counter!("clinic_rounds_finished_total").increment(1);
        }
        Ok(AnswerOutcomeView {
            answer: answer_view(round_id, scenario, &stored),
            round_score,
            answered,
            round_finished: finished,
            concept_scores: self.concept_scores(&answers),
        })
    }

    pub(super) async fn load_round(&self, round_id: &str) -> Result<LoadedRound, ServiceError> {
        let record = self
            .storage
            .find_round(round_id)
            .await?
            .ok_or_else(|| ServiceError::RoundNotFound(round_id.to_owned()))?;
        let deal = serde_json::from_str(&record.deal).map_err(|source| ServiceError::CorruptRound {
            round_id: round_id.to_owned(),
            source,
        })?;
        Ok(LoadedRound { record, deal })
    }

    fn scenario_of(&self, round_id: &str, dealt: &DealtScenario) -> Result<&Scenario, ServiceError> {
        // A round dealt before a scenario was retired can name an id the bank lacks.
        self.bank.get(&dealt.scenario_id).ok_or_else(|| ServiceError::CorruptRound {
            round_id: round_id.to_owned(),
            source: serde::de::Error::custom(format!("unknown scenario {}", dealt.scenario_id)),
        })
    }

    /// Adds up the answers' points per concept tag, concepts in the bank's fixed order.
    fn concept_scores(&self, answers: &[AnswerRecord]) -> Vec<ConceptScoreView> {
        let mut scores: Vec<ConceptScoreView> = CONCEPTS
            .iter()
            .map(|concept| ConceptScoreView {
                concept: (*concept).to_owned(),
                points: 0,
                max_points: 0,
                scenarios: 0,
            })
            .collect();
        for answer in answers {
            let Some(scenario) = self.bank.get(&answer.scenario_id) else { continue };
            for score in scores.iter_mut().filter(|score| scenario.concepts.contains(&score.concept)) {
                score.points += answer.points.max(0) as u32;
                score.max_points += MAX_POINTS_PER_SCENARIO;
                score.scenarios += 1;
            }
        }
        scores.retain(|score| score.scenarios > 0);
        scores
    }

    /// Lists the bank for the game without its answer key.
    pub fn scenario_list(&self, game_slug: &str) -> Result<ScenarioListView, ServiceError> {
        self.game(game_slug)?;
        let scenarios = self
            .bank
            .scenarios()
            .iter()
            .map(|scenario| ScenarioSummaryView {
                id: scenario.id.clone(),
                category: scenario.category.clone(),
                tier: scenario.tier,
                concepts: scenario.concepts.clone(),
                title: scenario.title.clone(),
            })
            .collect();
        Ok(ScenarioListView { scenarios })
    }

    fn round_view(&self, round: &LoadedRound, answer_records: &[AnswerRecord]) -> RoundView {
        let round_id = round.record.id.as_str();
        let scenarios: Vec<DealtScenarioView> = round
            .deal
            .scenarios
            .iter()
            .filter_map(|dealt| Some(dealt_view(round_id, self.bank.get(&dealt.scenario_id)?, dealt)))
            .collect();
        let answers: Vec<AnswerView> = answer_records
            .iter()
            .filter_map(|answer| Some(answer_view(round_id, self.bank.get(&answer.scenario_id)?, answer)))
            .collect();
        let score = answers.iter().map(|answer| answer.points).sum();
        let concept_scores = self.concept_scores(answer_records);
        RoundView {
            round_id: round_id.to_owned(),
            game: round.record.game.clone(),
            kind: round.record.kind.clone(),
            created_at: format_millis(round.record.created_at),
            expires_at: format_millis(round.record.expires_at),
            answered: answers.len(),
            finished: answers.len() == round.deal.scenarios.len(),
            max_score: max_score(round.deal.scenarios.len()),
            scenarios,
            answers,
            score,
            concept_scores,
        }
    }
}

fn dealt_view(round_id: &str, scenario: &Scenario, dealt: &DealtScenario) -> DealtScenarioView {
    let options = dealt
        .option_order
        .iter()
        .filter_map(|option_id| scenario.option(option_id))
        .map(|option| OptionView {
            id: public_option_id(round_id, &scenario.id, &option.id),
            text: option.text.clone(),
        })
        .collect();
    DealtScenarioView {
        id: scenario.id.clone(),
        category: scenario.category.clone(),
        tier: scenario.tier,
        concepts: scenario.concepts.clone(),
        title: scenario.title.clone(),
        operation: scenario.operation.clone(),
        story: scenario.story.trim().to_owned(),
        question: scenario.question.clone(),
        options,
        timeline_svg: render_svg(&Diagram {
            id: &format!("story-{}", scenario.id),
            title: &format!("Retry story: {}", scenario.title),
            participants: &scenario.timeline.participants,
            steps: &scenario.timeline.steps,
        }),
    }
}

/// Draws what happens after `option`, on the participants of the scenario's story.
pub fn outcome_svg(scenario: &Scenario, option: &ScenarioOption, id: &str, title: &str) -> String {
    render_svg(&Diagram {
        id,
        title,
        participants: &scenario.timeline.participants,
        steps: &option.outcome,
    })
}

fn answer_view(round_id: &str, scenario: &Scenario, answer: &AnswerRecord) -> AnswerView {
    let correct = scenario.correct_option();
    let chosen = scenario.option(&answer.option_id).unwrap_or(correct);
    let verdict = Verdict::parse(&answer.verdict).unwrap_or(chosen.verdict);
    AnswerView {
        scenario_id: scenario.id.clone(),
        option_id: public_option_id(round_id, &scenario.id, &answer.option_id),
        verdict: verdict.as_str(),
        points: answer.points.max(0) as u32,
        max_points: MAX_POINTS_PER_SCENARIO,
        explanation: chosen.explanation.trim().to_owned(),
        safer_pattern: chosen.safer_pattern.trim().to_owned(),
        misconception: chosen.misconception.clone(),
        correct_option_id: public_option_id(round_id, &scenario.id, &correct.id),
        correct_explanation: correct.explanation.trim().to_owned(),
        contract: scenario.contract.clone(),
        source: scenario.source.clone(),
        outcome_svg: outcome_svg(
            scenario,
            chosen,
            &format!("outcome-{}", scenario.id),
            &format!("What happens next with your choice: {}", chosen.text),
        ),
        best_outcome_svg: (chosen.verdict != Verdict::Correct).then(|| {
            outcome_svg(
                scenario,
                correct,
                &format!("best-{}", scenario.id),
                &format!("What happens next with the best choice: {}", correct.text),
            )
        }),
    }
}
