//! The setup wizard: RoomBridge from an empty data folder to a running engine, without a
//! restart and without anyone writing `config.json` or keyring entries by hand.
//!
//! Until live mode is configured, the desktop window and the headless server serve a
//! [`Wizard`] instead of an [`App`]. Its steps are operations like every other:
//!
//! 1. [`Wizard::check_tenant`] and [`Wizard::check_booking`] try the connection with what
//!    the person typed and say what to fix. The booking system is RoomBridge's booking API
//!    (address and API key) or PorticoEstate (address, user name and password; its test also
//!    asks which booking rights the user has, writing nothing). A secret that works goes
//!    straight into the OS keyring; the rest is remembered for the next steps. Secrets never
//!    come back out.
//! 2. [`Wizard::discover`] lists the tenant's room mailboxes and the booking system's
//!    resources, matched by e-mail, then by name ([`match_resources`]).
//! 3. [`Wizard::finish`] writes `config.json` (no secrets), stores the chosen rooms with their
//!    zones and policies, starts the engine and hands the [`App`] to whoever waits for it
//!    ([`Wizard::started`]).

mod checks;
pub(crate) mod discovery;
mod forms;

use crate::setup::LIVE_DB;
pub use crate::validate::{DEFAULT_TIME_ZONE, check_mailbox, check_zone};
use crate::validate::{parse_policy, zone_or_default};
use crate::views::RoomKind;
use checks::*;
pub use discovery::{discover, match_resources, normalise_name};
pub use forms::*;

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
use roombridge_connectors::porticoestate::{PorticoConnector, Right};
use roombridge_connectors::{Booking, Calendar, ConnectorError, ErrorKind, Resource};
use roombridge_core::i18n::{Lang, Words};
use roombridge_core::policy::Policy;
use roombridge_core::{GraphEventId, Mailbox, Secret};
use roombridge_engine::EngineConfig;
use roombridge_store::rooms::{self, Room};
use roombridge_store::settings;

use crate::secrets::{SecretName, SecretStore};
use crate::setup::{self, BookingSystem, Connectors, LiveConfig};
use crate::views::{Mode, Status};
use crate::{ApiError, App, ErrorCode};

/// The non-secret half of a tested connection.
#[derive(Clone, Default)]
struct Draft {
    tenant: Option<TenantSettings>,
    booking: Option<BookingSettings>,
}

/// The booking system that passed its test: which kind, where, and (PorticoEstate) as whom.
#[derive(Clone)]
pub(crate) struct BookingSettings {
    pub(crate) system: BookingSystem,
    pub(crate) url: String,
    pub(crate) login: Option<String>,
}

#[derive(Clone)]
pub(crate) struct TenantSettings {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    pub(crate) certificate_thumbprint: Option<String>,
    pub(crate) client_secret_expires: Option<chrono::NaiveDate>,
    pub(crate) graph_base: Option<String>,
    pub(crate) token_url: Option<String>,
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
            booking_system: draft
                .booking
                .as_ref()
                .map(|b| b.system)
                .or_else(|| previous.map(|p| p.booking_system))
                .unwrap_or_default(),
            booking_url: draft
                .booking
                .as_ref()
                .map(|b| b.url.clone())
                .or_else(|| previous.map(|p| p.booking_url.clone()))
                .unwrap_or_default(),
            booking_login: draft
                .booking
                .as_ref()
                .map(|b| b.login.clone())
                .unwrap_or_else(|| previous.and_then(|p| p.booking_login.clone()))
                .unwrap_or_default(),
            client_secret_stored: stored(SecretName::GraphClientSecret),
            api_key_stored: stored(SecretName::BookingApiKey),
            password_stored: stored(SecretName::PorticoPassword),
            tenant_ok: draft.tenant.is_some(),
            booking_ok: draft.booking.is_some(),
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
        let (check, passed) = test_tenant(&form, self.secrets.as_ref()).await?;
        if let Some(passed) = passed {
            self.draft().tenant = Some(passed.keep(self.secrets.as_ref())?);
        }
        Ok(check)
    }

    /// Tests the booking system the form names ([`test_booking`]). On success the key or
    /// password (if one was typed) goes into the OS keyring and the rest is kept for
    /// [`Wizard::finish`]; a test that fails leaves the last one that passed for the same kind
    /// of booking system, and forgets one of the other kind.
    pub async fn check_booking(&self, form: BookingForm) -> Result<CheckView, ApiError> {
        self.refuse_if_finished()?;
        {
            let mut draft = self.draft();
            if draft
                .booking
                .as_ref()
                .is_some_and(|b| b.system != form.system)
            {
                draft.booking = None;
            }
        }
        let (check, passed) = test_booking(form, self.secrets.as_ref()).await?;
        if let Some(passed) = passed {
            self.draft().booking = Some(passed.keep(self.secrets.as_ref())?);
        }
        Ok(check)
    }

    /// The live configuration the tested settings make.
    fn config(&self) -> Result<LiveConfig, ApiError> {
        let draft = self.draft().clone();
        let (Some(tenant), Some(booking)) = (draft.tenant, draft.booking) else {
            return Err(invalid(
                "Test both connections first: Microsoft 365 and the booking system.",
            ));
        };
        Ok(LiveConfig {
            tenant: tenant.tenant_id,
            client_id: tenant.client_id,
            booking_url: booking.url,
            booking_system: booking.system,
            booking_login: booking.login,
            // Set by hand (README); kept when the wizard runs again.
            booking_webhook_url: self
                .previous
                .as_ref()
                .and_then(|p| p.booking_webhook_url.clone()),
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
        let Chosen {
            config,
            default_policy,
            connectors,
            rooms: chosen,
        } = self.chosen(&request).await?;

        let store = setup::open_store(&self.data_dir, LIVE_DB)
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        store_rooms(&store, default_policy, &chosen)?;
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
        app.connections_in(crate::connections::Connections::live(
            self.data_dir.clone(),
            self.secrets.clone(),
            config,
        ));
        tracing::info!(rooms = chosen.len(), "setup finished; live mode started");
        self.started.send_replace(Some(app.clone()));
        Ok(app)
    }
}

impl Wizard {
    /// What `request` chose, checked: the configuration, the default policy, connectors on the
    /// tested connections, and the rooms with their own policies (at least one).
    async fn chosen(&self, request: &FinishRequest) -> Result<Chosen, ApiError> {
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
        let rooms = chosen_rooms(&request.rooms, &resources, &zone)?;
        if rooms.is_empty() {
            return Err(invalid(
                "Choose a mailbox for at least one resource: there is nothing to sync yet.",
            ));
        }
        Ok(Chosen {
            config,
            default_policy,
            connectors,
            rooms,
        })
    }

    /// What the first sync of the rooms `request` chooses would do, before anything is
    /// written: each room's dry run, read from both sides as the first sync reads them, in a
    /// throwaway store. Writes nothing anywhere.
    pub async fn preview(&self, request: FinishRequest) -> Result<Vec<SetupPlanView>, ApiError> {
        self.refuse_if_finished()?;
        let Chosen {
            default_policy,
            connectors,
            rooms: chosen,
            ..
        } = self.chosen(&request).await?;
        let store = Arc::new(
            roombridge_store::Store::open_in_memory()
                .map_err(|e| ApiError::unavailable(e.to_string()))?,
        );
        store_rooms(&store, default_policy, &chosen)?;
        let config = EngineConfig {
            poll_interval: None,
            ..self.engine.clone()
        };
        let (events, _) = tokio::sync::broadcast::channel(16);
        let context = Arc::new(roombridge_engine::EngineContext::new(
            store,
            connectors.graph,
            connectors.booking,
            config,
            events,
        ));
        let engine = roombridge_engine::Engine::start(context)
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        let reports = engine
            .sync_all(roombridge_engine::CycleMode::DryRun)
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()));
        engine.stop().await;
        Ok(reports?
            .iter()
            .map(|report| SetupPlanView {
                room_id: report.room.to_string(),
                room_name: report.room_name.clone(),
                plan: crate::calendar::plan_view(&report.plan, |a| {
                    crate::planned::step(
                        a,
                        roombridge_core::plan::words::title(a, |_| None, |_| None, |_| None),
                        None,
                    )
                }),
                error: report.error.clone(),
            })
            .collect())
    }
}

/// What a finished or previewed wizard chose.
struct Chosen {
    config: LiveConfig,
    default_policy: Option<Policy>,
    connectors: Connectors,
    rooms: Vec<(Room, Option<Policy>)>,
}

/// Stores the chosen rooms with their policies, and the default policy.
fn store_rooms(
    store: &roombridge_store::Store,
    default_policy: Option<Policy>,
    chosen: &[(Room, Option<Policy>)],
) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    store.write(|c| {
        if let Some(policy) = &default_policy {
            settings::set_default_policy(c, *policy)?;
        }
        for (room, policy) in chosen {
            rooms::upsert(c, room, now)?;
            rooms::set_policy(c, &room.id, *policy)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// One room's first sync, as the wizard shows it before "Start syncing".
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SetupPlanView {
    pub room_id: String,
    pub room_name: String,
    pub plan: crate::calendar::RoomPlanView,
    /// Why the room could not be read, when it could not.
    pub error: Option<String>,
}

/// A connection test that passed: the settings to keep, and the secret that was typed (kept
/// in the OS keyring only once the test passed).
pub(crate) struct Passed<S> {
    pub(crate) settings: S,
    typed: Option<(SecretName, Secret)>,
}

impl<S> Passed<S> {
    /// Puts the typed secret (if any) into `secrets` and returns the settings to keep.
    pub(crate) fn keep(self, secrets: &dyn SecretStore) -> Result<S, ApiError> {
        if let Some((name, secret)) = &self.typed {
            secrets.set(*name, secret).map_err(keyring_error)?;
        }
        Ok(self.settings)
    }
}

/// Signs in to the tenant the form names and lists its rooms, with the typed secret, the
/// certificate's key from its file, or the secret already in `secrets`. Stores nothing.
pub(crate) async fn test_tenant(
    form: &TenantForm,
    secrets: &dyn SecretStore,
) -> Result<(CheckView, Option<Passed<TenantSettings>>), ApiError> {
    // The day as the person's calendar (and the desktop's expiry warning) counts it.
    let settings = tenant_settings(form, chrono::Local::now().date_naive())?;
    let (credential, typed) = credential(form, &settings, secrets)?;
    let graph = graph_connector(&settings, credential)?.with_limits(check_limits());
    let check = check_graph(&graph, &settings).await;
    let passed = check.ok.then_some(Passed { settings, typed });
    Ok((check, passed))
}

/// The credential to sign in with: the typed secret, the certificate's key from its file, or
/// the secret already in the keyring. Also returns what to store if the test passes.
#[allow(clippy::type_complexity)]
fn credential(
    form: &TenantForm,
    settings: &TenantSettings,
    secrets: &dyn SecretStore,
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
            None => secrets
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
        None => match secrets
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

/// Tests the booking system the form names: RoomBridge's booking API (its resources, read
/// with the API key) or PorticoEstate ([`test_portico`]), with the typed key or password or
/// the one already in `secrets`. Stores nothing.
pub(crate) async fn test_booking(
    form: BookingForm,
    secrets: &dyn SecretStore,
) -> Result<(CheckView, Option<Passed<BookingSettings>>), ApiError> {
    match form.system {
        BookingSystem::RoombridgeApi => test_contract(form, secrets).await,
        BookingSystem::Porticoestate => test_portico(form, secrets).await,
    }
}

/// RoomBridge's booking API: reads its resources with the API key.
async fn test_contract(
    form: BookingForm,
    secrets: &dyn SecretStore,
) -> Result<(CheckView, Option<Passed<BookingSettings>>), ApiError> {
    let url = form.url.trim().to_owned();
    if url.is_empty() {
        return Err(invalid(
            "Enter the booking system's API address, e.g. https://booking.example.org/api/v1.",
        ));
    }
    let (key, typed) = match form.api_key {
        Some(key) => (key.clone(), Some(key)),
        None => match secrets
            .get(SecretName::BookingApiKey)
            .map_err(keyring_error)?
        {
            Some(stored) => (stored, None),
            None => return Err(invalid("Enter the booking system's API key.")),
        },
    };
    let booking = match booking_connector(&url, key) {
        Ok(b) => b,
        Err(check) => return Ok((*check, None)),
    };
    let check = check_booking(&booking, &url).await;
    let passed = check.ok.then(|| Passed {
        settings: BookingSettings {
            system: BookingSystem::RoombridgeApi,
            url,
            login: None,
        },
        typed: typed.map(|key| (SecretName::BookingApiKey, key)),
    });
    Ok((check, passed))
}

/// PorticoEstate (Aktiv kommune): signs in with the user name and password, reads the
/// resources and a schedule, and asks which booking rights the user has (writing nothing).
async fn test_portico(
    form: BookingForm,
    secrets: &dyn SecretStore,
) -> Result<(CheckView, Option<Passed<BookingSettings>>), ApiError> {
    let url = form.url.trim().trim_end_matches('/').to_owned();
    if url.is_empty() {
        return Err(invalid(
            "Enter the address of the Aktiv kommune (PorticoEstate) installation, e.g. https://aktiv.your-municipality.no.",
        ));
    }
    let Some(login) = non_empty(&form.login) else {
        return Err(invalid(
            "Enter the PorticoEstate user name RoomBridge signs in with (e.g. roombridge).",
        ));
    };
    let (password, typed) = match form.password {
        Some(password) => (password.clone(), Some(password)),
        None => match secrets
            .get(SecretName::PorticoPassword)
            .map_err(keyring_error)?
        {
            Some(stored) => (stored, None),
            None => return Err(invalid("Enter the password of that PorticoEstate user.")),
        },
    };
    let portico = match portico_connector(&url, &login, password) {
        Ok(p) => p,
        Err(check) => return Ok((*check, None)),
    };
    let check = check_portico(&portico, &url, &login).await;
    let passed = check.ok.then(|| Passed {
        settings: BookingSettings {
            system: BookingSystem::Porticoestate,
            url,
            login: Some(login),
        },
        typed: typed.map(|password| (SecretName::PorticoPassword, password)),
    });
    Ok((check, passed))
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
        let kind = choice.kind.unwrap_or_else(|| RoomKind::of(&resource.kind));
        out.push((
            Room {
                id: roombridge_core::RoomId::new(resource.id.as_str()),
                name: non_empty(&choice.name).unwrap_or_else(|| resource.name.clone()),
                kind: kind.as_str().into(),
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
pub(crate) fn write_config(data_dir: &Path, config: &LiveConfig) -> Result<(), ApiError> {
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
