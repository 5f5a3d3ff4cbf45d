//! Reads `tauri.conf.json` from the repository root (where users look for it) instead of
//! `src-tauri/`, and declares RoomBridge's commands so that the window may call only those its
//! capability (`capabilities/main-window.json`) grants.

use std::path::PathBuf;

/// Every command `roombridge_desktop::register` installs. The mock-runtime test calls each one
/// through the capability, so a name missing here fails that test.
const COMMANDS: &[&str] = &[
    "status",
    "list_rooms",
    "list_history",
    "export_history",
    "verify_audit",
    "list_conflicts",
    "sync_room",
    "approve_deletions",
    "decide_conflict",
    "decide_conflicts",
    "get_policies",
    "set_default_policy",
    "set_room_policy",
    "setup_state",
    "check_tenant",
    "check_booking",
    "discover_rooms",
    "finish_setup",
    "mapping_options",
    "add_room",
    "edit_room",
    "remove_room",
    "pause_room",
    "resume_room",
    "pause_all",
    "resume_all",
    "get_autostart",
    "set_autostart",
    "get_settings",
    "update_settings",
    "activity",
    "graph_budget",
    "doctor",
];

fn main() {
    // Cargo always sets CARGO_MANIFEST_DIR for build scripts.
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // Relative paths in the config (frontendDist, icons) resolve against the config's folder,
    // the repository root; `generate_context!("../tauri.conf.json")` reads the same file.
    let config = manifest_dir.join("../tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .config_path(config)
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
