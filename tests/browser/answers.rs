//! The answer key, read from the content the server embeds, so a browser test can choose an
//! option by its verdict. The page shows each option under a public id that depends on the
//! round, so the key is computed from the round id and the scenario id the page shows.

use std::sync::OnceLock;

use idempotency_key_clinic::content::load_bank;
use idempotency_key_clinic::domain::bank::ScenarioBank;
use idempotency_key_clinic::domain::round::public_option_id;
use idempotency_key_clinic::domain::scenario::{Scenario, Verdict};

fn bank() -> &'static ScenarioBank {
    static BANK: OnceLock<ScenarioBank> = OnceLock::new();
    BANK.get_or_init(|| load_bank().expect("the embedded scenario bank should load"))
}

fn scenario(scenario_id: &str) -> &'static Scenario {
    bank()
        .get(scenario_id)
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} is not in the content bank"))
}

/// Returns the public id of the scenario's correct option in `round_id`.
pub fn correct_option(round_id: &str, scenario_id: &str) -> String {
    let option = scenario(scenario_id)
        .options
        .iter()
        .find(|option| option.verdict == Verdict::Correct)
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} has no correct option"));
    public_option_id(round_id, scenario_id, &option.id)
}

/// Returns the public id of the option worth the fewest points, which is never correct.
pub fn missed_option(round_id: &str, scenario_id: &str) -> String {
    let option = scenario(scenario_id)
        .options
        .iter()
        .min_by_key(|option| option.verdict.points())
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} has no options"));
    assert_ne!(option.verdict, Verdict::Correct, "scenario {scenario_id:?} has only correct options");
    public_option_id(round_id, scenario_id, &option.id)
}

/// Returns the concept tags of a scenario.
pub fn concepts(scenario_id: &str) -> Vec<String> {
    scenario(scenario_id).concepts.clone()
}
