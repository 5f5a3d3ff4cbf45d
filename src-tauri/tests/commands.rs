//! The window's commands through Tauri's IPC and the capability in
//! `capabilities/main-window.json`, on the mock runtime (no display, no D-Bus), with RoomBridge
//! started in demo mode exactly as `roombridge-desktop --demo` starts it.

use std::path::Path;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

use roombridge_desktop::{Launch, MAIN_WINDOW, context, register, start_in_background};

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
    let launch = Launch {
        demo,
        data_dir: Some(data_dir.to_path_buf()),
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

/// Invokes `cmd` the way `@tauri-apps/api` does from the window's page.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
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
    let export = invoke(
        w,
        "export_history",
        json!({ "format": "csv", "query": { "room": room } }),
    )
    .expect("export_history succeeds");
    assert!(
        export["text"]
            .as_str()
            .unwrap()
            .starts_with("seq,at,room,cycle,kind,side,outcome,title,detail,hash\r\n")
    );
    assert_eq!(
        invoke(
            w,
            "export_history",
            json!({ "format": "xlsx", "query": {} })
        )
        .unwrap_err()["code"],
        "invalid_input"
    );
    let verify = invoke(w, "verify_audit", json!({})).expect("verify_audit succeeds");
    assert_eq!(verify["ok"], true);
    let conflicts = invoke(w, "list_conflicts", json!({}));
    assert!(conflicts.expect("list_conflicts succeeds").is_array());

    assert_eq!(
        invoke(w, "sync_room", json!({ "room": room })),
        Ok(Value::Null)
    );
    assert_eq!(
        invoke(w, "approve_deletions", json!({ "room": room })),
        Ok(Value::Null),
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
        json!({ "settings": { "privacy": "reserved", "poll_interval_secs": 120 } }),
    )
    .expect("update_settings succeeds");
    assert_eq!(changed["privacy"], "reserved");
    assert_eq!(changed["poll_interval_secs"], 120);
    let refused = invoke(
        w,
        "update_settings",
        json!({ "settings": { "poll_interval_secs": 5 } }),
    )
    .unwrap_err();
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
fn without_a_configuration_the_window_is_told_how_to_configure() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(false, dir.path());

    let error = invoke(&desktop.window, "status", json!({})).expect_err("nothing to run yet");
    assert_eq!(error["code"], "unavailable", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("config.json") && message.contains("--demo"),
        "{message}"
    );
}

#[test]
fn the_window_may_not_call_commands_its_capability_does_not_grant() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = desktop(true, dir.path());

    // A core command every Tauri app has, but RoomBridge's window does not need.
    let denied = invoke(
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
