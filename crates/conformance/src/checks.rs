//! The checks, one function each, in the order they run. A check returns the first thing it
//! finds wrong, with what to fix; the later checks still run.

use std::sync::Mutex;

use chrono::{Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::{Answer, Auth, Client};
use crate::{Options, Outcome, Problem, Report};

/// The title of every reservation the kit makes.
const TITLE: &str = "RoomBridge conformance check";
/// How far ahead the kit's reservations lie, out of the way of real ones.
const DAYS_AHEAD: i64 = 500;

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Auth,
    Resources,
    Errors,
    Create,
    CreateNeedsKey,
    Idempotency,
    Validation,
    Versions,
    Feed,
    FeedFilter,
    Cancel,
    AllDay,
    Recurrence,
    Zones,
}

impl Check {
    pub const ALL: [Check; 14] = [
        Check::Auth,
        Check::Resources,
        Check::Errors,
        Check::Create,
        Check::CreateNeedsKey,
        Check::Idempotency,
        Check::Validation,
        Check::Versions,
        Check::Feed,
        Check::FeedFilter,
        Check::Cancel,
        Check::AllDay,
        Check::Recurrence,
        Check::Zones,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Check::Auth => "auth",
            Check::Resources => "resources",
            Check::Errors => "errors",
            Check::Create => "create",
            Check::CreateNeedsKey => "create-key",
            Check::Idempotency => "idempotency",
            Check::Validation => "validation",
            Check::Versions => "versions",
            Check::Feed => "feed",
            Check::FeedFilter => "feed-filter",
            Check::Cancel => "cancel",
            Check::AllDay => "all-day",
            Check::Recurrence => "recurrence",
            Check::Zones => "zones",
        }
    }

    /// What the check makes sure of, in one line.
    pub fn about(self) -> &'static str {
        match self {
            Check::Auth => "a missing or wrong API key is a 401 problem with WWW-Authenticate",
            Check::Resources => "GET /resources lists rooms and equipment with every field",
            Check::Errors => "errors are application/problem+json with type, title, status, detail",
            Check::Create => {
                "a create answers 201 with the reservation as sent, its ETag and Location"
            }
            Check::CreateNeedsKey => "a create without Idempotency-Key is a 428",
            Check::Idempotency => {
                "a replayed create answers 200 with the first reservation; another body is a 422"
            }
            Check::Validation => "a 422 lists every wrong field, not only the first",
            Check::Versions => {
                "PATCH needs If-Match (428), refuses a stale one (412), bumps version and ETag"
            }
            Check::Feed => {
                "the change feed returns every change after a cursor, once, in change order"
            }
            Check::FeedFilter => "the feed refuses an unknown resource_id with a 400",
            Check::Cancel => {
                "cancel is soft: status cancelled with the note, still readable, in the feed, final"
            }
            Check::AllDay => {
                "all-day reservations keep their dates; dates with instants mixed are a 422"
            }
            Check::Recurrence => "a recurrence keeps its rule; exdates merge and come back sorted",
            Check::Zones => "time_zone is kept as sent, and instants come back in UTC",
        }
    }
}

/// What the checks share: the API, the resource they write on, and what they made.
struct Ctx {
    client: Client,
    resource: Option<String>,
    /// Reservations the kit created, to cancel at the end.
    made: Mutex<Vec<String>>,
    /// The next free day for a reservation.
    slot: Mutex<i64>,
}

type Checked = Result<(), Problem>;

pub(crate) async fn run_all(options: &Options) -> Report {
    let mut outcomes = Vec::new();
    let client = match Client::new(&options.url, &options.api_key) {
        Ok(c) => c,
        Err(e) => {
            let problem = Problem::new(e, "Check the address given with --url.");
            return Report {
                outcomes: Check::ALL
                    .iter()
                    .map(|&check| Outcome {
                        check,
                        result: Err(problem.clone()),
                    })
                    .collect(),
            };
        }
    };
    let mut ctx = Ctx {
        client,
        resource: None,
        made: Mutex::new(Vec::new()),
        slot: Mutex::new(0),
    };
    for check in Check::ALL {
        let result = match check {
            Check::Auth => auth(&ctx).await,
            Check::Resources => match resources(&ctx, options.resource.as_deref()).await {
                Ok(id) => {
                    ctx.resource = Some(id);
                    Ok(())
                }
                Err(p) => Err(p),
            },
            Check::Errors => errors(&ctx).await,
            _ if ctx.resource.is_none() => Err(Problem::new(
                "not run: no resource to write test reservations on",
                "Make `resources` pass first.",
            )),
            Check::Create => create(&ctx).await,
            Check::CreateNeedsKey => create_needs_key(&ctx).await,
            Check::Idempotency => idempotency(&ctx).await,
            Check::Validation => validation(&ctx).await,
            Check::Versions => versions(&ctx).await,
            Check::Feed => feed(&ctx).await,
            Check::FeedFilter => feed_filter(&ctx).await,
            Check::Cancel => cancel(&ctx).await,
            Check::AllDay => all_day(&ctx).await,
            Check::Recurrence => recurrence(&ctx).await,
            Check::Zones => zones(&ctx).await,
        };
        outcomes.push(Outcome { check, result });
    }
    clean_up(&ctx).await;
    Report { outcomes }
}

// ---- helpers ----

fn problem_of(answer: &Answer, expected: &str, fix: &str) -> Problem {
    Problem::new(
        format!("expected {expected}, got {}", answer.summary()),
        fix,
    )
}

fn sent(e: String) -> Problem {
    Problem::new(e, "Make sure the API is reachable at the address given.")
}

/// The answer must have `status`.
fn expect_status(answer: &Answer, status: u16, fix: &str) -> Checked {
    if answer.status.as_u16() == status {
        Ok(())
    } else {
        Err(problem_of(answer, &format!("HTTP {status}"), fix))
    }
}

/// The answer must be a problem document with `status`.
fn expect_problem(answer: &Answer, status: u16, fix: &str) -> Checked {
    expect_status(answer, status, fix)?;
    let media = answer.header("content-type").unwrap_or_default();
    if !media.starts_with("application/problem+json") {
        return Err(Problem::new(
            format!("HTTP {status} with Content-Type {media:?}, not application/problem+json"),
            "Answer every error as application/problem+json (RFC 9457).",
        ));
    }
    for field in ["type", "title", "detail"] {
        if !answer.field(field).is_string() {
            return Err(Problem::new(
                format!(
                    "the problem document has no string `{field}`: {}",
                    answer.summary()
                ),
                "Give every problem document `type`, `title`, `status` and `detail`.",
            ));
        }
    }
    if answer.field("status").as_u64() != Some(u64::from(status)) {
        return Err(Problem::new(
            format!(
                "the problem document's `status` is {}, the HTTP status {status}",
                answer.field("status")
            ),
            "Put the HTTP status in the problem document's `status`.",
        ));
    }
    Ok(())
}

fn etag_of(version: i64) -> String {
    format!("\"{version}\"")
}

fn version_of(answer: &Answer) -> Option<i64> {
    answer.field("version").as_i64()
}

impl Ctx {
    fn resource(&self) -> &str {
        self.resource.as_deref().unwrap_or_default()
    }

    /// The next day no other check of this run uses, about `DAYS_AHEAD` days from now.
    fn day(&self) -> NaiveDate {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        *slot += 1;
        (Utc::now() + Duration::days(DAYS_AHEAD + *slot)).date_naive()
    }

    /// A timed event's body on a day of its own, 10:00–11:00 UTC.
    fn timed(&self, title_suffix: &str) -> Value {
        let day = self.day();
        json!({
            "resource_id": self.resource(),
            "level": "event",
            "title": format!("{TITLE} {title_suffix}"),
            "organisation": "RoomBridge",
            "description": "Made by `roombridge conformance booking`; it cancels it when done.",
            "all_day": false,
            "start": format!("{day}T10:00:00Z"),
            "end": format!("{day}T11:00:00Z"),
            "time_zone": "Europe/Oslo",
            "source": "roombridge",
            "external_ref": format!("conformance-{}", uuid::Uuid::new_v4()),
        })
    }

    async fn post_create(&self, body: &Value, key: Option<&str>) -> Result<Answer, Problem> {
        let headers: Vec<(&str, String)> = key
            .map(|k| vec![("Idempotency-Key", k.to_owned())])
            .unwrap_or_default();
        let answer = self
            .client
            .send(
                Method::POST,
                "/reservations",
                Auth::Key,
                &headers,
                Some(body),
            )
            .await
            .map_err(sent)?;
        if let Some(id) = answer.field("id").as_str()
            && answer.status.is_success()
        {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            if !made.iter().any(|m| m == id) {
                made.push(id.to_owned());
            }
        }
        Ok(answer)
    }

    /// Creates `body` and returns the reservation, or why that failed.
    async fn made(&self, body: &Value) -> Result<Value, Problem> {
        let key = uuid::Uuid::new_v4().to_string();
        let answer = self.post_create(body, Some(&key)).await?;
        expect_status(
            &answer,
            201,
            "A valid create with an Idempotency-Key must answer 201 Created.",
        )?;
        let summary = answer.summary();
        answer.json.ok_or_else(|| {
            Problem::new(
                format!("the create's answer is not JSON: {summary}"),
                "Answer a create with the reservation as JSON.",
            )
        })
    }

    async fn patch(
        &self,
        id: &str,
        if_match: Option<String>,
        body: &Value,
    ) -> Result<Answer, Problem> {
        let headers: Vec<(&str, String)> =
            if_match.map(|v| vec![("If-Match", v)]).unwrap_or_default();
        self.client
            .send(
                Method::PATCH,
                &format!("/reservations/{id}"),
                Auth::Key,
                &headers,
                Some(body),
            )
            .await
            .map_err(sent)
    }

    async fn cancel(
        &self,
        id: &str,
        if_match: Option<String>,
        note: &str,
    ) -> Result<Answer, Problem> {
        let headers: Vec<(&str, String)> =
            if_match.map(|v| vec![("If-Match", v)]).unwrap_or_default();
        self.client
            .send(
                Method::POST,
                &format!("/reservations/{id}/cancel"),
                Auth::Key,
                &headers,
                Some(&json!({ "note": note })),
            )
            .await
            .map_err(sent)
    }

    /// Every feed page after `cursor` (of this resource), following `next_cursor` while
    /// `has_more`, `limit` items a page: the items and the last cursor.
    async fn read_feed(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Value>, String), Problem> {
        let mut items = Vec::new();
        let mut cursor = cursor.map(str::to_owned);
        for _ in 0..10_000 {
            let mut path = format!(
                "/reservations?resource_id={}&limit={limit}",
                self.resource()
            );
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", urlencode(c)));
            }
            let page = self.client.get(&path).await.map_err(sent)?;
            expect_status(&page, 200, "Answer the change feed with 200 and a page.")?;
            let Some(list) = page.field("items").as_array() else {
                return Err(Problem::new(
                    format!("a feed page has no `items` array: {}", page.summary()),
                    "Give every feed page `items`, `next_cursor` and `has_more`.",
                ));
            };
            items.extend(list.iter().cloned());
            let Some(next) = page.field("next_cursor").as_str() else {
                return Err(Problem::new(
                    format!("a feed page has no `next_cursor`: {}", page.summary()),
                    "Return `next_cursor` on every page, also when `items` is empty.",
                ));
            };
            cursor = Some(next.to_owned());
            match page.field("has_more").as_bool() {
                Some(true) => continue,
                Some(false) => return Ok((items, next.to_owned())),
                None => {
                    return Err(Problem::new(
                        format!("a feed page has no boolean `has_more`: {}", page.summary()),
                        "Say on every page whether more follow (`has_more`).",
                    ));
                }
            }
        }
        Err(Problem::new(
            "the feed did not end after 10,000 pages",
            "Set `has_more` to false on the last page.",
        ))
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The fields of `sent` that must come back as sent.
fn round_trip(sent: &Value, got: &Value, fields: &[&str]) -> Checked {
    for field in fields {
        if sent[field] != got[field] {
            return Err(Problem::new(
                format!(
                    "`{field}` was sent as {} and came back as {}",
                    sent[field], got[field]
                ),
                format!("Store `{field}` as sent and return it in every read."),
            ));
        }
    }
    Ok(())
}

// ---- the checks ----

async fn auth(ctx: &Ctx) -> Checked {
    let fix = "Answer 401 with a problem document and `WWW-Authenticate: Bearer` when the Authorization header is missing or its key is wrong.";
    for (auth, what) in [
        (Auth::Missing, "without a key"),
        (Auth::Other("not-the-key-0000"), "with a wrong key"),
    ] {
        let answer = ctx
            .client
            .send(Method::GET, "/resources", auth, &[], None)
            .await
            .map_err(sent)?;
        expect_problem(&answer, 401, fix)
            .map_err(|p| Problem::new(format!("{what}: {}", p.found), p.fix))?;
        if answer.header("www-authenticate").is_none() {
            return Err(Problem::new(
                format!("the 401 {what} has no WWW-Authenticate header"),
                fix,
            ));
        }
    }
    Ok(())
}

/// Checks the list and picks the resource to write on.
async fn resources(ctx: &Ctx, wanted: Option<&str>) -> Result<String, Problem> {
    let answer = ctx.client.get("/resources").await.map_err(sent)?;
    expect_status(
        &answer,
        200,
        "Answer GET /resources with 200 and `items`; check the API key.",
    )?;
    let Some(items) = answer.field("items").as_array() else {
        return Err(Problem::new(
            format!("no `items` array: {}", answer.summary()),
            "Answer GET /resources with `{\"items\": [...]}`.",
        ));
    };
    for item in items {
        let id = item["id"].as_str().unwrap_or("?");
        let fix = "Give every resource id, name, kind (room or equipment), email (or null), time_zone (IANA), capacity and building.";
        let complete = item["id"].is_string()
            && item["name"].is_string()
            && matches!(item["kind"].as_str(), Some("room" | "equipment"))
            && (item["email"].is_string() || item["email"].is_null())
            && item["capacity"].as_u64().is_some()
            && item["building"].is_string();
        if !complete {
            return Err(Problem::new(
                format!("resource {id} is incomplete: {item}"),
                fix,
            ));
        }
        let zone = item["time_zone"].as_str().unwrap_or_default();
        if zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Problem::new(
                format!("resource {id} has time_zone {zone:?}, not an IANA zone"),
                "Name zones as the IANA database does, e.g. Europe/Oslo.",
            ));
        }
    }
    let chosen = match wanted {
        Some(w) => items.iter().find(|i| i["id"] == w),
        None => items
            .iter()
            .find(|i| i["kind"] == "room")
            .or_else(|| items.first()),
    };
    match chosen.and_then(|c| c["id"].as_str()) {
        Some(id) => Ok(id.to_owned()),
        None => Err(Problem::new(
            match wanted {
                Some(w) => format!("no resource {w:?} among the {} listed", items.len()),
                None => "the list is empty".to_owned(),
            },
            "Give the id of a resource the kit may write test reservations on (--resource).",
        )),
    }
}

async fn errors(ctx: &Ctx) -> Checked {
    let id = format!("no-such-reservation-{}", uuid::Uuid::new_v4());
    let answer = ctx
        .client
        .get(&format!("/reservations/{id}"))
        .await
        .map_err(sent)?;
    expect_problem(
        &answer,
        404,
        "Answer a reservation id you do not have with 404 and a problem document.",
    )
}

async fn create(ctx: &Ctx) -> Checked {
    let body = ctx.timed("(create)");
    let key = uuid::Uuid::new_v4().to_string();
    let answer = ctx.post_create(&body, Some(&key)).await?;
    expect_status(&answer, 201, "Answer a valid create with 201 Created.")?;
    let got = answer.json.clone().unwrap_or_default();
    round_trip(
        &body,
        &got,
        &[
            "resource_id",
            "level",
            "title",
            "organisation",
            "description",
            "all_day",
            "start",
            "end",
            "time_zone",
            "source",
            "external_ref",
        ],
    )?;
    if got["status"] != "active" || !got["id"].is_string() {
        return Err(Problem::new(
            format!(
                "the new reservation has status {} and id {}",
                got["status"], got["id"]
            ),
            "A new reservation is `active` and has a string `id`.",
        ));
    }
    let Some(version) = got["version"].as_i64().filter(|v| *v >= 1) else {
        return Err(Problem::new(
            format!("`version` is {}", got["version"]),
            "Give every reservation an integer `version` of at least 1.",
        ));
    };
    if answer.header("etag") != Some(etag_of(version).as_str()) {
        return Err(Problem::new(
            format!("ETag is {:?} for version {version}", answer.header("etag")),
            "Send the version as a strong ETag, e.g. `ETag: \"1\"`.",
        ));
    }
    if answer.header("location").is_none() {
        return Err(Problem::new(
            "the 201 has no Location header",
            "Send the new reservation's URL as Location.",
        ));
    }
    Ok(())
}

async fn create_needs_key(ctx: &Ctx) -> Checked {
    let answer = ctx.post_create(&ctx.timed("(no key)"), None).await?;
    expect_problem(
        &answer,
        428,
        "Refuse a create without an Idempotency-Key with 428 Precondition Required; without it a retried create makes a duplicate.",
    )
}

async fn idempotency(ctx: &Ctx) -> Checked {
    let body = ctx.timed("(replayed)");
    let key = uuid::Uuid::new_v4().to_string();
    let first = ctx.post_create(&body, Some(&key)).await?;
    expect_status(&first, 201, "Answer a valid create with 201 Created.")?;
    // The same body with its keys in another order is the same request.
    let mut fields: Vec<(String, Value)> = body
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    fields.reverse();
    let reordered = Value::Object(fields.into_iter().collect());
    let replay = ctx.post_create(&reordered, Some(&key)).await?;
    let fix = "A create with an Idempotency-Key already used with the same body must create nothing and answer 200 with the first reservation and `Idempotent-Replayed: true`.";
    expect_status(&replay, 200, fix)?;
    if replay.field("id") != first.field("id") {
        return Err(Problem::new(
            format!(
                "the replay made {} where the first create made {}",
                replay.field("id"),
                first.field("id")
            ),
            fix,
        ));
    }
    if replay.header("idempotent-replayed") != Some("true") {
        return Err(Problem::new(
            "the replay has no `Idempotent-Replayed: true`",
            fix,
        ));
    }
    let mut other = body.clone();
    other["title"] = json!(format!("{TITLE} (another body)"));
    let misuse = ctx.post_create(&other, Some(&key)).await?;
    expect_problem(
        &misuse,
        422,
        "Refuse an Idempotency-Key reused with a different body with 422.",
    )
}

async fn validation(ctx: &Ctx) -> Checked {
    let mut body = ctx.timed("(invalid)");
    let day = ctx.day();
    body["title"] = json!("");
    body["start"] = json!(format!("{day}T12:00:00Z"));
    body["end"] = json!(format!("{day}T11:00:00Z"));
    let answer = ctx
        .post_create(&body, Some(&uuid::Uuid::new_v4().to_string()))
        .await?;
    let fix = "Answer an invalid reservation with 422 and `errors: [{field, message}]` naming every wrong field.";
    expect_problem(&answer, 422, fix)?;
    let fields: Vec<&str> = answer
        .field("errors")
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    let names_end = fields.iter().any(|f| *f == "end" || *f == "start");
    if !fields.contains(&"title") || !names_end {
        return Err(Problem::new(
            format!("an empty title and an end before the start gave errors for {fields:?}"),
            fix,
        ));
    }
    Ok(())
}

async fn versions(ctx: &Ctx) -> Checked {
    let made = ctx.made(&ctx.timed("(versions)")).await?;
    let id = made["id"].as_str().unwrap_or_default();
    let v1 = made["version"].as_i64().unwrap_or(0);
    let read = ctx
        .client
        .get(&format!("/reservations/{id}"))
        .await
        .map_err(sent)?;
    expect_status(&read, 200, "Answer GET /reservations/{id} with 200.")?;
    if read.header("etag") != Some(etag_of(v1).as_str()) {
        return Err(Problem::new(
            format!("GET's ETag is {:?} for version {v1}", read.header("etag")),
            "Send the version as a strong ETag on every read.",
        ));
    }
    let change = json!({ "title": format!("{TITLE} (versions, changed)") });
    let missing = ctx.patch(id, None, &change).await?;
    expect_problem(
        &missing,
        428,
        "Refuse a PATCH without If-Match with 428: without it, a change made meanwhile is overwritten unseen.",
    )?;
    let changed = ctx.patch(id, Some(etag_of(v1)), &change).await?;
    expect_status(
        &changed,
        200,
        "Accept a PATCH whose If-Match is the current version.",
    )?;
    let v2 = version_of(&changed).unwrap_or(0);
    if v2 <= v1 || changed.header("etag") != Some(etag_of(v2).as_str()) {
        return Err(Problem::new(
            format!(
                "after a change, version {v1} became {v2} with ETag {:?}",
                changed.header("etag")
            ),
            "Increase `version` on every change and send the new one as ETag.",
        ));
    }
    round_trip(
        &change,
        changed.json.as_ref().unwrap_or(&Value::Null),
        &["title"],
    )?;
    let stale = ctx
        .patch(
            id,
            Some(etag_of(v1)),
            &json!({ "title": format!("{TITLE} (stale)") }),
        )
        .await?;
    expect_problem(
        &stale,
        412,
        "Refuse a PATCH whose If-Match is an older version with 412: the client has not seen the latest change.",
    )
}

async fn feed(ctx: &Ctx) -> Checked {
    let (_, start) = ctx.read_feed(None, 100).await?;
    let first = ctx.made(&ctx.timed("(feed 1)")).await?;
    let second = ctx.made(&ctx.timed("(feed 2)")).await?;
    // Changing the first after the second was made puts it after the second in the feed.
    let first_id = first["id"].as_str().unwrap_or_default();
    let version = first["version"].as_i64().unwrap_or(0);
    let changed = ctx
        .patch(
            first_id,
            Some(etag_of(version)),
            &json!({ "title": format!("{TITLE} (feed 1, changed)") }),
        )
        .await?;
    expect_status(
        &changed,
        200,
        "Accept a PATCH whose If-Match is the current version.",
    )?;
    let (items, end) = ctx.read_feed(Some(&start), 1).await?;
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    let second_id = second["id"].as_str().unwrap_or_default();
    let fix = "Return every reservation whose last change is after the cursor, once, ordered by the change sequence (a reservation changed again moves to its latest change).";
    let want = [second_id, first_id];
    let ours: Vec<&str> = ids.iter().copied().filter(|i| want.contains(i)).collect();
    if ours != want {
        return Err(Problem::new(
            format!(
                "after a cursor, made {first_id}, made {second_id}, changed {first_id}: the feed gave {ours:?} (of {} items)",
                ids.len()
            ),
            fix,
        ));
    }
    let latest = items
        .iter()
        .rev()
        .find(|i| i["id"] == first_id)
        .cloned()
        .unwrap_or_default();
    round_trip(
        changed.json.as_ref().unwrap_or(&Value::Null),
        &latest,
        &["title", "version"],
    )
    .map_err(|p| {
        Problem::new(
            format!("the feed's copy is not the latest: {}", p.found),
            fix,
        )
    })?;
    let (again, _) = ctx.read_feed(Some(&end), 100).await?;
    let repeated: Vec<&str> = again
        .iter()
        .filter_map(|i| i["id"].as_str())
        .filter(|i| want.contains(i))
        .collect();
    if !repeated.is_empty() {
        return Err(Problem::new(
            format!("reading again from the last cursor gave {repeated:?} again"),
            "A cursor marks what the client has seen: return only changes after it.",
        ));
    }
    Ok(())
}

async fn feed_filter(ctx: &Ctx) -> Checked {
    let answer = ctx
        .client
        .get(&format!(
            "/reservations?resource_id=no-such-resource-{}",
            uuid::Uuid::new_v4()
        ))
        .await
        .map_err(sent)?;
    expect_problem(
        &answer,
        400,
        "Refuse a feed request for a resource you do not have with 400: an empty page would look like a resource with nothing booked.",
    )
}

async fn cancel(ctx: &Ctx) -> Checked {
    let (_, start) = ctx.read_feed(None, 100).await?;
    let made = ctx.made(&ctx.timed("(cancel)")).await?;
    let id = made["id"].as_str().unwrap_or_default();
    let version = made["version"].as_i64().unwrap_or(0);
    let note = "Cancelled in Outlook by the room's owner (conformance check)";
    let missing = ctx.cancel(id, None, note).await?;
    expect_problem(&missing, 428, "Refuse a cancel without If-Match with 428.")?;
    let cancelled = ctx.cancel(id, Some(etag_of(version)), note).await?;
    expect_status(
        &cancelled,
        200,
        "Answer a cancel with 200 and the cancelled reservation.",
    )?;
    let fix = "Cancel softly: set status `cancelled`, keep the note, increase the version, keep the reservation readable and put it in the feed.";
    if cancelled.field("status") != "cancelled" || cancelled.field("note") != note {
        return Err(Problem::new(
            format!(
                "after the cancel, status is {} and note {}",
                cancelled.field("status"),
                cancelled.field("note")
            ),
            fix,
        ));
    }
    if version_of(&cancelled).unwrap_or(0) <= version {
        return Err(Problem::new("the cancel did not increase the version", fix));
    }
    let read = ctx
        .client
        .get(&format!("/reservations/{id}"))
        .await
        .map_err(sent)?;
    if read.status != StatusCode::OK || read.field("status") != "cancelled" {
        return Err(Problem::new(
            format!("reading the cancelled reservation gave {}", read.summary()),
            fix,
        ));
    }
    let (items, _) = ctx.read_feed(Some(&start), 100).await?;
    if !items
        .iter()
        .any(|i| i["id"] == id && i["status"] == "cancelled")
    {
        return Err(Problem::new(
            "the cancelled reservation is not in the feed as cancelled",
            fix,
        ));
    }
    let current = version_of(&cancelled).unwrap_or(0);
    let change = ctx
        .patch(
            id,
            Some(etag_of(current)),
            &json!({ "title": format!("{TITLE} (after cancel)") }),
        )
        .await?;
    expect_problem(
        &change,
        409,
        "Refuse changing a cancelled reservation with 409.",
    )?;
    let again = ctx.cancel(id, Some(etag_of(current)), note).await?;
    expect_problem(
        &again,
        409,
        "Refuse cancelling a cancelled reservation with 409.",
    )
}

async fn all_day(ctx: &Ctx) -> Checked {
    let day = ctx.day();
    let next = day.succ_opt().unwrap_or(day);
    let mut body = ctx.timed("(all day)");
    body["all_day"] = json!(true);
    body["start"] = json!(day.to_string());
    body["end"] = json!(next.to_string());
    let made = ctx.made(&body).await?;
    round_trip(&body, &made, &["all_day", "start", "end"]).map_err(|p| {
        Problem::new(
            p.found,
            "Keep an all-day reservation's start and end as the dates sent (YYYY-MM-DD, end exclusive).",
        )
    })?;
    let mut mixed = ctx.timed("(all day, mixed)");
    mixed["all_day"] = json!(true);
    let answer = ctx
        .post_create(&mixed, Some(&uuid::Uuid::new_v4().to_string()))
        .await?;
    expect_problem(
        &answer,
        422,
        "Refuse an all-day reservation with instants (or a timed one with dates) with 422.",
    )
}

async fn recurrence(ctx: &Ctx) -> Checked {
    let mut body = ctx.timed("(weekly)");
    body["recurrence"] = json!({ "rrule": "FREQ=WEEKLY;COUNT=4" });
    let made = ctx.made(&body).await?;
    let fix = "Keep `recurrence.rrule` as sent, always return `exdates` (sorted), and merge a PATCH of `recurrence` field by field.";
    if made["recurrence"]["rrule"] != "FREQ=WEEKLY;COUNT=4"
        || made["recurrence"]["exdates"] != json!([])
    {
        return Err(Problem::new(
            format!(
                "the new series' recurrence came back as {}",
                made["recurrence"]
            ),
            fix,
        ));
    }
    let id = made["id"].as_str().unwrap_or_default();
    let version = made["version"].as_i64().unwrap_or(0);
    let first: NaiveDate = made["start"]
        .as_str()
        .and_then(|s| s.get(..10))
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    let (second, third) = (first + Duration::days(7), first + Duration::days(14));
    let skipped = ctx
        .patch(
            id,
            Some(etag_of(version)),
            &json!({ "recurrence": { "exdates": [third.to_string(), second.to_string()] } }),
        )
        .await?;
    expect_status(&skipped, 200, fix)?;
    let recurrence = skipped.field("recurrence");
    let want = json!({ "rrule": "FREQ=WEEKLY;COUNT=4", "exdates": [second.to_string(), third.to_string()] });
    if recurrence["rrule"] != want["rrule"] || recurrence["exdates"] != want["exdates"] {
        return Err(Problem::new(
            format!("skipping two occurrences gave recurrence {recurrence}, not {want}"),
            fix,
        ));
    }
    Ok(())
}

async fn zones(ctx: &Ctx) -> Checked {
    let mut body = ctx.timed("(zone)");
    body["time_zone"] = json!("America/New_York");
    let made = ctx.made(&body).await?;
    round_trip(&body, &made, &["time_zone", "start", "end"]).map_err(|p| {
        Problem::new(
            p.found,
            "Keep `time_zone` as sent and answer instants in UTC with a Z, whatever the zone.",
        )
    })
}

/// Cancels what the kit made that is still active, so that no test reservation stays behind.
async fn clean_up(ctx: &Ctx) {
    let made = ctx.made.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for id in made {
        let Ok(read) = ctx.client.get(&format!("/reservations/{id}")).await else {
            continue;
        };
        if read.field("status") != "active" {
            continue;
        }
        if let Some(version) = version_of(&read) {
            let _ = ctx
                .cancel(
                    &id,
                    Some(etag_of(version)),
                    "Made by RoomBridge's conformance check; no longer needed.",
                )
                .await;
        }
    }
}
