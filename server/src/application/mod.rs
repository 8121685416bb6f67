//! The application layer: every door (REST, server functions, the SLA watcher) calls it. A
//! command is loaded, decided by the domain, appended by the store and woken onto the bus
//! (`commands.rs`); settings, the role catalog, the roster, the service catalog and reads each
//! have their file; `backend.rs` is what the screens' server functions see.

mod backend;
pub mod cache;
mod catalog;
mod commands;
mod export;
mod inbound;
mod incidents;
mod roster;
mod services;
mod settings;
mod snapshots;
mod tickets;
mod tokens;

use std::sync::Arc;

use app::domain::{AppError, ErrorKind, Vocabulary};

use crate::live::bus::Bus;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

pub use inbound::MailOutcome;
pub use settings::{parse_policy, ROLE_CATALOG, SLA_POLICY};

#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    /// Labels and templates, from configuration.
    pub vocabulary: Arc<Vocabulary>,
    pub metrics: Arc<Metrics>,
    /// Held from reading what a command decides on until its events are committed, so this
    /// instance's writers never race each other (the store serialises commits anyway: SQLite
    /// has one writer, PostgreSQL appends take an advisory lock). Fair: first come, first
    /// served. Not re-entrant: nothing that holds it may call `execute` or a save.
    pub(super) writer: Arc<tokio::sync::Mutex<()>>,
    /// What most requests read, kept for a second or two (`cache.rs`).
    pub reads: Arc<cache::Reads>,
}

pub fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "internal error");
    AppError::internal("Something went wrong on the server. It has been logged; please retry.")
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::not_found("Not found."),
            StoreError::Duplicate(what) => {
                AppError::new(ErrorKind::Conflict, format!("{what} already exists."))
            }
            other => internal(other),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn Store>, bus: Bus) -> Self {
        Self {
            store,
            reads: Arc::new(cache::Reads::new(&bus)),
            bus,
            vocabulary: Arc::new(Vocabulary::default()),
            metrics: Arc::new(Metrics::default()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The signed-in user `id`, as a request sees them (`cache.rs`); `None`: no such user.
    pub async fn viewer(&self, id: i64) -> Result<Option<app::domain::User>, StoreError> {
        if let Some(user) = self.reads.viewers.get(&id) {
            return Ok(Some(user));
        }
        let user = self.store.user(id).await?;
        if let Some(user) = &user {
            self.reads.viewers.insert(id, user.clone());
        }
        Ok(user)
    }

    pub fn with_vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = Arc::new(vocabulary);
        self
    }
}
