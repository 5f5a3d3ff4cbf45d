//! Each room's last cycle: when, whether it went well, and the last error.

use rusqlite::{Connection, OptionalExtension, params};

use roombridge_core::{RoomId, Side};

use crate::{Result, parse_ts, ts};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomStatus {
    pub cycle: i64,
    pub last_cycle_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_ok_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    /// Deletions the mass-deletion breaker is holding back, waiting for approval (0: none).
    pub held_deletions: i64,
    /// When the room's cycles started failing (the first failure since the last success).
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The side the last failure could not reach, if it was one side.
    pub failing_side: Option<Side>,
}

/// How a cycle ended.
#[derive(Debug, Clone, Copy)]
pub enum Ended<'a> {
    Ok,
    /// It failed with this message, reaching `side` (or RoomBridge itself: `None`).
    Failed {
        message: &'a str,
        side: Option<Side>,
    },
}

pub fn get(conn: &Connection, room: &RoomId) -> Result<RoomStatus> {
    let row = conn
        .query_row(
            "SELECT cycle, last_cycle_at, last_ok_at, last_error, held_deletions, failing_since,
                 failing_side FROM room_status WHERE room_id = ?1",
            [room.as_str()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((cycle, last, ok, error, held_deletions, since, side)) = row else {
        return Ok(RoomStatus::default());
    };
    Ok(RoomStatus {
        cycle,
        last_cycle_at: last.as_deref().map(parse_ts).transpose()?,
        last_ok_at: ok.as_deref().map(parse_ts).transpose()?,
        last_error: error,
        held_deletions,
        failing_since: since.as_deref().map(parse_ts).transpose()?,
        failing_side: side.as_deref().and_then(Side::parse),
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

/// Records how a cycle ended. A failure keeps the time the failures began; a success clears it.
pub fn finish(
    conn: &Connection,
    room: &RoomId,
    ended: Ended<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let (error, side) = match ended {
        Ended::Ok => (None, None),
        Ended::Failed { message, side } => (Some(message), side.map(Side::as_str)),
    };
    conn.prepare_cached(
        "UPDATE room_status SET last_cycle_at = ?2, last_error = ?3,
             last_ok_at = CASE WHEN ?3 IS NULL THEN ?2 ELSE last_ok_at END,
             held_deletions = CASE WHEN ?3 IS NULL THEN 0 ELSE held_deletions END,
             failing_since = CASE WHEN ?3 IS NULL THEN NULL ELSE COALESCE(failing_since, ?2) END,
             failing_side = ?4
         WHERE room_id = ?1",
    )?
    .execute(params![room.as_str(), ts(now), error, side])?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_failing_room_keeps_when_its_failures_began_until_a_cycle_goes_well() {
        let store = Store::open_in_memory().unwrap();
        let room = RoomId::new("gym");
        store
            .write(|c| {
                crate::rooms::upsert(
                    c,
                    &crate::rooms::Room {
                        id: room.clone(),
                        name: "Gym".into(),
                        kind: "room".into(),
                        mailbox: roombridge_core::Mailbox::new("gym@example.org"),
                        resource: roombridge_core::ResourceId::new("gym"),
                        time_zone: "Europe/Oslo".into(),
                        paused: false,
                    },
                    chrono::Utc::now(),
                )
            })
            .unwrap();
        let t = |m: i64| {
            chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc)
                + chrono::Duration::minutes(m)
        };
        let failed = Ended::Failed {
            message: "Could not reach the booking system: timed out",
            side: Some(Side::Booking),
        };
        let status = |e: Ended<'_>, at| {
            store
                .write(|c| {
                    next_cycle(c, &room)?;
                    finish(c, &room, e, at)?;
                    get(c, &room)
                })
                .unwrap()
        };
        let first = status(failed, t(0));
        assert_eq!(first.failing_since, Some(t(0)));
        assert_eq!(first.failing_side, Some(Side::Booking));
        let again = status(failed, t(5));
        assert_eq!(
            again.failing_since,
            Some(t(0)),
            "the outage began at the first failure"
        );
        assert_eq!(again.last_cycle_at, Some(t(5)));
        let ok = status(Ended::Ok, t(10));
        assert_eq!(
            (ok.failing_since, ok.failing_side, ok.last_error),
            (None, None, None)
        );
        assert_eq!(status(failed, t(15)).failing_since, Some(t(15)));
    }
}
