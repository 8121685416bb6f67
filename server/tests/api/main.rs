//! Sitrep's integration tests: one binary (linking the server once), a module per area. Each
//! test starts a real server on an ephemeral port over a real database: a temporary SQLite file
//! or a fresh PostgreSQL database (see `common`).

#[macro_use]
mod common;

mod assets;
mod caches;
mod commands;
mod list;
mod migration;
mod reads;
mod rest;
mod roles;
mod room;
mod security;
mod settings;
mod sla;
mod store;
mod stream;
mod tickets;
mod timeline_pages;
mod tokens;
mod versions;
