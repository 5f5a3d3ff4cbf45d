//! The Graph connector: (a) its wire parsing reads every relevant Graph sample in
//! `tests/fixtures/graph`; (b) end to end against the Graph emulator over loopback HTTP; (c) the
//! emulator answers in the same shape as the samples.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use roombridge_connectors::graph::wire;
use roombridge_connectors::graph::{GraphConfig, GraphConnector};
use roombridge_connectors::{Calendar, CalendarWrite, ErrorKind};
use roombridge_core::recurrence::{Pattern, Range, Series, Timing};
use roombridge_core::{Content, GraphEventId, LinkId, Mailbox, Secret, SyncWindow, When};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};
use url::Url;

const OSLO: chrono_tz::Tz = chrono_tz::Europe::Oslo;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/graph")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// (a) fixtures

#[test]
fn reads_the_initial_delta_page() {
    let page =
        wire::parse_delta_page(&fixture("calendarview-delta-initial-page.json"), OSLO).unwrap();
    assert!(page.next_link.unwrap().contains("$skiptoken="));
    assert!(page.delta_link.is_none());
    assert_eq!(page.events.len(), 2);
    let e = &page.events[0];
    assert_eq!(e.id.as_str(), "AAMkADNVxRAAA=");
    assert_eq!(e.content.title, "Plan shopping list");
    assert_eq!(e.content.organisation, "Samantha Booth");
    assert_eq!(
        e.version.as_deref(),
        Some("EZ9r3czxY0m2jz8c45czkwAAFXcvIQ==")
    );
    assert_eq!(
        e.content.when,
        When::Timed {
            start: Utc.with_ymd_and_hms(2016, 12, 9, 20, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2016, 12, 9, 22, 0, 0).unwrap(),
        }
    );
    assert!(e.tag.is_none());
}

#[test]
fn reads_the_second_delta_page() {
    let page =
        wire::parse_delta_page(&fixture("calendarview-delta-second-page.json"), OSLO).unwrap();
    assert!(page.next_link.is_some());
    let titles: Vec<_> = page
        .events
        .iter()
        .map(|e| e.content.title.as_str())
        .collect();
    assert_eq!(titles, ["Get food", "Prepare food"]);
}

#[test]
fn reads_the_final_delta_page_and_its_delta_link() {
    let page = wire::parse_delta_page(
        &fixture("calendarview-delta-final-page-deltalink.json"),
        OSLO,
    )
    .unwrap();
    assert!(page.next_link.is_none());
    assert!(
        page.delta_link
            .unwrap()
            .contains("$deltatoken=R0usmcMDNGg0J1E")
    );
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].content.title, "Rest!");
}

#[test]
fn reads_removed_events_in_a_delta_page() {
    let page = wire::parse_delta_page(&fixture("calendarview-delta-removed.json"), OSLO).unwrap();
    assert_eq!(
        page.removed,
        vec![GraphEventId::new(
            "AAMkADk0MGFkODE3LWE4MmYtNDRhOS04OGQLkRkXbBznTvAADb6ytyAAA="
        )]
    );
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].content.title, "Attend service");
}

#[test]
fn an_unreadable_delta_item_is_rejected_alone() {
    // The docs' sample item has no id, start or end.
    let page =
        wire::parse_delta_page(&fixture("event-delta-response-nextlink.json"), OSLO).unwrap();
    assert!(page.next_link.is_some());
    assert!(page.events.is_empty());
    assert_eq!(page.rejected.len(), 1);
    assert_eq!(page.rejected[0].id, None);
    assert!(
        page.rejected[0].message.contains("cannot be read"),
        "{}",
        page.rejected[0].message
    );

    let list = wire::parse_delta_page(&fixture("calendarview-list-response.json"), OSLO).unwrap();
    assert_eq!(list.rejected.len(), 1);
}

#[test]
fn reads_an_event_create_response_in_its_preferred_zone() {
    let e = wire::parse_event(&fixture("event-create-response.json"), OSLO).unwrap();
    assert_eq!(e.id.as_str(), "AAMkAGI1AAAt9AHjAAA=");
    assert_eq!(
        e.version.as_deref(),
        Some("ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ==")
    );
    // 11:00 Pacific Standard Time in April is 18:00 UTC.
    assert_eq!(
        e.content.when,
        When::Timed {
            start: Utc.with_ymd_and_hms(2017, 4, 15, 18, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2017, 4, 15, 19, 0, 0).unwrap(),
        }
    );
    assert_eq!(e.content.time_zone, "America/Los_Angeles");
    assert_eq!(e.content.description, "Does late morning work for you?");
    assert_eq!(e.content.organisation, "Dana Swope");
}

#[test]
fn reads_an_event_get_response_with_an_html_body() {
    let e = wire::parse_event(&fixture("event-get-prefer-timezone.json"), OSLO).unwrap();
    assert_eq!(e.content.title, "New Product Regulations Touchpoint");
    assert_eq!(e.content.organisation, "Engineering");
    assert!(
        e.content
            .description
            .starts_with("New Product Regulations Strategy Online Touchpoint Meeting")
    );
    assert!(!e.content.description.contains('<'));
}

#[test]
fn reads_a_series_master_fetched_by_id_like_a_single_event() {
    // Delta skips series masters (see below); read by id, one reads as its first occurrence.
    let e = wire::parse_event(&fixture("event-recurring-series.json"), OSLO).unwrap();
    assert!(e.content.when.is_valid());
}

#[test]
fn the_update_sample_is_partial_and_is_refused_as_an_event() {
    // event-update-response.json shows only changed properties (no id, start or end).
    let err = wire::parse_event(&fixture("event-update-response.json"), OSLO).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
}

#[test]
fn reads_rooms() {
    let (rooms, next) = wire::parse_rooms_page(&fixture("places-rooms.json")).unwrap();
    assert!(next.is_none());
    let emails: Vec<_> = rooms.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(emails, ["cf100@contoso.com", "cf200@contoso.com"]);
    assert_eq!(rooms[0].display_name, "Conf Room 100");
}

#[test]
fn reads_the_tag_only_from_the_roombridge_property() {
    let sample = fixture("extended-property-expand-response.json");
    assert_eq!(
        wire::parse_tag(&sample).unwrap(),
        None,
        "another application's property"
    );
    let ours = sample.replace(
        "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color",
        wire::TAG_PROPERTY_ID,
    );
    assert_eq!(wire::parse_tag(&ours).unwrap(), Some(LinkId::new("Green")));
}

#[test]
fn classifies_graph_error_bodies() {
    let e = wire::classify(404, None, &fixture("error-404-erroritemnotfound.json"));
    assert_eq!((e.kind, e.status), (ErrorKind::Permanent, Some(404)));
    assert!(e.message.contains("ErrorItemNotFound"));

    let e = wire::classify(410, None, &fixture("error-410-syncstatenotfound.json"));
    assert_eq!(e.kind, ErrorKind::Resync);
    // The code alone is enough (some answers use another status).
    assert_eq!(
        wire::classify(400, None, &fixture("error-410-syncstatenotfound.json")).kind,
        ErrorKind::Resync
    );
    assert_eq!(
        wire::classify(
            400,
            None,
            r#"{"error":{"code":"resyncRequired","message":"x"}}"#
        )
        .kind,
        ErrorKind::Resync
    );

    let e = wire::classify(429, Some("2.128"), &fixture("error-429.json"));
    assert_eq!(
        e.kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_millis(2128))
        }
    );

    assert_eq!(
        wire::classify(400, None, &fixture("error-example-generic.json")).kind,
        ErrorKind::Permanent
    );
    assert_eq!(wire::classify(412, None, "{}").kind, ErrorKind::Stale);
    assert_eq!(wire::classify(401, None, "").kind, ErrorKind::Auth);
    assert_eq!(wire::classify(403, None, "").kind, ErrorKind::Auth);
    assert_eq!(
        wire::classify(503, None, "").kind,
        ErrorKind::Transient { retry_after: None }
    );
    assert_eq!(
        wire::classify(504, Some("7"), "").kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert_eq!(wire::classify(422, None, "").kind, ErrorKind::Permanent);
}

#[test]
fn reads_token_answers() {
    let (token, lifetime) = wire::parse_token_response(&fixture("token-response.json")).unwrap();
    assert!(token.starts_with("eyJ0eXAi"));
    assert_eq!(lifetime, Some(Duration::from_secs(3599)));

    let e = wire::parse_token_error(&fixture("token-error-invalid-client.json"), "app-1");
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(
        e.message.contains("No client secret was sent"),
        "{}",
        e.message
    );
    assert!(e.message.contains("AADSTS7000218"));

    let e = wire::parse_token_error(&fixture("token-error-invalid-scope.json"), "app-1");
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("AADSTS70011"));
}

// ---------------------------------------------------------------------------------------------
// (b) end to end against the emulator

const SECRET: &str = "s3cret-for-tests";
const ROOM: &str = "fjord@nordvik.kommune.example";

async fn emulator() -> GraphEmulator {
    let mut config = GraphEmulatorConfig::demo_clean(SECRET);
    config.seed = Seed::Empty;
    GraphEmulator::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

fn connector(emu: &GraphEmulator, secret: &str, page_size: u32) -> GraphConnector {
    let config = GraphConfig {
        graph_base: Url::parse(&emu.graph_base()).unwrap(),
        token_url: Url::parse(&emu.token_url()).unwrap(),
        client_id: roombridge_emulators::demo::DEMO_CLIENT_ID.into(),
        page_size,
    };
    GraphConnector::new(config, Secret::new(secret)).unwrap()
}

fn window() -> SyncWindow {
    SyncWindow {
        start: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2030, 3, 1, 0, 0, 0).unwrap(),
    }
}

fn timed(title: &str, day: u32, hour: u32) -> Content {
    Content {
        title: title.into(),
        when: When::Timed {
            start: Utc.with_ymd_and_hms(2030, 1, day, hour, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2030, 1, day, hour + 1, 30, 0).unwrap(),
        },
        time_zone: "Europe/Oslo".into(),
        organisation: "Nordvik Choir".into(),
        description: "Rehearsal before the concert".into(),
    }
}

#[tokio::test]
async fn lists_rooms() {
    let emu = emulator().await;
    let rooms = connector(&emu, SECRET, 10).rooms().await.unwrap();
    assert_eq!(rooms.len(), 12);
    assert!(
        rooms
            .iter()
            .any(|r| r.email == ROOM && r.display_name == "Town Hall, Meeting Room Fjord")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_that_says_what_to_fix() {
    let emu = emulator().await;
    let err = connector(&emu, "wrong-secret", 10)
        .rooms()
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("client secret"), "{}", err.message);
    assert!(err.message.contains("AADSTS7000215"));
    assert!(!err.message.contains("wrong-secret"));
    emu.shutdown().await;
}

#[tokio::test]
async fn an_unlisted_mailbox_is_an_auth_error() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let err = c
        .changes(&Mailbox::new("ceo@nordvik.kommune.example"), window(), None)
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Auth, Some(403)));
    emu.shutdown().await;
}

#[tokio::test]
async fn creates_a_tagged_event_and_reads_the_tag_back() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let link = LinkId::new("b:r:res-1");
    let content = timed("Choir", 10, 17);
    let created = c
        .create_event(&room, &content, &link, "idem-1")
        .await
        .unwrap();
    assert_eq!(
        created.content.hash(),
        content.hash(),
        "what we wrote reads back the same"
    );
    assert_eq!(created.tag.as_ref(), Some(&link));
    assert_eq!(
        c.tag_of(&room, &created.id).await.unwrap(),
        Some(link.clone())
    );

    // A retry with the same idempotency key is the same event.
    let again = c
        .create_event(&room, &content, &link, "idem-1")
        .await
        .unwrap();
    assert_eq!(again.id, created.id);

    // Delta does not carry the tag; an Outlook-made event has none.
    let changes = c.changes(&room, window(), None).await.unwrap();
    assert_eq!(changes.upserted.len(), 1);
    assert_eq!(changes.upserted[0].tag, None);
    assert_eq!(changes.upserted[0].content.hash(), content.hash());
    emu.shutdown().await;
}

#[tokio::test]
async fn all_day_events_keep_their_dates_and_zone() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let content = Content {
        when: When::AllDay {
            start: NaiveDate::from_ymd_opt(2030, 1, 24).unwrap(),
            end: NaiveDate::from_ymd_opt(2030, 1, 26).unwrap(),
        },
        ..timed("Market days", 1, 1)
    };
    let created = c
        .create_event(&room, &content, &LinkId::new("b:r:x"), "idem-ad")
        .await
        .unwrap();
    assert_eq!(created.content, content);
    let changes = c.changes(&room, window(), None).await.unwrap();
    assert_eq!(changes.upserted[0].content, content);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_stale_version_fails_as_stale_and_a_current_one_updates() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let created = c
        .create_event(&room, &timed("Choir", 10, 17), &LinkId::new("b:r:1"), "k1")
        .await
        .unwrap();
    let old = created.version.clone().unwrap();
    let updated = c
        .update_event(
            &room,
            &created.id,
            Some(&old),
            &timed("Choir (new time)", 10, 18),
        )
        .await
        .unwrap();
    assert_eq!(updated.content.title, "Choir (new time)");
    assert_ne!(updated.version.as_deref(), Some(old.as_str()));

    let err = c
        .update_event(&room, &created.id, Some(&old), &timed("Overwrite", 10, 18))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Stale, Some(412)));
    emu.shutdown().await;
}

#[tokio::test]
async fn deleting_twice_is_fine() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let created = c
        .create_event(&room, &timed("Choir", 10, 17), &LinkId::new("b:r:1"), "k1")
        .await
        .unwrap();
    c.delete_event(&room, &created.id).await.unwrap();
    c.delete_event(&room, &created.id).await.unwrap();
    let err = c.tag_of(&room, &created.id).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    emu.shutdown().await;
}

#[tokio::test]
async fn changes_follow_every_page_and_then_report_only_what_changed() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 2);
    let room = Mailbox::new(ROOM);
    let mut ids = Vec::new();
    for day in 10..15 {
        let e = c
            .create_event(
                &room,
                &timed(&format!("Day {day}"), day, 9),
                &LinkId::new(format!("b:{day}")),
                &format!("k{day}"),
            )
            .await
            .unwrap();
        ids.push(e.id);
    }
    let first = c.changes(&room, window(), None).await.unwrap();
    assert_eq!(first.upserted.len(), 5, "three pages of two");
    assert!(first.removed.is_empty() && first.rejected.is_empty());
    assert!(first.cursor.contains("$deltatoken="));

    let quiet = c
        .changes(&room, window(), Some(&first.cursor))
        .await
        .unwrap();
    assert!(quiet.upserted.is_empty() && quiet.removed.is_empty());

    // Deleted, moved out of the window, changed.
    c.delete_event(&room, &ids[0]).await.unwrap();
    let mut moved = timed("Day 11", 11, 9);
    moved.when = When::Timed {
        start: Utc.with_ymd_and_hms(2030, 6, 1, 9, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2030, 6, 1, 10, 0, 0).unwrap(),
    };
    c.update_event(&room, &ids[1], None, &moved).await.unwrap();
    c.update_event(&room, &ids[2], None, &timed("Day 12 (changed)", 12, 9))
        .await
        .unwrap();

    let next = c
        .changes(&room, window(), Some(&quiet.cursor))
        .await
        .unwrap();
    assert_eq!(next.upserted.len(), 1);
    assert_eq!(next.upserted[0].content.title, "Day 12 (changed)");
    let removed: BTreeSet<_> = next.removed.iter().cloned().collect();
    assert_eq!(removed, BTreeSet::from([ids[0].clone(), ids[1].clone()]));
    assert_ne!(next.cursor, quiet.cursor);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_cursor_asks_for_a_resync() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let first = c.changes(&room, window(), None).await.unwrap();
    emu.forget_sync_state();
    let err = c
        .changes(&room, window(), Some(&first.cursor))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Resync, Some(410)));
    // A cursor pointing elsewhere is not followed with our token.
    let err = c
        .changes(
            &room,
            window(),
            Some("https://elsewhere.example/v1.0/x?$deltatoken=1"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Resync);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_replaced_without_failing_the_call() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    c.rooms().await.unwrap();
    emu.expire_tokens();
    assert_eq!(c.rooms().await.unwrap().len(), 12);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_outlook_event_without_the_organisation_line_belongs_to_its_organizer() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let mut content = timed("Staff meeting", 10, 9);
    content.organisation = String::new();
    content.description = "Agenda in Teams".into();
    let created = c
        .create_event(&room, &content, &LinkId::new("c:1"), "k")
        .await
        .unwrap();
    // Made through the room's calendar, so the room is the organizer.
    assert_eq!(
        created.content.organisation,
        "Town Hall, Meeting Room Fjord"
    );
    assert_eq!(created.content.description, "Agenda in Teams");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// (c) the emulator answers in the samples' shape

/// Checks that every key of `sample` is in `actual` with the same JSON kind, recursively (arrays
/// by their first elements). Null on either side matches any kind: those properties are
/// nullable. `extra` lists keys `actual` may have beyond the sample.
fn assert_same_shape(sample: &Value, actual: &Value, path: &str, extra: &[&str], exact: bool) {
    match (sample, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(s), Value::Object(a)) => {
            for (k, sv) in s {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} missing in emulator answer {actual}"));
                assert_same_shape(sv, av, &format!("{path}.{k}"), extra, exact);
            }
            if exact {
                for k in a.keys() {
                    assert!(
                        s.contains_key(k) || extra.contains(&k.as_str()),
                        "{path}.{k} is not in the sample"
                    );
                }
            }
        }
        (Value::Array(s), Value::Array(a)) => {
            if let (Some(s0), Some(a0)) = (s.first(), a.first()) {
                assert_same_shape(s0, a0, &format!("{path}[0]"), extra, exact);
            }
        }
        (s, a) => assert_eq!(kind(s), kind(a), "{path}: sample {s} vs emulator {a}"),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn sample(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

async fn raw_token(emu: &GraphEmulator, secret: &str, scope: &str) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
            ("client_secret", secret),
            ("scope", scope),
        ])
        .finish();
    let r = reqwest::Client::new()
        .post(emu.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (
        r.status().as_u16(),
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

impl Raw {
    async fn new(emu: &GraphEmulator) -> Raw {
        let (_, t) = raw_token(emu, SECRET, "https://graph.microsoft.com/.default").await;
        Raw {
            http: reqwest::Client::new(),
            base: emu.graph_base(),
            token: t["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        prefer: &[&str],
    ) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut rb = self.http.request(method, url).bearer_auth(&self.token);
        for p in prefer {
            rb = rb.header("Prefer", *p);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn emulator_answers_have_the_samples_shapes() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;

    // Token endpoint.
    let (status, ok) = raw_token(&emu, SECRET, "https://graph.microsoft.com/.default").await;
    assert_eq!(status, 200);
    assert_same_shape(
        &sample("token-response.json"),
        &ok,
        "token",
        &["ext_expires_in"],
        true,
    );
    let (status, bad) = raw_token(&emu, "", "https://graph.microsoft.com/.default").await;
    assert_eq!(status, 401);
    assert_same_shape(
        &sample("token-error-invalid-client.json"),
        &bad,
        "token-error",
        &[],
        true,
    );
    let (status, bad) = raw_token(&emu, SECRET, "https://foo.microsoft.com/.default").await;
    assert_eq!(status, 400);
    assert_same_shape(
        &sample("token-error-invalid-scope.json"),
        &bad,
        "token-error",
        &["error_uri"],
        true,
    );

    // Create (the sample's request, in our room) and get.
    let (status, created) = raw
        .call(
            reqwest::Method::POST,
            &format!("/users/{ROOM}/events"),
            Some(sample("event-create-request.json")),
            &["outlook.timezone=\"Pacific Standard Time\""],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_same_shape(
        &sample("event-create-response.json"),
        &created,
        "create",
        &["transactionId"],
        true,
    );
    assert_eq!(created["start"]["timeZone"], "Pacific Standard Time");
    let id = created["id"].as_str().unwrap();
    let (_, got) = raw
        .call(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/events/{id}"),
            None,
            &[],
        )
        .await;
    // The sample was fetched with $select; its keys are a subset of the full event (except the
    // calendar navigation links, which $select adds).
    let mut get_sample = sample("event-get-prefer-timezone.json");
    let obj = get_sample.as_object_mut().unwrap();
    obj.retain(|k, _| !k.starts_with("calendar@") && k != "hideAttendees");
    assert_same_shape(&get_sample, &got, "get", &[], false);

    // Extended property $expand.
    let (_, tagged) = raw
        .call(
            reqwest::Method::PATCH,
            &format!("/users/{ROOM}/events/{id}"),
            Some(sample("extended-property-patch-request.json")),
            &[],
        )
        .await;
    assert!(tagged.get("singleValueExtendedProperties").is_none());
    let expand = "singleValueExtendedProperties($filter=id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color')";
    let (_, expanded) = raw
        .call(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/events/{id}?$expand={expand}"),
            None,
            &[],
        )
        .await;
    let props_sample = json!({"singleValueExtendedProperties": sample("extended-property-expand-response.json")["singleValueExtendedProperties"]});
    assert_same_shape(&props_sample, &expanded, "expand", &[], false);
    assert_eq!(
        expanded["singleValueExtendedProperties"][0]["value"],
        "Green"
    );

    // Delta pages: first page with nextLink, final with deltaLink, then a removal.
    raw.call(
        reqwest::Method::POST,
        &format!("/users/{ROOM}/events"),
        Some(json!({"subject": "Second", "start": {"dateTime": "2017-04-16T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2017-04-16T11:00:00", "timeZone": "UTC"}})),
        &[],
    )
    .await;
    let first = format!(
        "/users/{ROOM}/calendarView/delta?startDateTime=2017-04-01T00:00:00Z&endDateTime=2017-05-01T00:00:00Z"
    );
    let (_, page1) = raw
        .call(reqwest::Method::GET, &first, None, &["odata.maxpagesize=1"])
        .await;
    assert_same_shape(
        &sample("calendarview-delta-initial-page.json"),
        &page1,
        "delta1",
        &[],
        false,
    );
    let (_, page2) = raw
        .call(
            reqwest::Method::GET,
            page1["@odata.nextLink"].as_str().unwrap(),
            None,
            &["odata.maxpagesize=1"],
        )
        .await;
    assert_same_shape(
        &sample("calendarview-delta-final-page-deltalink.json"),
        &page2,
        "delta2",
        &[],
        false,
    );
    raw.call(
        reqwest::Method::DELETE,
        &format!("/users/{ROOM}/events/{id}"),
        None,
        &[],
    )
    .await;
    let (_, removed) = raw
        .call(
            reqwest::Method::GET,
            page2["@odata.deltaLink"].as_str().unwrap(),
            None,
            &[],
        )
        .await;
    let removed_sample = sample("calendarview-delta-removed.json");
    assert_same_shape(
        &removed_sample["value"][0],
        &removed["value"][0],
        "removed",
        &[],
        true,
    );

    // Places (capacity is Edm.Int32 in the CSDL; the docs sample shows a string).
    let (_, rooms) = raw
        .call(
            reqwest::Method::GET,
            "/places/microsoft.graph.room?$top=2",
            None,
            &[],
        )
        .await;
    let mut places = sample("places-rooms.json");
    for p in places["value"].as_array_mut().unwrap() {
        p["capacity"] = json!(50);
    }
    assert_same_shape(&places, &rooms, "places", &["@odata.nextLink"], true);

    // Errors: 404 and 410.
    let (status, missing) = raw
        .call(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/events/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(status, 404);
    assert_same_shape(
        &sample("error-404-erroritemnotfound.json"),
        &missing,
        "404",
        &[],
        true,
    );
    let (status, gone) = raw
        .call(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/calendarView/delta?$deltatoken=expired"),
            None,
            &[],
        )
        .await;
    assert_eq!(status, 410);
    assert_same_shape(
        &sample("error-410-syncstatenotfound.json"),
        &gone,
        "410",
        &["client-request-id"],
        true,
    );
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// (d) room lists, batch creates and declines

#[test]
fn reads_room_lists() {
    let (lists, next) = wire::parse_room_lists_page(&fixture("places-roomlists.json")).unwrap();
    assert!(next.is_none());
    let emails: Vec<_> = lists.iter().map(|l| l.email.as_str()).collect();
    assert_eq!(emails, ["bldg1@contoso.com", "bldg2@contoso.com"]);
    assert_eq!(lists[0].display_name, "Building 1");
}

#[tokio::test]
async fn every_room_is_in_some_room_list() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let lists = c.room_lists().await.unwrap();
    assert!(!lists.is_empty());
    let mut listed = BTreeSet::new();
    for l in &lists {
        for r in c.rooms_in_list(&l.email).await.unwrap() {
            listed.insert(r.email);
        }
    }
    assert!(listed.contains(ROOM), "{listed:?}");
    let err = c
        .rooms_in_list("nowhere@nordvik.kommune.example")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    emu.shutdown().await;
}

#[tokio::test]
async fn writes_go_in_chained_batches_and_one_bad_item_fails_alone() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let kept = c
        .create_event(&room, &timed("Kept", 10, 7), &LinkId::new("k:1"), "kept")
        .await
        .unwrap();
    let mut contents: Vec<Content> = (0..45)
        .map(|i| timed(&format!("Batch {i}"), 10, 8))
        .collect();
    // End before start: Graph refuses it (400) in the middle of the first chain.
    contents[3].when = When::Timed {
        start: Utc.with_ymd_and_hms(2030, 1, 10, 9, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2030, 1, 10, 8, 0, 0).unwrap(),
    };
    let links: Vec<LinkId> = (0..45).map(|i| LinkId::new(format!("b:{i}"))).collect();
    let keys: Vec<String> = (0..45).map(|i| format!("batch-{i}")).collect();
    let mut writes: Vec<CalendarWrite> = (0..45)
        .map(|i| CalendarWrite::Create {
            content: &contents[i],
            link: &links[i],
            idempotency_key: &keys[i],
        })
        .collect();
    // A well-formed id that names no event: Graph answers 404 in the middle of a chain, and the
    // writes after it still go through.
    let missing = GraphEventId::new("AAMkADmissing00000000000000000000AAA=");
    let renamed = timed("Renamed", 10, 7);
    writes[10] = CalendarWrite::Update {
        event: &missing,
        version: None,
        content: &renamed,
    };
    writes[30] = CalendarWrite::Update {
        event: &kept.id,
        version: kept.version.as_deref(),
        content: &renamed,
    };
    // Deleting an event that is already gone counts as deleted.
    writes[44] = CalendarWrite::Delete { event: &missing };
    emu.reset_stats();
    let results = c.write_many(&room, &writes).await;
    assert_eq!(results.len(), 45);
    for (i, r) in results.iter().enumerate() {
        match i {
            3 | 10 => assert!(r.is_err(), "item {i} should fail: {r:?}"),
            30 => assert_eq!(
                r.as_ref().unwrap().as_ref().unwrap().content.title,
                "Renamed"
            ),
            44 => assert!(r.as_ref().unwrap().is_none()),
            _ => {
                let e = r.as_ref().unwrap().as_ref().unwrap();
                assert_eq!(e.content.title, format!("Batch {i}"));
                assert_eq!(e.tag, Some(LinkId::new(format!("b:{i}"))));
            }
        }
    }
    // Three chains of 20, 20 and 5; the rest of the first chain after the 400 (answered 424,
    // not run) in a fourth, and the rest of that one after the 404 in a fifth.
    let stats = emu.stats();
    let batches: u64 = stats.requests.values().sum();
    assert_eq!(batches, 5, "{stats:?}");
    assert_eq!(stats.throttled.values().sum::<u64>(), 0, "{stats:?}");
    let changes = c.changes(&room, window(), None).await.unwrap();
    assert_eq!(changes.upserted.len(), 42);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_room_cannot_decline_an_event_it_organised() {
    // Events made through the room's calendar are organised by the room, and Exchange refuses
    // a response to one's own meeting: the decline reaches Graph and fails for that item only.
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let created = c
        .create_event(
            &room,
            &timed("Double booked", 10, 17),
            &LinkId::new("c:1"),
            "k",
        )
        .await
        .unwrap();
    let err = c
        .decline_event(
            &room,
            &created.id,
            "The room is booked in the booking system",
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Permanent, Some(400)));
    assert!(err.message.contains("organized"), "{}", err.message);
    assert_eq!(c.stats().retries, 0, "a refused decline is not repeated");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// (e) organizers, cancel, decline, series

#[test]
fn reads_when_an_event_changed_who_organised_it_and_whether_it_has_attendees() {
    let e = wire::parse_event(&fixture("event-create-response.json"), OSLO).unwrap();
    assert_eq!(
        e.modified,
        Some(
            Utc.with_ymd_and_hms(2017, 4, 15, 3, 0, 51).unwrap()
                + chrono::Duration::microseconds(245_372)
        )
    );
    assert!(e.is_organizer);
    assert!(e.has_attendees);
    let e = wire::parse_event(&fixture("event-get-prefer-timezone.json"), OSLO).unwrap();
    assert!(e.has_attendees);
    assert!(
        e.modified.is_none(),
        "the sample has no lastModifiedDateTime"
    );
    // The delta samples leave these fields out: no attendees, and (wire.rs's default) the
    // mailbox counts as the organizer.
    let page =
        wire::parse_delta_page(&fixture("calendarview-delta-initial-page.json"), OSLO).unwrap();
    assert!(
        page.events
            .iter()
            .all(|e| !e.has_attendees && e.is_organizer && e.modified.is_none())
    );
}

#[test]
fn reads_someone_elses_meeting_as_not_organised_by_the_room() {
    let mut v = sample("event-create-response.json");
    v["isOrganizer"] = json!(false);
    let e = wire::parse_event(&v.to_string(), OSLO).unwrap();
    assert!(!e.is_organizer);
}

#[test]
fn a_series_master_in_a_delta_page_is_skipped_and_its_occurrences_are_read() {
    let master = sample("event-recurring-series.json");
    let mut occurrence = master.clone();
    occurrence["id"] = json!("AAMkADQwMDOCC20170911=");
    occurrence["type"] = json!("occurrence");
    occurrence["seriesMasterId"] = master["id"].clone();
    occurrence["recurrence"] = Value::Null;
    occurrence["start"]["dateTime"] = json!("2017-09-11T12:00:00.0000000");
    occurrence["end"]["dateTime"] = json!("2017-09-11T14:00:00.0000000");
    occurrence["originalStart"] = json!("2017-09-11T19:00:00Z");
    let mut exception = occurrence.clone();
    exception["id"] = json!("AAMkADQwMDOCC20170918=");
    exception["type"] = json!("exception");
    exception["subject"] = json!("Lunch moved");
    exception["originalStart"] = json!("2017-09-18T19:00:00Z");
    let page = json!({
        "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x",
        "value": [master, occurrence, exception]
    });
    let page = wire::parse_delta_page(&page.to_string(), OSLO).unwrap();
    assert!(page.rejected.is_empty(), "{:?}", page.rejected);
    let ids: Vec<&str> = page.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["AAMkADQwMDOCC20170911=", "AAMkADQwMDOCC20170918="]
    );
    assert_eq!(page.events[1].content.title, "Lunch moved");
    let master_id = GraphEventId::new(master["id"].as_str().unwrap());
    let occurrence = page.events[0].instance.as_ref().expect("an occurrence");
    assert_eq!(occurrence.master, master_id);
    assert!(!occurrence.exception);
    let exception = page.events[1].instance.as_ref().expect("an exception");
    assert!(exception.exception);
    // The sample's zone is Pacific Standard Time: 19:00 UTC is noon on the 18th there.
    assert_eq!(
        page.events[1].occurrence_date(OSLO),
        chrono::NaiveDate::from_ymd_opt(2017, 9, 18)
    );
}

/// An occurrence as real tenants send it in `calendarView/delta` (graph-as-observed.md, from
/// microsoft-graph-docs-contrib issue 34), for the series of `event-recurring-series.json`.
fn bare_occurrence(master: &Value, id: &str, start: &str, end: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.event",
        "@odata.etag": "W/\"DwAAABYAAAC9YbapXssvT4RTG13UUr6AAAhT48i7\"",
        "id": id,
        "seriesMasterId": master["id"],
        "type": "occurrence",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"}
    })
}

#[test]
fn a_bare_occurrence_waits_for_its_series_master_and_the_rest_of_the_page_is_read() {
    let master = sample("event-recurring-series.json");
    let occurrence = bare_occurrence(
        &master,
        "AAMkADQwMDOCC20170911=",
        "2017-09-11T19:00:00.0000000",
        "2017-09-11T21:00:00.0000000",
    );
    let mut orphan = occurrence.clone();
    orphan["id"] = json!("AAMkADorphan=");
    orphan.as_object_mut().unwrap().remove("seriesMasterId");
    let mut single = sample("event-create-response.json");
    single["id"] = json!("single");
    let page = json!({
        "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x",
        "value": [occurrence, orphan, single]
    });
    let page = wire::parse_delta_page(&page.to_string(), OSLO).unwrap();
    assert_eq!(page.events.len(), 1, "the single event is read");
    assert!(page.events[0].instance.is_none());
    assert_eq!(page.bare.len(), 1, "the occurrence waits for its master");
    assert_eq!(page.bare[0].id.as_str(), "AAMkADQwMDOCC20170911=");
    assert_eq!(page.bare[0].master.as_str(), master["id"].as_str().unwrap());
    assert_eq!(
        page.rejected.len(),
        1,
        "an occurrence naming no series fails alone"
    );
    assert!(
        page.rejected[0].message.contains("seriesMasterId"),
        "{}",
        page.rejected[0].message
    );
}

#[test]
fn a_bare_occurrence_is_completed_from_its_series_master() {
    let master = sample("event-recurring-series.json");
    let page = json!({
        "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x",
        "value": [bare_occurrence(
            &master,
            "AAMkADQwMDOCC20170911=",
            "2017-09-11T19:00:00.0000000",
            "2017-09-11T21:00:00.0000000",
        )]
    });
    let page = wire::parse_delta_page(&page.to_string(), OSLO).unwrap();
    let e = wire::complete_occurrence(&page.bare[0], &master, OSLO).unwrap();
    assert_eq!(e.id.as_str(), "AAMkADQwMDOCC20170911=");
    assert_eq!(e.content.title, master["subject"].as_str().unwrap());
    assert_eq!(e.content.organisation, "Alex Wilber");
    assert_eq!(e.content.time_zone, "America/Los_Angeles");
    let start = Utc.with_ymd_and_hms(2017, 9, 11, 19, 0, 0).unwrap();
    assert_eq!(
        e.content.when,
        When::Timed {
            start,
            end: Utc.with_ymd_and_hms(2017, 9, 11, 21, 0, 0).unwrap(),
        }
    );
    let instance = e.instance.as_ref().expect("an occurrence of the series");
    assert_eq!(instance.master.as_str(), master["id"].as_str().unwrap());
    assert_eq!(instance.original_start, start, "where the pattern put it");
    assert!(!instance.exception);
    assert_eq!(
        e.occurrence_date(OSLO),
        NaiveDate::from_ymd_opt(2017, 9, 11)
    );
    assert_eq!(
        e.version.as_deref(),
        Some("DwAAABYAAAC9YbapXssvT4RTG13UUr6AAAhT48i7"),
        "the occurrence's own etag, not the master's change key"
    );
}

#[test]
fn a_bare_all_day_occurrence_keeps_its_date_west_of_utc() {
    // An all-day series in Pacific time: Graph sends its occurrences midnight to midnight
    // whatever zone Prefer asked for (microsoft-graph-docs issue 1802).
    let mut master = sample("event-recurring-series.json");
    master["isAllDay"] = json!(true);
    let page = json!({
        "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x",
        "value": [bare_occurrence(
            &master,
            "AAMkADQwMDOCC20170911=",
            "2017-09-11T00:00:00.0000000",
            "2017-09-12T00:00:00.0000000",
        )]
    });
    let page = wire::parse_delta_page(&page.to_string(), OSLO).unwrap();
    let e = wire::complete_occurrence(&page.bare[0], &master, OSLO).unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2017, 9, d).unwrap();
    assert_eq!(
        e.content.when,
        When::AllDay {
            start: day(11),
            end: day(12)
        }
    );
    assert_eq!(e.occurrence_date(OSLO), Some(day(11)));
    assert_eq!(
        e.instance.unwrap().original_start,
        Utc.with_ymd_and_hms(2017, 9, 11, 7, 0, 0).unwrap(),
        "midnight in Los Angeles"
    );
}

#[test]
fn all_day_events_keep_their_dates_in_every_zone() {
    for (windows, zone) in [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("New Zealand Standard Time", "Pacific/Auckland"),
        ("W. Europe Standard Time", "Europe/Oslo"),
    ] {
        let mut v = sample("event-create-response.json");
        v["isAllDay"] = json!(true);
        v["originalStartTimeZone"] = json!(windows);
        v["originalEndTimeZone"] = json!(windows);
        // Asked for in UTC, still midnight to midnight.
        v["start"] = json!({"dateTime": "2027-02-05T00:00:00.0000000", "timeZone": "UTC"});
        v["end"] = json!({"dateTime": "2027-02-06T00:00:00.0000000", "timeZone": "UTC"});
        let e = wire::parse_event(&v.to_string(), OSLO).unwrap();
        assert_eq!(
            e.content.when,
            When::AllDay {
                start: NaiveDate::from_ymd_opt(2027, 2, 5).unwrap(),
                end: NaiveDate::from_ymd_opt(2027, 2, 6).unwrap(),
            },
            "{windows}"
        );
        assert_eq!(e.content.time_zone, zone);
    }
}

#[test]
fn an_event_in_a_custom_zone_is_read_in_the_rooms_zone() {
    let mut v = sample("event-create-response.json");
    v["originalStartTimeZone"] = json!("tzone://Microsoft/Custom");
    v["originalEndTimeZone"] = json!("tzone://Microsoft/Custom");
    let e = wire::parse_event(&v.to_string(), OSLO).unwrap();
    assert_eq!(e.content.time_zone, "Europe/Oslo");
    v["originalStartTimeZone"] = json!("tzone://Microsoft/Utc");
    let e = wire::parse_event(&v.to_string(), OSLO).unwrap();
    assert_eq!(e.content.time_zone, "UTC");
}

/// Posts `body` to an emulator admin route with the connector's own kind of token.
async fn admin(
    raw: &Raw,
    emu: &GraphEmulator,
    method: reqwest::Method,
    route: &str,
    body: Option<Value>,
) -> (u16, Value) {
    raw.call(method, &format!("{}/{route}", emu.admin_url()), body, &[])
        .await
}

/// Someone else's meeting in the room, 10 January 2030; returns its id.
async fn invite(raw: &Raw, emu: &GraphEmulator, subject: &str) -> GraphEventId {
    let (status, v) = admin(
        raw,
        emu,
        reqwest::Method::POST,
        "invitations",
        Some(json!({
            "mailbox": ROOM,
            "subject": subject,
            "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": "UTC"},
            "organizer": {"name": "Kari Nordmann", "address": "kari@contoso.example"},
            "attendees": [{"emailAddress": {"name": "Ola", "address": "ola@contoso.example"}}]
        })),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    GraphEventId::new(v["id"].as_str().unwrap())
}

async fn replies(raw: &Raw, emu: &GraphEmulator) -> Vec<Value> {
    let (status, v) = admin(raw, emu, reqwest::Method::GET, "replies", None).await;
    assert_eq!(status, 200, "{v}");
    v["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn changes_say_who_organised_each_event_and_whether_it_has_attendees() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let own = c
        .create_event(&room, &timed("Choir", 11, 17), &LinkId::new("l:1"), "k1")
        .await
        .unwrap();
    let theirs = invite(&raw, &emu, "Budget").await;
    let changes = c.changes(&room, window(), None).await.unwrap();
    let find = |id: &GraphEventId| changes.upserted.iter().find(|e| &e.id == id).unwrap();
    let (o, t) = (find(&own.id), find(&theirs));
    assert!(o.is_organizer && !o.has_attendees);
    assert!(!t.is_organizer && t.has_attendees);
    assert!(o.modified.is_some() && t.modified.is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_meeting_the_room_organised_removes_it_and_tells_why() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let own = c
        .create_event(&room, &timed("Choir", 11, 17), &LinkId::new("l:1"), "k1")
        .await
        .unwrap();
    let first = c.changes(&room, window(), None).await.unwrap();
    c.cancel_event(&room, &own.id, "The hall is closed for repairs.")
        .await
        .unwrap();
    let next = c
        .changes(&room, window(), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(next.removed, vec![own.id.clone()]);
    assert!(next.upserted.is_empty());
    // Already gone counts as cancelled, and sends nothing more.
    c.cancel_event(&room, &own.id, "again").await.unwrap();
    let replies = replies(&raw, &emu).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["kind"], "cancel");
    assert_eq!(replies[0]["eventId"], own.id.as_str());
    assert_eq!(replies[0]["comment"], "The hall is closed for repairs.");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_room_cannot_cancel_someone_elses_meeting() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let theirs = invite(&raw, &emu, "Budget").await;
    let err = c.cancel_event(&room, &theirs, "no").await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Permanent, Some(400)));
    assert!(err.message.contains("organizer"), "{}", err.message);
    assert_eq!(c.stats().retries, 0);
    assert!(replies(&raw, &emu).await.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn declining_through_the_trait_tells_the_organizer_and_a_gone_event_counts_as_declined() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let theirs = invite(&raw, &emu, "Budget").await;
    let first = c.changes(&room, window(), None).await.unwrap();
    Calendar::decline_event(&c, &room, &theirs, "The room is booked by the choir.")
        .await
        .unwrap();
    let next = c
        .changes(&room, window(), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(next.removed, vec![theirs.clone()]);
    let replies = replies(&raw, &emu).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["kind"], "decline");
    assert_eq!(replies[0]["comment"], "The room is booked by the choir.");
    // Deleted meanwhile: nothing left to decline, which is fine.
    raw.call(
        reqwest::Method::DELETE,
        &format!(
            "/users/{ROOM}/events/{}",
            theirs.as_str().replace('=', "%3D")
        ),
        None,
        &[],
    )
    .await;
    Calendar::decline_event(&c, &room, &theirs, "again")
        .await
        .unwrap();
    // The inherent call still says what happened.
    let err = c.decline_event(&room, &theirs, "again").await.unwrap_err();
    assert_eq!(err.status, Some(404));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_cancel_is_repeated_after_a_429_but_not_after_a_server_error() {
    use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute};
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let a = c
        .create_event(&room, &timed("A", 11, 17), &LinkId::new("l:a"), "ka")
        .await
        .unwrap();
    let b = c
        .create_event(&room, &timed("B", 12, 17), &LinkId::new("l:b"), "kb")
        .await
        .unwrap();
    emu.inject(Fault {
        route: FaultRoute::CancelEvent,
        kind: FaultKind::Throttle { retry_after: 0.05 },
        probability: 1.0,
        count: Some(1),
    })
    .unwrap();
    c.cancel_event(&room, &a.id, "closed").await.unwrap();
    assert_eq!(c.stats().retries, 1);
    emu.inject(Fault {
        route: FaultRoute::CancelEvent,
        kind: FaultKind::ServerError {
            status: 503,
            retry_after: None,
        },
        probability: 1.0,
        count: Some(1),
    })
    .unwrap();
    let err = c.cancel_event(&room, &b.id, "closed").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(
        c.stats().retries,
        1,
        "a cancel that reached Graph is not repeated"
    );
    assert_eq!(replies(&raw, &emu).await.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_series_reads_as_its_occurrences_each_with_its_own_id() {
    let emu = emulator().await;
    let raw = Raw::new(&emu).await;
    let c = connector(&emu, SECRET, 2);
    let room = Mailbox::new(ROOM);
    let (status, master) = raw
        .call(
            reqwest::Method::POST,
            &format!("/users/{ROOM}/events"),
            Some(json!({
                "subject": "Choir",
                "start": {"dateTime": "2030-01-07T18:00:00", "timeZone": "W. Europe Standard Time"},
                "end": {"dateTime": "2030-01-07T20:00:00", "timeZone": "W. Europe Standard Time"},
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                    "range": {"type": "numbered", "startDate": "2030-01-07", "numberOfOccurrences": 3}
                }
            })),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{master}");
    let first = c.changes(&room, window(), None).await.unwrap();
    assert!(first.rejected.is_empty(), "{:?}", first.rejected);
    let mut starts: Vec<_> = first
        .upserted
        .iter()
        .map(|e| match e.content.when {
            When::Timed { start, .. } => start,
            When::AllDay { .. } => panic!("timed"),
        })
        .collect();
    starts.sort();
    assert_eq!(
        starts,
        vec![
            Utc.with_ymd_and_hms(2030, 1, 7, 17, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2030, 1, 14, 17, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2030, 1, 21, 17, 0, 0).unwrap(),
        ]
    );
    let ids: BTreeSet<&str> = first.upserted.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert!(!ids.contains(master["id"].as_str().unwrap()));

    // One occurrence edited in Outlook, another deleted.
    let occ: Vec<GraphEventId> = first.upserted.iter().map(|e| e.id.clone()).collect();
    let path =
        |id: &GraphEventId| format!("/users/{ROOM}/events/{}", id.as_str().replace('=', "%3D"));
    let (s, _) = raw
        .call(
            reqwest::Method::PATCH,
            &path(&occ[0]),
            Some(json!({"subject": "Concert"})),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = raw
        .call(reqwest::Method::DELETE, &path(&occ[1]), None, &[])
        .await;
    assert_eq!(s, 204);
    let next = c
        .changes(&room, window(), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(next.upserted.len(), 1);
    assert_eq!(next.upserted[0].id, occ[0]);
    assert_eq!(next.upserted[0].content.title, "Concert");
    // Like a real tenant, delta says nothing about the deleted occurrence: only the series'
    // instances show it is gone (the engine compares them with what it knew).
    assert!(next.removed.is_empty(), "{:?}", next.removed);
    let master_id = next.upserted[0].instance.as_ref().unwrap().master.clone();
    let live: BTreeSet<GraphEventId> = c
        .instances(&room, &master_id, window())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(live, BTreeSet::from([occ[0].clone(), occ[2].clone()]));
    emu.shutdown().await;
}

fn series(pattern: Pattern, range: Range) -> Series {
    Series {
        pattern,
        range,
        timing: Timing::Timed {
            start_time: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            duration: chrono::Duration::minutes(90),
        },
        zone: OSLO,
    }
}

#[tokio::test]
async fn creates_a_tagged_series_and_pages_through_its_instances() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let link = LinkId::new("b:r:res-7");
    let first = timed("Choir", 10, 17);
    let daily = series(
        Pattern::Daily { interval: 1 },
        Range::Numbered {
            start: NaiveDate::from_ymd_opt(2030, 1, 10).unwrap(),
            occurrences: 15,
        },
    );
    let master = c
        .create_series(&room, &first, &daily, &link, "idem-series")
        .await
        .unwrap();
    // A retry with the same idempotency key is the same series.
    let again = c
        .create_series(&room, &first, &daily, &link, "idem-series")
        .await
        .unwrap();
    assert_eq!(again, master);

    // Fifteen instances: more than Graph's page of ten, so the listing follows its nextLink.
    let instances = c.instances(&room, &master, window()).await.unwrap();
    assert_eq!(instances.len(), 15);
    for (n, instance) in instances.iter().enumerate() {
        let date = NaiveDate::from_ymd_opt(2030, 1, 10 + n as u32).unwrap();
        assert_eq!(instance.occurrence_date(OSLO), Some(date));
        let mut expected = first.clone();
        expected.when = timed("Choir", 10 + n as u32, 17).when;
        assert_eq!(instance.content.hash(), expected.hash(), "occurrence {n}");
        let i = instance
            .instance
            .as_ref()
            .expect("an occurrence of the series");
        assert_eq!(i.master, master);
        assert!(!i.exception);
    }
    // Every instance shows the tag RoomBridge put on the series.
    assert_eq!(
        c.tag_of(&room, &instances[3].id).await.unwrap(),
        Some(link.clone())
    );

    // One occurrence deleted on its own leaves the listing and delta; the rest stay.
    c.delete_event(&room, &instances[3].id).await.unwrap();
    let left = c.instances(&room, &master, window()).await.unwrap();
    assert_eq!(left.len(), 14);
    assert!(left.iter().all(|e| e.id != instances[3].id));
    let changes = c.changes(&room, window(), None).await.unwrap();
    assert_eq!(changes.upserted.len(), 14);
    assert!(changes.upserted.iter().all(|e| e.instance.is_some()));
    emu.shutdown().await;
}

#[tokio::test]
async fn every_pattern_type_is_accepted_and_gives_the_dates_core_expands() {
    use roombridge_core::recurrence::{DayOfWeek, WeekIndex, expand};
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let room = Mailbox::new(ROOM);
    let start = NaiveDate::from_ymd_opt(2030, 1, 10).unwrap();
    let end = NaiveDate::from_ymd_opt(2030, 2, 27).unwrap();
    let patterns = [
        Pattern::Daily { interval: 3 },
        Pattern::Weekly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Monday, DayOfWeek::Thursday],
            first_day_of_week: DayOfWeek::Monday,
        },
        Pattern::AbsoluteMonthly {
            interval: 1,
            day_of_month: 10,
        },
        Pattern::RelativeMonthly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Thursday],
            index: WeekIndex::Second,
        },
        Pattern::AbsoluteYearly {
            interval: 1,
            month: 2,
            day_of_month: 14,
        },
        Pattern::RelativeYearly {
            interval: 1,
            month: 2,
            days_of_week: vec![DayOfWeek::Friday],
            index: WeekIndex::Last,
        },
    ];
    let ranges = [
        Range::EndDate { start, end },
        Range::NoEnd { start },
        Range::Numbered {
            start,
            occurrences: 4,
        },
    ];
    let mut n = 0;
    for pattern in &patterns {
        for range in &ranges {
            n += 1;
            let s = series(pattern.clone(), *range);
            let link = LinkId::new(format!("b:r:res-{n}"));
            let master = c
                .create_series(&room, &timed("Choir", 10, 17), &s, &link, &format!("k{n}"))
                .await
                .unwrap_or_else(|e| panic!("{pattern:?} {range:?}: {e}"));
            let got: Vec<NaiveDate> = c
                .instances(&room, &master, window())
                .await
                .unwrap()
                .iter()
                .filter_map(|e| e.occurrence_date(OSLO))
                .collect();
            let want: Vec<NaiveDate> = expand(&s, window().start, window().end)
                .iter()
                .map(|o| o.local_date)
                .collect();
            assert_eq!(got, want, "{pattern:?} {range:?}");
        }
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_failed_call_names_its_request_id_and_client_request_id() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let err = c
        .update_event(
            &Mailbox::new(ROOM),
            &GraphEventId::new("AAMkADw3ellFormedButUnknownAAA="),
            None,
            &timed("Choir", 10, 17),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(404));
    assert!(err.is_item_gone());
    let ids: Vec<&str> = ["request-id ", "client-request-id "]
        .iter()
        .map(|label| {
            let at = err
                .message
                .find(label)
                .unwrap_or_else(|| panic!("{label}: {}", err.message));
            err.message[at + label.len()..]
                .split([',', ']'])
                .next()
                .unwrap()
        })
        .collect();
    for id in ids {
        assert_eq!(id.len(), 36, "a GUID, not 'none': {}", err.message);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_missing_mailbox_is_an_error_and_never_an_event_already_gone() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let nobody = Mailbox::new("no-such-room@nordvik.kommune.example");
    let event = GraphEventId::new("AAMkADw3ellFormedButUnknownAAA=");
    // An event that is gone from a room that exists: done, as the delete wanted.
    c.delete_event(&Mailbox::new(ROOM), &event).await.unwrap();
    // The same from a mailbox nobody has: an error that names the mailbox, for every write
    // that would otherwise take "not found" as "already gone".
    let errors = [
        c.delete_event(&nobody, &event).await.unwrap_err(),
        c.cancel_event(&nobody, &event, "closed").await.unwrap_err(),
        Calendar::decline_event(&c, &nobody, &event, "taken")
            .await
            .unwrap_err(),
        c.changes(&nobody, window(), None).await.unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.status, Some(404), "{err:?}");
        assert!(!err.is_item_gone(), "{err:?}");
        assert_eq!(err.code.as_deref(), Some("ErrorInvalidUser"));
        assert!(
            err.message.contains("mailbox does not exist"),
            "{}",
            err.message
        );
    }
    emu.shutdown().await;
}

/// Issue 12, bug 9: a reservation across the autumn DST change whose start and end read the
/// same on an Oslo wall clock (02:30 summer time to 02:30 winter time) reaches Outlook, and
/// comes back, as the right instants.
#[tokio::test]
async fn a_reservation_across_the_autumn_fold_is_written_and_read_back_as_its_instants() {
    let emu = emulator().await;
    let c = connector(&emu, SECRET, 10);
    let mut content = timed("Night watch", 10, 17);
    content.when = When::Timed {
        start: Utc.with_ymd_and_hms(2027, 10, 31, 0, 30, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2027, 10, 31, 1, 30, 0).unwrap(),
    };
    let created = c
        .create_event(
            &Mailbox::new(ROOM),
            &content,
            &LinkId::new("b:r:fold"),
            "idem-fold",
        )
        .await
        .unwrap();
    assert_eq!(created.content.when, content.when);
    assert_eq!(
        created.content.hash(),
        content.hash(),
        "no false change next cycle"
    );
    emu.shutdown().await;
}

/// Issue 12, bug 8: a title longer than Outlook's subject line fails that item alone, with
/// words that say what to fix, before anything is sent.
#[test]
fn a_title_longer_than_outlooks_subject_line_is_refused_with_what_to_fix() {
    let mut content = timed("Choir", 10, 17);
    content.title = "T".repeat(1_900_000);
    let err = wire::event_fields(&content).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(
        err.message.contains("1900000 characters"),
        "{}",
        err.message
    );
    assert!(err.message.contains("Shorten it"), "{}", err.message);
    content.title = "T".repeat(wire::MAX_SUBJECT_CHARS);
    assert!(wire::event_fields(&content).is_ok());
    content.description = "d".repeat(wire::MAX_BODY_CHARS + 1);
    let err = wire::event_fields(&content).unwrap_err();
    assert!(err.message.contains("description"), "{}", err.message);
}
