//! Connection tests: what each failure means and what to fix, in words.

use super::*;

/// The tenant step's settings, checked; `today` is the local date, for the secret's expiry.
pub(super) fn tenant_settings(
    form: &TenantForm,
    today: chrono::NaiveDate,
) -> Result<TenantSettings, ApiError> {
    let tenant_id = form.tenant_id.trim().to_owned();
    let client_id = form.client_id.trim().to_owned();
    if tenant_id.is_empty() {
        return Err(invalid(
            "Enter the tenant id: the Directory (tenant) ID in Entra ID > Overview, or a domain such as contoso.onmicrosoft.com.",
        ));
    }
    if client_id.is_empty() {
        return Err(invalid(
            "Enter the client id: the Application (client) ID of the app registration in Entra ID.",
        ));
    }
    let url = |field: &Option<String>, what: &str| -> Result<Option<String>, ApiError> {
        match non_empty(field) {
            Some(u) => match url::Url::parse(&u) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Some(u)),
                _ => Err(invalid(format!(
                    "The {what} {u:?} is not a web address (https://…). Leave it empty for Microsoft's own."
                ))),
            },
            None => Ok(None),
        }
    };
    let certificate_thumbprint = non_empty(&form.certificate_thumbprint);
    // A certificate has its own expiry, which Graph's sign-in reports; a secret's date is only
    // kept for client-secret sign-in, so the desktop warns about the credential in use.
    let client_secret_expires = match certificate_thumbprint {
        Some(_) => None,
        None => secret_expiry(&form.client_secret_expires, today)?,
    };
    Ok(TenantSettings {
        tenant_id,
        client_id,
        certificate_thumbprint,
        client_secret_expires,
        graph_base: url(&form.graph_base, "Graph address")?,
        token_url: url(&form.token_url, "token address")?,
    })
}

/// The client secret's expiry date as typed (`YYYY-MM-DD`): `None` when not given; refused
/// when it is not a date or the day has passed (an expired secret cannot sign in). A secret
/// that expires today still works today.
pub(super) fn secret_expiry(
    typed: &Option<String>,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    let Some(text) = non_empty(typed) else {
        return Ok(None);
    };
    let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        invalid(format!(
            "The expiry date {text:?} is not a date. Give the day Entra ID shows under Certificates & secrets > Expires, e.g. 2027-03-31, or leave it empty."
        ))
    })?;
    if date < today {
        return Err(invalid(format!(
            "The client secret expired on {date}, so it can no longer sign in. In Entra ID > App registrations > Certificates & secrets, add a new client secret and enter its value and expiry date here."
        )));
    }
    Ok(Some(date))
}

pub(super) fn graph_connector(
    settings: &TenantSettings,
    credential: GraphCredential,
) -> Result<GraphConnector, ApiError> {
    let mut config = GraphConfig::microsoft(&settings.tenant_id, &settings.client_id)
        .map_err(|e| invalid(e.message))?;
    // tenant_settings checked both parse.
    if let Some(base) = &settings.graph_base {
        config.graph_base = url::Url::parse(base).map_err(|e| invalid(e.to_string()))?;
    }
    if let Some(token) = &settings.token_url {
        config.token_url = url::Url::parse(token).map_err(|e| invalid(e.to_string()))?;
    }
    GraphConnector::with_credential(config, credential)
        .map_err(|e| ApiError::unavailable(e.message))
}

/// A connection test should answer in seconds, not retry for minutes like a sync does.
pub(super) fn check_limits() -> GraphLimits {
    GraphLimits {
        max_attempts: 2,
        max_total_wait: Duration::from_secs(5),
        base_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        request_timeout: Duration::from_secs(20),
        ..GraphLimits::default()
    }
}

pub(super) fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}

/// Signs in, lists the rooms, and checks the app may read a room's calendar.
pub(super) async fn check_graph(graph: &GraphConnector, settings: &TenantSettings) -> CheckView {
    let rooms = match graph.rooms().await {
        Ok(rooms) => rooms,
        Err(e) => return tenant_problem(&e, settings, "list the rooms (Place.Read.All)"),
    };
    // Any answer but 401/403 for a made-up event id shows the app may read the calendar
    // (Calendars.ReadWrite and the application access policy).
    if let Some(first) = rooms.first() {
        let probe = GraphEventId::new("roombridge-permission-check");
        if let Err(e) = graph
            .tag_of(&Mailbox::new(first.email.clone()), &probe)
            .await
            && matches!(e.kind, ErrorKind::Auth | ErrorKind::Transient { .. })
        {
            return tenant_problem(
                &e,
                settings,
                &format!("read the calendar of {} (Calendars.ReadWrite)", first.email),
            );
        }
    }
    CheckView {
        ok: true,
        summary: format!(
            "Signed in to Microsoft 365 and found {} room mailbox{}.",
            rooms.len(),
            if rooms.len() == 1 { "" } else { "es" }
        ),
        fix: None,
        detail: None,
        problem: None,
        found: rooms.len(),
    }
}

/// A tenant connection failure in words a facility manager can act on. `doing` names what was
/// being tried when a permission is missing.
pub(super) fn tenant_problem(
    error: &ConnectorError,
    settings: &TenantSettings,
    doing: &str,
) -> CheckView {
    let graph_host = settings
        .graph_base
        .as_deref()
        .map(host_of)
        .unwrap_or_else(|| "graph.microsoft.com".to_owned());
    let token_host = settings
        .token_url
        .as_deref()
        .map(host_of)
        .unwrap_or_else(|| "login.microsoftonline.com".to_owned());
    match (&error.kind, error.status) {
        // No status: Entra ID's token endpoint refused the sign-in; the connector's message
        // already names the AADSTS cause (wrong secret, unknown app or tenant, expired secret).
        (ErrorKind::Auth, None) | (ErrorKind::Auth, Some(401)) => CheckView::failed(
            Problem::Credentials,
            "Microsoft 365 refused the sign-in (401).".to_owned(),
            format!(
                "{} Check the tenant id, the client id and the client secret (or certificate).",
                without_reason(&error.message)
            ),
            error,
        ),
        (ErrorKind::Auth, Some(_)) => CheckView::failed(
            Problem::Permission,
            format!("Signed in, but the app is not allowed to {doing} (403)."),
            "In Entra ID > App registrations > API permissions, add the application permissions Place.Read.All and Calendars.ReadWrite and grant admin consent; if an application access policy limits the app, add the room mailboxes to it.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            format!("RoomBridge could not reach Microsoft 365 ({token_host} / {graph_host})."),
            "Check this computer's network connection, proxy and firewall; if you changed the addresses under Advanced, check them.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            format!("Microsoft 365 is busy or unavailable right now (HTTP {status})."),
            "Nothing to change: test again in a minute.".to_owned(),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            format!("{graph_host} did not answer like Microsoft Graph."),
            "Leave the addresses under Advanced empty for Microsoft 365; if you set them, the Graph address must end in /v1.0.".to_owned(),
            error,
        ),
    }
}

/// A booking-system connection failure in words a facility manager can act on.
pub(super) fn booking_problem(error: &ConnectorError, url: &str) -> CheckView {
    let host = host_of(url);
    match (&error.kind, error.status) {
        (ErrorKind::Auth, Some(403)) => CheckView::failed(
            Problem::Permission,
            "The booking system accepted the API key but does not let it read resources (403).".to_owned(),
            "Ask the booking-system administrator to give this API key access to resources and reservations.".to_owned(),
            error,
        ),
        (ErrorKind::Auth, _) => CheckView::failed(
            Problem::Credentials,
            "The booking system rejected the API key (401).".to_owned(),
            "Copy the API key again from the booking system's administration page (no spaces before or after it), or ask its administrator for a new one.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            format!("RoomBridge could not reach the booking system at {host}."),
            "Check the address (it usually ends in /api/v1) and this computer's network connection, proxy and firewall.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            format!("The booking system is busy or unavailable right now (HTTP {status})."),
            "Nothing to change: test again in a minute.".to_owned(),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            format!("{host} answered, but not as RoomBridge's booking API."),
            "Check the address: it is the API's base address, usually ending in /api/v1, not the booking system's web page.".to_owned(),
            error,
        ),
    }
}

/// A connector's message without the service's own words it ends with in parentheses (Entra
/// ID's AADSTS reason, which the check shows under "Details"): what to fix, whole, including
/// any parentheses of its own.
pub(super) fn without_reason(message: &str) -> &str {
    let trimmed = message.trim();
    if !trimmed.ends_with(')') {
        return trimmed;
    }
    let mut depth = 0;
    for (at, c) in trimmed.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return trimmed[..at].trim_end();
                }
            }
            _ => {}
        }
    }
    trimmed
}

/// A booking connector for `url`, or a check result saying why the address cannot be used.
pub(super) fn booking_connector(
    url: &str,
    key: Secret,
) -> Result<BookingConnector, Box<CheckView>> {
    let address_problem = |e: &ConnectorError| {
        Box::new(CheckView::failed(
            Problem::Address,
            format!("{url:?} cannot be used as the booking system's address."),
            "Use the API's full address starting with https:// (http:// only for a booking system on this computer), usually ending in /api/v1.".to_owned(),
            e,
        ))
    };
    let parsed = url::Url::parse(url)
        .map_err(|e| address_problem(&ConnectorError::new(ErrorKind::Permanent, e.to_string())))?;
    BookingConnector::new(parsed, key).map_err(|e| address_problem(&e))
}

pub(super) async fn check_booking(booking: &BookingConnector, url: &str) -> CheckView {
    match booking.resources().await {
        Ok(resources) => {
            let rooms = resources.iter().filter(|r| r.kind != "equipment").count();
            CheckView {
                ok: true,
                summary: format!(
                    "Connected to the booking system and found {} resources ({} rooms, {} equipment).",
                    resources.len(),
                    rooms,
                    resources.len() - rooms
                ),
                fix: None,
                detail: None,
                problem: None,
                found: resources.len(),
            }
        }
        Err(e) => booking_problem(&e, url),
    }
}

/// A PorticoEstate connector for `url`, or a check result saying why the address cannot be
/// used (not a web address, or `http://` to another computer: the password would cross the
/// network unencrypted).
pub(super) fn portico_connector(
    url: &str,
    login: &str,
    password: Secret,
) -> Result<PorticoConnector, Box<CheckView>> {
    let address_problem = |e: &ConnectorError| {
        Box::new(CheckView::failed(
            Problem::Address,
            format!("{url:?} cannot be used as PorticoEstate's address."),
            "Use the installation's address starting with https://, e.g. https://aktiv.your-municipality.no (http:// only for an installation on this computer: RoomBridge sends the password to it).".to_owned(),
            e,
        ))
    };
    let parsed = url::Url::parse(url)
        .map_err(|e| address_problem(&ConnectorError::new(ErrorKind::Permanent, e.to_string())))?;
    PorticoConnector::new(parsed, login, password).map_err(|e| address_problem(&e))
}

/// Signs in to PorticoEstate, reads its resources and a schedule, and checks the user has the
/// booking rights RoomBridge needs.
pub(super) async fn check_portico(portico: &PorticoConnector, url: &str, login: &str) -> CheckView {
    match portico.access().await {
        Ok(access) if access.missing.is_empty() => CheckView {
            ok: true,
            summary: format!(
                "Signed in to PorticoEstate as {login:?} and found {} resource{}; the user may read schedules and add and edit events.",
                access.resources.len(),
                if access.resources.len() == 1 { "" } else { "s" }
            ),
            fix: None,
            detail: None,
            problem: None,
            found: access.resources.len(),
        },
        Ok(access) => missing_rights(&access.missing, login),
        Err(e) => portico_problem(&e, url, login),
    }
}

/// The rights RoomBridge's PorticoEstate user lacks, what each is for and who grants it.
pub(super) fn missing_rights(missing: &[Right], login: &str) -> CheckView {
    let detail = Some(format!(
        "PorticoEstate answered 401 or 403 (Permission denied) for: {}.",
        missing
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if missing.contains(&Right::Run) {
        return CheckView {
            ok: false,
            summary: format!(
                "PorticoEstate accepted the user name and password, but {login:?} may not use the booking module."
            ),
            fix: Some(format!(
                "Ask a PorticoEstate administrator to give the user {login:?} the application Booking (Admin > User accounts > {login} > Applications), and in Booking's general permissions the rights Read, Add and Edit. RoomBridge needs them to read the schedules and to write Outlook meetings into PorticoEstate as events."
            )),
            detail,
            problem: Some(Problem::Permission),
            found: 0,
        };
    }
    let words: Vec<&str> = missing
        .iter()
        .map(|r| match r {
            Right::Run => "use the booking module",
            Right::Read => "read events",
            Right::Add => "add events",
            Right::Edit => "edit events",
        })
        .collect();
    let names: Vec<&str> = missing
        .iter()
        .map(|r| match r {
            Right::Run => "Booking",
            Right::Read => "Read",
            Right::Add => "Add",
            Right::Edit => "Edit",
        })
        .collect();
    CheckView {
        ok: false,
        summary: format!(
            "Signed in to PorticoEstate as {login:?}, but the user may not {}.",
            or_list(&words)
        ),
        fix: Some(format!(
            "Ask a PorticoEstate administrator to give the user {login:?} the booking right{} {} (Admin > User accounts > {login}: Booking's general permissions, on the booking module). RoomBridge reads events to recognise its own, adds one for each Outlook meeting, and edits or cancels them when the meeting changes.",
            if names.len() == 1 { "" } else { "s" },
            and_list(&names)
        )),
        detail,
        problem: Some(Problem::Permission),
        found: 0,
    }
}

fn and_list(words: &[&str]) -> String {
    list(words, "and")
}

fn or_list(words: &[&str]) -> String {
    list(words, "or")
}

fn list(words: &[&str], joiner: &str) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} {joiner} {last}", init.join(", ")),
    }
}

/// A PorticoEstate connection failure in words a facility manager can act on.
pub(super) fn portico_problem(error: &ConnectorError, url: &str, login: &str) -> CheckView {
    let host = host_of(url);
    match (&error.kind, error.status) {
        // The sign-in itself was refused (PorticoEstate answers 404 with its reason).
        (ErrorKind::Auth, None) => CheckView::failed(
            Problem::Credentials,
            "PorticoEstate did not accept the user name or password.".to_owned(),
            format!(
                "Check the user name ({login:?}) and type the password again: they are the PorticoEstate login of RoomBridge's user, the one you use on {host}'s login page. After more than three failed attempts PorticoEstate blocks the user for 30 minutes, even with the right password; a PorticoEstate administrator can also tell whether the account has expired."
            ),
            error,
        ),
        // Signed in, then refused: the booking rights (see `access`).
        (ErrorKind::Auth, Some(_)) => CheckView::failed(
            Problem::Permission,
            format!("Signed in to PorticoEstate as {login:?}, but the user may not read the resources."),
            format!(
                "Ask a PorticoEstate administrator to give the user {login:?} the application Booking and, in Booking's general permissions, the rights Read, Add and Edit."
            ),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            format!("RoomBridge could not reach PorticoEstate at {host}."),
            "Check the address (the installation's own, e.g. https://aktiv.your-municipality.no) and this computer's network connection, proxy and firewall.".to_owned(),
            error,
        ),
        // PorticoEstate answers an error inside it with an HTML page and status 200.
        (ErrorKind::Transient { .. }, Some(200)) => CheckView::failed(
            Problem::Busy,
            format!("{host} answered with an error page instead of data."),
            "If the address is right, PorticoEstate failed inside: test again in a minute, and if it keeps failing, ask its administrator.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            format!("PorticoEstate is busy or unavailable right now (HTTP {status})."),
            "Nothing to change: test again in a minute.".to_owned(),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            format!("{host} answered, but not as PorticoEstate's booking API."),
            "Check the address: it is the Aktiv kommune installation's own address, e.g. https://aktiv.your-municipality.no, without /bookingfrontend or other pages after it (not RoomBridge's booking API).".to_owned(),
            error,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_loses_only_the_reason_it_ends_with() {
        let message = "The client secret for application abc is wrong. Enter the secret's Value (not its Secret ID) from Entra ID > App registrations > Certificates & secrets. (AADSTS7000215: Invalid client secret provided (value, not id).)";
        assert_eq!(
            without_reason(message),
            "The client secret for application abc is wrong. Enter the secret's Value (not its Secret ID) from Entra ID > App registrations > Certificates & secrets."
        );
        assert_eq!(without_reason("No reason here."), "No reason here.");
        assert_eq!(without_reason("Unbalanced)"), "Unbalanced)");
    }
}
