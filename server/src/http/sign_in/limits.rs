//! Sign-in limits: after too many failed sign-ins, further attempts are refused (429) for a while.
//!
//! Counted in two buckets over a sliding window, in the database so every instance on PostgreSQL
//! shares them: per account *and* address (10 failures in 15 minutes by default), and per address
//! over all accounts (50 by default, so one address cannot try many accounts). The account alone
//! is never a bucket: a guesser elsewhere must not be able to lock its owner out. A refused
//! attempt is not counted (the password is not even checked), so waiting always helps, and
//! signing in clears that account's failures at that address (the per-address ones stay).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use app::domain::{AppError, ErrorKind};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::problem::ApiError;
use crate::store::Store;
use crate::AppState;

/// How many failed sign-ins are allowed, within what window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    pub window: Duration,
    /// Failures of one account from one address.
    pub per_account: u32,
    /// Failures from one address, any account.
    pub per_address: u32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            window: Duration::from_secs(15 * 60),
            per_account: 10,
            per_address: 50,
        }
    }
}

/// Sign-in is refused for `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: u64,
}

impl Limited {
    pub fn message(self) -> String {
        app::pages::login::too_many_attempts(self.retry_after)
    }
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        let mut response =
            ApiError(AppError::new(ErrorKind::TooManyRequests, self.message())).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after));
        response
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SignInLimits {
    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }

    /// Starts an attempt: counts it as a failure at once (signing in clears it), then refuses
    /// it — and forgets it — when that overfills either bucket. Counting first means concurrent
    /// attempts cannot all pass the check before any of them is recorded.
    pub async fn begin(
        &self,
        store: &dyn Store,
        account: &str,
        address: &str,
    ) -> Result<Result<(), Limited>, AppError> {
        let now = now_ms();
        let since = now.saturating_sub(self.window_ms());
        let attempt = store
            .record_sign_in_failure(account, address, now, since)
            .await?;
        // Full when, besides this attempt, the bucket holds `limit` failures: it stays full
        // until the oldest of those leaves the window.
        let by_account = store
            .nth_newest_failure(
                Some(account),
                address,
                since,
                self.per_account.saturating_add(1),
            )
            .await?;
        let by_address = store
            .nth_newest_failure(None, address, since, self.per_address.saturating_add(1))
            .await?;
        let until = by_account
            .into_iter()
            .chain(by_address)
            .map(|at| at.saturating_add(self.window_ms()))
            .max();
        Ok(match until {
            Some(until) if until > now => {
                store.forget_sign_in_failure(attempt).await?;
                Err(Limited {
                    // Whole seconds, rounded up: retrying at once after `Retry-After` works.
                    retry_after: u64::try_from((until - now + 999) / 1000)
                        .unwrap_or(1)
                        .max(1),
                })
            }
            _ => Ok(()),
        })
    }

    /// Signed in: that account's failures at that address (this attempt's too) are forgotten.
    pub async fn succeeded(
        &self,
        store: &dyn Store,
        account: &str,
        address: &str,
    ) -> Result<(), AppError> {
        store.clear_sign_in_failures(account, address).await?;
        Ok(())
    }
}

/// Where a request comes from: the TCP peer, or, when the peer is one of the `trusted` proxies,
/// the nearest address in `X-Forwarded-For` that is not itself a trusted proxy (read from the
/// right: entries further left were written by the client and prove nothing).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(&client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        if !trusted.contains(&client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip.to_canonical(),
            // Garbage: the last proxy we trust is all we know.
            None => break,
        }
    }
    client
}

/// One `X-Forwarded-For` hop: an address, as some proxies write it with a port too
/// (`203.0.113.7:51234`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// The key an address is limited by. An IPv6 client holds a whole /64 (one customer's
/// network), so it counts as one address: otherwise each of its 2^64 addresses would get a
/// fresh allowance of guesses.
fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The client's address (see `client_address`), as the limits key it.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddr(match peer {
            Some(peer) => limit_key(client_address(peer, &parts.headers, &state.trusted_proxies)),
            // Not served by `serve` (no peer known): one shared bucket.
            None => "unknown".to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn hops_with_ports_are_read_and_ipv6_counts_by_its_network() {
        let proxy = ip("10.0.0.1");
        let headers = xff(&["203.0.113.7:51234"]);
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("203.0.113.7"));
        let headers = xff(&["[2001:db8::1]:443"]);
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("2001:db8::1"));
        assert_eq!(limit_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let headers = xff(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers, &[proxy]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers, &[]),
            ip("198.51.100.7")
        );
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("203.0.113.9"));
    }

    #[test]
    fn forwarded_for_is_read_from_the_right() {
        let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
        // The client claims 1.1.1.1; the proxies saw 203.0.113.9.
        let headers = xff(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(client_address(a, &headers, &[a, b]), ip("203.0.113.9"));
        assert_eq!(client_address(a, &xff(&["junk"]), &[a]), a);
        assert_eq!(client_address(a, &HeaderMap::new(), &[a]), a);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &xff(&["203.0.113.9"]), &[a]),
            ip("203.0.113.9")
        );
    }
}
