//! Idempotency Key Clinic: a web game that trains backend engineers to handle retries safely.
//!
//! The layers, from the inside out: [`domain`] (the game's rules), [`service`] (use cases),
//! [`storage`] (SQLite or PostgreSQL behind one type), [`http`] (routes and handlers) and
//! [`startup`] (wiring and lifecycle).

pub mod content;
pub mod diagram;
pub mod domain;
pub mod http;
pub mod server;
pub mod service;
pub mod settings;
pub mod startup;
pub mod storage;
pub mod telemetry;
