//! Events.

use super::*;

pub(super) fn parse_body(bytes: &Bytes) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

pub(super) fn parse_local(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
}

/// A `dateTimeTimeZone` from a request.
pub(super) fn date_time_zone(
    v: &Value,
    field: &str,
) -> Result<(NaiveDateTime, String), GraphError> {
    let dt = v
        .get("dateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request(format!("{field}.dateTime is required.")))?;
    let local = parse_local(dt).ok_or_else(|| {
        GraphError::bad_request(format!(
            "Cannot convert the literal '{dt}' to the expected type 'Edm.DateTime'."
        ))
    })?;
    let zone = v.get("timeZone").and_then(Value::as_str).unwrap_or("UTC");
    if zones::resolve(zone).is_none() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "TimeZoneNotSupportedException",
            format!(
                "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."
            ),
        ));
    }
    Ok((local, zone.to_owned()))
}

pub(super) fn string_field(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, GraphError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::bad_request(format!(
            "Property '{key}' must be a string."
        ))),
    }
}

/// Applies the writable fields of a POST or PATCH body to `e`.
pub(super) fn apply(e: &mut StoredEvent, body: &Map<String, Value>) -> Result<(), GraphError> {
    if let Some(s) = string_field(body, "subject")? {
        e.subject = s;
    }
    if let Some(b) = body.get("body").filter(|b| !b.is_null()) {
        e.body_type = b
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("text")
            .to_lowercase();
        e.body = b
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    if let Some(v) = body.get("start") {
        (e.start, e.start_zone) = date_time_zone(v, "start")?;
        // New times in a named zone: that zone is the original one from now on.
        e.original_start_zone = None;
    }
    if let Some(v) = body.get("end") {
        (e.end, e.end_zone) = date_time_zone(v, "end")?;
        e.original_end_zone = None;
    }
    if let Some(v) = body.get("isAllDay") {
        e.is_all_day = v
            .as_bool()
            .ok_or_else(|| GraphError::bad_request("Property 'isAllDay' must be a boolean."))?;
    }
    for (key, slot) in [
        ("showAs", &mut e.show_as),
        ("importance", &mut e.importance),
        ("sensitivity", &mut e.sensitivity),
    ] {
        if let Some(s) = string_field(body, key)? {
            *slot = schema::canonical(&schema::EVENT, key, &s);
        }
    }
    if let Some(l) = body.get("location") {
        e.location = l
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    if let Some(Value::Array(c)) = body.get("categories") {
        e.categories = c.clone();
    }
    if let Some(Value::Array(a)) = body.get("attendees") {
        e.attendees = a
            .iter()
            .map(|a| {
                json!({
                    "type": a.get("type").and_then(Value::as_str).unwrap_or("required").to_lowercase(),
                    "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                    "emailAddress": a.get("emailAddress").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
    }
    if let Some(v) = body.get("isReminderOn").and_then(Value::as_bool) {
        e.is_reminder_on = v;
    }
    if let Some(v) = body
        .get("reminderMinutesBeforeStart")
        .and_then(Value::as_i64)
    {
        e.reminder_minutes = v;
    }
    if let Some(props) = body.get("singleValueExtendedProperties") {
        let props = props.as_array().ok_or_else(|| {
            GraphError::bad_request("singleValueExtendedProperties must be an array.")
        })?;
        for p in props {
            let (Some(id), Some(value)) = (
                p.get("id").and_then(Value::as_str),
                p.get("value").and_then(Value::as_str),
            ) else {
                return Err(GraphError::bad_request(
                    "An extended property needs a string id and value.",
                ));
            };
            match e
                .extended
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(id))
            {
                Some(slot) => slot.1 = value.to_owned(),
                None => e.extended.push((id.to_owned(), value.to_owned())),
            }
        }
    }
    let (start, end) = e.instants();
    if end < start {
        return Err(GraphError::bad_request(
            "The end of the event must not be before its start.",
        ));
    }
    if e.is_all_day {
        let midnight = |t: NaiveDateTime| t.time() == chrono::NaiveTime::MIN;
        if !midnight(e.start)
            || !midnight(e.end)
            || !e.start_zone.eq_ignore_ascii_case(&e.end_zone)
            || e.end <= e.start
        {
            return Err(GraphError::bad_request(
                "An all-day event's start and end must be midnights in the same time zone, and end after start.",
            ));
        }
    }
    Ok(())
}

pub(super) fn entity_context(app: &App, mailbox: &str) -> Value {
    json!(format!(
        "{}/$metadata#users('{mailbox}')/events/$entity",
        app.settings.base
    ))
}

pub(super) fn event_response(
    app: &App,
    status: StatusCode,
    e: &StoredEvent,
    mailbox: &str,
    prefer: &Prefer,
    expand: Option<Vec<String>>,
) -> Response {
    selected_event_response(app, status, e, mailbox, prefer, expand, None)
}

/// [`event_response`] with only the properties `select` names (`$select`), if any.
pub(super) fn selected_event_response(
    app: &App,
    status: StatusCode,
    e: &StoredEvent,
    mailbox: &str,
    prefer: &Prefer,
    expand: Option<Vec<String>>,
    select: Option<&[&str]>,
) -> Response {
    let mut m = Map::new();
    m.insert("@odata.context".into(), entity_context(app, mailbox));
    m.extend(render_event(
        e,
        mailbox,
        &RenderOptions {
            zone: prefer.zone(),
            text_body: prefer.text_body,
            expand,
        },
    ));
    let mut m = Value::Object(m);
    if let Some(select) = select {
        m = schema::project(m, select);
    }
    let mut r = (status, Json(m)).into_response();
    if let Ok(v) = HeaderValue::from_str(&e.etag()) {
        r.headers_mut().insert(header::ETAG, v);
    }
    with_applied(r, prefer, false)
}

pub(super) async fn create_event(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    let key = authorized_mailbox(&app, &headers, &mailbox)?;
    let body = parse_body(&bytes)?;
    schema::check(&body, &schema::EVENT)?;
    let prefer = Prefer::read(&headers);
    let (status, e) = insert_event(&app, &key, &body, None)?;
    Ok(event_response(&app, status, &e, &key, &prefer, None))
}

/// Someone else's meeting that names the room as an attendee.
pub(super) struct Invitation {
    pub(super) organizer_name: String,
    pub(super) organizer_address: String,
    /// Every room invited (display name, mailbox), each an attendee of every copy.
    pub(super) rooms: Vec<(String, String)>,
    /// The meeting's `iCalUId`, one for the copies in all the rooms.
    pub(super) ical_uid: String,
    /// What `originalStartTimeZone` / `originalEndTimeZone` say, when the invitation says.
    pub(super) original_zones: (Option<String>, Option<String>),
}

/// Stores a new event (a series master with its occurrences when the body has a
/// `recurrence`) in mailbox `key`, organised by the mailbox itself or, for an invitation, by
/// someone else with the room among the attendees. Answers 201 and the new event, or 201 and
/// the first event for a repeated `transactionId`.
pub(super) fn insert_event(
    app: &App,
    key: &str,
    body: &Map<String, Value>,
    invitation: Option<Invitation>,
) -> Result<(StatusCode, StoredEvent), GraphError> {
    let transaction = string_field(body, "transactionId")?;
    if !body.contains_key("start") || !body.contains_key("end") {
        return Err(GraphError::bad_request(
            "An event needs both start and end.",
        ));
    }
    let now = Utc::now();
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(key)
        .ok_or_else(GraphError::not_found)?;
    // A repeated create with the same transactionId is the same create: answer with the event
    // the first one made (Graph de-duplicates the same way).
    if let Some(existing) = transaction
        .as_ref()
        .and_then(|t| mb.transactions.get(t))
        .and_then(|id| mb.events.get(id))
    {
        return Ok((StatusCode::CREATED, existing.clone()));
    }
    let mut e = StoredEvent {
        id: new_event_id(),
        ical_uid: new_ical_uid(),
        created: now,
        last_modified: now,
        change_key: new_change_key(),
        transaction_id: transaction.clone(),
        subject: String::new(),
        body_type: "text".into(),
        body: String::new(),
        start: now.naive_utc(),
        start_zone: "UTC".into(),
        end: now.naive_utc(),
        end_zone: "UTC".into(),
        original_start_zone: None,
        original_end_zone: None,
        is_all_day: false,
        show_as: "busy".into(),
        importance: "normal".into(),
        sensitivity: "normal".into(),
        categories: Vec::new(),
        location: String::new(),
        attendees: Vec::new(),
        // Events created through the room's own calendar are organised by the room mailbox.
        organizer_name: mb.display_name.clone(),
        organizer_address: key.to_owned(),
        is_reminder_on: true,
        reminder_minutes: 15,
        extended: Vec::new(),
        declined: None,
        seq,
        series: None,
        occurrence: None,
    };
    apply(&mut e, body)?;
    if let Some(r) = body.get("recurrence").filter(|r| !r.is_null()) {
        let recurrence = Recurrence::parse(r, &e.start_zone).map_err(GraphError::bad_request)?;
        if recurrence.start != e.start.date() {
            return Err(GraphError::bad_request(
                "The recurrence range's startDate must be the date of the event's start.",
            ));
        }
        e.series = Some(Series {
            recurrence,
            cancelled: Default::default(),
        });
    }
    if let Some(inv) = invitation {
        e.organizer_name = inv.organizer_name;
        e.organizer_address = inv.organizer_address;
        e.ical_uid = inv.ical_uid;
        (e.original_start_zone, e.original_end_zone) = inv.original_zones;
        for (name, address) in inv.rooms {
            e.attendees.push(json!({
                "type": "resource",
                "status": {"response": "accepted", "time": graph_instant(now)},
                "emailAddress": {"name": name, "address": address},
            }));
        }
    }
    if let Some(t) = transaction {
        mb.transactions.insert(t, e.id.clone());
    }
    let id = e.id.clone();
    mb.events.insert(e.id.clone(), e.clone());
    if e.series.is_some() {
        sync_occurrences(mb, &id, seq);
    }
    drop(store);
    let processing = app.settings.processing_of(key);
    if processing.changes_events() {
        tokio::spawn(process_calendar(
            app.clone(),
            key.to_owned(),
            id,
            processing,
            app.settings.rewrite_after,
        ));
    }
    Ok((StatusCode::CREATED, e))
}

/// The id of the occurrence of series `master` that the pattern starts at `original_start`.
/// Like Exchange's, it is made from the occurrence's original start, so it is not stable
/// across a change of the series' pattern or times (graph-as-observed.md): a client that
/// kept the old ids must find out from the series' instances that they are gone.
pub(super) fn occurrence_id(master: &str, original_start: DateTime<Utc>) -> String {
    format!(
        "{}OCC{}AAA=",
        master.trim_end_matches('=').trim_end_matches("AAA"),
        original_start.format("%Y%m%d%H%M")
    )
}

/// Brings the occurrences of series `master_id` in line with the master: one per date of its
/// pattern (less the cancelled ones), carrying the master's fields; exceptions keep their own.
/// Every occurrence written gets `seq`. One that no longer fits the pattern (another date or
/// another time) is removed without a tombstone: delta gives no signal for it, as for an
/// occurrence deleted on its own.
pub(super) fn sync_occurrences(mb: &mut MailboxState, master_id: &str, seq: u64) {
    let Some(master) = mb.events.get(master_id).cloned() else {
        return;
    };
    let Some(series) = &master.series else {
        return;
    };
    let wanted: Vec<(NaiveDate, String, DateTime<Utc>)> = series
        .recurrence
        .dates(Utc::now().date_naive())
        .into_iter()
        .filter(|d| !series.cancelled.contains(d))
        .map(|date| {
            let start_utc = to_utc(date.and_time(master.start.time()), &master.start_zone);
            (date, occurrence_id(master_id, start_utc), start_utc)
        })
        .collect();
    let dates: BTreeSet<NaiveDate> = wanted.iter().map(|(d, _, _)| *d).collect();
    let ids: BTreeSet<&String> = wanted.iter().map(|(_, id, _)| id).collect();
    let mut exceptions = BTreeSet::new();
    let mut stale = Vec::new();
    for e in mb.events.values() {
        let Some(o) = e.occurrence.as_ref().filter(|o| o.master == master_id) else {
            continue;
        };
        let fits = if o.exception {
            dates.contains(&o.date)
        } else {
            ids.contains(&e.id)
        };
        if !fits {
            stale.push(e.id.clone());
        } else if o.exception {
            exceptions.insert(o.date);
        }
    }
    for id in stale {
        mb.events.remove(&id);
    }
    let now = Utc::now();
    for (date, id, start_utc) in wanted {
        if exceptions.contains(&date) {
            continue;
        }
        let (start, end, end_zone) = occurrence_times(&master, date, start_utc);
        let existing = mb.events.get(&id);
        let mut occ = master.clone();
        occ.id = id.clone();
        occ.transaction_id = None;
        occ.series = None;
        occ.occurrence = Some(Occurrence {
            master: master_id.to_owned(),
            date,
            original_start: start_utc,
            exception: false,
        });
        occ.start = start;
        occ.end = end;
        occ.end_zone = end_zone;
        occ.change_key = new_change_key();
        occ.last_modified = now;
        occ.seq = seq;
        if let Some(old) = existing {
            occ.created = old.created;
            occ.declined = old.declined;
        }
        mb.events.insert(id, occ);
    }
}

/// The local start, local end and end zone of the occurrence of `master` on `date`, which
/// starts at `start_utc`.
/// - All day: whole days, as many as the master spans, whatever the clocks do on its first
///   day (a series starting on a DST change keeps 24-hour days later).
/// - Timed: as long as the master in elapsed time, also on the day the clocks change. An end
///   that falls in a DST fold is kept in UTC, so it is not read as the fold's first pass
///   (which would give the occurrence no length).
pub(super) fn occurrence_times(
    master: &StoredEvent,
    date: NaiveDate,
    start_utc: DateTime<Utc>,
) -> (NaiveDateTime, NaiveDateTime, String) {
    let start = date.and_time(master.start.time());
    if master.is_all_day {
        let days = master.end.date() - master.start.date();
        return (
            start,
            (date + days).and_time(master.end.time()),
            master.end_zone.clone(),
        );
    }
    let (first_start, first_end) = master.instants();
    let end_utc = start_utc + (first_end - first_start);
    let same_zone = master.start_zone.eq_ignore_ascii_case(&master.end_zone);
    let local_end = zones::resolve(&master.end_zone)
        .map(|tz| end_utc.with_timezone(&tz).naive_local())
        .filter(|local| same_zone && to_utc(*local, &master.end_zone) == end_utc);
    match local_end {
        Some(local) => (start, local, master.end_zone.clone()),
        None => (start, end_utc.naive_utc(), "UTC".to_owned()),
    }
}

/// Removes event `id`: a series master takes its occurrences with it, an occurrence is
/// remembered as cancelled so the series does not bring it back. Delta reports each removed,
/// except an occurrence (or exception) removed on its own: real tenants give no signal for
/// that in delta (microsoft-graph-docs pull request 4501), only the series' instances show it.
/// Exchange records the removal on the master, which gets a new change key.
pub(super) fn remove_event(mb: &mut MailboxState, id: &str, seq: u64) {
    let Some(e) = mb.events.remove(id) else {
        return;
    };
    if e.occurrence.is_none() {
        mb.tombstones.push((id.to_owned(), seq));
    }
    if e.series.is_some() {
        let occurrences: Vec<String> = mb
            .events
            .values()
            .filter(|o| o.occurrence.as_ref().is_some_and(|o| o.master == id))
            .map(|o| o.id.clone())
            .collect();
        for o in occurrences {
            mb.events.remove(&o);
            mb.tombstones.push((o, seq));
        }
    }
    if let Some(o) = e.occurrence
        && let Some(master) = mb.events.get_mut(&o.master)
        && let Some(series) = master.series.as_mut()
    {
        series.cancelled.insert(o.date);
        master.change_key = new_change_key();
        master.last_modified = Utc::now();
    }
}

/// What an Exchange resource mailbox's calendar processing does a few seconds after a
/// meeting lands in it (`AddOrganizerToSubject`, `DeleteSubject`: the subject becomes the
/// organizer's name; `DeleteComments`: the body is dropped), which is a new version of the
/// item (new change key, reported by delta).
pub(super) async fn process_calendar(
    app: App,
    mailbox: String,
    id: String,
    processing: CalendarProcessing,
    after: Duration,
) {
    tokio::time::sleep(after).await;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let Some(mb) = store.mailboxes.get_mut(&mailbox) else {
        return;
    };
    // Deleted (or never stored) meanwhile: nothing to rewrite.
    if let Some(e) = mb.events.get_mut(&id) {
        e.subject = processing.subject(&e.subject, &e.organizer_name);
        if processing.delete_comments {
            e.body = String::new();
        }
        e.change_key = new_change_key();
        e.last_modified = Utc::now();
        e.seq = seq;
        if e.series.is_some() {
            sync_occurrences(mb, &id, seq);
        }
    }
}

pub(super) async fn get_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let key = authorized_event(&app, &headers, &mailbox, &id)?;
    let expand = expanded_ids(&query)?;
    let select = selected(&query)?;
    let prefer = Prefer::read(&headers);
    let store = lock(&app.store);
    let e = store
        .mailboxes
        .get(&key)
        .and_then(|mb| mb.events.get(&id))
        .ok_or_else(GraphError::not_found)?;
    Ok(selected_event_response(
        &app,
        StatusCode::OK,
        e,
        &key,
        &prefer,
        expand,
        select.as_deref(),
    ))
}

/// Checks `If-Match` against the event's etag (`*` matches anything).
pub(super) fn check_if_match(headers: &HeaderMap, e: &StoredEvent) -> Result<(), GraphError> {
    let Some(value) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let matches = value.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag == e.etag()
            || tag.trim_start_matches("W/").trim_matches('"') == e.change_key
    });
    if matches {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ))
    }
}

pub(super) async fn patch_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    let key = authorized_event(&app, &headers, &mailbox, &id)?;
    let body = parse_body(&bytes)?;
    schema::check(&body, &schema::EVENT)?;
    let prefer = Prefer::read(&headers);
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let e = store
        .mailboxes
        .get_mut(&key)
        .and_then(|mb| mb.events.get_mut(&id))
        .ok_or_else(GraphError::not_found)?;
    check_if_match(&headers, e)?;
    // Validate on a copy so a rejected PATCH changes nothing.
    let mut next = e.clone();
    apply(&mut next, &body)?;
    match body.get("recurrence") {
        None => {}
        Some(r) if next.occurrence.is_some() && !r.is_null() => {
            return Err(GraphError::bad_request(
                "An occurrence of a series cannot take a recurrence.",
            ));
        }
        Some(r) if r.is_null() && next.series.is_some() => {
            return Err(GraphError::bad_request(
                "A series master's recurrence cannot be removed; delete the series instead.",
            ));
        }
        Some(r) if r.is_null() => {}
        Some(r) => {
            let recurrence =
                Recurrence::parse(r, &next.start_zone).map_err(GraphError::bad_request)?;
            // A single event made recurring becomes a series master.
            let cancelled = next.series.take().map(|s| s.cancelled).unwrap_or_default();
            next.series = Some(Series {
                recurrence,
                cancelled,
            });
        }
    }
    if let Some(series) = &next.series
        && series.recurrence.start != next.start.date()
    {
        return Err(GraphError::bad_request(
            "The recurrence range's startDate must be the date of the event's start.",
        ));
    }
    if let Some(o) = &mut next.occurrence {
        // An occurrence changed on its own is an exception from now on.
        o.exception = true;
    }
    next.change_key = new_change_key();
    next.last_modified = Utc::now();
    next.seq = seq;
    *e = next.clone();
    if next.series.is_some()
        && let Some(mb) = store.mailboxes.get_mut(&key)
    {
        sync_occurrences(mb, &id, seq);
    }
    Ok(event_response(
        &app,
        StatusCode::OK,
        &next,
        &key,
        &prefer,
        None,
    ))
}

pub(super) async fn delete_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> GraphResult {
    let key = authorized_event(&app, &headers, &mailbox, &id)?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(&key)
        .ok_or_else(GraphError::not_found)?;
    let e = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    check_if_match(&headers, e)?;
    remove_event(mb, &id, seq);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Refuses a body with a property the action `action` (`microsoft.graph.{action}`) lacks, as
/// Graph does.
pub(super) fn only_properties(
    body: &Map<String, Value>,
    allowed: &[&str],
    action: &str,
) -> Result<(), GraphError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(other) => Err(GraphError::bad_request(format!(
            "The property '{other}' does not exist on type 'microsoft.graph.{action}'."
        ))),
        None => Ok(()),
    }
}

/// What an answer to a meeting (a decline, a cancellation) reads first, checked in this order:
/// the mailbox, the body, its optional `comment`.
struct MeetingAnswer {
    key: String,
    body: Map<String, Value>,
    comment: Option<String>,
}

impl MeetingAnswer {
    fn read(
        app: &App,
        headers: &HeaderMap,
        mailbox: &str,
        id: &str,
        bytes: &Bytes,
    ) -> Result<Self, GraphError> {
        let key = authorized_event(app, headers, mailbox, id)?;
        let body = parse_body(bytes)?;
        let comment = string_field(&body, "comment")?;
        Ok(MeetingAnswer { key, body, comment })
    }

    /// The reply the organizer gets (`kind`: `decline` or `cancel`).
    fn reply(self, event_id: String, subject: String, kind: &'static str) -> Reply {
        Reply {
            mailbox: self.key,
            event_id,
            subject,
            kind,
            comment: self.comment.unwrap_or_default(),
        }
    }
}

/// `POST /users/{mailbox}/events/{id}/decline` as the room: 202, the event's response becomes
/// `declined`, and, as an Exchange room mailbox removes meetings it declines from its calendar,
/// the event leaves the room's calendar view (delta reports it `@removed`). It can still be read
/// by id, which is how a client confirms the decline.
pub(super) async fn decline_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    let answer = MeetingAnswer::read(&app, &headers, &mailbox, &id, &bytes)?;
    if answer
        .body
        .get("sendResponse")
        .is_some_and(|v| !v.is_boolean())
    {
        return Err(GraphError::bad_request(
            "Property 'sendResponse' must be a boolean.",
        ));
    }
    only_properties(
        &answer.body,
        &["comment", "sendResponse", "proposedNewTime"],
        "decline",
    )?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let e = store
        .mailboxes
        .get_mut(&answer.key)
        .and_then(|mb| mb.events.get_mut(&id))
        .ok_or_else(GraphError::not_found)?;
    if e.organizer_address.eq_ignore_ascii_case(&answer.key) {
        // Exchange refuses a response to a meeting the mailbox organised itself.
        return Err(GraphError::bad_request(
            "Your request can't be completed. You can't respond to a meeting you organized.",
        ));
    }
    if e.declined.is_none() {
        let now = Utc::now();
        e.declined = Some(now);
        e.change_key = new_change_key();
        e.last_modified = now;
        e.seq = seq;
    }
    let reply = answer.reply(id, e.subject.clone(), "decline");
    store.replies.push(reply);
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST /users/{mailbox}/events/{id}/cancel` as the organizer: 202, and the meeting leaves
/// the calendar (moved to Deleted Items), so delta reports it removed. An occurrence is
/// cancelled alone; a series master takes its occurrences with it. Only the organizer may
/// cancel: an attendee gets 400, as Graph documents (event-cancel).
pub(super) async fn cancel_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    let answer = MeetingAnswer::read(&app, &headers, &mailbox, &id, &bytes)?;
    only_properties(&answer.body, &["comment"], "cancel")?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(&answer.key)
        .ok_or_else(GraphError::not_found)?;
    let e = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    if !e.organizer_address.eq_ignore_ascii_case(&answer.key) {
        return Err(GraphError::bad_request(
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        ));
    }
    let subject = e.subject.clone();
    remove_event(mb, &id, seq);
    store.replies.push(answer.reply(id, subject, "cancel"));
    Ok(StatusCode::ACCEPTED.into_response())
}
