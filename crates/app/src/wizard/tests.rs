use super::*;
use roombridge_core::ResourceId;

fn resource(id: &str, name: &str, email: Option<&str>) -> Resource {
    Resource {
        id: ResourceId::new(id),
        name: name.to_owned(),
        kind: "room".to_owned(),
        email: email.map(str::to_owned),
        time_zone: "Europe/Oslo".to_owned(),
    }
}

fn place(email: &str, name: &str) -> GraphRoom {
    GraphRoom {
        email: email.to_owned(),
        display_name: name.to_owned(),
    }
}

fn matched(m: &Option<(String, MatchedBy)>) -> Option<(&str, MatchedBy)> {
    m.as_ref().map(|(e, by)| (e.as_str(), *by))
}

#[test]
fn names_compare_without_case_punctuation_or_spacing() {
    assert_eq!(
        normalise_name("  Town Hall, Council-Chamber "),
        "town hall council chamber"
    );
    assert_eq!(normalise_name("Møterom ÆRE"), "møterom ære");
}

#[test]
fn a_resource_matches_by_email_first_then_by_name_then_its_own_email() {
    let places = [
        place("Fjord@Example.org", "Meeting Room Fjord"),
        place("skog@example.org", "Meeting room: Skog"),
        place("gym@example.org", "Gymnasium"),
    ];
    let resources = [
        // E-mail wins, whatever the case.
        resource("r1", "Fjord", Some("fjord@example.ORG")),
        // No e-mail: the name, normalised.
        resource("r2", "Meeting Room Skog", None),
        // An e-mail the room list does not show (an equipment mailbox).
        resource("r3", "Projector", Some("projector@example.org")),
        // Nothing fits.
        resource("r4", "Attic", None),
    ];
    let m = match_resources(&resources, &places);
    assert_eq!(
        matched(&m[0]),
        Some(("fjord@example.org", MatchedBy::Email))
    );
    assert_eq!(matched(&m[1]), Some(("skog@example.org", MatchedBy::Name)));
    assert_eq!(
        matched(&m[2]),
        Some(("projector@example.org", MatchedBy::BookingEmail))
    );
    assert_eq!(matched(&m[3]), None);
}

#[test]
fn a_name_that_fits_several_suggests_nothing_and_a_mailbox_taken_by_email_is_not_offered_by_name() {
    let places = [
        place("a@example.org", "Gym"),
        place("b@example.org", "gym"),
        place("hall@example.org", "Hall"),
    ];
    let resources = [
        resource("r1", "Gym", None),
        resource("r2", "Hall", None),
        resource("r3", "Main hall", Some("hall@example.org")),
    ];
    let m = match_resources(&resources, &places);
    assert_eq!(matched(&m[0]), None, "two mailboxes are called Gym");
    assert_eq!(matched(&m[1]), None, "Hall belongs to r3 by e-mail");
    assert_eq!(matched(&m[2]), Some(("hall@example.org", MatchedBy::Email)));
}

#[test]
fn zones_mailboxes_and_choices_are_checked_with_messages_that_say_what_to_use() {
    assert_eq!(check_zone(" Europe/Oslo ").unwrap(), "Europe/Oslo");
    let e = check_zone("Oslo").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("Europe/Oslo"), "{}", e.message);
    assert_eq!(
        check_mailbox(" Gym@Example.org").unwrap().as_str(),
        "gym@example.org"
    );
    assert!(check_mailbox("gym").is_err());

    let resources = [resource("r1", "Gym", None), resource("r2", "Hall", None)];
    let choice = |id: &str, mailbox: Option<&str>| RoomChoice {
        resource_id: id.to_owned(),
        mailbox: mailbox.map(str::to_owned),
        name: None,
        kind: None,
        time_zone: None,
        policy: None,
    };
    let rooms = chosen_rooms(
        &[choice("r1", Some("gym@example.org")), choice("r2", None)],
        &resources,
        "Europe/Berlin",
    )
    .unwrap();
    assert_eq!(rooms.len(), 1, "a resource without a mailbox is not synced");
    assert_eq!(rooms[0].0.time_zone, "Europe/Berlin");
    assert_eq!(rooms[0].0.name, "Gym");

    let twice = chosen_rooms(
        &[
            choice("r1", Some("gym@example.org")),
            choice("r2", Some("GYM@example.org")),
        ],
        &resources,
        "Europe/Oslo",
    )
    .unwrap_err();
    assert!(
        twice.message.contains("more than one resource"),
        "{}",
        twice.message
    );
    let mut bad_policy = choice("r1", Some("gym@example.org"));
    bad_policy.policy = Some("whoever-shouts".into());
    assert!(chosen_rooms(&[bad_policy], &resources, "Europe/Oslo").is_err());
}

fn settings() -> TenantSettings {
    TenantSettings {
        tenant_id: "t".into(),
        client_id: "c".into(),
        certificate_thumbprint: None,
        client_secret_expires: None,
        graph_base: None,
        token_url: None,
    }
}

#[test]
fn tenant_failures_say_what_to_fix() {
    let refused = ConnectorError::new(
        ErrorKind::Auth,
        "The client secret for application c is wrong. Enter the secret's Value (AADSTS7000215: Invalid client secret provided.)",
    );
    let check = tenant_problem(&refused, &settings(), Words::new("check.doing_list_rooms"));
    assert_eq!(check.problem, Some(Problem::Credentials));
    assert!(check.summary.contains("401"));
    assert!(check.fix.unwrap().contains("client secret"));

    let forbidden = ConnectorError::new(ErrorKind::Auth, "not allowed").with_status(403);
    let check = tenant_problem(
        &forbidden,
        &settings(),
        Words::new("check.doing_list_rooms"),
    );
    assert_eq!(check.problem, Some(Problem::Permission));
    assert!(check.summary.contains("Place.Read.All"));
    assert!(check.fix.unwrap().contains("admin consent"));

    let down = ConnectorError::new(ErrorKind::Transient { retry_after: None }, "refused");
    let check = tenant_problem(&down, &settings(), Words::new("check.doing_list_rooms"));
    assert_eq!(check.problem, Some(Problem::Unreachable));
    assert!(check.summary.contains("login.microsoftonline.com"));
}

#[test]
fn booking_failures_say_what_to_fix() {
    let url = "https://booking.example.org/api/v1";
    let key = ConnectorError::new(ErrorKind::Auth, "rejected").with_status(401);
    let check = booking_problem(&key, url);
    assert_eq!(check.problem, Some(Problem::Credentials));
    assert!(check.fix.unwrap().contains("API key"));
    let forbidden = ConnectorError::new(ErrorKind::Auth, "no").with_status(403);
    assert_eq!(
        booking_problem(&forbidden, url).problem,
        Some(Problem::Permission)
    );
    let wrong_page = ConnectorError::new(ErrorKind::Permanent, "404").with_status(404);
    let check = booking_problem(&wrong_page, url);
    assert_eq!(check.problem, Some(Problem::Address));
    assert!(check.fix.unwrap().contains("/api/v1"));

    let Err(plain_http) = booking_connector("http://booking.example.org/api/v1", Secret::new("k"))
    else {
        panic!("http:// to another computer must be refused")
    };
    assert_eq!(plain_http.problem, Some(Problem::Address));
}

/// The expiry date a tenant form with `typed` comes to on 2026-11-21, or the message that
/// refuses it.
fn expiry(typed: Option<&str>, certificate: bool) -> Result<Option<String>, String> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let form = TenantForm {
        tenant_id: "contoso.onmicrosoft.com".into(),
        client_id: "c".into(),
        certificate_thumbprint: certificate.then(|| "a".repeat(40)),
        client_secret_expires: typed.map(str::to_owned),
        ..TenantForm::default()
    };
    tenant_settings(&form, today)
        .map(|s| s.client_secret_expires.map(|d| d.to_string()))
        .map_err(|e| {
            assert_eq!(e.code, ErrorCode::InvalidInput);
            e.message
        })
}

#[test]
fn the_client_secrets_expiry_is_optional_a_real_date_and_not_in_the_past() {
    let ok = |d: &str| Ok(Some(d.to_owned()));
    assert_eq!(expiry(None, false), Ok(None));
    assert_eq!(expiry(Some("  "), false), Ok(None));
    assert_eq!(expiry(Some("2027-03-31"), false), ok("2027-03-31"));
    assert_eq!(expiry(Some(" 2027-03-31 "), false), ok("2027-03-31"));
    // Still signs in on its last day.
    assert_eq!(expiry(Some("2026-11-21"), false), ok("2026-11-21"));

    for not_a_date in ["2027-02-30", "31.03.2027", "next year", "2027-3"] {
        let message = expiry(Some(not_a_date), false).unwrap_err();
        assert!(
            message.contains("is not a date") && message.contains("e.g. 2027-03-31"),
            "{not_a_date}: {message}"
        );
    }
    let message = expiry(Some("2026-11-20"), false).unwrap_err();
    assert!(
        message.contains("expired on 2026-11-20") && message.contains("add a new client secret"),
        "{message}"
    );

    // Signing in with a certificate: a secret's date means nothing and is not kept.
    assert_eq!(expiry(Some("2027-03-31"), true), Ok(None));
    assert_eq!(expiry(Some("2020-01-01"), true), Ok(None));
}

#[test]
fn porticoestate_failures_say_what_to_fix() {
    let url = "https://aktiv.nordvik.example";
    let refused = ConnectorError::new(
        ErrorKind::Auth,
        "PorticoEstate refused to sign in \"rb\": Ugyldig login eller passord.",
    );
    let check = portico_problem(&refused, url, "rb");
    assert_eq!(check.problem, Some(Problem::Credentials));
    assert!(
        check
            .summary
            .contains("did not accept the user name or password")
    );
    assert!(
        check.detail.unwrap().contains("Ugyldig"),
        "the server's words"
    );

    let busy =
        ConnectorError::new(ErrorKind::Transient { retry_after: None }, "503").with_status(503);
    assert_eq!(
        portico_problem(&busy, url, "rb").problem,
        Some(Problem::Busy)
    );
    let page =
        ConnectorError::new(ErrorKind::Transient { retry_after: None }, "a page").with_status(200);
    let check = portico_problem(&page, url, "rb");
    assert_eq!(check.problem, Some(Problem::Busy));
    assert!(check.summary.contains("error page"), "{}", check.summary);
    let other = ConnectorError::new(ErrorKind::Permanent, "HTTP 404");
    let check = portico_problem(&other, url, "rb");
    assert_eq!(check.problem, Some(Problem::Address));
    assert!(check.summary.contains("aktiv.nordvik.example"));

    let Err(plain_http) = portico_connector("http://aktiv.nordvik.example", "rb", Secret::new("p"))
    else {
        panic!("http:// to another computer must be refused")
    };
    assert_eq!(plain_http.problem, Some(Problem::Address));
    assert!(portico_connector("http://127.0.0.1:9/", "rb", Secret::new("p")).is_ok());
}

#[test]
fn missing_porticoestate_rights_are_named_with_who_grants_them() {
    let one = missing_rights(&[Right::Edit], "rb");
    assert_eq!(one.problem, Some(Problem::Permission));
    assert!(
        one.summary.ends_with("may not edit events."),
        "{}",
        one.summary
    );
    let fix = one.fix.unwrap();
    assert!(fix.contains("the booking right Edit ("), "{fix}");
    assert!(fix.contains("PorticoEstate administrator"), "{fix}");

    let three = missing_rights(&[Right::Read, Right::Add, Right::Edit], "rb");
    assert!(
        three
            .summary
            .contains("may not read events, add events or edit events"),
        "{}",
        three.summary
    );
    assert!(three.fix.unwrap().contains("rights Read, Add and Edit"));

    let outside = missing_rights(&[Right::Run], "rb");
    assert!(outside.summary.contains("may not use the booking module"));
    assert!(outside.fix.unwrap().contains("Applications"));
}
