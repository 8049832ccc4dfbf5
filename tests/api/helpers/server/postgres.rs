//! PostgreSQL for the tests: the server named by `CLINIC_TEST_POSTGRES_URL`, or a throwaway
//! cluster started from the local PostgreSQL binaries, and one database per test on it.
//!
//! A cluster started here is stopped and deleted by a watchdog process that waits for the
//! test process to exit, because a test binary exits without running the destructors of
//! statics.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

/// Environment variable with the admin URL of a running server, such as
/// `postgres://postgres@127.0.0.1:5432/postgres`. Its role must be allowed to create and drop
/// databases. When it is set, no cluster is started for the shared tests.
pub const URL_VARIABLE: &str = "CLINIC_TEST_POSTGRES_URL";

/// Folder where Debian and Ubuntu install each major version, as `N/bin`, off the PATH.
const DEBIAN_INSTALL_ROOT: &str = "/usr/lib/postgresql";

/// Time a statement on the admin connection, such as `CREATE DATABASE`, gets to finish.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Seconds `pg_ctl` waits for a start, stop or restart.
const PG_CTL_WAIT_SECS: &str = "60";

/// Attempts at starting a cluster, each on a newly picked port, because another process can
/// take a free port between the check and the start.
const START_ATTEMPTS: usize = 3;

/// A PostgreSQL server the tests create their databases on.
pub struct PostgresCluster {
    admin_url: String,
    /// Present when these tests started the cluster and so may restart it.
    local: Option<LocalCluster>,
}

/// A cluster in a temporary folder, started from the local binaries.
struct LocalCluster {
    bin_dir: PathBuf,
    /// The temporary folder with `data/` and `postgres.log`.
    root: PathBuf,
    port: u16,
    /// Whether commands run as the `postgres` user, because initdb and pg_ctl refuse root.
    as_postgres_user: bool,
    /// The watchdog and the write end of its stdin. Closing the pipe, by dropping it here or
    /// by the exit of the test process, makes the watchdog stop the cluster and delete `root`.
    watchdog: Option<(Child, ChildStdin)>,
}

impl PostgresCluster {
    /// Returns the server shared by every test in this process, starting a cluster on first
    /// use. Returns None, after a notice on stderr, when no PostgreSQL is available and CI is
    /// not `true`.
    ///
    /// # Panics
    ///
    /// With `CI=true` when no PostgreSQL is available, and whenever a cluster fails to start.
    pub fn shared() -> Option<Arc<PostgresCluster>> {
        static SHARED: OnceLock<Option<Arc<PostgresCluster>>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                if let Some(admin_url) = std::env::var(URL_VARIABLE).ok().filter(|url| !url.is_empty()) {
                    return Some(Arc::new(PostgresCluster { admin_url, local: None }));
                }
                match LocalCluster::start() {
                    Ok(local) => Some(Arc::new(local.into_cluster())),
                    Err(reason) => {
                        report_unavailable(
                            &reason,
                            "The HTTP tests shared with tests/api run on SQLite in this binary instead, \
                             and the tests that need PostgreSQL are skipped.",
                        );
                        None
                    }
                }
            })
            .clone()
    }

    /// Starts a cluster for one test alone, such as a test that restarts it. The cluster
    /// stops and its folder is deleted when the last clone of the returned value is dropped.
    /// Returns None, after a notice on stderr, when no PostgreSQL binaries are installed and
    /// CI is not `true`.
    ///
    /// # Panics
    ///
    /// With `CI=true` when the binaries are missing, and whenever the cluster fails to start.
    #[allow(dead_code, reason = "only the PostgreSQL-only tests in tests/api_postgres call it")]
    pub fn start_dedicated() -> Option<Arc<PostgresCluster>> {
        match LocalCluster::start() {
            Ok(local) => Some(Arc::new(local.into_cluster())),
            Err(reason) => {
                report_unavailable(&reason, "This test needs a cluster of its own and is skipped.");
                None
            }
        }
    }

    /// Restarts the cluster with a fast shutdown: PostgreSQL rolls back open transactions,
    /// closes every connection and writes a checkpoint. It starts again on the same port at
    /// once with `pg_ctl restart` when `downtime` is zero, else after `downtime`. Blocks until
    /// the new server accepts connections.
    ///
    /// # Panics
    ///
    /// When the cluster was not started by these tests, or pg_ctl fails.
    #[allow(dead_code, reason = "only the PostgreSQL-only tests in tests/api_postgres call it")]
    pub fn restart(&self, downtime: Duration) {
        let local = self
            .local
            .as_ref()
            .expect("only a cluster started by the tests can be restarted, not one named by CLINIC_TEST_POSTGRES_URL");
        let options = local.server_options();
        if downtime.is_zero() {
            local.run_pg_ctl(&["-m", "fast", "-o", &options, "restart"]);
        } else {
            local.run_pg_ctl(&["-m", "fast", "stop"]);
            std::thread::sleep(downtime);
            local.run_pg_ctl(&["-o", &options, "start"]);
        }
    }

    /// Creates an empty database and returns its name and URL.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses the statement.
    pub fn create_database(&self) -> (String, String) {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        // template0 carries no objects a local administrator may have added to template1.
        let statement = format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'");
        if let Err(error) = run_admin_statement(&self.admin_url, &statement) {
            let source = match self.local {
                Some(_) => "the cluster the tests started".to_owned(),
                None => format!("the server named by {URL_VARIABLE}"),
            };
            let log = self.local.as_ref().map(LocalCluster::log_tail).unwrap_or_default();
            panic!("failed to create test database {name} on {source}: {error}\n{log}");
        }
        (name.clone(), database_url(&self.admin_url, &name))
    }

    /// Drops a database, closing the connections still open on it. A failure is reported
    /// on stderr and not raised, because this runs while a test is dropped.
    pub fn drop_database(&self, name: &str) {
        // WITH (FORCE) needs PostgreSQL 13 or later.
        if let Err(error) = run_admin_statement(&self.admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
            let _ = writeln!(std::io::stderr(), "warning: failed to drop test database {name}: {error}");
        }
    }
}

impl LocalCluster {
    /// Creates a cluster in a new temporary folder and starts it on a free loopback port,
    /// with a watchdog that stops it when the test process exits. Returns why PostgreSQL is
    /// unavailable when the binaries are missing or cannot be run.
    ///
    /// # Panics
    ///
    /// When the binaries exist but initdb or the start fails.
    fn start() -> Result<LocalCluster, String> {
        let bin_dir = find_bin_dir().ok_or_else(|| {
            format!(
                "no PostgreSQL found: {URL_VARIABLE} is not set, and initdb is neither in \
                 {DEBIAN_INSTALL_ROOT}/*/bin nor on the PATH."
            )
        })?;
        let as_postgres_user = current_user_is_root();
        let owner = if as_postgres_user {
            Some(postgres_user_ids().ok_or_else(|| {
                format!(
                    "PostgreSQL is installed in {}, but initdb refuses to run as root and there is no \
                     postgres user to run it as.",
                    bin_dir.display()
                )
            })?)
        } else {
            None
        };

        let root = tempfile::Builder::new()
            .prefix("clinic-postgres-")
            .tempdir()
            .expect("failed to create a temporary folder for the PostgreSQL cluster")
            .keep();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .unwrap_or_else(|error| panic!("failed to give {} to the postgres user: {error}", root.display()));
        }
        let mut cluster = LocalCluster { bin_dir, root, port: 0, as_postgres_user, watchdog: None };
        // From here on the watchdog deletes the folder, also when initdb or the start fails.
        cluster.start_watchdog();
        cluster.init_data_dir();
        cluster.start_on_free_port();
        Ok(cluster)
    }

    fn into_cluster(self) -> PostgresCluster {
        let admin_url = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        PostgresCluster { admin_url, local: Some(self) }
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// Builds a command for a PostgreSQL program, run as the postgres user when needed.
    fn command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        // A process group of its own keeps Ctrl+C in the terminal from reaching PostgreSQL,
        // so only the watchdog stops it, after the tests.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command.stdin(Stdio::null());
        command
    }

    fn init_data_dir(&self) {
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"])
            .output()
            .unwrap_or_else(|error| panic!("failed to run initdb from {}: {error}", self.bin_dir.display()));
        assert!(
            output.status.success(),
            "initdb failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Options of the postgres server process. Only loopback TCP and a socket inside the
    /// cluster's own folder, so that it touches no system-wide path.
    fn server_options(&self) -> String {
        format!(
            // fsync and full-page writes only protect against an operating-system crash, which
            // a throwaway cluster does not need to survive. Commits still wait for the WAL
            // write, so a restart of PostgreSQL itself loses nothing.
            "-c listen_addresses=127.0.0.1 -p {port} -k '{socket_dir}' -c fsync=off -c full_page_writes=off \
             -c max_connections=300",
            port = self.port,
            socket_dir = self.data_dir().display(),
        )
    }

    /// Runs pg_ctl on this cluster with `arguments` after the data folder, log and wait options.
    fn pg_ctl(&self, arguments: &[&str]) -> Output {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", PG_CTL_WAIT_SECS])
            .args(arguments)
            .output()
            .unwrap_or_else(|error| panic!("failed to run pg_ctl from {}: {error}", self.bin_dir.display()))
    }

    /// Runs pg_ctl like [`LocalCluster::pg_ctl`] and panics with its output and the server
    /// log when it fails.
    fn run_pg_ctl(&self, arguments: &[&str]) {
        let output = self.pg_ctl(arguments);
        assert!(
            output.status.success(),
            "pg_ctl {arguments:?} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.log_tail()
        );
    }

    fn start_on_free_port(&mut self) {
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            self.port = free_loopback_port();
            let output = self.pg_ctl(&["-o", &self.server_options(), "start"]);
            if output.status.success() {
                return;
            }
            failures.push(format!(
                "port {}: {} {}",
                self.port,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        panic!(
            "PostgreSQL from {} did not start in {START_ATTEMPTS} attempts:\n{}\n{}",
            self.bin_dir.display(),
            failures.join("\n"),
            self.log_tail()
        );
    }

    /// Starts a shell that waits for end of file on its stdin, then stops the cluster and
    /// deletes its folder. The test process has the only write end of that pipe, so the
    /// shell gets end of file when the process exits, however it exits.
    fn start_watchdog(&mut self) {
        let script = r#"cat >/dev/null
"$1" -D "$2/data" -m immediate stop >/dev/null 2>&1
rm -rf "$2""#;
        let mut child = match self.as_postgres_user {
            true => {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--", "sh"]);
                command
            }
            false => Command::new("sh"),
        };
        std::os::unix::process::CommandExt::process_group(&mut child, 0);
        let mut child = child
            .args(["-c", script, "postgres-test-watchdog"])
            .arg(self.bin_dir.join("pg_ctl"))
            .arg(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("failed to start the watchdog of the PostgreSQL cluster: {error}"));
        let stdin = child.stdin.take().expect("the watchdog's stdin is piped");
        self.watchdog = Some((child, stdin));
    }

    /// Returns the end of the server log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!("PostgreSQL log {}:\n{}", self.log_file().display(), lines[lines.len().saturating_sub(30)..].join("\n"))
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            // At end of file the watchdog stops the cluster and deletes its folder.
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// Panics with `reason` when CI is `true`. Otherwise writes `reason` and `fallback`, what the
/// tests do instead, to stderr as a notice.
fn report_unavailable(reason: &str, fallback: &str) {
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!(
            "{reason}\nWith CI=true a missing PostgreSQL is an error: install it (apt-get install postgresql) \
             or set {URL_VARIABLE}."
        );
    }
    // Written to the stderr stream directly, past the test harness's output capture, so
    // that the notice shows even when every test passes.
    let banner = "=".repeat(78);
    let _ = writeln!(
        std::io::stderr(),
        "\n{banner}\nNOTICE: {reason}\n{fallback}\nInstall PostgreSQL (apt-get install postgresql) or set {URL_VARIABLE} \
         to run them; with CI=true this is an error.\n{banner}\n"
    );
}

/// Returns the folder of the newest PostgreSQL binaries: the highest `N/bin` under the Debian
/// install root, else the folder of `initdb` on the PATH.
fn find_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_INSTALL_ROOT)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin_dir = entry.path().join("bin");
            bin_dir.join("initdb").is_file().then_some((version, bin_dir))
        })
        .collect();
    versions.sort();
    if let Some((_, bin_dir)) = versions.pop() {
        return Some(bin_dir);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|folder| folder.join("initdb").is_file())
}

fn current_user_is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("failed to run id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// Returns the user and group ids of the `postgres` user, or None when it does not exist.
fn postgres_user_ids() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let output = Command::new("id").args([flag, "postgres"]).output().ok()?;
        if !output.status.success() {
            return None;
        }
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// Returns a loopback port that was free a moment ago, below Linux's default range of
/// ephemeral ports (32768 to 60999). The servers under test listen on ephemeral ports, and
/// one of them could otherwise take the port of a cluster that is down for a restart.
fn free_loopback_port() -> u16 {
    const PORTS: std::ops::Range<u16> = 20_000..32_000;
    let span = u32::from(PORTS.end - PORTS.start);
    let start = uuid::Uuid::new_v4().as_u128() as u32 % span;
    (0..span)
        .map(|offset| PORTS.start + ((start + offset) % span) as u16)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .unwrap_or_else(|| panic!("no free loopback port in {PORTS:?}"))
}

/// Returns `admin_url` with its database replaced by `database`, keeping user, host, port
/// and query parameters such as `sslmode`.
fn database_url(admin_url: &str, database: &str) -> String {
    let mut url = reqwest::Url::parse(admin_url)
        .unwrap_or_else(|error| panic!("{URL_VARIABLE} is not a valid URL ({error})"));
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// Runs one statement on a new connection to `admin_url`, on a thread of its own so that it
/// works inside and outside an async runtime.
fn run_admin_statement(admin_url: &str, statement: &str) -> Result<(), String> {
    let admin_url = admin_url.to_owned();
    let statement = statement.to_owned();
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| format!("failed to build a runtime: {error}"))?;
        runtime.block_on(async {
            let work = async {
                let mut connection = PgConnection::connect(&admin_url).await?;
                connection.execute(statement.as_str()).await?;
                connection.close().await
            };
            match tokio::time::timeout(ADMIN_TIMEOUT, work).await {
                Ok(result) => result.map_err(|error| error.to_string()),
                Err(_) => Err(format!("timed out after {ADMIN_TIMEOUT:?}")),
            }
        })
    });
    worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
