//! How RoomBridge is wired together: where its data lives, demo mode (the built-in emulators)
//! and live mode (a real tenant and booking system), and the automatic room mapping.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use roombridge_connectors::booking::BookingConnector;
use roombridge_connectors::graph::{GraphConfig, GraphConnector, GraphCredential, GraphLimits};
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_connectors::{Booking, ConnectorError};
use roombridge_core::{Mailbox, ResourceId, RoomId, Secret};
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};
use roombridge_emulators::seed::Seed;
use roombridge_engine::{Engine, EngineConfig, EngineContext};
pub use roombridge_store::Store;
use roombridge_store::rooms::{self, Room};

use crate::App;
use crate::secrets::{SecretError, SecretName, SecretStore};
use crate::views::Mode;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the data folder {path} cannot be used: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] roombridge_store::StoreError),
    #[error("{0}")]
    Secret(#[from] SecretError),
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("the configuration file {path} cannot be read: {message}")]
    Config { path: PathBuf, message: String },
    #[error("an emulator could not start: {0}")]
    Emulator(std::io::Error),
    #[error("{0}")]
    Engine(#[from] roombridge_engine::EngineError),
}

/// The database file of live mode.
pub const LIVE_DB: &str = "roombridge.sqlite";
/// The demo's database, in the same folder; made afresh at every demo start.
pub const DEMO_DB: &str = "demo.sqlite";

/// The database file of demo mode or of live mode.
pub fn database_file(demo: bool) -> &'static str {
    if demo { DEMO_DB } else { LIVE_DB }
}

/// The OS data folder for RoomBridge (e.g. `~/.local/share/roombridge` on Linux).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("dev", "RoomBridge", "roombridge")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".roombridge"))
}

/// Opens the database in `dir`, creating the folder if needed.
pub fn open_store(dir: &Path, file: &str) -> Result<Arc<Store>, SetupError> {
    std::fs::create_dir_all(dir).map_err(|source| SetupError::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(Arc::new(Store::open(&dir.join(file))?))
}

/// Live mode's settings, kept in `config.json` in the data folder. No secrets: those are in
/// the OS keyring.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveConfig {
    /// The Entra ID tenant id.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The booking system's API base URL, e.g. `https://booking.example.org/api/v1` (for
    /// PorticoEstate, the installation's address, where `/login` and `/booking/...` are).
    pub booking_url: String,
    /// Which kind of booking system `booking_url` is.
    #[serde(default)]
    pub booking_system: BookingSystem,
    /// PorticoEstate's user name for RoomBridge (its password is in the OS keyring).
    #[serde(default)]
    pub booking_login: Option<String>,
    /// The address PorticoEstate can post its webhooks to (this server's `/hooks/porticoestate`
    /// behind a reverse proxy or tunnel); `roombridge serve` subscribes when it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_webhook_url: Option<String>,
    /// The SHA-1 thumbprint (hex) of the certificate registered with the application. When
    /// set, RoomBridge signs in with that certificate (its private key from the keyring)
    /// instead of a client secret.
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
    /// When the client secret expires (Entra ID shows it next to the secret; Graph cannot
    /// tell). The desktop app warns from 14 days before.
    #[serde(default)]
    pub client_secret_expires: Option<chrono::NaiveDate>,
    /// Overrides for Graph's and Entra ID's URLs (sovereign clouds, tests).
    #[serde(default)]
    pub graph_base: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    /// Map every booking resource with an e-mail address to that mailbox at each start
    /// ([`auto_map`]). Hand-written configurations do; the setup wizard writes `false`, since
    /// the person chose the rooms (and those not to sync) there.
    #[serde(default = "yes")]
    pub auto_map: bool,
}

fn yes() -> bool {
    true
}

/// The kinds of booking system RoomBridge talks to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum BookingSystem {
    /// RoomBridge's own booking contract (`docs/booking-api.yaml`), with an API key.
    #[default]
    RoombridgeApi,
    /// PorticoEstate (Aktiv kommune), with a user name and password, read by snapshots.
    Porticoestate,
}

impl BookingSystem {
    /// A booking system by its name in config.json (`roombridge-api`, `porticoestate`).
    pub fn parse(name: &str) -> Option<BookingSystem> {
        match name.trim() {
            "roombridge-api" => Some(BookingSystem::RoombridgeApi),
            "porticoestate" => Some(BookingSystem::Porticoestate),
            _ => None,
        }
    }
}

impl LiveConfig {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("config.json")
    }

    pub fn load(data_dir: &Path) -> Result<LiveConfig, SetupError> {
        let path = Self::path(data_dir);
        let text = std::fs::read_to_string(&path).map_err(|e| SetupError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| SetupError::Config {
            path,
            message: e.to_string(),
        })
    }

    fn graph_config(&self) -> Result<GraphConfig, SetupError> {
        let mut config = GraphConfig::microsoft(&self.tenant, &self.client_id)?;
        let parse = |s: &str| {
            url::Url::parse(s).map_err(|e| SetupError::Config {
                path: PathBuf::from("config.json"),
                message: format!("{s:?} is not a URL: {e}"),
            })
        };
        if let Some(base) = &self.graph_base {
            config.graph_base = parse(base)?;
        }
        if let Some(token) = &self.token_url {
            config.token_url = parse(token)?;
        }
        Ok(config)
    }
}

/// The two connectors RoomBridge syncs between.
#[derive(Clone)]
pub struct Connectors {
    pub graph: Arc<GraphConnector>,
    pub booking: Arc<dyn Booking>,
}

/// Builds the connectors of live mode, with secrets from `secrets`.
pub fn live_connectors(
    config: &LiveConfig,
    secrets: &dyn SecretStore,
) -> Result<Connectors, SetupError> {
    let credential = match &config.certificate_thumbprint {
        Some(thumbprint) => GraphCredential::Certificate {
            private_key_pem: secrets.require(SecretName::GraphCertificateKey)?,
            thumbprint_sha1_hex: thumbprint.clone(),
        },
        None => GraphCredential::ClientSecret(secrets.require(SecretName::GraphClientSecret)?),
    };
    let graph = GraphConnector::with_credential(config.graph_config()?, credential)?;
    let booking_url = url::Url::parse(&config.booking_url).map_err(|e| SetupError::Config {
        path: PathBuf::from("config.json"),
        message: format!("booking_url {:?} is not a URL: {e}", config.booking_url),
    })?;
    let booking: Arc<dyn Booking> = match config.booking_system {
        BookingSystem::RoombridgeApi => Arc::new(BookingConnector::new(
            booking_url,
            secrets.require(SecretName::BookingApiKey)?,
        )?),
        BookingSystem::Porticoestate => {
            let login = config
                .booking_login
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .ok_or_else(|| SetupError::Config {
                    path: PathBuf::from("config.json"),
                    message: "booking_login is missing: PorticoEstate needs the user name RoomBridge signs in with".into(),
                })?;
            Arc::new(PorticoConnector::new(
                booking_url,
                login,
                secrets.require(SecretName::PorticoPassword)?,
            )?)
        }
    };
    Ok(Connectors {
        graph: Arc::new(graph),
        booking,
    })
}

/// Maps every booking resource that has an e-mail address to the Outlook mailbox of that
/// address, keeping existing mappings (and their paused flags). Returns how many rooms are
/// mapped afterwards.
pub async fn auto_map(store: &Store, connectors: &Connectors) -> Result<usize, SetupError> {
    let resources = connectors.booking.resources().await?;
    let places = connectors.graph.rooms().await?;
    let now = chrono::Utc::now();
    // The wizard's suggestions: the mailbox with the resource's e-mail, or the one room whose
    // name is the resource's (PorticoEstate's resources have no e-mail).
    let suggested = crate::wizard::discovery::match_resources(&resources, &places);
    store.write(|c| {
        let existing = rooms::list(c)?;
        for (r, suggestion) in resources.iter().zip(&suggested) {
            let Some((email, _)) = suggestion else {
                continue;
            };
            let email = email.as_str();
            let id = RoomId::new(r.id.as_str());
            if existing.iter().any(|e| e.id == id || e.mailbox.as_str().eq_ignore_ascii_case(email)) {
                continue;
            }
            if r.kind == "room" && !places.iter().any(|p| p.email.eq_ignore_ascii_case(email)) {
                tracing::warn!(resource = %r.id, "no Outlook room list entry for {email}; mapping it anyway");
            }
            rooms::upsert(
                c,
                &Room {
                    id,
                    name: r.name.clone(),
                    kind: crate::views::RoomKind::of(&r.kind).as_str().into(),
                    mailbox: Mailbox::new(email.to_ascii_lowercase()),
                    resource: ResourceId::new(r.id.as_str()),
                    time_zone: r.time_zone.clone(),
                    paused: false,
                },
                now,
            )?;
        }
        Ok(rooms::list(c)?.len())
    })
    .map_err(SetupError::from)
}

/// Starts the engine over `connectors` and wraps it in an [`App`].
pub async fn start_app(
    store: Arc<Store>,
    connectors: Connectors,
    config: EngineConfig,
    mode: Mode,
    keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
) -> Result<Arc<App>, SetupError> {
    let (events, _) = broadcast::channel(4096);
    let directory = connectors.clone();
    let context = Arc::new(EngineContext::new(
        store.clone(),
        connectors.graph,
        connectors.booking,
        config,
        events,
    ));
    let engine = Engine::start(context).await?;
    let app = App::new(store, engine, mode, keep);
    crate::memory::tune();
    tokio::spawn(crate::memory::keep_giving_back(app.engine().subscribe()));
    app.set_connectors(directory);
    Ok(app)
}

/// How often a booking system's session is refreshed: well inside PorticoEstate's default idle
/// limit (1440 s).
const KEEP_ALIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Keeps the booking system's session alive for as long as the engine runs on it: until
/// `engine_moves` says the engine was replaced (or the app ended).
pub(crate) async fn keep_alive(
    mut engine_moves: tokio::sync::watch::Receiver<u64>,
    booking: Arc<dyn Booking>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(KEEP_ALIVE_EVERY) => {}
            _ = engine_moves.changed() => return,
        }
        if let Err(e) = booking.keep_alive().await {
            tracing::warn!("keeping the booking system's session alive: {e}");
        }
    }
}

/// How the demo's emulators and connectors are set up.
#[derive(Default)]
pub struct DemoOptions {
    pub seed: Seed,
    /// The Graph connector's throttling and retry limits.
    pub limits: GraphLimits,
    /// Make the emulated room mailboxes rewrite subjects to the organizer's name this long
    /// after a create, as Exchange rooms with `AddOrganizerToSubject` do.
    pub rewrite_subjects_after: Option<std::time::Duration>,
    /// Emulate the tenant set up as the README asks ([`GraphEmulatorConfig::demo_clean`]:
    /// the app scoped to the rooms, no calendar processing) instead of the demo's, which has
    /// a room that rewrites subjects and a scope that reaches people's mailboxes.
    pub clean_tenant: bool,
    /// The booking system the demo runs on: the contract's emulator, or PorticoEstate's.
    pub booking_system: BookingSystem,
    /// How long each emulated Graph answer takes ([`GraphEmulatorConfig::latency`]); zero
    /// by default.
    pub graph_latency: std::time::Duration,
}

/// The built-in emulators of demo mode, running on loopback.
pub struct DemoServers {
    pub graph: GraphEmulator,
    pub booking: BookingEmulator,
    /// PorticoEstate's emulator, when the demo runs on it; the connectors then talk to it
    /// instead of `booking`, signed in as [`DEMO_PORTICO_LOGIN`] with `api_key` as password.
    pub portico: Option<PorticoEmulator>,
    /// The made-up credentials the emulators accept (tests act "from the outside" with them).
    pub client_secret: Secret,
    pub api_key: Secret,
}

impl DemoServers {
    /// Starts both emulators on free loopback ports with the demo municipality. Their
    /// credentials are made up for this run and never stored: they protect nothing real.
    pub async fn start() -> Result<(DemoServers, Connectors), SetupError> {
        Self::start_seeded(Seed::Demo).await
    }

    /// Like [`DemoServers::start`], with the emulators seeded by `seed`.
    pub async fn start_seeded(seed: Seed) -> Result<(DemoServers, Connectors), SetupError> {
        Self::start_with(seed, GraphLimits::default()).await
    }

    /// Like [`DemoServers::start_seeded`], with the Graph connector's throttling and retry
    /// limits set (tests use short timeouts and backoff).
    pub async fn start_with(
        seed: Seed,
        limits: GraphLimits,
    ) -> Result<(DemoServers, Connectors), SetupError> {
        Self::start_options(DemoOptions {
            seed,
            limits,
            ..DemoOptions::default()
        })
        .await
    }

    /// Starts the emulators and connectors as `options` say.
    pub async fn start_options(
        options: DemoOptions,
    ) -> Result<(DemoServers, Connectors), SetupError> {
        let DemoOptions {
            seed,
            limits,
            rewrite_subjects_after,
            clean_tenant,
            booking_system,
            graph_latency,
        } = options;
        let client_secret = random_token();
        let api_key = random_token();
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let mut emulated_tenant = if clean_tenant {
            GraphEmulatorConfig::demo_clean(client_secret.clone())
        } else {
            GraphEmulatorConfig::demo(client_secret.clone())
        };
        emulated_tenant.seed = seed;
        emulated_tenant.latency = graph_latency;
        if let Some(after) = rewrite_subjects_after {
            emulated_tenant.rewrite_subjects = true;
            emulated_tenant.rewrite_after = after;
        }
        let graph = GraphEmulator::start(emulated_tenant, loopback)
            .await
            .map_err(SetupError::Emulator)?;
        let booking = BookingEmulator::start(
            BookingEmulatorConfig {
                api_key: api_key.clone(),
                seed,
            },
            loopback,
        )
        .await
        .map_err(SetupError::Emulator)?;
        let graph_config = GraphConfig {
            graph_base: parse_local(&graph.graph_base())?,
            token_url: parse_local(&graph.token_url())?,
            client_id: roombridge_emulators::demo::DEMO_CLIENT_ID.to_owned(),
            page_size: 50,
        };
        let (portico, booking_side): (_, Arc<dyn Booking>) = match booking_system {
            BookingSystem::RoombridgeApi => (
                None,
                Arc::new(BookingConnector::new(
                    parse_local(&booking.base_url())?,
                    Secret::new(api_key.clone()),
                )?),
            ),
            BookingSystem::Porticoestate => {
                let portico = PorticoEmulator::start(
                    PorticoEmulatorConfig {
                        seed: if seed == Seed::Demo {
                            Seed::Demo
                        } else {
                            Seed::Empty
                        },
                        ..PorticoEmulatorConfig::new(DEMO_PORTICO_LOGIN, &api_key)
                    },
                    loopback,
                )
                .await
                .map_err(SetupError::Emulator)?;
                let connector = PorticoConnector::new(
                    parse_local(&portico.base_url())?,
                    DEMO_PORTICO_LOGIN,
                    Secret::new(api_key.clone()),
                )?;
                (Some(portico), Arc::new(connector))
            }
        };
        let connectors = Connectors {
            graph: Arc::new(
                GraphConnector::new(graph_config, Secret::new(client_secret.clone()))?
                    .with_limits(limits),
            ),
            booking: booking_side,
        };
        let servers = DemoServers {
            graph,
            booking,
            portico,
            client_secret: Secret::new(client_secret),
            api_key: Secret::new(api_key),
        };
        Ok((servers, connectors))
    }
}

impl DemoServers {
    /// The demo's connections as a live configuration would name them, with their secrets in
    /// memory: what Settings shows and changes in the demo.
    pub fn connections(&self) -> crate::connections::Connections {
        let secrets = crate::secrets::MemorySecrets::default();
        let stored = [
            (SecretName::GraphClientSecret, &self.client_secret),
            (SecretName::BookingApiKey, &self.api_key),
            (SecretName::PorticoPassword, &self.api_key),
        ];
        for (name, secret) in stored {
            // A memory store does not fail.
            let _ = secrets.set(name, secret);
        }
        let (booking_system, booking_url, booking_login) = match &self.portico {
            Some(portico) => (
                BookingSystem::Porticoestate,
                portico.base_url(),
                Some(DEMO_PORTICO_LOGIN.to_owned()),
            ),
            None => (BookingSystem::RoombridgeApi, self.booking.base_url(), None),
        };
        let config = LiveConfig {
            tenant: roombridge_emulators::demo::DEMO_TENANT.to_owned(),
            client_id: roombridge_emulators::demo::DEMO_CLIENT_ID.to_owned(),
            booking_url,
            booking_system,
            booking_login,
            booking_webhook_url: None,
            certificate_thumbprint: None,
            client_secret_expires: None,
            graph_base: Some(self.graph.graph_base()),
            token_url: Some(self.graph.token_url()),
            auto_map: false,
        };
        crate::connections::Connections::in_memory(Arc::new(secrets), config)
    }
}

fn parse_local(s: &str) -> Result<url::Url, SetupError> {
    url::Url::parse(s).map_err(|e| SetupError::Emulator(std::io::Error::other(e)))
}

/// The user name the demo signs in to PorticoEstate's emulator with.
pub const DEMO_PORTICO_LOGIN: &str = "roombridge";

/// Demo mode: both emulators, the demo municipality mapped, the engine running.
pub async fn start_demo(data_dir: &Path, config: EngineConfig) -> Result<Arc<App>, SetupError> {
    start_demo_on(data_dir, config, BookingSystem::RoombridgeApi).await
}

/// Demo mode on `booking_system`: the contract's emulator, or PorticoEstate's with the demo
/// municipality's season in it.
pub async fn start_demo_on(
    data_dir: &Path,
    config: EngineConfig,
    booking_system: BookingSystem,
) -> Result<Arc<App>, SetupError> {
    // Each demo run starts from empty emulators, so it starts from an empty database too.
    let store = open_fresh_store(data_dir, DEMO_DB)?;
    let (servers, connectors) = DemoServers::start_options(DemoOptions {
        seed: Seed::Demo,
        booking_system,
        ..DemoOptions::default()
    })
    .await?;
    auto_map(&store, &connectors).await?;
    let connections = servers.connections();
    let app = start_app(
        store,
        connectors,
        config,
        Mode::Demo,
        vec![Box::new(servers)],
    )
    .await?;
    app.connections_in(connections);
    Ok(app)
}

/// Live mode: the tenant and booking system in `config.json`, secrets from the keyring.
pub async fn start_live(
    data_dir: &Path,
    secrets: Arc<dyn SecretStore>,
    config: EngineConfig,
) -> Result<Arc<App>, SetupError> {
    let live = LiveConfig::load(data_dir)?;
    let store = open_store(data_dir, LIVE_DB)?;
    let connectors = live_connectors(&live, secrets.as_ref())?;
    // A booking system or tenant that fails for a moment at start-up (a 503, a dropped
    // connection) does not stop RoomBridge: the rooms already mapped start syncing, and the
    // mapping is tried again in the background until it gets through.
    let map_later = live.auto_map
        && match auto_map(&store, &connectors).await {
            Ok(_) => false,
            Err(SetupError::Connector(e)) if e.is_transient() => {
                tracing::warn!("could not map the rooms at start-up, trying again: {e}");
                true
            }
            Err(e) => return Err(e),
        };
    let app = start_app(
        store.clone(),
        connectors.clone(),
        config,
        Mode::Live,
        Vec::new(),
    )
    .await?;
    app.anchor_in(secrets.clone());
    app.connections_in(crate::connections::Connections::live(
        data_dir.to_path_buf(),
        secrets,
        live,
    ));
    if map_later {
        tokio::spawn(map_until_done(Arc::downgrade(&app), store, connectors));
    }
    Ok(app)
}

/// Tries the automatic room mapping again, with backoff, until it succeeds, fails for good or
/// the app stops; then starts the rooms it mapped.
async fn map_until_done(app: std::sync::Weak<App>, store: Arc<Store>, connectors: Connectors) {
    let mut wait = std::time::Duration::from_secs(2);
    loop {
        tokio::time::sleep(wait).await;
        if app.upgrade().is_none() {
            return;
        }
        match auto_map(&store, &connectors).await {
            Ok(rooms) => {
                tracing::info!(rooms, "rooms mapped");
                if let Some(app) = app.upgrade() {
                    let _ = app.engine().reload_rooms();
                }
                return;
            }
            Err(SetupError::Connector(e)) if e.is_transient() => {
                tracing::warn!("could not map the rooms yet, trying again: {e}");
                wait = (wait * 2).min(std::time::Duration::from_secs(300));
            }
            Err(e) => {
                tracing::error!("the rooms could not be mapped: {e}");
                return;
            }
        }
    }
}

/// Live mode for a check (`roombridge doctor`): the tenant in `config.json`, secrets from the
/// keyring and the rooms already mapped, with nothing synced on a timer and nothing mapped
/// automatically. Unlike [`start_live`] it starts when signing in or listing the rooms fails,
/// which is what such a check is for.
pub async fn start_live_idle(
    data_dir: &Path,
    secrets: Arc<dyn SecretStore>,
) -> Result<Arc<App>, SetupError> {
    let live = LiveConfig::load(data_dir)?;
    let store = open_store(data_dir, LIVE_DB)?;
    let connectors = live_connectors(&live, secrets.as_ref())?;
    let config = EngineConfig {
        poll_interval: None,
        ..EngineConfig::default()
    };
    let app = start_app(store, connectors, config, Mode::Live, Vec::new()).await?;
    app.anchor_in(secrets);
    Ok(app)
}

/// Live mode as the window and the headless server find it: running, or waiting for the
/// setup wizard.
#[derive(Clone)]
pub enum Live {
    Running(Arc<App>),
    /// Not configured yet (no `config.json`), or a secret is missing from the keyring: the
    /// wizard asks for what is missing, then starts the engine.
    Setup(Arc<crate::wizard::Wizard>),
}

/// Starts live mode if it is configured and its secrets are in the keyring; otherwise returns
/// the setup wizard (prefilled from `config.json` when there is one). Fails for a
/// `config.json` that cannot be read, a keyring that cannot be used, or an engine that does
/// not start.
pub async fn open_live(
    data_dir: &Path,
    secrets: Arc<dyn SecretStore>,
    config: EngineConfig,
) -> Result<Live, SetupError> {
    let path = LiveConfig::path(data_dir);
    if !path.exists() {
        return Ok(Live::Setup(crate::wizard::Wizard::new(
            data_dir, secrets, config, None,
        )));
    }
    let live = LiveConfig::load(data_dir)?;
    match start_live(data_dir, secrets.clone(), config.clone()).await {
        Ok(app) => Ok(Live::Running(app)),
        Err(SetupError::Secret(SecretError::Missing(what))) => {
            tracing::warn!("the {what} is missing from the OS keyring; serving the setup wizard");
            Ok(Live::Setup(crate::wizard::Wizard::new(
                data_dir,
                secrets,
                config,
                Some(live),
            )))
        }
        Err(e) => Err(e),
    }
}

fn open_fresh_store(dir: &Path, file: &str) -> Result<Arc<Store>, SetupError> {
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("{file}{suffix}"));
        if path.exists() {
            std::fs::remove_file(&path).map_err(|source| SetupError::DataDir { path, source })?;
        }
    }
    open_store(dir, file)
}

/// 32 random bytes, hex encoded: access tokens and demo credentials.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks the audit history of the database `file` in `data_dir` without starting anything:
/// its hash chain, and against the anchor in `secrets` (the OS keyring) when there is one;
/// `None` for the demo's database, which is not anchored.
pub fn verify_audit(
    data_dir: &Path,
    file: &str,
    secrets: Option<&dyn SecretStore>,
) -> Result<crate::views::VerifyView, SetupError> {
    let store = open_store(data_dir, file)?;
    Ok(crate::anchor::verify(&store, secrets)?)
}
