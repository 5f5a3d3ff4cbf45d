//! The findings the doctor makes from what it observed, as data: one healthy tenant, and one
//! change to it per case.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn error(status: u16) -> ConnectorError {
    let kind = match status {
        401 | 403 => ErrorKind::Auth,
        429 | 500.. => ErrorKind::Transient { retry_after: None },
        _ => ErrorKind::Permanent,
    };
    ConnectorError::new(kind, format!("Graph said no (HTTP {status})")).with_status(status)
}

fn probe(subject: &str, body: &str) -> ProbeEvent {
    ProbeEvent {
        id: roombridge_core::GraphEventId::new("p1"),
        subject: subject.into(),
        body: body.into(),
        version: Some("ck".into()),
        tag: Some("doctor-probe:1".into()),
    }
}

fn room(id: &str, name: &str) -> RoomObservation {
    RoomObservation {
        id: id.into(),
        name: name.into(),
        mailbox: format!("{id}@nordvik.example"),
        equipment: false,
        read: Ok(()),
        probe: ProbeObservation::Written {
            start: Utc::now(),
            after: Ok(probe(PROBE_SUBJECT, PROBE_BODY)),
            deleted: Ok(()),
        },
        organizers: vec!["kari@nordvik.example".into()],
    }
}

/// A tenant with nothing wrong: two rooms, a person's mailbox refused, a secret valid for long.
fn healthy() -> Observations {
    Observations {
        today: today(),
        client_id: "6f1e2d3c".into(),
        sign_in: Ok(()),
        places: Some(Ok(())),
        rooms: vec![room("gym", "Gymnasium"), room("hall", "Reading Hall")],
        scope: vec![("kari@nordvik.example".into(), Err(error(403)))],
        secret: SecretExpiry::On(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()),
        probe_wait: Duration::from_secs(10),
    }
}

fn by_id<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id} in {findings:#?}"))
}

fn severities(findings: &[Finding]) -> Vec<(String, Severity)> {
    findings
        .iter()
        .map(|f| (f.id.clone(), f.severity))
        .collect()
}

#[test]
fn a_healthy_tenant_makes_only_ok_findings_one_of_each_check() {
    let f = findings(&healthy());
    let ok = |id: &str| (id.to_owned(), Severity::Ok);
    assert_eq!(
        severities(&f),
        [
            ok("sign-in"),
            ok("places-permission"),
            ok("calendar-access:gym"),
            ok("calendar-processing:gym"),
            ok("calendar-access:hall"),
            ok("calendar-processing:hall"),
            ok("scope"),
            ok("client-secret-expiry"),
        ]
    );
    assert!(f.iter().all(|f| f.fix.is_none()), "{f:#?}");
    assert_eq!(
        by_id(&f, "calendar-access:gym").room_id.as_deref(),
        Some("gym")
    );
    assert!(by_id(&f, "scope").meaning.contains("kari@nordvik.example"));
}

#[test]
fn a_refused_sign_in_is_a_problem_and_nothing_else_is_checked() {
    let mut obs = healthy();
    obs.sign_in = Err(ConnectorError::new(
        ErrorKind::Auth,
        "Entra ID refused the client secret (AADSTS7000215).",
    ));
    let f = findings(&obs);
    assert_eq!(
        severities(&f),
        [
            ("sign-in".to_owned(), Severity::Problem),
            ("client-secret-expiry".to_owned(), Severity::Ok)
        ]
    );
    assert!(f[0].meaning.contains("AADSTS7000215"));
    assert!(
        f[0].fix
            .as_ref()
            .unwrap()
            .steps
            .contains("Settings > Connections")
    );
    // In a Norwegian window: the same findings in bokmål, the service's reason as it said it.
    let nb = DoctorView::new(chrono::Utc::now(), 0, f).in_lang(Lang::Nb);
    let sign_in = &nb.findings[0];
    assert_eq!(
        sign_in.title,
        "Microsoft 365 avviser påloggingen til RoomBridge"
    );
    assert!(
        sign_in.meaning.contains("AADSTS7000215")
            && sign_in.meaning.ends_with("før påloggingen virker."),
        "{}",
        sign_in.meaning
    );
    assert!(
        sign_in
            .fix
            .as_ref()
            .unwrap()
            .steps
            .contains("Innstillinger > Tilkoblinger")
    );
    assert_eq!(
        nb.findings[1].title,
        "Klienthemmeligheten er gyldig til 2027-06-30"
    );

    obs.sign_in = Err(ConnectorError::new(
        ErrorKind::Transient { retry_after: None },
        "connection refused",
    ));
    assert_eq!(
        findings(&obs)[0].title,
        "RoomBridge cannot reach Microsoft 365"
    );
}

#[test]
fn a_room_that_rewrites_subjects_and_deletes_bodies_is_a_problem_with_set_calendar_processing() {
    let mut obs = healthy();
    obs.rooms[1].probe = ProbeObservation::Written {
        start: Utc::now(),
        after: Ok(probe("Reading Hall", "")),
        deleted: Ok(()),
    };
    let f = findings(&obs);
    let hall = by_id(&f, "calendar-processing:hall");
    assert_eq!(hall.severity, Severity::Problem);
    assert_eq!(
        hall.title,
        "Reading Hall replaces subjects and deletes descriptions"
    );
    assert!(
        hall.meaning.contains("became \"Reading Hall\""),
        "{}",
        hall.meaning
    );
    assert_eq!(
        hall.fix.as_ref().unwrap().powershell.as_deref(),
        Some(
            "Set-CalendarProcessing -Identity hall@nordvik.example -DeleteSubject $false -AddOrganizerToSubject $false -DeleteComments $false"
        )
    );
    assert_eq!(by_id(&f, "calendar-processing:gym").severity, Severity::Ok);
    let view = DoctorView::new(Utc::now(), 2, f);
    assert_eq!(
        view.findings[0].id, "calendar-processing:hall",
        "problems come first"
    );
}

#[test]
fn a_room_that_only_deletes_bodies_or_only_the_subject_says_which() {
    let mut obs = healthy();
    obs.rooms[0].probe = ProbeObservation::Written {
        start: Utc::now(),
        after: Ok(probe(PROBE_SUBJECT, "  ")),
        deleted: Ok(()),
    };
    obs.rooms[1].probe = ProbeObservation::Written {
        start: Utc::now(),
        after: Ok(probe("", PROBE_BODY)),
        deleted: Ok(()),
    };
    let f = findings(&obs);
    assert_eq!(
        by_id(&f, "calendar-processing:gym").title,
        "Gymnasium deletes the description of new events"
    );
    let hall = by_id(&f, "calendar-processing:hall");
    assert_eq!(
        hall.title,
        "Reading Hall replaces the subject of new events"
    );
    assert!(hall.meaning.contains("was removed"), "{}", hall.meaning);
}

#[test]
fn a_person_whose_calendar_is_readable_makes_the_scope_a_problem_with_rbac_for_applications() {
    let mut obs = healthy();
    obs.scope = vec![
        ("gone@nordvik.example".into(), Err(error(404))),
        ("kari@nordvik.example".into(), Ok(())),
    ];
    let f = findings(&obs);
    let scope = by_id(&f, "scope");
    assert_eq!(scope.severity, Severity::Problem);
    assert!(scope.meaning.contains("kari@nordvik.example"));
    let fix = scope.fix.as_ref().unwrap();
    let ps = fix.powershell.as_deref().unwrap();
    assert!(
        ps.contains(
            "New-ManagementScope -Name \"RoomBridge rooms\" -RecipientRestrictionFilter \"RecipientTypeDetails -eq 'RoomMailbox'\""
        ),
        "{ps}"
    );
    assert!(ps.contains(
        "New-ManagementRoleAssignment -App 6f1e2d3c -Role \"Application Calendars.ReadWrite\" -CustomResourceScope \"RoomBridge rooms\""
    ));
    assert!(ps.contains("-Resource kari@nordvik.example"));
    assert!(fix.steps.contains("remove the admin consent"));
    assert!(fix.steps.contains("legacy"));
    assert!(
        !ps.contains("New-ApplicationAccessPolicy"),
        "legacy is only mentioned"
    );

    // Equipment mailboxes belong in the scope too.
    obs.rooms[0].equipment = true;
    let f = findings(&obs);
    let ps = by_id(&f, "scope").fix.clone().unwrap().powershell.unwrap();
    assert!(
        ps.contains("-or RecipientTypeDetails -eq 'EquipmentMailbox'"),
        "{ps}"
    );
}

#[test]
fn without_a_person_to_test_with_the_scope_is_a_warning_that_asks_for_one() {
    let mut obs = healthy();
    obs.scope = Vec::new();
    let scope = by_id(&findings(&obs), "scope").clone();
    assert_eq!(scope.severity, Severity::Warning);
    assert!(scope.fix.unwrap().steps.contains("--person"));
    obs.scope = vec![("gone@nordvik.example".into(), Err(error(404)))];
    let scope = by_id(&findings(&obs), "scope").clone();
    assert_eq!(scope.severity, Severity::Warning);
    assert!(
        scope
            .meaning
            .contains("gone@nordvik.example has no mailbox")
    );
}

#[test]
fn calendar_access_failures_say_what_is_wrong_with_the_mailbox() {
    let cases = [
        (Err(error(404)), None, Severity::Problem, "has no mailbox"),
        (Err(error(403)), None, Severity::Problem, "may not open"),
        (Err(error(503)), None, Severity::Warning, "Could not check"),
        (
            Ok(()),
            Some(error(403)),
            Severity::Problem,
            "can read Gymnasium's calendar but not write",
        ),
        (
            Ok(()),
            Some(error(400)),
            Severity::Warning,
            "Could not check",
        ),
    ];
    for (read, write, severity, says) in cases {
        let mut obs = healthy();
        obs.rooms[0].read = read;
        if let Some(e) = write {
            obs.rooms[0].probe = ProbeObservation::NotWritten(e);
        }
        let f = findings(&obs);
        let access = by_id(&f, "calendar-access:gym");
        assert_eq!(access.severity, severity, "{access:#?}");
        assert!(access.title.contains(says), "{}", access.title);
        if severity == Severity::Problem {
            assert!(access.fix.is_some());
        }
    }
}

#[test]
fn a_probe_that_could_not_be_deleted_is_a_warning_that_says_where_it_is() {
    let mut obs = healthy();
    let start = "2026-07-23T03:00:00Z".parse().unwrap();
    obs.rooms[0].probe = ProbeObservation::Written {
        start,
        after: Ok(probe(PROBE_SUBJECT, PROBE_BODY)),
        deleted: Err(error(503)),
    };
    // Already gone is what the delete wanted.
    obs.rooms[1].probe = ProbeObservation::Written {
        start,
        after: Ok(probe(PROBE_SUBJECT, PROBE_BODY)),
        deleted: Err(error(404)),
    };
    let f = findings(&obs);
    let left = by_id(&f, "probe-cleanup:gym");
    assert_eq!(left.severity, Severity::Warning);
    assert!(
        left.meaning.contains("2026-07-23 03:00 UTC"),
        "{}",
        left.meaning
    );
    assert!(!f.iter().any(|f| f.id == "probe-cleanup:hall"));
}

#[test]
fn places_forbidden_is_a_warning_about_place_read_all() {
    let mut obs = healthy();
    obs.places = Some(Err(error(403)));
    let places = by_id(&findings(&obs), "places-permission").clone();
    assert_eq!(places.severity, Severity::Warning);
    assert!(places.fix.unwrap().steps.contains("Place.Read.All"));
}

#[test]
fn the_client_secret_is_a_problem_once_expired_and_a_warning_two_weeks_before() {
    let on = |y, m, d| SecretExpiry::On(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let cases = [
        (on(2026, 11, 19), Severity::Problem, "expired on 2026-11-19"),
        (on(2026, 11, 20), Severity::Warning, "in 0 days"),
        (on(2026, 11, 21), Severity::Warning, "in 1 day"),
        (on(2026, 12, 4), Severity::Warning, "in 14 days"),
        (on(2026, 12, 5), Severity::Ok, "valid until 2026-12-05"),
        (SecretExpiry::Unknown, Severity::Warning, "does not know"),
        (SecretExpiry::Certificate, Severity::Ok, "certificate"),
        (SecretExpiry::Demo, Severity::Ok, "Demo mode"),
        (
            SecretExpiry::Unreadable("no file".into()),
            Severity::Warning,
            "Could not read",
        ),
    ];
    for (secret, severity, says) in cases {
        let mut obs = healthy();
        obs.secret = secret;
        let f = findings(&obs);
        let secret = by_id(&f, "client-secret-expiry");
        assert_eq!(secret.severity, severity, "{secret:#?}");
        assert!(secret.title.contains(says), "{}", secret.title);
    }
}

#[test]
fn the_view_counts_problems_and_warnings_and_lists_them_first() {
    let mut obs = healthy();
    obs.places = Some(Err(error(403)));
    obs.scope = vec![("kari@nordvik.example".into(), Ok(()))];
    let view = DoctorView::new(Utc::now(), 2, findings(&obs));
    assert_eq!((view.problems, view.warnings), (1, 1));
    assert_eq!(view.findings[0].id, "scope");
    assert_eq!(view.findings[1].id, "places-permission");
    assert_eq!(view.findings.last().unwrap().severity, Severity::Ok);
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["findings"][0]["severity"], "problem");
    assert!(json["findings"][0]["fix"]["powershell"].is_string());
}

#[test]
fn without_mapped_rooms_the_doctor_says_so() {
    let mut obs = healthy();
    obs.rooms.clear();
    let f = findings(&obs);
    let rooms = by_id(&f, "rooms");
    assert_eq!(rooms.severity, Severity::Warning);
    assert!(!f.iter().any(|f| f.id.starts_with("calendar-")));
}
