//! The `roombridge` binary as a user runs it.

use std::process::Command;

fn roombridge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(args)
        .output()
        .expect("run roombridge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sync_once_in_demo_mode_syncs_every_room_and_the_audit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = roombridge(&["sync", "--once", "--demo", "--data-dir", data]);
    assert!(ok, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("15 rooms, 0 failed"), "{out}");
    assert!(out.contains("actions done"), "{out}");

    let (ok, out, _) = roombridge(&["audit", "verify", "--demo", "--data-dir", data]);
    assert!(ok);
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = roombridge(&["sync", "--once", "--dry-run", "--demo", "--data-dir", data]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("create_event"), "{out}");
    // Nothing was executed, so the audit history is still empty.
    let (_, out, _) = roombridge(&["audit", "verify", "--demo", "--data-dir", data]);
    assert!(out.contains("0 entries checked"), "{out}");
}

#[test]
fn sync_once_without_a_configured_tenant_fails_and_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) = roombridge(&["sync", "--once", "--data-dir", data]);
    assert!(!ok);
    assert!(err.contains("config.json"), "{err}");
}
