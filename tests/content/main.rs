//! The scenario bank as shipped: its size and coverage, the validation rules, and how rounds
//! are dealt from it.

use std::collections::{HashMap, HashSet};

use idempotency_key_clinic::content::load_bank;
use idempotency_key_clinic::domain::bank::{CONCEPTS, CORE_CATEGORIES, ContentFile, EXTRA_CATEGORIES, ScenarioBank};
use idempotency_key_clinic::domain::round::{ROUND_SIZE, deal};
use idempotency_key_clinic::diagram::{Diagram, render_svg};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn bank() -> ScenarioBank {
    load_bank().expect("the shipped scenario bank is valid")
}

fn count_by_category(bank: &ScenarioBank) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for scenario in bank.scenarios() {
        *counts.entry(scenario.category.clone()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn bank_has_at_least_sixty_scenarios() {
    assert!(bank().scenarios().len() >= 60, "{} scenarios", bank().scenarios().len());
}

#[test]
fn core_categories_have_seven_each() {
    let counts = count_by_category(&bank());
    for category in CORE_CATEGORIES {
        let count = counts.get(category).copied().unwrap_or(0);
        assert!(count >= 7, "{category} has {count} scenarios");
    }
}

#[test]
fn three_extra_categories_have_four_each() {
    let counts = count_by_category(&bank());
    let deep_extras = EXTRA_CATEGORIES
        .iter()
        .filter(|category| counts.get(**category).copied().unwrap_or(0) >= 4)
        .count();
    assert!(deep_extras >= 3, "only {deep_extras} extra categories have 4 or more scenarios");
}

#[test]
fn every_core_category_mixes_tiers() {
    let bank = bank();
    for category in CORE_CATEGORIES {
        for tier in 1..=3 {
            assert!(
                bank.scenarios().iter().any(|s| s.category == category && s.tier == tier),
                "{category} has no tier {tier} scenario"
            );
        }
    }
}

#[test]
fn every_concept_is_trained() {
    let bank = bank();
    for concept in CONCEPTS {
        assert!(
            bank.scenarios().iter().any(|s| s.concepts.iter().any(|c| c == concept)),
            "no scenario trains {concept}"
        );
    }
}

#[test]
fn wrong_options_name_distinct_misconceptions() {
    for scenario in bank().scenarios() {
        let misconceptions: Vec<&str> =
            scenario.options.iter().filter_map(|option| option.misconception.as_deref()).collect();
        let distinct: HashSet<&str> = misconceptions.iter().copied().collect();
        assert_eq!(distinct.len(), misconceptions.len(), "{} repeats a misconception", scenario.id);
    }
}

/// Each kind of real-world failure the game is built around, and a scenario that tells it.
const FAILURE_KINDS: &[(&str, &str)] = &[
    ("check-then-insert race between in-flight requests", "orders-client-reference-race"),
    ("result stored only after the work, slow request retried", "payments-in-flight-duplicate"),
    ("crash leaves a key locked in progress", "key-design-crashed-request-lock"),
    ("lease shorter than the side effect", "emails-lease-shorter-than-send"),
    ("transient 5xx stored and replayed", "payments-cached-500"),
    ("keys not scoped per caller", "payments-unscoped-keys"),
    ("fingerprint that ignores the body", "key-design-key-without-fingerprint"),
    ("fingerprint built from volatile fields", "orders-volatile-fingerprint"),
    ("SDK mints a new key per retry", "payments-sdk-new-key-per-retry"),
    ("key option leaks into the next request", "client-retries-leaked-key-option"),
    ("409 in progress treated as failure", "orders-409-treated-as-failure"),
    ("HTTP client auto-retries POST on 5xx", "orders-http-client-auto-retry-post"),
    ("double email after an SMTP timeout", "emails-smtp-timeout-retry"),
    ("webhook event processed twice", "webhooks-redelivered-event"),
    ("queue redelivery after a rebalance", "queue-consumers-rebalance-replay"),
    ("oversell from check-then-decrement", "inventory-check-then-decrement"),
    ("lost update with a non-atomic If-Match", "put-updates-if-match-non-atomic"),
    ("in-memory key cache eviction", "key-design-evicted-key-cache"),
];

#[test]
fn every_failure_kind_has_a_scenario() {
    let bank = bank();
    for (kind, scenario_id) in FAILURE_KINDS {
        assert!(bank.get(scenario_id).is_some(), "{kind}: scenario {scenario_id} is missing");
    }
}

#[test]
fn dealt_round_covers_core_categories() {
    let bank = bank();
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..50 {
        let round = deal(&bank, &HashSet::new(), &mut rng);
        assert_eq!(round.scenarios.len(), ROUND_SIZE);
        let categories: HashSet<&str> = round
            .scenarios
            .iter()
            .map(|dealt| bank.get(&dealt.scenario_id).unwrap().category.as_str())
            .collect();
        for category in CORE_CATEGORIES {
            assert!(categories.contains(category), "round lacks {category}");
        }
        let ids: HashSet<&str> = round.scenarios.iter().map(|d| d.scenario_id.as_str()).collect();
        assert_eq!(ids.len(), ROUND_SIZE, "a scenario was dealt twice");
    }
}

#[test]
fn dealt_round_mixes_tiers() {
    let bank = bank();
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..50 {
        let round = deal(&bank, &HashSet::new(), &mut rng);
        let tiers: HashSet<u8> =
            round.scenarios.iter().map(|d| bank.get(&d.scenario_id).unwrap().tier).collect();
        assert_eq!(tiers.len(), 3, "tiers {tiers:?}");
    }
}

#[test]
fn dealt_options_are_a_permutation() {
    let bank = bank();
    let round = deal(&bank, &HashSet::new(), &mut StdRng::seed_from_u64(3));
    for dealt in &round.scenarios {
        let scenario = bank.get(&dealt.scenario_id).unwrap();
        let mut dealt_ids = dealt.option_order.clone();
        let mut content_ids: Vec<String> = scenario.options.iter().map(|o| o.id.clone()).collect();
        dealt_ids.sort();
        content_ids.sort();
        assert_eq!(dealt_ids, content_ids);
    }
}

#[test]
fn seen_scenarios_wait_while_unseen_remain() {
    let bank = bank();
    let mut rng = StdRng::seed_from_u64(5);
    let mut seen: HashSet<String> = HashSet::new();
    // Three rounds of 8 fit in a bank of 60 with 7 per core category, so none repeats.
    for round_number in 0..3 {
        let seen_refs: HashSet<&str> = seen.iter().map(String::as_str).collect();
        let round = deal(&bank, &seen_refs, &mut rng);
        for dealt in &round.scenarios {
            assert!(!seen.contains(&dealt.scenario_id), "round {round_number} repeated {}", dealt.scenario_id);
        }
        seen.extend(round.scenarios.iter().map(|d| d.scenario_id.clone()));
    }
}

#[test]
fn fully_seen_bank_still_deals() {
    let bank = bank();
    let seen: HashSet<&str> = bank.scenarios().iter().map(|s| s.id.as_str()).collect();
    let round = deal(&bank, &seen, &mut StdRng::seed_from_u64(9));
    assert_eq!(round.scenarios.len(), ROUND_SIZE);
}

const VALID_SCENARIO: &str = r#"
[[scenario]]
id = "payments-example"
category = "payments"
tier = 1
concepts = ["idempotency-keys"]
title = "Example"
contract = "IETF draft"
source = "draft-ietf-httpapi-idempotency-key-header-07"
operation = { method = "POST", path = "/v1/payments" }
story = "A story."
question = "A question?"

[scenario.timeline]
participants = ["client", "api"]
steps = [
  { from = "client", to = "api", label = "POST /v1/payments" },
  { from = "api", to = "client", label = "201 Created", kind = "lost" },
]

[[scenario.options]]
id = "right"
text = "Right."
verdict = "correct"
explanation = "Why."
safer_pattern = "Pattern."
outcome = [{ over = "api", label = "replayed", kind = "success" }]

[[scenario.options]]
id = "wrong"
text = "Wrong."
verdict = "unsafe"
explanation = "Why not."
safer_pattern = "Pattern."
misconception = "A mistaken belief"
outcome = [{ from = "api", to = "client", label = "charged again", kind = "response" }]

[[scenario.options]]
id = "half"
text = "Half."
verdict = "partial"
explanation = "Why half."
safer_pattern = "Pattern."
misconception = "Another mistaken belief"
outcome = [{ over = "client", label = "no payment id", kind = "note" }]
"#;

fn load_problems(text: &str, retired: &str) -> Vec<String> {
    let files = [ContentFile { name: "payments.toml", text }];
    match ScenarioBank::load(files, retired) {
        Ok(_) => Vec::new(),
        Err(error) => error.problems,
    }
}

fn problems_about(text: &str, retired: &str, needle: &str) -> bool {
    load_problems(text, retired).iter().any(|problem| problem.contains(needle))
}

#[test]
fn validation_accepts_a_well_formed_scenario() {
    let problems = load_problems(VALID_SCENARIO, "ids = []");
    assert!(problems.iter().all(|p| p.contains("at least")), "{problems:?}");
}

#[test]
fn validation_rejects_two_correct_options() {
    let text = VALID_SCENARIO.replace("verdict = \"unsafe\"", "verdict = \"correct\"");
    assert!(problems_about(&text, "ids = []", "2 correct options"));
}

#[test]
fn validation_rejects_missing_misconception() {
    let text = VALID_SCENARIO.replace("misconception = \"A mistaken belief\"\n", "");
    assert!(problems_about(&text, "ids = []", "must name its misconception"));
}

#[test]
fn validation_rejects_unknown_concept() {
    let text = VALID_SCENARIO.replace("[\"idempotency-keys\"]", "[\"vibes\"]");
    assert!(problems_about(&text, "ids = []", "unknown concept tag"));
}

#[test]
fn validation_rejects_retired_id() {
    assert!(problems_about(VALID_SCENARIO, "ids = [\"payments-example\"]", "retired"));
}

#[test]
fn validation_rejects_duplicate_id() {
    let twice = format!("{VALID_SCENARIO}{VALID_SCENARIO}").replace("\n[[scenario]]\n", "\n[[scenario]]\n");
    assert!(problems_about(&twice, "ids = []", "duplicate scenario id"));
}

#[test]
fn validation_rejects_category_outside_its_file() {
    let text = VALID_SCENARIO.replace("category = \"payments\"", "category = \"emails\"");
    assert!(problems_about(&text, "ids = []", "is in file payments.toml"));
}

#[test]
fn validation_rejects_too_few_options() {
    let cut = VALID_SCENARIO.split("[[scenario.options]]\nid = \"half\"").next().unwrap().to_owned();
    assert!(problems_about(&cut, "ids = []", "2 options"));
}

#[test]
fn validation_rejects_undeclared_participant() {
    let text = VALID_SCENARIO.replace("{ over = \"api\", label = \"replayed\"", "{ over = \"db\", label = \"replayed\"");
    assert!(problems_about(&text, "ids = []", "option right outcome step 1"));
}

#[test]
fn validation_rejects_missing_outcome() {
    let text = VALID_SCENARIO.replace("outcome = [{ over = \"client\", label = \"no payment id\", kind = \"note\" }]\n", "");
    assert!(load_problems(&text, "ids = []").iter().any(|p| p.contains("outcome")), "missing outcome accepted");
}

#[test]
fn validation_rejects_note_with_sender() {
    let text = VALID_SCENARIO.replace("{ over = \"api\", label = \"replayed\", kind = \"success\" }", "{ from = \"client\", over = \"api\", label = \"replayed\", kind = \"success\" }");
    assert!(problems_about(&text, "ids = []", "a note needs `over`"));
}

#[test]
fn validation_rejects_bad_tier() {
    let text = VALID_SCENARIO.replace("tier = 1", "tier = 4");
    assert!(problems_about(&text, "ids = []", "tier 4"));
}

/// Parses an SVG and returns the text of its title and description.
fn title_and_description(svg: &str) -> (String, String) {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|error| panic!("invalid SVG: {error}\n{svg}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let text_of = |tag: &str| {
        root.children()
            .find(|node| node.tag_name().name() == tag)
            .and_then(|node| node.text())
            .unwrap_or_default()
            .to_owned()
    };
    (text_of("title"), text_of("desc"))
}

#[test]
fn every_story_diagram_parses_with_title() {
    for scenario in bank().scenarios() {
        let svg = render_svg(&Diagram {
            id: &scenario.id,
            title: &scenario.title,
            participants: &scenario.timeline.participants,
            steps: &scenario.timeline.steps,
        });
        let (title, description) = title_and_description(&svg);
        assert_eq!(title, scenario.title, "{}", scenario.id);
        assert!(description.starts_with("1. "), "{}: description {description:?}", scenario.id);
    }
}

#[test]
fn every_option_outcome_parses_with_title() {
    for scenario in bank().scenarios() {
        for option in &scenario.options {
            let svg = render_svg(&Diagram {
                id: &option.id,
                title: &option.text,
                participants: &scenario.timeline.participants,
                steps: &option.outcome,
            });
            let (title, _) = title_and_description(&svg);
            assert_eq!(title, option.text, "{} {}", scenario.id, option.id);
        }
    }
}

#[test]
fn outcomes_end_as_their_verdict_says() {
    use idempotency_key_clinic::domain::scenario::Verdict;
    use idempotency_key_clinic::domain::timeline::StepKind;
    for scenario in bank().scenarios() {
        for option in &scenario.options {
            let last = option.outcome.last().map(|step| step.kind);
            match option.verdict {
                Verdict::Correct => assert_eq!(last, Some(StepKind::Success), "{} {}", scenario.id, option.id),
                Verdict::Unsafe => assert_eq!(last, Some(StepKind::Failure), "{} {}", scenario.id, option.id),
                Verdict::Partial => assert!(
                    matches!(last, Some(StepKind::Note | StepKind::Failure)),
                    "{} {}: a partial outcome ends in a note or a failure",
                    scenario.id,
                    option.id
                ),
            }
        }
    }
}
