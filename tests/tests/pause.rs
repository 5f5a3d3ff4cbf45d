//! Pausing and resuming rooms through `App` and the headless HTTP API: a paused room writes
//! nothing to either side, keeps its changes waiting, and catches up once resumed.

use roombridge_app::http::{self, HttpOptions};
use roombridge_app::views::{RoomState, Update};
use roombridge_tests::{Harness, at, subjects};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";
const FJORD: &str = "res-town-hall-b";
const FJORD_MAILBOX: &str = "fjord@nordvik.kommune.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_room_does_not_sync_and_catches_up_when_resumed() {
    let h = Harness::start().await;
    let mut updates = h.app.subscribe();

    let paused = h.app.pause_room(GYM).expect("the gym exists");
    assert!(paused.paused);
    assert_eq!(paused.status, RoomState::Paused);
    // Open screens hear about it at once.
    let update = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(Update::Room(view)) = updates.recv().await
                && view.id == GYM
            {
                return view;
            }
        }
    })
    .await
    .expect("a room update for the paused gym");
    assert!(update.paused);

    h.booking
        .create(GYM, "Choir rehearsal", at(3, 17), at(3, 19))
        .await;
    h.booking
        .create(FJORD, "Board meeting", at(3, 9), at(3, 10))
        .await;
    h.cycle().await;
    h.cycle().await;

    assert_eq!(
        subjects(&h.graph.events(FJORD_MAILBOX).await),
        ["Board meeting"]
    );
    assert!(
        h.graph.events(GYM_MAILBOX).await.is_empty(),
        "a paused room writes nothing to Outlook"
    );
    let gym_history = h.app.list_history(Some(50), Some(GYM)).unwrap();
    assert!(gym_history.is_empty(), "{gym_history:#?}");

    let resumed = h.app.resume_room(GYM).expect("the gym exists");
    assert!(!resumed.paused);
    assert_ne!(resumed.status, RoomState::Paused);
    h.cycle().await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Choir rehearsal"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_an_unknown_room_is_not_found() {
    let h = Harness::start().await;
    let error = h.app.pause_room("no-such-room").unwrap_err();
    assert_eq!(error.code, roombridge_app::ErrorCode::NotFound);
    let error = h.app.resume_room("no-such-room").unwrap_err();
    assert_eq!(error.code, roombridge_app::ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_all_and_resume_all_over_http_change_every_room() {
    let h = Harness::start().await;
    let ui = tempfile::tempdir().unwrap();
    let server = http::serve(
        h.app.clone(),
        HttpOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            ui_dir: ui.path().to_path_buf(),
            token: "test-token".into(),
        },
    )
    .await
    .expect("the server starts");
    let client = reqwest::Client::new();
    let post = |path: &str| {
        client
            .post(format!("http://{}/api{path}", server.addr))
            .bearer_auth("test-token")
            .send()
    };

    let rooms: serde_json::Value = post("/rooms/pause-all")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rooms = rooms.as_array().expect("every room");
    assert_eq!(rooms.len(), 15);
    assert!(
        rooms
            .iter()
            .all(|r| r["paused"] == true && r["status"] == "paused")
    );
    assert!(h.app.list_rooms().unwrap().iter().all(|r| r.paused));

    h.booking
        .create(FJORD, "Board meeting", at(3, 9), at(3, 10))
        .await;
    let reports = h
        .app
        .sync_all(roombridge_engine::CycleMode::Execute)
        .await
        .unwrap();
    assert!(
        reports.iter().all(|r| r.plan.is_empty() && r.executed == 0),
        "no room plans or writes anything while everything is paused: {reports:#?}"
    );
    assert!(h.graph.events(FJORD_MAILBOX).await.is_empty());

    let room: serde_json::Value = post(&format!("/rooms/{FJORD}/resume"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(room["paused"], false);
    let room: serde_json::Value = post(&format!("/rooms/{FJORD}/pause"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(room["paused"], true);

    let rooms: serde_json::Value = post("/rooms/resume-all")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        rooms
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["paused"] == false)
    );
    h.cycle().await;
    assert_eq!(
        subjects(&h.graph.events(FJORD_MAILBOX).await),
        ["Board meeting"]
    );

    let missing = post("/rooms/no-such-room/pause").await.unwrap();
    assert_eq!(missing.status(), 404);
}
