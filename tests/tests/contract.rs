//! The sync contract end to end, through both emulators, a real SQLite file and the real
//! actors: conflict policies, people's decisions, double bookings, all-day reservations.

use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use roombridge_core::policy::{Choice, FieldOwnership, Policy};
use roombridge_core::{RoomId, Side};
use roombridge_emulators::graph::GraphRoute;
use roombridge_store::{conflicts, history, settings};
use roombridge_tests::{Harness, active_titles, at, subjects};

const GYM: &str = "res-school-gym";
/// Rooms are keyed by their booking resource.
const GYM_ROOM: &str = GYM;
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

fn set_policy(h: &Harness, policy: Policy) {
    h.app
        .store()
        .write(|c| settings::set_default_policy(c, policy))
        .unwrap();
}

fn active(reservations: &[Value]) -> Vec<Value> {
    reservations
        .iter()
        .filter(|r| r["status"] == "active")
        .cloned()
        .collect()
}

fn history_of(h: &Harness, kind: &str) -> Vec<history::Entry> {
    h.app
        .store()
        .read(|c| history::list(c, None, 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.as_str() == kind)
        .collect()
}

/// Both sides hold one synced reservation; returns (reservation id, event id).
async fn one_synced(h: &Harness, title: &str) -> (String, String) {
    let id = h.booking.create(GYM, title, at(3, 17), at(3, 19)).await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    let event = events
        .iter()
        .find(|e| e["subject"] == title)
        .expect("synced event")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, event)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_policy_holds_an_edit_conflict_until_a_decision_which_is_applied_and_audited() {
    let h = Harness::start().await;
    let (id, event) = one_synced(&h, "Choir rehearsal").await;

    h.booking.rename(&id, "Choir rehearsal (booking)").await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Choir rehearsal (outlook)")
        .await;
    h.cycle().await;
    // Held: neither side was overwritten, and the cycle after plans nothing new.
    let open = h.app.list_conflicts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Choir rehearsal (outlook)"]
    );
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Choir rehearsal (booking)"]
    );
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.actions.is_empty()));

    // A person keeps Outlook's title.
    let stored = h
        .app
        .store()
        .read(|c| conflicts::list_open(c, None))
        .unwrap();
    h.app
        .store()
        .write(|c| {
            conflicts::decide(
                c,
                stored[0].id,
                Choice::KeepCalendar,
                "kari",
                "Outlook has the right name",
                Utc::now(),
            )
            .map(|r| r.expect("decision recorded"))
        })
        .unwrap();
    h.settle(4).await;
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Choir rehearsal (outlook)"]
    );
    assert!(h.app.list_conflicts().unwrap().is_empty());
    let decided = history_of(&h, "conflict_decided");
    assert_eq!(decided.len(), 1);
    assert!(
        decided[0].detail.contains("kari") && decided[0].detail.contains("Outlook has the right"),
        "{}",
        decided[0].detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_wins_resolves_an_edit_conflict_by_itself() {
    let h = Harness::start().await;
    set_policy(&h, Policy::CalendarWins);
    let (id, event) = one_synced(&h, "Chess club").await;
    h.booking.rename(&id, "Chess club (booking)").await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Chess club (outlook)")
        .await;
    h.settle(4).await;
    assert!(h.app.list_conflicts().unwrap().is_empty());
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Chess club (outlook)"]
    );
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Chess club (outlook)"]
    );
    let resolved = history_of(&h, "update_reservation");
    assert!(
        resolved.iter().any(|e| e
            .detail
            .contains("resolved by the room's calendar-wins policy")),
        "{resolved:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_wins_keeps_whichever_side_was_edited_last() {
    let h = Harness::start().await;
    set_policy(&h, Policy::LatestWins);
    // Both sides keep their change time to the second at least: edits a second apart.
    let apart = std::time::Duration::from_millis(1100);

    // Outlook first, the booking system last: the booking system's title stands.
    let (id, event) = one_synced(&h, "Chess club").await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Chess club (outlook, earlier)")
        .await;
    tokio::time::sleep(apart).await;
    h.booking.rename(&id, "Chess club (booking, later)").await;
    h.settle(4).await;
    assert!(h.app.list_conflicts().unwrap().is_empty());
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Chess club (booking, later)"]
    );

    // The booking system first, Outlook last: Outlook's title stands.
    h.booking.rename(&id, "Chess club (booking, earlier)").await;
    tokio::time::sleep(apart).await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Chess club (outlook, later)")
        .await;
    h.settle(4).await;
    assert!(h.app.list_conflicts().unwrap().is_empty());
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Chess club (outlook, later)"]
    );
    let resolved = history_of(&h, "update_reservation");
    assert!(
        resolved.iter().any(|e| e
            .detail
            .contains("resolved by the room's latest-wins policy")),
        "{resolved:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_ownership_takes_times_from_the_booking_system_and_the_title_from_outlook() {
    let h = Harness::start().await;
    set_policy(
        &h,
        Policy::Fields(FieldOwnership {
            times: Side::Booking,
            title: Side::Calendar,
            details: Side::Booking,
        }),
    );
    let (id, event) = one_synced(&h, "Band practice").await;
    // The booking system moves it by an hour; Outlook renames it.
    let current = h.booking.get(&id).await;
    let start = at(3, 18);
    let end = at(3, 20);
    h.booking
        .patch(
            &id,
            current["version"].as_i64().unwrap(),
            json!({
                "start": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "end": end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            }),
        )
        .await;
    h.graph
        .rename(GYM_MAILBOX, &event, "Band practice, brass")
        .await;
    h.settle(4).await;

    let r = h.booking.get(&id).await;
    assert_eq!(r["title"], "Band practice, brass");
    assert_eq!(r["start"], start.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Band practice, brass"]);
    let e = &events[0];
    assert!(
        e["start"]["dateTime"]
            .as_str()
            .unwrap()
            .starts_with(&start.format("%Y-%m-%dT%H:%M").to_string()),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_outlook_meeting_over_a_booking_is_a_conflict_under_manual_and_is_removed_under_booking_wins()
 {
    let h = Harness::start().await;
    h.booking
        .create(GYM, "Handball match", at(6, 17), at(6, 19))
        .await;
    h.settle(4).await;

    // Manual: the double booking waits; nothing is copied and nothing is removed.
    h.graph
        .create(GYM_MAILBOX, "Parents' evening", at(6, 18), at(6, 20))
        .await;
    h.cycle().await;
    let open = h.app.list_conflicts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Handball match"]
    );
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Handball match", "Parents' evening"]
    );

    // Booking-wins for this room: the held conflict still waits for a person (policies apply
    // to new conflicts), while a second double booking is resolved at once.
    h.app
        .store()
        .write(|c| {
            roombridge_store::rooms::set_policy(
                c,
                &RoomId::new(GYM_ROOM),
                Some(Policy::BookingWins),
            )
        })
        .unwrap();
    h.graph
        .create(GYM_MAILBOX, "Staff party", at(6, 16), at(6, 18))
        .await;
    h.settle(4).await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Handball match", "Parents' evening"]
    );
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Handball match"]
    );
    assert_eq!(h.app.list_conflicts().unwrap().len(), 1);
    let removed = history_of(&h, "delete_event");
    assert!(
        removed
            .iter()
            .any(|e| e.title == "Staff party" && e.detail.contains("booking-wins")),
        "{removed:?}"
    );
}

/// Rooms west and east of UTC: an all-day reservation made in the booking system, and an
/// all-day meeting made in Outlook, keep their dates on the other side. Graph sends all-day
/// events midnight to midnight whatever zone was asked for, so reading them as instants in
/// UTC would move every one west of UTC a day early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_day_reservations_keep_their_dates_west_and_east_of_utc() {
    for (zone, windows) in [
        ("America/Los_Angeles", "Pacific Standard Time"),
        ("Pacific/Auckland", "New Zealand Standard Time"),
    ] {
        let h = Harness::start().await;
        h.app
            .edit_room(
                GYM_ROOM,
                roombridge_app::mappings::RoomEdit {
                    time_zone: Some(zone.to_owned()),
                    ..Default::default()
                },
            )
            .expect("room zone");
        let day = (Utc::now() + Duration::days(10)).date_naive();
        h.booking
            .insert(json!({
                "resource_id": GYM,
                "level": "event",
                "title": "Sports day",
                "organisation": "Nordvik School",
                "description": "",
                "all_day": true,
                "start": day.to_string(),
                "end": (day + Duration::days(1)).to_string(),
                "time_zone": zone,
            }))
            .await;
        let later = day + Duration::days(2);
        h.graph
            .create_all_day_in(
                GYM_MAILBOX,
                "Exam day",
                (later, later + Duration::days(1)),
                windows,
            )
            .await;
        h.settle(4).await;

        let events = h.graph.events(GYM_MAILBOX).await;
        let sports = events
            .iter()
            .find(|e| e["subject"] == "Sports day")
            .unwrap_or_else(|| panic!("{zone}: sports day in Outlook"));
        assert_eq!(sports["isAllDay"], true, "{sports}");
        assert_eq!(
            sports["start"]["dateTime"],
            format!("{day}T00:00:00.0000000"),
            "{zone}: {sports}"
        );
        assert_eq!(
            sports["end"]["dateTime"],
            format!("{}T00:00:00.0000000", day + Duration::days(1)),
            "{zone}: {sports}"
        );
        assert_eq!(sports["originalStartTimeZone"], windows, "{sports}");
        let exam = active(&h.booking.reservations(GYM).await)
            .into_iter()
            .find(|r| r["title"] == "Exam day")
            .unwrap_or_else(|| panic!("{zone}: exam day copied"));
        assert_eq!(exam["all_day"], true, "{exam}");
        assert_eq!(exam["start"], later.to_string(), "{zone}: {exam}");
        assert_eq!(
            exam["end"],
            (later + Duration::days(1)).to_string(),
            "{zone}: {exam}"
        );
        assert_eq!(exam["time_zone"], zone, "{exam}");
        let reports = h.cycle().await;
        assert!(
            reports.iter().all(|r| r.plan.is_empty()),
            "{zone}: a further cycle plans nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_day_reservations_keep_their_dates_both_ways() {
    let h = Harness::start().await;
    let day = (Utc::now() + Duration::days(10)).date_naive();
    let next = day + Duration::days(1);
    // Booking system -> Outlook.
    h.booking
        .insert(json!({
            "resource_id": GYM,
            "level": "event",
            "title": "Sports day",
            "organisation": "Nordvik School",
            "description": "",
            "all_day": true,
            "start": day.to_string(),
            "end": next.to_string(),
            "time_zone": "Europe/Oslo",
        }))
        .await;
    // Outlook -> booking system, two days later.
    let later = day + Duration::days(2);
    h.graph
        .create_all_day(GYM_MAILBOX, "Exam day", later, later + Duration::days(1))
        .await;
    h.settle(4).await;

    let events = h.graph.events(GYM_MAILBOX).await;
    let sports = events
        .iter()
        .find(|e| e["subject"] == "Sports day")
        .unwrap();
    assert_eq!(sports["isAllDay"], true, "{sports}");
    // Read back without a preferred zone, Graph labels it UTC but an all-day event is
    // midnight to midnight whatever the zone: its dates are the reservation's.
    let start = chrono::NaiveDateTime::parse_from_str(
        sports["start"]["dateTime"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap();
    assert_eq!(start.date(), day, "{sports}");
    assert_eq!(start.time(), chrono::NaiveTime::MIN, "{sports}");
    assert_eq!(sports["originalStartTimeZone"], "W. Europe Standard Time");
    let exam = active(&h.booking.reservations(GYM).await)
        .into_iter()
        .find(|r| r["title"] == "Exam day")
        .expect("exam day copied");
    assert_eq!(exam["all_day"], true, "{exam}");
    assert_eq!(exam["start"], later.to_string());
    assert_eq!(exam["end"], (later + Duration::days(1)).to_string());
    // And a further cycle plans nothing.
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
}

fn local_date(t: chrono::DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Oslo).date_naive()
}

/// The id of the event that starts on `date` (in Oslo).
fn event_on(events: &[Value], date: chrono::NaiveDate) -> String {
    events
        .iter()
        .find(|e| local_date(event_start(e)) == date)
        .unwrap_or_else(|| panic!("no event on {date}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn event_start(e: &Value) -> chrono::DateTime<Utc> {
    chrono::NaiveDateTime::parse_from_str(
        e["start"]["dateTime"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap()
    .and_utc()
}

/// A weekly two-hour allocation "Handball club" with `count` occurrences, the first in two
/// days at 16:00 UTC; returns its id and first start.
async fn weekly_handball_club(h: &Harness, count: u32) -> (String, chrono::DateTime<Utc>) {
    let first = at(2, 16);
    let series = h
        .booking
        .create_recurring(
            GYM,
            "allocation",
            "Handball club",
            first,
            first + Duration::hours(2),
            &format!("FREQ=WEEKLY;COUNT={count}"),
        )
        .await;
    (series, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurring_allocation_goes_to_outlook_as_a_series_and_single_edits_stay_single() {
    let h = Harness::start().await;
    let (series, first) = weekly_handball_club(&h, 4).await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(
        subjects(&events),
        ["Handball club"; 4],
        "one Outlook occurrence per booking occurrence"
    );
    let master = one_series(&events);
    assert_eq!(
        h.graph.get(GYM_MAILBOX, &master).await["recurrence"]["pattern"]["type"],
        "weekly"
    );

    // The booking system cancels the second occurrence: only that one leaves Outlook.
    h.booking
        .skip(&series, local_date(first + Duration::days(7)))
        .await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| local_date(event_start(e)) != local_date(first + Duration::days(7)))
    );

    // Outlook deletes the third one: the booking system skips that date, the rest stays.
    let third = event_on(&events, local_date(first + Duration::days(14)));
    h.graph.delete(GYM_MAILBOX, &third).await;
    // Outlook renames the fourth one: it becomes a single event in the booking system.
    let fourth = event_on(&events, local_date(first + Duration::days(21)));
    h.graph
        .rename(GYM_MAILBOX, &fourth, "Handball club: cup final")
        .await;
    h.settle(4).await;

    let r = h.booking.get(&series).await;
    assert_eq!(r["status"], "active");
    let exdates: Vec<&str> = r["recurrence"]["exdates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        exdates,
        [
            local_date(first + Duration::days(7)).to_string(),
            local_date(first + Duration::days(14)).to_string(),
            local_date(first + Duration::days(21)).to_string(),
        ]
    );
    let single = active(&h.booking.reservations(GYM).await)
        .into_iter()
        .find(|r| r["title"] == "Handball club: cup final")
        .expect("the edited occurrence is a single event");
    assert_eq!(single["parent_id"], series.as_str());
    assert_eq!(single["recurrence"], Value::Null);
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(
        subjects(&events),
        ["Handball club", "Handball club: cup final"]
    );
    // Both are still the series' own: an occurrence and the exception Outlook made.
    assert_eq!(one_series(&events), master);
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
}

/// The one series master every event in `events` belongs to.
fn one_series(events: &[Value]) -> String {
    let masters: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| {
            e["seriesMasterId"]
                .as_str()
                .unwrap_or_else(|| panic!("not an occurrence of a series: {e}"))
        })
        .collect();
    assert_eq!(masters.len(), 1, "one series: {masters:?}");
    masters.into_iter().next().unwrap().to_owned()
}

/// Graph PATCHes of events, sent alone or inside `$batch`.
fn event_patches(h: &Harness) -> u64 {
    let stats = h.servers.graph.stats();
    stats.sent(GraphRoute::UpdateEvent)
        + stats
            .batch_requests
            .get(&GraphRoute::UpdateEvent)
            .copied()
            .unwrap_or(0)
}

fn planned(reports: &[std::sync::Arc<roombridge_engine::CycleReport>]) -> Vec<&'static str> {
    let mut kinds: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.plan.actions.iter().map(|a| a.kind()))
        .collect();
    kinds.sort();
    kinds
}

/// Renaming a whole recurring reservation rewrites its Outlook series master once (issue 15):
/// every instance shows the new title, none becomes an exception, and the next cycle has
/// nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_whole_recurring_reservation_rewrites_the_series_master_once() {
    let h = Harness::start().await;
    let (series, _) = weekly_handball_club(&h, 6).await;
    h.settle(4).await;
    let master = one_series(&h.graph.events(GYM_MAILBOX).await);

    h.booking.rename(&series, "Handball club (seniors)").await;
    h.servers.graph.reset_stats();
    let reports = h.cycle().await;
    assert_eq!(planned(&reports), ["update_series"]);
    assert_eq!(event_patches(&h), 1, "one PATCH, of the master");
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Handball club (seniors)"; 6]);
    assert!(
        events.iter().all(|e| e["type"] == "occurrence"),
        "no instance became an exception"
    );
    assert_eq!(one_series(&events), master);
    assert_eq!(h.settle(3).await, 1, "the next cycle has nothing to do");
    let r = h.booking.get(&series).await;
    assert_eq!(r["title"], "Handball club (seniors)");
    let rows = h.app.store().read(|c| history::list(c, None, 50)).unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| r.kind == history::HistoryKind::UpdateSeries)
            .count(),
        1
    );
}

/// A series with an instance changed on its own in Outlook keeps its updates per occurrence:
/// rewriting the master would not reach the exception.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_with_an_exception_is_updated_occurrence_by_occurrence() {
    let h = Harness::start().await;
    let (series, first) = weekly_handball_club(&h, 4).await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    let last = event_on(&events, local_date(first + Duration::days(21)));
    h.graph
        .rename(GYM_MAILBOX, &last, "Handball club: cup final")
        .await;
    h.settle(4).await;

    h.booking.rename(&series, "Handball club (seniors)").await;
    let reports = h.cycle().await;
    assert_eq!(
        planned(&reports),
        ["update_event", "update_event", "update_event"]
    );
    h.settle(3).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(
        subjects(&events),
        [
            "Handball club (seniors)",
            "Handball club (seniors)",
            "Handball club (seniors)",
            "Handball club: cup final"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_rule_outlook_cannot_show_goes_as_single_events() {
    let h = Harness::start().await;
    let first = at(2, 16);
    // Two days of the month: `patternedRecurrence` holds one.
    let day = local_date(first).day();
    let other = if day <= 14 { day + 14 } else { day - 14 };
    h.booking
        .create_recurring(
            GYM,
            "allocation",
            "Handball club",
            first,
            first + Duration::hours(2),
            &format!("FREQ=MONTHLY;BYMONTHDAY={day},{other};COUNT=4"),
        )
        .await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Handball club"; 4]);
    assert!(
        events.iter().all(|e| e["type"] == "singleInstance"),
        "{events:?}"
    );
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_over_one_occurrence_takes_it_out_of_the_series_and_back_when_it_goes() {
    let h = Harness::start().await;
    let (series, first) = weekly_handball_club(&h, 3).await;
    // A tournament covers the whole second occurrence before anything was synced.
    let second = first + Duration::days(7);
    let cup = h
        .booking
        .create(
            GYM,
            "Cup",
            second - Duration::hours(1),
            second + Duration::hours(3),
        )
        .await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Cup", "Handball club", "Handball club"]);
    let occurrences: Vec<&Value> = events
        .iter()
        .filter(|e| e["subject"] == "Handball club")
        .collect();
    let master = one_series(&occurrences.iter().map(|e| (*e).clone()).collect::<Vec<_>>());
    assert_eq!(
        h.graph.occurrences(GYM_MAILBOX, &master).await.len(),
        2,
        "the covered date is not shown as a second booking"
    );

    // The tournament is cancelled: the occurrence comes back, as a single event beside the
    // series (Outlook cannot restore a deleted occurrence), and nothing is doubled.
    h.booking.cancel(&cup).await;
    h.settle(4).await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Handball club"; 3]);
    let restored: Vec<_> = events
        .iter()
        .filter(|e| local_date(event_start(e)) == local_date(second))
        .collect();
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0]["type"], "singleInstance");
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
    assert_eq!(h.booking.get(&series).await["status"], "active");
}

/// An Outlook meeting series in a room, read through bare delta occurrences: one occurrence
/// edited, one deleted (no signal in delta), then the series moved an hour later (new
/// occurrence ids, the old ones leave no trace): the booking system follows every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outlook_series_with_an_edit_a_deletion_and_a_new_time_syncs_through_bare_occurrences() {
    let h = Harness::start().await;
    let start = at(3, 9);
    let master = h
        .graph
        .create_series(
            GYM_MAILBOX,
            "Staff yoga",
            start,
            start + Duration::hours(1),
            roombridge_tests::OutsideGraph::weekly(start, 4),
        )
        .await;
    h.settle(4).await;
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Staff yoga"; 4]
    );

    let occurrences = h.graph.occurrences(GYM_MAILBOX, &master).await;
    h.graph
        .edit(
            GYM_MAILBOX,
            occurrences[0]["id"].as_str().unwrap(),
            json!({"subject": "Staff yoga (outdoors)"}),
        )
        .await;
    h.graph
        .delete_occurrence(GYM_MAILBOX, occurrences[2]["id"].as_str().unwrap())
        .await;
    h.settle(4).await;
    let mut want = vec!["Staff yoga".to_owned(); 2];
    want.push("Staff yoga (outdoors)".to_owned());
    assert_eq!(active_titles(&h.booking.reservations(GYM).await), want);

    // The whole series moves an hour later (its pattern's time changes).
    let later = |t: chrono::DateTime<Utc>| json!({"dateTime": (t + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"});
    h.graph
        .edit(
            GYM_MAILBOX,
            &master,
            json!({"start": later(start), "end": later(start + Duration::hours(1))}),
        )
        .await;
    h.settle(6).await;
    let plain: Vec<Value> = active(&h.booking.reservations(GYM).await)
        .into_iter()
        .filter(|r| r["title"] == "Staff yoga")
        .collect();
    let mut hours: Vec<String> = plain
        .iter()
        .map(|r| r["start"].as_str().unwrap().to_owned())
        .collect();
    hours.sort();
    let want: Vec<String> = [1, 3]
        .iter()
        .map(|w| {
            (start + Duration::weeks(*w) + Duration::hours(1))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .collect();
    assert_eq!(
        hours, want,
        "the plain occurrences moved, the deleted one stays gone"
    );
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outlook_series_arrives_as_single_booking_events() {
    let h = Harness::start().await;
    let start = at(3, 9);
    let master = h
        .graph
        .create_series(
            GYM_MAILBOX,
            "Staff yoga",
            start,
            start + Duration::hours(1),
            roombridge_tests::OutsideGraph::weekly(start, 3),
        )
        .await;
    h.settle(4).await;
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Staff yoga"; 3]
    );

    // One occurrence is cancelled in Outlook: one booking event is cancelled, two stay.
    let occurrences = h.graph.occurrences(GYM_MAILBOX, &master).await;
    h.graph
        .delete_occurrence(GYM_MAILBOX, occurrences[1]["id"].as_str().unwrap())
        .await;
    h.settle(4).await;
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Staff yoga"; 2]
    );
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closure_blocks_the_room_and_a_meeting_in_it_is_declined_under_booking_wins() {
    let h = Harness::start().await;
    set_policy(&h, Policy::BookingWins);
    let day = local_date(at(8, 12));
    h.booking
        .create_closure(GYM, "Floor maintenance", day, day + Duration::days(1))
        .await;
    h.settle(4).await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Floor maintenance"]
    );

    // Someone invites the room to a meeting that day: the room declines, saying why.
    h.graph
        .invite(
            GYM_MAILBOX,
            "Budget review",
            at(8, 10),
            at(8, 11),
            "Ola Nordmann",
        )
        .await;
    h.settle(4).await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Floor maintenance"]
    );
    assert_eq!(
        active_titles(&h.booking.reservations(GYM).await),
        ["Floor maintenance"]
    );
    let replies = h.graph.replies().await;
    let decline = replies
        .iter()
        .find(|r| r["subject"] == "Budget review")
        .expect("a reply to the organizer");
    assert_eq!(decline["kind"], "decline");
    let comment = decline["comment"].as_str().unwrap();
    assert!(
        comment.contains("The room is closed (Floor maintenance)"),
        "{comment}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_cancellation_declines_an_invitation_and_tells_the_organizer() {
    let h = Harness::start().await;
    h.graph
        .invite(
            GYM_MAILBOX,
            "Board meeting",
            at(4, 13),
            at(4, 15),
            "Kari Nordmann",
        )
        .await;
    h.settle(4).await;
    let copy = active(&h.booking.reservations(GYM).await)
        .into_iter()
        .find(|r| r["title"] == "Board meeting")
        .expect("the invitation was copied");
    h.booking.cancel(copy["id"].as_str().unwrap()).await;
    h.settle(4).await;
    assert!(h.graph.events(GYM_MAILBOX).await.is_empty());
    let replies = h.graph.replies().await;
    assert!(
        replies.iter().any(|r| r["subject"] == "Board meeting"
            && r["kind"] == "decline"
            && r["comment"]
                .as_str()
                .unwrap()
                .contains("cancelled in the booking system")),
        "{replies:?}"
    );
}

/// The next last Sunday of March (Europe/Oslo's spring-forward day) at least two weeks away.
fn next_spring_forward() -> chrono::NaiveDate {
    let soon = (Utc::now() + Duration::days(14)).date_naive();
    (soon.year()..)
        .map(|year| {
            let last = chrono::NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
            last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
        })
        .find(|d| *d >= soon)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0230_occurrence_on_the_spring_forward_day_starts_at_0330_and_the_history_says_so() {
    use chrono::TimeZone;
    let oslo = chrono_tz::Europe::Oslo;
    let h = Harness::start().await;
    let gap_day = next_spring_forward();
    let first = oslo
        .from_local_datetime(&(gap_day - Duration::days(7)).and_hms_opt(2, 30, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    h.booking
        .create_recurring(
            GYM,
            "allocation",
            "Night cleaning",
            first,
            first + Duration::minutes(90),
            "FREQ=WEEKLY;COUNT=3",
        )
        .await;
    h.settle(4).await;

    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(
        subjects(&events),
        ["Night cleaning"; 3],
        "no occurrence is lost"
    );
    let local = |e: &Value| event_start(e).with_timezone(&oslo).naive_local();
    let mut starts: Vec<chrono::NaiveDateTime> = events.iter().map(local).collect();
    starts.sort();
    let at = |date: chrono::NaiveDate, h: u32, m: u32| date.and_hms_opt(h, m, 0).unwrap();
    assert_eq!(
        starts,
        [
            at(gap_day - Duration::days(7), 2, 30),
            // 02:30 does not exist that night: the occurrence starts when the clocks say 03:30.
            at(gap_day, 3, 30),
            at(gap_day + Duration::days(7), 2, 30),
        ]
    );
    let moved = events.iter().find(|e| local(e).date() == gap_day).unwrap();
    let end = chrono::NaiveDateTime::parse_from_str(
        moved["end"]["dateTime"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap()
    .and_utc();
    assert_eq!(
        end - event_start(moved),
        Duration::minutes(90),
        "it keeps its length"
    );

    // The move is not silent: the history row that wrote it says what happened and why.
    let written: Vec<String> = history_of(&h, "create_series")
        .into_iter()
        .chain(history_of(&h, "create_event"))
        .map(|e| e.detail)
        .collect();
    let expected = format!(
        "On {} there is no 02:30 in Europe/Oslo (the clocks go forward), so this occurrence starts at 03:30 instead",
        gap_day.format("%A %-d %B %Y")
    );
    assert!(written.iter().any(|d| d.contains(&expected)), "{written:?}");
    // Outlook and the booking system agree on the moved time: nothing is left to do.
    let reports = h.cycle().await;
    assert!(
        reports.iter().all(|r| r.plan.is_empty()),
        "{:?}",
        reports[0].plan
    );
}

fn reservation_start(r: &Value) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(r["start"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// Decides "keep both" on the one open conflict: `side` moves to `start`..`end`.
fn keep_both(h: &Harness, side: Side, start: chrono::DateTime<Utc>, end: chrono::DateTime<Utc>) {
    let open = h.app.list_conflicts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0].choices.iter().any(|c| c == "move"), "{open:?}");
    let choice = Choice::Move(roombridge_core::policy::Move { side, start, end });
    h.app
        .decide_conflict(open[0].id, choice, "kari", "Both are needed")
        .expect("a move to a free time is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeping_both_moves_a_meeting_the_room_organised_and_copies_it_at_its_new_time() {
    let h = Harness::start().await;
    h.booking
        .create(GYM, "Handball match", at(6, 17), at(6, 19))
        .await;
    h.settle(4).await;
    // Made in the room's own calendar, so the room is its organizer and may move it.
    let meeting = h
        .graph
        .create(GYM_MAILBOX, "Parents' evening", at(6, 18), at(6, 20))
        .await;
    h.cycle().await;

    keep_both(&h, Side::Calendar, at(6, 19), at(6, 21));
    h.settle(4).await;
    assert!(h.app.list_conflicts().unwrap().is_empty());
    let moved = h.graph.get(GYM_MAILBOX, &meeting).await;
    assert_eq!(event_start(&moved), at(6, 19), "{moved}");
    let reservations = active(&h.booking.reservations(GYM).await);
    let copy = reservations
        .iter()
        .find(|r| r["title"] == "Parents' evening")
        .expect("the meeting is in the booking system");
    assert_eq!(reservation_start(copy), at(6, 19));
    let handball = reservations
        .iter()
        .find(|r| r["title"] == "Handball match")
        .unwrap();
    assert_eq!(reservation_start(handball), at(6, 17), "the match stays");
    assert_eq!(history_of(&h, "move_event").len(), 1);
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeping_both_moves_one_occurrence_of_a_series_and_its_outlook_instance_follows() {
    let h = Harness::start().await;
    let (series, first) = weekly_handball_club(&h, 3).await;
    h.settle(4).await;
    // A meeting over the second occurrence; the club's occurrence moves earlier.
    let second = first + Duration::days(7);
    h.graph
        .create(
            GYM_MAILBOX,
            "Parents' evening",
            second + Duration::hours(1),
            second + Duration::hours(3),
        )
        .await;
    h.cycle().await;

    let earlier = second - Duration::hours(3);
    keep_both(&h, Side::Booking, earlier, earlier + Duration::hours(2));
    h.settle(6).await;
    assert!(h.app.list_conflicts().unwrap().is_empty());

    // The series skips that date and a single event holds the new time in its place.
    let parent = h.booking.get(&series).await;
    let exdates = parent["recurrence"]["exdates"].to_string();
    assert!(
        exdates.contains(&local_date(second).to_string()),
        "{parent}"
    );
    let reservations = active(&h.booking.reservations(GYM).await);
    let single = reservations
        .iter()
        .find(|r| r["parent_id"] == series.as_str())
        .expect("the moved occurrence");
    assert_eq!(reservation_start(single), earlier);
    assert!(
        reservations
            .iter()
            .any(|r| r["title"] == "Parents' evening")
    );

    // Outlook shows the club at the new time that day, once, beside the meeting.
    let events = h.graph.events(GYM_MAILBOX).await;
    let that_day: Vec<(String, chrono::DateTime<Utc>)> = events
        .iter()
        .filter(|e| local_date(event_start(e)) == local_date(second))
        .map(|e| (e["subject"].as_str().unwrap().to_owned(), event_start(e)))
        .collect();
    assert_eq!(
        that_day.len(),
        2,
        "the club and the meeting on that day: {that_day:?}"
    );
    assert!(
        that_day.contains(&("Handball club".into(), earlier)),
        "{that_day:?}"
    );
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()), "{reports:?}");
}

/// An Outlook deletion made before RoomBridge has read back the event it just wrote. Delta
/// never mentions the event (created and deleted since the cursor), so RoomBridge reads the
/// events it created by id when a round does not show them; the reservation is cancelled, not
/// left holding a room that Outlook shows as free (issue 12, bug 1; `crates/cli/tests/crash.rs`
/// has the reporter's `sync --once` runs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outlook_deletion_before_the_read_back_cancels_the_reservation() {
    let h = Harness::start().await;
    let id = h.booking.create(GYM, "Choir", at(3, 17), at(3, 19)).await;
    h.cycle().await;
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(subjects(&events), ["Choir"]);
    h.graph
        .delete(GYM_MAILBOX, events[0]["id"].as_str().unwrap())
        .await;
    h.cycle().await;
    h.cycle().await;
    assert_eq!(h.booking.get(&id).await["status"], "cancelled");
    assert!(h.graph.events(GYM_MAILBOX).await.is_empty());
}

/// A meeting saved by desktop Outlook in a custom time zone (`tzone://Microsoft/Custom`) is
/// read in the room's zone and copied to the booking system, not refused on every cycle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_in_a_custom_time_zone_reaches_the_booking_system() {
    let h = Harness::start().await;
    h.graph
        .invite_with(
            GYM_MAILBOX,
            "Budget meeting",
            (at(4, 8), at(4, 9)),
            "Kari Nordmann",
            json!({
                "originalStartTimeZone": "tzone://Microsoft/Custom",
                "originalEndTimeZone": "tzone://Microsoft/Custom",
            }),
        )
        .await;
    h.settle(4).await;
    let copied = active(&h.booking.reservations(GYM).await)
        .into_iter()
        .find(|r| r["title"] == "Budget meeting")
        .expect("copied to the booking system");
    assert_eq!(copied["time_zone"], "Europe/Oslo", "{copied}");
    assert!(
        history_of(&h, "rejected").is_empty(),
        "{:?}",
        history_of(&h, "rejected")
    );
}

/// A room whose mailbox no longer exists (deleted, or its licence removed): Graph answers 404
/// `ErrorInvalidUser`, which is not "the events are gone". The cycle fails with words that say
/// what to check, and nothing is cancelled in the booking system.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_mailbox_fails_the_cycle_and_cancels_nothing() {
    let h = Harness::start().await;
    let (id, _) = one_synced(&h, "Choir").await;
    h.app
        .edit_room(
            GYM_ROOM,
            roombridge_app::mappings::RoomEdit {
                mailbox: Some("gone-gym@nordvik.kommune.example".to_owned()),
                ..Default::default()
            },
        )
        .expect("mailbox changed");
    let reports = h.cycle_allowing_failures().await;
    let gym = reports
        .iter()
        .find(|r| r.room.as_str() == GYM_ROOM)
        .expect("the gym's cycle");
    let error = gym.error.as_deref().expect("the cycle failed");
    assert!(error.contains("mailbox does not exist"), "{error}");
    assert_eq!(h.booking.get(&id).await["status"], "active");
    assert!(history_of(&h, "cancel_reservation").is_empty());
}

/// A reservation in the gym on day 3, 17:00-18:00, as a booking system that does not check
/// what it keeps might hold it; `extra` overrides fields.
fn raw_event(id: &str, title: &str, extra: Value) -> Value {
    let mut raw = json!({
        "id": id,
        "resource_id": GYM,
        "level": "event",
        "title": title,
        "organisation": "Club",
        "description": "",
        "all_day": false,
        "start": at(3, 17).to_rfc3339(),
        "end": at(3, 18).to_rfc3339(),
        "time_zone": "Europe/Oslo",
        "status": "active",
        "version": 1,
        "updated_at": chrono::Utc::now().to_rfc3339(),
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        raw[k] = v.clone();
    }
    raw
}

/// Issue 12, bug 8: a reservation with a title far beyond Outlook's subject line fails alone,
/// with what to fix, while the rest syncs; its history rows stay small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_title_fails_alone_with_what_to_fix_and_keeps_the_history_small() {
    let h = Harness::start().await;
    // Beyond the contract's 255 characters too: a booking system that does not keep it.
    h.booking
        .insert_raw(raw_event("huge-1", &"T".repeat(100_000), json!({})))
        .await;
    h.booking.create(GYM, "Choir", at(3, 19), at(3, 20)).await;
    // The item is tried again each cycle (and fails again): no settling.
    h.cycle().await;
    h.cycle().await;
    assert_eq!(subjects(&h.graph.events(GYM_MAILBOX).await), ["Choir"]);
    let rows = h.app.list_history(Some(100), Some(GYM)).unwrap();
    let failed: Vec<_> = rows
        .iter()
        .filter(|e| e.detail.contains("Shorten it") || e.detail.contains("255"))
        .collect();
    // Failing the same way again is not one more row per cycle.
    assert_eq!(failed.len(), 1, "{rows:?}");
    for row in &rows {
        assert!(
            row.title.len() < 1_000,
            "a history title of {}",
            row.title.len()
        );
    }
}

/// Issue 12, bug 8: a reservation whose parent the booking system does not have syncs on its
/// own, and the history says so once, with what to correct.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reservation_with_a_missing_parent_syncs_and_the_history_says_so_once() {
    let h = Harness::start().await;
    h.booking
        .insert_raw(raw_event(
            "orphan-1",
            "Handball practice",
            json!({"level": "booking", "parent_id": "no-such-allocation"}),
        ))
        .await;
    h.cycle().await;
    h.cycle().await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Handball practice"]
    );
    let notes = history_of(&h, "orphaned");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].detail.contains("no-such-allocation"),
        "{}",
        notes[0].detail
    );
    assert!(
        notes[0].detail.contains("correct its parent"),
        "{}",
        notes[0].detail
    );
}
