//! The Tauri commands: `call`, which carries out any operation of
//! [`roombridge_app::ops::OPERATIONS`] (the list the UI's `Backend` is generated from), and
//! start at login, which belongs to the desktop app alone. Errors reach the window as the
//! serialised `ApiError` (`{ code, message }`).

use serde_json::Value;
use tauri::{AppHandle, Runtime, State};

use roombridge_app::ApiError;
use roombridge_app::ops;

use crate::AppState;

/// Carries out the operation `op` with `input` against the app, or the setup wizard before it.
#[tauri::command]
pub async fn call(
    state: State<'_, AppState>,
    op: String,
    input: Option<Value>,
) -> Result<Value, ApiError> {
    let target = state.target().await?;
    ops::call(&target, &op, input.unwrap_or(Value::Null)).await
}

/// Whether RoomBridge starts at login.
#[tauri::command]
pub fn get_autostart<R: Runtime>(app: AppHandle<R>) -> Result<bool, ApiError> {
    crate::autostart::get(&app)
}

/// Turns start at login on or off; answers the setting as it is afterwards.
#[tauri::command]
pub fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool, ApiError> {
    crate::autostart::set(&app, enabled)
}
