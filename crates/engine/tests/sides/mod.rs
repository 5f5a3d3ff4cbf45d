//! One room's booking system and Outlook calendar in memory, behind the real `Booking` and
//! `Calendar` traits, keeping the rules the emulators keep (and the services they stand for):
//!
//! - the booking system writes a reservation only at its current version, bumps it, keeps the
//!   tag (`external_ref`) RoomBridge sends, answers a repeated idempotency key with the
//!   reservation the first attempt made, and lists every change (RoomBridge's own too) in its
//!   change feed after a cursor;
//! - Outlook writes an event only at its current `changeKey` when one is given, answers a
//!   repeated `transactionId` with the event the first attempt made, keeps RoomBridge's tag but
//!   never returns it in delta, and its delta reports an event removed only to a cursor that
//!   was told about it (an event created and deleted between two rounds leaves no trace), or
//!   that left the window;
//! - with faults on, a write fails before it is applied, or after (its answer lost), as a
//!   transient error; a change feed read fails now and then too.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use roombridge_connectors::{
    Booking, BookingChanges, Calendar, CalendarChanges, ConnectorError, ErrorKind, Resource,
    Snapshot, Source,
};
use roombridge_core::CalendarEvent;
use roombridge_core::recurrence::Series;
use roombridge_core::{
    Content, GraphEventId, LinkId, Mailbox, Reservation, ReservationId, ReservationStatus,
    ResourceId, SyncWindow,
};

/// What both sides hold. Cloned to try an edit before making it.
#[derive(Debug, Clone)]
pub struct Data {
    pub reservations: BTreeMap<ReservationId, Reservation>,
    pub events: BTreeMap<GraphEventId, CalendarEvent>,
    /// The change each reservation and event last had, in one sequence per side.
    booking_seq: HashMap<ReservationId, u64>,
    event_seq: HashMap<GraphEventId, u64>,
    /// Deleted events and when.
    tombstones: Vec<(GraphEventId, u64)>,
    booking_clock: u64,
    calendar_clock: u64,
    /// Delta cursors handed out: where each left off and which events it was told about.
    cursors: Vec<(u64, BTreeSet<GraphEventId>)>,
    booking_keys: HashMap<String, ReservationId>,
    calendar_keys: HashMap<String, GraphEventId>,
    next_id: u32,
    /// A logical clock for `updated_at` and `modified`.
    tick: i64,
    /// What RoomBridge wrote since [`Sides::take_writes`] was last called.
    wrote_reservations: Vec<ReservationId>,
    wrote_events: Vec<GraphEventId>,
    faults: Option<(StdRng, f64)>,
    /// A person's edit that lands between RoomBridge's create and the answer it gets (as when
    /// a create is retried after a lost answer and Outlook returns the event as it is now).
    pub edit_before_answer: Option<fn(&mut CalendarEvent)>,
    /// The next write fails: after it is applied (`true`, its answer lost) or before.
    pub fail_next_write: Option<bool>,
    zone: chrono_tz::Tz,
    origin: DateTime<Utc>,
    /// Whether a write must name the reservation's current version (a snapshot source keeps
    /// none, as PorticoEstate has no If-Match).
    check_versions: bool,
}

pub struct Sides {
    data: Mutex<Data>,
    /// Read as a snapshot source (PorticoEstate's way) instead of by its change feed.
    snapshots: bool,
}

/// Where a write fails, with faults on.
enum Fault {
    None,
    Before,
    After,
}

impl Data {
    pub fn new(zone: chrono_tz::Tz, origin: DateTime<Utc>) -> Data {
        Data {
            reservations: BTreeMap::new(),
            events: BTreeMap::new(),
            booking_seq: HashMap::new(),
            event_seq: HashMap::new(),
            tombstones: Vec::new(),
            booking_clock: 0,
            calendar_clock: 0,
            cursors: Vec::new(),
            booking_keys: HashMap::new(),
            calendar_keys: HashMap::new(),
            next_id: 0,
            tick: 0,
            wrote_reservations: Vec::new(),
            wrote_events: Vec::new(),
            faults: None,
            edit_before_answer: None,
            fail_next_write: None,
            zone,
            origin,
            check_versions: true,
        }
    }

    /// The next moment on the logical clock.
    pub fn now(&mut self) -> DateTime<Utc> {
        self.tick += 1;
        self.origin + Duration::minutes(self.tick)
    }

    pub fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// Records a change of reservation `id` (made by anyone) in the booking change feed.
    pub fn touch_reservation(&mut self, id: &ReservationId) {
        self.booking_clock += 1;
        self.booking_seq.insert(id.clone(), self.booking_clock);
    }

    /// Records a change of event `id` (made by anyone) for delta, with a new `changeKey`.
    pub fn touch_event(&mut self, id: &GraphEventId) {
        self.calendar_clock += 1;
        self.event_seq.insert(id.clone(), self.calendar_clock);
        let now = self.now();
        if let Some(e) = self.events.get_mut(id) {
            e.version = Some(format!("ck{}", self.calendar_clock));
            e.modified = Some(now);
        }
    }

    pub fn remove_event(&mut self, id: &GraphEventId) -> bool {
        if self.events.remove(id).is_none() {
            return false;
        }
        self.calendar_clock += 1;
        self.event_seq.remove(id);
        self.tombstones.push((id.clone(), self.calendar_clock));
        true
    }

    /// A change-feed read: only the seeded faults fail it.
    fn roll_read(&mut self) -> Fault {
        let pending = self.fail_next_write.take();
        let fault = self.roll();
        self.fail_next_write = pending;
        fault
    }

    fn roll(&mut self) -> Fault {
        match self.fail_next_write.take() {
            Some(true) => return Fault::After,
            Some(false) => return Fault::Before,
            None => {}
        }
        let Some((rng, p)) = &mut self.faults else {
            return Fault::None;
        };
        if !rng.random_bool(*p) {
            return Fault::None;
        }
        if rng.random_bool(0.5) {
            Fault::Before
        } else {
            Fault::After
        }
    }
}

fn transient(what: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Transient { retry_after: None },
        format!("injected fault: {what}"),
    )
    .with_status(503)
}

fn gone(what: &str) -> ConnectorError {
    ConnectorError::new(ErrorKind::Permanent, format!("{what} not found"))
        .with_status(404)
        .with_code("ErrorItemNotFound")
}

fn stale(what: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Stale,
        format!("{what} changed since it was read"),
    )
    .with_status(412)
}

impl Sides {
    pub fn new(data: Data) -> Sides {
        Sides {
            data: Mutex::new(data),
            snapshots: false,
        }
    }

    /// A booking side with no change feed: only its active reservations in a window show.
    pub fn snapshot_source(data: Data) -> Sides {
        Sides {
            data: Mutex::new(Data {
                check_versions: false,
                ..data
            }),
            snapshots: true,
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Data) -> T) -> T {
        f(&mut self.data.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Write faults with probability `p` (and as often a failed change-feed read), from a seed;
    /// `None` turns them off.
    pub fn set_faults(&self, faults: Option<(u64, f64)>) {
        self.with(|d| d.faults = faults.map(|(seed, p)| (StdRng::seed_from_u64(seed), p)));
    }

    /// The reservations and events RoomBridge wrote since the last call.
    pub fn take_writes(&self) -> (Vec<ReservationId>, Vec<GraphEventId>) {
        self.with(|d| {
            (
                std::mem::take(&mut d.wrote_reservations),
                std::mem::take(&mut d.wrote_events),
            )
        })
    }

    /// Runs a write: a fault before it leaves everything as it was; one after it applies the
    /// write and loses the answer.
    fn write<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Data) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        self.with(|d| match d.roll() {
            Fault::Before => Err(transient(what)),
            Fault::After => f(d).and(Err(transient(what))),
            Fault::None => f(d),
        })
    }

    fn read_fault(&self, what: &str) -> Result<(), ConnectorError> {
        self.with(|d| match d.roll_read() {
            Fault::None => Ok(()),
            _ => Err(transient(what)),
        })
    }
}

#[async_trait]
impl Booking for Sides {
    async fn resources(&self) -> Result<Vec<Resource>, ConnectorError> {
        Ok(Vec::new())
    }

    fn source(&self) -> Source {
        if self.snapshots {
            Source::Snapshot
        } else {
            Source::Feed
        }
    }

    async fn snapshot(
        &self,
        _resource: &ResourceId,
        window: SyncWindow,
    ) -> Result<Snapshot, ConnectorError> {
        self.read_fault("booking snapshot")?;
        self.with(|d| {
            let zone = d.zone;
            Ok(Snapshot {
                reservations: d
                    .reservations
                    .values()
                    .filter(|r| {
                        r.is_active()
                            && (r.recurrence.is_some()
                                || window.contains(&r.content.when, r.content.zone_or(zone)))
                    })
                    // A snapshot source keeps no versions; the engine derives them.
                    .map(|r| Reservation {
                        version: 0,
                        ..r.clone()
                    })
                    .collect(),
                rejected: Vec::new(),
            })
        })
    }

    async fn changes(
        &self,
        _resource: &ResourceId,
        cursor: Option<&str>,
    ) -> Result<BookingChanges, ConnectorError> {
        self.read_fault("booking change feed")?;
        self.with(|d| {
            let after: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
            let mut changed: Vec<(u64, &Reservation)> = d
                .reservations
                .values()
                .filter_map(|r| Some((*d.booking_seq.get(&r.id)?, r)))
                .filter(|(seq, _)| *seq > after)
                .collect();
            changed.sort_by_key(|(seq, _)| *seq);
            Ok(BookingChanges {
                reservations: changed.into_iter().map(|(_, r)| r.clone()).collect(),
                rejected: Vec::new(),
                cursor: d.booking_clock.to_string(),
            })
        })
    }

    async fn create_reservation(
        &self,
        resource: &ResourceId,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError> {
        self.write("create reservation", |d| {
            if let Some(id) = d.booking_keys.get(idempotency_key) {
                return Ok(d.reservations[id].clone());
            }
            let id = ReservationId::new(format!("{}", d.fresh_id()));
            let updated_at = d.now();
            let r = Reservation {
                id: id.clone(),
                resource: resource.clone(),
                level: roombridge_core::Level::Event,
                parent: None,
                content: content.clone(),
                status: ReservationStatus::Active,
                version: 1,
                updated_at,
                recurrence: None,
                tag: Some(link.clone()),
            };
            d.reservations.insert(id.clone(), r.clone());
            d.booking_keys
                .insert(idempotency_key.to_owned(), id.clone());
            d.touch_reservation(&id);
            d.wrote_reservations.push(id);
            Ok(r)
        })
    }

    async fn update_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        content: &Content,
    ) -> Result<Reservation, ConnectorError> {
        self.write("update reservation", |d| {
            let content = content.clone();
            write_reservation(d, id, version, move |r| r.content = content)
        })
    }

    async fn create_override(
        &self,
        _: &ResourceId,
        _: &ReservationId,
        _: &Content,
        _: &LinkId,
        _: &str,
    ) -> Result<Reservation, ConnectorError> {
        Err(ConnectorError::new(
            ErrorKind::Permanent,
            "this room has no recurring reservations",
        ))
    }

    async fn skip_occurrence(
        &self,
        _: &ReservationId,
        _: i64,
        _: NaiveDate,
    ) -> Result<Reservation, ConnectorError> {
        Err(ConnectorError::new(
            ErrorKind::Permanent,
            "this room has no recurring reservations",
        ))
    }

    async fn cancel_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        _note: &str,
    ) -> Result<Reservation, ConnectorError> {
        self.write("cancel reservation", |d| {
            write_reservation(d, id, version, |r| r.status = ReservationStatus::Cancelled)
        })
    }
}

/// A write of reservation `id` at `version`, as the booking system takes it.
fn write_reservation(
    d: &mut Data,
    id: &ReservationId,
    version: i64,
    change: impl FnOnce(&mut Reservation),
) -> Result<Reservation, ConnectorError> {
    let now = d.now();
    let check = d.check_versions;
    let r = d
        .reservations
        .get_mut(id)
        .ok_or_else(|| gone(&format!("reservation {id}")))?;
    if check && r.version != version {
        return Err(stale(&format!("reservation {id}")));
    }
    change(r);
    r.version += 1;
    r.updated_at = now;
    let r = r.clone();
    d.touch_reservation(id);
    d.wrote_reservations.push(id.clone());
    Ok(r)
}

#[async_trait]
impl Calendar for Sides {
    async fn changes(
        &self,
        _mailbox: &Mailbox,
        window: SyncWindow,
        cursor: Option<&str>,
    ) -> Result<CalendarChanges, ConnectorError> {
        self.read_fault("delta")?;
        self.with(|d| {
            let since =
                match cursor {
                    None => None,
                    Some(c) => {
                        let i: usize = c
                            .parse()
                            .map_err(|_| ConnectorError::new(ErrorKind::Resync, "unknown token"))?;
                        Some(d.cursors.get(i).cloned().ok_or_else(|| {
                            ConnectorError::new(ErrorKind::Resync, "unknown token")
                        })?)
                    }
                };
            let in_window: BTreeSet<GraphEventId> = d
                .events
                .values()
                .filter(|e| window.contains(&e.content.when, d.zone))
                .map(|e| e.id.clone())
                .collect();
            // Delta never returns extended properties.
            let bare = |e: &CalendarEvent| CalendarEvent {
                tag: None,
                ..e.clone()
            };
            let mut changes = CalendarChanges::default();
            match &since {
                None => {
                    changes.upserted = in_window.iter().map(|id| bare(&d.events[id])).collect();
                }
                Some((seq, known)) => {
                    let mut changed: Vec<(u64, &CalendarEvent)> = d
                        .events
                        .values()
                        .filter_map(|e| Some((*d.event_seq.get(&e.id)?, e)))
                        .filter(|(s, _)| s > seq)
                        .collect();
                    changed.sort_by_key(|(s, _)| *s);
                    for (_, e) in changed {
                        if in_window.contains(&e.id) {
                            changes.upserted.push(bare(e));
                        } else if known.contains(&e.id) {
                            changes.removed.push(e.id.clone());
                        }
                    }
                    for (id, s) in &d.tombstones {
                        if s > seq && known.contains(id) && !changes.removed.contains(id) {
                            changes.removed.push(id.clone());
                        }
                    }
                }
            }
            d.cursors.push((d.calendar_clock, in_window));
            changes.cursor = (d.cursors.len() - 1).to_string();
            Ok(changes)
        })
    }

    async fn tag_of(
        &self,
        _mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<Option<LinkId>, ConnectorError> {
        self.with(|d| {
            d.events
                .get(event)
                .map(|e| e.tag.clone())
                .ok_or_else(|| gone(&format!("event {event}")))
        })
    }

    async fn create_event(
        &self,
        _mailbox: &Mailbox,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<CalendarEvent, ConnectorError> {
        self.write("create event", |d| {
            if let Some(id) = d.calendar_keys.get(idempotency_key)
                && let Some(e) = d.events.get(id)
            {
                return Ok(e.clone());
            }
            let id = GraphEventId::new(format!("E{}", d.fresh_id()));
            d.events.insert(
                id.clone(),
                CalendarEvent {
                    id: id.clone(),
                    content: content.clone(),
                    version: None,
                    tag: Some(link.clone()),
                    subject_is_organizer: false,
                    body_is_empty: false,
                    modified: None,
                    has_attendees: false,
                    is_organizer: true,
                    instance: None,
                },
            );
            d.calendar_keys
                .insert(idempotency_key.to_owned(), id.clone());
            d.touch_event(&id);
            d.wrote_events.push(id.clone());
            if let Some(edit) = d.edit_before_answer.take()
                && let Some(e) = d.events.get_mut(&id)
            {
                edit(e);
                d.touch_event(&id);
            }
            Ok(d.events[&id].clone())
        })
    }

    async fn create_series(
        &self,
        _: &Mailbox,
        _: &Content,
        _: &Series,
        _: &LinkId,
        _: &str,
    ) -> Result<GraphEventId, ConnectorError> {
        Err(ConnectorError::new(
            ErrorKind::Permanent,
            "this room has no recurring reservations",
        ))
    }

    async fn instances(
        &self,
        _: &Mailbox,
        master: &GraphEventId,
        _: SyncWindow,
    ) -> Result<Vec<CalendarEvent>, ConnectorError> {
        Err(gone(&format!("series {master}")))
    }

    async fn update_series(
        &self,
        _: &Mailbox,
        master: &GraphEventId,
        _: &Content,
    ) -> Result<(), ConnectorError> {
        Err(gone(&format!("series {master}")))
    }

    async fn update_event(
        &self,
        _mailbox: &Mailbox,
        event: &GraphEventId,
        version: Option<&str>,
        content: &Content,
    ) -> Result<CalendarEvent, ConnectorError> {
        self.write("update event", |d| {
            let e = d
                .events
                .get_mut(event)
                .ok_or_else(|| gone(&format!("event {event}")))?;
            if version.is_some() && e.version.as_deref() != version {
                return Err(stale(&format!("event {event}")));
            }
            e.content = content.clone();
            d.touch_event(event);
            d.wrote_events.push(event.clone());
            Ok(d.events[event].clone())
        })
    }

    async fn delete_event(&self, _: &Mailbox, event: &GraphEventId) -> Result<(), ConnectorError> {
        self.write("delete event", |d| {
            if d.remove_event(event) {
                d.wrote_events.push(event.clone());
            }
            Ok(())
        })
    }

    async fn cancel_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        _message: &str,
    ) -> Result<(), ConnectorError> {
        self.delete_event(mailbox, event).await
    }

    async fn decline_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        _message: &str,
    ) -> Result<(), ConnectorError> {
        self.delete_event(mailbox, event).await
    }
}
