//! The `sitrep` server: everything with I/O. See `main.rs` for the command line.
#![recursion_limit = "512"]

pub mod auth;
pub mod bus;
pub mod config;
pub mod http;
pub mod markdown;
pub mod presence;
pub mod seed;
pub mod service;
pub mod store;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::bus::Bus;
use crate::service::Service;
use crate::store::Store;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub bus: Bus,
    /// Who is in which room.
    pub presence: presence::Presence,
    pub leptos: LeptosOptions,
    /// Ends every live stream on shutdown.
    pub cancel: CancellationToken,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
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

/// How to serve, besides where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Directory with the compiled browser bundle (pkg/) and static assets.
    pub site_root: String,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Severity and status labels, update cadences and templates.
    pub vocabulary: app::domain::Vocabulary,
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
        vocabulary,
    } = options;
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
    let presence = presence::Presence::new();
    tokio::spawn(presence.clone().run(store.clone(), cancel.clone()));
    let state = AppState {
        service: Service::new(store.clone(), bus.clone()).with_vocabulary(vocabulary),
        bus,
        presence,
        leptos: leptos_options(site_root),
        cancel: cancel.clone(),
        secure_cookies,
    };
    let app = http::router(state);
    let shutdown = cancel.clone();
    let handle = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
        {
            tracing::error!(%err, "server error");
        }
    });
    Ok(Running {
        addr,
        cancel,
        handle,
    })
}
