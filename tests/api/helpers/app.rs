//! One test's world: a fresh database (a SQLite file in a temporary folder, or a PostgreSQL
//! database), a server using it, an HTTP client for it, and a connection pool to read what
//! the server stored.

use std::ops::Deref;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tempfile::TempDir;

use super::client::ApiClient;
use super::server::{CommandOutcome, PostgresCluster, ServerProcess, TestDatabase, fresh_database, run_command};

/// A server started for one test. Its endpoint helpers come from [`ApiClient`].
///
/// Fields drop in declaration order, so the server stops before its database is dropped and
/// its folder is removed.
pub struct TestApp {
    api: ApiClient,
    database_url: String,
    server: ServerProcess,
    database: AnyPool,
    /// Shared with the servers that [`TestApp::spawn_peer`] starts. The last one to go drops it.
    test_database: Arc<TestDatabase>,
    folder: TempDir,
    /// The extra environment the server was started with.
    settings: Vec<(String, String)>,
}

impl TestApp {
    /// Starts a server with a new database of its own.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with("clinic.db", &[]).await
    }

    /// Starts a server with a new database, with extra environment `settings` such as
    /// `("CLINIC_RATE_LIMIT", "on")`. The database is a SQLite file at `relative_path` inside
    /// a new temporary folder, or a PostgreSQL database when the test binary runs on
    /// PostgreSQL and `relative_path` is the default `clinic.db` (see
    /// [`fresh_database`](super::server::fresh_database)).
    pub async fn spawn_with(relative_path: &str, settings: &[(&str, &str)]) -> TestApp {
        let folder = tempfile::tempdir().expect("failed to create a temporary folder");
        let folder_path = folder.path().to_owned();
        let relative_path = relative_path.to_owned();
        let test_database = run_blocking(move || fresh_database(&folder_path, &relative_path)).await;
        TestApp::start(Arc::new(test_database), folder, owned_settings(settings)).await
    }

    /// Starts a server on `test_database` and opens the reader pool on it.
    async fn start(test_database: Arc<TestDatabase>, folder: TempDir, settings: Vec<(String, String)>) -> TestApp {
        let database_url = test_database.url().to_owned();
        let url = database_url.clone();
        let server_settings = settings.clone();
        let server = run_blocking(move || {
            let settings: Vec<(&str, &str)> =
                server_settings.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
            ServerProcess::start(&url, &settings)
        })
        .await;

        let api = ApiClient::new(server.address(), server.log());
        let database = connect_reader(&database_url).await;
        TestApp { api, database_url, server, database, test_database, folder, settings }
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    pub fn database(&self) -> &AnyPool {
        &self.database
    }

    pub fn on_postgres(&self) -> bool {
        self.test_database.is_postgres()
    }

    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Returns what the server has logged so far, for failure messages.
    pub fn server_output(&self) -> String {
        self.server.log().lines().join("\n")
    }

    /// Runs a subcommand of the binary, such as `hide-entry ID`, against this test's database.
    pub async fn run_command(&self, args: &[&str]) -> CommandOutcome {
        let url = self.database_url.clone();
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let outcome = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_command(&url, &args)
        })
        .await;
        match outcome {
            Ok(outcome) => outcome,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    pub fn send_sigterm(&self) {
        self.server.send_sigterm();
    }

    /// Kills the server with SIGKILL, as a crash or an out-of-memory kill would.
    pub fn send_sigkill(&self) {
        self.server.send_sigkill();
    }

    /// Starts a new server on this test's existing database, with extra environment
    /// `settings`, after the old one has exited. Clones of the old [`ApiClient`] keep pointing
    /// at the old address, so take a new one from [`TestApp::api`].
    pub async fn restart_server(&mut self, settings: &[(&str, &str)]) {
        let exited = self.server.wait_for_exit(Duration::from_secs(10));
        assert!(exited.is_some(), "the old server still runs; stop it before restarting");

        let url = self.database_url.clone();
        let settings: Vec<(String, String)> =
            settings.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        let start = move || {
            let settings: Vec<(&str, &str)> =
                settings.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
            ServerProcess::start(&url, &settings)
        };
        self.server = match tokio::task::spawn_blocking(start).await {
            Ok(server) => server,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        self.api = ApiClient::new(self.server.address(), self.server.log());
    }

    /// Blocks until the server exits or `timeout` passes. Returns None when it still runs.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.server.wait_for_exit(timeout)
    }
}

#[allow(dead_code, reason = "only the PostgreSQL-only tests in tests/api_postgres call these")]
impl TestApp {
    /// Starts a server with a new database on `cluster`, such as a cluster the test restarts,
    /// with extra environment `settings`.
    pub async fn spawn_on(cluster: &Arc<PostgresCluster>, settings: &[(&str, &str)]) -> TestApp {
        let folder = tempfile::tempdir().expect("failed to create a temporary folder");
        let cluster = Arc::clone(cluster);
        let test_database = run_blocking(move || TestDatabase::create_on(&cluster)).await;
        TestApp::start(Arc::new(test_database), folder, owned_settings(settings)).await
    }

    /// Starts a second server process on this test's database with the same settings, as a
    /// second instance behind a load balancer runs. The two processes share nothing but
    /// the database.
    ///
    /// # Panics
    ///
    /// When the database is a SQLite file, which one process at a time should use.
    pub async fn spawn_peer(&self) -> TestApp {
        assert!(
            self.test_database.is_postgres(),
            "a second server needs a PostgreSQL database, not {}",
            self.database_url
        );
        let folder = tempfile::tempdir().expect("failed to create a temporary folder");
        TestApp::start(Arc::clone(&self.test_database), folder, self.settings.clone()).await
    }
}

impl Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

fn owned_settings(settings: &[(&str, &str)]) -> Vec<(String, String)> {
    settings.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
}

/// Runs blocking work, such as starting a process and waiting for its output, off the async
/// worker, and passes its panic on to the test.
async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Opens a small pool on the server's database. The server has created and migrated it by
/// the time it listens.
async fn connect_reader(database_url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(database_url)
        .await
        .unwrap_or_else(|error| panic!("failed to open the test database {database_url}: {error}"))
}
