//! The audit history: every action the engine took and why, append-only and hash-chained.
//!
//! Each row's hash covers its fields and the previous row's hash, so editing or removing a row
//! breaks the chain from there on; [`verify`] finds the first broken row. Triggers refuse
//! UPDATE and DELETE, so tampering needs a tool other than RoomBridge.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use roombridge_core::{RoomId, Side};

use crate::{Result, parse_ts, ts};

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Conflict,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Conflict => "conflict",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "ok" => Outcome::Ok,
            "conflict" => Outcome::Conflict,
            _ => Outcome::Failed,
        }
    }
}

/// A row to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub room: RoomId,
    pub cycle: i64,
    /// An action kind (`create_event`, …) or `conflict`, `rejected`, `cycle_failed`.
    pub kind: String,
    pub side: Option<Side>,
    pub outcome: Outcome,
    /// What it was about, usually the reservation's title.
    pub title: String,
    /// Why, or what went wrong.
    pub detail: String,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub room: RoomId,
    pub cycle: i64,
    pub kind: String,
    pub side: Option<Side>,
    pub outcome: Outcome,
    pub title: String,
    pub detail: String,
    pub hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn chain_hash(prev: &str, at: &str, e: &NewEntry) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        at,
        e.room.as_str(),
        &e.cycle.to_string(),
        &e.kind,
        e.side.map(Side::as_str).unwrap_or(""),
        e.outcome.as_str(),
        &e.title,
        &e.detail,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Appends a row and returns it.
pub fn append(
    conn: &Connection,
    entry: &NewEntry,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Entry> {
    let prev: String = conn
        .query_row(
            "SELECT hash FROM history ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let at = ts(now);
    let hash = chain_hash(&prev, &at, entry);
    conn.execute(
        "INSERT INTO history (at, room_id, cycle, kind, side, outcome, title, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            at,
            entry.room.as_str(),
            entry.cycle,
            entry.kind,
            entry.side.map(Side::as_str),
            entry.outcome.as_str(),
            entry.title,
            entry.detail,
            prev,
            hash,
        ],
    )?;
    Ok(Entry {
        seq: conn.last_insert_rowid(),
        at: now,
        room: entry.room.clone(),
        cycle: entry.cycle,
        kind: entry.kind.clone(),
        side: entry.side,
        outcome: entry.outcome,
        title: entry.title.clone(),
        detail: entry.detail.clone(),
        hash,
    })
}

const COLUMNS: &str = "seq, at, room_id, cycle, kind, side, outcome, title, detail, hash";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Entry, String)> {
    let at: String = r.get(1)?;
    let side: Option<String> = r.get(5)?;
    let outcome: String = r.get(6)?;
    Ok((
        Entry {
            seq: r.get(0)?,
            at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            room: RoomId::new(r.get::<_, String>(2)?),
            cycle: r.get(3)?,
            kind: r.get(4)?,
            side: side.as_deref().and_then(Side::parse),
            outcome: Outcome::parse(&outcome),
            title: r.get(7)?,
            detail: r.get(8)?,
            hash: r.get(9)?,
        },
        at,
    ))
}

/// The newest `limit` rows, newest first; one room's when `room` is given.
pub fn list(conn: &Connection, room: Option<&RoomId>, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM history WHERE (?1 IS NULL OR room_id = ?1)
         ORDER BY seq DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![room.map(|r| r.as_str()), limit], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut entry, at) = row?;
        entry.at = parse_ts(&at)?;
        out.push(entry);
    }
    Ok(out)
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain. `Ok(n)` with the number of rows checked, or the first broken row.
pub fn verify(conn: &Connection) -> Result<std::result::Result<u64, Broken>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, room_id, cycle, kind, side, outcome, title, detail, prev_hash, hash
         FROM history ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let side: Option<String> = r.get(5)?;
        let outcome: String = r.get(6)?;
        let stored_prev: String = r.get(9)?;
        let stored: String = r.get(10)?;
        let entry = NewEntry {
            room: RoomId::new(r.get::<_, String>(2)?),
            cycle: r.get(3)?,
            kind: r.get(4)?,
            side: side.as_deref().and_then(Side::parse),
            outcome: Outcome::parse(&outcome),
            title: r.get(7)?,
            detail: r.get(8)?,
        };
        if stored_prev != prev {
            return Ok(Err(Broken {
                seq,
                reason: "a row before this one was removed or changed".into(),
            }));
        }
        if chain_hash(&prev, &at, &entry) != stored {
            return Ok(Err(Broken {
                seq,
                reason: "this row was changed after it was written".into(),
            }));
        }
        prev = stored;
        n += 1;
    }
    Ok(Ok(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn entry(title: &str) -> NewEntry {
        NewEntry {
            room: RoomId::new("gym"),
            cycle: 1,
            kind: "create_event".into(),
            side: Some(Side::Calendar),
            outcome: Outcome::Ok,
            title: title.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn an_untouched_chain_verifies_and_lists_newest_first() {
        let store = Store::open_in_memory().unwrap();
        store
            .write(|c| {
                for t in ["a", "b", "c"] {
                    append(c, &entry(t), chrono::Utc::now())?;
                }
                Ok(())
            })
            .unwrap();
        let rows = store.read(|c| list(c, None, 10)).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
            ["c", "b", "a"]
        );
        assert_eq!(store.read(verify).unwrap(), Ok(3));
    }

    #[test]
    fn updates_and_deletes_are_refused() {
        let store = Store::open_in_memory().unwrap();
        store
            .write(|c| append(c, &entry("a"), chrono::Utc::now()).map(|_| ()))
            .unwrap();
        assert!(
            store
                .read(|c| Ok(c.execute("UPDATE history SET title = 'x'", [])?))
                .is_err()
        );
        assert!(
            store
                .read(|c| Ok(c.execute("DELETE FROM history", [])?))
                .is_err()
        );
    }

    #[test]
    fn a_row_changed_behind_our_back_is_found() {
        let store = Store::open_in_memory().unwrap();
        store
            .write(|c| {
                for t in ["a", "b", "c"] {
                    append(c, &entry(t), chrono::Utc::now())?;
                }
                Ok(())
            })
            .unwrap();
        store
            .read(|c| {
                c.execute_batch(
                    "DROP TRIGGER history_no_update;
                     UPDATE history SET title = 'forged' WHERE seq = 2;",
                )?;
                Ok(())
            })
            .unwrap();
        let broken = store.read(verify).unwrap().unwrap_err();
        assert_eq!(broken.seq, 2);
    }
}
