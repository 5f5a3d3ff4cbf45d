//! Local mirrors of both sides: the booking reservations and Outlook events of each room as
//! last read. Change feeds only say what changed; the planner needs the whole picture.

use rusqlite::{Connection, params};

use roombridge_core::CalendarEvent;
use roombridge_core::{GraphEventId, Reservation, RoomId};

use crate::Result;

pub fn reservations(conn: &Connection, room: &RoomId) -> Result<Vec<Reservation>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM reservations WHERE room_id = ?1 ORDER BY id")?;
    let bodies = stmt.query_map([room.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in bodies {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

pub fn put_reservation(conn: &Connection, room: &RoomId, r: &Reservation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reservations (room_id, id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (room_id, id) DO UPDATE SET body = ?3",
    )?
    .execute(params![
        room.as_str(),
        r.id.as_str(),
        serde_json::to_string(r)?
    ])?;
    Ok(())
}

pub fn events(conn: &Connection, room: &RoomId) -> Result<Vec<CalendarEvent>> {
    let mut stmt = conn.prepare_cached("SELECT body FROM events WHERE room_id = ?1 ORDER BY id")?;
    let bodies = stmt.query_map([room.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in bodies {
        out.push(serde_json::from_str(&body?)?);
    }
    Ok(out)
}

/// Puts an event as Outlook's change feed showed it.
pub fn put_event(conn: &Connection, room: &RoomId, e: &CalendarEvent) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (room_id, id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (room_id, id) DO UPDATE SET body = ?3, unconfirmed = 0",
    )?
    .execute(params![
        room.as_str(),
        e.id.as_str(),
        serde_json::to_string(e)?
    ])?;
    Ok(())
}

/// Puts an event as RoomBridge's own write left it. One it `created` stays unconfirmed until a
/// change feed shows it (see [`unconfirmed_events`]); a rewrite keeps the event's mark.
pub fn put_written_event(
    conn: &Connection,
    room: &RoomId,
    e: &CalendarEvent,
    created: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (room_id, id, body, unconfirmed) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (room_id, id) DO UPDATE SET body = ?3, unconfirmed = unconfirmed OR ?4",
    )?
    .execute(params![
        room.as_str(),
        e.id.as_str(),
        serde_json::to_string(e)?,
        created
    ])?;
    Ok(())
}

/// The events RoomBridge created in a room that no change feed has shown since: delta leaves
/// no trace of an event created and deleted between two of its rounds, so the engine reads
/// these by id when a round does not mention them.
pub fn unconfirmed_events(conn: &Connection, room: &RoomId) -> Result<Vec<GraphEventId>> {
    let mut stmt = conn
        .prepare_cached("SELECT id FROM events WHERE room_id = ?1 AND unconfirmed ORDER BY id")?;
    let ids = stmt.query_map([room.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for id in ids {
        out.push(GraphEventId::new(id?));
    }
    Ok(out)
}

pub fn remove_event(conn: &Connection, room: &RoomId, id: &GraphEventId) -> Result<()> {
    conn.prepare_cached("DELETE FROM events WHERE room_id = ?1 AND id = ?2")?
        .execute(params![room.as_str(), id.as_str()])?;
    Ok(())
}

/// Empties a room's calendar mirror before a full resync.
pub fn clear_events(conn: &Connection, room: &RoomId) -> Result<()> {
    conn.prepare_cached("DELETE FROM events WHERE room_id = ?1")?
        .execute([room.as_str()])?;
    Ok(())
}
