//! The PorticoEstate emulator behaves as PorticoEstate's sources say the real system does
//! (docs/design/porticoestate-integration.md): where an integration could be fooled by a kinder
//! emulator, a test pins the unkind behaviour.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig, Rights};

const UA: &str = "RoomBridge-test/1";

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

struct Portico {
    emulator: PorticoEmulator,
    http: reqwest::Client,
}

async fn start(config: PorticoEmulatorConfig) -> Portico {
    let emulator = PorticoEmulator::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("the emulator starts");
    let http = reqwest::Client::builder()
        .user_agent(UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Portico { emulator, http }
}

async fn portico() -> Portico {
    start(PorticoEmulatorConfig::new("roombridge", "s3cret")).await
}

impl Portico {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    async fn login(&self) -> String {
        let answer = self
            .http
            .post(self.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("login", "roombridge"),
                ("passwd", "s3cret"),
                ("logindomain", "default"),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["session_name"], "sessionphpgwsessid");
        body["session_id"].as_str().unwrap().to_owned()
    }

    /// `path` with the session and `api_mode=1` in the query.
    fn api(&self, path: &str, session: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.url(&format!(
            "{path}{sep}sessionphpgwsessid={session}&api_mode=1"
        ))
    }

    async fn get(&self, path: &str, session: &str) -> (StatusCode, Value) {
        let answer = self.http.get(self.api(path, session)).send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let answer = self
            .http
            .request(method, self.api(path, session))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn admin(&self, path: &str, body: Value) -> i64 {
        let answer: Value = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["id"].as_i64().unwrap()
    }

    async fn event(&self, session: &str, title: &str, from: &str, to: &str) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            session,
            json!({
                "title": title,
                "from_": from,
                "to_": to,
                "source": "roombridge",
                "contact_name": "RoomBridge",
                "contact_email": "roombridge@nordvik.kommune.example",
                "description": "[rb:link-1]",
            }),
        )
        .await
    }
}

#[tokio::test]
async fn login_takes_form_fields_only_and_answers_404_when_it_fails() {
    let p = portico().await;
    let json_body = p
        .http
        .post(p.url("/login"))
        .json(&json!({ "login": "roombridge", "passwd": "s3cret" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body.status(),
        StatusCode::NOT_FOUND,
        "a JSON login makes no session"
    );
    let wrong = p
        .http
        .post(p.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("login", "roombridge"), ("passwd", "wrong")]))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["msg"], "Bad login or password");
    let session = p.login().await;
    assert!(!session.is_empty());
}

#[tokio::test]
async fn a_lapsed_or_borrowed_session_is_refused_and_can_be_renewed_by_logging_in_again() {
    let p = start(PorticoEmulatorConfig {
        session_timeout: Duration::from_millis(300),
        ..PorticoEmulatorConfig::new("roombridge", "s3cret")
    })
    .await;
    let (status, body) = p.get("/booking/resources", "nobody").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["msg"], "A valid session could not be found");
    // Without api_mode the answer is a redirect to the login page, not an error status.
    let redirect = p
        .http
        .get(p.url("/booking/resources"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert!(
        redirect.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login.php")
    );

    let session = p.login().await;
    assert_eq!(
        p.get("/booking/resources", &session).await.0,
        StatusCode::OK
    );
    // Another client (User-Agent) cannot use it.
    let borrowed = reqwest::Client::builder()
        .user_agent("someone-else")
        .build()
        .unwrap();
    let answer = borrowed
        .get(p.api("/booking/resources", &session))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);

    let session = p.login().await;
    let refreshed = p
        .http
        .get(p.api("/refreshsession", &session))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        p.get("/booking/resources", &session).await.0,
        StatusCode::UNAUTHORIZED,
        "idle too long"
    );
    let lapsed = p
        .http
        .get(p.api("/refreshsession", &session))
        .send()
        .await
        .unwrap();
    assert_eq!(lapsed.status(), StatusCode::UNAUTHORIZED);
    let session = p.login().await;
    assert_eq!(
        p.get("/booking/resources", &session).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn resources_are_paged_by_offset_fifteen_at_a_time() {
    let p = portico().await;
    let session = p.login().await;
    let (_, first) = p.get("/booking/resources", &session).await;
    let total = first["total_records"].as_u64().unwrap();
    assert_eq!(total, 15, "the demo's resources");
    assert_eq!(
        first["results"].as_array().unwrap().len(),
        15,
        "15 a page by default"
    );
    assert_eq!(first["dir"], "ASC");
    let (_, page) = p
        .get("/booking/resources?start=12&results=5", &session)
        .await;
    let ids: Vec<i64> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [13, 14, 15]);
    let (_, all) = p.get("/booking/resources?results=0", &session).await;
    assert_eq!(all["results"].as_array().unwrap().len() as u64, total);
    assert!(
        all["results"][0].get("email").is_none(),
        "resources have no mailbox"
    );
}

#[tokio::test]
async fn the_schedule_is_a_flat_list_of_active_rows_with_oslo_offsets_and_an_inclusive_end() {
    let p = portico().await;
    let session = p.login().await;
    let allocation = p
        .admin(
            "/admin/allocations",
            json!({ "resource_ids": [1], "from_": "2027-01-12 17:00:00", "to_": "2027-01-12 19:00:00", "organization_name": "Nordvik IL" }),
        )
        .await;
    let booking = p
        .admin(
            "/admin/bookings",
            json!({ "resource_ids": [1], "allocation_id": allocation, "from_": "2027-01-12 17:00:00", "to_": "2027-01-12 18:00:00", "group_name": "G12" }),
        )
        .await;
    // An unpublished season's allocation does not show.
    p.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "season_id": 9, "from_": "2027-01-13 17:00:00", "to_": "2027-01-13 19:00:00" }),
    )
    .await;
    let (status, made) = p
        .event(
            &session,
            "Summer concert",
            "2027-06-30 20:00:00",
            "2027-06-30 22:00:00",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");

    let (_, winter) = p
        .get(
            "/booking/resources/1/schedule?start_date=2027-01-12&end_date=2027-01-13",
            &session,
        )
        .await;
    let rows = winter.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{winter}");
    assert_eq!(rows[0]["type"], "allocation");
    assert_eq!(rows[0]["from_"], "2027-01-12T17:00:00+01:00");
    assert_eq!(rows[1]["type"], "booking");
    assert_eq!(rows[1]["allocation_id"], allocation);
    assert_eq!(rows[1]["id"], booking);

    // The end date is inclusive: an event late on June 30 is in a window ending that day.
    let (_, summer) = p
        .get(
            "/booking/resources/1/schedule?start_date=2027-06-30&end_date=2027-06-30",
            &session,
        )
        .await;
    let event = &summer.as_array().unwrap()[0];
    assert_eq!(event["type"], "event");
    assert_eq!(event["name"], "Summer concert");
    assert_eq!(event["from_"], "2027-06-30T20:00:00+02:00");
    assert!(
        event.get("description").is_none(),
        "a private event's description is not shown"
    );
    assert!(event.get("source").is_none(), "source is not stored");

    // Cancelled: gone from the schedule, still readable by id.
    let id = made["id"].as_i64().unwrap();
    let (status, toggled) = p
        .send(
            reqwest::Method::PATCH,
            &format!("/booking/events/{id}/toggle-active"),
            &session,
            json!({ "active": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(toggled["active"], false);
    let (_, summer) = p
        .get(
            "/booking/resources/1/schedule?start_date=2027-06-30&end_date=2027-06-30",
            &session,
        )
        .await;
    assert_eq!(summer, json!([]));
    let (status, read) = p.get(&format!("/booking/events/{id}"), &session).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["active"], false);

    let (status, body) = p.get("/booking/resources/1/schedule", &session).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "Both start_date and end_date parameters are required"
    );
}

#[tokio::test]
async fn event_writes_drop_offsets_escape_text_and_conflict_only_with_events() {
    let p = portico().await;
    let session = p.login().await;
    // An offset sent is dropped: 10:00Z is stored as 10:00 Oslo time.
    let (status, made) = p
        .event(
            &session,
            "Quiz (final)",
            "2027-06-01T10:00:00Z",
            "2027-06-01T11:00:00Z",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["event"]["from_"], "2027-06-01T10:00:00+02:00");
    assert_eq!(made["event"]["name"], "Quiz &amp;#40;final&amp;#41;");
    let id = made["id"].as_i64().unwrap();
    let (_, read) = p.get(&format!("/booking/events/{id}"), &session).await;
    assert_eq!(
        read["description"], "[rb:link-1]",
        "a plain marker survives the purifier"
    );

    let (status, clash) = p
        .event(
            &session,
            "Clash",
            "2027-06-01 10:30:00",
            "2027-06-01 12:00:00",
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(clash["error"], "Time conflict detected");
    assert!(
        clash["details"]
            .as_str()
            .unwrap()
            .contains(&format!("#{id}")),
        "{clash}"
    );
    let (status, _) = p
        .event(
            &session,
            "Right after",
            "2027-06-01 11:00:00",
            "2027-06-01 12:00:00",
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "touching edges do not conflict"
    );
    p.admin(
        "/admin/allocations",
        json!({ "resource_ids": [1], "from_": "2027-06-02 10:00:00", "to_": "2027-06-02 12:00:00" }),
    )
    .await;
    let (status, _) = p
        .event(
            &session,
            "Over an allocation",
            "2027-06-02 10:00:00",
            "2027-06-02 11:00:00",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "allocations are not checked");

    let (status, missing) = p
        .send(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            &session,
            json!({ "title": "No source", "from_": "2027-06-03 10:00", "to_": "2027-06-03 11:00", "contact_name": "X" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(missing["error"], "Missing required field: source");
    let (status, invalid) = p
        .send(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            &session,
            json!({ "title": "No contact", "from_": "2027-06-03 11:00", "to_": "2027-06-03 10:00", "source": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        invalid["details"],
        json!([
            "Contact name is required",
            "End time must be after start time"
        ])
    );

    // PUT takes the model's names: `title` is ignored, `name` changes it.
    let path = format!("/booking/events/{id}");
    let (status, _) = p
        .send(
            reqwest::Method::PUT,
            &path,
            &session,
            json!({ "title": "Ignored" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = p.get(&path, &session).await;
    assert_eq!(read["name"], "Quiz &amp;#40;final&amp;#41;");
    let (status, moved) = p
        .send(
            reqwest::Method::PUT,
            &path,
            &session,
            json!({ "name": "Quiz", "to_": "2027-06-01 11:30:00" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "moved onto the next event: {moved}"
    );
}

#[tokio::test]
async fn a_user_without_the_add_right_cannot_create_events() {
    let p = start(PorticoEmulatorConfig {
        rights: Rights {
            add: false,
            ..Rights::ALL
        },
        ..PorticoEmulatorConfig::new("roombridge", "s3cret")
    })
    .await;
    let session = p.login().await;
    let (status, body) = p
        .event(&session, "Refused", "2027-06-01 10:00", "2027-06-01 11:00")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "Permission denied");
}
