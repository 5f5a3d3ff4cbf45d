//! The PorticoEstate connector's webhooks against the PorticoEstate emulator over loopback:
//! subscribing per resource, listing, renewing and deleting, and checking a real delivery.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_connectors::porticoestate::webhooks::{
    Refusal, SubscriptionId, WebhookKeys, check_delivery,
};
use roombridge_core::{ResourceId, Secret};
use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};
use serde_json::json;
use url::Url;

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on loopback that keeps each delivery's headers and exact bytes.
async fn receiver() -> (Url, Received) {
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hooks/porticoestate",
            axum::routing::post(
                |State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    got.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hooks/porticoestate",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url.parse().unwrap(), got)
}

async fn setup() -> (PorticoEmulator, PorticoConnector) {
    let emulator = PorticoEmulator::start(
        PorticoEmulatorConfig::new("roombridge", "s3cret"),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let connector = PorticoConnector::new(
        emulator.base_url().parse().unwrap(),
        "roombridge",
        Secret::new("s3cret"),
    )
    .unwrap();
    (emulator, connector)
}

#[tokio::test]
async fn subscriptions_are_made_per_resource_renewed_and_deleted() {
    let (_emulator, connector) = setup().await;
    let (url, _) = receiver().await;
    let keys = WebhookKeys::generate();
    let one = connector
        .subscribe(&ResourceId::new("1"), &url, &keys)
        .await
        .unwrap();
    let two = connector
        .subscribe(&ResourceId::new("2"), &url, &keys)
        .await
        .unwrap();
    let listed = connector.subscriptions().await.unwrap();
    assert_eq!(listed.len(), 2);
    let of_one = listed.iter().find(|s| s.id == one).unwrap();
    assert_eq!(
        of_one.resource,
        Some(ResourceId::new("1")),
        "calendar_id filters"
    );
    assert_eq!(of_one.webhook_url, url.as_str());
    assert!(of_one.active);

    connector.renew_subscription(&one, 43200).await.unwrap();
    connector.unsubscribe(&two).await.unwrap();
    // Already gone is fine.
    connector.unsubscribe(&two).await.unwrap();
    let missing = connector
        .renew_subscription(&SubscriptionId::new("sub_nope"), 60)
        .await
        .unwrap_err();
    assert_eq!(missing.status, Some(404));
    assert_eq!(connector.subscriptions().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_real_delivery_verifies_and_names_its_resource_and_a_forged_one_does_not() {
    let (emulator, connector) = setup().await;
    let (url, got) = receiver().await;
    let keys = WebhookKeys::generate();
    connector
        .subscribe(&ResourceId::new("3"), &url, &keys)
        .await
        .unwrap();
    // A change in PorticoEstate's UI, with text its json_encode escapes.
    let answer = reqwest::Client::new()
        .post(format!("{}/admin/allocations", emulator.base_url()))
        .json(&json!({
            "resource_ids": [3],
            "from_": "2026-12-10 17:00:00",
            "to_": "2026-12-10 19:00:00",
            "organization_name": "Nordvik IL / Skøyter",
        }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let (headers, body) = got.lock().unwrap()[0].clone();
    let signature = headers["x-booking-signature"].to_str().unwrap();

    let delivery = check_delivery(Some(signature), &body, &keys).unwrap();
    assert_eq!(delivery.resources, [ResourceId::new("3")]);
    assert_eq!(delivery.notifications[0].entity_type, "allocation");
    assert_eq!(delivery.notifications[0].change_type, "created");

    // Another run's keys (the same address, subscribed before a restart) do not verify.
    assert_eq!(
        check_delivery(Some(signature), &body, &WebhookKeys::generate()),
        Err(Refusal::BadSignature)
    );
    // One changed byte does not verify.
    let mut tampered = body.to_vec();
    let at = tampered.iter().position(|b| *b == b'3').unwrap();
    tampered[at] = b'4';
    assert_eq!(
        check_delivery(Some(signature), &tampered, &keys),
        Err(Refusal::BadSignature)
    );
}
