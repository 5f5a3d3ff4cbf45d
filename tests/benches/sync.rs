//! What one full sync and one idle cycle cost in Microsoft Graph requests and bytes, for 50
//! rooms with 500 reservations each, next to what Graph's limits allow. Runs the real engine
//! against both emulators over loopback HTTP with a real SQLite file.
//!
//! `cargo bench -p roombridge-tests` (release build). Prints a table; asserts nothing.

use std::time::Instant;

use roombridge_emulators::graph::GraphStats;
use roombridge_engine::CycleMode;
use roombridge_tests::{GraphLimits, Harness, Seed};

const ROOMS: u32 = 50;
const PER_ROOM: u32 = 500;

/// Graph's documented limits, as the emulator enforces them.
const MAILBOX_BUDGET: u64 = 10_000; // requests per mailbox per 10 minutes
const MAILBOX_CONCURRENCY: u64 = 4; // requests in flight per mailbox
const BATCH_MAX: u64 = 20; // requests per $batch

fn total(stats: &GraphStats) -> u64 {
    stats.requests.values().sum::<u64>() + stats.batch_requests.values().sum::<u64>()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn report(name: &str, stats: &GraphStats, seconds: f64) {
    let requests = total(stats);
    println!("\n{name}: {seconds:.1} s");
    println!(
        "  Graph requests     {requests:>9}  ({:.1} per room; a room may make {MAILBOX_BUDGET} per 10 min)",
        requests as f64 / ROOMS as f64
    );
    println!(
        "  bytes sent         {:>9}  ({:.1} KiB per room)",
        stats.request_bytes,
        stats.request_bytes as f64 / 1024.0 / ROOMS as f64
    );
    println!(
        "  bytes received     {:>9}  ({:.1} KiB per room)",
        stats.response_bytes,
        stats.response_bytes as f64 / 1024.0 / ROOMS as f64
    );
    let throttled: u64 = stats.throttled.values().sum();
    println!("  throttled (429)    {throttled:>9}");
    for (route, n) in &stats.requests {
        println!("    {:<18} {n:>7}", format!("{route:?}"));
    }
    for (route, n) in &stats.batch_requests {
        println!("    {:<18} {n:>7}  (inside $batch)", format!("{route:?}"));
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let h = Harness::start_with(
            Seed::Bulk {
                rooms: ROOMS,
                per_room: PER_ROOM,
            },
            GraphLimits::default(),
        )
        .await;
        let (app, servers) = (&h.app, &h.servers);
        println!(
            "RoomBridge sync benchmark: {ROOMS} rooms x {PER_ROOM} reservations (booking system -> Outlook)"
        );
        println!(
            "Graph limits: {MAILBOX_BUDGET} requests per mailbox per 10 min, {MAILBOX_CONCURRENCY} in flight per mailbox, {BATCH_MAX} per $batch"
        );

        servers.graph.reset_stats();
        let start = Instant::now();
        let reports = app.sync_all(CycleMode::Execute).await.expect("sync");
        let first = servers.graph.stats();
        let failed = reports.iter().filter(|r| !r.ok()).count();
        let created: usize = reports.iter().map(|r| r.executed).sum();
        report("first full sync", &first, start.elapsed().as_secs_f64());
        println!("  actions executed   {created:>9}  ({failed} rooms failed)");

        // The echo of the first sync comes back through delta once; then the rooms are idle.
        app.sync_all(CycleMode::Execute).await.expect("sync");
        servers.graph.reset_stats();
        let start = Instant::now();
        let reports = app.sync_all(CycleMode::Execute).await.expect("sync");
        let idle = servers.graph.stats();
        let planned: usize = reports.iter().map(|r| r.plan.actions.len()).sum();
        report("idle cycle", &idle, start.elapsed().as_secs_f64());
        println!("  actions planned    {planned:>9}");
        if let Some(mib) = peak_rss_mib() {
            println!("\npeak memory (engine, emulators and SQLite in one process): {mib:.0} MiB");
        }
        app.shutdown().await;
    });
}
