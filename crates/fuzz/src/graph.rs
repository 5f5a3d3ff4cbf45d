//! Target `graph`: every public reader in `roombridge_connectors::graph::wire`, fed mutations
//! of the samples in `tests/fixtures/graph` (and of a delta page with bare occurrences, which
//! no fixture has).

use chrono_tz::Tz;
use roombridge_connectors::graph::wire;
use serde_json::Value;

use crate::Target;
use crate::mutate::{self, mutate_sample};
use crate::rng::Rng;

/// Which reader a sample is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delta,
    Event,
    Rooms,
    RoomLists,
    Error,
    Token,
    TokenError,
}

const KINDS: &[Kind] = &[
    Kind::Delta,
    Kind::Event,
    Kind::Rooms,
    Kind::RoomLists,
    Kind::Error,
    Kind::Token,
    Kind::TokenError,
];

macro_rules! fixture {
    ($kind:expr, $name:literal) => {
        (
            $kind,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/graph/",
                $name
            )),
        )
    };
}

/// The samples, by the reader they are for.
const FIXTURES: &[(Kind, &str)] = &[
    fixture!(Kind::Delta, "calendarview-delta-initial-page.json"),
    fixture!(Kind::Delta, "calendarview-delta-second-page.json"),
    fixture!(Kind::Delta, "calendarview-delta-final-page-deltalink.json"),
    fixture!(Kind::Delta, "calendarview-delta-removed.json"),
    fixture!(Kind::Delta, "event-delta-response-nextlink.json"),
    fixture!(Kind::Delta, "calendarview-list-response.json"),
    fixture!(Kind::Event, "event-create-response.json"),
    fixture!(Kind::Event, "event-get-prefer-timezone.json"),
    fixture!(Kind::Event, "event-update-response.json"),
    fixture!(Kind::Event, "event-recurring-series.json"),
    fixture!(Kind::Event, "extended-property-expand-response.json"),
    fixture!(Kind::Event, "event-with-extended-property-request.json"),
    fixture!(Kind::Rooms, "places-rooms.json"),
    fixture!(Kind::RoomLists, "places-roomlists.json"),
    fixture!(Kind::Error, "error-404-erroritemnotfound.json"),
    fixture!(Kind::Error, "error-410-syncstatenotfound.json"),
    fixture!(Kind::Error, "error-429.json"),
    fixture!(Kind::Error, "error-example-generic.json"),
    fixture!(Kind::Token, "token-response.json"),
    fixture!(Kind::TokenError, "token-error-invalid-client.json"),
    fixture!(Kind::TokenError, "token-error-invalid-scope.json"),
];

/// A delta page as real tenants send occurrences: bare (microsoft-graph-docs issue 7632), plus
/// an exception and a removal, so `complete_occurrence` has something to complete.
const BARE_DELTA: &str = r#"{
  "@odata.deltaLink": "https://graph.microsoft.com/v1.0/users/room@contoso.com/calendarView/delta?$deltatoken=x",
  "value": [
    {"@odata.etag": "W/\"occ1\"", "id": "AAMkOcc1", "type": "occurrence", "seriesMasterId": "AAMkMaster",
     "start": {"dateTime": "2026-03-10T09:00:00.0000000", "timeZone": "UTC"},
     "end": {"dateTime": "2026-03-10T10:00:00.0000000", "timeZone": "UTC"}},
    {"@odata.etag": "W/\"occ2\"", "id": "AAMkOcc2", "type": "occurrence", "seriesMasterId": "AAMkMaster",
     "start": {"dateTime": "2026-03-29T02:30:00.0000000", "timeZone": "W. Europe Standard Time"},
     "end": {"dateTime": "2026-03-30T00:00:00.0000000", "timeZone": "W. Europe Standard Time"}},
    {"@odata.etag": "W/\"exc\"", "id": "AAMkExc", "type": "exception", "seriesMasterId": "AAMkMaster",
     "originalStart": "2026-03-17T09:00:00Z", "subject": "Moved", "isAllDay": false,
     "start": {"dateTime": "2026-03-17T11:00:00.0000000", "timeZone": "UTC"},
     "end": {"dateTime": "2026-03-17T12:00:00.0000000", "timeZone": "UTC"}},
    {"id": "AAMkGone", "@removed": {"reason": "deleted"}}
  ]
}"#;

/// Zones rooms are in: ordinary, far from UTC on both sides, and with odd DST histories.
const ZONES: &[Tz] = &[
    chrono_tz::UTC,
    chrono_tz::Europe::Oslo,
    chrono_tz::America::New_York,
    chrono_tz::Pacific::Kiritimati,
    chrono_tz::Pacific::Apia,
    chrono_tz::Etc::GMTPlus12,
    chrono_tz::Australia::Lord_Howe,
];

/// One input: a body for a reader, a series master for the bare occurrences it may hold, and
/// the status and `Retry-After` of an error answer.
#[derive(Debug, Clone)]
pub struct GraphInput {
    pub kind: Kind,
    pub body: Vec<u8>,
    pub master: Vec<u8>,
    pub status: u16,
    pub retry_after: String,
    pub zone: Tz,
}

pub struct GraphTarget {
    samples: Vec<(Kind, Value)>,
    values: Vec<Value>,
    raw: Vec<Vec<u8>>,
    masters: Vec<Value>,
}

impl Default for GraphTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl GraphTarget {
    pub fn new() -> Self {
        let mut samples: Vec<(Kind, Value)> = FIXTURES
            .iter()
            .map(|(kind, text)| {
                // The fixtures are JSON; the connector's own tests read every one of them.
                (*kind, serde_json::from_str(text).unwrap_or(Value::Null))
            })
            .collect();
        samples.push((
            Kind::Delta,
            serde_json::from_str(BARE_DELTA).unwrap_or(Value::Null),
        ));
        let values = samples.iter().map(|(_, v)| v.clone()).collect();
        let raw = samples
            .iter()
            .map(|(_, v)| v.to_string().into_bytes())
            .collect();
        let masters = samples
            .iter()
            .filter(|(kind, _)| *kind == Kind::Event)
            .map(|(_, v)| v.clone())
            .collect();
        Self {
            samples,
            values,
            raw,
            masters,
        }
    }
}

impl Target for GraphTarget {
    type Input = GraphInput;

    fn generate(&mut self, rng: &mut Rng) -> GraphInput {
        let (kind, body) =
            mutate::pick_and_mutate(rng, &self.samples, KINDS, &self.values, &self.raw);
        let master = if kind == Kind::Delta {
            let master = rng.pick(&self.masters);
            if rng.one_in(4) {
                master.to_string().into_bytes()
            } else {
                mutate_sample(rng, master, &self.values, &self.raw)
            }
        } else {
            Vec::new()
        };
        let retry_after = mutate::header_value(rng);
        let status = *rng.pick(&[
            400, 401, 403, 404, 409, 410, 412, 429, 500, 503, 504, 0, 999,
        ]);
        GraphInput {
            kind,
            body,
            master,
            status,
            retry_after,
            zone: *rng.pick(ZONES),
        }
    }

    fn run(&mut self, input: &GraphInput) -> Result<(), String> {
        run_input(input);
        Ok(())
    }

    fn describe(&self, input: &GraphInput) -> Vec<u8> {
        format!(
            "kind: {:?}\nzone: {}\nstatus: {}\nretry-after: {:?}\nbody:\n{}\nmaster:\n{}\n",
            input.kind,
            input.zone.name(),
            input.status,
            input.retry_after,
            String::from_utf8_lossy(&input.body),
            String::from_utf8_lossy(&input.master),
        )
        .into_bytes()
    }
}

/// Runs the readers `input.kind` names. Bodies arrive as the connector reads them: text, with
/// invalid UTF-8 replaced.
pub fn run_input(input: &GraphInput) {
    let body = String::from_utf8_lossy(&input.body);
    let zone = input.zone;
    let _ = wire::parse_retry_after(&input.retry_after);
    match input.kind {
        Kind::Delta => {
            if let Ok(page) = wire::parse_delta_page(&body, zone) {
                let master: Value = serde_json::from_slice(&input.master).unwrap_or(Value::Null);
                for bare in &page.bare {
                    let _ = wire::complete_occurrence(bare, &master, zone);
                }
            }
        }
        Kind::Event => {
            let _ = wire::parse_event(&body, zone);
            let _ = wire::parse_tag(&body);
        }
        Kind::Rooms => {
            let _ = wire::parse_rooms_page(&body);
        }
        Kind::RoomLists => {
            let _ = wire::parse_room_lists_page(&body);
        }
        Kind::Error => {
            let _ = wire::error_code(&body);
            let _ = wire::classify(input.status, Some(&input.retry_after), &body);
        }
        Kind::Token => {
            let _ = wire::parse_token_response(&body);
        }
        Kind::TokenError => {
            let _ = wire::parse_token_error(&body, "11111111-2222-3333-4444-555555555555");
        }
    }
}
