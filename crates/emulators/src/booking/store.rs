//! The emulator's state: resources, reservations, the change sequence, idempotency keys and
//! injected faults. Every write goes through here, whether it came from RoomBridge, a test or
//! the demo seed.

use std::collections::{HashMap, VecDeque};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::model::{self, Fields, Level, Lookup, Reservation};
use super::problem::{FieldError, Problem};

/// A resource as `GET /resources` lists it.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub time_zone: String,
    pub capacity: u32,
    pub building: String,
}

/// What the store holds under one id.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Valid(Box<Reservation>),
    /// Stored as-is through the admin route, to feed clients something malformed.
    Raw(Value),
}

#[derive(Debug, Clone)]
struct Record {
    /// The change sequence of this entry's last change.
    seq: u64,
    entry: Entry,
}

/// A fault to answer instead of serving the next vendor-API requests.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub answer: FaultAnswer,
    pub remaining: u32,
}

/// What a request a fault hits gets instead of its answer.
#[derive(Debug, Clone)]
pub(crate) enum FaultAnswer {
    /// This error status (and `Retry-After` seconds); nothing is done.
    Status {
        status: StatusCode,
        retry_after: Option<u64>,
    },
    /// The connection is closed without an answer. With `apply_effect` the request is served
    /// first, so the client cannot tell whether its write happened.
    Drop { apply_effect: bool },
    /// The request is served and its answer held back this long: a client that gives up
    /// meanwhile leaves the effect behind.
    Slow { delay: std::time::Duration },
}

/// The outcome of a create.
pub(crate) enum Created {
    New(Reservation),
    Replayed(Reservation),
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    resources: Vec<Resource>,
    records: HashMap<String, Record>,
    /// The last change sequence handed out; cursors are positions in it.
    seq: u64,
    next_id: u64,
    /// Idempotency key -> (request body, id of the reservation it created).
    idempotency: HashMap<String, (Value, String)>,
    faults: VecDeque<Fault>,
}

impl Lookup for Store {
    fn resource_exists(&self, id: &str) -> bool {
        self.resources.iter().any(|r| r.id == id)
    }

    fn reservation(&self, id: &str) -> Option<(String, Level)> {
        match &self.records.get(id)?.entry {
            Entry::Valid(r) => Some((r.fields.resource_id.clone(), r.fields.level)),
            Entry::Raw(_) => None,
        }
    }
}

/// A page of the change feed.
pub(crate) struct Page {
    pub items: Vec<Value>,
    pub next_cursor: u64,
    pub has_more: bool,
}

impl Store {
    pub fn new(resources: Vec<Resource>) -> Self {
        Self {
            resources,
            ..Self::default()
        }
    }

    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn new_id(&mut self) -> String {
        loop {
            self.next_id += 1;
            let id = format!("rsv-{:05}", self.next_id);
            // Raw admin entries may have taken an id of this shape.
            if !self.records.contains_key(&id) {
                return id;
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.records.get(id).map(|r| &r.entry)
    }

    /// Creates a reservation from a create body. `idempotency_key` replays an earlier create.
    pub fn create(
        &mut self,
        body: Value,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Created, Problem> {
        if let Some(key) = idempotency_key
            && let Some((earlier, id)) = self.idempotency.get(key)
        {
            if *earlier != body {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency-key-reused",
                    "Idempotency-Key reused with a different body",
                    format!(
                        "The key was first used to create reservation {id} with a different body; use a new key for a new reservation."
                    ),
                ));
            }
            return match self.get(id) {
                Some(Entry::Valid(r)) => Ok(Created::Replayed((**r).clone())),
                // Keys only ever point at reservations created through the API.
                _ => Err(Problem::not_found(format!(
                    "reservation {id} no longer exists"
                ))),
            };
        }
        let Value::Object(map) = &body else {
            return Err(Problem::validation(vec![FieldError::new(
                "",
                "the body must be a JSON object",
            )]));
        };
        let mut errors = model::foreign_keys(map);
        let fields = model::validate(map, self, None);
        let fields = match fields {
            Ok(fields) if errors.is_empty() => fields,
            Ok(_) => return Err(Problem::validation(errors)),
            Err(more) => {
                errors.extend(more);
                return Err(Problem::validation(errors));
            }
        };
        let id = self.new_id();
        let reservation = self.insert_new(id, fields, now);
        if let Some(key) = idempotency_key {
            self.idempotency
                .insert(key.to_owned(), (body, reservation.id.clone()));
        }
        Ok(Created::New(reservation))
    }

    /// Stores a new, already validated reservation (also used by the demo seed).
    pub fn insert_new(&mut self, id: String, fields: Fields, now: DateTime<Utc>) -> Reservation {
        let reservation = Reservation {
            id: id.clone(),
            fields,
            cancelled: false,
            note: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let seq = self.bump();
        self.records.insert(
            id,
            Record {
                seq,
                entry: Entry::Valid(Box::new(reservation.clone())),
            },
        );
        reservation
    }

    /// Inserts through validation; the demo seed uses this so it cannot hold what the API
    /// would refuse.
    pub fn seed(
        &mut self,
        fields: Fields,
        now: DateTime<Utc>,
    ) -> Result<Reservation, Vec<FieldError>> {
        let map = fields.to_json();
        let fields = model::validate(&map, self, None)?;
        let id = self.new_id();
        Ok(self.insert_new(id, fields, now))
    }

    /// The stored reservation `id` if it may be written at `version`.
    fn writable(&self, id: &str, version: i64) -> Result<&Reservation, Problem> {
        let reservation = match self.get(id) {
            None => {
                return Err(Problem::not_found(format!(
                    "no reservation has the id `{id}`"
                )));
            }
            Some(Entry::Raw(_)) => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "not-writable",
                    "Reservation cannot be changed",
                    "This entry was stored raw through /admin and cannot be changed through the API.",
                ));
            }
            Some(Entry::Valid(r)) => r,
        };
        if reservation.version != version {
            return Err(Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "The reservation has changed",
                format!(
                    "If-Match names version {version}, but reservation {id} is at version {}. Read it again.",
                    reservation.version
                ),
            ));
        }
        if reservation.cancelled {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "cancelled",
                "The reservation is cancelled",
                format!("Reservation {id} is cancelled and can no longer be changed."),
            ));
        }
        Ok(reservation)
    }

    /// Applies a JSON merge patch at `version`.
    pub fn update(
        &mut self,
        id: &str,
        version: i64,
        patch: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<Reservation, Problem> {
        let current = self.writable(id, version)?.clone();
        let mut errors = model::foreign_keys(patch);
        if patch.is_empty() {
            errors.push(FieldError::new(
                "",
                "the patch changes nothing: send at least one field",
            ));
        }
        let mut merged = current.fields.to_json();
        merge_patch(&mut merged, patch);
        let fields = match model::validate(&merged, self, Some(id)) {
            Ok(fields) => Some(fields),
            Err(more) => {
                errors.extend(more);
                None
            }
        };
        if let Some(fields) = &fields {
            // Children were validated against this reservation's resource and level; moving
            // them out from under the children would break that (and could make a cycle).
            let moved = fields.resource_id != current.fields.resource_id
                || fields.level != current.fields.level;
            if moved && self.has_children(id) {
                errors.push(FieldError::new(
                    "level",
                    "other reservations lie inside this one: its resource and level cannot change",
                ));
            }
        }
        let fields = match fields {
            Some(fields) if errors.is_empty() => fields,
            _ => return Err(Problem::validation(errors)),
        };
        let mut next = current;
        next.fields = fields;
        Ok(self.store_change(next, now))
    }

    /// Soft-cancels at `version` with `note`.
    pub fn cancel(
        &mut self,
        id: &str,
        version: i64,
        note: String,
        now: DateTime<Utc>,
    ) -> Result<Reservation, Problem> {
        let mut next = self.writable(id, version)?.clone();
        next.cancelled = true;
        next.note = Some(note);
        Ok(self.store_change(next, now))
    }

    fn store_change(&mut self, mut next: Reservation, now: DateTime<Utc>) -> Reservation {
        next.version += 1;
        next.updated_at = now;
        let seq = self.bump();
        self.records.insert(
            next.id.clone(),
            Record {
                seq,
                entry: Entry::Valid(Box::new(next.clone())),
            },
        );
        next
    }

    fn has_children(&self, id: &str) -> bool {
        self.records.values().any(|r| match &r.entry {
            Entry::Valid(child) => child.fields.parent_id.as_deref() == Some(id),
            Entry::Raw(_) => false,
        })
    }

    /// Stores `value` as it is, as a change. Returns its id.
    pub fn insert_raw(&mut self, value: Value) -> String {
        let id = match value.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => self.new_id(),
        };
        let seq = self.bump();
        self.records.insert(
            id.clone(),
            Record {
                seq,
                entry: Entry::Raw(value),
            },
        );
        id
    }

    /// Entries changed after `cursor`, in change order.
    pub fn feed(&self, resource_id: Option<&str>, cursor: u64, limit: usize) -> Page {
        let mut matching: Vec<&Record> = self
            .records
            .values()
            .filter(|r| r.seq > cursor)
            .filter(|r| match resource_id {
                None => true,
                Some(wanted) => entry_resource(&r.entry) == Some(wanted),
            })
            .collect();
        matching.sort_by_key(|r| r.seq);
        let has_more = matching.len() > limit;
        matching.truncate(limit);
        let next_cursor = match (has_more, matching.last()) {
            (true, Some(last)) => last.seq,
            // Nothing matching was changed after the last item up to now, so the next read
            // can start at the current sequence.
            _ => self.seq.max(cursor),
        };
        Page {
            items: matching.iter().map(|r| entry_json(&r.entry)).collect(),
            next_cursor,
            has_more,
        }
    }

    pub fn push_fault(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// The fault to answer the next vendor-API request with, if one is queued.
    pub fn take_fault(&mut self) -> Option<Fault> {
        let front = self.faults.front_mut()?;
        front.remaining = front.remaining.saturating_sub(1);
        let fault = front.clone();
        if front.remaining == 0 {
            self.faults.pop_front();
        }
        Some(fault)
    }
}

/// RFC 7386 JSON merge patch: an object merges into an object key by key (so
/// `{"recurrence": {"exdates": [...]}}` keeps the rule), `null` removes, anything else replaces.
fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(inner_patch)) => {
                merge_patch(inner, inner_patch);
            }
            // A null is stored as it is: validation reads a null field as an absent one.
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

fn entry_resource(entry: &Entry) -> Option<&str> {
    match entry {
        Entry::Valid(r) => Some(&r.fields.resource_id),
        Entry::Raw(v) => v.get("resource_id").and_then(Value::as_str),
    }
}

pub(crate) fn entry_json(entry: &Entry) -> Value {
    match entry {
        Entry::Valid(r) => r.to_json(),
        Entry::Raw(v) => v.clone(),
    }
}
