//! `roombridge serve --webhook-url` in live mode against the PorticoEstate emulator, as a
//! facility manager runs it: `config.json` names PorticoEstate, the password is in the OS
//! keyring (so this needs a Secret Service: CI runs it inside scripts/desktop-session.sh).
//! The server subscribes, a change in PorticoEstate's UI is delivered to it, and a forged
//! delivery is refused and logged, with nothing of the keys in the data folder or the log.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roombridge_app::secrets::{Keyring, SecretName, SecretStore};
use roombridge_app::setup::{self, BookingSystem, DemoOptions, DemoServers};
use roombridge_tests::{OutsidePortico, Seed};
use serde_json::{Value, json};

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Forget(String);

impl Drop for Forget {
    fn drop(&mut self) {
        let keyring = Keyring::with_service(&self.0);
        for name in [SecretName::GraphClientSecret, SecretName::PorticoPassword] {
            let _ = keyring.delete(name);
        }
    }
}

fn store_secret(service: &str, name: &str, value: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(["secret", name])
        .env("ROOMBRIDGE_KEYRING_SERVICE", service)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run roombridge secret");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{value}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "storing {name} failed");
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_a_webhook_address_subscribes_and_refuses_forged_deliveries() {
    let (servers, _) = DemoServers::start_options(DemoOptions {
        seed: Seed::Empty,
        booking_system: BookingSystem::Porticoestate,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let portico = servers.portico.as_ref().unwrap().base_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&data).unwrap();
    let config = json!({
        "tenant": roombridge_emulators::demo::DEMO_TENANT,
        "client_id": roombridge_emulators::demo::DEMO_CLIENT_ID,
        "graph_base": servers.graph.graph_base(),
        "token_url": servers.graph.token_url(),
        "booking_system": "porticoestate",
        "booking_url": portico,
        "booking_login": setup::DEMO_PORTICO_LOGIN,
    })
    .to_string();
    std::fs::write(data.join("config.json"), &config).unwrap();
    let service = format!("roombridge-hooks-test-{}", std::process::id());
    let _forget = Forget(service.clone());
    store_secret(
        &service,
        "graph-client-secret",
        servers.client_secret.expose(),
    );
    store_secret(&service, "porticoestate-password", servers.api_key.expose());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = format!("http://127.0.0.1:{port}/hooks/porticoestate");
    let mut child = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--webhook-url", &hook, "--data-dir"])
        .arg(&data)
        .env("ROOMBRIDGE_KEYRING_SERVICE", &service)
        .env("ROOMBRIDGE_LOG_DIR", &logs)
        .env("ROOMBRIDGE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run roombridge serve");
    let stdout = child.stdout.take().unwrap();
    let _server = Running(child);
    let printed = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| !l.contains("RoomBridge is running at"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(
        printed.iter().any(|l| l.contains(&hook)),
        "serve says where webhooks go: {printed:?}"
    );

    let http = reqwest::Client::builder()
        .user_agent("a-person")
        .build()
        .unwrap();
    let person = OutsidePortico::new(&servers);
    let subscriptions = async || -> Vec<Value> {
        let all = person
            .api(
                reqwest::Method::GET,
                "/booking/webhooks/subscriptions",
                None,
            )
            .await;
        all["subscriptions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s["webhook_url"] == hook.as_str())
            .collect()
    };
    // The rooms are mapped by name at start-up; each mapped resource gets a subscription.
    until("subscribed", async || {
        subscriptions().await.iter().any(|s| s["resource_id"] == 1)
    })
    .await;

    // A change in PorticoEstate's UI is delivered and accepted.
    http.post(format!("{portico}/admin/allocations"))
        .json(&json!({
            "resource_ids": [1],
            "from_": "2030-01-07 17:00:00",
            "to_": "2030-01-07 19:00:00",
            "organization_name": "Nordvik IL",
        }))
        .send()
        .await
        .unwrap();
    let deliveries: Value = http
        .get(format!("{portico}/admin/deliveries"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        deliveries["deliveries"][0]["http_status_code"], 204,
        "{deliveries}"
    );

    // A forged one is refused, and the log says so.
    let forged = http
        .post(&hook)
        .header("content-type", "application/json")
        .header("X-Booking-Signature", "sha256=00")
        .body(r#"{"value":[{"clientState":"x","resources":["1"]}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
    let log = || -> String {
        std::fs::read_dir(&logs)
            .map(|files| {
                files
                    .filter_map(Result::ok)
                    .filter_map(|f| std::fs::read_to_string(f.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    until("the refusal is logged", async || {
        log().contains("refused a PorticoEstate webhook delivery")
    })
    .await;

    // The keys are in memory only: config.json is as written, and the log never shows them.
    assert_eq!(
        std::fs::read_to_string(data.join("config.json")).unwrap(),
        config
    );
    let log = log();
    for word in ["secretKey", "client_state", "clientState"] {
        assert!(!log.contains(word), "{word} in the log");
    }
}
