//! The HTTP tests of tests/api, run against PostgreSQL, plus tests that need PostgreSQL: two
//! server processes on one database, and a PostgreSQL restart under a stream of submissions.
//!
//! Each test gets a database of its own on one PostgreSQL server per test process: the one
//! named by CLINIC_TEST_POSTGRES_URL (an admin URL such as
//! postgres://postgres@127.0.0.1:5432/postgres), or else a throwaway cluster started from the
//! binaries in /usr/lib/postgresql/*/bin. Without either, CI=true fails every test. Outside CI
//! the shared tests run on SQLite after a notice and the PostgreSQL-only tests are skipped,
//! so `cargo test` passes on a machine without PostgreSQL.

#[path = "../api/helpers/mod.rs"]
mod helpers;

/// The database these tests run on, read by the helpers.
const BACKEND: helpers::Backend = helpers::Backend::Postgres;

// The modules of tests/api/main.rs, compiled again here. Keep this list equal to that file's:
// `api_modules_all_included` below fails when a module is missing.
#[path = "../api/answers.rs"]
mod answers;
#[path = "../api/crash.rs"]
mod crash;
#[path = "../api/diagrams.rs"]
mod diagrams;
#[path = "../api/errors.rs"]
mod errors;
#[path = "../api/games.rs"]
mod games;
#[path = "../api/idempotency.rs"]
mod idempotency;
#[path = "../api/idempotency_races.rs"]
mod idempotency_races;
#[path = "../api/leaderboard.rs"]
mod leaderboard;
#[path = "../api/lifecycle.rs"]
mod lifecycle;
#[path = "../api/nicknames.rs"]
mod nicknames;
#[path = "../api/operations.rs"]
mod operations;
#[path = "../api/pages.rs"]
mod pages;
#[path = "../api/rate_limits.rs"]
mod rate_limits;
#[path = "../api/review_rounds.rs"]
mod review_rounds;
#[path = "../api/rounds.rs"]
mod rounds;

// Tests that need PostgreSQL.
mod multi_instance;
mod postgres_restart;

/// Returns the names in the `mod NAME;` lines of a main.rs, without `helpers`.
fn declared_modules(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .filter(|name| *name != "helpers")
        .map(str::to_owned)
        .collect()
}

#[test]
fn api_modules_all_included() {
    let compiled = declared_modules(include_str!("main.rs"));

    let missing: Vec<String> = declared_modules(include_str!("../api/main.rs"))
        .into_iter()
        .filter(|name| !compiled.contains(name))
        .collect();

    assert!(
        missing.is_empty(),
        "tests/api/main.rs declares modules that tests/api_postgres/main.rs does not compile: {missing:?}. \
         Add `#[path = \"../api/NAME.rs\"] mod NAME;` for each."
    );
}
