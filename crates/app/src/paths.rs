//! Where RoomBridge keeps things on this computer, for the Settings screen and support questions.

use std::path::Path;

use serde::Serialize;

/// Where RoomBridge keeps its files (read-only in the UI; shown, never opened).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "SettingsPaths")]
pub struct Paths {
    /// The folder of the database (and of `config.json` in live mode); `None` for a database
    /// in memory.
    pub data_dir: Option<String>,
    pub database: Option<String>,
    /// The folder this process writes its rotating log files to (`logging`). `None` while it
    /// logs to standard error only: `sync --once` and the other one-shot commands, or when the
    /// log folder could not be used.
    pub log_dir: Option<String>,
}

impl Paths {
    /// The paths of this process, whose database is the file `database` (`None`: in memory).
    pub fn of(database: Option<&Path>) -> Paths {
        Paths::with_log_dir(database, crate::logging::active_log_dir())
    }

    fn with_log_dir(database: Option<&Path>, log_dir: Option<&Path>) -> Paths {
        let shown = |p: &Path| p.display().to_string();
        Paths {
            data_dir: database.and_then(Path::parent).map(shown),
            database: database.map(shown),
            log_dir: log_dir.map(shown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_folder_is_the_one_this_process_writes_to() {
        let paths = Paths::with_log_dir(
            Some(Path::new("/data/roombridge/demo.sqlite")),
            Some(Path::new("/state/roombridge/logs")),
        );
        assert_eq!(paths.data_dir.as_deref(), Some("/data/roombridge"));
        assert_eq!(
            paths.database.as_deref(),
            Some("/data/roombridge/demo.sqlite")
        );
        assert_eq!(paths.log_dir.as_deref(), Some("/state/roombridge/logs"));
    }

    #[test]
    fn without_log_files_or_a_database_file_there_is_no_folder_to_show() {
        assert_eq!(
            Paths::with_log_dir(None, None),
            Paths {
                data_dir: None,
                database: None,
                log_dir: None,
            }
        );
    }
}
