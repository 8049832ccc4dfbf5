//! Structured logging with `tracing`.
//!
//! Every request logs a line, so writing lines one by one would cost a system call per
//! request. Lines go into an in-memory buffer instead, written out when it fills and a few
//! times a second. Other lines (start-up, warnings, errors) are rare and worth seeing at
//! once, so each of them writes out the buffer immediately.

use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tracing::Metadata;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::http::REQUEST_LOG_TARGET;
use crate::settings::LogFormat;

/// Size of the buffer for request lines: about 250 of them.
const BUFFER_BYTES: usize = 64 * 1024;
/// Maximum time a request line waits in the buffer.
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// Installs the global subscriber. Logs go to standard output, filtered by RUST_LOG.
///
/// Keep the returned guard alive until exit: dropping it writes out the buffer.
#[must_use = "dropping the guard writes out the log buffer; keep it until exit"]
pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let ansi = std::io::stdout().is_terminal();
    let output = BufferedStdout::default();
    output.flush_periodically();
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(output.clone());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    LogGuard { output }
}

/// Writes out the buffered log lines when dropped.
pub struct LogGuard {
    output: BufferedStdout,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let _ = self.output.lock().flush();
    }
}

/// Standard output behind a shared buffer.
#[derive(Clone)]
struct BufferedStdout {
    buffer: Arc<Mutex<BufWriter<Stdout>>>,
}

impl Default for BufferedStdout {
    fn default() -> Self {
        BufferedStdout { buffer: Arc::new(Mutex::new(BufWriter::with_capacity(BUFFER_BYTES, std::io::stdout()))) }
    }
}

impl BufferedStdout {
    fn lock(&self) -> MutexGuard<'_, BufWriter<Stdout>> {
        // A panic while writing leaves at worst a partial line; logging goes on.
        self.buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes out the buffer every [`FLUSH_INTERVAL`] on a thread of its own, so request
    /// lines show up soon even when traffic is too light to fill the buffer.
    fn flush_periodically(&self) {
        let output = self.clone();
        let spawned = std::thread::Builder::new().name("log-flush".to_owned()).spawn(move || {
            loop {
                std::thread::sleep(FLUSH_INTERVAL);
                let _ = output.lock().flush();
            }
        });
        if let Err(error) = spawned {
            eprintln!("failed to start the log flushing thread ({error}); request lines show when the buffer fills");
        }
    }
}

/// One log line being written. It keeps the buffer locked until it is dropped.
pub struct LogLine<'a> {
    buffer: MutexGuard<'a, BufWriter<Stdout>>,
    flush: bool,
}

impl Write for LogLine<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.buffer.flush()
    }
}

impl Drop for LogLine<'_> {
    fn drop(&mut self) {
        if self.flush {
            let _ = self.buffer.flush();
        }
    }
}

impl<'a> MakeWriter<'a> for BufferedStdout {
    type Writer = LogLine<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine { buffer: self.lock(), flush: true }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        let request_line = meta.target() == REQUEST_LOG_TARGET && *meta.level() > tracing::Level::WARN;
        LogLine { buffer: self.lock(), flush: !request_line }
    }
}
