//! Two server processes on one PostgreSQL database, as two instances behind a load balancer
//! run. Submissions that race across both with the same idempotency key, or with the same
//! round under different keys, still make exactly one entry.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::helpers::{ApiResponse, PostgresCluster, Strategy, Table, TestApp, assert_problem};

/// Races per test, each on a new round.
const RACES: usize = 4;
/// Submissions per race, sent alternately to the two servers.
const SUBMISSIONS: usize = 16;

fn entry_body(round_id: &str) -> Value {
    json!({ "round_id": round_id, "nickname": "Ada" })
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn is_replay(response: &ApiResponse) -> bool {
    response.header("idempotent-replayed") == Some("true")
}

fn entry_id_of(response: &ApiResponse) -> String {
    response.json()["entry_id"]
        .as_str()
        .unwrap_or_else(|| panic!("the 201 response has no entry_id: {}", response.body))
        .to_owned()
}

/// Starts two servers on one new PostgreSQL database. Returns None when PostgreSQL is not
/// available outside CI, after the notice of [`PostgresCluster::shared`].
async fn spawn_two_servers() -> Option<(TestApp, TestApp)> {
    PostgresCluster::shared()?;
    let first = TestApp::spawn().await;
    let second = first.spawn_peer().await;
    Some((first, second))
}

/// Sends `SUBMISSIONS` submissions of `round_id`, alternately to `first` and `second`, all
/// released at once. `key_for` gives the idempotency key of the submission at an index.
async fn race(first: &TestApp, second: &TestApp, round_id: &str, key_for: impl Fn(usize) -> String) -> Vec<ApiResponse> {
    let barrier = Arc::new(Barrier::new(SUBMISSIONS));
    let tasks: Vec<_> = (0..SUBMISSIONS)
        .map(|index| {
            let api = if index % 2 == 0 { first.api().clone() } else { second.api().clone() };
            let barrier = Arc::clone(&barrier);
            let body = entry_body(round_id);
            let key = key_for(index);
            tokio::spawn(async move {
                barrier.wait().await;
                api.submit_entry_with(&body, Some(&key)).await
            })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.expect("a submission task panicked"));
    }
    responses
}

/// Returns the ids of the stored entries of `round_id`.
async fn entries_of_round(app: &TestApp, round_id: &str) -> Vec<String> {
    app.stored_entries()
        .await
        .into_iter()
        .filter(|entry| entry.round_id == round_id)
        .map(|entry| entry.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_key_across_two_servers() {
    let Some((first, second)) = spawn_two_servers().await else { return };

    for race_number in 1..=RACES {
        let played = first.play_round(Strategy::AllCorrect).await;
        let key = new_key();

        let responses = race(&first, &second, &played.round_id, |_| key.clone()).await;

        let originals: Vec<&ApiResponse> =
            responses.iter().filter(|response| response.status == 201 && !is_replay(response)).collect();
        assert_eq!(originals.len(), 1, "race {race_number}: 201 responses without the replay header");
        let original = originals[0];
        for response in responses.iter().filter(|response| response.status == 201 && is_replay(response)) {
            assert_eq!(response.body, original.body, "race {race_number}: a replay differs from the original");
        }
        for response in responses.iter().filter(|response| response.status != 201) {
            assert_problem(response, 409, "idempotency-key-in-flight");
        }
        let stored = entries_of_round(&first, &played.round_id).await;
        assert_eq!(stored, vec![entry_id_of(original)], "race {race_number}: stored entries of the round");

        // Either server replays the response the other one may have stored.
        for (name, app) in [("first", &first), ("second", &second)] {
            let retry = app.submit_entry_with(&entry_body(&played.round_id), Some(&key)).await;
            assert_eq!(retry.status, 201, "race {race_number}: retry on the {name} server: {}", retry.body);
            assert!(is_replay(&retry), "race {race_number}: the retry on the {name} server is not a replay");
            assert_eq!(retry.body, original.body, "race {race_number}: replay on the {name} server");
        }
    }
    assert_eq!(first.count_rows(Table::LeaderboardEntries).await, RACES as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_round_across_two_servers() {
    let Some((first, second)) = spawn_two_servers().await else { return };

    for race_number in 1..=RACES {
        let played = first.play_round(Strategy::AllCorrect).await;

        let responses = race(&first, &second, &played.round_id, |_| new_key()).await;

        let created: Vec<&ApiResponse> = responses.iter().filter(|response| response.status == 201).collect();
        assert_eq!(created.len(), 1, "race {race_number}: 201 responses for one round under different keys");
        assert!(!is_replay(created[0]), "race {race_number}: a new key got a replay");
        let entry_id = entry_id_of(created[0]);
        for response in responses.iter().filter(|response| response.status != 201) {
            let body = assert_problem(response, 409, "round-already-submitted");
            assert_eq!(body["entry_id"], entry_id.as_str(), "race {race_number}: entry named in the 409");
        }
        let stored = entries_of_round(&first, &played.round_id).await;
        assert_eq!(stored, vec![entry_id], "race {race_number}: stored entries of the round");
    }
    assert_eq!(first.count_rows(Table::LeaderboardEntries).await, RACES as i64);
    // A rejected submission releases its key, so only the winners' keys remain.
    assert_eq!(second.count_rows(Table::IdempotencyKeys).await, RACES as i64);
}

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let Some(cluster) = PostgresCluster::shared() else { return };
    let (name, url) = cluster.create_database();

    // Both processes find an empty database and run the migrations at the same moment.
    let starts: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || crate::helpers::ServerProcess::start(&url, &[]))
        })
        .collect();
    let servers: Vec<_> = starts.into_iter().map(|start| start.join().expect("server start panicked")).collect();

    let client = reqwest::Client::new();
    for server in &servers {
        let ready = client.get(format!("http://{}/readyz", server.address())).send().await.expect("readyz answers");
        assert_eq!(ready.status(), 200);
    }
    let pool = sqlx::AnyPool::connect(&url).await.expect("the test database accepts connections");
    let applied: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS applied FROM _sqlx_migrations").fetch_one(&pool).await.unwrap(),
        "applied",
    );
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap().count();
    assert_eq!(applied, files as i64, "each migration is recorded once");
    pool.close().await;
    drop(servers);
    cluster.drop_database(&name);
}
