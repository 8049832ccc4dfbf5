//! Opening the database named by a URL and bringing its schema up to date.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Connection, Executor};

use super::Storage;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// How long start-up keeps trying to reach the database before it gives up.
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(30),
        }
    }
}

impl Storage {
    /// Connects to the database at `url` and applies pending migrations.
    ///
    /// For a SQLite file the parent folder and the file are created when missing.
    pub async fn connect(url: &str, settings: &PoolSettings) -> anyhow::Result<Storage> {
        install_default_drivers();
        let (kind, url) = prepare_url(url)?;
        let in_memory = kind == DatabaseKind::Sqlite && url.contains(":memory:");

        let mut options = AnyPoolOptions::new().acquire_timeout(settings.acquire_timeout);
        if in_memory {
            // Every SQLite connection to ":memory:" opens a database of its own, so an
            // in-memory database lives only as long as its single connection.
            options = options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        } else {
            options = options.max_connections(settings.max_connections);
        }
        if kind == DatabaseKind::Sqlite {
            // A connection to a local file does not go stale, and the check before each use
            // would cost a round trip to the connection's worker thread.
            options = options.test_before_acquire(false);
            options = options.after_connect(move |connection, _| {
                Box::pin(async move {
                    // WAL lets readers go on while one writer commits; the busy timeout makes a
                    // second writer wait for the lock instead of failing at once.
                    if !in_memory {
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    connection.execute("PRAGMA foreign_keys = ON").await?;
                    connection.execute("PRAGMA busy_timeout = 5000").await?;
                    Ok(())
                })
            });
        }

        let pool = connect_with_retries(options.clone(), &url, kind, settings.connect_timeout).await?;
        let migrator = match kind {
            DatabaseKind::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.context("failed to apply database migrations")?;
        tracing::info!(database = kind.as_str(), "database migrations applied");

        // An in-memory database has a single connection already, which does every write.
        let own_writer = if kind == DatabaseKind::Sqlite && !in_memory {
            let writer = options.max_connections(1).connect(&url).await;
            Some(writer.context("failed to open the SQLite writing connection")?)
        } else {
            None
        };
        Ok(Storage { pool, own_writer, kind })
    }
}

/// Connects, retrying with a growing pause while the database is unreachable (it may still
/// be starting next to this server), until `timeout` has passed.
async fn connect_with_retries(
    options: AnyPoolOptions,
    url: &str,
    kind: DatabaseKind,
    timeout: Duration,
) -> anyhow::Result<sqlx::AnyPool> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pause = Duration::from_millis(250);
    loop {
        // A single connection fails fast when the server refuses it, where a pool would wait
        // for its whole acquire timeout.
        let probe = match sqlx::AnyConnection::connect(url).await {
            Ok(connection) => {
                let _ = connection.close().await;
                options.clone().connect(url).await
            }
            Err(error) => Err(error),
        };
        match probe {
            Ok(pool) => return Ok(pool),
            Err(error) if tokio::time::Instant::now() + pause < deadline => {
                // The URL is not logged because it may contain a password.
                tracing::warn!(%error, database = kind.as_str(), retry_in = ?pause, "database unreachable; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "failed to connect to the {} database within {timeout:?}; check --database-url and that the database is running",
                        kind.as_str()
                    )
                });
            }
        }
    }
}

/// Works out the database kind from the URL and, for a SQLite file, makes sure it can be
/// created: the folder must exist and the URL must ask for read-write-create mode.
fn prepare_url(url: &str) -> anyhow::Result<(DatabaseKind, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((DatabaseKind::Postgres, url.to_owned()));
    }
    let Some(rest) = url.strip_prefix("sqlite:") else {
        anyhow::bail!(
            "unsupported database URL {url:?}: expected sqlite://PATH, sqlite::memory: or postgres://..."
        );
    };
    if rest.starts_with(":memory:") {
        return Ok((DatabaseKind::Sqlite, url.to_owned()));
    }

    let (path, query) = match rest.trim_start_matches("//").split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest.trim_start_matches("//"), None),
    };
    if path.is_empty() {
        anyhow::bail!("the SQLite URL {url:?} names no file");
    }
    if let Some(parent) = Path::new(path).parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create the database folder {}", parent.display()))?;
    }
    let url = match query {
        Some(query) if query.contains("mode=") => url.to_owned(),
        Some(query) => format!("sqlite://{path}?{query}&mode=rwc"),
        None => format!("sqlite://{path}?mode=rwc"),
    };
    Ok((DatabaseKind::Sqlite, url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_url_gets_create_mode() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested/clinic.db");
        let (kind, url) = prepare_url(&format!("sqlite://{}", path.display())).unwrap();
        assert_eq!(kind, DatabaseKind::Sqlite);
        assert_eq!(url, format!("sqlite://{}?mode=rwc", path.display()));
        assert!(path.parent().unwrap().is_dir());
    }

    #[test]
    fn memory_url_is_kept() {
        let (kind, url) = prepare_url("sqlite::memory:").unwrap();
        assert_eq!(kind, DatabaseKind::Sqlite);
        assert_eq!(url, "sqlite::memory:");
    }

    #[test]
    fn postgres_url_is_kept() {
        let (kind, _) = prepare_url("postgres://app@127.0.0.1/clinic").unwrap();
        assert_eq!(kind, DatabaseKind::Postgres);
    }

    #[test]
    fn other_schemes_are_rejected() {
        assert!(prepare_url("mysql://localhost/db").is_err());
    }
}
