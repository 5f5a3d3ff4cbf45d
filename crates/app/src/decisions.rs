//! A person's decisions on conflicts, and the conflict policies of the rooms.
//!
//! A decision is recorded on the open conflict and the room is asked to sync at once; the
//! room's next cycle carries it out, closes the conflict and writes a `conflict_decided`
//! history row (who, when, choice, reason). Until then the conflict stays in the inbox with
//! its pending decision, and a later decision replaces the earlier one.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use roombridge_core::RoomId;
use roombridge_core::policy::{Choice, FieldOwnership, Policy};
use roombridge_store::conflicts::{self, DecideError, StoredConflict};
use roombridge_store::{rooms, settings};

use crate::views::ConflictView;
use crate::{ApiError, App, ErrorCode};

/// A decision as the UI sends it: `{ choice, merge?, reason }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRequest {
    /// `keep_booking`, `keep_calendar` or `merge`.
    pub choice: String,
    /// Which side each group of fields comes from; required for `merge`.
    #[serde(default)]
    pub merge: Option<FieldOwnership>,
    #[serde(default)]
    pub reason: String,
}

impl DecisionRequest {
    /// The decision this request stands for; `invalid_input` for an unknown choice or a merge
    /// without its fields.
    pub fn choice(&self) -> Result<Choice, ApiError> {
        match (self.choice.as_str(), self.merge) {
            ("keep_booking", _) => Ok(Choice::KeepBooking),
            ("keep_calendar", _) => Ok(Choice::KeepCalendar),
            ("merge", Some(fields)) => Ok(Choice::Merge(fields)),
            ("merge", None) => Err(invalid(
                "A merge needs to say which side the times, the title and the details come from.",
            )),
            (other, _) => Err(invalid(format!(
                "{other:?} is not a decision; choose keep_booking, keep_calendar or merge."
            ))),
        }
    }
}

/// The same decision for several conflicts: `{ ids, choice, merge?, reason }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDecisionRequest {
    pub ids: Vec<i64>,
    #[serde(flatten)]
    pub decision: DecisionRequest,
}

/// The conflict policies: the global default and each room's own.
#[derive(Debug, Clone, Serialize)]
pub struct PoliciesView {
    /// The policy of rooms without their own.
    pub default: String,
    pub rooms: Vec<RoomPolicyView>,
    /// Policies the UI offers by name (any `fields:…` spec is accepted too).
    pub available: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
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

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn parse_policy(name: &str) -> Result<Policy, ApiError> {
    Policy::parse(name).map_err(|e| invalid(format!("{e}.")))
}

fn refused(id: i64, e: DecideError) -> ApiError {
    match e {
        DecideError::NotFound => ApiError::not_found(format!("There is no conflict {id}.")),
        DecideError::AlreadyResolved => invalid(format!(
            "Conflict {id} is already resolved; nothing to decide."
        )),
        DecideError::NotAllowed { choice, allowed } => invalid(format!(
            "{choice:?} is not possible for conflict {id}; choose {}.",
            allowed.join(" or ")
        )),
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
    /// Records a person's decision on conflict `id` and asks its room to sync now, which
    /// carries the decision out. Fails with `not_found` for an unknown conflict and
    /// `invalid_input` for a resolved one or a choice the conflict does not allow.
    pub fn decide_conflict(
        &self,
        id: i64,
        choice: Choice,
        by: &str,
        reason: &str,
    ) -> Result<ConflictView, ApiError> {
        let now = chrono::Utc::now();
        let decided = self
            .store()
            .write(|c| conflicts::decide(c, id, choice, by, reason.trim(), now))?
            .map_err(|e| refused(id, e))?;
        self.sync_decided(std::iter::once(&decided.room));
        Ok(ConflictView::new(decided, &self.room_names()?))
    }

    /// Records the same decision on every conflict in `ids` and asks their rooms to sync now.
    /// All or nothing: if one conflict refuses (unknown, resolved, choice not allowed), no
    /// decision is recorded.
    pub fn decide_conflicts(
        &self,
        ids: &[i64],
        choice: Choice,
        by: &str,
        reason: &str,
    ) -> Result<Vec<ConflictView>, ApiError> {
        if ids.is_empty() {
            return Err(invalid("Choose at least one conflict."));
        }
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
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
            for &id in &ids {
                match conflicts::decide(c, id, choice, by, reason.trim(), now)? {
                    Ok(s) => decided.push(s),
                    // `check` saw the same transaction; kept for completeness.
                    Err(e) => {
                        return Err(roombridge_store::StoreError::Invalid(format!(
                            "conflict {id} refused a checked decision: {e:?}"
                        )));
                    }
                }
            }
            Ok(Ok(decided))
        })??;
        self.sync_decided(decided.iter().map(|s| &s.room));
        let names = self.room_names()?;
        Ok(decided
            .into_iter()
            .map(|s| ConflictView::new(s, &names))
            .collect())
    }

    /// Asks each room once to sync now. The decision is recorded either way; if the engine
    /// cannot take the request, the room's next timed cycle carries it out.
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
            return Err(ApiError::not_found(format!("There is no room {room:?}.")));
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
