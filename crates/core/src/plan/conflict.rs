//! Conflicts: what the planner must not decide alone, and who resolved one.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConflictKind {
    /// Changed on both sides since the last sync, to different content.
    Edit,
    /// Deleted on one side, changed on the other.
    DeleteEdit,
    /// A reservation made in Outlook is now covered by another reservation in the booking
    /// system: a double booking, which a person resolves. The Outlook meeting is not deleted.
    Overlap,
    /// An Outlook edit of a fragment whose reservation is partly covered by a higher one:
    /// the edit cannot be written back to the reservation without a person.
    FragmentEdit,
    /// An Outlook edit or deletion of a reservation the booking system does not let RoomBridge
    /// change (PorticoEstate's allocations and bookings, from its season planning): only the
    /// booking system's version can be kept, in Outlook, or the reservation changed where it
    /// lives.
    ReadOnly,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Edit => "edit",
            ConflictKind::DeleteEdit => "delete_edit",
            ConflictKind::Overlap => "overlap",
            ConflictKind::FragmentEdit => "fragment_edit",
            ConflictKind::ReadOnly => "read_only",
        }
    }

    pub fn parse(s: &str) -> Option<ConflictKind> {
        [
            ConflictKind::Edit,
            ConflictKind::DeleteEdit,
            ConflictKind::Overlap,
            ConflictKind::FragmentEdit,
            ConflictKind::ReadOnly,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The decisions a person can take on a conflict of this kind ([`Choice::name`]s).
    pub fn choices(self) -> &'static [&'static str] {
        match self {
            ConflictKind::Edit => &["keep_booking", "keep_calendar", "merge"],
            ConflictKind::DeleteEdit => &["keep_booking", "keep_calendar"],
            // A double booking can also keep both, by moving one of them to a free time.
            ConflictKind::Overlap => &["keep_booking", "keep_calendar", "move"],
            // Outlook's edit of a piece of a longer reservation cannot be written back to it.
            ConflictKind::FragmentEdit => &["keep_booking"],
            // The booking system refuses RoomBridge's writes to this reservation.
            ConflictKind::ReadOnly => &["keep_booking"],
        }
    }
}

/// Who resolved a conflict without a person waiting for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ResolvedBy {
    Policy { policy: Policy },
    Decision { choice: Choice },
}

impl std::fmt::Display for ResolvedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolvedBy::Policy { policy } => write!(f, "the room's {policy} policy"),
            ResolvedBy::Decision { choice } => write!(f, "a person's decision ({})", choice.name()),
        }
    }
}

/// A conflict this cycle resolves, by policy or by a person's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub link: LinkId,
    pub kind: ConflictKind,
    pub by: ResolvedBy,
}

/// A decision the planner must not take alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub link: LinkId,
    pub kind: ConflictKind,
    pub block: Option<BlockKey>,
    pub event: Option<GraphEventId>,
    pub booking: Option<Content>,
    pub calendar: Option<Content>,
}
