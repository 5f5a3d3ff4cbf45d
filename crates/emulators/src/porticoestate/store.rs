//! What the emulated PorticoEstate holds: buildings, resources, the three levels of
//! reservations (with naive local wall-clock times, as its `timestamp` columns), and sessions.
//! See `docs/design/porticoestate-integration.md` for the behaviour each part follows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

/// A building and its resources.
#[derive(Debug, Clone)]
pub struct Building {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: i64,
    pub name: String,
    pub building_id: i64,
    pub activity_id: i64,
    pub active: bool,
}

/// An allocation ("tildeling"): a season's slot given to an organisation.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub id: i64,
    pub resource_ids: Vec<i64>,
    pub organization_id: i64,
    pub organization_name: String,
    pub season_id: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub active: bool,
}

/// A booking ("interntildeling"): a group's use of an allocation.
#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub resource_ids: Vec<i64>,
    pub allocation_id: Option<i64>,
    pub group_id: i64,
    pub group_name: String,
    pub season_id: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub active: bool,
}

/// An event ("arrangement"), the one level an integration may write.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub resource_ids: Vec<i64>,
    pub building_id: i64,
    pub building_name: String,
    /// Stored escaped, as PorticoEstate's sanitiser leaves it.
    pub name: String,
    pub organizer: String,
    pub contact_name: String,
    pub contact_email: String,
    pub description: String,
    pub activity_id: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub active: bool,
}

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_agent: String,
    pub last_activity: Instant,
}

/// Everything, behind the emulator's one lock.
pub struct Store {
    pub buildings: Vec<Building>,
    pub resources: Vec<Resource>,
    pub allocations: BTreeMap<i64, Allocation>,
    pub bookings: BTreeMap<i64, Booking>,
    pub events: BTreeMap<i64, Event>,
    pub sessions: BTreeMap<String, Session>,
    /// Successful sign-ins so far.
    pub logins: u64,
    pub next_id: i64,
    /// Seasons that are active and published: only their allocations and bookings show.
    pub published_seasons: Vec<i64>,
    /// Faults for the next `/booking` requests, first first, each for requests of one method
    /// only when it names one.
    pub faults: std::collections::VecDeque<(Fault, Option<String>)>,
}

/// How a `/booking` request fails, as PorticoEstate and what stands before it fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// An error status with PorticoEstate's `{"error"}` body (a gateway's 502/503, its 500).
    Status(u16),
    /// PorticoEstate's own way of failing inside: an HTML error page with status 200.
    HtmlPage,
    /// The request is carried out, and its answer held back this long (a slow network, or a
    /// client that dies waiting for it).
    Slow { delay_ms: u64 },
}

impl Store {
    /// The next fault for a request with `method`, taken off the queue.
    pub fn take_fault(&mut self, method: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|(_, only)| {
            only.as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        self.faults.remove(index).map(|(fault, _)| fault)
    }

    pub fn new(buildings: Vec<Building>, resources: Vec<Resource>) -> Store {
        Store {
            buildings,
            resources,
            allocations: BTreeMap::new(),
            bookings: BTreeMap::new(),
            events: BTreeMap::new(),
            sessions: BTreeMap::new(),
            logins: 0,
            next_id: 1,
            published_seasons: vec![1],
            faults: std::collections::VecDeque::new(),
        }
    }

    pub fn next_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// An active resource by id.
    pub fn resource(&self, id: i64) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id && r.active)
    }

    pub fn building(&self, id: i64) -> Option<&Building> {
        self.buildings.iter().find(|b| b.id == id)
    }

    /// The session `id` if it is known, used by the same client, and not idle longer than
    /// `timeout`; a valid session's idle clock starts again.
    pub fn verify(&mut self, id: &str, user_agent: &str, timeout: Duration) -> bool {
        let now = Instant::now();
        match self.sessions.get_mut(id) {
            Some(s)
                if s.user_agent == user_agent && now.duration_since(s.last_activity) <= timeout =>
            {
                s.last_activity = now;
                true
            }
            Some(_) => {
                self.sessions.remove(id);
                false
            }
            None => false,
        }
    }

    /// The first active event on any of `resources` that overlaps `from`..`to` (touching edges
    /// do not), other than `except`. PorticoEstate checks only events, never allocations or
    /// bookings.
    pub fn conflicting_event(
        &self,
        resources: &[i64],
        from: NaiveDateTime,
        to: NaiveDateTime,
        except: Option<i64>,
    ) -> Option<&Event> {
        self.events.values().find(|e| {
            e.active
                && Some(e.id) != except
                && e.resource_ids.iter().any(|r| resources.contains(r))
                && e.from < to
                && e.to > from
        })
    }
}
