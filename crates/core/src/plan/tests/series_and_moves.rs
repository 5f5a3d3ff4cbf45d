#[allow(unused_imports)]
use super::policies::*;
use super::*;

// ---------------------------------------------------------------------------------------------
// Recurring reservations written to Outlook as series (plan/series.rs)

/// A weekly allocation on Tuesdays, 18:00-19:30 in Oslo from 1 December 2026.
pub(super) fn recurring(id: &str, rrule: &str) -> crate::Reservation {
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

pub(super) fn single(id: &str, start: (u32, u32, u32), minutes: i64) -> crate::Reservation {
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

pub(super) fn plan_reservations(
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
        withdrawn: &[],
        restores: &[],
        capabilities: crate::capability::Capabilities::ALL,
        language: crate::i18n::Lang::En,
    })
}

pub(super) fn day(d: u32) -> chrono::NaiveDate {
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

pub(super) fn move_to(side: Side, start: DateTime<Utc>, end: DateTime<Utc>) -> Choice {
    Choice::Move(crate::policy::Move { side, start, end })
}

/// The held double booking of `room_with(Kind::Overlap, …)`: the meeting "Interview" (17:30 to
/// 18:30 UTC) over "Choir practice" (17:00 to 18:00 UTC), with the meeting organised by the room.
pub(super) fn held_double_booking(choice: Option<Choice>) -> Room {
    let mut room = room_with(Kind::Overlap, Modified::Unknown, Policy::Manual);
    room.events[0].is_organizer = true;
    held_overlap(room, choice)
}

/// The planner's input for `room` as the app checks a move: no decisions taken.
fn undecided<'a>(room: &'a Room, id: &'a RoomId) -> PlanInput<'a> {
    PlanInput {
        room: id,
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
        withdrawn: &[],
        restores: &[],
        capabilities: room.capabilities,
        language: crate::i18n::Lang::En,
    }
}

/// `check_move` on the held double booking of `room`.
pub(super) fn check_on(room: &Room, m: Choice) -> Result<(), String> {
    let Choice::Move(m) = m else {
        panic!("not a move: {m:?}")
    };
    let id = RoomId::new("room");
    check_move(&undecided(room, &id), &room.links[0].id, &m)
        .map_err(|w| w.say(crate::i18n::Lang::En))
}

#[test]
fn keeping_both_suggests_the_nearest_free_times_instead_of_the_clash() {
    // "Choir practice" 17:00-18:00 UTC under the meeting "Interview" 17:30-18:30 UTC.
    let room = held_double_booking(None);
    let id = RoomId::new("room");
    let input = undecided(&room, &id);
    let hour = chrono::Duration::hours(1);
    let suggested = free_times(
        &input,
        &room.links[0].id,
        Side::Booking,
        at(17, 0),
        hour,
        at(0, 0),
        3,
    );
    let starts: Vec<_> = suggested.iter().map(|m| (m.start, m.end)).collect();
    // Half an hour earlier ends as the meeting starts; later times clash until 18:30.
    assert_eq!(
        starts,
        [
            (at(16, 30), at(17, 30)),
            (at(16, 15), at(17, 15)),
            (at(16, 0), at(17, 0))
        ]
    );
    for m in &suggested {
        assert_eq!(check_on(&room, Choice::Move(*m)), Ok(()), "{m:?}");
    }
    // Nothing before `not_before`: then the nearest is after the meeting.
    let later = free_times(
        &input,
        &room.links[0].id,
        Side::Booking,
        at(17, 0),
        hour,
        at(17, 0),
        1,
    );
    assert_eq!(later[0].start, at(18, 30));
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
        "\"Choir practice\" holds the room in the booking system (Tue 1 Dec 18:00–19:00)",
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
            withdrawn: &[],
            restores: &[],
            capabilities: crate::capability::Capabilities::ALL,
            language: crate::i18n::Lang::En,
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
