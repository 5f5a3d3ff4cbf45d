//! A real crash: `roombridge sync --once` is killed (SIGKILL) after Microsoft Graph applied its
//! create but before RoomBridge committed the link. The next run re-links the event instead of
//! creating a second one.
//!
//! Live mode reads its secrets from the OS keyring, so this test needs a Secret Service (CI runs
//! the tests inside scripts/desktop-session.sh); it files them under its own keyring service.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roombridge_app::setup::DemoServers;
use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute};
use roombridge_emulators::seed::Seed;
use roombridge_tests::{OutsideBooking, OutsideGraph, at};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

fn roombridge(args: &[&str], service: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roombridge"));
    cmd.args(args).env("ROOMBRIDGE_KEYRING_SERVICE", service);
    cmd
}

fn store_secret(name: &str, value: &str, service: &str) {
    use std::io::Write;
    let mut child = roombridge(&["secret", name], service)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run roombridge secret");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{value}\n").as_bytes())
        .expect("write secret");
    assert!(
        child.wait().expect("wait").success(),
        "storing {name} failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_create_and_commit_the_next_run_relinks_instead_of_duplicating() {
    let (servers, _) = DemoServers::start_seeded(Seed::Empty).await.unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let booking = OutsideBooking::new(&servers);
    booking
        .create(GYM, "Christmas concert", at(3, 17), at(3, 19))
        .await;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let config = serde_json::json!({
        "tenant": roombridge_emulators::demo::DEMO_TENANT,
        "client_id": roombridge_emulators::demo::DEMO_CLIENT_ID,
        "booking_url": servers.booking.base_url(),
        "graph_base": servers.graph.graph_base(),
        "token_url": servers.graph.token_url(),
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let service = format!("roombridge-crash-test-{}", std::process::id());
    store_secret(
        "graph-client-secret",
        servers.client_secret.expose(),
        &service,
    );
    store_secret("booking-api-key", servers.api_key.expose(), &service);

    // Graph applies the create, then holds its answer back: the kill lands in between.
    servers
        .graph
        .inject(Fault::new(
            FaultRoute::CreateEvent,
            FaultKind::Slow { delay_ms: 120_000 },
        ))
        .unwrap();
    let mut run = roombridge(&["sync", "--once", "--data-dir", &data], &service)
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
    let store = roombridge_store::Store::open(&dir.path().join("roombridge.sqlite")).unwrap();
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

    let out = roombridge(&["sync", "--once", "--data-dir", &data], &service)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let events = graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "no second event: {events:#?}");
    assert_eq!(events[0]["subject"], "Christmas concert");

    // Settled: a dry run plans nothing in any room.
    let out = roombridge(
        &["sync", "--once", "--dry-run", "--data-dir", &data],
        &service,
    )
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("create_event"), "{text}");
    assert_eq!(text.matches("nothing to do").count(), 15, "{text}");

    let _ = roombridge_app::secrets::SecretStore::delete(
        &roombridge_app::secrets::Keyring::with_service(&service),
        roombridge_app::secrets::SecretName::GraphClientSecret,
    );
    let _ = roombridge_app::secrets::SecretStore::delete(
        &roombridge_app::secrets::Keyring::with_service(&service),
        roombridge_app::secrets::SecretName::BookingApiKey,
    );
}
