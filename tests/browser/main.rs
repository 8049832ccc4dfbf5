//! Browser tests: the real server and headless Chromium, driven through chromedriver.
//! Screenshots of the main states go to target/screenshots/.

mod harness;

use fantoccini::Locator;
use fantoccini::key::Key;
use harness::{Browser, Driver, Server, browser_tools};

const GAME_PATH: &str = "/games/idempotency-key-clinic/";
const ROUND_SIZE: usize = 8;

/// Reads the number shown in `css`, such as "120" in the XP summary.
async fn number_in(browser: &Browser, css: &str) -> u64 {
    let text = browser.text_content(css).await.unwrap_or_default();
    text.trim().parse().unwrap_or_else(|_| panic!("{css} shows {text:?}, not a number"))
}

/// Answers the scenario on screen with `key` and checks that its feedback appears.
async fn answer_with_key(browser: &Browser, position: usize, key: char) {
    browser
        .wait_text_contains("#round-position", &format!("Scenario {position} of {ROUND_SIZE}"))
        .await;
    browser.press(key).await;
    let feedback = browser
        .wait_text("#feedback", "a verdict", |text| {
            ["Correct", "Partial", "Unsafe"].iter().any(|label| text.contains(label))
        })
        .await;
    assert!(feedback.contains("points"), "feedback of scenario {position} shows no points: {feedback}");
    assert!(feedback.contains("Why"), "feedback of scenario {position} shows no explanation: {feedback}");
    assert!(feedback.contains("Source:"), "feedback of scenario {position} shows no source: {feedback}");
}

#[tokio::test(flavor = "multi_thread")]
async fn full_round_by_keyboard() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;
    let client = &browser.client;

    // The catalogue links to the game.
    client.goto(&server.url("/")).await.expect("open the catalogue");
    browser.screenshot("catalogue").await;
    client
        .find(Locator::LinkText("Idempotency Key Clinic"))
        .await
        .expect("the catalogue lists the game")
        .click()
        .await
        .expect("follow the game link");
    browser.element("#game-stage [data-action=\"start\"]").await;
    let url = client.current_url().await.expect("read the URL");
    assert_eq!(url.path(), GAME_PATH);
    browser.screenshot_at("#play", "game-start").await;

    // Enter starts a round. Each scenario is answered with a number key and left with Enter.
    browser.press(Key::Enter.into()).await;
    for position in 1..=ROUND_SIZE {
        let key = char::from(b'1' + (position % 3) as u8);
        answer_with_key(&browser, position, key).await;
        if position == 1 {
            browser.screenshot_at("#play", "feedback").await;
        }
        browser.press(Key::Enter.into()).await;
    }

    // The results show the score out of 800 and the XP earned.
    let score_text = browser.wait_text("#final-score", "the final score", |text| !text.is_empty()).await;
    let score: u64 = score_text.trim().parse().expect("the final score is a number");
    let results = browser.text_content(".panel--results").await.unwrap_or_default();
    assert!(results.contains("Idempotency design score"), "results name no metric: {results}");
    assert!(results.contains("/ 800"), "results show no maximum: {results}");
    assert!(results.contains(&format!("You earned {} XP", score / 10)), "results show no XP: {results}");
    browser.screenshot_at("#play", "results").await;

    // Count the page's POSTs to the entries resource, to check that a double submit sends one.
    client
        .execute(
            "window.entryPosts = 0; const original = window.fetch; \
             window.fetch = (resource, init) => { \
               if (String(resource).endsWith('/entries') && init && init.method === 'POST') window.entryPosts += 1; \
               return original(resource, init); };",
            vec![],
        )
        .await
        .expect("count entry submissions");

    // Submit a nickname with the keyboard, pressing Enter twice, and find the entry in the top 10.
    let nickname = browser.element("#nickname").await;
    nickname.send_keys("Keyboard Tester").await.expect("type a nickname");
    browser.press(Key::Enter.into()).await;
    browser.press(Key::Enter.into()).await;
    browser.wait_text_contains("#submit-status", "number 1").await;
    let posts = client.execute("return window.entryPosts;", vec![]).await.expect("read the submission count");
    assert_eq!(posts.as_u64(), Some(1), "a double submit sent more than one request");
    browser.wait_text_contains("#leaderboard-table tbody", "Keyboard Tester").await;
    browser.wait_text_contains("#my-entry-rank", "#1").await;
    let exchange = browser.wait_text_contains("#exchange", "Idempotency-Key").await;
    assert!(exchange.contains("POST /api/leaderboards/idempotency-key-clinic/entries"), "{exchange}");
    assert!(exchange.contains("201"), "the exchange shows no 201 response: {exchange}");
    assert!(exchange.contains("Location: /api/leaderboards/idempotency-key-clinic/entries/"), "{exchange}");
    assert!(exchange.contains("Idempotent-Replayed: (not sent)"), "the first response is marked as a replay: {exchange}");
    browser.screenshot_at("#leaderboard", "submitted").await;
    browser.screenshot_at("#exchange", "submitted-exchange").await;

    // Sending the same request again gets the stored response replayed, not a second entry.
    browser.element("#replay-button").await.click().await.expect("send the same request again");
    let replay = browser.wait_text_contains("#exchange", "Idempotent-Replayed: true").await;
    assert!(replay.contains("201"), "the replay is not the stored 201 response: {replay}");
    browser.wait_text_contains("#submit-status", "no second entry").await;
    let rows = client.find_all(Locator::Css("#leaderboard-table tbody tr")).await.expect("find leaderboard rows");
    assert_eq!(rows.len(), 1, "the replay added a leaderboard row");

    assert_eq!(number_in(&browser, "#summary-xp").await, score / 10);
    assert_eq!(number_in(&browser, "#summary-played").await, 1);
    assert_eq!(number_in(&browser, "#summary-completed").await, 1);

    // After a reload the progress is still there and the form is not offered again.
    client.refresh().await.expect("reload the game page");
    browser.element("#game-stage [data-action=\"start\"]").await;
    browser.wait_text("#summary-played", "1 game played", |text| text == "1").await;
    assert_eq!(number_in(&browser, "#summary-xp").await, score / 10);
    assert_eq!(number_in(&browser, "#summary-completed").await, 1);
    assert!(!browser.is_visible("#leaderboard-submit").await, "the form is offered again for a submitted round");
    browser.wait_text_contains("#my-entry", "Keyboard Tester").await;

    // The progress page shows the totals and the round's history.
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    browser.wait_text("#stat-completed", "1 completed round", |text| text == "1").await;
    assert_eq!(number_in(&browser, "#stat-xp").await, score / 10);
    assert_eq!(number_in(&browser, "#stat-played").await, 1);
    let best = browser.text_content("#stat-best").await.unwrap_or_default();
    assert_eq!(best, format!("{score} / 800"));
    let rows = client
        .find_all(Locator::Css("#history-list .history__item tbody tr"))
        .await
        .expect("find history rows");
    assert_eq!(rows.len(), ROUND_SIZE, "the history lists every scenario of the round");
    let history = browser.text_content("#history-list").await.unwrap_or_default();
    assert!(history.contains(&format!("{score} / 800")), "history shows no score: {history}");
    assert!(history.contains("On the leaderboard"), "history does not mark the submitted round: {history}");
    browser.screenshot_at("#history-heading", "progress").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_mid_round_resumes() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    // A phone-sized window in dark mode, so the screenshots cover that layout too.
    let browser = driver.open_browser(360, 800, true).await;
    let client = &browser.client;

    // Play two scenarios and stop at the third.
    client.goto(&server.url(GAME_PATH)).await.expect("open the game page");
    browser.element("#game-stage [data-action=\"start\"]").await;
    browser.press(Key::Enter.into()).await;
    for position in 1..=2 {
        answer_with_key(&browser, position, '2').await;
        browser.press(Key::Enter.into()).await;
    }
    browser.wait_text_contains("#round-position", "Scenario 3 of 8").await;
    let title = browser.text_content("#scenario-title").await.expect("a scenario title");
    let score = browser.text_content("#round-score").await.expect("a running score");
    let stored = browser.local_storage_json("ikc.progress").await;
    assert!(stored["current_round_id"].is_string(), "the round id is not stored: {stored}");

    // Reloading continues at the same scenario with the same score.
    client.refresh().await.expect("reload the game page");
    browser.wait_text_contains("#round-position", "Scenario 3 of 8").await;
    assert_eq!(browser.text_content("#scenario-title").await.as_deref(), Some(title.as_str()));
    assert_eq!(browser.text_content("#round-score").await.as_deref(), Some(score.as_str()));
    browser.wait_text_contains("#notices", "continues at scenario 3").await;
    assert_eq!(number_in(&browser, "#summary-played").await, 1, "resuming counted a new game");
    browser.screenshot_at("#play", "resumed-narrow-dark").await;

    // The resumed round still takes answers by keyboard.
    answer_with_key(&browser, 3, '1').await;
    browser.screenshot_at("#feedback", "feedback-narrow-dark").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_progress_is_quarantined() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;
    let client = &browser.client;

    // Store invalid JSON under the progress key, then load the page.
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    client
        .execute("localStorage.setItem('ikc.progress', '{not json');", vec![])
        .await
        .expect("write corrupt progress");
    client.refresh().await.expect("reload the progress page");

    // The page reports the problem, keeps the data under a quarantine key and still works.
    let notice = browser.wait_text_contains("#notices", "set aside").await;
    assert!(notice.contains("ikc.progress.quarantine."), "the notice names no quarantine key: {notice}");
    let quarantined_values = client
        .execute(
            "return Object.keys(localStorage).filter((key) => key.startsWith('ikc.progress.quarantine.')).map((key) => localStorage.getItem(key));",
            vec![],
        )
        .await
        .expect("list quarantine keys");
    assert_eq!(quarantined_values, serde_json::json!(["{not json"]));
    assert!(browser.is_visible("#quarantine").await, "the progress page does not list the quarantined data");
    assert_eq!(number_in(&browser, "#stat-xp").await, 0);
    browser.screenshot("quarantine").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_import_merges_and_reset_clears() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;
    let client = &browser.client;

    // Start with one stored round, then import a file with that round and a new one.
    let round = |id: &str, score: u64, finished_at: &str| {
        serde_json::json!({
            "round_id": id, "finished_at": finished_at, "score": score, "max_score": 800,
            "scenarios": [{ "id": "payments-lost-response-retry", "title": "Charge retried",
                            "category": "payments", "chosen_text": "Replay the stored response.",
                            "verdict": "correct", "points": 100 }],
        })
    };
    let stored = serde_json::json!({
        "schema_version": 1, "xp": 30, "games_played": 1, "completed": 1, "best_score": 300,
        "history": [round("round-a", 300, "2026-12-01T10:00:00Z")],
    });
    let exported = serde_json::json!({
        "app": "idempotency-key-clinic", "exported_at": "2026-12-03T10:00:00Z",
        "progress": {
            "schema_version": 1, "xp": 95, "games_played": 2, "completed": 2, "best_score": 650,
            "history": [round("round-a", 300, "2026-12-01T10:00:00Z"), round("round-b", 650, "2026-12-02T10:00:00Z")],
        },
    });
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    client
        .execute("localStorage.setItem('ikc.progress', JSON.stringify(arguments[0]));", vec![stored])
        .await
        .expect("store progress");
    client.refresh().await.expect("reload the progress page");
    browser.wait_text("#stat-xp", "30 XP", |text| text == "30").await;

    let folder = tempfile::tempdir().expect("create a folder for the import file");
    let file = folder.path().join("progress.json");
    std::fs::write(&file, exported.to_string()).expect("write the import file");
    browser.element("#import-file").await.send_keys(&file.display().to_string()).await.expect("choose the file");
    let report = browser.wait_text_contains("#import-status", "Imported").await;
    assert!(report.contains("1 new round"), "{report}");
    assert!(report.contains("1 round was already here"), "{report}");
    assert_eq!(number_in(&browser, "#stat-xp").await, 95);
    assert_eq!(number_in(&browser, "#stat-completed").await, 2);
    assert_eq!(browser.text_content("#stat-best").await.as_deref(), Some("650 / 800"));
    let items = client.find_all(Locator::Css("#history-list .history__item")).await.expect("find history items");
    assert_eq!(items.len(), 2, "the merged history lists each round once");
    browser.screenshot_at("#data-heading", "progress-imported").await;

    // Reset asks for confirmation first, and confirming empties the progress.
    browser.element("#reset-button").await.click().await.expect("open the reset dialog");
    assert!(browser.is_visible("#reset-dialog").await, "reset did not ask for confirmation");
    browser.screenshot("progress-reset-dialog").await;
    browser
        .element("#reset-dialog button[value=\"reset\"]")
        .await
        .click()
        .await
        .expect("confirm the reset");
    browser.wait_text("#stat-xp", "0 XP", |text| text == "0").await;
    assert_eq!(number_in(&browser, "#stat-completed").await, 0);
    assert!(browser.is_visible("#history-empty").await, "the history is not empty after a reset");

    browser.close().await;
}

/// Screenshots of every page in light and dark mode and at 360 px width, for review.
#[tokio::test(flavor = "multi_thread")]
async fn pages_in_light_dark_and_narrow() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let pages = [("catalogue", "/"), ("game", GAME_PATH), ("progress", "/progress/"), ("not-found", "/no-such-page")];

    for (mode, width, dark) in [("light", 1280, false), ("dark", 1280, true), ("narrow", 360, false), ("narrow-dark", 360, true)] {
        let browser = driver.open_browser(width, 900, dark).await;
        let viewport = browser.client.execute("return window.innerWidth;", vec![]).await.expect("read the viewport width");
        assert_eq!(viewport.as_u64(), Some(u64::from(width)), "the viewport is not {width} px wide");
        for (name, path) in pages {
            browser.client.goto(&server.url(path)).await.expect("open a page");
            browser.element("h1").await;
            let overflow = browser
                .client
                .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
                .await
                .expect("measure horizontal overflow");
            assert_eq!(overflow.as_i64(), Some(0), "{path} scrolls sideways at {width} px");
            let headings = browser.client.find_all(Locator::Css("h1")).await.expect("find h1 elements");
            assert_eq!(headings.len(), 1, "{path} has {} h1 elements", headings.len());
            browser.full_page_screenshot(&format!("page-{name}-{mode}"), width).await;
            browser.client.set_window_size(width, 900).await.expect("restore the window size");
        }
        browser.close().await;
    }
}
