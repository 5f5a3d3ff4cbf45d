//! More of what the outside world does in Outlook (series, meetings from other organizers).

use super::*;

/// Graph's `dateTime` for a UTC instant.
fn utc(t: DateTime<Utc>) -> Value {
    json!({"dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"})
}

impl OutsideGraph {
    /// `http://127.0.0.1:PORT/admin`: the emulator's own routes, which take our access token.
    fn admin_url(&self) -> String {
        format!("{}/admin", self.base.trim_end_matches("/v1.0"))
    }

    fn event_url(&self, mailbox: &str, id: &str) -> String {
        // Exchange ids end in '='; keep them intact in the path.
        format!(
            "{}/users/{mailbox}/events/{}",
            self.base,
            id.replace('=', "%3D")
        )
    }

    /// A person (`organizer_name`, outside the room mailboxes) invites the room to a meeting:
    /// it lands in the room's calendar with `isOrganizer: false`, the person and the room as
    /// attendees. Returns the event id in the room's calendar.
    pub async fn invite(
        &self,
        mailbox: &str,
        subject: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        organizer_name: &str,
    ) -> String {
        self.invite_with(mailbox, subject, (start, end), organizer_name, json!({}))
            .await
    }

    /// Like [`OutsideGraph::invite`], with more of the event's properties in `extra` (e.g.
    /// `originalStartTimeZone: "tzone://Microsoft/Custom"`, as desktop Outlook writes a custom
    /// zone).
    pub async fn invite_with(
        &self,
        mailbox: &str,
        subject: &str,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
        organizer_name: &str,
        extra: Value,
    ) -> String {
        let address = format!(
            "{}@contoso.example",
            organizer_name.to_lowercase().replace(' ', ".")
        );
        let mut body = json!({
            "mailbox": mailbox,
            "subject": subject,
            "body": {"contentType": "text", "content": ""},
            "start": utc(start),
            "end": utc(end),
            "organizer": {"name": organizer_name, "address": address},
            "attendees": [{
                "type": "required",
                "emailAddress": {"name": organizer_name, "address": address}
            }],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let v: Value = send_retrying(|| {
            self.http
                .post(format!("{}/invitations", self.admin_url()))
                .bearer_auth(&self.token)
                .json(&with_transaction(&body, subject, start))
        })
        .await
        .expect("invite")
        .error_for_status()
        .expect("invite status")
        .json()
        .await
        .expect("invitation json");
        v["id"].as_str().expect("event id").to_owned()
    }

    /// Creates an Outlook series in a room: the first meeting from `start` to `end` (UTC) and
    /// Graph's `recurrence` (`patternedRecurrence`, whose range must start on `start`'s date),
    /// e.g. [`OutsideGraph::weekly`]. Returns the series master's id; the room's calendar view
    /// shows its occurrences ([`OutsideGraph::occurrences`]).
    pub async fn create_series(
        &self,
        mailbox: &str,
        subject: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        recurrence: Value,
    ) -> String {
        let body = json!({
            "subject": subject,
            "body": {"contentType": "text", "content": ""},
            "start": utc(start),
            "end": utc(end),
            "recurrence": recurrence,
        });
        let v: Value = send_retrying(|| {
            self.http
                .post(format!("{}/users/{mailbox}/events", self.base))
                .bearer_auth(&self.token)
                .header("Prefer", "IdType=\"ImmutableId\"")
                .json(&with_transaction(&body, subject, start))
        })
        .await
        .expect("create series")
        .error_for_status()
        .expect("create series status")
        .json()
        .await
        .expect("series json");
        v["id"].as_str().expect("series id").to_owned()
    }

    /// A `patternedRecurrence` of `count` weekly meetings on `start`'s weekday (UTC).
    pub fn weekly(start: DateTime<Utc>, count: u32) -> Value {
        json!({
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": [start.format("%A").to_string().to_lowercase()],
            },
            "range": {
                "type": "numbered",
                "startDate": start.format("%Y-%m-%d").to_string(),
                "numberOfOccurrences": count,
            }
        })
    }

    /// The occurrences and exceptions of series `master` in the room's calendar (a week ago to
    /// a year ahead), by start.
    pub async fn occurrences(&self, mailbox: &str, master: &str) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .events(mailbox)
            .await
            .into_iter()
            .filter(|e| e["seriesMasterId"] == master)
            .collect();
        out.sort_by_key(|e| {
            e["start"]["dateTime"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        });
        out
    }

    /// One event by id as Graph renders it; for a series master, with its `recurrence`.
    pub async fn get(&self, mailbox: &str, id: &str) -> Value {
        send_retrying(|| {
            self.http
                .get(self.event_url(mailbox, id))
                .bearer_auth(&self.token)
        })
        .await
        .expect("get event")
        .error_for_status()
        .expect("get event status")
        .json()
        .await
        .expect("event json")
    }

    /// Changes one event, or one occurrence of a series (which makes it an exception), with a
    /// PATCH body such as `{"subject": ...}` or new `start`/`end`.
    pub async fn edit(&self, mailbox: &str, id: &str, patch: Value) {
        send_retrying(|| {
            self.http
                .patch(self.event_url(mailbox, id))
                .bearer_auth(&self.token)
                .json(&patch)
        })
        .await
        .expect("patch event")
        .error_for_status()
        .expect("patch event status");
    }

    /// Like [`OutsideGraph::edit`], for an event that may be gone meanwhile: false if it is.
    pub async fn edit_if_there(&self, mailbox: &str, id: &str, patch: Value) -> bool {
        let response = send_retrying(|| {
            self.http
                .patch(self.event_url(mailbox, id))
                .bearer_auth(&self.token)
                .json(&patch)
        })
        .await
        .expect("patch event");
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return false;
        }
        response.error_for_status().expect("patch event status");
        true
    }

    /// Moves one occurrence of a series (it becomes an exception) to `start`..`end` (UTC).
    pub async fn move_occurrence(
        &self,
        mailbox: &str,
        id: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) {
        self.edit(mailbox, id, json!({"start": utc(start), "end": utc(end)}))
            .await;
    }

    /// Deletes one occurrence of a series; the rest of the series stays.
    pub async fn delete_occurrence(&self, mailbox: &str, id: &str) {
        self.delete(mailbox, id).await;
    }

    /// Every cancellation and decline the Graph emulator has seen, oldest first:
    /// `{"mailbox", "eventId", "subject", "kind": "cancel" | "decline", "comment"}`.
    pub async fn replies(&self) -> Vec<Value> {
        let v: Value = send_retrying(|| {
            self.http
                .get(format!("{}/replies", self.admin_url()))
                .bearer_auth(&self.token)
        })
        .await
        .expect("replies")
        .error_for_status()
        .expect("replies status")
        .json()
        .await
        .expect("replies json");
        v["value"].as_array().cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "fjord@nordvik.kommune.example";

    #[tokio::test]
    async fn the_outside_graph_client_invites_makes_series_and_edits_occurrences() {
        let h = Harness::start().await;
        let g = &h.graph;
        let start = Utc::now() + Duration::days(3);
        let end = start + Duration::hours(1);

        let invited = g.invite(ROOM, "Budget", start, end, "Kari Nordmann").await;
        let events = g.events(ROOM).await;
        let e = events.iter().find(|e| e["id"] == invited.as_str()).unwrap();
        assert_eq!(e["isOrganizer"], false);
        assert_eq!(e["organizer"]["emailAddress"]["name"], "Kari Nordmann");
        assert_eq!(e["attendees"].as_array().unwrap().len(), 2);

        let master = g
            .create_series(ROOM, "Choir", start, end, OutsideGraph::weekly(start, 3))
            .await;
        let occ = g.occurrences(ROOM, &master).await;
        assert_eq!(occ.len(), 3);
        assert!(occ.iter().all(|o| o["type"] == "occurrence"));
        let id = |i: usize| occ[i]["id"].as_str().unwrap().to_owned();

        g.edit(ROOM, &id(0), json!({"subject": "Concert"})).await;
        g.move_occurrence(
            ROOM,
            &id(1),
            start + Duration::days(8),
            end + Duration::days(8),
        )
        .await;
        g.delete_occurrence(ROOM, &id(2)).await;
        let after = g.occurrences(ROOM, &master).await;
        assert_eq!(after.len(), 2);
        assert!(after.iter().all(|o| o["type"] == "exception"));
        assert_eq!(after[0]["subject"], "Concert");

        assert!(g.replies().await.is_empty());
        let r = g
            .http
            .post(format!("{}/decline", g.event_url(ROOM, &invited)))
            .bearer_auth(&g.token)
            .json(&json!({"comment": "Booked", "sendResponse": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        let replies = g.replies().await;
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0]["kind"], "decline");
        assert_eq!(replies[0]["comment"], "Booked");
    }
}
