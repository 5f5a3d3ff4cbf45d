//! The few HTTP calls the checks make, with what came back kept whole: status, headers and
//! body, so that a check can say exactly what was wrong.

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A booking system's API, as the checks call it.
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

/// What one request got back.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, if it is JSON.
    pub json: Option<Value>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(HeaderName::from_bytes(name.as_bytes()).ok()?)
            .and_then(|v| v.to_str().ok())
    }

    /// A field of the JSON body, or null.
    pub fn field(&self, name: &str) -> &Value {
        self.json
            .as_ref()
            .and_then(|j| j.get(name))
            .unwrap_or(&Value::Null)
    }

    /// One line that shows what came back, for a check's message.
    pub fn summary(&self) -> String {
        let mut text: String = self.text.chars().take(300).collect();
        if text.len() < self.text.len() {
            text.push('…');
        }
        format!("HTTP {} {}", self.status.as_u16(), text.trim())
    }
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The key the kit was given.
    Key,
    /// No `Authorization` header.
    Missing,
    /// `Bearer` with this (wrong) key.
    Other(&'a str),
}

impl Client {
    pub fn new(base: &str, key: &str) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        })
    }

    /// `method` on `path` (below the base address), with `headers` and a JSON `body`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        request = match auth {
            Auth::Key => request.bearer_auth(&self.key),
            Auth::Missing => request,
            Auth::Other(key) => request.bearer_auth(key),
        };
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {url} got no answer: {e}"))?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| format!("{method} {url}: the answer could not be read: {e}"))?;
        let json = serde_json::from_str(&text).ok();
        Ok(Answer {
            status,
            headers,
            text,
            json,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Answer, String> {
        self.send(Method::GET, path, Auth::Key, &[], None).await
    }
}
