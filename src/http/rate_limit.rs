//! Per-client rate limits on the endpoints that write: dealing rounds, answering, submitting.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::problem::ApiError;

/// Requests per minute and client address for each limited kind of request.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub rounds_per_minute: NonZeroU32,
    pub answers_per_minute: NonZeroU32,
    pub submissions_per_minute: NonZeroU32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

/// The limiters of one server instance. Counters live in this process's memory, so with N
/// instances behind a balancer a client can make up to N times the configured rate.
pub struct RateLimits {
    rounds: DefaultKeyedRateLimiter<IpAddr>,
    answers: DefaultKeyedRateLimiter<IpAddr>,
    submissions: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
}

#[derive(Clone, Copy, Debug)]
pub enum LimitedAction {
    DealRound,
    Answer,
    Submit,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        RateLimits {
            rounds: RateLimiter::keyed(Quota::per_minute(settings.rounds_per_minute)),
            answers: RateLimiter::keyed(Quota::per_minute(settings.answers_per_minute)),
            submissions: RateLimiter::keyed(Quota::per_minute(settings.submissions_per_minute)),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }

    /// Forgets clients whose limits have fully recovered, so memory stays bounded.
    pub fn forget_idle_clients(&self) {
        for limiter in [&self.rounds, &self.answers, &self.submissions] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Returns the client's address: the socket peer, unless the peer is a trusted proxy,
    /// in which case the nearest address in `X-Forwarded-For` that is not a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        // Walk from the nearest hop outwards: entries further left could be forged by the client.
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(address) if self.trusted_proxies.contains(&address) => continue,
                Ok(address) => return address,
                Err(_) => return peer,
            }
        }
        peer
    }

    fn check(&self, action: LimitedAction, client: IpAddr) -> Result<(), Duration> {
        let limiter = match action {
            LimitedAction::DealRound => &self.rounds,
            LimitedAction::Answer => &self.answers,
            LimitedAction::Submit => &self.submissions,
        };
        limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Middleware state: the limits (absent when turned off) and the action being limited.
#[derive(Clone)]
pub struct LimitLayerState {
    pub limits: Option<Arc<RateLimits>>,
    pub action: LimitedAction,
}

pub async fn enforce(
    State(state): State<LimitLayerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limits) = state.limits else {
        return next.run(request).await;
    };
    let client = limits.client_address(peer.ip(), request.headers());
    match limits.check(state.action, client) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            // Round up: a client that waits exactly this long must find the limit recovered.
            let retry_after = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::info!(?state.action, %client, retry_after, "rate limit reached");
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("Too many requests from this address; retry after {retry_after} s."),
            )
            .with("retry_after", retry_after)
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(trusted: &[&str]) -> RateLimits {
        RateLimits::new(&RateLimitSettings {
            rounds_per_minute: NonZeroU32::new(2).unwrap(),
            answers_per_minute: NonZeroU32::new(2).unwrap(),
            submissions_per_minute: NonZeroU32::new(2).unwrap(),
            trusted_proxies: trusted.iter().map(|a| a.parse().unwrap()).collect(),
        })
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn untrusted_peer_is_the_client() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limits(&[]).client_address(peer, &forwarded("198.51.100.1")), peer);
    }

    #[test]
    fn trusted_proxy_forwards_nearest_untrusted_hop() {
        let limits = limits(&["127.0.0.1", "10.0.0.2"]);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let client = limits.client_address(peer, &forwarded("1.2.3.4, 198.51.100.7, 10.0.0.2"));
        assert_eq!(client, "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn third_request_in_a_minute_is_limited() {
        let limits = limits(&[]);
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limits.check(LimitedAction::Submit, client).is_ok());
        assert!(limits.check(LimitedAction::Submit, client).is_ok());
        assert!(limits.check(LimitedAction::Submit, client).is_err());
        assert!(limits.check(LimitedAction::Answer, client).is_ok());
    }
}
