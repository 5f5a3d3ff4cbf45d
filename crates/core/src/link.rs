//! A link: what was last synced between one booking-system block and one Outlook event.

use serde::{Deserialize, Serialize};

use crate::Side;
use crate::content::ContentHash;
use crate::ids::{BlockKey, GraphEventId, LinkId};

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Both sides hold the content recorded in the link.
    Synced,
    /// A create was journaled and may or may not have reached the other side.
    Pending,
    /// Held for a person's decision; the planner leaves it alone.
    Conflict,
    /// The last write failed for this item alone; it is retried next cycle.
    Failed,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Synced => "synced",
            LinkState::Pending => "pending",
            LinkState::Conflict => "conflict",
            LinkState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<LinkState> {
        match s {
            "synced" => Some(LinkState::Synced),
            "pending" => Some(LinkState::Pending),
            "conflict" => Some(LinkState::Conflict),
            "failed" => Some(LinkState::Failed),
            _ => None,
        }
    }
}

/// What was last synced between one block and one calendar event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub id: LinkId,
    pub block: Option<BlockKey>,
    pub event: Option<GraphEventId>,
    /// Content hash last synced from or to the booking side; `None` before the first sync.
    pub booking_hash: Option<ContentHash>,
    /// Content hash last synced from or to the calendar side; `None` before the first sync.
    pub calendar_hash: Option<ContentHash>,
    pub origin: Side,
    pub state: LinkState,
}
