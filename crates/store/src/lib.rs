//! RoomBridge's SQLite file: rooms, links, cursors, mirrors of both sides, conflicts and the
//! audit history.
//!
//! One module per table, each with its SQL next to its code. Functions take a
//! `&rusqlite::Connection` so that the engine can put a cycle's cursor and link changes in one
//! transaction ([`Store::write`]). The store makes no business decisions.

pub mod conflicts;
pub mod cursors;
pub mod history;
pub mod links;
mod migrations;
pub mod mirror;
pub mod rooms;
pub mod settings;
pub mod status;

use std::path::Path;
use std::sync::Mutex;

pub use rusqlite::Connection;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("stored value is not valid: {0}")]
    Invalid(String),
    #[error(
        "the database was written by a newer RoomBridge (schema {found}, this build knows {known})"
    )]
    TooNew { found: i64, known: i64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The open database. One connection behind a mutex: RoomBridge's writes are small and few,
/// and a single writer keeps SQLite's locking out of the engine's way.
///
/// The engine and the app call [`Store::read`] and [`Store::write`] from async tasks. On a
/// multi-threaded tokio runtime each call runs in `block_in_place`: the runtime hands the
/// worker's other tasks to another thread first, so SQLite's work (a first sync commits
/// thousands of rows at once) and the wait for the connection never hold up the tasks that
/// answer HTTP or drive other rooms. The closures are synchronous, so the lock is never held
/// across an `.await`. Elsewhere (a current-thread runtime, a plain thread) the call simply
/// runs.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (or creates) the database file, in WAL mode with foreign keys on, and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    /// A private in-memory database, for unit tests.
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every statement is prepared once and kept (`prepare_cached`): room for all of them,
        // and for the history's filters in their combinations.
        conn.set_prepared_statement_cache_capacity(128);
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// A second connection to the same file, read-only, for a long read (an export of the
    /// whole history) that must not hold the one connection the engine writes through; WAL
    /// lets it read while the engine writes. `None` in memory.
    pub fn reader(&self) -> Result<Option<Connection>> {
        let Some(path) = self.path() else {
            return Ok(None);
        };
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Some(conn))
    }

    /// The database file; `None` in memory.
    pub fn path(&self) -> Option<std::path::PathBuf> {
        let conn = self.lock();
        conn.path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    }

    /// Runs `f` with the connection, for reads and single writes.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        off_async(|| {
            let conn = self.lock();
            f(&conn)
        })
    }

    /// Runs `f` with the connection on the calling thread, for a read of a row or two by key
    /// (a room, a cursor): too short to be worth handing an async worker's tasks to another
    /// thread, which [`Store::read`] does. An idle engine makes thousands of these a minute.
    pub fn read_by_key<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        f(&conn)
    }

    /// Runs `f` in one transaction: all of its writes land, or none do.
    pub fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        off_async(|| {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection itself intact (rusqlite rolls
        // back an unfinished transaction on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs blocking work so that it does not hold up an async worker thread (see [`Store`]).
fn off_async<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

pub(crate) fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Invalid(format!("timestamp {s:?}: {e}")))
}
