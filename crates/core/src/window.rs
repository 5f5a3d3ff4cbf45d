//! The sync window: the span of time RoomBridge keeps identical.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::content::When;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl SyncWindow {
    /// `days_back` before `now` to `days_ahead` after it. `now` is passed in: core reads no clock.
    pub fn around(now: DateTime<Utc>, days_back: i64, days_ahead: i64) -> SyncWindow {
        SyncWindow {
            start: now - Duration::days(days_back),
            end: now + Duration::days(days_ahead),
        }
    }

    /// Whether a reservation at `when` (read in `zone`) overlaps the window.
    pub fn contains(&self, when: &When, zone: chrono_tz::Tz) -> bool {
        let (start, end) = when.instants(zone);
        start < self.end && end > self.start
    }
}
