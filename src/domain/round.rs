//! Dealing a round: which scenarios a player gets, in which order, with which option order.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bank::{CORE_CATEGORIES, ScenarioBank};

/// Scenarios in one round.
pub const ROUND_SIZE: usize = 8;

/// One scenario as dealt: its id and the content ids of its options in the order shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealtScenario {
    pub scenario_id: String,
    pub option_order: Vec<String>,
}

/// The scenarios of a round in the order they are played.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    pub scenarios: Vec<DealtScenario>,
}

/// Attempts at dealing a round that covers every tier before settling for one that does not.
const TIER_MIX_ATTEMPTS: usize = 32;

/// Deals a round: one scenario from each core category, the rest from the whole bank, with
/// scenario order and every scenario's option order shuffled.
///
/// Scenarios in `seen` are dealt only where a category (or the bank) has no unseen ones
/// left, and the deal mixes all three tiers whenever the candidates allow it.
pub fn deal(bank: &ScenarioBank, seen: &HashSet<&str>, rng: &mut impl Rng) -> Deal {
    let mut chosen = choose_scenarios(bank, seen, rng);
    for _ in 1..TIER_MIX_ATTEMPTS {
        if covers_all_tiers(bank, &chosen) {
            break;
        }
        chosen = choose_scenarios(bank, seen, rng);
    }
    chosen.shuffle(rng);

    let scenarios = chosen
        .into_iter()
        .filter_map(|id| bank.get(id))
        .map(|scenario| {
            let mut option_order: Vec<String> =
                scenario.options.iter().map(|option| option.id.clone()).collect();
            option_order.shuffle(rng);
            DealtScenario { scenario_id: scenario.id.clone(), option_order }
        })
        .collect();
    Deal { scenarios }
}

fn choose_scenarios<'a>(bank: &'a ScenarioBank, seen: &HashSet<&str>, rng: &mut impl Rng) -> Vec<&'a str> {
    let by_category = bank.by_category();
    let mut chosen: Vec<&str> = Vec::with_capacity(ROUND_SIZE);
    for category in CORE_CATEGORIES {
        let Some(scenarios) = by_category.get(category) else { continue };
        let ids: Vec<&str> = scenarios.iter().map(|scenario| scenario.id.as_str()).collect();
        if let Some(id) = prefer_unseen(&ids, seen).choose(rng) {
            chosen.push(id);
        }
    }

    let rest: Vec<&str> = bank
        .scenarios()
        .iter()
        .map(|scenario| scenario.id.as_str())
        .filter(|id| !chosen.contains(id))
        .collect();
    let missing = ROUND_SIZE.saturating_sub(chosen.len());
    let unseen: Vec<&str> = rest.iter().copied().filter(|id| !seen.contains(id)).collect();
    let mut pool = if unseen.len() >= missing { unseen } else { rest };
    pool.shuffle(rng);
    chosen.extend(pool.into_iter().take(missing));
    chosen
}

/// Returns the unseen ids, or all of them when every one was seen.
fn prefer_unseen<'a>(ids: &[&'a str], seen: &HashSet<&str>) -> Vec<&'a str> {
    let unseen: Vec<&str> = ids.iter().copied().filter(|id| !seen.contains(id)).collect();
    if unseen.is_empty() { ids.to_vec() } else { unseen }
}

fn covers_all_tiers(bank: &ScenarioBank, ids: &[&str]) -> bool {
    (1..=3).all(|tier| ids.iter().filter_map(|id| bank.get(id)).any(|scenario| scenario.tier == tier))
}

/// Most scenarios a review round may hold.
pub const MAX_REVIEW_SIZE: usize = ROUND_SIZE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewDealError {
    #[error("a review round needs 1 to {MAX_REVIEW_SIZE} scenario ids, got {0}")]
    WrongSize(usize),
    #[error("scenario {0:?} is listed twice")]
    Duplicate(String),
    #[error("no scenario has the id {0:?}")]
    UnknownScenario(String),
}

/// Deals a review round of exactly the scenarios named, in a shuffled order with shuffled
/// options, so a player can practise the ones they missed.
pub fn deal_review(bank: &ScenarioBank, scenario_ids: &[String], rng: &mut impl Rng) -> Result<Deal, ReviewDealError> {
    if scenario_ids.is_empty() || scenario_ids.len() > MAX_REVIEW_SIZE {
        return Err(ReviewDealError::WrongSize(scenario_ids.len()));
    }
    let mut seen = HashSet::new();
    let mut scenarios = Vec::with_capacity(scenario_ids.len());
    for id in scenario_ids {
        if !seen.insert(id.as_str()) {
            return Err(ReviewDealError::Duplicate(id.clone()));
        }
        let scenario = bank.get(id).ok_or_else(|| ReviewDealError::UnknownScenario(id.clone()))?;
        let mut option_order: Vec<String> = scenario.options.iter().map(|option| option.id.clone()).collect();
        option_order.shuffle(rng);
        scenarios.push(DealtScenario { scenario_id: scenario.id.clone(), option_order });
    }
    scenarios.shuffle(rng);
    Ok(Deal { scenarios })
}

/// Whether a round counts for the leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundKind {
    Ranked,
    Review,
}

impl RoundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::Ranked => "ranked",
            RoundKind::Review => "review",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ranked" => Some(RoundKind::Ranked),
            "review" => Some(RoundKind::Review),
            _ => None,
        }
    }
}

/// Returns the option id a player sees for one option of one round.
///
/// Content ids name the idea behind an option ("replay-stored-response"), which would give
/// the answer away, so the API shows a digest that differs from round to round instead.
pub fn public_option_id(round_id: &str, scenario_id: &str, option_id: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [round_id, scenario_id, option_id] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..6])
}

impl DealtScenario {
    /// Returns the content id of the option a player chose by its public id, if it exists.
    pub fn resolve_option(&self, round_id: &str, public_id: &str) -> Option<&str> {
        self.option_order
            .iter()
            .find(|option_id| public_option_id(round_id, &self.scenario_id, option_id) == public_id)
            .map(String::as_str)
    }
}

impl Deal {
    pub fn scenario(&self, scenario_id: &str) -> Option<&DealtScenario> {
        self.scenarios.iter().find(|dealt| dealt.scenario_id == scenario_id)
    }
}
