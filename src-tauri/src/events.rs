//! Engine updates become Tauri events here, and nowhere else: every room change is emitted as
//! `sync://rooms` and as `sync://room/{id}/status` (same payload), every new history row as
//! `sync://history`. Room changes also update the tray; failures and newly waiting conflicts
//! become desktop notifications.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::{broadcast, watch};

use roombridge_app::App;
use roombridge_app::overall::{Overall, overall};
use roombridge_app::views::{RoomState, Update};

use crate::notifications::{Cause, NotificationPrefs, Notifier, Screen};

/// Every room change, for the window's room list (event names cannot be wildcarded).
pub const ROOMS_EVENT: &str = "sync://rooms";
/// Every new history row.
pub const HISTORY_EVENT: &str = "sync://history";

/// The per-room status event, `sync://room/{id}/status`. Tauri accepts only letters, digits,
/// `-`, `/`, `:` and `_` in event names, so any other character of the id becomes `_`.
pub fn room_status_event(room_id: &str) -> String {
    let id: String = room_id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("sync://room/{id}/status")
}

/// Emits `app`'s updates to the window, keeps the tray's state current and notifies (as
/// `prefs` allow), until the app stops.
pub fn forward<R: Runtime>(
    handle: AppHandle<R>,
    app: Arc<App>,
    prefs: watch::Receiver<NotificationPrefs>,
) {
    let mut updates = app.subscribe();
    tauri::async_runtime::spawn(async move {
        crate::follow_language(&handle, app.language());
        crate::tray::relabel(&handle);
        let mut bridge = Bridge::new(&handle, app, prefs);
        bridge.refresh(&handle);
        loop {
            match updates.recv().await {
                Ok(update) => bridge.deliver(&handle, update),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    // The window reloads its lists on the next room change it sees.
                    tracing::warn!("the window missed {n} updates");
                    bridge.refresh(&handle);
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Warns when the client secret is within its warning period: at once, twice a day, and
/// whenever the connections change (a renewed secret brings a new expiry date), told once per
/// expiry date ([`crate::notifications::secret_expiry`]).
pub fn watch_secret_expiry<R: Runtime>(
    handle: AppHandle<R>,
    app: Arc<App>,
    prefs: watch::Receiver<NotificationPrefs>,
) {
    let mut changed = app.engine_moves();
    tauri::async_runtime::spawn(async move {
        let opener = handle.clone();
        let mut notifier = Notifier::new(Arc::new(move |screen| open_screen(&opener, screen)));
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(12 * 3600));
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                moved = changed.changed() => if moved.is_err() { return },
            }
            let expires = match app.connections() {
                Ok(c) => c.tenant.client_secret_expires,
                Err(e) => {
                    tracing::warn!("cannot read the client secret's expiry: {}", e.message);
                    continue;
                }
            };
            let today = chrono::Local::now().date_naive();
            if let Some(cause) = expires.and_then(|e| crate::notifications::secret_expiry(e, today))
            {
                let prefs = *prefs.borrow();
                notifier.tell(cause, &prefs, crate::language(&handle));
            }
        }
    });
}

/// Opens the main window at `screen`.
pub fn open_screen<R: Runtime>(handle: &AppHandle<R>, screen: Screen) {
    crate::show_main_window(handle);
    if let Some(window) = handle.get_webview_window(crate::MAIN_WINDOW) {
        // The route is one of a fixed set of literals, never user data.
        let script = format!("window.location.hash = {:?};", screen.route());
        if let Err(e) = window.eval(&script) {
            tracing::warn!("cannot open {}: {e}", screen.route());
        }
    }
}

/// What the edge remembers between updates: room names for notification text, what the user
/// was already told, and what the tray shows.
struct Bridge {
    app: Arc<App>,
    names: HashMap<String, String>,
    notifier: Notifier,
    prefs: watch::Receiver<NotificationPrefs>,
    shown: Option<Overall>,
}

impl Bridge {
    fn new<R: Runtime>(
        handle: &AppHandle<R>,
        app: Arc<App>,
        prefs: watch::Receiver<NotificationPrefs>,
    ) -> Bridge {
        let opener = handle.clone();
        Bridge {
            app,
            names: HashMap::new(),
            notifier: Notifier::new(Arc::new(move |screen| open_screen(&opener, screen))),
            prefs,
            shown: None,
        }
    }

    fn deliver<R: Runtime>(&mut self, handle: &AppHandle<R>, update: Update) {
        let prefs = *self.prefs.borrow();
        match update {
            Update::Room(view) => {
                if matches!(view.status, RoomState::InSync | RoomState::Conflicts) {
                    self.notifier.recovered(&view.id);
                }
                if view.status == RoomState::WaitingForApproval {
                    let cause = Cause::DeletionsHeld {
                        room: view.id.clone(),
                        name: view.name.clone(),
                        deletions: view.held_deletions,
                    };
                    self.notifier.tell(cause, &prefs, crate::language(handle));
                }
                self.names.insert(view.id.clone(), view.name.clone());
                emit(handle, ROOMS_EVENT, &view);
                emit(handle, &room_status_event(&view.id), &view);
                self.refresh(handle);
            }
            Update::History(entry) => emit(handle, HISTORY_EVENT, &entry),
            Update::RoomFailed { room, message } => {
                let room = room.to_string();
                let name = self
                    .names
                    .get(&room)
                    .cloned()
                    .unwrap_or_else(|| room.clone());
                let cause = Cause::RoomFailed {
                    room,
                    name,
                    message,
                };
                self.notifier.tell(cause, &prefs, crate::language(handle));
            }
            Update::AuthFailed { message } => {
                self.notifier.tell(
                    Cause::AuthFailed { message },
                    &prefs,
                    crate::language(handle),
                );
            }
            Update::Settings(saved) => crate::follow_notification_settings(handle, &saved),
            Update::Language(lang) => {
                crate::follow_language(handle, lang);
                crate::tray::relabel(handle);
                if let Some(now) = &self.shown {
                    crate::tray::show(handle, now);
                }
            }
        }
    }

    /// Brings the tray up to date and tells about conflicts that newly wait for a decision.
    fn refresh<R: Runtime>(&mut self, handle: &AppHandle<R>) {
        match self.app.list_rooms() {
            Ok(rooms) => {
                let now = overall(&rooms);
                if self.shown.as_ref() != Some(&now) {
                    crate::tray::show(handle, &now);
                    self.shown = Some(now);
                }
            }
            Err(e) => tracing::warn!("tray state: {}", e.message),
        }
        match self.app.list_conflicts() {
            Ok(conflicts) => {
                let waiting: BTreeSet<i64> = conflicts
                    .iter()
                    .filter(|c| c.decision.is_none())
                    .map(|c| c.id)
                    .collect();
                let prefs = *self.prefs.borrow();
                self.notifier
                    .conflicts(&waiting, &prefs, crate::language(handle));
            }
            Err(e) => tracing::warn!("waiting conflicts: {}", e.message),
        }
    }
}

fn emit<R: Runtime, P: serde::Serialize + Clone>(handle: &AppHandle<R>, event: &str, payload: &P) {
    if let Err(e) = handle.emit(event, payload) {
        tracing::warn!("cannot emit {event}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_status_event_keeps_plain_ids() {
        assert_eq!(room_status_event("gym-2_b"), "sync://room/gym-2_b/status");
    }

    #[test]
    fn room_status_event_replaces_characters_tauri_refuses() {
        assert_eq!(
            room_status_event("hall.a@b c/d"),
            "sync://room/hall_a_b_c_d/status"
        );
    }
}
