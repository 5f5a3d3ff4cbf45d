//! The window's commands through Tauri's IPC and the capability in
//! `capabilities/main-window.json`, on the mock runtime (no display, no D-Bus), with RoomBridge
//! started in demo mode exactly as `roombridge-desktop --demo` starts it.

use std::path::Path;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

use roombridge_desktop::{
    Launch, MAIN_WINDOW, NotificationPrefs, context, register, start_in_background,
};

/// The demo municipality's rooms and equipment.
const DEMO_ROOMS: usize = 15;

struct Desktop {
    // Dropped last: the app's database lives here.
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

/// The desktop app on the mock runtime with the real configuration, commands and start-up.
fn desktop(demo: bool, data_dir: &Path) -> Desktop {
    let app = register(mock_builder())
        .build(context())
        .expect("the app builds from tauri.conf.json");
    // No desktop notifications from these tests: they are about commands, and a notification
    // would start the session's notification server (tests/notifications.rs runs its own).
    app.manage(
        tokio::sync::watch::channel(NotificationPrefs {
            failures: false,
            sign_in: false,
            conflicts: false,
        })
        .0,
    );
    let launch = Launch {
        demo,
        data_dir: Some(data_dir.to_path_buf()),
        hidden: false,
    };
    app.manage(start_in_background(app.handle().clone(), launch));
    let window = match app.get_webview_window(MAIN_WINDOW) {
        Some(window) => window,
        None => tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
            .build()
            .expect("the mock runtime creates windows"),
    };
    Desktop { _app: app, window }
}

/// Carries out the operation `op` the way the UI's `TauriBackend` does from the window's page:
/// the `call` command with `{ op, input }`.
fn invoke(window: &WebviewWindow<MockRuntime>, op: &str, input: Value) -> Result<Value, Value> {
    command(window, "call", json!({ "op": op, "input": input }))
}

/// Invokes the command `cmd` the way `@tauri-apps/api` does from the window's page.
fn command(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| {
        body.deserialize::<Value>()
            .expect("commands answer with JSON")
    })
}

#[test]
fn demo_mode_serves_the_window_its_rooms_status_history_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    let rooms = invoke(w, "list_rooms", json!({})).expect("list_rooms succeeds");
    let rooms = rooms.as_array().expect("a list of rooms");
    assert_eq!(rooms.len(), DEMO_ROOMS, "{rooms:#?}");
    assert!(
        rooms
            .iter()
            .all(|r| r["id"].is_string() && r["mailbox"].is_string())
    );

    let status = invoke(w, "status", json!({})).expect("status succeeds");
    assert_eq!(status["mode"], "demo");
    assert_eq!(status["rooms"], DEMO_ROOMS);

    let room = rooms[0]["id"].as_str().unwrap();
    let history = invoke(w, "list_history", json!({ "limit": 5, "room": room }));
    assert!(history.expect("list_history succeeds").is_array());
    let history = invoke(w, "list_history", json!({ "limit": null, "room": null }));
    assert!(
        history
            .expect("list_history without a filter succeeds")
            .is_array()
    );
    let filtered = invoke(
        w,
        "list_history",
        json!({ "limit": 5, "room": room, "outcome": "ok", "search": "x", "from": "2026-01-01" }),
    );
    assert!(
        filtered
            .expect("list_history with filters succeeds")
            .is_array()
    );
    // Exports speak the language chosen in Settings (else the system's).
    invoke(w, "update_settings", json!({ "language": "en" })).expect("the language is saved");
    let export = invoke(
        w,
        "export_history",
        json!({ "format": "csv", "room": room }),
    )
    .expect("export_history succeeds");
    assert!(
        export["text"]
            .as_str()
            .unwrap()
            .starts_with("\u{feff}No.,Time,Time zone,Time (UTC),Room,Room id,What happened,")
    );
    assert_eq!(
        invoke(w, "export_history", json!({ "format": "xlsx" })).unwrap_err()["code"],
        "invalid_input"
    );
    let verify = invoke(w, "verify_audit", json!({})).expect("verify_audit succeeds");
    assert_eq!(verify["ok"], true);
    let conflicts = invoke(w, "list_conflicts", json!({}));
    assert!(conflicts.expect("list_conflicts succeeds").is_array());

    // Mappings: rename, remove and add back, through the capability.
    let edited = invoke(
        w,
        "edit_room",
        json!({ "room": room, "name": "Renamed in the window" }),
    )
    .expect("edit_room succeeds");
    assert_eq!(edited["name"], "Renamed in the window");
    let options = invoke(w, "mapping_options", json!({})).expect("mapping_options succeeds");
    assert!(options["mailboxes"].as_array().unwrap().len() >= 10);
    let removed = rooms
        .iter()
        .find(|r| r["id"] != room)
        .expect("a second room")
        .clone();
    let other = removed["id"].as_str().unwrap();
    assert_eq!(
        invoke(w, "remove_room", json!({ "room": other })),
        Ok(json!({}))
    );
    let added = invoke(
        w,
        "add_room",
        json!({ "resource_id": removed["resource_id"], "mailbox": removed["mailbox"] }),
    )
    .expect("add_room succeeds");
    assert_eq!(added["mailbox"], removed["mailbox"]);

    assert_eq!(
        invoke(w, "sync_room", json!({ "room": room })),
        Ok(json!({}))
    );
    assert_eq!(
        invoke(w, "approve_deletions", json!({ "room": room })),
        Ok(json!({})),
        "the capability grants the approval of held deletions"
    );
}

#[test]
fn the_window_reads_and_changes_settings_and_the_overview() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    let settings = invoke(w, "get_settings", json!({})).expect("get_settings succeeds");
    assert_eq!(settings["privacy"], "full");
    let changed = invoke(
        w,
        "update_settings",
        json!({ "privacy": "reserved", "poll_interval_secs": 120 }),
    )
    .expect("update_settings succeeds");
    assert_eq!(changed["privacy"], "reserved");
    assert_eq!(changed["poll_interval_secs"], 120);
    let refused = invoke(w, "update_settings", json!({ "poll_interval_secs": 4 })).unwrap_err();
    assert_eq!(refused["code"], "invalid_input");

    let activity = invoke(w, "activity", json!({ "span": "14d" })).expect("activity succeeds");
    assert_eq!(activity["buckets"].as_array().unwrap().len(), 14);
    let budget = invoke(w, "graph_budget", json!({})).expect("graph_budget succeeds");
    // Every room's mailbox, besides tenant-wide requests (room discovery) if there were any.
    let rooms = budget
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["room_name"].is_string())
        .count();
    assert_eq!(rooms, DEMO_ROOMS, "{budget:#?}");
}

#[test]
fn the_window_runs_the_tenant_doctor_and_sees_the_demos_two_problems() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    let report = invoke(w, "doctor", json!({})).expect("doctor succeeds");
    assert_eq!(report["rooms"], DEMO_ROOMS, "{report:#}");
    assert_eq!(report["problems"], 2, "{report:#}");
    let problems: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "problem")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        problems,
        ["calendar-processing:res-library-hall", "scope"],
        "{report:#}"
    );
    let refused = invoke(w, "doctor", json!({ "person": "not an address" }))
        .expect_err("a person that is no address is refused");
    assert_eq!(refused["code"], "invalid_input", "{refused}");
}

#[test]
fn syncing_an_unknown_room_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());

    let error = invoke(
        &desktop.window,
        "sync_room",
        json!({ "room": "no-such-room" }),
    )
    .expect_err("an unknown room is refused");
    assert_eq!(error["code"], "not_found", "{error}");
    assert!(error["message"].as_str().unwrap().contains("no-such-room"));
}

#[test]
fn without_a_configuration_the_window_gets_the_setup_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(false, dir.path());
    let w = &desktop.window;

    let status = invoke(w, "status", json!({})).expect("status answers in setup mode");
    assert_eq!(status["mode"], "setup", "{status}");
    let error = invoke(w, "list_rooms", json!({})).expect_err("no rooms before setup");
    assert_eq!(error["code"], "not_configured", "{error}");

    let state = invoke(w, "setup_state", json!({})).expect("the wizard's state");
    assert_eq!(state["default_time_zone"], "Europe/Oslo");
    assert_eq!(state["tenant_ok"], false);
    assert!(state.get("client_secret").is_none());

    // The forms reach the wizard through the capability; a missing field says what to enter.
    let form = json!({ "tenant_id": "", "client_id": "x", "client_secret": "s" });
    let error = invoke(w, "check_tenant", form).expect_err("no tenant id");
    assert_eq!(error["code"], "invalid_input");
    assert!(error["message"].as_str().unwrap().contains("tenant id"));
    let error = invoke(w, "check_booking", json!({ "url": "" })).unwrap_err();
    assert!(error["message"].as_str().unwrap().contains("API address"));
    let error = invoke(w, "discover_rooms", json!({})).unwrap_err();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("Test both connections")
    );
    let error = invoke(w, "finish_setup", json!({ "rooms": [] })).unwrap_err();
    assert_eq!(error["code"], "invalid_input");
    let error = invoke(w, "mapping_options", json!({})).unwrap_err();
    assert_eq!(error["code"], "not_configured");
}

#[test]
fn the_window_may_not_call_commands_its_capability_does_not_grant() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());

    // A core command every Tauri app has, but RoomBridge's window does not need.
    let denied = command(
        &desktop.window,
        "plugin:window|close",
        json!({ "label": MAIN_WINDOW }),
    );
    let error = denied.expect_err("plugin:window|close is not granted");
    assert!(
        error.as_str().is_some_and(|m| m.contains("not allowed")),
        "{error}"
    );
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `secs` seconds.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn conflicts_are_decided_one_at_a_time_or_together_through_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    // The demo municipality has Outlook meetings that double-book two rooms.
    let conflicts = wait_for(90, "the demo's overlap conflicts", || {
        let open = invoke(w, "list_conflicts", json!({})).expect("list_conflicts succeeds");
        (open.as_array().unwrap().len() >= 2).then_some(open)
    });
    let conflicts = conflicts.as_array().unwrap();
    let first = conflicts[0]["id"].as_i64().unwrap();
    let second = conflicts[1]["id"].as_i64().unwrap();

    let decided = invoke(
        w,
        "decide_conflict",
        json!({ "id": first, "choice": "keep_booking", "reason": "The club has the hall." }),
    )
    .expect("decide_conflict succeeds");
    assert_eq!(decided["id"], first);
    assert_eq!(decided["decision"]["choice"], "keep_booking");
    assert_eq!(decided["decision"]["reason"], "The club has the hall.");

    let refused = invoke(
        w,
        "decide_conflict",
        json!({ "id": second, "choice": "flip_a_coin" }),
    )
    .expect_err("an unknown choice is refused");
    assert_eq!(refused["code"], "invalid_input", "{refused}");

    let missing = invoke(
        w,
        "decide_conflict",
        json!({ "id": 999_999, "choice": "keep_booking" }),
    )
    .expect_err("an unknown conflict is refused");
    assert_eq!(missing["code"], "not_found", "{missing}");

    let both = invoke(
        w,
        "decide_conflicts",
        json!({ "ids": [second], "choice": "keep_calendar", "reason": "bulk" }),
    )
    .expect("decide_conflicts succeeds");
    let both = both.as_array().unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["id"], second);
    assert_eq!(both[0]["decision"]["choice"], "keep_calendar");
}

#[test]
fn policies_are_read_and_set_through_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    let policies = invoke(w, "get_policies", json!({})).expect("get_policies succeeds");
    assert_eq!(policies["default"], "manual");
    let available = policies["available"].as_array().unwrap();
    assert!(available.contains(&json!("booking-wins")), "{available:?}");
    let room = policies["rooms"][0]["room_id"].as_str().unwrap().to_owned();

    let set = invoke(w, "set_default_policy", json!({ "policy": "booking-wins" }))
        .expect("set_default_policy succeeds");
    assert_eq!(set["default"], "booking-wins");
    assert!(
        set["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["policy"].is_null() && r["effective"] == "booking-wins")
    );

    let set = invoke(
        w,
        "set_room_policy",
        json!({ "room": room, "policy": "calendar-wins" }),
    )
    .expect("set_room_policy succeeds");
    let own = set["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_id"] == room.as_str())
        .unwrap();
    assert_eq!(
        (own["policy"].as_str(), own["effective"].as_str()),
        (Some("calendar-wins"), Some("calendar-wins"))
    );
    let back = invoke(
        w,
        "set_room_policy",
        json!({ "room": room, "policy": null }),
    )
    .expect("a room follows the default again");
    let own = back["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_id"] == room.as_str())
        .unwrap();
    assert_eq!(own["effective"], "booking-wins");
    assert_eq!(
        invoke(w, "get_policies", json!({})).unwrap()["default"],
        "booking-wins",
        "the default is stored"
    );

    let refused = invoke(w, "set_default_policy", json!({ "policy": "coin-toss" }))
        .expect_err("an unknown policy is refused");
    assert_eq!(refused["code"], "invalid_input", "{refused}");
    let missing = invoke(
        w,
        "set_room_policy",
        json!({ "room": "no-such-room", "policy": "manual" }),
    )
    .expect_err("an unknown room is refused");
    assert_eq!(missing["code"], "not_found", "{missing}");
}

#[test]
fn rooms_are_paused_and_resumed_through_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let w = &desktop.window;

    let rooms = invoke(w, "list_rooms", json!({})).unwrap();
    let room = rooms[0]["id"].as_str().unwrap().to_owned();

    let paused = invoke(w, "pause_room", json!({ "room": room })).expect("pause_room succeeds");
    assert_eq!(
        (paused["paused"].as_bool(), paused["status"].as_str()),
        (Some(true), Some("paused"))
    );
    let listed = invoke(w, "list_rooms", json!({})).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.iter().filter(|r| r["paused"] == true).count(), 1);

    let resumed = invoke(w, "resume_room", json!({ "room": room })).expect("resume_room succeeds");
    assert_eq!(resumed["paused"], false);
    assert_ne!(resumed["status"], "paused");

    let all = invoke(w, "pause_all", json!({})).expect("pause_all succeeds");
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), DEMO_ROOMS);
    assert!(all.iter().all(|r| r["paused"] == true));
    let all = invoke(w, "resume_all", json!({})).expect("resume_all succeeds");
    assert!(all.as_array().unwrap().iter().all(|r| r["paused"] == false));

    let missing = invoke(w, "pause_room", json!({ "room": "no-such-room" }))
        .expect_err("an unknown room is refused");
    assert_eq!(missing["code"], "not_found", "{missing}");
}

#[test]
fn without_the_autostart_plugin_start_at_login_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());
    let error = command(&desktop.window, "get_autostart", json!({}))
        .expect_err("the mock app has no autostart plugin");
    assert_eq!(error["code"], "unavailable", "{error}");
}
