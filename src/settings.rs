//! Command-line settings, each with an environment variable as fallback.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "idempotency-key-clinic", version, about = "Serve the Idempotency Key Clinic web game", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the game (the default when no command is given).
    Serve,
    /// Hide a leaderboard entry, for example an abusive nickname. It leaves the board at once.
    HideEntry {
        /// The entry's id, as returned on submission.
        entry_id: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on. Port 0 picks a free port; the log reports the real one.
    #[arg(long, env = "CLINIC_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Database URL: sqlite://PATH (created when missing), sqlite::memory: or postgres://...
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/clinic.db", global = true)]
    pub database_url: String,

    /// Most database connections the pool opens. On SQLite these serve reads, and one more
    /// connection makes every write.
    #[arg(long, env = "CLINIC_DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free database connection before it fails with 503.
    #[arg(long, env = "CLINIC_DB_ACQUIRE_TIMEOUT", default_value_t = 5, global = true)]
    pub db_acquire_timeout_secs: u64,

    /// How long start-up keeps retrying an unreachable database before it exits, e.g. 30s.
    #[arg(long, env = "CLINIC_DB_CONNECT_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub db_connect_timeout: Duration,

    /// Time a client has to send a request's headers; also how long an idle keep-alive
    /// connection is kept open for its next request. E.g. 10s.
    #[arg(long, env = "CLINIC_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub header_timeout: Duration,

    /// Time a client has to send a request's whole body before it gets 408, e.g. 10s.
    #[arg(long, env = "CLINIC_BODY_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub body_timeout: Duration,

    /// Interval of HTTP/2 keep-alive pings; a connection whose ping goes unanswered closes.
    #[arg(long, env = "CLINIC_IDLE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration, global = true)]
    pub idle_timeout: Duration,

    /// Seconds in-flight requests get to finish after SIGINT or SIGTERM.
    #[arg(long, env = "CLINIC_SHUTDOWN_TIMEOUT", default_value_t = 10, global = true)]
    pub shutdown_timeout_secs: u64,

    /// How long an Idempotency-Key and its stored response are kept, e.g. 24h or 90m.
    /// A key seen again after this is treated as a new request.
    #[arg(long, env = "CLINIC_IDEMPOTENCY_KEY_TTL", default_value = "24h", value_parser = humantime::parse_duration, global = true)]
    pub idempotency_key_ttl: Duration,

    /// How long an in-flight request holds its Idempotency-Key, e.g. 10s. A retry within the
    /// lease gets 409; after it, a retry takes the key over, so a crashed request cannot block it.
    #[arg(long, env = "CLINIC_IDEMPOTENCY_LEASE", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub idempotency_lease: Duration,

    /// How often expired Idempotency-Key records are deleted, e.g. 10m.
    #[arg(long, env = "CLINIC_IDEMPOTENCY_PURGE_INTERVAL", default_value = "10m", value_parser = humantime::parse_duration, global = true)]
    pub idempotency_purge_interval: Duration,

    /// How long each instance reuses the top 10 it read, e.g. 1s; 0s reads it every time.
    /// A submission to another instance shows on this one within this time.
    #[arg(long, env = "CLINIC_LEADERBOARD_CACHE_TTL", default_value = "1s", value_parser = humantime::parse_duration, global = true)]
    pub leaderboard_cache_ttl: Duration,

    /// Per-client rate limits on dealing rounds, answering and submitting scores. Turn them
    /// off for load tests, or when a proxy in front already limits.
    #[arg(long, env = "CLINIC_RATE_LIMIT", value_enum, default_value_t = Toggle::On, global = true)]
    pub rate_limit: Toggle,

    /// Rounds one client address may start per minute.
    #[arg(long, env = "CLINIC_ROUNDS_PER_MINUTE", default_value = "20", global = true)]
    pub rounds_per_minute: NonZeroU32,

    /// Answers one client address may send per minute.
    #[arg(long, env = "CLINIC_ANSWERS_PER_MINUTE", default_value = "240", global = true)]
    pub answers_per_minute: NonZeroU32,

    /// Leaderboard submissions one client address may send per minute.
    #[arg(long, env = "CLINIC_SUBMISSIONS_PER_MINUTE", default_value = "20", global = true)]
    pub submissions_per_minute: NonZeroU32,

    /// IP address of a reverse proxy whose X-Forwarded-For header names the client; repeat
    /// the flag or separate addresses with commas. Without it the socket peer is the client.
    #[arg(long, env = "CLINIC_TRUST_PROXY", value_delimiter = ',', global = true)]
    pub trust_proxy: Vec<IpAddr>,

    /// Send Strict-Transport-Security, telling browsers to use HTTPS only. Turn it on only
    /// when the site is served over HTTPS, for example by a TLS-terminating proxy.
    #[arg(long, env = "CLINIC_HSTS", value_enum, default_value_t = Toggle::Off, global = true)]
    pub hsts: Toggle,

    /// Log line format. The level filter comes from RUST_LOG (default: info).
    #[arg(long, env = "CLINIC_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.db_acquire_timeout_secs)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}
