//! A person's decisions on conflicts, and the conflict policies of the rooms.
//!
//! A decision is recorded on the open conflict and the room is asked to sync at once; the
//! room's next cycle carries it out, closes the conflict and writes a `conflict_decided`
//! history row (who, when, choice, reason). Until then the conflict stays in the inbox with
//! its pending decision, and a later decision replaces the earlier one.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use roombridge_core::plan::words;
use roombridge_core::plan::{Decided, LinkState, check_move, plan};
use roombridge_core::policy::{Choice, FieldOwnership, Move, Policy};
use roombridge_core::{RoomId, Side};
use roombridge_store::conflicts::{self, DecideError, StoredConflict};
use roombridge_store::history::{self, HistoryKind, NewEntry};
use roombridge_store::{rooms, settings};

use crate::planned::Planned;
use crate::views::ConflictView;
use crate::{ApiError, App, ErrorCode};
use roombridge_core::i18n::{Lang, Words};

/// A decision as the UI sends it: `{ choice, merge?, move?, reason }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct DecisionRequest {
    /// `keep_booking`, `keep_calendar`, `merge` or `move`.
    pub choice: String,
    /// Which side each group of fields comes from; required for `merge`.
    #[serde(default)]
    pub merge: Option<FieldOwnership>,
    /// Which side moves and where to; required for `move`.
    #[serde(default, rename = "move")]
    pub move_to: Option<MoveRequest>,
    #[serde(default)]
    pub reason: String,
}

/// "Keep both by moving one" as the UI sends it: the side that moves, and its new start and
/// end as the room's local time (`2026-12-01T18:30`) or as RFC 3339 instants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct MoveRequest {
    pub side: Side,
    pub start: String,
    pub end: String,
}

impl DecisionRequest {
    /// The decision this request stands for, reading a move's local times in `zone` (the
    /// room's); `invalid_input` for an unknown choice, or a merge or move without its details.
    pub fn choice_in(&self, zone: chrono_tz::Tz) -> Result<Choice, ApiError> {
        match (self.choice.as_str(), self.merge, &self.move_to) {
            ("keep_booking", ..) => Ok(Choice::KeepBooking),
            ("keep_calendar", ..) => Ok(Choice::KeepCalendar),
            ("merge", Some(fields), _) => Ok(Choice::Merge(fields)),
            ("merge", None, _) => Err(ApiError::invalid(Words::new("error.merge_needs_fields"))),
            ("move", _, Some(m)) => Ok(Choice::Move(Move {
                side: m.side,
                start: parse_time(&m.start, zone)?,
                end: parse_time(&m.end, zone)?,
            })),
            ("move", _, None) => Err(ApiError::invalid(Words::new("error.move_needs_time"))),
            (other, ..) => Err(ApiError::invalid(
                Words::new("error.unknown_decision").arg("choice", other),
            )),
        }
    }

    /// The decision for several conflicts at once. A move is not one: each double booking
    /// needs its own free time.
    pub fn choice(&self) -> Result<Choice, ApiError> {
        if self.choice == "move" {
            return Err(ApiError::invalid(Words::new("error.move_one_at_a_time")));
        }
        self.choice_in(chrono_tz::UTC)
    }
}

/// The same decision for several conflicts: `{ ids, choice, merge?, reason }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BulkDecisionRequest {
    pub ids: Vec<i64>,
    #[serde(flatten)]
    pub decision: DecisionRequest,
}

/// Why the room's next cycle cannot carry out `choice` on `conflict`, given `after`, the
/// room planned with that decision; `None` when it can (or when recording it will say what is
/// wrong: the conflict is resolved already, or does not offer the choice).
fn refusal(
    conflict: &StoredConflict,
    planned: &Planned,
    choice: Choice,
    after: &roombridge_core::plan::Plan,
) -> Option<Words> {
    let held = planned
        .links
        .iter()
        .any(|l| l.id == conflict.link && l.state == LinkState::Conflict);
    if !held
        || !conflict.choices.iter().any(|c| c == choice.name())
        || after.resolved.iter().any(|r| r.link == conflict.link)
    {
        return None;
    }
    let what = match &conflict.booking {
        Some(b) => Words::new("error.the_reservation_named").arg("title", &b.title),
        None => Words::new("error.the_reservation"),
    };
    Some(if !planned.capabilities.writes_all() {
        Words::new("error.booking_keeps_it").with("what", what)
    } else {
        Words::new("error.cannot_carry_out").with("choice", choice_label(choice.name()))
    })
}

/// The title a conflict's history rows carry: its reservation's, else its meeting's.
fn conflict_title(conflict: &StoredConflict) -> String {
    conflict
        .booking
        .as_ref()
        .or(conflict.calendar.as_ref())
        .map(|c| c.title.clone())
        .unwrap_or_default()
}

/// The history row of a decision as it is recorded.
fn recorded(conflict: &StoredConflict, choice: Choice, by: &str, reason: &str) -> NewEntry {
    let reason = reason.trim();
    let why = if reason.is_empty() {
        String::new()
    } else {
        format!(" Reason: {reason}")
    };
    NewEntry {
        room: conflict.room.clone(),
        cycle: 0,
        kind: HistoryKind::DecisionRecorded,
        side: None,
        outcome: history::Outcome::Ok,
        title: conflict_title(conflict),
        detail: format!(
            "{by} decided to {}; the room's next sync carries it out.{why}",
            words::choice_words(&choice)
        ),
        words: Some(
            if reason.is_empty() {
                Words::new("reason.recorded")
            } else {
                Words::new("reason.recorded_because").arg("reason", reason)
            }
            .arg("by", by)
            .with("choice", words::choice_said(&choice)),
        ),
    }
}

/// The history row of a decision withdrawn before it was carried out.
fn withdrawn(conflict: &StoredConflict, decision: &conflicts::Decision, by: &str) -> NewEntry {
    NewEntry {
        room: conflict.room.clone(),
        cycle: 0,
        kind: HistoryKind::DecisionWithdrawn,
        side: None,
        outcome: history::Outcome::Ok,
        title: conflict_title(conflict),
        detail: format!(
            "{by} withdrew the decision to {} ({}'s) before it was carried out; the conflict waits \
             for a decision again.",
            words::choice_words(&decision.choice),
            decision.by
        ),
        words: Some(
            Words::new("reason.withdrawn")
                .arg("by", by)
                .arg("decided_by", &decision.by)
                .with("choice", words::choice_said(&decision.choice)),
        ),
    }
}

/// What one decision on a conflict would do, as the room's next sync would carry it out now.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ChoicePreview {
    #[ts(type = "ConflictChoice")]
    pub choice: &'static str,
    /// The writes, in order; empty when neither side changes (the conflict is only closed).
    pub steps: Vec<StepPreview>,
    /// Why this decision cannot be carried out as both sides are now, if it cannot.
    pub refused: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    refused_words: Option<Words>,
}

impl ChoicePreview {
    /// Why it is refused, in `lang` (what organisers are told stays in the organisation's).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.refused = self.refused_words.as_ref().map(|w| w.say(lang));
        self
    }
}

/// One write a decision leads to.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StepPreview {
    /// What is done, named as the history names it (`decline_event`, `cancel_reservation`…).
    #[ts(type = "HistoryKind")]
    pub action: &'static str,
    /// Where it is done.
    pub side: Side,
    /// The title of what it touches.
    pub title: String,
    /// What the meeting's organiser (a decline), its attendees (a cancellation) or the booking
    /// system (a cancelled reservation's note) is told, in the organisation's language.
    pub message: Option<String>,
    /// Who is told, as Outlook names the meeting's organiser.
    pub told: Option<String>,
}

/// The conflict policies: the global default and each room's own.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PoliciesView {
    /// The policy of rooms without their own.
    pub default: String,
    pub rooms: Vec<RoomPolicyView>,
    /// Policies the UI offers by name (any `fields:…` spec is accepted too).
    pub available: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoomPolicyView {
    pub room_id: String,
    pub room_name: String,
    /// The room's own policy; `None` when it follows the default.
    pub policy: Option<String>,
    /// The policy the room follows.
    pub effective: String,
}

/// The policies offered in the UI: the four named ones and field ownership with times from
/// the booking system and the title from Outlook.
pub fn available_policies() -> Vec<String> {
    [
        "manual",
        "booking-wins",
        "calendar-wins",
        "latest-wins",
        "fields:times=booking,title=calendar,details=booking",
    ]
    .map(String::from)
    .to_vec()
}

/// Who is deciding: the user signed in to this workstation (`USER`, or `USERNAME` on
/// Windows), else "facility manager".
pub fn decided_by() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "facility manager".to_owned())
}

/// Reads a conflict id from a URL path segment.
pub fn conflict_id(s: &str) -> Result<i64, ApiError> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| invalid(format!("{s:?} is not a conflict id.")))
}

fn parse_time(text: &str, zone: chrono_tz::Tz) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    crate::explain::parse_time(text, zone)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn parse_policy(name: &str) -> Result<Policy, ApiError> {
    Policy::parse(name).map_err(|e| invalid(format!("{e}.")))
}

fn refused(id: i64, e: DecideError) -> ApiError {
    match e {
        DecideError::NotFound => ApiError::said(
            ErrorCode::NotFound,
            Words::new("error.no_conflict").arg("id", id),
        ),
        DecideError::AlreadyResolved => {
            ApiError::invalid(Words::new("error.already_resolved").arg("id", id))
        }
        DecideError::NotAllowed { choice, allowed } => ApiError::invalid(
            Words::new("error.choice_not_possible")
                .with("choice", choice_label(&choice))
                .or_list("allowed", allowed.iter().map(|c| choice_label(c)).collect()),
        ),
    }
}

/// A decision as the conflict card's button names it, for messages.
fn choice_label(name: &str) -> Words {
    match name {
        "keep_booking" => Words::new("choice.keep_booking"),
        "keep_calendar" => Words::new("choice.keep_calendar"),
        "merge" => Words::new("choice.merge"),
        "move" => Words::new("choice.move"),
        other => Words::new("choice.other").arg("name", other),
    }
}

/// Whether `choice` may be recorded on conflict `id`, given the open conflicts by id. Checks
/// what [`conflicts::decide`] checks, so a bulk decision can refuse before it writes anything.
fn check(
    c: &roombridge_store::Connection,
    open: &HashMap<i64, StoredConflict>,
    id: i64,
    choice: Choice,
) -> roombridge_store::Result<Result<(), DecideError>> {
    let Some(conflict) = open.get(&id) else {
        return Ok(Err(match conflicts::get(c, id)? {
            Some(_) => DecideError::AlreadyResolved,
            None => DecideError::NotFound,
        }));
    };
    if !conflict.choices.iter().any(|a| a == choice.name()) {
        return Ok(Err(DecideError::NotAllowed {
            choice: choice.name().to_owned(),
            allowed: conflict.choices.clone(),
        }));
    }
    Ok(Ok(()))
}

impl App {
    /// The decision `request` stands for on conflict `id`: a move's local times are read in
    /// the conflict's room's time zone.
    pub fn choice_for(&self, id: i64, request: &DecisionRequest) -> Result<Choice, ApiError> {
        if request.choice != "move" {
            return request.choice();
        }
        let zone = self.store().read(|c| {
            let Some(conflict) = conflicts::get(c, id)? else {
                return Ok(None);
            };
            Ok(rooms::get(c, &conflict.room)?.map(|r| r.time_zone))
        })?;
        let zone = zone.ok_or_else(|| {
            ApiError::said(
                ErrorCode::NotFound,
                Words::new("error.no_conflict").arg("id", id),
            )
        })?;
        request.choice_in(zone.parse().unwrap_or(chrono_tz::UTC))
    }

    /// Records a person's decision on conflict `id`; the room's next sync carries it out (its
    /// next poll, or at once with "Sync now"), and until then it can be undone
    /// ([`App::undo_decision`]). Fails with `not_found` for an unknown conflict and
    /// `invalid_input` for a resolved one, a choice the conflict does not allow, or a move to a
    /// time that is not free (the message says what holds the room then).
    pub fn decide_conflict(
        &self,
        id: i64,
        choice: Choice,
        by: &str,
        reason: &str,
    ) -> Result<ConflictView, ApiError> {
        match &choice {
            Choice::Move(m) => self.check_move(id, m)?,
            _ => self.check_decision(id, choice)?,
        }
        let now = chrono::Utc::now();
        let (decided, row) = self
            .store()
            .write(|c| {
                let decided = match conflicts::decide(c, id, choice, by, reason.trim(), now)? {
                    Ok(d) => d,
                    Err(e) => return Ok(Err(e)),
                };
                let row = history::append(c, &recorded(&decided, choice, by, reason), now)?;
                Ok(Ok((decided, row)))
            })?
            .map_err(|e| refused(id, e))?;
        self.told_history(row);
        Ok(ConflictView::new(decided, &self.room_names()?))
    }

    /// What keeping either side of conflict `id` would do, planned as the room's next sync
    /// would plan it with what RoomBridge last read of both sides: the writes on each side and
    /// who is told what. Merges and moves depend on what the person chooses in them, so they
    /// are not previewed here.
    pub fn preview_decisions(&self, id: i64) -> Result<Vec<ChoicePreview>, ApiError> {
        let (conflict, planned) = self.as_planned(id)?;
        let before = plan(&planned.input(&[]));
        let already: BTreeSet<(&str, &roombridge_core::LinkId)> = before
            .actions
            .iter()
            .map(|a| (a.kind(), a.link()))
            .collect();
        let mut out = Vec::new();
        for choice in [Choice::KeepBooking, Choice::KeepCalendar] {
            if !conflict.choices.iter().any(|c| c == choice.name()) {
                continue;
            }
            let decided = [Decided {
                link: conflict.link.clone(),
                choice,
            }];
            let after = plan(&planned.input(&decided));
            let refused = refusal(&conflict, &planned, choice, &after);
            let steps = after
                .actions
                .iter()
                .filter(|a| a.target().is_some() && !already.contains(&(a.kind(), a.link())))
                .map(|a| planned.step(a))
                .collect();
            out.push(ChoicePreview {
                choice: choice.name(),
                steps,
                refused: refused.as_ref().map(|w| w.say(Lang::En)),
                refused_words: refused,
            });
        }
        Ok(out)
    }

    /// The free times nearest to the clash at which `side` of double booking `id` could move,
    /// as long as it is now, checked as the room's next cycle would check the move (at most
    /// three; none for an all-day reservation or meeting).
    pub fn free_times(&self, id: i64, side: Side) -> Result<Vec<MoveRequest>, ApiError> {
        let (conflict, planned) = self.as_planned(id)?;
        let content = match side {
            Side::Booking => conflict.booking.as_ref(),
            Side::Calendar => conflict.calendar.as_ref(),
        };
        let Some(roombridge_core::When::Timed { start, end }) = content.map(|c| &c.when) else {
            return Ok(Vec::new());
        };
        let now = chrono::Utc::now();
        let found = roombridge_core::plan::free_times(
            &planned.input(&[]),
            &conflict.link,
            side,
            *start,
            *end - *start,
            now,
            3,
        );
        Ok(found
            .into_iter()
            .map(|m| MoveRequest {
                side,
                start: m.start.to_rfc3339(),
                end: m.end.to_rfc3339(),
            })
            .collect())
    }

    /// Withdraws the decision on conflict `id` before a sync carries it out: the conflict
    /// waits for a decision again. Refused while the room syncs (the decision may be being
    /// carried out) and once it was carried out (the history's undo applies then).
    pub fn undo_decision(&self, id: i64, by: &str) -> Result<ConflictView, ApiError> {
        let room = self
            .store()
            .read(|c| conflicts::get(c, id))?
            .ok_or_else(|| {
                ApiError::said(
                    ErrorCode::NotFound,
                    Words::new("error.no_conflict").arg("id", id),
                )
            })?
            .room;
        if self.engine().context().is_syncing(&room) {
            return Err(ApiError::invalid(Words::new("error.undo_while_syncing")));
        }
        let now = chrono::Utc::now();
        let (undone, row) = self
            .store()
            .write(|c| {
                let Some(decision) = conflicts::get(c, id)?.and_then(|c| c.decision) else {
                    return Ok(Err(DecideError::AlreadyResolved));
                };
                let undone = match conflicts::undecide(c, id)? {
                    Ok(u) => u,
                    Err(e) => return Ok(Err(e)),
                };
                let row = history::append(c, &withdrawn(&undone, &decision, by), now)?;
                Ok(Ok((undone, row)))
            })?
            .map_err(|e| match e {
                DecideError::AlreadyResolved => {
                    ApiError::invalid(Words::new("error.undo_carried_out"))
                }
                other => refused(id, other),
            })?;
        self.told_history(row);
        Ok(ConflictView::new(undone, &self.room_names()?))
    }

    /// Carries out the decisions waiting in the rooms of `ids` now, instead of at the rooms'
    /// next polls.
    pub fn carry_out_now(&self, ids: &[i64]) -> Result<(), ApiError> {
        let rooms = self.store().read(|c| {
            ids.iter()
                .filter_map(|id| conflicts::get(c, *id).transpose())
                .map(|c| c.map(|c| c.room))
                .collect::<roombridge_store::Result<Vec<_>>>()
        })?;
        self.sync_decided(rooms.iter());
        Ok(())
    }

    /// Records the same decision on every conflict in `ids`, carried out as
    /// [`App::decide_conflict`] says. All or nothing: if one conflict refuses (unknown, resolved, choice not allowed), no
    /// decision is recorded.
    pub fn decide_conflicts(
        &self,
        ids: &[i64],
        choice: Choice,
        by: &str,
        reason: &str,
    ) -> Result<Vec<ConflictView>, ApiError> {
        if ids.is_empty() {
            return Err(ApiError::invalid(Words::new("error.choose_a_conflict")));
        }
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for &id in &ids {
            self.check_decision(id, choice)?;
        }
        let now = chrono::Utc::now();
        let decided = self.store().write(|c| {
            let open: HashMap<i64, StoredConflict> = conflicts::list_open(c, None)?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            for &id in &ids {
                if let Err(e) = check(c, &open, id, choice)? {
                    return Ok(Err(refused(id, e)));
                }
            }
            let mut decided = Vec::with_capacity(ids.len());
            let mut rows = Vec::with_capacity(ids.len());
            for &id in &ids {
                match conflicts::decide(c, id, choice, by, reason.trim(), now)? {
                    Ok(s) => {
                        rows.push(recorded(&s, choice, by, reason));
                        decided.push(s);
                    }
                    // `check` saw the same transaction; kept for completeness.
                    Err(e) => {
                        return Err(roombridge_store::StoreError::Invalid(format!(
                            "conflict {id} refused a checked decision: {e:?}"
                        )));
                    }
                }
            }
            let rows = history::append_all(c, &rows, now)?;
            Ok(Ok((decided, rows)))
        })??;
        let (decided, rows) = decided;
        for row in rows {
            self.told_history(row);
        }
        let names = self.room_names()?;
        Ok(decided
            .into_iter()
            .map(|s| ConflictView::new(s, &names))
            .collect())
    }

    /// The room of conflict `id` as its next cycle will plan it.
    fn as_planned(&self, id: i64) -> Result<(StoredConflict, Planned), ApiError> {
        let conflict = self
            .store()
            .read(|c| conflicts::get(c, id))?
            .ok_or_else(|| {
                ApiError::said(
                    ErrorCode::NotFound,
                    Words::new("error.no_conflict").arg("id", id),
                )
            })?;
        let (_, planned) = self.planned(&conflict.room)?;
        Ok((conflict, planned))
    }

    /// Whether `m` can keep both reservations of double booking `id`, checked as the room's
    /// next cycle will plan it, against what RoomBridge last read of both sides.
    fn check_move(&self, id: i64, m: &Move) -> Result<(), ApiError> {
        if m.start < chrono::Utc::now() {
            return Err(ApiError::invalid(Words::new("error.move_to_the_past")));
        }
        let (conflict, planned) = self.as_planned(id)?;
        check_move(&planned.input(&[]), &conflict.link, m).map_err(ApiError::invalid)
    }

    /// Whether the room's next cycle can carry out `choice` on conflict `id`, as both sides
    /// are now: a decision it cannot carry out (keeping Outlook's version of what the booking
    /// system does not let RoomBridge change) is refused with what to do instead, rather than
    /// waiting for ever.
    fn check_decision(&self, id: i64, choice: Choice) -> Result<(), ApiError> {
        let (conflict, planned) = self.as_planned(id)?;
        let decided = [Decided {
            link: conflict.link.clone(),
            choice,
        }];
        let after = plan(&planned.input(&decided));
        match refusal(&conflict, &planned, choice, &after) {
            Some(why) => Err(ApiError::invalid(why)),
            None => Ok(()),
        }
    }

    /// Asks each room once to sync now. The decisions are recorded either way; if the engine
    /// cannot take the request, the room's next timed cycle carries them out.
    fn sync_decided<'a>(&self, rooms: impl Iterator<Item = &'a RoomId>) {
        let rooms: BTreeSet<&RoomId> = rooms.collect();
        for room in rooms {
            if let Err(e) = self.engine().sync_room(room) {
                tracing::warn!("sync after a decision in {room}: {e}");
            }
        }
    }

    /// The global default policy and each room's own.
    pub fn get_policies(&self) -> Result<PoliciesView, ApiError> {
        Ok(self.store().read(|c| {
            let default = settings::default_policy(c)?;
            let rooms = rooms::list(c)?
                .into_iter()
                .map(|room| {
                    let own = rooms::policy(c, &room.id)?;
                    Ok(RoomPolicyView {
                        room_id: room.id.to_string(),
                        room_name: room.name,
                        policy: own.map(|p| p.name()),
                        effective: own.unwrap_or(default).name(),
                    })
                })
                .collect::<roombridge_store::Result<Vec<_>>>()?;
            Ok(PoliciesView {
                default: default.name(),
                rooms,
                available: available_policies(),
            })
        })?)
    }

    /// Sets the policy of rooms without their own. `invalid_input` for an unknown policy.
    pub fn set_default_policy(&self, name: &str) -> Result<PoliciesView, ApiError> {
        let policy = parse_policy(name)?;
        self.store()
            .write(|c| settings::set_default_policy(c, policy))?;
        self.get_policies()
    }

    /// Sets a room's own policy, or (`None`) makes it follow the default. `not_found` for an
    /// unknown room, `invalid_input` for an unknown policy.
    pub fn set_room_policy(
        &self,
        room: &str,
        name: Option<&str>,
    ) -> Result<PoliciesView, ApiError> {
        let policy = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(parse_policy)
            .transpose()?;
        let id = RoomId::new(room);
        if !self.store().write(|c| rooms::set_policy(c, &id, policy))? {
            return Err(ApiError::no_room(room));
        }
        self.get_policies()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(choice: &str, merge: Option<FieldOwnership>) -> DecisionRequest {
        DecisionRequest {
            choice: choice.into(),
            merge,
            move_to: None,
            reason: String::new(),
        }
    }

    #[test]
    fn requests_read_as_choices() {
        use roombridge_core::Side;
        assert_eq!(
            request("keep_booking", None).choice(),
            Ok(Choice::KeepBooking)
        );
        assert_eq!(
            request("keep_calendar", None).choice(),
            Ok(Choice::KeepCalendar)
        );
        let fields = FieldOwnership {
            times: Side::Booking,
            title: Side::Calendar,
            details: Side::Booking,
        };
        assert_eq!(
            request("merge", Some(fields)).choice(),
            Ok(Choice::Merge(fields))
        );
    }

    #[test]
    fn a_merge_without_fields_and_an_unknown_choice_are_invalid_input() {
        for r in [request("merge", None), request("outlook", None)] {
            assert_eq!(r.choice().unwrap_err().code, ErrorCode::InvalidInput);
        }
    }

    #[test]
    fn the_wire_shape_reads_with_and_without_merge_and_reason() {
        let r: DecisionRequest = serde_json::from_str(
            r#"{"choice":"merge","merge":{"times":"booking","title":"calendar","details":"booking"},"reason":"club asked"}"#,
        )
        .unwrap();
        assert!(matches!(r.choice(), Ok(Choice::Merge(_))));
        assert_eq!(r.reason, "club asked");
        let bulk: BulkDecisionRequest =
            serde_json::from_str(r#"{"ids":[3,4],"choice":"keep_booking"}"#).unwrap();
        assert_eq!(bulk.ids, [3, 4]);
        assert_eq!(bulk.decision.choice(), Ok(Choice::KeepBooking));
    }

    #[test]
    fn conflict_ids_must_be_numbers() {
        assert_eq!(conflict_id("12"), Ok(12));
        assert_eq!(conflict_id("x").unwrap_err().code, ErrorCode::InvalidInput);
    }

    #[test]
    fn every_offered_policy_parses() {
        for p in available_policies() {
            assert_eq!(Policy::parse(&p).map(|p| p.name()), Ok(p));
        }
    }
}
