//! The setup wizard and room mappings against the real emulators over loopback: connection
//! tests with wrong and right credentials, discovery and matching, finishing (config.json,
//! secrets in the secret store only, the engine syncing), then changing the mappings.

mod support {
    pub mod wait;
}
use support::wait::wait_for;

use std::sync::Arc;
use std::time::Duration;

use roombridge_app::mappings::{NewRoom, RoomEdit};
use roombridge_app::secrets::{MemorySecrets, SecretName, SecretStore};
use roombridge_app::setup::{self, DemoServers, Live};
use roombridge_app::views::Mode;
use roombridge_app::wizard::{
    BookingForm, FinishRequest, MatchedBy, Problem, RoomChoice, TenantForm, Wizard,
};
use roombridge_app::{App, ErrorCode};
use roombridge_core::Secret;
use roombridge_emulators::demo::{DEMO_CLIENT_ID, DEMO_RESOURCES, DEMO_TENANT};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig, Rights};
use roombridge_emulators::seed::Seed;
use roombridge_engine::EngineConfig;

struct Setup {
    servers: DemoServers,
    secrets: Arc<MemorySecrets>,
    wizard: Arc<Wizard>,
    dir: tempfile::TempDir,
}

async fn empty_setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (servers, _) = DemoServers::start().await.unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let config = EngineConfig {
        poll_interval: Some(Duration::from_secs(2)),
        ..EngineConfig::default()
    };
    let Live::Setup(wizard) = setup::open_live(dir.path(), secrets.clone(), config)
        .await
        .unwrap()
    else {
        panic!("an empty data folder must start the setup wizard");
    };
    Setup {
        servers,
        secrets,
        wizard,
        dir,
    }
}

fn tenant_form(s: &Setup, secret: &str) -> TenantForm {
    TenantForm {
        tenant_id: DEMO_TENANT.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Some(Secret::new(secret)),
        graph_base: Some(s.servers.graph.graph_base()),
        token_url: Some(s.servers.graph.token_url()),
        ..TenantForm::default()
    }
}

fn booking_form(url: String, key: &str) -> BookingForm {
    BookingForm {
        url,
        api_key: Some(Secret::new(key)),
        ..BookingForm::default()
    }
}

async fn connect_both(s: &Setup) {
    connect_both_with_expiry(s, None).await;
}

/// Both connection tests pass; the tenant form gives the client secret's expiry date.
async fn connect_both_with_expiry(s: &Setup, expires: Option<chrono::NaiveDate>) {
    let secret = s.servers.client_secret.expose().to_owned();
    let form = TenantForm {
        client_secret_expires: expires.map(|d| d.format("%Y-%m-%d").to_string()),
        ..tenant_form(s, &secret)
    };
    let tenant = s.wizard.check_tenant(form).await.unwrap();
    assert!(tenant.ok, "{tenant:?}");
    let key = s.servers.api_key.expose().to_owned();
    let booking = s
        .wizard
        .check_booking(booking_form(s.servers.booking.base_url(), &key))
        .await
        .unwrap();
    assert!(booking.ok, "{booking:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_is_refused_with_a_401_that_says_to_check_the_secret() {
    let s = empty_setup().await;
    assert_eq!(s.wizard.status().mode, Mode::Setup);

    let wrong = s
        .wizard
        .check_tenant(tenant_form(&s, "not-the-secret"))
        .await
        .unwrap();
    assert!(!wrong.ok);
    assert_eq!(wrong.problem, Some(Problem::Credentials));
    assert!(wrong.summary.contains("401"), "{}", wrong.summary);
    let fix = wrong.fix.unwrap();
    assert!(fix.contains("client secret"), "{fix}");
    assert!(
        s.secrets
            .get(SecretName::GraphClientSecret)
            .unwrap()
            .is_none(),
        "a refused secret is not kept"
    );
    assert!(!s.wizard.setup_state().tenant_ok);

    // The right secret with an expiry date in the past: refused before any sign-in.
    let secret = s.servers.client_secret.expose().to_owned();
    let yesterday = chrono::Local::now().date_naive() - chrono::Days::new(1);
    let Err(expired) = s
        .wizard
        .check_tenant(TenantForm {
            client_secret_expires: Some(yesterday.to_string()),
            ..tenant_form(&s, &secret)
        })
        .await
    else {
        panic!("a secret that expired yesterday must be refused");
    };
    assert_eq!(expired.code, ErrorCode::InvalidInput);
    assert!(
        expired.message.contains(&format!("expired on {yesterday}")),
        "{}",
        expired.message
    );
    assert!(
        s.secrets
            .get(SecretName::GraphClientSecret)
            .unwrap()
            .is_none(),
        "nothing is stored for a refused form"
    );

    let right = s
        .wizard
        .check_tenant(tenant_form(&s, &secret))
        .await
        .unwrap();
    assert!(right.ok, "{right:?}");
    assert!(right.found >= 10, "the demo tenant's rooms: {right:?}");
    assert_eq!(
        s.secrets
            .get(SecretName::GraphClientSecret)
            .unwrap()
            .unwrap()
            .expose(),
        secret,
        "a secret that works goes straight to the keyring"
    );
    let state = s.wizard.setup_state();
    assert!(state.tenant_ok && state.client_secret_stored);
    // Run again with the secret field left empty: the stored one is used.
    let again = s
        .wizard
        .check_tenant(TenantForm {
            client_secret: None,
            ..tenant_form(&s, "")
        })
        .await
        .unwrap();
    assert!(again.ok, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_booking_system_and_a_wrong_api_key_say_what_to_fix() {
    let s = empty_setup().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let key = s.servers.api_key.expose().to_owned();

    let unreachable = s
        .wizard
        .check_booking(booking_form(format!("http://{closed}/api/v1"), &key))
        .await
        .unwrap();
    assert_eq!(
        unreachable.problem,
        Some(Problem::Unreachable),
        "{unreachable:?}"
    );
    assert!(unreachable.summary.contains("could not reach"));

    let wrong_key = s
        .wizard
        .check_booking(booking_form(s.servers.booking.base_url(), "wrong-key"))
        .await
        .unwrap();
    assert_eq!(
        wrong_key.problem,
        Some(Problem::Credentials),
        "{wrong_key:?}"
    );
    assert!(wrong_key.summary.contains("API key"));
    assert!(s.secrets.get(SecretName::BookingApiKey).unwrap().is_none());

    let plain_http = s
        .wizard
        .check_booking(booking_form(
            "http://booking.example.org/api/v1".into(),
            &key,
        ))
        .await
        .unwrap();
    assert_eq!(plain_http.problem, Some(Problem::Address));

    let right = s
        .wizard
        .check_booking(booking_form(s.servers.booking.base_url(), &key))
        .await
        .unwrap();
    assert!(right.ok, "{right:?}");
    assert!(s.wizard.setup_state().api_key_stored);

    let missing = s
        .wizard
        .check_tenant(TenantForm {
            tenant_id: String::new(),
            ..tenant_form(&s, "x")
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::InvalidInput);
    assert!(missing.message.contains("tenant id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_matches_by_email_and_finishing_starts_syncing_the_chosen_rooms() {
    let s = empty_setup().await;
    let early = s.wizard.discover().await.unwrap_err();
    assert!(
        early.message.contains("Test both connections"),
        "{}",
        early.message
    );
    // The secret expires in three months; the desktop app warns two weeks before.
    let expires = chrono::Local::now().date_naive() + chrono::Days::new(90);
    connect_both_with_expiry(&s, Some(expires)).await;

    let found = s.wizard.discover().await.unwrap();
    assert!(found.resources.len() >= 10);
    for r in &found.resources {
        let expected = if r.kind == roombridge_app::views::RoomKind::Equipment {
            MatchedBy::BookingEmail
        } else {
            MatchedBy::Email
        };
        assert_eq!(r.matched_by, Some(expected), "{r:?}");
        assert_eq!(r.mailbox.as_deref(), r.email.as_deref(), "{r:?}");
        assert!(r.room_id.is_none());
    }
    assert!(
        found
            .mailboxes
            .iter()
            .any(|m| m.source == roombridge_app::wizard::MailboxSource::Places)
    );

    // Every resource but the last is synced; the first with its own zone and policy.
    let (skipped, synced) = found.resources.split_last().unwrap();
    let mut rooms: Vec<RoomChoice> = synced
        .iter()
        .map(|r| RoomChoice {
            resource_id: r.id.clone(),
            mailbox: r.mailbox.clone(),
            name: None,
            kind: None,
            time_zone: None,
            policy: None,
        })
        .collect();
    rooms[0].time_zone = Some("Europe/Stockholm".into());
    rooms[0].policy = Some("booking-wins".into());
    rooms.push(RoomChoice {
        resource_id: skipped.id.clone(),
        mailbox: None,
        name: None,
        kind: None,
        time_zone: None,
        policy: None,
    });
    let mut started = s.wizard.started();
    let app = s
        .wizard
        .finish(FinishRequest {
            time_zone: Some("Europe/Oslo".into()),
            default_policy: Some("latest-wins".into()),
            rooms,
        })
        .await
        .unwrap();
    assert!(
        started.borrow_and_update().is_some(),
        "the app is handed over"
    );
    assert_eq!(app.status().unwrap().mode, Mode::Live);

    let listed = app.list_rooms().unwrap();
    assert_eq!(listed.len(), synced.len());
    assert!(
        !listed.iter().any(|r| r.resource_id == skipped.id),
        "don't sync"
    );
    let first = listed
        .iter()
        .find(|r| r.resource_id == synced[0].id)
        .unwrap();
    assert_eq!(first.time_zone, "Europe/Stockholm");
    let policies = app.get_policies().unwrap();
    assert_eq!(policies.default, "latest-wins");
    assert_eq!(
        policies
            .rooms
            .iter()
            .find(|p| p.room_id == first.id)
            .unwrap()
            .policy
            .as_deref(),
        Some("booking-wins")
    );

    // The first full sync finishes in every room.
    wait_for(90, "every room's first sync", || {
        let rooms = app.list_rooms().unwrap();
        rooms.iter().all(|r| r.last_ok_at.is_some()).then_some(())
    })
    .await;

    // config.json holds the settings and no secret; a second finish is refused.
    let config = std::fs::read_to_string(s.dir.path().join("config.json")).unwrap();
    assert!(config.contains(DEMO_CLIENT_ID) && config.contains("\"auto_map\": false"));
    for secret in [&s.servers.client_secret, &s.servers.api_key] {
        assert!(!config.contains(secret.expose()), "a secret in config.json");
    }
    // The expiry date is where the desktop app's warning reads it.
    assert_eq!(
        setup::LiveConfig::load(s.dir.path())
            .unwrap()
            .client_secret_expires,
        Some(expires)
    );
    let Err(again) = s
        .wizard
        .finish(FinishRequest {
            time_zone: None,
            default_policy: None,
            rooms: Vec::new(),
        })
        .await
    else {
        panic!("a second finish must be refused");
    };
    assert!(again.message.contains("already set up"));
    app.shutdown().await;

    // The next start finds the configuration and the keyring's secrets: no wizard, and the
    // resource left out is still left out (no automatic mapping).
    let Live::Running(next) = setup::open_live(
        s.dir.path(),
        s.secrets.clone(),
        EngineConfig {
            poll_interval: None,
            ..EngineConfig::default()
        },
    )
    .await
    .unwrap() else {
        panic!("a finished setup starts live mode");
    };
    assert_eq!(next.list_rooms().unwrap().len(), synced.len());
    next.shutdown().await;

    // Without its secret, live mode asks the wizard again, prefilled.
    s.secrets.delete(SecretName::BookingApiKey).unwrap();
    let Live::Setup(wizard) =
        setup::open_live(s.dir.path(), s.secrets.clone(), EngineConfig::default())
            .await
            .unwrap()
    else {
        panic!("a missing secret opens the wizard");
    };
    let state = wizard.setup_state();
    assert_eq!(state.client_id, DEMO_CLIENT_ID);
    assert_eq!(state.client_secret_expires, Some(expires));
    assert!(state.client_secret_stored && !state.api_key_stored);
}

async fn running_app(s: &Setup, skip_last: bool) -> Arc<App> {
    connect_both(s).await;
    let found = s.wizard.discover().await.unwrap();
    let n = found.resources.len() - usize::from(skip_last);
    let rooms = found.resources[..n]
        .iter()
        .map(|r| RoomChoice {
            resource_id: r.id.clone(),
            mailbox: r.mailbox.clone(),
            name: None,
            kind: None,
            time_zone: None,
            policy: None,
        })
        .collect();
    s.wizard
        .finish(FinishRequest {
            time_zone: None,
            default_policy: None,
            rooms,
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_are_added_edited_and_removed_and_the_engine_follows() {
    let s = empty_setup().await;
    let app = running_app(&s, true).await;
    let options = app.mapping_options().await.unwrap();
    let unmapped = options
        .resources
        .iter()
        .find(|r| r.room_id.is_none())
        .expect("the resource left out in the wizard")
        .clone();

    // Add: the new room syncs without a restart.
    let added = app
        .add_room(NewRoom {
            resource_id: unmapped.id.clone(),
            mailbox: unmapped.mailbox.clone().unwrap(),
            name: Some("Added later".into()),
            time_zone: None,
            policy: Some("booking-wins".into()),
        })
        .await
        .unwrap();
    assert_eq!(added.name, "Added later");
    assert_eq!(added.time_zone, "Europe/Oslo");
    let synced = wait_for(60, "the added room's first sync", || {
        app.list_rooms()
            .unwrap()
            .into_iter()
            .find(|r| r.id == added.id && r.last_ok_at.is_some())
    })
    .await;
    let twice = app
        .add_room(NewRoom {
            resource_id: unmapped.id.clone(),
            mailbox: "other@example.org".into(),
            name: None,
            time_zone: None,
            policy: None,
        })
        .await
        .unwrap_err();
    assert!(
        twice.message.contains("already mapped"),
        "{}",
        twice.message
    );

    // Edit: name and zone keep the links.
    let links_before = synced.counts.links;
    assert!(
        links_before > 0,
        "the added room's reservations were linked"
    );
    let edited = app
        .edit_room(
            &added.id,
            RoomEdit {
                name: Some("Renamed".into()),
                time_zone: Some("Europe/Berlin".into()),
                mailbox: None,
            },
        )
        .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.time_zone.as_str()),
        ("Renamed", "Europe/Berlin")
    );
    assert_eq!(edited.counts.links, links_before);
    let bad_zone = app
        .edit_room(
            &added.id,
            RoomEdit {
                time_zone: Some("Mars/Olympus".into()),
                ..RoomEdit::default()
            },
        )
        .unwrap_err();
    assert_eq!(bad_zone.code, ErrorCode::InvalidInput);

    // Remove: the room stops, its history stays, a `mapping` row says what was left behind.
    // The room with the most events RoomBridge wrote (more than the breaker's minimum of 5).
    let other = wait_for(60, "every room's first sync", || {
        let rooms = app.list_rooms().unwrap();
        if !rooms.iter().all(|r| r.last_ok_at.is_some()) {
            return None;
        }
        rooms
            .into_iter()
            .filter(|r| r.id != added.id)
            .max_by_key(|r| r.counts.links)
    })
    .await;
    assert!(other.counts.links > 5, "{other:?}");
    app.remove_room(&other.id).unwrap();
    assert!(!app.list_rooms().unwrap().iter().any(|r| r.id == other.id));
    let history = app.list_history(Some(50), Some(&other.id)).unwrap();
    let removed = history
        .iter()
        .find(|h| {
            h.kind == roombridge_app::views::HistoryKind::Mapping && h.title == "Room removed"
        })
        .expect("an audit row for the removal");
    assert!(
        removed.detail.contains("left as they are"),
        "{}",
        removed.detail
    );
    assert!(
        history
            .iter()
            .any(|h| h.kind != roombridge_app::views::HistoryKind::Mapping),
        "older history stays"
    );
    assert_eq!(
        app.remove_room(&other.id).unwrap_err().code,
        ErrorCode::NotFound
    );

    // Another mailbox: the room starts over there (links dropped). This one still holds the
    // events RoomBridge wrote for the removed room; they belong to no reservation of this
    // resource, so the plan deletes them, and with more than five of them the mass-deletion
    // breaker holds that back for a person to approve.
    let moved = app
        .edit_room(
            &added.id,
            RoomEdit {
                mailbox: Some(other.mailbox.clone()),
                ..RoomEdit::default()
            },
        )
        .unwrap();
    assert_eq!(moved.mailbox, other.mailbox);
    assert_eq!(moved.name, "Renamed", "the rest of the mapping stays");
    assert_eq!(moved.counts.links, 0, "the old mailbox's links are dropped");
    let held = wait_for(
        60,
        "the moved room's first cycle in its new mailbox",
        || {
            app.list_rooms()
                .unwrap()
                .into_iter()
                .find(|r| r.id == added.id && r.last_cycle_at.is_some() && r.held_deletions > 0)
        },
    )
    .await;
    assert!(held.last_error.unwrap().contains("approve the deletions"));
    assert!(app.verify_audit().unwrap().ok);
    app.shutdown().await;
}

/// The headless server before setup, for `s`'s wizard, with the token `t0ken`.
async fn serve_setup(s: &Setup) -> roombridge_app::http::HttpServer {
    roombridge_app::http::serve_live(
        Live::Setup(s.wizard.clone()),
        roombridge_app::http::HttpOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            ui_dir: s.dir.path().join("no-ui"),
            token: "t0ken".into(),
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_server_serves_the_wizard_then_the_app_at_the_same_address() {
    let s = empty_setup().await;
    let server = serve_setup(&s).await;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("http://{}/api{path}", server.addr);
    let get = |path: &str| http.get(api(path)).bearer_auth("t0ken").send();

    let status: serde_json::Value = get("/status").await.unwrap().json().await.unwrap();
    assert_eq!(status["mode"], "setup");
    let rooms = get("/rooms").await.unwrap();
    assert_eq!(rooms.status(), 503);
    let body: serde_json::Value = rooms.json().await.unwrap();
    assert_eq!(body["code"], "not_configured");
    assert_eq!(
        http.get(api("/setup")).send().await.unwrap().status(),
        401,
        "the wizard needs the token too"
    );

    // The secret goes in over HTTP once and never comes back out.
    let secret = s.servers.client_secret.expose().to_owned();
    let answer = http
        .post(api("/setup/tenant"))
        .bearer_auth("t0ken")
        .json(&serde_json::json!({
            "tenant_id": DEMO_TENANT,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": secret,
            "graph_base": s.servers.graph.graph_base(),
            "token_url": s.servers.graph.token_url(),
        }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answer.contains("\"ok\":true"), "{answer}");
    assert!(!answer.contains(&secret));
    let state = get("/setup").await.unwrap().text().await.unwrap();
    assert!(state.contains("\"client_secret_stored\":true") && !state.contains(&secret));

    let app = running_app(&s, false).await;
    let rooms: serde_json::Value = get("/rooms").await.unwrap().json().await.unwrap();
    assert_eq!(
        rooms.as_array().unwrap().len(),
        app.list_rooms().unwrap().len()
    );
    let status: serde_json::Value = get("/status").await.unwrap().json().await.unwrap();
    assert_eq!(status["mode"], "live");
    app.shutdown().await;
}

/// Issue 12, bug 10 (in part): the headless server answers only under its own loopback names,
/// and every answer says it may not be framed, leaks no referrer and loads only its own files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_server_refuses_other_host_names_and_sends_security_headers() {
    let s = empty_setup().await;
    let server = serve_setup(&s).await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/api/status", server.addr);
    let port = server.addr.port();
    for host in [format!("evil.example:{port}"), "localhost:1".to_owned()] {
        let refused = http
            .get(&url)
            .bearer_auth("t0ken")
            .header("Host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 421, "{host}");
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let ok = http
            .get(&url)
            .bearer_auth("t0ken")
            .header("Host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "{host}");
        let headers = ok.headers();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
}

/// Issue 12, bug 10: the token is taken from the address once (the page is sent on without it,
/// with an HTTP-only cookie), and the API takes the cookie or a bearer header, never `?token=`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_leaves_the_address_for_a_cookie_and_the_api_refuses_it_in_the_address() {
    let s = empty_setup().await;
    let server = serve_setup(&s).await;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // In the address: refused by the API.
    let refused = http
        .get(format!("{base}/api/status?token=t0ken"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // The page with the token: sent on without it, with the cookie.
    let page = http
        .get(format!("{base}/?lang=nb&token=t0ken"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/?lang=nb");
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    let port = server.addr.port();
    assert!(
        cookie.starts_with(&format!("roombridge-{port}=t0ken;")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // A wrong token is not turned into a cookie.
    let wrong = http
        .get(format!("{base}/?token=nope"))
        .send()
        .await
        .unwrap();
    assert_ne!(wrong.status(), 303);
    assert!(wrong.headers().get("set-cookie").is_none());

    // The cookie, or a bearer header, opens the API.
    let pair = cookie.split(';').next().unwrap();
    let with_cookie = http
        .get(format!("{base}/api/status"))
        .header("Cookie", format!("other=1; {pair}"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), 200);
    let with_bearer = http
        .get(format!("{base}/api/status"))
        .bearer_auth("t0ken")
        .send()
        .await
        .unwrap();
    assert_eq!(with_bearer.status(), 200);
    let wrong_cookie = http
        .get(format!("{base}/api/status"))
        .header("Cookie", format!("roombridge-{port}=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_cookie.status(), 401);
}

fn config(text: &str) -> setup::LiveConfig {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_configuration_names_its_booking_system_and_the_default_is_the_contract() {
    let secrets = MemorySecrets::default();
    secrets
        .set(SecretName::GraphClientSecret, &Secret::new("s"))
        .unwrap();
    secrets
        .set(SecretName::BookingApiKey, &Secret::new("k"))
        .unwrap();
    let contract = config(
        r#"{"tenant": "t", "client_id": "c", "booking_url": "https://booking.example/api/v1"}"#,
    );
    assert_eq!(contract.booking_system, setup::BookingSystem::RoombridgeApi);
    let built = setup::live_connectors(&contract, &secrets).unwrap();
    assert_eq!(built.booking.source(), roombridge_connectors::Source::Feed);

    let portico = r#"{"tenant": "t", "client_id": "c", "booking_url": "https://aktiv.nordvik.example", "booking_system": "porticoestate"BOOKING_LOGIN}"#;
    let without_login =
        setup::live_connectors(&config(&portico.replace("BOOKING_LOGIN", "")), &secrets);
    let message = without_login.err().unwrap().to_string();
    assert!(message.contains("booking_login"), "{message}");
    let with_login =
        config(&portico.replace("BOOKING_LOGIN", r#", "booking_login": "roombridge""#));
    let missing_password = setup::live_connectors(&with_login, &secrets)
        .err()
        .unwrap()
        .to_string();
    assert!(
        missing_password.contains("PorticoEstate password"),
        "{missing_password}"
    );
    secrets
        .set(SecretName::PorticoPassword, &Secret::new("p"))
        .unwrap();
    let built = setup::live_connectors(&with_login, &secrets).unwrap();
    assert_eq!(
        built.booking.source(),
        roombridge_connectors::Source::Snapshot
    );
}

// ---- PorticoEstate (Aktiv kommune) as the booking system ----

const PORTICO_LOGIN: &str = "roombridge";
const PORTICO_PASSWORD: &str = "portico-e2e-password";

/// PorticoEstate's emulator on loopback, its user allowed `rights`.
async fn portico(rights: Rights, seed: Seed) -> PorticoEmulator {
    PorticoEmulator::start(
        PorticoEmulatorConfig {
            rights,
            seed,
            ..PorticoEmulatorConfig::new(PORTICO_LOGIN, PORTICO_PASSWORD)
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn portico_form(url: String, password: &str) -> BookingForm {
    BookingForm {
        system: setup::BookingSystem::Porticoestate,
        url,
        login: Some(PORTICO_LOGIN.into()),
        password: Some(Secret::new(password)),
        ..BookingForm::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_refuses_a_wrong_password_a_wrong_address_and_missing_rights_with_what_to_fix()
 {
    let s = empty_setup().await;
    let installation = portico(Rights::ALL, Seed::Empty).await;

    // A wrong password: PorticoEstate's 404 on /login, in words.
    let wrong = s
        .wizard
        .check_booking(portico_form(installation.base_url(), "not-the-password"))
        .await
        .unwrap();
    assert!(!wrong.ok);
    assert_eq!(wrong.problem, Some(Problem::Credentials), "{wrong:?}");
    assert!(
        wrong
            .summary
            .contains("PorticoEstate did not accept the user name or password"),
        "{}",
        wrong.summary
    );
    let fix = wrong.fix.unwrap();
    assert!(
        fix.contains("\"roombridge\"") && fix.contains("30 minutes"),
        "{fix}"
    );
    assert!(
        wrong.detail.unwrap().contains("Bad login or password"),
        "PorticoEstate's own words are kept for whoever helps"
    );
    assert!(
        s.secrets
            .get(SecretName::PorticoPassword)
            .unwrap()
            .is_none(),
        "a refused password is not kept"
    );
    assert!(!s.wizard.setup_state().booking_ok);

    // Wrong addresses: nothing answers; not PorticoEstate; plain http to another computer.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let nothing = s
        .wizard
        .check_booking(portico_form(format!("http://{closed}"), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert_eq!(nothing.problem, Some(Problem::Unreachable), "{nothing:?}");
    assert!(nothing.summary.contains("could not reach PorticoEstate"));
    let not_portico = s
        .wizard
        .check_booking(portico_form(s.servers.booking.base_url(), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        not_portico.problem,
        Some(Problem::Address),
        "{not_portico:?}"
    );
    assert!(
        not_portico
            .summary
            .contains("not as PorticoEstate's booking API"),
        "{}",
        not_portico.summary
    );
    let plain_http = s
        .wizard
        .check_booking(portico_form(
            "http://aktiv.nordvik.example".into(),
            PORTICO_PASSWORD,
        ))
        .await
        .unwrap();
    assert_eq!(plain_http.problem, Some(Problem::Address), "{plain_http:?}");
    assert!(plain_http.fix.unwrap().contains("https://"));

    // A user without the rights to add and edit events: which rights, and who grants them.
    let read_only = portico(
        Rights {
            add: false,
            edit: false,
            ..Rights::ALL
        },
        Seed::Empty,
    )
    .await;
    let limited = s
        .wizard
        .check_booking(portico_form(read_only.base_url(), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert_eq!(limited.problem, Some(Problem::Permission), "{limited:?}");
    assert!(
        limited
            .summary
            .contains("may not add events or edit events"),
        "{}",
        limited.summary
    );
    let fix = limited.fix.unwrap();
    assert!(
        fix.contains("PorticoEstate administrator") && fix.contains("Add and Edit"),
        "{fix}"
    );
    assert!(!fix.contains("Read,"), "only the missing rights: {fix}");
    // Without the booking module itself.
    let no_booking = portico(
        Rights {
            run: false,
            ..Rights::ALL
        },
        Seed::Empty,
    )
    .await;
    let outside = s
        .wizard
        .check_booking(portico_form(no_booking.base_url(), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert_eq!(outside.problem, Some(Problem::Permission), "{outside:?}");
    assert!(
        outside.summary.contains("may not use the booking module"),
        "{}",
        outside.summary
    );
    assert!(outside.fix.unwrap().contains("Applications"));
    assert!(
        s.secrets
            .get(SecretName::PorticoPassword)
            .unwrap()
            .is_none()
    );

    // The right password: signed in, resources read, rights checked; the password goes to the
    // keyring and nowhere else.
    let right = s
        .wizard
        .check_booking(portico_form(installation.base_url(), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert!(right.ok, "{right:?}");
    assert_eq!(right.found, DEMO_RESOURCES.len());
    assert!(
        right.summary.contains("add and edit events"),
        "{}",
        right.summary
    );
    assert_eq!(
        s.secrets
            .get(SecretName::PorticoPassword)
            .unwrap()
            .unwrap()
            .expose(),
        PORTICO_PASSWORD
    );
    let state = s.wizard.setup_state();
    assert!(state.booking_ok && state.password_stored);
    assert_eq!(state.booking_system, setup::BookingSystem::Porticoestate);
    assert_eq!(state.booking_login, PORTICO_LOGIN);
    // Tested again with the password field left empty: the stored one is used.
    let again = s
        .wizard
        .check_booking(BookingForm {
            password: None,
            ..portico_form(installation.base_url(), "")
        })
        .await
        .unwrap();
    assert!(again.ok, "{again:?}");
    // No user name: said before anything is sent.
    let no_login = s
        .wizard
        .check_booking(BookingForm {
            login: Some("  ".into()),
            ..portico_form(installation.base_url(), PORTICO_PASSWORD)
        })
        .await
        .unwrap_err();
    assert_eq!(no_login.code, ErrorCode::InvalidInput);
    assert!(
        no_login.message.contains("user name"),
        "{}",
        no_login.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_resources_are_matched_by_name_and_finishing_configures_porticoestate() {
    let s = empty_setup().await;
    let installation = portico(Rights::ALL, Seed::Demo).await;
    let secret = s.servers.client_secret.expose().to_owned();
    assert!(
        s.wizard
            .check_tenant(tenant_form(&s, &secret))
            .await
            .unwrap()
            .ok
    );
    let check = s
        .wizard
        .check_booking(portico_form(installation.base_url(), PORTICO_PASSWORD))
        .await
        .unwrap();
    assert!(check.ok, "{check:?}");

    // PorticoEstate's resources have no e-mail: the rooms match Outlook's by name.
    let found = s.wizard.discover().await.unwrap();
    assert_eq!(found.resources.len(), DEMO_RESOURCES.len());
    let rooms = DEMO_RESOURCES.iter().filter(|r| r.kind == "room").count();
    let by_name: Vec<_> = found
        .resources
        .iter()
        .filter(|r| r.matched_by == Some(MatchedBy::Name))
        .collect();
    assert_eq!(by_name.len(), rooms, "{:?}", found.resources);
    assert!(found.resources.iter().all(|r| r.email.is_none()));

    let choices = by_name
        .iter()
        .map(|r| RoomChoice {
            resource_id: r.id.clone(),
            mailbox: r.mailbox.clone(),
            name: None,
            kind: None,
            time_zone: None,
            policy: None,
        })
        .collect();
    let app = s
        .wizard
        .finish(FinishRequest {
            time_zone: None,
            default_policy: None,
            rooms: choices,
        })
        .await
        .unwrap();
    assert_eq!(app.list_rooms().unwrap().len(), rooms);
    wait_for(90, "every room's first sync from PorticoEstate", || {
        let rooms = app.list_rooms().unwrap();
        rooms.iter().all(|r| r.last_ok_at.is_some()).then_some(())
    })
    .await;

    // config.json names PorticoEstate and the user, never the password.
    let text = std::fs::read_to_string(s.dir.path().join("config.json")).unwrap();
    assert!(
        !text.contains(PORTICO_PASSWORD),
        "the password in config.json"
    );
    let config = setup::LiveConfig::load(s.dir.path()).unwrap();
    assert_eq!(config.booking_system, setup::BookingSystem::Porticoestate);
    assert_eq!(config.booking_login.as_deref(), Some(PORTICO_LOGIN));
    assert_eq!(config.booking_url, installation.base_url());
    assert!(!config.auto_map);
    app.shutdown().await;

    // Without its password, live mode opens the wizard again, prefilled for PorticoEstate.
    s.secrets.delete(SecretName::PorticoPassword).unwrap();
    let Live::Setup(wizard) =
        setup::open_live(s.dir.path(), s.secrets.clone(), EngineConfig::default())
            .await
            .unwrap()
    else {
        panic!("a missing password opens the wizard");
    };
    let state = wizard.setup_state();
    assert_eq!(state.booking_system, setup::BookingSystem::Porticoestate);
    assert_eq!(state.booking_login, PORTICO_LOGIN);
    assert_eq!(state.booking_url, installation.base_url());
    assert!(!state.password_stored && state.client_secret_stored);
}

/// Every resource with its matched mailbox.
async fn all_rooms(s: &Setup) -> Vec<RoomChoice> {
    let found = s.wizard.discover().await.unwrap();
    found
        .resources
        .iter()
        .map(|r| RoomChoice {
            resource_id: r.id.clone(),
            mailbox: r.mailbox.clone(),
            name: None,
            kind: None,
            time_zone: None,
            policy: None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_shows_the_first_syncs_plan_before_anything_is_written() {
    use roombridge_emulators::graph::GraphRoute;
    let s = empty_setup().await;
    connect_both(&s).await;
    let rooms = all_rooms(&s).await;
    let request = || FinishRequest {
        time_zone: Some("Europe/Oslo".into()),
        default_policy: None,
        rooms: rooms.clone(),
    };
    s.servers.graph.reset_stats();

    let preview = s.wizard.preview(request()).await.unwrap();
    assert_eq!(preview.len(), rooms.len(), "one plan per chosen room");
    for room in &preview {
        assert!(room.error.is_none(), "{}: {:?}", room.room_name, room.error);
    }
    let creates = |action: &str| -> usize {
        preview
            .iter()
            .flat_map(|r| &r.plan.steps)
            .filter(|step| step.action == action)
            .count()
    };
    assert!(creates("create_event") > 0, "{preview:#?}");
    assert!(
        preview
            .iter()
            .flat_map(|r| &r.plan.steps)
            .all(|step| !step.title.is_empty()),
        "every step names what it writes: {preview:#?}"
    );
    // The demo's Outlook calendars double-book some reservations: those wait for a person.
    let waiting: usize = preview.iter().map(|r| r.plan.conflicts.len()).sum();
    assert!(waiting > 0, "{preview:#?}");
    assert!(
        preview
            .iter()
            .flat_map(|r| &r.plan.conflicts)
            .all(|c| !c.title.is_empty())
    );

    // Nothing was written: no Outlook write, no configuration, and setup is not finished.
    let stats = s.servers.graph.stats();
    for route in [
        GraphRoute::CreateEvent,
        GraphRoute::UpdateEvent,
        GraphRoute::DeleteEvent,
        GraphRoute::DeclineEvent,
        GraphRoute::CancelEvent,
    ] {
        let sent = stats.sent(route) + stats.batch_requests.get(&route).copied().unwrap_or(0);
        assert_eq!(sent, 0, "{route:?} during the preview");
    }
    assert!(!s.dir.path().join("config.json").exists());

    // The first sync does what the preview said.
    let app = s.wizard.finish(request()).await.unwrap();
    wait_for(90, "every room's first sync", || {
        let rooms = app.list_rooms().unwrap();
        rooms.iter().all(|r| r.last_ok_at.is_some()).then_some(())
    })
    .await;
    let written = app
        .query_history(&roombridge_app::query::HistoryQuery {
            kind: Some("create_event".into()),
            limit: Some(5000),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(written.len(), creates("create_event"));
    let open = app.list_conflicts().unwrap();
    assert_eq!(open.len(), waiting, "{open:#?}");
    app.shutdown().await;
}

/// The wizard answers in the window's language: a Norwegian window (Accept-Language: nb) reads
/// a refused sign-in, what to fix (Entra ID's reason included) and a form error in bokmål; an
/// English one reads them in English, from the same server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_answers_in_the_language_the_window_asks_in() {
    let s = empty_setup().await;
    let server = serve_setup(&s).await;
    let http = reqwest::Client::new();
    let form = serde_json::json!({
        "tenant_id": DEMO_TENANT,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": "not-the-secret",
        "graph_base": s.servers.graph.graph_base(),
        "token_url": s.servers.graph.token_url(),
    });
    let check = |lang: &'static str, form: serde_json::Value| {
        http.post(format!("http://{}/api/setup/tenant", server.addr))
            .bearer_auth("t0ken")
            .header("Accept-Language", lang)
            .json(&form)
            .send()
    };

    let nb: serde_json::Value = check("nb", form.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(nb["ok"], false);
    assert_eq!(nb["summary"], "Microsoft 365 avviste påloggingen (401).");
    let fix = nb["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(&format!(
            "Klienthemmeligheten for applikasjonen {DEMO_CLIENT_ID} er feil."
        )) && fix.ends_with(
            "Sjekk tenant-ID-en, klient-ID-en og klienthemmeligheten (eller sertifikatet)."
        ),
        "{fix}"
    );
    // The service's own words stay as the service said them, for whoever helps.
    assert!(nb["detail"].as_str().unwrap().contains("AADSTS7000215"));

    // A browser's list of languages: the first one RoomBridge speaks.
    let en: serde_json::Value = check("de-DE,en;q=0.8,nb;q=0.5", form.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(en["summary"], "Microsoft 365 refused the sign-in (401).");

    // A form error, refused before any sign-in.
    let mut no_tenant = form.clone();
    no_tenant["tenant_id"] = "".into();
    let refused = check("nb-NO", no_tenant).await.unwrap();
    assert_eq!(refused.status(), 400);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Skriv inn tenant-ID-en"),
        "{body}"
    );
}
