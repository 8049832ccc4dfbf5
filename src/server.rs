//! The HTTP server loop: accepts connections and serves the app on each, with timeouts that
//! keep slow or stalled clients from holding connections, and a graceful stop.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tower::ServiceExt;

/// Limits on how long a client may take.
#[derive(Debug, Clone)]
pub struct ConnectionTimeouts {
    /// Time to send a request's headers, and the longest an idle keep-alive connection waits
    /// for its next request.
    pub header: Duration,
    /// Time to send a request's body (applied by the app's body-timeout layer).
    pub body: Duration,
    /// HTTP/2 connections are pinged at this interval and closed when a ping goes unanswered.
    pub idle: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, then waits up to `grace` for open
/// connections to finish their requests.
///
/// One single-threaded runtime per core serves the connections, as nginx has one worker
/// process per core. A connection then stays on one thread, where a shared scheduler would
/// pass its work between threads. This task accepts the connections and deals them out in
/// turn, so the workers get equal shares.
///
/// Call [`HttpWorkers::stop`] on the result after the database pool is closed, because
/// pooled connections may belong to a worker's runtime.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: &ConnectionTimeouts,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<HttpWorkers> {
    let count = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (release, released) = watch::channel(false);
    let mut queues = Vec::with_capacity(count);
    let mut drained = Vec::with_capacity(count);
    let mut threads = Vec::with_capacity(count);
    for index in 0..count {
        let (queue, connections) = mpsc::unbounded_channel();
        let (done, done_receiver) = oneshot::channel::<()>();
        let worker = Worker { index, app: app.clone(), timeouts: timeouts.clone(), grace };
        let released = released.clone();
        let thread = std::thread::Builder::new()
            .name(format!("http-worker-{index}"))
            .spawn(move || worker.run(connections, done, released))?;
        queues.push(queue);
        drained.push(done_receiver);
        threads.push(thread);
    }

    let mut shutdown = std::pin::pin!(shutdown);
    let mut next = 0;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Running out of file descriptors is the usual cause; pausing lets
                    // open connections close instead of spinning on the error.
                    tracing::warn!(%error, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A stream is tied to the runtime that registered it, so it moves as a plain socket.
        match stream.into_std() {
            Ok(stream) => {
                if queues[next].send((stream, peer)).is_err() {
                    tracing::error!(worker = next, %peer, "an HTTP worker is gone; connection dropped");
                }
                next = (next + 1) % queues.len();
            }
            Err(error) => tracing::warn!(%error, %peer, "failed to hand a connection to a worker"),
        }
    }

    drop(listener);
    // Each worker stops and drains its connections when its queue closes.
    drop(queues);
    for done in drained {
        // An error means the worker ended without a runtime, so there is nothing to wait for.
        let _ = done.await;
    }
    Ok(HttpWorkers { release, threads })
}

/// The HTTP worker threads after they stopped serving, kept until the database pool closes.
pub struct HttpWorkers {
    release: watch::Sender<bool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl HttpWorkers {
    /// Ends the worker threads and waits for them.
    pub async fn stop(self) {
        let _ = self.release.send(true);
        let threads = self.threads;
        let joined = tokio::task::spawn_blocking(move || {
            for thread in threads {
                if thread.join().is_err() {
                    tracing::error!("an HTTP worker thread panicked");
                }
            }
        });
        if let Err(error) = joined.await {
            tracing::error!(%error, "failed to wait for the HTTP worker threads");
        }
    }
}

/// A connection as accepted: the socket and the client's address.
type Accepted = (std::net::TcpStream, SocketAddr);

/// One HTTP worker: a thread with a runtime of its own that serves the connections dealt to it.
struct Worker {
    index: usize,
    app: Router,
    timeouts: ConnectionTimeouts,
    grace: Duration,
}

impl Worker {
    /// Serves connections from `connections` until the queue closes, lets them finish within
    /// the grace period, reports on `done`, then keeps the runtime alive until `released`.
    fn run(self, connections: mpsc::UnboundedReceiver<Accepted>, done: oneshot::Sender<()>, mut released: watch::Receiver<bool>) {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(%error, worker = self.index, "failed to start an HTTP worker's runtime");
                return;
            }
        };
        runtime.block_on(async move {
            self.serve(connections).await;
            let _ = done.send(());
            // Keep driving this runtime's I/O: database connections opened here stay in the
            // pool until it closes.
            // NOTE: another worker may borrow such a connection, and its I/O then waits for this
            // runtime to turn, which may add latency under load (not measured).
            let _ = released.wait_for(|release| *release).await;
        });
    }

    async fn serve(self, mut connections: mpsc::UnboundedReceiver<Accepted>) {
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(self.timeouts.header).keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(self.timeouts.idle)
            .keep_alive_timeout(self.timeouts.header);
        let graceful = GracefulShutdown::new();
        // Set once the queue closes, so connections still waiting for their first byte close
        // at once instead of holding up the shutdown until their header timeout.
        let (stopping, stop) = watch::channel(false);

        while let Some((stream, peer)) = connections.recv().await {
            let stream = match TcpStream::from_std(stream) {
                Ok(stream) => stream,
                Err(error) => {
                    tracing::warn!(%error, %peer, "failed to register a connection; closed");
                    continue;
                }
            };
            // A response goes out in one write, and Nagle's algorithm would hold back a small
            // one while an earlier segment waits for its acknowledgement.
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, %peer, "failed to turn off Nagle's algorithm on a connection");
            }
            let app = self.app.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    let response = app.oneshot(request.map(axum::body::Body::new)).await;
                    Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                }
            });
            let builder = builder.clone();
            let watcher = graceful.watcher();
            let header_timeout = self.timeouts.header;
            let mut stop = stop.clone();
            tokio::spawn(async move {
                // hyper's header timeout starts with the first byte, so a client that connects
                // and sends nothing would otherwise hold the connection forever.
                let mut first_byte = [0u8; 1];
                let started = tokio::select! {
                    peeked = tokio::time::timeout(header_timeout, stream.peek(&mut first_byte)) => peeked.is_ok(),
                    _ = stop.wait_for(|stopping| *stopping) => false,
                };
                if !started {
                    tracing::debug!(%peer, "connection sent nothing before the header timeout or the shutdown; closed");
                    return;
                }
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                if let Err(error) = watcher.watch(connection).await {
                    tracing::debug!(%error, %peer, "connection closed with an error");
                }
            });
        }

        let _ = stopping.send(true);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(self.grace) => {
                tracing::warn!(grace = ?self.grace, worker = self.index, "open connections did not finish in time; stopping anyway");
            }
        }
    }
}
