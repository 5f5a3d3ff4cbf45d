//! `roombridge doctor` as a facility manager runs it.

use std::process::Command;

fn roombridge(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(args)
        .output()
        .expect("run roombridge");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn doctor_on_the_demo_reports_the_rewriting_room_and_the_too_wide_scope_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, out, err) = roombridge(&["doctor", "--demo", "--data-dir", data]);
    assert_eq!(code, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.starts_with("RoomBridge tenant doctor: 15 rooms checked, 2 problems, 0 warnings."),
        "{out}"
    );
    assert!(
        out.contains(
            "PROBLEM  Library, Reading Hall replaces subjects and deletes descriptions  [calendar-processing:res-library-hall]"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "Set-CalendarProcessing -Identity library-hall@nordvik.kommune.example -DeleteSubject $false -AddOrganizerToSubject $false -DeleteComments $false"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "PROBLEM  RoomBridge can read people's calendars, not only the rooms  [scope]"
        ),
        "{out}"
    );
    assert!(
        out.contains("New-ManagementScope -Name \"RoomBridge rooms\""),
        "{out}"
    );
    // What passed is listed too, one line each.
    assert!(
        out.contains("  ok  RoomBridge signs in to Microsoft 365"),
        "{out}"
    );
    assert!(
        out.contains("  ok  Town Hall, Meeting Room Fjord keeps subjects and descriptions"),
        "{out}"
    );
    // Lines stay readable in a terminal.
    assert!(out.lines().all(|l| l.chars().count() <= 200), "{out}");
}

#[test]
fn doctor_without_a_configured_tenant_fails_and_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, _, err) = roombridge(&["doctor", "--data-dir", data]);
    assert_eq!(code, Some(1));
    assert!(err.contains("config.json"), "{err}");
}
