//! Conflicts waiting for a person: both versions, as they were when detected.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use roombridge_core::plan::{Conflict, ConflictKind, Decided, Restore};
use roombridge_core::policy::Choice;
use roombridge_core::{Content, LinkId, RoomId};

use crate::{Result, StoreError, parse_ts, ts};

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
    /// The decisions a person can take ([`ConflictKind::choices`]).
    pub choices: Vec<String>,
    /// A decision taken and waiting for the room's next cycle to carry it out.
    pub decision: Option<Decision>,
}

/// A person's decision on a conflict: what, who, why and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub choice: Choice,
    pub by: String,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
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
    conn.prepare_cached(
        "INSERT INTO conflicts (room_id, link, kind, booking, calendar, fields, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id, link) WHERE resolved_at IS NULL DO NOTHING",
    )?
    .execute(params![
        room.as_str(),
        c.link.as_str(),
        c.kind.as_str(),
        c.booking.as_ref().map(serde_json::to_string).transpose()?,
        c.calendar.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&fields)?,
        ts(now),
    ])?;
    Ok(())
}

const SELECT: &str = "SELECT id, room_id, link, kind, booking, calendar, fields, detected_at,
    decision, decided_by, decided_reason, decided_at FROM conflicts";

fn from_row(r: &rusqlite::Row<'_>) -> Result<StoredConflict> {
    let text = |i: usize| r.get::<_, Option<String>>(i);
    let kind: String = r.get(3)?;
    let kind = ConflictKind::parse(&kind)
        .ok_or_else(|| StoreError::Invalid(format!("conflict kind {kind:?}")))?;
    let decision = match (text(8)?, text(9)?, text(10)?, text(11)?) {
        (Some(choice), Some(by), reason, Some(at)) => Some(Decision {
            choice: serde_json::from_str(&choice)?,
            by,
            reason: reason.unwrap_or_default(),
            at: parse_ts(&at)?,
        }),
        _ => None,
    };
    Ok(StoredConflict {
        id: r.get(0)?,
        room: RoomId::new(r.get::<_, String>(1)?),
        link: LinkId::new(r.get::<_, String>(2)?),
        kind,
        booking: text(4)?.map(|b| serde_json::from_str(&b)).transpose()?,
        calendar: text(5)?.map(|c| serde_json::from_str(&c)).transpose()?,
        fields: serde_json::from_str(&r.get::<_, String>(6)?)?,
        detected_at: parse_ts(&r.get::<_, String>(7)?)?,
        choices: kind.choices().iter().map(|c| (*c).to_owned()).collect(),
        decision,
    })
}

/// Open conflicts, oldest first; all rooms when `room` is `None`.
pub fn list_open(conn: &Connection, room: Option<&RoomId>) -> Result<Vec<StoredConflict>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE resolved_at IS NULL AND (?1 IS NULL OR room_id = ?1) ORDER BY id"
    ))?;
    let mut rows = stmt.query([room.map(|r| r.as_str())])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// One conflict, open or not.
pub fn get(conn: &Connection, id: i64) -> Result<Option<StoredConflict>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    rows.next()?.map(from_row).transpose()
}

/// Why a decision could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideError {
    NotFound,
    AlreadyResolved,
    NotAllowed {
        choice: String,
        allowed: Vec<String>,
    },
}

/// Records a person's decision on an open conflict; the room's next cycle carries it out.
/// A later decision before that cycle replaces the earlier one.
pub fn decide(
    conn: &Connection,
    id: i64,
    choice: Choice,
    by: &str,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<StoredConflict, DecideError>> {
    let Some(conflict) = get(conn, id)? else {
        return Ok(Err(DecideError::NotFound));
    };
    let resolved: Option<String> = conn.query_row(
        "SELECT resolved_at FROM conflicts WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if resolved.is_some() {
        return Ok(Err(DecideError::AlreadyResolved));
    }
    if !conflict.choices.iter().any(|c| c == choice.name()) {
        return Ok(Err(DecideError::NotAllowed {
            choice: choice.name().to_owned(),
            allowed: conflict.choices,
        }));
    }
    conn.prepare_cached(
        "UPDATE conflicts SET decision = ?2, decided_by = ?3, decided_reason = ?4,
             decided_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id,
        serde_json::to_string(&choice)?,
        by,
        reason,
        ts(now)
    ])?;
    Ok(get(conn, id)?.ok_or(DecideError::NotFound))
}

/// Withdraws the decision recorded on an open conflict, before a cycle carries it out: the
/// conflict waits for a decision again.
pub fn undecide(conn: &Connection, id: i64) -> Result<Result<StoredConflict, DecideError>> {
    let changed = conn
        .prepare_cached(
            "UPDATE conflicts SET decision = NULL, decided_by = NULL, decided_reason = NULL,
                 decided_at = NULL WHERE id = ?1 AND resolved_at IS NULL",
        )?
        .execute([id])?;
    if changed == 0 {
        return Ok(Err(match get(conn, id)? {
            Some(_) => DecideError::AlreadyResolved,
            None => DecideError::NotFound,
        }));
    }
    Ok(get(conn, id)?.ok_or(DecideError::NotFound))
}

/// Decisions waiting to be carried out in `room`.
pub fn decided(conn: &Connection, room: &RoomId) -> Result<Vec<(StoredConflict, Decided)>> {
    Ok(list_open(conn, Some(room))?
        .into_iter()
        .filter_map(|c| {
            let choice = c.decision.as_ref()?.choice;
            let link = c.link.clone();
            Some((c, Decided { link, choice }))
        })
        .collect())
}

/// The conflicts of `room` whose decision a cycle carried out at `at` (the time its
/// `conflict_decided` history row carries).
pub fn carried_out_at(
    conn: &Connection,
    room: &RoomId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<StoredConflict>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE room_id = ?1 AND resolved_at = ?2 AND decision IS NOT NULL ORDER BY id"
    ))?;
    let mut rows = stmt.query(params![room.as_str(), ts(at)])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// Reopens carried-out conflict `id` as a new open conflict of the same link, both versions as
/// they were, carrying `restore`: what the room's next cycle writes back before it holds the
/// link again. Refused when the link has an open conflict already.
pub fn reopen(
    conn: &Connection,
    id: i64,
    restore: &Restore,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<StoredConflict, DecideError>> {
    let Some(old) = get(conn, id)? else {
        return Ok(Err(DecideError::NotFound));
    };
    let inserted = conn
        .prepare_cached(
            "INSERT INTO conflicts (room_id, link, kind, booking, calendar, fields, detected_at, restore)
             SELECT room_id, link, kind, booking, calendar, fields, ?2, ?3 FROM conflicts WHERE id = ?1
             ON CONFLICT (room_id, link) WHERE resolved_at IS NULL DO NOTHING",
        )?
        .execute(params![id, ts(now), serde_json::to_string(restore)?])?;
    if inserted == 0 {
        return Ok(Err(DecideError::AlreadyResolved));
    }
    let reopened = list_open(conn, Some(&old.room))?
        .into_iter()
        .find(|c| c.link == old.link)
        .ok_or_else(|| StoreError::Invalid(format!("reopened conflict {id} is not open")))?;
    Ok(Ok(reopened))
}

/// What the room's open conflicts ask its next cycle to write back ([`reopen`]).
pub fn restores(conn: &Connection, room: &RoomId) -> Result<Vec<Restore>> {
    let mut stmt = conn.prepare_cached(
        "SELECT restore FROM conflicts
         WHERE room_id = ?1 AND resolved_at IS NULL AND restore IS NOT NULL ORDER BY id",
    )?;
    let mut rows = stmt.query([room.as_str()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(serde_json::from_str(&row.get::<_, String>(0)?)?);
    }
    Ok(out)
}

/// The write-back of `link`'s open conflict is done: it waits for a decision as any other.
pub fn restored(conn: &Connection, room: &RoomId, link: &LinkId) -> Result<()> {
    conn.prepare_cached(
        "UPDATE conflicts SET restore = NULL
         WHERE room_id = ?1 AND link = ?2 AND resolved_at IS NULL",
    )?
    .execute(params![room.as_str(), link.as_str()])?;
    Ok(())
}

/// Closes the open conflict of `link`: a decision was carried out, or a policy resolved it.
pub fn resolve(
    conn: &Connection,
    room: &RoomId,
    link: &LinkId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE conflicts SET resolved_at = ?3
         WHERE room_id = ?1 AND link = ?2 AND resolved_at IS NULL",
    )?
    .execute(params![room.as_str(), link.as_str(), ts(now)])?;
    Ok(())
}
