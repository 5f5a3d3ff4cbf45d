//! Settings > Connections through `App`: the emulators over loopback, a real SQLite file and
//! the real actors. A renewed client secret and a changed booking address are tested as the
//! wizard tests them, kept only when the test passes, and syncing restarts on them.

use std::sync::Arc;

use roombridge_app::App;
use roombridge_app::connections::SignIn;
use roombridge_app::setup::{self, BookingSystem, DemoServers};
use roombridge_app::wizard::{BookingForm, Problem, TenantForm};
use roombridge_core::Secret;
use roombridge_emulators::demo::{DEMO_CLIENT_ID, DEMO_TENANT};
use roombridge_engine::{CycleMode, EngineConfig};

async fn demo(dir: &tempfile::TempDir) -> (Arc<App>, DemoServers) {
    let (servers, connectors) = DemoServers::start().await.expect("emulators start");
    let store = setup::open_store(dir.path(), "connections.db").expect("store opens");
    setup::auto_map(&store, &connectors)
        .await
        .expect("rooms map");
    let app = setup::start_app(
        store,
        connectors,
        EngineConfig {
            poll_interval: None,
            ..EngineConfig::default()
        },
        roombridge_app::views::Mode::Demo,
        Vec::new(),
    )
    .await
    .expect("app starts");
    app.connections_in(servers.connections());
    (app, servers)
}

fn tenant_form(servers: &DemoServers, secret: Option<&str>, expires: Option<&str>) -> TenantForm {
    TenantForm {
        tenant_id: DEMO_TENANT.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: secret.map(Secret::new),
        client_secret_expires: expires.map(str::to_owned),
        graph_base: Some(servers.graph.graph_base()),
        token_url: Some(servers.graph.token_url()),
        ..TenantForm::default()
    }
}

/// Entra ID's "New client secret" (and an expiry for an existing one), on the emulator.
async fn entra_secret(servers: &DemoServers, secret: &str, expires: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/secrets", servers.graph.admin_url()))
        .bearer_auth(servers.client_secret.expose())
        .json(&serde_json::json!({ "secret": secret, "expires": expires }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
}

async fn every_room_syncs(app: &App) {
    let reports = app.sync_all(CycleMode::Execute).await.expect("a sync runs");
    assert!(!reports.is_empty());
    for report in reports {
        assert_eq!(report.error, None, "{}", report.room);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_client_secret_is_renewed_in_settings_and_syncing_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (app, servers) = demo(&dir).await;
    let before = app.connections().unwrap();
    assert_eq!(before.tenant.tenant_id, DEMO_TENANT);
    assert_eq!(before.tenant.sign_in, SignIn::ClientSecret);
    assert_eq!(before.tenant.client_secret_expires, None);
    assert!(before.in_memory);
    every_room_syncs(&app).await;

    // The secret in use expires; Entra ID has a new one.
    entra_secret(
        &servers,
        servers.client_secret.expose(),
        "2020-01-01T00:00:00Z",
    )
    .await;
    entra_secret(&servers, "renewed-secret", "2028-06-30T00:00:00Z").await;
    servers.graph.expire_tokens();
    let stale = app
        .test_tenant_connection(tenant_form(&servers, None, None))
        .await
        .unwrap();
    assert!(!stale.ok);
    assert!(
        stale
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("has expired"),
        "{stale:?}"
    );

    // A wrong secret is refused with the wizard's words, whole, and nothing changes.
    let wrong = app
        .save_tenant_connection(tenant_form(&servers, Some("not-the-secret"), None))
        .await
        .unwrap();
    assert!(!wrong.saved);
    assert_eq!(wrong.check.problem, Some(Problem::Credentials));
    assert!(
        wrong
            .check
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("(not its Secret ID) from Entra ID"),
        "the message is not cut at its first parenthesis: {:?}",
        wrong.check.fix
    );
    assert_eq!(app.connections().unwrap(), before);

    // The new secret passes, is kept with its expiry, and the engine syncs on it.
    let mut moved = app.engine_moves();
    let renewed = app
        .save_tenant_connection(tenant_form(
            &servers,
            Some("renewed-secret"),
            Some("2028-06-30"),
        ))
        .await
        .unwrap();
    assert!(renewed.saved, "{:?}", renewed.check);
    assert_eq!(
        renewed.connections.tenant.client_secret_expires,
        chrono::NaiveDate::from_ymd_opt(2028, 6, 30)
    );
    assert!(moved.has_changed().unwrap(), "the engine restarted");
    moved.mark_unchanged();
    every_room_syncs(&app).await;
    // The kept secret is the new one: a test without a typed secret signs in with it.
    let kept = app
        .test_tenant_connection(tenant_form(&servers, None, None))
        .await
        .unwrap();
    assert!(kept.ok, "{kept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_booking_address_is_tested_before_it_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (app, servers) = demo(&dir).await;
    let before = app.connections().unwrap();
    let form = |url: String| BookingForm {
        system: BookingSystem::RoombridgeApi,
        url,
        api_key: None,
        ..BookingForm::default()
    };

    // Nothing answers there: refused, nothing kept.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}/api/v1", closed.local_addr().unwrap());
    drop(closed);
    let refused = app.save_booking_connection(form(nowhere)).await.unwrap();
    assert!(!refused.saved);
    assert_eq!(refused.check.problem, Some(Problem::Unreachable));
    assert_eq!(app.connections().unwrap(), before);

    // The same booking system under another name of this host: kept, and syncing goes on.
    let moved_url = servers.booking.base_url().replace("127.0.0.1", "localhost");
    let saved = app
        .save_booking_connection(form(moved_url.clone()))
        .await
        .unwrap();
    assert!(saved.saved, "{:?}", saved.check);
    assert_eq!(saved.connections.booking.url, moved_url);
    every_room_syncs(&app).await;

    // Another kind of booking system is the wizard's business.
    let other = app
        .save_booking_connection(BookingForm {
            system: BookingSystem::Porticoestate,
            ..form(moved_url)
        })
        .await
        .unwrap_err();
    assert!(
        other.message.contains("set RoomBridge up again"),
        "{}",
        other.message
    );
}
