//! A room's own page: what the room holds over some days, where each piece comes from and
//! how it stands in Outlook, and what the room's next sync would do (its dry run), all from
//! what RoomBridge last read of both sides.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use roombridge_core::RoomId;
use roombridge_core::content::Content;
use roombridge_core::content::midnight;
use roombridge_core::plan::{Action, Decided, LinkState, Plan, PlanInput, plan};
use roombridge_core::reservation::Level;
use roombridge_store::{conflicts, settings};

use crate::decisions::StepPreview;
use crate::{ApiError, App};
use roombridge_core::i18n::Words;

/// The most days one page shows.
pub const MAX_DAYS: u32 = 31;

/// Which days of which room: `from` is a local date in the room's zone (today when absent),
/// `days` how many (7 when absent, at most [`MAX_DAYS`]).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CalendarInput {
    pub room: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default, deserialize_with = "crate::ops::lenient::optional")]
    pub days: Option<u32>,
}

/// Where a piece of the room's calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    /// A booking-system allocation (a recurring slot given to an organisation).
    Allocation,
    /// A booking inside an allocation.
    Booking,
    /// A booking-system event.
    Event,
    /// The room is closed.
    Closure,
    /// An Outlook meeting the booking system does not hold (yet).
    Outlook,
}

/// How a piece stands between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Both sides show it as RoomBridge last wrote it.
    Synced,
    /// A create was sent; the next sync confirms it.
    Pending,
    /// The last write failed; the next sync tries again.
    Failed,
    /// It waits for a person's decision on the Conflicts screen.
    Conflict,
    /// The other side does not show it yet; the next sync writes it.
    NotYet,
}

/// One piece of the room's calendar.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CalendarItem {
    /// Stable within the room: the block's key, or `outlook:` and the event's id.
    pub key: String,
    pub content: Content,
    /// The UTC instants it covers (all-day pieces from the room's midnights).
    pub start: String,
    pub end: String,
    pub source: ItemSource,
    /// The booking-system reservation it shows (for an occurrence, the recurring one).
    pub reservation: Option<String>,
    /// The local date of the occurrence, when the reservation repeats.
    pub occurrence: Option<String>,
    /// Higher reservations that cut it out of its reservation (an event inside an
    /// allocation, a closure).
    pub covered_by: Vec<String>,
    pub state: ItemState,
    /// The Outlook event that shows it, when there is one.
    pub outlook_event: Option<String>,
    /// The open conflict it waits in, when it does.
    pub conflict: Option<i64>,
}

/// A conflict the room's next sync would raise.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PlannedConflict {
    #[ts(type = "ConflictKind")]
    pub kind: &'static str,
    pub title: String,
}

/// What the room's next sync would do now: the dry run, from what RoomBridge last read.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoomPlanView {
    pub steps: Vec<StepPreview>,
    /// New conflicts it would raise, which would wait for a person.
    pub conflicts: Vec<PlannedConflict>,
    /// Links held in conflict from earlier syncs, which it leaves alone.
    pub held: usize,
}

/// A room's own page.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoomCalendarView {
    pub room_id: String,
    pub time_zone: String,
    /// The first local date shown and how many days.
    pub from: String,
    pub days: u32,
    /// The span RoomBridge syncs (its window), as UTC instants: outside it nothing is synced.
    pub window_start: String,
    pub window_end: String,
    /// Every piece that overlaps the days shown, by start.
    pub items: Vec<CalendarItem>,
    pub plan: RoomPlanView,
}

impl App {
    /// Room `input.room`'s page: its pieces over the days asked for and its next sync's plan.
    pub fn room_calendar(&self, input: &CalendarInput) -> Result<RoomCalendarView, ApiError> {
        let (room, planned) = self.planned(&RoomId::new(&input.room))?;
        let zone = planned.zone;
        let days = input.days.unwrap_or(7);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::invalid(
                Words::new("error.calendar_days")
                    .arg("max", MAX_DAYS)
                    .arg("days", days),
            ));
        }
        let from = match input
            .from
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(Words::new("error.not_a_date").arg("text", text)))?,
            None => Utc::now().with_timezone(&zone).date_naive(),
        };
        let until = from + Days::new(u64::from(days));
        let span = (midnight(from, zone), midnight(until, zone));

        let (open, policy) = self.store().read(|c| {
            Ok((
                conflicts::list_open(c, Some(&room.id))?,
                settings::policy_of(c, &room.id)?,
            ))
        })?;
        // The decisions that wait are on the open conflicts.
        let decisions: Vec<_> = open
            .iter()
            .filter_map(|c| {
                Some(Decided {
                    link: c.link.clone(),
                    choice: c.decision.as_ref()?.choice,
                })
            })
            .collect();
        let open: HashMap<_, _> = open.into_iter().map(|c| (c.link, c.id)).collect();
        let by_block: HashMap<_, _> = planned
            .links
            .iter()
            .filter_map(|l| Some((l.block.clone()?, l)))
            .collect();
        let by_event: HashMap<_, _> = planned
            .links
            .iter()
            .filter_map(|l| Some((l.event.clone()?, l)))
            .collect();
        let overlaps =
            |(start, end): (DateTime<Utc>, DateTime<Utc>)| start < span.1 && end > span.0;

        let mut items = Vec::new();
        let mut shown_events = HashSet::new();
        for block in &planned.composed.blocks {
            let at = block.content.instants(zone);
            if !overlaps(at) {
                continue;
            }
            let link = by_block.get(&block.key);
            let event = link.and_then(|l| l.event.clone());
            if let Some(e) = &event {
                shown_events.insert(e.clone());
            }
            items.push(CalendarItem {
                key: block.key.to_string(),
                content: block.content.clone(),
                start: at.0.to_rfc3339(),
                end: at.1.to_rfc3339(),
                source: match block.level {
                    Level::Allocation => ItemSource::Allocation,
                    Level::Booking => ItemSource::Booking,
                    Level::Event => ItemSource::Event,
                    Level::Closure => ItemSource::Closure,
                },
                reservation: Some(block.source.to_string()),
                occurrence: block.occurrence.map(|d| d.to_string()),
                covered_by: block.covered_by.iter().map(|r| r.to_string()).collect(),
                state: link.map_or(ItemState::NotYet, |l| state_of(l.state)),
                outlook_event: event.map(|e| e.to_string()),
                conflict: link.and_then(|l| open.get(&l.id).copied()),
            });
        }
        for event in &planned.events {
            if shown_events.contains(&event.id) {
                continue;
            }
            let at = event.content.instants(zone);
            if !overlaps(at) {
                continue;
            }
            let link = by_event.get(&event.id);
            items.push(CalendarItem {
                key: format!("outlook:{}", event.id),
                content: event.content.clone(),
                start: at.0.to_rfc3339(),
                end: at.1.to_rfc3339(),
                source: ItemSource::Outlook,
                reservation: None,
                occurrence: None,
                covered_by: Vec::new(),
                state: link.map_or(ItemState::NotYet, |l| state_of(l.state)),
                outlook_event: Some(event.id.to_string()),
                conflict: link.and_then(|l| open.get(&l.id).copied()),
            });
        }
        items.sort_by(|a, b| (&a.start, &a.end, &a.key).cmp(&(&b.start, &b.end, &b.key)));

        // As the room's next cycle plans it: with its policy and the decisions that wait.
        let next = plan(&PlanInput {
            policy,
            ..planned.input(&decisions)
        });
        Ok(RoomCalendarView {
            room_id: room.id.to_string(),
            time_zone: room.time_zone,
            from: from.to_string(),
            days,
            window_start: planned.window.start.to_rfc3339(),
            window_end: planned.window.end.to_rfc3339(),
            items,
            plan: plan_view(&next, |a| planned.step(a)),
        })
    }
}

fn state_of(state: LinkState) -> ItemState {
    match state {
        LinkState::Synced => ItemState::Synced,
        LinkState::Pending => ItemState::Pending,
        LinkState::Failed => ItemState::Failed,
        LinkState::Conflict => ItemState::Conflict,
    }
}

/// `plan` as the UI shows it: its writes (each made a step by `step`), the conflicts it raises.
pub(crate) fn plan_view(plan: &Plan, step: impl Fn(&Action) -> StepPreview) -> RoomPlanView {
    RoomPlanView {
        steps: plan
            .actions
            .iter()
            .filter(|a| a.target().is_some())
            .map(step)
            .collect(),
        conflicts: plan
            .conflicts
            .iter()
            .map(|c| PlannedConflict {
                kind: c.kind.as_str(),
                title: c
                    .booking
                    .as_ref()
                    .or(c.calendar.as_ref())
                    .map(|content| content.title.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        held: plan.held,
    }
}
