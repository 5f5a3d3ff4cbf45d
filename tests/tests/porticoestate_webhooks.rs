//! PorticoEstate's webhooks end to end: the running app (real engine, real actors, a real
//! SQLite file) serves its HTTP server on loopback, subscribes to the PorticoEstate emulator
//! with fresh keys (after deleting an earlier run's subscriptions for the same address), and a
//! change made in PorticoEstate's own UI reaches Outlook (the Graph emulator) through the
//! webhook long before the next timed cycle. A delivery with a bad signature changes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use roombridge_app::App;
use roombridge_app::http::{self, HttpOptions, HttpServer};
use roombridge_app::setup::{self, BookingSystem, DemoOptions, DemoServers};
use roombridge_app::views::Mode;
use roombridge_app::webhooks::WebhookOptions;
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_connectors::porticoestate::webhooks;
use roombridge_core::{Mailbox, ResourceId, RoomId, Secret};
use roombridge_engine::EngineConfig;
use roombridge_store::rooms::{self, Room};
use roombridge_tests::{OutsideGraph, OutsidePortico, Seed, at, oslo};
use serde_json::{Value, json};

const MAILBOX: &str = "council-chamber@nordvik.kommune.example";

/// Far longer than the test: only a webhook (or the start-up cycle) makes a room sync.
const POLL: Duration = Duration::from_secs(3600);

struct World {
    _dir: tempfile::TempDir,
    servers: DemoServers,
    graph: OutsideGraph,
    app: Arc<App>,
    server: HttpServer,
    http: reqwest::Client,
}

impl World {
    fn portico(&self) -> String {
        self.servers.portico.as_ref().unwrap().base_url()
    }

    fn hook_url(&self) -> String {
        format!("http://{}/hooks/porticoestate", self.server.addr)
    }

    /// A change made in PorticoEstate's own UI (which notifies), or an admin read.
    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.http
            .request(method, format!("{}{path}", self.portico()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// A person signed in to PorticoEstate's API calls `path`.
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        OutsidePortico::new(&self.servers)
            .api(method, path, body)
            .await
    }

    async fn outlook(&self) -> Vec<String> {
        self.graph.subjects(MAILBOX).await
    }

    /// Waits (polling, at most `timeout`) until Outlook shows `subject`; answers how long.
    async fn until_in_outlook(&self, subject: &str, timeout: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if self.outlook().await.iter().any(|s| s == subject) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < timeout,
                "{subject:?} did not reach Outlook within {timeout:?}: {:?}",
                self.outlook().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn deliveries(&self) -> Vec<Value> {
        self.admin(reqwest::Method::GET, "/admin/deliveries", Value::Null)
            .await["deliveries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The subscriptions PorticoEstate holds for RoomBridge's address.
    async fn subscriptions_for_us(&self) -> Vec<Value> {
        let url = self.hook_url();
        self.api(
            reqwest::Method::GET,
            "/booking/webhooks/subscriptions",
            None,
        )
        .await["subscriptions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s["webhook_url"] == url.as_str())
            .collect()
    }
}

/// The app on the PorticoEstate emulator with the council chamber mapped, its HTTP server
/// up, and its webhooks on (renewed every `renew_every`), once the start-up cycle is done.
async fn world(renew_every: Duration) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = setup::open_store(dir.path(), "hooks.sqlite").unwrap();
    let (servers, connectors) = DemoServers::start_options(DemoOptions {
        seed: Seed::Empty,
        booking_system: BookingSystem::Porticoestate,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let room = Room {
        id: RoomId::new("1"),
        name: "Council Chamber".into(),
        kind: "room".into(),
        mailbox: Mailbox::new(MAILBOX),
        resource: ResourceId::new("1"),
        time_zone: "Europe/Oslo".into(),
        paused: false,
    };
    store
        .write(|c| rooms::upsert(c, &room, Utc::now()))
        .unwrap();
    let app = setup::start_app(
        store,
        connectors,
        EngineConfig {
            poll_interval: Some(POLL),
            series_check_interval: Duration::ZERO,
            ..EngineConfig::default()
        },
        Mode::Demo,
        Vec::new(),
    )
    .await
    .unwrap();
    let server = http::serve(
        app.clone(),
        HttpOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            ui_dir: dir.path().join("no-ui"),
            token: setup::random_token(),
        },
    )
    .await
    .unwrap();
    let w = World {
        _dir: dir,
        servers,
        graph,
        app,
        server,
        http: reqwest::Client::builder()
            .user_agent("a-person")
            .build()
            .unwrap(),
    };
    // An earlier run's subscription for the same address, whose keys died with it.
    let stale = w
        .api(
            reqwest::Method::POST,
            "/booking/webhooks/subscriptions",
            Some(json!({
                "webhook_url": w.hook_url(),
                "calendar_id": 1,
                "client_state": "old",
                "secretKey": "old",
            })),
        )
        .await;
    assert_eq!(stale["success"], true, "{stale}");

    // The start-up cycle runs first (the room has nothing yet).
    let start = Instant::now();
    while w
        .app
        .list_rooms()
        .unwrap()
        .iter()
        .any(|r| r.last_ok_at.is_none())
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no start-up cycle"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let connector = PorticoConnector::new(
        w.portico().parse().unwrap(),
        setup::DEMO_PORTICO_LOGIN,
        Secret::new(w.servers.api_key.expose()),
    )
    .unwrap();
    w.app.start_webhooks(
        Arc::new(connector),
        WebhookOptions {
            renew_every,
            check_rooms_every: Duration::from_millis(200),
            retry_after: Duration::from_millis(200),
            ..WebhookOptions::new(w.hook_url().parse().unwrap())
        },
    );
    let start = Instant::now();
    while w.app.webhook_subscriptions().await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never subscribed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_porticoestates_ui_reaches_outlook_through_the_webhook() {
    let w = world(Duration::from_secs(3600)).await;
    // One subscription for the address: the earlier run's is gone, ours filters on the room's
    // resource.
    let ours = w.subscriptions_for_us().await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["resource_id"], 1);
    assert_eq!(
        w.app.webhook_subscriptions().await[0].1,
        ours[0]["subscription_id"].as_str().unwrap()
    );

    w.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(at(2, 16)), "to_": oslo(at(2, 18)), "organization_name": "Nordvik IL" }),
    )
    .await;
    let took = w
        .until_in_outlook("Nordvik IL", Duration::from_secs(20))
        .await;
    assert!(took < POLL / 10, "{took:?}");
    let deliveries = w.deliveries().await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0]["http_status_code"], 204);

    // An edit in the UI too; a cancellation there (left inactive: `deleted`) removes it.
    let id = deliveries[0]["entity_id"].as_i64().unwrap();
    w.admin(
        reqwest::Method::PATCH,
        &format!("/admin/allocations/{id}"),
        json!({ "organization_name": "Nordvik IL (fotball)" }),
    )
    .await;
    w.until_in_outlook("Nordvik IL (fotball)", Duration::from_secs(20))
        .await;
    w.admin(
        reqwest::Method::PATCH,
        &format!("/admin/allocations/{id}"),
        json!({ "active": false }),
    )
    .await;
    let start = Instant::now();
    while !w.outlook().await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            w.outlook().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_with_a_bad_signature_or_client_state_changes_nothing() {
    let w = world(Duration::from_secs(3600)).await;
    // A change PorticoEstate does not notify (a REST write): only a sync would show it.
    let made = w
        .api(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            Some(json!({
                "title": "Open day",
                "from_": oslo(at(7, 12)),
                "to_": oslo(at(7, 15)),
                "source": "rest",
                "contact_name": "Ola",
            })),
        )
        .await;
    let event = made["id"].as_i64().unwrap();
    assert!(w.deliveries().await.is_empty());
    let subscription = w.app.webhook_subscriptions().await[0].1.clone();
    let forged = serde_json::to_vec(&json!({ "value": [{
        "subscription_id": subscription,
        "change_type": "created",
        "entity_type": "event",
        "resource_id": 1,
        "entityId": event,
        "entity_data": {},
        "clientState": "a-guess",
        "timestamp": "2026-12-06T16:00:00Z",
        "resources": ["1"],
    }]}))
    .unwrap();
    // Signed, with a guessed secret.
    let wrong_key = webhooks::signature_for(
        &forged,
        &webhooks::WebhookKeys::new(Secret::new("a-guess"), Secret::new("a-guess")),
    );
    let history_before = w.app.list_history(Some(1000), None).unwrap().len();
    for signature in [None, Some(wrong_key.as_str()), Some("sha256=00")] {
        let mut request = w
            .http
            .post(w.hook_url())
            // A reverse proxy that keeps the public name.
            .header("host", "rb.nordvik.example")
            .header("content-type", "application/json")
            .body(forged.clone());
        if let Some(signature) = signature {
            request = request.header("X-Booking-Signature", signature);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(
            answer.status(),
            reqwest::StatusCode::UNAUTHORIZED,
            "{signature:?}"
        );
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
    }
    // Nothing was synced: a room that had been asked would have shown the event within
    // moments (the good delivery below does). A fixed wait, since this proves an absence.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(w.outlook().await.is_empty(), "{:?}", w.outlook().await);
    assert_eq!(
        w.app.list_history(Some(1000), None).unwrap().len(),
        history_before,
        "no cycle ran"
    );

    // A genuine delivery (a UI change) syncs the room, and with it the event above.
    w.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(at(2, 16)), "to_": oslo(at(2, 18)), "organization_name": "Nordvik IL" }),
    )
    .await;
    w.until_in_outlook("Open day", Duration::from_secs(20))
        .await;
    assert!(w.outlook().await.contains(&"Nordvik IL".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_renewed_even_after_they_expired() {
    let w = world(Duration::from_millis(300)).await;
    // 30 days go by: PorticoEstate delivers nothing to an expired subscription...
    w.admin(reqwest::Method::POST, "/admin/webhooks/expire", json!({}))
        .await;
    // ...until RoomBridge renews it, counting from now.
    let start = Instant::now();
    loop {
        let ours = w.subscriptions_for_us().await;
        let expires = chrono::NaiveDateTime::parse_from_str(
            ours[0]["expires_at"].as_str().unwrap(),
            "%Y-%m-%d %H:%M:%S",
        )
        .unwrap();
        let now = Utc::now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .naive_local();
        if expires - now > Days::days(29) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not renewed: {ours:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        w.subscriptions_for_us().await.len(),
        1,
        "renewed, not doubled"
    );
    w.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(at(3, 16)), "to_": oslo(at(3, 18)), "organization_name": "Nordvik (kor)" }),
    )
    .await;
    w.until_in_outlook("Nordvik (kor)", Duration::from_secs(20))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_mapped_or_removed_while_running_is_subscribed_or_left() {
    let w = world(Duration::from_secs(3600)).await;
    let library = Room {
        id: RoomId::new("2"),
        name: "Library".into(),
        kind: "room".into(),
        mailbox: Mailbox::new("library@nordvik.kommune.example"),
        resource: ResourceId::new("2"),
        time_zone: "Europe/Oslo".into(),
        paused: false,
    };
    w.app
        .store()
        .write(|c| rooms::upsert(c, &library, Utc::now()))
        .unwrap();
    let start = Instant::now();
    while w.app.webhook_subscriptions().await.len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the new room was not subscribed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resources: Vec<Value> = w
        .subscriptions_for_us()
        .await
        .iter()
        .map(|s| s["resource_id"].clone())
        .collect();
    assert_eq!(resources.len(), 2, "{resources:?}");
    assert!(resources.contains(&json!(2)), "{resources:?}");

    w.app
        .store()
        .write(|c| rooms::remove(c, &library.id))
        .unwrap();
    let start = Instant::now();
    while w.subscriptions_for_us().await.len() != 1 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the removed room kept its subscription"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.app.webhook_subscriptions().await.len(), 1);
}
