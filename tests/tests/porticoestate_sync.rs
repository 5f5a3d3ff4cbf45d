//! PorticoEstate (Aktiv kommune) synced with Outlook end to end: the real PorticoEstate
//! connector against the PorticoEstate emulator, the real Graph connector against the Graph
//! emulator, a real SQLite file and the real cycle. Allocations reach Outlook, an Outlook
//! meeting becomes a PorticoEstate event, a cancellation in PorticoEstate removes the Outlook
//! event, a lapsed session is renewed, and once settled nothing loops.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Days, DurationRound, Utc};
use roombridge_app::setup::{self, DemoOptions, DemoServers};
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_core::{Mailbox, ResourceId, RoomId, Secret};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};
use roombridge_engine::cycle::{self, CycleMode, CycleReport};
use roombridge_engine::{EngineConfig, EngineContext};
use roombridge_store::rooms::{self, Room};
use roombridge_tests::{OutsideGraph, Seed};
use serde_json::{Value, json};

const MAILBOX: &str = "council-chamber@nordvik.kommune.example";

struct World {
    _dir: tempfile::TempDir,
    _servers: DemoServers,
    portico: PorticoEmulator,
    graph: OutsideGraph,
    context: EngineContext,
    room: Room,
    http: reqwest::Client,
}

fn day(days: i64, hour: i64) -> DateTime<Utc> {
    Utc::now().duration_trunc(Days::days(1)).unwrap() + Days::days(days) + Days::hours(hour)
}

fn oslo(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = setup::open_store(dir.path(), "portico.sqlite").unwrap();
    let (servers, connectors) = DemoServers::start_options(DemoOptions {
        seed: Seed::Empty,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let graph = OutsideGraph::new(&servers).await;
    let portico = PorticoEmulator::start(
        PorticoEmulatorConfig {
            session_timeout: Duration::from_millis(400),
            ..PorticoEmulatorConfig::new("roombridge", "s3cret")
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let booking = Arc::new(
        PorticoConnector::new(
            portico.base_url().parse().unwrap(),
            "roombridge",
            Secret::new("s3cret"),
        )
        .unwrap(),
    );
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
    let (events, _) = tokio::sync::broadcast::channel(256);
    let context = EngineContext::new(
        store,
        connectors.graph.clone(),
        booking,
        EngineConfig {
            series_check_interval: Duration::ZERO,
            ..EngineConfig::default()
        },
        events,
    );
    World {
        _dir: dir,
        _servers: servers,
        portico,
        graph,
        context,
        room,
        http: reqwest::Client::builder()
            .user_agent("a-person")
            .build()
            .unwrap(),
    }
}

impl World {
    async fn cycle(&self) -> CycleReport {
        let report = cycle::run(&self.context, &self.room, CycleMode::Execute).await;
        assert!(report.ok(), "{:?}", report.error);
        report
    }

    /// Cycles until one plans nothing (at most `max`).
    async fn settle(&self, max: usize) {
        for _ in 0..max {
            if self.cycle().await.plan.is_empty() {
                return;
            }
        }
        panic!("still planning after {max} cycles");
    }

    async fn admin(&self, path: &str, body: Value) -> i64 {
        let answer: Value = self
            .http
            .post(format!("{}{path}", self.portico.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["id"].as_i64().unwrap()
    }

    /// The subjects in the room's Outlook calendar, sorted.
    async fn outlook(&self) -> Vec<String> {
        let mut subjects: Vec<String> = self
            .graph
            .events(MAILBOX)
            .await
            .iter()
            .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
            .collect();
        subjects.sort();
        subjects
    }

    /// A person's session in PorticoEstate.
    async fn person(&self) -> String {
        let login = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("login", "roombridge"), ("passwd", "s3cret")])
            .finish();
        let session: Value = self
            .http
            .post(format!("{}/login", self.portico.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(login)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        session["session_id"].as_str().unwrap().to_owned()
    }

    /// `path` in PorticoEstate's API with a person's session.
    fn api(&self, path: &str, session: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{path}{sep}api_mode=1&sessionphpgwsessid={session}",
            self.portico.base_url()
        )
    }

    /// PorticoEstate's schedule of the resource over the next weeks, as a person signed in
    /// there sees it.
    async fn portico_schedule(&self) -> Vec<Value> {
        let session = self.person().await;
        let url = self.api(
            &format!(
                "/booking/resources/1/schedule?start_date={}&end_date={}",
                day(-1, 0).date_naive(),
                day(40, 0).date_naive()
            ),
            &session,
        );
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_and_outlook_converge_both_ways_without_loops() {
    let w = world().await;
    w.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(day(2, 16)), "to_": oslo(day(2, 18)), "organization_name": "Nordvik IL" }),
    )
    .await;
    w.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(day(3, 16)), "to_": oslo(day(3, 18)), "organization_name": "Nordvik (choir)" }),
    )
    .await;
    w.settle(3).await;
    assert_eq!(w.outlook().await, ["Nordvik (choir)", "Nordvik IL"]);

    // A meeting booked in Outlook becomes an event in PorticoEstate, and nothing loops.
    w.graph
        .invite(
            MAILBOX,
            "Budget (2027)",
            day(5, 9),
            day(5, 10),
            "Kari Nordmann",
        )
        .await;
    w.settle(3).await;
    let schedule = w.portico_schedule().await;
    let event = schedule
        .iter()
        .find(|r| r["type"] == "event")
        .expect("the meeting is an event in PorticoEstate");
    assert!(
        event["name"].as_str().unwrap().contains("Budget"),
        "{event}"
    );
    assert_eq!(
        w.outlook().await,
        ["Budget (2027)", "Nordvik (choir)", "Nordvik IL"],
        "the meeting's title is not rewritten by PorticoEstate's escaping"
    );

    // An event made in PorticoEstate reaches Outlook; cancelled there, it leaves Outlook.
    let session = w.person().await;
    let made: Value = w
        .http
        .post(w.api("/booking/resources/1/events", &session))
        .json(&json!({
            "title": "Open day",
            "from_": oslo(day(7, 12)),
            "to_": oslo(day(7, 15)),
            "source": "ui",
            "contact_name": "Ola",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    w.settle(3).await;
    assert!(w.outlook().await.contains(&"Open day".to_owned()));
    let id = made["id"].as_i64().unwrap();
    let cancelled = w
        .http
        .patch(w.api(&format!("/booking/events/{id}/toggle-active"), &session))
        .json(&json!({ "active": 0 }))
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success());
    w.settle(3).await;
    assert!(!w.outlook().await.contains(&"Open day".to_owned()));
    assert_eq!(w.outlook().await.len(), 3);

    // The session lapses between cycles: the connector signs in again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let idle = w.cycle().await;
    assert!(idle.plan.is_empty(), "{}", idle.plan);
}

impl World {
    /// The id of the Outlook event with `subject`.
    async fn outlook_id(&self, subject: &str) -> String {
        self.graph
            .events(MAILBOX)
            .await
            .iter()
            .find(|e| e["subject"] == subject)
            .and_then(|e| e["id"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no Outlook event {subject:?}"))
    }

    fn open_conflicts(&self) -> Vec<roombridge_store::conflicts::StoredConflict> {
        self.context
            .store
            .read(|c| roombridge_store::conflicts::list_open(c, Some(&self.room.id)))
            .unwrap()
    }
}

/// PorticoEstate lets RoomBridge write events only: an Outlook edit or deletion of an
/// allocation's event is never a write that fails every cycle. Under the manual policy it waits
/// as a conflict that says why; under "booking system wins" the allocation goes back to Outlook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outlook_edit_of_an_allocation_waits_or_goes_back_and_never_loops() {
    let w = world().await;
    w.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(day(2, 16)), "to_": oslo(day(2, 18)), "organization_name": "Nordvik IL" }),
    )
    .await;
    w.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo(day(3, 16)), "to_": oslo(day(3, 18)), "organization_name": "Nordvik (choir)" }),
    )
    .await;
    w.settle(3).await;

    // Manual policy: renaming the allocation's event in Outlook is a read-only conflict.
    let football = w.outlook_id("Nordvik IL").await;
    w.graph.rename(MAILBOX, &football, "Football?").await;
    let report = w.cycle().await;
    assert_eq!(report.failed, 0, "{}", report.plan);
    let conflicts = w.open_conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0].kind,
        roombridge_core::plan::ConflictKind::ReadOnly
    );
    // Held: the next cycles write nothing and fail nothing.
    for _ in 0..2 {
        let idle = w.cycle().await;
        assert!(idle.plan.actions.is_empty(), "{}", idle.plan);
        assert_eq!(idle.failed, 0);
    }

    // "Booking system wins": a deleted allocation event comes back.
    w.context
        .store
        .write(|c| {
            rooms::set_policy(
                c,
                &w.room.id,
                Some(roombridge_core::policy::Policy::BookingWins),
            )
        })
        .unwrap();
    let choir = w.outlook_id("Nordvik (choir)").await;
    w.graph.delete(MAILBOX, &choir).await;
    w.settle(3).await;
    assert!(
        w.outlook().await.contains(&"Nordvik (choir)".to_owned()),
        "{:?}",
        w.outlook().await
    );
    // PorticoEstate still holds both allocations as they were.
    let allocations: Vec<String> = w
        .portico_schedule()
        .await
        .iter()
        .filter(|r| r["type"] == "allocation")
        .map(|r| {
            r["organization_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(allocations.len(), 2, "{allocations:?}");
}

/// What RoomBridge wrote reads back as no change on either side, so the cycle after the writes
/// plans nothing. Before: an Outlook meeting's copy in PorticoEstate read back without what
/// PorticoEstate does not keep (the organiser's name, the zone) and was "changed in the booking
/// system", overwriting the meeting in Outlook; and an event written to Outlook without an
/// organisation read back with the room's own name as one, "changed in Outlook", and was
/// written back to PorticoEstate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cycle_after_writing_both_ways_plans_nothing() {
    let w = world().await;
    let session = w.person().await;
    w.http
        .post(w.api("/booking/resources/1/events", &session))
        .json(&json!({
            "title": "Open day",
            "from_": oslo(day(7, 12)),
            "to_": oslo(day(7, 15)),
            "source": "ui",
            "contact_name": "Ola",
        }))
        .send()
        .await
        .unwrap();
    w.graph
        .invite(
            MAILBOX,
            "Team breakfast",
            day(5, 9),
            day(5, 10),
            "Kari Nordmann",
        )
        .await;
    let first = w.cycle().await;
    assert_eq!(first.plan.actions.len(), 2, "{}", first.plan);
    let second = w.cycle().await;
    assert!(second.plan.is_empty(), "{}", second.plan);
    // The meeting in Outlook keeps its organiser.
    let meeting = w.outlook_id("Team breakfast").await;
    let event = w.graph.event(MAILBOX, &meeting).await;
    assert_eq!(
        event["organizer"]["emailAddress"]["name"], "Kari Nordmann",
        "{event}"
    );
}
