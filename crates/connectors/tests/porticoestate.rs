//! The PorticoEstate connector against the PorticoEstate emulator (which shares no code with
//! it): signing in and again when the session lapses, resources, the schedule read as a
//! snapshot, event writes in Oslo local time, and what it refuses.

use std::time::Duration;

use chrono::{DateTime, Duration as Days, DurationRound, Utc};
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_connectors::{Booking, ErrorKind, Source};
use roombridge_core::content::{Content, When};
use roombridge_core::reservation::{Level, ReservationStatus};
use roombridge_core::{LinkId, ReservationId, ResourceId, Secret, SyncWindow};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};
use serde_json::json;

async fn emulator(timeout: Duration) -> PorticoEmulator {
    PorticoEmulator::start(
        PorticoEmulatorConfig {
            session_timeout: timeout,
            ..PorticoEmulatorConfig::new("roombridge", "s3cret")
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap()
}

fn connector(emulator: &PorticoEmulator, password: &str) -> PorticoConnector {
    PorticoConnector::new(
        emulator.base_url().parse().unwrap(),
        "roombridge",
        Secret::new(password),
    )
    .unwrap()
}

fn day(days: i64, hour: i64) -> DateTime<Utc> {
    Utc::now().duration_trunc(Days::days(1)).unwrap() + Days::days(days) + Days::hours(hour)
}

fn window() -> SyncWindow {
    SyncWindow::around(Utc::now(), 7, 60)
}

fn content(title: &str, days: i64) -> Content {
    Content {
        title: title.into(),
        when: When::Timed {
            start: day(days, 9),
            end: day(days, 10),
        },
        time_zone: "Europe/Oslo".into(),
        organisation: "Nordvik".into(),
        description: String::new(),
    }
}

async fn admin(emulator: &PorticoEmulator, path: &str, body: serde_json::Value) -> i64 {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}{path}", emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id"].as_i64().unwrap()
}

fn oslo_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn it_lists_resources_and_reads_the_schedule_as_a_snapshot_with_levels_and_parents() {
    let e = emulator(Duration::from_secs(1440)).await;
    let c = connector(&e, "s3cret");
    assert_eq!(c.source(), Source::Snapshot);
    let resources = c.resources().await.unwrap();
    assert_eq!(resources.len(), 15, "every page followed");
    assert_eq!(resources[0].id.as_str(), "1");
    assert_eq!(resources[0].time_zone, "Europe/Oslo");

    let allocation = admin(
        &e,
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": oslo_local(day(2, 16)), "to_": oslo_local(day(2, 19)), "organization_name": "Nordvik IL" }),
    )
    .await;
    admin(
        &e,
        "/admin/bookings",
        json!({ "resource_ids": [1], "allocation_id": allocation, "from_": oslo_local(day(2, 16)), "to_": oslo_local(day(2, 17)), "group_name": "G12" }),
    )
    .await;
    let snapshot = c.snapshot(&ResourceId::new("1"), window()).await.unwrap();
    assert!(snapshot.rejected.is_empty(), "{:?}", snapshot.rejected);
    let rows: Vec<(&str, Level, Option<&str>)> = snapshot
        .reservations
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.level,
                r.parent.as_ref().map(|p| p.as_str()),
            )
        })
        .collect();
    let allocation_id = format!("allocation-{allocation}");
    assert_eq!(rows[0], (allocation_id.as_str(), Level::Allocation, None));
    assert_eq!(rows[1].1, Level::Booking);
    assert_eq!(rows[1].2, Some(allocation_id.as_str()));
    let a = &snapshot.reservations[0];
    assert_eq!(a.content.title, "Nordvik IL");
    assert_eq!(
        a.content.when,
        When::Timed {
            start: day(2, 16),
            end: day(2, 19)
        },
        "local times read back as the instants they are"
    );
}

#[tokio::test]
async fn events_are_written_in_oslo_time_updated_and_cancelled_and_the_rest_is_refused() {
    let e = emulator(Duration::from_secs(1440)).await;
    let c = connector(&e, "s3cret");
    let resource = ResourceId::new("1");
    let made = c
        .create_reservation(
            &resource,
            &content("Board meeting", 3),
            &LinkId::new("l-1"),
            "k",
        )
        .await
        .unwrap();
    assert!(made.id.as_str().starts_with("event-"));
    let snapshot = c.snapshot(&resource, window()).await.unwrap();
    let event = snapshot
        .reservations
        .iter()
        .find(|r| r.id == made.id)
        .expect("the new event is in the schedule");
    assert_eq!(event.content.title, "Board meeting");
    assert_eq!(
        event.content.when,
        content("x", 3).when,
        "the same instants, whatever the season"
    );

    let clash = c
        .create_reservation(&resource, &content("Clash", 3), &LinkId::new("l-2"), "k2")
        .await
        .unwrap_err();
    assert_eq!(clash.status, Some(409));
    // Not a failure of the item: RoomBridge's reading is stale, and the next one shows the
    // clash as a double booking.
    assert_eq!(clash.kind, roombridge_connectors::ErrorKind::Stale);
    assert!(
        clash.message.contains("already booked"),
        "{}",
        clash.message
    );

    let moved = c
        .update_reservation(&made.id, 0, &content("Board meeting (moved)", 4))
        .await
        .unwrap();
    assert_eq!(moved.content.title, "Board meeting (moved)");
    let cancelled = c
        .cancel_reservation(&made.id, 0, "Cancelled in Outlook")
        .await
        .unwrap();
    assert_eq!(cancelled.status, ReservationStatus::Cancelled);
    let snapshot = c.snapshot(&resource, window()).await.unwrap();
    assert!(
        snapshot.reservations.iter().all(|r| r.id != made.id),
        "gone once cancelled"
    );

    let refused = c
        .cancel_reservation(&ReservationId::new("allocation-1"), 0, "no")
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Permanent);
    assert!(
        refused.message.contains("season planning"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn a_lapsed_session_is_renewed_and_a_wrong_password_says_what_to_check() {
    let e = emulator(Duration::from_millis(200)).await;
    let c = connector(&e, "s3cret");
    c.resources().await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    c.resources()
        .await
        .expect("signs in again when the session lapsed");

    let wrong = connector(&e, "not-it");
    let error = wrong.resources().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert!(
        error.message.contains("Bad login or password"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains("not-it"),
        "the password never appears"
    );
}

/// Kept alive, a session outlives PorticoEstate's idle limit: RoomBridge signs in once.
#[tokio::test]
async fn a_session_kept_alive_does_not_lapse() {
    let e = emulator(Duration::from_millis(300)).await;
    let c = connector(&e, "s3cret");
    c.keep_alive().await.expect("nothing to keep alive yet");
    c.resources().await.unwrap();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(120)).await;
        c.keep_alive().await.unwrap();
    }
    c.resources().await.unwrap();
    let sessions: serde_json::Value = reqwest::get(format!("{}/admin/sessions", e.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["logins"], 1, "{sessions}");

    // Lapsed anyway (the server restarted): keep-alive lets go of it, the next call signs in.
    reqwest::Client::new()
        .post(format!("{}/admin/sessions/expire", e.base_url()))
        .send()
        .await
        .unwrap();
    c.keep_alive().await.unwrap();
    c.resources().await.unwrap();
    let sessions: serde_json::Value = reqwest::get(format!("{}/admin/sessions", e.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["logins"], 2, "{sessions}");
}

#[test]
fn a_plain_http_address_elsewhere_is_refused() {
    let refused = PorticoConnector::new(
        "http://booking.nordvik.example/".parse().unwrap(),
        "roombridge",
        Secret::new("x"),
    );
    assert!(refused.is_err());
}

/// What the connector says it wrote is what it reads back, so that RoomBridge's own writes
/// never look like edits made in PorticoEstate: titles PorticoEstate's sanitiser escapes
/// (`; ( ) = --`, HTML), descriptions it does not show, an all-day Outlook event written as
/// midnight to midnight in Oslo.
#[tokio::test]
async fn what_it_writes_reads_back_unchanged_escaped_titles_and_all_day_events_included() {
    let e = emulator(Duration::from_secs(1440)).await;
    let c = connector(&e, "s3cret");
    let resource = ResourceId::new("2");
    let mut tricky = content("Quiz (final); a=b -- <b>Kari's</b> & co", 5);
    tricky.description = "Bring pencils".into();
    let mut all_day = content("Closed for cleaning", 6);
    let date = day(6, 0)
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive();
    all_day.when = When::AllDay {
        start: date,
        end: date.succ_opt().unwrap(),
    };
    for (i, written) in [tricky, all_day].iter().enumerate() {
        let made = c
            .create_reservation(&resource, written, &LinkId::new(format!("l-{i}")), "k")
            .await
            .unwrap();
        let snapshot = c.snapshot(&resource, window()).await.unwrap();
        let read = snapshot
            .reservations
            .iter()
            .find(|r| r.id == made.id)
            .expect("the event is in the schedule");
        assert_eq!(read.content, made.content, "{:?}", written.title);
        assert_eq!(read.content.title, written.title.trim());
    }
}

/// PorticoEstate answers an error inside it with an HTML page and status 200; a gateway in
/// front of it answers 502/503. Both are passing failures to retry, never data.
#[tokio::test]
async fn an_error_page_with_status_200_and_a_gateway_error_are_transient_not_data() {
    let e = emulator(Duration::from_secs(1440)).await;
    let c = connector(&e, "s3cret");
    let resource = ResourceId::new("1");
    c.snapshot(&resource, window()).await.unwrap();
    reqwest::Client::new()
        .post(format!("{}/admin/faults", e.base_url()))
        .json(&json!({ "kind": "html", "count": 1 }))
        .send()
        .await
        .unwrap();
    let page = c.snapshot(&resource, window()).await.unwrap_err();
    assert!(matches!(page.kind, ErrorKind::Transient { .. }), "{page:?}");
    assert!(
        page.message.contains("a page instead of data"),
        "{}",
        page.message
    );
    reqwest::Client::new()
        .post(format!("{}/admin/faults", e.base_url()))
        .json(&json!({ "kind": "status", "status": 503, "count": 1 }))
        .send()
        .await
        .unwrap();
    let gateway = c.snapshot(&resource, window()).await.unwrap_err();
    assert!(
        matches!(gateway.kind, ErrorKind::Transient { .. }),
        "{gateway:?}"
    );
    assert_eq!(gateway.status, Some(503));
    c.snapshot(&resource, window())
        .await
        .expect("and then it works again");
}
