//! A server killed with SIGKILL in the middle of a stream of submissions. The entry and the
//! stored response commit in one transaction, so after a restart every 201 the client saw
//! is still on the board, and a retry with the same key finishes the rest without doubling
//! any round.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ApiResponse, Strategy, TestApp, assert_problem};

const ROUNDS: usize = 30;
/// Submissions sent at the same time, so several are in flight when the server dies.
const WORKERS: usize = 6;
/// 201 responses received before the kill.
const CREATED_BEFORE_KILL: usize = 10;
/// A short lease, so a claim the killed server left behind frees itself within the test.
const SETTINGS: &[(&str, &str)] = &[("CLINIC_IDEMPOTENCY_LEASE", "1s")];

/// One round's submission, sent with the same key on every attempt.
#[derive(Debug, Clone)]
struct Submission {
    round_id: String,
    key: String,
    body: Value,
}

/// What a submission got from the server before it was killed.
#[derive(Debug)]
enum Outcome {
    Created { entry_id: String },
    Rejected { status: u16, body: String },
    /// The connection failed or closed before a response arrived.
    NoResponse,
}

fn entry_id_of(response: &ApiResponse) -> String {
    response.json()["entry_id"]
        .as_str()
        .unwrap_or_else(|| panic!("the 201 response has no entry_id: {}", response.body))
        .to_owned()
}

async fn prepare_submissions(app: &TestApp) -> Vec<Submission> {
    let tasks: Vec<_> = (0..ROUNDS)
        .map(|_| {
            let api = app.api().clone();
            tokio::spawn(async move { api.play_round(Strategy::AllCorrect).await })
        })
        .collect();
    let mut submissions = Vec::new();
    for task in tasks {
        let played = task.await.expect("a task playing a round panicked");
        submissions.push(Submission {
            body: json!({ "round_id": played.round_id, "nickname": "Ada" }),
            round_id: played.round_id,
            key: uuid::Uuid::new_v4().to_string(),
        });
    }
    submissions
}

/// Sends every submission from `WORKERS` tasks and kills the server once
/// `CREATED_BEFORE_KILL` of them got 201. Returns each round's outcome.
async fn submit_and_kill(app: &TestApp, submissions: &[Submission]) -> HashMap<String, Outcome> {
    let queue = Arc::new(Mutex::new(submissions.iter().cloned().collect::<VecDeque<_>>()));
    let outcomes = Arc::new(Mutex::new(HashMap::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let api = app.api().clone();
            let queue = Arc::clone(&queue);
            let outcomes = Arc::clone(&outcomes);
            tokio::spawn(async move {
                loop {
                    let Some(submission) = queue.lock().unwrap().pop_front() else { break };
                    let outcome = match api.try_submit_entry(&submission.body, &submission.key).await {
                        Ok(response) if response.status == 201 => Outcome::Created { entry_id: entry_id_of(&response) },
                        Ok(response) => Outcome::Rejected { status: response.status.as_u16(), body: response.body },
                        Err(_) => Outcome::NoResponse,
                    };
                    outcomes.lock().unwrap().insert(submission.round_id, outcome);
                }
            })
        })
        .collect();

    let created = || {
        let outcomes = outcomes.lock().unwrap();
        outcomes.values().filter(|outcome| matches!(outcome, Outcome::Created { .. })).count()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while created() < CREATED_BEFORE_KILL && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(created() >= CREATED_BEFORE_KILL, "only {} submissions got 201 within 10 s", created());
    app.send_sigkill();

    for worker in workers {
        worker.await.expect("a submission worker panicked");
    }
    Arc::try_unwrap(outcomes).expect("every worker has finished").into_inner().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_server_loses_no_entry() {
    let mut app = TestApp::spawn_with("clinic.db", SETTINGS).await;
    let submissions = prepare_submissions(&app).await;

    let outcomes = submit_and_kill(&app, &submissions).await;
    app.restart_server(SETTINGS).await;

    let pending: Vec<&Submission> = submissions
        .iter()
        .filter(|submission| !matches!(outcomes.get(&submission.round_id), Some(Outcome::Created { .. })))
        .collect();
    assert!(!pending.is_empty(), "the server was killed after every submission had its 201");
    let retries: Vec<_> = pending
        .into_iter()
        .map(|submission| {
            let api = app.api().clone();
            let submission = submission.clone();
            // Retry with the same key until 201, waiting out a claim the killed server left.
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(8);
                loop {
                    let response = api.submit_entry_with(&submission.body, Some(&submission.key)).await;
                    if response.status != 409 || Instant::now() >= deadline {
                        return (submission.round_id, response);
                    }
                    assert_problem(&response, 409, "idempotency-key-in-flight");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        })
        .collect();
    let mut retried = HashMap::new();
    for retry in retries {
        let (round_id, response) = retry.await.expect("a retry task panicked");
        retried.insert(round_id, response);
    }

    let entries = app.stored_entries().await;
    let mut entries_per_round: HashMap<&str, Vec<&str>> = HashMap::new();
    for entry in &entries {
        entries_per_round.entry(entry.round_id.as_str()).or_default().push(entry.id.as_str());
    }
    for (round_id, outcome) in &outcomes {
        match outcome {
            Outcome::Created { entry_id } => {
                let stored = entries_per_round.get(round_id.as_str()).cloned().unwrap_or_default();
                assert_eq!(stored, vec![entry_id.as_str()], "round {round_id} got 201 before the kill");
            }
            Outcome::Rejected { status, body } => {
                panic!("round {round_id} got {status} before the kill: {body}");
            }
            Outcome::NoResponse => {}
        }
    }
    for (round_id, response) in &retried {
        assert_eq!(response.status, 201, "retry of round {round_id}: {}", response.body);
        let stored = entries_per_round.get(round_id.as_str()).cloned().unwrap_or_default();
        assert_eq!(stored, vec![entry_id_of(response).as_str()], "round {round_id} after its retry");
    }
    for submission in &submissions {
        let count = entries_per_round.get(submission.round_id.as_str()).map_or(0, Vec::len);
        assert_eq!(count, 1, "entries of round {}", submission.round_id);
    }
    assert_eq!(entries.len(), ROUNDS);
}
