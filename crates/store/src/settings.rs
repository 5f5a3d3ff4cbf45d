//! Settings that apply to every room, as keys and values.

use rusqlite::{Connection, OptionalExtension, params};

use roombridge_core::i18n::Lang;
use roombridge_core::policy::Policy;
use roombridge_core::privacy::Privacy;

use crate::{Result, StoreError};

const DEFAULT_POLICY: &str = "default_policy";
const POLL_INTERVAL: &str = "poll_interval_secs";
const DAYS_BACK: &str = "window_days_back";
const DAYS_AHEAD: &str = "window_days_ahead";
const PRIVACY: &str = "privacy";
const NOTIFY_FAILURES: &str = "notify_failures";
const NOTIFY_SIGN_IN: &str = "notify_sign_in";
const NOTIFY_CONFLICTS: &str = "notify_conflicts";
const LANGUAGE: &str = "language";
const ORGANISER_LANGUAGE: &str = "organiser_language";

/// Which desktop notifications the facility manager wants. All on until someone turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notifications {
    /// A room keeps failing after its retries.
    pub failures: bool,
    /// Sign-in problems: refused credentials, a secret about to expire.
    pub sign_in: bool,
    /// Conflicts wait for a decision.
    pub conflicts: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            failures: true,
            sign_in: true,
            conflicts: true,
        }
    }
}

/// The sync window a person chose, in whole days around now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub days_back: i64,
    pub days_ahead: i64,
}

fn parsed<T: std::str::FromStr>(conn: &Connection, key: &str) -> Result<Option<T>> {
    match get(conn, key)? {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("setting {key} = {s:?}"))),
    }
}

/// How often each room polls, if a person set it (the engine's default otherwise).
pub fn poll_interval(conn: &Connection) -> Result<Option<std::time::Duration>> {
    Ok(parsed::<u64>(conn, POLL_INTERVAL)?.map(std::time::Duration::from_secs))
}

pub fn set_poll_interval(conn: &Connection, every: std::time::Duration) -> Result<()> {
    set(conn, POLL_INTERVAL, &every.as_secs().to_string())
}

/// The sync window, if a person set it (the engine's default otherwise).
pub fn window(conn: &Connection) -> Result<Option<Window>> {
    match (parsed(conn, DAYS_BACK)?, parsed(conn, DAYS_AHEAD)?) {
        (Some(days_back), Some(days_ahead)) => Ok(Some(Window {
            days_back,
            days_ahead,
        })),
        _ => Ok(None),
    }
}

pub fn set_window(conn: &Connection, window: Window) -> Result<()> {
    set(conn, DAYS_BACK, &window.days_back.to_string())?;
    set(conn, DAYS_AHEAD, &window.days_ahead.to_string())
}

/// The sync window (`days_back/days_ahead`) a room's calendar delta cursor was made for.
pub fn cursor_window(conn: &Connection, room: &roombridge_core::RoomId) -> Result<Option<String>> {
    get(conn, &format!("cursor_window:{room}"))
}

pub fn set_cursor_window(
    conn: &Connection,
    room: &roombridge_core::RoomId,
    window: &str,
) -> Result<()> {
    set(conn, &format!("cursor_window:{room}"), window)
}

/// What Outlook shows of booking-system reservations (`full` until someone sets it).
pub fn privacy(conn: &Connection) -> Result<Privacy> {
    match get(conn, PRIVACY)? {
        None => Ok(Privacy::default()),
        Some(s) => {
            Privacy::parse(&s).ok_or_else(|| StoreError::Invalid(format!("privacy mode {s:?}")))
        }
    }
}

pub fn set_privacy(conn: &Connection, mode: Privacy) -> Result<()> {
    set(conn, PRIVACY, mode.name())
}

/// The language the facility manager chose for RoomBridge's screens, notifications, tray and
/// exports; `None`: the system's.
pub fn language(conn: &Connection) -> Result<Option<Lang>> {
    lang_at(conn, LANGUAGE)
}

pub fn set_language(conn: &Connection, lang: Option<Lang>) -> Result<()> {
    match lang {
        Some(lang) => set(conn, LANGUAGE, lang.code()),
        None => {
            conn.execute("DELETE FROM settings WHERE key = ?1", [LANGUAGE])?;
            Ok(())
        }
    }
}

/// The organisation's language: what rooms write to organisers of the meetings they decline
/// or cancel. `None` until set (the app sets it from the system's language at first start).
pub fn organiser_language(conn: &Connection) -> Result<Option<Lang>> {
    lang_at(conn, ORGANISER_LANGUAGE)
}

pub fn set_organiser_language(conn: &Connection, lang: Lang) -> Result<()> {
    set(conn, ORGANISER_LANGUAGE, lang.code())
}

fn lang_at(conn: &Connection, key: &str) -> Result<Option<Lang>> {
    get(conn, key)?
        .map(|code| {
            Lang::parse(&code).ok_or_else(|| StoreError::Invalid(format!("language {code:?}")))
        })
        .transpose()
}

pub fn notifications(conn: &Connection) -> Result<Notifications> {
    let on = |key| Ok::<_, StoreError>(parsed::<bool>(conn, key)?.unwrap_or(true));
    Ok(Notifications {
        failures: on(NOTIFY_FAILURES)?,
        sign_in: on(NOTIFY_SIGN_IN)?,
        conflicts: on(NOTIFY_CONFLICTS)?,
    })
}

pub fn set_notifications(conn: &Connection, n: Notifications) -> Result<()> {
    set(conn, NOTIFY_FAILURES, &n.failures.to_string())?;
    set(conn, NOTIFY_SIGN_IN, &n.sign_in.to_string())?;
    set(conn, NOTIFY_CONFLICTS, &n.conflicts.to_string())
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = ?2",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The conflict policy of rooms without their own (`manual` until someone sets it).
pub fn default_policy(conn: &Connection) -> Result<Policy> {
    match get(conn, DEFAULT_POLICY)? {
        Some(s) => Policy::parse(&s).map_err(StoreError::Invalid),
        None => Ok(Policy::Manual),
    }
}

pub fn set_default_policy(conn: &Connection, policy: Policy) -> Result<()> {
    set(conn, DEFAULT_POLICY, &policy.name())
}

/// The policy a room follows: its own, or the global default.
pub fn policy_of(conn: &Connection, room: &roombridge_core::RoomId) -> Result<Policy> {
    match crate::rooms::policy(conn, room)? {
        Some(p) => Ok(p),
        None => default_policy(conn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn the_default_policy_is_manual_until_set_and_a_room_may_override_it() {
        let store = Store::open_in_memory().unwrap();
        let room = crate::rooms::tests_support::room("gym");
        store
            .write(|c| crate::rooms::upsert(c, &room, chrono::Utc::now()))
            .unwrap();
        let policy = |s: &Store| s.read(|c| policy_of(c, &room.id)).unwrap();
        assert_eq!(policy(&store), Policy::Manual);
        store
            .write(|c| set_default_policy(c, Policy::BookingWins))
            .unwrap();
        assert_eq!(policy(&store), Policy::BookingWins);
        store
            .write(|c| crate::rooms::set_policy(c, &room.id, Some(Policy::LatestWins)))
            .unwrap();
        assert_eq!(policy(&store), Policy::LatestWins);
        store
            .write(|c| crate::rooms::set_policy(c, &room.id, None))
            .unwrap();
        assert_eq!(policy(&store), Policy::BookingWins);
    }

    #[test]
    fn typed_settings_are_unset_until_a_person_sets_them_and_read_back_as_set() {
        let store = Store::open_in_memory().unwrap();
        let read = |s: &Store| {
            s.read(|c| {
                Ok((
                    poll_interval(c)?,
                    window(c)?,
                    privacy(c)?,
                    notifications(c)?,
                ))
            })
            .unwrap()
        };
        assert_eq!(
            read(&store),
            (None, None, Privacy::Full, Notifications::default())
        );
        let quiet = Notifications {
            failures: true,
            sign_in: false,
            conflicts: false,
        };
        store
            .write(|c| {
                set_poll_interval(c, std::time::Duration::from_secs(120))?;
                set_window(
                    c,
                    Window {
                        days_back: 3,
                        days_ahead: 90,
                    },
                )?;
                set_privacy(c, Privacy::Reserved)?;
                set_notifications(c, quiet)
            })
            .unwrap();
        assert_eq!(
            read(&store),
            (
                Some(std::time::Duration::from_secs(120)),
                Some(Window {
                    days_back: 3,
                    days_ahead: 90
                }),
                Privacy::Reserved,
                quiet
            )
        );
    }

    #[test]
    fn a_damaged_setting_is_an_error_not_a_silent_default() {
        let store = Store::open_in_memory().unwrap();
        store.write(|c| set(c, PRIVACY, "secret")).unwrap();
        assert!(matches!(store.read(privacy), Err(StoreError::Invalid(_))));
        store.write(|c| set(c, POLL_INTERVAL, "soon")).unwrap();
        assert!(matches!(
            store.read(poll_interval),
            Err(StoreError::Invalid(_))
        ));
    }
}
