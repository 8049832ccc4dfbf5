//! Retry stories as data: who takes part and which messages pass between them, in order.
//! The server draws them as sequence diagrams; the data is the one source of truth.

use serde::Deserialize;

/// Participants a timeline may use, with the name a diagram shows for each.
pub const PARTICIPANTS: &[(&str, &str)] = &[
    ("client", "Client"),
    ("client-b", "Client B"),
    ("api", "API"),
    ("api-b", "API instance 2"),
    ("db", "Database"),
    ("cache", "Cache"),
    ("queue", "Queue"),
    ("worker", "Worker"),
    ("worker-b", "Worker 2"),
    ("provider", "Payment provider"),
    ("email", "Email provider"),
    ("sender", "Webhook sender"),
];

/// Longest label a step may carry, so diagrams stay readable at phone width.
pub const MAX_LABEL_CHARS: usize = 48;
/// Most participants in one diagram.
pub const MAX_PARTICIPANTS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A request from one participant to another.
    Request,
    /// A response or acknowledgement.
    Response,
    /// A message that never arrives.
    Lost,
    /// A request sent again.
    Retry,
    /// A remark over one participant's lifeline.
    Note,
    /// A participant gives up waiting.
    Timeout,
    /// A harmful result, such as a second charge or an oversold item.
    Failure,
    /// A correct result.
    Success,
}

impl StepKind {
    /// Whether the step is a message between two participants, as opposed to a note on one.
    pub fn is_message(self) -> bool {
        matches!(self, StepKind::Request | StepKind::Response | StepKind::Lost | StepKind::Retry)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default = "default_kind")]
    pub kind: StepKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub over: Option<String>,
    pub label: String,
    /// Drawn alongside the previous step: the two happen at the same time.
    #[serde(default)]
    pub concurrent: bool,
}

fn default_kind() -> StepKind {
    StepKind::Request
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    pub participants: Vec<String>,
    pub steps: Vec<Step>,
}

/// Returns the display name of a participant id from [`PARTICIPANTS`].
pub fn participant_name(id: &str) -> Option<&'static str> {
    PARTICIPANTS.iter().find(|(known, _)| *known == id).map(|(_, name)| *name)
}

/// Checks a story timeline and returns every problem found.
pub fn check_timeline(timeline: &Timeline) -> Vec<String> {
    let mut problems = Vec::new();
    if timeline.participants.len() < 2 || timeline.participants.len() > MAX_PARTICIPANTS {
        problems.push(format!(
            "timeline has {} participants; 2 to {MAX_PARTICIPANTS} are allowed",
            timeline.participants.len()
        ));
    }
    for participant in &timeline.participants {
        if participant_name(participant).is_none() {
            problems.push(format!("unknown timeline participant \"{participant}\""));
        }
    }
    if timeline.steps.is_empty() {
        problems.push("timeline has no steps".to_owned());
    }
    problems.extend(check_steps(&timeline.participants, &timeline.steps, "timeline"));
    problems
}

/// Checks steps against the declared participants of their timeline.
pub fn check_steps(participants: &[String], steps: &[Step], context: &str) -> Vec<String> {
    let declared = |id: &Option<String>| id.as_ref().is_some_and(|id| participants.contains(id));
    let mut problems = Vec::new();
    for (position, step) in steps.iter().enumerate() {
        let at = format!("{context} step {}", position + 1);
        if step.label.trim().is_empty() {
            problems.push(format!("{at}: empty label"));
        }
        if step.label.chars().count() > MAX_LABEL_CHARS {
            problems.push(format!("{at}: label longer than {MAX_LABEL_CHARS} characters"));
        }
        if step.kind.is_message() {
            if !declared(&step.from) || !declared(&step.to) {
                problems.push(format!("{at}: a message needs `from` and `to` among the participants"));
            }
            if step.from == step.to {
                problems.push(format!("{at}: a message goes between two different participants"));
            }
            if step.over.is_some() {
                problems.push(format!("{at}: a message has no `over`"));
            }
        } else if !declared(&step.over) || step.from.is_some() || step.to.is_some() {
            problems.push(format!("{at}: a note needs `over` among the participants and no `from` or `to`"));
        }
        if step.concurrent && position == 0 {
            problems.push(format!("{at}: the first step cannot be concurrent"));
        }
    }
    problems
}
