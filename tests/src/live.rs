//! The `roombridge` binary in live mode against the emulators, as a facility manager runs it:
//! a data folder with a `config.json` naming the tenant and the booking system, and the
//! secrets in the OS keyring (stored with `roombridge secret`, so the tests need a Secret
//! Service: CI runs them inside scripts/desktop-session.sh).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use roombridge_app::secrets::{Keyring, SecretName, SecretStore};
use roombridge_app::setup::DemoServers;

/// A live-mode data folder wired to `servers`, with the secrets filed under a keyring service
/// of its own, which is emptied again on drop.
pub struct LiveCli {
    bin: PathBuf,
    service: String,
    dir: tempfile::TempDir,
}

impl LiveCli {
    /// Writes `config.json` for `servers` (every resource with an e-mail address mapped at
    /// each start) and stores their credentials with `roombridge secret`. `bin` is the
    /// binary (`env!("CARGO_BIN_EXE_roombridge")` in the CLI's tests); `name` keeps one test's
    /// keyring entries apart from another's.
    pub fn new(bin: &str, servers: &DemoServers, name: &str) -> LiveCli {
        let cli = LiveCli::with_config(
            bin,
            servers,
            name,
            serde_json::json!({ "booking_url": servers.booking.base_url() }),
        );
        cli.store_secret("booking-api-key", servers.api_key.expose());
        cli
    }

    /// Like [`LiveCli::new`], on the PorticoEstate emulator of `servers` (started with
    /// `booking_system: Porticoestate`), signed in as the demo's user.
    pub fn porticoestate(bin: &str, servers: &DemoServers, name: &str) -> LiveCli {
        let portico = servers.portico.as_ref().expect("a PorticoEstate emulator");
        let cli = LiveCli::with_config(
            bin,
            servers,
            name,
            serde_json::json!({
                "booking_system": "porticoestate",
                "booking_url": portico.base_url(),
                "booking_login": roombridge_app::setup::DEMO_PORTICO_LOGIN,
            }),
        );
        cli.store_secret("porticoestate-password", servers.api_key.expose());
        cli
    }

    /// `config.json` with the Graph emulator of `servers` and the `booking` fields, and the
    /// client secret in the keyring.
    fn with_config(
        bin: &str,
        servers: &DemoServers,
        name: &str,
        booking: serde_json::Value,
    ) -> LiveCli {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = serde_json::json!({
            "tenant": roombridge_emulators::demo::DEMO_TENANT,
            "client_id": roombridge_emulators::demo::DEMO_CLIENT_ID,
            "graph_base": servers.graph.graph_base(),
            "token_url": servers.graph.token_url(),
        });
        if let (Some(config), Some(booking)) = (config.as_object_mut(), booking.as_object()) {
            config.extend(booking.clone());
        }
        std::fs::write(dir.path().join("config.json"), config.to_string()).expect("config");
        let cli = LiveCli {
            bin: PathBuf::from(bin),
            service: format!("roombridge-{name}-test-{}", std::process::id()),
            dir,
        };
        cli.store_secret("graph-client-secret", servers.client_secret.expose());
        cli
    }

    /// The data folder (`--data-dir`).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The data folder as the argument to pass.
    pub fn data_arg(&self) -> String {
        self.dir.path().to_string_lossy().into_owned()
    }

    /// `roombridge ARGS`, reading secrets from this folder's keyring service.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("ROOMBRIDGE_KEYRING_SERVICE", &self.service);
        cmd
    }

    /// Runs `roombridge ARGS` to the end and returns what it printed. Waits without blocking
    /// the runtime: the emulators the process talks to run on it.
    pub async fn output(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::from(self.command(args))
            .output()
            .await
            .expect("run roombridge")
    }

    /// The live database, opened beside whatever process has it open.
    pub fn store(&self) -> roombridge_store::Store {
        roombridge_store::Store::open(&self.dir.path().join("roombridge.sqlite")).expect("store")
    }

    fn store_secret(&self, name: &str, value: &str) {
        let mut child = self
            .command(&["secret", name])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("run roombridge secret");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{value}\n").as_bytes())
            .expect("write secret");
        assert!(
            child.wait().expect("wait").success(),
            "storing {name} failed"
        );
    }
}

impl Drop for LiveCli {
    fn drop(&mut self) {
        let keyring = Keyring::with_service(&self.service);
        for name in [
            SecretName::GraphClientSecret,
            SecretName::BookingApiKey,
            SecretName::PorticoPassword,
        ] {
            let _ = keyring.delete(name);
        }
    }
}
