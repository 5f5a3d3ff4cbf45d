//! Decisions on conflicts and conflict policies through `App`, in demo mode: the real
//! emulators over loopback, a real SQLite file and the real actors. The demo municipality has
//! Outlook meetings that double-book two rooms (overlap conflicts).

mod support {
    pub mod wait;
}
use support::wait::wait_for;

use std::sync::Arc;

use roombridge_app::decisions::{DecisionRequest, MoveRequest};
use roombridge_app::views::ConflictView;
use roombridge_app::{App, ErrorCode};
use roombridge_core::policy::{Choice, FieldOwnership};
use roombridge_core::{Content, Side, When};
use roombridge_engine::EngineConfig;

async fn demo() -> (Arc<App>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = roombridge_app::setup::start_demo(dir.path(), EngineConfig::default())
        .await
        .expect("demo mode starts");
    (app, dir)
}

async fn open_conflicts(app: &App) -> Vec<ConflictView> {
    wait_for(60, "the demo's overlap conflicts", || {
        let open = app.list_conflicts().unwrap();
        (open.len() >= 2).then_some(open)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_booking_is_carried_out_on_the_next_sync_and_audited_with_its_reason() {
    let (app, _dir) = demo().await;
    let conflicts = open_conflicts(&app).await;
    let overlap = conflicts
        .iter()
        .find(|c| c.choices == ["keep_booking", "keep_calendar", "move"])
        .expect("an overlap conflict, which cannot be merged");
    assert!(overlap.booking.is_some() && overlap.calendar.is_some());
    assert!(overlap.decision.is_none());

    let decided = app
        .decide_conflict(
            overlap.id,
            Choice::KeepBooking,
            "kari",
            "  The club has the hall on Tuesdays. ",
        )
        .expect("keep_booking is allowed");
    let pending = decided
        .decision
        .expect("the decision waits for the next sync");
    assert_eq!(
        (pending.choice, pending.by.as_str(), pending.reason.as_str()),
        ("keep_booking", "kari", "The club has the hall on Tuesdays.")
    );

    let id = overlap.id;
    wait_for(60, "the conflict to leave the inbox", || {
        let open = app.list_conflicts().unwrap();
        open.iter().all(|c| c.id != id).then_some(())
    })
    .await;
    let row = wait_for(30, "a conflict_decided history row", || {
        app.list_history(Some(500), Some(&overlap.room_id))
            .unwrap()
            .into_iter()
            .find(|e| e.kind == roombridge_app::views::HistoryKind::ConflictDecided)
    })
    .await;
    assert!(row.detail.contains("kari"), "{}", row.detail);
    assert!(
        row.detail.contains("The club has the hall on Tuesdays."),
        "{}",
        row.detail
    );

    // Deciding a closed conflict again is refused.
    let again = app
        .decide_conflict(id, Choice::KeepCalendar, "kari", "")
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidInput, "{}", again.message);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_choices_and_unknown_ids_record_nothing() {
    let (app, _dir) = demo().await;
    let conflicts = open_conflicts(&app).await;
    let overlap = conflicts
        .iter()
        .find(|c| !c.choices.iter().any(|c| c == "merge"))
        .expect("a conflict that cannot be merged");
    let merge = Choice::Merge(FieldOwnership {
        times: Side::Booking,
        title: Side::Calendar,
        details: Side::Booking,
    });

    let refused = app
        .decide_conflict(overlap.id, merge, "kari", "")
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    // In the card's words, never as codes.
    assert!(
        refused.message.contains("“Merge” is not possible")
            && refused.message.contains("Keep booking"),
        "{}",
        refused.message
    );
    assert!(
        !refused.message.contains("keep_booking"),
        "{}",
        refused.message
    );

    let unknown = app
        .decide_conflict(987_654, Choice::KeepBooking, "kari", "")
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::NotFound);

    // Bulk: one unknown id refuses the whole decision.
    let ids: Vec<i64> = conflicts.iter().map(|c| c.id).chain([987_654]).collect();
    let bulk = app
        .decide_conflicts(&ids, Choice::KeepBooking, "kari", "")
        .unwrap_err();
    assert_eq!(bulk.code, ErrorCode::NotFound);
    let empty = app
        .decide_conflicts(&[], Choice::KeepBooking, "kari", "")
        .unwrap_err();
    assert_eq!(empty.code, ErrorCode::InvalidInput);

    assert!(
        app.list_conflicts()
            .unwrap()
            .iter()
            .all(|c| c.decision.is_none()),
        "nothing was recorded"
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_decision_is_recorded_on_every_conflict() {
    let (app, _dir) = demo().await;
    let conflicts = open_conflicts(&app).await;
    let ids: Vec<i64> = conflicts.iter().map(|c| c.id).collect();
    let decided = app
        .decide_conflicts(&ids, Choice::KeepBooking, "kari", "Bookings come first")
        .expect("keep_booking is allowed for every conflict");
    assert_eq!(decided.len(), ids.len());
    assert!(decided.iter().all(|c| {
        c.decision
            .as_ref()
            .is_some_and(|d| d.choice == "keep_booking" && d.reason == "Bookings come first")
    }));
    wait_for(60, "every decided conflict to leave the inbox", || {
        let open = app.list_conflicts().unwrap();
        open.iter().all(|c| !ids.contains(&c.id)).then_some(())
    })
    .await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_have_a_default_and_rooms_may_have_their_own() {
    let (app, _dir) = demo().await;
    let policies = app.get_policies().unwrap();
    assert_eq!(policies.default, "manual");
    assert_eq!(policies.available.len(), 5);
    let room = policies.rooms[0].room_id.clone();
    assert!(
        policies
            .rooms
            .iter()
            .all(|r| r.policy.is_none() && r.effective == "manual")
    );

    let policies = app.set_default_policy("booking-wins").unwrap();
    assert_eq!(policies.default, "booking-wins");
    assert!(policies.rooms.iter().all(|r| r.effective == "booking-wins"));

    let policies = app.set_room_policy(&room, Some("latest-wins")).unwrap();
    let own = policies.rooms.iter().find(|r| r.room_id == room).unwrap();
    assert_eq!(
        (own.policy.as_deref(), own.effective.as_str()),
        (Some("latest-wins"), "latest-wins")
    );
    let policies = app
        .set_room_policy(&room, Some("fields:title=calendar"))
        .unwrap();
    let own = policies.rooms.iter().find(|r| r.room_id == room).unwrap();
    assert_eq!(
        own.effective,
        "fields:times=booking,title=calendar,details=booking"
    );

    let policies = app.set_room_policy(&room, None).unwrap();
    let own = policies.rooms.iter().find(|r| r.room_id == room).unwrap();
    assert_eq!(
        (own.policy.as_deref(), own.effective.as_str()),
        (None, "booking-wins")
    );

    let unknown = app.set_default_policy("outlook-wins").unwrap_err();
    assert_eq!(unknown.code, ErrorCode::InvalidInput);
    let unknown = app
        .set_room_policy(&room, Some("outlook-wins"))
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::InvalidInput);
    let no_room = app.set_room_policy("no-such-room", None).unwrap_err();
    assert_eq!(no_room.code, ErrorCode::NotFound);
    assert_eq!(app.get_policies().unwrap().default, "booking-wins");
    app.shutdown().await;
}

/// A move request for `side` to `start`..`end`, local times in the room's zone.
fn move_request(side: Side, start: &str, end: &str) -> DecisionRequest {
    DecisionRequest {
        choice: "move".into(),
        merge: None,
        move_to: Some(MoveRequest {
            side,
            start: start.into(),
            end: end.into(),
        }),
        reason: "Both are needed".into(),
    }
}

/// The local date (Oslo, the demo's zone) of `content`'s start.
fn local_day(content: &Content) -> chrono::NaiveDate {
    match content.when {
        When::Timed { start, .. } => start.with_timezone(&chrono_tz::Europe::Oslo).date_naive(),
        When::AllDay { start, .. } => start,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeping_both_moves_the_reservation_in_the_way_to_a_free_time_and_copies_the_meeting() {
    let (app, _dir) = demo().await;
    let conflicts = open_conflicts(&app).await;
    let mut refusals = Vec::new();
    let mut chosen = None;
    for c in conflicts
        .iter()
        .filter(|c| c.choices.iter().any(|x| x == "move"))
    {
        let booking = c.booking.as_ref().expect("the reservation in the way");
        let day = local_day(booking);
        // The demo's meetings are organised by staff, not by the room: only they can move them.
        let theirs = move_request(
            Side::Calendar,
            &format!("{day}T05:00"),
            &format!("{day}T06:00"),
        );
        let refused = app
            .decide_conflict(c.id, app.choice_for(c.id, &theirs).unwrap(), "kari", "")
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(
            refused.message.contains("only they can move it"),
            "{}",
            refused.message
        );
        // Onto the meeting itself: refused, naming the meeting.
        let calendar = c.calendar.as_ref().expect("the meeting");
        let onto = match calendar.when {
            When::Timed { start, end } => (start.to_rfc3339(), end.to_rfc3339()),
            When::AllDay { .. } => continue,
        };
        let onto = move_request(Side::Booking, &onto.0, &onto.1);
        match app.decide_conflict(c.id, app.choice_for(c.id, &onto).unwrap(), "kari", "") {
            Err(e) if e.message.contains(&calendar.title) => {}
            // More than one reservation in the meeting's way: moving one would not free it.
            Err(e) => {
                refusals.push(e.message);
                continue;
            }
            Ok(v) => panic!("a move onto the meeting was recorded: {v:?}"),
        }
        chosen = Some((c.clone(), day));
        break;
    }
    let (c, day) = chosen.unwrap_or_else(|| panic!("no movable double booking: {refusals:?}"));
    assert!(
        app.list_conflicts()
            .unwrap()
            .iter()
            .all(|o| o.decision.is_none()),
        "refused moves record nothing"
    );

    // Early morning on the same day is free in the demo.
    let free = move_request(
        Side::Booking,
        &format!("{day}T06:00"),
        &format!("{day}T07:30"),
    );
    let decided = app
        .decide_conflict(
            c.id,
            app.choice_for(c.id, &free).unwrap(),
            "kari",
            &free.reason,
        )
        .expect("a move to a free time is recorded");
    let pending = decided.decision.expect("pending until the next sync");
    let moved = pending.move_to.expect("the move is shown while it waits");
    assert_eq!((pending.choice, moved.side), ("move", Side::Booking));
    assert_eq!(
        moved
            .start
            .with_timezone(&chrono_tz::Europe::Oslo)
            .format("%H:%M")
            .to_string(),
        "06:00"
    );

    wait_for(60, "the conflict to leave the inbox", || {
        let open = app.list_conflicts().unwrap();
        open.iter().all(|o| o.id != c.id).then_some(())
    })
    .await;
    let history = app.list_history(Some(500), Some(&c.room_id)).unwrap();
    let moved_row = history
        .iter()
        .find(|e| e.kind == roombridge_app::views::HistoryKind::MoveReservation)
        .expect("the move is in the history");
    assert!(
        moved_row.detail.contains("06:00–07:30"),
        "{}",
        moved_row.detail
    );
    let meeting = c.calendar.as_ref().unwrap();
    assert!(
        history.iter().any(
            |e| e.kind == roombridge_app::views::HistoryKind::CreateReservation
                && e.title == meeting.title
        ),
        "the meeting is copied to the booking system"
    );
    // The moved reservation's Outlook event follows on the next sync, and nothing is in
    // conflict again.
    let booking = c.booking.as_ref().unwrap();
    app.sync_room(&c.room_id).unwrap();
    wait_for(
        60,
        "the moved reservation's Outlook event to follow",
        || {
            app.list_history(Some(500), Some(&c.room_id))
                .unwrap()
                .into_iter()
                .find(|e| {
                    e.kind == roombridge_app::views::HistoryKind::UpdateEvent
                        && e.title == booking.title
                        && e.seq > moved_row.seq
                })
        },
    )
    .await;
    assert!(
        app.list_conflicts()
            .unwrap()
            .iter()
            .all(|o| o.room_id != c.room_id || o.calendar.as_ref() != Some(meeting)),
        "this meeting (the demo repeats it weekly, so title and times) is not a double booking \
         any more"
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_is_decided_one_double_booking_at_a_time() {
    let request = move_request(Side::Booking, "2030-01-01T06:00", "2030-01-01T07:00");
    let bulk = request.choice().unwrap_err();
    assert_eq!(bulk.code, ErrorCode::InvalidInput);
    assert!(
        bulk.message.contains("one double booking at a time"),
        "{}",
        bulk.message
    );
    let zone = chrono_tz::Europe::Oslo;
    match request.choice_in(zone) {
        Ok(Choice::Move(m)) => assert_eq!(m.start.to_rfc3339(), "2030-01-01T05:00:00+00:00"),
        other => panic!("{other:?}"),
    }
    let mut garbled = request.clone();
    garbled.move_to.as_mut().unwrap().end = "tomorrow".into();
    assert_eq!(
        garbled.choice_in(zone).unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

/// On PorticoEstate, RoomBridge may not cancel an allocation: "keep Outlook's version" of an
/// Outlook meeting that double-books one is refused at once, saying what to do instead, rather
/// than recorded and left waiting for ever. Keeping the allocation is carried out. On an event,
/// which RoomBridge may cancel, keeping Outlook's version is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeping_outlook_over_an_allocation_is_refused_with_what_to_do_instead() {
    let dir = tempfile::tempdir().unwrap();
    let app = roombridge_app::setup::start_demo_on(
        dir.path(),
        EngineConfig::default(),
        roombridge_app::setup::BookingSystem::Porticoestate,
    )
    .await
    .expect("demo mode on PorticoEstate starts");
    let title = |c: &ConflictView| {
        c.booking
            .as_ref()
            .map(|b| b.title.clone())
            .unwrap_or_default()
    };
    let conflicts = wait_for(60, "the PorticoEstate demo's double bookings", || {
        let open = app.list_conflicts().unwrap();
        (open.iter().any(|c| title(c) == "Nordvik seniorforum")
            && open.iter().any(|c| title(c) == "Kulturutvalget"))
        .then_some(open)
    })
    .await;
    let over_allocation = conflicts
        .iter()
        .find(|c| title(c) == "Nordvik seniorforum")
        .unwrap();
    let refused = app
        .decide_conflict(over_allocation.id, Choice::KeepCalendar, "kari", "")
        .expect_err("an allocation cannot be cancelled by RoomBridge");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(
        refused.message.contains("Nordvik seniorforum")
            && refused
                .message
                .contains("Keep the booking system's version"),
        "{}",
        refused.message
    );
    assert!(
        app.list_conflicts()
            .unwrap()
            .iter()
            .any(|c| c.id == over_allocation.id && c.decision.is_none()),
        "nothing recorded"
    );
    app.decide_conflict(over_allocation.id, Choice::KeepBooking, "kari", "")
        .expect("keeping the allocation is carried out");
    let id = over_allocation.id;
    wait_for(60, "the decided conflict to leave the inbox", || {
        let open = app.list_conflicts().unwrap();
        open.iter().all(|c| c.id != id).then_some(())
    })
    .await;

    let over_event = conflicts
        .iter()
        .find(|c| title(c) == "Kulturutvalget")
        .unwrap();
    app.decide_conflict(over_event.id, Choice::KeepCalendar, "kari", "")
        .expect("an event RoomBridge may cancel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_says_what_it_will_do_and_can_be_undone_until_a_sync_carries_it_out() {
    let (app, _dir) = demo().await;
    let conflicts = open_conflicts(&app).await;
    // An hour between polls: nothing carries the decision out unless asked.
    app.update_settings(&roombridge_app::settings::SettingsUpdate {
        poll_interval_secs: Some(3600),
        organiser_language: Some("nb".into()),
        ..Default::default()
    })
    .unwrap();
    let overlap = conflicts
        .iter()
        .find(|c| c.choices == ["keep_booking", "keep_calendar", "move"])
        .expect("an overlap conflict");
    let meeting = overlap.calendar.as_ref().unwrap();
    let reservation = overlap.booking.as_ref().unwrap();

    // Beforehand: what each side gets, and who is told what, in the organisation's language.
    let previews = app.preview_decisions(overlap.id).unwrap();
    let keep_booking = previews
        .iter()
        .find(|p| p.choice == "keep_booking")
        .unwrap();
    assert_eq!(keep_booking.refused, None);
    let [decline] = &keep_booking.steps[..] else {
        panic!("one step: {:?}", keep_booking.steps);
    };
    assert_eq!(
        (decline.action, decline.side, decline.title.as_str()),
        ("decline_event", Side::Calendar, meeting.title.as_str())
    );
    assert_eq!(decline.told.as_deref(), Some(meeting.organisation.as_str()));
    let message = decline.message.as_deref().unwrap();
    assert!(message.contains("Rommet avslo dette møtet"), "{message}");
    assert!(message.contains(&reservation.title), "{message}");
    let keep_calendar = previews
        .iter()
        .find(|p| p.choice == "keep_calendar")
        .unwrap();
    assert!(
        keep_calendar
            .steps
            .iter()
            .any(|s| s.action == "cancel_reservation"
                && s.side == Side::Booking
                && s.title == reservation.title),
        "{:?}",
        keep_calendar.steps
    );

    // Decided, then undone before a sync: the conflict waits again, nothing was written.
    let decided = app
        .decide_conflict(overlap.id, Choice::KeepBooking, "kari", "")
        .unwrap();
    assert!(decided.decision.is_some());
    let undone = app.undo_decision(overlap.id, "ola").unwrap();
    assert!(undone.decision.is_none());
    let open = app.list_conflicts().unwrap();
    let again = open
        .iter()
        .find(|c| c.id == overlap.id)
        .expect("still open");
    assert!(again.decision.is_none());
    // Both are in the history: who decided what, and who withdrew it.
    let rows = app.list_history(Some(50), Some(&overlap.room_id)).unwrap();
    let recorded = rows
        .iter()
        .find(|e| e.kind == roombridge_app::views::HistoryKind::DecisionRecorded)
        .expect("the decision is in the history");
    assert!(
        recorded
            .detail
            .starts_with("kari decided to keep the booking system's version"),
        "{}",
        recorded.detail
    );
    let withdrawn = rows
        .iter()
        .find(|e| e.kind == roombridge_app::views::HistoryKind::DecisionWithdrawn)
        .expect("the withdrawal is in the history");
    assert!(
        withdrawn.detail.starts_with("ola withdrew the decision"),
        "{}",
        withdrawn.detail
    );

    // Decided and carried out at once: then the undo is the history's business.
    app.decide_conflict(overlap.id, Choice::KeepBooking, "kari", "")
        .unwrap();
    app.carry_out_now(&[overlap.id]).unwrap();
    let id = overlap.id;
    wait_for(60, "the decision to be carried out", || {
        let open = app.list_conflicts().unwrap();
        open.iter().all(|c| c.id != id).then_some(())
    })
    .await;
    let late = app.undo_decision(id, "ola").unwrap_err();
    assert_eq!(late.code, ErrorCode::InvalidInput);
    assert!(
        late.message.contains("already carried out"),
        "{}",
        late.message
    );
    app.shutdown().await;
}
