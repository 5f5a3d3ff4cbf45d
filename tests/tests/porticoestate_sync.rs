//! PorticoEstate (Aktiv kommune) synced with Outlook end to end: the real PorticoEstate
//! connector against the PorticoEstate emulator, the real Graph connector against the Graph
//! emulator, a real SQLite file and the real cycle. Allocations reach Outlook, an Outlook
//! meeting becomes a PorticoEstate event, a cancellation in PorticoEstate removes the Outlook
//! event, a lapsed session is renewed, and once settled nothing loops.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use roombridge_app::setup::{self, DemoOptions, DemoServers};
use roombridge_connectors::ConnectorError;
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_core::{
    Content, LinkId, Mailbox, Reservation, ReservationId, ResourceId, RoomId, Secret,
};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};
use roombridge_engine::cycle::{self, CycleMode, CycleReport};
use roombridge_engine::{EngineConfig, EngineContext};
use roombridge_store::rooms::{self, Room};
use roombridge_tests::{OutsideGraph, OutsidePortico, Seed, at, oslo};
use serde_json::{Value, json};

const MAILBOX: &str = "council-chamber@nordvik.kommune.example";

struct World {
    _dir: tempfile::TempDir,
    _servers: DemoServers,
    portico: PorticoEmulator,
    graph: OutsideGraph,
    /// A person at PorticoEstate, signed in as RoomBridge's user.
    person: OutsidePortico,
    context: EngineContext,
    room: Room,
    http: reqwest::Client,
}

/// An event a person makes in PorticoEstate for resource 1: its answer.
async fn person_event(
    person: &OutsidePortico,
    title: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Value {
    person
        .api(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            Some(json!({
                "title": title,
                "from_": oslo(from),
                "to_": oslo(to),
                "source": "ui",
                "contact_name": "Ola",
            })),
        )
        .await
}

/// A person cancels event `id` in PorticoEstate (its `active` flag off).
async fn person_cancels(person: &OutsidePortico, id: i64) {
    let cancelled = person
        .api(
            reqwest::Method::PATCH,
            &format!("/booking/events/{id}/toggle-active"),
            Some(json!({ "active": 0 })),
        )
        .await;
    assert_eq!(cancelled["success"], true, "{cancelled}");
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
        person: OutsidePortico::at(&portico.base_url(), "roombridge", "s3cret"),
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
        self.graph.subjects(MAILBOX).await
    }

    /// A season allocation of resource 1 on day `d`, 16:00 to 18:00 UTC.
    async fn allocation(&self, d: i64, organisation: &str) -> i64 {
        self.admin(
            "/admin/allocations",
            json!({ "resource_ids": [1], "from_": oslo(at(d, 16)), "to_": oslo(at(d, 18)), "organization_name": organisation }),
        )
        .await
    }

    /// PorticoEstate's schedule of the resource over the next weeks, as a person signed in
    /// there sees it.
    async fn portico_schedule(&self) -> Vec<Value> {
        self.person.schedule(1, at(-1, 0), at(40, 0)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_and_outlook_converge_both_ways_without_loops() {
    let w = world().await;
    w.allocation(2, "Nordvik IL").await;
    w.allocation(3, "Nordvik (choir)").await;
    w.settle(3).await;
    assert_eq!(w.outlook().await, ["Nordvik (choir)", "Nordvik IL"]);

    // A meeting booked in Outlook becomes an event in PorticoEstate, and nothing loops.
    w.graph
        .invite(
            MAILBOX,
            "Budget (2027)",
            at(5, 9),
            at(5, 10),
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
    let made = person_event(&w.person, "Open day", (at(7, 12), at(7, 15))).await;
    w.settle(3).await;
    assert!(w.outlook().await.contains(&"Open day".to_owned()));
    let id = made["id"].as_i64().unwrap();
    person_cancels(&w.person, id).await;
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
    w.allocation(2, "Nordvik IL").await;
    w.allocation(3, "Nordvik (choir)").await;
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
    person_event(&w.person, "Open day", (at(7, 12), at(7, 15))).await;
    w.graph
        .invite(
            MAILBOX,
            "Team breakfast",
            at(5, 9),
            at(5, 10),
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

/// The booking side of `World`, with a person booking the room in PorticoEstate right before
/// RoomBridge's create reaches it: a race RoomBridge's reading cannot see.
struct Racing {
    inner: Arc<PorticoConnector>,
    person: OutsidePortico,
    clash: (DateTime<Utc>, DateTime<Utc>),
}

#[async_trait::async_trait]
impl roombridge_connectors::Booking for Racing {
    async fn resources(&self) -> Result<Vec<roombridge_connectors::Resource>, ConnectorError> {
        self.inner.resources().await
    }
    fn source(&self) -> roombridge_connectors::Source {
        self.inner.source()
    }
    fn capabilities(&self) -> roombridge_core::capability::Capabilities {
        self.inner.capabilities()
    }
    async fn snapshot(
        &self,
        resource: &ResourceId,
        window: roombridge_core::SyncWindow,
    ) -> Result<roombridge_connectors::Snapshot, ConnectorError> {
        self.inner.snapshot(resource, window).await
    }
    async fn tag_of(&self, id: &ReservationId) -> Result<Option<LinkId>, ConnectorError> {
        self.inner.tag_of(id).await
    }
    async fn changes(
        &self,
        resource: &ResourceId,
        cursor: Option<&str>,
    ) -> Result<roombridge_connectors::BookingChanges, ConnectorError> {
        self.inner.changes(resource, cursor).await
    }
    async fn create_reservation(
        &self,
        resource: &ResourceId,
        content: &Content,
        link: &LinkId,
        key: &str,
    ) -> Result<Reservation, ConnectorError> {
        let made = person_event(&self.person, "Choir rehearsal", self.clash).await;
        assert!(made["id"].is_i64(), "{made}");
        self.inner
            .create_reservation(resource, content, link, key)
            .await
    }
    async fn update_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        content: &Content,
    ) -> Result<Reservation, ConnectorError> {
        self.inner.update_reservation(id, version, content).await
    }
    async fn create_override(
        &self,
        resource: &ResourceId,
        parent: &ReservationId,
        content: &Content,
        link: &LinkId,
        key: &str,
    ) -> Result<Reservation, ConnectorError> {
        self.inner
            .create_override(resource, parent, content, link, key)
            .await
    }
    async fn skip_occurrence(
        &self,
        id: &ReservationId,
        version: i64,
        date: chrono::NaiveDate,
    ) -> Result<Reservation, ConnectorError> {
        self.inner.skip_occurrence(id, version, date).await
    }
    async fn cancel_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        note: &str,
    ) -> Result<Reservation, ConnectorError> {
        self.inner.cancel_reservation(id, version, note).await
    }
}

/// PorticoEstate refuses a create with 409 when another event holds the time. That is a double
/// booking: the cycle does not count it as a broken item, and the next reading shows it as a
/// double-booking conflict, which the room's policy resolves like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_from_porticoestate_becomes_a_double_booking_conflict() {
    let mut w = world().await;
    let (start, end) = (at(5, 9), at(5, 10));
    w.context.booking = Arc::new(Racing {
        inner: Arc::new(
            PorticoConnector::new(
                w.portico.base_url().parse().unwrap(),
                "roombridge",
                Secret::new("s3cret"),
            )
            .unwrap(),
        ),
        person: OutsidePortico::at(&w.portico.base_url(), "roombridge", "s3cret"),
        clash: (start, end),
    });
    w.graph
        .invite(MAILBOX, "Budget meeting", start, end, "Kari Nordmann")
        .await;
    let raced = cycle::run(&w.context, &w.room, CycleMode::Execute).await;
    assert_eq!(raced.failed, 1, "{}", raced.plan);
    let history = w
        .context
        .store
        .read(|c| roombridge_store::history::list(c, Some(&w.room.id), 50))
        .unwrap();
    assert!(
        history.iter().any(|h| h.detail.contains("double booking")),
        "{history:#?}"
    );

    let next = w.cycle().await;
    assert_eq!(next.failed, 0, "{}", next.plan);
    let conflicts = w.open_conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0].kind,
        roombridge_core::plan::ConflictKind::Overlap
    );
    // PorticoEstate holds the person's booking only; Outlook keeps the meeting for a decision.
    let names: Vec<String> = w
        .portico_schedule()
        .await
        .iter()
        .filter(|r| r["type"] == "event")
        .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["Choir rehearsal"]);
    assert!(w.outlook().await.contains(&"Budget meeting".to_owned()));
}

/// PorticoEstate failing (a gateway's 503, its own HTML error page with status 200, a session
/// that lapses in the middle) fails the cycle that met it and loses nothing: an error page is
/// never read as an empty schedule, which would cancel every Outlook event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porticoestate_failing_fails_the_cycle_and_loses_nothing() {
    let w = world().await;
    for d in 2..5 {
        w.allocation(d, &format!("Club {d}")).await;
    }
    w.settle(3).await;
    assert_eq!(w.outlook().await.len(), 3);
    for fault in [
        json!({ "kind": "html" }),
        json!({ "kind": "status", "status": 503 }),
        json!({ "kind": "status", "status": 500 }),
    ] {
        let answer = w
            .http
            .post(format!("{}/admin/faults", w.portico.base_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
        let failed = cycle::run(&w.context, &w.room, CycleMode::Execute).await;
        assert!(
            !failed.ok(),
            "{fault}: the cycle must fail, not read nothing"
        );
        assert_eq!(w.outlook().await.len(), 3, "{fault}");
    }
    // The session lapses too; the next cycle signs in again and finds nothing to do.
    let _ = w
        .http
        .post(format!("{}/admin/sessions/expire", w.portico.base_url()))
        .send()
        .await
        .unwrap();
    let back = w.cycle().await;
    assert!(back.plan.is_empty(), "{}", back.plan);
    assert_eq!(w.outlook().await.len(), 3);
}

/// PorticoEstate's schedule shows only what is active in the window asked for: a reservation
/// that leaves the window is not a cancellation (its Outlook event stays), one that disappears
/// inside it is (its Outlook event goes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_window_is_not_a_cancellation_disappearing_inside_it_is() {
    let w = world().await;
    w.allocation(20, "Far away").await;
    let near = person_event(&w.person, "Near", (at(3, 12), at(3, 13))).await;
    w.settle(3).await;
    assert_eq!(w.outlook().await, ["Far away", "Near"]);

    // The window shrinks to ten days ahead: "Far away" leaves it and is not cancelled.
    w.context
        .store
        .write(|c| {
            roombridge_store::settings::set_window(
                c,
                roombridge_store::settings::Window {
                    days_back: 7,
                    days_ahead: 10,
                },
            )
        })
        .unwrap();
    let shrunk = w.cycle().await;
    assert!(
        !shrunk.plan.to_string().contains("delete_event"),
        "{}",
        shrunk.plan
    );
    assert_eq!(w.outlook().await, ["Far away", "Near"]);

    // "Near" is cancelled in PorticoEstate, inside the window: its Outlook event goes.
    let id = near["id"].as_i64().unwrap();
    person_cancels(&w.person, id).await;
    w.settle(3).await;
    assert_eq!(w.outlook().await, ["Far away"]);
}
