//! Logging for both binaries: to stderr and, for the long-running ones (the desktop app,
//! `roombridge serve` and `demo`), to files in the OS log folder that rotate daily and keep
//! the last [`KEEP_FILES`]. Filtered by `ROOMBRIDGE_LOG` (tracing's env-filter syntax, default
//! `warn,roombridge=info`); `ROOMBRIDGE_LOG_DIR` moves the files. Secrets are
//! `roombridge_core::Secret`, which cannot be formatted, so no log line can carry one (the
//! secret-leak test in `tests/` checks the files of a full run at trace level).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// How many daily log files are kept; older ones are deleted as new ones start.
pub const KEEP_FILES: usize = 14;
/// Log files are `roombridge.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "roombridge";
pub const FILE_SUFFIX: &str = "log";
const DEFAULT_FILTER: &str = "warn,roombridge=info";

/// The folder the running process logs to, once [`init`] or [`install`] chose one.
static ACTIVE_DIR: OnceLock<PathBuf> = OnceLock::new();

/// The OS log folder: `$XDG_STATE_HOME/roombridge/logs` (`~/.local/state/roombridge/logs`) on
/// Linux, `~/Library/Logs/RoomBridge` on macOS, `%LOCALAPPDATA%\RoomBridge\roombridge\logs` on
/// Windows; `ROOMBRIDGE_LOG_DIR` overrides it.
pub fn default_log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ROOMBRIDGE_LOG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let dirs = directories::ProjectDirs::from("dev", "RoomBridge", "roombridge");
    if cfg!(target_os = "macos")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join("Library/Logs/RoomBridge");
    }
    match &dirs {
        Some(d) => match d.state_dir() {
            Some(state) => state.join("logs"),
            // Windows and macOS have no state folder: the local (non-roaming) data folder.
            None => d.data_local_dir().join("logs"),
        },
        None => PathBuf::from(".roombridge").join("logs"),
    }
}

/// The folder this process writes its log files to, if it writes any.
pub fn active_log_dir() -> Option<&'static Path> {
    ACTIVE_DIR.get().map(PathBuf::as_path)
}

/// What [`install`] sets up.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Where rotating log files go; `None` logs to stderr only.
    pub dir: Option<PathBuf>,
    /// tracing's env-filter syntax, e.g. `warn,roombridge=info` or `trace`.
    pub filter: String,
    /// Also write to stderr.
    pub stderr: bool,
    pub keep: usize,
}

impl LogConfig {
    /// Stderr and, if `to_files`, files in [`default_log_dir`], filtered by `ROOMBRIDGE_LOG`.
    pub fn from_env(to_files: bool) -> LogConfig {
        LogConfig {
            dir: to_files.then(default_log_dir),
            filter: std::env::var("ROOMBRIDGE_LOG").unwrap_or_else(|_| DEFAULT_FILTER.into()),
            stderr: true,
            keep: KEEP_FILES,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("the log filter {filter:?} is not valid: {message}")]
    Filter { filter: String, message: String },
    #[error("the log folder {path} cannot be used: {message}")]
    Dir { path: PathBuf, message: String },
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// Installs the process's log subscriber as `config` says. Fails if the filter is invalid, the
/// folder cannot be created, or a subscriber is already installed.
pub fn install(config: &LogConfig) -> Result<(), LogError> {
    let filter = EnvFilter::try_new(&config.filter).map_err(|e| LogError::Filter {
        filter: config.filter.clone(),
        message: e.to_string(),
    })?;
    let files = config
        .dir
        .as_deref()
        .map(|dir| open_files(dir, config.keep))
        .transpose()?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // Four combinations of writers have four types; each branch installs its own.
    let installed = match (files, config.stderr) {
        (Some(files), true) => builder
            .with_writer(std::io::stderr.and(files))
            .with_ansi(false)
            .try_init(),
        (Some(files), false) => builder.with_writer(files).with_ansi(false).try_init(),
        (None, true) => builder.with_writer(std::io::stderr).try_init(),
        (None, false) => builder.with_writer(std::io::sink).try_init(),
    };
    installed.map_err(|_| LogError::AlreadySet)?;
    if let Some(dir) = &config.dir {
        let _ = ACTIVE_DIR.set(dir.clone());
    }
    Ok(())
}

/// A daily rotating appender in `dir` keeping `keep` files. It writes synchronously: log lines
/// are few, and none is lost when the process exits.
fn open_files(dir: &Path, keep: usize) -> Result<RollingFileAppender, LogError> {
    std::fs::create_dir_all(dir).map_err(|e| LogError::Dir {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(keep.max(1))
        .build(dir)
        .map_err(|e| LogError::Dir {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })
}

/// Installs logging for a binary: stderr, plus rotating files in the OS log folder when
/// `to_files`. If the files cannot be opened, logs to stderr only and says why. Call once,
/// first thing in `main`.
pub fn init(to_files: bool) {
    let config = LogConfig::from_env(to_files);
    let fallback = match install(&config) {
        Ok(()) => return,
        Err(LogError::Dir { path, message }) => Some(format!(
            "not logging to files: {} cannot be used: {message}",
            path.display()
        )),
        Err(LogError::Filter { filter, message }) => Some(format!(
            "ROOMBRIDGE_LOG={filter:?} is not a valid filter ({message}); using {DEFAULT_FILTER:?}"
        )),
        Err(LogError::AlreadySet) => None,
    };
    if let Some(why) = fallback {
        let _ = install(&LogConfig {
            dir: None,
            filter: DEFAULT_FILTER.into(),
            ..config
        });
        tracing::warn!("{why}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_folder_is_the_os_state_folder_unless_overridden() {
        let dir = default_log_dir();
        if std::env::var_os("ROOMBRIDGE_LOG_DIR").is_none() && cfg!(target_os = "linux") {
            assert!(dir.ends_with("roombridge/logs"), "{}", dir.display());
            let state = std::env::var_os("XDG_STATE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap()).join(".local/state")
                });
            assert!(dir.starts_with(state), "{}", dir.display());
        }
    }

    #[test]
    fn files_rotate_in_the_given_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = open_files(dir.path(), 3).unwrap();
        use std::io::Write;
        writeln!(files, "a line").unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(
            names[0].starts_with("roombridge.") && names[0].ends_with(".log"),
            "{names:?}"
        );
    }

    #[test]
    fn an_invalid_filter_is_refused_before_anything_is_installed() {
        let error = install(&LogConfig {
            dir: None,
            filter: "roombridge=loud".into(),
            stderr: true,
            keep: 1,
        })
        .unwrap_err();
        assert!(matches!(error, LogError::Filter { .. }), "{error}");
    }
}
