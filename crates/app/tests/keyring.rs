//! The OS keyring for real: a Secret Service on D-Bus (gnome-keyring in CI, started by
//! scripts/desktop-session.sh). Uses its own service name, so real RoomBridge secrets are
//! never touched.

use roombridge_app::secrets::{Keyring, SecretName, SecretStore};
use roombridge_core::Secret;

#[test]
fn a_secret_round_trips_through_the_os_keyring_and_can_be_removed() {
    let service = format!("roombridge-test-{}", std::process::id());
    let keyring = Keyring::with_service(&service);
    assert!(keyring.get(SecretName::BookingApiKey).unwrap().is_none());

    keyring
        .set(SecretName::BookingApiKey, &Secret::new("bk-3f9a-not-real"))
        .unwrap();
    let back = keyring.get(SecretName::BookingApiKey).unwrap().unwrap();
    assert_eq!(back.expose(), "bk-3f9a-not-real");
    // Another name under the same service is a different secret.
    assert!(
        keyring
            .get(SecretName::GraphClientSecret)
            .unwrap()
            .is_none()
    );

    keyring.delete(SecretName::BookingApiKey).unwrap();
    assert!(keyring.get(SecretName::BookingApiKey).unwrap().is_none());
    let missing = keyring.require(SecretName::BookingApiKey).err().unwrap();
    assert!(missing.to_string().contains("booking system API key"));
}

/// The setup wizard puts a secret that passed its connection test straight into the real OS
/// keyring, and a later start finds it there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_stores_a_tested_secret_in_the_os_keyring() {
    use roombridge_app::setup::{DemoServers, Live, open_live};
    use roombridge_app::wizard::BookingForm;
    use std::sync::Arc;

    let service = format!("roombridge-wizard-test-{}", std::process::id());
    let keyring = Arc::new(Keyring::with_service(&service));
    let dir = tempfile::tempdir().unwrap();
    let (servers, _) = DemoServers::start().await.unwrap();
    let Live::Setup(wizard) = open_live(
        dir.path(),
        keyring.clone(),
        roombridge_engine::EngineConfig::default(),
    )
    .await
    .unwrap() else {
        panic!("an empty data folder starts the wizard");
    };
    let check = wizard
        .check_booking(BookingForm {
            url: servers.booking.base_url(),
            api_key: Some(Secret::new(servers.api_key.expose())),
            ..BookingForm::default()
        })
        .await
        .unwrap();
    assert!(check.ok, "{check:?}");
    let stored = keyring.get(SecretName::BookingApiKey).unwrap().unwrap();
    assert_eq!(stored.expose(), servers.api_key.expose());
    assert!(wizard.setup_state().api_key_stored);
    keyring.delete(SecretName::BookingApiKey).unwrap();
}
