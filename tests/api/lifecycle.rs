//! Starting and stopping the server process.

use std::time::Duration;

use crate::helpers::TestApp;

/// Time the server gets to stop after SIGTERM when no request is in flight.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn sigterm_exits_cleanly() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status, 200);

    app.send_sigterm();
    let status = app.wait_for_exit(STOP_TIMEOUT);

    let status = status.unwrap_or_else(|| panic!("the server still runs {STOP_TIMEOUT:?} after SIGTERM"));
    assert!(status.success(), "exit status {status}; output:\n{}", app.server_output());
}

#[tokio::test]
async fn database_folder_created() {
    let app = TestApp::spawn_with("missing/nested/clinic.db", &[]).await;

    let database_file = app.folder().join("missing/nested/clinic.db");

    assert!(database_file.is_file(), "no database file at {}", database_file.display());
    assert_eq!(app.games().await.status, 200);
}

#[tokio::test]
async fn unreachable_database_exits_with_message() {
    // Port 1 on loopback refuses connections, as a database that is not running does.
    let outcome = tokio::task::spawn_blocking(|| {
        crate::helpers::run_command(
            "postgres://clinic@127.0.0.1:1/clinic",
            &["serve", "--listen", "127.0.0.1:0", "--db-connect-timeout", "1s"],
        )
    })
    .await
    .unwrap();

    assert!(!outcome.status.success(), "the server started without a database");
    assert!(outcome.output.contains("failed to connect to the postgres database"), "{}", outcome.output);
    assert!(outcome.output.contains("retrying"), "no retry was logged: {}", outcome.output);
}

#[tokio::test]
async fn silent_connection_does_not_delay_stop() {
    let mut app = TestApp::spawn_with(
        "clinic.db",
        &[("CLINIC_HEADER_TIMEOUT", "30s"), ("CLINIC_SHUTDOWN_TIMEOUT", "20")],
    )
    .await;
    let address = app.api().url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    // Connected, but not a byte sent: the server waits for the first one.
    let _silent = std::net::TcpStream::connect(address).unwrap();
    assert_eq!(app.get("/healthz").await.status, 200);
    let started = std::time::Instant::now();

    app.send_sigterm();
    let status = app.wait_for_exit(Duration::from_secs(15));

    let status = status.unwrap_or_else(|| {
        panic!("the server waited on a silent connection; output:\n{}", app.server_output())
    });
    assert!(status.success(), "exit status {status}");
    assert!(started.elapsed() < STOP_TIMEOUT, "stopping took {:?}", started.elapsed());
}
