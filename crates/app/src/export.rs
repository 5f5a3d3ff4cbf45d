//! The audit history as a facility manager searches it: filtered by room, time, kind, outcome
//! and text, paged, and exported as CSV (RFC 4180) or JSON Lines.
//!
//! Exports carry exactly the stored columns (plus the previous row's hash in JSON Lines, so a
//! reader can check the chain without RoomBridge). The history holds no secrets, and nothing
//! else is added here, so an export cannot leak one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use roombridge_store::Store;
use roombridge_store::history::{self, Chained, Order, Outcome};

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

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 10] = [
    "seq", "at", "room", "cycle", "kind", "side", "outcome", "title", "detail", "hash",
];

/// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180, 2.6–2.7).
fn csv_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_record(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field);
    }
    out.push_str("\r\n");
}

/// The time as stored (and hashed): RFC 3339 UTC with milliseconds.
fn stored_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Appends one row as a CSV record.
fn csv_row(out: &mut String, Chained { entry: e, .. }: &Chained) {
    csv_record(
        out,
        &[
            &e.seq.to_string(),
            &stored_time(e.at),
            e.room.as_str(),
            &e.cycle.to_string(),
            e.kind.as_str(),
            e.side.map(|s| s.as_str()).unwrap_or(""),
            e.outcome.as_str(),
            &e.title,
            &e.detail,
            &e.hash,
        ],
    );
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

/// The rows as CSV with a header row.
pub fn to_csv(rows: &[Chained]) -> String {
    let mut out = String::new();
    csv_record(&mut out, &CSV_HEADER);
    rows.iter().for_each(|r| csv_row(&mut out, r));
    out
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
/// an export of a million rows holds one chunk at a time. Returns how many rows it wrote.
pub fn write_rows(
    conn: &roombridge_store::Connection,
    filter: &history::Filter,
    format: ExportFormat,
    out: &mut dyn std::io::Write,
) -> roombridge_store::Result<usize> {
    let failed = |e: std::io::Error| {
        roombridge_store::StoreError::Invalid(format!("the export could not be written: {e}"))
    };
    let mut chunk = String::with_capacity(CHUNK + 4096);
    if format == ExportFormat::Csv {
        csv_record(&mut chunk, &CSV_HEADER);
    }
    let mut rows = 0;
    history::each(conn, filter, Order::OldestFirst, None, |row| {
        match format {
            ExportFormat::Csv => csv_row(&mut chunk, &row),
            ExportFormat::Jsonl => jsonl_row(&mut chunk, &row),
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

/// Every row `query` selects (its `limit` aside), oldest first, in `format`, named after now.
pub fn export(
    store: &Store,
    query: &HistoryQuery,
    format: ExportFormat,
) -> Result<ExportView, ApiError> {
    export_at(store, query, format, Utc::now())
}

/// [`export`] with the time its file name carries.
pub fn export_at(
    store: &Store,
    query: &HistoryQuery,
    format: ExportFormat,
    now: DateTime<Utc>,
) -> Result<ExportView, ApiError> {
    let filter = export_filter(query)?;
    let mut text = Vec::new();
    let rows = store.read(|c| write_rows(c, &filter, format, &mut text))?;
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
    /// Every history row `query` selects, oldest first, as CSV or JSON Lines.
    pub fn export_history(
        &self,
        query: &HistoryQuery,
        format: ExportFormat,
    ) -> Result<ExportView, ApiError> {
        export(&self.store, query, format)
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

    /// A small RFC 4180 reader, so the test checks the round trip and not our own formatting.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "records end in CRLF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        assert!(
            record.is_empty() && field.is_empty(),
            "the last record ends in CRLF"
        );
        records
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks_in_a_title() {
        let title = "Board meeting, \"budget\"\nsecond line\r\nthird";
        let store = store_with(&[("gym", title, "plain"), ("gym", "Yoga", "")]);
        let export = export_at(&store, &HistoryQuery::default(), ExportFormat::Csv, now()).unwrap();
        assert!(export.text.starts_with(
            "seq,at,room,cycle,kind,side,outcome,title,detail,hash\r\n1,2026-03-01T10:00:00.000Z,gym,7,create_event,calendar,ok,\"Board meeting, \"\"budget\"\"\nsecond line\r\nthird\",plain,"
        ), "{}", export.text);
        let records = parse_csv(&export.text);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0], CSV_HEADER);
        assert_eq!(records[1][7], title);
        assert_eq!(records[2][7], "Yoga");
        assert!(records.iter().all(|r| r.len() == CSV_HEADER.len()));
        assert_eq!(export.rows, 2);
        assert_eq!(export.filename, "roombridge-history-20260302T080910Z.csv");
    }

    #[test]
    fn jsonl_has_one_object_per_row_with_both_hashes() {
        let store = store_with(&[("gym", "a \"quoted\"\ntitle", ""), ("hall", "b", "why")]);
        let export =
            export_at(&store, &HistoryQuery::default(), ExportFormat::Jsonl, now()).unwrap();
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
        let export = export_at(&store, &query, ExportFormat::Csv, now()).unwrap();
        let records = parse_csv(&export.text);
        assert_eq!(records.len(), 3, "the limit does not cut an export short");
        assert!(records[1..].iter().all(|r| r[2] == "gym"));
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
