//! Building and running the server: load content, open the database, bind, serve, stop.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::content;
use crate::http::{AppState, RenderCache, SharedState, app};
use crate::server::{self, ConnectionTimeouts};
use crate::service::{Clinic, IdempotencySettings, LeaderboardCache};
use crate::http::rate_limit::{RateLimitSettings, RateLimits};
use crate::settings::{Settings, Toggle};
use crate::storage::{PoolSettings, Storage};

pub struct Application {
    listener: TcpListener,
    state: AppState,
    settings: Settings,
}

/// Opens the database the settings name, with its migrations applied.
pub async fn open_storage(settings: &Settings) -> anyhow::Result<Storage> {
    let pool = PoolSettings {
        max_connections: settings.db_max_connections,
        acquire_timeout: settings.db_acquire_timeout(),
        connect_timeout: settings.db_connect_timeout,
    };
    Storage::connect(&settings.database_url, &pool).await
}

impl Application {
    /// Loads and validates content, connects to the database and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let bank = content::load_bank()?;
        let catalogue = content::load_catalogue()?;
        tracing::info!(scenarios = bank.scenarios().len(), "content loaded");
        crate::http::assets::prepare();

        let storage = open_storage(&settings).await?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("failed to listen on {}", settings.listen))?;
        let idempotency = IdempotencySettings {
            retention: settings.idempotency_key_ttl,
            lease: settings.idempotency_lease,
        };
        let rate_limits = (settings.rate_limit == Toggle::On).then(|| {
            Arc::new(RateLimits::new(&RateLimitSettings {
                rounds_per_minute: settings.rounds_per_minute,
                answers_per_minute: settings.answers_per_minute,
                submissions_per_minute: settings.submissions_per_minute,
                trusted_proxies: settings.trust_proxy.clone(),
            }))
        });
        let leaderboard_cache = LeaderboardCache::new(settings.leaderboard_cache_ttl);
        let clinic = Clinic::new(storage, bank, catalogue, idempotency, leaderboard_cache);
        let state = AppState::new(SharedState {
            clinic,
            rate_limits,
            metrics: crate::http::metrics::install_recorder(),
            hsts: settings.hsts == Toggle::On,
            pages: RenderCache::default(),
            leaderboards: RenderCache::default(),
        });
        Ok(Application { listener, state, settings })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish within the
    /// shutdown timeout and closes the database pool.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let address = self.local_addr()?;
        tracing::info!(%address, "listening on http://{address}/");

        let storage = self.state.clinic.storage.clone();
        let purge = tokio::spawn(purge_expired_keys(
            self.state.clinic.clone(),
            self.settings.idempotency_purge_interval,
        ));
        let forget = self.state.rate_limits.clone().map(|limits| tokio::spawn(forget_idle_clients(limits)));
        let upkeep = self.state.metrics.clone().map(|handle| tokio::spawn(metrics_upkeep(handle)));
        let shutdown_timeout = self.settings.shutdown_timeout();
        let timeouts = ConnectionTimeouts {
            header: self.settings.header_timeout,
            body: self.settings.body_timeout,
            idle: self.settings.idle_timeout,
        };
        let app = app(self.state, timeouts.body);
        let workers = server::serve(self.listener, app, &timeouts, shutdown_signal(), shutdown_timeout)
            .await
            .context("failed to start the HTTP workers")?;

        purge.abort();
        for task in [forget, upkeep].into_iter().flatten() {
            task.abort();
        }
        storage.close().await;
        workers.stop().await;
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Deletes expired idempotency keys every `interval`, for as long as the server runs.
async fn purge_expired_keys(clinic: Clinic, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval.max(std::time::Duration::from_millis(100)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match clinic.purge_expired_keys().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "failed to delete expired idempotency keys; retrying at the next interval"),
        }
    }
}

/// Drains the latency samples into the metrics histograms every few seconds. Without it the
/// samples pile up in memory until something scrapes `/metrics`.
async fn metrics_upkeep(handle: metrics_exporter_prometheus::PrometheusHandle) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        ticker.tick().await;
        handle.run_upkeep();
    }
}

/// Drops rate-limit state of idle clients once a minute, so memory does not grow with every
/// address ever seen.
async fn forget_idle_clients(limits: Arc<RateLimits>) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        ticker.tick().await;
        limits.forget_idle_clients();
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "shutting down"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutting down"),
    }
}
