//! The facility manager's settings: how often rooms poll, the sync window, what Outlook shows
//! (privacy mode), which notifications to send, and where RoomBridge keeps its files.
//!
//! Settings live in the database; the engine picks them up without a restart: a new poll
//! interval reaches every room actor at once, the window and the privacy mode apply from each
//! room's next cycle.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use roombridge_core::i18n::Lang;
use roombridge_core::privacy::Privacy;
use roombridge_engine::EngineConfig;
use roombridge_store::settings::{self, Notifications, Window};

use crate::paths::Paths;
use crate::{ApiError, App};
use roombridge_core::i18n::Words;

/// Polling more often than this gains nothing a person notices and keeps the booking system
/// busy for every room. A poll reads the booking system's changes; Outlook is read at that
/// pace only while a room is busy, and less often (at most every 2½ minutes) while it is idle,
/// so the interval costs Graph little.
pub const POLL_MIN_SECS: u64 = 5;
/// Polling less often than hourly leaves Outlook behind the booking system for too long.
pub const POLL_MAX_SECS: u64 = 3600;
/// Reservations further back are history; re-reading them costs a larger full read of every
/// calendar after a change of window or an expired delta token.
pub const DAYS_BACK_MAX: i64 = 90;
/// At least a week ahead, so the coming days are always in sync.
pub const DAYS_AHEAD_MIN: i64 = 7;
/// Two years: a season's allocations are given out well ahead, but a wider window makes every
/// full read of a calendar larger.
pub const DAYS_AHEAD_MAX: i64 = 730;

/// The settings as the UI shows them, with the bounds it validates against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SettingsView {
    pub poll_interval_secs: u64,
    pub days_back: i64,
    pub days_ahead: i64,
    /// `full`, `organisation` or `reserved`.
    pub privacy: Privacy,
    pub notifications: NotificationsView,
    /// The language of the screens, notifications, tray and exports; `null`: the system's.
    pub language: Option<Lang>,
    /// The system's language as RoomBridge reads it (what `null` means).
    pub system_language: Lang,
    /// The organisation's language: what rooms write to organisers of meetings they decline or
    /// cancel.
    pub organiser_language: Lang,
    pub bounds: Bounds,
    pub paths: Paths,
}

/// Which desktop notifications to send (the notifier reads these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NotificationsView {
    /// A room keeps failing after its retries.
    pub failures: bool,
    /// Sign-in problems: refused credentials, a client secret about to expire.
    pub sign_in: bool,
    /// Conflicts wait for a decision.
    pub conflicts: bool,
}

impl From<Notifications> for NotificationsView {
    fn from(n: Notifications) -> Self {
        NotificationsView {
            failures: n.failures,
            sign_in: n.sign_in,
            conflicts: n.conflicts,
        }
    }
}

impl From<NotificationsView> for Notifications {
    fn from(n: NotificationsView) -> Self {
        Notifications {
            failures: n.failures,
            sign_in: n.sign_in,
            conflicts: n.conflicts,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Bounds {
    pub poll_min_secs: u64,
    pub poll_max_secs: u64,
    pub days_back_max: i64,
    pub days_ahead_min: i64,
    pub days_ahead_max: i64,
}

const BOUNDS: Bounds = Bounds {
    poll_min_secs: POLL_MIN_SECS,
    poll_max_secs: POLL_MAX_SECS,
    days_back_max: DAYS_BACK_MAX,
    days_ahead_min: DAYS_AHEAD_MIN,
    days_ahead_max: DAYS_AHEAD_MAX,
};

/// A change of settings: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    pub poll_interval_secs: Option<u64>,
    pub days_back: Option<i64>,
    pub days_ahead: Option<i64>,
    /// `full`, `organisation` or `reserved`.
    pub privacy: Option<String>,
    pub notifications: Option<NotificationsView>,
    /// `nb`, `en`, or `auto` for the system's language.
    pub language: Option<String>,
    /// `nb` or `en`.
    pub organiser_language: Option<String>,
}

/// A valid change, ready to store.
struct Checked {
    poll: Option<Duration>,
    window: Option<Window>,
    privacy: Option<Privacy>,
    notifications: Option<Notifications>,
    /// `Some(None)`: back to the system's language.
    language: Option<Option<Lang>>,
    organiser_language: Option<Lang>,
}

impl SettingsUpdate {
    /// Checks every field against its bounds, given the settings now (a window is checked
    /// whole). `invalid_input` with one sentence per problem, each saying what is allowed.
    fn check(&self, now: &SettingsView) -> Result<Checked, ApiError> {
        let mut problems = Vec::new();
        if let Some(secs) = self.poll_interval_secs
            && !(POLL_MIN_SECS..=POLL_MAX_SECS).contains(&secs)
        {
            problems.push(
                Words::new("error.poll_bounds")
                    .arg("min", POLL_MIN_SECS)
                    .arg("max", POLL_MAX_SECS / 60)
                    .arg("secs", secs),
            );
        }
        let back = self.days_back.unwrap_or(now.days_back);
        let ahead = self.days_ahead.unwrap_or(now.days_ahead);
        if !(0..=DAYS_BACK_MAX).contains(&back) {
            problems.push(
                Words::new("error.days_back_bounds")
                    .arg("max", DAYS_BACK_MAX)
                    .arg("days", back),
            );
        }
        if !(DAYS_AHEAD_MIN..=DAYS_AHEAD_MAX).contains(&ahead) {
            problems.push(
                Words::new("error.days_ahead_bounds")
                    .arg("min", DAYS_AHEAD_MIN)
                    .arg("max", DAYS_AHEAD_MAX)
                    .arg("days", ahead),
            );
        }
        let privacy = match self.privacy.as_deref() {
            None => None,
            Some(name) => match Privacy::parse(name) {
                Some(p) => Some(p),
                None => {
                    problems.push(Words::new("error.privacy_mode").arg("name", name));
                    None
                }
            },
        };
        let language = match self.language.as_deref() {
            None => None,
            Some("auto") => Some(None),
            Some(code) => match Lang::parse(code) {
                Some(lang) => Some(Some(lang)),
                None => {
                    problems.push(Words::new("error.language").arg("code", code));
                    None
                }
            },
        };
        let organiser_language = match self.organiser_language.as_deref() {
            None => None,
            Some(code) => {
                let lang = Lang::parse(code);
                if lang.is_none() {
                    problems.push(Words::new("error.organiser_language").arg("code", code));
                }
                lang
            }
        };
        if !problems.is_empty() {
            return Err(ApiError::invalid(
                Words::new("error.problems").sentences("problems", problems),
            ));
        }
        let window_given = self.days_back.is_some() || self.days_ahead.is_some();
        Ok(Checked {
            poll: self.poll_interval_secs.map(Duration::from_secs),
            window: window_given.then_some(Window {
                days_back: back,
                days_ahead: ahead,
            }),
            privacy,
            notifications: self.notifications.map(Notifications::from),
            language,
            organiser_language,
        })
    }
}

impl App {
    /// The settings in force: what a person chose, or the engine's defaults.
    pub fn settings(&self) -> Result<SettingsView, ApiError> {
        let engine = self.engine();
        let config = &engine.context().config;
        let defaults = EngineConfig::default();
        let (poll, window, privacy, notifications, languages, database) =
            self.store().read(|c| {
                Ok((
                    settings::poll_interval(c)?,
                    settings::window(c)?,
                    settings::privacy(c)?,
                    settings::notifications(c)?,
                    (settings::language(c)?, settings::organiser_language(c)?),
                    c.path().filter(|p| !p.is_empty()).map(PathBuf::from),
                ))
            })?;
        let (language, organiser_language) = languages;
        let poll = poll
            .or(config.poll_interval)
            .or(defaults.poll_interval)
            .unwrap_or(Duration::from_secs(roombridge_engine::DEFAULT_POLL_SECS));
        let window = window.unwrap_or(Window {
            days_back: config.days_back,
            days_ahead: config.days_ahead,
        });
        Ok(SettingsView {
            poll_interval_secs: poll.as_secs(),
            days_back: window.days_back,
            days_ahead: window.days_ahead,
            privacy,
            notifications: notifications.into(),
            language,
            system_language: system_language(),
            organiser_language: organiser_language.unwrap_or_else(system_language),
            bounds: BOUNDS,
            paths: Paths::of(database.as_deref()),
        })
    }

    /// Changes the settings given in `update` and returns all of them. Nothing changes when a
    /// value is out of bounds (`invalid_input`, saying what is allowed). A new poll interval
    /// reaches every room at once; the window and privacy mode apply from the next cycle (a
    /// new mode updates every Outlook event RoomBridge wrote).
    pub fn update_settings(&self, update: &SettingsUpdate) -> Result<SettingsView, ApiError> {
        let checked = update.check(&self.settings()?)?;
        self.store().write(|c| {
            if let Some(every) = checked.poll {
                settings::set_poll_interval(c, every)?;
            }
            if let Some(window) = checked.window {
                settings::set_window(c, window)?;
            }
            if let Some(mode) = checked.privacy {
                settings::set_privacy(c, mode)?;
            }
            if let Some(n) = checked.notifications {
                settings::set_notifications(c, n)?;
            }
            if let Some(lang) = checked.language {
                settings::set_language(c, lang)?;
            }
            if let Some(lang) = checked.organiser_language {
                settings::set_organiser_language(c, lang)?;
            }
            Ok(())
        })?;
        if let Some(every) = checked.poll {
            self.engine()
                .set_poll_interval(every)
                .map_err(|e| ApiError::unavailable(e.to_string()))?;
        }
        let saved = self.settings()?;
        self.tell(crate::views::Update::Settings(saved.notifications));
        if checked.language.is_some() {
            self.tell(crate::views::Update::Language(self.language()));
        }
        Ok(saved)
    }

    /// The language RoomBridge speaks to the facility manager outside the screens
    /// (notifications, tray, exports): the one chosen in Settings, else the system's.
    pub fn language(&self) -> Lang {
        self.store()
            .read_by_key(|c| Ok(language_of(c)))
            .unwrap_or_else(|_| system_language())
    }

    /// Sets the organisation's language from the system's at the first start, so the messages
    /// rooms send organisers do not change language with whoever runs RoomBridge later.
    pub(crate) fn settle_organiser_language(&self) {
        let result = self.store().write(|c| {
            if settings::organiser_language(c)?.is_none() {
                settings::set_organiser_language(c, system_language())?;
            }
            Ok(())
        });
        if let Err(e) = result {
            tracing::warn!("cannot set the organisation's language: {e}");
        }
    }
}

/// The language chosen in Settings (stored in `conn`), else the system's.
pub fn language_of(conn: &roombridge_store::Connection) -> Lang {
    settings::language(conn)
        .ok()
        .flatten()
        .unwrap_or_else(system_language)
}

/// The system's language, where RoomBridge speaks it; English otherwise. Read from the OS's
/// preferred languages (`sys-locale`: the `LANGUAGE`/`LC_*`/`LANG` variables on Linux, the user
/// settings on Windows and macOS).
pub fn system_language() -> Lang {
    sys_locale::get_locales()
        .find_map(|l| Lang::of_locale(&l))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn now() -> SettingsView {
        SettingsView {
            poll_interval_secs: 60,
            days_back: 7,
            days_ahead: 365,
            privacy: Privacy::Full,
            notifications: NotificationsView {
                failures: true,
                sign_in: true,
                conflicts: true,
            },
            language: None,
            system_language: Lang::En,
            organiser_language: Lang::Nb,
            bounds: BOUNDS,
            paths: Paths::of(None),
        }
    }

    fn refused(update: SettingsUpdate) -> String {
        match update.check(&now()) {
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidInput);
                e.message
            }
            Ok(_) => panic!("{update:?} was accepted"),
        }
    }

    #[test]
    fn values_out_of_bounds_are_refused_with_what_is_allowed() {
        let cases = [
            (
                SettingsUpdate {
                    poll_interval_secs: Some(4),
                    ..Default::default()
                },
                "between 5 seconds and 60 minutes",
            ),
            (
                SettingsUpdate {
                    poll_interval_secs: Some(3601),
                    ..Default::default()
                },
                "3601 seconds",
            ),
            (
                SettingsUpdate {
                    days_back: Some(-1),
                    ..Default::default()
                },
                "Days back must be between 0 and 90",
            ),
            (
                SettingsUpdate {
                    days_ahead: Some(6),
                    ..Default::default()
                },
                "Days ahead must be between 7 and 730",
            ),
            (
                SettingsUpdate {
                    privacy: Some("secret".into()),
                    ..Default::default()
                },
                "full, organisation or reserved",
            ),
        ];
        for (update, expected) in cases {
            let message = refused(update);
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let message = refused(SettingsUpdate {
            poll_interval_secs: Some(2),
            days_ahead: Some(5000),
            ..Default::default()
        });
        assert!(message.contains("poll interval"), "{message}");
        assert!(message.contains("Days ahead"), "{message}");
    }

    #[test]
    fn bounds_are_inclusive_and_a_window_is_completed_from_the_settings_now() {
        let ok = SettingsUpdate {
            poll_interval_secs: Some(POLL_MIN_SECS),
            days_back: Some(0),
            privacy: Some("reserved".into()),
            ..Default::default()
        }
        .check(&now())
        .unwrap();
        assert_eq!(ok.poll, Some(Duration::from_secs(POLL_MIN_SECS)));
        assert_eq!(
            ok.window,
            Some(Window {
                days_back: 0,
                days_ahead: 365
            })
        );
        assert_eq!(ok.privacy, Some(Privacy::Reserved));
        let ok = SettingsUpdate {
            poll_interval_secs: Some(POLL_MAX_SECS),
            days_ahead: Some(DAYS_AHEAD_MAX),
            ..Default::default()
        }
        .check(&now())
        .unwrap();
        assert_eq!(
            ok.window,
            Some(Window {
                days_back: 7,
                days_ahead: DAYS_AHEAD_MAX
            })
        );
        assert!(ok.privacy.is_none() && ok.notifications.is_none());
    }
}
