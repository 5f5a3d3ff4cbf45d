//! Secrets live in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) and only there: never in SQLite, config files, logs, IPC or exports.
//! In memory they are `roombridge_core::Secret`, which cannot be printed.

use roombridge_core::Secret;

/// The keyring service name every RoomBridge secret is filed under.
pub const SERVICE: &str = "roombridge";

/// The secrets RoomBridge keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretName {
    /// The Entra ID application's client secret, for Microsoft Graph.
    GraphClientSecret,
    /// The booking system's API key.
    BookingApiKey,
    /// The private key (PEM) of the certificate registered with the Entra ID application,
    /// when it authenticates by certificate instead of a client secret.
    GraphCertificateKey,
    /// The password of RoomBridge's user in PorticoEstate (Aktiv kommune).
    PorticoPassword,
}

impl SecretName {
    /// The keyring account name.
    pub fn account(self) -> &'static str {
        match self {
            SecretName::GraphClientSecret => "graph-client-secret",
            SecretName::BookingApiKey => "booking-api-key",
            SecretName::GraphCertificateKey => "graph-certificate-key",
            SecretName::PorticoPassword => "porticoestate-password",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the OS keyring is not available ({0}); on Linux, a Secret Service such as gnome-keyring must be running and unlocked"
    )]
    Unavailable(String),
    #[error("the {0} is not in the OS keyring yet; enter it in the setup")]
    Missing(&'static str),
}

/// Where secrets are kept.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretError>;
    fn set(&self, name: SecretName, secret: &Secret) -> Result<(), SecretError>;
    fn delete(&self, name: SecretName) -> Result<(), SecretError>;

    /// The audit anchor of the database file `database` (see [`crate::anchor`]). It is no
    /// secret; it is kept beside them because a person who can edit the database file cannot
    /// necessarily open the keyring. A store that keeps no anchors has none.
    fn anchor(&self, database: &std::path::Path) -> Result<Option<String>, SecretError> {
        let _ = database;
        Ok(None)
    }

    /// Records the audit anchor of `database`; a store that keeps no anchors ignores it.
    fn set_anchor(&self, database: &std::path::Path, value: &str) -> Result<(), SecretError> {
        let _ = (database, value);
        Ok(())
    }

    /// The secret, or an error that says it must be entered.
    fn require(&self, name: SecretName) -> Result<Secret, SecretError> {
        self.get(name)?.ok_or(SecretError::Missing(match name {
            SecretName::GraphClientSecret => "Microsoft 365 client secret",
            SecretName::BookingApiKey => "booking system API key",
            SecretName::GraphCertificateKey => "Microsoft 365 certificate private key",
            SecretName::PorticoPassword => "PorticoEstate password",
        }))
    }
}

/// Secrets in memory only: the demo's (made up for the run, protecting nothing real) and
/// tests'. The real keyring is [`Keyring`].
#[derive(Default)]
pub struct MemorySecrets(std::sync::Mutex<std::collections::HashMap<&'static str, Secret>>);

impl MemorySecrets {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<&'static str, Secret>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretError> {
        Ok(self.map().get(name.account()).cloned())
    }

    fn set(&self, name: SecretName, secret: &Secret) -> Result<(), SecretError> {
        self.map().insert(name.account(), secret.clone());
        Ok(())
    }

    fn delete(&self, name: SecretName) -> Result<(), SecretError> {
        self.map().remove(name.account());
        Ok(())
    }
}

/// The OS keyring.
pub struct Keyring {
    service: String,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring::with_service(SERVICE)
    }

    /// A keyring under another service name (tests use their own, to leave real ones alone).
    pub fn with_service(service: impl Into<String>) -> Keyring {
        Keyring {
            service: service.into(),
        }
    }

    fn entry(&self, name: SecretName) -> Result<keyring::Entry, SecretError> {
        self.account(name.account())
    }

    fn account(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account)
            .map_err(|e| SecretError::Unavailable(e.to_string()))
    }

    /// One anchor per database file, by its full path.
    fn anchor_entry(&self, database: &std::path::Path) -> Result<keyring::Entry, SecretError> {
        let path = database
            .canonicalize()
            .unwrap_or_else(|_| database.to_path_buf());
        self.account(&format!("audit-anchor {}", path.display()))
    }
}

impl Default for Keyring {
    fn default() -> Self {
        Keyring::new()
    }
}

impl SecretStore for Keyring {
    fn get(&self, name: SecretName) -> Result<Option<Secret>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }

    fn set(&self, name: SecretName, secret: &Secret) -> Result<(), SecretError> {
        self.entry(name)?
            .set_password(secret.expose())
            .map_err(|e| SecretError::Unavailable(e.to_string()))
    }

    fn delete(&self, name: SecretName) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }

    fn anchor(&self, database: &std::path::Path) -> Result<Option<String>, SecretError> {
        match self.anchor_entry(database)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Unavailable(e.to_string())),
        }
    }

    fn set_anchor(&self, database: &std::path::Path, value: &str) -> Result<(), SecretError> {
        self.anchor_entry(database)?
            .set_password(value)
            .map_err(|e| SecretError::Unavailable(e.to_string()))
    }
}
