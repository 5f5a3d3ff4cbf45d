//! Access checks.

use super::*;

pub(crate) fn authorize(app: &App, headers: &HeaderMap) -> Result<(), GraphError> {
    let unauthorized =
        |m: &str| GraphError::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", m);
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized("Access token is empty."));
    };
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(unauthorized("Access token is empty."));
    };
    match lock(&app.store).tokens.get(token.trim()) {
        None => Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).",
        )),
        Some(expiry) if *expiry <= Utc::now() => Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )),
        Some(_) => Ok(()),
    }
}

/// Whether the request carries an access token the emulator issued and that has not expired.
pub(crate) fn has_valid_token(app: &App, headers: &HeaderMap) -> bool {
    authorize(app, headers).is_ok()
}

/// The mailbox key when the application may access it ([`directory_access`]).
pub(super) fn mailbox_key(app: &App, mailbox: &str) -> Result<String, GraphError> {
    directory_access(&app.settings, mailbox)
}

/// What every request for a mailbox's calendar checks first: its token ([`authorize`]), then
/// the mailbox ([`mailbox_key`]), whose key it returns.
pub(super) fn authorized_mailbox(
    app: &App,
    headers: &HeaderMap,
    mailbox: &str,
) -> Result<String, GraphError> {
    authorize(app, headers)?;
    mailbox_key(app, mailbox)
}

/// [`authorized_mailbox`] for a request that names an event, whose id must then be well
/// formed ([`check_event_id`]).
pub(super) fn authorized_event(
    app: &App,
    headers: &HeaderMap,
    mailbox: &str,
    id: &str,
) -> Result<String, GraphError> {
    let key = authorized_mailbox(app, headers, mailbox)?;
    check_event_id(id)?;
    Ok(key)
}

/// Looks `mailbox` up in the tenant's directory as Exchange does: a resource mailbox is open
/// to the application; a person's mailbox only when the application's scope is the whole
/// tenant, else 403 `ErrorAccessDenied` (RBAC for Applications or an application access
/// policy keeps it out); an address nobody has is 404 `ErrorInvalidUser`, whatever the scope.
pub(super) fn directory_access(settings: &Settings, mailbox: &str) -> Result<String, GraphError> {
    let key = mailbox.to_lowercase();
    let resource = settings
        .mailboxes
        .iter()
        .any(|m| m.email.eq_ignore_ascii_case(&key));
    let person = settings
        .people
        .iter()
        .any(|p| p.email.eq_ignore_ascii_case(&key));
    match (resource, person, settings.scope) {
        (true, _, _) | (false, true, AccessScope::Tenant) => Ok(key),
        (false, true, AccessScope::Resources) => Err(GraphError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )),
        (false, false, _) => Err(GraphError::new(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            format!("The requested user '{mailbox}' is invalid."),
        )),
    }
}

/// 403 for the places routes when the application lacks `Place.Read.All`.
pub(super) fn places_allowed(app: &App) -> Result<(), GraphError> {
    if app.settings.place_read_all {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ))
    }
}

/// Shortest event id Exchange could have made: its ids are base64 of a binary entry id, far
/// longer than this (an id like `"285"` is refused as malformed).
pub(super) const MIN_EVENT_ID_LEN: usize = 20;

/// Refuses an event id that cannot be one of Exchange's (400 `ErrorInvalidIdMalformed`), so
/// that only a well-formed id that names nothing is 404. Exchange ids are base64 (standard or
/// URL-safe alphabet) with at most two `=` of padding at the end.
pub(super) fn check_event_id(id: &str) -> Result<(), GraphError> {
    let body = id.trim_end_matches('=');
    let well_formed = id.len() >= MIN_EVENT_ID_LEN
        && id.len() - body.len() <= 2
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'));
    if well_formed {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidIdMalformed",
            "Id is malformed.",
        ))
    }
}

/// `$select` of an event request: the properties to render besides `id`, if it names any.
pub(super) fn selected(
    query: &HashMap<String, String>,
) -> Result<Option<Vec<&'static str>>, GraphError> {
    query
        .get("$select")
        .map(|list| schema::select(&schema::EVENT, list))
        .transpose()
}
