//! PostgreSQL restarted twice under a stream of leaderboard submissions: at once, and after
//! a downtime longer than the server's wait for a pool connection, so that requests fail with
//! 503. The clients retry with the same idempotency key after a network error, a 503 or a
//! 409 in-flight, as a careful client does. Afterwards every 201 a client received is backed
//! by exactly one entry, no round has two entries, and the same server process serves again
//! without being restarted.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ApiResponse, GAME_SLUG, PostgresCluster, Strategy, TestApp};

/// Finished rounds prepared for the stream, more than it submits so that it never runs dry.
const ROUNDS: usize = 72;
const CLIENTS: usize = 4;
/// Submissions that end before the first restart, and after each restart.
const DONE_BETWEEN_RESTARTS: usize = 12;
/// Downtime of the second restart, longer than CLINIC_DB_ACQUIRE_TIMEOUT in `SETTINGS`.
const LONG_DOWNTIME: Duration = Duration::from_secs(3);
/// Pause of one client between two submissions.
const PAUSE: Duration = Duration::from_millis(10);
/// Backoff between attempts at one submission: doubling from the first to the maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// Time a client keeps retrying one submission before it gives up.
const RETRY_DEADLINE: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Time the stream gets to reach each milestone.
const STREAM_TIMEOUT: Duration = Duration::from_secs(60);
/// A short lease, so that a claim cut off by a restart frees itself within the test. A short
/// wait for a pool connection, so that requests fail fast while PostgreSQL is down.
const SETTINGS: &[(&str, &str)] = &[("CLINIC_IDEMPOTENCY_LEASE", "2s"), ("CLINIC_DB_ACQUIRE_TIMEOUT", "2")];

/// One round's submission, sent with the same key on every attempt.
#[derive(Debug, Clone)]
struct Submission {
    round_id: String,
    key: String,
    body: Value,
}

/// How a submission ended, after any retries.
#[derive(Debug)]
enum Ending {
    Created { entry_id: String, body: String },
    /// A response the client does not retry, other than 201.
    Rejected { status: u16, body: String },
    GaveUp { last_failure: String },
}

#[derive(Debug)]
struct Outcome {
    submission: Submission,
    ending: Ending,
    /// The failures that were retried, in order, such as "503 database-unavailable".
    retried: Vec<String>,
    first_sent_at: Instant,
    ended_at: Instant,
}

impl Outcome {
    /// Returns whether the submission was in progress at some time within `window`.
    fn overlaps(&self, window: &std::ops::Range<Instant>) -> bool {
        self.first_sent_at < window.end && self.ended_at > window.start
    }
}

/// The submissions in progress: a queue of rounds, a count of finished submissions, and
/// their outcomes.
struct Stream {
    queue: Mutex<VecDeque<Submission>>,
    done: AtomicUsize,
    stop: AtomicBool,
    outcomes: Mutex<Vec<Outcome>>,
}

async fn prepare_submissions(app: &TestApp) -> Vec<Submission> {
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let api = app.api().clone();
            tokio::spawn(async move {
                let mut played = Vec::new();
                for _ in 0..ROUNDS / CLIENTS {
                    played.push(api.play_round(Strategy::AllCorrect).await);
                }
                played
            })
        })
        .collect();
    let mut submissions = Vec::new();
    for task in tasks {
        for played in task.await.expect("a task playing rounds panicked") {
            submissions.push(Submission {
                body: json!({ "round_id": played.round_id, "nickname": "Ada" }),
                round_id: played.round_id,
                key: uuid::Uuid::new_v4().to_string(),
            });
        }
    }
    submissions
}

/// Sends one submission once. Returns the response, or the transport error as text.
async fn send_once(http: &reqwest::Client, url: &str, submission: &Submission) -> Result<ApiResponse, String> {
    let response = http
        .post(url)
        .header("idempotency-key", &submission.key)
        .json(&submission.body)
        .send()
        .await
        .map_err(|error| format!("request failed: {error}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.map_err(|error| format!("reading the {status} body failed: {error}"))?;
    Ok(ApiResponse { status, headers, body })
}

/// Returns the last segment of a problem body's type URI, or "" for another body.
fn problem_kind(response: &ApiResponse) -> String {
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    body["type"].as_str().and_then(|uri| uri.rsplit('/').next()).unwrap_or("").to_owned()
}

/// Sends a submission until it gets a response that is not worth retrying, retrying with the
/// same key after a transport error, a 503 or a 409 in-flight, with a doubling backoff.
async fn submit_until_settled(http: &reqwest::Client, url: &str, submission: Submission) -> Outcome {
    let first_sent_at = Instant::now();
    let deadline = first_sent_at + RETRY_DEADLINE;
    let mut backoff = FIRST_BACKOFF;
    let mut retried = Vec::new();
    let outcome = |submission, ending, retried| Outcome {
        submission,
        ending,
        retried,
        first_sent_at,
        ended_at: Instant::now(),
    };
    loop {
        let failure = match send_once(http, url, &submission).await {
            Ok(response) if response.status == 201 => {
                let entry_id = response.json()["entry_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("the 201 response has no entry_id: {}", response.body))
                    .to_owned();
                let ending = Ending::Created { entry_id, body: response.body };
                return outcome(submission, ending, retried);
            }
            Ok(response) => {
                let kind = problem_kind(&response);
                let retryable = response.status == 503 || (response.status == 409 && kind == "idempotency-key-in-flight");
                if !retryable {
                    let ending = Ending::Rejected { status: response.status.as_u16(), body: response.body };
                    return outcome(submission, ending, retried);
                }
                format!("{} {kind}", response.status.as_u16())
            }
            Err(transport_error) => transport_error,
        };
        if Instant::now() + backoff > deadline {
            let ending = Ending::GaveUp { last_failure: failure };
            return outcome(submission, ending, retried);
        }
        retried.push(failure);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Starts `CLIENTS` tasks that take submissions from the queue until it is empty or the
/// stream is stopped.
fn start_clients(app: &TestApp, stream: &Arc<Stream>) -> Vec<tokio::task::JoinHandle<()>> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("failed to build the HTTP client");
    let url = app.api().url(&format!("/api/leaderboards/{GAME_SLUG}/entries"));
    (0..CLIENTS)
        .map(|_| {
            let http = http.clone();
            let url = url.clone();
            let stream = Arc::clone(stream);
            tokio::spawn(async move {
                while !stream.stop.load(Ordering::SeqCst) {
                    let Some(submission) = stream.queue.lock().unwrap().pop_front() else { break };
                    let outcome = submit_until_settled(&http, &url, submission).await;
                    stream.outcomes.lock().unwrap().push(outcome);
                    stream.done.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(PAUSE).await;
                }
            })
        })
        .collect()
}

/// Waits until at least `count` submissions have ended.
async fn wait_for_done(stream: &Stream, count: usize, milestone: &str) {
    let deadline = Instant::now() + STREAM_TIMEOUT;
    while stream.done.load(Ordering::SeqCst) < count {
        let queued = stream.queue.lock().unwrap().len();
        assert!(
            Instant::now() < deadline && queued > 0,
            "{milestone}: {} of {count} submissions ended within {STREAM_TIMEOUT:?}, {queued} rounds still queued",
            stream.done.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Describes the outcomes that did not end in 201, one per line.
fn describe_unsettled(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .filter_map(|outcome| {
            let ending = match &outcome.ending {
                Ending::Created { .. } => return None,
                Ending::Rejected { status, body } => format!("got {status}: {body}"),
                Ending::GaveUp { last_failure } => format!("gave up after {RETRY_DEADLINE:?}, last failure: {last_failure}"),
            };
            Some(format!("round {}: {ending}; retried after {:?}", outcome.submission.round_id, outcome.retried))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Restarts `cluster` after `downtime` on a blocking thread. Returns the time span of the
/// restart.
async fn restart(cluster: &Arc<PostgresCluster>, downtime: Duration) -> std::ops::Range<Instant> {
    let cluster = Arc::clone(cluster);
    let started = Instant::now();
    if let Err(error) = tokio::task::spawn_blocking(move || cluster.restart(downtime)).await {
        std::panic::resume_unwind(error.into_panic());
    }
    started..Instant::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_loses_no_entry() {
    let cluster = match tokio::task::spawn_blocking(PostgresCluster::start_dedicated).await {
        Ok(Some(cluster)) => cluster,
        Ok(None) => return,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    };
    let mut app = TestApp::spawn_on(&cluster, SETTINGS).await;
    let submissions = prepare_submissions(&app).await;
    let stream = Arc::new(Stream {
        queue: Mutex::new(submissions.into_iter().collect()),
        done: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        outcomes: Mutex::new(Vec::new()),
    });

    // Restart PostgreSQL twice while the clients submit.
    let clients = start_clients(&app, &stream);
    let mut windows = Vec::new();
    for (name, downtime) in [("the quick restart", Duration::ZERO), ("the restart with downtime", LONG_DOWNTIME)] {
        let done_before = stream.done.load(Ordering::SeqCst);
        wait_for_done(&stream, done_before + DONE_BETWEEN_RESTARTS, &format!("before {name}")).await;
        windows.push((name, restart(&cluster, downtime).await));
    }
    let done_after = stream.done.load(Ordering::SeqCst);
    wait_for_done(&stream, done_after + DONE_BETWEEN_RESTARTS, "after the last restart").await;
    stream.stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.expect("a client task panicked");
    }
    let outcomes = std::mem::take(&mut *stream.outcomes.lock().unwrap());
    let retried: Vec<&String> = outcomes.iter().flat_map(|outcome| &outcome.retried).collect();
    eprintln!(
        "{} submissions; restarts took {:?}; retried after: {retried:?}",
        outcomes.len(),
        windows.iter().map(|(_, window)| window.end - window.start).collect::<Vec<_>>()
    );

    // Every submission ended in 201, and each restart happened while submissions ran.
    let unsettled = describe_unsettled(&outcomes);
    assert!(unsettled.is_empty(), "submissions that did not end in 201:\n{unsettled}");
    for (name, window) in &windows {
        let overlapping = outcomes.iter().filter(|outcome| outcome.overlaps(window)).count();
        assert!(overlapping > 0, "no submission was in progress during {name}");
    }
    assert!(!retried.is_empty(), "no submission was retried, although PostgreSQL was down for {LONG_DOWNTIME:?}");

    // Every 201 is backed by exactly one entry, and no round has two.
    let stored = app.stored_entries().await;
    let mut entries_per_round: HashMap<&str, usize> = HashMap::new();
    for entry in &stored {
        *entries_per_round.entry(entry.round_id.as_str()).or_default() += 1;
    }
    let doubled: Vec<_> = entries_per_round.iter().filter(|(_, count)| **count > 1).collect();
    assert!(doubled.is_empty(), "rounds with more than one entry: {doubled:?}");
    for outcome in &outcomes {
        let Ending::Created { entry_id, .. } = &outcome.ending else { unreachable!("checked above") };
        let matching: Vec<_> = stored.iter().filter(|entry| &entry.id == entry_id).collect();
        assert_eq!(matching.len(), 1, "stored entries with the id {entry_id} from a 201");
        assert_eq!(matching[0].round_id, outcome.submission.round_id, "round of entry {entry_id}");
    }
    assert_eq!(stored.len(), outcomes.len(), "entries stored for {} submitted rounds", outcomes.len());

    // The stored responses survived the restarts: a retry replays each one.
    for outcome in &outcomes {
        let Ending::Created { body, .. } = &outcome.ending else { unreachable!("checked above") };
        let round_id = &outcome.submission.round_id;
        let replay = app.submit_entry_with(&outcome.submission.body, Some(&outcome.submission.key)).await;
        assert_eq!(replay.status, 201, "replay for round {round_id}: {}", replay.body);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"), "replay for round {round_id}");
        assert_eq!(&replay.body, body, "replay for round {round_id}");
    }

    // The same server process recovered on its own.
    assert!(app.wait_for_exit(Duration::ZERO).is_none(), "the server exited:\n{}", app.server_output());
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "/readyz after the restarts: {}", ready.body);
    let played = app.play_round(Strategy::AllCorrect).await;
    let response = app.submit_entry(&played.round_id, "Grace").await;
    assert_eq!(response.status, 201, "a new submission after the restarts: {}", response.body);
}
