//! Room mappings after setup: add, edit and remove which booking resource syncs with which
//! Outlook mailbox. The engine picks changes up at once (`Engine::reload_rooms`), and every
//! change is a `mapping` row in the audit history.
//!
//! What happens to what was already written:
//! - **Removing** a mapping stops syncing that room. Nothing is deleted or changed on either
//!   side: the Outlook events and booking reservations RoomBridge wrote stay as they are. The
//!   room's links (which event belongs to which reservation), cursors and open conflicts are
//!   dropped; its history stays.
//! - **Changing the mailbox** starts the room over in the new mailbox: the links are dropped,
//!   the booking reservations are written into the new mailbox, and the old mailbox keeps what
//!   RoomBridge wrote there (nothing is deleted from it). Meetings already in the new mailbox
//!   are copied to the booking system; events RoomBridge wrote there for another resource (a
//!   mailbox whose mapping was removed) belong to no reservation and are deleted, more than the
//!   breaker's minimum only after a person approves.
//! - **Renaming** or **changing the time zone** keeps everything; the next sync uses the new
//!   zone.

use serde::Deserialize;

use roombridge_core::RoomId;
use roombridge_store::history::{self, NewEntry, Outcome};
use roombridge_store::rooms::{self, Room};

use crate::validate;
use crate::views::{RoomKind, RoomView};
use crate::wizard::{self, DiscoveryView};
use crate::{ApiError, App, ErrorCode};
use roombridge_core::i18n::Words;

/// A new mapping: `{ resource_id, mailbox, name?, time_zone?, policy? }`.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct NewRoom {
    pub resource_id: String,
    pub mailbox: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `None`: follow the default policy.
    #[serde(default)]
    pub policy: Option<String>,
}

/// Changes to a mapping; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RoomEdit {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub mailbox: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

fn audit(
    c: &roombridge_store::Connection,
    room: &RoomId,
    title: &str,
    detail: String,
) -> roombridge_store::Result<()> {
    history::append(
        c,
        &NewEntry {
            room: room.clone(),
            cycle: 0,
            kind: history::HistoryKind::Mapping,
            side: None,
            outcome: Outcome::Ok,
            title: title.to_owned(),
            detail,
            words: None,
        },
        chrono::Utc::now(),
    )
    .map(|_| ())
}

impl App {
    fn connectors(&self) -> Result<crate::setup::Connectors, ApiError> {
        self.current_connectors().ok_or_else(|| {
            ApiError::said(ErrorCode::Unavailable, Words::new("error.no_connection"))
        })
    }

    /// The tenant's mailboxes and the booking system's resources, matched, with those already
    /// mapped marked: what the "Add room" form offers.
    pub async fn mapping_options(&self) -> Result<DiscoveryView, ApiError> {
        let existing = self.store.read(rooms::list)?;
        wizard::discover(&self.connectors()?, &existing).await
    }

    /// Maps a booking resource to a mailbox and starts syncing it.
    pub async fn add_room(&self, new: NewRoom) -> Result<RoomView, ApiError> {
        let mailbox = validate::check_mailbox(&new.mailbox)?;
        let zone = match new.time_zone.as_deref().filter(|z| !z.trim().is_empty()) {
            Some(z) => validate::check_zone(z)?,
            None => validate::DEFAULT_TIME_ZONE.to_owned(),
        };
        let policy = match new.policy.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => Some(roombridge_core::policy::Policy::parse(p).map_err(|_| {
                ApiError::invalid(Words::new("error.unknown_policy").arg("name", p))
            })?),
            None => None,
        };
        let resources = self
            .connectors()?
            .booking
            .resources()
            .await
            .map_err(|e| ApiError::unavailable(e.message))?;
        let Some(resource) = resources.iter().find(|r| r.id.as_str() == new.resource_id) else {
            return Err(ApiError::invalid(
                Words::new("error.no_resource").arg("resource", &new.resource_id),
            ));
        };
        let room = Room {
            id: RoomId::new(resource.id.as_str()),
            name: new
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(&resource.name)
                .to_owned(),
            kind: RoomKind::of(&resource.kind).as_str().into(),
            mailbox,
            resource: resource.id.clone(),
            time_zone: zone,
            paused: false,
        };
        self.store.write(|c| {
            let existing = rooms::list(c)?;
            if let Some(r) = existing
                .iter()
                .find(|r| r.id == room.id || r.resource == room.resource)
            {
                return Ok(Err(ApiError::invalid(
                    Words::new("error.already_mapped")
                        .arg("name", &resource.name)
                        .arg("mailbox", &r.mailbox),
                )));
            }
            if let Some(r) = existing.iter().find(|r| r.mailbox == room.mailbox) {
                return Ok(Err(ApiError::invalid(
                    Words::new("error.mailbox_taken")
                        .arg("mailbox", &room.mailbox)
                        .arg("name", &r.name),
                )));
            }
            rooms::upsert(c, &room, chrono::Utc::now())?;
            rooms::set_policy(c, &room.id, policy)?;
            audit(
                c,
                &room.id,
                "Room mapped",
                format!(
                    "{} ({}) now syncs with {} in {}.",
                    room.name, room.resource, room.mailbox, room.time_zone
                ),
            )?;
            Ok(Ok(()))
        })??;
        self.reload_rooms()?;
        self.room_view(&room.id)?
            .ok_or_else(|| ApiError::said(ErrorCode::NotFound, Words::new("error.room_removed")))
    }

    /// Renames a room, moves it to another zone, or maps it to another mailbox (which starts
    /// the room over there; see the module documentation).
    pub fn edit_room(&self, id: &str, edit: RoomEdit) -> Result<RoomView, ApiError> {
        let id = RoomId::new(id);
        let trimmed = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mailbox = trimmed(&edit.mailbox)
            .map(|m| validate::check_mailbox(&m))
            .transpose()?;
        let zone = trimmed(&edit.time_zone)
            .map(|z| validate::check_zone(&z))
            .transpose()?;
        let name = trimmed(&edit.name);
        let moved = self.store.write(|c| {
            let Some(mut room) = rooms::get(c, &id)? else {
                return Ok(Err(ApiError::no_room(id.as_str())));
            };
            let before = room.clone();
            if let Some(name) = name.clone() {
                room.name = name;
            }
            if let Some(zone) = zone.clone() {
                room.time_zone = zone;
            }
            let moved = mailbox.as_ref().is_some_and(|m| *m != room.mailbox);
            if let Some(m) = mailbox.clone() {
                if moved
                    && let Some(other) = rooms::list(c)?
                        .into_iter()
                        .find(|r| r.mailbox == m && r.id != id)
                {
                    return Ok(Err(ApiError::invalid(
                        Words::new("error.mailbox_taken")
                            .arg("mailbox", &m)
                            .arg("name", &other.name),
                    )));
                }
                room.mailbox = m;
            }
            if room == before {
                return Ok(Ok(false));
            }
            if moved {
                // A fresh start in the new mailbox: the links, cursors and mirrors of the old
                // one must not be read against it (an event missing from the new mailbox is
                // not an event deleted in Outlook). The policy survives the re-insert.
                let policy = rooms::policy(c, &id)?;
                rooms::remove(c, &id)?;
                rooms::upsert(c, &room, chrono::Utc::now())?;
                rooms::set_policy(c, &id, policy)?;
            } else {
                rooms::upsert(c, &room, chrono::Utc::now())?;
            }
            let mut changes = Vec::new();
            if room.name != before.name {
                changes.push(format!("name {:?} -> {:?}", before.name, room.name));
            }
            if room.time_zone != before.time_zone {
                changes.push(format!(
                    "time zone {} -> {}",
                    before.time_zone, room.time_zone
                ));
            }
            if moved {
                changes.push(format!(
                    "mailbox {} -> {} (started over in the new mailbox; {} keeps what was written there)",
                    before.mailbox, room.mailbox, before.mailbox
                ));
            }
            audit(c, &id, "Mapping changed", changes.join("; "))?;
            Ok(Ok(moved))
        })??;
        if moved {
            self.reload_rooms()?;
            self.sync_room(id.as_str())?;
        }
        self.room_view(&id)?
            .ok_or_else(|| ApiError::said(ErrorCode::NotFound, Words::new("error.room_removed")))
    }

    /// Stops syncing a room and forgets its links; nothing is deleted on either side.
    pub fn remove_room(&self, id: &str) -> Result<(), ApiError> {
        let id = RoomId::new(id);
        self.store.write(|c| {
            let Some(room) = rooms::get(c, &id)? else {
                return Ok(Err(ApiError::no_room(id.as_str())));
            };
            let (links, _, _) = roombridge_store::links::counts(c, &id)?;
            rooms::remove(c, &id)?;
            audit(
                c,
                &id,
                "Room removed",
                format!(
                    "{} ({} <-> {}) is no longer synced. {links} linked reservations were left as they are in Outlook and in the booking system.",
                    room.name, room.resource, room.mailbox
                ),
            )?;
            Ok(Ok(()))
        })??;
        self.reload_rooms()
    }

    fn reload_rooms(&self) -> Result<(), ApiError> {
        self.engine()
            .reload_rooms()
            .map_err(|e| ApiError::unavailable(e.to_string()))
    }
}
