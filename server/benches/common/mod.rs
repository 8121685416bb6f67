//! What the benchmarks share: the real `sitrep` server as a child process, signing in as a demo
//! user, and the few measures both print (CPU time, percentiles).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

pub type BoxError = Box<dyn std::error::Error>;

/// A running server: kill `child` to stop it (it is killed when dropped, too).
pub struct Server {
    pub child: tokio::process::Child,
    pub pid: u32,
    /// `http://127.0.0.1:port`.
    pub base: String,
    pub addr: SocketAddr,
}

/// The server binary: `given` (relative to the workspace root; cargo runs benches in
/// `server/`) or the release build, which must exist.
pub fn server_bin(given: Option<&Path>) -> Result<PathBuf, BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join(given.unwrap_or(Path::new("target/release/sitrep")));
    if !bin.exists() {
        return Err(format!(
            "{} does not exist: build it first (make bench and make bench-reads do)",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

/// Starts `bin serve` on an ephemeral loopback port over `database_url`, with `extra`
/// arguments and `RUST_LOG=rust_log`; returns once it says where it listens.
pub async fn start(
    bin: &Path,
    database_url: &str,
    extra: &[&str],
    rust_log: &str,
) -> Result<Server, BoxError> {
    let mut child = tokio::process::Command::new(bin)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args(extra)
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().ok_or("the server has no pid")?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let base = loop {
        let line = lines
            .next_line()
            .await?
            .ok_or("the server exited before it was ready")?;
        if let Some(url) = line.strip_prefix("Sitrep is running at ") {
            break url.trim().to_owned();
        }
    };
    // Keep reading, so a chatty server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let addr: SocketAddr = base
        .strip_prefix("http://")
        .ok_or("the server address is not http://")?
        .parse()?;
    Ok(Server {
        child,
        pid,
        base,
        addr,
    })
}

/// Signs in as the demo user `email` and returns the session cookie (`name=value`).
pub async fn sign_in(base: &str, email: &str) -> Result<String, BoxError> {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": sitrep::seed::DEMO_PASSWORD}))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("sign-in as {email} failed: {}", res.status()).into());
    }
    Ok(res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no session cookie")?
        .to_owned())
}

/// CPU time (user + system) a process (`pid`, or `self`) has used so far, from /proc (clock
/// ticks of 1/100 s).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The `p`th percentile of `sorted`.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
