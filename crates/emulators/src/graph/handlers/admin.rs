//! Emulator-only routes (under /admin, authorised by the gateway).

use super::*;

/// `POST /admin/invitations`: puts a meeting organised by someone outside the tenant's
/// resource mailboxes into rooms' calendars, as Exchange does when a person invites rooms.
/// The body is an event (as for `POST /users/{m}/events`, a `recurrence` too) plus the room
/// (`"mailbox"`) or rooms (`"mailboxes": [..]`, or both) and `organizer` (`{"name",
/// "address"}`); every room is added to the attendees. Each room gets its own copy with its own
/// id, and the copies share one `iCalUId`, as the copies of one meeting do in Exchange.
/// `originalStartTimeZone` / `originalEndTimeZone` may say `tzone://Microsoft/Custom` (a
/// meeting desktop Outlook made in a custom zone): kept and rendered as given, while the times
/// are stored in and rendered from the zones of `start` and `end`.
/// Answers 201 with the event as the room sees it (`isOrganizer: false`), or, when the body has
/// `mailboxes`, with `{"value": [..]}`: each room's copy, in the order the rooms were given.
pub(crate) fn admin_invite(app: &App, bytes: &Bytes) -> Response {
    let result = (|| {
        let mut body = parse_body(bytes)?;
        let mailbox = string_field(&body, "mailbox")?;
        let several = match body.remove("mailboxes") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => Some(
                list.iter()
                    .map(|m| m.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        GraphError::bad_request("'mailboxes' lists the rooms' addresses.")
                    })?,
            ),
            Some(_) => {
                return Err(GraphError::bad_request(
                    "'mailboxes' lists the rooms' addresses.",
                ));
            }
        };
        body.remove("mailbox");
        let organizer = body.remove("organizer").unwrap_or(Value::Null);
        let text = |k: &str| {
            organizer
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.trim().is_empty())
        };
        let (Some(name), Some(address)) = (text("name"), text("address")) else {
            return Err(GraphError::bad_request(
                "An invitation needs an organizer with a name and an address.",
            ));
        };
        let mut keys: Vec<String> = Vec::new();
        for m in mailbox.iter().chain(several.iter().flatten()) {
            let key = mailbox_key(app, m)?;
            if address.eq_ignore_ascii_case(&key) {
                return Err(GraphError::bad_request(
                    "An invitation comes from someone other than the room.",
                ));
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(GraphError::bad_request(
                "An invitation needs the room's mailbox.",
            ));
        }
        let original_zones = (
            original_zone(&body, "originalStartTimeZone")?,
            original_zone(&body, "originalEndTimeZone")?,
        );
        schema::check(&body, &schema::EVENT)?;
        let rooms: Vec<(String, String)> = {
            let store = lock(&app.store);
            keys.iter()
                .map(|k| {
                    let name = store
                        .mailboxes
                        .get(k)
                        .map_or_else(|| k.clone(), |mb| mb.display_name.clone());
                    (name, k.clone())
                })
                .collect()
        };
        let ical_uid = new_ical_uid();
        let mut copies = Vec::new();
        for key in &keys {
            let invitation = Invitation {
                organizer_name: name.clone(),
                organizer_address: address.clone(),
                rooms: rooms.clone(),
                ical_uid: ical_uid.clone(),
                original_zones: original_zones.clone(),
            };
            copies.push((key, insert_event(app, key, &body, Some(invitation))?));
        }
        if several.is_none()
            && let Some((key, (status, e))) = copies.first()
        {
            return Ok(event_response(
                app,
                *status,
                e,
                key,
                &Prefer::default(),
                None,
            ));
        }
        let value: Vec<Value> = copies
            .iter()
            .map(|(key, (_, e))| {
                let opts = RenderOptions {
                    zone: None,
                    text_body: false,
                    expand: None,
                };
                Value::Object(render_event(e, key, &opts))
            })
            .collect();
        Ok((StatusCode::CREATED, Json(json!({ "value": value }))).into_response())
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// An invitation's `originalStartTimeZone` or `originalEndTimeZone`: a zone Graph knows, or
/// one of the `tzone://Microsoft/...` names desktop Outlook's zones show as.
pub(super) fn original_zone(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, GraphError> {
    let Some(zone) = string_field(body, key)? else {
        return Ok(None);
    };
    if zones::resolve(&zone).is_some()
        || zone == "tzone://Microsoft/Custom"
        || zone == "tzone://Microsoft/Utc"
    {
        Ok(Some(zone))
    } else {
        Err(GraphError::bad_request(format!(
            "'{key}' must be a time zone or tzone://Microsoft/Custom, not '{zone}'."
        )))
    }
}

/// `GET /admin/replies`: every cancellation and decline so far, oldest first.
pub(crate) fn admin_replies(app: &App) -> Response {
    Json(json!({ "value": lock(&app.store).replies })).into_response()
}

/// `DELETE /admin/replies`: forgets them.
pub(crate) fn clear_replies(app: &App) -> Response {
    lock(&app.store).replies.clear();
    StatusCode::NO_CONTENT.into_response()
}
