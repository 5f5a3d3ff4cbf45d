//! Undoing a decision a sync carried out, from its `conflict_decided` history row: each side
//! gets back what it held before the decision and the conflict waits for a decision again
//! (`core::plan::Restore`, carried out by the room's next cycle). Where that is not possible
//! (a declined meeting, a cancelled reservation, a deletion, an item the booking system does
//! not let RoomBridge change) it says why and what to do instead. See
//! `docs/design/undo-after-sync.md`.

use serde::{Deserialize, Serialize};

use roombridge_core::i18n::{Lang, Words};
use roombridge_core::plan::{ConflictKind, Restore};
use roombridge_core::policy::Choice;
use roombridge_store::conflicts::{self, DecideError, StoredConflict};
use roombridge_store::history::{self, HistoryKind, NewEntry, Outcome};

use crate::{ApiError, App, ErrorCode};

/// A history row, and why undo it.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct UndoInput {
    /// The `conflict_decided` row.
    #[serde(deserialize_with = "crate::ops::lenient::number")]
    #[ts(type = "number")]
    pub seq: i64,
    #[serde(default)]
    pub reason: String,
}

/// Whether the decision a history row records can be undone: what undoing does, or why not.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct UndoView {
    pub seq: i64,
    pub possible: bool,
    /// What undoing does, or why it cannot be done and what to do instead.
    pub message: String,
    /// The conflict that waits again once it is undone.
    pub conflict: Option<i64>,
    #[serde(skip)]
    #[ts(skip)]
    words: Words,
}

impl UndoView {
    /// The message in `lang`.
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.message = self.words.say(lang);
        self
    }
}

/// What undoing a carried-out decision takes, or why it cannot be done.
enum Undo {
    Possible(Box<Restore>),
    Refused(Words),
}

/// The title a conflict is known by: its reservation's, else its meeting's.
fn title_of(c: &StoredConflict) -> String {
    c.booking
        .as_ref()
        .or(c.calendar.as_ref())
        .map(|content| content.title.clone())
        .unwrap_or_default()
}

impl App {
    /// The carried-out conflict history row `seq` records, and what undoing it takes.
    fn undoing(&self, seq: i64) -> Result<(StoredConflict, Undo), ApiError> {
        let (entry, decided) = self
            .store()
            .read(|c| {
                let Some(entry) = history::get(c, seq)? else {
                    return Ok(None);
                };
                let decided = conflicts::carried_out_at(c, &entry.room, entry.at)?;
                Ok(Some((entry, decided)))
            })?
            .ok_or_else(|| {
                ApiError::said(
                    ErrorCode::NotFound,
                    Words::new("undo.no_row").arg("seq", seq),
                )
            })?;
        if entry.kind != HistoryKind::ConflictDecided {
            return Err(ApiError::invalid(Words::new("undo.not_a_decision")));
        }
        let conflict = decided
            .into_iter()
            .find(|c| title_of(c) == entry.title)
            .ok_or_else(|| ApiError::invalid(Words::new("undo.conflict_gone")))?;
        let undo = self.how_to_undo(&conflict)?;
        Ok((conflict, undo))
    }

    /// What undoing `conflict`'s carried-out decision takes, as both sides are now.
    fn how_to_undo(&self, conflict: &StoredConflict) -> Result<Undo, ApiError> {
        let title = title_of(conflict);
        let Some(decision) = &conflict.decision else {
            return Ok(Undo::Refused(Words::new("undo.not_a_decision")));
        };
        let (_, planned) = self.planned(&conflict.room)?;
        let reopened = self
            .store()
            .read(|c| conflicts::list_open(c, Some(&conflict.room)))?
            .iter()
            .any(|open| open.link == conflict.link);
        if reopened {
            return Ok(Undo::Refused(
                Words::new("undo.waits_already").arg("title", &title),
            ));
        }
        let link = planned.links.iter().find(|l| l.id == conflict.link);
        let block = link
            .and_then(|l| l.block.as_ref())
            .and_then(|key| planned.composed.blocks.iter().find(|b| &b.key == key));
        let event = link
            .and_then(|l| l.event.as_ref())
            .and_then(|id| planned.events.iter().find(|e| &e.id == id));
        let restore = |booking, calendar| {
            Undo::Possible(Box::new(Restore {
                link: conflict.link.clone(),
                kind: conflict.kind,
                booking,
                calendar,
            }))
        };
        let kind = conflict.kind;
        Ok(match (kind, decision.choice) {
            (ConflictKind::Overlap, Choice::KeepBooking) => Undo::Refused(
                Words::new("undo.declined")
                    .arg(
                        "title",
                        conflict.calendar.as_ref().map_or(&title, |c| &c.title),
                    )
                    .arg(
                        "organiser",
                        conflict
                            .calendar
                            .as_ref()
                            .map(|c| c.organisation.trim())
                            .filter(|o| !o.is_empty())
                            .unwrap_or("?"),
                    ),
            ),
            (ConflictKind::Overlap, Choice::KeepCalendar) => {
                Undo::Refused(Words::new("undo.cancelled").arg("title", &title))
            }
            (ConflictKind::Overlap, _) => {
                Undo::Refused(Words::new("undo.moved").arg("title", &title))
            }
            (ConflictKind::DeleteEdit, _) => {
                Undo::Refused(Words::new("undo.deleted").arg("title", &title))
            }
            _ if block.is_none() || event.is_none() => {
                Undo::Refused(Words::new("undo.gone_since").arg("title", &title))
            }
            (_, choice) => {
                // The side the decision wrote to gets back what it held before.
                let (to_booking, to_calendar) = match choice {
                    Choice::KeepBooking => (false, true),
                    Choice::KeepCalendar => (true, false),
                    Choice::Merge(_) => (true, true),
                    Choice::Move(_) => (false, false),
                };
                let b = block.expect("checked above");
                let whole = b.covered_by.is_empty() && b.key == b.item_key();
                if to_booking && (!planned.capabilities.writes(b.level) || !whole) {
                    Undo::Refused(Words::new("undo.booking_read_only").arg("title", &title))
                } else if !to_booking && !to_calendar {
                    Undo::Refused(Words::new("undo.moved").arg("title", &title))
                } else {
                    restore(
                        conflict.booking.clone().filter(|_| to_booking),
                        conflict.calendar.clone().filter(|_| to_calendar),
                    )
                }
            }
        })
    }

    /// Whether the decision history row `seq` records can be undone, and what undoing does.
    pub fn undo_options(&self, seq: i64) -> Result<UndoView, ApiError> {
        let (conflict, undo) = self.undoing(seq)?;
        Ok(view(seq, &conflict, undo, None))
    }

    /// Undoes the decision history row `seq` records: the conflict waits again, and the room's
    /// next sync (asked for now) gives each side back what it held before. Refused, saying
    /// why, where that is not possible.
    pub fn undo_carried_out(&self, seq: i64, by: &str, reason: &str) -> Result<UndoView, ApiError> {
        let (conflict, undo) = self.undoing(seq)?;
        let restore = match undo {
            Undo::Possible(restore) => restore,
            Undo::Refused(why) => return Err(ApiError::invalid(why)),
        };
        let now = chrono::Utc::now();
        let title = title_of(&conflict);
        let reason = reason.trim();
        let said = if reason.is_empty() {
            Words::new("undo.row")
        } else {
            Words::new("undo.row_because").arg("reason", reason)
        }
        .arg("by", by);
        let (reopened, row) = self
            .store()
            .write(|c| {
                let reopened = match conflicts::reopen(c, conflict.id, restore.as_ref(), now)? {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                let row = history::append(
                    c,
                    &NewEntry {
                        room: conflict.room.clone(),
                        cycle: 0,
                        kind: HistoryKind::DecisionUndone,
                        side: None,
                        outcome: Outcome::Ok,
                        title: title.clone(),
                        detail: said.say(Lang::En),
                        words: Some(said.clone()),
                    },
                    now,
                )?;
                Ok(Ok((reopened, row)))
            })?
            .map_err(|e| match e {
                DecideError::NotFound => ApiError::said(
                    ErrorCode::NotFound,
                    Words::new("error.no_conflict").arg("id", conflict.id),
                ),
                _ => ApiError::invalid(Words::new("undo.waits_already").arg("title", &title)),
            })?;
        self.told_history(row);
        if let Err(e) = self.engine().sync_room(&conflict.room) {
            tracing::warn!("sync after an undo in {}: {e}", conflict.room);
        }
        Ok(view(
            seq,
            &conflict,
            Undo::Possible(restore),
            Some(reopened.id),
        ))
    }
}

fn view(seq: i64, conflict: &StoredConflict, undo: Undo, reopened: Option<i64>) -> UndoView {
    let title = title_of(conflict);
    let (possible, words) = match undo {
        Undo::Possible(r) => {
            let key = match (r.booking.is_some(), r.calendar.is_some()) {
                (true, true) => "undo.gives_back_both",
                (true, false) => "undo.gives_back_booking",
                _ => "undo.gives_back_calendar",
            };
            (true, Words::new(key).arg("title", &title))
        }
        Undo::Refused(why) => (false, why),
    };
    UndoView {
        seq,
        possible,
        message: words.say(Lang::En),
        conflict: reopened,
        words,
    }
}
