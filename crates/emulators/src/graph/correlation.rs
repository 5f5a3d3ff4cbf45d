//! `request-id` and `client-request-id`: the two ids every Graph answer carries as headers and,
//! in an error, repeats in the body's `innerError` (Microsoft support asks for them).
//!
//! The gateway takes them as a request arrives and serves the request inside
//! [`RequestIds::scope`], so an error built anywhere below it (a handler, the mailbox limits,
//! an injected fault) names the same ids as the headers the gateway then puts on the answer.
//! Each request of a `$batch` gets its own.

use std::future::Future;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The ids of one request.
#[derive(Debug, Clone)]
pub struct RequestIds {
    /// Made by the service for every request: a fresh GUID.
    pub request_id: String,
    /// The client's `client-request-id`, echoed; a fresh GUID when the client sent none.
    pub client_request_id: String,
}

tokio::task_local! {
    static CURRENT: RequestIds;
}

fn fresh() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl RequestIds {
    /// The ids for a request with these headers.
    pub fn for_request(headers: &HeaderMap) -> RequestIds {
        let client = headers
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map_or_else(fresh, str::to_owned);
        RequestIds {
            request_id: fresh(),
            client_request_id: client,
        }
    }

    /// The ids of the request being served. Outside [`RequestIds::scope`] (nothing the
    /// gateway answers) they are fresh.
    pub fn current() -> RequestIds {
        CURRENT
            .try_with(Clone::clone)
            .unwrap_or_else(|_| RequestIds {
                request_id: fresh(),
                client_request_id: fresh(),
            })
    }

    /// Runs `serve` with these as the current ids.
    pub async fn scope<F: Future>(self, serve: F) -> F::Output {
        CURRENT.scope(self, serve).await
    }

    /// Puts both ids on `response` as headers.
    pub fn stamp(&self, response: &mut Response) {
        let headers = response.headers_mut();
        for (name, value) in [
            (REQUEST_ID, &self.request_id),
            (CLIENT_REQUEST_ID, &self.client_request_id),
        ] {
            // A client-request-id the client could send is a valid header value again.
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
    }
}
