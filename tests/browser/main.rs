//! Browser tests: the real server and headless Chromium, driven through chromedriver.
//! Screenshots of the main states go to target/screenshots/.

mod answers;
mod harness;

use std::collections::BTreeSet;

use fantoccini::Locator;
use fantoccini::key::Key;
use harness::{Browser, Driver, Server, browser_tools};
use serde_json::{Value, json};

const GAME_PATH: &str = "/games/idempotency-key-clinic/";
const ROUND_SIZE: usize = 8;

/// Reads the number shown in `css`, such as "120" in the XP summary.
async fn number_in(browser: &Browser, css: &str) -> u64 {
    let text = browser.text_content(css).await.unwrap_or_default();
    text.trim().parse().unwrap_or_else(|_| panic!("{css} shows {text:?}, not a number"))
}

/// Checks that the scenario on screen shows its retry story as an SVG diagram with a title.
async fn assert_story_diagram(browser: &Browser, position: usize) {
    let title = browser.text_content(".scenario figure.diagram svg title").await;
    let title = title.unwrap_or_else(|| panic!("scenario {position} shows no story diagram with a <title>"));
    assert!(title.starts_with("Retry story: "), "scenario {position} has the diagram title {title:?}");
}

/// Checks that the feedback shows what happens next with the chosen option as an SVG diagram.
async fn assert_outcome_diagram(browser: &Browser, position: usize) {
    let captions = browser.text_content("#feedback figure.diagram figcaption").await.unwrap_or_default();
    assert_eq!(captions, "What happens next with your choice", "feedback of scenario {position}");
    let title = browser.text_content("#feedback figure.diagram svg title").await.unwrap_or_default();
    assert!(
        title.starts_with("What happens next with your choice"),
        "the outcome diagram of scenario {position} has the title {title:?}"
    );
}

/// Answers the scenario on screen with `key` and checks that its feedback appears.
async fn answer_with_key(browser: &Browser, position: usize, key: char) {
    browser
        .wait_text_contains("#round-position", &format!("Scenario {position} of {ROUND_SIZE}"))
        .await;
    assert_story_diagram(browser, position).await;
    browser.press(key).await;
    let feedback = wait_for_feedback(browser).await;
    assert!(feedback.contains("points"), "feedback of scenario {position} shows no points: {feedback}");
    assert!(feedback.contains("Why"), "feedback of scenario {position} shows no explanation: {feedback}");
    assert!(feedback.contains("Source:"), "feedback of scenario {position} shows no source: {feedback}");
    assert_outcome_diagram(browser, position).await;
}

/// Waits until the feedback shows a verdict and returns its text.
async fn wait_for_feedback(browser: &Browser) -> String {
    browser
        .wait_text("#feedback", "a verdict", |text| {
            ["Correct", "Partial", "Unsafe"].iter().any(|label| text.contains(label))
        })
        .await
}

/// Returns the round in progress, as stored in localStorage.
async fn current_round_id(browser: &Browser) -> String {
    let stored = browser.local_storage_json("ikc.progress").await;
    stored["current_round_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no round in progress is stored: {stored}"))
        .to_owned()
}

/// Returns the id of the scenario on screen.
async fn scenario_on_screen(browser: &Browser) -> String {
    browser
        .element(".scenario[data-scenario-id]")
        .await
        .attr("data-scenario-id")
        .await
        .expect("read the scenario id")
        .expect("the scenario names its id")
}

/// Answers scenario `position` of `total` by clicking the option that `choose(round, scenario)`
/// returns and waits for the feedback. Returns the scenario id.
async fn answer_by_click(
    browser: &Browser,
    position: usize,
    total: usize,
    choose: impl Fn(&str, &str) -> String,
) -> String {
    browser.wait_text_contains("#round-position", &format!("Scenario {position} of {total}")).await;
    assert_story_diagram(browser, position).await;
    let round_id = current_round_id(browser).await;
    let scenario_id = scenario_on_screen(browser).await;
    let option = choose(&round_id, &scenario_id);
    browser
        .element(&format!(".option[data-option-id=\"{option}\"]"))
        .await
        .click()
        .await
        .expect("click an option");
    wait_for_feedback(browser).await;
    assert_outcome_diagram(browser, position).await;
    scenario_id
}

/// Checks the options after a missed answer: the chosen one names its verdict and the best
/// one says so, each in words next to an icon, and each with its own style.
async fn assert_missed_option_marks(browser: &Browser) {
    let chosen = browser.text_content(".option--chosen .option__marks").await.unwrap_or_default();
    assert!(
        chosen.contains("Your choice: unsafe") || chosen.contains("Your choice: partial"),
        "the chosen option does not name its verdict: {chosen:?}"
    );
    assert!(chosen.contains('\u{2717}') || chosen.contains('\u{25D0}'), "the chosen option has no verdict icon: {chosen:?}");
    let styled = browser.client.find(Locator::Css(".option--chosen.option--unsafe, .option--chosen.option--partial")).await;
    assert!(styled.is_ok(), "the chosen option is not styled by its verdict");

    let best = browser.text_content(".option--best .option__marks").await.unwrap_or_default();
    assert_eq!(best, "\u{2713} Best answer", "the best option's mark");
    let best_is_chosen = browser.client.find(Locator::Css(".option--best.option--chosen")).await;
    assert!(best_is_chosen.is_err(), "a missed answer marks the chosen option as the best");
}

/// Returns the id of the element that has focus, or "" when it has none, such as <body>.
async fn focused_id(browser: &Browser) -> String {
    let id = browser.client.execute("return document.activeElement?.id ?? '';", vec![]).await.expect("read the focus");
    id.as_str().unwrap_or_default().to_owned()
}

/// Starts recording Content-Security-Policy violations in the page, for `csp_violations`.
async fn record_csp_violations(browser: &Browser) {
    browser
        .client
        .execute(
            "window.cspViolations = []; document.addEventListener('securitypolicyviolation', \
             (event) => window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));",
            vec![],
        )
        .await
        .expect("listen for CSP violations");
}

/// Returns the CSP violations recorded since `record_csp_violations`.
async fn csp_violations(browser: &Browser) -> Value {
    browser.client.execute("return window.cspViolations;", vec![]).await.expect("read CSP violations")
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
    // Inserting the diagrams must not break the page's Content-Security-Policy.
    record_csp_violations(&browser).await;
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
    let concept_rows = client.find_all(Locator::Css("#concept-scores tbody tr")).await.expect("find concept rows");
    assert!(!concept_rows.is_empty(), "the results show no points by concept: {results}");
    assert_eq!(csp_violations(&browser).await, json!([]), "the round broke the Content-Security-Policy");
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
    assert_eq!(focused_id(&browser).await, "submit-status", "focus is not on the result of the submission");
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
    assert_eq!(focused_id(&browser).await, "submit-status", "focus is not on the result of the replay");
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

    // At phone width the diagram keeps readable labels, and only its own box scrolls sideways.
    let sizes = client
        .execute(
            "const svg = document.querySelector('.scenario .diagram svg'); \
             return [svg.getBoundingClientRect().width, svg.viewBox.baseVal.width, \
                     document.documentElement.scrollWidth - document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .expect("measure the story diagram");
    let [drawn, drawing, page_overflow] = [0, 1, 2].map(|index| sizes[index].as_f64().unwrap_or(f64::NAN));
    assert!(drawn >= 0.79 * drawing, "the diagram is drawn {drawn} px wide for a {drawing} px drawing");
    assert_eq!(page_overflow, 0.0, "the page scrolls sideways at 360 px with a diagram on screen");
    browser.screenshot_at(".scenario .diagram", "diagram-narrow-dark").await;

    // The resumed round still takes answers by keyboard.
    answer_with_key(&browser, 3, '1').await;
    browser.screenshot_at("#feedback", "feedback-narrow-dark").await;

    browser.close().await;
}

/// Checks that the page does not scroll sideways and that every table on screen fits its box.
async fn assert_fits(browser: &Browser, state: &str) {
    let overflow = browser
        .client
        .execute(
            "const root = document.documentElement; \
             const boxes = [...document.querySelectorAll('.table-scroll')] \
               .filter((box) => box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1) \
               .map((box) => `${box.querySelector('caption').textContent}: ${box.scrollWidth} px in ${box.clientWidth} px`); \
             return [root.scrollWidth - root.clientWidth, boxes];",
            vec![],
        )
        .await
        .expect("measure the tables");
    assert_eq!(overflow[0].as_i64(), Some(0), "{state}: the page scrolls sideways");
    assert_eq!(overflow[1], json!([]), "{state}: tables wider than their box");
}

#[tokio::test(flavor = "multi_thread")]
async fn narrow_tables_fit() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(360, 800, false).await;
    let client = &browser.client;

    // A round at phone width: the results stack each answer's cells under its scenario.
    client.goto(&server.url(GAME_PATH)).await.expect("open the game page");
    browser.element("#game-stage [data-action=\"start\"]").await;
    browser.press(Key::Enter.into()).await;
    for position in 1..=ROUND_SIZE {
        answer_with_key(&browser, position, '1').await;
        browser.press(Key::Enter.into()).await;
    }
    browser.wait_text("#final-score", "the final score", |text| !text.is_empty()).await;
    assert_fits(&browser, "round results at 360 px").await;
    let label = browser.text_content(".panel--results tbody tr .cell-label").await.unwrap_or_default();
    assert_eq!(label, "Your choice", "the stacked results name no column");
    assert!(browser.is_visible(".panel--results tbody tr .cell-label").await, "the stacked results hide the column names");
    browser.screenshot_at("#results-title", "results-narrow").await;

    // The leaderboard with the new entry, whose nickname is 24 letters without a space.
    let nickname = "NarrowTesterWithoutSpace";
    browser.element("#nickname").await.send_keys(nickname).await.expect("type a nickname");
    browser.press(Key::Enter.into()).await;
    browser.wait_text_contains("#leaderboard-table tbody", nickname).await;
    assert_fits(&browser, "leaderboard at 360 px").await;
    browser.screenshot_at("#leaderboard-table", "leaderboard-narrow").await;

    // The dashboard: review list, mastery and history.
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    browser.element("#history-list .history__item tbody tr").await;
    browser.element("#mastery-body tr").await;
    assert_fits(&browser, "progress page at 360 px").await;
    browser.screenshot_at("#history-heading", "progress-history-narrow").await;

    // Long unbroken words, such as paths in option texts, wrap inside their cell.
    browser
        .client
        .execute(
            "const progress = JSON.parse(localStorage.getItem('ikc.progress')); \
             progress.history[0].scenarios[0].chosen_text = 'Poll /v1/imports/imp_905/status,/v1/imports/imp_905/status.'; \
             localStorage.setItem('ikc.progress', JSON.stringify(progress));",
            vec![],
        )
        .await
        .expect("store a long word in the history");
    client.refresh().await.expect("reload the progress page");
    browser.wait_text_contains("#history-list", "imp_905").await;
    assert_fits(&browser, "history with a long word at 360 px").await;

    // At full width the same tables keep their columns and show no cell labels.
    client.set_window_size(1280, 900).await.expect("widen the window");
    assert_fits(&browser, "progress page at 1280 px").await;
    assert!(!browser.is_visible("#history-list tbody .cell-label").await, "the wide history shows cell labels");
    assert!(browser.is_visible("#history-list thead th").await, "the wide history hides its column headers");

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

    // Start with one stored round, then import a file with that round and a new one. Both
    // use schema version 1, which had no concepts, misconceptions or review list.
    let round = |id: &str, score: u64, finished_at: &str| {
        serde_json::json!({
            "round_id": id, "finished_at": finished_at, "score": score, "max_score": 800,
            "scenarios": [
                { "id": "payments-lost-response-retry", "title": "Charge retried",
                  "category": "payments", "chosen_text": "Replay the stored response.",
                  "verdict": "correct", "points": 100 },
                { "id": "payments-unscoped-keys", "title": "Keys shared across accounts",
                  "category": "payments", "chosen_text": "Look keys up globally.",
                  "verdict": "unsafe", "points": 0 },
            ],
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

    // The old round's miss is due for review, and the bank listing supplies its concepts.
    browser.wait_text_contains("#review-button", "Review mistakes (1 due)").await;
    browser
        .wait_text_contains("#mastery-body tr[data-concept=\"idempotency-keys\"]", "1 (100 %)")
        .await;
    browser
        .wait_text("#mastery-body tr[data-concept=\"key-scope-retention\"]", "one miss", |text| text.contains("ago"))
        .await;
    let note = browser.text_content("#misconception-note").await.unwrap_or_default();
    assert!(note.contains("1 missed answer"), "the profile does not mention the miss without a misconception: {note}");

    // The reset dialog counts the one stored round in the singular. Cancel keeps everything.
    browser.element("#reset-button").await.click().await.expect("open the reset dialog");
    assert_eq!(browser.text_content("#reset-count").await.as_deref(), Some("1 finished round"));
    browser
        .element("#reset-dialog button[value=\"cancel\"]")
        .await
        .click()
        .await
        .expect("cancel the reset");
    assert_eq!(number_in(&browser, "#stat-xp").await, 30, "cancelling the dialog reset the progress");

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
    let stored = browser.local_storage_json("ikc.progress").await;
    assert_eq!(stored["schema_version"], 2, "the import did not save the current schema: {stored}");
    assert_eq!(stored["history"][0]["kind"], "ranked", "a version 1 round is not a ranked round: {stored}");
    let queue = stored["review_queue"].as_array().expect("a review list");
    assert_eq!(queue.len(), 1, "the review list: {queue:?}");
    assert_eq!(queue[0]["scenario_id"], "payments-unscoped-keys");
    assert_eq!(queue[0]["misses"], 2, "both rounds' misses count: {queue:?}");
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
    browser.wait_text_contains("#data-status", "was reset").await;
    assert_eq!(browser.text_content("#import-status").await.as_deref(), Some(""), "the old import message stayed");

    // A later import replaces the reset message instead of appearing under it.
    browser.element("#import-file").await.send_keys(&file.display().to_string()).await.expect("choose the file again");
    browser.wait_text_contains("#import-status", "Imported").await;
    assert_eq!(browser.text_content("#data-status").await.as_deref(), Some(""), "the reset message stayed above the import");
    assert_eq!(number_in(&browser, "#stat-completed").await, 2);

    browser.close().await;
}

/// Screenshots of every page in light and dark mode and at 360 px width, for review.
#[tokio::test(flavor = "multi_thread")]
async fn pages_in_light_dark_and_narrow() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let pages = [
        ("catalogue", "/"),
        ("game", GAME_PATH),
        ("progress", "/progress/"),
        ("reference", "/progress/reference/"),
        ("not-found", "/no-such-page"),
    ];

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

/// Sets every review item's due time 1 minute in the past, as if the 10 minutes after a miss
/// had passed, and returns how many items the review list holds.
async fn make_review_items_due(browser: &Browser) -> usize {
    let count = browser
        .client
        .execute(
            "const progress = JSON.parse(localStorage.getItem('ikc.progress')); \
             const past = new Date(Date.now() - 60_000).toISOString(); \
             for (const item of progress.review_queue) item.due_at = past; \
             localStorage.setItem('ikc.progress', JSON.stringify(progress)); \
             return progress.review_queue.length;",
            vec![],
        )
        .await
        .expect("move the review list's due times");
    count.as_u64().and_then(|count| usize::try_from(count).ok()).expect("a count of review items")
}

#[tokio::test(flavor = "multi_thread")]
async fn review_round_from_dashboard() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;
    let client = &browser.client;
    const MISSED: usize = 3;

    // Play a ranked round, missing the first three scenarios on purpose.
    client.goto(&server.url(GAME_PATH)).await.expect("open the game page");
    browser.element("#game-stage [data-action=\"start\"]").await.click().await.expect("start a round");
    let mut missed = BTreeSet::new();
    for position in 1..=ROUND_SIZE {
        let scenario_id = answer_by_click(&browser, position, ROUND_SIZE, |round, scenario| {
            if position <= MISSED { answers::missed_option(round, scenario) } else { answers::correct_option(round, scenario) }
        })
        .await;
        if position == 1 {
            let best = browser.text_content("#feedback").await.unwrap_or_default();
            assert!(best.contains("With the best choice"), "a missed answer's feedback shows no best outcome: {best}");
            assert_missed_option_marks(&browser).await;
            browser.screenshot_at("#feedback", "feedback-missed").await;
        }
        if position <= MISSED {
            missed.insert(scenario_id);
        }
        browser.press(Key::Enter.into()).await;
    }
    let ranked_score: u64 = browser
        .wait_text("#final-score", "the final score", |text| !text.is_empty())
        .await
        .trim()
        .parse()
        .expect("the final score is a number");
    let results = browser.text_content(".panel--results").await.unwrap_or_default();
    assert!(results.contains("Due in 10 minutes"), "the results do not say when the misses come back: {results}");

    // The dashboard lists every concept, the misconceptions and the misses, none due yet.
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    browser.wait_text_contains("#review-button", "Review mistakes (0 due)").await;
    assert!(!browser.element("#review-button").await.is_enabled().await.expect("read the button state"));
    let queue_rows = client.find_all(Locator::Css("#review-queue-body tr")).await.expect("find review rows");
    assert_eq!(queue_rows.len(), MISSED, "the review list does not hold the missed scenarios");
    let mastery = browser.text_content("#mastery-body").await.unwrap_or_default();
    for concept in ["Natural idempotency", "Idempotency keys", "Request fingerprints", "Source of truth"] {
        assert!(mastery.contains(concept), "the mastery table does not list {concept}: {mastery}");
    }
    for scenario_id in &missed {
        for concept in answers::concepts(scenario_id) {
            let row = browser
                .text_content(&format!("#mastery-body tr[data-concept=\"{concept}\"]"))
                .await
                .unwrap_or_else(|| panic!("the mastery table has no row for {concept}"));
            assert!(!row.contains("Never"), "the miss on {scenario_id} is not counted under {concept}: {row}");
        }
    }
    let misconceptions = client.find_all(Locator::Css("#misconception-list li")).await.expect("find misconceptions");
    assert!(!misconceptions.is_empty(), "the misconception profile is empty after {MISSED} misses");
    browser.screenshot_at("#mastery-heading", "progress-mastery").await;

    // Ten minutes later the misses are due, and the button deals a review round of them.
    assert_eq!(make_review_items_due(&browser).await, MISSED);
    client.refresh().await.expect("reload the progress page");
    browser.wait_text_contains("#review-button", &format!("Review mistakes ({MISSED} due)")).await;
    browser.screenshot_at("#review-heading", "progress-review-due").await;
    browser.element("#review-button").await.click().await.expect("start the review round");

    // The review round is marked as one and deals exactly the missed scenarios.
    browser.wait_text_contains(".round-status", "Review round").await;
    record_csp_violations(&browser).await;
    let mut reviewed = BTreeSet::new();
    for position in 1..=MISSED {
        reviewed.insert(answer_by_click(&browser, position, MISSED, answers::correct_option).await);
        if position == 1 {
            browser.screenshot_at("#play", "review-scenario").await;
        }
        browser.press(Key::Enter.into()).await;
    }
    assert_eq!(reviewed, missed, "the review round did not deal the missed scenarios");

    // Its results earn XP but offer no leaderboard submission.
    browser.wait_text_contains("#results-title", "Review round complete").await;
    let review_score: u64 = browser.text_content("#final-score").await.unwrap_or_default().trim().parse().expect("a score");
    assert_eq!(review_score, 100 * MISSED as u64, "every review answer was correct");
    let results = browser.text_content(".panel--results").await.unwrap_or_default();
    assert!(results.contains("not ranked"), "the results do not say the round is not ranked: {results}");
    assert!(results.contains("Due in 1 hour"), "the results do not say when the reviews come back: {results}");
    assert!(
        client.find(Locator::Css("[data-submit-link]")).await.is_err(),
        "the review results link to the leaderboard form"
    );
    assert!(!browser.is_visible("#leaderboard-submit").await, "the leaderboard form is offered for a review round");
    assert_eq!(csp_violations(&browser).await, json!([]), "the review round broke the Content-Security-Policy");
    assert_eq!(number_in(&browser, "#summary-xp").await, ranked_score / 10 + review_score / 10);
    assert_eq!(number_in(&browser, "#summary-played").await, 2);
    assert_eq!(number_in(&browser, "#summary-completed").await, 2);
    browser.screenshot_at("#play", "review-results").await;

    // After a reload the form is still not offered for the review round.
    client.refresh().await.expect("reload the game page");
    browser.element("#game-stage [data-action=\"start\"]").await;
    let stored = browser.local_storage_json("ikc.progress").await;
    assert_eq!(stored["history"][1]["kind"], "review", "the review round is not stored as one: {stored}");
    assert_eq!(stored["best_score"], ranked_score, "the best score counts the review round: {stored}");
    let queue = stored["review_queue"].as_array().expect("a review list");
    assert_eq!(queue.len(), MISSED, "one right answer must not clear a scenario: {queue:?}");
    assert!(queue.iter().all(|item| item["right_in_a_row"] == 1), "{queue:?}");
    let offered = browser.text_content("#submit-round-summary").await.unwrap_or_default();
    assert!(
        !browser.is_visible("#leaderboard-submit").await || offered.contains(&format!("{ranked_score} / 800")),
        "the form offers the review round: {offered}"
    );

    // The history marks the review round, and the best score stays the ranked round's.
    client.goto(&server.url("/progress/")).await.expect("open the progress page");
    browser.wait_text("#stat-completed", "2 completed rounds", |text| text == "2").await;
    assert_eq!(browser.text_content("#stat-best").await.unwrap_or_default(), format!("{ranked_score} / 800"));
    let newest = browser.text_content("#history-list .history__item summary").await.unwrap_or_default();
    assert!(newest.contains("Review round"), "the history does not mark the review round: {newest}");
    browser.wait_text_contains("#review-button", "Review mistakes (0 due)").await;
    browser.screenshot_at("#history-heading", "progress-history-review").await;

    // The pattern reference holds every answered scenario with its story diagram.
    client.goto(&server.url("/progress/reference/")).await.expect("open the pattern reference");
    browser.wait_text_contains("#reference-count", "8 saved scenarios").await;
    let diagrams = client
        .find_all(Locator::Css(".reference-item figure.diagram svg title"))
        .await
        .expect("find reference diagrams");
    assert_eq!(diagrams.len(), ROUND_SIZE, "every saved scenario shows its story diagram");
    let reference = browser.text_content("#reference-list").await.unwrap_or_default();
    assert!(reference.contains("Safe pattern"), "the reference shows no safe pattern: {reference}");
    browser.screenshot_at(".reference-item", "reference").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_sanitises_stored_diagrams() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;
    let client = &browser.client;

    // A stored diagram with a script, an event handler, a foreign object and a link.
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
               class=\"timeline\" viewBox=\"0 0 300 100\" width=\"300\" height=\"100\" role=\"img\" \
               aria-labelledby=\"t\" onload=\"window.attacked = true\">\
               <title id=\"t\">Retry story: stored</title><script>window.attacked = true;</script>\
               <foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">html</div></foreignObject>\
               <a xlink:href=\"javascript:window.attacked = true\"><text x=\"10\" y=\"20\">link</text></a>\
               <text class=\"tl-failure\" x=\"10\" y=\"50\" style=\"fill: red\">\u{2717} charged twice</text></svg>";
    let progress = json!({
        "schema_version": 2, "xp": 0, "games_played": 0, "completed": 0, "best_score": 0,
        "history": [], "current_round_id": null, "review_queue": [],
        "reference": [{
            "scenario_id": "payments-lost-response-retry", "title": "Charge retried",
            "category": "payments", "concepts": ["idempotency-keys"],
            "best_option_text": "Replay the stored response.", "safer_pattern": "Store and replay.",
            "correct_explanation": "The key finds the stored charge.", "contract": "IETF draft",
            "source": "draft-ietf-httpapi-idempotency-key-header-07", "timeline_svg": svg,
            "updated_at": "2026-12-04T10:00:00Z",
        }],
    });
    client.goto(&server.url("/progress/reference/")).await.expect("open the pattern reference");
    client
        .execute("localStorage.setItem('ikc.progress', JSON.stringify(arguments[0]));", vec![progress])
        .await
        .expect("store progress");
    client.refresh().await.expect("reload the pattern reference");

    // The diagram shows its title and text, and nothing that could run or navigate.
    browser.wait_text_contains(".reference-item figure svg title", "Retry story: stored").await;
    let found = client
        .execute(
            "const svg = document.querySelector('.reference-item svg'); \
             return [svg.querySelectorAll('script, foreignObject, a').length, svg.hasAttribute('onload'), \
                     svg.querySelector('[style]') !== null, svg.textContent.includes('charged twice'), \
                     window.attacked === true];",
            vec![],
        )
        .await
        .expect("inspect the diagram");
    assert_eq!(found, json!([0, false, false, true, false]), "[unsafe elements, onload, style, text kept, script ran]");
    browser.screenshot("reference-sanitised").await;

    browser.close().await;
}
