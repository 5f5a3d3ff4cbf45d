//! More of what the outside world does in the booking system (closures, recurring reservations).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;

#[allow(unused_imports)]
use super::*;

/// Makes every create of this process carry its own `Idempotency-Key` (retries of one create
/// reuse theirs).
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl OutsideBooking {
    /// Closes `resource` (maintenance, a holiday) from `start_date` up to and excluding
    /// `end_date`, as an all-day closure; returns its id.
    pub async fn create_closure(
        &self,
        resource: &str,
        title: &str,
        start_date: NaiveDate,
        end_date: NaiveDate,
    ) -> String {
        self.insert(json!({
            "resource_id": resource,
            "level": "closure",
            "title": title,
            "organisation": "Property Services",
            "all_day": true,
            "start": start_date.to_string(),
            "end": end_date.to_string(),
            "time_zone": "Europe/Oslo",
        }))
        .await
    }

    /// Creates a recurring reservation of `level` (`allocation`, `booking` or `event`) whose
    /// first occurrence is `start`..`end`, repeating by `rrule` (without `RRULE:`) in
    /// Europe/Oslo; returns its id.
    pub async fn create_recurring(
        &self,
        resource: &str,
        level: &str,
        title: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        rrule: &str,
    ) -> String {
        self.insert(json!({
            "resource_id": resource,
            "level": level,
            "title": title,
            "organisation": "Nordvik IL",
            "all_day": false,
            "start": instant(start),
            "end": instant(end),
            "time_zone": "Europe/Oslo",
            "recurrence": { "rrule": rrule },
        }))
        .await
    }

    /// Creates an event inside the recurring reservation `parent` that takes the place of one
    /// of its occurrences (at `start`..`end`, which may be another time); returns its id. Skip
    /// the occurrence it replaces with [`OutsideBooking::skip`].
    pub async fn create_override(
        &self,
        resource: &str,
        parent: &str,
        title: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        self.insert(json!({
            "resource_id": resource,
            "level": "event",
            "parent_id": parent,
            "title": title,
            "organisation": "Nordvik IL",
            "all_day": false,
            "start": instant(start),
            "end": instant(end),
            "time_zone": "Europe/Oslo",
        }))
        .await
    }

    /// Cancels the occurrence of the recurring reservation `id` on local `date` (adds it to
    /// its exception dates); the rest of the series stays. Panics if `id` does not repeat.
    pub async fn skip(&self, id: &str, date: NaiveDate) {
        let current = self.get(id).await;
        let recurrence = &current["recurrence"];
        let rrule = recurrence["rrule"]
            .as_str()
            .unwrap_or_else(|| panic!("reservation {id} does not repeat: {current}"));
        let mut exdates: Vec<String> = recurrence["exdates"]
            .as_array()
            .map(|dates| {
                dates
                    .iter()
                    .filter_map(|d| d.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let date = date.to_string();
        if !exdates.contains(&date) {
            exdates.push(date);
        }
        let body = json!({ "recurrence": { "rrule": rrule, "exdates": exdates } });
        let version = format!("\"{}\"", current["version"]);
        let response = send_retrying(|| {
            self.http
                .patch(format!("{}/reservations/{id}", self.base))
                .bearer_auth(&self.key)
                .header("If-Match", version.as_str())
                .json(&body)
        })
        .await
        .expect("skip an occurrence");
        expect_success(response, "skip an occurrence").await;
    }

    /// Changes the fields in `patch` of reservation `id` the way a person at the booking desk
    /// gets a change through a flaky system: read, write with `If-Match`, and on any doubt
    /// (no answer, 5xx, a stale version because someone else wrote meanwhile, or the change
    /// applied but unanswered) read again, until the reservation shows the change. Returns
    /// false if the reservation is cancelled (nothing to change).
    pub async fn update_until_applied(&self, id: &str, patch: &Value) -> bool {
        for _ in 0..20 {
            let current = self.get(id).await;
            if current["status"] == "cancelled" {
                return false;
            }
            let fields = patch.as_object().expect("a patch is an object");
            if fields.iter().all(|(k, v)| same_field(&current[k], v)) {
                return true;
            }
            let version = format!("\"{}\"", current["version"]);
            let _ = send_retrying(|| {
                self.http
                    .patch(format!("{}/reservations/{id}", self.base))
                    .bearer_auth(&self.key)
                    .header("If-Match", version.as_str())
                    .json(patch)
            })
            .await;
        }
        panic!("reservation {id} never took {patch}");
    }

    /// Cancels reservation `id` the same way: until the booking system shows it cancelled.
    pub async fn cancel_until_cancelled(&self, id: &str) {
        for _ in 0..20 {
            let current = self.get(id).await;
            if current["status"] == "cancelled" {
                return;
            }
            let version = format!("\"{}\"", current["version"]);
            let _ = send_retrying(|| {
                self.http
                    .post(format!("{}/reservations/{id}/cancel", self.base))
                    .bearer_auth(&self.key)
                    .header("If-Match", version.as_str())
                    .json(&json!({ "note": "Cancelled by the club" }))
            })
            .await;
        }
        panic!("reservation {id} was never cancelled");
    }

    /// Creates a reservation from a full request body, with a fresh `Idempotency-Key`;
    /// returns its id.
    pub async fn insert(&self, body: Value) -> String {
        let key = format!(
            "outside-{}-{}",
            std::process::id(),
            NEXT_KEY.fetch_add(1, Ordering::Relaxed)
        );
        let response = send_retrying(|| {
            self.http
                .post(format!("{}/reservations", self.base))
                .bearer_auth(&self.key)
                .header("Idempotency-Key", key.as_str())
                .json(&body)
        })
        .await
        .expect("create reservation");
        let created = expect_success(response, "create reservation").await;
        created["id"].as_str().expect("reservation id").to_owned()
    }
}

/// The JSON body of a successful answer; panics with the problem document otherwise.
async fn expect_success(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("response body");
    assert!(status.is_success(), "{what}: HTTP {status}: {text}");
    serde_json::from_str(&text).expect("reservation json")
}

/// Whether a reservation's field shows `wanted`; instants compare as instants (the booking
/// system may write `…:00Z` as `…:00+00:00`).
fn same_field(current: &Value, wanted: &Value) -> bool {
    match (current.as_str(), wanted.as_str()) {
        (Some(a), Some(b)) => match (
            DateTime::parse_from_rfc3339(a),
            DateTime::parse_from_rfc3339(b),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        },
        _ => current == wanted,
    }
}
