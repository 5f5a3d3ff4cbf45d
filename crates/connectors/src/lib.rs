//! The two connectors: Microsoft Graph ([`graph`]) and the booking system ([`booking`]).
//!
//! Each converts its wire format into `roombridge_core` types and every failure into a
//! [`ConnectorError`] whose [`ErrorKind`] tells the engine what to do about it. Connectors never
//! decide what to sync.

pub mod booking;
pub mod error;
pub mod graph;
pub mod porticoestate;

use async_trait::async_trait;
use chrono::NaiveDate;
use roombridge_core::CalendarEvent;
use roombridge_core::capability::Capabilities;
use roombridge_core::recurrence::Series;
use roombridge_core::{
    Content, GraphEventId, LinkId, Mailbox, Reservation, ReservationId, ResourceId, SyncWindow,
};

pub use error::{ConnectorError, ErrorKind};

/// Idle HTTP connections a connector keeps per host.
pub(crate) const IDLE_CONNECTIONS: usize = 8;

/// An item one side reported that could not be read. It fails alone: the rest of the page is
/// used, and the message is shown to the facility manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The side's id for the item, if it had one.
    pub id: Option<String>,
    /// What is wrong, in words a facility manager can act on.
    pub message: String,
}

/// What changed in one room calendar since the last cursor.
#[derive(Debug, Clone, Default)]
pub struct CalendarChanges {
    /// Events created or changed (full state, normalised). Tags are not filled in: delta does
    /// not return extended properties (see [`Calendar::tag_of`]).
    pub upserted: Vec<CalendarEvent>,
    /// Events Graph reported as removed. This includes events that merely left the window.
    pub removed: Vec<GraphEventId>,
    pub rejected: Vec<Rejected>,
    /// The cursor to pass next time (Graph's `@odata.deltaLink`).
    pub cursor: String,
}

/// How much of one mailbox's request budget is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxBudget {
    /// The mailbox address, lower case; empty for tenant-wide requests (places, batches).
    pub mailbox: String,
    /// Requests sent in the current rolling window.
    pub used: usize,
    /// Requests allowed per window.
    pub limit: usize,
    pub window: std::time::Duration,
}

/// A calendar back end: an Outlook room mailbox through Microsoft Graph today.
#[async_trait]
pub trait Calendar: Send + Sync {
    /// Changes since `cursor` (everything in `window` when `None`). Pages are followed to the
    /// end. Fails with [`ErrorKind::Resync`] when the cursor has expired.
    async fn changes(
        &self,
        mailbox: &Mailbox,
        window: SyncWindow,
        cursor: Option<&str>,
    ) -> Result<CalendarChanges, ConnectorError>;

    /// The RoomBridge tag on an event, if it carries one.
    async fn tag_of(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<Option<LinkId>, ConnectorError>;

    /// Creates an event tagged with `link`. `idempotency_key` goes out as Graph's
    /// `transactionId`, so a retry returns the event the first attempt made.
    async fn create_event(
        &self,
        mailbox: &Mailbox,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<CalendarEvent, ConnectorError>;

    /// Creates a series whose first occurrence is `content`, repeating as `series`, tagged with
    /// `link` (on the master; every instance shows the tag). `idempotency_key` goes out as
    /// `transactionId`. Returns the series master's id.
    async fn create_series(
        &self,
        mailbox: &Mailbox,
        content: &Content,
        series: &Series,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<GraphEventId, ConnectorError>;

    /// The occurrences and exceptions of series `master` that overlap `window`; occurrences
    /// deleted one by one are not among them.
    async fn instances(
        &self,
        mailbox: &Mailbox,
        master: &GraphEventId,
        window: SyncWindow,
    ) -> Result<Vec<CalendarEvent>, ConnectorError>;

    /// Rewrites what every instance of series `master` shows (its subject and body, from
    /// `content`; not its times or pattern). Instances changed on their own keep their
    /// changes.
    async fn update_series(
        &self,
        mailbox: &Mailbox,
        master: &GraphEventId,
        content: &Content,
    ) -> Result<(), ConnectorError>;

    /// Updates an event. With `version` (its `changeKey`), a stale write fails with
    /// [`ErrorKind::Stale`] instead of overwriting someone else's change.
    async fn update_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        version: Option<&str>,
        content: &Content,
    ) -> Result<CalendarEvent, ConnectorError>;

    /// Deletes an event. An event that is already gone counts as deleted.
    async fn delete_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<(), ConnectorError>;

    /// Cancels a meeting the room organised, telling its attendees why (`message`); the event
    /// leaves the calendar. An event that is already gone counts as cancelled.
    async fn cancel_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        message: &str,
    ) -> Result<(), ConnectorError>;

    /// Declines someone else's meeting as the room, telling the organizer why (`message`); the
    /// room's calendar no longer holds it. An event that is already gone counts as declined.
    async fn decline_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        message: &str,
    ) -> Result<(), ConnectorError>;

    /// Carries out several creates, updates and deletes in one mailbox, in as few round trips
    /// and with as many in flight as the service allows. One result per write, in order: the
    /// event as written (a create's carries its tag), or `None` for a delete; each write fails
    /// alone. This default sends them one by one.
    async fn write_many(
        &self,
        mailbox: &Mailbox,
        writes: &[CalendarWrite<'_>],
    ) -> Vec<Result<Option<CalendarEvent>, ConnectorError>> {
        let mut out = Vec::with_capacity(writes.len());
        for write in writes {
            out.push(match *write {
                CalendarWrite::Create {
                    content,
                    link,
                    idempotency_key,
                } => self
                    .create_event(mailbox, content, link, idempotency_key)
                    .await
                    .map(Some),
                CalendarWrite::Update {
                    event,
                    version,
                    content,
                } => self
                    .update_event(mailbox, event, version, content)
                    .await
                    .map(Some),
                CalendarWrite::Delete { event } => {
                    self.delete_event(mailbox, event).await.map(|()| None)
                }
            });
        }
        out
    }

    /// The request budget each mailbox has in use now. A back end without one reports none.
    fn budget(&self) -> Vec<MailboxBudget> {
        Vec::new()
    }
}

/// One write of [`Calendar::write_many`]: what [`Calendar::create_event`],
/// [`Calendar::update_event`] and [`Calendar::delete_event`] take.
#[derive(Debug, Clone, Copy)]
pub enum CalendarWrite<'a> {
    Create {
        content: &'a Content,
        link: &'a LinkId,
        idempotency_key: &'a str,
    },
    Update {
        event: &'a GraphEventId,
        version: Option<&'a str>,
        content: &'a Content,
    },
    Delete {
        event: &'a GraphEventId,
    },
}

/// A resource (room or equipment) as the booking system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    pub name: String,
    /// `room` or `equipment`.
    pub kind: String,
    pub email: Option<String>,
    /// IANA zone name.
    pub time_zone: String,
}

/// What changed for one resource in the booking system since the last cursor.
#[derive(Debug, Clone, Default)]
pub struct BookingChanges {
    /// Reservations created, changed or cancelled (cancelled ones carry that status).
    pub reservations: Vec<Reservation>,
    pub rejected: Vec<Rejected>,
    /// The cursor to pass next time.
    pub cursor: String,
}

/// How a booking system tells what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A change feed with cursors (the contract's `GET /reservations`).
    Feed,
    /// Only what is there now: a resource's active reservations in a window, as PorticoEstate
    /// shows them. The engine derives the changes (`roombridge_core::snapshot`).
    Snapshot,
}

/// A snapshot source's reading of one resource: its active reservations in the window.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub reservations: Vec<Reservation>,
    pub rejected: Vec<Rejected>,
}

/// A booking system: the REST contract (docs/booking-api.yaml), or one read by snapshots.
#[async_trait]
pub trait Booking: Send + Sync {
    async fn resources(&self) -> Result<Vec<Resource>, ConnectorError>;

    /// Whether this booking system has a change feed ([`Booking::changes`]) or is read by
    /// snapshots ([`Booking::snapshot`]).
    fn source(&self) -> Source {
        Source::Feed
    }

    /// What RoomBridge may write here, and what the booking system keeps of a write. The
    /// contract takes everything.
    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    /// A snapshot source's active reservations of `resource` that overlap `window`.
    async fn snapshot(
        &self,
        resource: &ResourceId,
        window: SyncWindow,
    ) -> Result<Snapshot, ConnectorError> {
        let _ = (resource, window);
        Err(ConnectorError::new(
            ErrorKind::Permanent,
            "This booking system has a change feed; it is not read by snapshots.",
        ))
    }

    /// The RoomBridge tag on a reservation a snapshot showed without one, where the booking
    /// system keeps it out of its listings (PorticoEstate keeps it in an event's description,
    /// which its schedule does not show). Asked once per reservation RoomBridge has not seen
    /// before, so that a create that landed before a crash is re-linked, not copied back. A
    /// change feed carries tags itself: none to ask for.
    async fn tag_of(&self, reservation: &ReservationId) -> Result<Option<LinkId>, ConnectorError> {
        let _ = reservation;
        Ok(None)
    }

    /// Keeps a signed-in session from lapsing while RoomBridge has nothing to read (every
    /// room paused, long polls). A booking system without sessions has nothing to do.
    async fn keep_alive(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    /// Changes for one resource since `cursor` (everything when `None`), all pages followed.
    async fn changes(
        &self,
        resource: &ResourceId,
        cursor: Option<&str>,
    ) -> Result<BookingChanges, ConnectorError>;

    /// Creates an event-level reservation tagged with `link` (sent as the reservation's
    /// `external_ref`, returned in every later read as `Reservation::tag`, so that a create that
    /// landed before a crash is re-linked instead of copied back to Outlook). A retry with the
    /// same `idempotency_key` returns the reservation the first attempt made.
    async fn create_reservation(
        &self,
        resource: &ResourceId,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError>;

    /// Updates a reservation if it is still at `version` ([`ErrorKind::Stale`] otherwise).
    async fn update_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        content: &Content,
    ) -> Result<Reservation, ConnectorError>;

    /// Creates an event-level reservation that takes the place of one occurrence of the
    /// recurring reservation `parent` (its `parent_id`), tagged and idempotent like
    /// [`Booking::create_reservation`].
    async fn create_override(
        &self,
        resource: &ResourceId,
        parent: &ReservationId,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError>;

    /// Removes the occurrence on local `date` from the recurring reservation `id` (adds it to
    /// the repeat rule's exception dates) if it is still at `version`. The rest of the series
    /// stays.
    async fn skip_occurrence(
        &self,
        id: &ReservationId,
        version: i64,
        date: NaiveDate,
    ) -> Result<Reservation, ConnectorError>;

    /// Soft-cancels a reservation with a note saying why.
    async fn cancel_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        note: &str,
    ) -> Result<Reservation, ConnectorError>;
}
