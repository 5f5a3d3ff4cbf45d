//! Certificate credentials (a signed client assertion) and what each Entra ID error tells the
//! user to fix.

mod local;

use std::sync::{Arc, Mutex};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair;
use axum::Router;
use axum::routing::{get, post};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use roombridge_connectors::ErrorKind;
use roombridge_connectors::graph::{
    CLIENT_ASSERTION_TYPE, GraphConnector, GraphCredential, client_assertion, wire,
};
use roombridge_core::Secret;
use serde_json::{Value, json};

const THUMBPRINT: &str = "3A:F1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:02";

/// A fresh RSA key pair: the private key as PKCS#8 PEM, the public key as PKCS#1 DER.
fn key_pair() -> (Secret, Vec<u8>) {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = pair.as_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<_> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    (Secret::new(pem), pair.public_key().as_ref().to_vec())
}

fn verify(
    assertion: &str,
    public: &[u8],
    client_id: &str,
    aud: &str,
) -> (jsonwebtoken::Header, Value) {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[client_id]);
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    let data =
        jsonwebtoken::decode::<Value>(assertion, &DecodingKey::from_rsa_der(public), &validation)
            .expect("the assertion verifies with the public key");
    (data.header, data.claims)
}

#[test]
fn a_client_assertion_is_signed_with_the_key_and_names_the_certificate() {
    let (private, public) = key_pair();
    let aud = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";
    let jwt = client_assertion("app-1", aud, &private, THUMBPRINT).unwrap();
    let (header, claims) = verify(&jwt, &public, "app-1", aud);
    assert_eq!(header.alg, Algorithm::RS256);
    let x5t = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.x5t.unwrap())
        .unwrap();
    assert_eq!(hex::encode_upper(x5t), THUMBPRINT.replace(':', ""));
    assert_eq!(claims["sub"], "app-1");
    let (nbf, exp) = (
        claims["nbf"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!((500..=900).contains(&(exp - nbf)), "about ten minutes");
    let again = client_assertion("app-1", aud, &private, THUMBPRINT).unwrap();
    let (_, claims2) = verify(&again, &public, "app-1", aud);
    assert_ne!(claims["jti"], claims2["jti"], "each assertion is unique");
}

#[test]
fn a_bad_key_or_thumbprint_is_an_auth_error_without_the_key() {
    let key = Secret::new("-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----");
    let err = client_assertion("app", "https://t", &key, THUMBPRINT).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(!err.message.contains("not-a-key"));
    let (private, _) = key_pair();
    let err = client_assertion("app", "https://t", &private, "abc").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("thumbprint"));
}

#[tokio::test]
async fn the_token_request_carries_the_assertion_instead_of_a_secret() {
    let forms = Arc::new(Mutex::new(Vec::<Vec<(String, String)>>::new()));
    let f = forms.clone();
    let app = Router::new()
        .route(
            "/token",
            post(move |body: String| {
                let f = f.clone();
                async move {
                    f.lock().unwrap().push(
                        url::form_urlencoded::parse(body.as_bytes())
                            .into_owned()
                            .collect(),
                    );
                    axum::Json(local::token_answer())
                }
            }),
        )
        .route(
            "/v1.0/places/microsoft.graph.room",
            get(|| async { axum::Json(json!({"value": []})) }),
        );
    let addr = local::serve_app(app).await;
    let (private, public) = key_pair();
    let config = local::config(addr);
    let graph = GraphConnector::with_credential(
        config.clone(),
        GraphCredential::Certificate {
            private_key_pem: private,
            thumbprint_sha1_hex: THUMBPRINT.into(),
        },
    )
    .unwrap();
    assert!(graph.rooms().await.unwrap().is_empty());
    let form = forms.lock().unwrap()[0].clone();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(
        field("client_id").as_deref(),
        Some(config.client_id.as_str())
    );
    assert_eq!(
        field("client_assertion_type").as_deref(),
        Some(CLIENT_ASSERTION_TYPE)
    );
    assert_eq!(field("client_secret"), None);
    let assertion = field("client_assertion").unwrap();
    let (_, claims) = verify(
        &assertion,
        &public,
        &config.client_id,
        config.token_url.as_str(),
    );
    assert_eq!(claims["aud"], config.token_url.as_str());
}

fn aadsts(error: &str, code: &str) -> roombridge_connectors::ConnectorError {
    wire::token_error(
        error,
        Some(&format!(
            "AADSTS{code}: What Entra ID said. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-01-01"
        )),
        "app-1",
    )
}

#[test]
fn each_aadsts_code_says_what_to_fix() {
    let cases = [
        ("invalid_client", "7000222", "has expired"),
        ("invalid_client", "7000215", "is wrong"),
        ("invalid_client", "7000218", "No client secret was sent"),
        (
            "unauthorized_client",
            "700016",
            "was not found in this tenant",
        ),
        ("invalid_request", "90002", "tenant was not found"),
        ("invalid_request", "900023", "tenant was not found"),
        ("invalid_client", "700027", "Upload the certificate"),
        ("invalid_client", "700024", "clock"),
        ("unauthorized_client", "7000112", "is disabled"),
        ("invalid_scope", "70011", "scope"),
        // An unknown code under invalid_client falls back to the OAuth error.
        (
            "invalid_client",
            "9999999",
            "Check the client id and the secret or certificate",
        ),
    ];
    for (error, code, says) in cases {
        let e = aadsts(error, code);
        assert_eq!(e.kind, ErrorKind::Auth, "{code}");
        assert!(e.message.contains(says), "{code}: {}", e.message);
        assert!(
            e.message.contains(&format!("AADSTS{code}")),
            "{code}: {}",
            e.message
        );
        assert!(!e.message.contains("Trace ID"), "{code}: {}", e.message);
    }
    assert_eq!(
        wire::token_error("temporarily_unavailable", None, "app-1").kind,
        ErrorKind::Transient { retry_after: None }
    );
    assert!(
        wire::token_error("something_new", None, "app-1")
            .message
            .contains("something_new")
    );
}
