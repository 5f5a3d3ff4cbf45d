//! "Why is this block here?": the provenance of what Outlook shows at one moment, in words.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::compose::{Block, Composed, Footprint};
use crate::reservation::Level;

/// What holds a room at one moment, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The block Outlook shows at that moment, if any.
    pub shown: Option<Block>,
    /// One sentence per fact, most important first.
    pub lines: Vec<String>,
}

/// Explains what the composed room shows at `at`, reading local times in `zone`.
pub fn explain(composed: &Composed, at: DateTime<Utc>, zone: Tz) -> Explanation {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&zone)
            .format("%a %d %b %Y %H:%M")
            .to_string()
    };
    let holding: Vec<&Footprint> = composed
        .footprint
        .iter()
        .filter(|f| f.start <= at && at < f.end)
        .collect();
    let shown = composed
        .blocks
        .iter()
        .find(|b| {
            let (s, e) = b.content.instants(zone);
            s <= at && at < e
        })
        .cloned();
    let mut lines = Vec::new();
    match &shown {
        None => lines.push(format!(
            "Nothing in the booking system holds the room at {}.",
            local(at)
        )),
        Some(b) => {
            let (s, e) = b.content.instants(zone);
            lines.push(format!(
                "Outlook shows \"{}\" from {} to {} (block {}).",
                b.content.title,
                local(s),
                local(e),
                b.key
            ));
            lines.push(format!("It comes from {}.", describe(b)));
            if !b.covered_by.is_empty() {
                let ids: Vec<String> = b.covered_by.iter().map(|id| id.to_string()).collect();
                lines.push(format!(
                    "It is a piece of that reservation: higher reservations ({}) cover the rest, \
                     so only the uncovered part is shown.",
                    ids.join(", ")
                ));
            }
        }
    }
    for f in holding {
        if shown.as_ref().is_some_and(|b| b.item_key() == f.key) {
            continue;
        }
        let winner = shown
            .as_ref()
            .map(|b| format!("\"{}\"", b.content.title))
            .unwrap_or_else(|| "a higher reservation".into());
        lines.push(format!(
            "{} \"{}\" ({}) also holds the room then, but {winner} ranks higher \
             (closure > event > booking > allocation), so it is not shown at this moment.",
            level_name(f.level),
            f.content.title,
            f.key
        ));
    }
    Explanation { shown, lines }
}

fn describe(b: &Block) -> String {
    let what = format!("{} {}", level_name(b.level).to_lowercase(), b.source);
    match b.occurrence {
        Some(date) => format!("the occurrence on {date} of the recurring {what}"),
        None => format!("the {what}"),
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Allocation => "Allocation",
        Level::Booking => "Booking",
        Level::Event => "Event",
        Level::Closure => "Closure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::compose;
    use crate::content::{Content, When};
    use crate::ids::{ReservationId, ResourceId};
    use crate::reservation::{Repeat, Reservation, ReservationStatus};
    use crate::window::SyncWindow;
    use chrono::TimeZone;

    const OSLO: Tz = chrono_tz::Europe::Oslo;

    fn res(id: &str, level: Level, from: u32, to: u32) -> Reservation {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
        Reservation {
            id: ReservationId::new(id),
            resource: ResourceId::new("gym"),
            level,
            parent: None,
            content: Content {
                title: format!("{id} title"),
                when: When::Timed {
                    start: at(from),
                    end: at(to),
                },
                time_zone: "Europe/Oslo".into(),
                organisation: "Club".into(),
                description: String::new(),
            },
            status: ReservationStatus::Active,
            version: 1,
            updated_at: at(0),
            recurrence: None,
            tag: None,
        }
    }

    fn window() -> SyncWindow {
        SyncWindow::around(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(), 7, 60)
    }

    #[test]
    fn a_fragment_says_what_covers_the_rest_and_what_it_hides() {
        let mut weekly = res("alloc", Level::Allocation, 16, 20);
        weekly.recurrence = Some(Repeat {
            rrule: "FREQ=WEEKLY;COUNT=3".into(),
            exdates: vec![],
        });
        let composed = compose(&[weekly, res("ev", Level::Event, 17, 18)], OSLO, window());
        // 16:30 UTC is inside the allocation's first fragment.
        let e = explain(
            &composed,
            Utc.with_ymd_and_hms(2026, 12, 1, 16, 30, 0).unwrap(),
            OSLO,
        );
        let text = e.lines.join("\n");
        assert!(text.contains("\"alloc title\""), "{text}");
        assert!(text.contains("recurring allocation alloc"), "{text}");
        assert!(text.contains("2026-12-01"), "{text}");
        assert!(text.contains("higher reservations (ev)"), "{text}");
        // At 17:30 the event is shown and the allocation is hidden under it.
        let e = explain(
            &composed,
            Utc.with_ymd_and_hms(2026, 12, 1, 17, 30, 0).unwrap(),
            OSLO,
        );
        assert_eq!(e.shown.as_ref().map(|b| b.key.as_str()), Some("r:ev"));
        assert!(
            e.lines
                .iter()
                .any(|l| l.contains("Allocation \"alloc title\"")),
            "{:?}",
            e.lines
        );
    }

    #[test]
    fn an_empty_moment_says_so() {
        let composed = compose(&[res("ev", Level::Event, 17, 18)], OSLO, window());
        let e = explain(
            &composed,
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            OSLO,
        );
        assert!(e.shown.is_none());
        assert!(e.lines[0].starts_with("Nothing"), "{:?}", e.lines);
    }
}
