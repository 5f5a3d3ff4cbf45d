//! RoomBridge's desktop and tray app: one window showing the UI in `ui/`, a tray menu, Tauri
//! commands that are one call into [`roombridge_app::App`], engine updates turned into Tauri
//! events, a tray showing the overall state, desktop notifications, one instance only and an
//! optional start at login.
//!
//! The window opens whether or not RoomBridge can start: until it has, commands wait for it
//! ([`AppState`]). Live mode without a configuration (or with a secret missing from the
//! keyring) serves the setup wizard; finishing it starts the engine in the same window. If
//! RoomBridge cannot start at all, commands answer `unavailable` with a message that says why.

mod autostart;
mod commands;
mod events;
pub mod notifications;
mod state;
mod tray;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tauri::{Builder, Manager, RunEvent, Runtime, WindowEvent};
use tokio::sync::watch;

use roombridge_app::secrets::Keyring;
use roombridge_app::settings::Lang;
use roombridge_app::setup::{self, Live, SetupError};
use roombridge_engine::EngineConfig;

pub use autostart::plugin as autostart_plugin;
pub use events::{HISTORY_EVENT, ROOMS_EVENT, room_status_event};
pub use notifications::NotificationPrefs;
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
    /// Start in the tray without opening the window (how a start at login runs).
    #[arg(long)]
    pub hidden: bool,
}

impl Launch {
    /// The data folder: `--data-dir` or the OS data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(setup::default_data_dir)
    }

    /// Starts the engine: the demo emulators, or the configured tenant, or (live mode not set
    /// up yet) the setup wizard.
    pub async fn start(&self) -> Result<Live, String> {
        let data_dir = self.data_dir();
        let config = EngineConfig {
            poll_interval: Some(Duration::from_secs(roombridge_engine::DEFAULT_POLL_SECS)),
            ..EngineConfig::default()
        };
        if self.demo {
            setup::start_demo(&data_dir, config)
                .await
                .map(Live::Running)
                .map_err(|e| format!("The demo could not start: {e}."))
        } else {
            setup::open_live(&data_dir, Arc::new(Keyring::new()), config)
                .await
                .map_err(|e| not_started_message(&e, &data_dir))
        }
    }
}

/// Why live mode did not start, and what to do about it.
fn not_started_message(error: &SetupError, data_dir: &std::path::Path) -> String {
    match error {
        SetupError::Config { .. } => format!(
            "RoomBridge's configuration cannot be used ({error}). Move {} aside and restart \
             RoomBridge to run the setup again, or start with --demo to try it with built-in \
             emulators.",
            setup::LiveConfig::path(data_dir).display()
        ),
        SetupError::Secret(_) => format!(
            "RoomBridge cannot start: {error}. Check that the OS keyring (service \"{}\") is \
             unlocked, then restart RoomBridge.",
            roombridge_app::secrets::SERVICE
        ),
        _ => format!("RoomBridge cannot start: {error}."),
    }
}

/// The application's configuration and embedded UI, from `src-tauri/tauri.conf.json`.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Installs RoomBridge's commands. The real app and the mock-runtime tests both use this, so
/// the tests call exactly what the window calls.
pub fn register<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::call,
        commands::get_autostart,
        commands::set_autostart,
        commands::save_history_export,
    ])
}

/// Starts RoomBridge in the background, then hands it to the commands and the event bridge.
/// The window does not wait for this. Notifications follow the [`NotificationPrefs`] in the
/// managed `watch::Sender<NotificationPrefs>` if there is one (defaults otherwise).
pub fn start_in_background<R: Runtime>(handle: tauri::AppHandle<R>, launch: Launch) -> AppState {
    let prefs = match handle.try_state::<watch::Sender<NotificationPrefs>>() {
        Some(sender) => sender.subscribe(),
        // A receiver keeps the last value after its sender is gone.
        None => watch::channel(NotificationPrefs::default()).1,
    };
    let (state, starter) = AppState::starting();
    tauri::async_runtime::spawn(async move {
        match launch.start().await {
            Ok(Live::Running(app)) => {
                follow_saved_notification_settings(&handle, &app);
                if !launch.demo {
                    events::watch_secret_expiry(handle.clone(), app.clone(), prefs.clone());
                }
                events::forward(handle, app.clone(), prefs);
                starter.ready(app);
            }
            Ok(Live::Setup(wizard)) => {
                starter.setup(wizard.clone());
                if let Some(app) = wizard.wait_started().await {
                    follow_saved_notification_settings(&handle, &app);
                    events::watch_secret_expiry(handle.clone(), app.clone(), prefs.clone());
                    events::forward(handle, app.clone(), prefs);
                    starter.ready(app);
                }
            }
            Err(message) => {
                tracing::error!("{message}");
                starter.unavailable(message);
            }
        }
    });
    state
}

/// Makes the notifier follow the notification preferences saved on the Settings screen.
pub(crate) fn follow_notification_settings<R: Runtime>(
    handle: &tauri::AppHandle<R>,
    saved: &roombridge_app::settings::NotificationsView,
) {
    if let Some(sender) = handle.try_state::<watch::Sender<NotificationPrefs>>() {
        sender.send_replace(NotificationPrefs {
            failures: saved.failures,
            sign_in: saved.sign_in,
            conflicts: saved.conflicts,
        });
    }
}

/// The language the tray and notifications speak: the one chosen in Settings once the app
/// has started, the system's before.
pub(crate) fn language<R: Runtime>(handle: &tauri::AppHandle<R>) -> Lang {
    handle
        .try_state::<watch::Sender<Lang>>()
        .map(|sender| *sender.borrow())
        .unwrap_or_else(roombridge_app::settings::system_language)
}

pub(crate) fn follow_language<R: Runtime>(handle: &tauri::AppHandle<R>, lang: Lang) {
    if let Some(sender) = handle.try_state::<watch::Sender<Lang>>() {
        sender.send_replace(lang);
    }
}

fn follow_saved_notification_settings<R: Runtime>(
    handle: &tauri::AppHandle<R>,
    app: &roombridge_app::App,
) {
    match app.settings() {
        Ok(settings) => follow_notification_settings(handle, &settings.notifications),
        Err(e) => tracing::warn!("cannot read the notification settings: {}", e.message),
    }
}

/// Whether the desktop shows RoomBridge's tray icon ([`tray::host_present`]).
struct TrayHost(bool);

/// Runs the desktop app until Quit.
pub fn run(launch: Launch) -> ExitCode {
    // A second launch hands over to the first (which shows its window) and exits; the plugin
    // must come before the others.
    let builder = Builder::default()
        .plugin(tauri_plugin_single_instance::init(|handle, _args, _cwd| {
            show_main_window(handle)
        }))
        .plugin(autostart::plugin())
        .plugin(tauri_plugin_dialog::init());
    let app = register(builder)
        .setup(move |app| {
            // Settings change these at run time through the managed senders.
            app.manage(watch::channel(NotificationPrefs::default()).0);
            app.manage(watch::channel(roombridge_app::settings::system_language()).0);
            if launch.hidden
                && let Some(window) = app.get_webview_window(MAIN_WINDOW)
            {
                window.hide()?;
            }
            let state = start_in_background(app.handle().clone(), launch);
            app.manage(state);
            tray::create(app.handle())?;
            let tray = TrayHost(tray::host_present());
            if !tray.0 {
                tracing::info!("no tray host on this desktop: closing the window quits RoomBridge");
            }
            app.manage(tray);
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps RoomBridge syncing in the tray; Quit ends it. Without a
            // tray to come back from, closing the window quits (no invisible app keeps running).
            if let WindowEvent::CloseRequested { api, .. } = event {
                let in_tray = window.try_state::<TrayHost>().is_some_and(|host| host.0);
                if !in_tray {
                    window.app_handle().exit(0);
                    return;
                }
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
