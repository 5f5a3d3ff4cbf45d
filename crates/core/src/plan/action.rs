//! What a plan does: its actions, and the decisions people take on conflicts.

use super::*;

/// A person's decision on the conflict held on one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub link: LinkId,
    pub choice: Choice,
}

/// A carried-out decision a person undoes: each side gets back what it held before the decision
/// (`None`: that side is left as it is), and the link is held in conflict again, so the person
/// decides anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    pub link: LinkId,
    pub kind: ConflictKind,
    pub booking: Option<Content>,
    pub calendar: Option<Content>,
}

/// The Outlook series an occurrence block belongs to, and its date in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InSeries {
    pub master: GraphEventId,
    /// The occurrence's local date (in the series' zone).
    pub date: NaiveDate,
}

/// One occurrence an [`Action::UpdateSeries`] brings up to date through its series master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesUpdate {
    pub link: LinkId,
    pub block: BlockKey,
    /// The series' instance on the occurrence's date.
    pub event: GraphEventId,
    /// The occurrence block's own hash, recorded for the booking side.
    pub booking_hash: ContentHash,
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

impl SeriesMember {
    /// The member a create of an occurrence block stands for, on the date `date` gives its
    /// block; `None` for any other action, or when `date` gives none.
    pub fn created_by(
        action: &Action,
        date: impl FnOnce(&BlockKey) -> Option<NaiveDate>,
    ) -> Option<SeriesMember> {
        match action {
            Action::CreateEvent {
                link,
                block,
                content,
                booking_hash,
                idempotency_key,
                ..
            } => Some(SeriesMember {
                link: link.clone(),
                block: block.clone(),
                date: date(block)?,
                content: content.clone(),
                booking_hash: booking_hash.clone(),
                idempotency_key: idempotency_key.clone(),
            }),
            _ => None,
        }
    }
}

/// What an action is about, as the action itself names it: the dry run shows it and the
/// history looks its title up ([`super::words::title`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The content the action writes; its title names what it touches.
    Content(&'a Content),
    /// The Outlook event it removes.
    Event(&'a GraphEventId),
    /// The block it links to an event that already agrees.
    Block(&'a BlockKey),
    /// Only its link, whose block or event the caller knows.
    Link(&'a LinkId),
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
    /// A whole recurring reservation changed in what every occurrence shows (its title,
    /// organisation or description, not its times), and every instance of its Outlook series
    /// in the window is to show it: the series master is rewritten once, instead of each
    /// instance. `content` is what every member shows (under the room's privacy mode); `link`
    /// names the series.
    UpdateSeries {
        link: LinkId,
        master: GraphEventId,
        content: Content,
        members: Vec<SeriesUpdate>,
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

    /// What this action is about (see [`Subject`]).
    pub fn subject(&self) -> Subject<'_> {
        match self {
            Action::CreateEvent { content, .. }
            | Action::CreateSeries { content, .. }
            | Action::UpdateEvent { content, .. }
            | Action::UpdateSeries { content, .. }
            | Action::CreateReservation { content, .. }
            | Action::UpdateReservation { content, .. }
            | Action::DetachOccurrence { content, .. }
            | Action::MoveEvent { content, .. }
            | Action::MoveReservation { content, .. } => Subject::Content(content),
            Action::DeleteEvent { event, .. }
            | Action::CancelEvent { event, .. }
            | Action::DeclineEvent { event, .. } => Subject::Event(event),
            Action::Relink { block, .. } => Subject::Block(block),
            Action::CancelReservation { link, .. }
            | Action::SkipOccurrence { link, .. }
            | Action::Settle { link }
            | Action::Forget { link } => Subject::Link(link),
        }
    }

    /// The Outlook event this action names, if it names one that exists.
    pub fn event(&self) -> Option<&GraphEventId> {
        match self {
            Action::UpdateEvent { event, .. }
            | Action::UpdateSeries { master: event, .. }
            | Action::DeleteEvent { event, .. }
            | Action::CancelEvent { event, .. }
            | Action::DeclineEvent { event, .. }
            | Action::CreateReservation { event, .. }
            | Action::UpdateReservation { event, .. }
            | Action::DetachOccurrence { event, .. }
            | Action::MoveEvent { event, .. }
            | Action::Relink { event, .. } => Some(event),
            Action::CreateEvent { .. }
            | Action::CreateSeries { .. }
            | Action::CancelReservation { .. }
            | Action::SkipOccurrence { .. }
            | Action::MoveReservation { .. }
            | Action::Settle { .. }
            | Action::Forget { .. } => None,
        }
    }

    pub fn link(&self) -> &LinkId {
        match self {
            Action::CreateEvent { link, .. }
            | Action::CreateSeries { link, .. }
            | Action::UpdateEvent { link, .. }
            | Action::UpdateSeries { link, .. }
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
            | Action::UpdateSeries { .. }
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
            Action::UpdateSeries { .. } => "update_series",
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
