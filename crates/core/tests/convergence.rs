//! Property tests of the planner against an in-memory room: random edits on both sides, with
//! planning and execution cycles between some of them.
//!
//! The executor mirrors `crates/engine/src/execute.rs` action by action: what each action
//! writes to the booking system and to Outlook, and the link row it leaves (hashes, origin,
//! state; conflicts put their link in `conflict`; link puts are committed before removals).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use roombridge_core::compose::compose;
use roombridge_core::plan::{
    Action, CalendarEvent, Decided, Link, LinkState, Plan, PlanInput, plan,
};
use roombridge_core::policy::{Choice, FieldOwnership, Move, Policy};
use roombridge_core::privacy::{Privacy, same_in_outlook};
use roombridge_core::{
    BlockKey, Content, GraphEventId, Level, LinkId, Reservation, ReservationId, ReservationStatus,
    ResourceId, RoomId, Side, SyncWindow, When,
};

const ZONE: chrono_tz::Tz = chrono_tz::Europe::Oslo;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
}

fn window() -> SyncWindow {
    SyncWindow::around(Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(), 7, 365)
}

/// Few slots, so that reservations on both sides run into each other.
const SLOTS: u32 = 6;

fn when(slot: u32, hours: u32) -> When {
    let start = base() + Duration::hours(i64::from(slot));
    When::Timed {
        start,
        end: start + Duration::hours(i64::from(hours)),
    }
}

fn content(title: &str, when: When) -> Content {
    Content {
        title: title.into(),
        when,
        time_zone: "Europe/Oslo".into(),
        organisation: "Club".into(),
        description: String::new(),
    }
}

/// A person's edit on one side. Indexes pick among what exists, modulo its length.
#[derive(Debug, Clone)]
enum Edit {
    /// A new single event in the booking system (or an allocation three slots long).
    BookingCreate {
        title: u8,
        slot: u32,
        allocation: bool,
    },
    BookingRetitle {
        pick: usize,
        title: u8,
    },
    BookingMove {
        pick: usize,
        slot: u32,
    },
    BookingCancel {
        pick: usize,
    },
    /// A new meeting in the Outlook room calendar, untagged.
    CalendarCreate {
        title: u8,
        slot: u32,
        room_organises: bool,
    },
    CalendarRetitle {
        pick: usize,
        title: u8,
    },
    CalendarMove {
        pick: usize,
        slot: u32,
    },
    CalendarDelete {
        pick: usize,
    },
    /// Plan and execute one cycle.
    Cycle,
}

fn title(n: u8) -> String {
    ["Choir", "Chess club", "Interview", "Staff meeting"][usize::from(n % 4)].to_owned()
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<u8>(), 0..SLOTS, prop::bool::weighted(0.2)).prop_map(|(title, slot, allocation)| {
            Edit::BookingCreate {
                title,
                slot,
                allocation,
            }
        }),
        (0..8usize, any::<u8>()).prop_map(|(pick, title)| Edit::BookingRetitle { pick, title }),
        (0..8usize, 0..SLOTS).prop_map(|(pick, slot)| Edit::BookingMove { pick, slot }),
        (0..8usize).prop_map(|pick| Edit::BookingCancel { pick }),
        (any::<u8>(), 0..SLOTS, any::<bool>()).prop_map(|(title, slot, room_organises)| {
            Edit::CalendarCreate {
                title,
                slot,
                room_organises,
            }
        }),
        (0..8usize, any::<u8>()).prop_map(|(pick, title)| Edit::CalendarRetitle { pick, title }),
        (0..8usize, 0..SLOTS).prop_map(|(pick, slot)| Edit::CalendarMove { pick, slot }),
        (0..8usize).prop_map(|pick| Edit::CalendarDelete { pick }),
        Just(Edit::Cycle),
        Just(Edit::Cycle),
    ]
}

/// Both sides of one room and RoomBridge's link table.
#[derive(Debug, Clone, Default)]
struct World {
    reservations: BTreeMap<ReservationId, Reservation>,
    events: BTreeMap<GraphEventId, CalendarEvent>,
    links: Vec<Link>,
    next_id: u32,
    /// A logical clock for `updated_at` and `modified`.
    tick: i64,
    /// Leave out the edits that run into the planner bugs described at the end of this file:
    /// an item composition hides entirely, Outlook meetings (or their booking-system copies)
    /// overlapping each other, and the deletion in Outlook of a fragment's event.
    avoid_known_bugs: bool,
    /// The room's privacy mode (what Outlook shows of booking-system reservations).
    privacy: Privacy,
}

/// What one cycle planned and wrote.
#[derive(Debug)]
struct Cycle {
    plan: Plan,
    /// Reservations and events an action of this cycle wrote.
    wrote_reservations: Vec<ReservationId>,
    wrote_events: Vec<GraphEventId>,
}

impl World {
    fn now(&mut self) -> DateTime<Utc> {
        self.tick += 1;
        base() - Duration::days(5) + Duration::minutes(self.tick)
    }

    /// Writes reservation `id` as the booking system does: only at its current version (the
    /// plan's, or the one an earlier write this cycle left), which the write bumps. `None` when
    /// the version is stale or the reservation is gone.
    fn write_reservation(
        &mut self,
        versions: &mut HashMap<ReservationId, i64>,
        id: &ReservationId,
        planned: i64,
        change: impl FnOnce(&mut Reservation),
    ) -> Option<&Reservation> {
        let version = versions.get(id).copied().unwrap_or(planned).max(planned);
        let now = self.now();
        let r = self
            .reservations
            .get_mut(id)
            .filter(|r| r.version == version)?;
        change(r);
        r.version += 1;
        r.updated_at = now;
        versions.insert(id.clone(), r.version);
        Some(r)
    }

    fn fresh(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn active(&self) -> Vec<ReservationId> {
        self.reservations
            .values()
            .filter(|r| r.is_active())
            .map(|r| r.id.clone())
            .collect()
    }

    fn pick_reservation(&self, pick: usize) -> Option<ReservationId> {
        let active = self.active();
        (!active.is_empty()).then(|| active[pick % active.len()].clone())
    }

    fn pick_event(&self, pick: usize) -> Option<GraphEventId> {
        let ids: Vec<_> = self.events.keys().cloned().collect();
        (!ids.is_empty()).then(|| ids[pick % ids.len()].clone())
    }

    /// A person's edit on either side; with `avoid_known_bugs`, edits that lead into a known
    /// planner bug are left out.
    fn edit(&mut self, edit: &Edit) {
        if !self.avoid_known_bugs {
            return self.apply(edit);
        }
        if let Edit::CalendarDelete { pick } = edit
            && let Some(id) = self.pick_event(*pick)
            && self.links.iter().any(|l| {
                l.event.as_ref() == Some(&id)
                    && l.block.as_ref().is_some_and(|k| self.is_fragment(k))
            })
        {
            return;
        }
        let mut after = self.clone();
        after.apply(edit);
        if !after.outlook_items_overlap() && !after.hides_an_item() {
            *self = after;
        }
    }

    /// Whether a booking-system item is covered entirely by others, so no block shows it.
    fn hides_an_item(&self) -> bool {
        let reservations: Vec<Reservation> = self.reservations.values().cloned().collect();
        !compose(&reservations, ZONE, window()).hidden.is_empty()
    }

    /// Whether `key` is a block cut out of a longer reservation by a higher (or earlier) one.
    fn is_fragment(&self, key: &BlockKey) -> bool {
        let reservations: Vec<Reservation> = self.reservations.values().cloned().collect();
        compose(&reservations, ZONE, window())
            .blocks
            .iter()
            .any(|b| &b.key == key && (!b.covered_by.is_empty() || b.key != b.item_key()))
    }

    /// Whether two different Outlook meetings (as untagged events, or as the booking-system
    /// reservations RoomBridge copied them to) hold the room at the same time.
    fn outlook_items_overlap(&self) -> bool {
        let mut items: Vec<(LinkId, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for e in self.events.values().filter(|e| e.tag.is_none()) {
            let (s, t) = e.content.when.instants(ZONE);
            items.push((LinkId::for_event(&e.id), s, t));
        }
        for r in self.reservations.values().filter(|r| r.is_active()) {
            if let Some(tag) = &r.tag {
                let (s, t) = r.content.when.instants(ZONE);
                items.push((tag.clone(), s, t));
            }
        }
        items.iter().enumerate().any(|(i, (a, s1, e1))| {
            items[i + 1..]
                .iter()
                .any(|(b, s2, e2)| a != b && s1 < e2 && s2 < e1)
        })
    }

    fn apply(&mut self, edit: &Edit) {
        match edit {
            Edit::BookingCreate {
                title: t,
                slot,
                allocation,
            } => {
                let id = ReservationId::new(format!("{}", self.fresh()));
                let (level, hours) = if *allocation {
                    (Level::Allocation, 3)
                } else {
                    (Level::Event, 1)
                };
                let updated_at = self.now();
                self.reservations.insert(
                    id.clone(),
                    Reservation {
                        id,
                        resource: ResourceId::new("gym"),
                        level,
                        parent: None,
                        content: content(&title(*t), when(*slot, hours)),
                        status: ReservationStatus::Active,
                        version: 1,
                        updated_at,
                        recurrence: None,
                        tag: None,
                    },
                );
            }
            Edit::BookingRetitle { pick, title: t } => {
                if let Some(id) = self.pick_reservation(*pick) {
                    let now = self.now();
                    let r = self.reservations.get_mut(&id).unwrap();
                    r.content.title = title(*t);
                    r.version += 1;
                    r.updated_at = now;
                }
            }
            Edit::BookingMove { pick, slot } => {
                if let Some(id) = self.pick_reservation(*pick) {
                    let now = self.now();
                    let r = self.reservations.get_mut(&id).unwrap();
                    let hours = if r.level == Level::Allocation { 3 } else { 1 };
                    r.content.when = when(*slot, hours);
                    r.version += 1;
                    r.updated_at = now;
                }
            }
            Edit::BookingCancel { pick } => {
                if let Some(id) = self.pick_reservation(*pick) {
                    let now = self.now();
                    let r = self.reservations.get_mut(&id).unwrap();
                    r.status = ReservationStatus::Cancelled;
                    r.version += 1;
                    r.updated_at = now;
                }
            }
            Edit::CalendarCreate {
                title: t,
                slot,
                room_organises,
            } => {
                let id = GraphEventId::new(format!("E{}", self.fresh()));
                let modified = Some(self.now());
                self.events.insert(
                    id.clone(),
                    CalendarEvent {
                        id,
                        content: content(&title(*t), when(*slot, 1)),
                        version: Some("ck1".into()),
                        tag: None,
                        subject_is_organizer: false,
                        body_is_empty: false,
                        modified,
                        has_attendees: !room_organises,
                        is_organizer: *room_organises,
                        instance: None,
                    },
                );
            }
            Edit::CalendarRetitle { pick, title: t } => {
                if let Some(id) = self.pick_event(*pick) {
                    let now = self.now();
                    let e = self.events.get_mut(&id).unwrap();
                    e.content.title = title(*t);
                    e.modified = Some(now);
                    e.version = Some(format!("ck{}", now.timestamp()));
                }
            }
            Edit::CalendarMove { pick, slot } => {
                if let Some(id) = self.pick_event(*pick) {
                    let now = self.now();
                    let e = self.events.get_mut(&id).unwrap();
                    e.content.when = when(*slot, 1);
                    e.modified = Some(now);
                    e.version = Some(format!("ck{}", now.timestamp()));
                }
            }
            Edit::CalendarDelete { pick } => {
                if let Some(id) = self.pick_event(*pick) {
                    self.events.remove(&id);
                }
            }
            Edit::Cycle => unreachable!("cycles are run by the caller"),
        }
    }

    /// Composes, plans and executes one cycle, as the engine does.
    fn cycle(&mut self, policy: Policy, decisions: &[Decided]) -> Cycle {
        let reservations: Vec<Reservation> = self.reservations.values().cloned().collect();
        let composed = compose(&reservations, ZONE, window());
        let events: Vec<CalendarEvent> = self.events.values().cloned().collect();
        let room = RoomId::new("room");
        let plan = plan(&PlanInput {
            room: &room,
            zone: ZONE,
            window: window(),
            blocks: &composed.blocks,
            footprint: &composed.footprint,
            events: &events,
            links: &self.links,
            policy,
            decisions,
            series: &composed.series,
            privacy: self.privacy,
        });
        let mut cycle = Cycle {
            plan,
            wrote_reservations: Vec::new(),
            wrote_events: Vec::new(),
        };
        self.execute(&mut cycle, &events);
        cycle
    }

    /// `execute::run` and `execute::apply`, against the in-memory sides.
    fn execute(&mut self, cycle: &mut Cycle, events: &[CalendarEvent]) {
        let stored = self.links.clone();
        let existing = |id: &LinkId| stored.iter().find(|l| &l.id == id).cloned();
        let event_hash = |id: &GraphEventId| {
            events
                .iter()
                .find(|e| &e.id == id)
                .map(|e| e.content.hash())
        };
        let mut puts: Vec<Link> = Vec::new();
        let mut removes: Vec<LinkId> = Vec::new();
        let mut versions: HashMap<ReservationId, i64> = HashMap::new();
        for action in &cycle.plan.actions {
            let existing = existing(action.link());
            match action {
                // The world has no recurring reservations, so nothing goes as a series.
                Action::CreateSeries { .. } => {
                    unreachable!("a series without recurring reservations")
                }
                Action::CreateEvent {
                    link,
                    block,
                    content,
                    booking_hash,
                    ..
                } => {
                    let origin = existing.as_ref().map(|l| l.origin).unwrap_or(Side::Booking);
                    let id = GraphEventId::new(format!("E{}", self.fresh()));
                    let created = CalendarEvent {
                        id: id.clone(),
                        content: content.clone(),
                        version: Some("ck1".into()),
                        tag: Some(link.clone()),
                        subject_is_organizer: false,
                        body_is_empty: false,
                        modified: Some(self.now()),
                        has_attendees: false,
                        is_organizer: true,
                        instance: None,
                    };
                    puts.push(Link {
                        id: link.clone(),
                        block: Some(block.clone()),
                        event: Some(id.clone()),
                        booking_hash: Some(booking_hash.clone()),
                        calendar_hash: Some(created.content.hash()),
                        origin,
                        state: LinkState::Synced,
                    });
                    self.events.insert(id.clone(), created);
                    cycle.wrote_events.push(id);
                }
                Action::UpdateEvent {
                    link,
                    block,
                    event,
                    content,
                    booking_hash,
                    ..
                } => {
                    let now = self.now();
                    let Some(e) = self.events.get_mut(event) else {
                        fail(&mut puts, existing, action);
                        continue;
                    };
                    // The tag survives: Outlook keeps extended properties on an update.
                    e.content = content.clone();
                    e.modified = Some(now);
                    puts.push(Link {
                        id: link.clone(),
                        block: Some(block.clone()),
                        event: Some(event.clone()),
                        booking_hash: Some(booking_hash.clone()),
                        calendar_hash: Some(e.content.hash()),
                        origin: existing.map(|l| l.origin).unwrap_or(Side::Booking),
                        state: LinkState::Synced,
                    });
                    cycle.wrote_events.push(event.clone());
                }
                Action::DeleteEvent { link, event }
                | Action::CancelEvent { link, event, .. }
                | Action::DeclineEvent { link, event, .. } => {
                    self.events.remove(event);
                    removes.push(link.clone());
                    cycle.wrote_events.push(event.clone());
                }
                Action::CreateReservation {
                    link,
                    event,
                    content,
                    ..
                } => {
                    let id = ReservationId::new(format!("{}", self.fresh()));
                    let updated_at = self.now();
                    let created = Reservation {
                        id: id.clone(),
                        resource: ResourceId::new("gym"),
                        level: Level::Event,
                        parent: None,
                        content: content.clone(),
                        status: ReservationStatus::Active,
                        version: 1,
                        updated_at,
                        recurrence: None,
                        tag: Some(link.clone()),
                    };
                    puts.push(Link {
                        id: link.clone(),
                        block: Some(BlockKey::for_reservation(&id)),
                        event: Some(event.clone()),
                        booking_hash: Some(created.content.hash()),
                        calendar_hash: event_hash(event).or(Some(content.hash())),
                        origin: Side::Calendar,
                        state: LinkState::Synced,
                    });
                    self.reservations.insert(id.clone(), created);
                    cycle.wrote_reservations.push(id);
                }
                Action::UpdateReservation {
                    link,
                    event,
                    reservation,
                    version,
                    content,
                } => {
                    let written =
                        self.write_reservation(&mut versions, reservation, *version, |r| {
                            r.content = content.clone()
                        });
                    let Some(r) = written else {
                        fail(&mut puts, existing, action);
                        continue;
                    };
                    puts.push(Link {
                        id: link.clone(),
                        block: Some(BlockKey::for_reservation(&r.id)),
                        event: Some(event.clone()),
                        booking_hash: Some(r.content.hash()),
                        calendar_hash: event_hash(event).or(Some(content.hash())),
                        origin: existing.map(|l| l.origin).unwrap_or(Side::Calendar),
                        state: LinkState::Synced,
                    });
                    cycle.wrote_reservations.push(reservation.clone());
                }
                Action::CancelReservation {
                    link,
                    reservation,
                    version,
                    ..
                } => {
                    let written =
                        self.write_reservation(&mut versions, reservation, *version, |r| {
                            r.status = ReservationStatus::Cancelled
                        });
                    if written.is_none() {
                        fail(&mut puts, existing, action);
                        continue;
                    }
                    removes.push(link.clone());
                    cycle.wrote_reservations.push(reservation.clone());
                }
                Action::MoveEvent { event, content, .. } => {
                    let now = self.now();
                    let Some(e) = self.events.get_mut(event) else {
                        fail(&mut puts, existing, action);
                        continue;
                    };
                    e.content = content.clone();
                    e.modified = Some(now);
                    cycle.wrote_events.push(event.clone());
                }
                Action::MoveReservation {
                    reservation,
                    version,
                    occurrence: None,
                    content,
                    ..
                } => {
                    let written =
                        self.write_reservation(&mut versions, reservation, *version, |r| {
                            r.content = content.clone()
                        });
                    if written.is_none() {
                        fail(&mut puts, existing, action);
                        continue;
                    }
                    cycle.wrote_reservations.push(reservation.clone());
                }
                Action::SkipOccurrence { .. }
                | Action::DetachOccurrence { .. }
                | Action::MoveReservation { .. } => {
                    panic!("no recurring reservations in this world: {action:?}")
                }
                Action::Settle { link } => {
                    let already = puts.iter().any(|l| &l.id == link) || removes.contains(link);
                    if let Some(mut settled) = existing.filter(|_| !already) {
                        settled.state =
                            if settled.booking_hash.is_some() && settled.calendar_hash.is_some() {
                                LinkState::Synced
                            } else {
                                LinkState::Pending
                            };
                        puts.push(settled);
                    }
                }
                Action::Relink {
                    link,
                    block,
                    event,
                    origin,
                    booking_hash,
                    calendar_hash,
                } => puts.push(Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(event.clone()),
                    booking_hash: Some(booking_hash.clone()),
                    calendar_hash: Some(calendar_hash.clone()),
                    origin: *origin,
                    state: LinkState::Synced,
                }),
                Action::Forget { link } => removes.push(link.clone()),
            }
        }
        for conflict in &cycle.plan.conflicts {
            let mut link = existing(&conflict.link).unwrap_or_else(|| Link {
                id: conflict.link.clone(),
                block: conflict.block.clone(),
                event: conflict.event.clone(),
                booking_hash: None,
                calendar_hash: None,
                origin: if conflict.block.is_some() {
                    Side::Booking
                } else {
                    Side::Calendar
                },
                state: LinkState::Conflict,
            });
            link.state = LinkState::Conflict;
            if link.block.is_none() {
                link.block = conflict.block.clone();
            }
            if link.event.is_none() {
                link.event = conflict.event.clone();
            }
            puts.push(link);
        }
        // The commit: puts (upserts by id), then removals.
        for link in puts {
            match self.links.iter_mut().find(|l| l.id == link.id) {
                Some(row) => *row = link,
                None => self.links.push(link),
            }
        }
        self.links.retain(|l| !removes.contains(&l.id));
    }

    fn held(&self) -> Vec<&Link> {
        self.links
            .iter()
            .filter(|l| l.state == LinkState::Conflict)
            .collect()
    }

    /// Every block has exactly one linked event with its content, and every event exactly one
    /// block, except the two sides of links held for a person.
    fn check_no_duplicates(&self) -> Result<(), String> {
        let reservations: Vec<Reservation> = self.reservations.values().cloned().collect();
        let composed = compose(&reservations, ZONE, window());
        let held_blocks: Vec<&BlockKey> = self
            .held()
            .iter()
            .filter_map(|l| l.block.as_ref())
            .collect();
        let held_events: Vec<&GraphEventId> = self
            .held()
            .iter()
            .filter_map(|l| l.event.as_ref())
            .collect();
        for b in &composed.blocks {
            if held_blocks.contains(&&b.key) {
                continue;
            }
            let links: Vec<&Link> = self
                .links
                .iter()
                .filter(|l| l.block.as_ref() == Some(&b.key))
                .collect();
            let [link] = links[..] else {
                return Err(format!(
                    "block {} has {} links: {links:?}",
                    b.key,
                    links.len()
                ));
            };
            let event = link.event.as_ref().and_then(|id| self.events.get(id));
            let Some(event) = event else {
                return Err(format!("block {} is linked to no event: {link:?}", b.key));
            };
            // Events written from the booking system show the block under the privacy mode;
            // meetings made in Outlook keep their own content.
            let mode = match link.origin {
                Side::Booking => self.privacy,
                Side::Calendar => Privacy::Full,
            };
            if !same_in_outlook(&b.content, &event.content, mode) {
                return Err(format!(
                    "block {} and event {} differ: {:?} vs {:?}",
                    b.key, event.id, b.content, event.content
                ));
            }
        }
        for e in self.events.values() {
            if held_events.contains(&&e.id) {
                continue;
            }
            let links: Vec<&Link> = self
                .links
                .iter()
                .filter(|l| l.event.as_ref() == Some(&e.id))
                .collect();
            let [link] = links[..] else {
                return Err(format!(
                    "event {} has {} links: {links:?}",
                    e.id,
                    links.len()
                ));
            };
            let shown = link
                .block
                .as_ref()
                .and_then(|k| composed.blocks.iter().find(|b| &b.key == k));
            if shown.is_none() {
                return Err(format!("event {} shows no block: {link:?}", e.id));
            }
        }
        Ok(())
    }
}

/// A failed action keeps what was last synced and marks the link failed.
fn fail(puts: &mut Vec<Link>, existing: Option<Link>, action: &Action) {
    let mut link = existing.unwrap_or_else(|| Link {
        id: action.link().clone(),
        block: None,
        event: None,
        booking_hash: None,
        calendar_hash: None,
        origin: Side::Booking,
        state: LinkState::Pending,
    });
    link.state = LinkState::Failed;
    if link.block.is_some() || link.event.is_some() {
        puts.push(link);
    }
}

fn run_edits(world: &mut World, edits: &[Edit], policy: Policy) -> Vec<Cycle> {
    let mut cycles = Vec::new();
    for e in edits {
        match e {
            Edit::Cycle => cycles.push(world.cycle(policy, &[])),
            other => world.edit(other),
        }
    }
    cycles
}

/// Cycles until one plans no action; the number of cycles that took, if within `max`.
fn settle(world: &mut World, policy: Policy, max: usize) -> Result<usize, String> {
    let mut plans = Vec::new();
    for n in 1..=max {
        let c = world.cycle(policy, &[]);
        if c.plan.actions.is_empty() {
            return Ok(n);
        }
        plans.push(c.plan.to_string());
    }
    Err(format!(
        "no quiet plan after {max} cycles:\n{}",
        plans.join("---\n")
    ))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Minimal failing cases are printed; known ones are the tests at the end of this file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn privacy() -> impl Strategy<Value = Privacy> {
    prop_oneof![
        Just(Privacy::Full),
        Just(Privacy::Organisation),
        Just(Privacy::Reserved)
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![Just(Policy::BookingWins), Just(Policy::CalendarWins)]
}

/// (a) Once edits stop, a winning-side policy reaches a plan with no actions within a few
/// cycles, and the cycle after that plans nothing at all.
/// (b) Then every block has exactly one Outlook event with its content, and every event
/// exactly one block, except what is held for a person.
fn converges_without_duplicates(
    policy: Policy,
    edits: &[Edit],
    avoid_known_bugs: bool,
) -> Result<(), TestCaseError> {
    converges_under(policy, Privacy::Full, None, edits, avoid_known_bugs)
}

/// (a) and (b) with edits made under privacy mode `first`, then (if `then` is given) the mode
/// changed before the world settles: every event RoomBridge wrote ends up showing the new mode.
fn converges_under(
    policy: Policy,
    first: Privacy,
    then: Option<Privacy>,
    edits: &[Edit],
    avoid_known_bugs: bool,
) -> Result<(), TestCaseError> {
    let mut world = World {
        avoid_known_bugs,
        privacy: first,
        ..World::default()
    };
    run_edits(&mut world, edits, policy);
    if let Some(mode) = then {
        world.privacy = mode;
    }
    let took = settle(&mut world, policy, 4);
    prop_assert!(took.is_ok(), "{policy}: {}", took.unwrap_err());
    let again = world.cycle(policy, &[]);
    prop_assert!(
        again.plan.is_empty(),
        "{policy}: second quiet cycle planned:\n{}",
        again.plan
    );
    let dupes = world.check_no_duplicates();
    prop_assert!(dupes.is_ok(), "{policy}: {}", dupes.unwrap_err());
    Ok(())
}

/// (c) Under `manual`, a link changed differently on both sides is never written on either
/// side without a decision: the cycle that sees it shows it as a conflict, and later cycles
/// hold it (counted in `held`) and write neither side.
fn manual_holds_every_conflict(
    edits: &[Edit],
    avoid_known_bugs: bool,
) -> Result<(), TestCaseError> {
    let mut world = World {
        avoid_known_bugs,
        ..World::default()
    };
    let mut all = edits.to_vec();
    all.extend([Edit::Cycle, Edit::Cycle]);
    for e in &all {
        if !matches!(e, Edit::Cycle) {
            world.edit(e);
            continue;
        }
        let contested = contested(&world);
        let held: Vec<Link> = world.held().into_iter().cloned().collect();
        let cycle = world.cycle(Policy::Manual, &[]);
        prop_assert!(
            cycle.plan.resolved.is_empty(),
            "resolved under manual:\n{}",
            cycle.plan
        );
        for (link, reservation, event) in &contested {
            prop_assert!(
                cycle.plan.conflicts.iter().any(|c| &c.link == link),
                "both sides of {link} changed, but no conflict was planned:\n{}",
                cycle.plan
            );
            prop_assert!(
                !cycle.wrote_reservations.contains(reservation),
                "{link}: reservation {reservation} written:\n{}",
                cycle.plan
            );
            prop_assert!(
                !cycle.wrote_events.contains(event),
                "{link}: event {event} written:\n{}",
                cycle.plan
            );
        }
        prop_assert_eq!(
            cycle.plan.held,
            held.len(),
            "held links not counted:\n{}",
            cycle.plan
        );
        for link in &held {
            prop_assert!(
                cycle.plan.actions.iter().all(|a| a.link() != &link.id),
                "held {} acted on:\n{}",
                link.id,
                cycle.plan
            );
            if let Some(event) = &link.event {
                prop_assert!(
                    !cycle.wrote_events.contains(event),
                    "held {}: event {event} written:\n{}",
                    link.id,
                    cycle.plan
                );
            }
            if let Some(r) = link.block.as_ref().and_then(source_of) {
                prop_assert!(
                    !cycle.wrote_reservations.contains(&r),
                    "held {}: reservation {r} written:\n{}",
                    link.id,
                    cycle.plan
                );
            }
        }
    }
    Ok(())
}

/// Decisions on every held conflict are carried out: each `resolved` entry answers a
/// decision, and a decided link leaves the conflict state or stays held, never half-done.
fn decisions_are_carried_out(
    edits: &[Edit],
    choices: &[u8],
    avoid_known_bugs: bool,
) -> Result<(), TestCaseError> {
    let mut world = World {
        avoid_known_bugs,
        ..World::default()
    };
    run_edits(&mut world, edits, Policy::Manual);
    world.cycle(Policy::Manual, &[]);
    for round in 0..3 {
        let decisions: Vec<Decided> = world
            .held()
            .iter()
            .enumerate()
            .map(|(i, l)| Decided {
                link: l.id.clone(),
                choice: match choices[(i + round) % choices.len()] {
                    0 => Choice::KeepBooking,
                    1 => Choice::KeepCalendar,
                    // Either side to an hour nothing in this world holds.
                    3 | 4 => Choice::Move(Move {
                        side: if choices[(i + round) % choices.len()] == 3 {
                            Side::Booking
                        } else {
                            Side::Calendar
                        },
                        start: Utc.with_ymd_and_hms(2031, 1, 6, 9, 0, 0).unwrap(),
                        end: Utc.with_ymd_and_hms(2031, 1, 6, 10, 0, 0).unwrap(),
                    }),
                    _ => Choice::Merge(FieldOwnership {
                        times: Side::Booking,
                        title: Side::Calendar,
                        details: Side::Booking,
                    }),
                },
            })
            .collect();
        let cycle = world.cycle(Policy::Manual, &decisions);
        for r in &cycle.plan.resolved {
            prop_assert!(
                decisions.iter().any(|d| d.link == r.link),
                "resolved without a decision: {r:?}"
            );
        }
    }
    Ok(())
}

fn choices() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..5, 8)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn winning_side_policies_converge_without_duplicates(
        policy in policy(),
        edits in prop::collection::vec(edit(), 0..30),
    ) {
        converges_without_duplicates(policy, &edits, true)?;
    }

    #[test]
    fn privacy_modes_converge_without_duplicates(
        policy in policy(),
        first in privacy(),
        then in prop::option::of(privacy()),
        edits in prop::collection::vec(edit(), 0..30),
    ) {
        converges_under(policy, first, then, &edits, true)?;
    }

    #[test]
    fn manual_never_resolves_a_conflict_silently(edits in prop::collection::vec(edit(), 0..30)) {
        manual_holds_every_conflict(&edits, true)?;
    }

    #[test]
    fn decided_conflicts_are_carried_out(
        edits in prop::collection::vec(edit(), 0..30),
        choices in choices(),
    ) {
        decisions_are_carried_out(&edits, &choices, true)?;
    }

    /// The same properties with every edit allowed.
    #[test]
    fn winning_side_policies_converge_without_duplicates_with_every_edit(
        policy in policy(),
        edits in prop::collection::vec(edit(), 0..30),
    ) {
        converges_without_duplicates(policy, &edits, false)?;
    }

    #[test]
    fn manual_never_resolves_a_conflict_silently_with_every_edit(
        edits in prop::collection::vec(edit(), 0..30),
    ) {
        manual_holds_every_conflict(&edits, false)?;
    }
}

/// Links whose both sides changed, to different content, since they were synced: the
/// reservation and event an unasked write would overwrite.
fn contested(world: &World) -> Vec<(LinkId, ReservationId, GraphEventId)> {
    let reservations: Vec<Reservation> = world.reservations.values().cloned().collect();
    let composed = compose(&reservations, ZONE, window());
    world
        .links
        .iter()
        .filter(|l| l.state != LinkState::Conflict)
        .filter_map(|l| {
            let b = composed
                .blocks
                .iter()
                .find(|b| Some(&b.key) == l.block.as_ref())?;
            let e = world.events.get(l.event.as_ref()?)?;
            let (bh, ch) = (b.content.hash(), e.content.hash());
            let changed_b = Some(&bh) != l.booking_hash.as_ref();
            let changed_c = Some(&ch) != l.calendar_hash.as_ref();
            (l.booking_hash.is_some()
                && l.calendar_hash.is_some()
                && changed_b
                && changed_c
                && bh != ch)
                .then(|| (l.id.clone(), b.source.clone(), e.id.clone()))
        })
        .collect()
}

fn source_of(key: &BlockKey) -> Option<ReservationId> {
    let id = key.as_str().strip_prefix("r:")?;
    Some(ReservationId::new(id.split(['@', '#']).next()?))
}

/// Replays `edits`, printing every plan and the links after it (for `--nocapture`).
#[allow(dead_code)]
fn trace(edits: &[Edit], policy: Policy) -> World {
    let mut world = World::default();
    for e in edits {
        match e {
            Edit::Cycle => {
                let c = world.cycle(policy, &[]);
                println!("== cycle\n{}", c.plan);
                for l in &world.links {
                    println!(
                        "   link {} block={:?} event={:?} {:?} origin={}",
                        l.id,
                        l.block.as_ref().map(|b| b.as_str()),
                        l.event.as_ref().map(|e| e.as_str()),
                        l.state,
                        l.origin
                    );
                }
            }
            other => {
                world.edit(other);
                println!("{other:?}");
            }
        }
    }
    for r in world.reservations.values() {
        println!(
            "   res {} {:?} {:?} {} tag={:?}",
            r.id, r.level, r.status, r.content.title, r.tag
        );
    }
    for e in world.events.values() {
        println!(
            "   ev {} {} {:?} tag={:?}",
            e.id, e.content.title, e.content.when, e.tag
        );
    }
    world
}

// ---------------------------------------------------------------------------------------------
// Planner bugs these properties found, as their smallest cases. Each asserts the right
// behaviour and is ignored until `plan.rs` is fixed; the properties above leave these edits
// out (`avoid_known_bugs`), and their `_with_every_edit` twins find them again.
// ---------------------------------------------------------------------------------------------

fn world_with(edits: &[Edit], policy: Policy) -> (World, Vec<Cycle>) {
    let mut world = World::default();
    let cycles = run_edits(&mut world, edits, policy);
    (world, cycles)
}

/// The link whose block is `key`.
fn event_of(world: &World, key: &str) -> GraphEventId {
    world
        .links
        .iter()
        .find(|l| l.block.as_ref().map(|b| b.as_str()) == Some(key))
        .and_then(|l| l.event.clone())
        .unwrap_or_else(|| panic!("no event for {key}: {:?}", world.links))
}

/// An allocation 08-11 with an event 09-10 inside shows as fragments r:1 (08-09) and r:1#1
/// (10-11). Deleting r:1#1's event in Outlook plans `CancelReservation` of allocation 1: the
/// whole allocation, including the fragment Outlook still shows, is cancelled. An Outlook edit
/// of the same fragment is a `FragmentEdit` conflict (`update_reservation` checks
/// `covered_by`/`item_key`); `cancel_reservation` does not.
#[test]
fn deleting_one_fragment_in_outlook_does_not_cancel_the_whole_reservation() {
    use Edit::*;
    let (mut world, _) = world_with(
        &[
            BookingCreate {
                title: 0,
                slot: 0,
                allocation: true,
            },
            BookingCreate {
                title: 1,
                slot: 1,
                allocation: false,
            },
            Cycle,
        ],
        Policy::Manual,
    );
    let fragment = event_of(&world, "r:1#1");
    world.events.remove(&fragment);
    let cycle = world.cycle(Policy::Manual, &[]);
    assert!(
        world.reservations[&ReservationId::new("1")].is_active(),
        "the allocation was cancelled:\n{}",
        cycle.plan
    );
}

/// Two Outlook meetings at the same time are both copied to the booking system; the compositor
/// then hides one copy. Once this declined that meeting as "cancelled in the booking system"
/// while its reservation stayed active; now the hidden one is the double booking, held for a
/// person, and nothing is declined or cancelled.
#[test]
fn two_outlook_meetings_at_the_same_time_are_not_declined_as_cancelled() {
    use Edit::*;
    let (world, cycles) = world_with(
        &[
            CalendarCreate {
                title: 0,
                slot: 1,
                room_organises: false,
            },
            CalendarCreate {
                title: 1,
                slot: 1,
                room_organises: false,
            },
            Cycle,
            Cycle,
        ],
        Policy::Manual,
    );
    // The meeting whose copy the compositor hid is the double booking: it waits for a person,
    // and nothing is declined or cancelled meanwhile.
    assert!(
        cycles[1].plan.actions.is_empty(),
        "with no edits, planned:\n{}",
        cycles[1].plan
    );
    let kinds: Vec<_> = cycles[1].plan.conflicts.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [roombridge_core::plan::ConflictKind::Overlap]);
    assert_eq!(world.events.len(), 2);
}

/// Two booking-system events; one is moved onto the other, so the compositor hides it, and
/// its Outlook event is moved meanwhile. The planner reads the hidden block as deleted
/// (`Seen::Deleted`): a delete/edit conflict, which `calendar-wins` resolves with
/// `CreateReservation`, a second booking-system reservation (r:5) beside the hidden r:2.
/// When the event in the way is cancelled, r:2 shows again but is never synced: its derived
/// link id `b:r:2` already names r:5, so `pairs` skips it, and every plan is empty while the
/// booking system shows r:2 and Outlook does not.
#[test]
fn an_outlook_edit_of_a_hidden_reservation_makes_no_duplicate() {
    use Edit::*;
    let policy = Policy::CalendarWins;
    let (mut world, cycles) = world_with(
        &[
            BookingCreate {
                title: 0,
                slot: 0,
                allocation: false,
            },
            BookingCreate {
                title: 1,
                slot: 1,
                allocation: false,
            },
            Cycle,
            // r:2 onto r:1: hidden. Its Outlook event (E4) moves to 10:00.
            BookingMove { pick: 1, slot: 0 },
            CalendarMove { pick: 1, slot: 2 },
            Cycle,
        ],
        policy,
    );
    let created = cycles[1]
        .plan
        .actions
        .iter()
        .any(|a| matches!(a, Action::CreateReservation { .. }));
    // r:1 goes; r:2 shows again and must get its Outlook event.
    world.edit(&Edit::BookingCancel { pick: 0 });
    let _ = settle(&mut world, policy, 4);
    let dupes = world.check_no_duplicates();
    assert!(
        !created && dupes.is_ok(),
        "copied into a duplicate: {created}\n{}\n{dupes:?}",
        cycles[1].plan
    );
}

/// Found by `privacy_modes_converge_without_duplicates`: under `organisation`, an Outlook edit
/// retitled and moved RoomBridge's event in one go. The times went back to the booking system
/// and the typed title stayed in Outlook until the next cycle; the mode changed to `full` first,
/// where "Choir" is no stand-in, so Outlook kept showing it for "Staff meeting" for good.
#[test]
fn a_title_typed_over_a_hidden_event_is_undone_in_the_cycle_that_writes_back_its_times() {
    use Edit::*;
    let edits = [
        BookingCreate {
            title: 71,
            slot: 0,
            allocation: false,
        },
        Cycle,
        CalendarRetitle {
            pick: 0,
            title: 152,
        },
        CalendarMove { pick: 0, slot: 1 },
        Cycle,
    ];
    converges_under(
        Policy::CalendarWins,
        Privacy::Organisation,
        Some(Privacy::Full),
        &edits,
        true,
    )
    .unwrap();
}

/// Issue 12, bug 4 (one of the two chance failures): under manual, an Outlook edit of the
/// whole allocation was written to it while an edit of one of its former fragments was held
/// for a person, deciding part of that conflict without them. Other writes to a reservation
/// now wait while a piece of it waits for a decision.
#[test]
fn an_outlook_edit_waits_while_another_piece_of_its_reservation_is_held() {
    use Edit::*;
    let edits = [
        CalendarCreate {
            title: 0,
            slot: 2,
            room_organises: false,
        },
        Cycle,
        CalendarDelete { pick: 0 },
        BookingCreate {
            title: 0,
            slot: 1,
            allocation: true,
        },
        Cycle,
        CalendarRetitle { pick: 1, title: 1 },
        BookingRetitle { pick: 0, title: 0 },
        Cycle,
        CalendarRetitle { pick: 0, title: 9 },
    ];
    if let Err(e) = manual_holds_every_conflict(&edits, false) {
        panic!("{e}");
    }
}

/// Issue 12, bug 4 (the other chance failure): under calendar-wins, an allocation's fragment
/// ended with no Outlook event and no link ("block r:7#1 has 0 links"). Its Outlook event,
/// moved after the fragment had gone, was kept by the policy and copied to the booking system
/// under the fragment's old link; when that copy split the allocation again, the fragment that
/// came back found its link id taken and was skipped for good.
#[test]
fn every_fragment_of_an_allocation_ends_linked_under_calendar_wins() {
    use Edit::*;
    let edits = [
        BookingCreate {
            title: 0,
            slot: 0,
            allocation: false,
        },
        BookingCancel { pick: 0 },
        CalendarCreate {
            title: 0,
            slot: 4,
            room_organises: false,
        },
        Cycle,
        CalendarCreate {
            title: 0,
            slot: 0,
            room_organises: false,
        },
        BookingCreate {
            title: 0,
            slot: 0,
            allocation: false,
        },
        CalendarCreate {
            title: 0,
            slot: 1,
            room_organises: false,
        },
        BookingCreate {
            title: 0,
            slot: 3,
            allocation: true,
        },
        CalendarDelete { pick: 3 },
        Cycle,
        CalendarMove { pick: 0, slot: 4 },
    ];
    if let Err(e) = converges_without_duplicates(Policy::CalendarWins, &edits, true) {
        panic!("{e}");
    }
}
