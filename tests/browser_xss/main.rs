//! Browser tests for nicknames built to break out of HTML, attributes, JSON and SVG.
//! Each nickname is typed into the leaderboard form in headless Chromium. It must either
//! show exactly as typed (after NFC normalisation) or be rejected with the nickname rule's
//! message. Nothing it contains may run as script or become markup, on the page or in the
//! server's HTML.

mod api;
// This target uses only part of the shared harness.
#[allow(dead_code)]
#[path = "../browser/harness.rs"]
mod harness;
mod markup;
mod page;

use std::time::{Duration, Instant};

use harness::{Browser, Driver, Server, WAIT, browser_tools};
use reqwest::StatusCode;
use unicode_normalization::UnicodeNormalization;

use api::Api;
use page::{GAME_PATH, assert_nothing_injected, entry_posts, install_probes, offer_round, run, type_nickname};

/// Maximum nickname length, in characters, that the page sends to the server. The page
/// rejects longer nicknames itself.
const MAX_NICKNAME_CHARS: usize = 24;

/// A nickname the rule rejects, and the `rule` the server's 422 response names.
struct Rejected {
    typed: &'static str,
    rule: &'static str,
}

/// A nickname the rule accepts, and the text the leaderboard shows for it.
struct Accepted {
    typed: &'static str,
    displayed: &'static str,
}

const DISALLOWED: &str = "nickname-disallowed-character";
const INVISIBLE: &str = "nickname-invisible-character";

const REJECTED: [Rejected; 12] = [
    Rejected { typed: "<script>alert(1)</script>", rule: DISALLOWED },
    Rejected { typed: "\"><img src=x onerror=alert(1)>", rule: DISALLOWED },
    Rejected { typed: "' onmouseover='alert(1)", rule: DISALLOWED },
    Rejected { typed: "</script><svg onload=alert(1)>", rule: DISALLOWED },
    Rejected { typed: "{\"a\":\"</script>\"}", rule: DISALLOWED },
    Rejected { typed: "javascript:alert(1)", rule: DISALLOWED },
    Rejected { typed: "&lt;b&gt;", rule: DISALLOWED },
    // A right-to-left override makes "abc\u{202E}gpj.exe" display as "abcexe.jpg".
    Rejected { typed: "abc\u{202E}gpj.exe", rule: INVISIBLE },
    Rejected { typed: "Ad\u{200B}min", rule: INVISIBLE },
    // Three of the payloads above are longer than 24 characters, so the page rejects them
    // before sending. These shorter ones carry the same markup to the server.
    Rejected { typed: "<script>alert(1)", rule: DISALLOWED },
    Rejected { typed: "<svg onload=alert(1)>", rule: DISALLOWED },
    Rejected { typed: "\"><img src=x onerror=a>", rule: DISALLOWED },
];

/// At most 10, so every accepted nickname stays in the top 10 the page shows.
const ACCEPTED: [Accepted; 7] = [
    Accepted { typed: "O'Brien-the_1st.", displayed: "O'Brien-the_1st." },
    Accepted { typed: "Zoë", displayed: "Zoë" },
    // Breaks out of a single-quoted attribute, if the nickname ever lands in one.
    Accepted { typed: "' onfocus autofocus '", displayed: "' onfocus autofocus '" },
    // Breaks out of a single-quoted JavaScript string.
    Accepted { typed: "'-alert-'", displayed: "'-alert-'" },
    // A key that pollutes Object.prototype if the page ever indexes a plain object by nickname.
    Accepted { typed: "__proto__", displayed: "__proto__" },
    // "e" followed by U+0301 COMBINING ACUTE ACCENT is stored and displayed as the NFC form "é".
    Accepted { typed: "Jose\u{301}", displayed: "Jos\u{e9}" },
    Accepted { typed: "מרים 2", displayed: "מרים 2" },
];

/// Returns the nickname as the page sends it: NFC-normalised and trimmed.
fn as_sent(typed: &str) -> String {
    typed.nfc().collect::<String>().trim().to_owned()
}

/// Capitalises `text` and ends it with a full stop, as the page's asSentence does with a
/// problem's detail before showing it.
fn as_sentence(text: &str) -> String {
    let trimmed = text.trim();
    let mut characters = trimmed.chars();
    let mut sentence: String = characters.next().map(|first| first.to_uppercase().collect()).unwrap_or_default();
    sentence.push_str(characters.as_str());
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

/// Returns the line the page's exchange view shows for the nickname in a request body,
/// which it formats with JSON.stringify(body, null, 2).
fn nickname_json_line(sent: &str) -> String {
    format!("\"nickname\": {}", serde_json::to_string(sent).expect("a string serialises"))
}

/// Waits until the JS-rendered leaderboard table lists `nickname`.
async fn wait_for_table_nickname(browser: &Browser, nickname: &str) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let nicknames = page::table_nicknames(browser).await;
        if nicknames.iter().any(|listed| listed == nickname) {
            return nicknames;
        }
        assert!(Instant::now() < deadline, "the leaderboard table never listed {nickname:?}; it lists {nicknames:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_nicknames_rejected_with_rule() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let api = Api::new(&server.base_url);
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;

    // One finished round serves every rejected nickname, since a rejection leaves it unsubmitted.
    let round = api.finished_round().await;
    let round_id = round["round_id"].as_str().expect("the round has an id").to_owned();
    offer_round(&browser, &server.base_url, round).await;
    let baseline = install_probes(&browser).await;

    for case in &REJECTED {
        let label = format!("submitting {:?}", case.typed);
        let sent = as_sent(case.typed);
        let length = sent.chars().count();

        // The server rejects the nickname with its rule, whatever the page checks first.
        let (status, problem) = api.submit_entry(&round_id, case.typed).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label} through the API: {problem}");
        assert_eq!(problem["rule"], case.rule, "{label} through the API: {problem}");
        let type_uri = problem["type"].as_str().unwrap_or_default();
        assert!(type_uri.ends_with("/invalid-nickname"), "{label} through the API has the type {type_uri:?}");
        let detail = problem["detail"].as_str().expect("the problem has a detail");

        // Clear the previous message, so the wait below cannot pass on it.
        run(&browser, "document.querySelector('#nickname-error').textContent = '';", vec![], "clear the message").await;
        let posts_before = entry_posts(&browser).await;
        type_nickname(&browser, case.typed).await;
        browser.element("#submit-button").await.click().await.expect("press Submit score");
        let message = browser.wait_text("#nickname-error", "a rejection message", |text| !text.is_empty()).await;

        // A nickname over 24 characters never leaves the page. Any other reaches the server,
        // and the form shows the server's message.
        let posts = entry_posts(&browser).await - posts_before;
        if length > MAX_NICKNAME_CHARS {
            let expected = format!("The nickname has {length} characters; at most {MAX_NICKNAME_CHARS} are allowed.");
            assert_eq!(message, expected, "{label} in the form");
            assert_eq!(posts, 0, "{label} in the form sent a request for an over-long nickname");
        } else {
            assert_eq!(message, as_sentence(detail), "{label} in the form");
            assert_eq!(posts, 1, "{label} in the form");
            let status_line = browser.text_content("#submit-status").await.unwrap_or_default();
            assert!(status_line.contains("rejected"), "{label} in the form shows the status {status_line:?}");
            let exchange = browser.text_content("#exchange").await.unwrap_or_default();
            let line = nickname_json_line(&sent);
            assert!(exchange.contains(&line), "{label}: the exchange view lacks {line:?}: {exchange}");
            assert!(exchange.contains("422"), "{label}: the exchange view shows no 422 response: {exchange}");
        }
        assert!(browser.is_visible("#nickname-error").await, "{label}: the message is hidden");
        let invalid = browser.element("#nickname").await.attr("aria-invalid").await.expect("read aria-invalid");
        assert_eq!(invalid.as_deref(), Some("true"), "{label}: the field is not marked invalid");
        assert_nothing_injected(&browser, &baseline, &label).await;
    }

    // No rejected nickname reached the board.
    assert_eq!(api.leaderboard_nicknames().await, Vec::<String>::new(), "the API leaderboard");
    assert_eq!(page::table_nicknames(&browser).await, Vec::<String>::new(), "the leaderboard table");
    browser.screenshot("xss-rejected").await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tricky_nicknames_shown_as_typed() {
    let Some(tools) = browser_tools() else { return };
    let server = Server::start();
    let api = Api::new(&server.base_url);
    let driver = Driver::start(&tools);
    let browser = driver.open_browser(1280, 900, false).await;

    // Each accepted nickname needs its own finished round, because a round goes on the board once.
    for case in &ACCEPTED {
        let label = format!("submitting {:?}", case.typed);
        offer_round(&browser, &server.base_url, api.finished_round().await).await;
        let baseline = install_probes(&browser).await;

        type_nickname(&browser, case.typed).await;
        browser.element("#submit-button").await.click().await.expect("press Submit score");
        browser.wait_text_contains("#submit-status", "Submitted.").await;
        let nicknames = wait_for_table_nickname(&browser, case.displayed).await;
        assert_eq!(nicknames.iter().filter(|listed| *listed == case.displayed).count(), 1, "{label}: {nicknames:?}");

        // Every place that shows the new entry shows the nickname as text.
        let mine = browser.text_content("#leaderboard-table tbody tr.is-you th").await;
        assert_eq!(mine, Some(format!("{} (you)", case.displayed)), "{label}: the row marked as yours");
        let entry = browser.text_content("#my-entry .nickname").await;
        assert_eq!(entry.as_deref(), Some(case.displayed), "{label}: the entry box");
        let summary = browser.text_content("#submit-round-summary").await.unwrap_or_default();
        let ending = format!("on the leaderboard as {}.", case.displayed);
        assert!(summary.ends_with(&ending), "{label}: the round summary {summary:?} does not end with {ending:?}");
        let exchange = browser.text_content("#exchange").await.unwrap_or_default();
        let line = nickname_json_line(case.displayed);
        let copies = exchange.matches(&line).count();
        assert_eq!(copies, 2, "{label}: {line:?} is not once in each exchange body: {exchange}");
        assert_nothing_injected(&browser, &baseline, &label).await;
    }
    let mut expected: Vec<String> = ACCEPTED.iter().map(|case| case.displayed.to_owned()).collect();
    expected.sort();
    assert_eq!(sorted(api.leaderboard_nicknames().await), expected, "the API leaderboard");

    // A fresh load of the game page shows every nickname, as rendered by the server and
    // after the page's own refresh of the table.
    browser.client.goto(&server.url(GAME_PATH)).await.expect("open the game page");
    let baseline = install_probes(&browser).await;
    browser.wait_text_contains("#leaderboard-status", "Updated at").await;
    assert_eq!(sorted(page::table_nicknames(&browser).await), expected, "the table after the page's refresh");
    assert_eq!(sorted(page::server_rendered_nicknames(&browser).await), expected, "the server-rendered table");
    assert_nothing_injected(&browser, &baseline, "loading the game page").await;
    browser.screenshot_at("#leaderboard", "xss-accepted").await;

    // The server's HTML escapes every character that is special in markup.
    let html = api.page_source(GAME_PATH).await;
    let cells = markup::leaderboard_cells(&html);
    for cell in &cells {
        let unescaped: Vec<char> = cell.chars().filter(|character| "<>\"'".contains(*character)).collect();
        assert!(unescaped.is_empty(), "the server-rendered cell {cell:?} contains {unescaped:?} unescaped");
    }
    let decoded: Vec<String> = cells.iter().map(|cell| markup::decode_references(cell)).collect();
    assert_eq!(sorted(decoded), expected, "the server-rendered cells, decoded");
    let tricky = cells.iter().find(|cell| cell.starts_with("O&")).copied();
    assert!(
        matches!(tricky, Some("O&#39;Brien-the_1st." | "O&#x27;Brien-the_1st." | "O&apos;Brien-the_1st.")),
        "O'Brien-the_1st. is not escaped as expected in the server-rendered markup: {tricky:?}"
    );
    for case in ACCEPTED.iter().filter(|case| case.displayed.contains('\'')) {
        assert!(!html.contains(case.displayed), "the page source contains {:?} unescaped", case.displayed);
    }

    browser.close().await;
}
