//! Processes and helpers for the browser tests: the game server on a fresh SQLite file,
//! chromedriver, a headless Chromium session, keyboard input, waits and screenshots.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long a wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// Chromium flags that keep it off the network and working as root in a container.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Paths of the browser and its driver. `CHROMIUM` and `CHROMEDRIVER` override the defaults.
pub struct BrowserTools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// Returns the browser tools, or None when one is missing and the test should be skipped.
/// On CI (`CI=true`) a missing tool fails the test instead, so a broken image cannot pass.
pub fn browser_tools() -> Option<BrowserTools> {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let chromedriver =
        PathBuf::from(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()));
    let missing: Vec<String> = [&chromium, &chromedriver]
        .into_iter()
        .filter(|path| !path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some(BrowserTools { chromium, chromedriver });
    }
    let message = format!(
        "browser test needs {}; install them with `apt-get install -y --no-install-recommends chromium chromium-driver` \
         or set CHROMIUM and CHROMEDRIVER",
        missing.join(" and ")
    );
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}

/// A child process that is killed when dropped.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The game server, started from the test build's binary on a free port.
pub struct Server {
    _process: ChildGuard,
    _database_dir: tempfile::TempDir,
    pub base_url: String,
}

impl Server {
    /// Starts the server on 127.0.0.1 with a fresh database and waits for its "listening
    /// on" log line, which carries the port it bound.
    pub fn start() -> Server {
        let database_dir = tempfile::tempdir().expect("create a temporary database folder");
        let database_url = format!("sqlite://{}", database_dir.path().join("clinic.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_idempotency-key-clinic"))
            .env("CLINIC_LISTEN", "127.0.0.1:0")
            .env("DATABASE_URL", &database_url)
            .env("CLINIC_RATE_LIMIT", "off")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        let stdout = child.stdout.take().expect("server stdout is piped");
        let process = ChildGuard(child);

        // Read the log on a thread that keeps draining it, so the server never blocks on a full pipe.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = listening_url(&line)
                    && let Some(sender) = sender.take()
                {
                    let _ = sender.send(url);
                }
            }
        });
        let base_url = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the server did not log \"listening on http://127.0.0.1:PORT/\" within 30 s");
        Server { _process: process, _database_dir: database_dir, base_url }
    }

    /// Returns the absolute URL of `path`, such as "/progress/".
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }
}

/// Extracts "http://127.0.0.1:PORT/" from the server's start-up log line.
fn listening_url(line: &str) -> Option<String> {
    let start = line.find("listening on http://")? + "listening on ".len();
    let rest = &line[start..];
    let end = rest["http://".len()..].find('/')? + "http://".len() + 1;
    Some(rest[..end].to_owned())
}

/// Returns a port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("find a free port")
}

/// chromedriver listening on a free loopback port.
pub struct Driver {
    _process: ChildGuard,
    pub url: String,
    chromium: PathBuf,
}

impl Driver {
    pub fn start(tools: &BrowserTools) -> Driver {
        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let process = ChildGuard(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 15 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { _process: process, url: format!("http://127.0.0.1:{port}"), chromium: tools.chromium.clone() }
    }

    /// Opens a headless Chromium session. `dark` makes the page see prefers-color-scheme: dark.
    pub async fn open_browser(&self, width: u32, height: u32, dark: bool) -> Browser {
        let profile = tempfile::tempdir().expect("create a browser profile folder");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        if dark {
            args.push("--force-dark-mode".to_owned());
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": self.chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("open a Chromium session through chromedriver");
        // Headless Chromium widens a --window-size below 500 px, but a resize afterwards is exact.
        client.set_window_size(width, height).await.expect("set the window size");
        Browser { client, _profile: profile }
    }
}

/// One browser session with helpers for the game's pages.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Presses and releases one key on whatever element has focus, as a keyboard would.
    pub async fn press(&self, key: char) {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(actions).await.expect("send a key press");
    }

    /// Waits until an element matching `css` exists and returns it.
    pub async fn element(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element matches {css} after {WAIT:?}: {error}"))
    }

    /// Returns the text content of the first element matching `css`, or None.
    pub async fn text_content(&self, css: &str) -> Option<String> {
        let script = "const element = document.querySelector(arguments[0]); return element ? element.textContent : null;";
        match self.client.execute(script, vec![json!(css)]).await.expect("run a script in the page") {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Waits until the text content of `css` satisfies `check`, and returns it.
    pub async fn wait_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text_content(css).await;
            if let Some(text) = &text
                && check(text)
            {
                return text.clone();
            }
            assert!(Instant::now() < deadline, "{css} never showed {what}; last text: {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text content of `css` contains `expected`.
    pub async fn wait_text_contains(&self, css: &str, expected: &str) -> String {
        self.wait_text(css, &format!("{expected:?}"), |text| text.contains(expected)).await
    }

    /// Returns whether the first element matching `css` exists and is rendered.
    pub async fn is_visible(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Returns the value stored in localStorage under `key`, parsed as JSON.
    pub async fn local_storage_json(&self, key: &str) -> Value {
        let script = "const raw = localStorage.getItem(arguments[0]); return raw === null ? null : JSON.parse(raw);";
        self.client.execute(script, vec![json!(key)]).await.expect("read localStorage")
    }

    /// Saves a PNG of the viewport as target/screenshots/NAME.png.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("take a screenshot");
        let folder = screenshot_folder();
        std::fs::create_dir_all(&folder).expect("create target/screenshots");
        std::fs::write(folder.join(format!("{name}.png")), png).expect("write a screenshot");
    }

    /// Scrolls the first element matching `css` to the top of the viewport, without smooth
    /// scrolling, and saves a PNG of the viewport as target/screenshots/NAME.png.
    pub async fn screenshot_at(&self, css: &str, name: &str) {
        // Let a smooth scroll the page started itself finish first, or it moves the view again.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let script = "const element = document.querySelector(arguments[0]); \
                      if (element) element.scrollIntoView({ block: 'start', behavior: 'instant' });";
        self.client.execute(script, vec![json!(css)]).await.expect("scroll to an element");
        self.screenshot(name).await;
    }

    /// Saves a PNG of the whole page, sized to its full height, as target/screenshots/NAME.png.
    pub async fn full_page_screenshot(&self, name: &str, width: u32) {
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .ok()
            .and_then(|value| value.as_u64())
            .unwrap_or(2000);
        let height = u32::try_from(height).unwrap_or(8000).clamp(600, 8000);
        self.client.set_window_size(width, height + 140).await.expect("resize the window");
        self.screenshot(name).await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Returns target/screenshots, next to the folder Cargo gives integration tests.
fn screenshot_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target/screenshots"), |target| target.join("screenshots"))
}

#[cfg(test)]
mod tests {
    use super::listening_url;

    #[test]
    fn listening_url_from_log_line() {
        let line = "2026-12-04T20:06:15Z  INFO listening on http://127.0.0.1:45867/ address=127.0.0.1:45867";
        assert_eq!(listening_url(line).as_deref(), Some("http://127.0.0.1:45867/"));
    }

    #[test]
    fn listening_url_absent() {
        assert_eq!(listening_url("INFO content loaded scenarios=68"), None);
    }
}
