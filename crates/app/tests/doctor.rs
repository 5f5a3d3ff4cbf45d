//! The tenant doctor through `App`, against the real emulators over loopback with the demo
//! municipality mapped: a tenant set up as the README asks has no problem, the demo's tenant
//! has the two it plants (a room that rewrites subjects and deletes descriptions, an app scope
//! that reaches people's mailboxes), each with its fix, and no probe event stays behind.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use roombridge_app::doctor::{DoctorOptions, DoctorRequest, DoctorView, PROBE_DAYS_BACK, Severity};
use roombridge_app::setup::{self, DemoOptions, DemoServers};
use roombridge_app::{App, ErrorCode};
use roombridge_connectors::graph::{GraphConfig, GraphConnector};
use roombridge_core::{Mailbox, SyncWindow};
use roombridge_emulators::demo::{DEMO_CLIENT_ID, DEMO_PEOPLE, DEMO_PROCESSING_ROOM};
use roombridge_emulators::seed::Seed;
use roombridge_engine::EngineConfig;

struct Demo {
    app: Arc<App>,
    servers: Arc<DemoServers>,
    _dir: tempfile::TempDir,
}

/// The demo municipality mapped and syncing, on the demo's tenant or a clean one.
async fn demo(clean_tenant: bool) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let store = setup::open_store(dir.path(), "doctor.sqlite").unwrap();
    let (servers, connectors) = DemoServers::start_options(DemoOptions {
        seed: Seed::Demo,
        clean_tenant,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let servers = Arc::new(servers);
    setup::auto_map(&store, &connectors).await.unwrap();
    let app = setup::start_app(
        store,
        connectors,
        EngineConfig::default(),
        roombridge_app::views::Mode::Demo,
        vec![Box::new(servers.clone())],
    )
    .await
    .unwrap();
    Demo {
        app,
        servers,
        _dir: dir,
    }
}

/// Long enough to see the emulated rooms' calendar processing (3 s after a create).
fn options() -> DoctorOptions {
    DoctorOptions {
        probe_wait: Duration::from_secs(8),
        poll_every: Duration::from_millis(250),
    }
}

fn severity_of(view: &DoctorView, id: &str) -> Severity {
    view.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id}: {view:#?}"))
        .severity
}

/// Every probe event the doctor wrote is gone from every room.
async fn assert_no_probe_left(demo: &Demo) {
    let graph = GraphConnector::new(
        GraphConfig {
            graph_base: url::Url::parse(&demo.servers.graph.graph_base()).unwrap(),
            token_url: url::Url::parse(&demo.servers.graph.token_url()).unwrap(),
            client_id: DEMO_CLIENT_ID.into(),
            page_size: 50,
        },
        demo.servers.client_secret.clone(),
    )
    .unwrap();
    // The probes lie PROBE_DAYS_BACK days back, where nothing else is.
    let now = Utc::now();
    let days = chrono::Duration::days(PROBE_DAYS_BACK);
    let around_probes = SyncWindow {
        start: now - days - chrono::Duration::days(1),
        end: now - days + chrono::Duration::days(1),
    };
    for room in demo.app.list_rooms().unwrap() {
        let events = graph
            .calendar_view(&Mailbox::new(room.mailbox.clone()), around_probes, 1000)
            .await
            .unwrap();
        assert!(events.is_empty(), "{}: {events:#?}", room.mailbox);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_set_up_as_the_readme_asks_has_no_problem_and_no_probe_stays_behind() {
    let demo = demo(true).await;
    let view = demo
        .app
        .doctor_with(
            &DoctorRequest {
                person: Some("CEO@nordvik.kommune.example".into()),
            },
            options(),
        )
        .await
        .unwrap();
    assert_eq!((view.problems, view.warnings), (0, 0), "{view:#?}");
    assert_eq!(view.rooms, 15);
    assert!(view.findings.iter().all(|f| f.severity == Severity::Ok));
    for room in demo.app.list_rooms().unwrap() {
        for check in ["calendar-access", "calendar-processing"] {
            assert_eq!(
                severity_of(&view, &format!("{check}:{}", room.id)),
                Severity::Ok
            );
        }
    }
    // The named person is tried first, and refused as it should be.
    let scope = view.findings.iter().find(|f| f.id == "scope").unwrap();
    assert!(
        scope.meaning.contains("ceo@nordvik.kommune.example"),
        "{scope:#?}"
    );
    assert_no_probe_left(&demo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_tenant_shows_its_rewriting_room_and_its_too_wide_scope_with_their_fixes() {
    let demo = demo(false).await;
    let view = demo
        .app
        .doctor_with(&DoctorRequest::default(), options())
        .await
        .unwrap();
    assert_eq!((view.problems, view.warnings), (2, 0), "{view:#?}");

    let hall = &view.findings[..2]
        .iter()
        .find(|f| f.id == "calendar-processing:res-library-hall")
        .expect("the Reading Hall is among the problems");
    assert_eq!(hall.severity, Severity::Problem);
    assert_eq!(hall.room_id.as_deref(), Some("res-library-hall"));
    assert!(
        hall.title
            .contains("replaces subjects and deletes descriptions")
    );
    assert_eq!(
        hall.fix.as_ref().unwrap().powershell.as_deref(),
        Some(
            format!(
                "Set-CalendarProcessing -Identity {DEMO_PROCESSING_ROOM} -DeleteSubject $false -AddOrganizerToSubject $false -DeleteComments $false"
            )
            .as_str()
        )
    );

    let scope = view.findings[..2]
        .iter()
        .find(|f| f.id == "scope")
        .expect("the scope is among the problems");
    assert!(
        DEMO_PEOPLE
            .iter()
            .any(|(_, person)| scope.meaning.contains(person)),
        "{scope:#?}"
    );
    let fix = scope.fix.as_ref().unwrap();
    let ps = fix.powershell.as_deref().unwrap();
    assert!(
        ps.contains("New-ManagementScope -Name \"RoomBridge rooms\""),
        "{ps}"
    );
    // The demo maps equipment too, so the scope takes equipment mailboxes.
    assert!(ps.contains("EquipmentMailbox"), "{ps}");
    assert!(ps.contains(&format!(
        "New-ManagementRoleAssignment -App {DEMO_CLIENT_ID} -Role \"Application Calendars.ReadWrite\""
    )));

    // Every other room is fine.
    for room in demo.app.list_rooms().unwrap() {
        if room.id != "res-library-hall" {
            assert_eq!(
                severity_of(&view, &format!("calendar-processing:{}", room.id)),
                Severity::Ok
            );
        }
    }
    assert_no_probe_left(&demo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_that_is_no_e_mail_address_or_a_mapped_room_is_refused_before_anything_is_checked()
{
    let demo = demo(true).await;
    let err = demo
        .app
        .doctor(&DoctorRequest {
            person: Some("Kari Nordmann".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("not an e-mail address"),
        "{}",
        err.message
    );
    // A room is no person to test the scope with: reading it says nothing about the scope.
    let err = demo
        .app
        .doctor(&DoctorRequest {
            person: Some(DEMO_PROCESSING_ROOM.to_uppercase()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("Library, Reading Hall"),
        "{}",
        err.message
    );
}
