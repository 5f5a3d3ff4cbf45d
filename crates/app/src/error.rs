//! Errors as the UI sees them: `{ code, message }` with a closed set of codes, generated into
//! `ui/src/backend/api.ts`. The UI acts on the code and shows the message; it never matches
//! message text. An error made with [`ApiError::said`] carries its words, and the operation's
//! edge says them in the language the window asked in ([`ApiError::in_lang`]).

use serde::{Deserialize, Serialize};

use roombridge_core::i18n::{Lang, Words};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ApiErrorCode")]
pub enum ErrorCode {
    /// The headless API was called without the right token.
    Unauthorized,
    NotFound,
    InvalidInput,
    /// The engine or a store is not available right now; trying again may help.
    Unavailable,
    /// Live mode is not set up yet: the UI shows the setup wizard.
    NotConfigured,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// What `message` says, to say again in the reader's language.
    #[serde(skip)]
    #[ts(skip)]
    pub words: Option<Box<Words>>,
}

impl ErrorCode {
    /// Every code, for the UI's list of them.
    pub const ALL: [ErrorCode; 6] = [
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::InvalidInput,
        ErrorCode::Unavailable,
        ErrorCode::NotConfigured,
        ErrorCode::Internal,
    ];
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            words: None,
        }
    }

    /// An error in words the reader's language can say (English until [`ApiError::in_lang`]).
    pub fn said(code: ErrorCode, words: Words) -> Self {
        Self {
            code,
            message: words.say(Lang::En),
            words: Some(Box::new(words)),
        }
    }

    /// `invalid_input`, in words.
    pub fn invalid(words: Words) -> Self {
        Self::said(ErrorCode::InvalidInput, words)
    }

    /// The message in `lang`, when the error carries its words.
    pub fn in_lang(mut self, lang: Lang) -> Self {
        if let Some(words) = &self.words {
            self.message = words.say(lang);
        }
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    /// The answer of every operation but the wizard's while RoomBridge is not set up.
    pub fn not_configured() -> Self {
        Self::said(ErrorCode::NotConfigured, Words::new("error.not_configured"))
    }

    /// `not_found` for a room id that names no room.
    pub fn no_room(room: &str) -> Self {
        Self::said(
            ErrorCode::NotFound,
            Words::new("error.no_room").arg("room", room),
        )
    }
}

impl From<roombridge_store::StoreError> for ApiError {
    fn from(e: roombridge_store::StoreError) -> Self {
        tracing::error!("store: {e}");
        ApiError::new(
            ErrorCode::Internal,
            format!("RoomBridge's database could not be read: {e}"),
        )
    }
}
