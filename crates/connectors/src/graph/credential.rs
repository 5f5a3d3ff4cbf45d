//! How the application proves who it is to Microsoft Entra ID: a client secret, or a
//! certificate whose private key signs a short-lived JWT client assertion (RFC 7523), which
//! Microsoft recommends over secrets.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roombridge_core::Secret;
use serde::Serialize;

use crate::{ConnectorError, ErrorKind};

/// The `client_assertion_type` for a JWT client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid. Entra ID only needs it for the one token request;
/// ten minutes covers clock skew between this machine and Entra ID.
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// The application's credential for the client-credentials flow.
pub enum GraphCredential {
    /// A client secret from Entra ID > App registrations > Certificates & secrets.
    ClientSecret(Secret),
    /// A certificate uploaded to the app registration: its RSA private key (PEM, PKCS#1 or
    /// PKCS#8) and the certificate's SHA-1 thumbprint as hex, as Entra ID shows it.
    Certificate {
        private_key_pem: Secret,
        thumbprint_sha1_hex: String,
    },
}

impl Clone for GraphCredential {
    fn clone(&self) -> Self {
        match self {
            GraphCredential::ClientSecret(s) => GraphCredential::ClientSecret(s.clone()),
            GraphCredential::Certificate {
                private_key_pem,
                thumbprint_sha1_hex,
            } => GraphCredential::Certificate {
                private_key_pem: private_key_pem.clone(),
                thumbprint_sha1_hex: thumbprint_sha1_hex.clone(),
            },
        }
    }
}

/// The claims Entra ID requires in a client assertion.
#[derive(Debug, Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    exp: u64,
    iat: u64,
}

/// A signed client assertion for `client_id` at `token_url`: RS256, header `x5t` = the
/// certificate thumbprint (base64url), valid from now for ten minutes. Fails with
/// [`ErrorKind::Auth`] when the key or thumbprint cannot be used; the message never contains
/// the key.
pub fn client_assertion(
    client_id: &str,
    token_url: &str,
    private_key_pem: &Secret,
    thumbprint_sha1_hex: &str,
) -> Result<String, ConnectorError> {
    let thumbprint = hex::decode(thumbprint_sha1_hex.trim().replace([':', ' '], ""))
        .ok()
        .filter(|t| t.len() == 20)
        .ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::Auth,
                "The certificate thumbprint must be the 40 hex digits Entra ID shows under Certificates & secrets",
            )
        })?;
    let key = EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes()).map_err(|_| {
        // The parser's error could quote key material; say only what to fix.
        ConnectorError::new(
            ErrorKind::Auth,
            "The certificate's private key is not an RSA private key in PEM form (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
        )
    })?;
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(URL_SAFE_NO_PAD.encode(thumbprint));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = AssertionClaims {
        aud: token_url,
        iss: client_id,
        sub: client_id,
        // Entra ID rejects a replayed assertion; a random id makes each one unique.
        jti: format!("{:032x}", rand::random::<u128>()),
        nbf: now,
        iat: now,
        exp: now + ASSERTION_LIFETIME_SECS,
    };
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| {
        ConnectorError::new(
            ErrorKind::Auth,
            format!("Cannot sign the client assertion with the certificate's key: {e}"),
        )
    })
}
