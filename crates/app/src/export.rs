//! The audit history as a facility manager searches it: filtered by room, time, kind, outcome
//! and text, paged, and exported as CSV (RFC 4180) or JSON Lines.
//!
//! CSV is for people with a spreadsheet: in their language (headers, what happened, where, the
//! outcome), the room's name beside its id, the time in the room's zone and in UTC, a UTF-8
//! byte-order mark (so a spreadsheet in a Norwegian locale reads "ø" as "ø"), and the list
//! separator that language's spreadsheets expect (`;` in Norwegian, `,` in English). JSON Lines
//! is for machines: the stored columns exactly, with the previous row's hash, so a reader can
//! check the chain without RoomBridge. The history holds no secrets, and nothing else is added
//! here, so an export cannot leak one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use roombridge_core::i18n::Lang;
use roombridge_core::{RoomId, Side};
use roombridge_store::history::{self, Chained, Order, Outcome};
use roombridge_store::{Store, rooms};

use crate::query::HistoryQuery;
use crate::{ApiError, App, ErrorCode};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180: a header row, CRLF line ends, fields quoted where needed.
    Csv,
    /// One JSON object per line, with `prev_hash` and `hash`.
    Jsonl,
}

impl ExportFormat {
    /// `csv` or `jsonl`, or `invalid_input`.
    pub fn from_name(name: &str) -> Result<ExportFormat, ApiError> {
        match name {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            other => Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("The export format is csv or jsonl, not {other:?}."),
            )),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/jsonl; charset=utf-8",
        }
    }
}

/// An export: the file's suggested name and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportView {
    pub filename: String,
    pub format: ExportFormat,
    pub text: String,
    /// How many history rows it holds.
    pub rows: usize,
}

/// The CSV columns, in order: the keys of their headers in the locale files.
pub const CSV_COLUMNS: [&str; 12] = [
    "csv.nr",
    "csv.time_local",
    "csv.time_zone",
    "csv.time_utc",
    "csv.room",
    "csv.room_id",
    "csv.what",
    "csv.side",
    "csv.outcome",
    "csv.title",
    "csv.details",
    "csv.hash",
];

/// The byte-order mark a CSV starts with: spreadsheet programs read the file as UTF-8 then.
pub const BOM: char = '\u{feff}';

/// How a CSV export speaks to people: their language and its list separator, and the rooms'
/// names and time zones.
pub struct Readable {
    lang: Lang,
    rooms: HashMap<RoomId, (String, chrono_tz::Tz)>,
    /// What each kind (by its stored name), side and outcome reads as in `lang`: looked up
    /// once for the export, not once a row.
    kinds: HashMap<&'static str, String>,
    sides: [String; 2],
    outcomes: [String; 3],
    /// Details already said in `lang`, by their stored words: most rows say one of a few
    /// things. At most [`SAID_CACHED`] of them, so a history of unique notes stays small.
    said: HashMap<String, String>,
}

/// How many different details a CSV export keeps said at once.
const SAID_CACHED: usize = 4096;

impl Readable {
    /// For `lang`, with the rooms the store knows (a room since removed shows by its id, in
    /// UTC).
    pub fn new(conn: &roombridge_store::Connection, lang: Lang) -> roombridge_store::Result<Self> {
        let rooms = rooms::list(conn)?
            .into_iter()
            .map(|r| {
                let zone = r.time_zone.parse().unwrap_or(chrono_tz::UTC);
                (r.id, (r.name, zone))
            })
            .collect();
        let word = |key: String| lang.tr(&key, &[]);
        let kinds = history::HistoryKind::ALL
            .iter()
            .map(|k| (k.as_str(), word(format!("kind.{}", k.as_str()))))
            .collect();
        let sides = [Side::Booking, Side::Calendar].map(|s| word(format!("side.{}", s.as_str())));
        let outcomes = [Outcome::Ok, Outcome::Failed, Outcome::Conflict]
            .map(|o| word(format!("outcome.{}", o.as_str())));
        Ok(Readable {
            lang,
            rooms,
            kinds,
            sides,
            outcomes,
            said: HashMap::new(),
        })
    }

    /// The list separator spreadsheets in this language expect.
    fn separator(&self) -> char {
        match self.lang {
            Lang::Nb => ';',
            Lang::En => ',',
        }
    }

    fn header(&self, out: &mut String) {
        let names: Vec<String> = CSV_COLUMNS.iter().map(|k| self.lang.tr(k, &[])).collect();
        csv_record(out, self.separator(), names.iter().map(String::as_str));
    }

    /// Appends one row as a CSV record.
    fn row(&mut self, out: &mut String, Chained { entry: e, .. }: &Chained) {
        // In the reader's language where the row kept its words (the hash covers the English).
        let mut fresh = None;
        if let Some(stored) = e.words.as_deref()
            && self.lang != Lang::En
            && !self.said.contains_key(stored)
        {
            let said = e
                .said()
                .map_or_else(|| e.detail.clone(), |w| w.say(self.lang));
            if self.said.len() < SAID_CACHED {
                self.said.insert(stored.to_owned(), said);
            } else {
                fresh = Some(said);
            }
        }
        let detail = match (e.words.as_deref(), &fresh) {
            (_, Some(said)) => said.as_str(),
            (Some(stored), None) if self.lang != Lang::En => self
                .said
                .get(stored)
                .map_or(e.detail.as_str(), String::as_str),
            _ => e.detail.as_str(),
        };
        let (name, zone) = self
            .rooms
            .get(&e.room)
            .map(|(n, z)| (n.as_str(), *z))
            .unwrap_or((e.room.as_str(), chrono_tz::UTC));
        let local =
            e.at.with_timezone(&zone)
                .format(SPREADSHEET_TIME)
                .to_string();
        let utc = e.at.format(SPREADSHEET_TIME).to_string();
        let what = self
            .kinds
            .get(e.kind.as_str())
            .map_or(e.kind.as_str(), String::as_str);
        let side = match e.side {
            Some(Side::Booking) => self.sides[0].as_str(),
            Some(Side::Calendar) => self.sides[1].as_str(),
            None => "",
        };
        let outcome = self.outcomes[match e.outcome {
            Outcome::Ok => 0,
            Outcome::Failed => 1,
            Outcome::Conflict => 2,
        }]
        .as_str();
        let zone = zone.name();
        let seq = e.seq.to_string();
        csv_record(
            out,
            self.separator(),
            [
                seq.as_str(),
                &local,
                zone,
                &utc,
                name,
                e.room.as_str(),
                what,
                side,
                outcome,
                &e.title,
                detail,
                &e.hash,
            ],
        );
    }
}

/// A time as spreadsheet programs read it into a date-and-time cell.
const SPREADSHEET_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// One CSV field, quoted when it holds the separator, a quote or a line break (RFC 4180,
/// 2.6–2.7).
fn csv_field(out: &mut String, separator: char, value: &str) {
    if value.contains([separator, '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_record<'a>(out: &mut String, separator: char, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        csv_field(out, separator, field);
    }
    out.push_str("\r\n");
}

/// The time as stored (and hashed): RFC 3339 UTC with milliseconds.
fn stored_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One JSON Lines record.
#[derive(Serialize)]
struct JsonRow<'a> {
    seq: i64,
    at: String,
    room: &'a str,
    cycle: i64,
    kind: &'a str,
    side: Option<&'static str>,
    outcome: Outcome,
    title: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
    hash: &'a str,
}

/// Appends one row as a JSON Lines record, ending in `\n`.
fn jsonl_row(
    out: &mut String,
    Chained {
        entry: e,
        prev_hash,
    }: &Chained,
) {
    let row = JsonRow {
        seq: e.seq,
        at: stored_time(e.at),
        room: e.room.as_str(),
        cycle: e.cycle,
        kind: e.kind.as_str(),
        side: e.side.map(|s| s.as_str()),
        outcome: e.outcome,
        title: &e.title,
        detail: &e.detail,
        prev_hash,
        hash: &e.hash,
    };
    // A struct of strings and numbers always serialises.
    out.push_str(&serde_json::to_string(&row).expect("plain fields serialise"));
    out.push('\n');
}

/// The rows as JSON Lines: one object per line, each line ending in `\n`.
pub fn to_jsonl(rows: &[Chained]) -> String {
    let mut out = String::new();
    rows.iter().for_each(|r| jsonl_row(&mut out, r));
    out
}

/// How much of an export is gathered before it is written out.
const CHUNK: usize = 64 * 1024;

/// Writes every row `filter` selects, oldest first, in `format` to `out` as it reads them:
/// an export of a million rows holds one chunk at a time. A CSV is written for people in
/// `lang` ([`Readable`]). Returns how many rows it wrote.
pub fn write_rows(
    conn: &roombridge_store::Connection,
    filter: &history::Filter,
    format: ExportFormat,
    lang: Lang,
    out: &mut dyn std::io::Write,
) -> roombridge_store::Result<usize> {
    let failed = |e: std::io::Error| {
        roombridge_store::StoreError::Invalid(format!("the export could not be written: {e}"))
    };
    let mut chunk = String::with_capacity(CHUNK + 4096);
    let mut readable = match format {
        ExportFormat::Csv => Some(Readable::new(conn, lang)?),
        ExportFormat::Jsonl => None,
    };
    if let Some(readable) = &readable {
        chunk.push(BOM);
        readable.header(&mut chunk);
    }
    let mut rows = 0;
    history::each(conn, filter, Order::OldestFirst, None, |row| {
        match &mut readable {
            Some(readable) => readable.row(&mut chunk, &row),
            None => jsonl_row(&mut chunk, &row),
        }
        rows += 1;
        if chunk.len() >= CHUNK {
            out.write_all(chunk.as_bytes()).map_err(failed)?;
            chunk.clear();
        }
        Ok(())
    })?;
    out.write_all(chunk.as_bytes()).map_err(failed)?;
    out.flush().map_err(failed)?;
    Ok(rows)
}

/// `roombridge-history[-room]-20260301T100000Z.csv`; the room id keeps only safe characters.
fn filename(query: &HistoryQuery, format: ExportFormat, now: DateTime<Utc>) -> String {
    let room = query
        .room()
        .map(|r| {
            let safe: String = r
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("-{safe}")
        })
        .unwrap_or_default();
    format!(
        "roombridge-history{room}-{}.{}",
        now.format("%Y%m%dT%H%M%SZ"),
        format.extension()
    )
}

/// Every row `query` selects (its `limit` aside), oldest first, in `format` (a CSV in
/// `lang`), named after now.
pub fn export(
    store: &Store,
    query: &HistoryQuery,
    format: ExportFormat,
    lang: Lang,
) -> Result<ExportView, ApiError> {
    export_at(store, query, format, lang, Utc::now())
}

/// [`export`] with the time its file name carries.
pub fn export_at(
    store: &Store,
    query: &HistoryQuery,
    format: ExportFormat,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<ExportView, ApiError> {
    let filter = export_filter(query)?;
    let mut text = Vec::new();
    let rows = store.read(|c| write_rows(c, &filter, format, lang, &mut text))?;
    Ok(ExportView {
        filename: filename(query, format, now),
        format,
        // Every row is written from Rust strings.
        text: String::from_utf8(text).expect("an export is UTF-8"),
        rows,
    })
}

/// The rows an export holds: every match of `query`; a page's limit and its `before` do not
/// apply.
pub fn export_filter(query: &HistoryQuery) -> Result<history::Filter, ApiError> {
    let mut filter = query.filter()?;
    filter.before = None;
    Ok(filter)
}

/// An export's file name, its format and how many rows it will hold, for a file that is
/// written as it is read ([`write_rows`]).
pub fn export_heading(
    conn: &roombridge_store::Connection,
    query: &HistoryQuery,
    format: ExportFormat,
) -> Result<ExportView, ApiError> {
    let rows = history::count(conn, &export_filter(query)?)?;
    Ok(ExportView {
        filename: filename(query, format, Utc::now()),
        format,
        text: String::new(),
        rows: rows as usize,
    })
}

impl App {
    /// Every history row `query` selects, oldest first, as CSV (in the facility manager's
    /// language) or JSON Lines.
    pub fn export_history(
        &self,
        query: &HistoryQuery,
        format: ExportFormat,
        lang: Option<Lang>,
    ) -> Result<ExportView, ApiError> {
        export(
            &self.store,
            query,
            format,
            lang.unwrap_or_else(|| self.language()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roombridge_core::{RoomId, Side};
    use roombridge_store::history::{NewEntry, append};

    fn store_with(titles: &[(&str, &str, &str)]) -> Store {
        let store = Store::open_in_memory().unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store
            .write(|c| {
                for (i, (room, title, detail)) in titles.iter().enumerate() {
                    let e = NewEntry {
                        room: RoomId::new(*room),
                        cycle: 7,
                        kind: history::HistoryKind::CreateEvent,
                        side: Some(Side::Calendar),
                        outcome: Outcome::Ok,
                        title: (*title).into(),
                        detail: (*detail).into(),
                        words: None,
                    };
                    append(c, &e, t0 + chrono::Duration::minutes(i as i64))?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T08:09:10Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    mod csv {
        include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/csv.rs"));
    }

    /// The records of an export, read as a spreadsheet reads them; it starts with a
    /// byte-order mark and every record ends in CRLF.
    fn parse_csv(text: &str, separator: char) -> Vec<Vec<String>> {
        let text = text
            .strip_prefix(BOM)
            .expect("a CSV starts with a byte-order mark");
        assert!(text.ends_with("\r\n"), "the last record ends in CRLF");
        csv::parse(text, separator)
    }

    #[test]
    fn csv_quotes_separators_quotes_and_line_breaks_in_a_title() {
        let title = "Board meeting, \"budget\"; second\nline\r\nthird";
        let store = store_with(&[("gym", title, "plain"), ("gym", "Yoga", "")]);
        for (lang, separator) in [(Lang::En, ','), (Lang::Nb, ';')] {
            let export = export_at(
                &store,
                &HistoryQuery::default(),
                ExportFormat::Csv,
                lang,
                now(),
            )
            .unwrap();
            let records = parse_csv(&export.text, separator);
            assert_eq!(records.len(), 3);
            assert_eq!(records[1][9], title);
            assert_eq!(records[2][9], "Yoga");
            assert!(records.iter().all(|r| r.len() == CSV_COLUMNS.len()));
            assert_eq!(export.rows, 2);
            assert_eq!(export.filename, "roombridge-history-20260302T080910Z.csv");
        }
    }

    #[test]
    fn csv_is_written_for_people_in_their_language() {
        let store = store_with(&[("gym", "Håndball", "første")]);
        store
            .write(|c| {
                roombridge_store::rooms::upsert(
                    c,
                    &roombridge_store::rooms::Room {
                        id: RoomId::new("gym"),
                        name: "Gymsal, Åsen skole".into(),
                        kind: "room".into(),
                        mailbox: roombridge_core::Mailbox::new("gym@example.org"),
                        resource: roombridge_core::ResourceId::new("gym"),
                        time_zone: "Europe/Oslo".into(),
                        paused: false,
                    },
                    now(),
                )
            })
            .unwrap();
        let nb = export_at(
            &store,
            &HistoryQuery::default(),
            ExportFormat::Csv,
            Lang::Nb,
            now(),
        )
        .unwrap();
        let records = parse_csv(&nb.text, ';');
        assert_eq!(
            records[0],
            [
                "Nr.",
                "Tidspunkt",
                "Tidssone",
                "Tidspunkt (UTC)",
                "Rom",
                "Rom-ID",
                "Hva skjedde",
                "Hvor",
                "Utfall",
                "Tittel",
                "Detaljer",
                "Hash (revisjonskjede)"
            ]
        );
        // 10:00 UTC is 11:00 in Oslo in March.
        assert_eq!(
            records[1][..10],
            [
                "1",
                "2026-03-01 11:00:00",
                "Europe/Oslo",
                "2026-03-01 10:00:00",
                "Gymsal, Åsen skole",
                "gym",
                "Opprettet Outlook-avtalen",
                "Outlook",
                "OK",
                "Håndball"
            ]
        );
        let en = export_at(
            &store,
            &HistoryQuery::default(),
            ExportFormat::Csv,
            Lang::En,
            now(),
        )
        .unwrap();
        let records = parse_csv(&en.text, ',');
        assert_eq!(records[0][0..3], ["No.", "Time", "Time zone"]);
        assert_eq!(records[1][6], "Created the Outlook event");
    }

    #[test]
    fn every_kind_of_history_row_reads_as_words_in_both_languages() {
        for lang in Lang::ALL {
            for kind in history::HistoryKind::ALL {
                let words = lang.tr(&format!("kind.{}", kind.as_str()), &[]);
                assert!(!words.starts_with("kind."), "{lang:?} {kind:?}");
            }
        }
    }

    #[test]
    fn jsonl_has_one_object_per_row_with_both_hashes() {
        let store = store_with(&[("gym", "a \"quoted\"\ntitle", ""), ("hall", "b", "why")]);
        let export = export_at(
            &store,
            &HistoryQuery::default(),
            ExportFormat::Jsonl,
            Lang::En,
            now(),
        )
        .unwrap();
        let lines: Vec<&str> = export.text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(export.text.ends_with('\n'));
        let rows: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["title"], "a \"quoted\"\ntitle");
        assert_eq!(rows[0]["seq"], 1);
        assert_eq!(rows[0]["room"], "gym");
        assert_eq!(rows[0]["side"], "calendar");
        assert_eq!(rows[0]["outcome"], "ok");
        assert_eq!(rows[0]["at"], "2026-03-01T10:00:00.000Z");
        assert_eq!(rows[0]["prev_hash"], "0".repeat(64));
        assert_eq!(rows[1]["prev_hash"], rows[0]["hash"]);
        let keys: Vec<&String> = rows[1].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 11, "{keys:?}");
    }

    #[test]
    fn an_export_holds_only_the_filtered_rows_and_names_the_room() {
        let store = store_with(&[("gym", "a", ""), ("hall", "b", ""), ("gym", "c", "")]);
        let query = HistoryQuery {
            room: Some("gym".into()),
            limit: Some(1),
            ..HistoryQuery::default()
        };
        let export = export_at(&store, &query, ExportFormat::Csv, Lang::En, now()).unwrap();
        let records = parse_csv(&export.text, ',');
        assert_eq!(records.len(), 3, "the limit does not cut an export short");
        assert!(records[1..].iter().all(|r| r[5] == "gym"));
        assert_eq!(
            export.filename,
            "roombridge-history-gym-20260302T080910Z.csv"
        );
    }

    #[test]
    fn dates_cover_whole_days_and_bad_values_are_invalid_input() {
        let query = HistoryQuery {
            from: Some("2026-03-01".into()),
            to: Some("2026-03-01".into()),
            outcome: Some(" ".into()),
            ..HistoryQuery::default()
        };
        let filter = query.filter().unwrap();
        assert_eq!(
            filter.from.unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert_eq!(filter.to.unwrap().to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(filter.outcome, None);
        for bad in [
            HistoryQuery {
                from: Some("yesterday".into()),
                ..HistoryQuery::default()
            },
            HistoryQuery {
                outcome: Some("maybe".into()),
                ..HistoryQuery::default()
            },
            HistoryQuery {
                kind: Some("x'; DROP".into()),
                ..HistoryQuery::default()
            },
        ] {
            assert_eq!(bad.filter().unwrap_err().code, ErrorCode::InvalidInput);
        }
        assert_eq!(
            ExportFormat::from_name("xlsx").unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn a_room_id_cannot_break_out_of_the_file_name() {
        let query = HistoryQuery {
            room: Some("../x\"; y".into()),
            ..HistoryQuery::default()
        };
        assert_eq!(
            filename(&query, ExportFormat::Jsonl, now()),
            "roombridge-history-___x___y-20260302T080910Z.jsonl"
        );
    }
}
