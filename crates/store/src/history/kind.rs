//! What a history row records: [`HistoryKind`].

use serde::{Deserialize, Serialize};

use roombridge_core::plan::Action;

/// What a history row records. Stored in the `kind` column as its snake_case name, the same
/// text the rows have always held (`create_event`, `cycle_failed`, …), which the hash chain
/// covers; JSON carries the same name.
///
/// Kinds only ever grow. A stored name this build does not know (a database a newer RoomBridge
/// wrote) is not guessed at and has no catch-all variant: reading the row fails with a
/// [`crate::StoreError::Invalid`] that names the entry and the kind, instead of showing it as
/// something it is not. [`super::verify`] hashes the stored text as it is, so such a history
/// still verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HistoryKind {
    /// A booking block was written to Outlook as a new event.
    CreateEvent,
    /// A recurring reservation was written to Outlook as one series.
    CreateSeries,
    /// An Outlook event was brought up to date with its booking block.
    UpdateEvent,
    /// An Outlook series was brought up to date with its recurring reservation, once through
    /// its master.
    UpdateSeries,
    /// An Outlook event whose booking block is gone was removed.
    DeleteEvent,
    /// A meeting the room organised was cancelled, its attendees told why.
    CancelEvent,
    /// The room declined someone else's meeting, telling the organizer why.
    DeclineEvent,
    /// A reservation made in Outlook was added to the booking system.
    CreateReservation,
    /// A booking reservation was brought up to date with its Outlook event.
    UpdateReservation,
    /// A reservation whose Outlook event was deleted was cancelled in the booking system.
    CancelReservation,
    /// The booking system skips one date of a series deleted in Outlook.
    SkipOccurrence,
    /// One date of a series changed in Outlook became a single booking-system event.
    DetachOccurrence,
    /// An Outlook meeting moved to a free time by a person's decision on a double booking.
    MoveEvent,
    /// A booking reservation moved to a free time by a person's decision on a double booking.
    MoveReservation,
    /// A decided conflict needed no write: its link went back to normal.
    Settle,
    /// Both sides already agreed and were linked.
    Relink,
    /// Both sides were gone and the link was dropped.
    Forget,
    /// A pair changed on both sides (or double-booked) waits for a decision.
    Conflict,
    /// A person's decision on a conflict was carried out: who, when, what and why.
    ConflictDecided,
    /// An item that either side sent could not be read.
    Rejected,
    /// A reservation names a parent the booking system does not have; it syncs on its own.
    Orphaned,
    /// A room's cycle failed before its commit; nothing was written.
    CycleFailed,
    /// The mass-deletion breaker held a cycle until a person approves.
    DeletionsHeld,
    /// A room's mapping was added, edited or removed.
    Mapping,
    /// A person decided a conflict; the room's next sync carries it out.
    DecisionRecorded,
    /// A person withdrew a decision before a sync carried it out.
    DecisionWithdrawn,
    /// A person undid a decision a sync had carried out: both sides get back what they held
    /// before it, and the conflict waits again.
    DecisionUndone,
}

/// A stored or given kind name that is not a [`HistoryKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a kind of history entry this version of RoomBridge knows")]
pub struct UnknownKind(pub String);

impl HistoryKind {
    /// Every kind, in the order they are declared.
    pub const ALL: &[HistoryKind] = &[
        HistoryKind::CreateEvent,
        HistoryKind::CreateSeries,
        HistoryKind::UpdateEvent,
        HistoryKind::UpdateSeries,
        HistoryKind::DeleteEvent,
        HistoryKind::CancelEvent,
        HistoryKind::DeclineEvent,
        HistoryKind::CreateReservation,
        HistoryKind::UpdateReservation,
        HistoryKind::CancelReservation,
        HistoryKind::SkipOccurrence,
        HistoryKind::DetachOccurrence,
        HistoryKind::MoveEvent,
        HistoryKind::MoveReservation,
        HistoryKind::Settle,
        HistoryKind::Relink,
        HistoryKind::Forget,
        HistoryKind::Conflict,
        HistoryKind::ConflictDecided,
        HistoryKind::Rejected,
        HistoryKind::Orphaned,
        HistoryKind::CycleFailed,
        HistoryKind::DeletionsHeld,
        HistoryKind::Mapping,
        HistoryKind::DecisionRecorded,
        HistoryKind::DecisionWithdrawn,
        HistoryKind::DecisionUndone,
    ];

    /// The name stored and sent (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::CreateEvent => "create_event",
            HistoryKind::CreateSeries => "create_series",
            HistoryKind::UpdateEvent => "update_event",
            HistoryKind::UpdateSeries => "update_series",
            HistoryKind::DeleteEvent => "delete_event",
            HistoryKind::CancelEvent => "cancel_event",
            HistoryKind::DeclineEvent => "decline_event",
            HistoryKind::CreateReservation => "create_reservation",
            HistoryKind::UpdateReservation => "update_reservation",
            HistoryKind::CancelReservation => "cancel_reservation",
            HistoryKind::SkipOccurrence => "skip_occurrence",
            HistoryKind::DetachOccurrence => "detach_occurrence",
            HistoryKind::MoveEvent => "move_event",
            HistoryKind::MoveReservation => "move_reservation",
            HistoryKind::Settle => "settle",
            HistoryKind::Relink => "relink",
            HistoryKind::Forget => "forget",
            HistoryKind::Conflict => "conflict",
            HistoryKind::ConflictDecided => "conflict_decided",
            HistoryKind::Rejected => "rejected",
            HistoryKind::Orphaned => "orphaned",
            HistoryKind::CycleFailed => "cycle_failed",
            HistoryKind::DeletionsHeld => "deletions_held",
            HistoryKind::Mapping => "mapping",
            HistoryKind::DecisionRecorded => "decision_recorded",
            HistoryKind::DecisionWithdrawn => "decision_withdrawn",
            HistoryKind::DecisionUndone => "decision_undone",
        }
    }
}

impl std::str::FromStr for HistoryKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HistoryKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

impl std::fmt::Display for HistoryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The row an action leaves is of the action's own kind ([`Action::kind`] names it alike).
impl From<&Action> for HistoryKind {
    fn from(action: &Action) -> Self {
        match action {
            Action::CreateEvent { .. } => HistoryKind::CreateEvent,
            Action::CreateSeries { .. } => HistoryKind::CreateSeries,
            Action::UpdateEvent { .. } => HistoryKind::UpdateEvent,
            Action::UpdateSeries { .. } => HistoryKind::UpdateSeries,
            Action::DeleteEvent { .. } => HistoryKind::DeleteEvent,
            Action::CancelEvent { .. } => HistoryKind::CancelEvent,
            Action::DeclineEvent { .. } => HistoryKind::DeclineEvent,
            Action::CreateReservation { .. } => HistoryKind::CreateReservation,
            Action::UpdateReservation { .. } => HistoryKind::UpdateReservation,
            Action::CancelReservation { .. } => HistoryKind::CancelReservation,
            Action::SkipOccurrence { .. } => HistoryKind::SkipOccurrence,
            Action::DetachOccurrence { .. } => HistoryKind::DetachOccurrence,
            Action::MoveEvent { .. } => HistoryKind::MoveEvent,
            Action::MoveReservation { .. } => HistoryKind::MoveReservation,
            Action::Settle { .. } => HistoryKind::Settle,
            Action::Relink { .. } => HistoryKind::Relink,
            Action::Forget { .. } => HistoryKind::Forget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roombridge_core::{GraphEventId, LinkId, ReservationId};

    #[test]
    fn each_kind_is_stored_sent_and_read_back_by_one_name() {
        for &kind in HistoryKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(kind.as_str().parse::<HistoryKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let mut names: Vec<&str> = HistoryKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), HistoryKind::ALL.len());
    }

    #[cfg(feature = "ts")]
    #[test]
    fn typescript_sees_the_names_as_a_union() {
        use ts_rs::TS;
        let decl = HistoryKind::decl(&ts_rs::Config::default());
        for kind in HistoryKind::ALL {
            assert!(decl.contains(&format!("\"{}\"", kind.as_str())), "{decl}");
        }
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_name() {
        let err = "teleported".parse::<HistoryKind>().unwrap_err();
        assert_eq!(err, UnknownKind("teleported".into()));
        assert!(err.to_string().contains("\"teleported\""));
    }

    #[test]
    fn an_action_row_is_of_the_kind_the_action_names() {
        let link = LinkId::new("b:r:1");
        let event = GraphEventId::new("E1");
        let actions = [
            Action::DeleteEvent {
                link: link.clone(),
                event: event.clone(),
            },
            Action::DeclineEvent {
                link: link.clone(),
                event: event.clone(),
                message: "taken".into(),
            },
            Action::CancelReservation {
                link: link.clone(),
                reservation: ReservationId::new("1"),
                version: 1,
                note: "gone".into(),
            },
            Action::Settle { link: link.clone() },
            Action::Forget { link },
        ];
        for action in &actions {
            assert_eq!(HistoryKind::from(action).as_str(), action.kind());
        }
    }
}
