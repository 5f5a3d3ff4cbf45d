//! A real crash: `roombridge sync --once` is killed (SIGKILL) after Microsoft Graph applied its
//! create but before RoomBridge committed the link. The next run re-links the event instead of
//! creating a second one.
//!
//! Live mode reads its secrets from the OS keyring, so this test needs a Secret Service (CI runs
//! the tests inside scripts/desktop-session.sh); it files them under its own keyring service.

use std::process::Stdio;
use std::time::{Duration, Instant};

use roombridge_app::setup::DemoServers;
use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute};
use roombridge_emulators::seed::Seed;
use roombridge_tests::{LiveCli, OutsideBooking, OutsideGraph, at};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

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

    let out = cli.output(&["sync", "--once", "--data-dir", &data]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let events = graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "no second event: {events:#?}");
    assert_eq!(events[0]["subject"], "Christmas concert");

    // Settled: a dry run plans nothing in any room.
    let out = cli
        .output(&["sync", "--once", "--dry-run", "--data-dir", &data])
        .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("create_event"), "{text}");
    assert_eq!(text.matches("nothing to do").count(), 15, "{text}");
}
