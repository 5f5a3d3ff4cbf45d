//! The tray icon and its menu: Open RoomBridge, Sync now, Quit.

use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::AppState;

const OPEN: &str = "open";
const SYNC: &str = "sync";
const QUIT: &str = "quit";

pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<()> {
    let menu = Menu::with_items(
        handle,
        &[
            &MenuItem::with_id(handle, OPEN, "Open RoomBridge", true, None::<&str>)?,
            &MenuItem::with_id(handle, SYNC, "Sync now", true, None::<&str>)?,
            &PredefinedMenuItem::separator(handle)?,
            &MenuItem::with_id(handle, QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    TrayIconBuilder::with_id("main")
        .icon(tauri::include_image!("../icons/tray.png"))
        .tooltip("RoomBridge")
        .menu(&menu)
        .on_menu_event(on_menu_event)
        .build(handle)?;
    Ok(())
}

fn on_menu_event<R: Runtime>(handle: &AppHandle<R>, event: MenuEvent) {
    match event.id.as_ref() {
        OPEN => crate::show_main_window(handle),
        SYNC => sync_every_room(handle),
        QUIT => handle.exit(0),
        other => tracing::warn!("unknown tray menu item {other:?}"),
    }
}

/// Asks every room to sync now; what happens shows in the window and the history.
fn sync_every_room<R: Runtime>(handle: &AppHandle<R>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        let result = match state.app().await {
            Ok(app) => app
                .list_rooms()
                .and_then(|rooms| rooms.iter().try_for_each(|room| app.sync_room(&room.id))),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!("Sync now: {}", e.message);
        }
    });
}
