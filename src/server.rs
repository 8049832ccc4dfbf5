//! The HTTP server loop: accepts connections and serves the app on each, with timeouts that
//! keep slow or stalled clients from holding connections, and a graceful stop.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
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
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: &ConnectionTimeouts,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.header).keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(timeouts.idle)
        .keep_alive_timeout(timeouts.header);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

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

        // A response goes out in one write, and Nagle's algorithm would hold back a small one
        // while an earlier segment waits for its acknowledgement.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, %peer, "failed to turn off Nagle's algorithm on a connection");
        }
        let app = app.clone();
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
        let header_timeout = timeouts.header;
        tokio::spawn(async move {
            // hyper's header timeout starts with the first byte, so a client that connects
            // and sends nothing would otherwise hold the connection forever.
            let mut first_byte = [0u8; 1];
            if tokio::time::timeout(header_timeout, stream.peek(&mut first_byte)).await.is_err() {
                tracing::debug!(%peer, "connection sent nothing before the header timeout; closed");
                return;
            }
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, %peer, "connection closed with an error");
            }
        });
    }

    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(?grace, "open connections did not finish in time; stopping anyway");
        }
    }
}
