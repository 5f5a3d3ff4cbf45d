//! Which history rows to show or export, as the UI, the HTTP query string and the CLI give it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use roombridge_core::RoomId;
use roombridge_store::history::{self, Filter, HistoryKind, Order, Outcome};

use crate::views::HistoryEntry;
use crate::{ApiError, App, ErrorCode};

/// Rows a page holds when the caller does not say.
const DEFAULT_LIMIT: u32 = 200;
/// The most rows one page may hold; exports are not limited.
const MAX_LIMIT: u32 = 5000;

/// Which history rows to show or export, as the UI, the HTTP query string and the CLI give it.
/// Every field is optional and an empty string counts as absent (an untouched form field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct HistoryQuery {
    /// Rows per page (1–5000, default 200). Ignored by exports, which hold every match.
    #[serde(default, deserialize_with = "crate::ops::lenient::optional")]
    pub limit: Option<u32>,
    /// A room id.
    pub room: Option<String>,
    /// RFC 3339 instant, or a `YYYY-MM-DD` date (from its start, UTC): rows at or after it.
    pub from: Option<String>,
    /// RFC 3339 instant (exclusive), or a `YYYY-MM-DD` date (through its end, UTC).
    pub to: Option<String>,
    /// One kind: `create_event`, `conflict`, `conflict_decided`, `rejected`, …
    #[ts(as = "Option<HistoryKind>")]
    pub kind: Option<String>,
    /// `ok`, `failed` or `conflict`.
    pub outcome: Option<String>,
    /// Text to find in the title or the detail.
    pub search: Option<String>,
    /// The next page: rows older than this `seq` (the last `seq` of the previous page).
    #[serde(default, deserialize_with = "crate::ops::lenient::optional")]
    pub before: Option<i64>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// An instant, or the start of a date (`end_of_day`: the start of the next day).
fn parse_time(name: &str, value: &str, end_of_day: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        invalid(format!(
            "`{name}` must be a date (2026-03-01) or a time (2026-03-01T08:00:00Z), not {value:?}."
        ))
    })?;
    let date = if end_of_day {
        date.succ_opt()
            .ok_or_else(|| invalid(format!("`{name}` is too far in the future.")))?
    } else {
        date
    };
    Ok(date.and_time(chrono::NaiveTime::MIN).and_utc())
}

impl HistoryQuery {
    /// The room asked for, if any.
    pub(crate) fn room(&self) -> Option<&str> {
        given(&self.room)
    }

    /// The store filter this query stands for, or `invalid_input` saying which field is wrong.
    pub fn filter(&self) -> Result<Filter, ApiError> {
        let outcome = given(&self.outcome)
            .map(|o| {
                Outcome::from_name(o).ok_or_else(|| {
                    invalid(format!(
                        "`outcome` must be ok, failed or conflict, not {o:?}."
                    ))
                })
            })
            .transpose()?;
        let kind = given(&self.kind)
            .map(|k| {
                k.parse::<HistoryKind>().map_err(|_| {
                    invalid(format!(
                        "`kind` is one of {}, not {k:?}.",
                        HistoryKind::ALL
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .transpose()?;
        let from = given(&self.from)
            .map(|v| parse_time("from", v, false))
            .transpose()?;
        let to = given(&self.to)
            .map(|v| parse_time("to", v, true))
            .transpose()?;
        Ok(Filter {
            room: given(&self.room).map(RoomId::new),
            from,
            to,
            kind,
            outcome,
            search: given(&self.search).map(str::to_owned),
            before: self.before,
        })
    }
}

impl App {
    /// One page of the history rows `query` selects, newest first.
    pub fn query_history(&self, query: &HistoryQuery) -> Result<Vec<HistoryEntry>, ApiError> {
        let filter = query.filter()?;
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let rows = self
            .store
            .read(|c| history::query(c, &filter, Order::NewestFirst, Some(limit)))?;
        let names = self.room_names()?;
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry::new(r.entry, &names))
            .collect())
    }
}
