//! Probes that run inside the game page: traps for JavaScript dialogs, a record of
//! Content-Security-Policy violations, and counts of the elements an injection would add.

use serde_json::{Value, json};

use crate::harness::Browser;

pub const GAME_PATH: &str = "/games/idempotency-key-clinic/";

/// Replaces alert, confirm and prompt with functions that record their calls, records CSP
/// violations and counts the page's POST requests to the entries resource. Returns the counts
/// of scripts, images, SVG images and embedded frames, as the baseline for
/// [`assert_nothing_injected`].
const INSTALL_PROBES: &str = r#"
window.dialogCalls = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (...args) => { window.dialogCalls.push(`${name}(${args.join(', ')})`); return null; };
}
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
window.entryPosts = 0;
const originalFetch = window.fetch;
window.fetch = (resource, init) => {
  if (String(resource).endsWith('/entries') && init?.method === 'POST') window.entryPosts += 1;
  return originalFetch(resource, init);
};
return {
  scripts: document.scripts.length,
  images: document.images.length,
  svgs: document.querySelectorAll('svg').length,
  frames: document.querySelectorAll('iframe, object, embed, frame').length,
};
"#;

/// Returns what an injection would leave behind: dialog calls, CSP violations, element
/// counts, event-handler attributes anywhere in the page, elements inside the places that
/// show a nickname, and requests for the `x` image the payloads name.
const INJECTION_REPORT: &str = r#"
const attributeNames = new Set();
for (const element of document.querySelectorAll('*')) {
  for (const attribute of element.attributes) attributeNames.add(attribute.name);
}
const nicknamePlaces = [
  '#leaderboard-table tbody th > :not(span.you)',
  '#leaderboard-table tbody th span.you *',
  '#my-entry .nickname *',
  '#submit-round-summary *',
  '#nickname-error *',
  '#submit-status *',
  '#exchange code *',
];
return {
  probes_installed: Array.isArray(window.dialogCalls),
  dialogs: window.dialogCalls ?? [],
  csp_violations: window.cspViolations ?? [],
  counts: {
    scripts: document.scripts.length,
    images: document.images.length,
    svgs: document.querySelectorAll('svg').length,
    frames: document.querySelectorAll('iframe, object, embed, frame').length,
  },
  suspicious_attributes: [...attributeNames].filter(
    (name) => name.startsWith('on') || name === 'autofocus' || /['"<>=]/.test(name),
  ),
  elements_in_nickname_places: [...document.querySelectorAll(nicknamePlaces.join(', '))]
    .map((element) => element.outerHTML),
  payload_image_requests: performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((url) => new URL(url).pathname === '/x'),
};
"#;

/// Runs a script, failing with a clear message when a JavaScript dialog blocks the page.
pub async fn run(browser: &Browser, script: &str, arguments: Vec<Value>, action: &str) -> Value {
    match browser.client.execute(script, arguments).await {
        Ok(value) => value,
        Err(error) if error.is_unexpected_alert_open() => {
            panic!("a JavaScript dialog opened while the test tried to {action}: {error}")
        }
        Err(error) => panic!("failed to {action}: {error}"),
    }
}

/// Fails when a JavaScript dialog is open. Despite the trap, one can open during page load,
/// before the trap is installed, or after a payload restores the original functions.
pub async fn assert_no_open_dialog(browser: &Browser, context: &str) {
    match browser.client.get_alert_text().await {
        Err(error) if error.is_no_such_alert() => {}
        Err(error) if error.is_unexpected_alert_open() => panic!("a JavaScript dialog is open {context}: {error}"),
        Err(error) => panic!("checking for a dialog {context} failed: {error}"),
        Ok(text) => panic!("a JavaScript dialog is open {context} with the text {text:?}"),
    }
}

/// Returns how many entry submissions the page sent since [`install_probes`].
pub async fn entry_posts(browser: &Browser) -> u64 {
    let count = run(browser, "return window.entryPosts;", vec![], "read the submission count").await;
    count.as_u64().unwrap_or_else(|| panic!("the submission counter is not installed: {count}"))
}

/// Installs the dialog traps and the CSP recorder and returns the element counts to compare with later.
pub async fn install_probes(browser: &Browser) -> Value {
    assert_no_open_dialog(browser, "after the page loaded").await;
    run(browser, INSTALL_PROBES, vec![], "install the dialog traps").await
}

/// Checks that nothing a payload could inject exists or ran since [`install_probes`].
pub async fn assert_nothing_injected(browser: &Browser, baseline: &Value, case: &str) {
    assert_no_open_dialog(browser, &format!("after {case}")).await;
    let report = run(browser, INJECTION_REPORT, vec![], "inspect the page").await;
    assert_eq!(report["probes_installed"], true, "after {case} the page was reloaded or navigated away: {report}");
    assert_eq!(report["dialogs"], json!([]), "after {case} a dialog function was called");
    assert_eq!(report["csp_violations"], json!([]), "after {case} the Content-Security-Policy blocked something");
    assert_eq!(&report["counts"], baseline, "after {case} the page has new scripts, images, SVGs or frames");
    let attributes = &report["suspicious_attributes"];
    assert_eq!(attributes, &json!([]), "after {case} an element has a handler or injected attribute");
    assert_eq!(report["elements_in_nickname_places"], json!([]), "after {case} a nickname became markup");
    assert_eq!(report["payload_image_requests"], json!([]), "after {case} the page requested the payload's image");
}

/// Adds a finished round to the progress in localStorage and reloads the game page, which
/// then offers the round for submission.
pub async fn offer_round(browser: &Browser, base_url: &str, history_entry: Value) {
    let client = &browser.client;
    let game_url = format!("{}{GAME_PATH}", base_url.trim_end_matches('/'));
    let on_game_page = client.current_url().await.is_ok_and(|url| url.path() == GAME_PATH);
    if !on_game_page {
        client.goto(&game_url).await.expect("open the game page");
    }
    let script = "const stored = JSON.parse(localStorage.getItem('ikc.progress') ?? 'null'); \
                  const progress = stored ?? { schema_version: 2, xp: 0, games_played: 0, completed: 0, \
                    best_score: 0, history: [], current_round_id: null, review_queue: [], reference: [] }; \
                  progress.history.push(arguments[0]); \
                  progress.games_played += 1; \
                  progress.completed += 1; \
                  localStorage.setItem('ikc.progress', JSON.stringify(progress));";
    run(browser, script, vec![history_entry], "store a finished round").await;
    client.goto(&game_url).await.expect("reload the game page");
    browser.wait_text_contains("#submit-round-summary", "Submit it under a nickname").await;
    browser.wait_text_contains("#leaderboard-status", "Updated at").await;
}

/// Clears the nickname field, types `nickname` into it and checks that the field contains it.
pub async fn type_nickname(browser: &Browser, nickname: &str) {
    let field = browser.element("#nickname").await;
    field.clear().await.expect("clear the nickname field");
    field.send_keys(nickname).await.expect("type a nickname");
    let value = field.prop("value").await.expect("read the nickname field").unwrap_or_default();
    assert_eq!(value, nickname, "chromedriver did not type the nickname exactly");
}

/// Returns the nicknames in the leaderboard table, without the " (you)" marker.
pub async fn table_nicknames(browser: &Browser) -> Vec<String> {
    let script = "return [...document.querySelectorAll('#leaderboard-table tbody th')].map((cell) => { \
                    const copy = cell.cloneNode(true); \
                    copy.querySelector('.you')?.remove(); \
                    return copy.textContent; });";
    strings(run(browser, script, vec![], "read the leaderboard table").await)
}

/// Fetches the game page again and returns the nicknames of its server-rendered table as
/// Chromium's HTML parser reads them. DOMParser runs no scripts and loads nothing.
pub async fn server_rendered_nicknames(browser: &Browser) -> Vec<String> {
    let script = "const done = arguments[arguments.length - 1]; \
                  fetch(location.pathname, { cache: 'no-store' }) \
                    .then((response) => response.text()) \
                    .then((html) => { \
                      const page = new DOMParser().parseFromString(html, 'text/html'); \
                      done([...page.querySelectorAll('#leaderboard-table tbody th')].map((cell) => cell.textContent)); \
                    }) \
                    .catch((error) => done(`failed: ${error}`));";
    let value = browser.client.execute_async(script, vec![]).await.expect("fetch and parse the game page");
    strings(value)
}

fn strings(value: Value) -> Vec<String> {
    let Value::Array(items) = value else { panic!("expected a list of strings, got {value}") };
    items
        .into_iter()
        .map(|item| item.as_str().unwrap_or_else(|| panic!("expected a string, got {item}")).to_owned())
        .collect()
}
