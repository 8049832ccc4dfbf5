//! The server under test: the real binary as a child process, listening on a free loopback
//! port, with its output drained and kept for failure messages. Also the database each test
//! gives it.

mod postgres;

pub use postgres::PostgresCluster;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The server binary Cargo built for this package.
pub const SERVER_BINARY: &str = env!("CARGO_BIN_EXE_idempotency-key-clinic");

/// Time the server gets to log its address. A start creates and migrates a new database.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Time a one-shot command such as `hide-entry` gets to finish.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The database engine a test binary runs its tests on. Each test target's main.rs sets it
/// in a crate-level `BACKEND` constant, which the helpers read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code, reason = "each test binary constructs only the variant it runs on")]
pub enum Backend {
    Sqlite,
    /// PostgreSQL when one is available. [`PostgresCluster::shared`] describes the fallback.
    Postgres,
}

/// The SQLite file name a test gets when it names none of its own.
pub const DEFAULT_SQLITE_FILE: &str = "clinic.db";

/// A new, empty database made for one test. Dropping it drops a PostgreSQL database. A SQLite
/// file goes away with the test's temporary folder.
pub struct TestDatabase {
    url: String,
    /// The cluster and name of a PostgreSQL database.
    postgres: Option<(Arc<PostgresCluster>, String)>,
}

impl TestDatabase {
    /// Creates a database of its own on `cluster`.
    pub fn create_on(cluster: &Arc<PostgresCluster>) -> TestDatabase {
        let (name, url) = cluster.create_database();
        TestDatabase { url, postgres: Some((Arc::clone(cluster), name)) }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((cluster, name)) = &self.postgres {
            cluster.drop_database(name);
        }
    }
}

/// Creates the database for one test: the one place that picks SQLite or PostgreSQL.
///
/// On [`Backend::Sqlite`], and on [`Backend::Postgres`] when no PostgreSQL is available
/// outside CI, the database is a SQLite file at `relative_path` inside `folder`. Otherwise it
/// is a new database on the shared PostgreSQL server, except when `relative_path` is not
/// [`DEFAULT_SQLITE_FILE`]: a test that names its own SQLite file tests how the server
/// handles that file, so it keeps SQLite on every backend.
///
/// Blocks while PostgreSQL creates the database, and on first use while a cluster starts.
pub fn fresh_database(folder: &Path, relative_path: &str) -> TestDatabase {
    let sqlite = || TestDatabase {
        url: format!("sqlite://{}", folder.join(relative_path).display()),
        postgres: None,
    };
    if crate::BACKEND == Backend::Sqlite || relative_path != DEFAULT_SQLITE_FILE {
        return sqlite();
    }
    match PostgresCluster::shared() {
        Some(cluster) => TestDatabase::create_on(&cluster),
        None => sqlite(),
    }
}

/// Returns the URL of a new, empty database, as [`fresh_database`] picks it. The tests never
/// drop a PostgreSQL database made here: a throwaway cluster deletes it at exit, and a server
/// named by CLINIC_TEST_POSTGRES_URL keeps it.
#[allow(dead_code, reason = "the helpers call fresh_database, which drops what it creates")]
pub fn fresh_database_url(folder: &Path, relative_path: &str) -> String {
    let mut database = fresh_database(folder, relative_path);
    database.postgres = None;
    database.url.clone()
}

/// Builds a command for the binary with the settings every test uses. `settings` are extra
/// environment variables that override them, such as `("CLINIC_RATE_LIMIT", "on")`.
fn clinic_command(database_url: &str, settings: &[(&str, &str)]) -> Command {
    let mut command = Command::new(SERVER_BINARY);
    command
        .env("CLINIC_LISTEN", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("CLINIC_RATE_LIMIT", "off")
        .env("CLINIC_LOG_FORMAT", "json")
        // The line that reports the address is logged at info level, whatever RUST_LOG the
        // developer has set.
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in settings {
        command.env(name, value);
    }
    command
}

/// The lines a process wrote to stdout and stderr, shared with the threads that read them.
#[derive(Clone, Default)]
pub struct ServerLog(Arc<Mutex<Vec<String>>>);

impl ServerLog {
    fn push(&self, line: String) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line);
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Returns the last `count` lines joined by newlines, for failure messages.
    pub fn tail(&self, count: usize) -> String {
        let lines = self.lines();
        lines[lines.len().saturating_sub(count)..].join("\n")
    }
}

/// A running server. Dropping it kills the process.
pub struct ServerProcess {
    child: Child,
    address: SocketAddr,
    log: ServerLog,
}

impl ServerProcess {
    /// Starts the server and blocks until it logs the address it listens on.
    pub fn start(database_url: &str, settings: &[(&str, &str)]) -> ServerProcess {
        let mut child = clinic_command(database_url, settings)
            .spawn()
            .unwrap_or_else(|error| panic!("failed to start {SERVER_BINARY}: {error}"));

        // Drain both pipes for the whole life of the process, so that it never blocks on a
        // full pipe. The stdout reader also reports the address.
        let log = ServerLog::default();
        let (address_sender, address_receiver) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let readers = [
            drain_lines(stdout, log.clone(), Some(address_sender)),
            drain_lines(stderr, log.clone(), None),
        ];

        match address_receiver.recv_timeout(STARTUP_TIMEOUT) {
            Ok(address) => ServerProcess { child, address, log },
            Err(error) => {
                let _ = child.kill();
                let status = child.wait();
                for reader in readers {
                    let _ = reader.join();
                }
                panic!(
                    "the server did not log a \"listening on\" line ({error}). Exit status: {status:?}. Output:\n{}",
                    log.lines().join("\n")
                );
            }
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn log(&self) -> ServerLog {
        self.log.clone()
    }

    /// Sends SIGTERM with the system's `kill` command.
    pub fn send_sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("failed to run kill");
        assert!(status.success(), "kill -TERM {} failed: {status}", self.child.id());
    }

    /// Sends SIGKILL with the system's `kill` command: the process stops at once, without
    /// finishing requests or closing the database.
    pub fn send_sigkill(&self) {
        let status = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .expect("failed to run kill");
        assert!(status.success(), "kill -KILL {} failed: {status}", self.child.id());
    }

    /// Waits up to `timeout` for the process to exit and returns its status. Returns None
    /// when the process is still running.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_with_timeout(&mut self.child, timeout)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The process may already have exited, for example after SIGTERM.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The result of a one-shot command such as `hide-entry`.
pub struct CommandOutcome {
    pub status: ExitStatus,
    pub output: String,
}

/// Runs the binary with `args` against `database_url` and waits for it to exit.
pub fn run_command(database_url: &str, args: &[&str]) -> CommandOutcome {
    let mut child = clinic_command(database_url, &[])
        .args(args)
        .spawn()
        .unwrap_or_else(|error| panic!("failed to start {SERVER_BINARY} {args:?}: {error}"));
    let log = ServerLog::default();
    let readers = [
        drain_lines(child.stdout.take().expect("stdout is piped"), log.clone(), None),
        drain_lines(child.stderr.take().expect("stderr is piped"), log.clone(), None),
    ];

    let status = wait_with_timeout(&mut child, COMMAND_TIMEOUT);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    for reader in readers {
        let _ = reader.join();
    }
    let output = log.lines().join("\n");
    let status = status.unwrap_or_else(|| {
        panic!("{args:?} did not exit within {COMMAND_TIMEOUT:?}; output:\n{output}")
    });
    CommandOutcome { status, output }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("failed to poll the child process") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Reads `pipe` line by line until it closes, keeps every line in `log`, and sends the
/// first listening address found to `address_sender`.
fn drain_lines(
    pipe: impl Read + Send + 'static,
    log: ServerLog,
    mut address_sender: Option<Sender<SocketAddr>>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&buffer).trim_end().to_owned();
            if let Some(address) = listening_address(&line) {
                if let Some(sender) = address_sender.take() {
                    let _ = sender.send(address);
                }
            }
            log.push(line);
        }
    })
}

/// Returns the address from the start-up line, such as
/// `{"message":"listening on http://127.0.0.1:41234/","address":"127.0.0.1:41234",...}`.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let event: Value = serde_json::from_str(line).ok()?;
    let message = event.get("message")?.as_str()?;
    let url = message.strip_prefix("listening on")?.trim();
    if let Some(address) = event.get("address").and_then(Value::as_str) {
        return address.parse().ok();
    }
    url.trim_start_matches("http://").trim_end_matches('/').parse().ok()
}
