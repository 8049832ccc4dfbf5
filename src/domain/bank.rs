//! The scenario bank: every scenario, parsed from the content files and checked against the
//! rules the game depends on before the server accepts a single request.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::scenario::{Scenario, Verdict};
use super::timeline::{check_steps, check_timeline};

/// Categories that every round covers.
pub const CORE_CATEGORIES: [&str; 6] =
    ["payments", "emails", "imports", "orders", "put-updates", "inventory"];

/// Categories that deepen the bank; rounds draw from them after the core ones.
pub const EXTRA_CATEGORIES: [&str; 7] = [
    "webhooks",
    "queue-consumers",
    "refunds-payouts",
    "signups",
    "batch-apis",
    "key-design",
    "client-retries",
];

/// Concept tags a scenario may train.
pub const CONCEPTS: [&str; 9] = [
    "natural-idempotency",
    "idempotency-keys",
    "request-fingerprints",
    "in-flight-duplicates",
    "consistency-constraints",
    "async-jobs",
    "side-effect-dedup",
    "key-scope-retention",
    "source-of-truth",
];

/// Fewest scenarios each core category needs so that rounds can vary.
pub const MIN_PER_CORE_CATEGORY: usize = 5;
/// Fewest scenarios in the whole bank.
pub const MIN_SCENARIOS: usize = 30;
const MIN_OPTIONS: usize = 3;
const MAX_OPTIONS: usize = 5;
const TIERS: std::ops::RangeInclusive<u8> = 1..=3;

/// One content file as embedded in the binary.
pub struct ContentFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

#[derive(Debug, thiserror::Error)]
#[error("the scenario bank is invalid:\n  - {}", .problems.join("\n  - "))]
pub struct BankError {
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    scenario: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetiredFile {
    ids: Vec<String>,
}

#[derive(Debug)]
pub struct ScenarioBank {
    scenarios: Vec<Scenario>,
    index: HashMap<String, usize>,
}

impl ScenarioBank {
    /// Parses the scenario files (named `CATEGORY.toml`) and the list of retired ids, and
    /// returns every rule violation at once so an author can fix them in one pass.
    pub fn load<'a>(
        files: impl IntoIterator<Item = ContentFile<'a>>,
        retired: &str,
    ) -> Result<Self, BankError> {
        let mut problems = Vec::new();
        let mut scenarios = Vec::new();

        for file in files {
            let category = file.name.trim_end_matches(".toml");
            match toml::from_str::<ScenarioFile>(file.text) {
                Ok(parsed) => {
                    for scenario in parsed.scenario {
                        if scenario.category != category {
                            problems.push(format!(
                                "{}: category \"{}\" is in file {}",
                                scenario.id, scenario.category, file.name
                            ));
                        }
                        scenarios.push(scenario);
                    }
                }
                Err(error) => problems.push(format!("{}: {}", file.name, error.message())),
            }
        }

        let retired: HashSet<String> = match toml::from_str::<RetiredFile>(retired) {
            Ok(parsed) => parsed.ids.into_iter().collect(),
            Err(error) => {
                problems.push(format!("retired.toml: {}", error.message()));
                HashSet::new()
            }
        };

        scenarios.sort_by(|a, b| a.id.cmp(&b.id));
        problems.extend(check_bank(&scenarios, &retired));
        if !problems.is_empty() {
            return Err(BankError { problems });
        }

        let index = scenarios
            .iter()
            .enumerate()
            .map(|(position, scenario)| (scenario.id.clone(), position))
            .collect();
        Ok(ScenarioBank { scenarios, index })
    }

    pub fn get(&self, id: &str) -> Option<&Scenario> {
        self.index.get(id).map(|&position| &self.scenarios[position])
    }

    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    /// Returns the scenarios of each category, categories in name order.
    pub fn by_category(&self) -> BTreeMap<&str, Vec<&Scenario>> {
        let mut categories: BTreeMap<&str, Vec<&Scenario>> = BTreeMap::new();
        for scenario in &self.scenarios {
            categories.entry(scenario.category.as_str()).or_default().push(scenario);
        }
        categories
    }
}

fn check_bank(scenarios: &[Scenario], retired: &HashSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen_ids = HashSet::new();
    let mut per_category: HashMap<&str, usize> = HashMap::new();

    for scenario in scenarios {
        if !seen_ids.insert(scenario.id.as_str()) {
            problems.push(format!("{}: duplicate scenario id", scenario.id));
        }
        if retired.contains(&scenario.id) {
            problems.push(format!("{}: the id is retired and must not be reused", scenario.id));
        }
        *per_category.entry(scenario.category.as_str()).or_default() += 1;
        problems.extend(check_scenario(scenario).into_iter().map(|p| format!("{}: {p}", scenario.id)));
    }

    if scenarios.len() < MIN_SCENARIOS {
        problems.push(format!(
            "the bank has {} scenarios; at least {MIN_SCENARIOS} are needed",
            scenarios.len()
        ));
    }
    for category in CORE_CATEGORIES {
        let count = per_category.get(category).copied().unwrap_or(0);
        if count < MIN_PER_CORE_CATEGORY {
            problems.push(format!(
                "category {category} has {count} scenarios; at least {MIN_PER_CORE_CATEGORY} are needed"
            ));
        }
    }
    problems
}

fn check_scenario(scenario: &Scenario) -> Vec<String> {
    let mut problems = Vec::new();

    if !is_kebab_case(&scenario.id) {
        problems.push("the id must be kebab-case".to_owned());
    }
    let category = scenario.category.as_str();
    if !CORE_CATEGORIES.contains(&category) && !EXTRA_CATEGORIES.contains(&category) {
        problems.push(format!("unknown category \"{category}\""));
    }
    if !TIERS.contains(&scenario.tier) {
        problems.push(format!("tier {} is not 1, 2 or 3", scenario.tier));
    }
    if scenario.concepts.is_empty() {
        problems.push("no concept tags".to_owned());
    }
    for concept in &scenario.concepts {
        if !CONCEPTS.contains(&concept.as_str()) {
            problems.push(format!("unknown concept tag \"{concept}\""));
        }
    }
    for (field, value) in [
        ("title", &scenario.title),
        ("contract", &scenario.contract),
        ("source", &scenario.source),
        ("story", &scenario.story),
        ("question", &scenario.question),
        ("operation.method", &scenario.operation.method),
        ("operation.path", &scenario.operation.path),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("{field} is empty"));
        }
    }

    problems.extend(check_timeline(&scenario.timeline));
    for option in &scenario.options {
        if option.outcome.is_empty() {
            problems.push(format!("option {}: no outcome steps", option.id));
        }
        let context = format!("option {} outcome", option.id);
        problems.extend(check_steps(&scenario.timeline.participants, &option.outcome, &context));
    }

    let option_count = scenario.options.len();
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&option_count) {
        problems.push(format!(
            "{option_count} options; a scenario needs {MIN_OPTIONS} to {MAX_OPTIONS}"
        ));
    }
    let correct = scenario.options.iter().filter(|o| o.verdict == Verdict::Correct).count();
    if correct != 1 {
        problems.push(format!("{correct} correct options; exactly one is needed"));
    }

    let mut option_ids = HashSet::new();
    for option in &scenario.options {
        if !option_ids.insert(option.id.as_str()) {
            problems.push(format!("duplicate option id \"{}\"", option.id));
        }
        if !is_kebab_case(&option.id) {
            problems.push(format!("option id \"{}\" must be kebab-case", option.id));
        }
        for (field, value) in [
            ("text", &option.text),
            ("explanation", &option.explanation),
            ("safer_pattern", &option.safer_pattern),
        ] {
            if value.trim().is_empty() {
                problems.push(format!("option {}: {field} is empty", option.id));
            }
        }
        let has_misconception =
            option.misconception.as_deref().is_some_and(|text| !text.trim().is_empty());
        match (option.verdict, has_misconception) {
            (Verdict::Correct, true) => problems
                .push(format!("option {}: a correct option names no misconception", option.id)),
            (Verdict::Partial | Verdict::Unsafe, false) => problems
                .push(format!("option {}: a wrong option must name its misconception", option.id)),
            _ => {}
        }
    }
    problems
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
