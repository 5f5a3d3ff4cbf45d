//! Where RoomBridge keeps things on this computer, for a settings screen and support questions.

use std::path::Path;

use serde::Serialize;

use crate::setup::LiveConfig;

/// The folders and files RoomBridge uses. Paths are shown, never opened by the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathsView {
    /// The database and `config.json` live here.
    pub data_dir: String,
    /// Live mode's settings file (it may not exist yet).
    pub config_file: String,
    /// The folder this process writes its rotating log files to; when it logs to stderr only,
    /// the OS log folder it would use.
    pub log_dir: String,
    /// False when this process logs to stderr only.
    pub logging_to_files: bool,
}

/// The paths of a RoomBridge whose data folder is `data_dir`.
pub fn paths(data_dir: &Path) -> PathsView {
    let active = crate::logging::active_log_dir();
    let log_dir = active
        .map(Path::to_path_buf)
        .unwrap_or_else(crate::logging::default_log_dir);
    PathsView {
        data_dir: data_dir.display().to_string(),
        config_file: LiveConfig::path(data_dir).display().to_string(),
        log_dir: log_dir.display().to_string(),
        logging_to_files: active.is_some(),
    }
}
