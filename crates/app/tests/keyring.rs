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
