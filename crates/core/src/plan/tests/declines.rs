//! What the room tells an organizer when it declines or cancels a meeting.

#[allow(unused_imports)]
use super::policies::*;
use super::*;

pub(super) fn declined_message(room: &Room) -> String {
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
        message.contains("“Choir practice” (Club) holds the room"),
        "{message}"
    );
    assert!(
        message.contains("from Tue 1 Dec 18:00 to 19:00"),
        "{message}"
    );
    assert!(!message.contains("17:00"), "UTC times leaked: {message}");
}

#[test]
fn the_organiser_is_told_in_the_organisations_language() {
    let mut room = room_with(Kind::Overlap, Modified::Unknown, Policy::BookingWins);
    room.language = crate::i18n::Lang::Nb;
    let message = declined_message(&room);
    assert_eq!(
        message,
        "«Choir practice» (Club) har rommet fra tir. 1. des. 18:00 til 19:00 i bookingsystemet. \
         Rommet avslo dette møtet fordi reservasjoner i bookingsystemet går foran her. Velg et \
         annet tidspunkt eller et annet rom."
    );
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

/// One Outlook meeting over two booking-system reservations is one conflict, and deciding it
/// sends its organiser one message that names both.
#[test]
fn a_meeting_over_two_reservations_is_one_conflict_and_one_message() {
    let mut room = room_with(Kind::Overlap, Modified::Unknown, Policy::Manual);
    let mut band = block("Band rehearsal");
    band.key = BlockKey::new("r:9");
    band.source = ReservationId::new("9");
    band.content = timed("Band rehearsal", at(18, 15), at(19, 0));
    let mut band_event = event("Band rehearsal");
    band_event.id = GraphEventId::new("E9");
    band_event.content = band.content.clone();
    room.footprint.push(footprint_of(&band));
    room.links.push(synced_link(
        "b:r:9",
        "r:9",
        "E9",
        band.content.hash(),
        Side::Booking,
    ));
    room.blocks.push(band);
    room.events.push(band_event);

    let held = room.plan();
    assert_eq!(held.conflicts.len(), 1, "{held}");
    assert_eq!(held.conflicts[0].kind, ConflictKind::Overlap);

    let decided = held_overlap(room, Some(Choice::KeepBooking)).plan();
    let declines: Vec<&String> = decided
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::DeclineEvent { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(declines.len(), 1, "{decided}");
    assert!(declines[0].contains("“Choir practice”"), "{}", declines[0]);
    assert!(declines[0].contains("“Band rehearsal”"), "{}", declines[0]);
}
