//! Settings that apply to every room, as keys and values.

use rusqlite::{Connection, OptionalExtension, params};

use roombridge_core::policy::Policy;

use crate::{Result, StoreError};

const DEFAULT_POLICY: &str = "default_policy";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = ?2",
        params![key, value],
    )?;
    Ok(())
}

/// The conflict policy of rooms without their own (`manual` until someone sets it).
pub fn default_policy(conn: &Connection) -> Result<Policy> {
    match get(conn, DEFAULT_POLICY)? {
        Some(s) => Policy::parse(&s).map_err(StoreError::Invalid),
        None => Ok(Policy::Manual),
    }
}

pub fn set_default_policy(conn: &Connection, policy: Policy) -> Result<()> {
    set(conn, DEFAULT_POLICY, &policy.name())
}

/// The policy a room follows: its own, or the global default.
pub fn policy_of(conn: &Connection, room: &roombridge_core::RoomId) -> Result<Policy> {
    match crate::rooms::policy(conn, room)? {
        Some(p) => Ok(p),
        None => default_policy(conn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn the_default_policy_is_manual_until_set_and_a_room_may_override_it() {
        let store = Store::open_in_memory().unwrap();
        let room = crate::rooms::tests_support::room("gym");
        store
            .write(|c| crate::rooms::upsert(c, &room, chrono::Utc::now()))
            .unwrap();
        let policy = |s: &Store| s.read(|c| policy_of(c, &room.id)).unwrap();
        assert_eq!(policy(&store), Policy::Manual);
        store
            .write(|c| set_default_policy(c, Policy::BookingWins))
            .unwrap();
        assert_eq!(policy(&store), Policy::BookingWins);
        store
            .write(|c| crate::rooms::set_policy(c, &room.id, Some(Policy::LatestWins)))
            .unwrap();
        assert_eq!(policy(&store), Policy::LatestWins);
        store
            .write(|c| crate::rooms::set_policy(c, &room.id, None))
            .unwrap();
        assert_eq!(policy(&store), Policy::BookingWins);
    }
}
