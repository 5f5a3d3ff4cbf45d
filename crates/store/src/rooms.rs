//! The rooms (and equipment) RoomBridge keeps in sync: which mailbox maps to which resource.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use roombridge_core::policy::Policy;
use roombridge_core::{Mailbox, ResourceId, RoomId};

use crate::{Result, ts};

/// One mapping of a booking resource to an Outlook mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    /// `room` or `equipment`.
    pub kind: String,
    pub mailbox: Mailbox,
    pub resource: ResourceId,
    /// IANA zone, e.g. `Europe/Oslo`.
    pub time_zone: String,
    pub paused: bool,
}

const COLUMNS: &str = "id, name, kind, mailbox, resource_id, time_zone, paused";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: RoomId::new(r.get::<_, String>(0)?),
        name: r.get(1)?,
        kind: r.get(2)?,
        mailbox: Mailbox::new(r.get::<_, String>(3)?),
        resource: ResourceId::new(r.get::<_, String>(4)?),
        time_zone: r.get(5)?,
        paused: r.get(6)?,
    })
}

/// Adds a room, or updates its mapping if the id exists.
pub fn upsert(conn: &Connection, room: &Room, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO rooms (id, name, kind, mailbox, resource_id, time_zone, paused, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET name = ?2, kind = ?3, mailbox = ?4, resource_id = ?5,
             time_zone = ?6, paused = ?7",
    )?
    .execute(params![
        room.id.as_str(),
        room.name,
        room.kind,
        room.mailbox.as_str(),
        room.resource.as_str(),
        room.time_zone,
        room.paused,
        ts(now)
    ])?;
    Ok(())
}

/// Every room, by name.
pub fn list(conn: &Connection) -> Result<Vec<Room>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM rooms ORDER BY name, id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: &RoomId) -> Result<Option<Room>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM rooms WHERE id = ?1"),
            [id.as_str()],
            from_row,
        )
        .optional()?)
}

/// Pauses or resumes a room. Returns false when there is no such room.
pub fn set_paused(conn: &Connection, id: &RoomId, paused: bool) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE rooms SET paused = ?2 WHERE id = ?1")?
        .execute(params![id.as_str(), paused])?
        == 1)
}

/// Removes a room. Its links, cursors, mirrors, open conflicts and status go with it (foreign
/// keys cascade); its history stays. Returns false when there is no such room.
pub fn remove(conn: &Connection, id: &RoomId) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM rooms WHERE id = ?1")?
        .execute([id.as_str()])?
        == 1)
}

/// The room's own conflict policy; `None` when it follows the global default.
pub fn policy(conn: &Connection, id: &RoomId) -> Result<Option<Policy>> {
    let stored: Option<Option<String>> = conn
        .query_row(
            "SELECT policy FROM rooms WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    stored
        .flatten()
        .map(|s| Policy::parse(&s).map_err(crate::StoreError::Invalid))
        .transpose()
}

/// Sets the room's conflict policy (`None`: follow the global default). Returns false when
/// there is no such room.
pub fn set_policy(conn: &Connection, id: &RoomId, policy: Option<Policy>) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE rooms SET policy = ?2 WHERE id = ?1")?
        .execute(params![id.as_str(), policy.map(|p| p.name())])?
        == 1)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A room mapping for tests.
    pub fn room(id: &str) -> Room {
        Room {
            id: RoomId::new(id),
            name: id.to_owned(),
            kind: "room".into(),
            mailbox: Mailbox::new(format!("{id}@example.test")),
            resource: ResourceId::new(format!("res-{id}")),
            time_zone: "Europe/Oslo".into(),
            paused: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use roombridge_core::{GraphEventId, LinkId, Side};
    use roombridge_core::{Link, LinkState};

    #[test]
    fn removing_a_room_drops_its_links_and_keeps_the_other_rooms() {
        let store = Store::open_in_memory().unwrap();
        let (gym, hall) = (tests_support::room("gym"), tests_support::room("hall"));
        let link = Link {
            id: LinkId::new("l1"),
            block: None,
            event: Some(GraphEventId::new("e1")),
            booking_hash: None,
            calendar_hash: None,
            origin: Side::Calendar,
            state: LinkState::Synced,
        };
        let now = chrono::Utc::now();
        store
            .write(|c| {
                upsert(c, &gym, now)?;
                upsert(c, &hall, now)?;
                crate::links::put(c, &gym.id, &link, None, now)?;
                crate::links::put(c, &hall.id, &link, None, now)
            })
            .unwrap();

        assert!(store.write(|c| remove(c, &gym.id)).unwrap());
        assert!(
            !store.write(|c| remove(c, &gym.id)).unwrap(),
            "already gone"
        );

        let left = store.read(list).unwrap();
        assert_eq!(left, vec![hall.clone()]);
        assert!(
            store
                .read(|c| crate::links::list(c, &gym.id))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .read(|c| crate::links::list(c, &hall.id))
                .unwrap()
                .len(),
            1
        );
    }
}
