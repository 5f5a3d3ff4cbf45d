//! Issue 15's figures, one line each: RoomBridge, the seed's approach measured against the same
//! emulators in the same run, and the floor or target each is compared to. The real engine runs
//! against both emulators over loopback HTTP with a real SQLite file.
//!
//! `cargo bench -p roombridge-tests` (release build). Prints numbers; asserts nothing.
//!
//! - `ROOMBRIDGE_BENCH_SCALE` (default 30): the steady-state hour runs this many times faster,
//!   every interval of the engine shortened by as much; requests, bytes and latencies are
//!   given for a real hour.
//! - `ROOMBRIDGE_BENCH_LARGE=0` skips the 500-room part (the longest);
//!   `ROOMBRIDGE_BENCH_ONLY=steady|first|large` runs one part;
//!   `ROOMBRIDGE_BENCH_LATENCY=0` skips the first sync against a slow Graph;
//!   `ROOMBRIDGE_BENCH_QUICK=N` makes the 500-room part only time three dry runs N seconds
//!   after its first sync (for working on the dry run).
//!
//! The history and export rows of the issue have benchmarks of their own:
//! `cargo bench -p roombridge-store --bench history` and
//! `cargo bench -p roombridge-app --bench export`; `cargo bench --workspace` runs all three.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roombridge_app::setup::{self, DemoOptions};
use roombridge_app::views::Mode;
use roombridge_connectors::booking::BookingConnector;
use roombridge_connectors::graph::{GraphConfig, GraphConnector};
use roombridge_core::Secret;
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::graph::{GraphRoute, GraphStats};
use roombridge_emulators::seed::{Seed, bench_room_email, bench_room_id};
use roombridge_engine::{CycleMode, EngineConfig, EngineEvent};
use roombridge_tests::Harness;

/// Graph requests as Graph counts them (each item of a `$batch` is one), HTTP round trips,
/// and bytes both ways.
#[derive(Debug, Clone, Copy, Default)]
struct Traffic {
    requests: u64,
    round_trips: u64,
    bytes: u64,
}

impl Traffic {
    fn of(stats: &GraphStats) -> Traffic {
        let http: u64 = stats.requests.values().sum();
        let batches = stats.sent(GraphRoute::Batch);
        let inside: u64 = stats.batch_requests.values().sum();
        Traffic {
            requests: http - batches + inside,
            round_trips: http,
            bytes: stats.request_bytes + stats.response_bytes,
        }
    }

    fn times(self, k: f64) -> Traffic {
        Traffic {
            requests: (self.requests as f64 * k).round() as u64,
            round_trips: (self.round_trips as f64 * k).round() as u64,
            bytes: (self.bytes as f64 * k).round() as u64,
        }
    }

    fn plus(self, other: Traffic) -> Traffic {
        Traffic {
            requests: self.requests + other.requests,
            round_trips: self.round_trips + other.round_trips,
            bytes: self.bytes + other.bytes,
        }
    }
}

fn line(what: &str, ours: impl std::fmt::Display, seed: impl std::fmt::Display, goal: &str) {
    println!("{what:<46} {ours:>16} {seed:>16}   {goal}");
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

fn proc_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time a process has used (user and system): `"self"` or a process id.
fn cpu_time(process: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Linux reports in clock ticks of 1/100 s.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn scale() -> f64 {
    std::env::var("ROOMBRIDGE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| *s >= 1.0)
        .unwrap_or(30.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if let Ok(seed) = std::env::var(SERVE) {
            serve_emulators(&seed).await;
            return;
        }
        let only = std::env::var(ONLY).unwrap_or_default();
        if only.is_empty() {
            println!("RoomBridge against its Graph and booking emulators (Exchange's limits on)");
            println!(
                "{:<46} {:>16} {:>16}   target",
                "figure", "RoomBridge", "seed's approach"
            );
            // Each part in a process of its own, so that one's memory does not count in the
            // next one's figures.
            let mut parts = vec!["steady", "first"];
            if std::env::var("ROOMBRIDGE_BENCH_LARGE").as_deref() != Ok("0") {
                parts.push("large");
            }
            for part in parts {
                let status =
                    std::process::Command::new(std::env::current_exe().expect("this benchmark"))
                        .env(ONLY, part)
                        .status()
                        .expect("a part of the benchmark");
                if !status.success() {
                    println!("  (the {part} part failed: {status})");
                }
            }
        } else {
            match only.as_str() {
                "steady" => steady_state().await,
                "first" => first_sync().await,
                "large" => large().await,
                other => println!("no part {other:?}: steady, first or large"),
            }
            return;
        }
        println!(
            "history and export at 1M rows: the store's and the app's benchmarks \
             (`cargo bench --workspace` runs all three)"
        );
    });
}

/// 50 rooms x 500 events, 10 changes an hour (5 in the booking system, 5 in Outlook), the
/// engine polling on its own with the shipped defaults, an hour compressed `scale` times.
async fn steady_state() {
    const ROOMS: u32 = 50;
    const PER_ROOM: u32 = 500;
    const CHANGES: u32 = 10;
    let scale = scale();
    let hour = Duration::from_secs_f64(3600.0 / scale);
    let defaults = EngineConfig::default();
    let poll = defaults.poll_interval.expect("a default poll interval");
    let config = EngineConfig {
        poll_interval: Some(poll.div_f64(scale)),
        calendar_ceiling: defaults.calendar_ceiling.div_f64(scale),
        series_check_interval: defaults.series_check_interval.div_f64(scale),
        ..defaults.clone()
    };
    let options = DemoOptions {
        seed: Seed::Bulk {
            rooms: ROOMS,
            per_room: PER_ROOM,
        },
        ..DemoOptions::default()
    };
    let h = Harness::start_engine(options, config).await;
    // The first sync and its echo, then long enough for every room to back off.
    h.app.sync_all(CycleMode::Execute).await.expect("sync");
    h.app.sync_all(CycleMode::Execute).await.expect("sync");

    // What to change: reservations in rooms 1-5, Outlook events in rooms 6-10.
    let mut booking_targets = Vec::new();
    let mut outlook_targets = Vec::new();
    for n in 1..=CHANGES / 2 {
        let reservations = h.booking.reservations(&bench_room_id(n)).await;
        let id = reservations[reservations.len() / 2]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        booking_targets.push(id);
        let mailbox = bench_room_email(n + CHANGES / 2);
        let ids = h.graph.list_ids(&mailbox, 1000).await;
        outlook_targets.push((mailbox, ids[ids.len() / 2].clone()));
    }
    tokio::time::sleep(defaults.calendar_ceiling.div_f64(scale) * 3).await;

    // Each change's title, and when a sync wrote it to the other side.
    let written: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let mut events = h.app.engine().subscribe();
    let sink = written.clone();
    let listener = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            if let EngineEvent::History(row) = event {
                let mut w = sink.lock().unwrap_or_else(|e| e.into_inner());
                w.push((row.title.clone(), Instant::now()));
            }
        }
    });

    h.servers.graph.reset_stats();
    let started = Instant::now();
    let mut made: Vec<(String, Instant, &str)> = Vec::new();
    for k in 0..CHANGES {
        let due = started + hour.mul_f64((f64::from(k) + 0.5) / f64::from(CHANGES));
        tokio::time::sleep_until(due.into()).await;
        let title = format!("Changed {k}");
        let i = (k / 2) as usize;
        if k % 2 == 0 {
            h.booking.rename(&booking_targets[i], &title).await;
            made.push((title, Instant::now(), "booking system -> Outlook"));
        } else {
            let (mailbox, id) = &outlook_targets[i];
            h.graph.rename(mailbox, id, &title).await;
            made.push((title, Instant::now(), "Outlook -> booking system"));
        }
    }
    tokio::time::sleep_until((started + hour).into()).await;
    let mut ours = Traffic::of(&h.servers.graph.stats());
    // The people's own edits in Outlook are theirs, not RoomBridge's.
    ours.requests -= u64::from(CHANGES / 2);
    ours.round_trips -= u64::from(CHANGES / 2);
    listener.abort();
    let written = written.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let latency = |direction: &str| -> Vec<Option<f64>> {
        made.iter()
            .filter(|(_, _, d)| *d == direction)
            .map(|(title, at, _)| {
                written
                    .iter()
                    .find(|(t, w)| t == title && w >= at)
                    .map(|(_, w)| w.duration_since(*at).as_secs_f64() * scale)
            })
            .collect()
    };
    h.app.shutdown().await;

    // The seed's approach against the same mailboxes, now RoomBridge has stopped: the window
    // listed at $top=100 every 10 minutes, and every event read once an hour.
    h.servers.graph.reset_stats();
    let mut all_ids = Vec::new();
    for n in 1..=ROOMS {
        let mailbox = bench_room_email(n);
        let ids = h.graph.list_ids(&mailbox, 100).await;
        all_ids.push((mailbox, ids));
    }
    let listing = Traffic::of(&h.servers.graph.stats());
    h.servers.graph.reset_stats();
    for (mailbox, ids) in &all_ids {
        for id in ids {
            h.graph.event(mailbox, id).await;
        }
    }
    let reads = Traffic::of(&h.servers.graph.stats());
    let seed = listing.times(6.0).plus(reads).plus(Traffic {
        requests: u64::from(CHANGES),
        round_trips: u64::from(CHANGES),
        bytes: 0,
    });
    // The run lasted one (compressed) hour: its traffic is the hour's.
    let per_hour = ours;
    println!(
        "\nsteady state: {ROOMS} rooms x {PER_ROOM} events, {CHANGES} changes an hour (an hour run {scale}x faster)"
    );
    line(
        "  Graph requests per hour",
        per_hour.requests,
        seed.requests,
        &format!(
            "<= 1/20 of the seed's ({}); measured 1/{:.1}",
            seed.requests / 20,
            seed.requests as f64 / per_hour.requests.max(1) as f64
        ),
    );
    line(
        "  HTTP round trips per hour",
        per_hour.round_trips,
        seed.round_trips,
        "",
    );
    line(
        "  bytes per hour",
        mib(per_hour.bytes),
        mib(seed.bytes),
        &format!(
            "<= 1/50 of the seed's; measured 1/{:.0}",
            seed.bytes as f64 / per_hour.bytes.max(1) as f64
        ),
    );
    for (direction, goal, seed_worst) in [
        ("booking system -> Outlook", "<= 30 s", 600.0),
        ("Outlook -> booking system", "<= 180 s (p95)", 900.0),
    ] {
        let got = latency(direction);
        let seen: Vec<f64> = got.iter().flatten().copied().collect();
        let worst = seen.iter().copied().fold(0.0, f64::max);
        let missing = got.len() - seen.len();
        let ours = if missing == 0 {
            format!("{worst:.0} s")
        } else {
            format!("{worst:.0} s, {missing} unseen")
        };
        line(
            &format!("  {direction}, slowest of {}", got.len()),
            ours,
            format!("{seed_worst:.0} s"),
            goal,
        );
    }
    println!(
        "  (the seed's latencies are its schedule: the window listed every 10 minutes, \
         Outlook polled every 15)"
    );
}

/// 50 rooms x 1,000 events into empty calendars: as fast as this machine goes, then against a
/// Graph that takes 150 ms per request, next to the per-mailbox concurrency floor.
async fn first_sync() {
    const ROOMS: u32 = 50;
    const PER_ROOM: u32 = 1000;
    println!(
        "\nfirst sync: {ROOMS} rooms x {PER_ROOM} events (the emulators in a process of their own)"
    );
    let mut emulators = Emulators::spawn(ROOMS, PER_ROOM, Duration::ZERO);
    let (app, _dir) = emulators.app(EngineConfig::default()).await;
    emulators.reset();
    let (engine_cpu, emulators_cpu) = (cpu_time("self"), emulators.cpu());
    let started = Instant::now();
    let reports = app.sync_all(CycleMode::Execute).await.expect("sync");
    let took = started.elapsed().as_secs_f64();
    let engine_cpu = (cpu_time("self") - engine_cpu).as_secs_f64();
    let emulators_cpu = (emulators.cpu() - emulators_cpu).as_secs_f64();
    let (traffic, throttled) = emulators.traffic();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    app.shutdown().await;
    drop(emulators);

    // The seed's approach: one POST per event, one at a time, measured on one room.
    let one = Harness::start_options(DemoOptions {
        seed: Seed::Bulk {
            rooms: 1,
            per_room: 200,
        },
        ..DemoOptions::default()
    })
    .await;
    let mailbox = bench_room_email(1);
    one.servers.graph.reset_stats();
    let started = Instant::now();
    for i in 0..200 {
        let start = roombridge_tests::at(2 + i / 10, 8 + (i % 10) as u32);
        one.graph
            .create(
                &mailbox,
                &format!("Seed {i}"),
                start,
                start + chrono::Duration::hours(1),
            )
            .await;
    }
    let seed_per_event = started.elapsed().as_secs_f64() / 200.0;
    let seed_time = seed_per_event * f64::from(ROOMS * PER_ROOM);
    one.app.shutdown().await;

    let events = u64::from(ROOMS * PER_ROOM);
    line(
        "  Graph requests (each $batch item counts)",
        traffic.requests,
        events + u64::from(ROOMS),
        &format!(
            "floor {} (one create per event, one read per room)",
            events + u64::from(ROOMS)
        ),
    );
    line(
        "  HTTP round trips",
        traffic.round_trips,
        events + u64::from(ROOMS),
        "<= 2,700 (20 creates per $batch)",
    );
    line(
        "  time on this machine",
        format!("{took:.2} s"),
        format!("{seed_time:.1} s"),
        "<= 6 s",
    );
    println!(
        "  (CPU: the engine {engine_cpu:.1} s, the emulators {emulators_cpu:.1} s, on 2 cores; \
         {throttled} throttled answers, {failed} failed writes; the seed's time is one room's \
         200 creates, one at a time, times 250)"
    );

    if std::env::var("ROOMBRIDGE_BENCH_LATENCY").as_deref() == Ok("0") {
        return;
    }
    // The same against a Graph that takes 150 ms per request.
    let latency = Duration::from_millis(150);
    let mut emulators = Emulators::spawn(ROOMS, PER_ROOM, latency);
    let (app, _dir) = emulators.app(EngineConfig::default()).await;
    emulators.reset();
    let started = Instant::now();
    app.sync_all(CycleMode::Execute).await.expect("sync");
    let took = started.elapsed().as_secs_f64();
    let (traffic, _) = emulators.traffic();
    app.shutdown().await;
    drop(emulators);
    // Each mailbox does its requests 4 at a time at best; the mailboxes are independent.
    let per_mailbox = traffic.requests as f64 / f64::from(ROOMS);
    let floor = (per_mailbox / 4.0).ceil() * latency.as_secs_f64();
    let seed_one_at_a_time = per_mailbox * latency.as_secs_f64();
    line(
        "  time, Graph at 150 ms per request",
        format!("{took:.1} s"),
        format!("{seed_one_at_a_time:.0} s"),
        &format!(
            "<= 1.2x the floor of {floor:.1} s (4 in flight per mailbox); measured {:.2}x",
            took / floor
        ),
    );
    println!(
        "  (the seed's figure: one request in flight per mailbox, the mailboxes side by side)"
    );
}

/// 500 rooms x 200 events (100k): memory, idle CPU at 60 s polls, and one dry run over all
/// rooms once settled. The emulators run in a child process ([`Emulators`]), so the memory
/// and CPU measured are the engine's own: its actors, connectors, SQLite and the app around
/// them.
async fn large() {
    const ROOMS: u32 = 500;
    const PER_ROOM: u32 = 200;
    println!("\n{ROOMS} rooms x {PER_ROOM} events (the emulators in a process of their own)");
    let emulators = Emulators::spawn(ROOMS, PER_ROOM, Duration::ZERO);
    let config = EngineConfig {
        poll_interval: Some(Duration::from_secs(60)),
        ..EngineConfig::default()
    };
    let (app, _dir) = emulators.app(config).await;
    let started = Instant::now();
    app.sync_all(CycleMode::Execute).await.expect("sync");
    let first = started.elapsed().as_secs_f64();
    app.sync_all(CycleMode::Execute).await.expect("sync");
    println!("  (first sync of 100k events: {first:.1} s)");
    let peak = proc_kib("VmHWM:").unwrap_or(0) * 1024;

    if let Ok(wait) = std::env::var("ROOMBRIDGE_BENCH_QUICK") {
        tokio::time::sleep(Duration::from_secs(wait.parse().unwrap_or(0))).await;
        for _ in 0..3 {
            let (engine, emulated) = (cpu_time("self"), emulators.cpu());
            let started = Instant::now();
            let reports = app.sync_all(CycleMode::DryRun).await.expect("dry run");
            println!(
                "  dry run: {:.2} s, {} rooms settled (CPU: the engine {:.2} s, the emulators {:.2} s)",
                started.elapsed().as_secs_f64(),
                reports.iter().filter(|r| r.quiet).count(),
                (cpu_time("self") - engine).as_secs_f64(),
                (emulators.cpu() - emulated).as_secs_f64()
            );
        }
        app.shutdown().await;
        return;
    }
    // Settling first: every room's first timed ticks, and the app giving back what the first
    // sync freed (a minute after it). Then a minute of idle, measured.
    tokio::time::sleep(Duration::from_secs(75)).await;
    let cpu_before = cpu_time("self");
    let idle = Duration::from_secs(60);
    tokio::time::sleep(idle).await;
    let cpu = (cpu_time("self") - cpu_before).as_secs_f64() / idle.as_secs_f64() * 100.0;
    let rss = proc_kib("VmRSS:").unwrap_or(0) * 1024;
    line(
        "  engine memory when idle (resident)",
        mib(rss),
        "-",
        "<= 150 MiB",
    );
    line(
        "  engine memory at its peak (first sync)",
        mib(peak),
        "-",
        "",
    );
    line(
        "  engine idle CPU at 60 s polls",
        format!("{cpu:.2} %"),
        "-",
        "<= 1 % of a core",
    );
    // The first dry run after the idle minute, then one right after it.
    for what in ["after a minute's idle", "again at once"] {
        let started = Instant::now();
        let reports = app.sync_all(CycleMode::DryRun).await.expect("dry run");
        let dry = started.elapsed().as_secs_f64();
        line(
            &format!("  one dry run over all rooms, {what}"),
            format!("{dry:.2} s"),
            "-",
            "<= 0.5 s",
        );
        println!(
            "  ({} of {ROOMS} rooms answered from their settled plan)",
            reports.iter().filter(|r| r.quiet).count()
        );
    }
    app.shutdown().await;
}

/// Both emulators, seeded, in a child process (this benchmark again, see [`serve_emulators`]),
/// so that what the parent measures is the engine's alone. The parent asks for the Graph
/// emulator's counters over the child's standard input and output.
struct Emulators {
    child: std::process::Child,
    answers: std::io::BufReader<std::process::ChildStdout>,
    graph_base: url::Url,
    token_url: url::Url,
    booking_base: url::Url,
    secret: String,
}

impl Emulators {
    fn spawn(rooms: u32, per_room: u32, latency: Duration) -> Emulators {
        let secret = setup::random_token();
        let mut child =
            std::process::Command::new(std::env::current_exe().expect("this benchmark"))
                .env(SERVE, format!("{rooms}x{per_room}"))
                .env(SECRET, &secret)
                .env(LATENCY_MS, latency.as_millis().to_string())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("the emulators' process");
        let mut answers = std::io::BufReader::new(child.stdout.take().expect("its output"));
        let where_ = Self::answer(&mut answers);
        let mut parts = where_.split_whitespace();
        let mut next = || url::Url::parse(parts.next().expect("an address")).expect("a URL");
        let (graph_base, token_url, booking_base) = (next(), next(), next());
        Emulators {
            child,
            answers,
            graph_base,
            token_url,
            booking_base,
            secret,
        }
    }

    fn answer(answers: &mut std::io::BufReader<std::process::ChildStdout>) -> String {
        let mut line = String::new();
        std::io::BufRead::read_line(answers, &mut line).expect("the emulators' answer");
        line
    }

    fn ask(&mut self, what: &str) -> String {
        use std::io::Write;
        let input = self.child.stdin.as_mut().expect("its input");
        writeln!(input, "{what}").expect("a question to the emulators");
        input.flush().expect("a question to the emulators");
        Self::answer(&mut self.answers)
    }

    /// Graph's traffic since the last reset, and its 429 answers.
    fn traffic(&mut self) -> (Traffic, u64) {
        let answer = self.ask("stats");
        let n: Vec<u64> = answer
            .split_whitespace()
            .map(|v| v.parse().expect("a count"))
            .collect();
        (
            Traffic {
                requests: n[0],
                round_trips: n[1],
                bytes: n[2],
            },
            n[3],
        )
    }

    fn reset(&mut self) {
        self.ask("reset");
    }

    /// CPU time the emulators' process has used.
    fn cpu(&self) -> Duration {
        cpu_time(&self.child.id().to_string())
    }

    /// The real app on a fresh SQLite file, its rooms mapped, talking to these emulators.
    async fn app(&self, config: EngineConfig) -> (Arc<roombridge_app::App>, tempfile::TempDir) {
        let connectors = setup::Connectors {
            graph: Arc::new(
                GraphConnector::new(
                    GraphConfig {
                        graph_base: self.graph_base.clone(),
                        token_url: self.token_url.clone(),
                        client_id: roombridge_emulators::demo::DEMO_CLIENT_ID.to_owned(),
                        page_size: 50,
                    },
                    Secret::new(self.secret.clone()),
                )
                .expect("graph connector"),
            ),
            booking: Arc::new(
                BookingConnector::new(self.booking_base.clone(), Secret::new(self.secret.clone()))
                    .expect("booking connector"),
            ),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let store = setup::open_store(dir.path(), "bench.sqlite").expect("store");
        setup::auto_map(&store, &connectors)
            .await
            .expect("map rooms");
        let app = setup::start_app(store, connectors, config, Mode::Demo, Vec::new())
            .await
            .expect("app");
        (app, dir)
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Set in a child process: the one part of the benchmark it runs.
const ONLY: &str = "ROOMBRIDGE_BENCH_ONLY";

/// Set in the child process of [`Emulators`]: `{rooms}x{per_room}` to seed the emulators with.
const SERVE: &str = "ROOMBRIDGE_BENCH_SERVE";
/// The client secret and API key the child's emulators accept.
const SECRET: &str = "ROOMBRIDGE_BENCH_SECRET";
/// How long the child's Graph emulator takes per answer, in milliseconds.
const LATENCY_MS: &str = "ROOMBRIDGE_BENCH_LATENCY_MS";

/// The child process of [`Emulators`]: both emulators, seeded. Prints the Graph base, the
/// token URL and the booking system's base on one line, then answers `stats` (Graph
/// requests, round trips, bytes and 429s since the last reset) and `reset`, one line each,
/// until its input closes.
async fn serve_emulators(seed: &str) {
    let seed = Seed::parse(&format!("bulk:{seed}")).expect("a bulk seed");
    let secret = std::env::var(SECRET).expect("a secret");
    let latency = std::env::var(LATENCY_MS)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or_default();
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mut tenant = GraphEmulatorConfig::demo(secret.clone());
    tenant.seed = seed;
    tenant.latency = latency;
    let graph = GraphEmulator::start(tenant, loopback)
        .await
        .expect("graph emulator");
    let booking = BookingEmulator::start(
        BookingEmulatorConfig {
            api_key: secret,
            seed,
        },
        loopback,
    )
    .await
    .expect("booking emulator");
    println!(
        "{} {} {}",
        graph.graph_base(),
        graph.token_url(),
        booking.base_url()
    );
    let graph = Arc::new(graph);
    let stats = graph.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for question in std::io::stdin().lines() {
            let Ok(question) = question else { break };
            match question.trim() {
                "stats" => {
                    let s = stats.stats();
                    let t = Traffic::of(&s);
                    let throttled: u64 = s.throttled.values().sum();
                    println!("{} {} {} {throttled}", t.requests, t.round_trips, t.bytes);
                }
                "reset" => {
                    stats.reset_stats();
                    println!("ok");
                }
                _ => println!("?"),
            }
        }
    })
    .await;
    drop(booking);
}
