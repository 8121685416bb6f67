//! Command line and environment.

use clap::{Args, Parser, Subcommand};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/sitrep.db";

#[derive(Debug, Parser)]
#[command(
    name = "sitrep",
    version,
    about = "Sitrep: run incidents in the browser, live."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Where the data lives: sqlite://path/to/file.db (created if missing) or
    /// postgres://user@host/db (for several instances).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Serve the web app and the API (migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Load data into the database.
    Seed(SeedArgs),
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (use port 0 for any free port; the chosen address is printed).
    #[arg(long, env = "SITREP_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Directory with the compiled browser bundle (pkg/) and static assets.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// On an empty database, create the demo users and incidents.
    #[arg(long, env = "SITREP_SEED_DEMO")]
    pub seed_demo: bool,
    /// Mark the session cookie Secure (set this when serving over HTTPS).
    #[arg(long, env = "SITREP_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address people open in their browsers, e.g. https://sitrep.example.com (set it behind
    /// a proxy): requests that change something must come from pages of this origin. Without it,
    /// the request's own Host header names the origin.
    #[arg(long, env = "SITREP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A JSON file naming the severities and statuses (labels, descriptions, major or not)
    /// and the status-update templates; see `GET /api/v1/vocabulary` for the defaults.
    #[arg(long, env = "SITREP_VOCABULARY")]
    pub vocabulary: Option<std::path::PathBuf>,
    /// The window failed sign-ins are counted in, in seconds (default 15 minutes).
    #[arg(long, env = "SITREP_SIGN_IN_WINDOW_SECS", default_value_t = 900,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub sign_in_window_secs: u64,
    /// Failed sign-ins of one account from one address within the window before further
    /// attempts get 429.
    #[arg(long, env = "SITREP_SIGN_IN_LIMIT_PER_ACCOUNT", default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit_per_account: u32,
    /// Failed sign-ins from one address (any account) within the window before further attempts
    /// get 429.
    #[arg(long, env = "SITREP_SIGN_IN_LIMIT_PER_ADDRESS", default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit_per_address: u32,
    /// Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client.
    /// Without it the TCP peer is the client, and X-Forwarded-For is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SITREP_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The demo users (one per role, password "sitrep-demo") and a few incidents.
    #[arg(long, required = true)]
    pub demo: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user who can sign in.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, responder, support, manager or stakeholder (read-only).
        #[arg(long, default_value = "responder")]
        role: String,
        /// The team they are on (shown on the roster).
        #[arg(long, default_value = "")]
        team: String,
        /// They are on call now (shown on the roster; change it with PATCH /api/v1/people/{id}).
        #[arg(long)]
        on_call: bool,
        /// At least 8 characters. Prefer the SITREP_PASSWORD environment variable, which stays
        /// out of your shell history.
        #[arg(long, env = "SITREP_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}
