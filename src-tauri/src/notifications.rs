//! Desktop notifications for failures the facility manager must act on: a room that stopped
//! syncing, and credentials Microsoft 365 or the booking system refused. Each cause is shown
//! once; it may be shown again after the room (or sign-in) has worked in between.

use std::collections::HashSet;

use notify_rust::Notification;

/// Why RoomBridge tells the user something.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cause {
    /// A room failed repeatedly and was stopped.
    RoomFailed {
        room: String,
        name: String,
        message: String,
    },
    /// A tenant's credentials were refused.
    AuthFailed { message: String },
}

impl Cause {
    fn summary(&self) -> String {
        match self {
            Cause::RoomFailed { name, .. } => format!("{name} stopped syncing"),
            Cause::AuthFailed { .. } => "RoomBridge cannot sign in".to_owned(),
        }
    }

    fn body(&self) -> String {
        match self {
            Cause::RoomFailed { message, .. } => {
                format!("{message}\nOpen RoomBridge to see the room's history.")
            }
            Cause::AuthFailed { message } => format!(
                "{message}\nSyncing is paused until the credentials are fixed; nothing is lost."
            ),
        }
    }
}

/// The causes the user has already been told about.
#[derive(Default)]
pub struct Notices {
    shown: HashSet<Cause>,
}

impl Notices {
    /// True the first time a cause is seen (since it last recovered): notify then, not again.
    pub fn first_time(&mut self, cause: &Cause) -> bool {
        self.shown.insert(cause.clone())
    }

    /// A cycle of `room` succeeded: its failures may be told again, and so may sign-in failures
    /// (a successful cycle signed in).
    pub fn recovered(&mut self, room: &str) {
        self.shown.retain(|c| match c {
            Cause::RoomFailed { room: r, .. } => r != room,
            Cause::AuthFailed { .. } => false,
        });
    }
}

/// Shows a notification without blocking the caller. Without a notification server (no
/// session bus, nothing answering) the failure is logged and nothing else happens.
pub fn show(cause: Cause) {
    tauri::async_runtime::spawn_blocking(move || {
        let result = Notification::new()
            .appname("RoomBridge")
            .summary(&cause.summary())
            .body(&cause.body())
            .show();
        if let Err(e) = result {
            tracing::warn!("cannot show the notification {:?}: {e}", cause.summary());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room_failed(room: &str, message: &str) -> Cause {
        Cause::RoomFailed {
            room: room.into(),
            name: format!("Room {room}"),
            message: message.into(),
        }
    }

    #[test]
    fn the_same_room_failure_is_notified_once() {
        let mut notices = Notices::default();
        assert!(notices.first_time(&room_failed("a", "503 from Graph")));
        assert!(!notices.first_time(&room_failed("a", "503 from Graph")));
    }

    #[test]
    fn another_room_or_another_message_is_a_new_cause() {
        let mut notices = Notices::default();
        assert!(notices.first_time(&room_failed("a", "503 from Graph")));
        assert!(notices.first_time(&room_failed("b", "503 from Graph")));
        assert!(notices.first_time(&room_failed("a", "booking API timed out")));
    }

    #[test]
    fn an_auth_failure_reported_by_every_room_is_notified_once() {
        let mut notices = Notices::default();
        let cause = Cause::AuthFailed {
            message: "invalid_client".into(),
        };
        assert!(notices.first_time(&cause));
        assert!(!notices.first_time(&cause));
    }

    #[test]
    fn a_room_that_recovered_is_notified_again_when_it_fails_again() {
        let mut notices = Notices::default();
        let auth = Cause::AuthFailed {
            message: "invalid_client".into(),
        };
        notices.first_time(&room_failed("a", "503 from Graph"));
        notices.first_time(&room_failed("b", "503 from Graph"));
        notices.first_time(&auth);
        notices.recovered("a");
        assert!(notices.first_time(&room_failed("a", "503 from Graph")));
        assert!(!notices.first_time(&room_failed("b", "503 from Graph")));
        assert!(notices.first_time(&auth));
    }
}
