//! What the Overview screen shows besides the rooms: sync activity and errors over time, and
//! the Graph request budget each mailbox has in use.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;

use roombridge_store::history::{self, Step};

use crate::{ApiError, App, ErrorCode};

/// The spans the activity chart offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// The last 24 hours, per hour.
    Day,
    /// The last 14 days, per day (UTC days).
    Fortnight,
}

impl Span {
    /// `24h` or `14d`; `invalid_input` otherwise.
    pub fn from_name(s: &str) -> Result<Span, ApiError> {
        match s {
            "24h" | "" => Ok(Span::Day),
            "14d" => Ok(Span::Fortnight),
            other => Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("The activity span must be 24h or 14d, not {other:?}."),
            )),
        }
    }

    fn step(self) -> (Step, Duration, usize) {
        match self {
            Span::Day => (Step::Hour, Duration::hours(1), 24),
            Span::Fortnight => (Step::Day, Duration::days(1), 14),
        }
    }
}

/// History rows of one hour or day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ActivityBucket {
    /// The bucket's first instant (RFC 3339, UTC).
    pub start: String,
    /// Actions that went through.
    pub ok: u32,
    /// Failed actions and cycles.
    pub failed: u32,
    /// Conflicts found.
    pub conflicts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ActivityView {
    pub span: Span,
    /// Every bucket of the span, oldest first, empty ones included.
    pub buckets: Vec<ActivityBucket>,
}

/// One mailbox's share of Graph's request budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BudgetView {
    pub mailbox: String,
    /// The room the mailbox belongs to; `None` for tenant-wide requests (room discovery,
    /// batches across rooms).
    pub room_name: Option<String>,
    /// Requests in the current rolling window.
    pub used: usize,
    pub limit: usize,
    pub window_secs: u64,
}

/// `counts` (sparse, oldest first) as every bucket of `n` of width `width` ending with the one
/// that holds `now`.
fn fill(
    counts: &[history::Bucket],
    now: DateTime<Utc>,
    width: Duration,
    n: usize,
) -> Vec<ActivityBucket> {
    // Hours and days both start on a whole number of their width since the epoch (UTC).
    let current = now.duration_trunc(width).unwrap_or(now);
    (0..n)
        .rev()
        .map(|back| {
            let start = current - width * back as i32;
            let found = counts.iter().find(|b| b.start == start);
            ActivityBucket {
                start: start.to_rfc3339(),
                ok: found.map_or(0, |b| b.ok),
                failed: found.map_or(0, |b| b.failed),
                conflicts: found.map_or(0, |b| b.conflicts),
            }
        })
        .collect()
}

impl App {
    /// Sync activity and errors over `span`, for the Overview chart.
    pub fn activity(&self, span: Span) -> Result<ActivityView, ApiError> {
        let now = Utc::now();
        let (step, width, n) = span.step();
        let first = now.duration_trunc(width).unwrap_or(now) - width * (n as i32 - 1);
        let counts = self
            .store()
            .read(|c| history::activity(c, first, step, None))?;
        Ok(ActivityView {
            span,
            buckets: fill(&counts, now, width, n),
        })
    }

    /// The Graph request budget in use: every room's mailbox (idle ones at 0) and tenant-wide
    /// requests when there were any, against Graph's 10,000 per mailbox per 10 minutes.
    pub fn graph_budget(&self) -> Result<Vec<BudgetView>, ApiError> {
        let rooms = self.store().read(roombridge_store::rooms::list)?;
        let used = self.engine().graph_budget();
        let limits = roombridge_connectors::graph::GraphLimits::default();
        let mut out: Vec<BudgetView> = rooms
            .iter()
            .map(|room| {
                let mailbox = room.mailbox.to_string().to_ascii_lowercase();
                let found = used.iter().find(|b| b.mailbox == mailbox);
                BudgetView {
                    room_name: Some(room.name.clone()),
                    used: found.map_or(0, |b| b.used),
                    limit: found.map_or(limits.max_requests_per_window, |b| b.limit),
                    window_secs: found.map_or(limits.window, |b| b.window).as_secs(),
                    mailbox,
                }
            })
            .collect();
        out.sort_by(|a, b| a.room_name.cmp(&b.room_name));
        let tenant_wide: Vec<BudgetView> = used
            .iter()
            .filter(|b| !out.iter().any(|o| o.mailbox == b.mailbox))
            .map(|b| BudgetView {
                mailbox: b.mailbox.clone(),
                room_name: None,
                used: b.used,
                limit: b.limit,
                window_secs: b.window.as_secs(),
            })
            .collect();
        out.extend(tenant_wide);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn empty_buckets_are_filled_and_the_last_holds_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 14, 37, 0).unwrap();
        let counts = [history::Bucket {
            start: Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
            ok: 4,
            failed: 1,
            conflicts: 0,
        }];
        let hours = fill(&counts, now, Duration::hours(1), 24);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[0].start, "2026-11-20T15:00:00+00:00");
        assert_eq!(hours[23].start, "2026-11-21T14:00:00+00:00");
        assert_eq!((hours[21].ok, hours[21].failed), (4, 1));
        assert_eq!(hours.iter().map(|b| b.ok).sum::<u32>(), 4);
        let days = fill(&[], now, Duration::days(1), 14);
        assert_eq!(days[13].start, "2026-11-21T00:00:00+00:00");
        assert_eq!(days[0].start, "2026-11-08T00:00:00+00:00");
    }

    #[test]
    fn spans_have_names() {
        assert_eq!(Span::from_name("24h"), Ok(Span::Day));
        assert_eq!(Span::from_name("14d"), Ok(Span::Fortnight));
        assert_eq!(
            Span::from_name("1y").unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }
}
