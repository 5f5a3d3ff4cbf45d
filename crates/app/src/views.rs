//! The JSON shapes the UI reads, mirrored in `ui/src/backend/types.ts`.

use std::collections::HashMap;

use serde::Serialize;

use roombridge_core::plan::ConflictKind;
use roombridge_core::policy::{Choice, FieldOwnership, Move};
use roombridge_core::{Content, RoomId, Side};
use roombridge_store::conflicts::{Decision, StoredConflict};
use roombridge_store::history::{Broken, Entry, Outcome};

pub use roombridge_store::history::HistoryKind;
use roombridge_store::rooms::Room;
use roombridge_store::status::RoomStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Running against the built-in emulators.
    Demo,
    /// Running against a real tenant and booking system.
    Live,
    /// Not configured yet: the setup wizard is waiting.
    Setup,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Status {
    pub mode: Mode,
    pub version: String,
    pub rooms: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RoomState {
    /// No cycle has finished yet.
    Idle,
    Syncing,
    InSync,
    /// In sync, but conflicts wait for a decision.
    Conflicts,
    /// The last cycle failed.
    Failing,
    /// The mass-deletion breaker holds the room's deletions back until a person approves them:
    /// nothing failed, and nothing is changed meanwhile.
    WaitingForApproval,
    Paused,
}

/// What a mapped resource is: a room, or equipment (a projector, a van).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Room,
    Equipment,
}

impl RoomKind {
    /// A kind as the booking system or the store writes it: `equipment`, or else a room.
    pub fn of(kind: &str) -> RoomKind {
        if kind == "equipment" {
            RoomKind::Equipment
        } else {
            RoomKind::Room
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Room => "room",
            RoomKind::Equipment => "equipment",
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Counts {
    pub links: i64,
    pub conflicts: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoomView {
    pub id: String,
    pub name: String,
    pub kind: RoomKind,
    pub mailbox: String,
    pub resource_id: String,
    pub time_zone: String,
    pub paused: bool,
    pub status: RoomState,
    pub last_cycle_at: Option<String>,
    pub last_ok_at: Option<String>,
    pub last_error: Option<String>,
    /// Since when the room's cycles fail (the first failure after its last good cycle).
    pub failing_since: Option<String>,
    /// The side the last failure could not reach: the booking system or Outlook.
    pub failing_side: Option<Side>,
    /// Deletions the mass-deletion breaker holds back until a person approves them (0: none).
    pub held_deletions: i64,
    pub counts: Counts,
}

impl RoomView {
    pub fn new(room: Room, st: &RoomStatus, counts: (i64, i64, i64), syncing: bool) -> RoomView {
        let (links, conflicts, failed) = counts;
        // A failing room stays failing while it retries (no flapping to "syncing" and back);
        // its next good cycle makes it in sync.
        let status = if room.paused {
            RoomState::Paused
        } else if st.held_deletions > 0 {
            RoomState::WaitingForApproval
        } else if st.last_error.is_some() {
            RoomState::Failing
        } else if syncing {
            RoomState::Syncing
        } else if conflicts > 0 {
            RoomState::Conflicts
        } else if st.last_ok_at.is_some() {
            RoomState::InSync
        } else {
            RoomState::Idle
        };
        RoomView {
            id: room.id.to_string(),
            name: room.name,
            kind: RoomKind::of(&room.kind),
            mailbox: room.mailbox.to_string(),
            resource_id: room.resource.to_string(),
            time_zone: room.time_zone,
            paused: room.paused,
            status,
            last_cycle_at: st.last_cycle_at.map(|t| t.to_rfc3339()),
            last_ok_at: st.last_ok_at.map(|t| t.to_rfc3339()),
            last_error: st.last_error.clone(),
            failing_since: st.failing_since.map(|t| t.to_rfc3339()),
            failing_side: st.failing_side,
            held_deletions: st.held_deletions,
            counts: Counts {
                links,
                conflicts,
                failed,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: String,
    pub room_id: String,
    pub room_name: String,
    pub cycle: i64,
    pub kind: HistoryKind,
    pub side: Option<Side>,
    pub outcome: Outcome,
    pub title: String,
    /// Why, or what went wrong, in English: what the audit holds.
    pub detail: String,
    /// What `detail` says, in words the UI says in its own language (the keys of
    /// `crates/core/locales`); absent for rows that carry only the services' own words.
    pub said: Option<roombridge_core::i18n::Words>,
}

impl HistoryEntry {
    pub fn new(e: Entry, names: &HashMap<RoomId, String>) -> HistoryEntry {
        HistoryEntry {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            room_name: names
                .get(&e.room)
                .cloned()
                .unwrap_or_else(|| e.room.to_string()),
            room_id: e.room.to_string(),
            cycle: e.cycle,
            kind: e.kind,
            side: e.side,
            outcome: e.outcome,
            said: e.said(),
            title: e.title,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConflictView {
    pub id: i64,
    pub room_id: String,
    pub room_name: String,
    pub kind: ConflictKind,
    pub detected_at: String,
    pub fields: Vec<String>,
    pub booking: Option<Content>,
    pub calendar: Option<Content>,
    /// The decisions a person may take: `keep_booking`, `keep_calendar`, `merge`, `move`.
    #[ts(type = "Array<ConflictChoice>")]
    pub choices: Vec<String>,
    /// A decision recorded and waiting for the room's next cycle.
    pub decision: Option<DecisionView>,
}

/// The decisions on a conflict by name, as [`ConflictView::choices`] and [`DecisionView::choice`]
/// carry them ([`Choice::name`]); declared for the UI's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    KeepBooking,
    KeepCalendar,
    Merge,
    Move,
}

/// A recorded decision, as the UI shows it while it waits for the next sync.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DecisionView {
    /// `keep_booking`, `keep_calendar`, `merge` or `move`.
    #[ts(type = "ConflictChoice")]
    pub choice: &'static str,
    /// For a merge: which side each group of fields comes from.
    pub merge: Option<FieldOwnership>,
    /// For keeping both: which side moves, and its new start and end (RFC 3339).
    #[serde(rename = "move")]
    pub move_to: Option<Move>,
    pub by: String,
    pub reason: String,
    pub at: String,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> Self {
        DecisionView {
            choice: d.choice.name(),
            merge: match d.choice {
                Choice::Merge(fields) => Some(fields),
                _ => None,
            },
            move_to: match d.choice {
                Choice::Move(m) => Some(m),
                _ => None,
            },
            by: d.by,
            reason: d.reason,
            at: d.at.to_rfc3339(),
        }
    }
}

impl ConflictView {
    pub fn new(c: StoredConflict, names: &HashMap<RoomId, String>) -> ConflictView {
        ConflictView {
            id: c.id,
            room_name: names
                .get(&c.room)
                .cloned()
                .unwrap_or_else(|| c.room.to_string()),
            room_id: c.room.to_string(),
            kind: c.kind,
            detected_at: c.detected_at.to_rfc3339(),
            fields: c.fields,
            booking: c.booking,
            calendar: c.calendar,
            choices: c.choices,
            decision: c.decision.map(DecisionView::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VerifyView {
    pub ok: bool,
    pub checked: u64,
    pub broken_at: Option<i64>,
    pub message: String,
}

impl VerifyView {
    /// The result of checking the chain against its anchor: `anchor` is the entry the anchor
    /// recorded, or why there is none.
    pub fn anchored(result: Result<u64, Broken>, anchor: Result<i64, String>) -> VerifyView {
        let mut view = VerifyView::from(result);
        if view.ok {
            view.message = match anchor {
                Ok(seq) => format!(
                    "The audit history is intact ({} entries checked, up to and past entry {seq}, the newest the anchor in the OS keyring recorded).",
                    view.checked
                ),
                Err(why) => format!(
                    "The audit history is intact ({} entries checked), but {why}: deleting its newest entries would not be noticed.",
                    view.checked
                ),
            };
        }
        view
    }
}

impl From<Result<u64, Broken>> for VerifyView {
    fn from(r: Result<u64, Broken>) -> Self {
        match r {
            Ok(n) => VerifyView {
                ok: true,
                checked: n,
                broken_at: None,
                message: format!("The audit history is intact ({n} entries checked)."),
            },
            Err(b) => VerifyView {
                ok: false,
                checked: 0,
                broken_at: Some(b.seq),
                message: format!(
                    "The audit history was tampered with at entry {}: {}.",
                    b.seq, b.reason
                ),
            },
        }
    }
}

/// A live update for the UI.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Update {
    Room(RoomView),
    History(HistoryEntry),
    /// A room failed repeatedly and was stopped (the desktop app notifies).
    RoomFailed {
        room: RoomId,
        message: String,
    },
    /// A tenant's credentials were refused (the desktop app notifies).
    AuthFailed {
        message: String,
    },
    /// The notification preferences were saved (the desktop app's notifier follows them).
    Settings(crate::settings::NotificationsView),
    /// The language was changed (the desktop app's tray and notifications follow it; the UI
    /// changed its own).
    Language(roombridge_core::i18n::Lang),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choices_named_for_the_ui_are_the_choices_the_core_names() {
        let owner = FieldOwnership {
            times: Side::Booking,
            title: Side::Booking,
            details: Side::Booking,
        };
        let moved = Move {
            side: Side::Booking,
            start: chrono::Utc::now(),
            end: chrono::Utc::now(),
        };
        let pairs = [
            (Choice::KeepBooking, ConflictChoice::KeepBooking),
            (Choice::KeepCalendar, ConflictChoice::KeepCalendar),
            (Choice::Merge(owner), ConflictChoice::Merge),
            (Choice::Move(moved), ConflictChoice::Move),
        ];
        for (core, ui) in pairs {
            assert_eq!(serde_json::to_value(ui).unwrap(), core.name());
        }
    }
}
