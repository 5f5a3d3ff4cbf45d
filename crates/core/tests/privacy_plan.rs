//! The planner under each privacy mode, as a table: what Outlook is written, what goes back to
//! the booking system, and what a change of mode does.

use chrono::{TimeZone, Utc};

use roombridge_core::compose::Block;
use roombridge_core::plan::{Action, CalendarEvent, Link, LinkState, Plan, PlanInput, plan};
use roombridge_core::policy::Policy;
use roombridge_core::privacy::{Privacy, outlook_view};
use roombridge_core::{
    BlockKey, Content, GraphEventId, Level, LinkId, ReservationId, RoomId, Side, SyncWindow, When,
};

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

fn reservation() -> Content {
    Content {
        title: "Grief support group".into(),
        when: When::Timed {
            start: at(1, 17),
            end: at(1, 18),
        },
        time_zone: "Europe/Oslo".into(),
        organisation: "Red Cross".into(),
        description: "Room upstairs".into(),
    }
}

fn block(content: Content) -> Block {
    Block {
        key: BlockKey::new("r:1"),
        content,
        source: ReservationId::new("1"),
        occurrence: None,
        level: Level::Event,
        source_version: 3,
        updated_at: at(1, 0),
        tag: None,
        covered_by: vec![],
    }
}

fn event(content: Content) -> CalendarEvent {
    CalendarEvent {
        id: GraphEventId::new("E1"),
        content,
        version: Some("ck1".into()),
        tag: Some(LinkId::new("L")),
        subject_is_organizer: false,
        body_is_empty: false,
        modified: None,
        has_attendees: false,
        is_organizer: true,
        instance: None,
    }
}

/// What Graph reads back of an event RoomBridge wrote: with an empty body, the organizer (the
/// room) stands in as the organisation.
fn read_back(mut written: Content) -> Content {
    if written.organisation.is_empty() {
        written.organisation = "Community hall".into();
    }
    written
}

/// A link synced under `mode` from the booking side (or, with `Side::Calendar`, a meeting made
/// in Outlook and copied to the booking system).
fn link(origin: Side, booking: &Content, calendar: &Content) -> Link {
    Link {
        id: LinkId::new("L"),
        block: Some(BlockKey::new("r:1")),
        event: Some(GraphEventId::new("E1")),
        booking_hash: Some(booking.hash()),
        calendar_hash: Some(calendar.hash()),
        origin,
        state: LinkState::Synced,
    }
}

fn plan_with(mode: Privacy, blocks: &[Block], events: &[CalendarEvent], links: &[Link]) -> Plan {
    let room = RoomId::new("room");
    plan(&PlanInput {
        room: &room,
        zone: chrono_tz::Europe::Oslo,
        window: SyncWindow::around(at(1, 0) - chrono::Duration::days(10), 7, 365),
        blocks,
        footprint: &[],
        events,
        links,
        policy: Policy::Manual,
        decisions: &[],
        series: &[],
        privacy: mode,
        withdrawn: &[],
        restores: &[],
        capabilities: roombridge_core::capability::Capabilities::ALL,
        language: roombridge_core::i18n::Lang::En,
    })
}

/// One line per action: its kind and the subject or title it writes.
fn summary(p: &Plan) -> String {
    let mut out: Vec<String> = p
        .actions
        .iter()
        .map(|a| match a {
            Action::CreateEvent { content, .. }
            | Action::UpdateEvent { content, .. }
            | Action::UpdateReservation { content, .. } => {
                format!("{} {:?}", a.kind(), content.title)
            }
            other => other.kind().to_owned(),
        })
        .collect();
    out.extend(p.conflicts.iter().map(|c| format!("conflict:{:?}", c.kind)));
    if out.is_empty() {
        "nothing".into()
    } else {
        out.join(", ")
    }
}

#[test]
fn a_new_reservation_is_written_to_outlook_as_the_mode_shows_it() {
    let b = reservation();
    for (mode, subject) in [
        (Privacy::Full, "Grief support group"),
        (Privacy::Organisation, "Red Cross"),
        (Privacy::Reserved, "Reserved"),
    ] {
        let p = plan_with(mode, &[block(b.clone())], &[], &[]);
        match &p.actions[..] {
            [
                Action::CreateEvent {
                    content,
                    booking_hash,
                    ..
                },
            ] => {
                assert_eq!(content.title, subject, "{mode}");
                assert_eq!(content.when, b.when, "{mode}");
                // The link records the booking side's own content, not the stand-in.
                assert_eq!(booking_hash, &b.hash(), "{mode}");
                if mode != Privacy::Full {
                    assert!(content.description.is_empty(), "{mode}");
                }
            }
            other => panic!("{mode}: {other:?}"),
        }
    }
}

#[test]
fn decision_table_under_privacy_modes() {
    let b = reservation();
    let moved = Content {
        when: When::Timed {
            start: at(1, 19),
            end: at(1, 20),
        },
        ..b.clone()
    };
    let retitled = Content {
        title: "Board meeting".into(),
        ..b.clone()
    };
    // (case, mode the event was written under, mode now, origin, booking now, Outlook now
    // (None: as written), expected)
    type Case<'a> = (
        &'a str,
        Privacy,
        Privacy,
        Side,
        Content,
        Option<fn(Content) -> Content>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "the echo of a hidden event is unchanged",
            Privacy::Reserved,
            Privacy::Reserved,
            Side::Booking,
            b.clone(),
            None,
            "nothing",
        ),
        (
            "the echo of an organisation-only event is unchanged",
            Privacy::Organisation,
            Privacy::Organisation,
            Side::Booking,
            b.clone(),
            None,
            "nothing",
        ),
        (
            "a title typed over \"Reserved\" is not written back; Outlook shows the mode again",
            Privacy::Reserved,
            Privacy::Reserved,
            Side::Booking,
            b.clone(),
            Some(|mut c| {
                c.title = "Taken by Kari".into();
                c
            }),
            "update_event \"Reserved\"",
        ),
        (
            "an Outlook time edit of a hidden event reaches the booking system with its own title",
            Privacy::Reserved,
            Privacy::Reserved,
            Side::Booking,
            b.clone(),
            Some(|mut c| {
                c.when = When::Timed {
                    start: at(1, 19),
                    end: at(1, 20),
                };
                c
            }),
            "update_reservation \"Grief support group\"",
        ),
        (
            "a time and title edit under organisation mode writes back the times only, and \
             Outlook shows the organisation again at once",
            Privacy::Organisation,
            Privacy::Organisation,
            Side::Booking,
            b.clone(),
            Some(|mut c| {
                c.title = "Something else".into();
                c.when = When::Timed {
                    start: at(1, 19),
                    end: at(1, 20),
                };
                c
            }),
            "update_reservation \"Grief support group\", update_event \"Red Cross\"",
        ),
        (
            "a booking-side move is written with the stand-in",
            Privacy::Reserved,
            Privacy::Reserved,
            Side::Booking,
            moved.clone(),
            None,
            "update_event \"Reserved\"",
        ),
        (
            "a booking-side retitle changes nothing Outlook shows under reserved, and is synced",
            Privacy::Reserved,
            Privacy::Reserved,
            Side::Booking,
            retitled.clone(),
            None,
            "update_event \"Reserved\"",
        ),
        (
            "from reserved to full: the title comes back",
            Privacy::Reserved,
            Privacy::Full,
            Side::Booking,
            b.clone(),
            None,
            "update_event \"Grief support group\"",
        ),
        (
            "from full to reserved: the title goes",
            Privacy::Full,
            Privacy::Reserved,
            Side::Booking,
            b.clone(),
            None,
            "update_event \"Reserved\"",
        ),
        (
            "from full to organisation",
            Privacy::Full,
            Privacy::Organisation,
            Side::Booking,
            b.clone(),
            None,
            "update_event \"Red Cross\"",
        ),
        (
            "from organisation to reserved",
            Privacy::Organisation,
            Privacy::Reserved,
            Side::Booking,
            b.clone(),
            None,
            "update_event \"Reserved\"",
        ),
        (
            "a meeting made in Outlook keeps its own title under reserved",
            Privacy::Full,
            Privacy::Reserved,
            Side::Calendar,
            b.clone(),
            None,
            "nothing",
        ),
        (
            "a booking change of a meeting made in Outlook is written in full",
            Privacy::Full,
            Privacy::Reserved,
            Side::Calendar,
            moved.clone(),
            None,
            "update_event \"Grief support group\"",
        ),
        (
            "an Outlook retitle of a meeting made in Outlook reaches the booking system",
            Privacy::Full,
            Privacy::Reserved,
            Side::Calendar,
            b.clone(),
            Some(|mut c| {
                c.title = "Staff party".into();
                c
            }),
            "update_reservation \"Staff party\"",
        ),
    ];
    let mut failures = Vec::new();
    for (case, written, now, origin, booking_now, outlook_edit, expected) in cases {
        let shown = match origin {
            Side::Booking => read_back(outlook_view(&b, written)),
            Side::Calendar => b.clone(),
        };
        let l = link(origin, &b, &shown);
        let outlook_now = match outlook_edit {
            Some(edit) => edit(shown.clone()),
            None => shown.clone(),
        };
        let p = plan_with(now, &[block(booking_now)], &[event(outlook_now)], &[l]);
        let got = summary(&p);
        if got != expected {
            failures.push(format!("{case}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_create_that_landed_before_a_crash_is_relinked_with_each_sides_hash() {
    let b = reservation();
    let shown = read_back(outlook_view(&b, Privacy::Reserved));
    let mut e = event(shown.clone());
    e.tag = Some(LinkId::for_block(&BlockKey::new("r:1")));
    let p = plan_with(Privacy::Reserved, &[block(b.clone())], &[e], &[]);
    match &p.actions[..] {
        [
            Action::Relink {
                booking_hash,
                calendar_hash,
                ..
            },
        ] => {
            assert_eq!(booking_hash, &b.hash());
            assert_eq!(calendar_hash, &shown.hash());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_subject_exchange_rewrote_to_the_organizer_is_not_written_again() {
    let b = reservation();
    let shown = read_back(outlook_view(&b, Privacy::Full));
    let l = link(Side::Booking, &b, &shown);
    let mut e = event(shown);
    e.subject_is_organizer = true;
    // Even after a change of mode: writing the subject again would only be rewritten again.
    let p = plan_with(Privacy::Reserved, &[block(b)], &[e], &[l]);
    assert_eq!(summary(&p), "nothing");
}
