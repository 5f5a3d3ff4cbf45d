//! Reads `tauri.conf.json` (beside this file, where the Tauri CLI that bundles the app finds
//! it too), and declares RoomBridge's commands so that the window may call only those its
//! capability (`capabilities/main-window.json`) grants.

use std::path::PathBuf;

/// Every command `roombridge_desktop::register` installs: `call` carries out any of the app's
/// operations (`roombridge_app::ops`); start at login and saving an export through the Save
/// dialog are the desktop app's own. The mock-runtime
/// test calls each one through the capability, so a name missing here fails that test.
const COMMANDS: &[&str] = &[
    "call",
    "get_autostart",
    "set_autostart",
    "save_history_export",
];

fn main() {
    // Cargo always sets CARGO_MANIFEST_DIR for build scripts.
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // Relative paths in the config (frontendDist, icons) resolve against the config's folder;
    // `generate_context!()` reads the same file.
    let config = manifest_dir.join("tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .config_path(config)
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
