//! Where each side's change feed left off, per room.

use rusqlite::{Connection, OptionalExtension, params};

use roombridge_core::{RoomId, Side};

use crate::Result;

pub fn get(conn: &Connection, room: &RoomId, side: Side) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT cursor FROM cursors WHERE room_id = ?1 AND side = ?2",
            params![room.as_str(), side.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn set(conn: &Connection, room: &RoomId, side: Side, cursor: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO cursors (room_id, side, cursor) VALUES (?1, ?2, ?3)
         ON CONFLICT (room_id, side) DO UPDATE SET cursor = ?3",
    )?
    .execute(params![room.as_str(), side.as_str(), cursor])?;
    Ok(())
}
