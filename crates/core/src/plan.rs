//! The pure planner: from both sides and the last synced state, what one cycle must do.
//!
//! [`plan`] pairs blocks, events and links (`pairing`), decides each pair with one exhaustive
//! `match` over the state of its sides (`decide`, one commented arm per case; conflicts go to
//! the room's policy or a person's decision), then writes recurring reservations as series
//! (`series`) and carries out "keep both" moves (`moving`). The [`Plan`] is a value: the dry
//! run prints it with the words of `words`, the engine executes it and leaves the link rows of
//! `rows`, and the `breaker` stops a plan that would delete too much.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use crate::Side;
use crate::capability::Capabilities;
use crate::compose::{Block, Footprint, SeriesSource};
use crate::content::{Content, ContentHash};
use crate::ids::{BlockKey, GraphEventId, LinkId, ReservationId, RoomId};
use crate::policy::{Choice, Policy, Resolution};
use crate::privacy::{self, Privacy};
use crate::window::SyncWindow;

pub use crate::event::{CalendarEvent, Instance};
pub use crate::link::{Link, LinkState};

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
    /// Carried-out decisions people undo ([`Restore`]).
    pub restores: &'a [Restore],
    /// Recurring reservations Outlook can show as one series ([`crate::compose::Composed`]).
    pub series: &'a [SeriesSource],
    /// What Outlook shows of booking-system reservations ([`crate::privacy`]).
    pub privacy: Privacy,
    /// Links whose copy in the booking system (a reservation RoomBridge created, carrying the
    /// link's tag) is cancelled: a copy whose create's answer was lost, so the link never
    /// recorded it, and which someone cancelled since. Sorted.
    pub withdrawn: &'a [LinkId],
    /// What the booking system lets RoomBridge write, and what it keeps of a write.
    pub capabilities: Capabilities,
    /// The organisation's language: what the room writes to organisers of meetings it
    /// declines or cancels.
    pub language: crate::i18n::Lang,
}

mod action;
mod breaker;
mod conflict;
mod decide;
mod moving;
mod pairing;
mod restore;
pub mod rows;
mod series;
pub mod words;
mod writes;

pub use action::{Action, Decided, InSeries, Restore, SeriesMember, SeriesUpdate, Subject};
pub use breaker::{Breaker, Tripped};
pub use conflict::{Conflict, ConflictKind, Resolved, ResolvedBy};
use decide::Planner;
pub use moving::{check_move, free_times};
use pairing::pairs;
use writes::{Source, cancel, create_key, write_back};
#[cfg(test)]
mod tests;

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
            // The subject as the action names it, with the dry run's own details: a series'
            // size, a message, the reservation or date an action on a link is for.
            let what = match (a, a.subject()) {
                (Action::CreateSeries { members, .. }, Subject::Content(content)) => format!(
                    "{} ({} occurrences in the window)",
                    content.title,
                    members.len()
                ),
                (
                    Action::CancelEvent { event, message, .. }
                    | Action::DeclineEvent { event, message, .. },
                    _,
                ) => format!("{event}: {message}"),
                (Action::CancelReservation { reservation, .. }, _) => reservation.to_string(),
                (Action::SkipOccurrence { series, date, .. }, _) => format!("{series} on {date}"),
                (_, Subject::Content(content)) => content.title.clone(),
                (_, Subject::Event(event)) => event.to_string(),
                (_, Subject::Block(block)) => block.to_string(),
                (_, Subject::Link(link)) => link.to_string(),
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
pub(super) enum Seen<'a, T> {
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

pub(super) fn seen<'a, T>(
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
pub(super) enum Decision {
    Nothing,
    Act(Vec<Action>),
    Conflict(ConflictKind),
}

pub(super) fn act(action: Action) -> Decision {
    Decision::Act(vec![action])
}

/// One pair: a link (real, or proposed for something seen for the first time) and its sides.
pub(super) struct Pair<'a> {
    pub(super) link: Link,
    pub(super) block: Option<&'a Block>,
    pub(super) event: Option<&'a CalendarEvent>,
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
        // A decision undone: both sides as they were before it, and the link held again. What
        // cannot be written back is left as it is and waits as before.
        if let Some(r) = input.restores.iter().find(|r| r.link == pair.link.id) {
            match planner.restore(r) {
                Ok((actions, conflict)) => {
                    out.actions.extend(actions);
                    out.conflicts.push(conflict);
                }
                Err(_) => out.held += usize::from(pair.link.state == LinkState::Conflict),
            }
            continue;
        }
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
    series::rewrite_masters(input, &mut out);
    out
}
