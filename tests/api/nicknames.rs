//! Nickname rules on `POST /api/leaderboards/{slug}/entries`. Each rejected nickname is
//! submitted with a finished round, so the nickname is the only reason to reject it.

use crate::helpers::{Strategy, Table, TestApp, assert_problem};

async fn assert_nickname_rejected(nickname: &str, rule: &str) {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;

    let response = app.submit_entry(&played.round_id, nickname).await;

    let body = assert_problem(&response, 422, "invalid-nickname");
    assert_eq!(body["rule"], rule, "rule for nickname {nickname:?}");
    assert_eq!(app.count_rows(Table::LeaderboardEntries).await, 0);
}

async fn assert_nickname_stored(nickname: &str, stored_nickname: &str) {
    let app = TestApp::spawn().await;
    let played = app.play_round(Strategy::AllCorrect).await;

    let response = app.submit_entry(&played.round_id, nickname).await;

    assert_eq!(response.status, 201, "nickname {nickname:?}: {}", response.body);
    assert_eq!(response.json()["nickname"], stored_nickname);
    let stored = app.stored_entries().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].nickname, stored_nickname);
}

#[tokio::test]
async fn empty_nickname_rejected() {
    assert_nickname_rejected("", "nickname-empty").await;
}

#[tokio::test]
async fn blank_nickname_rejected() {
    assert_nickname_rejected("    ", "nickname-empty").await;
}

#[tokio::test]
async fn long_nickname_rejected() {
    assert_nickname_rejected(&"a".repeat(25), "nickname-too-long").await;
}

#[tokio::test]
async fn control_character_rejected() {
    assert_nickname_rejected("Ada\u{7}", "nickname-control-character").await;
}

#[tokio::test]
async fn newline_rejected() {
    assert_nickname_rejected("Ada\nLovelace", "nickname-control-character").await;
}

#[tokio::test]
async fn bidi_override_rejected() {
    assert_nickname_rejected("\u{202E}Ada", "nickname-invisible-character").await;
}

#[tokio::test]
async fn zero_width_space_rejected() {
    assert_nickname_rejected("A\u{200B}da", "nickname-invisible-character").await;
}

#[tokio::test]
async fn script_tag_rejected() {
    assert_nickname_rejected("<script>", "nickname-disallowed-character").await;
}

#[tokio::test]
async fn nickname_at_limit_accepted() {
    let nickname = "b".repeat(24);
    assert_nickname_stored(&nickname, &nickname).await;
}

#[tokio::test]
async fn nickname_is_trimmed() {
    assert_nickname_stored("  Ada Lovelace  ", "Ada Lovelace").await;
}

#[tokio::test]
async fn nickname_normalized_to_nfc() {
    assert_nickname_stored("Jose\u{301}", "Jos\u{e9}").await;
}

#[tokio::test]
async fn invisible_letters_rejected() {
    assert_nickname_rejected("\u{3164}\u{3164}\u{3164}", "nickname-invisible-character").await;
}

#[tokio::test]
async fn lone_marks_rejected() {
    assert_nickname_rejected("\u{301}\u{301}", "nickname-combining-marks").await;
}

#[tokio::test]
async fn punctuation_only_rejected() {
    assert_nickname_rejected("._-'", "nickname-no-letter-or-digit").await;
}
