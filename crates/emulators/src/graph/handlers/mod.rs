//! The HTTP routes of the Graph emulator.

mod access;
mod admin;
mod delta;
mod errors;
mod events;
mod places;
mod prefer;
mod token;

use access::*;
pub(crate) use access::{authorize, has_valid_token};
pub(crate) use admin::{admin_invite, admin_replies, clear_replies};
pub(crate) use delta::delta_gone;
use delta::*;
pub use errors::GraphError;
use errors::*;
use events::*;
use places::*;
use prefer::*;
use token::*;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use super::correlation::RequestIds;
use super::recurrence::{Recurrence, Series};
use super::state::{
    DeltaEntry, MailboxState, Occurrence, PAGE_LIFETIME, ParkedPage, PendingRound, RenderOptions,
    Reply, Store, StoredEvent, graph_instant, new_change_key, new_event_id, new_ical_uid,
    render_delta_item, render_event, to_utc,
};
use super::{
    AccessScope, CalendarProcessing, EmulatedMailbox, EmulatedPerson, MailboxKind, lock, schema,
    zones,
};

/// What the handlers know that does not change.
pub struct Settings {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    pub token_lifetime: Duration,
    /// `http://127.0.0.1:PORT/v1.0`
    pub base: String,
    pub mailboxes: Vec<EmulatedMailbox>,
    pub people: Vec<EmulatedPerson>,
    pub scope: AccessScope,
    /// The application has `Place.Read.All`.
    pub place_read_all: bool,
    /// Every room mailbox rewrites subjects to the organizer's name, whatever its own
    /// calendar processing says.
    pub rewrite_every_room: bool,
    /// How long after an event lands in a mailbox its calendar processing changes it.
    pub rewrite_after: Duration,
}

impl Settings {
    /// The calendar processing events that land in mailbox `key` get.
    fn processing_of(&self, key: &str) -> CalendarProcessing {
        let Some(m) = self
            .mailboxes
            .iter()
            .find(|m| m.email.eq_ignore_ascii_case(key))
        else {
            // People's mailboxes have no calendar processing.
            return CalendarProcessing::NONE;
        };
        let every_room = if self.rewrite_every_room && m.kind == MailboxKind::Room {
            CalendarProcessing {
                delete_subject: true,
                add_organizer_to_subject: true,
                delete_comments: false,
            }
        } else {
            CalendarProcessing::NONE
        };
        m.processing.and(every_room)
    }
}

#[derive(Clone)]
pub struct App {
    pub store: Arc<Mutex<Store>>,
    pub settings: Arc<Settings>,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/v1.0/places/microsoft.graph.room", get(rooms))
        .route("/v1.0/places/microsoft.graph.roomlist", get(room_lists))
        .route(
            "/v1.0/places/{list}/microsoft.graph.roomlist/rooms",
            get(room_list_rooms),
        )
        .route("/v1.0/users/{mailbox}/events", post(create_event))
        .route(
            "/v1.0/users/{mailbox}/events/{id}",
            get(get_event).patch(patch_event).delete(delete_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/decline",
            post(decline_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/cancel",
            post(cancel_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/instances",
            get(list_instances),
        )
        .route("/v1.0/users/{mailbox}/calendarView/delta", get(delta))
        .route("/v1.0/users/{mailbox}/calendarView", get(calendar_view))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}
