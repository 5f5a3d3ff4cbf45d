//! A room's own page through `App`, in demo mode (real emulators over loopback, a real SQLite
//! file, the real actors): the pieces of a day with where they come from and how they stand,
//! the double booking the demo seeds, and the plan the room's next sync would carry out.

mod support {
    pub mod wait;
}
use support::wait::wait_for;

use roombridge_app::ErrorCode;
use roombridge_app::calendar::{CalendarInput, ItemSource, ItemState};
use roombridge_core::policy::Choice;
use roombridge_core::{Side, When};
use roombridge_engine::EngineConfig;

fn input(room: &str, from: Option<&str>, days: Option<u32>) -> CalendarInput {
    CalendarInput {
        room: room.into(),
        from: from.map(Into::into),
        days,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_page_shows_its_pieces_the_double_booking_and_what_the_next_sync_would_do() {
    let dir = tempfile::tempdir().unwrap();
    let app = roombridge_app::setup::start_demo(dir.path(), EngineConfig::default())
        .await
        .unwrap();
    let conflicts = wait_for(60, "the demo's double bookings", || {
        let open = app.list_conflicts().unwrap();
        (open.len() >= 2).then_some(open)
    })
    .await;
    // An hour between polls: a decision waits until asked.
    app.update_settings(&roombridge_app::settings::SettingsUpdate {
        poll_interval_secs: Some(3600),
        ..Default::default()
    })
    .unwrap();
    let overlap = conflicts
        .iter()
        .find(|c| {
            c.choices == ["keep_booking", "keep_calendar", "move"]
                && matches!(
                    c.calendar.as_ref().map(|m| &m.when),
                    Some(When::Timed { .. })
                )
        })
        .expect("a double booking by a timed meeting");
    let meeting = overlap.calendar.as_ref().unwrap();
    let When::Timed { start, end } = meeting.when else {
        unreachable!()
    };
    let day = start
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
        .to_string();

    let page = app
        .room_calendar(&input(&overlap.room_id, Some(&day), Some(1)))
        .unwrap();
    assert_eq!((page.from.as_str(), page.days), (day.as_str(), 1));
    assert_eq!(page.time_zone, "Europe/Oslo");
    assert!(!page.items.is_empty());
    let starts: Vec<_> = page.items.iter().map(|i| i.start.clone()).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "by start");
    // Every piece overlaps the day.
    let day_start =
        roombridge_core::content::midnight(day.parse().unwrap(), chrono_tz::Europe::Oslo);
    let day_end = day_start + chrono::Duration::hours(24);
    for item in &page.items {
        let s = chrono::DateTime::parse_from_rfc3339(&item.start).unwrap();
        let e = chrono::DateTime::parse_from_rfc3339(&item.end).unwrap();
        assert!(s < day_end && e > day_start, "{item:?} is not on {day}");
    }

    // The Outlook meeting that double-books the room is there, in its conflict, beside the
    // booking-system reservation it clashes with, which is in Outlook as RoomBridge wrote it.
    let clash = page
        .items
        .iter()
        .find(|i| i.conflict == Some(overlap.id))
        .unwrap_or_else(|| panic!("the conflict's meeting: {:#?}", page.items));
    assert_eq!(clash.source, ItemSource::Outlook);
    assert_eq!(clash.content.title, meeting.title);
    assert!(clash.reservation.is_none() && clash.outlook_event.is_some());
    let held = page
        .items
        .iter()
        .find(|i| {
            i.source != ItemSource::Outlook
                && i.content.title == overlap.booking.as_ref().unwrap().title
        })
        .unwrap_or_else(|| panic!("the reservation: {:#?}", page.items));
    assert_eq!(held.state, ItemState::Synced);
    assert!(held.reservation.is_some() && held.outlook_event.is_some());
    let (hs, he) = (
        chrono::DateTime::parse_from_rfc3339(&held.start).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&held.end).unwrap(),
    );
    assert!(hs < end && he > start, "they overlap");

    // Settled: the next sync would write nothing, and leaves the conflict held.
    assert!(page.plan.steps.is_empty(), "{:?}", page.plan.steps);
    assert!(page.plan.held >= 1);

    // A decision that waits is in the plan: the meeting is declined, its organiser told.
    app.decide_conflict(overlap.id, Choice::KeepBooking, "test", "")
        .unwrap();
    let page = app
        .room_calendar(&input(&overlap.room_id, Some(&day), Some(1)))
        .unwrap();
    let [decline] = &page.plan.steps[..] else {
        panic!("one step: {:?}", page.plan.steps);
    };
    assert_eq!(
        (decline.action, decline.side, decline.title.as_str()),
        ("decline_event", Side::Calendar, meeting.title.as_str())
    );
    assert_eq!(decline.told.as_deref(), Some(meeting.organisation.as_str()));

    // Today and a week by default; a page asks for what it can show.
    let week = app
        .room_calendar(&input(&overlap.room_id, None, None))
        .unwrap();
    assert_eq!(week.days, 7);
    assert_eq!(
        week.from,
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .date_naive()
            .to_string()
    );
    let wrong = app
        .room_calendar(&input(&overlap.room_id, Some("1. desember"), None))
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::InvalidInput);
    assert!(wrong.message.contains("2026-12-01"), "{}", wrong.message);
    let too_many = app
        .room_calendar(&input(&overlap.room_id, None, Some(400)))
        .unwrap_err();
    assert_eq!(too_many.code, ErrorCode::InvalidInput);
    let nowhere = app
        .room_calendar(&input("no-such-room", None, None))
        .unwrap_err();
    assert_eq!(nowhere.code, ErrorCode::NotFound);
    app.shutdown().await;
}

/// The history keeps what each row says in words beside its English detail: the UI and a
/// Norwegian CSV say it in bokmål, the audit (JSON Lines, the hash chain) keeps the English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_rows_say_why_in_the_readers_language() {
    use roombridge_app::export::ExportFormat;
    use roombridge_app::query::HistoryQuery;
    use roombridge_core::i18n::Lang;

    let dir = tempfile::tempdir().unwrap();
    let app = roombridge_app::setup::start_demo(dir.path(), EngineConfig::default())
        .await
        .unwrap();
    wait_for(60, "the demo's double bookings", || {
        (app.list_conflicts().unwrap().len() >= 2).then_some(())
    })
    .await;
    let created = HistoryQuery {
        kind: Some("create_event".into()),
        limit: Some(1),
        ..Default::default()
    };
    let row = &app.query_history(&created).unwrap()[0];
    assert_eq!(
        row.detail,
        "New in the booking system; added to the Outlook room calendar."
    );
    let said = row.said.as_ref().expect("the row keeps its words");
    assert_eq!(
        said.say(Lang::Nb),
        "Ny i bookingsystemet; lagt inn i romkalenderen i Outlook."
    );
    let conflict = HistoryQuery {
        kind: Some("conflict".into()),
        limit: Some(1),
        ..Default::default()
    };
    let row = &app.query_history(&conflict).unwrap()[0];
    assert!(
        row.said
            .as_ref()
            .unwrap()
            .say(Lang::Nb)
            .starts_with("Et Outlook-møte dobbeltbooker rommet")
    );

    let csv = app
        .export_history(&created, ExportFormat::Csv, Some(Lang::Nb))
        .unwrap()
        .text;
    assert!(
        csv.contains("Ny i bookingsystemet; lagt inn i romkalenderen i Outlook."),
        "{csv}"
    );
    let jsonl = app
        .export_history(&created, ExportFormat::Jsonl, Some(Lang::Nb))
        .unwrap()
        .text;
    assert!(jsonl.contains("New in the booking system; added to the Outlook room calendar."));
    assert!(app.verify_audit().unwrap().ok);
    app.shutdown().await;
}
