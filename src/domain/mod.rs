//! The game itself: the scenario bank, rounds and scoring. Nothing here knows about HTTP or
//! SQL, so the rules can be tested on their own and reused by any front end.

pub mod bank;
pub mod catalogue;
pub mod idempotency;
pub mod nickname;
pub mod round;
pub mod scenario;
pub mod scoring;
pub mod timeline;
