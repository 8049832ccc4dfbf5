//! One test's world: a fresh database folder, a server using it, an HTTP client for it, and
//! a connection pool to read what the server stored.

use std::ops::Deref;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tempfile::TempDir;

use super::client::ApiClient;
use super::server::{CommandOutcome, ServerProcess, fresh_database_url, run_command};

/// A server started for one test. Its endpoint helpers come from [`ApiClient`].
///
/// Fields drop in declaration order, so the server stops before its folder is removed.
pub struct TestApp {
    api: ApiClient,
    database_url: String,
    server: ServerProcess,
    database: AnyPool,
    folder: TempDir,
}

impl TestApp {
    /// Starts a server with a new database of its own.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with("clinic.db", &[]).await
    }

    /// Starts a server whose SQLite file is at `relative_path` inside a new temporary folder,
    /// with extra environment `settings` such as `("CLINIC_RATE_LIMIT", "on")`.
    pub async fn spawn_with(relative_path: &str, settings: &[(&str, &str)]) -> TestApp {
        let folder = tempfile::tempdir().expect("failed to create a temporary folder");
        let database_url = fresh_database_url(folder.path(), relative_path);

        // Starting blocks on the child's output, so it runs off the async worker.
        let url = database_url.clone();
        let settings: Vec<(String, String)> =
            settings.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        let start = move || {
            let settings: Vec<(&str, &str)> =
                settings.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
            ServerProcess::start(&url, &settings)
        };
        let server = match tokio::task::spawn_blocking(start).await {
            Ok(server) => server,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };

        let api = ApiClient::new(server.address(), server.log());
        let database = connect_reader(&database_url).await;
        TestApp { api, database_url, server, database, folder }
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    pub fn database(&self) -> &AnyPool {
        &self.database
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

    /// Blocks until the server exits or `timeout` passes. Returns None when it still runs.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.server.wait_for_exit(timeout)
    }
}

impl Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
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
