//! Links: what was last synced between one block and one Outlook event.

use rusqlite::{Connection, Row, params};

use roombridge_core::{BlockKey, ContentHash, GraphEventId, LinkId, RoomId, Side};
use roombridge_core::{Link, LinkState};

use crate::{Result, StoreError, ts};

fn from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    let origin: String = r.get(5)?;
    let state: String = r.get(6)?;
    Ok(Link {
        id: LinkId::new(r.get::<_, String>(0)?),
        block: r.get::<_, Option<String>>(1)?.map(BlockKey::new),
        event: r.get::<_, Option<String>>(2)?.map(GraphEventId::new),
        booking_hash: r.get::<_, Option<String>>(3)?.map(ContentHash::new),
        calendar_hash: r.get::<_, Option<String>>(4)?.map(ContentHash::new),
        // The table's CHECK keeps origin to the two sides; an unknown state (written by a
        // newer RoomBridge) is read as failed, so the link is retried rather than trusted.
        origin: Side::parse(&origin).unwrap_or(Side::Booking),
        state: LinkState::parse(&state).unwrap_or(LinkState::Failed),
    })
}

/// A room's links.
pub fn list(conn: &Connection, room: &RoomId) -> Result<Vec<Link>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, block, event, booking_hash, calendar_hash, origin, state
         FROM links WHERE room_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([room.as_str()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes a link as it now stands, with an optional message (why it failed).
pub fn put(
    conn: &Connection,
    room: &RoomId,
    link: &Link,
    message: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if link.block.is_none() && link.event.is_none() {
        return Err(StoreError::Invalid(format!(
            "link {} has neither a block nor an event",
            link.id
        )));
    }
    conn.prepare_cached(
        "INSERT INTO links (room_id, id, block, event, booking_hash, calendar_hash, origin, state,
                            message, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (room_id, id) DO UPDATE SET block = ?3, event = ?4, booking_hash = ?5,
             calendar_hash = ?6, origin = ?7, state = ?8, message = ?9, updated_at = ?10",
    )?
    .execute(params![
        room.as_str(),
        link.id.as_str(),
        link.block.as_ref().map(|b| b.as_str()),
        link.event.as_ref().map(|e| e.as_str()),
        link.booking_hash.as_ref().map(|h| h.as_str()),
        link.calendar_hash.as_ref().map(|h| h.as_str()),
        link.origin.as_str(),
        link.state.as_str(),
        message,
        ts(now),
    ])?;
    Ok(())
}

/// The failure messages of a room's failed links, by link.
pub fn failures(
    conn: &Connection,
    room: &RoomId,
) -> Result<std::collections::HashMap<LinkId, String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, message FROM links
         WHERE room_id = ?1 AND state = 'failed' AND message IS NOT NULL",
    )?;
    let rows = stmt.query_map([room.as_str()], |r| {
        Ok((LinkId::new(r.get::<_, String>(0)?), r.get::<_, String>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn remove(conn: &Connection, room: &RoomId, link: &LinkId) -> Result<()> {
    conn.prepare_cached("DELETE FROM links WHERE room_id = ?1 AND id = ?2")?
        .execute(params![room.as_str(), link.as_str()])?;
    Ok(())
}

/// Whether any of the room's links waits for a write to be tried again (failed, or journaled
/// as pending).
pub fn unsettled(conn: &Connection, room: &RoomId) -> Result<bool> {
    let found: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM links
             WHERE room_id = ?1 AND state IN ('failed', 'pending'))",
        )?
        .query_row([room.as_str()], |r| r.get(0))?;
    Ok(found)
}

/// How many links a room has in each state: (all, conflict, failed).
pub fn counts(conn: &Connection, room: &RoomId) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*),
                coalesce(sum(state = 'conflict'), 0),
                coalesce(sum(state = 'failed'), 0)
         FROM links WHERE room_id = ?1",
        [room.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
