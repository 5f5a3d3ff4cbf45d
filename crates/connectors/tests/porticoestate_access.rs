//! What the setup wizard asks PorticoEstate (`PorticoConnector::access`), against the emulator:
//! which booking rights the user lacks, found without writing, and a sign-in refused by
//! PorticoEstate told apart from an address where something else answers.

use roombridge_connectors::ErrorKind;
use roombridge_connectors::porticoestate::{PorticoConnector, Right};
use roombridge_core::Secret;
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig, Rights};

async fn emulator(rights: Rights) -> PorticoEmulator {
    PorticoEmulator::start(
        PorticoEmulatorConfig {
            rights,
            ..PorticoEmulatorConfig::new("roombridge", "s3cret")
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap()
}

fn connector(base: &str, password: &str) -> PorticoConnector {
    PorticoConnector::new(base.parse().unwrap(), "roombridge", Secret::new(password)).unwrap()
}

#[tokio::test]
async fn access_names_the_rights_the_user_lacks() {
    let cases = [
        (Rights::ALL, vec![]),
        (
            Rights {
                add: false,
                ..Rights::ALL
            },
            vec![Right::Add],
        ),
        (
            Rights {
                add: false,
                edit: false,
                ..Rights::ALL
            },
            vec![Right::Add, Right::Edit],
        ),
        (
            Rights {
                run: false,
                ..Rights::ALL
            },
            vec![Right::Run],
        ),
    ];
    for (rights, missing) in cases {
        let installation = emulator(rights).await;
        let access = connector(&installation.base_url(), "s3cret")
            .access()
            .await
            .unwrap();
        assert_eq!(access.missing, missing, "{rights:?}");
        if rights.run {
            assert!(!access.resources.is_empty(), "{rights:?}");
        } else {
            assert!(access.resources.is_empty());
        }
    }
}

#[tokio::test]
async fn a_refused_sign_in_is_auth_and_another_server_is_not() {
    let installation = emulator(Rights::ALL).await;
    let refused = connector(&installation.base_url(), "wrong")
        .access()
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Auth);
    assert_eq!(refused.status, None);
    assert!(
        refused.message.contains("Bad login or password"),
        "{}",
        refused.message
    );

    // RoomBridge's own booking emulator answers /login with a 404 of its own, without
    // PorticoEstate's `msg`: not a wrong password, a wrong address.
    let other = roombridge_emulators::booking::BookingEmulator::start(
        roombridge_emulators::booking::BookingEmulatorConfig {
            api_key: "k".into(),
            seed: roombridge_emulators::seed::Seed::Empty,
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let elsewhere = connector(&other.base_url(), "s3cret")
        .access()
        .await
        .unwrap_err();
    assert_eq!(elsewhere.kind, ErrorKind::Permanent, "{elsewhere:?}");
}
