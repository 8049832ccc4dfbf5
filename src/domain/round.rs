//! Dealing a round: which scenarios a player gets, in which order, with which option order.

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

/// Deals a round: one scenario from each core category, the rest from the whole bank, then
/// shuffles both the scenario order and every scenario's option order.
pub fn deal(bank: &ScenarioBank, rng: &mut impl Rng) -> Deal {
    let by_category = bank.by_category();
    let mut chosen: Vec<&str> = CORE_CATEGORIES
        .iter()
        .filter_map(|category| by_category.get(category)?.choose(rng))
        .map(|scenario| scenario.id.as_str())
        .collect();

    let mut remaining: Vec<&str> = bank
        .scenarios()
        .iter()
        .map(|scenario| scenario.id.as_str())
        .filter(|id| !chosen.contains(id))
        .collect();
    remaining.shuffle(rng);
    let missing = ROUND_SIZE.saturating_sub(chosen.len());
    chosen.extend(remaining.into_iter().take(missing));
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
