//! The Tauri commands: `call`, which carries out any operation of
//! [`roombridge_app::ops::OPERATIONS`] (the list the UI's `Backend` is generated from), and
//! start at login, which belongs to the desktop app alone. Errors reach the window as the
//! serialised `ApiError` (`{ code, message }`).

use serde_json::Value;
use tauri::{AppHandle, Runtime, State};

use roombridge_app::ApiError;
use roombridge_app::ops;
use roombridge_app::settings::Lang;

use crate::AppState;

/// Carries out the operation `op` with `input` against the app, or the setup wizard before it;
/// what it answers in words is in `lang`, the window's language (English when not given).
#[tauri::command]
pub async fn call(
    state: State<'_, AppState>,
    op: String,
    input: Option<Value>,
    lang: Option<String>,
) -> Result<Value, ApiError> {
    let lang = lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let target = state.target().await?;
    ops::call(&target, &op, input.unwrap_or(Value::Null), lang).await
}

/// Where an export was saved, and how many history rows it holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SavedExport {
    pub path: String,
    pub filename: String,
    pub rows: usize,
}

/// Asks where to save the history's export (the system's Save dialog, suggesting the export's
/// name) and writes it there as it is read, so a million rows never sit in memory. `None` when
/// the person cancels.
#[tauri::command]
pub async fn save_history_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: Value,
) -> Result<Option<SavedExport>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let input: ops::ExportInput = serde_json::from_value(input)
        .map_err(|e| ApiError::new(roombridge_app::ErrorCode::InvalidInput, e.to_string()))?;
    let running = state.app().await?;
    let lang = input.lang.unwrap_or_else(|| running.language());
    let filter = roombridge_app::export::export_filter(&input.query)?;
    let heading = running.store().read(|c| {
        Ok(roombridge_app::export::export_heading(
            c,
            &input.query,
            input.format,
        ))
    })??;
    let extension = heading
        .filename
        .rsplit('.')
        .next()
        .unwrap_or("csv")
        .to_owned();
    let dialog = app
        .dialog()
        .file()
        .set_file_name(&heading.filename)
        .add_filter(extension.to_uppercase(), &[extension.as_str()]);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| ApiError::new(roombridge_app::ErrorCode::Internal, e.to_string()))?;
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    let path = chosen.into_path().map_err(|e| {
        ApiError::new(
            roombridge_app::ErrorCode::InvalidInput,
            format!("RoomBridge cannot save to that place: {e}"),
        )
    })?;
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| {
        ApiError::unavailable(format!("RoomBridge could not write {shown}: {e}"))
    };
    let file = std::fs::File::create(&path).map_err(cannot)?;
    let mut out = std::io::BufWriter::new(file);
    let format = input.format;
    let rows = running
        .store()
        .read(|c| roombridge_app::export::write_rows(c, &filter, format, lang, &mut out))?;
    Ok(Some(SavedExport {
        path: path.display().to_string(),
        filename: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(heading.filename),
        rows,
    }))
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
