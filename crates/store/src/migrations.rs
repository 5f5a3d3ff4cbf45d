//! Versioned migrations. They only add; each runs once, in order, recorded in `user_version`.

use rusqlite::Connection;

use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE rooms (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('room', 'equipment')),
        mailbox     TEXT NOT NULL UNIQUE,
        resource_id TEXT NOT NULL UNIQUE,
        time_zone   TEXT NOT NULL,
        paused      INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE cursors (
        room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        side    TEXT NOT NULL CHECK (side IN ('booking', 'calendar')),
        cursor  TEXT NOT NULL,
        PRIMARY KEY (room_id, side)
    );
    CREATE TABLE reservations (
        room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        id      TEXT NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (room_id, id)
    );
    CREATE TABLE events (
        room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        id      TEXT NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (room_id, id)
    );
    CREATE TABLE links (
        room_id       TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        block         TEXT,
        event         TEXT,
        booking_hash  TEXT,
        calendar_hash TEXT,
        origin        TEXT NOT NULL CHECK (origin IN ('booking', 'calendar')),
        state         TEXT NOT NULL,
        message       TEXT,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (room_id, id)
    );
    CREATE INDEX links_by_event ON links (room_id, event);
    CREATE TABLE conflicts (
        id          INTEGER PRIMARY KEY,
        room_id     TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        link        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        booking     TEXT,
        calendar    TEXT,
        fields      TEXT NOT NULL,
        detected_at TEXT NOT NULL,
        resolved_at TEXT
    );
    CREATE UNIQUE INDEX conflicts_open ON conflicts (room_id, link) WHERE resolved_at IS NULL;
    CREATE TABLE room_status (
        room_id       TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
        cycle         INTEGER NOT NULL DEFAULT 0,
        last_cycle_at TEXT,
        last_ok_at    TEXT,
        last_error    TEXT
    );
    -- The audit history: append-only and hash-chained. Rooms may be removed; their history
    -- stays, so room_id is not a foreign key.
    CREATE TABLE history (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        at        TEXT NOT NULL,
        room_id   TEXT NOT NULL,
        cycle     INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        side      TEXT,
        outcome   TEXT NOT NULL,
        title     TEXT NOT NULL,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX history_by_room ON history (room_id, seq);
    CREATE TRIGGER history_no_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
    CREATE TRIGGER history_no_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
    "#,
    // 2: a person's approval of deletions the mass-deletion breaker held back.
    r#"
    ALTER TABLE room_status ADD COLUMN deletions_approved INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE room_status ADD COLUMN held_deletions INTEGER NOT NULL DEFAULT 0;
    "#,
    // 3: conflict policies (per room, with a global default in settings) and people's
    // decisions on conflicts.
    r#"
    ALTER TABLE rooms ADD COLUMN policy TEXT;
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    ALTER TABLE conflicts ADD COLUMN decision TEXT;
    ALTER TABLE conflicts ADD COLUMN decided_by TEXT;
    ALTER TABLE conflicts ADD COLUMN decided_reason TEXT;
    ALTER TABLE conflicts ADD COLUMN decided_at TEXT;
    "#,
    // 4: events RoomBridge created that no change feed has shown it yet. Delta leaves no trace
    // of an event created and deleted between two of its rounds, so these are read by id when
    // a round does not mention them.
    r#"
    ALTER TABLE events ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: the history's filters at a million rows: rows by time, by room and kind, and its
    // text (title and detail) in a trigram full-text index without positions (small and quick
    // to write), which narrows "contains" to the rows that have all of its trigrams. History is
    // append-only, so the index follows inserts only.
    r#"
    CREATE INDEX history_by_at ON history (at);
    CREATE INDEX history_by_room_kind ON history (room_id, kind, seq);
    CREATE VIRTUAL TABLE history_text USING fts5(
        title, detail, content = 'history', content_rowid = 'seq', tokenize = 'trigram',
        detail = 'none'
    );
    INSERT INTO history_text (history_text) VALUES ('rebuild');
    CREATE TRIGGER history_text_insert AFTER INSERT ON history BEGIN
        INSERT INTO history_text (rowid, title, detail) VALUES (new.seq, new.title, new.detail);
    END;
    "#,
    // 6: the history's text is indexed by `history::append_all`, a cycle's rows in one
    // statement: FTS5 writes its index out at every statement that touches it.
    r#"
    DROP TRIGGER history_text_insert;
    "#,
    // 7: what a quiet tick asks of a settled room (`links::unsettled`,
    // `mirror::unconfirmed_events`) answered from an index of the few rows that wait, not by
    // reading every link and event of the room.
    r#"
    CREATE INDEX events_unconfirmed ON events (room_id, id) WHERE unconfirmed;
    CREATE INDEX links_unsettled ON links (room_id) WHERE state IN ('failed', 'pending');
    "#,
    // 8: since when a room has failed, and on which side, so the UI shows one outage (the
    // booking system or Microsoft 365 cannot be reached since …) instead of rooms flapping.
    r#"
    ALTER TABLE room_status ADD COLUMN failing_since TEXT;
    ALTER TABLE room_status ADD COLUMN failing_side TEXT;
    "#,
    // 9: what a history row's detail says, in words (a key and its arguments, JSON), so the UI
    // says it in the language it shows. Outside the hash chain: the English detail is the audit.
    r#"
    ALTER TABLE history ADD COLUMN words TEXT;
    "#,
    // 10: a carried-out decision undone: the reopened conflict carries what each side held
    // before the decision (JSON), until the room's next cycle has written it back.
    r#"
    ALTER TABLE conflicts ADD COLUMN restore TEXT;
    "#,
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
    }

    /// A settled room's waiting work is looked up in the partial indexes, not by reading each
    /// of its events and links.
    #[test]
    fn waiting_work_is_found_through_its_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(|r| r.unwrap())
                .collect::<Vec<_>>();
            rows.join("; ")
        };
        let events = plan("SELECT id FROM events WHERE room_id = 'r' AND unconfirmed ORDER BY id");
        assert!(events.contains("events_unconfirmed"), "{events}");
        let links = plan(
            "SELECT EXISTS (SELECT 1 FROM links WHERE room_id = 'r' AND state IN ('failed', 'pending'))",
        );
        assert!(links.contains("links_unsettled"), "{links}");
    }

    /// The history's text index takes in the rows written before it existed.
    #[test]
    fn the_text_index_covers_history_written_before_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate().take(4) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1)
                .unwrap();
        }
        conn.execute(
            "INSERT INTO history (at, room_id, cycle, kind, side, outcome, title, detail, prev_hash, hash)
             VALUES ('2026-01-01T00:00:00.000Z', 'r', 1, 'create_event', NULL, 'ok', 'Choir practice', 'x', 'p', 'h')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let filter = crate::history::Filter {
            search: Some("choir".into()),
            ..Default::default()
        };
        let found = crate::history::query(&conn, &filter, crate::history::Order::NewestFirst, None)
            .unwrap();
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::TooNew { .. })));
    }
}
