//! Decisions on conflicts and conflict policies through `App`, in demo mode: the real
//! emulators over loopback, a real SQLite file and the real actors. The demo municipality has
//! Outlook meetings that double-book two rooms (overlap conflicts).

use std::sync::Arc;
use std::time::Duration;

use roombridge_app::views::ConflictView;
use roombridge_app::{App, ErrorCode};
use roombridge_core::Side;
use roombridge_core::policy::{Choice, FieldOwnership};
use roombridge_engine::EngineConfig;

async fn demo() -> (Arc<App>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = roombridge_app::setup::start_demo(dir.path(), EngineConfig::default())
        .await
        .expect("demo mode starts");
    (app, dir)
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `secs` seconds.
async fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
        .find(|c| c.choices == ["keep_booking", "keep_calendar"])
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
            .find(|e| e.kind == "conflict_decided")
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
    assert!(
        refused.message.contains("keep_booking"),
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
