//! Live fan-out benchmark: the real `sitrep` server (a child process, SQLite file) and, in this
//! process, N SSE subscribers on one incident; events are posted through the real API at a fixed
//! rate. Prints publish-to-receive latency (p50/p99/max), events lost, and the server's memory
//! per subscriber.
//!
//!   cargo bench -p server --bench fanout -- --subscribers 1000 --rate 10 --seconds 20
//!
//! `make bench` runs the targets of the incident-room issue (1,000 and 10,000 subscribers).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{cpu_seconds, percentile, sign_in, Server};

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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let server_bin = common::server_bin(args.server.as_deref())?;
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());

    // The server: its own process, a fresh SQLite file, demo users.
    let Server {
        mut child,
        pid,
        base,
        addr,
    } = common::start(&server_bin, &db, &["--seed-demo"], "warn").await?;

    // Iris declares the incident and posts the notes; Sam's session follows it N times.
    let publisher_cookie = sign_in(&base, "iris@demo.sitrep.dev").await?;
    let cookie = sign_in(&base, "sam@demo.sitrep.dev").await?;
    let incident: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/incidents"))
        .header("cookie", &publisher_cookie)
        .json(&json!({"title": "Fan-out benchmark", "severity": "sev1"}))
        .send()
        .await?
        .json()
        .await?;
    let id = incident["id"].as_i64().ok_or("no incident id")?;

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kib(pid).unwrap_or(0);

    // The subscribers: one plain HTTP/1.1 connection each, read with a minimal parser so the
    // load generator spends as little of the shared CPU as possible. They record (event id,
    // arrival) only.
    let request: Arc<[u8]> = format!(
        "GET /api/v1/stream?topics=incident:{id} HTTP/1.1\r\nHost: {addr}\r\n\
         Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
    )
    .into_bytes()
    .into();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(args.subscribers.max(1));
    // Connect a few hundred at a time: the listen backlog is finite.
    let connecting = Arc::new(tokio::sync::Semaphore::new(256));
    let mut tasks = Vec::with_capacity(args.subscribers);
    let connect_started = Instant::now();
    for _ in 0..args.subscribers {
        tasks.push(tokio::spawn(subscriber(
            addr,
            request.clone(),
            connecting.clone(),
            ready_tx.clone(),
        )));
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

    // The publisher: notes through the API at a steady rate, from its own thread and runtime
    // so that its requests do not queue behind the subscribers' work in this process.
    let total = (args.rate * args.seconds) as usize;
    let publisher = {
        let base = base.clone();
        let rate = args.rate.max(1);
        std::thread::spawn(move || -> Result<HashMap<i64, Instant>, String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let client = reqwest::Client::new();
                let mut sent = HashMap::with_capacity(total);
                let mut every =
                    tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
                for n in 0..total {
                    every.tick().await;
                    let started = Instant::now();
                    let res = client
                        .post(format!("{base}/api/v1/incidents/{id}/notes"))
                        .header("cookie", &publisher_cookie)
                        .json(&json!({ "body": format!("bench {n}") }))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let event: Value = res.json().await.map_err(|e| e.to_string())?;
                    let event_id = event["id"].as_i64().ok_or("no event id")?;
                    sent.insert(event_id, started);
                }
                Ok(sent)
            })
        })
    };
    let cpu_before = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    let sent = tokio::task::spawn_blocking(move || publisher.join())
        .await?
        .map_err(|_| "the publisher panicked")??;
    // Let the last events arrive, then stop the server: the subscribers see their
    // connections close and hand in what they saw.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu_after = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    let _ = child.kill().await;
    let mut received = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(Some(seen)) = t.await {
            received.push(seen);
        }
    }

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
    let deliveries = latencies.len().max(1) as f64;
    if let ((Some(s0), Some(c0)), (Some(s1), Some(c1))) = (cpu_before, cpu_after) {
        println!(
            "  CPU while publishing: server {:.1} s ({:.1} µs per delivery), load generator {:.1} s ({:.1} µs per delivery)",
            s1 - s0,
            (s1 - s0) * 1e6 / deliveries,
            c1 - c0,
            (c1 - c0) * 1e6 / deliveries
        );
    }
    println!(
        "  server memory: {} KiB before, {} KiB with subscribers: {:.1} KiB per subscriber",
        rss_before, rss_with_subscribers, per_subscriber
    );
    Ok(())
}

/// One SSE subscriber: connects, checks for `200`, then records the id of every event frame
/// and when the read that completed it arrived, until the server goes away.
async fn subscriber(
    addr: SocketAddr,
    request: Arc<[u8]>,
    connecting: Arc<tokio::sync::Semaphore>,
    ready: tokio::sync::mpsc::Sender<bool>,
) -> Option<Vec<(i64, Instant)>> {
    let permit = connecting.acquire_owned().await.ok()?;
    let opened = async {
        let mut tcp = TcpStream::connect(addr).await.ok()?;
        tcp.set_nodelay(true).ok()?;
        tcp.write_all(&request).await.ok()?;
        // The status line and headers.
        let mut head = Vec::with_capacity(512);
        let mut buf = [0u8; 4096];
        let header_end = loop {
            let n = tcp.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
            if let Some(end) = memchr::memmem::find(&head, b"\r\n\r\n") {
                break end + 4;
            }
        };
        if !head.starts_with(b"HTTP/1.1 200") {
            return None;
        }
        Some((tcp, head.split_off(header_end)))
    }
    .await;
    drop(permit);
    let Some((mut tcp, mut pending)) = opened else {
        let _ = ready.send(false).await;
        return None;
    };
    let _ = ready.send(true).await;
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut arrived = Instant::now();
    loop {
        // Every complete line: `id: N` starts an event frame (chunk sizes and other fields
        // are lines too, and are ignored).
        let mut start = 0;
        while let Some(nl) = memchr::memchr(b'\n', &pending[start..]) {
            let line = &pending[start..start + nl];
            if let Some(digits) = line.strip_prefix(b"id: ") {
                if let Some(id) = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.trim().parse::<i64>().ok())
                {
                    seen.push((id, arrived));
                }
            }
            start += nl + 1;
        }
        pending.drain(..start);
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                arrived = Instant::now();
                pending.extend_from_slice(&buf[..n]);
            }
        }
    }
    Some(seen)
}
