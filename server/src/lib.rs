//! The `sitrep` server: everything with I/O. See `main.rs` for the command line.
#![recursion_limit = "512"]

pub mod application;
pub mod auth;
pub mod config;
pub mod http;
pub mod live;
pub mod markdown;
pub mod metrics;
pub mod seed;
pub mod sla;
pub mod store;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::application::Service;
use crate::live::bus::Bus;
use crate::store::Store;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub bus: Bus,
    /// Who is in which room.
    pub presence: live::presence::Presence,
    pub leptos: LeptosOptions,
    /// Ends every live stream on shutdown.
    pub cancel: CancellationToken,
    /// Mark cookies `Secure` (when served over HTTPS); also sends HSTS.
    pub secure_cookies: bool,
    /// The origin browsers reach us at, when configured (behind a proxy); else `Host` says.
    pub public_origin: Option<Arc<http::security::Origin>>,
    /// Ends the streams of sessions that ended.
    pub sessions: live::session_watch::SessionWatch,
    /// How long a client may take to send a request's body.
    pub body_timeout: std::time::Duration,
    /// How many failed sign-ins, within what window.
    pub sign_in: http::sign_in::limits::SignInLimits,
    /// Peers whose `X-Forwarded-For` says who the client is.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Where the compiled browser bundle and assets live, and what they are called.
pub fn leptos_options(site_root: &str) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("sitrep").build());
    options.output_name = "sitrep".into();
    options.site_root = site_root.into();
    options.site_pkg_dir = "pkg".into();
    // scripts/build.sh (and cargo-leptos with hash-files) names the bundle by its content and
    // writes the hashes beside this binary, where leptos reads them: use them when there.
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    options.hash_files |= beside_binary.is_some_and(|file| file.is_file());
    options
}

/// A running server: its address, and how to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub cancel: CancellationToken,
    pub handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, ends live streams, waits for the server to finish.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        let _ = self.handle.await;
    }
}

/// Removes expired sign-in sessions every hour.
async fn delete_expired_sessions(store: Arc<dyn Store>, cancel: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = every.tick() => {
                if let Err(err) = store.sessions().delete_expired().await {
                    tracing::warn!(%err, "could not delete expired sessions");
                }
            }
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown`, then lets open requests finish.
///
/// Not `axum::serve`: that one also sniffs for HTTP/2 and polls a shutdown signal on every
/// wake-up of every connection. With thousands of open event streams each event wakes every
/// connection once, so the work per wake-up is the cost of fan-out; this loop keeps it to the
/// HTTP/1.1 connection itself (see `make bench`).
async fn serve(listener: TcpListener, app: axum::Router, shutdown: CancellationToken) {
    let app = app.map_request(|req: axum::http::Request<hyper::body::Incoming>| {
        req.map(axum::body::Body::new)
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // A client gets this long to send its request head (slow-loris protection).
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(30));
    loop {
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Live frames are small writes that must leave at once, not wait for an ACK (Nagle).
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
        // One shared routing table behind an `Arc`: cloning it per connection is cheap.
        // Handlers see the peer's address (sign-in limits key on it) as axum's `ConnectInfo`.
        let service = hyper_util::service::TowerToHyperService::new(app.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
        let conn =
            graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(err) = conn.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    // Idle connections close now; requests under way (event streams end on the bus's
    // `Closing`) finish first.
    graceful.shutdown().await;
}

/// How to serve, besides where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Directory with the compiled browser bundle (pkg/) and static assets.
    pub site_root: String,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Where browsers reach the server (`https://sitrep.example.com`), when it is behind a proxy:
    /// requests that change something must come from this origin. `None`: the `Host` header's.
    pub public_url: Option<String>,
    /// How long a client may take to send a request's body (`None`: 30 seconds).
    pub body_timeout: Option<std::time::Duration>,
    /// Severity and status labels, update templates and roles.
    pub vocabulary: app::domain::Vocabulary,
    /// How many failed sign-ins, within what window.
    pub sign_in: http::sign_in::limits::SignInLimits,
    /// Proxies whose `X-Forwarded-For` is believed (none: the TCP peer is the client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Starts serving `store` on `listener` with the default vocabulary.
pub async fn start(
    store: Arc<dyn Store>,
    listener: TcpListener,
    site_root: &str,
    secure_cookies: bool,
) -> std::io::Result<Running> {
    let options = Options {
        site_root: site_root.to_owned(),
        secure_cookies,
        ..Options::default()
    };
    start_with(store, listener, options).await
}

/// Starts serving `store` on `listener` until the returned handle is shut down.
pub async fn start_with(
    store: Arc<dyn Store>,
    listener: TcpListener,
    options: Options,
) -> std::io::Result<Running> {
    let Options {
        site_root,
        secure_cookies,
        public_url,
        body_timeout,
        vocabulary,
        sign_in,
        trusted_proxies,
    } = options;
    let public_origin = match public_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(Arc::new(http::security::Origin::of_url(url).ok_or_else(
            || {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("the public URL {url:?} is not an http:// or https:// URL"),
                )
            },
        )?)),
    };
    let site_root = site_root.as_str();
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    auth::warm_up();
    // The pump starts after the newest event committed before we serve: everything later is
    // published, everything earlier is replayed from the table by the streams that want it.
    let cursor = store
        .last_event_id()
        .await
        .map_err(|e| std::io::Error::other(format!("cannot read the events table: {e}")))?;
    let bus = Bus::new();
    tokio::spawn(bus.clone().run(store.clone(), cursor, cancel.clone()));
    tokio::spawn(delete_expired_sessions(store.clone(), cancel.clone()));
    let presence = live::presence::Presence::new(bus.clone());
    tokio::spawn(presence.clone().run(store.broker(), cancel.clone()));
    let service = Service::new(store.clone(), bus.clone()).with_vocabulary(vocabulary);
    tokio::spawn(sla::run(service.clone(), cancel.clone()));
    let sessions = live::session_watch::SessionWatch::new(bus.clone());
    tokio::spawn(
        sessions
            .clone()
            .run(store.sessions(), store.clone(), cancel.clone()),
    );
    let state = AppState {
        service,
        bus,
        presence,
        leptos: leptos_options(site_root),
        cancel: cancel.clone(),
        secure_cookies,
        public_origin,
        sessions,
        body_timeout: body_timeout.unwrap_or(http::limits::BODY_TIMEOUT),
        sign_in,
        trusted_proxies: trusted_proxies.into(),
    };
    let app = http::router(state);
    let shutdown = cancel.clone();
    let handle = tokio::spawn(serve(listener, app, shutdown));
    Ok(Running {
        addr,
        cancel,
        handle,
    })
}
