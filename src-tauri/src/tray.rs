//! The tray icon and its menu: Open RoomBridge, Sync now, Pause all / Resume all, Quit. The
//! icon and tooltip show the overall state (`roombridge_app::overall`); the pause item's label
//! follows it.

use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use roombridge_app::overall::{Overall, OverallState};

use crate::AppState;

const TRAY: &str = "main";
const OPEN: &str = "open";
const SYNC: &str = "sync";
const PAUSE: &str = "pause";
const QUIT: &str = "quit";

/// The menu's items, kept to relabel them: the pause item toggles between "Pause all" and
/// "Resume all", and all of them follow the language.
struct Items<R: Runtime> {
    open: MenuItem<R>,
    sync: MenuItem<R>,
    pause: MenuItem<R>,
    quit: MenuItem<R>,
}

pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<()> {
    let lang = crate::language(handle);
    let item =
        |id: &str, key: &str| MenuItem::with_id(handle, id, lang.tr(key, &[]), true, None::<&str>);
    let items = Items {
        open: item(OPEN, "tray.open")?,
        sync: item(SYNC, "tray.sync_now")?,
        pause: item(PAUSE, "tray.pause_all")?,
        quit: item(QUIT, "tray.quit")?,
    };
    let menu = Menu::with_items(
        handle,
        &[
            &items.open,
            &items.sync,
            &items.pause,
            &PredefinedMenuItem::separator(handle)?,
            &items.quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY)
        .icon(tauri::include_image!("../icons/tray.png"))
        .tooltip(lang.tr("tray.starting", &[]))
        .menu(&menu)
        .on_menu_event(on_menu_event)
        .build(handle)?;
    handle.manage(items);
    Ok(())
}

/// Writes the menu in the language now chosen (the pause item is written by [`show`]).
pub fn relabel<R: Runtime>(handle: &AppHandle<R>) {
    let Some(items) = handle.try_state::<Items<R>>() else {
        return;
    };
    let lang = crate::language(handle);
    for (item, key) in [
        (&items.open, "tray.open"),
        (&items.sync, "tray.sync_now"),
        (&items.quit, "tray.quit"),
    ] {
        if let Err(e) = item.set_text(lang.tr(key, &[])) {
            tracing::warn!("cannot update the tray menu: {e}");
        }
    }
}

/// Whether the desktop shows tray icons: on Linux, whether a StatusNotifierItem host
/// (`org.kde.StatusNotifierWatcher`) is on the session bus. GNOME without its AppIndicator
/// extension has none; there the icon would be invisible, so closing the window quits.
/// Windows and macOS always have one.
pub fn host_present() -> bool {
    #[cfg(target_os = "linux")]
    {
        let watcher = async {
            let bus = zbus::Connection::session().await?;
            let dbus = zbus::fdo::DBusProxy::new(&bus).await?;
            let name = "org.kde.StatusNotifierWatcher".try_into()?;
            zbus::Result::Ok(dbus.name_has_owner(name).await?)
        };
        match tauri::async_runtime::block_on(watcher) {
            Ok(present) => present,
            Err(e) => {
                tracing::warn!("cannot ask the session bus for a tray host: {e}");
                false
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// The icon of each overall state (`icons/generate.sh` draws them).
fn icon(state: OverallState) -> Image<'static> {
    match state {
        OverallState::InSync => tauri::include_image!("../icons/tray-in-sync.png"),
        OverallState::Syncing => tauri::include_image!("../icons/tray-syncing.png"),
        // Both wait for a person: the same "needs attention" icon.
        OverallState::Conflicts | OverallState::WaitingForApproval => {
            tauri::include_image!("../icons/tray-conflicts.png")
        }
        OverallState::Failing => tauri::include_image!("../icons/tray-failing.png"),
        OverallState::Paused => tauri::include_image!("../icons/tray-paused.png"),
    }
}

/// Shows `overall` in the tray: icon, tooltip, and the pause item's label. Without a tray
/// (the mock runtime, a desktop without one) there is nothing to update.
pub fn show<R: Runtime>(handle: &AppHandle<R>, overall: &Overall) {
    let Some(tray) = handle.tray_by_id(TRAY) else {
        return;
    };
    let lang = crate::language(handle);
    let results = [
        tray.set_icon(Some(icon(overall.state))),
        tray.set_tooltip(Some(overall.describe(lang))),
    ];
    for result in results {
        if let Err(e) = result {
            tracing::warn!("cannot update the tray: {e}");
        }
    }
    if let Some(items) = handle.try_state::<Items<R>>()
        && let Err(e) = items.pause.set_text(lang.tr(pause_label(overall), &[]))
    {
        tracing::warn!("cannot update the tray menu: {e}");
    }
}

/// "Resume all" once every room is paused, "Pause all" otherwise (the message's key).
fn pause_label(overall: &Overall) -> &'static str {
    if overall.state == OverallState::Paused {
        "tray.resume_all"
    } else {
        "tray.pause_all"
    }
}

fn on_menu_event<R: Runtime>(handle: &AppHandle<R>, event: MenuEvent) {
    match event.id.as_ref() {
        OPEN => crate::show_main_window(handle),
        SYNC => sync_every_room(handle),
        PAUSE => toggle_pause(handle),
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

/// Pauses every room, or resumes them all when every room is paused (as the label says).
/// The room updates this sends refresh the tray and the window.
fn toggle_pause<R: Runtime>(handle: &AppHandle<R>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        let result = match state.app().await {
            Ok(app) => app.list_rooms().and_then(|rooms| {
                let all_paused = !rooms.is_empty() && rooms.iter().all(|r| r.paused);
                if all_paused {
                    app.resume_all()
                } else {
                    app.pause_all()
                }
            }),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!("Pause all / Resume all: {}", e.message);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overall(state: OverallState) -> Overall {
        Overall {
            state,
            rooms: 2,
            failing: 0,
            waiting_for_approval: 0,
            with_conflicts: 0,
            paused: 0,
        }
    }

    #[test]
    fn the_pause_item_offers_resume_only_when_everything_is_paused() {
        assert_eq!(
            pause_label(&overall(OverallState::Paused)),
            "tray.resume_all"
        );
        for state in [
            OverallState::InSync,
            OverallState::Syncing,
            OverallState::Conflicts,
            OverallState::WaitingForApproval,
            OverallState::Failing,
        ] {
            assert_eq!(pause_label(&overall(state)), "tray.pause_all", "{state:?}");
        }
    }

    #[test]
    fn every_state_has_its_own_icon() {
        let states = [
            OverallState::InSync,
            OverallState::Syncing,
            OverallState::Conflicts,
            OverallState::Failing,
            OverallState::Paused,
        ];
        let icons: Vec<Vec<u8>> = states.iter().map(|s| icon(*s).rgba().to_vec()).collect();
        for (i, a) in icons.iter().enumerate() {
            assert_eq!(a.len(), 64 * 64 * 4);
            for b in &icons[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
