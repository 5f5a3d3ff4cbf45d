//! Engine updates become Tauri events here, and nowhere else: every room change is emitted as
//! `sync://rooms` and as `sync://room/{id}/status` (same payload), every new history row as
//! `sync://history`. Failures become desktop notifications.

use std::collections::HashMap;

use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast;

use roombridge_app::views::{RoomState, Update};

use crate::notifications::{self, Cause, Notices};

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

/// Emits `updates` to the window and notifies on failures, until the app stops.
pub fn forward<R: Runtime>(handle: AppHandle<R>, mut updates: broadcast::Receiver<Update>) {
    tauri::async_runtime::spawn(async move {
        let mut bridge = Bridge::default();
        loop {
            match updates.recv().await {
                Ok(update) => bridge.deliver(&handle, update),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    // The window reloads its lists on the next room change it sees.
                    tracing::warn!("the window missed {n} updates");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// What the edge remembers between updates: room names for notification text, and which
/// failures the user was already told about.
#[derive(Default)]
struct Bridge {
    names: HashMap<String, String>,
    notices: Notices,
}

impl Bridge {
    fn deliver<R: Runtime>(&mut self, handle: &AppHandle<R>, update: Update) {
        match update {
            Update::Room(view) => {
                if matches!(view.status, RoomState::InSync | RoomState::Conflicts) {
                    self.notices.recovered(&view.id);
                }
                self.names.insert(view.id.clone(), view.name.clone());
                emit(handle, ROOMS_EVENT, &view);
                emit(handle, &room_status_event(&view.id), &view);
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
                if self.notices.first_time(&cause) {
                    notifications::show(cause);
                }
            }
            Update::AuthFailed { message } => {
                let cause = Cause::AuthFailed { message };
                if self.notices.first_time(&cause) {
                    notifications::show(cause);
                }
            }
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
