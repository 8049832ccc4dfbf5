//! The answer key, read from the content the server embeds, so that a test can choose an
//! option by its verdict and check a grade without trusting the server under test.

use std::sync::OnceLock;

use idempotency_key_clinic::content::load_bank;
use idempotency_key_clinic::domain::bank::ScenarioBank;
use idempotency_key_clinic::domain::round::public_option_id;
use idempotency_key_clinic::domain::scenario::{Scenario, ScenarioOption, Verdict};

pub fn bank() -> &'static ScenarioBank {
    static BANK: OnceLock<ScenarioBank> = OnceLock::new();
    BANK.get_or_init(|| load_bank().expect("the embedded scenario bank should load"))
}

fn scenario(scenario_id: &str) -> &'static Scenario {
    bank()
        .get(scenario_id)
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} is not in the content bank"))
}

fn option_shown_as(round_id: &str, scenario_id: &str, public_id: &str) -> &'static ScenarioOption {
    scenario(scenario_id)
        .options
        .iter()
        .find(|option| public_option_id(round_id, scenario_id, &option.id) == public_id)
        .unwrap_or_else(|| {
            panic!("no option of scenario {scenario_id:?} is shown as {public_id:?} in round {round_id}")
        })
}

/// Returns the content id of the option a round shows as `public_id`.
pub fn content_option_id(round_id: &str, scenario_id: &str, public_id: &str) -> String {
    option_shown_as(round_id, scenario_id, public_id).id.clone()
}

/// Returns the id a round shows for the content option `content_id`.
pub fn public_id(round_id: &str, scenario_id: &str, content_id: &str) -> String {
    public_option_id(round_id, scenario_id, content_id)
}

/// Returns the public id of an option with `verdict`, if the scenario has one.
pub fn option_with_verdict(round_id: &str, scenario_id: &str, verdict: Verdict) -> Option<String> {
    scenario(scenario_id)
        .options
        .iter()
        .find(|option| option.verdict == verdict)
        .map(|option| public_option_id(round_id, scenario_id, &option.id))
}

pub fn correct_option(round_id: &str, scenario_id: &str) -> String {
    option_with_verdict(round_id, scenario_id, Verdict::Correct)
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} has no correct option"))
}

/// Returns the public id of the option worth the fewest points.
pub fn lowest_option(round_id: &str, scenario_id: &str) -> String {
    let option = scenario(scenario_id)
        .options
        .iter()
        .min_by_key(|option| option.verdict.points())
        .unwrap_or_else(|| panic!("scenario {scenario_id:?} has no options"));
    public_option_id(round_id, scenario_id, &option.id)
}
