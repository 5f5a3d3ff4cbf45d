//! One Outlook event as RoomBridge reads it, and where it sits in a series.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::content::Content;
use crate::ids::{GraphEventId, LinkId};

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
