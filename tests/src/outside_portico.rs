//! A person at PorticoEstate's emulator: signs in as a browser would, calls its API with that
//! session, reads a resource's schedule, and is the test's hand on the emulator's admin routes
//! (faults).

use chrono::{DateTime, Utc};
use serde_json::Value;

use roombridge_app::setup::{DEMO_PORTICO_LOGIN, DemoServers};

pub struct OutsidePortico {
    base: String,
    login: String,
    password: String,
    http: reqwest::Client,
}

/// A wall-clock time in Oslo as PorticoEstate's forms take it (`2026-12-01 18:30:00`).
pub fn oslo(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl OutsidePortico {
    /// The PorticoEstate emulator of `servers` (started with `booking_system: Porticoestate`),
    /// signed in to as the demo's user.
    pub fn new(servers: &DemoServers) -> OutsidePortico {
        let portico = servers.portico.as_ref().expect("a PorticoEstate emulator");
        OutsidePortico::at(
            &portico.base_url(),
            DEMO_PORTICO_LOGIN,
            servers.api_key.expose(),
        )
    }

    /// The PorticoEstate at `base`, signed in to as `login` with `password`.
    pub fn at(base: &str, login: &str, password: &str) -> OutsidePortico {
        OutsidePortico {
            base: base.to_owned(),
            login: login.to_owned(),
            password: password.to_owned(),
            http: reqwest::Client::builder()
                .user_agent("a-person")
                .build()
                .expect("client"),
        }
    }

    /// Signs in with the login form, as a browser does: the session id.
    pub async fn session(&self) -> String {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("login", &self.login), ("passwd", &self.password)])
            .finish();
        let answer: Value = self
            .http
            .post(format!("{}/login", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login answer");
        answer["session_id"].as_str().expect("a session").to_owned()
    }

    /// `path` in PorticoEstate's API, called with `session`.
    pub fn url(&self, path: &str, session: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{path}{sep}api_mode=1&sessionphpgwsessid={session}",
            self.base
        )
    }

    /// Signs in and calls `path` with `body`: the answer's JSON (`null` when it has none).
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let session = self.session().await;
        let mut request = self.http.request(method, self.url(path, &session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
            .send()
            .await
            .expect("PorticoEstate's API")
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// The active rows of `resource`'s schedule between `from` and `to`.
    pub async fn schedule(
        &self,
        resource: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Value> {
        let path = format!(
            "/booking/resources/{resource}/schedule?start_date={}&end_date={}",
            from.date_naive(),
            to.date_naive()
        );
        self.api(reqwest::Method::GET, &path, None)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The event rows of `resource`'s schedule over the next weeks.
    pub async fn events(&self, resource: i64) -> Vec<Value> {
        let now = Utc::now();
        self.schedule(
            resource,
            now - chrono::Duration::days(2),
            now + chrono::Duration::days(60),
        )
        .await
        .into_iter()
        .filter(|r| r["type"] == "event")
        .collect()
    }

    /// Queues a fault (`/admin/faults`).
    pub async fn inject_fault(&self, fault: Value) {
        let answer = self
            .http
            .post(format!("{}/admin/faults", self.base))
            .json(&fault)
            .send()
            .await
            .expect("inject fault");
        assert!(answer.status().is_success(), "{answer:?}");
    }
}
