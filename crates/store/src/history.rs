//! The audit history: every action the engine took and why, append-only and hash-chained.
//!
//! Each row's hash covers its fields and the previous row's hash, so editing or removing a row
//! breaks the chain from there on; [`verify`] finds the first broken row. Triggers refuse
//! UPDATE and DELETE, so tampering needs a tool other than RoomBridge.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use roombridge_core::i18n::Words;
use roombridge_core::{RoomId, Side};

use crate::{Result, StoreError, parse_ts, ts};

mod kind;
pub use kind::{HistoryKind, UnknownKind};

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
        Outcome::from_name(s).unwrap_or(Outcome::Failed)
    }

    /// The outcome named `s` (`ok`, `failed`, `conflict`), or `None`.
    pub fn from_name(s: &str) -> Option<Outcome> {
        match s {
            "ok" => Some(Outcome::Ok),
            "failed" => Some(Outcome::Failed),
            "conflict" => Some(Outcome::Conflict),
            _ => None,
        }
    }
}

/// A row to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub room: RoomId,
    pub cycle: i64,
    /// An action's kind (`create_event`, …), or `conflict`, `rejected`, `cycle_failed`, ….
    pub kind: HistoryKind,
    pub side: Option<Side>,
    pub outcome: Outcome,
    /// What it was about, usually the reservation's title.
    pub title: String,
    /// Why, or what went wrong.
    pub detail: String,
    /// What `detail` says, in words the UI can say in its language. Not part of the hash
    /// chain: the detail is what the audit holds.
    pub words: Option<Words>,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub room: RoomId,
    pub cycle: i64,
    pub kind: HistoryKind,
    pub side: Option<Side>,
    pub outcome: Outcome,
    pub title: String,
    pub detail: String,
    pub hash: String,
    /// What `detail` says, in words, as stored (JSON; rows written before these were kept have
    /// none). Read with [`Entry::said`]: a reader that only needs the audit's columns (a JSON
    /// Lines export of a million rows) does not parse them.
    pub words: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of a row the chain covers, as text: what is appended, or what is stored (whose
/// kind [`verify`] hashes as it stands, known to this build or not).
struct Hashed<'a> {
    room: &'a str,
    cycle: i64,
    kind: &'a str,
    side: Option<Side>,
    outcome: Outcome,
    title: &'a str,
    detail: &'a str,
}

impl NewEntry {
    fn hashed(&self) -> Hashed<'_> {
        Hashed {
            room: self.room.as_str(),
            cycle: self.cycle,
            kind: self.kind.as_str(),
            side: self.side,
            outcome: self.outcome,
            title: &self.title,
            detail: &self.detail,
        }
    }
}

fn chain_hash(prev: &str, at: &str, e: &Hashed<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        at,
        e.room,
        &e.cycle.to_string(),
        e.kind,
        e.side.map(Side::as_str).unwrap_or(""),
        e.outcome.as_str(),
        e.title,
        e.detail,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Longest title a history row keeps, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest detail a history row keeps, in characters.
pub const MAX_DETAIL_CHARS: usize = 4_000;

/// `text` cut to `max` characters, saying how long it was; unchanged when it fits.
fn bounded(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… ({n} characters in all)")
}

/// Appends a row and returns it. A title or detail longer than [`MAX_TITLE_CHARS`] /
/// [`MAX_DETAIL_CHARS`] (a reservation with a megabyte of title) is kept cut, with its length,
/// so that one item cannot make the history, its exports and every screen that reads it huge.
pub fn append(
    conn: &Connection,
    entry: &NewEntry,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Entry> {
    let mut rows = append_all(conn, std::slice::from_ref(entry), now)?;
    Ok(rows.remove(0))
}

/// Appends rows (each as [`append`] does) in order, each chained to the one before it, and indexes
/// their text in one statement. FTS5 writes its pending index out at every statement that
/// touches it, so indexing row by row (a trigger) made a 1,000-row cycle write 1,000 small
/// index segments and merge them: a third of a first sync's CPU.
pub fn append_all(
    conn: &Connection,
    entries: &[NewEntry],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Entry>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut prev: String = conn
        .prepare_cached("SELECT hash FROM history ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let at = ts(now);
    let mut insert = conn.prepare_cached(
        "INSERT INTO history (at, room_id, cycle, kind, side, outcome, title, detail, prev_hash, hash, words)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let bounded_entry;
        let entry = if entry.title.chars().count() > MAX_TITLE_CHARS
            || entry.detail.chars().count() > MAX_DETAIL_CHARS
        {
            bounded_entry = NewEntry {
                title: bounded(&entry.title, MAX_TITLE_CHARS),
                detail: bounded(&entry.detail, MAX_DETAIL_CHARS),
                ..entry.clone()
            };
            &bounded_entry
        } else {
            entry
        };
        let hash = chain_hash(&prev, &at, &entry.hashed());
        let words = entry
            .words
            .as_ref()
            .and_then(|w| serde_json::to_string(w).ok());
        insert.execute(params![
            at,
            entry.room.as_str(),
            entry.cycle,
            entry.kind.as_str(),
            entry.side.map(Side::as_str),
            entry.outcome.as_str(),
            entry.title,
            entry.detail,
            prev,
            hash,
            words,
        ])?;
        rows.push(Entry {
            seq: conn.last_insert_rowid(),
            at: now,
            room: entry.room.clone(),
            cycle: entry.cycle,
            kind: entry.kind,
            side: entry.side,
            outcome: entry.outcome,
            title: entry.title.clone(),
            detail: entry.detail.clone(),
            hash: hash.clone(),
            words,
        });
        prev = hash;
    }
    conn.prepare_cached(
        "INSERT INTO history_text (rowid, title, detail)
         SELECT seq, title, detail FROM history WHERE seq >= ?1",
    )?
    .execute([rows[0].seq])?;
    Ok(rows)
}

/// The width of one bucket of [`activity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Hour,
    Day,
}

impl Step {
    /// How many leading characters of a stored timestamp (`2026-11-21T14:05:00.000Z`) name
    /// its bucket: the date and hour, or the date.
    fn prefix_len(self) -> i64 {
        match self {
            Step::Hour => 13,
            Step::Day => 10,
        }
    }

    /// The first instant of the bucket a prefix names.
    fn start_of(self, prefix: &str) -> Result<chrono::DateTime<chrono::Utc>> {
        let full = match self {
            Step::Hour => format!("{prefix}:00:00Z"),
            Step::Day => format!("{prefix}T00:00:00Z"),
        };
        parse_ts(&full)
    }
}

/// History rows of one hour or day, by outcome. Only buckets with rows are returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: chrono::DateTime<chrono::Utc>,
    /// Actions that went through.
    pub ok: u32,
    /// Actions, cycles and items that failed.
    pub failed: u32,
    /// Conflicts found.
    pub conflicts: u32,
}

/// Counts history rows at or after `since` per `step`, oldest first, of one room or all.
/// Timestamps are stored as fixed-width UTC RFC 3339, so a bucket is a prefix of them and
/// SQLite does the counting.
pub fn activity(
    conn: &Connection,
    since: chrono::DateTime<chrono::Utc>,
    step: Step,
    room: Option<&RoomId>,
) -> Result<Vec<Bucket>> {
    let mut stmt = conn.prepare_cached(
        "SELECT substr(at, 1, ?1) AS bucket,
                SUM(outcome = 'ok'), SUM(outcome = 'failed'), SUM(outcome = 'conflict')
         FROM history
         WHERE at >= ?2 AND (?3 IS NULL OR room_id = ?3)
         GROUP BY bucket ORDER BY bucket",
    )?;
    let rows = stmt
        .query_map(
            params![step.prefix_len(), ts(since), room.map(RoomId::as_str)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, u32>(3)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(prefix, ok, failed, conflicts)| {
            Ok(Bucket {
                start: step.start_of(&prefix)?,
                ok,
                failed,
                conflicts,
            })
        })
        .collect()
}

const COLUMNS: &str = "seq, at, room_id, cycle, kind, side, outcome, title, detail, hash, words";

impl Entry {
    /// What the detail says, in words; `None` for rows without them, and for words this build
    /// cannot read (the English detail says it then).
    pub fn said(&self) -> Option<Words> {
        serde_json::from_str(self.words.as_deref()?).ok()
    }
}

/// A row as SQLite holds it, its text not yet read.
struct Stored {
    seq: i64,
    at: String,
    room: String,
    cycle: i64,
    kind: String,
    side: Option<Side>,
    outcome: Outcome,
    title: String,
    detail: String,
    hash: String,
    words: Option<String>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Stored> {
    let side: Option<String> = r.get(5)?;
    let outcome: String = r.get(6)?;
    Ok(Stored {
        seq: r.get(0)?,
        at: r.get(1)?,
        room: r.get(2)?,
        cycle: r.get(3)?,
        kind: r.get(4)?,
        side: side.as_deref().and_then(Side::parse),
        outcome: Outcome::parse(&outcome),
        title: r.get(7)?,
        detail: r.get(8)?,
        hash: r.get(9)?,
        words: r.get(10)?,
    })
}

impl Stored {
    fn hashed(&self) -> Hashed<'_> {
        Hashed {
            room: &self.room,
            cycle: self.cycle,
            kind: &self.kind,
            side: self.side,
            outcome: self.outcome,
            title: &self.title,
            detail: &self.detail,
        }
    }

    /// The entry, or [`StoreError::Invalid`] for a time or kind this build cannot read.
    fn entry(self) -> Result<Entry> {
        let kind = self.kind.parse().map_err(|e: UnknownKind| {
            StoreError::Invalid(format!("history entry {}: {e}", self.seq))
        })?;
        Ok(Entry {
            seq: self.seq,
            at: parse_ts(&self.at)?,
            room: RoomId::new(self.room),
            cycle: self.cycle,
            kind,
            side: self.side,
            outcome: self.outcome,
            title: self.title,
            detail: self.detail,
            hash: self.hash,
            words: self.words,
        })
    }
}

/// The row `seq`, if there is one.
pub fn get(conn: &Connection, seq: i64) -> Result<Option<Entry>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM history WHERE seq = ?1"))?;
    let mut rows = stmt.query_map([seq], from_row)?;
    rows.next().transpose()?.map(Stored::entry).transpose()
}

/// The newest `limit` rows, newest first; one room's when `room` is given.
pub fn list(conn: &Connection, room: Option<&RoomId>, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM history WHERE (?1 IS NULL OR room_id = ?1)
         ORDER BY seq DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![room.map(|r| r.as_str()), limit], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?.entry()?);
    }
    Ok(out)
}

/// Which rows to read. Every condition that is set must hold; the default is every row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub room: Option<RoomId>,
    /// Rows written at or after this instant.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Rows written before this instant (exclusive).
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// One kind, e.g. `create_event`, `conflict`, `rejected`.
    pub kind: Option<HistoryKind>,
    pub outcome: Option<Outcome>,
    /// Text that must appear in the title or the detail (ASCII letters in any case).
    pub search: Option<String>,
    /// Rows older than this `seq` only: the next page after a page ending at `before`.
    pub before: Option<i64>,
}

/// A stored row with the previous row's hash, which the export carries so that a reader can
/// check the chain without RoomBridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained {
    pub entry: Entry,
    pub prev_hash: String,
}

/// Which end of the log [`query`] starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// An FTS5 query for the rows of `history_text` that hold every trigram of `text` (case
/// folded, as the index is), or `None` for text shorter than a trigram.
fn trigram_query(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 3 {
        return None;
    }
    let mut grams: Vec<String> = chars
        .windows(3)
        .map(|w| w.iter().collect::<String>().to_lowercase())
        .collect();
    grams.sort();
    grams.dedup();
    Some(
        grams
            .iter()
            .map(|g| format!("\"{}\"", g.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// The `WHERE` clause `filter` makes (empty for every row) and its values, one per `?` in
/// order. Only the conditions that are set go in, so that SQLite can use the indexes: a time
/// range reads `history_by_at`, a room and kind `history_by_room_kind`, and text of three
/// characters or more the trigram index `history_text` (shorter text is matched with LIKE).
fn conditions(filter: &Filter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut add = |condition: &'static str, value: Value| {
        conditions.push(condition);
        values.push(value);
    };
    if let Some(room) = &filter.room {
        add("room_id = ?", Value::Text(room.as_str().to_owned()));
    }
    // Timestamps are stored as RFC 3339 UTC with milliseconds, so text order is time order.
    if let Some(from) = filter.from {
        add("at >= ?", Value::Text(ts(from)));
    }
    if let Some(to) = filter.to {
        add("at < ?", Value::Text(ts(to)));
    }
    if let Some(kind) = filter.kind {
        add("kind = ?", Value::Text(kind.as_str().to_owned()));
    }
    if let Some(outcome) = filter.outcome {
        add("outcome = ?", Value::Text(outcome.as_str().to_owned()));
    }
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(trigrams) = trigram_query(text) {
            // The index narrows to the rows holding every trigram of the text; LIKE keeps
            // those that hold it in one piece.
            add(
                "seq IN (SELECT rowid FROM history_text WHERE history_text MATCH ?)",
                Value::Text(trigrams),
            );
        }
        let pattern = like_pattern(text);
        add(
            "(title LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')",
            Value::Text(pattern.clone()),
        );
        values.push(Value::Text(pattern));
    }
    if let Some(before) = filter.before {
        conditions.push("seq < ?");
        values.push(Value::Integer(before));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    (clause, values)
}

/// Calls `f` with each row `filter` selects, in `order`, at most `limit` of them (`None`:
/// all), one at a time: an export of a million rows never holds them all.
pub fn each(
    conn: &Connection,
    filter: &Filter,
    order: Order,
    limit: Option<u32>,
    mut f: impl FnMut(Chained) -> Result<()>,
) -> Result<()> {
    let direction = match order {
        Order::NewestFirst => "DESC",
        Order::OldestFirst => "ASC",
    };
    let (clause, mut values) = conditions(filter);
    // SQLite reads a negative LIMIT as "no limit".
    values.push(rusqlite::types::Value::Integer(limit.map_or(-1, i64::from)));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, prev_hash FROM history{clause} ORDER BY seq {direction} LIMIT ?"
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
    while let Some(r) = rows.next()? {
        let stored = from_row(r)?;
        let prev_hash: String = r.get(11)?;
        f(Chained {
            entry: stored.entry()?,
            prev_hash,
        })?;
    }
    Ok(())
}

/// The rows `filter` selects, in `order`, at most `limit` of them (`None`: all).
pub fn query(
    conn: &Connection,
    filter: &Filter,
    order: Order,
    limit: Option<u32>,
) -> Result<Vec<Chained>> {
    let mut out = Vec::new();
    each(conn, filter, order, limit, |row| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
}

/// How many rows `filter` selects.
pub fn count(conn: &Connection, filter: &Filter) -> Result<u64> {
    let (clause, values) = conditions(filter);
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM history{clause}"))?
        .query_row(rusqlite::params_from_iter(values), |r| r.get(0))?;
    Ok(n as u64)
}

/// The newest row of the chain, as the audit anchor records it outside the database (see
/// `roombridge_app::anchor`): a history cut back to before it, or rewritten up to it, no
/// longer verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// `seq:hash`, as the anchor is kept.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }

    pub fn decode(text: &str) -> Option<Head> {
        let (seq, hash) = text.trim().split_once(':')?;
        Some(Head {
            seq: seq.parse().ok()?,
            hash: hash.to_owned(),
        })
    }
}

/// The newest row, if there is one.
pub fn head(conn: &Connection) -> Result<Option<Head>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(Head {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain. `Ok(n)` with the number of rows checked, or the first broken row.
pub fn verify(conn: &Connection) -> Result<std::result::Result<u64, Broken>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, prev_hash FROM history ORDER BY seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let row = from_row(r)?;
        let stored_prev: String = r.get(11)?;
        if stored_prev != prev {
            return Ok(Err(Broken {
                seq: row.seq,
                reason: "a row before this one was removed or changed".into(),
            }));
        }
        if chain_hash(&prev, &row.at, &row.hashed()) != row.hash {
            return Ok(Err(Broken {
                seq: row.seq,
                reason: "this row was changed after it was written".into(),
            }));
        }
        prev = row.hash;
        n += 1;
    }
    Ok(Ok(n))
}

/// Walks the whole chain like [`verify`], then checks it still holds the row `anchor`
/// recorded: the chain alone cannot tell that its newest rows were deleted, or that every row
/// was written again.
pub fn verify_anchored(
    conn: &Connection,
    anchor: Option<&Head>,
) -> Result<std::result::Result<u64, Broken>> {
    let checked = match verify(conn)? {
        Ok(n) => n,
        broken => return Ok(broken),
    };
    let Some(anchor) = anchor else {
        return Ok(Ok(checked));
    };
    let stored: Option<String> = conn
        .query_row(
            "SELECT hash FROM history WHERE seq = ?1",
            [anchor.seq],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match stored {
        Some(hash) if hash == anchor.hash => Ok(checked),
        Some(_) => Err(Broken {
            seq: anchor.seq,
            reason: "this entry is not the one RoomBridge recorded: the history was written again"
                .into(),
        }),
        None => {
            let last = head(conn)?.map_or(0, |h| h.seq);
            Err(Broken {
                seq: anchor.seq,
                reason: if last == 0 {
                    "the history is empty, but RoomBridge had recorded entries up to this one: they were deleted".to_owned()
                } else {
                    format!(
                        "the history ends at entry {last}, but RoomBridge had recorded entries up to this one: the newest were deleted"
                    )
                },
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn an_anchor_catches_the_newest_rows_deleted_and_a_rewritten_chain() {
        let store = Store::open_in_memory().unwrap();
        let now = chrono::Utc::now();
        for title in ["a", "b", "c"] {
            store.write(|c| append(c, &entry(title), now)).unwrap();
        }
        let anchor = store.read(head).unwrap().unwrap();
        assert_eq!(anchor.seq, 3);
        assert_eq!(Head::decode(&anchor.encode()), Some(anchor.clone()));
        assert_eq!(
            store.read(|c| verify_anchored(c, Some(&anchor))).unwrap(),
            Ok(3)
        );
        // Rows after the anchor (written since it was saved) are fine.
        store.write(|c| append(c, &entry("d"), now)).unwrap();
        assert_eq!(
            store.read(|c| verify_anchored(c, Some(&anchor))).unwrap(),
            Ok(4)
        );

        // The newest two rows deleted (the triggers dropped first, as a person with the file
        // could): the chain alone still verifies, the anchor does not.
        store
            .write(|c| {
                c.execute_batch(
                    "DROP TRIGGER history_no_delete; DELETE FROM history WHERE seq >= 3;",
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!(store.read(verify).unwrap(), Ok(2));
        let broken = store
            .read(|c| verify_anchored(c, Some(&anchor)))
            .unwrap()
            .unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(
            broken.reason.contains("ends at entry 2"),
            "{}",
            broken.reason
        );

        // Written again from scratch, with a valid chain of its own.
        store
            .write(|c| {
                c.execute_batch(
                    "DELETE FROM history; DELETE FROM sqlite_sequence WHERE name = 'history';",
                )?;
                for title in ["x", "y", "z"] {
                    append(c, &entry(title), now)?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(store.read(verify).unwrap(), Ok(3));
        let broken = store
            .read(|c| verify_anchored(c, Some(&anchor)))
            .unwrap()
            .unwrap_err();
        assert!(broken.reason.contains("written again"), "{}", broken.reason);
    }

    #[test]
    fn a_huge_title_is_kept_cut_with_its_length_and_the_chain_still_verifies() {
        let store = Store::open_in_memory().unwrap();
        let mut huge = entry("x");
        huge.title = "T".repeat(1_900_000);
        huge.detail = "d".repeat(10_000);
        let row = store
            .write(|c| append(c, &huge, chrono::Utc::now()))
            .unwrap();
        assert!(
            row.title.chars().count() < MAX_TITLE_CHARS + 40,
            "{}",
            row.title.len()
        );
        assert!(
            row.title.ends_with("(1900000 characters in all)"),
            "{}",
            &row.title[290..]
        );
        assert!(row.detail.ends_with("(10000 characters in all)"));
        assert_eq!(store.read(verify).unwrap().unwrap(), 1);
    }

    fn entry(title: &str) -> NewEntry {
        NewEntry {
            room: RoomId::new("gym"),
            cycle: 1,
            kind: HistoryKind::CreateEvent,
            side: Some(Side::Calendar),
            outcome: Outcome::Ok,
            title: title.into(),
            detail: String::new(),
            words: None,
        }
    }

    #[test]
    fn a_kind_this_build_does_not_know_is_reported_and_still_verifies() {
        let store = Store::open_in_memory().unwrap();
        let now = chrono::Utc::now();
        store
            .write(|c| {
                append(c, &entry("a"), now)?;
                // A row a newer RoomBridge wrote, of a kind this build lacks.
                let prev = head(c)?.unwrap().hash;
                let at = ts(now);
                let newer = entry("b");
                let hash = chain_hash(
                    &prev,
                    &at,
                    &Hashed {
                        kind: "teleported",
                        ..newer.hashed()
                    },
                );
                c.prepare_cached("INSERT INTO history (at, room_id, cycle, kind, side, outcome, title, detail, prev_hash, hash)
                     VALUES (?1, 'gym', 1, 'teleported', 'calendar', 'ok', 'b', '', ?2, ?3)")?.execute(params![at, prev, hash])?;
                Ok(())
            })
            .unwrap();
        let err = store.read(|c| list(c, None, 10)).unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("history entry 2") && m.contains("\"teleported\"")),
            "{err}"
        );
        assert_eq!(store.read(verify).unwrap(), Ok(2));
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
                .read(|c| Ok(c
                    .prepare_cached("UPDATE history SET title = 'x'")?
                    .execute([])?))
                .is_err()
        );
        assert!(
            store
                .read(|c| Ok(c.prepare_cached("DELETE FROM history")?.execute([])?))
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
    /// Five rows across two rooms, an hour apart from 2026-03-01T10:00Z.
    fn seeded() -> Store {
        let store = Store::open_in_memory().unwrap();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let rows = [
            ("gym", "create_event", Outcome::Ok, "Handball U12", ""),
            (
                "gym",
                "conflict",
                Outcome::Conflict,
                "Choir",
                "changed on both sides",
            ),
            (
                "hall",
                "create_event",
                Outcome::Failed,
                "Chess club",
                "HTTP 503",
            ),
            (
                "hall",
                "rejected",
                Outcome::Failed,
                "50% off_sale",
                "no end time",
            ),
            (
                "gym",
                "update_event",
                Outcome::Ok,
                "Yoga",
                "moved by the Chess club",
            ),
        ];
        store
            .write(|c| {
                for (i, (room, kind, outcome, title, detail)) in rows.into_iter().enumerate() {
                    let e = NewEntry {
                        room: RoomId::new(room),
                        cycle: 1,
                        kind: kind.parse().unwrap(),
                        side: Some(Side::Calendar),
                        outcome,
                        title: title.into(),
                        detail: detail.into(),
                        words: None,
                    };
                    append(c, &e, t0 + chrono::Duration::hours(i as i64))?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    fn titles(store: &Store, filter: &Filter) -> Vec<String> {
        store
            .read(|c| query(c, filter, Order::OldestFirst, None))
            .unwrap()
            .into_iter()
            .map(|r| r.entry.title)
            .collect()
    }

    fn at(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc),
        )
    }

    #[test]
    fn an_empty_filter_selects_every_row_with_its_previous_hash() {
        let store = seeded();
        let rows = store
            .read(|c| query(c, &Filter::default(), Order::OldestFirst, None))
            .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].prev_hash, GENESIS);
        for pair in rows.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].entry.hash);
        }
    }

    #[test]
    fn the_room_filter_selects_one_room() {
        let filter = Filter {
            room: Some(RoomId::new("hall")),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Chess club", "50% off_sale"]);
    }

    #[test]
    fn from_is_inclusive_and_to_is_exclusive() {
        let filter = Filter {
            from: at("2026-03-01T11:00:00Z"),
            to: at("2026-03-01T13:00:00Z"),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Choir", "Chess club"]);
    }

    #[test]
    fn the_kind_filter_selects_one_kind() {
        let filter = Filter {
            kind: Some(HistoryKind::CreateEvent),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Handball U12", "Chess club"]);
    }

    #[test]
    fn the_outcome_filter_selects_one_outcome() {
        let filter = Filter {
            outcome: Some(Outcome::Failed),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Chess club", "50% off_sale"]);
        let filter = Filter {
            outcome: Some(Outcome::Conflict),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Choir"]);
    }

    #[test]
    fn search_looks_in_title_and_detail_in_any_case() {
        let filter = Filter {
            search: Some("chess CLUB".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Chess club", "Yoga"]);
    }

    /// Text of three characters or more goes through the trigram index: a piece of a word
    /// matches in any case, and text no row holds in one piece matches nothing.
    #[test]
    fn search_finds_text_inside_words_and_only_in_one_piece() {
        let store = seeded();
        let inside = Filter {
            search: Some("HESS CL".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&store, &inside), ["Chess club", "Yoga"]);
        let scattered = Filter {
            search: Some("clubc".into()),
            ..Filter::default()
        };
        assert!(titles(&store, &scattered).is_empty());
    }

    /// Rows appended together are chained one to the next, and their text is found.
    #[test]
    fn rows_appended_together_are_chained_and_searchable() {
        let store = Store::open_in_memory().unwrap();
        let now = chrono::Utc::now();
        store.write(|c| append(c, &entry("Before"), now)).unwrap();
        let rows = store
            .write(|c| {
                append_all(
                    c,
                    &[
                        entry("Quilting circle"),
                        entry("Band rehearsal"),
                        entry("Quiz night"),
                    ],
                    now,
                )
            })
            .unwrap();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(store.read(verify).unwrap(), Ok(4));
        let search = |text: &str| Filter {
            search: Some(text.into()),
            ..Filter::default()
        };
        assert_eq!(titles(&store, &search("rehears")), ["Band rehearsal"]);
        assert_eq!(titles(&store, &search("QUI")).len(), 2);
        assert!(store.write(|c| append_all(c, &[], now)).unwrap().is_empty());
    }

    #[test]
    fn search_takes_like_wildcards_literally() {
        let store = seeded();
        let percent = Filter {
            search: Some("50%".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&store, &percent), ["50% off_sale"]);
        let underscore = Filter {
            search: Some("f_s".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&store, &underscore), ["50% off_sale"]);
        let wildcard = Filter {
            search: Some("%".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&store, &wildcard), ["50% off_sale"]);
    }

    #[test]
    fn conditions_combine() {
        let filter = Filter {
            room: Some(RoomId::new("gym")),
            outcome: Some(Outcome::Ok),
            search: Some("chess".into()),
            ..Filter::default()
        };
        assert_eq!(titles(&seeded(), &filter), ["Yoga"]);
    }

    #[test]
    fn pages_follow_each_other_newest_first_without_overlap() {
        let store = seeded();
        let page = |before| {
            let filter = Filter {
                before,
                ..Filter::default()
            };
            store
                .read(|c| query(c, &filter, Order::NewestFirst, Some(2)))
                .unwrap()
        };
        let first = page(None);
        assert_eq!(
            first.iter().map(|r| r.entry.seq).collect::<Vec<_>>(),
            [5, 4]
        );
        let second = page(Some(first[1].entry.seq));
        assert_eq!(
            second.iter().map(|r| r.entry.seq).collect::<Vec<_>>(),
            [3, 2]
        );
        let last = page(Some(second[1].entry.seq));
        assert_eq!(last.iter().map(|r| r.entry.seq).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn activity_counts_rows_per_hour_and_day_by_outcome_since_a_time() {
        use chrono::TimeZone;
        let at = |d, h, m| chrono::Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let store = Store::open_in_memory().unwrap();
        let row = |room: &str, outcome| NewEntry {
            room: RoomId::new(room),
            outcome,
            ..entry("x")
        };
        store
            .write(|c| {
                // Before the span asked for: not counted.
                append(c, &row("gym", Outcome::Ok), at(19, 23, 59))?;
                append(c, &row("gym", Outcome::Ok), at(20, 9, 0))?;
                append(c, &row("gym", Outcome::Failed), at(20, 9, 59))?;
                append(c, &row("hall", Outcome::Conflict), at(20, 9, 30))?;
                append(c, &row("gym", Outcome::Ok), at(20, 11, 15))?;
                append(c, &row("gym", Outcome::Ok), at(21, 0, 5))?;
                Ok(())
            })
            .unwrap();
        let hours = store
            .read(|c| activity(c, at(20, 0, 0), Step::Hour, None))
            .unwrap();
        let view: Vec<_> = hours
            .iter()
            .map(|b| (b.start, b.ok, b.failed, b.conflicts))
            .collect();
        assert_eq!(
            view,
            [
                (at(20, 9, 0), 1, 1, 1),
                (at(20, 11, 0), 1, 0, 0),
                (at(21, 0, 0), 1, 0, 0)
            ]
        );
        let days = store
            .read(|c| activity(c, at(19, 0, 0), Step::Day, Some(&RoomId::new("gym"))))
            .unwrap();
        let view: Vec<_> = days
            .iter()
            .map(|b| (b.start, b.ok, b.failed, b.conflicts))
            .collect();
        assert_eq!(
            view,
            [
                (at(19, 0, 0), 1, 0, 0),
                (at(20, 0, 0), 2, 1, 0),
                (at(21, 0, 0), 1, 0, 0)
            ]
        );
    }
}
