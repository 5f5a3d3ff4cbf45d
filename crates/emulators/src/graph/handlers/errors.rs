//! Errors.

use super::*;

/// A Graph error answer: `{"error":{"code","message","innerError":{..}}}`. The `innerError`
/// names the request's `request-id` and `client-request-id`, the same the gateway puts in the
/// headers; a 401 carries `WWW-Authenticate` as Graph's do.
pub struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// A `Location` header: where a 410 sync reset starts over.
    location: Option<String>,
}

/// What Graph's 401s carry in `WWW-Authenticate` (RFC 6750 bearer challenge; the client id is
/// Graph's own application id).
pub(super) const BEARER_CHALLENGE: &str = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";

impl GraphError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            location: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
    }

    pub(super) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub(crate) fn sync_state_not_found() -> Self {
        Self::new(
            StatusCode::GONE,
            "SyncStateNotFound",
            "The sync state generation is not found; the delta or skip token is unknown or has expired.",
        )
    }

    pub(super) fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                }
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BEARER_CHALLENGE),
            );
        }
        if let Some(v) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, v);
        }
        response
    }
}

/// A method the route does not have (PUT on an event): 405 with a Graph error body, as Graph
/// answers it (observed: microsoft-graph-docs issue 20760).
pub(super) async fn method_not_allowed() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "ErrorInvalidRequest",
        "The OData request is not supported.",
    )
}

/// Unknown paths: Graph answers 400 for a segment it does not know, not an empty 404.
pub(super) async fn unknown_route(uri: axum::http::Uri) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{}'.", uri.path()),
    )
}

pub(super) type GraphResult = Result<Response, GraphError>;
