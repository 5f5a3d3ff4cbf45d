//! Desktop notifications for what the facility manager must act on: a room that stopped
//! syncing, credentials that were refused or a client secret about to expire, and conflicts
//! waiting for a decision. Each cause is told once ([`Notices`]); a failure may be told again
//! after the room (or sign-in) has worked in between, conflicts again when new ones arrive.
//! [`NotificationPrefs`] says which kinds the user wants. Clicking a notification opens the
//! screen that deals with it, where the platform reports clicks (freedesktop notification
//! servers do).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use notify_rust::Notification;
use roombridge_app::settings::Lang;
use serde::{Deserialize, Serialize};

/// The app's icon in the desktop's icon theme, as the `.deb` installs it.
pub const APP_ICON: &str = "roombridge-desktop";

/// How many days before a client secret expires RoomBridge starts to warn.
pub const SECRET_WARNING_DAYS: i64 = 14;

/// Which notifications the user wants; every kind is on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationPrefs {
    /// A room stopped syncing after its retries.
    pub failures: bool,
    /// Credentials were refused, or a client secret is about to expire.
    pub sign_in: bool,
    /// Conflicts wait for a decision.
    pub conflicts: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        NotificationPrefs {
            failures: true,
            sign_in: true,
            conflicts: true,
        }
    }
}

impl NotificationPrefs {
    /// Whether the user wants to hear about `cause`.
    pub fn allows(&self, cause: &Cause) -> bool {
        match cause {
            Cause::RoomFailed { .. } | Cause::DeletionsHeld { .. } => self.failures,
            Cause::AuthFailed { .. } | Cause::SecretExpiring { .. } => self.sign_in,
            Cause::ConflictsWaiting { .. } => self.conflicts,
        }
    }
}

/// Why RoomBridge tells the user something.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cause {
    /// A room failed repeatedly and was stopped.
    RoomFailed {
        room: String,
        name: String,
        message: String,
    },
    /// The mass-deletion breaker holds `deletions` of a room's deletions back until a person
    /// approves them.
    DeletionsHeld {
        room: String,
        name: String,
        deletions: i64,
    },
    /// A tenant's credentials were refused.
    AuthFailed { message: String },
    /// The Microsoft 365 client secret expires on `expires` (`days_left` may be negative: it
    /// has expired).
    SecretExpiring { expires: NaiveDate, days_left: i64 },
    /// `waiting` conflicts wait for a decision, `new` of them since the last notice.
    ConflictsWaiting { waiting: usize, new: usize },
}

/// The screen a notification opens when clicked (a route of the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Rooms,
    Conflicts,
    History,
}

impl Screen {
    /// The UI's route, as in `#/conflicts`.
    pub fn route(self) -> &'static str {
        match self {
            Screen::Rooms => "#/rooms",
            Screen::Conflicts => "#/conflicts",
            Screen::History => "#/history",
        }
    }
}

impl Cause {
    pub fn summary(&self, lang: Lang) -> String {
        match self {
            Cause::RoomFailed { name, .. } => lang.tr("notify.room_failed", &[("name", name)]),
            Cause::DeletionsHeld {
                name, deletions, ..
            } => lang.plural("notify.deletions_held", *deletions, &[("name", name)]),
            Cause::AuthFailed { .. } => lang.tr("notify.auth_failed", &[]),
            Cause::SecretExpiring { days_left, .. } => match *days_left {
                ..0 => lang.tr("notify.secret_expired", &[]),
                0 => lang.tr("notify.secret_expires_today", &[]),
                1 => lang.tr("notify.secret_expires_tomorrow", &[]),
                days => lang.plural("notify.secret_expires_in", days, &[]),
            },
            Cause::ConflictsWaiting { waiting, .. } => {
                lang.plural("notify.conflicts_waiting", *waiting as i64, &[])
            }
        }
    }

    pub fn body(&self, lang: Lang) -> String {
        match self {
            Cause::RoomFailed { message, .. } => {
                lang.tr("notify.room_failed_body", &[("message", message)])
            }
            Cause::DeletionsHeld { deletions, .. } => {
                lang.plural("notify.deletions_held_body", *deletions, &[])
            }
            Cause::AuthFailed { message } => {
                lang.tr("notify.auth_failed_body", &[("message", message)])
            }
            Cause::SecretExpiring { expires, .. } => {
                lang.tr("notify.secret_expiring_body", &[("date", expires)])
            }
            Cause::ConflictsWaiting { waiting, new } if new < waiting => {
                lang.plural("notify.conflicts_new_body", *new as i64, &[])
            }
            Cause::ConflictsWaiting { .. } => lang.tr("notify.conflicts_body", &[]),
        }
    }

    /// The screen that deals with this cause.
    pub fn screen(&self) -> Screen {
        match self {
            Cause::RoomFailed { .. } | Cause::AuthFailed { .. } => Screen::History,
            Cause::SecretExpiring { .. } | Cause::DeletionsHeld { .. } => Screen::Rooms,
            Cause::ConflictsWaiting { .. } => Screen::Conflicts,
        }
    }
}

/// The secret-expiry notice due on `today` for a secret that expires on `expires`: within
/// [`SECRET_WARNING_DAYS`] days, or already expired.
pub fn secret_expiry(expires: NaiveDate, today: NaiveDate) -> Option<Cause> {
    let days_left = (expires - today).num_days();
    (days_left <= SECRET_WARNING_DAYS).then_some(Cause::SecretExpiring { expires, days_left })
}

/// The causes the user has already been told about.
#[derive(Default)]
pub struct Notices {
    shown: HashSet<Cause>,
    /// The conflicts the last conflict notice covered (and that are still waiting).
    told_conflicts: BTreeSet<i64>,
}

impl Notices {
    /// True the first time a cause is seen (since it last recovered): notify then, not again.
    /// A secret expiry counts once per expiry date, however many days are left.
    pub fn first_time(&mut self, cause: &Cause) -> bool {
        let key = match cause {
            Cause::SecretExpiring { expires, .. } => Cause::SecretExpiring {
                expires: *expires,
                days_left: 0,
            },
            other => other.clone(),
        };
        self.shown.insert(key)
    }

    /// A cycle of `room` succeeded: its failures may be told again, and so may sign-in failures
    /// (a successful cycle signed in).
    pub fn recovered(&mut self, room: &str) {
        self.shown.retain(|c| match c {
            Cause::RoomFailed { room: r, .. } | Cause::DeletionsHeld { room: r, .. } => r != room,
            Cause::AuthFailed { .. } => false,
            Cause::SecretExpiring { .. } | Cause::ConflictsWaiting { .. } => true,
        });
    }

    /// The conflicts waiting now (their ids). A notice is due when some of them were not
    /// waiting at the last notice: the first ones after none, or new ones since. Conflicts
    /// that were decided are forgotten, so the same set waiting again is not told twice.
    pub fn conflicts_waiting(&mut self, waiting: &BTreeSet<i64>) -> Option<Cause> {
        self.told_conflicts.retain(|id| waiting.contains(id));
        let new = waiting.difference(&self.told_conflicts).count();
        if new == 0 {
            return None;
        }
        self.told_conflicts = waiting.clone();
        Some(Cause::ConflictsWaiting {
            waiting: waiting.len(),
            new,
        })
    }
}

/// What a click on a notification does: opens the window at a screen.
pub type OpenScreen = Arc<dyn Fn(Screen) + Send + Sync>;

/// Decides which causes to show (preferences and no repeats) and shows them.
pub struct Notifier {
    notices: Notices,
    open: OpenScreen,
}

impl Notifier {
    /// A notifier whose notifications call `open` when clicked.
    pub fn new(open: OpenScreen) -> Notifier {
        Notifier {
            notices: Notices::default(),
            open,
        }
    }

    /// Shows `cause` in `lang` if the user wants it and has not been told yet; true if it
    /// was sent.
    pub fn tell(&mut self, cause: Cause, prefs: &NotificationPrefs, lang: Lang) -> bool {
        if !prefs.allows(&cause) || !self.notices.first_time(&cause) {
            return false;
        }
        show(cause, lang, self.open.clone());
        true
    }

    /// Tells about conflicts if new ones wait (see [`Notices::conflicts_waiting`]); true if a
    /// notification was sent. Conflicts arriving while the user does not want these notices
    /// are not told later either.
    pub fn conflicts(
        &mut self,
        waiting: &BTreeSet<i64>,
        prefs: &NotificationPrefs,
        lang: Lang,
    ) -> bool {
        match self.notices.conflicts_waiting(waiting) {
            Some(cause) if prefs.conflicts => {
                show(cause, lang, self.open.clone());
                true
            }
            _ => false,
        }
    }

    /// See [`Notices::recovered`].
    pub fn recovered(&mut self, room: &str) {
        self.notices.recovered(room);
    }
}

/// Shows a notification without blocking the caller, then waits (on a blocking thread) for a
/// click, which opens the cause's screen. Without a notification server (no session bus,
/// nothing answering) the failure is logged and nothing else happens.
fn show(cause: Cause, lang: Lang, open: OpenScreen) {
    tauri::async_runtime::spawn_blocking(move || {
        let summary = cause.summary(lang);
        let mut notification = Notification::new();
        notification
            .appname("RoomBridge")
            // The name the package installs in the icon theme (usr/share/icons/hicolor).
            .icon(APP_ICON)
            .summary(&summary)
            .body(&cause.body(lang));
        #[cfg(all(unix, not(target_os = "macos")))]
        notification.action("default", &lang.tr("notify.open", &[]));
        match notification.show() {
            Ok(handle) => wait_for_click(handle, cause.screen(), open),
            Err(e) => tracing::warn!("cannot show the notification {summary:?}: {e}"),
        }
    });
}

#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(handle: notify_rust::NotificationHandle, screen: Screen, open: OpenScreen) {
    // Returns when the notification is clicked or closed (servers close them on timeout).
    handle.wait_for_action(|action| {
        if action == "default" {
            open(screen);
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click(_handle: notify_rust::NotificationHandle, _screen: Screen, _open: OpenScreen) {
    // macOS and Windows bring the app forward on a click themselves; they report no action.
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

    fn ids(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn held_deletions_are_told_once_as_waiting_for_approval_and_again_after_recovery() {
        let mut notices = Notices::default();
        let held = Cause::DeletionsHeld {
            room: "gym".into(),
            name: "Gymnasium".into(),
            deletions: 12,
        };
        assert_eq!(
            held.summary(Lang::En),
            "Gymnasium: 12 deletions wait for your approval"
        );
        assert!(
            held.body(Lang::En).contains("changed nothing"),
            "{}",
            held.body(Lang::En)
        );
        assert_eq!(held.screen(), Screen::Rooms);
        assert_eq!(
            held.summary(Lang::Nb),
            "Gymnasium: 12 slettinger venter på godkjenningen din"
        );
        assert!(NotificationPrefs::default().allows(&held));
        assert!(notices.first_time(&held));
        assert!(!notices.first_time(&held));
        notices.recovered("gym");
        assert!(notices.first_time(&held));
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

    #[test]
    fn conflicts_are_told_when_the_first_arrive_and_when_new_ones_arrive_not_every_cycle() {
        let mut notices = Notices::default();
        assert_eq!(notices.conflicts_waiting(&ids(&[])), None);
        assert_eq!(
            notices.conflicts_waiting(&ids(&[1, 2])),
            Some(Cause::ConflictsWaiting { waiting: 2, new: 2 })
        );
        assert_eq!(notices.conflicts_waiting(&ids(&[1, 2])), None, "next cycle");
        assert_eq!(
            notices.conflicts_waiting(&ids(&[2])),
            None,
            "one was decided"
        );
        assert_eq!(
            notices.conflicts_waiting(&ids(&[2, 3])),
            Some(Cause::ConflictsWaiting { waiting: 2, new: 1 })
        );
        assert_eq!(notices.conflicts_waiting(&ids(&[])), None, "all decided");
        assert_eq!(
            notices.conflicts_waiting(&ids(&[2])),
            Some(Cause::ConflictsWaiting { waiting: 1, new: 1 }),
            "from none to some again"
        );
    }

    #[test]
    fn a_secret_is_warned_about_within_fourteen_days_once_per_expiry_date() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(secret_expiry(day(30), day(15)), None, "15 days left");
        let due = secret_expiry(day(29), day(15)).expect("14 days left");
        assert_eq!(
            due.summary(Lang::En),
            "The Microsoft 365 client secret expires in 14 days"
        );
        assert_eq!(
            secret_expiry(day(15), day(16)).unwrap().summary(Lang::En),
            "The Microsoft 365 client secret has expired"
        );
        assert_eq!(
            secret_expiry(day(16), day(15)).unwrap().summary(Lang::En),
            "The Microsoft 365 client secret expires tomorrow"
        );
        let mut notices = Notices::default();
        assert!(notices.first_time(&due));
        assert!(!notices.first_time(&secret_expiry(day(29), day(20)).unwrap()));
        assert!(
            notices.first_time(&secret_expiry(day(31), day(20)).unwrap()),
            "a new secret"
        );
    }

    #[test]
    fn preferences_filter_each_kind_of_cause() {
        let conflicts = Cause::ConflictsWaiting { waiting: 1, new: 1 };
        let auth = Cause::AuthFailed {
            message: "invalid_client".into(),
        };
        let expiring = secret_expiry(
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        )
        .unwrap();
        let all = NotificationPrefs::default();
        assert!(
            [&conflicts, &auth, &expiring, &room_failed("a", "x")]
                .iter()
                .all(|c| all.allows(c))
        );
        let quiet = NotificationPrefs {
            failures: false,
            sign_in: false,
            conflicts: true,
        };
        assert!(quiet.allows(&conflicts));
        assert!(!quiet.allows(&auth) && !quiet.allows(&expiring));
        assert!(!quiet.allows(&room_failed("a", "x")));
    }

    #[test]
    fn each_cause_opens_the_screen_that_deals_with_it() {
        assert_eq!(
            Cause::ConflictsWaiting { waiting: 1, new: 1 }
                .screen()
                .route(),
            "#/conflicts"
        );
        assert_eq!(room_failed("a", "x").screen().route(), "#/history");
    }
}
