//! The connections in Settings: Microsoft 365 (tenant, application, client secret or
//! certificate, and when the secret expires) and the booking system (address, and its key or
//! user name and password), changed while RoomBridge runs.
//!
//! A change is tested exactly as the setup wizard tests it ([`wizard::test_tenant`],
//! [`wizard::test_booking`]) and saved only when the test passes: a typed secret goes straight
//! into the OS keyring, the rest into `config.json`, and the engine restarts on the new
//! connections ([`App::reconnect`]). Secrets never come back out: the view says only how
//! RoomBridge signs in.
//!
//! The demo keeps its connections (the emulators') in memory: a change lasts until the demo
//! stops, and nothing is written to disk or to the OS keyring.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::secrets::SecretStore;
use crate::setup::{self, BookingSystem, LiveConfig};
use crate::wizard::{self, BookingForm, CheckView, TenantForm};
use crate::{ApiError, App, ErrorCode};
use roombridge_core::i18n::Words;

/// Where the running app's connection settings come from and go to.
pub struct Connections {
    /// Where `config.json` is written; `None` keeps changes in memory (the demo).
    data_dir: Option<PathBuf>,
    secrets: Arc<dyn SecretStore>,
    config: Mutex<LiveConfig>,
}

impl Connections {
    /// Live mode's: `config.json` in `data_dir`, secrets in the OS keyring.
    pub fn live(data_dir: PathBuf, secrets: Arc<dyn SecretStore>, config: LiveConfig) -> Self {
        Connections {
            data_dir: Some(data_dir),
            secrets,
            config: Mutex::new(config),
        }
    }

    /// The demo's: nothing leaves memory.
    pub fn in_memory(secrets: Arc<dyn SecretStore>, config: LiveConfig) -> Self {
        Connections {
            data_dir: None,
            secrets,
            config: Mutex::new(config),
        }
    }

    fn config(&self) -> LiveConfig {
        self.config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// How RoomBridge signs in to Microsoft 365.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    ClientSecret,
    Certificate,
}

/// The Microsoft 365 connection, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TenantView {
    pub tenant_id: String,
    pub client_id: String,
    pub sign_in: SignIn,
    pub certificate_thumbprint: Option<String>,
    /// When the client secret expires, if the person said so.
    pub client_secret_expires: Option<chrono::NaiveDate>,
    /// Overrides of Graph's and Entra ID's addresses (sovereign clouds, the emulators).
    pub graph_base: Option<String>,
    pub token_url: Option<String>,
}

/// The booking-system connection, without its key or password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BookingView {
    pub system: BookingSystem,
    pub url: String,
    /// PorticoEstate's user name.
    pub login: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConnectionsView {
    pub tenant: TenantView,
    pub booking: BookingView,
    /// The demo's connections: a change lasts until the demo stops.
    pub in_memory: bool,
}

/// What saving a connection did: the test's result, and the connections now (changed only
/// when the test passed).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SavedConnection {
    pub check: CheckView,
    pub saved: bool,
    pub connections: ConnectionsView,
}

impl SavedConnection {
    /// The test's words in `lang`.
    pub fn in_lang(mut self, lang: roombridge_core::i18n::Lang) -> Self {
        self.check = self.check.in_lang(lang);
        self
    }
}

impl App {
    /// Keeps the connections this app runs on, so Settings can change them.
    pub fn connections_in(&self, connections: Connections) {
        let _ = self.connections_source.set(connections);
    }

    fn connections_source(&self) -> Result<&Connections, ApiError> {
        self.connections_source.get().ok_or_else(|| {
            ApiError::said(ErrorCode::Unavailable, Words::new("error.no_configuration"))
        })
    }

    /// The connections RoomBridge runs on, without their secrets.
    pub fn connections(&self) -> Result<ConnectionsView, ApiError> {
        let source = self.connections_source()?;
        Ok(view_of(&source.config(), source.data_dir.is_none()))
    }

    /// Tests the Microsoft 365 connection the form names; changes nothing. An empty secret
    /// field tests the secret in the keyring.
    pub async fn test_tenant_connection(&self, form: TenantForm) -> Result<CheckView, ApiError> {
        let source = self.connections_source()?;
        Ok(wizard::test_tenant(&form, source.secrets.as_ref()).await?.0)
    }

    /// Tests the booking system the form names; changes nothing.
    pub async fn test_booking_connection(&self, form: BookingForm) -> Result<CheckView, ApiError> {
        let source = self.connections_source()?;
        Ok(wizard::test_booking(form, source.secrets.as_ref()).await?.0)
    }

    /// Tests the Microsoft 365 connection the form names and, when it passes, keeps it: a
    /// typed secret in the keyring, the rest in `config.json`, and syncing restarts on it.
    pub async fn save_tenant_connection(
        &self,
        form: TenantForm,
    ) -> Result<SavedConnection, ApiError> {
        let source = self.connections_source()?;
        let (check, passed) = wizard::test_tenant(&form, source.secrets.as_ref()).await?;
        let Some(passed) = passed else {
            return self.unsaved(check);
        };
        let tenant = passed.keep(source.secrets.as_ref())?;
        let mut config = source.config();
        config.tenant = tenant.tenant_id;
        config.client_id = tenant.client_id;
        config.certificate_thumbprint = tenant.certificate_thumbprint;
        config.client_secret_expires = tenant.client_secret_expires;
        config.graph_base = tenant.graph_base;
        config.token_url = tenant.token_url;
        self.apply(source, config, check).await
    }

    /// Tests the booking system the form names and, when it passes, keeps it (as
    /// [`App::save_tenant_connection`] does). The kind of booking system stays: another kind
    /// holds other reservations, which the setup wizard maps anew.
    pub async fn save_booking_connection(
        &self,
        form: BookingForm,
    ) -> Result<SavedConnection, ApiError> {
        let source = self.connections_source()?;
        let mut config = source.config();
        if form.system != config.booking_system {
            return Err(ApiError::invalid(Words::new("error.other_booking_system")));
        }
        let (check, passed) = wizard::test_booking(form, source.secrets.as_ref()).await?;
        let Some(passed) = passed else {
            return self.unsaved(check);
        };
        let booking = passed.keep(source.secrets.as_ref())?;
        config.booking_url = booking.url;
        config.booking_login = booking.login;
        self.apply(source, config, check).await
    }

    fn unsaved(&self, check: CheckView) -> Result<SavedConnection, ApiError> {
        Ok(SavedConnection {
            check,
            saved: false,
            connections: self.connections()?,
        })
    }

    /// Writes `config` (live mode) and restarts syncing on the connections it makes.
    async fn apply(
        &self,
        source: &Connections,
        config: LiveConfig,
        check: CheckView,
    ) -> Result<SavedConnection, ApiError> {
        let connectors = setup::live_connectors(&config, source.secrets.as_ref())
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        if let Some(dir) = &source.data_dir {
            wizard::write_config(dir, &config)?;
        }
        *source.config.lock().unwrap_or_else(|e| e.into_inner()) = config;
        self.reconnect(connectors).await?;
        tracing::info!("connections changed; syncing restarted on them");
        Ok(SavedConnection {
            check,
            saved: true,
            connections: self.connections()?,
        })
    }
}

fn view_of(config: &LiveConfig, in_memory: bool) -> ConnectionsView {
    ConnectionsView {
        tenant: TenantView {
            tenant_id: config.tenant.clone(),
            client_id: config.client_id.clone(),
            sign_in: if config.certificate_thumbprint.is_some() {
                SignIn::Certificate
            } else {
                SignIn::ClientSecret
            },
            certificate_thumbprint: config.certificate_thumbprint.clone(),
            client_secret_expires: config.client_secret_expires,
            graph_base: config.graph_base.clone(),
            token_url: config.token_url.clone(),
        },
        booking: BookingView {
            system: config.booking_system,
            url: config.booking_url.clone(),
            login: config.booking_login.clone(),
        },
        in_memory,
    }
}
