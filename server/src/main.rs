use std::process::ExitCode;

use clap::Parser;
use sitrep::config::{Cli, Commands, SeedArgs, ServeArgs, UserCommand};
use sitrep::store::{self, NewUser, Store};
use sitrep::{application::Service, auth, live::bus::Bus, seed};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>, String> {
    let store = store::open(url)
        .await
        .map_err(|e| format!("cannot open the database {url}: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("cannot migrate the database {url}: {e}"))?;
    Ok(store)
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Commands::Serve(args) => serve(args).await,
        Commands::Migrate(db) => {
            let store = open(&db.database_url).await?;
            store.close().await;
            println!("Database {} is up to date.", db.database_url);
            Ok(())
        }
        Commands::Seed(SeedArgs { demo: _, db }) => {
            let store = open(&db.database_url).await?;
            let service = Service::new(store.clone(), Bus::new());
            seed::demo(&service).await?;
            store.close().await;
            print_demo_logins();
            Ok(())
        }
        Commands::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    team,
                    on_call,
                    password,
                    db,
                },
        } => {
            let role = app::domain::UserRole::parse(&role)?;
            if !email.contains('@') {
                return Err(format!("\"{email}\" is not an email address."));
            }
            app::domain::check_len("The name", name.trim(), 1, 100).map_err(|e| e.to_string())?;
            app::domain::check_len("The email address", email.trim(), 3, 254)
                .map_err(|e| e.to_string())?;
            let team = app::domain::Person::team(&team).map_err(|e| e.to_string())?;
            if password.chars().count() < auth::MIN_PASSWORD_CHARS {
                return Err(format!(
                    "The password must be at least {} characters.",
                    auth::MIN_PASSWORD_CHARS
                ));
            }
            let store = open(&db.database_url).await?;
            let user = store
                .create_user(&NewUser {
                    email,
                    name,
                    role,
                    password_hash: auth::hash_password(&password)?,
                })
                .await
                .map_err(|e| e.to_string())?;
            let user = store
                .set_person(user.id, &team, on_call)
                .await
                .map_err(|e| e.to_string())?;
            store.close().await;
            println!(
                "Created user {} <{}> ({}), id {}.",
                user.name,
                user.email,
                user.role.key(),
                user.id
            );
            Ok(())
        }
    }
}

fn print_demo_logins() {
    println!("Demo users (password \"{}\"):", seed::DEMO_PASSWORD);
    for (email, name, _, what) in seed::DEMO_USERS {
        println!("  {email:<26} {name} — {what}");
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let store = open(&args.db.database_url).await?;
    if args.seed_demo {
        let service = Service::new(store.clone(), Bus::new());
        if seed::demo_if_empty(&service).await? {
            tracing::info!("seeded the demo users and incidents");
        }
    }
    if store.users().await.map_err(|e| e.to_string())?.is_empty() {
        println!(
            "No users yet. Create one with: sitrep user add --email you@example.com --name 'Your Name' --role admin"
        );
    }
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let options = sitrep::Options {
        site_root: args.site_root.clone(),
        secure_cookies: args.secure_cookies,
        public_url: args.public_url.clone(),
        body_timeout: None,
        vocabulary: load_vocabulary(args.vocabulary.as_deref())?,
        sign_in: sitrep::http::sign_in::limits::SignInLimits {
            window: std::time::Duration::from_secs(args.sign_in_window_secs),
            per_account: args.sign_in_limit_per_account,
            per_address: args.sign_in_limit_per_address,
        },
        trusted_proxies: args.trusted_proxies.clone(),
    };
    let running = sitrep::start_with(store.clone(), listener, options)
        .await
        .map_err(|e| e.to_string())?;
    println!("Sitrep is running at http://{}", running.addr);
    if args.seed_demo {
        print_demo_logins();
    }
    let cancel = running.cancel.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        cancel.cancel();
    });
    running.handle.await.map_err(|e| e.to_string())?;
    store.close().await;
    Ok(())
}

/// The configured vocabulary, or the defaults when no file is given.
fn load_vocabulary(path: Option<&std::path::Path>) -> Result<app::domain::Vocabulary, String> {
    let Some(path) = path else {
        return Ok(app::domain::Vocabulary::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the vocabulary {}: {e}", path.display()))?;
    let vocabulary: app::domain::Vocabulary = serde_json::from_str(&text)
        .map_err(|e| format!("the vocabulary {} is not valid: {e}", path.display()))?;
    vocabulary
        .validate()
        .map_err(|e| format!("the vocabulary {} is not valid: {e}", path.display()))?;
    // Files written for earlier versions set the public-update cadence here.
    let old_cadence = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("severities")?.as_array().cloned())
        .is_some_and(|all| all.iter().any(|s| s.get("update_every_minutes").is_some()));
    if old_cadence {
        tracing::warn!(
            vocabulary = %path.display(),
            "update_every_minutes is ignored: how often a public update is due is now the SLA \
             policy's next-update target (Settings → SLA policy, or PUT /api/v1/sla/policy)"
        );
    }
    Ok(vocabulary)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
