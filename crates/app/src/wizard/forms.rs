//! What the wizard's steps take and answer.

use super::*;

/// Step 1a: the Microsoft 365 tenant, as typed. The client secret (or certificate key) is read
/// into a [`Secret`] on arrival and is never sent back.
#[derive(Deserialize, Default, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct TenantForm {
    #[serde(default)]
    pub tenant_id: String,
    #[serde(default)]
    pub client_id: String,
    /// Empty: use the secret already in the keyring (a wizard run again).
    #[serde(default, deserialize_with = "secret_field")]
    #[ts(as = "Option<String>")]
    pub client_secret: Option<Secret>,
    /// A PEM file with the private key of a certificate uploaded to the app registration;
    /// with [`TenantForm::certificate_thumbprint`], used instead of a client secret.
    #[serde(default)]
    pub certificate_path: Option<String>,
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
    /// The day the client secret expires, as Entra ID shows it (`YYYY-MM-DD`); optional, and
    /// ignored when signing in with a certificate. Saved as `client_secret_expires` in
    /// `config.json`, where the desktop app's expiry warning reads it.
    #[serde(default)]
    pub client_secret_expires: Option<String>,
    /// Overrides for sovereign clouds and the emulators ("Advanced").
    #[serde(default)]
    pub graph_base: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
}

/// Step 1b: the booking system, as typed.
#[derive(Deserialize, Default, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct BookingForm {
    /// Which kind of booking system (default: RoomBridge's booking API).
    #[serde(default)]
    pub system: BookingSystem,
    /// RoomBridge's booking API: its base address (`https://…/api/v1`). PorticoEstate: the
    /// installation's address (where `/login` and `/booking/…` are).
    #[serde(default)]
    pub url: String,
    /// RoomBridge's booking API: its key. Empty: use the key already in the keyring.
    #[serde(default, deserialize_with = "secret_field")]
    #[ts(as = "Option<String>")]
    pub api_key: Option<Secret>,
    /// PorticoEstate: the user name RoomBridge signs in with.
    #[serde(default)]
    pub login: Option<String>,
    /// PorticoEstate: that user's password. Empty: use the one already in the keyring.
    #[serde(default, deserialize_with = "secret_field")]
    #[ts(as = "Option<String>")]
    pub password: Option<Secret>,
}

/// Reads a secret straight into [`Secret`]; an empty or absent field is `None`.
pub(super) fn secret_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(Secret::new))
}

/// What went wrong in a connection test, for the UI to pick an icon and a field to focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Tenant id, client id, secret, certificate, API key, or user name and password refused.
    Credentials,
    /// Signed in, but not allowed (HTTP 403, missing permission or access policy).
    Permission,
    /// The host did not answer (wrong address, network, proxy, firewall).
    Unreachable,
    /// The address answered, but not as the API it should be.
    Address,
    /// The service is busy or down right now.
    Busy,
}

/// The result of a connection test: what happened and what to do about it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CheckView {
    pub ok: bool,
    /// One sentence: what happened.
    pub summary: String,
    /// What to change, when something is wrong.
    pub fix: Option<String>,
    /// The service's own words, for whoever helps (never a secret).
    pub detail: Option<String>,
    pub problem: Option<Problem>,
    /// Rooms (tenant) or resources (booking system) found.
    pub found: usize,
    /// The summary and the fix in words, to say in the reader's language.
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) said: Option<(Words, Option<Words>)>,
}

impl CheckView {
    /// A test that passed, saying what it found.
    pub(crate) fn passed(summary: Words, found: usize) -> Self {
        CheckView {
            ok: true,
            summary: summary.say(Lang::En),
            fix: None,
            detail: None,
            problem: None,
            found,
            said: Some((summary, None)),
        }
    }

    /// A test that failed: what happened, what to fix, and the service's own words (`detail`).
    pub(crate) fn refused(
        problem: Problem,
        summary: Words,
        fix: Words,
        detail: Option<String>,
    ) -> Self {
        CheckView {
            ok: false,
            summary: summary.say(Lang::En),
            fix: Some(fix.say(Lang::En)),
            detail,
            problem: Some(problem),
            found: 0,
            said: Some((summary, Some(fix))),
        }
    }

    /// A test that failed on `error`, whose message is the detail.
    pub(super) fn failed(
        problem: Problem,
        summary: Words,
        fix: Words,
        error: &ConnectorError,
    ) -> Self {
        Self::refused(problem, summary, fix, Some(error.message.clone()))
    }

    /// The summary and the fix in `lang` (the detail stays the service's own words).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        if let Some((summary, fix)) = &self.said {
            self.summary = summary.say(lang);
            self.fix = fix.as_ref().map(|f| f.say(lang));
        }
        self
    }
}

/// What the wizard already knows, to fill in its forms (a wizard opened again after a secret
/// went missing, or after a reload). Never holds a secret: only whether one is stored.
#[derive(Debug, Clone, Serialize, Default, ts_rs::TS)]
pub struct SetupView {
    pub tenant_id: String,
    pub client_id: String,
    pub certificate_thumbprint: Option<String>,
    pub client_secret_expires: Option<chrono::NaiveDate>,
    pub graph_base: Option<String>,
    pub token_url: Option<String>,
    /// The kind of booking system last tested or configured.
    pub booking_system: BookingSystem,
    pub booking_url: String,
    /// PorticoEstate's user name for RoomBridge.
    pub booking_login: String,
    pub client_secret_stored: bool,
    pub api_key_stored: bool,
    /// PorticoEstate's password is in the keyring.
    pub password_stored: bool,
    /// The tenant passed its connection test in this run.
    pub tenant_ok: bool,
    /// The booking system passed its connection test in this run.
    pub booking_ok: bool,
    pub default_time_zone: String,
    /// Conflict policies to offer, by name.
    pub policies: Vec<String>,
}

/// A mailbox a resource can be mapped to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct MailboxOption {
    pub email: String,
    pub name: String,
    pub source: MailboxSource,
}

/// Where a mailbox was found.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MailboxSource {
    /// The tenant's room list.
    Places,
    /// An address the booking system gives for a resource that the room list does not show,
    /// such as an equipment mailbox.
    Booking,
}

/// How a resource's suggested mailbox was found.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The booking system's e-mail for it is a room mailbox.
    Email,
    /// Its name is a room mailbox's display name (ignoring case, punctuation and spacing).
    Name,
    /// The booking system's e-mail for it, which Outlook's room list does not show.
    BookingEmail,
}

/// A booking resource with its suggested mailbox.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ResourceMatch {
    pub id: String,
    pub name: String,
    pub kind: RoomKind,
    pub email: Option<String>,
    pub time_zone: String,
    /// The suggested mailbox; `None`: no match, not synced unless the person picks one.
    pub mailbox: Option<String>,
    pub matched_by: Option<MatchedBy>,
    /// Already mapped to a room (the id of that room).
    pub room_id: Option<String>,
}

/// Step 2: both sides' lists, matched.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DiscoveryView {
    pub mailboxes: Vec<MailboxOption>,
    pub resources: Vec<ResourceMatch>,
}

/// Step 3: the person's choices.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct FinishRequest {
    /// The zone of rooms that do not name their own (IANA, e.g. `Europe/Oslo`).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The policy of rooms without their own (default: manual).
    #[serde(default)]
    pub default_policy: Option<String>,
    pub rooms: Vec<RoomChoice>,
}

/// One resource's mapping as chosen in the wizard.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RoomChoice {
    pub resource_id: String,
    /// `None` or empty: do not sync this resource.
    #[serde(default)]
    pub mailbox: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<RoomKind>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `None`: follow the default policy.
    #[serde(default)]
    pub policy: Option<String>,
}
