//! `roombridge explain <room> <time>`: why a block is (or is not) in a room's Outlook calendar.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use roombridge_core::compose::compose;
use roombridge_core::{RoomId, SyncWindow, localtime};
use roombridge_store::{Store, links, mirror, rooms};

use crate::error::{ApiError, ErrorCode};

/// The explanation the UI and the CLI show.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainView {
    pub room: String,
    pub at: DateTime<Utc>,
    /// Sentences, most important first.
    pub lines: Vec<String>,
}

/// Reads `text` as an RFC 3339 instant, or as a local `YYYY-MM-DD HH:MM` in `zone`.
pub fn parse_time(text: &str, zone: chrono_tz::Tz) -> Result<DateTime<Utc>, ApiError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|local| localtime::resolve(local, zone).instant)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{text:?} is not a time; write it as 2026-12-01 18:30 (the room's local time) \
                     or as 2026-12-01T17:30:00Z"
                ),
            )
        })
}

/// Explains what `room` shows at `at` (see [`parse_time`]), from what RoomBridge last read.
pub fn explain(store: &Store, room: &str, at: &str) -> Result<ExplainView, ApiError> {
    let id = RoomId::new(room);
    let (mapping, reservations, room_links) = store.read(|c| {
        Ok((
            rooms::get(c, &id)?,
            mirror::reservations(c, &id)?,
            links::list(c, &id)?,
        ))
    })?;
    let mapping = mapping.ok_or_else(|| ApiError::not_found(format!("No room {room:?}.")))?;
    let zone: chrono_tz::Tz = mapping.time_zone.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("The room's time zone {:?} is unknown.", mapping.time_zone),
        )
    })?;
    let at = parse_time(at, zone)?;
    let composed = compose(&reservations, zone, SyncWindow::around(at, 2, 2));
    let explanation = roombridge_core::explain::explain(&composed, at, zone);
    let mut lines = explanation.lines;
    if let Some(block) = &explanation.shown {
        match room_links
            .iter()
            .find(|l| l.block.as_ref() == Some(&block.key))
        {
            Some(link) => lines.push(format!(
                "It is linked to Outlook event {} (link {}, {}).",
                link.event
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "not created yet".into()),
                link.id,
                link.state.as_str()
            )),
            None => lines.push(
                "It is not linked to an Outlook event yet; the next sync creates one.".into(),
            ),
        }
    }
    Ok(ExplainView {
        room: mapping.name,
        at,
        lines,
    })
}
