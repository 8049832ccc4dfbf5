//! Server-rendered HTML pages. The templates change often, so these checks stay loose:
//! status, media type, and the text a player looks for first.

use crate::helpers::{ApiResponse, GAME_SLUG, TestApp};

const GAME_TITLE: &str = "Idempotency Key Clinic";

fn assert_html_page(response: &ApiResponse, status: u16, page: &str) {
    assert_eq!(response.status, status, "{page}: {}", response.body);
    assert_eq!(response.content_type(), "text/html", "{page}");
    assert!(response.body.contains("<h1"), "{page}: no h1 heading");
}

#[tokio::test]
async fn catalogue_page() {
    let app = TestApp::spawn().await;

    let response = app.get("/").await;

    assert_html_page(&response, 200, "catalogue");
    assert!(response.body.contains(GAME_TITLE), "the catalogue does not name the game");
    assert!(response.body.contains(&format!("/games/{GAME_SLUG}/")), "the catalogue does not link the game");
}

#[tokio::test]
async fn game_page() {
    let app = TestApp::spawn().await;

    let response = app.get(&format!("/games/{GAME_SLUG}/")).await;

    assert_html_page(&response, 200, "game page");
    assert!(response.body.contains(GAME_TITLE), "the game page does not name the game");
}

#[tokio::test]
async fn game_page_lists_entries() {
    let app = TestApp::spawn().await;
    let played = app.play_round(crate::helpers::Strategy::AllCorrect).await;
    app.create_entry(&played.round_id, "Grace Hopper").await;

    let response = app.get(&format!("/games/{GAME_SLUG}/")).await;

    assert_html_page(&response, 200, "game page");
    assert!(response.body.contains("Grace Hopper"), "the game page does not list the entry");
}

#[tokio::test]
async fn progress_page() {
    let app = TestApp::spawn().await;

    let response = app.get("/progress/").await;

    assert_html_page(&response, 200, "progress page");
    assert!(response.body.contains(GAME_TITLE), "the progress page does not name the game");
}

#[tokio::test]
async fn unknown_page_not_found() {
    let app = TestApp::spawn().await;

    let response = app.get("/no-such-page").await;

    assert_html_page(&response, 404, "unknown page");
}

#[tokio::test]
async fn unknown_game_page_not_found() {
    let app = TestApp::spawn().await;

    let response = app.get("/games/no-such-game/").await;

    assert_html_page(&response, 404, "unknown game page");
}

#[tokio::test]
async fn reference_page_served() {
    let app = crate::helpers::TestApp::spawn().await;

    let response = app.get("/progress/reference/").await;

    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "text/html");
    assert!(response.body.contains("<h1"));
}

#[tokio::test]
async fn pages_link_versioned_assets() {
    let app = crate::helpers::TestApp::spawn().await;
    let page = app.get("/games/idempotency-key-clinic/").await.body;
    let start = page.find("/static/v-").expect("the page links a versioned asset");
    let href: String = page[start..].chars().take_while(|c| *c != '"').collect();

    let response = app
        .send(app.http().get(app.url(&href)).header("accept-encoding", "br, gzip"))
        .await;

    assert_eq!(response.status, 200, "{href}");
    assert_eq!(response.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(response.header("content-encoding"), Some("br"));
}

#[tokio::test]
async fn page_revalidates_with_etag() {
    let app = crate::helpers::TestApp::spawn().await;
    let first = app.get("/games/idempotency-key-clinic/").await;
    let etag = first.header("etag").expect("pages carry an ETag").to_owned();

    let second = app
        .send(app.http().get(app.url("/games/idempotency-key-clinic/")).header("if-none-match", &etag))
        .await;

    assert_eq!(second.status, 304);
    assert!(second.body.is_empty());
}

#[tokio::test]
async fn page_and_top_ten_follow_submission() {
    let app = TestApp::spawn().await;
    let page_path = format!("/games/{GAME_SLUG}/");
    let board_path = format!("/api/leaderboards/{GAME_SLUG}");
    // Both are read once first, so a copy kept from before the submission would show.
    let before = app.get(&page_path).await;
    let old_etag = before.header("etag").expect("pages carry an ETag").to_owned();
    assert!(!app.get(&board_path).await.body.contains("Ada Lovelace"));

    let played = app.play_round(crate::helpers::Strategy::AllCorrect).await;
    app.create_entry(&played.round_id, "Ada Lovelace").await;

    let after = app.get(&page_path).await;
    assert!(after.body.contains("Ada Lovelace"), "the game page does not list the new entry");
    assert_ne!(after.header("etag"), Some(old_etag.as_str()), "the changed page kept its ETag");
    let revalidated = app.send(app.http().get(app.url(&page_path)).header("if-none-match", &old_etag)).await;
    assert_eq!(revalidated.status, 200, "a browser holding the old page was told it is current");
    assert!(app.get(&board_path).await.body.contains("Ada Lovelace"), "the top 10 does not list the new entry");
}

#[tokio::test]
async fn compressed_page_shares_etag() {
    let app = TestApp::spawn().await;
    let path = format!("/games/{GAME_SLUG}/");
    let plain = app.get(&path).await;

    let gzip = app.send(app.http().get(app.url(&path)).header("accept-encoding", "gzip")).await;

    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("vary"), Some("accept-encoding"));
    assert_eq!(gzip.header("etag"), plain.header("etag"), "one page, one ETag, whatever the encoding");
    assert!(plain.header("content-encoding").is_none());
}
