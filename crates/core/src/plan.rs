//! The pure planner: from both sides and the last synced state, what one cycle must do.
//!
//! Every decision comes from one exhaustive `match` in [`decide`] over the state of each side
//! of a pair (a block, a calendar event and the link between them). The [`Plan`] is a value:
//! the dry run prints it, the engine executes it, the audit log records why each action ran.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use crate::Side;
use crate::compose::{Block, Footprint, SeriesSource};
use crate::content::{Content, ContentHash};
use crate::ids::{BlockKey, GraphEventId, LinkId, ReservationId, RoomId};
use crate::policy::{Choice, Policy, Resolution};
use crate::privacy::{self, Privacy};
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
    /// The event has no body at all: Exchange room mailboxes with `DeleteComments` delete it
    /// seconds after a create. An empty body says nothing about the organisation and the
    /// description, so the last known ones stand.
    #[serde(default)]
    pub body_is_empty: bool,
    /// When Outlook last changed the event (Graph `lastModifiedDateTime`), if known.
    #[serde(default)]
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
    /// The meeting invites people besides the room: removing it must tell them.
    #[serde(default)]
    pub has_attendees: bool,
    /// The room mailbox organises the event (RoomBridge's own events); otherwise the room is
    /// an attendee of someone else's meeting (Graph `isOrganizer`).
    #[serde(default = "organised_by_the_room")]
    pub is_organizer: bool,
    /// Set when the event is an occurrence or exception of an Outlook series.
    #[serde(default)]
    pub instance: Option<Instance>,
}

/// Where an Outlook event sits in a series (Graph `seriesMasterId`, `originalStart`, `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// The series master, which calendarView never shows.
    pub master: GraphEventId,
    /// The start the series' pattern gave this occurrence, whatever an edit did since.
    pub original_start: chrono::DateTime<chrono::Utc>,
    /// Changed on its own in Outlook (`type: exception`) rather than as the series gave it.
    pub exception: bool,
}

impl CalendarEvent {
    /// The local date the series gave this occurrence, read in the event's own zone (or
    /// `zone` when the event names none): the date in its block key `r:{id}@{date}`.
    pub fn occurrence_date(&self, zone: chrono_tz::Tz) -> Option<NaiveDate> {
        let instance = self.instance.as_ref()?;
        let own = self.content.zone_or(zone);
        Some(instance.original_start.with_timezone(&own).date_naive())
    }

    /// The link the tag `tag`, read from Outlook, puts this event in. RoomBridge tags a series
    /// it writes once, on the master, and every instance shows that tag; an instance belongs to
    /// its own occurrence's link ([`LinkId::for_occurrence`]).
    pub fn link_of_tag(&self, tag: LinkId, zone: chrono_tz::Tz) -> LinkId {
        match self.occurrence_date(zone) {
            Some(date) => LinkId::for_occurrence(&tag, date),
            None => tag,
        }
    }
}

fn organised_by_the_room() -> bool {
    true
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
    /// Every active booking-system item in the window (see [`crate::compose::Composed`]).
    pub footprint: &'a [Footprint],
    pub events: &'a [CalendarEvent],
    pub links: &'a [Link],
    /// How this room resolves conflicts.
    pub policy: Policy,
    /// Decisions people took on conflicts held from earlier cycles.
    pub decisions: &'a [Decided],
    /// Recurring reservations Outlook can show as one series ([`crate::compose::Composed`]).
    pub series: &'a [SeriesSource],
    /// What Outlook shows of booking-system reservations ([`crate::privacy`]).
    pub privacy: Privacy,
}

/// A person's decision on the conflict held on one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub link: LinkId,
    pub choice: Choice,
}

/// The Outlook series an occurrence block belongs to, and its date in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InSeries {
    pub master: GraphEventId,
    /// The occurrence's local date (in the series' zone).
    pub date: NaiveDate,
}

/// One occurrence block a [`Action::CreateSeries`] links to an instance of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesMember {
    pub link: LinkId,
    pub block: BlockKey,
    /// The occurrence's local date (in the series' zone).
    pub date: NaiveDate,
    /// What Outlook shows (under the room's privacy mode).
    pub content: Content,
    /// The occurrence block's own hash, recorded for the booking side.
    pub booking_hash: ContentHash,
    /// For the single event written if the series gives this date no instance.
    pub idempotency_key: String,
}

/// One thing a cycle does to one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Write a booking block to Outlook as a new event. `content` is what Outlook is to show
    /// (the block under the room's privacy mode); `booking_hash` is the block's own hash, which
    /// the link records for the booking side.
    CreateEvent {
        link: LinkId,
        block: BlockKey,
        content: Content,
        booking_hash: ContentHash,
        idempotency_key: String,
        /// The block is an occurrence of a recurring reservation RoomBridge wrote to Outlook
        /// as a series: the series' instance on its date stands for it if it is still there
        /// (it is adopted, not duplicated); otherwise a single event is created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<InSeries>,
    },
    /// Write a recurring reservation to Outlook as one series (`patternedRecurrence`). Each
    /// member, an occurrence block in the window, is linked to the instance the series gives
    /// its date (or gets a single event if the series gives none); in-window instances no
    /// member wants (dates a higher item covers) are removed.
    CreateSeries {
        link: LinkId,
        source: ReservationId,
        series: crate::recurrence::Series,
        /// The reservation's content; its times are the series' first occurrence.
        content: Content,
        idempotency_key: String,
        members: Vec<SeriesMember>,
    },
    /// Bring an Outlook event up to date with its booking block (`content` and `booking_hash`
    /// as for [`Action::CreateEvent`]).
    UpdateEvent {
        link: LinkId,
        block: BlockKey,
        event: GraphEventId,
        version: Option<String>,
        content: Content,
        booking_hash: ContentHash,
    },
    /// The booking block is gone: remove the Outlook event.
    DeleteEvent { link: LinkId, event: GraphEventId },
    /// The booking block is gone and the room organised a meeting with attendees: cancel it,
    /// so they are told why.
    CancelEvent {
        link: LinkId,
        event: GraphEventId,
        message: String,
    },
    /// Decline someone else's meeting as the room, with a message that says why. Exchange
    /// removes a meeting the room declines from the room's calendar and tells the organizer.
    DeclineEvent {
        link: LinkId,
        event: GraphEventId,
        message: String,
    },
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
    /// One occurrence of a recurring reservation was deleted in Outlook: the booking system
    /// skips that date (the rest of the series stays).
    SkipOccurrence {
        link: LinkId,
        series: ReservationId,
        version: i64,
        date: NaiveDate,
        note: String,
    },
    /// One occurrence of a recurring reservation was changed in Outlook: the booking system
    /// skips that date and gets a single event with the changed content in its place, so the
    /// rest of the series stays as it was.
    DetachOccurrence {
        link: LinkId,
        event: GraphEventId,
        series: ReservationId,
        version: i64,
        date: NaiveDate,
        content: Content,
        idempotency_key: String,
    },
    /// Keeps both of a double booking by a person's decision: the Outlook meeting, which the
    /// room organises, moves to a free time. `content` is the meeting with its new times.
    MoveEvent {
        link: LinkId,
        event: GraphEventId,
        version: Option<String>,
        content: Content,
    },
    /// Keeps both of a double booking by a person's decision: the booking-system reservation
    /// (or one occurrence of a recurring one) in the Outlook meeting's way moves to a free
    /// time. `link` is the moved item's own link; its Outlook event follows on the next cycle.
    /// A moved occurrence becomes a single event in the series' place, as in
    /// [`Action::DetachOccurrence`].
    MoveReservation {
        link: LinkId,
        reservation: ReservationId,
        version: i64,
        occurrence: Option<NaiveDate>,
        content: Content,
        idempotency_key: String,
        /// Why it moved, in words, for the history.
        note: String,
    },
    /// A conflict was decided and needs no write for this link: it goes back to normal.
    Settle { link: LinkId },
    /// Both sides already agree: record it, write nothing. The hashes are each side's own
    /// (they differ where the privacy mode hides something from Outlook).
    Relink {
        link: LinkId,
        block: BlockKey,
        event: GraphEventId,
        origin: Side,
        booking_hash: ContentHash,
        calendar_hash: ContentHash,
    },
    /// Both sides are gone: drop the link.
    Forget { link: LinkId },
}

impl Action {
    /// The booking-system reservation this action changes, if it changes one that exists.
    pub fn reservation_written(&self) -> Option<&ReservationId> {
        match self {
            Action::UpdateReservation { reservation, .. }
            | Action::CancelReservation { reservation, .. }
            | Action::MoveReservation { reservation, .. } => Some(reservation),
            Action::SkipOccurrence { series, .. } | Action::DetachOccurrence { series, .. } => {
                Some(series)
            }
            _ => None,
        }
    }

    pub fn link(&self) -> &LinkId {
        match self {
            Action::CreateEvent { link, .. }
            | Action::CreateSeries { link, .. }
            | Action::UpdateEvent { link, .. }
            | Action::DeleteEvent { link, .. }
            | Action::CancelEvent { link, .. }
            | Action::DeclineEvent { link, .. }
            | Action::CreateReservation { link, .. }
            | Action::UpdateReservation { link, .. }
            | Action::CancelReservation { link, .. }
            | Action::SkipOccurrence { link, .. }
            | Action::DetachOccurrence { link, .. }
            | Action::MoveEvent { link, .. }
            | Action::MoveReservation { link, .. }
            | Action::Settle { link }
            | Action::Relink { link, .. }
            | Action::Forget { link } => link,
        }
    }

    /// The side this action writes to, if it writes at all.
    pub fn target(&self) -> Option<Side> {
        match self {
            Action::CreateEvent { .. }
            | Action::CreateSeries { .. }
            | Action::UpdateEvent { .. }
            | Action::DeleteEvent { .. }
            | Action::CancelEvent { .. }
            | Action::DeclineEvent { .. }
            | Action::MoveEvent { .. } => Some(Side::Calendar),
            Action::CreateReservation { .. }
            | Action::UpdateReservation { .. }
            | Action::CancelReservation { .. }
            | Action::SkipOccurrence { .. }
            | Action::DetachOccurrence { .. }
            | Action::MoveReservation { .. } => Some(Side::Booking),
            Action::Settle { .. } | Action::Relink { .. } | Action::Forget { .. } => None,
        }
    }

    /// A short machine name, used in history rows and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateEvent { .. } => "create_event",
            Action::CreateSeries { .. } => "create_series",
            Action::UpdateEvent { .. } => "update_event",
            Action::DeleteEvent { .. } => "delete_event",
            Action::CancelEvent { .. } => "cancel_event",
            Action::DeclineEvent { .. } => "decline_event",
            Action::SkipOccurrence { .. } => "skip_occurrence",
            Action::DetachOccurrence { .. } => "detach_occurrence",
            Action::MoveEvent { .. } => "move_event",
            Action::MoveReservation { .. } => "move_reservation",
            Action::Settle { .. } => "settle",
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

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Edit => "edit",
            ConflictKind::DeleteEdit => "delete_edit",
            ConflictKind::Overlap => "overlap",
            ConflictKind::FragmentEdit => "fragment_edit",
        }
    }

    pub fn parse(s: &str) -> Option<ConflictKind> {
        [
            ConflictKind::Edit,
            ConflictKind::DeleteEdit,
            ConflictKind::Overlap,
            ConflictKind::FragmentEdit,
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

/// What one cycle will do for one room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub conflicts: Vec<Conflict>,
    /// Links held in conflict from earlier cycles, left alone.
    pub held: usize,
    /// Conflicts resolved this cycle, by policy or decision; their actions are in `actions`.
    pub resolved: Vec<Resolved>,
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
                | Action::UpdateReservation { content, .. }
                | Action::DetachOccurrence { content, .. }
                | Action::MoveEvent { content, .. }
                | Action::MoveReservation { content, .. } => content.title.clone(),
                Action::CreateSeries {
                    content, members, ..
                } => format!(
                    "{} ({} occurrences in the window)",
                    content.title,
                    members.len()
                ),
                Action::DeleteEvent { event, .. } => event.to_string(),
                Action::CancelEvent { event, message, .. }
                | Action::DeclineEvent { event, message, .. } => format!("{event}: {message}"),
                Action::CancelReservation { reservation, .. } => reservation.to_string(),
                Action::SkipOccurrence { series, date, .. } => format!("{series} on {date}"),
                Action::Relink { block, .. } => block.to_string(),
                Action::Settle { link } | Action::Forget { link } => link.to_string(),
            };
            writeln!(f, "{:<20} {what}", a.kind())?;
            writeln!(f, "{:<20} {}", "", words::reason(a))?;
        }
        for c in &self.conflicts {
            writeln!(f, "{:<20} {:?} {}", "conflict", c.kind, c.link)?;
            writeln!(f, "{:<20} {}", "", words::conflict_reason(c.kind))?;
        }
        for r in &self.resolved {
            writeln!(f, "{:<20} {:?} {} by {}", "resolved", r.kind, r.link, r.by)?;
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

/// What [`Planner::decide`] returns for one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Nothing,
    Act(Vec<Action>),
    Conflict(ConflictKind),
}

fn act(action: Action) -> Decision {
    Decision::Act(vec![action])
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
    // Reservations with a piece held in conflict, waiting for a person.
    let mut waiting: HashSet<ReservationId> = HashSet::new();
    // Which actions came from a person's decision (by their index in `out.actions`).
    let mut decided_actions: HashSet<usize> = HashSet::new();
    for pair in pairs(input) {
        // A link whose booking block lies outside the window, and whose event delta no longer
        // reports, has only left the window: delta calls that a removal, and it must not
        // delete anything.
        if let (Some(block), None) = (pair.block, pair.event)
            && !input.window.contains(&block.content.when, input.zone)
        {
            continue;
        }
        let planner = Planner { input, pair: &pair };
        let resolved = |kind, by| Resolved {
            link: pair.link.id.clone(),
            kind,
            by,
        };
        // A conflict held from an earlier cycle waits for a person's decision. The decision is
        // carried out as decided, whatever moved since: even when one side went back to what
        // was synced, the side the person kept stands.
        if pair.link.state == LinkState::Conflict {
            let Some(choice) = input
                .decisions
                .iter()
                .find(|d| d.link == pair.link.id)
                .map(|d| d.choice)
            else {
                out.held += 1;
                waiting.extend(pair.link.block.as_ref().and_then(BlockKey::reservation));
                continue;
            };
            let carry_out = |kind| {
                planner
                    .resolve(kind, Resolution::from(choice))
                    .map(|actions| (kind, actions))
            };
            let decided = match planner.decide() {
                Decision::Conflict(kind) => carry_out(kind),
                // Both sides agree now: there is nothing left to carry out but the link.
                Decision::Nothing => Some((planner.held_kind(), vec![planner.settle()])),
                Decision::Act(actions)
                    if actions.iter().all(|a| matches!(a, Action::Relink { .. })) =>
                {
                    Some((planner.held_kind(), actions))
                }
                Decision::Act(_) => carry_out(planner.held_kind()),
            };
            match decided {
                Some((kind, actions)) => {
                    decided_actions.extend(out.actions.len()..out.actions.len() + actions.len());
                    out.actions.extend(actions);
                    out.resolved
                        .push(resolved(kind, ResolvedBy::Decision { choice }));
                }
                None => {
                    out.held += 1;
                    waiting.extend(pair.link.block.as_ref().and_then(BlockKey::reservation));
                }
            }
            continue;
        }
        match planner.decide() {
            Decision::Nothing => {}
            Decision::Act(actions) => out.actions.extend(actions),
            Decision::Conflict(kind) => {
                let policy = input.policy;
                match planner
                    .policy_resolution(policy, kind)
                    .and_then(|r| planner.resolve(kind, r))
                {
                    Some(actions) => {
                        out.actions.extend(actions);
                        out.resolved
                            .push(resolved(kind, ResolvedBy::Policy { policy }));
                    }
                    None => out.conflicts.push(planner.conflict(kind)),
                }
            }
        }
    }
    // While one piece of a reservation waits for a person, no other Outlook change is written
    // to that reservation: it would change the waiting piece too, deciding part of the
    // conflict without them. Such a change is planned again once the conflict is decided.
    // (A person's decision is carried out regardless.)
    if !waiting.is_empty() {
        let mut index = 0;
        out.actions.retain(|a| {
            let keep = decided_actions.contains(&index)
                || a.reservation_written().is_none_or(|r| !waiting.contains(r));
            index += 1;
            keep
        });
    }
    series::gather(input, &mut out);
    out
}

/// The id of the link a new block gets: [`LinkId::for_block`] of its key, unless a link of
/// that id already stands for another block. That happens when a block's piece went away and
/// its link was carried over to what Outlook made of it (a deleted-then-edited fragment kept by
/// calendar-wins is copied to the booking system under the old link), and then the piece came
/// back: it gets the first free `{id}~{n}`, so it is never left without a link. `None` when a
/// link of that id holds no block (it waits for one, see `tagged_blocks`).
fn new_link_id(key: &BlockKey, links: &[Link]) -> Option<LinkId> {
    let natural = LinkId::for_block(key);
    let holder = |id: &LinkId| links.iter().find(|l| &l.id == id);
    match holder(&natural) {
        None => return Some(natural),
        Some(l) if l.block.is_none() => return None,
        Some(_) => {}
    }
    (1..=links.len() + 1)
        .map(|n| LinkId::new(format!("{natural}~{n}")))
        .find(|id| holder(id).is_none())
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
        // A link whose block is gone may have a reservation RoomBridge created for it since
        // (an Outlook meeting copied back after its booking-system side was cancelled) whose
        // answer was lost before the link recorded it: that reservation is its booking side.
        let block = match &link.block {
            Some(key) => blocks
                .get(key)
                .copied()
                .or_else(|| tagged_blocks.remove(&link.id)),
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
        let Some(id) = new_link_id(&block.key, input.links) else {
            continue;
        };
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

/// The decisions for one pair, with everything they need to see.
struct Planner<'p, 'a> {
    input: &'p PlanInput<'a>,
    pair: &'p Pair<'a>,
}

impl<'a> Planner<'_, 'a> {
    /// The decision table. One arm per (booking, calendar) state; the comment says why.
    fn decide(&self) -> Decision {
        let pair = self.pair;
        let link = &pair.link;
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

        // An Outlook meeting that holds the room while a booking-system reservation holds it
        // too is a double booking, whatever else changed: the meeting is never deleted for it,
        // and it is not copied on top of the reservation.
        if let Some(e) = pair.event
            && self.writes_to_booking(&booking, &calendar)
            && !self.overlaps(e).is_empty()
        {
            return Decision::Conflict(ConflictKind::Overlap);
        }

        use Seen::*;
        match (booking, calendar) {
            // Nothing on either side and nothing synced: a journaled create whose source vanished.
            (Absent, Absent) => self.forget(),
            // Our own event for a booking-system block that is gone before the link recorded
            // the event (its create's answer was lost): delete it, do not copy it back.
            (Absent, Appeared(e)) if link.origin == Side::Booking && link.block.is_some() => {
                self.remove_event(e)
            }
            // Seen in Outlook only, never synced: a reservation made in Outlook.
            (Absent, Appeared(e)) => self.create_reservation(e),
            // Synced from Outlook before, but the reservation was never written: write it now.
            (Absent, Unchanged(e) | Changed(e)) => self.create_reservation(e),
            // Gone from Outlook and never in the booking system: nothing left to keep.
            (Absent, Deleted) => self.forget(),
            // New in the booking system: create the event (retries reuse the idempotency key).
            (Appeared(b), Absent) => self.create_event(b),
            // Both present, never synced as a pair (a create that landed before a crash, or a
            // re-linked pair): equal content is simply linked, different content needs a person.
            (Appeared(b), Appeared(e) | Unchanged(e) | Changed(e)) => self.relink_or_conflict(b, e),
            // The event was synced and deleted in Outlook, while the block was never recorded:
            // Outlook's deletion wins, as it would for an unchanged block.
            (Appeared(b), Deleted) => self.cancel_reservation(b),
            // The block was synced but its event never made it: create it.
            (Unchanged(b) | Changed(b), Absent) => self.create_event(b),
            // Booking block synced before, the event appears for the first time (a re-linked
            // create): same rule as a fresh pair.
            (Unchanged(b) | Changed(b), Appeared(e)) => self.relink_or_conflict(b, e),
            // In sync, unless the event shows other than the privacy mode writes (the mode
            // changed, or someone typed over a hidden title): then show what the mode says.
            (Unchanged(b), Unchanged(e)) => self.in_sync(b, e),
            // Changed in Outlook only: write the change to the booking system.
            (Unchanged(b), Changed(e)) => self.update_reservation(b, e),
            // Deleted in Outlook, untouched in the booking system: soft-cancel the reservation.
            (Unchanged(b), Deleted) => self.cancel_reservation(b),
            // Changed in the booking system only: update the event.
            (Changed(b), Unchanged(e)) => self.update_event(b, e),
            // Changed on both sides: the same content is simply synced, different content is an
            // edit conflict.
            (Changed(b), Changed(e)) => self.relink_or_conflict(b, e),
            // Changed in the booking system, deleted in Outlook: a person decides.
            (Changed(_), Deleted) => Decision::Conflict(ConflictKind::DeleteEdit),
            // Gone from the booking system before its event was ever created: nothing to undo.
            (Deleted, Absent) => self.forget(),
            // Gone from the booking system; the event is ours (it was synced, or it carries our
            // tag): delete it.
            (Deleted, Appeared(e) | Unchanged(e)) => self.remove_event(e),
            // Gone from the booking system, edited in Outlook: a person decides.
            (Deleted, Changed(_)) => Decision::Conflict(ConflictKind::DeleteEdit),
            // Gone on both sides: drop the link.
            (Deleted, Deleted) => self.forget(),
        }
    }

    /// Whether this pair's Outlook side is a meeting the room must be free for: a meeting made
    /// in Outlook, or an Outlook change about to be written to the booking system.
    fn writes_to_booking(
        &self,
        booking: &Seen<'_, Block>,
        calendar: &Seen<'_, CalendarEvent>,
    ) -> bool {
        let from_outlook = self.pair.link.origin == Side::Calendar;
        let outlook_edit = matches!((booking, calendar), (Seen::Unchanged(_), Seen::Changed(_)));
        from_outlook || outlook_edit
    }

    /// Booking-system items (not this pair's own reservation) that hold the room while
    /// `event` does. Copies of other Outlook meetings count only when they hide this meeting's
    /// own copy: of two Outlook meetings at one time, the one the compositor hid is the
    /// double booking.
    fn overlaps(&self, event: &CalendarEvent) -> Vec<&'a Footprint> {
        let (start, end) = event.content.instants(self.input.zone);
        let own = self.own_source();
        let own_hidden = self.pair.block.is_none() && self.own_item().is_some();
        self.input
            .footprint
            .iter()
            .filter(|f| (!f.from_outlook || own_hidden) && Some(&f.source) != own.as_ref())
            .filter(|f| f.start < end && f.end > start)
            .collect()
    }

    /// The kind of a held conflict, read from the pair as it is now.
    fn held_kind(&self) -> ConflictKind {
        match (self.pair.block, self.pair.event) {
            (_, Some(e)) if !self.overlaps(e).is_empty() => ConflictKind::Overlap,
            (Some(b), _) if b.key != b.item_key() || !b.covered_by.is_empty() => {
                ConflictKind::FragmentEdit
            }
            (Some(_), Some(_)) => ConflictKind::Edit,
            _ => ConflictKind::DeleteEdit,
        }
    }

    /// The reservation this pair's booking side is (or was), if any.
    fn own_source(&self) -> Option<ReservationId> {
        if let Some(b) = self.pair.block {
            return Some(b.source.clone());
        }
        let key = self.pair.link.block.as_ref()?.as_str();
        let id = key.strip_prefix("r:")?;
        let id = id.split(['@', '#']).next()?;
        Some(ReservationId::new(id))
    }

    /// How `policy` resolves a conflict of `kind`, or `None` when a person must decide.
    fn policy_resolution(&self, policy: Policy, kind: ConflictKind) -> Option<Resolution> {
        let (block, event) = (self.pair.block, self.pair.event);
        match (policy, kind) {
            (Policy::Manual, _) => None,
            (Policy::BookingWins, _) => Some(Resolution::Keep(Side::Booking)),
            // Never cancel a booking-system reservation for an Outlook meeting unasked.
            (Policy::CalendarWins, ConflictKind::Overlap) => None,
            (Policy::CalendarWins, _) => Some(Resolution::Keep(Side::Calendar)),
            (Policy::LatestWins, ConflictKind::Overlap) => None,
            (Policy::LatestWins, _) => match (block, event) {
                (Some(b), Some(e)) => {
                    let outlook = e.modified?;
                    Some(Resolution::Keep(if outlook > b.updated_at {
                        Side::Calendar
                    } else {
                        Side::Booking
                    }))
                }
                // A deletion has no time; the surviving edit wins, so nothing is lost.
                (Some(_), None) => Some(Resolution::Keep(Side::Booking)),
                (None, Some(_)) => Some(Resolution::Keep(Side::Calendar)),
                (None, None) => None,
            },
            (Policy::Fields(own), ConflictKind::Edit) => Some(Resolution::Merge(own)),
            (Policy::Fields(_), _) => None,
        }
    }

    /// The actions that carry out `resolution` for a conflict of `kind`; `None` where it
    /// cannot be carried out (the conflict then waits for a person).
    fn resolve(&self, kind: ConflictKind, resolution: Resolution) -> Option<Vec<Action>> {
        let (block, event) = (self.pair.block, self.pair.event);
        let actions = |d: Decision| match d {
            Decision::Act(a) => Some(a),
            Decision::Nothing => Some(vec![self.settle()]),
            Decision::Conflict(_) => None,
        };
        match resolution {
            Resolution::Keep(Side::Booking) => match (kind, block, event) {
                // The room was booked first: decline the meeting, and cancel the copy of it the
                // booking system may hold.
                // A booking reservation's copy moved in Outlook onto another reservation: put
                // it back where the booking system has it.
                (ConflictKind::Overlap, Some(b), Some(e))
                    if self.pair.link.origin == Side::Booking =>
                {
                    actions(self.update_or_relink(b, e))
                }
                (ConflictKind::Overlap, _, Some(e)) => {
                    let mut out = vec![self.remove_with(e, self.overlap_message(e))];
                    if let Some(own) = self
                        .own_item()
                        .filter(|_| self.pair.link.origin == Side::Calendar)
                    {
                        out.push(cancel(
                            self.pair.link.id.clone(),
                            Source::of_item(own),
                            "Cancelled: the room was already booked in the booking system, and \
                             the Outlook meeting was declined."
                                .into(),
                        ));
                    }
                    Some(out)
                }
                (_, Some(b), Some(e)) => actions(self.update_or_relink(b, e)),
                (_, Some(b), None) => actions(self.create_event(b)),
                (_, None, Some(e)) => actions(self.remove_event(e)),
                (_, None, None) => actions(self.forget()),
            },
            Resolution::Keep(Side::Calendar) => match (kind, block, event) {
                // The person gives the room to the Outlook meeting: the single booking-system
                // reservations (or occurrences) in its way are cancelled, saying why.
                (ConflictKind::Overlap, _, Some(e)) => {
                    let mut out: Vec<Action> = self
                        .overlaps(e)
                        .into_iter()
                        .map(|f| self.cancel_item(f, &e.content.title))
                        .collect();
                    out.extend(self.meeting_into_booking(e, false).ok()?);
                    Some(out)
                }
                (_, Some(b), Some(e)) => actions(self.update_reservation(b, e)),
                (_, Some(b), None) => actions(self.cancel_reservation(b)),
                // The reservation is not gone, only hidden under a higher one: Outlook's
                // version is written to it, not to a second copy.
                (_, None, Some(e)) => match self.own_item() {
                    Some(own) => Some(vec![self.write_to_item(own, e)]),
                    None => actions(self.create_reservation(e)),
                },
                (_, None, None) => actions(self.forget()),
            },
            Resolution::Merge(own) => {
                let (b, e) = (block?, event?);
                if kind != ConflictKind::Edit {
                    return None;
                }
                let merged = own.merge(&b.content, &self.outlook_says(b, e));
                let mut out = Vec::new();
                if merged.hash() != b.content.hash() {
                    let mut as_outlook = e.clone();
                    as_outlook.content = merged.clone();
                    out.extend(actions(self.update_reservation(b, &as_outlook))?);
                }
                if !privacy::same_in_outlook(&merged, &e.content, self.privacy()) {
                    let mut as_booking = b.clone();
                    as_booking.content = merged;
                    out.extend(actions(self.update_event(&as_booking, e))?);
                }
                if out.is_empty() {
                    out.push(self.settle());
                }
                Some(out)
            }
            // Keeping both by moving one is for double bookings. If the double booking went
            // away on its own, whatever the table says now is carried out instead.
            Resolution::Move(m) if kind == ConflictKind::Overlap => self.move_one(&m).ok(),
            Resolution::Move(_) => actions(self.decide()),
        }
    }

    /// The conflict record for this pair.
    fn conflict(&self, kind: ConflictKind) -> Conflict {
        let pair = self.pair;
        // For a double booking, the booking side shown is the reservation in the way.
        let booking = match (kind, pair.event) {
            (ConflictKind::Overlap, Some(e)) => self
                .overlaps(e)
                .first()
                .map(|f| f.content.clone())
                .or_else(|| pair.block.map(|b| b.content.clone())),
            _ => pair.block.map(|b| b.content.clone()),
        };
        Conflict {
            link: pair.link.id.clone(),
            kind,
            block: pair.block.map(|b| b.key.clone()),
            event: pair.event.map(|e| e.id.clone()),
            booking,
            calendar: pair.event.map(|e| e.content.clone()),
        }
    }

    /// This pair's own booking-system item, when it exists but no block shows it.
    fn own_item(&self) -> Option<&'a Footprint> {
        let key = self.pair.link.block.as_ref()?;
        self.input.footprint.iter().find(|f| &f.key == key)
    }

    /// What the room tells the organizer of a meeting it declines.
    fn overlap_message(&self, e: &CalendarEvent) -> String {
        let zone = self.input.zone;
        let holders: Vec<String> = self
            .overlaps(e)
            .iter()
            .map(|f| {
                let start = f.start.with_timezone(&zone).format("%a %d %b %H:%M");
                let end = f.end.with_timezone(&zone).format("%H:%M");
                let what = if f.level == crate::reservation::Level::Closure {
                    format!("The room is closed ({})", f.content.title)
                } else if f.content.organisation.is_empty() {
                    format!("\"{}\" holds the room", f.content.title)
                } else {
                    format!(
                        "\"{}\" ({}) holds the room",
                        f.content.title, f.content.organisation
                    )
                };
                format!("{what} from {start} to {end} in the booking system")
            })
            .collect();
        let why = if holders.is_empty() {
            "The room is already booked in the booking system".to_owned()
        } else {
            holders.join("; ")
        };
        format!(
            "{why}. The room declined this meeting because booking-system reservations come \
             first here; please pick another time or room."
        )
    }

    fn settle(&self) -> Action {
        Action::Settle {
            link: self.pair.link.id.clone(),
        }
    }

    fn forget(&self) -> Decision {
        act(Action::Forget {
            link: self.pair.link.id.clone(),
        })
    }

    /// The privacy mode this pair's Outlook event is written under: the room's for events
    /// written from the booking system; a meeting made in Outlook keeps its own content.
    fn privacy(&self) -> Privacy {
        match self.pair.link.origin {
            Side::Booking => self.input.privacy,
            Side::Calendar => Privacy::Full,
        }
    }

    /// What Outlook's version of `e` says about `b`'s reservation: all of it, or under a
    /// hiding mode only its times (the rest is the mode's stand-in).
    fn outlook_says(&self, b: &Block, e: &CalendarEvent) -> Content {
        privacy::write_back(&b.content, &e.content, self.privacy())
    }

    fn in_sync(&self, b: &Block, e: &CalendarEvent) -> Decision {
        // A subject Exchange rewrote to the organizer's name is left alone: writing it again
        // would only be rewritten again.
        if !e.subject_is_organizer
            && privacy::shows_other_than(&b.content, &e.content, self.privacy())
        {
            self.update_event(b, e)
        } else {
            Decision::Nothing
        }
    }

    fn create_event(&self, b: &Block) -> Decision {
        let link = &self.pair.link.id;
        act(Action::CreateEvent {
            link: link.clone(),
            block: b.key.clone(),
            idempotency_key: create_key(link, &b.content),
            content: privacy::outlook_view(&b.content, self.privacy()),
            booking_hash: b.content.hash(),
            series: None,
        })
    }

    fn update_event(&self, b: &Block, e: &CalendarEvent) -> Decision {
        act(Action::UpdateEvent {
            link: self.pair.link.id.clone(),
            block: b.key.clone(),
            event: e.id.clone(),
            version: e.version.clone(),
            content: privacy::outlook_view(&b.content, self.privacy()),
            booking_hash: b.content.hash(),
        })
    }

    fn update_or_relink(&self, b: &Block, e: &CalendarEvent) -> Decision {
        if privacy::same_in_outlook(&b.content, &e.content, self.privacy()) {
            self.relink(b, e)
        } else {
            self.update_event(b, e)
        }
    }

    /// Removes an event whose booking block is gone: a plain delete for RoomBridge's own
    /// events, a cancellation that tells the attendees for a meeting the room organised, a
    /// decline for someone else's meeting.
    fn remove_event(&self, e: &CalendarEvent) -> Decision {
        act(self.remove_with(
            e,
            "The reservation was cancelled in the booking system.".into(),
        ))
    }

    /// Removes `e` from the room's calendar, telling whoever should know `message`: someone
    /// else's meeting is declined as the room, a meeting the room organised with attendees is
    /// cancelled, and the room's own event without attendees is deleted.
    fn remove_with(&self, e: &CalendarEvent, message: String) -> Action {
        let link = self.pair.link.id.clone();
        let event = e.id.clone();
        if !e.is_organizer {
            Action::DeclineEvent {
                link,
                event,
                message,
            }
        } else if e.has_attendees {
            Action::CancelEvent {
                link,
                event,
                message,
            }
        } else {
            Action::DeleteEvent { link, event }
        }
    }

    fn create_reservation(&self, e: &CalendarEvent) -> Decision {
        let link = &self.pair.link.id;
        act(Action::CreateReservation {
            link: link.clone(),
            event: e.id.clone(),
            idempotency_key: create_key(link, &e.content),
            content: e.content.clone(),
        })
    }

    /// Writes an Outlook change back to the block's reservation (see [`write_back`]). Under a
    /// hiding privacy mode only its times go back; an edit of the stand-in alone changes
    /// nothing in the booking system, and Outlook is shown the mode's view again.
    fn update_reservation(&self, b: &Block, e: &CalendarEvent) -> Decision {
        let content = self.outlook_says(b, e);
        if self.privacy().hides_title() && content.hash() == b.content.hash() {
            return self.update_event(b, e);
        }
        if !b.covered_by.is_empty() || b.key != b.item_key() {
            return Decision::Conflict(ConflictKind::FragmentEdit);
        }
        let mode = self.privacy();
        // Under a hiding mode a title typed over the stand-in goes no further: Outlook is shown
        // the mode's view again in the same cycle, so a later change of mode never finds the
        // typed title there as if it were the reservation's.
        let restore = (mode.hides_title()
            && b.occurrence.is_none()
            && privacy::shows_other_than(&content, &e.content, mode))
        .then(|| {
            let mut written = b.clone();
            written.content = content.clone();
            written
        });
        let back = write_back(self.pair.link.id.clone(), Source::of_block(b), e, content);
        match restore {
            Some(written) => match self.update_event(&written, e) {
                Decision::Act(mut shown) => {
                    shown.insert(0, back);
                    Decision::Act(shown)
                }
                _ => act(back),
            },
            None => act(back),
        }
    }

    /// Writes Outlook's version of `e` to a booking-system item no block shows.
    fn write_to_item(&self, f: &Footprint, e: &CalendarEvent) -> Action {
        let content = privacy::write_back(&f.content, &e.content, self.privacy());
        write_back(self.pair.link.id.clone(), Source::of_item(f), e, content)
    }

    fn cancel_reservation(&self, b: &Block) -> Decision {
        // Outlook deleted the event of one piece of a longer reservation: the rest of it still
        // holds the room, so the reservation is not cancelled for it.
        if !b.covered_by.is_empty() || b.key != b.item_key() {
            return Decision::Conflict(ConflictKind::FragmentEdit);
        }
        act(cancel(
            self.pair.link.id.clone(),
            Source::of_block(b),
            "Cancelled because the event was deleted from the Outlook room calendar.".into(),
        ))
    }

    /// Cancels a booking-system item that stands in an Outlook meeting's way, by a person's
    /// decision.
    fn cancel_item(&self, f: &Footprint, meeting: &str) -> Action {
        cancel(
            LinkId::for_block(&f.key),
            Source::of_item(f),
            format!(
                "Cancelled by the facility manager's decision: the room goes to the Outlook \
                 meeting \"{meeting}\"."
            ),
        )
    }

    fn relink(&self, b: &Block, e: &CalendarEvent) -> Decision {
        act(Action::Relink {
            link: self.pair.link.id.clone(),
            block: b.key.clone(),
            event: e.id.clone(),
            origin: self.pair.link.origin,
            booking_hash: b.content.hash(),
            calendar_hash: e.content.hash(),
        })
    }

    fn relink_or_conflict(&self, b: &Block, e: &CalendarEvent) -> Decision {
        if privacy::same_in_outlook(&b.content, &e.content, self.privacy()) {
            self.relink(b, e)
        } else {
            Decision::Conflict(ConflictKind::Edit)
        }
    }
}

/// The booking-system reservation (or one occurrence of it) a write goes to.
#[derive(Clone, Copy)]
struct Source<'a> {
    id: &'a ReservationId,
    version: i64,
    occurrence: Option<NaiveDate>,
}

impl<'a> Source<'a> {
    fn of_block(b: &'a Block) -> Source<'a> {
        Source {
            id: &b.source,
            version: b.source_version,
            occurrence: b.occurrence,
        }
    }

    fn of_item(f: &'a Footprint) -> Source<'a> {
        Source {
            id: &f.source,
            version: f.version,
            occurrence: f.occurrence,
        }
    }
}

/// Writes `content` (what Outlook's `e` says about the reservation) to `to`: to the
/// reservation itself, or, for one occurrence of a recurring reservation, as a single event in
/// its place.
fn write_back(link: LinkId, to: Source<'_>, e: &CalendarEvent, content: Content) -> Action {
    match to.occurrence {
        Some(date) => Action::DetachOccurrence {
            idempotency_key: create_key(&link, &content),
            link,
            event: e.id.clone(),
            series: to.id.clone(),
            version: to.version,
            date,
            content,
        },
        None => Action::UpdateReservation {
            link,
            event: e.id.clone(),
            reservation: to.id.clone(),
            version: to.version,
            content,
        },
    }
}

/// Cancels `what` with `note`: the reservation, or, for one occurrence of a recurring
/// reservation, only that date.
fn cancel(link: LinkId, what: Source<'_>, note: String) -> Action {
    match what.occurrence {
        Some(date) => Action::SkipOccurrence {
            link,
            series: what.id.clone(),
            version: what.version,
            date,
            note,
        },
        None => Action::CancelReservation {
            link,
            reservation: what.id.clone(),
            version: what.version,
            note,
        },
    }
}

/// The idempotency key of a create: the same for every retry of the same write, different
/// for a later create of the same link with other content.
fn create_key(link: &LinkId, content: &Content) -> String {
    let digest = crate::content::sha256_hex(format!("{link}\u{1f}{}", content.hash()).as_bytes());
    format!("rb-{}", &digest[..32])
}

mod moving;
pub mod rows;
mod series;
pub mod words;
pub use moving::check_move;
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
