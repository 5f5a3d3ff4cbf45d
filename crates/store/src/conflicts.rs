//! Conflicts waiting for a person: both versions, as they were when detected.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use roombridge_core::plan::{Conflict, ConflictKind};
use roombridge_core::{Content, LinkId, RoomId};

use crate::{Result, parse_ts, ts};

/// An open conflict as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConflict {
    pub id: i64,
    pub room: RoomId,
    pub link: LinkId,
    pub kind: ConflictKind,
    pub booking: Option<Content>,
    pub calendar: Option<Content>,
    pub fields: Vec<String>,
    pub detected_at: chrono::DateTime<chrono::Utc>,
}

fn kind_str(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Edit => "edit",
        ConflictKind::DeleteEdit => "delete_edit",
        ConflictKind::FragmentEdit => "fragment_edit",
        ConflictKind::Overlap => "overlap",
    }
}

fn parse_kind(s: &str) -> ConflictKind {
    match s {
        "delete_edit" => ConflictKind::DeleteEdit,
        "fragment_edit" => ConflictKind::FragmentEdit,
        "overlap" => ConflictKind::Overlap,
        _ => ConflictKind::Edit,
    }
}

/// Records a conflict, unless the same link already has an open one.
pub fn open(
    conn: &Connection,
    room: &RoomId,
    c: &Conflict,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let fields: Vec<&str> = match (&c.booking, &c.calendar) {
        (Some(b), Some(e)) => b.differing_fields(e),
        _ => vec!["presence"],
    };
    conn.execute(
        "INSERT INTO conflicts (room_id, link, kind, booking, calendar, fields, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id, link) WHERE resolved_at IS NULL DO NOTHING",
        params![
            room.as_str(),
            c.link.as_str(),
            kind_str(c.kind),
            c.booking.as_ref().map(serde_json::to_string).transpose()?,
            c.calendar.as_ref().map(serde_json::to_string).transpose()?,
            serde_json::to_string(&fields)?,
            ts(now),
        ],
    )?;
    Ok(())
}

/// Open conflicts, oldest first; all rooms when `room` is `None`.
pub fn list_open(conn: &Connection, room: Option<&RoomId>) -> Result<Vec<StoredConflict>> {
    let mut stmt = conn.prepare(
        "SELECT id, room_id, link, kind, booking, calendar, fields, detected_at FROM conflicts
         WHERE resolved_at IS NULL AND (?1 IS NULL OR room_id = ?1) ORDER BY id",
    )?;
    let rows = stmt.query_map([room.map(|r| r.as_str())], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, room, link, kind, booking, calendar, fields, at) = row?;
        out.push(StoredConflict {
            id,
            room: RoomId::new(room),
            link: LinkId::new(link),
            kind: parse_kind(&kind),
            booking: booking.map(|b| serde_json::from_str(&b)).transpose()?,
            calendar: calendar.map(|c| serde_json::from_str(&c)).transpose()?,
            fields: serde_json::from_str(&fields)?,
            detected_at: parse_ts(&at)?,
        });
    }
    Ok(out)
}
