//! Live-mode runs of the real binary against the emulators, one process per run, as a cron job
//! or a person at a terminal would use it.
//!
//! A real crash: `roombridge sync --once` is killed (SIGKILL) after Microsoft Graph applied its
//! create but before RoomBridge committed the link. The next run re-links the event instead of
//! creating a second one.
//!
//! Live mode reads its secrets from the OS keyring, so these tests need a Secret Service (CI runs
//! the tests inside scripts/desktop-session.sh); each files them under its own keyring service.

use std::process::Stdio;
use std::time::{Duration, Instant};

use roombridge_app::setup::{BookingSystem, DemoOptions, DemoServers};
use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute};
use roombridge_emulators::seed::Seed;
use roombridge_tests::{LiveCli, OutsideBooking, OutsideGraph, OutsidePortico, at};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

/// `roombridge sync --once` in `cli`'s folder; its standard output, after checking it succeeded.
async fn sync_once(cli: &LiveCli, extra: &[&str]) -> String {
    let data = cli.data_arg();
    let mut args = vec!["sync", "--once", "--data-dir", &data];
    args.extend_from_slice(extra);
    let out = cli.output(&args).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Issue 12, bug 1, as reported: one process per `sync --once`. The event RoomBridge wrote is
/// deleted in Outlook before any run has read it back; the reservation must be cancelled, not
/// left holding a room that Outlook shows as free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outlook_deletion_before_the_read_back_cancels_the_reservation_across_runs() {
    let (servers, _) = DemoServers::start_seeded(Seed::Empty).await.unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let booking = OutsideBooking::new(&servers);
    let cli = LiveCli::new(env!("CARGO_BIN_EXE_roombridge"), &servers, "readback");
    let id = booking.create(GYM, "Choir", at(3, 17), at(3, 19)).await;

    sync_once(&cli, &[]).await;
    let events = graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    graph
        .delete(GYM_MAILBOX, events[0]["id"].as_str().unwrap())
        .await;
    sync_once(&cli, &[]).await;
    sync_once(&cli, &[]).await;
    // The reporter forced a delta expiry too; it hit another room. (A full read of this room
    // would have found the deletion.)
    servers
        .graph
        .inject(Fault {
            count: Some(1),
            ..Fault::new(FaultRoute::Delta, FaultKind::DeltaGone)
        })
        .unwrap();
    sync_once(&cli, &[]).await;
    sync_once(&cli, &[]).await;

    let reservation = booking.get(&id).await;
    assert_eq!(reservation["status"], "cancelled", "{reservation:#}");
    assert!(graph.events(GYM_MAILBOX).await.is_empty());
    let plan = sync_once(&cli, &["--dry-run"]).await;
    assert_eq!(plan.matches("nothing to do").count(), 15, "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_create_and_commit_the_next_run_relinks_instead_of_duplicating() {
    let (servers, _) = DemoServers::start_seeded(Seed::Empty).await.unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let booking = OutsideBooking::new(&servers);
    booking
        .create(GYM, "Christmas concert", at(3, 17), at(3, 19))
        .await;

    let cli = LiveCli::new(env!("CARGO_BIN_EXE_roombridge"), &servers, "crash");
    let data = cli.data_arg();
    // Graph applies the create, then holds its answer back: the kill lands in between.
    servers
        .graph
        .inject(Fault::new(
            FaultRoute::CreateEvent,
            FaultKind::Slow { delay_ms: 120_000 },
        ))
        .unwrap();
    let mut run = cli
        .command(&["sync", "--once", "--data-dir", &data])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while graph.events(GYM_MAILBOX).await.is_empty() {
        assert!(Instant::now() < deadline, "the create never reached Graph");
        assert!(
            run.try_wait().unwrap().is_none(),
            "sync exited before the kill"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run.kill().unwrap(); // SIGKILL: no destructor, no commit.
    run.wait().unwrap();
    servers.graph.clear_faults();

    // The journal holds the create as a pending link.
    let store = cli.store();
    let links = store
        .read(|c| roombridge_store::links::list(c, &roombridge_core::RoomId::new(GYM)))
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].state,
        roombridge_core::plan::LinkState::Pending,
        "{links:?}"
    );
    drop(store);

    sync_once(&cli, &[]).await;
    let events = graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "no second event: {events:#?}");
    assert_eq!(events[0]["subject"], "Christmas concert");

    // Settled: a dry run plans nothing in any room.
    let text = sync_once(&cli, &["--dry-run"]).await;
    assert!(!text.contains("create_event"), "{text}");
    assert_eq!(text.matches("nothing to do").count(), 15, "{text}");
}

/// Issue 12, bug 7: the newest history entries deleted from the database file (a valid chain
/// is left) fail `audit verify`, because the OS keyring holds an anchor of the newest entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_newest_history_entries_fails_audit_verify() {
    let (servers, _) = DemoServers::start_seeded(Seed::Empty).await.unwrap();
    let booking = OutsideBooking::new(&servers);
    let cli = LiveCli::new(env!("CARGO_BIN_EXE_roombridge"), &servers, "anchor");
    let data = cli.data_arg();
    booking.create(GYM, "Choir", at(3, 17), at(3, 19)).await;
    booking
        .create(GYM, "Chess club", at(4, 17), at(4, 19))
        .await;
    sync_once(&cli, &[]).await;

    let verify = ["audit", "verify", "--data-dir", &data];
    let out = cli.output(&verify).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("anchor in the OS keyring recorded"), "{text}");

    // Someone with the database file drops the append-only trigger and deletes the newest
    // entry: the chain that is left is valid.
    let store = cli.store();
    store
        .write(|c| {
            c.execute_batch(
                "DROP TRIGGER history_no_delete;
                 DELETE FROM history WHERE seq = (SELECT MAX(seq) FROM history);",
            )?;
            Ok(())
        })
        .unwrap();
    assert!(
        store
            .read(roombridge_store::history::verify)
            .unwrap()
            .is_ok()
    );
    drop(store);

    let out = cli.output(&verify).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("the newest were deleted"), "{text}");
}

/// Found by the chaos test: a booking system that failed once while RoomBridge listed its
/// resources at start-up (a 503) made `serve` and `sync --once` exit. The rooms already mapped
/// now sync, and the mapping is tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_system_failing_once_at_start_up_does_not_stop_roombridge() {
    let (servers, _) = DemoServers::start_seeded(Seed::Empty).await.unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let booking = OutsideBooking::new(&servers);
    let cli = LiveCli::new(env!("CARGO_BIN_EXE_roombridge"), &servers, "startup");
    sync_once(&cli, &[]).await;
    booking
        .create(GYM, "Christmas concert", at(3, 17), at(3, 19))
        .await;

    booking.fail_next(503, 1).await;
    sync_once(&cli, &[]).await;
    let events = graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "{events:#?}");
}

/// Issue 14: PorticoEstate keeps no idempotency keys, so a retried create would make a second
/// event (or be refused as a duplicate). `roombridge sync --once` is killed (SIGKILL) after
/// PorticoEstate made the event for an Outlook meeting but before RoomBridge committed the
/// link; the next run finds its marker and re-links the event instead of creating another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_killed_between_create_and_commit_the_next_run_relinks() {
    let (servers, _) = DemoServers::start_options(DemoOptions {
        seed: Seed::Empty,
        booking_system: BookingSystem::Porticoestate,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let portico = OutsidePortico::new(&servers);
    // The gym is resource 6 in PorticoEstate; it is mapped to its mailbox by name.
    const GYM_RESOURCE: i64 = 6;
    graph
        .invite(
            GYM_MAILBOX,
            "Parents' meeting",
            at(4, 17),
            at(4, 18),
            "Kari Nordmann",
        )
        .await;

    let cli = LiveCli::porticoestate(env!("CARGO_BIN_EXE_roombridge"), &servers, "portico-crash");
    let data = cli.data_arg();
    // PorticoEstate makes the event, then holds its answer back: the kill lands in between.
    portico
        .inject_fault(serde_json::json!({ "kind": "slow", "delay_ms": 120_000, "method": "POST" }))
        .await;
    let mut run = cli
        .command(&["sync", "--once", "--data-dir", &data])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while portico.events(GYM_RESOURCE).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the create never reached PorticoEstate"
        );
        assert!(
            run.try_wait().unwrap().is_none(),
            "sync exited before the kill"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run.kill().unwrap(); // SIGKILL: no destructor, no commit.
    run.wait().unwrap();

    // The journal holds the create as a pending link.
    let store = cli.store();
    let links = store
        .read(|c| roombridge_store::links::list(c, &roombridge_core::RoomId::new("6")))
        .unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(
        links[0].state,
        roombridge_core::plan::LinkState::Pending,
        "{links:?}"
    );
    drop(store);

    sync_once(&cli, &[]).await;
    let events = portico.events(GYM_RESOURCE).await;
    assert_eq!(events.len(), 1, "no second event: {events:#?}");
    assert_eq!(events[0]["name"], "Parents' meeting");
    assert_eq!(graph.events(GYM_MAILBOX).await.len(), 1);

    // Settled: a dry run plans nothing in any room.
    let text = sync_once(&cli, &["--dry-run"]).await;
    assert!(!text.contains("create_reservation"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("conflict")), "{text}");
}
