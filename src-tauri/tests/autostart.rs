//! Start at login through the window's commands, with the autostart plugin as the app
//! installs it, on the mock runtime. On Linux the plugin writes an XDG autostart entry under
//! `$HOME/.config/autostart`; this test points HOME at a temporary folder first (it is the only
//! test in this binary, so nothing else reads the environment meanwhile).

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

use roombridge_desktop::{MAIN_WINDOW, autostart_plugin, context, register};

#[test]
fn start_at_login_is_turned_on_and_off_through_the_window() {
    let home = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary, run before any thread that reads the environment.
    unsafe { std::env::set_var("HOME", home.path()) };

    let app = register(mock_builder())
        .plugin(autostart_plugin())
        .build(context())
        .expect("the app builds with the autostart plugin");
    let window = tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
        .build()
        .expect("the mock runtime creates windows");
    let invoke = |cmd: &str, args: Value| {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&window, request).map(|b| b.deserialize::<Value>().unwrap())
    };

    assert_eq!(invoke("get_autostart", json!({})), Ok(json!(false)));
    assert_eq!(
        invoke("set_autostart", json!({ "enabled": true })),
        Ok(json!(true))
    );
    assert_eq!(invoke("get_autostart", json!({})), Ok(json!(true)));
    if cfg!(target_os = "linux") {
        let entry = home.path().join(".config/autostart/RoomBridge.desktop");
        let text = std::fs::read_to_string(&entry).expect("an XDG autostart entry");
        assert!(
            text.contains("--hidden"),
            "a login start opens no window:\n{text}"
        );
    }
    assert_eq!(
        invoke("set_autostart", json!({ "enabled": false })),
        Ok(json!(false))
    );
    assert_eq!(invoke("get_autostart", json!({})), Ok(json!(false)));
}
