#[allow(unused_imports)]
use super::series_and_moves::*;
use super::*;

// ---------------------------------------------------------------------------------------------
// Policies and decisions, as data: policy × conflict kind, and a person's choice on a held link.
// ---------------------------------------------------------------------------------------------

pub(super) use crate::policy::{Choice, FieldOwnership};
pub(super) use crate::reservation::Level;
pub(super) use chrono::{DateTime, NaiveDate};

pub(super) fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
}

pub(super) fn timed(title: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Content {
    Content {
        when: When::Timed {
            start: from,
            end: to,
        },
        ..content(title)
    }
}

pub(super) fn synced_link(
    id: &str,
    key: &str,
    event: &str,
    hash: ContentHash,
    origin: Side,
) -> Link {
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

pub(super) fn footprint_of(b: &Block) -> Footprint {
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
pub(super) struct Room {
    pub(super) blocks: Vec<Block>,
    pub(super) footprint: Vec<Footprint>,
    pub(super) events: Vec<CalendarEvent>,
    pub(super) links: Vec<Link>,
    pub(super) policy: Policy,
    pub(super) decisions: Vec<Decided>,
    pub(super) capabilities: crate::capability::Capabilities,
    pub(super) language: crate::i18n::Lang,
}

impl Room {
    pub(super) fn plan(&self) -> Plan {
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
            withdrawn: &[],
            restores: &[],
            capabilities: self.capabilities,
            language: self.language,
        })
    }

    /// The link every case revolves around is held in conflict, with `choice` decided on it.
    pub(super) fn held(mut self, choice: Option<Choice>) -> Room {
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
pub(super) fn summary(p: &Plan) -> String {
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
pub(super) enum Kind {
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
pub(super) enum Modified {
    Unknown,
    Newer,
    Older,
}

pub(super) fn block_updated_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

pub(super) fn room_with(kind: Kind, modified: Modified, policy: Policy) -> Room {
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
pub(super) fn held_overlap(mut room: Room, choice: Option<Choice>) -> Room {
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

pub(super) fn title_from_outlook() -> FieldOwnership {
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
