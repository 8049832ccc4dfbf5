//! What operators rely on: metrics, request ids and connection timeouts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{Strategy, TestApp};

#[tokio::test]
async fn metrics_count_game_events() {
    let app = TestApp::spawn().await;
    app.play_round(Strategy::AllCorrect).await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status, 200);
    assert!(response.body.contains("clinic_rounds_dealt_total 1"), "{}", response.body);
    assert!(response.body.contains("clinic_rounds_finished_total 1"));
    assert!(response.body.contains("http_request_duration_seconds_bucket"));
    assert!(response.body.contains("clinic_db_pool_connections"));
    // SQLite writes through one connection of its own; PostgreSQL writes through the pool.
    let writer_reported = response.body.contains("clinic_db_writer_connections 1");
    assert_eq!(writer_reported, !app.on_postgres(), "{}", response.body);
}

#[tokio::test]
async fn unknown_methods_share_one_metric_label() {
    let app = TestApp::spawn().await;
    for name in ["FOO", "BAR", "BAZ"] {
        app.request(Method::from_bytes(name.as_bytes()).unwrap(), "/healthz").await;
    }

    let body = app.get("/metrics").await.body;

    assert!(body.contains("method=\"other\""), "{body}");
    assert!(!body.contains("FOO"));
}

#[tokio::test]
async fn odd_request_id_replaced() {
    let app = TestApp::spawn().await;
    let long_id = "x".repeat(500);

    let response = app.send(app.http().get(app.url("/healthz")).header("x-request-id", &long_id)).await;

    let echoed = response.header("x-request-id").unwrap_or_default();
    assert!(!echoed.is_empty());
    assert_ne!(echoed, long_id);
}

#[tokio::test]
async fn plain_request_id_kept() {
    let app = TestApp::spawn().await;

    let response = app.send(app.http().get(app.url("/healthz")).header("x-request-id", "trace-42_a")).await;

    assert_eq!(response.header("x-request-id"), Some("trace-42_a"));
}

#[tokio::test]
async fn silent_connection_closed_after_header_timeout() {
    let app = TestApp::spawn_with("clinic.db", &[("CLINIC_HEADER_TIMEOUT", "1s")]).await;
    let address = app.api().url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let started = Instant::now();

    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        let mut buffer = [0u8; 16];
        matches!(stream.read(&mut buffer), Ok(0))
    })
    .await
    .unwrap();

    assert!(closed, "the server kept a silent connection open");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn trickled_headers_cut_off() {
    let app = TestApp::spawn_with("clinic.db", &[("CLINIC_HEADER_TIMEOUT", "1s")]).await;
    let address = app.api().url("").trim_start_matches("http://").trim_end_matches('/').to_owned();

    let cut_off = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(500));
            if stream.write_all(b"X-Slow: 1\r\n").is_err() {
                return true;
            }
        }
        stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut buffer = [0u8; 64];
        // Either the connection is closed or the server answered 408.
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => true,
            Ok(read) => String::from_utf8_lossy(&buffer[..read]).contains("408"),
        }
    })
    .await
    .unwrap();

    assert!(cut_off, "the server waited on headers past its header timeout");
}

#[tokio::test]
async fn request_line_logged_when_idle() {
    // Request lines are buffered; a single request must still show within the flush interval.
    let app = TestApp::spawn().await;

    app.send(app.http().get(app.url("/healthz")).header("x-request-id", "log-check-7")).await;

    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let output = app.server_output();
        if output.lines().any(|line| line.contains("log-check-7") && line.contains("/healthz")) {
            break;
        }
        assert!(Instant::now() < deadline, "no request line for the request within 3 s:\n{output}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `head` on a new connection, then `trickle` single body bytes 300 ms apart, and
/// returns what the server sends back within 5 s.
fn raw_exchange(address: String, head: &'static [u8], trickle: usize) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(head).unwrap();
    for _ in 0..trickle {
        std::thread::sleep(Duration::from_millis(300));
        if stream.write_all(b" ").is_err() {
            break;
        }
    }
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    // Headers and body may come in separate reads; the server closes after an error.
    while let Ok(read @ 1..) = stream.read(&mut buffer) {
        response.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn trickled_body_cut_off() {
    // Each byte arrives well within the timeout; the whole body does not.
    let app = TestApp::spawn_with("clinic.db", &[("CLINIC_BODY_TIMEOUT", "1s")]).await;
    let address = app.api().url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let head = b"POST /api/games/idempotency-key-clinic/rounds HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let started = Instant::now();

    let response = tokio::task::spawn_blocking(move || raw_exchange(address, head, 8)).await.unwrap();

    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("body-timeout"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn oversized_length_rejected_at_once() {
    let app = TestApp::spawn_with("clinic.db", &[("CLINIC_BODY_TIMEOUT", "5s")]).await;
    let address = app.api().url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let head = b"POST /api/games/idempotency-key-clinic/rounds HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n";
    let started = Instant::now();

    let response = tokio::task::spawn_blocking(move || raw_exchange(address, head, 0)).await.unwrap();

    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(3), "the server waited for the body");
}
