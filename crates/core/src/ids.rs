//! Identifier newtypes. A bare `String` id never crosses a module boundary.

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A room (or equipment resource) RoomBridge keeps in sync; our own id, stable across renames.
    RoomId
);
string_id!(
    /// A resource id in the booking system.
    ResourceId
);
string_id!(
    /// A reservation id in the booking system (allocation, booking or event).
    ReservationId
);
string_id!(
    /// An immutable Microsoft Graph event id (`Prefer: IdType="ImmutableId"`).
    GraphEventId
);
string_id!(
    /// The stable key of one composed block; survives edits of the items that produce it.
    BlockKey
);
string_id!(
    /// One link between a block and a calendar event.
    LinkId
);

impl BlockKey {
    /// The key of the block a single reservation produces.
    pub fn for_reservation(id: &ReservationId) -> BlockKey {
        BlockKey(format!("r:{id}"))
    }

    /// The reservation a block comes from: `r:{id}`, its fragments `r:{id}#{n}` and its
    /// occurrences `r:{id}@{date}` (and their fragments) all name reservation `id`. `None` for
    /// a key of another shape.
    pub fn reservation(&self) -> Option<ReservationId> {
        let rest = self.0.strip_prefix("r:")?;
        let rest = match rest.rsplit_once('#') {
            Some((head, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => head,
            _ => rest,
        };
        let rest = match rest.rsplit_once('@') {
            Some((head, date)) if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() => {
                head
            }
            _ => rest,
        };
        Some(ReservationId::new(rest))
    }
}

impl LinkId {
    /// The link for a block first seen in the booking system. Derived, not random, so that a
    /// planner re-run after a crash proposes the same link and the same idempotency key.
    pub fn for_block(key: &BlockKey) -> LinkId {
        LinkId(format!("b:{key}"))
    }

    /// The link of one occurrence of a series RoomBridge wrote to Outlook. Every instance of
    /// the series carries the series' tag (`series`, the link id of the recurring
    /// reservation's block); the occurrence on local `date` belongs to that date's block,
    /// `r:{id}@{date}`, so this is `LinkId::for_block` of that block's key.
    pub fn for_occurrence(series: &LinkId, date: chrono::NaiveDate) -> LinkId {
        LinkId(format!("{series}@{}", date.format("%Y-%m-%d")))
    }

    /// The link for an event first seen in Outlook.
    pub fn for_event(id: &GraphEventId) -> LinkId {
        LinkId(format!("c:{id}"))
    }
}

string_id!(
    /// The SMTP address of an Outlook room mailbox, e.g. `hall-a@municipality.example`.
    Mailbox
);
