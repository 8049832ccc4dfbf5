//! The test harness: a server per test, one helper per endpoint, the answer key, and readers
//! for the rows the server stored.

pub mod answer_key;
mod app;
mod bodies;
mod client;
mod idempotency_keys;
mod server;
mod stored;

pub use app::TestApp;
pub use bodies::DealtRound;
pub use client::{ApiResponse, GAME_SLUG, Strategy};
pub use idempotency_keys::{now_millis, submission_path};
pub use server::{Backend, run_command};
// Only the PostgreSQL tests start bare server processes.
#[allow(unused_imports)]
pub use server::ServerProcess;
#[allow(unused_imports, reason = "only the PostgreSQL-only tests in tests/api_postgres use it")]
pub use server::PostgresCluster;
pub use stored::Table;

use serde_json::Value;

/// Media type of every API error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Checks that `response` is a problem-details body whose `status` member matches the HTTP
/// status, and returns the parsed body.
pub fn assert_problem_shape(response: &ApiResponse) -> Value {
    assert_eq!(response.content_type(), PROBLEM_JSON, "content type of: {}", response.body);
    let body = response.json();
    for member in ["type", "title", "detail"] {
        let text = body[member].as_str().unwrap_or("");
        assert!(!text.is_empty(), "problem member {member:?} is missing or empty in {body}");
    }
    assert_eq!(body["status"], response.status.as_u16(), "problem member \"status\" in {body}");
    body
}

/// Checks that `response` is a problem with `status` whose type URI ends in `/{kind}`, and
/// returns the parsed body.
pub fn assert_problem(response: &ApiResponse, status: u16, kind: &str) -> Value {
    assert_eq!(response.status.as_u16(), status, "status of: {}", response.body);
    let body = assert_problem_shape(response);
    let problem_type = body["type"].as_str().unwrap_or("");
    assert!(
        problem_type.ends_with(&format!("/{kind}")),
        "problem type {problem_type:?} should end in /{kind}"
    );
    body
}

/// Returns every object key in a JSON document, at any depth.
pub fn all_keys(value: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    keys.push(key.clone());
                    pending.push(member);
                }
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    keys
}
