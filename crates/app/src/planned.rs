//! One room as its next cycle will plan it, from what RoomBridge last read of both sides:
//! what a decision's preview, a move's check and a room's dry run are planned from.

use roombridge_core::capability::Capabilities;
use roombridge_core::compose::{Composed, compose};
use roombridge_core::plan::{Action, Decided, PlanInput, words};
use roombridge_core::policy::Policy;
use roombridge_core::privacy::Privacy;
use roombridge_core::{CalendarEvent, Link, RoomId, Side, SyncWindow};
use roombridge_store::{links, mirror, rooms};

use crate::decisions::StepPreview;
use crate::{ApiError, App};

impl App {
    /// `room` as its next cycle will plan it: what RoomBridge last read of both sides,
    /// composed and windowed as the cycle will, with the room's privacy mode and the booking
    /// system's capabilities.
    pub(crate) fn planned(&self, room: &RoomId) -> Result<(rooms::Room, Planned), ApiError> {
        let now = chrono::Utc::now();
        let (room, reservations, events, links) = self
            .store()
            .read(|c| {
                let Some(room) = rooms::get(c, room)? else {
                    return Ok(None);
                };
                let id = room.id.clone();
                Ok(Some((
                    room,
                    mirror::reservations(c, &id)?,
                    mirror::events(c, &id)?,
                    links::list(c, &id)?,
                )))
            })?
            .ok_or_else(|| ApiError::no_room(room.as_str()))?;
        let settings = self.settings()?;
        let zone: chrono_tz::Tz = room.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let window = SyncWindow::around(now, settings.days_back, settings.days_ahead);
        let composed = compose(&reservations, zone, window);
        let planned = Planned {
            room: room.id.clone(),
            zone,
            window,
            composed,
            events,
            links,
            privacy: settings.privacy,
            capabilities: self.engine().context().booking.capabilities(),
            language: settings.organiser_language,
        };
        Ok((room, planned))
    }
}

/// One room as its next cycle will plan it (see [`App::planned`]).
pub(crate) struct Planned {
    pub(crate) room: RoomId,
    pub(crate) zone: chrono_tz::Tz,
    pub(crate) window: SyncWindow,
    pub(crate) composed: Composed,
    pub(crate) events: Vec<CalendarEvent>,
    pub(crate) links: Vec<Link>,
    pub(crate) privacy: Privacy,
    pub(crate) capabilities: Capabilities,
    pub(crate) language: roombridge_core::i18n::Lang,
}

impl Planned {
    /// The planner's input with `decisions` taken; the policy is left to the person.
    pub(crate) fn input<'a>(&'a self, decisions: &'a [Decided]) -> PlanInput<'a> {
        PlanInput {
            room: &self.room,
            zone: self.zone,
            window: self.window,
            blocks: &self.composed.blocks,
            footprint: &self.composed.footprint,
            events: &self.events,
            links: &self.links,
            policy: Policy::Manual,
            decisions,
            series: &self.composed.series,
            privacy: self.privacy,
            withdrawn: &[],
            restores: &[],
            capabilities: self.capabilities,
            language: self.language,
        }
    }
}

impl Planned {
    /// `action` as a step of a decision's preview.
    pub(crate) fn step(&self, action: &Action) -> StepPreview {
        let event = |id: &roombridge_core::GraphEventId| self.events.iter().find(|e| &e.id == id);
        let title = words::title(
            action,
            |id| self.links.iter().find(|l| &l.id == id),
            |key| {
                self.composed
                    .blocks
                    .iter()
                    .find(|b| &b.key == key)
                    .map(|b| b.content.title.clone())
            },
            |id| event(id).map(|e| e.content.title.clone()),
        );
        let organiser = match action {
            Action::DeclineEvent { event: id, .. } => event(id)
                .map(|e| e.content.organisation.trim().to_owned())
                .filter(|o| !o.is_empty()),
            _ => None,
        };
        step(action, title, organiser)
    }
}

/// `action` as a step of a preview: what is done where, to what (`title`), and what is told
/// to whom (`organiser`: who a declined meeting's organiser is, when known).
pub(crate) fn step(action: &Action, title: String, organiser: Option<String>) -> StepPreview {
    let message = match action {
        Action::DeclineEvent { message, .. } | Action::CancelEvent { message, .. } => {
            Some(message.clone())
        }
        Action::CancelReservation { note, .. } => Some(note.clone()),
        _ => None,
    };
    let told = match action {
        Action::DeclineEvent { .. } => organiser,
        _ => None,
    };
    StepPreview {
        action: action.kind(),
        side: action.target().unwrap_or(Side::Calendar),
        title,
        message,
        told,
    }
}
