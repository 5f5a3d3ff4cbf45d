//! Token endpoint.

use super::*;

/// An Entra ID error answer (token-error-*.json shape).
pub(super) fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let now = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"),
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, Json(body)).into_response()
}

pub(super) async fn token(
    State(app): State<App>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = &app.settings;
    if !tenant.eq_ignore_ascii_case(&s.tenant) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type. This emulator supports client_credentials only.",
        );
    }
    let client_id = form
        .get("client_id")
        .map(String::as_str)
        .unwrap_or_default();
    if client_id != s.client_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                s.tenant
            ),
        );
    }
    match form.get("client_secret") {
        None => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        Some(secret) if secret_expired(&app, secret) => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                &format!(
                    "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
                    s.client_id
                ),
            );
        }
        Some(secret) if !secret_known(&app, secret) => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    s.client_id
                ),
            );
        }
        Some(_) => {}
    }
    let scope = form.get("scope").map(String::as_str).unwrap_or_default();
    if scope != "https://graph.microsoft.com/.default" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        );
    }
    let access_token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let lifetime =
        chrono::Duration::from_std(s.token_lifetime).unwrap_or(chrono::Duration::hours(1));
    lock(&app.store)
        .tokens
        .insert(access_token.clone(), Utc::now() + lifetime);
    Json(json!({
        "token_type": "Bearer",
        "expires_in": s.token_lifetime.as_secs(),
        "ext_expires_in": s.token_lifetime.as_secs(),
        "access_token": access_token,
    }))
    .into_response()
}

/// Whether `secret` is one of the application's: the configured one or one added since.
fn secret_known(app: &App, secret: &str) -> bool {
    *secret == app.settings.client_secret || lock(&app.store).client_secrets.contains_key(secret)
}

/// Whether `secret` is one of the application's and its expiry date has passed.
fn secret_expired(app: &App, secret: &str) -> bool {
    lock(&app.store)
        .client_secrets
        .get(secret)
        .copied()
        .flatten()
        .is_some_and(|expires| expires <= Utc::now())
}
