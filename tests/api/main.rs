//! HTTP tests against the real server binary. Each test starts its own server on a free
//! loopback port with a fresh database, sends requests, and checks both the responses and the
//! rows the server stored.

mod helpers;

/// The database these tests run on. tests/api_postgres runs the same modules on PostgreSQL.
const BACKEND: helpers::Backend = helpers::Backend::Sqlite;

mod answers;
mod crash;
mod diagrams;
mod errors;
mod games;
mod idempotency;
mod idempotency_races;
mod leaderboard;
mod lifecycle;
mod nicknames;
mod operations;
mod pages;
mod rate_limits;
mod review_rounds;
mod rounds;
