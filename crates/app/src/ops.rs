//! Every operation the UI can ask of RoomBridge, declared once.
//!
//! [`OPERATIONS`] is the list; [`call`] carries one out. The edges are derived from it: the
//! headless server's routes (`http.rs` walks the list), the desktop window's one Tauri command
//! (`src-tauri` hands `{ op, input }` to [`call`]), and the UI's `Backend`, whose methods and
//! JSON shapes are generated from the Rust types into `ui/src/backend/api.ts`
//! ([`typescript`]; a test fails when that file is out of date).
//!
//! An operation takes one JSON object, its input, and answers one JSON value. Over HTTP the
//! input is the route's path parameters, the query string and the JSON body's fields, merged;
//! over Tauri it is the command's `input`. So adding an operation is one entry here (and the
//! screen that uses it).

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarInput, RoomCalendarView};
use crate::connections::{ConnectionsView, SavedConnection};
use crate::decisions::{
    BulkDecisionRequest, ChoicePreview, DecisionRequest, MoveRequest, PoliciesView, decided_by,
};
use crate::doctor::{DoctorRequest, DoctorView};
use crate::export::{ExportFormat, ExportView};
use crate::mappings::{NewRoom, RoomEdit};
use crate::overview::{ActivityView, BudgetView, Span};
use crate::query::HistoryQuery;
use crate::settings::{SettingsUpdate, SettingsView};
use crate::undo::{UndoInput, UndoView};
use crate::views::{ConflictView, HistoryEntry, RoomView, Status, VerifyView};
use crate::wizard::{
    BookingForm, CheckView, DiscoveryView, FinishRequest, SetupPlanView, SetupView, TenantForm,
    Wizard,
};
use crate::{ApiError, App, ErrorCode};
use roombridge_core::i18n::Lang;

pub mod typescript;

/// What an operation runs against: the running app, or the setup wizard before it.
#[derive(Clone)]
pub enum Target {
    App(Arc<App>),
    Setup(Arc<Wizard>),
}

impl Target {
    /// The app if it runs (the wizard's app once the wizard has started it), else the wizard.
    pub fn of_wizard(wizard: &Arc<Wizard>) -> Target {
        match wizard.started().borrow().clone() {
            Some(app) => Target::App(app),
            None => Target::Setup(wizard.clone()),
        }
    }

    fn app(&self) -> Result<&Arc<App>, ApiError> {
        match self {
            Target::App(app) => Ok(app),
            Target::Setup(_) => Err(ApiError::not_configured()),
        }
    }

    fn wizard(&self) -> Result<&Arc<Wizard>, ApiError> {
        match self {
            Target::Setup(wizard) => Ok(wizard),
            Target::App(_) => Err(ApiError::new(
                ErrorCode::InvalidInput,
                "RoomBridge is already set up. Change rooms on the Rooms screen.",
            )),
        }
    }

    fn either(&self) -> Result<&Target, ApiError> {
        Ok(self)
    }
}

/// What an operation is asked of (the app, the wizard, or either), and the language the asker
/// reads: what the operation answers in words is said in it.
struct Asked<'a, T> {
    by: &'a T,
    lang: Lang,
}

impl<T> std::ops::Deref for Asked<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.by
    }
}

/// An HTTP method of the headless server's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// How the headless server answers: JSON, or (exports) the file itself, named in
/// `Content-Disposition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Json,
    File,
}

/// One operation as the edges see it.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `snake_case`: the Tauri command's `op`; the UI's method is its camelCase.
    pub name: &'static str,
    pub method: Method,
    /// Below `/api`, with `{name}` for path parameters (fields of the input).
    pub path: &'static str,
    pub answer: Answer,
    pub doc: &'static str,
}

/// An operation with no input.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct NoInput {}

/// What an operation that has nothing to tell answers: `{}`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Done {}

/// One room, by id (a path parameter over HTTP).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RoomInput {
    pub room: String,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct EditRoomInput {
    pub room: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub edit: RoomEdit,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct ConflictInput {
    /// The conflict's id.
    #[serde(deserialize_with = "lenient::number")]
    #[ts(type = "number")]
    pub id: i64,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct FreeTimesInput {
    /// The conflict's id.
    #[serde(deserialize_with = "lenient::number")]
    #[ts(type = "number")]
    pub id: i64,
    /// The side that would move.
    pub side: roombridge_core::Side,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct ConflictIds {
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct DecideInput {
    /// The conflict's id.
    #[serde(deserialize_with = "lenient::number")]
    #[ts(type = "number")]
    pub id: i64,
    #[serde(flatten)]
    #[ts(flatten)]
    pub decision: DecisionRequest,
}

/// `policy`: a policy's name; `null` (rooms only) follows the default.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct PolicyInput {
    #[serde(default)]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RoomPolicyInput {
    pub room: String,
    #[serde(default)]
    pub policy: Option<String>,
}

/// The history's filters and the file's format.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ExportInput {
    pub format: ExportFormat,
    /// The language of a CSV's headers and words (the window's); absent: the one chosen in
    /// Settings, else the system's.
    #[serde(default)]
    pub lang: Option<roombridge_core::i18n::Lang>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub query: HistoryQuery,
}

/// The activity chart's span: `24h` (per hour, the default) or `14d` (per day).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ActivityInput {
    #[serde(default)]
    pub span: Option<ActivitySpan>,
}

/// `24h`: per hour over the last day; `14d`: per (UTC) day over two weeks.
#[derive(Debug, Clone, Copy, Deserialize, ts_rs::TS)]
pub enum ActivitySpan {
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "14d")]
    Fortnight,
}

impl From<ActivitySpan> for Span {
    fn from(span: ActivitySpan) -> Span {
        match span {
            ActivitySpan::Day => Span::Day,
            ActivitySpan::Fortnight => Span::Fortnight,
        }
    }
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $method:ident $path:literal $answer:ident,
        $needs:ident(|$ctx:ident, $input:ident: $in_ty:ty| -> $out_ty:ty $body:block)
    )*) => {
        /// Every operation, in the order the UI's `Backend` lists them.
        pub const OPERATIONS: &[Operation] = &[$(
            Operation {
                name: stringify!($name),
                method: Method::$method,
                path: $path,
                answer: Answer::$answer,
                doc: concat!($($doc, "\n",)* ""),
            },
        )*];

        /// Carries out the operation `name` with `input` (a JSON object) against `target`.
        /// Refuses an unknown name (`not_found`), an input of the wrong shape
        /// (`invalid_input`), and an operation of the other phase: the app's before setup
        /// (`not_configured`), the wizard's after it.
        pub async fn call(
            target: &Target,
            name: &str,
            input: serde_json::Value,
            lang: Lang,
        ) -> Result<serde_json::Value, ApiError> {
            let answered = async {
                match name {
                    $(stringify!($name) => {
                        let $input: $in_ty = parse(input)?;
                        let $ctx = Asked { by: target.$needs()?, lang };
                        let out: $out_ty = $body;
                        answer(&out)
                    })*
                    other => Err(ApiError::not_found(format!("There is no operation {other:?}."))),
                }
            };
            answered.await.map_err(|e| e.in_lang(lang))
        }

        /// Each operation's name with the TypeScript names of its input and output.
        pub(crate) fn signatures(config: &ts_rs::Config) -> Vec<(&'static str, String, String)> {
            vec![$(
                (
                    stringify!($name),
                    <$in_ty as ts_rs::TS>::name(config),
                    <$out_ty as ts_rs::TS>::name(config),
                ),
            )*]
        }

        /// Every input and output type, with the types they name, for the TypeScript file.
        pub(crate) fn declare(types: &mut typescript::Types) {
            $(
                types.add::<$in_ty>();
                types.add::<$out_ty>();
            )*
        }
    };
}

operations! {
    /// The mode (`demo`, `live`, or `setup` while the wizard waits), version and room count.
    status: Get "/status" Json,
    either(|t, _input: NoInput| -> Status {
        match &*t {
            Target::App(app) => app.status()?,
            Target::Setup(wizard) => wizard.status(),
        }
    })

    /// Every room with its mapping and sync status, by name.
    list_rooms: Get "/rooms" Json,
    app(|app, _input: NoInput| -> Vec<RoomView> { app.list_rooms()? })

    /// A room's own page: its pieces over some days (where each comes from, how it stands in
    /// Outlook) and what its next sync would do, from what RoomBridge last read.
    room_calendar: Get "/rooms/{room}/calendar" Json,
    app(|app, input: CalendarInput| -> RoomCalendarView { app.room_calendar(&input)? })

    /// One page of the history, newest first.
    list_history: Get "/history" Json,
    app(|app, query: HistoryQuery| -> Vec<HistoryEntry> { app.query_history(&query)? })

    /// Every entry the query selects (its limit and page aside), oldest first, as a file.
    export_history: Get "/history/export" File,
    app(|app, input: ExportInput| -> ExportView {
        app.export_history(&input.query, input.format, input.lang)?
    })

    /// Checks the audit history's hash chain (and its anchor in the OS keyring).
    verify_audit: Get "/audit/verify" Json,
    app(|app, _input: NoInput| -> VerifyView { app.verify_audit()? })

    /// The conflicts that wait for a decision.
    list_conflicts: Get "/conflicts" Json,
    app(|app, _input: NoInput| -> Vec<ConflictView> { app.list_conflicts()? })

    /// Asks the room to run a cycle now; answers once asked, not when the cycle ends.
    sync_room: Post "/rooms/{room}/sync" Json,
    app(|app, input: RoomInput| -> Done {
        app.sync_room(&input.room)?;
        Done {}
    })

    /// Lets the deletions the mass-deletion breaker holds back in a room go ahead.
    approve_deletions: Post "/rooms/{room}/approve-deletions" Json,
    app(|app, input: RoomInput| -> Done {
        app.approve_deletions(&input.room)?;
        Done {}
    })

    /// Records a decision on a conflict; the room's next sync carries it out, and until then
    /// it can be undone.
    decide_conflict: Post "/conflicts/{id}/decision" Json,
    app(|app, input: DecideInput| -> ConflictView {
        let choice = app.choice_for(input.id, &input.decision)?;
        app.decide_conflict(input.id, choice, &decided_by(), &input.decision.reason)?
    })

    /// The same decision on several conflicts, all or none.
    decide_conflicts: Post "/conflicts/decisions" Json,
    app(|app, input: BulkDecisionRequest| -> Vec<ConflictView> {
        let d = &input.decision;
        app.decide_conflicts(&input.ids, d.choice()?, &decided_by(), &d.reason)?
    })

    /// The default conflict policy, each room's own, and the policies offered.
    get_policies: Get "/policies" Json,
    app(|app, _input: NoInput| -> PoliciesView { app.get_policies()? })

    /// Sets the policy of rooms without their own.
    set_default_policy: Put "/policies/default" Json,
    app(|app, input: PolicyInput| -> PoliciesView {
        app.set_default_policy(input.policy.as_deref().unwrap_or_default())?
    })

    /// Sets a room's own policy; `null` makes it follow the default.
    set_room_policy: Put "/rooms/{room}/policy" Json,
    app(|app, input: RoomPolicyInput| -> PoliciesView {
        app.set_room_policy(&input.room, input.policy.as_deref())?
    })

    /// The setup wizard's prefilled state (never a secret: only whether one is stored).
    setup_state: Get "/setup" Json,
    wizard(|wizard, _input: NoInput| -> SetupView { wizard.setup_state() })

    /// Tests the Microsoft 365 connection; a secret that works goes to the OS keyring.
    check_tenant: Post "/setup/tenant" Json,
    wizard(|wizard, form: TenantForm| -> CheckView {
        wizard.check_tenant(form).await?.in_lang(wizard.lang)
    })

    /// Tests the booking-system connection; a key that works goes to the OS keyring.
    check_booking: Post "/setup/booking" Json,
    wizard(|wizard, form: BookingForm| -> CheckView {
        wizard.check_booking(form).await?.in_lang(wizard.lang)
    })

    /// Both sides' rooms and resources, matched (after both tests passed).
    discover_rooms: Post "/setup/discover" Json,
    wizard(|wizard, _input: NoInput| -> DiscoveryView { wizard.discover().await? })

    /// What the first sync of the chosen rooms would do, read from both sides and written
    /// nowhere: each room's writes and the conflicts that would wait.
    preview_setup: Post "/setup/preview" Json,
    wizard(|wizard, request: FinishRequest| -> Vec<SetupPlanView> { wizard.preview(request).await? })

    /// Writes the configuration, stores the rooms and starts syncing; answers the new status.
    finish_setup: Post "/setup/finish" Json,
    wizard(|wizard, request: FinishRequest| -> Status {
        wizard.finish(request).await?.status()?
    })

    /// Mailboxes and resources for adding a room (once set up).
    mapping_options: Get "/mappings/options" Json,
    app(|app, _input: NoInput| -> DiscoveryView { app.mapping_options().await? })

    /// Maps a booking-system resource to an Outlook room mailbox and starts syncing it.
    add_room: Post "/rooms" Json,
    app(|app, room: NewRoom| -> RoomView { app.add_room(room).await? })

    /// Changes a mapping; absent fields stay.
    edit_room: Patch "/rooms/{room}" Json,
    app(|app, input: EditRoomInput| -> RoomView { app.edit_room(&input.room, input.edit)? })

    /// Stops syncing a room; nothing is deleted in Outlook or the booking system.
    remove_room: Delete "/rooms/{room}" Json,
    app(|app, input: RoomInput| -> Done {
        app.remove_room(&input.room)?;
        Done {}
    })

    /// Stops syncing a room until it is resumed; answers the room's new view.
    pause_room: Post "/rooms/{room}/pause" Json,
    app(|app, input: RoomInput| -> RoomView { app.pause_room(&input.room)? })

    /// Syncs a paused room again (it starts with a sync now).
    resume_room: Post "/rooms/{room}/resume" Json,
    app(|app, input: RoomInput| -> RoomView { app.resume_room(&input.room)? })

    /// Pauses every room; answers every room's new view.
    pause_all: Post "/rooms/pause-all" Json,
    app(|app, _input: NoInput| -> Vec<RoomView> { app.pause_all()? })

    /// Resumes every room.
    resume_all: Post "/rooms/resume-all" Json,
    app(|app, _input: NoInput| -> Vec<RoomView> { app.resume_all()? })

    /// The settings, with the bounds the server checks them against.
    get_settings: Get "/settings" Json,
    app(|app, _input: NoInput| -> SettingsView { app.settings()? })

    /// Changes the fields given; `invalid_input` (nothing changed) when one is out of bounds.
    update_settings: Put "/settings" Json,
    app(|app, update: SettingsUpdate| -> SettingsView { app.update_settings(&update)? })

    /// What keeping either side of a conflict would do: each side's writes and who is told
    /// what, as the room's next sync would carry it out now.
    preview_decisions: Get "/conflicts/{id}/preview" Json,
    app(|app, input: ConflictInput| -> Vec<ChoicePreview> {
        app.preview_decisions(input.id)?
            .into_iter()
            .map(|p| p.in_lang(app.lang))
            .collect()
    })

    /// The free times nearest to a double booking at which one side could move ("Keep both").
    free_times: Get "/conflicts/{id}/free-times" Json,
    app(|app, input: FreeTimesInput| -> Vec<MoveRequest> { app.free_times(input.id, input.side)? })

    /// Whether the decision a `conflict_decided` history row records can be undone now that a
    /// sync carried it out: what undoing does, or why it cannot be done.
    undo_options: Get "/history/{seq}/undo" Json,
    app(|app, input: UndoInput| -> UndoView { app.undo_options(input.seq)?.in_lang(app.lang) })

    /// Undoes a carried-out decision: the conflict waits again and the room's next sync gives
    /// each side back what it held before; refused, saying why, where that is not possible.
    undo_carried_out: Post "/history/{seq}/undo" Json,
    app(|app, input: UndoInput| -> UndoView {
        app.undo_carried_out(input.seq, &decided_by(), &input.reason)?
            .in_lang(app.lang)
    })

    /// Withdraws a decision before the room's next sync carries it out.
    undo_decision: Delete "/conflicts/{id}/decision" Json,
    app(|app, input: ConflictInput| -> ConflictView { app.undo_decision(input.id, &decided_by())? })

    /// Carries out the decisions waiting on these conflicts now, instead of at their rooms'
    /// next polls.
    carry_out_decisions: Post "/conflicts/carry-out" Json,
    app(|app, input: ConflictIds| -> Done {
        app.carry_out_now(&input.ids)?;
        Done {}
    })

    /// The connections RoomBridge runs on (Microsoft 365, the booking system), never a secret.
    get_connections: Get "/connections" Json,
    app(|app, _input: NoInput| -> ConnectionsView { app.connections()? })

    /// Tests a Microsoft 365 connection as typed (an empty secret: the one in the keyring);
    /// changes nothing.
    test_tenant_connection: Post "/connections/tenant/test" Json,
    app(|app, form: TenantForm| -> CheckView {
        app.test_tenant_connection(form).await?.in_lang(app.lang)
    })

    /// Tests and, when the test passes, keeps a Microsoft 365 connection: a typed secret in
    /// the OS keyring, the rest in config.json; syncing restarts on it.
    save_tenant_connection: Put "/connections/tenant" Json,
    app(|app, form: TenantForm| -> SavedConnection {
        app.save_tenant_connection(form).await?.in_lang(app.lang)
    })

    /// Tests a booking-system connection as typed; changes nothing.
    test_booking_connection: Post "/connections/booking/test" Json,
    app(|app, form: BookingForm| -> CheckView {
        app.test_booking_connection(form).await?.in_lang(app.lang)
    })

    /// Tests and, when the test passes, keeps a booking-system connection.
    save_booking_connection: Put "/connections/booking" Json,
    app(|app, form: BookingForm| -> SavedConnection {
        app.save_booking_connection(form).await?.in_lang(app.lang)
    })

    /// Sync activity and errors over the span, every bucket included.
    activity: Get "/activity" Json,
    app(|app, input: ActivityInput| -> ActivityView { app.activity(input.span.map_or(Span::Day, Span::from))? })

    /// The Graph request budget each mailbox has in use now.
    graph_budget: Get "/graph-budget" Json,
    app(|app, _input: NoInput| -> Vec<BudgetView> { app.graph_budget()? })

    /// Checks the tenant and every mapped room (writes and deletes a test event in each);
    /// takes about ten seconds.
    doctor: Post "/doctor" Json,
    app(|app, request: DoctorRequest| -> DoctorView {
        app.doctor(&request).await?.in_lang(app.lang)
    })
}

/// The operation called `name`.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.name == name)
}

fn parse<T: DeserializeOwned>(input: serde_json::Value) -> Result<T, ApiError> {
    let input = match input {
        // Tauri sends no `input` for an operation without one.
        serde_json::Value::Null => serde_json::Value::Object(Default::default()),
        other => other,
    };
    serde_json::from_value(input).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
}

fn answer<T: Serialize>(out: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(out).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// Numbers that may come as text: path parameters and query strings are text.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(i64),
        Text(String),
    }

    fn read<E: Error>(value: NumberOrText) -> Result<i64, E> {
        match value {
            NumberOrText::Number(n) => Ok(n),
            NumberOrText::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| E::custom(format!("{t:?} is not a number"))),
        }
    }

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        read(NumberOrText::deserialize(d)?)
    }

    pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<NumberOrText>::deserialize(d)? {
            None => Ok(None),
            Some(NumberOrText::Text(t)) if t.trim().is_empty() => Ok(None),
            Some(value) => {
                let n = read(value)?;
                T::try_from(n)
                    .map(Some)
                    .map_err(|_| D::Error::custom(format!("{n} is out of range")))
            }
        }
    }
}
