//! Settings and the Overview's operations through `App`, in demo mode: the real emulators
//! over loopback, a real SQLite file and the real actors.

use std::sync::Arc;
use std::time::Duration;

use roombridge_app::overview::Span;
use roombridge_app::settings::{NotificationsView, SettingsUpdate};
use roombridge_app::{App, ErrorCode};
use roombridge_core::privacy::Privacy;
use roombridge_engine::{CycleMode, EngineConfig};

async fn demo(dir: &tempfile::TempDir) -> Arc<App> {
    roombridge_app::setup::start_demo(dir.path(), EngineConfig::default())
        .await
        .expect("demo mode starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_poll_interval_reaches_every_running_room_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo(&dir).await;
    let rooms = app.list_rooms().unwrap().len();
    let before = app.engine().poll_intervals().await.unwrap();
    assert_eq!(before.len(), rooms);
    assert!(
        before
            .iter()
            .all(|(_, p)| *p == Some(Duration::from_secs(roombridge_engine::DEFAULT_POLL_SECS)))
    );

    let view = app
        .update_settings(&SettingsUpdate {
            poll_interval_secs: Some(300),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(view.poll_interval_secs, 300);
    // The supervisor passes it on to every room actor; ask them.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = app.engine().poll_intervals().await.unwrap();
        if now.len() == rooms
            && now
                .iter()
                .all(|(_, p)| *p == Some(Duration::from_secs(300)))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rooms still at {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_are_refused_with_a_message_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo(&dir).await;
    let before = app.settings().unwrap();
    let err = app
        .update_settings(&SettingsUpdate {
            poll_interval_secs: Some(4),
            days_back: Some(7),
            privacy: Some("reserved".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("between 5 seconds and 60 minutes"),
        "{}",
        err.message
    );
    // One bad field refuses the whole change.
    assert_eq!(app.settings().unwrap(), before);
    assert_eq!(before.privacy, Privacy::Full);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_stored_and_shown_with_where_the_data_lives() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo(&dir).await;
    let quiet = NotificationsView {
        failures: true,
        sign_in: true,
        conflicts: false,
    };
    let view = app
        .update_settings(&SettingsUpdate {
            days_back: Some(3),
            days_ahead: Some(120),
            privacy: Some("organisation".into()),
            notifications: Some(quiet),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((view.days_back, view.days_ahead), (3, 120));
    assert_eq!(view.privacy, Privacy::Organisation);
    assert_eq!(view.notifications, quiet);
    assert_eq!(app.settings().unwrap(), view);
    let data_dir = view.paths.data_dir.expect("a data folder");
    assert_eq!(
        std::path::Path::new(&data_dir).canonicalize().unwrap(),
        dir.path().canonicalize().unwrap()
    );
    assert!(view.paths.database.unwrap().ends_with("demo.sqlite"));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_a_sync_and_its_graph_requests() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo(&dir).await;
    app.sync_all(CycleMode::Execute).await.unwrap();
    let activity = app.activity(Span::Day).unwrap();
    assert_eq!(activity.buckets.len(), 24);
    let last = activity.buckets.last().unwrap();
    // The demo's first sync writes its reservations to Outlook and finds its double bookings.
    assert!(last.ok > 0, "{last:?}");
    assert!(last.conflicts > 0, "{last:?}");
    let fortnight = app.activity(Span::Fortnight).unwrap();
    assert_eq!(fortnight.buckets.len(), 14);
    assert_eq!(fortnight.buckets.last().unwrap().ok, last.ok);

    let budget = app.graph_budget().unwrap();
    let rooms = app.list_rooms().unwrap();
    for room in &rooms {
        let b = budget
            .iter()
            .find(|b| b.room_name.as_deref() == Some(room.name.as_str()))
            .unwrap_or_else(|| panic!("no budget row for {}", room.name));
        assert!(b.used > 0, "{b:?}");
        assert_eq!((b.limit, b.window_secs), (10_000, 600));
    }
    app.shutdown().await;
}
