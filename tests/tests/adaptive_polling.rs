//! Adaptive polling (issue 15), end to end with the real engine polling on its own timers:
//! every tick reads the booking system's changes, and Outlook only while a room is busy or
//! when its reading is due; an idle room's Outlook reading backs off to 15 poll intervals. A
//! tick whose readings brought nothing plans and writes nothing (the room's cycle number
//! stays).

use std::time::Duration;

use roombridge_app::setup::DemoOptions;
use roombridge_emulators::graph::GraphRoute;
use roombridge_emulators::seed::Seed;
use roombridge_engine::EngineConfig;
use roombridge_store::{rooms, status};
use roombridge_tests::{Harness, at};

const POLL: Duration = Duration::from_millis(200);

fn cycles(h: &Harness) -> i64 {
    h.app
        .store()
        .read(|c| {
            let mut total = 0;
            for room in rooms::list(c)? {
                total += status::get(c, &room.id)?.cycle;
            }
            Ok(total)
        })
        .unwrap()
}

fn delta_reads(h: &Harness) -> u64 {
    h.servers.graph.stats().sent(GraphRoute::Delta)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_rooms_read_outlook_less_and_less_and_wake_on_a_change() {
    // The shipped engine but for the poll interval (tests elsewhere compare Outlook series on
    // every cycle, which is work waiting each time).
    let config = EngineConfig {
        poll_interval: Some(POLL),
        ..EngineConfig::default()
    };
    let options = DemoOptions {
        seed: Seed::Demo,
        ..DemoOptions::default()
    };
    let h = Harness::start_engine(options, config).await;
    let rooms = h.app.store().read(rooms::list).unwrap();
    let n = rooms.len() as u64;
    // The demo's first sync, its echo, and the back-off from 200 ms up to 3 s (15 polls).
    tokio::time::sleep(Duration::from_secs(6)).await;

    h.servers.graph.reset_stats();
    let before = cycles(&h);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let reads = delta_reads(&h);
    let whole = cycles(&h) - before;
    // 15 ticks per room went by. Reading Outlook on every tick would be 15 reads a room; idle
    // rooms read it about once in 3 s. Readings that brought nothing planned nothing: the
    // rooms' cycle numbers stayed.
    assert!(
        reads <= 3 * n,
        "{reads} Outlook reads in 3 s for {n} idle rooms"
    );
    assert!(reads >= 1, "idle rooms still read Outlook");
    assert_eq!(whole, 0, "{whole} whole cycles in 3 s for {n} idle rooms");

    // A booking-system change is read on the next tick and reaches Outlook at once, although
    // the room's Outlook reading was not due.
    let room = &rooms[0];
    let mailbox = room.mailbox.as_str();
    let id = h
        .booking
        .create(
            room.resource.as_str(),
            "Adaptive choir",
            at(3, 10),
            at(3, 11),
        )
        .await;
    let event = until(
        Duration::from_secs(5),
        "the new reservation in Outlook",
        || async {
            h.graph
                .events(mailbox)
                .await
                .into_iter()
                .find(|e| e["subject"] == "Adaptive choir")
        },
    )
    .await;

    // Once the room is idle again, an Outlook change still reaches the booking system within
    // the longest an idle room's Outlook goes unread (15 polls: 3 s here).
    tokio::time::sleep(Duration::from_secs(6)).await;
    h.graph
        .rename(
            mailbox,
            event["id"].as_str().unwrap(),
            "Adaptive choir, moved",
        )
        .await;
    until(
        Duration::from_secs(8),
        "the Outlook rename in the booking system",
        || async {
            let r = h.booking.get(&id).await;
            (r["title"] == "Adaptive choir, moved").then_some(())
        },
    )
    .await;
}

/// Polls `check` until it gives a value, failing after `timeout`.
async fn until<T, F: std::future::Future<Output = Option<T>>>(
    timeout: Duration,
    what: &str,
    check: impl Fn() -> F,
) -> T {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
