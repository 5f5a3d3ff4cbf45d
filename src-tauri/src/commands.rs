//! The Tauri commands: each is one call into [`roombridge_app::App`]. Errors reach the window as
//! the serialised `ApiError` (`{ code, message }`).

use tauri::{AppHandle, Runtime, State};

use roombridge_app::ApiError;
use roombridge_app::decisions::{BulkDecisionRequest, DecisionRequest, PoliciesView, decided_by};
use roombridge_app::doctor::{DoctorRequest, DoctorView};
use roombridge_app::export::{ExportFormat, ExportView};
use roombridge_app::mappings::{NewRoom, RoomEdit};
use roombridge_app::overview::{ActivityView, BudgetView, Span};
use roombridge_app::query::HistoryQuery;
use roombridge_app::settings::{SettingsUpdate, SettingsView};
use roombridge_app::views::{ConflictView, HistoryEntry, RoomView, Status, VerifyView};
use roombridge_app::wizard::{
    BookingForm, CheckView, DiscoveryView, FinishRequest, SetupView, TenantForm,
};

use crate::AppState;

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Result<Status, ApiError> {
    state.status().await
}

#[tauri::command]
pub async fn list_rooms(state: State<'_, AppState>) -> Result<Vec<RoomView>, ApiError> {
    state.app().await?.list_rooms()
}

/// One page of the history, newest first; every filter is optional (see [`HistoryQuery`]).
#[tauri::command]
#[allow(clippy::too_many_arguments)] // one argument per filter, as the HTTP query string has
pub async fn list_history(
    state: State<'_, AppState>,
    limit: Option<u32>,
    room: Option<String>,
    from: Option<String>,
    to: Option<String>,
    kind: Option<String>,
    outcome: Option<String>,
    search: Option<String>,
    before: Option<i64>,
) -> Result<Vec<HistoryEntry>, ApiError> {
    let query = HistoryQuery {
        limit,
        room,
        from,
        to,
        kind,
        outcome,
        search,
        before,
    };
    state.app().await?.query_history(&query)
}

#[tauri::command]
pub async fn export_history(
    state: State<'_, AppState>,
    format: String,
    query: HistoryQuery,
) -> Result<ExportView, ApiError> {
    state
        .app()
        .await?
        .export_history(&query, ExportFormat::from_name(&format)?)
}

#[tauri::command]
pub async fn verify_audit(state: State<'_, AppState>) -> Result<VerifyView, ApiError> {
    state.app().await?.verify_audit()
}

#[tauri::command]
pub async fn list_conflicts(state: State<'_, AppState>) -> Result<Vec<ConflictView>, ApiError> {
    state.app().await?.list_conflicts()
}

#[tauri::command]
pub async fn sync_room(state: State<'_, AppState>, room: String) -> Result<(), ApiError> {
    state.app().await?.sync_room(&room)
}

#[tauri::command]
pub async fn approve_deletions(state: State<'_, AppState>, room: String) -> Result<(), ApiError> {
    state.app().await?.approve_deletions(&room)
}

#[tauri::command]
pub async fn decide_conflict(
    state: State<'_, AppState>,
    id: i64,
    decision: DecisionRequest,
) -> Result<ConflictView, ApiError> {
    let app = state.app().await?;
    let choice = app.choice_for(id, &decision)?;
    app.decide_conflict(id, choice, &decided_by(), &decision.reason)
}

#[tauri::command]
pub async fn decide_conflicts(
    state: State<'_, AppState>,
    decisions: BulkDecisionRequest,
) -> Result<Vec<ConflictView>, ApiError> {
    let d = &decisions.decision;
    state
        .app()
        .await?
        .decide_conflicts(&decisions.ids, d.choice()?, &decided_by(), &d.reason)
}

#[tauri::command]
pub async fn get_policies(state: State<'_, AppState>) -> Result<PoliciesView, ApiError> {
    state.app().await?.get_policies()
}

#[tauri::command]
pub async fn set_default_policy(
    state: State<'_, AppState>,
    policy: String,
) -> Result<PoliciesView, ApiError> {
    state.app().await?.set_default_policy(&policy)
}

#[tauri::command]
pub async fn set_room_policy(
    state: State<'_, AppState>,
    room: String,
    policy: Option<String>,
) -> Result<PoliciesView, ApiError> {
    state.app().await?.set_room_policy(&room, policy.as_deref())
}

#[tauri::command]
pub async fn setup_state(state: State<'_, AppState>) -> Result<SetupView, ApiError> {
    Ok(state.wizard().await?.setup_state())
}

/// The form carries the client secret in; nothing secret goes back out.
#[tauri::command]
pub async fn check_tenant(
    state: State<'_, AppState>,
    form: TenantForm,
) -> Result<CheckView, ApiError> {
    state.wizard().await?.check_tenant(form).await
}

#[tauri::command]
pub async fn check_booking(
    state: State<'_, AppState>,
    form: BookingForm,
) -> Result<CheckView, ApiError> {
    state.wizard().await?.check_booking(form).await
}

#[tauri::command]
pub async fn discover_rooms(state: State<'_, AppState>) -> Result<DiscoveryView, ApiError> {
    state.wizard().await?.discover().await
}

#[tauri::command]
pub async fn finish_setup(
    state: State<'_, AppState>,
    request: FinishRequest,
) -> Result<Status, ApiError> {
    state.wizard().await?.finish(request).await?.status()
}

#[tauri::command]
pub async fn mapping_options(state: State<'_, AppState>) -> Result<DiscoveryView, ApiError> {
    state.app().await?.mapping_options().await
}

#[tauri::command]
pub async fn add_room(state: State<'_, AppState>, room: NewRoom) -> Result<RoomView, ApiError> {
    state.app().await?.add_room(room).await
}

#[tauri::command]
pub async fn edit_room(
    state: State<'_, AppState>,
    room: String,
    edit: RoomEdit,
) -> Result<RoomView, ApiError> {
    state.app().await?.edit_room(&room, edit)
}

#[tauri::command]
pub async fn remove_room(state: State<'_, AppState>, room: String) -> Result<(), ApiError> {
    state.app().await?.remove_room(&room)
}

#[tauri::command]
pub async fn pause_room(state: State<'_, AppState>, room: String) -> Result<RoomView, ApiError> {
    state.app().await?.pause_room(&room)
}

#[tauri::command]
pub async fn resume_room(state: State<'_, AppState>, room: String) -> Result<RoomView, ApiError> {
    state.app().await?.resume_room(&room)
}

#[tauri::command]
pub async fn pause_all(state: State<'_, AppState>) -> Result<Vec<RoomView>, ApiError> {
    state.app().await?.pause_all()
}

#[tauri::command]
pub async fn resume_all(state: State<'_, AppState>) -> Result<Vec<RoomView>, ApiError> {
    state.app().await?.resume_all()
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

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, ApiError> {
    state.app().await?.settings()
}

#[tauri::command]
pub async fn update_settings<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, AppState>,
    settings: SettingsUpdate,
) -> Result<SettingsView, ApiError> {
    let saved = state.app().await?.update_settings(&settings)?;
    crate::follow_notification_settings(&handle, &saved.notifications);
    Ok(saved)
}

/// `span`: `24h` (per hour) or `14d` (per day).
#[tauri::command]
pub async fn activity(state: State<'_, AppState>, span: String) -> Result<ActivityView, ApiError> {
    state.app().await?.activity(Span::from_name(&span)?)
}

#[tauri::command]
pub async fn graph_budget(state: State<'_, AppState>) -> Result<Vec<BudgetView>, ApiError> {
    state.app().await?.graph_budget()
}

/// Checks the tenant and every mapped room; takes about ten seconds.
#[tauri::command]
pub async fn doctor(
    state: State<'_, AppState>,
    request: DoctorRequest,
) -> Result<DoctorView, ApiError> {
    state.app().await?.doctor(&request).await
}
