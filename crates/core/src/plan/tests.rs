//! The decision table as data: every arm of `decide`, one row each.

use super::*;
use crate::compose::{Block, Footprint};
use crate::content::When;
use chrono::{TimeZone, Utc};

/// How a side looks in a case: the same words as the decision table.
#[derive(Debug, Clone, Copy)]
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
    let from_outlook = matches!(booking, S::Absent);
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

// ---------------------------------------------------------------------------------------------
// Policies and decisions, as data: policy × conflict kind, and a person's choice on a held link.
// ---------------------------------------------------------------------------------------------

use crate::policy::{Choice, FieldOwnership};
use crate::reservation::Level;
use chrono::{DateTime, NaiveDate};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
}

fn timed(title: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Content {
    Content {
        when: When::Timed {
            start: from,
            end: to,
        },
        ..content(title)
    }
}

fn synced_link(id: &str, key: &str, event: &str, hash: ContentHash, origin: Side) -> Link {
    Link {
        id: LinkId::new(id),
        block: Some(BlockKey::new(key)),
        event: Some(GraphEventId::new(event)),
        booking_hash: Some(hash.clone()),
        calendar_hash: Some(hash),
        origin,
        state: LinkState::Synced,
    }
}

fn footprint_of(b: &Block) -> Footprint {
    let (start, end) = b.content.when.instants(chrono_tz::Europe::Oslo);
    Footprint {
        key: b.item_key(),
        source: b.source.clone(),
        occurrence: b.occurrence,
        level: b.level,
        start,
        end,
        content: b.content.clone(),
        version: b.source_version,
        from_outlook: b.tag.is_some(),
    }
}

/// One room's inputs, owned, for the table rows.
#[derive(Debug, Clone, Default)]
struct Room {
    blocks: Vec<Block>,
    footprint: Vec<Footprint>,
    events: Vec<CalendarEvent>,
    links: Vec<Link>,
    policy: Policy,
    decisions: Vec<Decided>,
}

impl Room {
    fn plan(&self) -> Plan {
        let room = RoomId::new("room");
        plan(&PlanInput {
            room: &room,
            zone: chrono_tz::Europe::Oslo,
            window: window(),
            blocks: &self.blocks,
            footprint: &self.footprint,
            events: &self.events,
            links: &self.links,
            policy: self.policy,
            decisions: &self.decisions,
            series: &[],
            privacy: Privacy::Full,
        })
    }

    /// The link every case revolves around is held in conflict, with `choice` decided on it.
    fn held(mut self, choice: Option<Choice>) -> Room {
        let link = &mut self.links[0];
        link.state = LinkState::Conflict;
        self.decisions = choice
            .map(|choice| Decided {
                link: link.id.clone(),
                choice,
            })
            .into_iter()
            .collect();
        self
    }
}

/// A plan in one line: action kinds, then conflicts, held links and resolutions.
fn summary(p: &Plan) -> String {
    let mut out: Vec<String> = p.actions.iter().map(|a| a.kind().to_string()).collect();
    out.extend(
        p.conflicts
            .iter()
            .map(|c| format!("conflict:{}", c.kind.as_str())),
    );
    if p.held > 0 {
        out.push(format!("held:{}", p.held));
    }
    out.extend(p.resolved.iter().map(|r| {
        let by = match r.by {
            ResolvedBy::Policy { .. } => "policy",
            ResolvedBy::Decision { .. } => "decision",
        };
        format!("resolved:{}:{by}", r.kind.as_str())
    }));
    if out.is_empty() {
        "nothing".into()
    } else {
        out.join(",")
    }
}

/// The conflict kinds a case can be built around.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Retitled and moved in the booking system, retitled in Outlook.
    Edit,
    /// Deleted in the booking system, retitled in Outlook.
    DeletedInBooking,
    /// Retitled in the booking system, deleted in Outlook.
    DeletedInCalendar,
    /// An allocation fragment (cut by an event) retitled in Outlook.
    FragmentEdit,
    /// A new Outlook meeting over a booking-system event.
    Overlap,
}

/// When Outlook says it last changed the event, against the block's `updated_at` (20 Nov 12:00).
#[derive(Debug, Clone, Copy)]
enum Modified {
    Unknown,
    Newer,
    Older,
}

fn block_updated_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn room_with(kind: Kind, modified: Modified, policy: Policy) -> Room {
    let synced = content("synced");
    let modified = match modified {
        Modified::Unknown => None,
        Modified::Newer => Some(block_updated_at() + chrono::Duration::hours(1)),
        Modified::Older => Some(block_updated_at() - chrono::Duration::hours(1)),
    };
    let edited_event = |title: &str| CalendarEvent {
        modified,
        ..event(title)
    };
    let mut room = Room {
        policy,
        ..Room::default()
    };
    match kind {
        Kind::Edit => {
            let mut b = block("booking edit");
            b.content.when = When::Timed {
                start: at(18, 0),
                end: at(19, 0),
            };
            room.blocks = vec![b];
            room.events = vec![edited_event("outlook edit")];
            room.links = vec![synced_link("L", "r:1", "E1", synced.hash(), Side::Booking)];
        }
        Kind::DeletedInBooking => {
            room.events = vec![edited_event("outlook edit")];
            room.links = vec![synced_link("L", "r:1", "E1", synced.hash(), Side::Booking)];
        }
        Kind::DeletedInCalendar => {
            room.blocks = vec![block("booking edit")];
            room.links = vec![synced_link("L", "r:1", "E1", synced.hash(), Side::Booking)];
        }
        Kind::FragmentEdit => {
            let mut b = block("synced");
            b.level = Level::Allocation;
            b.covered_by = vec![ReservationId::new("ev")];
            room.footprint = vec![footprint_of(&b)];
            room.blocks = vec![b];
            room.events = vec![edited_event("outlook edit")];
            room.links = vec![synced_link("L", "r:1", "E1", synced.hash(), Side::Booking)];
        }
        Kind::Overlap => {
            // The new meeting comes first in `links` once it is held; the booking-system event
            // it double-books is synced to its own Outlook event E8.
            let mut choir = block("Choir practice");
            choir.key = BlockKey::new("r:8");
            choir.source = ReservationId::new("8");
            let mut choir_event = event("Choir practice");
            choir_event.id = GraphEventId::new("E8");
            let mut meeting = edited_event("Interview");
            meeting.content = timed("Interview", at(17, 30), at(18, 30));
            meeting.is_organizer = false;
            room.footprint = vec![footprint_of(&choir)];
            room.links = vec![synced_link(
                "b:r:8",
                "r:8",
                "E8",
                choir.content.hash(),
                Side::Booking,
            )];
            room.blocks = vec![choir];
            room.events = vec![meeting, choir_event];
        }
    }
    room
}

/// The link a held overlap conflict is recorded on, as the engine writes it for a new meeting.
fn held_overlap(mut room: Room, choice: Option<Choice>) -> Room {
    room.links.insert(
        0,
        Link {
            id: LinkId::for_event(&GraphEventId::new("E1")),
            block: None,
            event: Some(GraphEventId::new("E1")),
            booking_hash: None,
            calendar_hash: None,
            origin: Side::Calendar,
            state: LinkState::Pending,
        },
    );
    room.held(choice)
}

fn title_from_outlook() -> FieldOwnership {
    FieldOwnership {
        times: Side::Booking,
        title: Side::Calendar,
        details: Side::Booking,
    }
}

#[test]
fn policies_resolve_each_kind_of_conflict_or_hold_it() {
    use Kind::*;
    use Modified::*;
    let fields = Policy::Fields(title_from_outlook());
    #[rustfmt::skip]
    let table = [
        // Manual: every kind waits for a person.
        (Policy::Manual, Edit, Unknown, "conflict:edit"),
        (Policy::Manual, DeletedInBooking, Unknown, "conflict:delete_edit"),
        (Policy::Manual, DeletedInCalendar, Unknown, "conflict:delete_edit"),
        (Policy::Manual, FragmentEdit, Unknown, "conflict:fragment_edit"),
        (Policy::Manual, Overlap, Unknown, "conflict:overlap"),
        // Booking wins: Outlook is brought in line with the booking system.
        (Policy::BookingWins, Edit, Unknown, "update_event,resolved:edit:policy"),
        // The booking deletion stands: the edited event goes too.
        (Policy::BookingWins, DeletedInBooking, Unknown, "delete_event,resolved:delete_edit:policy"),
        // The booking edit stands: the deleted event is written again.
        (Policy::BookingWins, DeletedInCalendar, Unknown, "create_event,resolved:delete_edit:policy"),
        // The fragment is written back over Outlook's edit.
        (Policy::BookingWins, FragmentEdit, Unknown, "update_event,resolved:fragment_edit:policy"),
        // The double-booking meeting is declined as the room.
        (Policy::BookingWins, Overlap, Unknown, "decline_event,resolved:overlap:policy"),
        // Calendar wins: the booking system is brought in line with Outlook...
        (Policy::CalendarWins, Edit, Unknown, "update_reservation,resolved:edit:policy"),
        (Policy::CalendarWins, DeletedInBooking, Unknown, "create_reservation,resolved:delete_edit:policy"),
        (Policy::CalendarWins, DeletedInCalendar, Unknown, "cancel_reservation,resolved:delete_edit:policy"),
        // ...except where it cannot be written back (a fragment of a longer reservation)...
        (Policy::CalendarWins, FragmentEdit, Unknown, "conflict:fragment_edit"),
        // ...and it never cancels a booking-system reservation for a meeting unasked.
        (Policy::CalendarWins, Overlap, Unknown, "conflict:overlap"),
        // Latest wins: Outlook changed after the booking system.
        (Policy::LatestWins, Edit, Newer, "update_reservation,resolved:edit:policy"),
        (Policy::LatestWins, FragmentEdit, Newer, "conflict:fragment_edit"),
        // Latest wins: the booking system changed last.
        (Policy::LatestWins, Edit, Older, "update_event,resolved:edit:policy"),
        (Policy::LatestWins, FragmentEdit, Older, "update_event,resolved:fragment_edit:policy"),
        // Latest wins without Outlook's time: nobody can say which came last.
        (Policy::LatestWins, Edit, Unknown, "conflict:edit"),
        (Policy::LatestWins, FragmentEdit, Unknown, "conflict:fragment_edit"),
        // A deletion has no time: the surviving edit wins, whatever Outlook says.
        (Policy::LatestWins, DeletedInBooking, Older, "create_reservation,resolved:delete_edit:policy"),
        (Policy::LatestWins, DeletedInCalendar, Unknown, "create_event,resolved:delete_edit:policy"),
        (Policy::LatestWins, Overlap, Newer, "conflict:overlap"),
        // Fields (times from booking, title from Outlook): both sides get the merge.
        (fields, Edit, Unknown, "update_reservation,update_event,resolved:edit:policy"),
        // A merge needs both versions; deletions, fragments and double bookings wait.
        (fields, DeletedInBooking, Unknown, "conflict:delete_edit"),
        (fields, DeletedInCalendar, Unknown, "conflict:delete_edit"),
        (fields, FragmentEdit, Unknown, "conflict:fragment_edit"),
        (fields, Overlap, Unknown, "conflict:overlap"),
    ];
    let mut failures = Vec::new();
    for (policy, kind, modified, expected) in table {
        let got = summary(&room_with(kind, modified, policy).plan());
        if got != expected {
            failures.push(format!(
                "{policy} × {kind:?} (Outlook modified {modified:?}): expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fields_policy_writes_the_merge_to_both_sides() {
    let p = room_with(
        Kind::Edit,
        Modified::Unknown,
        Policy::Fields(title_from_outlook()),
    )
    .plan();
    let written: Vec<(&str, &Content)> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::UpdateReservation { content, .. } | Action::UpdateEvent { content, .. } => {
                Some((a.kind(), content))
            }
            _ => None,
        })
        .collect();
    let merged = timed("outlook edit", at(18, 0), at(19, 0));
    assert_eq!(
        written,
        vec![("update_reservation", &merged), ("update_event", &merged)]
    );
}

#[test]
fn decisions_on_held_conflicts_act_and_are_recorded_as_resolved() {
    use Kind::*;
    let merge = Some(Choice::Merge(title_from_outlook()));
    let keep_b = Some(Choice::KeepBooking);
    let keep_c = Some(Choice::KeepCalendar);
    let move_b = Some(move_to(Side::Booking, at(19, 0), at(20, 0)));
    let move_c = Some(move_to(Side::Calendar, at(19, 0), at(20, 0)));
    #[rustfmt::skip]
    let table = [
        // No decision: the link stays held, whatever the policy, and nothing is written.
        (Edit, Policy::BookingWins, None, "held:1"),
        (DeletedInBooking, Policy::CalendarWins, None, "held:1"),
        (FragmentEdit, Policy::BookingWins, None, "held:1"),
        (Overlap, Policy::BookingWins, None, "held:1"),
        // Edit: each choice writes the losing side.
        (Edit, Policy::Manual, keep_b, "update_event,resolved:edit:decision"),
        (Edit, Policy::Manual, keep_c, "update_reservation,resolved:edit:decision"),
        (Edit, Policy::Manual, merge, "update_reservation,update_event,resolved:edit:decision"),
        // A decision overrides the room's policy.
        (Edit, Policy::BookingWins, keep_c, "update_reservation,resolved:edit:decision"),
        // Delete/edit, deleted in the booking system.
        (DeletedInBooking, Policy::Manual, keep_b, "delete_event,resolved:delete_edit:decision"),
        (DeletedInBooking, Policy::Manual, keep_c, "create_reservation,resolved:delete_edit:decision"),
        // A merge cannot be carried out on a deletion: still held.
        (DeletedInBooking, Policy::Manual, merge, "held:1"),
        // Delete/edit, deleted in Outlook.
        (DeletedInCalendar, Policy::Manual, keep_b, "create_event,resolved:delete_edit:decision"),
        (DeletedInCalendar, Policy::Manual, keep_c, "cancel_reservation,resolved:delete_edit:decision"),
        // Fragment edit: only the booking system's version can stand.
        (FragmentEdit, Policy::Manual, keep_b, "update_event,resolved:fragment_edit:decision"),
        (FragmentEdit, Policy::Manual, keep_c, "held:1"),
        // Double booking: decline the meeting, or give the room to it (the booking-system event
        // in the way is cancelled, and the meeting becomes a reservation).
        (Overlap, Policy::Manual, keep_b, "decline_event,resolved:overlap:decision"),
        (Overlap, Policy::Manual, keep_c, "cancel_reservation,create_reservation,resolved:overlap:decision"),
        // Or keep both: the booking-system event moves to a free hour and the meeting becomes
        // a reservation. The meeting itself is someone else's, so only its organizer could
        // move it: still held.
        (Overlap, Policy::Manual, move_b, "move_reservation,create_reservation,resolved:overlap:decision"),
        (Overlap, Policy::Manual, move_c, "held:1"),
        // Moving is for double bookings; on an edit conflict it cannot be carried out.
        (Edit, Policy::Manual, move_b, "held:1"),
    ];
    let mut failures = Vec::new();
    for (kind, policy, choice, expected) in table {
        let room = room_with(kind, Modified::Unknown, policy);
        let room = match kind {
            Overlap => held_overlap(room, choice),
            _ => room.held(choice),
        };
        let got = summary(&room.plan());
        if got != expected {
            failures.push(format!(
                "{kind:?} under {policy}, decided {choice:?}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_decision_both_sides_already_match_settles_the_link() {
    // Held as an edit conflict, then someone made both sides equal before deciding.
    let mut room = room_with(Kind::Edit, Modified::Unknown, Policy::Manual);
    room.events[0].content = room.blocks[0].content.clone();
    let p = room.held(Some(Choice::KeepCalendar)).plan();
    assert_eq!(summary(&p), "relink,resolved:edit:decision");
    // Nothing changed at all since the conflict was held: the decision settles it.
    let mut room = room_with(Kind::Edit, Modified::Unknown, Policy::Manual);
    room.blocks[0].content = content("synced");
    room.events[0].content = content("synced");
    let p = room.held(Some(Choice::KeepBooking)).plan();
    assert_eq!(summary(&p), "settle,resolved:edit:decision");
}

fn declined_message(room: &Room) -> String {
    let p = room.plan();
    match &p.actions[..] {
        [Action::DeclineEvent { event, message, .. }] if event.as_str() == "E1" => message.clone(),
        other => panic!("expected one decline of E1, got {other:?}"),
    }
}

#[test]
fn a_declined_double_booking_names_the_reservation_and_its_local_times() {
    let room = room_with(Kind::Overlap, Modified::Unknown, Policy::BookingWins);
    let message = declined_message(&room);
    // 17:00-18:00 UTC is 18:00-19:00 in Oslo in December.
    assert!(
        message.contains("\"Choir practice\" (Club) holds the room"),
        "{message}"
    );
    assert!(
        message.contains("from Tue 01 Dec 18:00 to 19:00"),
        "{message}"
    );
    assert!(!message.contains("17:00"), "UTC times leaked: {message}");
}

#[test]
fn a_meeting_during_a_closure_is_declined_because_the_room_is_closed() {
    let mut room = room_with(Kind::Overlap, Modified::Unknown, Policy::BookingWins);
    room.blocks[0].level = Level::Closure;
    room.blocks[0].content.title = "Floor maintenance".into();
    room.footprint = vec![footprint_of(&room.blocks[0])];
    room.links[0].booking_hash = Some(room.blocks[0].content.hash());
    room.links[0].calendar_hash = Some(room.events[1].content.hash());
    let message = declined_message(&room);
    assert!(
        message.contains("The room is closed (Floor maintenance)"),
        "{message}"
    );
    // Under manual, the same meeting is a held double booking showing the closure.
    room.policy = Policy::Manual;
    let p = room.plan();
    assert_eq!(summary(&p), "conflict:overlap");
    assert_eq!(
        p.conflicts[0].booking.as_ref().map(|c| c.title.as_str()),
        Some("Floor maintenance")
    );
}

#[test]
fn an_overlap_conflict_shows_the_reservation_in_the_way() {
    let p = room_with(Kind::Overlap, Modified::Unknown, Policy::Manual).plan();
    let c = &p.conflicts[0];
    assert_eq!(c.link, LinkId::for_event(&GraphEventId::new("E1")));
    assert_eq!(
        c.booking.as_ref().map(|c| c.title.as_str()),
        Some("Choir practice")
    );
    assert_eq!(
        c.calendar.as_ref().map(|c| c.title.as_str()),
        Some("Interview")
    );
    assert!(p.actions.is_empty(), "{p:?}");
}

#[test]
fn an_event_whose_block_is_gone_is_removed_as_its_organizer_requires() {
    #[rustfmt::skip]
    let table = [
        // (is_organizer, has_attendees, expected)
        // RoomBridge's own event: a plain delete.
        (true, false, "delete_event"),
        // The room organised a meeting with attendees: cancel it, so they are told.
        (true, true, "cancel_event"),
        // Someone else's meeting: the room declines it.
        (false, false, "decline_event"),
        (false, true, "decline_event"),
    ];
    for (is_organizer, has_attendees, expected) in table {
        let e = CalendarEvent {
            is_organizer,
            has_attendees,
            ..event("synced")
        };
        let room = Room {
            links: vec![synced_link(
                "L",
                "r:1",
                "E1",
                e.content.hash(),
                Side::Booking,
            )],
            events: vec![e],
            ..Room::default()
        };
        let p = room.plan();
        assert_eq!(
            summary(&p),
            expected,
            "organizer {is_organizer}, attendees {has_attendees}"
        );
        match &p.actions[0] {
            Action::CancelEvent { message, .. } | Action::DeclineEvent { message, .. } => {
                assert!(
                    message.contains("cancelled in the booking system"),
                    "{message}"
                )
            }
            _ => {}
        }
    }
}

#[test]
fn outlook_changes_to_one_occurrence_stay_with_that_occurrence() {
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut b = block("synced");
    b.key = BlockKey::new("r:1@2026-12-01");
    b.occurrence = Some(date);
    b.level = Level::Allocation;
    let link = synced_link("L", "r:1@2026-12-01", "E1", b.content.hash(), Side::Booking);
    let room = |events: Vec<CalendarEvent>| Room {
        blocks: vec![b.clone()],
        footprint: vec![footprint_of(&b)],
        events,
        links: vec![link.clone()],
        ..Room::default()
    };
    // Deleted in Outlook: the series skips that date.
    let p = room(vec![]).plan();
    match &p.actions[..] {
        [
            Action::SkipOccurrence {
                series,
                date: d,
                version,
                ..
            },
        ] => {
            assert_eq!((series.as_str(), *d, *version), ("1", date, 3));
        }
        other => panic!("expected a skipped occurrence, got {other:?}"),
    }
    // Changed in Outlook: a single event takes that date's place.
    let p = room(vec![event("moved")]).plan();
    match &p.actions[..] {
        [
            Action::DetachOccurrence {
                series,
                date: d,
                content,
                idempotency_key,
                ..
            },
        ] => {
            assert_eq!(
                (series.as_str(), *d, content.title.as_str()),
                ("1", date, "moved")
            );
            assert!(idempotency_key.starts_with("rb-"));
        }
        other => panic!("expected a detached occurrence, got {other:?}"),
    }
}

/// A conflict held for a person, where one side went back to what was synced before the
/// decision arrived. Today the planner decides the pair afresh (`decide` gives an ordinary
/// Outlook-to-booking update) and ignores the decision: Outlook's version is written although
/// the person kept the booking system's, and no `resolved` entry is made, so the engine never
/// closes the stored conflict.
#[test]
fn a_decision_is_carried_out_even_when_one_side_went_back() {
    let mut room = room_with(Kind::Edit, Modified::Unknown, Policy::Manual);
    room.blocks[0].content = content("synced");
    let p = room.held(Some(Choice::KeepBooking)).plan();
    assert_eq!(summary(&p), "update_event,resolved:edit:decision");
}

/// Booking wins, and someone drags the Outlook copy of a booking-system reservation onto
/// another reservation. The Outlook edit is checked for double bookings first, so it becomes
/// an overlap, which booking-wins resolves by removing the room's own event (`delete_event`)
/// and cancelling the reservation it copies (`cancel_reservation`): the booking system's
/// version is lost under the policy meant to keep it. Expected: the event is put back
/// (`update_event`).
#[test]
fn booking_wins_puts_a_moved_copy_back_instead_of_cancelling_the_reservation() {
    let mut choir = block("Choir");
    let synced = choir.content.hash();
    let mut chess = block("Chess club");
    chess.key = BlockKey::new("r:8");
    chess.source = ReservationId::new("8");
    chess.content = timed("Chess club", at(12, 0), at(13, 0));
    choir.content = content("Choir");
    let mut moved = event("Choir");
    moved.content = timed("Choir", at(12, 0), at(13, 0));
    let mut chess_event = event("Chess club");
    chess_event.id = GraphEventId::new("E8");
    chess_event.content = chess.content.clone();
    let room = Room {
        footprint: vec![footprint_of(&choir), footprint_of(&chess)],
        links: vec![
            synced_link("L", "r:1", "E1", synced, Side::Booking),
            synced_link("b:r:8", "r:8", "E8", chess.content.hash(), Side::Booking),
        ],
        blocks: vec![choir, chess],
        events: vec![moved, chess_event],
        policy: Policy::BookingWins,
        ..Room::default()
    };
    let p = room.plan();
    assert_eq!(summary(&p), "update_event,resolved:overlap:policy");
}

// ---------------------------------------------------------------------------------------------
// Recurring reservations written to Outlook as series (plan/series.rs)

/// A weekly allocation on Tuesdays, 18:00-19:30 in Oslo from 1 December 2026.
fn recurring(id: &str, rrule: &str) -> crate::Reservation {
    crate::Reservation {
        id: ReservationId::new(id),
        resource: crate::ResourceId::new("gym"),
        level: crate::Level::Allocation,
        parent: None,
        content: Content {
            title: "Choir".into(),
            when: When::Timed {
                start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2026, 12, 1, 18, 30, 0).unwrap(),
            },
            time_zone: "Europe/Oslo".into(),
            organisation: "Choir".into(),
            description: String::new(),
        },
        status: crate::ReservationStatus::Active,
        version: 1,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
        recurrence: Some(crate::Repeat {
            rrule: rrule.into(),
            exdates: vec![],
        }),
        tag: None,
    }
}

fn single(id: &str, start: (u32, u32, u32), minutes: i64) -> crate::Reservation {
    let (month, day, hour) = start;
    let start = Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap();
    let mut r = recurring(id, "");
    r.recurrence = None;
    r.level = crate::Level::Event;
    r.content.title = "Concert".into();
    r.content.when = When::Timed {
        start,
        end: start + chrono::Duration::minutes(minutes),
    };
    r
}

fn plan_reservations(
    reservations: &[crate::Reservation],
    events: &[CalendarEvent],
    links: &[Link],
) -> Plan {
    let composed = crate::compose::compose(reservations, chrono_tz::Europe::Oslo, window());
    let room = RoomId::new("room");
    plan(&PlanInput {
        room: &room,
        zone: chrono_tz::Europe::Oslo,
        window: window(),
        blocks: &composed.blocks,
        footprint: &composed.footprint,
        events,
        links,
        policy: Policy::Manual,
        decisions: &[],
        series: &composed.series,
        privacy: Privacy::Full,
    })
}

fn day(d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

#[test]
fn a_new_recurring_reservation_outlook_can_show_goes_as_one_series() {
    let p = plan_reservations(&[recurring("S", "FREQ=WEEKLY;BYDAY=TU;COUNT=4")], &[], &[]);
    match &p.actions[..] {
        [
            Action::CreateSeries {
                link,
                series,
                members,
                ..
            },
        ] => {
            assert_eq!(link, &LinkId::new("b:r:S"));
            assert!(matches!(
                series.pattern,
                crate::recurrence::Pattern::Weekly { .. }
            ));
            let dates: Vec<_> = members.iter().map(|m| m.date).collect();
            assert_eq!(dates, vec![day(1), day(8), day(15), day(22)]);
            // Each occurrence keeps the link a single event of it would have.
            assert_eq!(members[1].link, LinkId::new("b:r:S@2026-12-08"));
            assert_eq!(members[1].block, BlockKey::new("r:S@2026-12-08"));
        }
        other => panic!("expected one series, got {other:?}"),
    }
}

#[test]
fn an_occurrence_a_higher_reservation_cuts_goes_as_single_fragments_beside_the_series() {
    // A concert 18:00-18:30 on 8 December covers the start of that occurrence: what is left
    // of it, 18:30-19:30, is a fragment.
    let p = plan_reservations(
        &[
            recurring("S", "FREQ=WEEKLY;BYDAY=TU;COUNT=4"),
            single("C", (12, 8, 17), 30),
        ],
        &[],
        &[],
    );
    let series: Vec<_> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::CreateSeries { members, .. } => {
                Some(members.iter().map(|m| m.date).collect::<Vec<_>>())
            }
            _ => None,
        })
        .collect();
    assert_eq!(series, vec![vec![day(1), day(15), day(22)]]);
    let singles: Vec<&str> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::CreateEvent { block, series, .. } => {
                assert!(series.is_none());
                Some(block.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(singles, vec!["r:C", "r:S@2026-12-08"]);
}

#[test]
fn a_rule_outlook_cannot_show_goes_as_single_events() {
    let p = plan_reservations(
        &[recurring("S", "FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4")],
        &[],
        &[],
    );
    assert_eq!(p.actions.len(), 4);
    assert!(
        p.actions
            .iter()
            .all(|a| matches!(a, Action::CreateEvent { series: None, .. }))
    );
}

#[test]
fn occurrences_already_written_as_single_events_stay_single() {
    let link = Link {
        id: LinkId::new("b:r:S@2026-12-01"),
        block: Some(BlockKey::new("r:S@2026-12-01")),
        event: Some(GraphEventId::new("E1")),
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Booking,
        state: LinkState::Failed,
    };
    let p = plan_reservations(
        &[recurring("S", "FREQ=WEEKLY;BYDAY=TU;COUNT=4")],
        &[],
        &[link],
    );
    assert!(
        !p.actions
            .iter()
            .any(|a| matches!(a, Action::CreateSeries { .. }))
    );
    assert_eq!(
        p.actions
            .iter()
            .filter(|a| matches!(a, Action::CreateEvent { series: None, .. }))
            .count(),
        4,
        "{p}"
    );
}

#[test]
fn a_new_occurrence_of_a_written_series_adopts_its_instance() {
    // The series is in Outlook; its first occurrence is linked. The others (say, they just
    // came into the window) name the series, so its instances are adopted, not duplicated.
    let r = recurring("S", "FREQ=WEEKLY;BYDAY=TU;COUNT=3");
    let composed =
        crate::compose::compose(std::slice::from_ref(&r), chrono_tz::Europe::Oslo, window());
    let first = composed
        .blocks
        .iter()
        .find(|b| b.key.as_str() == "r:S@2026-12-01")
        .unwrap();
    let mut instance = event("Choir");
    instance.content = first.content.clone();
    instance.tag = Some(LinkId::new("b:r:S@2026-12-01"));
    instance.instance = Some(Instance {
        master: GraphEventId::new("M"),
        original_start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap(),
        exception: false,
    });
    let link = Link {
        id: LinkId::new("b:r:S@2026-12-01"),
        block: Some(first.key.clone()),
        event: Some(instance.id.clone()),
        booking_hash: Some(first.content.hash()),
        calendar_hash: Some(instance.content.hash()),
        origin: Side::Booking,
        state: LinkState::Synced,
    };
    let p = plan_reservations(&[r], &[instance], &[link]);
    let adopted: Vec<_> = p
        .actions
        .iter()
        .map(|a| match a {
            Action::CreateEvent {
                series: Some(s), ..
            } => (s.master.as_str(), s.date),
            other => panic!("expected creates that name the series, got {other:?}"),
        })
        .collect();
    assert_eq!(adopted, vec![("M", day(8)), ("M", day(15))]);
}

#[test]
fn an_instance_reads_its_link_from_the_series_tag_and_its_own_date() {
    let mut e = event("Choir");
    // No series: the tag is the link.
    assert_eq!(
        e.link_of_tag(LinkId::new("b:r:S"), chrono_tz::Europe::Oslo),
        LinkId::new("b:r:S")
    );
    // 23:30 UTC on 1 December is 00:30 on the 2nd in Oslo, the event's zone.
    e.instance = Some(Instance {
        master: GraphEventId::new("M"),
        original_start: Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap(),
        exception: true,
    });
    assert_eq!(
        e.link_of_tag(LinkId::new("b:r:S"), chrono_tz::UTC),
        LinkId::new("b:r:S@2026-12-02")
    );
}

fn move_to(side: Side, start: DateTime<Utc>, end: DateTime<Utc>) -> Choice {
    Choice::Move(crate::policy::Move { side, start, end })
}

/// The held double booking of `room_with(Kind::Overlap, …)`: the meeting "Interview" (17:30 to
/// 18:30 UTC) over "Choir practice" (17:00 to 18:00 UTC), with the meeting organised by the room.
fn held_double_booking(choice: Option<Choice>) -> Room {
    let mut room = room_with(Kind::Overlap, Modified::Unknown, Policy::Manual);
    room.events[0].is_organizer = true;
    held_overlap(room, choice)
}

/// `check_move` on the held double booking of `room`.
fn check_on(room: &Room, m: Choice) -> Result<(), String> {
    let Choice::Move(m) = m else {
        panic!("not a move: {m:?}")
    };
    let id = RoomId::new("room");
    check_move(
        &PlanInput {
            room: &id,
            zone: chrono_tz::Europe::Oslo,
            window: window(),
            blocks: &room.blocks,
            footprint: &room.footprint,
            events: &room.events,
            links: &room.links,
            policy: room.policy,
            decisions: &[],
            series: &[],
            privacy: Privacy::Full,
        },
        &room.links[0].id,
        &m,
    )
}

#[test]
fn keeping_both_moves_the_meeting_and_copies_it_at_its_new_time() {
    let choice = move_to(Side::Calendar, at(19, 0), at(20, 0));
    let room = held_double_booking(Some(choice));
    assert_eq!(check_on(&room, choice), Ok(()));
    let p = room.plan();
    assert_eq!(
        summary(&p),
        "move_event,create_reservation,resolved:overlap:decision"
    );
    let moved = When::Timed {
        start: at(19, 0),
        end: at(20, 0),
    };
    match &p.actions[..] {
        [
            Action::MoveEvent { event, content, .. },
            Action::CreateReservation {
                content: copied, ..
            },
        ] => {
            assert_eq!(event.as_str(), "E1");
            assert_eq!(
                (&content.when, content.title.as_str()),
                (&moved, "Interview")
            );
            assert_eq!(copied, content, "the copy is the meeting at its new time");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn keeping_both_moves_the_reservation_in_the_way_and_says_why() {
    let choice = move_to(Side::Booking, at(19, 0), at(20, 30));
    let room = held_double_booking(Some(choice));
    assert_eq!(check_on(&room, choice), Ok(()));
    let p = room.plan();
    match &p.actions[..] {
        [
            Action::MoveReservation {
                link,
                reservation,
                occurrence: None,
                content,
                note,
                ..
            },
            Action::CreateReservation {
                content: meeting, ..
            },
        ] => {
            assert_eq!((link.as_str(), reservation.as_str()), ("b:r:8", "8"));
            assert_eq!(content.title, "Choir practice");
            assert_eq!(
                content.when,
                When::Timed {
                    start: at(19, 0),
                    end: at(20, 30)
                }
            );
            // 19:00 UTC is 20:00 in Oslo in December.
            assert!(note.contains("to Tue 01 Dec 20:00–21:30"), "{note}");
            assert!(note.contains("\"Interview\" keeps the room"), "{note}");
            assert_eq!(
                meeting.when,
                timed("Interview", at(17, 30), at(18, 30)).when
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_move_to_a_taken_or_impossible_time_is_refused_with_the_reason_and_stays_held() {
    let room = held_double_booking(None);
    let refused = |room: &Room, choice: Choice, words: &str| {
        let why = check_on(room, choice).expect_err("refused");
        assert!(why.contains(words), "{words:?} not in {why:?}");
        let mut decided = room.clone();
        decided.decisions = vec![Decided {
            link: room.links[0].id.clone(),
            choice,
        }];
        assert_eq!(summary(&decided.plan()), "held:1", "{why}");
    };
    // The meeting onto the choir's hour, the choir onto the meeting's.
    refused(
        &room,
        move_to(Side::Calendar, at(16, 30), at(17, 15)),
        "\"Choir practice\" holds the room in the booking system (Tue 01 Dec 18:00–19:00)",
    );
    refused(
        &room,
        move_to(Side::Booking, at(18, 0), at(19, 0)),
        "the Outlook meeting \"Interview\" holds the room",
    );
    refused(
        &room,
        move_to(Side::Booking, at(20, 0), at(19, 0)),
        "end must be after the new start",
    );
    // Someone else's meeting.
    let mut theirs = room.clone();
    theirs.events[0].is_organizer = false;
    refused(
        &theirs,
        move_to(Side::Calendar, at(19, 0), at(20, 0)),
        "only they can move it",
    );
    // A closure is not moved.
    let mut closed = room.clone();
    closed.blocks[0].level = Level::Closure;
    closed.footprint = vec![footprint_of(&closed.blocks[0])];
    refused(
        &closed,
        move_to(Side::Booking, at(19, 0), at(20, 0)),
        "a closure cannot be moved",
    );
    // Two items in the meeting's way: moving one would not free the room.
    let mut two = room.clone();
    let mut second = two.blocks[0].clone();
    second.key = BlockKey::new("r:9");
    second.source = ReservationId::new("9");
    two.footprint.push(footprint_of(&second));
    refused(
        &two,
        move_to(Side::Booking, at(19, 0), at(20, 0)),
        "2 booking-system reservations",
    );
}

/// Issue 12, bug 3: an all-day Outlook meeting is checked for double bookings on its own days,
/// in its own zone, not in the room's.
#[test]
fn an_all_day_outlook_meeting_is_checked_for_double_bookings_in_its_own_zone() {
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 21).unwrap();
    let mut b = block("Late practice");
    b.content.when = When::Timed {
        start: Utc.with_ymd_and_hms(2027, 3, 21, 1, 30, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2027, 3, 21, 2, 30, 0).unwrap(),
    };
    let footprint = [footprint_of(&b)];
    let room = RoomId::new("room");
    let outcome = |zone: &str| {
        let mut meeting = event("Conference");
        meeting.id = GraphEventId::new("E9");
        meeting.is_organizer = false;
        meeting.content.when = When::AllDay {
            start: day,
            end: day.succ_opt().unwrap(),
        };
        meeting.content.time_zone = zone.into();
        let p = plan(&PlanInput {
            room: &room,
            zone: chrono_tz::Europe::Oslo,
            window: window(),
            blocks: std::slice::from_ref(&b),
            footprint: &footprint,
            events: &[meeting],
            links: &[],
            policy: Policy::Manual,
            decisions: &[],
            series: &[],
            privacy: Privacy::Full,
        });
        summary(&p)
    };
    // 21 March in New York starts at 04:00 UTC: the practice is over by then.
    assert!(
        !outcome("America/New_York").contains("conflict"),
        "{}",
        outcome("America/New_York")
    );
    // In Oslo the same day starts at 23:00 UTC the evening before: a double booking.
    assert!(
        outcome("Europe/Oslo").contains("conflict:overlap"),
        "{}",
        outcome("Europe/Oslo")
    );
}
