//! Each room's last cycle: when, whether it went well, and the last error.

use rusqlite::{Connection, OptionalExtension, params};

use roombridge_core::RoomId;

use crate::{Result, parse_ts, ts};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomStatus {
    pub cycle: i64,
    pub last_cycle_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_ok_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    /// Deletions the mass-deletion breaker is holding back, waiting for approval (0: none).
    pub held_deletions: i64,
}

pub fn get(conn: &Connection, room: &RoomId) -> Result<RoomStatus> {
    let row = conn
        .query_row(
            "SELECT cycle, last_cycle_at, last_ok_at, last_error, held_deletions FROM room_status
             WHERE room_id = ?1",
            [room.as_str()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((cycle, last, ok, error, held_deletions)) = row else {
        return Ok(RoomStatus::default());
    };
    Ok(RoomStatus {
        cycle,
        last_cycle_at: last.as_deref().map(parse_ts).transpose()?,
        last_ok_at: ok.as_deref().map(parse_ts).transpose()?,
        last_error: error,
        held_deletions,
    })
}

/// Starts the next cycle of a room and returns its number.
pub fn next_cycle(conn: &Connection, room: &RoomId) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO room_status (room_id, cycle) VALUES (?1, 1)
         ON CONFLICT (room_id) DO UPDATE SET cycle = cycle + 1
         RETURNING cycle",
        [room.as_str()],
        |r| r.get(0),
    )?)
}

/// Records how a cycle ended: `error` is `None` when it went well.
pub fn finish(
    conn: &Connection,
    room: &RoomId,
    error: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE room_status SET last_cycle_at = ?2, last_error = ?3,
             last_ok_at = CASE WHEN ?3 IS NULL THEN ?2 ELSE last_ok_at END,
             held_deletions = CASE WHEN ?3 IS NULL THEN 0 ELSE held_deletions END
         WHERE room_id = ?1",
    )?
    .execute(params![room.as_str(), ts(now), error])?;
    Ok(())
}

/// Records a person's approval of the deletions the breaker held back in `room`; the next
/// cycle may then delete. Returns false when there is no such room.
pub fn approve_deletions(conn: &Connection, room: &RoomId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO room_status (room_id, deletions_approved) VALUES (?1, 1)
         ON CONFLICT (room_id) DO UPDATE SET deletions_approved = 1",
        )?
        .execute([room.as_str()])?
        == 1)
}

/// Whether deletions in `room` were approved; the approval is used up by reading it.
pub fn take_deletion_approval(conn: &Connection, room: &RoomId) -> Result<bool> {
    let approved: Option<bool> = conn
        .query_row(
            "UPDATE room_status SET deletions_approved = 0
             WHERE room_id = ?1 AND deletions_approved = 1 RETURNING 1",
            [room.as_str()],
            |r| r.get::<_, i64>(0).map(|v| v == 1),
        )
        .optional()?;
    Ok(approved.unwrap_or(false))
}

/// Records that the breaker holds back `deletions` in `room`.
pub fn hold_deletions(conn: &Connection, room: &RoomId, deletions: i64) -> Result<()> {
    conn.prepare_cached("UPDATE room_status SET held_deletions = ?2 WHERE room_id = ?1")?
        .execute(params![room.as_str(), deletions])?;
    Ok(())
}
