//! calendarView/delta.

use super::*;

pub(super) fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok()
        // Without an offset the value is UTC (user-list-calendarview.md).
        .or_else(|| parse_local(s).map(|t| t.and_utc()))
}

/// Graph's default page size for event delta when the client does not ask for one.
pub(super) const DEFAULT_PAGE_SIZE: usize = 100;

pub(super) async fn delta(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let key = authorized_mailbox(&app, &headers, &mailbox)?;
    let prefer = Prefer::read(&headers);
    let page_size = prefer.max_page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut store = lock(&app.store);
    let now = Utc::now();
    store
        .pending
        .retain(|_, p| now - p.parked_at < PAGE_LIFETIME);

    let page = if let Some(token) = query.get("$skiptoken") {
        let Some(parked) = store.pending.get(token).filter(|p| p.round.mailbox == key) else {
            return Err(sync_reset(&app, &store, &key, &query));
        };
        Page {
            round: parked.round.clone(),
            round_id: parked.round_id,
            served: Some(token.clone()),
            link: parked.link.clone(),
        }
    } else if let Some(token) = query.get("$deltatoken") {
        let Some(state) = store
            .sync_states
            .get(token)
            .filter(|s| s.mailbox == key)
            .cloned()
        else {
            return Err(sync_reset(&app, &store, &key, &query));
        };
        // The round that issued this token is over: its pages cannot be asked for again.
        if let Some(done) = store.delta_rounds.remove(token) {
            store.pending.retain(|_, p| p.round_id != done);
        }
        store.rounds += 1;
        Page {
            round: store.next_round(&state, page_size),
            round_id: store.rounds,
            served: None,
            link: None,
        }
    } else {
        let select = selected(&query)?;
        let (start, end) = required_window(&query)?;
        let mut round = store.initial_round(&key, start, end, page_size);
        round.next.select = select;
        store.rounds += 1;
        Page {
            round,
            round_id: store.rounds,
            served: None,
            link: None,
        }
    };
    serve_page(&app, &mut store, page, &key, &prefer)
}

/// The 410 that answers a delta or skip token Exchange does not know (any more), with a
/// `Location` that starts a new round for `mailbox`: over the token's window when it was ever
/// issued (or the window the request names), otherwise bare (the client adds its window).
pub(super) fn sync_reset(
    app: &App,
    store: &Store,
    mailbox: &str,
    query: &HashMap<String, String>,
) -> GraphError {
    let window = query
        .get("$deltatoken")
        .or_else(|| query.get("$skiptoken"))
        .and_then(|t| store.window_of(t))
        .filter(|w| w.mailbox == mailbox)
        .map(|w| (w.start, w.end))
        .or_else(|| required_window(query).ok());
    let mut location = format!("{}/users/{mailbox}/calendarView/delta", app.settings.base);
    if let Some((start, end)) = window {
        let instant = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        location.push_str(&format!(
            "?startDateTime={}&endDateTime={}",
            instant(start),
            instant(end)
        ));
    }
    GraphError::sync_state_not_found().with_location(location)
}

/// The 410 an injected "delta gone" fault answers a delta request with (see [`sync_reset`]).
pub(crate) fn delta_gone(app: &App, mailbox: Option<&str>, uri: &axum::http::Uri) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let store = lock(&app.store);
    sync_reset(app, &store, mailbox.unwrap_or_default(), &query).into_response()
}

/// The `startDateTime`/`endDateTime` window a calendar-view style request must carry.
pub(super) fn required_window(
    query: &HashMap<String, String>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let start = query.get("startDateTime").and_then(|s| parse_instant(s));
    let end = query.get("endDateTime").and_then(|s| parse_instant(s));
    let (Some(start), Some(end)) = (start, end) else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ));
    };
    if end <= start {
        return Err(GraphError::bad_request(
            "EndDateTime must be after StartDateTime.",
        ));
    }
    Ok((start, end))
}

/// `GET /users/{m}/events/{id}/instances`: the occurrences and exceptions of a series master
/// that overlap the required window, in start order (occurrences deleted one by one are gone;
/// a single event lists itself), ten to a page as Graph pages collections, or `$top`.
pub(super) async fn list_instances(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let key = authorized_event(&app, &headers, &mailbox, &id)?;
    let (start, end) = required_window(&query)?;
    let store = lock(&app.store);
    let mb = store
        .mailboxes
        .get(&key)
        .ok_or_else(GraphError::not_found)?;
    let event = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    let mut instances: Vec<&StoredEvent> = if event.series.is_some() {
        mb.events
            .values()
            .filter(|e| e.occurrence.as_ref().is_some_and(|o| o.master == id))
            .collect()
    } else {
        vec![event]
    };
    instances.retain(|e| {
        let (s, en) = e.instants();
        e.declined.is_none() && s < end && en > start
    });
    instances.sort_by_key(|e| (e.instants().0, e.id.clone()));
    event_page(
        &app,
        &headers,
        &query,
        &key,
        EventCollection {
            path: format!("users/{mailbox}/events/{id}/instances"),
            context: "$metadata#Collection(event)".to_owned(),
        },
        &instances,
    )
}

/// `GET /users/{m}/calendarView?startDateTime&endDateTime`: the events of a mailbox's
/// calendar that overlap the required window (occurrences and exceptions, never series
/// masters), in start order, ten to a page as Graph pages event collections, or `$top`.
pub(super) async fn calendar_view(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let key = authorized_mailbox(&app, &headers, &mailbox)?;
    let (start, end) = required_window(&query)?;
    let store = lock(&app.store);
    let events: Vec<&StoredEvent> = match store.mailboxes.get(&key) {
        Some(mb) => store
            .in_window(&key, start, end)
            .iter()
            .filter_map(|id| mb.events.get(id))
            .collect(),
        None => Vec::new(),
    };
    event_page(
        &app,
        &headers,
        &query,
        &key,
        EventCollection {
            path: format!("users/{mailbox}/calendarView"),
            context: format!("$metadata#users('{mailbox}')/calendarView"),
        },
        &events,
    )
}

/// Where an event collection lives, relative to the Graph base.
pub(super) struct EventCollection {
    /// Its path, which the nextLink repeats.
    pub(super) path: String,
    /// Its `@odata.context`.
    pub(super) context: String,
}

/// One page of an event collection over a window (`instances`, `calendarView`): `events` in
/// order, ten to a page unless `$top` says otherwise, `$select` honoured, rendered in the
/// Prefer zone, and a nextLink that carries the window, `$top`, `$skip` and `$select`.
pub(super) fn event_page(
    app: &App,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    key: &str,
    collection: EventCollection,
    events: &[&StoredEvent],
) -> GraphResult {
    let select = selected(query)?;
    let (top, skip) = paging(query)?;
    // Event collections come ten to a page unless `$top` says otherwise.
    let top = if query.contains_key("$top") {
        top
    } else {
        DEFAULT_COLLECTION_PAGE
    };
    let prefer = Prefer::read(headers);
    let opts = RenderOptions {
        zone: prefer.zone(),
        text_body: prefer.text_body,
        expand: None,
    };
    let value: Vec<Value> = events
        .iter()
        .skip(skip)
        .take(top)
        .map(|e| Value::Object(render_event(e, key, &opts)))
        .map(|v| match &select {
            Some(select) => schema::project(v, select),
            None => v,
        })
        .collect();
    let base = &app.settings.base;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{base}/{}", collection.context)),
    );
    if skip + top < events.len() {
        let mut next = url::Url::parse(&format!("{base}/{}", collection.path))
            .map_err(|e| GraphError::bad_request(e.to_string()))?;
        next.query_pairs_mut()
            .append_pair("startDateTime", &query["startDateTime"])
            .append_pair("endDateTime", &query["endDateTime"])
            .append_pair("$top", &top.to_string())
            .append_pair("$skip", &(skip + top).to_string());
        if let Some(list) = query.get("$select") {
            next.query_pairs_mut().append_pair("$select", list);
        }
        body.insert("@odata.nextLink".into(), json!(next.as_str()));
    }
    body.insert("value".into(), Value::Array(value));
    Ok(with_applied(
        Json(Value::Object(body)).into_response(),
        &prefer,
        false,
    ))
}

pub(super) fn new_token() -> String {
    format!("R0usm{}", uuid::Uuid::new_v4().simple())
}

/// A delta page about to be served: the round from this page on, and whether it was served
/// before.
pub(super) struct Page {
    pub(super) round: PendingRound,
    pub(super) round_id: u64,
    /// The skip token the page was asked for with (none for a round's first page).
    pub(super) served: Option<String>,
    /// The token of the link the page answered with before, when it is asked for again.
    pub(super) link: Option<String>,
}

/// Serves the next page of `round`, parking the rest under a skip token, or registering the
/// next sync state under a delta token when this is the last page. A page asked for again
/// answers with the link it gave the first time.
pub(super) fn serve_page(
    app: &App,
    store: &mut Store,
    page: Page,
    mailbox: &str,
    prefer: &Prefer,
) -> GraphResult {
    let Page {
        mut round,
        round_id,
        served,
        link,
    } = page;
    let take = round.page_size.min(round.entries.len());
    let page: Vec<DeltaEntry> = round.entries.drain(..take).collect();
    let opts = RenderOptions {
        zone: prefer.zone(),
        text_body: prefer.text_body,
        expand: None,
    };
    let events = store.mailboxes.get(mailbox);
    let value: Vec<Value> = page
        .into_iter()
        .map(|entry| {
            let id = match entry {
                DeltaEntry::Upsert(id) => {
                    if let Some(e) = events.and_then(|mb| mb.events.get(&id)) {
                        let mut m = Map::new();
                        m.insert("@odata.type".into(), json!("#microsoft.graph.event"));
                        m.extend(render_delta_item(e, mailbox, &opts));
                        return Value::Object(m);
                    }
                    // Deleted while the client was paging.
                    id
                }
                DeltaEntry::Removed(id) => id,
            };
            json!({"@odata.type": "#microsoft.graph.event", "id": id, "@removed": {"reason": "deleted"}})
        })
        .collect();
    let value = match &round.next.select {
        Some(select) => value
            .into_iter()
            .map(|v| schema::project(v, select))
            .collect(),
        None => value,
    };
    let link_base = format!("{}/users/{mailbox}/calendarView/delta", app.settings.base);
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#Collection(event)", app.settings.base)),
    );
    let token = link.unwrap_or_else(new_token);
    if round.entries.is_empty() {
        store.delta_rounds.insert(token.clone(), round_id);
        store.sync_states.insert(token.clone(), round.next);
        body.insert(
            "@odata.deltaLink".into(),
            json!(format!("{link_base}?$deltatoken={token}")),
        );
    } else {
        store
            .pending
            .entry(token.clone())
            .or_insert_with(|| ParkedPage {
                round,
                round_id,
                link: None,
                parked_at: Utc::now(),
            });
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{link_base}?$skiptoken={token}")),
        );
    }
    if let Some(parked) = served.and_then(|t| store.pending.get_mut(&t)) {
        parked.link = Some(token);
    }
    body.insert("value".into(), Value::Array(value));
    Ok(with_applied(
        Json(Value::Object(body)).into_response(),
        prefer,
        true,
    ))
}
