//! HTTP tests against the real server binary. Each test starts its own server on a free
//! loopback port with a fresh database, sends requests, and checks both the responses and the
//! rows the server stored.

mod helpers;

mod answers;
mod errors;
mod games;
mod idempotency;
mod leaderboard;
mod lifecycle;
mod nicknames;
mod pages;
mod rate_limits;
mod rounds;
