//! The booking connector against the real booking emulator over loopback HTTP.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use roombridge_connectors::booking::BookingConnector;
use roombridge_connectors::{Booking, ErrorKind};
use roombridge_core::{
    Content, Level, LinkId, Repeat, ReservationId, ReservationStatus, ResourceId, Secret, When,
};
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

const KEY: &str = "s3cret-booking-key";

struct Fixture {
    emulator: BookingEmulator,
    connector: BookingConnector,
    http: reqwest::Client,
}

impl Fixture {
    async fn start(seed: Seed) -> Fixture {
        let config = BookingEmulatorConfig {
            api_key: KEY.into(),
            seed,
        };
        let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
        let emulator = BookingEmulator::start_at(config, "127.0.0.1:0".parse().unwrap(), today)
            .await
            .unwrap();
        let connector = connector_for(&emulator, KEY);
        Fixture {
            emulator,
            connector,
            http: reqwest::Client::new(),
        }
    }

    /// A call "from the outside" (a user at the booking desk), through the same API.
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.emulator.base_url()))
            .bearer_auth(KEY)
            .json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
        response.json().await.unwrap()
    }

    async fn admin(&self, path: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.emulator.admin_url()))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
}

fn connector_for(emulator: &BookingEmulator, key: &str) -> BookingConnector {
    BookingConnector::new(emulator.base_url().parse().unwrap(), Secret::new(key)).unwrap()
}

fn fjord() -> ResourceId {
    ResourceId::new("res-town-hall-b")
}

fn meeting(title: &str) -> Content {
    Content {
        title: title.into(),
        when: When::Timed {
            start: Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 3, 20, 10, 30, 0).unwrap(),
        },
        time_zone: "Europe/Oslo".into(),
        organisation: "Finance Department".into(),
        description: "Quarterly numbers".into(),
    }
}

fn link() -> LinkId {
    LinkId::new("c:AAMkAGI2")
}

#[tokio::test]
async fn resources_lists_the_demo_rooms_with_their_zones() {
    let f = Fixture::start(Seed::Empty).await;
    let resources = f.connector.resources().await.unwrap();
    assert_eq!(resources.len(), 15);
    let fjord = resources.iter().find(|r| r.id == fjord()).unwrap();
    assert_eq!(fjord.time_zone, "Europe/Oslo");
    assert_eq!(
        fjord.email.as_deref(),
        Some("fjord@nordvik.kommune.example")
    );
    assert_eq!(fjord.kind, "room");
}

#[tokio::test]
async fn changes_follow_every_page_and_return_the_final_cursor() {
    let f = Fixture::start(Seed::Demo).await;
    let gym = ResourceId::new("res-school-gym");
    let small_pages = connector_for(&f.emulator, KEY).with_page_size(3);
    let paged = small_pages.changes(&gym, None).await.unwrap();
    let whole = f.connector.changes(&gym, None).await.unwrap();
    assert!(
        paged.reservations.len() > 10,
        "{}",
        paged.reservations.len()
    );
    assert_eq!(paged.reservations, whole.reservations);
    assert_eq!(paged.cursor, whole.cursor);
    assert!(paged.rejected.is_empty());
    assert!(paged.reservations.iter().all(|r| r.resource == gym));
    assert!(
        paged
            .reservations
            .iter()
            .any(|r| r.level == Level::Booking && r.parent.is_some())
    );
    assert!(
        paged
            .reservations
            .iter()
            .any(|r| r.status == ReservationStatus::Cancelled)
    );

    let again = small_pages
        .changes(&gym, Some(&paged.cursor))
        .await
        .unwrap();
    assert!(again.reservations.is_empty());
    assert_eq!(again.cursor, paged.cursor);
}

#[tokio::test]
async fn demo_all_day_and_recurring_reservations_are_read_as_such() {
    let f = Fixture::start(Seed::Demo).await;
    let gym = f
        .connector
        .changes(&ResourceId::new("res-school-gym"), None)
        .await
        .unwrap();
    let sports_day = gym
        .reservations
        .iter()
        .find(|r| r.content.title == "School sports day")
        .unwrap();
    assert_eq!(
        sports_day.content.when,
        When::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 3, 27).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 3, 28).unwrap(),
        }
    );
    assert_eq!(sports_day.recurrence, None);
    let stage = f
        .connector
        .changes(&ResourceId::new("res-culture-stage"), None)
        .await
        .unwrap();
    let choir = stage
        .reservations
        .iter()
        .find(|r| r.content.title == "Choir rehearsal")
        .unwrap();
    assert_eq!(
        choir.recurrence,
        Some(Repeat {
            rrule: "FREQ=WEEKLY;BYDAY=TH;COUNT=10".into(),
            // Week 1's rehearsal moved to the Friday: an event inside the series.
            exdates: vec![NaiveDate::from_ymd_opt(2026, 3, 26).unwrap()],
        })
    );
    assert_eq!(choir.level, Level::Allocation);
    let moved = stage
        .reservations
        .iter()
        .find(|r| r.parent.as_ref() == Some(&choir.id))
        .unwrap();
    assert_eq!(moved.level, Level::Event);
    assert_eq!(moved.recurrence, None);
    assert_eq!(
        moved.content.when,
        When::Timed {
            start: Utc.with_ymd_and_hms(2026, 3, 27, 18, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 3, 27, 20, 30, 0).unwrap(),
        }
    );

    let music = f
        .connector
        .changes(&ResourceId::new("res-school-music"), None)
        .await
        .unwrap();
    let closure = music
        .reservations
        .iter()
        .find(|r| r.level == Level::Closure)
        .unwrap();
    assert_eq!(closure.content.title, "Floor maintenance");
    assert_eq!(closure.parent, None);
    assert_eq!(
        closure.content.when,
        When::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 4, 11).unwrap(),
        }
    );
}

#[tokio::test]
async fn changes_after_a_cursor_are_only_the_later_ones_including_cancellations() {
    let f = Fixture::start(Seed::Empty).await;
    let first = f.connector.changes(&fjord(), None).await.unwrap();
    assert!(first.reservations.is_empty());

    let created = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    let after_create = f
        .connector
        .changes(&fjord(), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(after_create.reservations, vec![created.clone()]);

    // The booking desk cancels it.
    f.api(
        reqwest::Method::POST,
        &format!("/reservations/{}/cancel", created.id),
        json!({ "note": "Room needed for an inspection." }),
        &[("If-Match", "\"1\"")],
    )
    .await;
    let after_cancel = f
        .connector
        .changes(&fjord(), Some(&after_create.cursor))
        .await
        .unwrap();
    assert_eq!(after_cancel.reservations.len(), 1);
    assert_eq!(
        after_cancel.reservations[0].status,
        ReservationStatus::Cancelled
    );
    assert_eq!(after_cancel.reservations[0].version, 2);
}

#[tokio::test]
async fn create_makes_an_event_from_roombridge_carrying_the_link() {
    let f = Fixture::start(Seed::Empty).await;
    let content = meeting("Budget review");
    let created = f
        .connector
        .create_reservation(&fjord(), &content, &link(), "key-1")
        .await
        .unwrap();
    assert_eq!(created.level, Level::Event);
    assert_eq!(created.resource, fjord());
    assert_eq!(created.content, content);
    assert_eq!(created.version, 1);
    assert_eq!(created.tag, Some(link()));
    assert!(created.is_active() && created.recurrence.is_none() && created.parent.is_none());

    let raw = f
        .api(
            reqwest::Method::GET,
            &format!("/reservations/{}", created.id),
            Value::Null,
            &[],
        )
        .await;
    assert_eq!(raw["source"], "roombridge");
    assert_eq!(raw["external_ref"], "c:AAMkAGI2");
    assert_eq!(raw["start"], "2026-03-20T09:00:00Z");
}

#[tokio::test]
async fn create_retried_with_the_same_key_returns_the_first_reservation() {
    let f = Fixture::start(Seed::Empty).await;
    let content = meeting("Budget review");
    let first = f
        .connector
        .create_reservation(&fjord(), &content, &link(), "key-1")
        .await
        .unwrap();
    let retry = f
        .connector
        .create_reservation(&fjord(), &content, &link(), "key-1")
        .await
        .unwrap();
    assert_eq!(first, retry);
    assert_eq!(
        f.connector
            .changes(&fjord(), None)
            .await
            .unwrap()
            .reservations
            .len(),
        1
    );
}

#[tokio::test]
async fn all_day_content_keeps_its_dates_through_the_booking_system() {
    let f = Fixture::start(Seed::Empty).await;
    let mut content = meeting("Closed for maintenance");
    content.when = When::AllDay {
        start: NaiveDate::from_ymd_opt(2026, 3, 28).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 3, 30).unwrap(),
    };
    let created = f
        .connector
        .create_reservation(&fjord(), &content, &link(), "key-1")
        .await
        .unwrap();
    assert_eq!(created.content.when, content.when);
    let raw = f
        .api(
            reqwest::Method::GET,
            &format!("/reservations/{}", created.id),
            Value::Null,
            &[],
        )
        .await;
    assert_eq!(
        (
            raw["all_day"].clone(),
            raw["start"].clone(),
            raw["end"].clone()
        ),
        (json!(true), json!("2026-03-28"), json!("2026-03-30"))
    );
}

#[tokio::test]
async fn update_at_the_current_version_changes_the_reservation() {
    let f = Fixture::start(Seed::Empty).await;
    let created = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    let mut content = meeting("Budget review, moved");
    content.when = When::Timed {
        start: Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 3, 20, 13, 0, 0).unwrap(),
    };
    let updated = f
        .connector
        .update_reservation(&created.id, created.version, &content)
        .await
        .unwrap();
    assert_eq!(updated.content, content);
    assert_eq!(updated.version, 2);
    // What RoomBridge does not write stays: the link and the level.
    assert_eq!(updated.tag, Some(link()));
    assert_eq!(updated.level, Level::Event);
}

#[tokio::test]
async fn update_at_a_stale_version_is_stale_and_changes_nothing() {
    let f = Fixture::start(Seed::Empty).await;
    let created = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    // Someone at the booking desk edits it first.
    f.api(
        reqwest::Method::PATCH,
        &format!("/reservations/{}", created.id),
        json!({ "title": "Budget review (desk)" }),
        &[("If-Match", "\"1\"")],
    )
    .await;
    let error = f
        .connector
        .update_reservation(&created.id, 1, &meeting("From Outlook"))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Stale);
    assert_eq!(error.status, Some(412));
    let now = f.connector.changes(&fjord(), None).await.unwrap();
    assert_eq!(now.reservations[0].content.title, "Budget review (desk)");
}

#[tokio::test]
async fn cancel_is_a_soft_cancel_with_the_note() {
    let f = Fixture::start(Seed::Empty).await;
    let created = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    let note = "Cancelled in Outlook by the room's owner.";
    let cancelled = f
        .connector
        .cancel_reservation(&created.id, 1, note)
        .await
        .unwrap();
    assert_eq!(cancelled.status, ReservationStatus::Cancelled);
    assert_eq!(cancelled.version, 2);
    let raw = f
        .api(
            reqwest::Method::GET,
            &format!("/reservations/{}", created.id),
            Value::Null,
            &[],
        )
        .await;
    assert_eq!(raw["note"], note);
    let stale = f
        .connector
        .cancel_reservation(&created.id, 1, note)
        .await
        .unwrap_err();
    assert_eq!(stale.kind, ErrorKind::Stale);
}

#[tokio::test]
async fn a_malformed_reservation_in_the_feed_fails_alone() {
    let f = Fixture::start(Seed::Empty).await;
    let good = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    let base = json!({
        "resource_id": "res-town-hall-b", "level": "event", "parent_id": null, "title": "Broken",
        "organisation": "", "description": "", "all_day": false,
        "start": "2026-03-20T09:00:00Z", "end": "2026-03-20T10:00:00Z", "time_zone": "Europe/Oslo",
        "recurrence": null, "status": "active", "note": null, "version": 1,
        "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z", "source": "", "external_ref": null,
    });
    let broken = [
        ("rsv-bad-date", json!({ "start": "20 March" })),
        ("rsv-backwards", json!({ "end": "2026-03-20T08:00:00Z" })),
        ("rsv-bad-level", json!({ "level": "party" })),
        ("rsv-bad-zone", json!({ "time_zone": "Europe/Atlantis" })),
        ("rsv-all-day-instants", json!({ "all_day": true })),
        (
            "rsv-bad-exdate",
            json!({ "recurrence": { "rrule": "FREQ=DAILY;COUNT=3", "exdates": ["21 March"] } }),
        ),
    ];
    for (id, overrides) in &broken {
        let mut raw = base.clone();
        raw["id"] = json!(id);
        for (k, v) in overrides.as_object().unwrap() {
            raw[k] = v.clone();
        }
        f.admin("/raw-reservations", raw).await;
    }
    f.admin(
        "/raw-reservations",
        json!({ "resource_id": "res-town-hall-b", "level": 7 }),
    )
    .await;
    let later = f
        .connector
        .create_reservation(
            &fjord(),
            &meeting("After the broken ones"),
            &link(),
            "key-2",
        )
        .await
        .unwrap();

    let changes = f.connector.changes(&fjord(), None).await.unwrap();
    assert_eq!(changes.reservations, vec![good, later]);
    assert_eq!(changes.rejected.len(), broken.len() + 1);
    for (id, _) in &broken {
        let rejected = changes
            .rejected
            .iter()
            .find(|r| r.id.as_deref() == Some(*id))
            .unwrap();
        assert!(
            rejected.message.contains(id) && rejected.message.contains("skipped"),
            "{}",
            rejected.message
        );
    }
    let backwards = changes
        .rejected
        .iter()
        .find(|r| r.id.as_deref() == Some("rsv-backwards"))
        .unwrap();
    assert!(
        backwards.message.contains("before it starts"),
        "{}",
        backwards.message
    );
    let zone = changes
        .rejected
        .iter()
        .find(|r| r.id.as_deref() == Some("rsv-bad-zone"))
        .unwrap();
    assert!(zone.message.contains("Europe/Atlantis"), "{}", zone.message);
}

#[tokio::test]
async fn a_wrong_api_key_is_an_auth_error_that_does_not_show_the_key() {
    let f = Fixture::start(Seed::Empty).await;
    let wrong = connector_for(&f.emulator, "wrong-key-0123456789");
    let error = wrong.resources().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert_eq!(error.status, Some(401));
    assert!(
        error.message.contains("API key") && error.message.contains("Settings"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("wrong-key-0123456789"));
    assert!(!error.message.contains(KEY));
}

#[tokio::test]
async fn throttling_and_outages_are_transient_and_honour_retry_after() {
    let f = Fixture::start(Seed::Empty).await;
    f.admin("/faults", json!({ "status": 429, "retry_after": 7 }))
        .await;
    let throttled = f.connector.changes(&fjord(), None).await.unwrap_err();
    assert_eq!(
        throttled.kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    f.admin("/faults", json!({ "status": 503 })).await;
    let down = f.connector.resources().await.unwrap_err();
    assert_eq!(down.kind, ErrorKind::Transient { retry_after: None });
    assert_eq!(down.status, Some(503));
    f.admin("/faults", json!({ "status": 504, "retry_after": 1 }))
        .await;
    let gateway = f
        .connector
        .create_reservation(&fjord(), &meeting("x"), &link(), "key-1")
        .await
        .unwrap_err();
    assert!(gateway.is_transient());
    // The fault is used up: the same call now works.
    f.connector
        .create_reservation(&fjord(), &meeting("x"), &link(), "key-1")
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreachable_booking_system_is_transient() {
    let f = Fixture::start(Seed::Empty).await;
    let connector = connector_for(&f.emulator, KEY);
    f.emulator.shutdown().await;
    let error = connector.resources().await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert!(error.message.contains("127.0.0.1"), "{}", error.message);
}

#[tokio::test]
async fn refused_writes_are_permanent_with_the_booking_systems_reason() {
    let f = Fixture::start(Seed::Empty).await;
    let mut backwards = meeting("Backwards");
    backwards.when = When::Timed {
        start: Utc.with_ymd_and_hms(2026, 3, 20, 10, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap(),
    };
    let invalid = f
        .connector
        .create_reservation(&fjord(), &backwards, &link(), "key-1")
        .await
        .unwrap_err();
    assert_eq!(invalid.kind, ErrorKind::Permanent);
    assert_eq!(invalid.status, Some(422));
    assert!(
        invalid.message.contains("end: must be after start"),
        "{}",
        invalid.message
    );

    let unknown_room = f
        .connector
        .create_reservation(
            &ResourceId::new("res-nowhere"),
            &meeting("x"),
            &link(),
            "key-2",
        )
        .await
        .unwrap_err();
    assert_eq!(unknown_room.kind, ErrorKind::Permanent);
    assert!(
        unknown_room.message.contains("res-nowhere"),
        "{}",
        unknown_room.message
    );

    let missing = f
        .connector
        .update_reservation(&ReservationId::new("rsv-gone"), 1, &meeting("x"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::Permanent);
    assert_eq!(missing.status, Some(404));
}

#[tokio::test]
async fn an_unknown_cursor_asks_for_a_resync() {
    let f = Fixture::start(Seed::Empty).await;
    let error = f
        .connector
        .changes(&fjord(), Some("c1.0000000003e8"))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Resync);
}

#[test]
fn the_api_key_never_travels_over_plain_http_to_another_computer() {
    let key = || Secret::new(KEY);
    let refused = BookingConnector::new("http://booking.example/api/v1".parse().unwrap(), key())
        .err()
        .unwrap();
    assert_eq!(refused.kind, ErrorKind::Permanent);
    assert!(refused.message.contains("https://"), "{}", refused.message);
    assert!(
        BookingConnector::new("https://booking.example/api/v1".parse().unwrap(), key()).is_ok()
    );
    assert!(BookingConnector::new("http://localhost:8080/api/v1".parse().unwrap(), key()).is_ok());
    assert!(BookingConnector::new("http://[::1]:8080/api/v1".parse().unwrap(), key()).is_ok());
}

/// A weekly allocation in Fjord made at the booking desk, every Friday 09:00-10:30 UTC from
/// 20 March, already skipping 27 March.
async fn weekly_series(f: &Fixture) -> ReservationId {
    let created = f
        .api(
            reqwest::Method::POST,
            "/reservations",
            json!({
                "resource_id": "res-town-hall-b", "level": "allocation", "title": "Finance weekly",
                "start": "2026-03-20T09:00:00Z", "end": "2026-03-20T10:30:00Z",
                "time_zone": "Europe/Oslo",
                "recurrence": { "rrule": "FREQ=WEEKLY;BYDAY=FR;COUNT=10", "exdates": ["2026-03-27"] },
            }),
            &[("Idempotency-Key", "desk-1")],
        )
        .await;
    ReservationId::new(created["id"].as_str().unwrap())
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

#[tokio::test]
async fn create_override_makes_an_event_inside_the_series_carrying_the_link() {
    let f = Fixture::start(Seed::Empty).await;
    let series = weekly_series(&f).await;
    let mut moved = meeting("Finance weekly (moved)");
    moved.when = When::Timed {
        start: Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 4, 2, 13, 0, 0).unwrap(),
    };
    let created = f
        .connector
        .create_override(&fjord(), &series, &moved, &link(), "key-1")
        .await
        .unwrap();
    assert_eq!(created.level, Level::Event);
    assert_eq!(created.parent, Some(series.clone()));
    assert_eq!(created.tag, Some(link()));
    assert_eq!(created.content, moved);
    assert_eq!(created.recurrence, None);
    assert_eq!(created.version, 1);

    // A retry with the same key creates nothing more.
    let retry = f
        .connector
        .create_override(&fjord(), &series, &moved, &link(), "key-1")
        .await
        .unwrap();
    assert_eq!(retry, created);
    let changes = f.connector.changes(&fjord(), None).await.unwrap();
    assert_eq!(changes.reservations.len(), 2);
    assert_eq!(changes.reservations[1], created);
    let raw = f
        .api(
            reqwest::Method::GET,
            &format!("/reservations/{}", created.id),
            Value::Null,
            &[],
        )
        .await;
    assert_eq!(raw["source"], "roombridge");
    assert_eq!(raw["parent_id"], series.as_str());

    // A parent in another room is refused by the booking system: permanent, with its reason.
    let elsewhere = f
        .connector
        .create_override(
            &ResourceId::new("res-town-hall-c"),
            &series,
            &moved,
            &link(),
            "key-2",
        )
        .await
        .unwrap_err();
    assert_eq!(elsewhere.kind, ErrorKind::Permanent);
    assert_eq!(elsewhere.status, Some(422));
    assert!(
        elsewhere.message.contains("parent_id"),
        "{}",
        elsewhere.message
    );
}

#[tokio::test]
async fn skip_occurrence_adds_the_date_and_keeps_the_rule_and_the_other_dates() {
    let f = Fixture::start(Seed::Empty).await;
    let series = weekly_series(&f).await;
    let cursor = f.connector.changes(&fjord(), None).await.unwrap().cursor;

    let skipped = f
        .connector
        .skip_occurrence(&series, 1, day(4, 10))
        .await
        .unwrap();
    assert_eq!(skipped.version, 2);
    assert_eq!(
        skipped.recurrence,
        Some(Repeat {
            rrule: "FREQ=WEEKLY;BYDAY=FR;COUNT=10".into(),
            exdates: vec![day(3, 27), day(4, 10)],
        })
    );
    // A date before the others is kept in order.
    let earlier = f
        .connector
        .skip_occurrence(&series, 2, day(3, 20))
        .await
        .unwrap();
    assert_eq!(
        earlier.recurrence.as_ref().unwrap().exdates,
        vec![day(3, 20), day(3, 27), day(4, 10)]
    );
    assert_eq!(earlier.content, skipped.content);

    // The change is in the feed like any other.
    let later = f.connector.changes(&fjord(), Some(&cursor)).await.unwrap();
    assert_eq!(later.reservations, vec![earlier.clone()]);

    // Skipping a date that is already skipped changes nothing.
    let again = f
        .connector
        .skip_occurrence(&series, 3, day(4, 10))
        .await
        .unwrap();
    assert_eq!(again, earlier);
}

#[tokio::test]
async fn skip_occurrence_at_a_stale_version_is_stale_and_changes_nothing() {
    let f = Fixture::start(Seed::Empty).await;
    let series = weekly_series(&f).await;
    // Someone at the booking desk renames the series first.
    f.api(
        reqwest::Method::PATCH,
        &format!("/reservations/{series}"),
        json!({ "title": "Finance weekly (desk)" }),
        &[("If-Match", "\"1\"")],
    )
    .await;
    let error = f
        .connector
        .skip_occurrence(&series, 1, day(4, 10))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Stale);
    let now = &f
        .connector
        .changes(&fjord(), None)
        .await
        .unwrap()
        .reservations[0];
    assert_eq!(now.version, 2);
    assert_eq!(now.recurrence.as_ref().unwrap().exdates, vec![day(3, 27)]);
}

#[tokio::test]
async fn skip_occurrence_failures_keep_the_connectors_classification() {
    let f = Fixture::start(Seed::Empty).await;
    let series = weekly_series(&f).await;

    f.admin("/faults", json!({ "status": 503, "retry_after": 2 }))
        .await;
    let down = f
        .connector
        .skip_occurrence(&series, 1, day(4, 10))
        .await
        .unwrap_err();
    assert_eq!(
        down.kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(2))
        }
    );

    let missing = f
        .connector
        .skip_occurrence(&ReservationId::new("rsv-gone"), 1, day(4, 10))
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::Permanent);
    assert_eq!(missing.status, Some(404));

    let single = f
        .connector
        .create_reservation(&fjord(), &meeting("Budget review"), &link(), "key-1")
        .await
        .unwrap();
    let not_recurring = f
        .connector
        .skip_occurrence(&single.id, 1, day(3, 20))
        .await
        .unwrap_err();
    assert_eq!(not_recurring.kind, ErrorKind::Permanent);
    assert!(
        not_recurring.message.contains("does not repeat"),
        "{}",
        not_recurring.message
    );

    // After all that, the series is as it was.
    let now = &f
        .connector
        .changes(&fjord(), None)
        .await
        .unwrap()
        .reservations[0];
    assert_eq!(now.version, 1);
}
