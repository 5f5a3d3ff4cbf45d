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
        return Err(ApiError::invalid(Words::new("check.enter_tenant_id")));
    }
    if client_id.is_empty() {
        return Err(ApiError::invalid(Words::new("check.enter_client_id")));
    }
    let url = |field: &Option<String>, what: &'static str| -> Result<Option<String>, ApiError> {
        match non_empty(field) {
            Some(u) => match url::Url::parse(&u) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Some(u)),
                _ => Err(ApiError::invalid(
                    Words::new("check.not_an_address")
                        .with("what", Words::new(what))
                        .arg("address", &u),
                )),
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
        graph_base: url(&form.graph_base, "check.graph_address")?,
        token_url: url(&form.token_url, "check.token_address")?,
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
    let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(Words::new("check.expiry_not_a_date").arg("text", &text)))?;
    if date < today {
        return Err(ApiError::invalid(
            Words::new("check.secret_expired").arg("date", date),
        ));
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
        Err(e) => return tenant_problem(&e, settings, Words::new("check.doing_list_rooms")),
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
                Words::new("check.doing_read_calendar").arg("mailbox", &first.email),
            );
        }
    }
    CheckView::passed(
        Words::plural("check.tenant_ok", rooms.len() as i64),
        rooms.len(),
    )
}

/// A tenant connection failure in words a facility manager can act on. `doing` names what was
/// being tried when a permission is missing.
pub(super) fn tenant_problem(
    error: &ConnectorError,
    settings: &TenantSettings,
    doing: Words,
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
            Words::new("check.tenant_refused"),
            match &error.fix {
                Some(fix) => {
                    Words::new("check.tenant_refused_fix_because").with("why", (**fix).clone())
                }
                None => Words::new("check.tenant_refused_fix_because")
                    .arg("why", without_reason(&error.message)),
            },
            error,
        ),
        (ErrorKind::Auth, Some(_)) => CheckView::failed(
            Problem::Permission,
            Words::new("check.tenant_not_allowed").with("doing", doing),
            Words::new("check.tenant_not_allowed_fix"),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            Words::new("check.tenant_unreachable")
                .arg("token_host", token_host)
                .arg("graph_host", graph_host),
            Words::new("check.tenant_unreachable_fix"),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            Words::new("check.tenant_busy").arg("status", status),
            Words::new("check.test_again"),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            Words::new("check.not_graph").arg("host", graph_host),
            Words::new("check.not_graph_fix"),
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
            Words::new("check.booking_not_allowed"),
            Words::new("check.booking_not_allowed_fix"),
            error,
        ),
        (ErrorKind::Auth, _) => CheckView::failed(
            Problem::Credentials,
            Words::new("check.booking_key_rejected"),
            Words::new("check.booking_key_rejected_fix"),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            Words::new("check.booking_unreachable").arg("host", host),
            Words::new("check.booking_unreachable_fix"),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            Words::new("check.booking_busy").arg("status", status),
            Words::new("check.test_again"),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            Words::new("check.not_booking_api").arg("host", host),
            Words::new("check.not_booking_api_fix"),
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
            Words::new("check.booking_address_unusable").arg("address", url),
            Words::new("check.booking_address_unusable_fix"),
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
            CheckView::passed(
                Words::plural("check.booking_ok", resources.len() as i64)
                    .arg("rooms", rooms)
                    .arg("equipment", resources.len() - rooms),
                resources.len(),
            )
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
            Words::new("check.portico_address_unusable").arg("address", url),
            Words::new("check.portico_address_unusable_fix"),
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
        Ok(access) if access.missing.is_empty() => CheckView::passed(
            Words::plural("check.portico_ok", access.resources.len() as i64).arg("user", login),
            access.resources.len(),
        ),
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
        return CheckView::refused(
            Problem::Permission,
            Words::new("check.portico_no_booking").arg("user", login),
            Words::new("check.portico_no_booking_fix").arg("user", login),
            detail,
        );
    }
    let words: Vec<Words> = missing
        .iter()
        .map(|r| match r {
            Right::Run => Words::new("check.right_run"),
            Right::Read => Words::new("check.right_read"),
            Right::Add => Words::new("check.right_add"),
            Right::Edit => Words::new("check.right_edit"),
        })
        .collect();
    let names: Vec<Words> = missing
        .iter()
        .map(|r| match r {
            Right::Run => Words::new("check.right_name_run"),
            Right::Read => Words::new("check.right_name_read"),
            Right::Add => Words::new("check.right_name_add"),
            Right::Edit => Words::new("check.right_name_edit"),
        })
        .collect();
    CheckView::refused(
        Problem::Permission,
        Words::new("check.portico_missing_rights")
            .arg("user", login)
            .or_list("rights", words),
        Words::plural("check.portico_missing_rights_fix", names.len() as i64)
            .arg("user", login)
            .and_list("rights", names),
        detail,
    )
}

/// A PorticoEstate connection failure in words a facility manager can act on.
pub(super) fn portico_problem(error: &ConnectorError, url: &str, login: &str) -> CheckView {
    let host = host_of(url);
    match (&error.kind, error.status) {
        // The sign-in itself was refused (PorticoEstate answers 404 with its reason).
        (ErrorKind::Auth, None) => CheckView::failed(
            Problem::Credentials,
            Words::new("check.portico_refused"),
            Words::new("check.portico_refused_fix")
                .arg("user", login)
                .arg("host", &host),
            error,
        ),
        // Signed in, then refused: the booking rights (see `access`).
        (ErrorKind::Auth, Some(_)) => CheckView::failed(
            Problem::Permission,
            Words::new("check.portico_no_resources").arg("user", login),
            Words::new("check.portico_no_resources_fix").arg("user", login),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            Words::new("check.portico_unreachable").arg("host", &host),
            Words::new("check.portico_unreachable_fix"),
            error,
        ),
        // PorticoEstate answers an error inside it with an HTML page and status 200.
        (ErrorKind::Transient { .. }, Some(200)) => CheckView::failed(
            Problem::Busy,
            Words::new("check.portico_error_page").arg("host", &host),
            Words::new("check.portico_error_page_fix"),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            Words::new("check.portico_busy").arg("status", status),
            Words::new("check.test_again"),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            Words::new("check.not_portico").arg("host", &host),
            Words::new("check.not_portico_fix"),
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
