//! OAuth2 client credentials against Microsoft Entra ID, with a cached token.
//!
//! A client secret goes out as `client_secret`; a certificate as a signed JWT in
//! `client_assertion` (oauth2 5 has no assertion support of its own, so the two form fields are
//! added with `add_extra_param` on the same client-credentials request).

use std::time::{Duration, Instant};

use super::credential::{CLIENT_ASSERTION_TYPE, GraphCredential, client_assertion};
use super::wire;
use crate::{ConnectorError, ErrorKind};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

/// The scope for application permissions on Graph.
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Lifetime assumed when the token answer has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// Why the HTTP exchange with the token endpoint failed (not what Entra ID said).
#[derive(Debug, thiserror::Error)]
pub enum TokenHttpError {
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    #[error("invalid HTTP response: {0}")]
    Build(#[from] oauth2::http::Error),
    /// 429 or 5xx from the token endpoint: retry, after `Retry-After` when it sent one.
    #[error("the token endpoint answered HTTP {status}")]
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
    },
}

struct Cached {
    token: String,
    /// When to fetch a new one: shortly before it expires.
    refresh_at: Instant,
}

/// Hands out a valid access token, fetching a new one shortly before the cached one expires.
pub struct TokenSource {
    client_id: ClientId,
    credential: GraphCredential,
    token_url: TokenUrl,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

impl TokenSource {
    pub fn new(client_id: &str, credential: GraphCredential, token_url: &url::Url) -> Self {
        Self {
            client_id: ClientId::new(client_id.to_owned()),
            credential,
            token_url: TokenUrl::from_url(token_url.clone()),
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// A valid access token. Concurrent callers wait for one fetch instead of each fetching.
    pub async fn token(&self, http: &reqwest::Client) -> Result<String, ConnectorError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref()
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch(http).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Drops the cached token (Graph said it is no longer valid).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<Cached, ConnectorError> {
        // Entra ID takes client_id and the credential in the form body.
        let client = BasicClient::new(self.client_id.clone())
            .set_token_uri(self.token_url.clone())
            .set_auth_type(AuthType::RequestBody);
        let send = |request: HttpRequest| {
            let http = http.clone();
            async move { execute(&http, request).await }
        };
        let asked = Instant::now();
        let answer = match &self.credential {
            GraphCredential::ClientSecret(secret) => {
                client
                    .set_client_secret(ClientSecret::new(secret.expose().to_owned()))
                    .exchange_client_credentials()
                    .add_scope(Scope::new(GRAPH_SCOPE.to_owned()))
                    .request_async(&send)
                    .await
            }
            GraphCredential::Certificate {
                private_key_pem,
                thumbprint_sha1_hex,
            } => {
                // A fresh assertion per token request: each has its own jti and lifetime.
                let assertion = client_assertion(
                    self.client_id.as_str(),
                    self.token_url.as_str(),
                    private_key_pem,
                    thumbprint_sha1_hex,
                )?;
                client
                    .exchange_client_credentials()
                    .add_scope(Scope::new(GRAPH_SCOPE.to_owned()))
                    .add_extra_param("client_assertion_type", CLIENT_ASSERTION_TYPE)
                    .add_extra_param("client_assertion", assertion)
                    .request_async(&send)
                    .await
            }
        }
        .map_err(|e| self.failure(e))?;
        let lifetime = answer.expires_in().unwrap_or(DEFAULT_LIFETIME);
        // Refresh five minutes early, or a tenth early for short-lived tokens, so a request
        // never leaves with a token that expires on the way.
        let margin = Duration::from_secs(300).min(lifetime / 10);
        Ok(Cached {
            token: answer.access_token().secret().clone(),
            refresh_at: asked + lifetime.saturating_sub(margin),
        })
    }

    fn failure(
        &self,
        e: RequestTokenError<TokenHttpError, oauth2::basic::BasicErrorResponse>,
    ) -> ConnectorError {
        match e {
            RequestTokenError::ServerResponse(r) => wire::token_error(
                r.error().as_ref(),
                r.error_description().map(String::as_str),
                self.client_id.as_str(),
            ),
            RequestTokenError::Request(TokenHttpError::Unavailable {
                status,
                retry_after,
            }) => ConnectorError::new(
                ErrorKind::Transient { retry_after },
                format!(
                    "The Microsoft Entra ID token endpoint is busy or unavailable (HTTP {status})"
                ),
            ),
            RequestTokenError::Request(e) => ConnectorError::new(
                ErrorKind::Transient { retry_after: None },
                format!("Cannot reach the Microsoft Entra ID token endpoint: {e}"),
            ),
            // A non-OAuth answer (an HTML error page from a proxy, a 5xx): try it as an
            // Entra ID error body, else retry later.
            RequestTokenError::Parse(_, body) => {
                wire::parse_token_error(&String::from_utf8_lossy(&body), self.client_id.as_str())
            }
            RequestTokenError::Other(m) => ConnectorError::new(
                ErrorKind::Transient { retry_after: None },
                format!("Unexpected answer from the token endpoint: {m}"),
            ),
        }
    }
}

/// oauth2's HTTP client, on reqwest.
async fn execute(
    http: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, TokenHttpError> {
    let request = reqwest::Request::try_from(request)?;
    let response = http.execute(request).await?;
    let status = response.status().as_u16();
    // Throttling and outages are not OAuth errors: keep their Retry-After, which oauth2's error
    // types would drop.
    if status == 429 || status >= 500 {
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(wire::parse_retry_after);
        return Err(TokenHttpError::Unavailable {
            status,
            retry_after,
        });
    }
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder.body(body)?)
}
