//! Read benchmark: what the common reads cost as the history grows. For each history size it
//! generates (once, kept under `target/bench-reads/`) a SQLite database of that many incidents
//! with real timelines, role assignments and SLA clocks, serves it with the real `sitrep` server
//! (a child process), and measures over loopback, with a fixed number of keep-alive clients for
//! a fixed time, the requests per second, p99 latency and response size of: the incidents
//! list's first page, a filtered page, the room page (HTML), the roster, and the resume of a
//! room's stream after 1,000 events elsewhere in the log. Prints one table, sizes side by side.
//!
//!   cargo bench -p server --bench reads -- --incidents 100,100000 --seconds 5
//!
//! `make bench-reads` (and `make bench`, after the fan-out benchmark) runs it at 100 and 100,000.

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::{
    apply, clocks, decide, Actor, Command, Context, Declaration, DomainError, EventRecord,
    Incident, LifecycleCommand, RevisedPolicy, RoleCommand, Severity, SlaCommand, SlaPolicy,
    Status, TimelineCommand, User, UserRole,
};
use chrono::{DateTime, SubsecRound, Utc};
use clap::Parser;
use serde_json::{json, Value};
use sitrep::store::{Change, NewUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{cpu_seconds, percentile, sign_in, BoxError, Server};

#[derive(Parser, Debug)]
struct Args {
    /// The history sizes to compare (incidents), side by side.
    #[arg(long, value_delimiter = ',', default_values_t = [100usize, 100_000])]
    incidents: Vec<usize>,
    /// Concurrent clients (one keep-alive connection each).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// How long each figure is measured, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Events written elsewhere in the log between a room's last event and its resume.
    #[arg(long, default_value_t = 1000)]
    elsewhere: usize,
    /// Generate the histories again even when they are already under target/bench-reads/.
    #[arg(long)]
    fresh: bool,
    /// The server binary, relative to the workspace root (default: target/release/sitrep, built
    /// by `make bench-reads`).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Ignored: cargo passes `--bench` to benchmark binaries.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Bumped when the generator writes a different history, so stale databases are not reused.
const GENERATOR: u32 = 3;
/// Incidents per transaction while generating.
const BATCH: usize = 1000;
/// People on the roster besides the demo users.
const EXTRA_PEOPLE: usize = 24;
/// Incidents still open in a long history: more than a page of the list (50), as a busy
/// company has on a bad day.
const OPEN: usize = 60;
/// How far back the history goes.
const HISTORY_DAYS: i64 = 730;

/// A small deterministic generator (xorshift64*): the same history every time.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn minutes(&mut self, from: i64, to: i64) -> chrono::Duration {
        chrono::Duration::seconds(60 * from + self.below((60 * (to - from)).max(1) as u64) as i64)
    }
}

const SYSTEMS: [&str; 10] = [
    "Checkout",
    "Search",
    "Payments API",
    "Login",
    "Mobile push",
    "Billing export",
    "Image CDN",
    "Order emails",
    "Public API",
    "Status page",
];
const SYMPTOMS: [&str; 8] = [
    "returns 502 for some customers",
    "is slow",
    "times out in the EU",
    "drops requests after deploy",
    "shows stale data",
    "fails for new accounts",
    "error rate above 5%",
    "is down",
];
const NOTES: [&str; 8] = [
    "Error rate on `api-gateway` jumped to **38%**. Looking at the last deploy.",
    "Rolled back deploy `#4812`; watching the dashboards.",
    "Customer support reports tickets from the EU only.",
    "Database CPU at 95%, a long-running query holds locks. Killing it.",
    "Latency back to normal for 10 minutes.\n\n- p95 300 ms\n- error rate 0.1%",
    "Opened a ticket with the cloud provider.",
    "Feature flag `new-cart` turned off for everyone.",
    "Next update in 30 minutes.",
];

/// One incident's history being written: the state after each event, and the events.
struct History {
    state: Option<Incident>,
    events: Vec<EventRecord>,
}

impl History {
    /// Lets the domain decide `command` as `who` at `at`, and records what it decided, as the
    /// server's `execute` does (`application/commands.rs`).
    fn run(
        &mut self,
        command: Command,
        who: &User,
        at: DateTime<Utc>,
        person: Option<&User>,
    ) -> Result<(), DomainError> {
        let ctx = Context {
            actor_id: who.id,
            now: at,
            person,
            ..Default::default()
        };
        for payload in decide(self.state.as_ref(), &command, &ctx)? {
            let event = EventRecord {
                id: 0,
                incident_id: 0,
                incident_version: self.events.len() as i64 + 1,
                at,
                actor: Actor {
                    id: who.id,
                    name: who.name.clone(),
                },
                payload,
                html: None,
            };
            apply(&mut self.state, &event);
            self.events.push(event);
        }
        Ok(())
    }

    fn version(&self) -> i64 {
        self.state.as_ref().map_or(0, |s| s.version)
    }

    fn board(&self) -> i64 {
        self.state.as_ref().map_or(0, |s| s.roles.version)
    }

    fn status(&self) -> Status {
        self.state.as_ref().map_or(Status::Triage, |s| s.status)
    }
}

/// How many incidents of `n` are still open (the most recent ones, as in real life): the same
/// number for every history of more than twice that, so that the sizes compare what the
/// history's length costs, not a longer open list (half of a smaller history).
fn open_count(n: usize) -> usize {
    OPEN.min(n / 2)
}

/// The people of the generated history.
struct People {
    responders: Vec<User>,
    system: Option<User>,
}

/// Incident `i` of `n`: declared, acknowledged, staffed, worked on with notes and status and
/// severity changes; resolved and mostly closed, unless it is one of the open ones, whose
/// clocks still run (and whose missed deadlines are recorded, as the breach recorder would).
fn incident(
    i: usize,
    n: usize,
    now: DateTime<Utc>,
    people: &People,
    policy: &SlaPolicy,
) -> Result<Change, DomainError> {
    let mut rng = Rng::new(i as u64 + 1);
    let open = i >= n - open_count(n);
    let span = chrono::Duration::days(HISTORY_DAYS);
    let mut t = now - span
        + chrono::Duration::seconds((span.num_seconds() as f64 * i as f64 / n as f64) as i64);
    let mut h = History {
        state: None,
        events: Vec::with_capacity(24),
    };
    let mut at = |rng: &mut Rng, from: i64, to: i64| {
        t = (t + rng.minutes(from, to)).min(now);
        t
    };
    let declarer = rng.pick(&people.responders).clone();
    let severity = match rng.below(100) {
        0..=9 => Severity::Sev1,
        10..=34 => Severity::Sev2,
        35..=74 => Severity::Sev3,
        _ => Severity::Sev4,
    };
    let when = at(&mut rng, 0, 0);
    h.run(
        Command::Declare(Declaration {
            title: format!(
                "{} {} (#{})",
                rng.pick(&SYSTEMS),
                rng.pick(&SYMPTOMS),
                i + 1
            ),
            severity,
            summary: format!(
                "Generated for the read benchmark: incident {} of {n}.",
                i + 1
            ),
        }),
        &declarer,
        when,
        None,
    )?;
    // A third of the open ones are not acknowledged yet: their acknowledgement clock runs.
    if !open || rng.chance(66) {
        let who = rng.pick(&people.responders).clone();
        let when = at(&mut rng, 1, 10);
        h.run(
            Command::Lifecycle(LifecycleCommand::Acknowledge),
            &who,
            when,
            None,
        )?;
        for role in ["incident_commander", "tech_lead"] {
            let person = rng.pick(&people.responders).clone();
            let when = at(&mut rng, 0, 3);
            let command = Command::Roles(RoleCommand::Assign {
                role: role.into(),
                person_id: person.id,
                expected_version: h.board(),
            });
            h.run(command, &declarer, when, Some(&person))?;
        }
    }
    let notes = 3 + rng.below(10);
    for k in 0..notes {
        let who = rng.pick(&people.responders).clone();
        let when = at(&mut rng, 2, 20);
        let body = rng.pick(&NOTES).to_string();
        h.run(
            Command::Timeline(TimelineCommand::PostNote { body }),
            &who,
            when,
            None,
        )?;
        // Now and then the status moves on, or the severity is corrected.
        if h.status() != Status::Triage && rng.chance(30) {
            let next = match h.status() {
                Status::Investigating => Status::Identified,
                Status::Identified => Status::Monitoring,
                _ => Status::Investigating,
            };
            let when = at(&mut rng, 0, 5);
            let command = Command::Lifecycle(LifecycleCommand::ChangeStatus {
                status: next,
                expected_version: h.version(),
            });
            h.run(command, &who, when, None)?;
        } else if k == 1 && rng.chance(25) {
            let to = if severity == Severity::Sev1 {
                Severity::Sev2
            } else {
                Severity::Sev1
            };
            let when = at(&mut rng, 0, 5);
            let command = Command::Lifecycle(LifecycleCommand::ChangeSeverity {
                severity: to,
                reason: "Impact is different from what we first thought.".into(),
                expected_version: h.version(),
            });
            h.run(command, &who, when, None)?;
        }
    }
    if !open {
        let who = rng.pick(&people.responders).clone();
        for (status, from, to) in [(Status::Resolved, 5, 60), (Status::Closed, 600, 4000)] {
            if status == Status::Closed && rng.chance(15) {
                break; // Resolved, the review not done yet.
            }
            let when = at(&mut rng, from, to);
            let command = Command::Lifecycle(LifecycleCommand::ChangeStatus {
                status,
                expected_version: h.version(),
            });
            h.run(command, &who, when, None)?;
        }
    } else if let (Some(system), Some(state)) = (people.system.as_ref(), h.state.clone()) {
        // The deadlines already missed, recorded once each, as `sla::sweep` records them.
        for clock in clocks(&state, policy, now) {
            let Some(deadline) = clock.deadline.filter(|d| clock.running() && *d <= now) else {
                continue;
            };
            let command = Command::Sla(SlaCommand::RecordBreach {
                clock: clock.kind,
                started_at: clock.started_at,
                deadline,
            });
            h.run(command, system, deadline.max(t).min(now), None)?;
        }
    }
    let incident = h
        .state
        .ok_or_else(|| DomainError::Invalid("no incident was declared".into()))?;
    let policy = RevisedPolicy::new(0, policy.clone());
    Ok(Change::new(None, incident, h.events, &policy))
}

/// Writes a history of `n` incidents to a new database at `path`: the demo users (who sign in
/// with the demo password) and more people, then the incidents, `BATCH` to a transaction.
async fn generate(n: usize, path: &Path) -> Result<(), BoxError> {
    let partial = path.with_extension("partial.db");
    for stale in [
        &partial,
        &partial.with_extension("db-wal"),
        &partial.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    let store = sitrep::store::open(&format!("sqlite://{}", partial.display())).await?;
    store.migrate().await?;
    let hash = sitrep::auth::hash_password(sitrep::seed::DEMO_PASSWORD)?;
    let mut users = Vec::new();
    for (email, name, role, _) in sitrep::seed::DEMO_USERS {
        users.push((email.to_owned(), name.to_owned(), role));
    }
    for k in 1..=EXTRA_PEOPLE {
        users.push((
            format!("person{k}@bench.sitrep.dev"),
            format!("Responder {k}"),
            UserRole::Responder,
        ));
    }
    let teams = ["SRE", "Payments", "Platform", "Search", "Mobile"];
    let mut responders = Vec::new();
    for (k, (email, name, role)) in users.into_iter().enumerate() {
        let user = store
            .create_user(&NewUser {
                email,
                name,
                role,
                password_hash: hash.clone(),
            })
            .await?;
        let user = store
            .set_person(user.id, teams[k % teams.len()], k % 3 == 0)
            .await?;
        if matches!(user.role, UserRole::Admin | UserRole::Responder) {
            responders.push(user);
        }
    }
    let system = store
        .credentials(sitrep::store::SYSTEM_EMAIL)
        .await?
        .map(|c| c.user);
    let people = People { responders, system };
    let policy = SlaPolicy::default();
    let now = Utc::now().trunc_subsecs(6);
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        batch.push(incident(i, n, now, &people, &policy).map_err(|e| e.to_string())?);
        if batch.len() == BATCH || i + 1 == n {
            store.append_all(&batch).await?;
            batch.clear();
        }
    }
    store.close().await;
    // Everything into the one file (the WAL may still hold the last batches), so that the
    // history is that file alone.
    let url = format!("sqlite://{}", partial.display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut db)
        .await?;
    sqlx::Connection::close(db).await?;
    std::fs::rename(&partial, path)?;
    for stale in [
        partial.with_extension("db-wal"),
        partial.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    Ok(())
}

/// Waits until the server is idle (under 5% of a core for a second; at most two minutes): the
/// breach recorder's sweeps after a start or after writes must not share the measurement.
async fn settle(pid: u32) {
    let until = Instant::now() + Duration::from_secs(120);
    let mut before = cpu_seconds(&pid.to_string());
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_seconds(&pid.to_string());
        match (before, now) {
            (Some(b), Some(a)) if a - b < 0.05 => return,
            (_, None) => return,
            _ => before = now,
        }
    }
}

/// One figure at one size.
#[derive(Clone, Copy, Default)]
struct Figure {
    per_second: f64,
    p99: Duration,
    bytes: usize,
    errors: usize,
}

/// Runs `job` from `clients` clients (each with its own connection) for `seconds`; each
/// request's size is what `job` returns.
async fn measure<F, Fut>(clients: usize, seconds: f64, job: F) -> Result<Figure, BoxError>
where
    F: Fn(reqwest::Client) -> Fut,
    Fut: Future<Output = Result<usize, String>>,
{
    let new_client = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()
    };
    // One request first: it must work, and it gives the size.
    let bytes = job(new_client()?).await?;
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let mut workers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let client = new_client()?;
        let job = &job;
        workers.push(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < end {
                let sent = Instant::now();
                match job(client.clone()).await {
                    Ok(_) => latencies.push(sent.elapsed()),
                    Err(_) => {
                        errors += 1;
                        // The server is gone or refuses everything: the figure is void anyway.
                        if errors >= 100 {
                            break;
                        }
                    }
                }
            }
            (latencies, errors)
        });
    }
    let done = futures::future::join_all(workers).await;
    let elapsed = started.elapsed().as_secs_f64();
    let errors = done.iter().map(|(_, e)| e).sum();
    let mut latencies: Vec<Duration> = done.into_iter().flat_map(|(l, _)| l).collect();
    latencies.sort();
    Ok(Figure {
        per_second: latencies.len() as f64 / elapsed,
        p99: percentile(&latencies, 99.0),
        bytes,
        errors,
    })
}

/// A GET that must answer 2xx; returns the body's size.
async fn get(client: reqwest::Client, url: String, cookie: Arc<str>) -> Result<usize, String> {
    let res = client
        .get(&url)
        .header("cookie", &*cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("GET {url}: {}", res.status()));
    }
    Ok(res.bytes().await.map_err(|e| e.to_string())?.len())
}

/// Resumes a room's stream after `after` and reads until the event `marker` arrives; returns
/// the bytes read. A new connection each time, as a reconnecting browser makes.
async fn resume(addr: SocketAddr, request: Arc<[u8]>, marker: Arc<[u8]>) -> Result<usize, String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    tcp.write_all(&request).await.map_err(|e| e.to_string())?;
    let mut seen = Vec::with_capacity(8192);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tcp.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the stream ended before the marker".into());
        }
        // Search only what may hold the marker: the new bytes and a marker's length before.
        let from = seen.len().saturating_sub(marker.len());
        seen.extend_from_slice(&buf[..n]);
        if !seen.starts_with(b"HTTP/1.1 200") && seen.len() >= 12 {
            return Err(format!(
                "stream: {}",
                String::from_utf8_lossy(&seen[..seen.len().min(40)])
            ));
        }
        if memchr::memmem::find(&seen[from..], &marker).is_some() {
            return Ok(seen.len());
        }
    }
}

/// Posts a note on incident `id`; returns its event id.
async fn note(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    id: i64,
    body: &str,
) -> Result<i64, BoxError> {
    let res = client
        .post(format!("{base}/api/v1/incidents/{id}/notes"))
        .header("cookie", cookie)
        .json(&json!({ "body": body }))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("note on incident {id}: {}", res.status()).into());
    }
    let event: Value = res.json().await?;
    Ok(event["id"].as_i64().ok_or("no event id")?)
}

const FIGURES: [&str; 5] = [
    "incidents list, first page",
    "filtered page (?severity=)",
    "room page (HTML)",
    "roster (/api/v1/people)",
    "stream resume (replay)",
];

/// Serves the history at `db` and measures the five figures.
async fn figures(
    args: &Args,
    server_bin: &Path,
    db: &Path,
    n: usize,
) -> Result<[Figure; 5], BoxError> {
    let Server {
        mut child,
        pid,
        base,
        addr,
    } = common::start(
        server_bin,
        &format!("sqlite://{}", db.display()),
        &[],
        // sqlx's slow-statement warnings would drown the table: slow reads are what it measures.
        "warn,sqlx=error",
    )
    .await?;
    let cookie: Arc<str> = sign_in(&base, "iris@demo.sitrep.dev").await?.into();

    // The room: the newest incident (ids follow the generator's order; the newest are open),
    // and another open one for the traffic elsewhere.
    let (room, elsewhere) = (n as i64, n as i64 - 1);
    let client = reqwest::Client::new();
    let after = note(&client, &base, &cookie, room, "Resuming from here.").await?;
    for k in 0..args.elsewhere {
        note(
            &client,
            &base,
            &cookie,
            elsewhere,
            &format!("elsewhere {k}"),
        )
        .await?;
    }
    let marker = note(&client, &base, &cookie, room, "The marker.").await?;
    settle(pid).await;

    let (c, s) = (args.clients, args.seconds);
    let url = |path: &str| format!("{base}{path}");
    let list = url("/api/v1/incidents");
    let filtered = url("/api/v1/incidents?severity=sev1");
    let page = url(&format!("/incidents/{room}"));
    let people = url("/api/v1/people");
    let request: Arc<[u8]> = format!(
        "GET /api/v1/stream?topics=incident:{room} HTTP/1.1\r\nHost: {addr}\r\n\
         Accept: text/event-stream\r\nCookie: {cookie}\r\nLast-Event-ID: {after}\r\n\r\n"
    )
    .into_bytes()
    .into();
    let marker: Arc<[u8]> = format!("id: {marker}\n").into_bytes().into();
    let out = [
        measure(c, s, |cl| get(cl, list.clone(), cookie.clone())).await?,
        measure(c, s, |cl| get(cl, filtered.clone(), cookie.clone())).await?,
        measure(c, s, |cl| get(cl, page.clone(), cookie.clone())).await?,
        measure(c, s, |cl| get(cl, people.clone(), cookie.clone())).await?,
        measure(c, s, |_| resume(addr, request.clone(), marker.clone())).await?,
    ];
    let _ = child.kill().await;
    Ok(out)
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / (1 << 10) as f64),
        b => format!("{b} B"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let server_bin = common::server_bin(args.server.as_deref())?;
    if args.incidents.iter().any(|&n| n < 2) {
        return Err("each history needs at least 2 incidents".into());
    }
    let dir = root.join("target/bench-reads");
    std::fs::create_dir_all(&dir)?;
    let mut columns = Vec::new();
    for &n in &args.incidents {
        // A fresh copy of the generated history each run: the run itself writes to it.
        let kept = dir.join(format!("history-g{GENERATOR}-{n}.db"));
        if args.fresh || !kept.exists() {
            let started = Instant::now();
            generate(n, &kept).await?;
            println!(
                "reads: generated {n} incidents in {:.1} s ({})",
                started.elapsed().as_secs_f64(),
                size(std::fs::metadata(&kept)?.len() as usize)
            );
        }
        let db = dir.join(format!("run-{n}.db"));
        let files = [
            db.clone(),
            db.with_extension("db-wal"),
            db.with_extension("db-shm"),
        ];
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
        std::fs::copy(&kept, &db)?;
        columns.push((n, figures(&args, &server_bin, &db, n).await?));
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
    }

    println!(
        "reads: {} clients (keep-alive) × {} s per figure, {} on SQLite, loopback; the resume \
         skips {} events elsewhere in the log",
        args.clients,
        args.seconds,
        args.server
            .as_deref()
            .unwrap_or(Path::new("target/release/sitrep"))
            .display(),
        args.elsewhere
    );
    let mut head = format!("  {:<28}", "");
    let mut rule = format!("  {:<28}", "");
    for (n, _) in &columns {
        head.push_str(&format!(" | {:>30}", format!("{n} incidents")));
        rule.push_str(&format!(" | {:>9} {:>9} {:>10}", "req/s", "p99 ms", "size"));
    }
    println!("{head}\n{rule}");
    for (row, name) in FIGURES.iter().enumerate() {
        let mut line = format!("  {name:<28}");
        for (_, figures) in &columns {
            let f = figures[row];
            line.push_str(&format!(
                " | {:>9.1} {:>9.1} {:>10}",
                f.per_second,
                f.p99.as_secs_f64() * 1e3,
                size(f.bytes)
            ));
            if f.errors > 0 {
                line.push_str(&format!(" ({} failed)", f.errors));
            }
        }
        println!("{line}");
    }
    Ok(())
}
