//! One scenario of the bank: a backend operation, its retry story and the options to judge.

use serde::{Deserialize, Serialize};

use super::timeline::{Step, Timeline};

/// How safe an option is. The grade decides the points and the feedback tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Correct,
    Partial,
    Unsafe,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Partial => "partial",
            Verdict::Unsafe => "unsafe",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "correct" => Some(Verdict::Correct),
            "partial" => Some(Verdict::Partial),
            "unsafe" => Some(Verdict::Unsafe),
            _ => None,
        }
    }
}

/// The HTTP request the scenario is about, such as `POST /v1/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub category: String,
    pub tier: u8,
    pub concepts: Vec<String>,
    pub title: String,
    pub contract: String,
    pub source: String,
    pub operation: Operation,
    pub story: String,
    pub question: String,
    /// The retry story as a sequence of messages, drawn as a diagram.
    pub timeline: Timeline,
    pub options: Vec<ScenarioOption>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioOption {
    pub id: String,
    pub text: String,
    pub verdict: Verdict,
    pub explanation: String,
    pub safer_pattern: String,
    pub misconception: Option<String>,
    /// What happens next under this behaviour, continuing the story's timeline.
    pub outcome: Vec<Step>,
}

impl Scenario {
    pub fn option(&self, option_id: &str) -> Option<&ScenarioOption> {
        self.options.iter().find(|option| option.id == option_id)
    }

    /// Returns the one option graded correct; the bank refuses to load a scenario without it.
    pub fn correct_option(&self) -> &ScenarioOption {
        self.options
            .iter()
            .find(|option| option.verdict == Verdict::Correct)
            .expect("the bank validates that every scenario has a correct option")
    }
}
