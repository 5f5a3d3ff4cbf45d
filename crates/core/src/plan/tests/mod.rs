//! The decision table as data: every arm of `decide`, one row each.

use super::*;
use crate::compose::{Block, Footprint};
use crate::content::When;
use chrono::{TimeZone, Utc};

/// How a side looks in a case: the same words as the decision table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum S {
    Absent,
    Appeared,
    Unchanged,
    Changed,
    Deleted,
}

fn content(title: &str) -> Content {
    Content {
        title: title.into(),
        when: When::Timed {
            start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap(),
        },
        time_zone: "Europe/Oslo".into(),
        organisation: "Club".into(),
        description: String::new(),
    }
}

fn window() -> SyncWindow {
    SyncWindow::around(Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(), 7, 365)
}

fn block(title: &str) -> Block {
    Block {
        key: BlockKey::new("r:1"),
        content: content(title),
        source: ReservationId::new("1"),
        occurrence: None,
        level: crate::reservation::Level::Event,
        source_version: 3,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
        tag: None,
        covered_by: vec![],
    }
}

fn event(title: &str) -> CalendarEvent {
    CalendarEvent {
        id: GraphEventId::new("E1"),
        content: content(title),
        version: Some("ck1".into()),
        tag: None,
        subject_is_organizer: false,
        body_is_empty: false,
        modified: None,
        has_attendees: false,
        is_organizer: true,
        instance: None,
    }
}

/// Builds one pair in the given states and returns the one-line outcome of planning it.
/// `same` makes the two changed/appeared sides carry equal content.
fn check(booking: S, calendar: S, same: bool) -> String {
    let synced = content("synced");
    let b_title = if same { "both" } else { "booking edit" };
    let c_title = if same { "both" } else { "outlook edit" };
    let block = match booking {
        S::Absent | S::Deleted => None,
        S::Unchanged => Some(block("synced")),
        S::Appeared | S::Changed => Some(block(b_title)),
    };
    let event = match calendar {
        S::Absent | S::Deleted => None,
        S::Unchanged => Some(event("synced")),
        S::Appeared | S::Changed => Some(event(c_title)),
    };
    let had_b = matches!(booking, S::Unchanged | S::Changed | S::Deleted);
    let had_c = matches!(calendar, S::Unchanged | S::Changed | S::Deleted);
    // A link with no booking side yet was made for an Outlook meeting; the others for a block.
    let from_outlook = booking == S::Absent;
    let link = Link {
        id: LinkId::new("L"),
        block: (!from_outlook).then(|| BlockKey::new("r:1")),
        event: if had_c || event.is_some() {
            Some(GraphEventId::new("E1"))
        } else {
            None
        },
        booking_hash: had_b.then(|| synced.hash()),
        calendar_hash: had_c.then(|| synced.hash()),
        origin: if from_outlook {
            Side::Calendar
        } else {
            Side::Booking
        },
        state: LinkState::Synced,
    };
    let blocks: Vec<Block> = block.into_iter().collect();
    let events: Vec<CalendarEvent> = event.into_iter().collect();
    let links = vec![link];
    let room = RoomId::new("room");
    let p = plan(&PlanInput {
        room: &room,
        zone: chrono_tz::Europe::Oslo,
        window: window(),
        blocks: &blocks,
        footprint: &[],
        events: &events,
        links: &links,
        policy: Policy::Manual,
        decisions: &[],
        series: &[],
        privacy: Privacy::Full,
        withdrawn: &[],
        restores: &[],
        capabilities: crate::capability::Capabilities::ALL,
        language: crate::i18n::Lang::En,
    });
    let mut out: Vec<String> = p.actions.iter().map(|a| a.kind().to_string()).collect();
    out.extend(p.conflicts.iter().map(|c| format!("conflict:{:?}", c.kind)));
    if out.is_empty() {
        "nothing".into()
    } else {
        out.join(",")
    }
}

#[test]
fn decision_table() {
    use S::*;
    let table = [
        (Absent, Absent, false, "forget"),
        (Absent, Appeared, false, "create_reservation"),
        (Absent, Unchanged, false, "create_reservation"),
        (Absent, Changed, false, "create_reservation"),
        (Absent, Deleted, false, "forget"),
        (Appeared, Absent, false, "create_event"),
        (Appeared, Appeared, true, "relink"),
        (Appeared, Appeared, false, "conflict:Edit"),
        (Appeared, Unchanged, false, "conflict:Edit"),
        (Appeared, Changed, true, "relink"),
        (Appeared, Deleted, false, "cancel_reservation"),
        (Unchanged, Absent, false, "create_event"),
        (Changed, Absent, false, "create_event"),
        (Unchanged, Appeared, false, "conflict:Edit"),
        (Changed, Appeared, true, "relink"),
        (Unchanged, Unchanged, false, "nothing"),
        (Unchanged, Changed, false, "update_reservation"),
        (Unchanged, Deleted, false, "cancel_reservation"),
        (Changed, Unchanged, false, "update_event"),
        (Changed, Changed, true, "relink"),
        (Changed, Changed, false, "conflict:Edit"),
        (Changed, Deleted, false, "conflict:DeleteEdit"),
        (Deleted, Absent, false, "forget"),
        (Deleted, Appeared, false, "delete_event"),
        (Deleted, Unchanged, false, "delete_event"),
        (Deleted, Changed, false, "conflict:DeleteEdit"),
        (Deleted, Deleted, false, "forget"),
    ];
    // Every one of the 5 x 5 states of a pair has a row.
    let all = [Absent, Appeared, Unchanged, Changed, Deleted];
    for b in all {
        for c in all {
            assert!(
                table.iter().any(|(tb, tc, _, _)| *tb == b && *tc == c),
                "the table has no row for booking {b:?}, calendar {c:?}"
            );
        }
    }
    let mut failures = Vec::new();
    for (b, c, same, expected) in table {
        let got = check(b, c, same);
        if got != expected {
            failures.push(format!(
                "booking {b:?}, calendar {c:?}, same={same}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// RoomBridge created an event for a block, and the create's answer was lost before the link
/// recorded the event; then the block went (its reservation cancelled). The event, tagged with
/// the link, is ours: it is deleted, not copied back as a reservation made in Outlook.
#[test]
fn our_event_for_a_block_gone_before_the_link_recorded_it_is_deleted() {
    let mut e = event("synced");
    e.tag = Some(LinkId::new("L"));
    let link = Link {
        id: LinkId::new("L"),
        block: Some(BlockKey::new("r:1")),
        event: None,
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Booking,
        state: LinkState::Failed,
    };
    let p = plan_of(&[], &[e], &[link]);
    let kinds: Vec<_> = p.actions.iter().map(|a| a.kind()).collect();
    assert_eq!(kinds, ["delete_event"], "{p}");
}

fn plan_of(blocks: &[Block], events: &[CalendarEvent], links: &[Link]) -> Plan {
    let room = RoomId::new("room");
    plan(&PlanInput {
        room: &room,
        zone: chrono_tz::Europe::Oslo,
        window: window(),
        blocks,
        footprint: &[],
        events,
        links,
        policy: Policy::Manual,
        decisions: &[],
        series: &[],
        privacy: Privacy::Full,
        withdrawn: &[],
        restores: &[],
        capabilities: crate::capability::Capabilities::ALL,
        language: crate::i18n::Lang::En,
    })
}

#[test]
fn new_block_without_link_creates_an_event_with_a_stable_idempotency_key() {
    let one = plan_of(&[block("Choir")], &[], &[]);
    let two = plan_of(&[block("Choir")], &[], &[]);
    assert_eq!(one, two);
    match &one.actions[..] {
        [
            Action::CreateEvent {
                link,
                idempotency_key,
                ..
            },
        ] => {
            assert_eq!(link, &LinkId::for_block(&BlockKey::new("r:1")));
            assert!(idempotency_key.starts_with("rb-"));
        }
        other => panic!("unexpected plan {other:?}"),
    }
}

#[test]
fn untagged_new_outlook_event_creates_a_reservation() {
    let p = plan_of(&[], &[event("Staff meeting")], &[]);
    assert!(
        matches!(&p.actions[..], [Action::CreateReservation { link, .. }] if link == &LinkId::for_event(&GraphEventId::new("E1")))
    );
}

#[test]
fn tagged_event_created_before_a_crash_is_relinked_not_duplicated() {
    let b = block("Choir");
    let mut e = event("Choir");
    e.tag = Some(LinkId::for_block(&b.key));
    let p = plan_of(&[b], &[e], &[]);
    assert!(matches!(&p.actions[..], [Action::Relink { .. }]), "{p:?}");
}

#[test]
fn tagged_event_whose_block_is_gone_is_deleted_not_copied_back() {
    let mut e = event("Old");
    e.tag = Some(LinkId::new("b:r:gone"));
    let p = plan_of(&[], &[e], &[]);
    assert!(
        matches!(&p.actions[..], [Action::DeleteEvent { .. }]),
        "{p:?}"
    );
}

#[test]
fn block_that_left_the_window_with_its_event_is_left_alone() {
    let mut b = block("Last year");
    b.content.when = When::Timed {
        start: Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2025, 1, 1, 11, 0, 0).unwrap(),
    };
    let link = Link {
        id: LinkId::new("L"),
        block: Some(b.key.clone()),
        event: Some(GraphEventId::new("E1")),
        booking_hash: Some(b.content.hash()),
        calendar_hash: Some(b.content.hash()),
        origin: Side::Booking,
        state: LinkState::Synced,
    };
    assert!(plan_of(&[b.clone()], &[], &[link]).is_empty());
    // And a new block outside the window is not created either.
    assert!(plan_of(&[b], &[], &[]).is_empty());
}

#[test]
fn links_held_in_conflict_are_left_alone() {
    let link = Link {
        id: LinkId::new("L"),
        block: Some(BlockKey::new("r:1")),
        event: Some(GraphEventId::new("E1")),
        booking_hash: Some(content("synced").hash()),
        calendar_hash: Some(content("synced").hash()),
        origin: Side::Booking,
        state: LinkState::Conflict,
    };
    let p = plan_of(&[block("a")], &[event("b")], &[link]);
    assert!(p.is_empty());
    assert_eq!(p.held, 1);
}

#[test]
fn outlook_edit_of_a_fragment_is_a_conflict() {
    let mut b = block("Allocation");
    b.covered_by = vec![ReservationId::new("ev")];
    let link = Link {
        id: LinkId::new("L"),
        block: Some(b.key.clone()),
        event: Some(GraphEventId::new("E1")),
        booking_hash: Some(b.content.hash()),
        calendar_hash: Some(b.content.hash()),
        origin: Side::Booking,
        state: LinkState::Synced,
    };
    let p = plan_of(&[b], &[event("edited")], &[link]);
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(p.conflicts[0].kind, ConflictKind::FragmentEdit);
}

#[test]
fn reservation_created_from_outlook_before_a_crash_is_relinked_not_copied_back() {
    // The link was journaled with the Outlook event; the booking create landed, the commit
    // did not. The reservation comes back through the feed carrying the link's tag.
    let e = event("Staff meeting");
    let link = Link {
        id: LinkId::for_event(&e.id),
        block: None,
        event: Some(e.id.clone()),
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Calendar,
        state: LinkState::Pending,
    };
    let mut b = block("Staff meeting");
    b.key = BlockKey::new("r:99");
    b.tag = Some(link.id.clone());
    let p = plan_of(&[b], &[e], &[link]);
    assert!(
        matches!(&p.actions[..], [Action::Relink { block, .. }] if block.as_str() == "r:99"),
        "{p:?}"
    );
}

#[test]
fn outlook_meeting_covered_by_a_booking_event_is_an_overlap_conflict_not_a_deletion() {
    let e = event("Interview");
    let link = Link {
        id: LinkId::for_event(&e.id),
        block: Some(BlockKey::new("r:7")),
        event: Some(e.id.clone()),
        booking_hash: Some(e.content.hash()),
        calendar_hash: Some(e.content.hash()),
        origin: Side::Calendar,
        state: LinkState::Synced,
    };
    let room = RoomId::new("room");
    // The meeting's own reservation (r:7) is hidden under a booking-system event (r:8).
    let (start, end) = e.content.when.instants(chrono_tz::Europe::Oslo);
    let item = |key: &str, from_outlook| Footprint {
        key: BlockKey::new(format!("r:{key}")),
        source: ReservationId::new(key),
        occurrence: None,
        level: crate::reservation::Level::Event,
        start,
        end,
        content: e.content.clone(),
        version: 1,
        from_outlook,
    };
    let footprint = [item("8", false), item("7", true)];
    let p = plan(&PlanInput {
        room: &room,
        zone: chrono_tz::Europe::Oslo,
        window: window(),
        blocks: &[],
        footprint: &footprint,
        events: std::slice::from_ref(&e),
        links: std::slice::from_ref(&link),
        policy: Policy::Manual,
        decisions: &[],
        series: &[],
        privacy: Privacy::Full,
        withdrawn: &[],
        restores: &[],
        capabilities: crate::capability::Capabilities::ALL,
        language: crate::i18n::Lang::En,
    });
    assert!(p.actions.is_empty(), "{p:?}");
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(p.conflicts[0].kind, ConflictKind::Overlap);
}

fn deletions(n: usize) -> Plan {
    Plan {
        actions: (0..n)
            .map(|i| Action::DeleteEvent {
                link: LinkId::new(format!("L{i}")),
                event: GraphEventId::new(format!("E{i}")),
            })
            .collect(),
        ..Plan::default()
    }
}

#[test]
fn the_breaker_trips_only_past_its_share_and_its_floor() {
    let b = Breaker::default(); // 30 %, and up to 5 always allowed
    let table = [
        // (deletions, linked, trips)
        (5, 6, false),   // within the floor, even if it is most of a small room
        (6, 100, false), // 6 % of a large room
        (30, 100, false),
        (31, 100, true),
        (6, 10, true),
        (0, 0, false),
    ];
    for (n, linked, trips) in table {
        assert_eq!(
            b.check(&deletions(n), linked).is_some(),
            trips,
            "{n} deletions of {linked}"
        );
    }
}

mod declines;
mod naming;
mod policies;
mod read_only;
mod series_and_moves;
