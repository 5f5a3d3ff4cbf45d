//! RoomBridge's desktop and tray app: one window showing the UI in `ui/`, a tray menu, Tauri
//! commands that are one call into [`roombridge_app::App`], engine updates turned into Tauri
//! events, and desktop notifications on failures.
//!
//! The window opens whether or not RoomBridge can start: until it has, commands wait for it
//! ([`AppState`]); if it cannot (live mode without a configuration), they answer `unavailable`
//! with a message that says how to configure it.

mod commands;
mod events;
mod notifications;
mod state;
mod tray;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tauri::{Builder, Manager, RunEvent, Runtime, WindowEvent};

use roombridge_app::App;
use roombridge_app::secrets::Keyring;
use roombridge_app::setup::{self, SetupError};
use roombridge_engine::EngineConfig;

pub use events::{HISTORY_EVENT, ROOMS_EVENT, room_status_event};
pub use state::{AppState, Starter};

/// The label of the one window (`tauri.conf.json`, `capabilities/main-window.json`).
pub const MAIN_WINDOW: &str = "main";

/// How the desktop app was asked to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "roombridge-desktop",
    version,
    about = "RoomBridge: keeps booking-system reservations and Outlook room calendars identical."
)]
pub struct Launch {
    /// Run against the built-in emulators with a demo municipality (also ROOMBRIDGE_DEMO=1).
    #[arg(long, env = "ROOMBRIDGE_DEMO")]
    pub demo: bool,
    /// Where RoomBridge keeps its database (default: the OS data folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl Launch {
    /// Starts the engine: the demo emulators, or the configured tenant.
    pub async fn start(&self) -> Result<Arc<App>, String> {
        let data_dir = self
            .data_dir
            .clone()
            .unwrap_or_else(setup::default_data_dir);
        let config = EngineConfig {
            poll_interval: Some(Duration::from_secs(10)),
            ..EngineConfig::default()
        };
        if self.demo {
            setup::start_demo(&data_dir, config)
                .await
                .map_err(|e| format!("The demo could not start: {e}."))
        } else {
            setup::start_live(&data_dir, &Keyring::new(), config)
                .await
                .map_err(|e| not_started_message(&e, &data_dir))
        }
    }
}

/// Why live mode did not start, and what to do about it.
fn not_started_message(error: &SetupError, data_dir: &std::path::Path) -> String {
    match error {
        SetupError::Config { .. } => format!(
            "RoomBridge is not configured yet ({error}). Write the tenant id, client id and \
             booking system URL to {} and put the Microsoft 365 client secret and the booking \
             system API key in the OS keyring, or start with --demo to try it with built-in \
             emulators.",
            setup::LiveConfig::path(data_dir).display()
        ),
        SetupError::Secret(_) => format!(
            "RoomBridge cannot start: {error}. Put the secret in the OS keyring (service \
             \"{}\"), then restart RoomBridge.",
            roombridge_app::secrets::SERVICE
        ),
        _ => format!("RoomBridge cannot start: {error}."),
    }
}

/// The application's configuration and embedded UI, from the repository root's
/// `tauri.conf.json`.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Installs RoomBridge's commands. The real app and the mock-runtime tests both use this, so
/// the tests call exactly what the window calls.
pub fn register<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::status,
        commands::list_rooms,
        commands::list_history,
        commands::export_history,
        commands::verify_audit,
        commands::list_conflicts,
        commands::sync_room,
        commands::approve_deletions,
        commands::decide_conflict,
        commands::decide_conflicts,
        commands::get_policies,
        commands::set_default_policy,
        commands::set_room_policy,
        commands::get_settings,
        commands::update_settings,
        commands::activity,
        commands::graph_budget,
    ])
}

/// Starts RoomBridge in the background, then hands it to the commands and the event bridge.
/// The window does not wait for this.
pub fn start_in_background<R: Runtime>(handle: tauri::AppHandle<R>, launch: Launch) -> AppState {
    let (state, starter) = AppState::starting();
    tauri::async_runtime::spawn(async move {
        match launch.start().await {
            Ok(app) => {
                events::forward(handle, app.subscribe());
                starter.ready(app);
            }
            Err(message) => {
                tracing::error!("{message}");
                starter.unavailable(message);
            }
        }
    });
    state
}

/// Runs the desktop app until Quit.
pub fn run(launch: Launch) -> ExitCode {
    let app = register(Builder::default())
        .setup(move |app| {
            let state = start_in_background(app.handle().clone(), launch);
            app.manage(state);
            tray::create(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps RoomBridge syncing in the tray; Quit ends it.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                if let Err(e) = window.hide() {
                    tracing::warn!("cannot hide the window: {e}");
                }
            }
        })
        .build(context());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("roombridge-desktop: cannot start the window: {e}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| match event {
        // The last window closing is not a reason to stop: only Quit (an explicit code) is.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            if let Some(app) = handle.try_state::<AppState>().and_then(|s| s.started()) {
                tauri::async_runtime::block_on(async {
                    if tokio::time::timeout(Duration::from_secs(5), app.shutdown())
                        .await
                        .is_err()
                    {
                        tracing::warn!("the engine did not stop within 5 s; exiting anyway");
                    }
                });
            }
        }
        _ => {}
    });
    ExitCode::SUCCESS
}

/// Shows, restores and focuses the main window.
pub(crate) fn show_main_window<R: Runtime>(handle: &tauri::AppHandle<R>) {
    let Some(window) = handle.get_webview_window(MAIN_WINDOW) else {
        tracing::warn!("the main window is gone");
        return;
    };
    for result in [window.show(), window.unminimize(), window.set_focus()] {
        if let Err(e) = result {
            tracing::warn!("cannot show the window: {e}");
        }
    }
}
