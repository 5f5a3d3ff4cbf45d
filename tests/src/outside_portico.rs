//! A person at PorticoEstate's emulator: signs in as a browser would and reads a resource's
//! schedule, and the test's hand on the emulator's admin routes (faults).

use chrono::{DateTime, Utc};
use serde_json::Value;

use roombridge_app::setup::{DEMO_PORTICO_LOGIN, DemoServers};

pub struct OutsidePortico {
    base: String,
    password: String,
    http: reqwest::Client,
}

impl OutsidePortico {
    /// The PorticoEstate emulator of `servers` (started with `booking_system: Porticoestate`).
    pub fn new(servers: &DemoServers) -> OutsidePortico {
        let portico = servers.portico.as_ref().expect("a PorticoEstate emulator");
        OutsidePortico {
            base: portico.base_url(),
            password: servers.api_key.expose().to_owned(),
            http: reqwest::Client::builder()
                .user_agent("a-person")
                .build()
                .expect("client"),
        }
    }

    async fn session(&self) -> String {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("login", DEMO_PORTICO_LOGIN), ("passwd", &self.password)])
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

    /// The active rows of `resource`'s schedule between `from` and `to`.
    pub async fn schedule(
        &self,
        resource: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Value> {
        let session = self.session().await;
        let url = format!(
            "{}/booking/resources/{resource}/schedule?start_date={}&end_date={}&api_mode=1&sessionphpgwsessid={session}",
            self.base,
            from.date_naive(),
            to.date_naive()
        );
        let rows: Value = self
            .http
            .get(url)
            .send()
            .await
            .expect("schedule")
            .json()
            .await
            .expect("schedule answer");
        rows.as_array().cloned().unwrap_or_default()
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
