//! The setup wizard: RoomBridge from an empty data folder to a running engine, without a
//! restart and without anyone writing `config.json` or keyring entries by hand.
//!
//! Until live mode is configured, the desktop window and the headless server serve a
//! [`Wizard`] instead of an [`App`]. Its steps are operations like every other:
//!
//! 1. [`Wizard::check_tenant`] and [`Wizard::check_booking`] try the connection with what
//!    the person typed and say what to fix. A secret that works goes straight into the OS
//!    keyring; the rest is remembered for the next steps. Secrets never come back out.
//! 2. [`Wizard::discover`] lists the tenant's room mailboxes and the booking system's
//!    resources, matched by e-mail, then by name ([`match_resources`]).
//! 3. [`Wizard::finish`] writes `config.json` (no secrets), stores the chosen rooms with their
//!    zones and policies, starts the engine and hands the [`App`] to whoever waits for it
//!    ([`Wizard::started`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::watch;

use roombridge_connectors::booking::BookingConnector;
use roombridge_connectors::graph::{
    GraphConfig, GraphConnector, GraphCredential, GraphLimits, GraphRoom,
};
use roombridge_connectors::{Booking, Calendar, ConnectorError, ErrorKind, Resource};
use roombridge_core::policy::Policy;
use roombridge_core::{GraphEventId, Mailbox, Secret};
use roombridge_engine::EngineConfig;
use roombridge_store::rooms::{self, Room};
use roombridge_store::settings;

use crate::secrets::{SecretName, SecretStore};
use crate::setup::{self, Connectors, LiveConfig};
use crate::views::{Mode, Status};
use crate::{ApiError, App, ErrorCode};

/// The time zone rooms get unless the person picks another.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Oslo";

/// The database file of live mode.
pub const LIVE_DB: &str = "roombridge.sqlite";

/// Step 1a: the Microsoft 365 tenant, as typed. The client secret (or certificate key) is read
/// into a [`Secret`] on arrival and is never sent back.
#[derive(Deserialize, Default)]
pub struct TenantForm {
    #[serde(default)]
    pub tenant_id: String,
    #[serde(default)]
    pub client_id: String,
    /// Empty: use the secret already in the keyring (a wizard run again).
    #[serde(default, deserialize_with = "secret_field")]
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
#[derive(Deserialize, Default)]
pub struct BookingForm {
    #[serde(default)]
    pub url: String,
    /// Empty: use the key already in the keyring.
    #[serde(default, deserialize_with = "secret_field")]
    pub api_key: Option<Secret>,
}

/// Reads a secret straight into [`Secret`]; an empty or absent field is `None`.
fn secret_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(Secret::new))
}

/// What went wrong in a connection test, for the UI to pick an icon and a field to focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Tenant id, client id, secret, certificate or API key refused.
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
#[derive(Debug, Clone, Serialize)]
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
}

impl CheckView {
    fn failed(problem: Problem, summary: String, fix: String, error: &ConnectorError) -> Self {
        CheckView {
            ok: false,
            summary,
            fix: Some(fix),
            detail: Some(error.message.clone()),
            problem: Some(problem),
            found: 0,
        }
    }
}

/// What the wizard already knows, to fill in its forms (a wizard opened again after a secret
/// went missing, or after a reload). Never holds a secret: only whether one is stored.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SetupView {
    pub tenant_id: String,
    pub client_id: String,
    pub certificate_thumbprint: Option<String>,
    pub client_secret_expires: Option<chrono::NaiveDate>,
    pub graph_base: Option<String>,
    pub token_url: Option<String>,
    pub booking_url: String,
    pub client_secret_stored: bool,
    pub api_key_stored: bool,
    /// The tenant passed its connection test in this run.
    pub tenant_ok: bool,
    /// The booking system passed its connection test in this run.
    pub booking_ok: bool,
    pub default_time_zone: String,
    /// Conflict policies to offer, by name.
    pub policies: Vec<String>,
}

/// A mailbox a resource can be mapped to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MailboxOption {
    pub email: String,
    pub name: String,
    /// `places` (the tenant's room list) or `booking` (an address the booking system gives for
    /// a resource that the room list does not show, such as an equipment mailbox).
    pub source: &'static str,
}

/// How a resource's suggested mailbox was found.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
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
#[derive(Debug, Clone, Serialize)]
pub struct ResourceMatch {
    pub id: String,
    pub name: String,
    /// `room` or `equipment`.
    pub kind: String,
    pub email: Option<String>,
    pub time_zone: String,
    /// The suggested mailbox; `None`: no match, not synced unless the person picks one.
    pub mailbox: Option<String>,
    pub matched_by: Option<MatchedBy>,
    /// Already mapped to a room (the id of that room).
    pub room_id: Option<String>,
}

/// Step 2: both sides' lists, matched.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryView {
    pub mailboxes: Vec<MailboxOption>,
    pub resources: Vec<ResourceMatch>,
}

/// Step 3: the person's choices.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
pub struct RoomChoice {
    pub resource_id: String,
    /// `None` or empty: do not sync this resource.
    #[serde(default)]
    pub mailbox: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `None`: follow the default policy.
    #[serde(default)]
    pub policy: Option<String>,
}

/// The non-secret half of a tested connection.
#[derive(Clone, Default)]
struct Draft {
    tenant: Option<TenantSettings>,
    booking_url: Option<String>,
}

#[derive(Clone)]
struct TenantSettings {
    tenant_id: String,
    client_id: String,
    certificate_thumbprint: Option<String>,
    client_secret_expires: Option<chrono::NaiveDate>,
    graph_base: Option<String>,
    token_url: Option<String>,
}

/// RoomBridge before live mode is configured: the wizard's state and, once it is finished,
/// the running [`App`].
pub struct Wizard {
    data_dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    engine: EngineConfig,
    /// What a previous configuration said (prefills the forms).
    previous: Option<LiveConfig>,
    draft: Mutex<Draft>,
    started: watch::Sender<Option<Arc<App>>>,
    /// One finish at a time.
    finishing: tokio::sync::Mutex<()>,
}

impl Wizard {
    /// A wizard that configures live mode in `data_dir`, keeping secrets in `secrets` and
    /// starting the engine with `engine`. `previous` is a configuration found on disk whose
    /// secrets are missing.
    pub fn new(
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        engine: EngineConfig,
        previous: Option<LiveConfig>,
    ) -> Arc<Wizard> {
        let (started, _) = watch::channel(None);
        Arc::new(Wizard {
            data_dir: data_dir.to_path_buf(),
            secrets,
            engine,
            previous,
            draft: Mutex::new(Draft::default()),
            started,
            finishing: tokio::sync::Mutex::new(()),
        })
    }

    /// The app once the wizard has finished; it changes from `None` exactly once.
    pub fn started(&self) -> watch::Receiver<Option<Arc<App>>> {
        self.started.subscribe()
    }

    /// Waits until the wizard has finished and returns the running app.
    pub async fn wait_started(&self) -> Option<Arc<App>> {
        let mut rx = self.started.subscribe();
        rx.wait_for(Option::is_some).await.ok()?.clone()
    }

    fn draft(&self) -> std::sync::MutexGuard<'_, Draft> {
        // Plain data; a panic elsewhere cannot leave it half-written.
        self.draft.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `setup` mode, no rooms yet.
    pub fn status(&self) -> Status {
        Status {
            mode: Mode::Setup,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            rooms: 0,
        }
    }

    /// What the forms start with.
    pub fn setup_state(&self) -> SetupView {
        let draft = self.draft().clone();
        let stored = |name| matches!(self.secrets.get(name), Ok(Some(_)));
        let previous = self.previous.as_ref();
        let tenant = draft.tenant.clone();
        SetupView {
            tenant_id: tenant
                .as_ref()
                .map(|t| t.tenant_id.clone())
                .or_else(|| previous.map(|p| p.tenant.clone()))
                .unwrap_or_default(),
            client_id: tenant
                .as_ref()
                .map(|t| t.client_id.clone())
                .or_else(|| previous.map(|p| p.client_id.clone()))
                .unwrap_or_default(),
            certificate_thumbprint: tenant
                .as_ref()
                .map(|t| t.certificate_thumbprint.clone())
                .unwrap_or_else(|| previous.and_then(|p| p.certificate_thumbprint.clone())),
            client_secret_expires: tenant
                .as_ref()
                .map(|t| t.client_secret_expires)
                .unwrap_or_else(|| previous.and_then(|p| p.client_secret_expires)),
            graph_base: tenant
                .as_ref()
                .map(|t| t.graph_base.clone())
                .unwrap_or_else(|| previous.and_then(|p| p.graph_base.clone())),
            token_url: tenant
                .as_ref()
                .map(|t| t.token_url.clone())
                .unwrap_or_else(|| previous.and_then(|p| p.token_url.clone())),
            booking_url: draft
                .booking_url
                .clone()
                .or_else(|| previous.map(|p| p.booking_url.clone()))
                .unwrap_or_default(),
            client_secret_stored: stored(SecretName::GraphClientSecret),
            api_key_stored: stored(SecretName::BookingApiKey),
            tenant_ok: draft.tenant.is_some(),
            booking_ok: draft.booking_url.is_some(),
            default_time_zone: DEFAULT_TIME_ZONE.to_owned(),
            policies: crate::decisions::available_policies(),
        }
    }

    fn refuse_if_finished(&self) -> Result<(), ApiError> {
        if self.started.borrow().is_some() {
            return Err(invalid(
                "RoomBridge is already set up. Change rooms on the Rooms screen.",
            ));
        }
        Ok(())
    }

    /// Signs in to the tenant and lists its rooms. On success the secret (if one was typed)
    /// goes into the OS keyring and the other settings are kept for [`Wizard::finish`].
    pub async fn check_tenant(&self, form: TenantForm) -> Result<CheckView, ApiError> {
        self.refuse_if_finished()?;
        // The day as the person's calendar (and the desktop's expiry warning) counts it.
        let settings = tenant_settings(&form, chrono::Local::now().date_naive())?;
        let (credential, typed) = self.credential(&form, &settings)?;
        let graph = graph_connector(&settings, credential.clone())?.with_limits(check_limits());
        let check = check_graph(&graph, &settings).await;
        if check.ok {
            if let Some((name, secret)) = typed {
                self.secrets.set(name, &secret).map_err(keyring_error)?;
            }
            self.draft().tenant = Some(settings);
        }
        Ok(check)
    }

    /// The credential to sign in with: the typed secret, the certificate's key from its file,
    /// or the secret already in the keyring. Also returns what to store if the test passes.
    #[allow(clippy::type_complexity)]
    fn credential(
        &self,
        form: &TenantForm,
        settings: &TenantSettings,
    ) -> Result<(GraphCredential, Option<(SecretName, Secret)>), ApiError> {
        if let Some(thumbprint) = &settings.certificate_thumbprint {
            let key = match non_empty(&form.certificate_path) {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        invalid(format!(
                            "The certificate key file {path} cannot be read ({e}). Give the path of the PEM file with the certificate's private key."
                        ))
                    })?;
                    if !text.contains("PRIVATE KEY-----") {
                        return Err(invalid(format!(
                            "{path} holds no private key. Give the PEM file with the certificate's private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)."
                        )));
                    }
                    Some(Secret::new(text))
                }
                None => None,
            };
            let stored = match &key {
                Some(_) => None,
                None => self
                    .secrets
                    .get(SecretName::GraphCertificateKey)
                    .map_err(keyring_error)?,
            };
            let Some(use_key) = key.clone().or(stored) else {
                return Err(invalid(
                    "Give the path of the certificate's private key file (PEM).",
                ));
            };
            return Ok((
                GraphCredential::Certificate {
                    private_key_pem: use_key,
                    thumbprint_sha1_hex: thumbprint.clone(),
                },
                key.map(|k| (SecretName::GraphCertificateKey, k)),
            ));
        }
        match &form.client_secret {
            Some(secret) => Ok((
                GraphCredential::ClientSecret(secret.clone()),
                Some((SecretName::GraphClientSecret, secret.clone())),
            )),
            None => match self
                .secrets
                .get(SecretName::GraphClientSecret)
                .map_err(keyring_error)?
            {
                Some(stored) => Ok((GraphCredential::ClientSecret(stored), None)),
                None => Err(invalid(
                    "Enter the client secret: its Value from Entra ID > App registrations > Certificates & secrets.",
                )),
            },
        }
    }

    /// Reads the booking system's resources with the API key. On success the key (if one was
    /// typed) goes into the OS keyring and the address is kept for [`Wizard::finish`].
    pub async fn check_booking(&self, form: BookingForm) -> Result<CheckView, ApiError> {
        self.refuse_if_finished()?;
        let url = form.url.trim().to_owned();
        if url.is_empty() {
            return Err(invalid(
                "Enter the booking system's API address, e.g. https://booking.example.org/api/v1.",
            ));
        }
        let (key, typed) = match form.api_key {
            Some(key) => (key.clone(), Some(key)),
            None => match self
                .secrets
                .get(SecretName::BookingApiKey)
                .map_err(keyring_error)?
            {
                Some(stored) => (stored, None),
                None => return Err(invalid("Enter the booking system's API key.")),
            },
        };
        let booking = match booking_connector(&url, key) {
            Ok(b) => b,
            Err(check) => return Ok(*check),
        };
        let check = check_booking(&booking, &url).await;
        if check.ok {
            if let Some(key) = typed {
                self.secrets
                    .set(SecretName::BookingApiKey, &key)
                    .map_err(keyring_error)?;
            }
            self.draft().booking_url = Some(url);
        }
        Ok(check)
    }

    /// The live configuration the tested settings make.
    fn config(&self) -> Result<LiveConfig, ApiError> {
        let draft = self.draft().clone();
        let (Some(tenant), Some(booking_url)) = (draft.tenant, draft.booking_url) else {
            return Err(invalid(
                "Test both connections first: Microsoft 365 and the booking system.",
            ));
        };
        Ok(LiveConfig {
            tenant: tenant.tenant_id,
            client_id: tenant.client_id,
            booking_url,
            certificate_thumbprint: tenant.certificate_thumbprint,
            graph_base: tenant.graph_base,
            token_url: tenant.token_url,
            auto_map: false,
            client_secret_expires: tenant.client_secret_expires,
        })
    }

    /// Both sides' lists, matched, with the tested settings and the keyring's secrets.
    pub async fn discover(&self) -> Result<DiscoveryView, ApiError> {
        self.refuse_if_finished()?;
        let config = self.config()?;
        let connectors = setup::live_connectors(&config, self.secrets.as_ref())
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        let store = setup::open_store(&self.data_dir, LIVE_DB)
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        let existing = store.read(rooms::list)?;
        discover(&connectors, &existing).await
    }

    /// Writes `config.json`, stores the chosen rooms, zones and policies, starts the engine
    /// and returns the running app (also handed to [`Wizard::started`]).
    pub async fn finish(&self, request: FinishRequest) -> Result<Arc<App>, ApiError> {
        let _one = self.finishing.lock().await;
        self.refuse_if_finished()?;
        let config = self.config()?;
        let zone = zone_or_default(request.time_zone.as_deref())?;
        let default_policy = match non_empty(&request.default_policy) {
            Some(p) => Some(parse_policy(&p)?),
            None => None,
        };
        let connectors = setup::live_connectors(&config, self.secrets.as_ref())
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        let resources = connectors
            .booking
            .resources()
            .await
            .map_err(|e| ApiError::unavailable(e.message))?;
        let chosen = chosen_rooms(&request.rooms, &resources, &zone)?;
        if chosen.is_empty() {
            return Err(invalid(
                "Choose a mailbox for at least one resource: there is nothing to sync yet.",
            ));
        }

        let store = setup::open_store(&self.data_dir, LIVE_DB)
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        let now = chrono::Utc::now();
        store.write(|c| {
            if let Some(policy) = &default_policy {
                settings::set_default_policy(c, *policy)?;
            }
            for (room, policy) in &chosen {
                rooms::upsert(c, room, now)?;
                rooms::set_policy(c, &room.id, *policy)?;
            }
            Ok(())
        })?;
        write_config(&self.data_dir, &config)?;
        let app = setup::start_app(
            store,
            connectors,
            self.engine.clone(),
            Mode::Live,
            Vec::new(),
        )
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
        app.anchor_in(self.secrets.clone());
        tracing::info!(rooms = chosen.len(), "setup finished; live mode started");
        self.started.send_replace(Some(app.clone()));
        Ok(app)
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn keyring_error(e: crate::secrets::SecretError) -> ApiError {
    ApiError::unavailable(format!(
        "RoomBridge could not use the OS keyring, where it keeps the secrets: {e}"
    ))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The tenant step's settings, checked; `today` is the local date, for the secret's expiry.
fn tenant_settings(
    form: &TenantForm,
    today: chrono::NaiveDate,
) -> Result<TenantSettings, ApiError> {
    let tenant_id = form.tenant_id.trim().to_owned();
    let client_id = form.client_id.trim().to_owned();
    if tenant_id.is_empty() {
        return Err(invalid(
            "Enter the tenant id: the Directory (tenant) ID in Entra ID > Overview, or a domain such as contoso.onmicrosoft.com.",
        ));
    }
    if client_id.is_empty() {
        return Err(invalid(
            "Enter the client id: the Application (client) ID of the app registration in Entra ID.",
        ));
    }
    let url = |field: &Option<String>, what: &str| -> Result<Option<String>, ApiError> {
        match non_empty(field) {
            Some(u) => match url::Url::parse(&u) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Some(u)),
                _ => Err(invalid(format!(
                    "The {what} {u:?} is not a web address (https://…). Leave it empty for Microsoft's own."
                ))),
            },
            None => Ok(None),
        }
    };
    let certificate_thumbprint = non_empty(&form.certificate_thumbprint);
    // A certificate has its own expiry, which Graph's sign-in reports; a secret's date is only
    // kept for client-secret sign-in, so the desktop warns about the credential in use.
    let client_secret_expires = match certificate_thumbprint {
        Some(_) => None,
        None => secret_expiry(&form.client_secret_expires, today)?,
    };
    Ok(TenantSettings {
        tenant_id,
        client_id,
        certificate_thumbprint,
        client_secret_expires,
        graph_base: url(&form.graph_base, "Graph address")?,
        token_url: url(&form.token_url, "token address")?,
    })
}

/// The client secret's expiry date as typed (`YYYY-MM-DD`): `None` when not given; refused
/// when it is not a date or the day has passed (an expired secret cannot sign in). A secret
/// that expires today still works today.
fn secret_expiry(
    typed: &Option<String>,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    let Some(text) = non_empty(typed) else {
        return Ok(None);
    };
    let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        invalid(format!(
            "The expiry date {text:?} is not a date. Give the day Entra ID shows under Certificates & secrets > Expires, e.g. 2027-03-31, or leave it empty."
        ))
    })?;
    if date < today {
        return Err(invalid(format!(
            "The client secret expired on {date}, so it can no longer sign in. In Entra ID > App registrations > Certificates & secrets, add a new client secret and enter its value and expiry date here."
        )));
    }
    Ok(Some(date))
}

fn graph_connector(
    settings: &TenantSettings,
    credential: GraphCredential,
) -> Result<GraphConnector, ApiError> {
    let mut config = GraphConfig::microsoft(&settings.tenant_id, &settings.client_id)
        .map_err(|e| invalid(e.message))?;
    // tenant_settings checked both parse.
    if let Some(base) = &settings.graph_base {
        config.graph_base = url::Url::parse(base).map_err(|e| invalid(e.to_string()))?;
    }
    if let Some(token) = &settings.token_url {
        config.token_url = url::Url::parse(token).map_err(|e| invalid(e.to_string()))?;
    }
    GraphConnector::with_credential(config, credential)
        .map_err(|e| ApiError::unavailable(e.message))
}

/// A connection test should answer in seconds, not retry for minutes like a sync does.
fn check_limits() -> GraphLimits {
    GraphLimits {
        max_attempts: 2,
        max_total_wait: Duration::from_secs(5),
        base_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        request_timeout: Duration::from_secs(20),
        ..GraphLimits::default()
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}

/// Signs in, lists the rooms, and checks the app may read a room's calendar.
async fn check_graph(graph: &GraphConnector, settings: &TenantSettings) -> CheckView {
    let rooms = match graph.rooms().await {
        Ok(rooms) => rooms,
        Err(e) => return tenant_problem(&e, settings, "list the rooms (Place.Read.All)"),
    };
    // Any answer but 401/403 for a made-up event id shows the app may read the calendar
    // (Calendars.ReadWrite and the application access policy).
    if let Some(first) = rooms.first() {
        let probe = GraphEventId::new("roombridge-permission-check");
        if let Err(e) = graph
            .tag_of(&Mailbox::new(first.email.clone()), &probe)
            .await
            && matches!(e.kind, ErrorKind::Auth | ErrorKind::Transient { .. })
        {
            return tenant_problem(
                &e,
                settings,
                &format!("read the calendar of {} (Calendars.ReadWrite)", first.email),
            );
        }
    }
    CheckView {
        ok: true,
        summary: format!(
            "Signed in to Microsoft 365 and found {} room mailbox{}.",
            rooms.len(),
            if rooms.len() == 1 { "" } else { "es" }
        ),
        fix: None,
        detail: None,
        problem: None,
        found: rooms.len(),
    }
}

/// A tenant connection failure in words a facility manager can act on. `doing` names what was
/// being tried when a permission is missing.
fn tenant_problem(error: &ConnectorError, settings: &TenantSettings, doing: &str) -> CheckView {
    let graph_host = settings
        .graph_base
        .as_deref()
        .map(host_of)
        .unwrap_or_else(|| "graph.microsoft.com".to_owned());
    let token_host = settings
        .token_url
        .as_deref()
        .map(host_of)
        .unwrap_or_else(|| "login.microsoftonline.com".to_owned());
    match (&error.kind, error.status) {
        // No status: Entra ID's token endpoint refused the sign-in; the connector's message
        // already names the AADSTS cause (wrong secret, unknown app or tenant, expired secret).
        (ErrorKind::Auth, None) | (ErrorKind::Auth, Some(401)) => CheckView::failed(
            Problem::Credentials,
            "Microsoft 365 refused the sign-in (401).".to_owned(),
            format!(
                "{} Check the tenant id, the client id and the client secret (or certificate).",
                first_sentence(&error.message)
            ),
            error,
        ),
        (ErrorKind::Auth, Some(_)) => CheckView::failed(
            Problem::Permission,
            format!("Signed in, but the app is not allowed to {doing} (403)."),
            "In Entra ID > App registrations > API permissions, add the application permissions Place.Read.All and Calendars.ReadWrite and grant admin consent; if an application access policy limits the app, add the room mailboxes to it.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            format!("RoomBridge could not reach Microsoft 365 ({token_host} / {graph_host})."),
            "Check this computer's network connection, proxy and firewall; if you changed the addresses under Advanced, check them.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            format!("Microsoft 365 is busy or unavailable right now (HTTP {status})."),
            "Nothing to change: test again in a minute.".to_owned(),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            format!("{graph_host} did not answer like Microsoft Graph."),
            "Leave the addresses under Advanced empty for Microsoft 365; if you set them, the Graph address must end in /v1.0.".to_owned(),
            error,
        ),
    }
}

/// A booking-system connection failure in words a facility manager can act on.
fn booking_problem(error: &ConnectorError, url: &str) -> CheckView {
    let host = host_of(url);
    match (&error.kind, error.status) {
        (ErrorKind::Auth, Some(403)) => CheckView::failed(
            Problem::Permission,
            "The booking system accepted the API key but does not let it read resources (403).".to_owned(),
            "Ask the booking-system administrator to give this API key access to resources and reservations.".to_owned(),
            error,
        ),
        (ErrorKind::Auth, _) => CheckView::failed(
            Problem::Credentials,
            "The booking system rejected the API key (401).".to_owned(),
            "Copy the API key again from the booking system's administration page (no spaces before or after it), or ask its administrator for a new one.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, None) => CheckView::failed(
            Problem::Unreachable,
            format!("RoomBridge could not reach the booking system at {host}."),
            "Check the address (it usually ends in /api/v1) and this computer's network connection, proxy and firewall.".to_owned(),
            error,
        ),
        (ErrorKind::Transient { .. }, Some(status)) => CheckView::failed(
            Problem::Busy,
            format!("The booking system is busy or unavailable right now (HTTP {status})."),
            "Nothing to change: test again in a minute.".to_owned(),
            error,
        ),
        (ErrorKind::Permanent | ErrorKind::Stale | ErrorKind::Resync, _) => CheckView::failed(
            Problem::Address,
            format!("{host} answered, but not as RoomBridge's booking API."),
            "Check the address: it is the API's base address, usually ending in /api/v1, not the booking system's web page.".to_owned(),
            error,
        ),
    }
}

fn first_sentence(message: &str) -> &str {
    message.split(" (").next().unwrap_or(message).trim()
}

/// A booking connector for `url`, or a check result saying why the address cannot be used.
fn booking_connector(url: &str, key: Secret) -> Result<BookingConnector, Box<CheckView>> {
    let address_problem = |e: &ConnectorError| {
        Box::new(CheckView::failed(
            Problem::Address,
            format!("{url:?} cannot be used as the booking system's address."),
            "Use the API's full address starting with https:// (http:// only for a booking system on this computer), usually ending in /api/v1.".to_owned(),
            e,
        ))
    };
    let parsed = url::Url::parse(url)
        .map_err(|e| address_problem(&ConnectorError::new(ErrorKind::Permanent, e.to_string())))?;
    BookingConnector::new(parsed, key).map_err(|e| address_problem(&e))
}

async fn check_booking(booking: &BookingConnector, url: &str) -> CheckView {
    match booking.resources().await {
        Ok(resources) => {
            let rooms = resources.iter().filter(|r| r.kind != "equipment").count();
            CheckView {
                ok: true,
                summary: format!(
                    "Connected to the booking system and found {} resources ({} rooms, {} equipment).",
                    resources.len(),
                    rooms,
                    resources.len() - rooms
                ),
                fix: None,
                detail: None,
                problem: None,
                found: resources.len(),
            }
        }
        Err(e) => booking_problem(&e, url),
    }
}

/// Lists both sides with `connectors` and matches them; `existing` rooms mark resources that
/// are already mapped.
pub async fn discover(
    connectors: &Connectors,
    existing: &[Room],
) -> Result<DiscoveryView, ApiError> {
    let (resources, places) =
        tokio::join!(connectors.booking.resources(), connectors.graph.rooms());
    let resources = resources.map_err(|e| ApiError::unavailable(e.message))?;
    let places = places.map_err(|e| ApiError::unavailable(e.message))?;
    let matches = match_resources(&resources, &places);
    let mut mailboxes: Vec<MailboxOption> = places
        .iter()
        .map(|p| MailboxOption {
            email: p.email.to_ascii_lowercase(),
            name: p.display_name.clone(),
            source: "places",
        })
        .collect();
    for r in &resources {
        if let Some(email) = r.email.as_deref().filter(|e| !e.trim().is_empty()) {
            let email = email.trim().to_ascii_lowercase();
            if !mailboxes.iter().any(|m| m.email == email) {
                mailboxes.push(MailboxOption {
                    email,
                    name: r.name.clone(),
                    source: "booking",
                });
            }
        }
    }
    mailboxes.sort_by(|a, b| a.name.cmp(&b.name).then(a.email.cmp(&b.email)));
    let resources = resources
        .iter()
        .zip(matches)
        .map(|(r, m)| ResourceMatch {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: r.kind.clone(),
            email: r.email.clone(),
            time_zone: r.time_zone.clone(),
            mailbox: m.as_ref().map(|(email, _)| email.clone()),
            matched_by: m.map(|(_, by)| by),
            room_id: existing
                .iter()
                .find(|room| room.resource.as_str() == r.id.as_str())
                .map(|room| room.id.to_string()),
        })
        .collect();
    Ok(DiscoveryView {
        mailboxes,
        resources,
    })
}

/// A name as compared for matching: lower case, letters and digits only, single spaces
/// ("Town Hall, Council-Chamber " and "town hall council chamber" are the same).
pub fn normalise_name(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The suggested mailbox of each resource, in order: the room mailbox with the resource's
/// e-mail; else the one room mailbox whose display name is the resource's name (normalised),
/// unless another resource already has that mailbox by e-mail; else the resource's own e-mail,
/// which Outlook's room list does not show (equipment mailboxes are never in it). A name that
/// fits several mailboxes, or several resources, suggests nothing: a person chooses.
pub fn match_resources(
    resources: &[Resource],
    places: &[GraphRoom],
) -> Vec<Option<(String, MatchedBy)>> {
    let by_email: HashMap<String, &GraphRoom> = places
        .iter()
        .map(|p| (p.email.trim().to_ascii_lowercase(), p))
        .collect();
    let email_of = |r: &Resource| {
        r.email
            .as_deref()
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
    };
    let taken_by_email: HashSet<String> = resources
        .iter()
        .filter_map(email_of)
        .filter(|e| by_email.contains_key(e))
        .collect();
    let mut places_by_name: HashMap<String, Vec<&GraphRoom>> = HashMap::new();
    for p in places {
        places_by_name
            .entry(normalise_name(&p.display_name))
            .or_default()
            .push(p);
    }
    let mut resources_by_name: HashMap<String, usize> = HashMap::new();
    for r in resources {
        *resources_by_name
            .entry(normalise_name(&r.name))
            .or_default() += 1;
    }
    resources
        .iter()
        .map(|r| {
            let email = email_of(r);
            if let Some(e) = &email
                && by_email.contains_key(e)
            {
                return Some((e.clone(), MatchedBy::Email));
            }
            let name = normalise_name(&r.name);
            if let Some([only]) = places_by_name.get(&name).map(Vec::as_slice)
                && resources_by_name.get(&name) == Some(&1)
            {
                let mailbox = only.email.trim().to_ascii_lowercase();
                if !taken_by_email.contains(&mailbox) {
                    return Some((mailbox, MatchedBy::Name));
                }
            }
            email.map(|e| (e, MatchedBy::BookingEmail))
        })
        .collect()
}

/// A valid IANA zone, or the default.
fn zone_or_default(zone: Option<&str>) -> Result<String, ApiError> {
    match zone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Ok(DEFAULT_TIME_ZONE.to_owned()),
        Some(z) => check_zone(z),
    }
}

/// `zone` if it is an IANA zone name.
pub fn check_zone(zone: &str) -> Result<String, ApiError> {
    let zone = zone.trim();
    zone.parse::<chrono_tz::Tz>()
        .map(|_| zone.to_owned())
        .map_err(|_| {
            invalid(format!(
                "{zone:?} is not a time zone RoomBridge knows; use a name such as Europe/Oslo or America/New_York."
            ))
        })
}

fn parse_policy(name: &str) -> Result<Policy, ApiError> {
    Policy::parse(name).map_err(|e| invalid(format!("{name:?} is not a conflict policy: {e}")))
}

/// A mailbox address as RoomBridge stores it, or why it is not one.
pub fn check_mailbox(mailbox: &str) -> Result<Mailbox, ApiError> {
    let m = mailbox.trim().to_ascii_lowercase();
    let valid = m.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !m.contains(char::is_whitespace)
    });
    if !valid {
        return Err(invalid(format!(
            "{mailbox:?} is not a mailbox address; use the room mailbox's e-mail, e.g. room-1@example.org."
        )));
    }
    Ok(Mailbox::new(m))
}

/// The rooms the person chose, checked against the booking system's resources: each mapped
/// resource exists, no mailbox is used twice, zones and policies are valid.
fn chosen_rooms(
    choices: &[RoomChoice],
    resources: &[Resource],
    default_zone: &str,
) -> Result<Vec<(Room, Option<Policy>)>, ApiError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for choice in choices {
        let Some(mailbox) = non_empty(&choice.mailbox) else {
            continue;
        };
        let mailbox = check_mailbox(&mailbox)?;
        let Some(resource) = resources
            .iter()
            .find(|r| r.id.as_str() == choice.resource_id)
        else {
            return Err(invalid(format!(
                "The booking system has no resource {:?} (any more); discover the rooms again.",
                choice.resource_id
            )));
        };
        if !seen.insert(mailbox.as_str().to_owned()) {
            return Err(invalid(format!(
                "The mailbox {mailbox} is chosen for more than one resource; one mailbox can show only one resource's reservations."
            )));
        }
        let zone = match non_empty(&choice.time_zone) {
            Some(z) => check_zone(&z)?,
            None => default_zone.to_owned(),
        };
        let policy = match non_empty(&choice.policy) {
            Some(p) => Some(parse_policy(&p)?),
            None => None,
        };
        let kind = non_empty(&choice.kind).unwrap_or_else(|| resource.kind.clone());
        out.push((
            Room {
                id: roombridge_core::RoomId::new(resource.id.as_str()),
                name: non_empty(&choice.name).unwrap_or_else(|| resource.name.clone()),
                kind: if kind == "equipment" {
                    kind
                } else {
                    "room".into()
                },
                mailbox,
                resource: resource.id.clone(),
                time_zone: zone,
                paused: false,
            },
            policy,
        ));
    }
    Ok(out)
}

/// Writes `config.json` whole or not at all (a temporary file renamed over it).
fn write_config(data_dir: &Path, config: &LiveConfig) -> Result<(), ApiError> {
    let path = LiveConfig::path(data_dir);
    let fail = |e: &dyn std::fmt::Display| {
        ApiError::unavailable(format!(
            "RoomBridge could not write its configuration to {}: {e}",
            path.display()
        ))
    };
    let text = serde_json::to_string_pretty(config).map_err(|e| fail(&e))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, &path).map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests;
