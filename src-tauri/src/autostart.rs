//! Start at login, through tauri-plugin-autostart (a login item on macOS, a `Run` registry
//! value on Windows, an XDG autostart entry on Linux). A login start passes `--hidden`, so
//! RoomBridge starts in the tray without opening its window.

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::AutoLaunchManager;

use roombridge_app::ApiError;

/// The argument a start at login passes ([`crate::Launch::hidden`]).
pub const HIDDEN_ARG: &str = "--hidden";

/// The plugin as the app installs it.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new()
        .app_name("RoomBridge")
        .arg(HIDDEN_ARG)
        .build()
}

fn manager<R: Runtime>(
    handle: &AppHandle<R>,
) -> Result<tauri::State<'_, AutoLaunchManager>, ApiError> {
    handle
        .try_state::<AutoLaunchManager>()
        .ok_or_else(|| ApiError::unavailable("Start at login is not available in this build."))
}

/// Whether RoomBridge starts at login.
pub fn get<R: Runtime>(handle: &AppHandle<R>) -> Result<bool, ApiError> {
    manager(handle)?.is_enabled().map_err(|e| {
        ApiError::unavailable(format!(
            "Cannot tell whether RoomBridge starts at login: {e}"
        ))
    })
}

/// Makes RoomBridge start at login (or not); returns the setting as it is afterwards.
pub fn set<R: Runtime>(handle: &AppHandle<R>, enabled: bool) -> Result<bool, ApiError> {
    let manager = manager(handle)?;
    let result = if enabled {
        manager.enable()
    } else {
        manager.disable()
    };
    result.map_err(|e| ApiError::unavailable(format!("Cannot change start at login: {e}")))?;
    manager.is_enabled().map_err(|e| {
        ApiError::unavailable(format!(
            "Cannot tell whether RoomBridge starts at login: {e}"
        ))
    })
}
