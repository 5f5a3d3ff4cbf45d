//! The emulator's in-memory Exchange: mailboxes, events, tokens and delta sync states.
//!
//! Every write bumps a global sequence number; delta sync states remember the sequence they were
//! taken at and the ids they reported, which is all Graph's delta semantics need: "changed since"
//! is `seq > state.seq`, and "left the window" is "reported before, not in the window now".

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::recurrence::Series;
use super::zones;

/// A stored event, as Exchange keeps it: local wall time plus the zone it was written in.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: String,
    pub ical_uid: String,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    pub change_key: String,
    pub transaction_id: Option<String>,
    pub subject: String,
    pub body_type: String,
    pub body: String,
    pub start: NaiveDateTime,
    pub start_zone: String,
    pub end: NaiveDateTime,
    pub end_zone: String,
    /// What `originalStartTimeZone` / `originalEndTimeZone` say when it is not the zone the
    /// times were written in: `tzone://Microsoft/Custom` for an event desktop Outlook made in a
    /// custom zone. The times are still stored in `start_zone`/`end_zone`.
    pub original_start_zone: Option<String>,
    pub original_end_zone: Option<String>,
    pub is_all_day: bool,
    pub show_as: String,
    pub importance: String,
    pub sensitivity: String,
    pub categories: Vec<Value>,
    pub location: String,
    pub attendees: Vec<Value>,
    pub organizer_name: String,
    pub organizer_address: String,
    pub is_reminder_on: bool,
    pub reminder_minutes: i64,
    /// `(id, value)` pairs; never rendered unless `$expand`ed.
    pub extended: Vec<(String, String)>,
    /// When the room declined the meeting. A declined event stays readable by id, but the room's
    /// calendar no longer shows it, so calendarView/delta reports it removed.
    pub declined: Option<DateTime<Utc>>,
    /// Sequence number of the last write.
    pub seq: u64,
    /// Set on a series master (`type: seriesMaster`), which calendarView never shows.
    pub series: Option<Series>,
    /// Set on an occurrence or exception of a series.
    pub occurrence: Option<Occurrence>,
}

/// Where an occurrence belongs in its series.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub master: String,
    /// The local date (in the series' zone) the pattern put it on; its id is made from it.
    pub date: NaiveDate,
    /// The start the pattern gave it (`originalStart`), whatever a PATCH did since.
    pub original_start: DateTime<Utc>,
    /// Changed on its own (`type: exception`); a change of the master leaves it alone.
    pub exception: bool,
}

/// What the mailbox answered to a meeting: the room declined someone's meeting, or cancelled
/// one it organised. Tests read these through `GET /admin/replies`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub mailbox: String,
    pub event_id: String,
    pub subject: String,
    /// `cancel` or `decline`.
    pub kind: &'static str,
    pub comment: String,
}

impl StoredEvent {
    /// `singleInstance`, `seriesMaster`, `occurrence` or `exception`.
    pub fn kind(&self) -> &'static str {
        match (&self.series, &self.occurrence) {
            (Some(_), _) => "seriesMaster",
            (None, Some(o)) if o.exception => "exception",
            (None, Some(_)) => "occurrence",
            (None, None) => "singleInstance",
        }
    }

    /// The UTC instants the event covers. Zones were validated on write, so resolution fails
    /// only for corrupted state; UTC is the harmless fallback then.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            to_utc(self.start, &self.start_zone),
            to_utc(self.end, &self.end_zone),
        )
    }

    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.change_key)
    }
}

/// Local wall time in a named zone to UTC: the earlier instant when it happens twice; when the
/// clocks skip it (spring forward), read with the offset in force before the jump, which moves
/// it forward by the length of the gap (02:30 becomes 03:30), as Windows and RFC 5545 do.
pub fn to_utc(local: NaiveDateTime, zone: &str) -> DateTime<Utc> {
    let Some(tz) = zones::resolve(zone) else {
        return local.and_utc();
    };
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(x) | chrono::LocalResult::Ambiguous(x, _) => {
            x.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            // No gap is longer than a day: the offset a day earlier is the one before it.
            let before = tz
                .offset_from_utc_datetime(&(local - chrono::Duration::days(1)))
                .fix();
            (local - chrono::Duration::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// Graph's `dateTime` format: seven fractional digits, no offset.
pub fn graph_local(t: NaiveDateTime) -> String {
    format!(
        "{}.{:07}",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.and_utc().timestamp_subsec_nanos() / 100
    )
}

/// Graph's instant format (`createdDateTime`): seven fractional digits and `Z`.
pub fn graph_instant(t: DateTime<Utc>) -> String {
    format!("{}Z", graph_local(t.naive_utc()))
}

/// One mailbox the app may access.
#[derive(Debug, Default)]
pub struct MailboxState {
    pub display_name: String,
    pub events: BTreeMap<String, StoredEvent>,
    /// Deleted event ids with the sequence number of their deletion.
    pub tombstones: Vec<(String, u64)>,
    /// `transactionId` -> event id, so a repeated create returns the first event.
    pub transactions: HashMap<String, String>,
}

/// What a delta token stands for.
#[derive(Debug, Clone)]
pub struct SyncState {
    pub mailbox: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub seq: u64,
    pub known: HashSet<String>,
    /// The properties `$select` asked for when the round began; every page and later round of
    /// this sync renders only those.
    pub select: Option<Vec<&'static str>>,
}

/// One line of a delta answer, rendered when its page is served.
#[derive(Debug, Clone)]
pub enum DeltaEntry {
    Upsert(String),
    Removed(String),
}

/// The rest of a delta round that did not fit on the pages served so far.
#[derive(Debug, Clone)]
pub struct PendingRound {
    pub mailbox: String,
    pub entries: VecDeque<DeltaEntry>,
    pub page_size: usize,
    /// Registered under a new delta token when the last page is served.
    pub next: SyncState,
}

/// A page of a delta round, parked under the skip token of the nextLink that leads to it. It
/// stays parked after it is served, so the same nextLink can be requested again (after a lost
/// answer) and gives the same page and the same next link, until the round's deltaLink is
/// used or the page is older than [`PAGE_LIFETIME`].
#[derive(Debug)]
pub struct ParkedPage {
    /// The round from this page on.
    pub round: PendingRound,
    /// The round the page belongs to; its pages are forgotten together.
    pub round_id: u64,
    /// The token of the link this page answered with, once it was served.
    pub link: Option<String>,
    pub parked_at: DateTime<Utc>,
}

/// How long a parked page can be asked for again at most.
pub const PAGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);

/// The window a forgotten delta or skip token was for: the 410 that answers it points at a
/// new round over the same window.
#[derive(Debug, Clone)]
pub struct Window {
    pub mailbox: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The emulator's whole state, behind one mutex.
#[derive(Debug, Default)]
pub struct Store {
    pub mailboxes: BTreeMap<String, MailboxState>,
    /// Client secrets added to the application since it started (`POST /admin/secrets`, as
    /// "New client secret" in Entra ID), and expiry dates given to the configured one, by
    /// value: when each expires (`None`: never).
    pub client_secrets: HashMap<String, Option<DateTime<Utc>>>,
    /// Access token -> expiry.
    pub tokens: HashMap<String, DateTime<Utc>>,
    pub sync_states: HashMap<String, SyncState>,
    /// Skip token -> the page it leads to.
    pub pending: HashMap<String, ParkedPage>,
    /// Delta token -> the round whose last page issued it.
    pub delta_rounds: HashMap<String, u64>,
    /// Rounds started so far (their ids).
    pub rounds: u64,
    /// Tokens of sync states Exchange forgot ([`Store::forget_sync_state`]), with their window.
    pub forgotten: HashMap<String, Window>,
    pub seq: u64,
    /// Cancellations and declines, in the order they happened.
    pub replies: Vec<Reply>,
}

/// An opaque identifier in Exchange's style (base64-looking, with `=` padding, which also
/// makes clients prove they encode ids in URLs).
pub fn new_event_id() -> String {
    format!("AAMkAD{}AAA=", uuid::Uuid::new_v4().simple())
}

pub fn new_change_key() -> String {
    format!(
        "{}==",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    )
}

pub fn new_ical_uid() -> String {
    format!(
        "040000008200E00074C5B7101A82E00800000000{}",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    )
}

impl Store {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Makes every issued access token expired, as if its lifetime had passed.
    pub fn expire_tokens(&mut self) {
        let past = Utc::now() - chrono::Duration::seconds(1);
        for expiry in self.tokens.values_mut() {
            *expiry = past;
        }
    }

    /// Forgets every delta and skip token, as Exchange does when sync state expires: the next
    /// request with an old link answers 410, pointing at a new round over the same window.
    pub fn forget_sync_state(&mut self) {
        let window = |s: &SyncState| Window {
            mailbox: s.mailbox.clone(),
            start: s.start,
            end: s.end,
        };
        let forgotten: Vec<(String, Window)> = self
            .sync_states
            .drain()
            .map(|(token, s)| (token, window(&s)))
            .chain(
                self.pending
                    .drain()
                    .map(|(token, p)| (token, window(&p.round.next))),
            )
            .collect();
        self.forgotten.extend(forgotten);
        self.delta_rounds.clear();
    }

    /// Where an unknown delta or skip token of `mailbox` was for, if it was ever issued.
    pub fn window_of(&self, token: &str) -> Option<Window> {
        let from = |s: &SyncState| Window {
            mailbox: s.mailbox.clone(),
            start: s.start,
            end: s.end,
        };
        self.sync_states
            .get(token)
            .map(from)
            .or_else(|| self.pending.get(token).map(|p| from(&p.round.next)))
            .or_else(|| self.forgotten.get(token).cloned())
    }

    /// Starts a delta round: everything in the window now.
    pub fn initial_round(
        &self,
        mailbox: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        page_size: usize,
    ) -> PendingRound {
        let in_window = self.in_window(mailbox, start, end);
        PendingRound {
            mailbox: mailbox.to_owned(),
            entries: in_window.iter().cloned().map(DeltaEntry::Upsert).collect(),
            page_size,
            next: SyncState {
                mailbox: mailbox.to_owned(),
                start,
                end,
                seq: self.seq,
                known: in_window.into_iter().collect(),
                select: None,
            },
        }
    }

    /// Continues from a delta token: what changed since, plus removals of events this client
    /// was told about that were deleted or left the window.
    pub fn next_round(&self, state: &SyncState, page_size: usize) -> PendingRound {
        let in_window = self.in_window(&state.mailbox, state.start, state.end);
        let in_set: HashSet<&String> = in_window.iter().collect();
        let mut entries = VecDeque::new();
        if let Some(mb) = self.mailboxes.get(&state.mailbox) {
            let mut changed: Vec<&StoredEvent> =
                mb.events.values().filter(|e| e.seq > state.seq).collect();
            changed.sort_by_key(|e| e.seq);
            for e in changed {
                if in_set.contains(&e.id) {
                    entries.push_back(DeltaEntry::Upsert(e.id.clone()));
                } else if state.known.contains(&e.id) {
                    // Moved out of the window: Graph reports it as removed.
                    entries.push_back(DeltaEntry::Removed(e.id.clone()));
                }
            }
            for (id, seq) in &mb.tombstones {
                if *seq > state.seq && state.known.contains(id) {
                    entries.push_back(DeltaEntry::Removed(id.clone()));
                }
            }
        }
        PendingRound {
            mailbox: state.mailbox.clone(),
            entries,
            page_size,
            next: SyncState {
                seq: self.seq,
                known: in_window.into_iter().collect(),
                ..state.clone()
            },
        }
    }

    /// Ids of the events overlapping the window, by start time (calendarView's events:
    /// occurrences and exceptions, never series masters; nothing the mailbox declined).
    pub fn in_window(
        &self,
        mailbox: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Vec<String> {
        let Some(mb) = self.mailboxes.get(mailbox) else {
            return Vec::new();
        };
        let mut hits: Vec<(DateTime<Utc>, String)> = mb
            .events
            .values()
            .filter(|e| e.declined.is_none())
            // calendarView shows occurrences and exceptions, never the series master.
            .filter(|e| e.series.is_none())
            .filter_map(|e| {
                let (s, t) = e.instants();
                (s < end && t > start).then(|| (s, e.id.clone()))
            })
            .collect();
        hits.sort();
        hits.into_iter().map(|(_, id)| id).collect()
    }
}

/// How an event is rendered for one request.
pub struct RenderOptions<'a> {
    /// IANA-or-Windows zone name from `Prefer: outlook.timezone` (as the client spelled it).
    pub zone: Option<&'a str>,
    /// `Prefer: outlook.body-content-type="text"`.
    pub text_body: bool,
    /// Extended property ids asked for with `$expand` (lower case).
    pub expand: Option<Vec<String>>,
}

/// An item of a `calendarView/delta` page. An occurrence of a series comes bare, as real
/// tenants send it: only its id, type, master, times and etag; no subject, organizer, body,
/// `originalStart`, `iCalUId` or extended properties (microsoft-graph-docs issue 7632,
/// microsoft-graph-docs-contrib issue 34). Exceptions and single events come complete.
pub fn render_delta_item(
    e: &StoredEvent,
    mailbox: &str,
    opts: &RenderOptions<'_>,
) -> Map<String, Value> {
    if e.kind() != "occurrence" {
        return render_event(e, mailbox, opts);
    }
    let (zone_name, start_s, end_s) = rendered_times(e, opts);
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(e.etag()));
    m.insert("id".into(), json!(e.id));
    m.insert(
        "seriesMasterId".into(),
        json!(e.occurrence.as_ref().map(|o| &o.master)),
    );
    m.insert("type".into(), json!("occurrence"));
    insert_times(&mut m, &zone_name, start_s, end_s);
    m
}

/// `start` and `end` as `dateTimeTimeZone`s.
fn insert_times(m: &mut Map<String, Value>, zone_name: &str, start: String, end: String) {
    for (key, date_time) in [("start", start), ("end", end)] {
        m.insert(
            key.into(),
            json!({"dateTime": date_time, "timeZone": zone_name}),
        );
    }
}

/// The zone name and the local start and end an event is rendered with. Timed events are
/// converted to the `Prefer: outlook.timezone` zone (UTC without one); all-day events are
/// midnight to midnight whatever zone was asked for ("by design", microsoft-graph-docs issue
/// 1802): their dates never move, and the zone label is just the one asked for.
fn rendered_times(e: &StoredEvent, opts: &RenderOptions<'_>) -> (String, String, String) {
    let asked = opts.zone.and_then(|z| zones::resolve(z).map(|tz| (z, tz)));
    if e.is_all_day {
        let name = asked.map_or("UTC", |(name, _)| name).to_owned();
        return (name, graph_local(e.start), graph_local(e.end));
    }
    let (start, end) = e.instants();
    match asked {
        Some((name, tz)) => (
            name.to_owned(),
            graph_local(start.with_timezone(&tz).naive_local()),
            graph_local(end.with_timezone(&tz).naive_local()),
        ),
        None => (
            "UTC".to_owned(),
            graph_local(start.naive_utc()),
            graph_local(end.naive_utc()),
        ),
    }
}

/// The full JSON of an event, as `GET /users/{id}/events/{id}` answers.
pub fn render_event(
    e: &StoredEvent,
    mailbox: &str,
    opts: &RenderOptions<'_>,
) -> Map<String, Value> {
    let (zone_name, start_s, end_s) = rendered_times(e, opts);
    let (body_type, body) = if opts.text_body && e.body_type.eq_ignore_ascii_case("html") {
        ("text".to_owned(), strip_html(&e.body))
    } else if e.body_type.eq_ignore_ascii_case("html") {
        ("html".to_owned(), e.body.clone())
    } else {
        ("text".to_owned(), e.body.clone())
    };
    let preview: String = strip_html(&e.body).chars().take(255).collect();
    let is_organizer = e.organizer_address.eq_ignore_ascii_case(mailbox);
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(e.etag()));
    m.insert("id".into(), json!(e.id));
    m.insert("createdDateTime".into(), json!(graph_instant(e.created)));
    m.insert(
        "lastModifiedDateTime".into(),
        json!(graph_instant(e.last_modified)),
    );
    m.insert("changeKey".into(), json!(e.change_key));
    m.insert("categories".into(), Value::Array(e.categories.clone()));
    m.insert("transactionId".into(), json!(e.transaction_id));
    m.insert(
        "originalStartTimeZone".into(),
        json!(e.original_start_zone.as_ref().unwrap_or(&e.start_zone)),
    );
    m.insert(
        "originalEndTimeZone".into(),
        json!(e.original_end_zone.as_ref().unwrap_or(&e.end_zone)),
    );
    m.insert("iCalUId".into(), json!(e.ical_uid));
    m.insert(
        "reminderMinutesBeforeStart".into(),
        json!(e.reminder_minutes),
    );
    m.insert("isReminderOn".into(), json!(e.is_reminder_on));
    m.insert("hasAttachments".into(), json!(false));
    m.insert("subject".into(), json!(e.subject));
    m.insert("bodyPreview".into(), json!(preview));
    m.insert("importance".into(), json!(e.importance));
    m.insert("sensitivity".into(), json!(e.sensitivity));
    m.insert("isAllDay".into(), json!(e.is_all_day));
    m.insert("isCancelled".into(), json!(false));
    m.insert("isOrganizer".into(), json!(is_organizer));
    m.insert("responseRequested".into(), json!(true));
    m.insert(
        "seriesMasterId".into(),
        json!(e.occurrence.as_ref().map(|o| &o.master)),
    );
    if let Some(o) = &e.occurrence {
        m.insert(
            "originalStart".into(),
            json!(o.original_start.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
    }
    m.insert("showAs".into(), json!(e.show_as));
    m.insert("type".into(), json!(e.kind()));
    m.insert(
        "webLink".into(),
        json!(format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            e.id.replace('=', "%3D")
        )),
    );
    m.insert("onlineMeetingUrl".into(), Value::Null);
    let response_status = match e.declined {
        Some(at) => json!({"response": "declined", "time": graph_instant(at)}),
        None => json!({
            "response": if is_organizer { "organizer" } else { "accepted" },
            "time": "0001-01-01T00:00:00Z"
        }),
    };
    m.insert("responseStatus".into(), response_status);
    m.insert(
        "body".into(),
        json!({"contentType": body_type, "content": body}),
    );
    insert_times(&mut m, &zone_name, start_s, end_s);
    m.insert(
        "location".into(),
        json!({
            "displayName": e.location,
            "locationType": "default",
            "uniqueId": e.location,
            "uniqueIdType": "private"
        }),
    );
    m.insert(
        "locations".into(),
        if e.location.is_empty() {
            json!([])
        } else {
            json!([{"displayName": e.location, "locationType": "default", "uniqueIdType": "unknown"}])
        },
    );
    m.insert(
        "recurrence".into(),
        e.series
            .as_ref()
            .map_or(Value::Null, |s| s.recurrence.render()),
    );
    m.insert("attendees".into(), Value::Array(e.attendees.clone()));
    m.insert(
        "organizer".into(),
        json!({"emailAddress": {"name": e.organizer_name, "address": e.organizer_address}}),
    );
    if let Some(wanted) = &opts.expand {
        let props: Vec<Value> = e
            .extended
            .iter()
            .filter(|(id, _)| wanted.contains(&id.to_lowercase()))
            .map(|(id, value)| json!({"id": id, "value": value}))
            .collect();
        // Graph leaves the property out when the filter matches nothing.
        if !props.is_empty() {
            m.insert("singleValueExtendedProperties".into(), Value::Array(props));
        }
    }
    m
}

/// A rough HTML-to-text conversion, enough for bodies Outlook writes.
pub fn strip_html(html: &str) -> String {
    let lower = html.to_lowercase();
    let mut s = html.to_owned();
    if let (Some(a), Some(b)) = (lower.find("<head"), lower.find("</head>"))
        && b > a
    {
        s.replace_range(a..b + "</head>".len(), "");
    }
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in s.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag.to_lowercase();
                if t.starts_with("br") || t.starts_with("/p") || t.starts_with("/div") {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}
