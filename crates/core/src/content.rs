//! What a reservation looks like, in the same shape on both sides, and its content hash.
//!
//! Both connectors convert their wire formats into [`Content`]; the planner compares sides only
//! through [`Content::hash`]. Normalisation is what keeps server rewrites (trailing spaces, CRLF
//! bodies, seconds on instants) from showing up as false changes.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// When a reservation happens: an instant range, or whole dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum When {
    /// From `start` (inclusive) to `end` (exclusive), stored in UTC.
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Whole days from `start` to `end`, end exclusive. Dates, not instants: they keep their
    /// dates in every zone.
    AllDay { start: NaiveDate, end: NaiveDate },
}

impl When {
    /// Whether the range is well formed (end after start).
    pub fn is_valid(&self) -> bool {
        match self {
            When::Timed { start, end } => end > start,
            When::AllDay { start, end } => end > start,
        }
    }

    /// The UTC instants this covers, reading all-day dates in `zone`.
    pub fn instants(&self, zone: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            When::Timed { start, end } => (*start, *end),
            When::AllDay { start, end } => (midnight(*start, zone), midnight(*end, zone)),
        }
    }

    fn normalised(&self) -> When {
        match self {
            When::Timed { start, end } => When::Timed {
                start: to_minute(*start),
                end: to_minute(*end),
            },
            other => other.clone(),
        }
    }
}

/// The first instant of `date` in `zone`. Where midnight does not exist (a DST gap at
/// midnight), the first instant after the gap.
pub fn midnight(date: NaiveDate, zone: chrono_tz::Tz) -> DateTime<Utc> {
    crate::localtime::start_of_day(date, zone)
}

fn to_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// The fields RoomBridge keeps identical on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ContentView"))]
pub struct Content {
    pub title: String,
    pub when: When,
    /// The IANA zone the reservation is written in (the room's zone unless the side says
    /// otherwise). Not part of the hash for timed reservations: the same instants in another
    /// zone are the same reservation.
    pub time_zone: String,
    /// The organisation (booking) or organizer (Outlook) that holds the reservation.
    pub organisation: String,
    pub description: String,
}

impl Content {
    /// The UTC instants this covers. All-day dates are read in the content's own zone (an
    /// all-day closure written in Los Angeles ends at Los Angeles' midnight, whatever room it
    /// is in); `fallback` (the room's zone) when the content names no zone RoomBridge knows.
    pub fn instants(&self, fallback: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        self.when.instants(self.zone_or(fallback))
    }

    /// The content's own zone, or `fallback` when it names none RoomBridge knows.
    pub fn zone_or(&self, fallback: chrono_tz::Tz) -> chrono_tz::Tz {
        self.time_zone.trim().parse().unwrap_or(fallback)
    }

    /// The normalised form both sides are compared in.
    pub fn normalised(&self) -> Content {
        Content {
            title: collapse_spaces(&self.title),
            when: self.when.normalised(),
            time_zone: self.time_zone.trim().to_owned(),
            organisation: collapse_spaces(&self.organisation),
            description: self.description.replace("\r\n", "\n").trim().to_owned(),
        }
    }

    /// The hash of the normalised content. Equal hashes mean "the same reservation".
    pub fn hash(&self) -> ContentHash {
        let n = self.normalised();
        let mut h = Sha256::new();
        let mut field = |name: &str, value: &str| {
            h.update(name.as_bytes());
            h.update([0x1f]);
            h.update(value.as_bytes());
            h.update([0x1e]);
        };
        field("title", &n.title);
        match &n.when {
            When::Timed { start, end } => {
                field("start", &start.to_rfc3339());
                field("end", &end.to_rfc3339());
            }
            When::AllDay { start, end } => {
                field("all_day_start", &start.to_string());
                field("all_day_end", &end.to_string());
                field("time_zone", &n.time_zone);
            }
        }
        field("organisation", &n.organisation);
        field("description", &n.description);
        ContentHash(hex::encode(h.finalize()))
    }

    /// Names of the fields in which `self` and `other` differ after normalisation.
    pub fn differing_fields(&self, other: &Content) -> Vec<&'static str> {
        let (a, b) = (self.normalised(), other.normalised());
        let mut out = Vec::new();
        if a.title != b.title {
            out.push("title");
        }
        if a.when != b.when {
            out.push("when");
        }
        if a.organisation != b.organisation {
            out.push("organisation");
        }
        if a.description != b.description {
            out.push("description");
        }
        out
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SHA-256 of normalised content, hex encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn new(hex: impl Into<String>) -> Self {
        Self(hex.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn content() -> Content {
        Content {
            title: "Choir practice".into(),
            when: When::Timed {
                start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2026, 12, 1, 19, 0, 0).unwrap(),
            },
            time_zone: "Europe/Oslo".into(),
            organisation: "Oslo Choir".into(),
            description: "Bring sheets".into(),
        }
    }

    #[test]
    fn whitespace_and_crlf_do_not_change_the_hash() {
        let mut other = content();
        other.title = "  Choir   practice ".into();
        other.description = "Bring sheets\r\n".into();
        assert_eq!(content().hash(), other.hash());
    }

    #[test]
    fn seconds_on_instants_do_not_change_the_hash() {
        let mut other = content();
        other.when = When::Timed {
            start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 42).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 1, 19, 0, 0).unwrap(),
        };
        assert_eq!(content().hash(), other.hash());
    }

    #[test]
    fn zone_of_a_timed_reservation_is_not_content_but_times_are() {
        let mut other = content();
        other.time_zone = "UTC".into();
        assert_eq!(content().hash(), other.hash());
        other.when = When::Timed {
            start: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 1, 19, 0, 0).unwrap(),
        };
        assert_ne!(content().hash(), other.hash());
        assert_eq!(content().differing_fields(&other), vec!["when"]);
    }

    #[test]
    fn all_day_midnight_is_read_in_the_rooms_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
        let when = When::AllDay {
            start: d,
            end: d.succ_opt().unwrap(),
        };
        let (start, end) = when.instants(chrono_tz::Europe::Oslo);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 12, 23, 23, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 12, 24, 23, 0, 0).unwrap());
    }
}
