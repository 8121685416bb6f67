//! Live fan-out benchmark: the real `sitrep` server (a child process, SQLite file) and, in this
//! process, N SSE subscribers on one incident; events are posted through the real API at a fixed
//! rate. Prints publish-to-receive latency (p50/p99/max), events lost, and the server's memory
//! per subscriber.
//!
//!   cargo bench -p server --bench fanout -- --subscribers 1000 --rate 10 --seconds 20
//!
//! `make bench` runs the targets of the incident-room issue (1,000 and 10,000 subscribers).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Parser, Debug)]
struct Args {
    /// How many SSE subscribers follow the incident.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Events posted per second.
    #[arg(long, default_value_t = 10)]
    rate: u32,
    /// How long to post, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// The server binary, relative to the workspace root (default: target/release/sitrep, built
    /// by `make bench`).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Ignored: cargo passes `--bench` to benchmark binaries.
    #[arg(long, hide = true)]
    bench: bool,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // Relative paths are taken from the workspace root (cargo runs benches in server/).
    let server_bin = root.join(
        args.server
            .clone()
            .unwrap_or_else(|| PathBuf::from("target/release/sitrep")),
    );
    if !server_bin.exists() {
        return Err(format!(
            "{} does not exist: build it first (make bench does)",
            server_bin.display()
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());

    // The server: its own process, a fresh SQLite file, demo users.
    let mut child = tokio::process::Command::new(&server_bin)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &db,
            "--seed-demo",
        ])
        .env("RUST_LOG", "warn")
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
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(usize::MAX)
        .build()?;
    let res = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "iris@demo.sitrep.dev", "password": "sitrep-demo"}))
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("sign-in failed: {}", res.status()).into());
    }
    let incident: Value = client
        .post(format!("{base}/api/v1/incidents"))
        .json(&json!({"title": "Fan-out benchmark", "severity": "sev1"}))
        .send()
        .await?
        .json()
        .await?;
    let id = incident["id"].as_i64().ok_or("no incident id")?;
    let cookie = {
        // Subscribers share the session; each gets its own connection.
        let res = reqwest::Client::new()
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"email": "sam@demo.sitrep.dev", "password": "sitrep-demo"}))
            .send()
            .await?;
        res.headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or("no session cookie")?
            .to_owned()
    };

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kib(pid).unwrap_or(0);

    // The subscribers: one HTTP connection each; they record (event id, arrival) only.
    let url = format!("{base}/api/v1/stream?topics=incident:{id}");
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(args.subscribers.max(1));
    let stop = tokio_util::sync::CancellationToken::new();
    let mut tasks = Vec::with_capacity(args.subscribers);
    let connect_started = Instant::now();
    for _ in 0..args.subscribers {
        let url = url.clone();
        let cookie = cookie.clone();
        let ready_tx = ready_tx.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().http1_only().build().expect("client");
            let res = match http.get(&url).header("cookie", cookie).send().await {
                Ok(r) if r.status().is_success() => r,
                _ => {
                    let _ = ready_tx.send(false).await;
                    return None;
                }
            };
            let _ = ready_tx.send(true).await;
            let mut seen = Vec::new();
            let mut buf = Vec::<u8>::new();
            let mut body = res.bytes_stream();
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    chunk = body.next() => match chunk {
                        Some(Ok(bytes)) => {
                            let now = Instant::now();
                            buf.extend_from_slice(&bytes);
                            while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                                let frame: Vec<u8> = buf.drain(..end + 2).collect();
                                if let Some(rest) = frame.strip_prefix(b"id: ") {
                                    let digits: Vec<u8> = rest.iter().copied().take_while(u8::is_ascii_digit).collect();
                                    if let Ok(id) = std::str::from_utf8(&digits).unwrap_or("").parse::<i64>() {
                                        seen.push((id, now));
                                    }
                                }
                            }
                        }
                        _ => break,
                    },
                }
            }
            Some(seen)
        }));
    }
    drop(ready_tx);
    let (mut connected, mut failed) = (0usize, 0usize);
    for _ in 0..args.subscribers {
        match ready_rx.recv().await {
            Some(true) => connected += 1,
            Some(false) => failed += 1,
            None => break,
        }
    }
    let connect_time = connect_started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_with_subscribers = rss_kib(pid).unwrap_or(0);

    // The publisher: notes through the API at a steady rate.
    let total = (args.rate * args.seconds) as usize;
    let mut sent: HashMap<i64, Instant> = HashMap::with_capacity(total);
    let mut every =
        tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1))));
    for n in 0..total {
        every.tick().await;
        let started = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/incidents/{id}/notes"))
            .json(&json!({ "body": format!("bench {n}") }))
            .send()
            .await?;
        let event: Value = res.json().await?;
        let event_id = event["id"].as_i64().ok_or("no event id")?;
        sent.insert(event_id, started);
    }
    // Let the last events arrive, then stop the subscribers.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.cancel();
    let mut received = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(Some(seen)) = t.await {
            received.push(seen);
        }
    }
    let _ = child.kill().await;

    let mut latencies = Vec::with_capacity(total * connected);
    let mut lost = 0usize;
    for seen in &received {
        let got: HashMap<i64, Instant> = seen.iter().copied().collect();
        for (event_id, started) in &sent {
            match got.get(event_id) {
                Some(at) => latencies.push(at.saturating_duration_since(*started)),
                None => lost += 1,
            }
        }
    }
    latencies.sort();
    let per_subscriber =
        rss_with_subscribers.saturating_sub(rss_before) as f64 / connected.max(1) as f64;
    println!(
        "fan-out: {} subscribers ({} connected in {:.1} s, {} refused), {} events at {}/s",
        args.subscribers,
        connected,
        connect_time.as_secs_f64(),
        failed,
        total,
        args.rate
    );
    println!(
        "  latency (POST sent -> event received): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50.0).as_secs_f64() * 1e3,
        percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "  deliveries: {} received, {} lost (of {} expected)",
        latencies.len(),
        lost,
        total * connected
    );
    println!(
        "  server memory: {} KiB before, {} KiB with subscribers: {:.1} KiB per subscriber",
        rss_before, rss_with_subscribers, per_subscriber
    );
    Ok(())
}
