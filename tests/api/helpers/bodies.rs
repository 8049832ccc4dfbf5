//! Response bodies the helpers parse into types. Tests that check a body's exact shape read
//! it as JSON instead.

use serde::Deserialize;

/// A round as `POST /api/games/{slug}/rounds` returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct DealtRound {
    pub round_id: String,
    pub scenarios: Vec<DealtScenario>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DealtScenario {
    pub id: String,
    pub category: String,
    pub options: Vec<DealtOption>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DealtOption {
    pub id: String,
}

impl DealtScenario {
    pub fn option_ids(&self) -> Vec<String> {
        self.options.iter().map(|option| option.id.clone()).collect()
    }
}
