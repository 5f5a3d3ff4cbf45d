//! The pure planner: from both sides and the last synced state, what one cycle must do.
//!
//! Every decision comes from one exhaustive `match` in [`decide`] over the state of each side
//! of a pair (a block, a calendar event and the link between them). The [`Plan`] is a value:
//! the dry run prints it, the engine executes it, the audit log records why each action ran.

use serde::{Deserialize, Serialize};

use crate::Side;
use crate::compose::Block;
use crate::content::{Content, ContentHash};
use crate::ids::{BlockKey, GraphEventId, LinkId, ReservationId, RoomId};
use crate::window::SyncWindow;

/// One Outlook event as the calendar side reports it, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEvent {
    pub id: GraphEventId,
    pub content: Content,
    /// Graph `changeKey`; sent back on update so a stale write fails instead of overwriting.
    pub version: Option<String>,
    /// The link id RoomBridge tagged the event with when it created it, if it did.
    pub tag: Option<LinkId>,
    /// The subject is just the organizer's name: Exchange room mailboxes with
    /// `AddOrganizerToSubject` rewrite it so seconds after a create. Such a subject says
    /// nothing about the title, so the last known title stands.
    #[serde(default)]
    pub subject_is_organizer: bool,
}

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

/// Everything one room's plan is made from.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    pub room: &'a RoomId,
    pub zone: chrono_tz::Tz,
    pub window: SyncWindow,
    pub blocks: &'a [Block],
    /// Primary keys of active reservations that higher ones cover entirely
    /// ([`crate::compose::hidden`]).
    pub hidden: &'a [BlockKey],
    pub events: &'a [CalendarEvent],
    pub links: &'a [Link],
}

/// One thing a cycle does to one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Write a booking block to Outlook as a new event.
    CreateEvent {
        link: LinkId,
        block: BlockKey,
        content: Content,
        idempotency_key: String,
    },
    /// Bring an Outlook event up to date with its booking block.
    UpdateEvent {
        link: LinkId,
        block: BlockKey,
        event: GraphEventId,
        version: Option<String>,
        content: Content,
    },
    /// The booking block is gone: remove the Outlook event.
    DeleteEvent { link: LinkId, event: GraphEventId },
    /// A reservation made in Outlook becomes a booking-system event.
    CreateReservation {
        link: LinkId,
        event: GraphEventId,
        content: Content,
        idempotency_key: String,
    },
    /// Bring a booking reservation up to date with its Outlook event.
    UpdateReservation {
        link: LinkId,
        event: GraphEventId,
        reservation: ReservationId,
        version: i64,
        content: Content,
    },
    /// The Outlook event was deleted: soft-cancel the reservation, saying why.
    CancelReservation {
        link: LinkId,
        reservation: ReservationId,
        version: i64,
        note: String,
    },
    /// Both sides already agree: record it, write nothing.
    Relink {
        link: LinkId,
        block: BlockKey,
        event: GraphEventId,
        origin: Side,
        hash: ContentHash,
    },
    /// Both sides are gone: drop the link.
    Forget { link: LinkId },
}

impl Action {
    pub fn link(&self) -> &LinkId {
        match self {
            Action::CreateEvent { link, .. }
            | Action::UpdateEvent { link, .. }
            | Action::DeleteEvent { link, .. }
            | Action::CreateReservation { link, .. }
            | Action::UpdateReservation { link, .. }
            | Action::CancelReservation { link, .. }
            | Action::Relink { link, .. }
            | Action::Forget { link } => link,
        }
    }

    /// The side this action writes to, if it writes at all.
    pub fn target(&self) -> Option<Side> {
        match self {
            Action::CreateEvent { .. }
            | Action::UpdateEvent { .. }
            | Action::DeleteEvent { .. } => Some(Side::Calendar),
            Action::CreateReservation { .. }
            | Action::UpdateReservation { .. }
            | Action::CancelReservation { .. } => Some(Side::Booking),
            Action::Relink { .. } | Action::Forget { .. } => None,
        }
    }

    /// A short machine name, used in history rows and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateEvent { .. } => "create_event",
            Action::UpdateEvent { .. } => "update_event",
            Action::DeleteEvent { .. } => "delete_event",
            Action::CreateReservation { .. } => "create_reservation",
            Action::UpdateReservation { .. } => "update_reservation",
            Action::CancelReservation { .. } => "cancel_reservation",
            Action::Relink { .. } => "relink",
            Action::Forget { .. } => "forget",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// What one cycle will do for one room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub conflicts: Vec<Conflict>,
    /// Links held in conflict from earlier cycles, left alone.
    pub held: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.conflicts.is_empty()
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            writeln!(f, "nothing to do ({} held in conflict)", self.held)?;
        }
        for a in &self.actions {
            let what = match a {
                Action::CreateEvent { content, .. }
                | Action::UpdateEvent { content, .. }
                | Action::CreateReservation { content, .. }
                | Action::UpdateReservation { content, .. } => content.title.clone(),
                Action::DeleteEvent { event, .. } => event.to_string(),
                Action::CancelReservation { reservation, .. } => reservation.to_string(),
                Action::Relink { block, .. } => block.to_string(),
                Action::Forget { link } => link.to_string(),
            };
            writeln!(f, "{:<20} {what}", a.kind())?;
        }
        for c in &self.conflicts {
            writeln!(f, "{:<20} {:?} {}", "conflict", c.kind, c.link)?;
        }
        Ok(())
    }
}

/// The state of one side of a pair, measured against the link.
#[derive(Debug, Clone, Copy)]
enum Seen<'a, T> {
    /// Not there now, and never synced.
    Absent,
    /// There now, never synced.
    Appeared(&'a T),
    /// There, with the content last synced.
    Unchanged(&'a T),
    /// There, with other content than last synced.
    Changed(&'a T),
    /// Synced once, gone now.
    Deleted,
}

fn seen<'a, T>(
    now: Option<&'a T>,
    hash: impl Fn(&T) -> ContentHash,
    last: Option<&ContentHash>,
) -> Seen<'a, T> {
    match (now, last) {
        (None, None) => Seen::Absent,
        (None, Some(_)) => Seen::Deleted,
        (Some(x), None) => Seen::Appeared(x),
        (Some(x), Some(h)) if hash(x) == *h => Seen::Unchanged(x),
        (Some(x), Some(_)) => Seen::Changed(x),
    }
}

/// What [`decide`] returns for one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Nothing,
    Act(Box<Action>),
    Conflict(ConflictKind),
}

fn act(action: Action) -> Decision {
    Decision::Act(Box::new(action))
}

/// One pair: a link (real, or proposed for something seen for the first time) and its sides.
struct Pair<'a> {
    link: Link,
    block: Option<&'a Block>,
    event: Option<&'a CalendarEvent>,
}

/// Plans one cycle for one room. Pure: the same input gives the same plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let mut out = Plan::default();
    for pair in pairs(input) {
        if pair.link.state == LinkState::Conflict {
            out.held += 1;
            continue;
        }
        // A link whose booking block lies outside the window, and whose event delta no longer
        // reports, has only left the window: delta calls that a removal, and it must not
        // delete anything.
        if let (Some(block), None) = (pair.block, pair.event)
            && !input.window.contains(&block.content.when, input.zone)
        {
            continue;
        }
        match decide(&pair, input.hidden) {
            Decision::Nothing => {}
            Decision::Act(action) => out.actions.push(*action),
            Decision::Conflict(kind) => out.conflicts.push(Conflict {
                link: pair.link.id.clone(),
                kind,
                block: pair.block.map(|b| b.key.clone()),
                event: pair.event.map(|e| e.id.clone()),
                booking: pair.block.map(|b| b.content.clone()),
                calendar: pair.event.map(|e| e.content.clone()),
            }),
        }
    }
    out
}

/// Matches links, blocks and events into pairs. Unlinked blocks inside the window and
/// unlinked events get a proposed link; an event carrying our tag is paired with the link
/// (or the block) the tag names, so a create that landed before a crash is re-linked.
fn pairs<'a>(input: &PlanInput<'a>) -> Vec<Pair<'a>> {
    use std::collections::{BTreeMap, HashSet};

    let blocks: BTreeMap<&BlockKey, &Block> = input.blocks.iter().map(|b| (&b.key, b)).collect();
    let events: BTreeMap<&GraphEventId, &CalendarEvent> =
        input.events.iter().map(|e| (&e.id, e)).collect();
    let link_ids: HashSet<&LinkId> = input.links.iter().map(|l| &l.id).collect();
    let linked_blocks: HashSet<&BlockKey> = input
        .links
        .iter()
        .filter_map(|l| l.block.as_ref())
        .collect();
    let linked_events: HashSet<&GraphEventId> = input
        .links
        .iter()
        .filter_map(|l| l.event.as_ref())
        .collect();

    // Unlinked events that carry our tag, by the link id in the tag.
    let mut tagged: BTreeMap<&LinkId, &CalendarEvent> = BTreeMap::new();
    let mut untagged: Vec<&CalendarEvent> = Vec::new();
    for e in input
        .events
        .iter()
        .filter(|e| !linked_events.contains(&e.id))
    {
        match &e.tag {
            Some(tag) => {
                tagged.insert(tag, e);
            }
            None => untagged.push(e),
        }
    }

    // Unlinked blocks whose reservation RoomBridge created for a link (an Outlook reservation
    // copied to the booking system), by that link's id.
    let mut tagged_blocks: BTreeMap<&LinkId, &Block> = input
        .blocks
        .iter()
        .filter(|b| !linked_blocks.contains(&b.key))
        .filter_map(|b| b.tag.as_ref().map(|t| (t, b)))
        .filter(|(t, _)| link_ids.contains(t))
        .collect();
    let claimed: HashSet<&BlockKey> = tagged_blocks.values().map(|b| &b.key).collect();

    let mut out = Vec::new();
    for link in input.links {
        let block = match &link.block {
            Some(key) => blocks.get(key).copied(),
            None => tagged_blocks.remove(&link.id),
        };
        let event = match &link.event {
            Some(id) => events.get(id).copied(),
            None => tagged.remove(&link.id),
        };
        out.push(Pair {
            link: link.clone(),
            block,
            event,
        });
    }
    for block in input
        .blocks
        .iter()
        .filter(|b| !linked_blocks.contains(&b.key) && !claimed.contains(&b.key))
    {
        let id = LinkId::for_block(&block.key);
        if link_ids.contains(&id) {
            continue;
        }
        let event = tagged.remove(&id);
        if event.is_none() && !input.window.contains(&block.content.when, input.zone) {
            continue;
        }
        out.push(Pair {
            link: Link {
                id,
                block: Some(block.key.clone()),
                event: None,
                booking_hash: None,
                calendar_hash: None,
                origin: Side::Booking,
                state: LinkState::Pending,
            },
            block: Some(block),
            event,
        });
    }
    // A tagged event whose link and block are both gone was written by RoomBridge for a block
    // the booking system no longer has: it is paired as "deleted in booking, unchanged in
    // Outlook", so it is removed rather than copied back as a new reservation.
    for (tag, event) in tagged {
        out.push(Pair {
            link: Link {
                id: tag.clone(),
                block: None,
                event: Some(event.id.clone()),
                booking_hash: Some(ContentHash::new("gone")),
                calendar_hash: Some(event.content.hash()),
                origin: Side::Booking,
                state: LinkState::Pending,
            },
            block: None,
            event: Some(event),
        });
    }
    for event in untagged {
        out.push(Pair {
            link: Link {
                id: LinkId::for_event(&event.id),
                block: None,
                event: Some(event.id.clone()),
                booking_hash: None,
                calendar_hash: None,
                origin: Side::Calendar,
                state: LinkState::Pending,
            },
            block: None,
            event: Some(event),
        });
    }
    out
}

/// The decision table. One arm per (booking, calendar) state; the comment says why.
fn decide(pair: &Pair<'_>, hidden: &[BlockKey]) -> Decision {
    let link = &pair.link;
    // A reservation made in Outlook whose block vanished because another reservation covers
    // it is a double booking, not a deletion: the meeting in Outlook must survive.
    let covered_outlook_meeting = link.origin == Side::Calendar
        && pair.block.is_none()
        && link.block.as_ref().is_some_and(|k| hidden.contains(k));
    let booking = seen(
        pair.block,
        |b: &Block| b.content.hash(),
        link.booking_hash.as_ref(),
    );
    let calendar = seen(
        pair.event,
        |e: &CalendarEvent| e.content.hash(),
        link.calendar_hash.as_ref(),
    );
    let create_event = |b: &Block| {
        act(Action::CreateEvent {
            link: link.id.clone(),
            block: b.key.clone(),
            idempotency_key: create_key(&link.id, &b.content),
            content: b.content.clone(),
        })
    };
    let update_event = |b: &Block, e: &CalendarEvent| {
        act(Action::UpdateEvent {
            link: link.id.clone(),
            block: b.key.clone(),
            event: e.id.clone(),
            version: e.version.clone(),
            content: b.content.clone(),
        })
    };
    let delete_event = |e: &CalendarEvent| {
        act(Action::DeleteEvent {
            link: link.id.clone(),
            event: e.id.clone(),
        })
    };
    let create_reservation = |e: &CalendarEvent| {
        act(Action::CreateReservation {
            link: link.id.clone(),
            event: e.id.clone(),
            idempotency_key: create_key(&link.id, &e.content),
            content: e.content.clone(),
        })
    };
    let update_reservation = |b: &Block, e: &CalendarEvent| {
        if !b.covered_by.is_empty() || b.key != BlockKey::for_reservation(&b.source) {
            return Decision::Conflict(ConflictKind::FragmentEdit);
        }
        act(Action::UpdateReservation {
            link: link.id.clone(),
            event: e.id.clone(),
            reservation: b.source.clone(),
            version: b.source_version,
            content: e.content.clone(),
        })
    };
    let cancel_reservation = |b: &Block| {
        act(Action::CancelReservation {
            link: link.id.clone(),
            reservation: b.source.clone(),
            version: b.source_version,
            note: "Cancelled because the event was deleted from the Outlook room calendar.".into(),
        })
    };
    let relink_or_conflict = |b: &Block, e: &CalendarEvent| {
        if b.content.hash() == e.content.hash() {
            act(Action::Relink {
                link: link.id.clone(),
                block: b.key.clone(),
                event: e.id.clone(),
                origin: link.origin,
                hash: b.content.hash(),
            })
        } else {
            Decision::Conflict(ConflictKind::Edit)
        }
    };
    let forget = || {
        act(Action::Forget {
            link: link.id.clone(),
        })
    };

    use Seen::*;
    if covered_outlook_meeting && pair.event.is_some() {
        return Decision::Conflict(ConflictKind::Overlap);
    }
    match (booking, calendar) {
        // Nothing on either side and nothing synced: a journaled create whose source vanished.
        (Absent, Absent) => forget(),
        // Seen in Outlook only, never synced: a reservation made in Outlook.
        (Absent, Appeared(e)) => create_reservation(e),
        // Synced from Outlook before, but the reservation was never written: write it now.
        (Absent, Unchanged(e) | Changed(e)) => create_reservation(e),
        // Gone from Outlook and never in the booking system: nothing left to keep.
        (Absent, Deleted) => forget(),
        // New in the booking system: create the event (retries reuse the idempotency key).
        (Appeared(b), Absent) => create_event(b),
        // Both present, never synced as a pair (a create that landed before a crash, or a
        // re-linked pair): equal content is simply linked, different content needs a person.
        (Appeared(b), Appeared(e) | Unchanged(e) | Changed(e)) => relink_or_conflict(b, e),
        // The event was synced and deleted in Outlook, while the block was never recorded:
        // Outlook's deletion wins, as it would for an unchanged block.
        (Appeared(b), Deleted) => cancel_reservation(b),
        // The block was synced but its event never made it: create it.
        (Unchanged(b) | Changed(b), Absent) => create_event(b),
        // Booking block synced before, the event appears for the first time (a re-linked
        // create): same rule as a fresh pair.
        (Unchanged(b) | Changed(b), Appeared(e)) => relink_or_conflict(b, e),
        // In sync: nothing to do.
        (Unchanged(_), Unchanged(_)) => Decision::Nothing,
        // Changed in Outlook only: write the change to the booking system.
        (Unchanged(b), Changed(e)) => update_reservation(b, e),
        // Deleted in Outlook, untouched in the booking system: soft-cancel the reservation.
        (Unchanged(b), Deleted) => cancel_reservation(b),
        // Changed in the booking system only: update the event.
        (Changed(b), Unchanged(e)) => update_event(b, e),
        // Changed on both sides: the same content is simply synced, different content is an
        // edit conflict.
        (Changed(b), Changed(e)) => relink_or_conflict(b, e),
        // Changed in the booking system, deleted in Outlook: a person decides.
        (Changed(_), Deleted) => Decision::Conflict(ConflictKind::DeleteEdit),
        // Gone from the booking system before its event was ever created: nothing to undo.
        (Deleted, Absent) => forget(),
        // Gone from the booking system; the event is ours (it was synced, or it carries our
        // tag): delete it.
        (Deleted, Appeared(e) | Unchanged(e)) => delete_event(e),
        // Gone from the booking system, edited in Outlook: a person decides.
        (Deleted, Changed(_)) => Decision::Conflict(ConflictKind::DeleteEdit),
        // Gone on both sides: drop the link.
        (Deleted, Deleted) => forget(),
    }
}

/// The idempotency key of a create: the same for every retry of the same write, different
/// for a later create of the same link with other content.
fn create_key(link: &LinkId, content: &Content) -> String {
    let digest = crate::content::sha256_hex(format!("{link}\u{1f}{}", content.hash()).as_bytes());
    format!("rb-{}", &digest[..32])
}

#[cfg(test)]
mod tests;

/// The mass-deletion breaker: a cycle that would delete more than a share of a room's synced
/// reservations stops and asks a person, instead of emptying a calendar because one side
/// suddenly returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Breaker {
    /// The largest share (0..=1) of a room's links one cycle may delete without approval.
    pub max_share: f64,
    /// Deletions up to this many never trip the breaker, whatever the share (small rooms).
    pub always_allowed: usize,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            max_share: 0.3,
            always_allowed: 5,
        }
    }
}

/// What tripped the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tripped {
    /// Deletions and cancellations the plan holds.
    pub deletions: usize,
    /// Links the room had before the cycle.
    pub linked: usize,
}

impl Breaker {
    /// `Some` when `plan` deletes more than this breaker allows for a room with `linked` links.
    pub fn check(&self, plan: &Plan, linked: usize) -> Option<Tripped> {
        let deletions = plan
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::DeleteEvent { .. } | Action::CancelReservation { .. }
                )
            })
            .count();
        let allowed = ((linked as f64) * self.max_share).floor() as usize;
        (deletions > self.always_allowed && deletions > allowed)
            .then_some(Tripped { deletions, linked })
    }
}
