//! A booking system that lets RoomBridge write events only (PorticoEstate): what Outlook does
//! to an allocation or a booking never becomes a write the booking system refuses every cycle.

use super::policies::*;
use super::series_and_moves::*;
use super::*;
use crate::capability::Capabilities;

/// PorticoEstate's capabilities: events only, and a write keeps a title and timed local times.
fn events_only() -> Capabilities {
    fn keeps(content: &Content) -> Content {
        let (start, end) = content.instants(chrono_tz::Europe::Oslo);
        Content {
            title: content.title.trim().to_owned(),
            when: When::Timed { start, end },
            time_zone: "Europe/Oslo".into(),
            organisation: String::new(),
            description: String::new(),
        }
    }
    Capabilities {
        writable: &[Level::Event],
        stores: keeps,
    }
}

/// A synced allocation (or a block of `level`), edited (`Some(title)`) or deleted (`None`) in
/// Outlook, under `policy`.
fn outlook_touched(level: Level, edit: Option<&str>, policy: Policy, modified: Modified) -> Room {
    let mut room = room_with(Kind::DeletedInCalendar, modified, policy);
    room.blocks[0].level = level;
    room.blocks[0].content = content("synced");
    if let Some(title) = edit {
        let mut e = event(title);
        e.modified = match modified {
            Modified::Newer => Some(block_updated_at() + chrono::Duration::hours(1)),
            Modified::Older => Some(block_updated_at() - chrono::Duration::hours(1)),
            Modified::Unknown => None,
        };
        room.events = vec![e];
    }
    room.footprint = vec![footprint_of(&room.blocks[0])];
    room.capabilities = events_only();
    room
}

#[test]
fn an_outlook_change_to_what_the_booking_system_will_not_take_goes_back_or_waits() {
    use Modified::*;
    let fields = Policy::Fields(title_from_outlook());
    let alloc = Level::Allocation;
    #[rustfmt::skip]
    let table = [
        // A person decides; the conflict says why it cannot be written.
        (Policy::Manual, alloc, Some("outlook edit"), Unknown, "conflict:read_only"),
        (Policy::Manual, alloc, None, Unknown, "conflict:read_only"),
        (Policy::Manual, Level::Booking, Some("outlook edit"), Unknown, "conflict:read_only"),
        // The booking system's version goes back to Outlook.
        (Policy::BookingWins, alloc, Some("outlook edit"), Unknown, "update_event,resolved:read_only:policy"),
        (Policy::BookingWins, alloc, None, Unknown, "create_event,resolved:read_only:policy"),
        (Policy::LatestWins, alloc, Some("outlook edit"), Newer, "update_event,resolved:read_only:policy"),
        (fields, alloc, Some("outlook edit"), Unknown, "update_event,resolved:read_only:policy"),
        // Outlook is to win, but cannot: a person decides.
        (Policy::CalendarWins, alloc, Some("outlook edit"), Unknown, "conflict:read_only"),
        (Policy::CalendarWins, alloc, None, Unknown, "conflict:read_only"),
        // Events are written as before.
        (Policy::Manual, Level::Event, Some("outlook edit"), Unknown, "update_reservation"),
        (Policy::Manual, Level::Event, None, Unknown, "cancel_reservation"),
    ];
    let mut failures = Vec::new();
    for (policy, level, edit, modified, expected) in table {
        let got = summary(&outlook_touched(level, edit, policy, modified).plan());
        if got != expected {
            failures.push(format!(
                "{policy} × {level:?} {edit:?}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_held_read_only_conflict_can_only_keep_the_booking_system_version() {
    let keep_b = outlook_touched(
        Level::Allocation,
        Some("outlook edit"),
        Policy::Manual,
        Modified::Unknown,
    )
    .held(Some(Choice::KeepBooking));
    assert_eq!(
        summary(&keep_b.plan()),
        "update_event,resolved:read_only:decision"
    );
    let keep_c = outlook_touched(
        Level::Allocation,
        Some("outlook edit"),
        Policy::Manual,
        Modified::Unknown,
    )
    .held(Some(Choice::KeepCalendar));
    assert_eq!(summary(&keep_c.plan()), "held:1");
    assert_eq!(ConflictKind::ReadOnly.choices(), &["keep_booking"]);
}

#[test]
fn a_meeting_over_an_allocation_cannot_take_the_room_from_it() {
    let mut room = held_double_booking(Some(Choice::KeepCalendar));
    room.capabilities = events_only();
    for b in &mut room.blocks {
        b.level = Level::Allocation;
    }
    for f in &mut room.footprint {
        f.level = Level::Allocation;
    }
    // Giving the room to the meeting would cancel the allocation: it waits instead.
    assert_eq!(summary(&room.plan()), "held:1");
    // Moving the allocation is refused with what to do instead.
    let refused = check_on(&room, move_to(Side::Booking, at(19, 0), at(20, 0))).unwrap_err();
    assert!(
        refused.contains("Move the Outlook meeting instead"),
        "{refused}"
    );
    // Keeping the allocation is carried out: the room's own meeting leaves its calendar.
    room.decisions[0].choice = Choice::KeepBooking;
    assert_eq!(
        summary(&room.plan()),
        "delete_event,resolved:overlap:decision"
    );
}

#[test]
fn the_booking_system_holding_what_it_keeps_of_outlook_is_the_same_reservation() {
    // RoomBridge wrote an all-day Outlook meeting with a description to the booking system,
    // and the answer was lost: the booking system holds a timed copy without the description.
    let mut meeting = event("Board day ");
    meeting.content.when = When::AllDay {
        start: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
    };
    meeting.content.description = "Agenda attached".into();
    meeting.content.organisation = String::new();
    let mut copy = block("x");
    copy.content = (events_only().stores)(&meeting.content);
    copy.tag = Some(LinkId::for_event(&meeting.id));
    let mut room = Room {
        policy: Policy::Manual,
        capabilities: events_only(),
        ..Room::default()
    };
    room.links = vec![Link {
        id: LinkId::for_event(&meeting.id),
        block: None,
        event: Some(meeting.id.clone()),
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Calendar,
        state: LinkState::Pending,
    }];
    room.footprint = vec![footprint_of(&copy)];
    room.blocks = vec![copy];
    room.events = vec![meeting];
    assert_eq!(summary(&room.plan()), "relink");
    // The contract keeps everything, so there the same difference is a real one.
    room.capabilities = Capabilities::ALL;
    assert_eq!(summary(&room.plan()), "conflict:edit");
}
