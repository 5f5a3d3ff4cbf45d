//! One error type for both connectors, classified by what the engine should do.

use std::time::Duration;

/// What the engine does about a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 429, 5xx, timeouts, resets: retry with backoff, waiting at least `retry_after`.
    Transient { retry_after: Option<Duration> },
    /// 401/403 or an OAuth error such as `invalid_client`: pause the tenant and tell the user.
    Auth,
    /// 400, 404, 422 for one item: mark that item failed and go on with the rest.
    Permanent,
    /// 412: the item changed since we read it; re-read and re-plan, never overwrite.
    Stale,
    /// 410 / `syncStateNotFound` / `resyncRequired`: the cursor is gone; resync the room.
    Resync,
}

/// A failed call to Graph or the booking system.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    pub kind: ErrorKind,
    /// What happened, in words a facility manager can act on. Never contains a secret.
    pub message: String,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    /// The service's own error code (Graph `error.code`, e.g. `ErrorItemNotFound`), when it
    /// sent one.
    pub code: Option<String>,
    /// What to fix, in words any language RoomBridge speaks can say, when the connector knows
    /// (`message` says it in English, with the service's reason).
    pub fix: Option<Box<roombridge_core::i18n::Words>>,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            code: None,
            fix: None,
        }
    }

    /// With what to fix in words (see [`ConnectorError::fix`]).
    pub fn with_fix(mut self, fix: roombridge_core::i18n::Words) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The item asked for is not there (404), as opposed to a 404 about the mailbox itself
    /// (`ErrorInvalidUser`: a mailbox that does not exist or has no licence), which says
    /// nothing about the item and must never be read as "already gone".
    pub fn is_item_gone(&self) -> bool {
        self.status == Some(404)
            && !self
                .code
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("ErrorInvalidUser"))
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Transient { .. })
    }
}
