// Generated from the Rust types of `crates/app` (`ops.rs` and what it names): do not edit.
// Change the Rust side and run `scripts/generate-api.sh`; `cargo test` fails while this
// file is out of date.

/** The closed set of error codes. Screens branch on `code`, never on `message`. */
export const API_ERROR_CODES = ["unauthorized", "not_found", "invalid_input", "unavailable", "not_configured", "internal"] as const;

/** Every kind of history entry, in the order the history filter offers them. */
export const HISTORY_KINDS = ["create_event", "create_series", "update_event", "update_series", "delete_event", "cancel_event", "decline_event", "create_reservation", "update_reservation", "cancel_reservation", "skip_occurrence", "detach_occurrence", "move_event", "move_reservation", "settle", "relink", "forget", "conflict", "conflict_decided", "rejected", "orphaned", "cycle_failed", "deletions_held", "mapping", "decision_recorded", "decision_withdrawn", "decision_undone"] as const;

/**
 * History rows of one hour or day.
 */
export type ActivityBucket = { 
/**
 * The bucket's first instant (RFC 3339, UTC).
 */
start: string, 
/**
 * Actions that went through.
 */
ok: number, 
/**
 * Failed actions and cycles.
 */
failed: number, 
/**
 * Conflicts found.
 */
conflicts: number, };

/**
 * The activity chart's span: `24h` (per hour, the default) or `14d` (per day).
 */
export type ActivityInput = { span?: ActivitySpan | null, };

/**
 * `24h`: per hour over the last day; `14d`: per (UTC) day over two weeks.
 */
export type ActivitySpan = "24h" | "14d";

export type ActivityView = { span: Span, 
/**
 * Every bucket of the span, oldest first, empty ones included.
 */
buckets: Array<ActivityBucket>, };

export type ApiError = { code: ApiErrorCode, message: string, };

export type ApiErrorCode = "unauthorized" | "not_found" | "invalid_input" | "unavailable" | "not_configured" | "internal";

/**
 * Step 1b: the booking system, as typed.
 */
export type BookingForm = { 
/**
 * Which kind of booking system (default: RoomBridge's booking API).
 */
system: BookingSystem, 
/**
 * RoomBridge's booking API: its base address (`https://…/api/v1`). PorticoEstate: the
 * installation's address (where `/login` and `/booking/…` are).
 */
url: string, 
/**
 * RoomBridge's booking API: its key. Empty: use the key already in the keyring.
 */
api_key?: string | null, 
/**
 * PorticoEstate: the user name RoomBridge signs in with.
 */
login?: string | null, 
/**
 * PorticoEstate: that user's password. Empty: use the one already in the keyring.
 */
password?: string | null, };

/**
 * The kinds of booking system RoomBridge talks to.
 */
export type BookingSystem = "roombridge-api" | "porticoestate";

/**
 * The booking-system connection, without its key or password.
 */
export type BookingView = { system: BookingSystem, url: string, 
/**
 * PorticoEstate's user name.
 */
login: string | null, };

export type Bounds = { poll_min_secs: number, poll_max_secs: number, days_back_max: number, days_ahead_min: number, days_ahead_max: number, };

/**
 * One mailbox's share of Graph's request budget.
 */
export type BudgetView = { mailbox: string, 
/**
 * The room the mailbox belongs to; `None` for tenant-wide requests (room discovery,
 * batches across rooms).
 */
room_name: string | null, 
/**
 * Requests in the current rolling window.
 */
used: number, limit: number, window_secs: number, };

/**
 * The same decision for several conflicts: `{ ids, choice, merge?, reason }`.
 */
export type BulkDecisionRequest = { ids: Array<number>, 
/**
 * `keep_booking`, `keep_calendar`, `merge` or `move`.
 */
choice: string, 
/**
 * Which side each group of fields comes from; required for `merge`.
 */
merge?: FieldOwnership | null, 
/**
 * Which side moves and where to; required for `move`.
 */
move?: MoveRequest | null, reason: string, };

/**
 * Which days of which room: `from` is a local date in the room's zone (today when absent),
 * `days` how many (7 when absent, at most [`MAX_DAYS`]).
 */
export type CalendarInput = { room: string, from?: string | null, days?: number | null, };

/**
 * One piece of the room's calendar.
 */
export type CalendarItem = { 
/**
 * Stable within the room: the block's key, or `outlook:` and the event's id.
 */
key: string, content: ContentView, 
/**
 * The UTC instants it covers (all-day pieces from the room's midnights).
 */
start: string, end: string, source: ItemSource, 
/**
 * The booking-system reservation it shows (for an occurrence, the recurring one).
 */
reservation: string | null, 
/**
 * The local date of the occurrence, when the reservation repeats.
 */
occurrence: string | null, 
/**
 * Higher reservations that cut it out of its reservation (an event inside an
 * allocation, a closure).
 */
covered_by: Array<string>, state: ItemState, 
/**
 * The Outlook event that shows it, when there is one.
 */
outlook_event: string | null, 
/**
 * The open conflict it waits in, when it does.
 */
conflict: number | null, };

/**
 * The result of a connection test: what happened and what to do about it.
 */
export type CheckView = { ok: boolean, 
/**
 * One sentence: what happened.
 */
summary: string, 
/**
 * What to change, when something is wrong.
 */
fix: string | null, 
/**
 * The service's own words, for whoever helps (never a secret).
 */
detail: string | null, problem: Problem | null, 
/**
 * Rooms (tenant) or resources (booking system) found.
 */
found: number, };

/**
 * What one decision on a conflict would do, as the room's next sync would carry it out now.
 */
export type ChoicePreview = { choice: ConflictChoice, 
/**
 * The writes, in order; empty when neither side changes (the conflict is only closed).
 */
steps: Array<StepPreview>, 
/**
 * Why this decision cannot be carried out as both sides are now, if it cannot.
 */
refused: string | null, };

/**
 * The decisions on a conflict by name, as [`ConflictView::choices`] and [`DecisionView::choice`]
 * carry them ([`Choice::name`]); declared for the UI's types.
 */
export type ConflictChoice = "keep_booking" | "keep_calendar" | "merge" | "move";

export type ConflictIds = { ids: Array<number>, };

export type ConflictInput = { 
/**
 * The conflict's id.
 */
id: number, };

export type ConflictKind = "edit" | "delete_edit" | "overlap" | "fragment_edit" | "read_only";

export type ConflictView = { id: number, room_id: string, room_name: string, kind: ConflictKind, detected_at: string, fields: Array<string>, booking: ContentView | null, calendar: ContentView | null, 
/**
 * The decisions a person may take: `keep_booking`, `keep_calendar`, `merge`, `move`.
 */
choices: Array<ConflictChoice>, 
/**
 * A decision recorded and waiting for the room's next cycle.
 */
decision: DecisionView | null, };

export type ConnectionsView = { tenant: TenantView, booking: BookingView, 
/**
 * The demo's connections: a change lasts until the demo stops.
 */
in_memory: boolean, };

/**
 * The fields RoomBridge keeps identical on both sides.
 */
export type ContentView = { title: string, when: When, 
/**
 * The IANA zone the reservation is written in (the room's zone unless the side says
 * otherwise). Not part of the hash for timed reservations: the same instants in another
 * zone are the same reservation.
 */
time_zone: string, 
/**
 * The organisation (booking) or organizer (Outlook) that holds the reservation.
 */
organisation: string, description: string, };

export type Counts = { links: number, conflicts: number, failed: number, };

export type DecideInput = { 
/**
 * The conflict's id.
 */
id: number, 
/**
 * `keep_booking`, `keep_calendar`, `merge` or `move`.
 */
choice: string, 
/**
 * Which side each group of fields comes from; required for `merge`.
 */
merge?: FieldOwnership | null, 
/**
 * Which side moves and where to; required for `move`.
 */
move?: MoveRequest | null, reason: string, };

/**
 * A decision as the UI sends it: `{ choice, merge?, move?, reason }`.
 */
export type DecisionRequest = { 
/**
 * `keep_booking`, `keep_calendar`, `merge` or `move`.
 */
choice: string, 
/**
 * Which side each group of fields comes from; required for `merge`.
 */
merge?: FieldOwnership | null, 
/**
 * Which side moves and where to; required for `move`.
 */
move?: MoveRequest | null, reason: string, };

/**
 * A recorded decision, as the UI shows it while it waits for the next sync.
 */
export type DecisionView = { 
/**
 * `keep_booking`, `keep_calendar`, `merge` or `move`.
 */
choice: ConflictChoice, 
/**
 * For a merge: which side each group of fields comes from.
 */
merge: FieldOwnership | null, 
/**
 * For keeping both: which side moves, and its new start and end (RFC 3339).
 */
move: MoveView | null, by: string, reason: string, at: string, };

/**
 * Step 2: both sides' lists, matched.
 */
export type DiscoveryView = { mailboxes: Array<MailboxOption>, resources: Array<ResourceMatch>, };

/**
 * What the facility manager asks the doctor.
 */
export type DoctorRequest = { 
/**
 * A person's mailbox (a colleague's address) to test the application's scope with,
 * besides the organizers of meetings found in the rooms' calendars.
 */
person?: string | null, };

/**
 * The doctor's report.
 */
export type DoctorView = { checked_at: string, 
/**
 * Mapped rooms checked.
 */
rooms: number, problems: number, warnings: number, 
/**
 * Problems first, then warnings, then what is fine; in the order checked within each.
 */
findings: Array<Finding>, };

/**
 * What an operation that has nothing to tell answers: `{}`.
 */
export type Done = Record<symbol, never>;

export type EditRoomInput = { room: string, name?: string | null, mailbox?: string | null, time_zone?: string | null, };

/**
 * The two export formats.
 */
export type ExportFormat = "csv" | "jsonl";

/**
 * The history's filters and the file's format.
 */
export type ExportInput = { format: ExportFormat, 
/**
 * The language of a CSV's headers and words (the window's); absent: the one chosen in
 * Settings, else the system's.
 */
lang?: Lang | null, 
/**
 * Rows per page (1–5000, default 200). Ignored by exports, which hold every match.
 */
limit?: number | null, 
/**
 * A room id.
 */
room?: string | null, 
/**
 * RFC 3339 instant, or a `YYYY-MM-DD` date (from its start, UTC): rows at or after it.
 */
from?: string | null, 
/**
 * RFC 3339 instant (exclusive), or a `YYYY-MM-DD` date (through its end, UTC).
 */
to?: string | null, 
/**
 * One kind: `create_event`, `conflict`, `conflict_decided`, `rejected`, …
 */
kind?: HistoryKind | null, 
/**
 * `ok`, `failed` or `conflict`.
 */
outcome?: string | null, 
/**
 * Text to find in the title or the detail.
 */
search?: string | null, 
/**
 * The next page: rows older than this `seq` (the last `seq` of the previous page).
 */
before?: number | null, };

/**
 * An export: the file's suggested name and its text.
 */
export type ExportView = { filename: string, format: ExportFormat, text: string, 
/**
 * How many history rows it holds.
 */
rows: number, };

/**
 * Which side each group of fields comes from when two versions are merged.
 */
export type FieldOwnership = { 
/**
 * Start, end, all-day and time zone.
 */
times: Side, 
/**
 * The title.
 */
title: Side, 
/**
 * Organisation and description.
 */
details: Side, };

/**
 * One thing the doctor checked.
 */
export type Finding = { 
/**
 * Stable across runs: `sign-in`, `places-permission`, `rooms` (none mapped), `scope`,
 * `client-secret-expiry`, and per room `calendar-access:{room id}`, `calendar-processing:{room id}`,
 * `probe-cleanup:{room id}`.
 */
id: string, severity: Severity, title: string, 
/**
 * What it means, in a facility manager's words.
 */
meaning: string, 
/**
 * The room it is about, if it is about one.
 */
room_id: string | null, 
/**
 * `None` when there is nothing to fix.
 */
fix: Fix | null, };

/**
 * Step 3: the person's choices.
 */
export type FinishRequest = { 
/**
 * The zone of rooms that do not name their own (IANA, e.g. `Europe/Oslo`).
 */
time_zone?: string | null, 
/**
 * The policy of rooms without their own (default: manual).
 */
default_policy?: string | null, rooms: Array<RoomChoice>, };

/**
 * How to fix a finding.
 */
export type Fix = { 
/**
 * What to do, in words.
 */
steps: string, 
/**
 * Exchange Online PowerShell that does it, ready to paste (what RoomBridge cannot know
 * is in `<angle brackets>`).
 */
powershell: string | null, };

export type FreeTimesInput = { 
/**
 * The conflict's id.
 */
id: number, 
/**
 * The side that would move.
 */
side: Side, };

export type HistoryEntry = { seq: number, at: string, room_id: string, room_name: string, cycle: number, kind: HistoryKind, side: Side | null, outcome: Outcome, title: string, 
/**
 * Why, or what went wrong, in English: what the audit holds.
 */
detail: string, 
/**
 * What `detail` says, in words the UI says in its own language (the keys of
 * `crates/core/locales`); absent for rows that carry only the services' own words.
 */
said: Words | null, };

/**
 * What a history row records. Stored in the `kind` column as its snake_case name, the same
 * text the rows have always held (`create_event`, `cycle_failed`, …), which the hash chain
 * covers; JSON carries the same name.
 *
 * Kinds only ever grow. A stored name this build does not know (a database a newer RoomBridge
 * wrote) is not guessed at and has no catch-all variant: reading the row fails with a
 * [`crate::StoreError::Invalid`] that names the entry and the kind, instead of showing it as
 * something it is not. [`super::verify`] hashes the stored text as it is, so such a history
 * still verifies.
 */
export type HistoryKind = "create_event" | "create_series" | "update_event" | "update_series" | "delete_event" | "cancel_event" | "decline_event" | "create_reservation" | "update_reservation" | "cancel_reservation" | "skip_occurrence" | "detach_occurrence" | "move_event" | "move_reservation" | "settle" | "relink" | "forget" | "conflict" | "conflict_decided" | "rejected" | "orphaned" | "cycle_failed" | "deletions_held" | "mapping" | "decision_recorded" | "decision_withdrawn" | "decision_undone";

/**
 * Which history rows to show or export, as the UI, the HTTP query string and the CLI give it.
 * Every field is optional and an empty string counts as absent (an untouched form field).
 */
export type HistoryQuery = { 
/**
 * Rows per page (1–5000, default 200). Ignored by exports, which hold every match.
 */
limit?: number | null, 
/**
 * A room id.
 */
room?: string | null, 
/**
 * RFC 3339 instant, or a `YYYY-MM-DD` date (from its start, UTC): rows at or after it.
 */
from?: string | null, 
/**
 * RFC 3339 instant (exclusive), or a `YYYY-MM-DD` date (through its end, UTC).
 */
to?: string | null, 
/**
 * One kind: `create_event`, `conflict`, `conflict_decided`, `rejected`, …
 */
kind?: HistoryKind | null, 
/**
 * `ok`, `failed` or `conflict`.
 */
outcome?: string | null, 
/**
 * Text to find in the title or the detail.
 */
search?: string | null, 
/**
 * The next page: rows older than this `seq` (the last `seq` of the previous page).
 */
before?: number | null, };

/**
 * Where a piece of the room's calendar comes from.
 */
export type ItemSource = "allocation" | "booking" | "event" | "closure" | "outlook";

/**
 * How a piece stands between the two sides.
 */
export type ItemState = "synced" | "pending" | "failed" | "conflict" | "not_yet";

/**
 * A language RoomBridge speaks.
 */
export type Lang = "nb" | "en";

/**
 * A mailbox a resource can be mapped to.
 */
export type MailboxOption = { email: string, name: string, source: MailboxSource, };

/**
 * Where a mailbox was found.
 */
export type MailboxSource = "places" | "booking";

/**
 * How a resource's suggested mailbox was found.
 */
export type MatchedBy = "email" | "name" | "booking_email";

export type Mode = "demo" | "live" | "setup";

/**
 * "Keep both by moving one" as the UI sends it: the side that moves, and its new start and
 * end as the room's local time (`2026-12-01T18:30`) or as RFC 3339 instants.
 */
export type MoveRequest = { side: Side, start: string, end: string, };

/**
 * "Keep both by moving one": the side whose reservation moves, and its new time. The booking
 * side is the reservation in the Outlook meeting's way; the calendar side is the meeting.
 */
export type MoveView = { side: Side, start: string, end: string, };

/**
 * A new mapping: `{ resource_id, mailbox, name?, time_zone?, policy? }`.
 */
export type NewRoom = { resource_id: string, mailbox: string, name?: string | null, time_zone?: string | null, 
/**
 * `None`: follow the default policy.
 */
policy?: string | null, };

/**
 * An operation with no input.
 */
export type NoInput = Record<symbol, never>;

/**
 * Which desktop notifications to send (the notifier reads these).
 */
export type NotificationsView = { 
/**
 * A room keeps failing after its retries.
 */
failures: boolean, 
/**
 * Sign-in problems: refused credentials, a client secret about to expire.
 */
sign_in: boolean, 
/**
 * Conflicts wait for a decision.
 */
conflicts: boolean, };

/**
 * How an action ended.
 */
export type Outcome = "ok" | "failed" | "conflict";

/**
 * A conflict the room's next sync would raise.
 */
export type PlannedConflict = { kind: ConflictKind, title: string, };

/**
 * The conflict policies: the global default and each room's own.
 */
export type PoliciesView = { 
/**
 * The policy of rooms without their own.
 */
default: string, rooms: Array<RoomPolicyView>, 
/**
 * Policies the UI offers by name (any `fields:…` spec is accepted too).
 */
available: Array<string>, };

/**
 * `policy`: a policy's name; `null` (rooms only) follows the default.
 */
export type PolicyInput = { policy?: string | null, };

/**
 * What Outlook shows of a booking-system reservation.
 */
export type Privacy = "full" | "organisation" | "reserved";

/**
 * What went wrong in a connection test, for the UI to pick an icon and a field to focus.
 */
export type Problem = "credentials" | "permission" | "unreachable" | "address" | "busy";

/**
 * A booking resource with its suggested mailbox.
 */
export type ResourceMatch = { id: string, name: string, kind: RoomKind, email: string | null, time_zone: string, 
/**
 * The suggested mailbox; `None`: no match, not synced unless the person picks one.
 */
mailbox: string | null, matched_by: MatchedBy | null, 
/**
 * Already mapped to a room (the id of that room).
 */
room_id: string | null, };

/**
 * A room's own page.
 */
export type RoomCalendarView = { room_id: string, time_zone: string, 
/**
 * The first local date shown and how many days.
 */
from: string, days: number, 
/**
 * The span RoomBridge syncs (its window), as UTC instants: outside it nothing is synced.
 */
window_start: string, window_end: string, 
/**
 * Every piece that overlaps the days shown, by start.
 */
items: Array<CalendarItem>, plan: RoomPlanView, };

/**
 * One resource's mapping as chosen in the wizard.
 */
export type RoomChoice = { resource_id: string, 
/**
 * `None` or empty: do not sync this resource.
 */
mailbox?: string | null, name?: string | null, kind?: RoomKind | null, time_zone?: string | null, 
/**
 * `None`: follow the default policy.
 */
policy?: string | null, };

/**
 * Changes to a mapping; absent fields stay as they are.
 */
export type RoomEdit = { name?: string | null, mailbox?: string | null, time_zone?: string | null, };

/**
 * One room, by id (a path parameter over HTTP).
 */
export type RoomInput = { room: string, };

/**
 * What a mapped resource is: a room, or equipment (a projector, a van).
 */
export type RoomKind = "room" | "equipment";

/**
 * What the room's next sync would do now: the dry run, from what RoomBridge last read.
 */
export type RoomPlanView = { steps: Array<StepPreview>, 
/**
 * New conflicts it would raise, which would wait for a person.
 */
conflicts: Array<PlannedConflict>, 
/**
 * Links held in conflict from earlier syncs, which it leaves alone.
 */
held: number, };

export type RoomPolicyInput = { room: string, policy?: string | null, };

export type RoomPolicyView = { room_id: string, room_name: string, 
/**
 * The room's own policy; `None` when it follows the default.
 */
policy: string | null, 
/**
 * The policy the room follows.
 */
effective: string, };

export type RoomState = "idle" | "syncing" | "in_sync" | "conflicts" | "failing" | "waiting_for_approval" | "paused";

export type RoomView = { id: string, name: string, kind: RoomKind, mailbox: string, resource_id: string, time_zone: string, paused: boolean, status: RoomState, last_cycle_at: string | null, last_ok_at: string | null, last_error: string | null, 
/**
 * Since when the room's cycles fail (the first failure after its last good cycle).
 */
failing_since: string | null, 
/**
 * The side the last failure could not reach: the booking system or Outlook.
 */
failing_side: Side | null, 
/**
 * Deletions the mass-deletion breaker holds back until a person approves them (0: none).
 */
held_deletions: number, counts: Counts, };

/**
 * What saving a connection did: the test's result, and the connections now (changed only
 * when the test passed).
 */
export type SavedConnection = { check: CheckView, saved: boolean, connections: ConnectionsView, };

/**
 * Where RoomBridge keeps its files (read-only in the UI; shown, never opened).
 */
export type SettingsPaths = { 
/**
 * The folder of the database (and of `config.json` in live mode); `None` for a database
 * in memory.
 */
data_dir: string | null, database: string | null, 
/**
 * The folder this process writes its rotating log files to (`logging`). `None` while it
 * logs to standard error only: `sync --once` and the other one-shot commands, or when the
 * log folder could not be used.
 */
log_dir: string | null, };

/**
 * A change of settings: only the fields given change.
 */
export type SettingsUpdate = { poll_interval_secs?: number | null, days_back?: number | null, days_ahead?: number | null, 
/**
 * `full`, `organisation` or `reserved`.
 */
privacy?: string | null, notifications?: NotificationsView | null, 
/**
 * `nb`, `en`, or `auto` for the system's language.
 */
language?: string | null, 
/**
 * `nb` or `en`.
 */
organiser_language?: string | null, };

/**
 * The settings as the UI shows them, with the bounds it validates against.
 */
export type SettingsView = { poll_interval_secs: number, days_back: number, days_ahead: number, 
/**
 * `full`, `organisation` or `reserved`.
 */
privacy: Privacy, notifications: NotificationsView, 
/**
 * The language of the screens, notifications, tray and exports; `null`: the system's.
 */
language: Lang | null, 
/**
 * The system's language as RoomBridge reads it (what `null` means).
 */
system_language: Lang, 
/**
 * The organisation's language: what rooms write to organisers of meetings they decline or
 * cancel.
 */
organiser_language: Lang, bounds: Bounds, paths: SettingsPaths, };

/**
 * One room's first sync, as the wizard shows it before "Start syncing".
 */
export type SetupPlanView = { room_id: string, room_name: string, plan: RoomPlanView, 
/**
 * Why the room could not be read, when it could not.
 */
error: string | null, };

/**
 * What the wizard already knows, to fill in its forms (a wizard opened again after a secret
 * went missing, or after a reload). Never holds a secret: only whether one is stored.
 */
export type SetupView = { tenant_id: string, client_id: string, certificate_thumbprint: string | null, client_secret_expires: string | null, graph_base: string | null, token_url: string | null, 
/**
 * The kind of booking system last tested or configured.
 */
booking_system: BookingSystem, booking_url: string, 
/**
 * PorticoEstate's user name for RoomBridge.
 */
booking_login: string, client_secret_stored: boolean, api_key_stored: boolean, 
/**
 * PorticoEstate's password is in the keyring.
 */
password_stored: boolean, 
/**
 * The tenant passed its connection test in this run.
 */
tenant_ok: boolean, 
/**
 * The booking system passed its connection test in this run.
 */
booking_ok: boolean, default_time_zone: string, 
/**
 * Conflict policies to offer, by name.
 */
policies: Array<string>, };

/**
 * How bad a finding is.
 */
export type Severity = "ok" | "warning" | "problem";

/**
 * The two places a reservation lives. Never "A" and "B".
 */
export type Side = "booking" | "calendar";

/**
 * How RoomBridge signs in to Microsoft 365.
 */
export type SignIn = "client_secret" | "certificate";

/**
 * The spans the activity chart offers.
 */
export type Span = "day" | "fortnight";

export type Status = { mode: Mode, version: string, rooms: number, };

/**
 * One write a decision leads to.
 */
export type StepPreview = { 
/**
 * What is done, named as the history names it (`decline_event`, `cancel_reservation`…).
 */
action: HistoryKind, 
/**
 * Where it is done.
 */
side: Side, 
/**
 * The title of what it touches.
 */
title: string, 
/**
 * What the meeting's organiser (a decline), its attendees (a cancellation) or the booking
 * system (a cancelled reservation's note) is told, in the organisation's language.
 */
message: string | null, 
/**
 * Who is told, as Outlook names the meeting's organiser.
 */
told: string | null, };

/**
 * Step 1a: the Microsoft 365 tenant, as typed. The client secret (or certificate key) is read
 * into a [`Secret`] on arrival and is never sent back.
 */
export type TenantForm = { tenant_id: string, client_id: string, 
/**
 * Empty: use the secret already in the keyring (a wizard run again).
 */
client_secret?: string | null, 
/**
 * A PEM file with the private key of a certificate uploaded to the app registration;
 * with [`TenantForm::certificate_thumbprint`], used instead of a client secret.
 */
certificate_path?: string | null, certificate_thumbprint?: string | null, 
/**
 * The day the client secret expires, as Entra ID shows it (`YYYY-MM-DD`); optional, and
 * ignored when signing in with a certificate. Saved as `client_secret_expires` in
 * `config.json`, where the desktop app's expiry warning reads it.
 */
client_secret_expires?: string | null, 
/**
 * Overrides for sovereign clouds and the emulators ("Advanced").
 */
graph_base?: string | null, token_url?: string | null, };

/**
 * The Microsoft 365 connection, without its secret.
 */
export type TenantView = { tenant_id: string, client_id: string, sign_in: SignIn, certificate_thumbprint: string | null, 
/**
 * When the client secret expires, if the person said so.
 */
client_secret_expires: string | null, 
/**
 * Overrides of Graph's and Entra ID's addresses (sovereign clouds, the emulators).
 */
graph_base: string | null, token_url: string | null, };

/**
 * A history row, and why undo it.
 */
export type UndoInput = { 
/**
 * The `conflict_decided` row.
 */
seq: number, reason: string, };

/**
 * Whether the decision a history row records can be undone: what undoing does, or why not.
 */
export type UndoView = { seq: number, possible: boolean, 
/**
 * What undoing does, or why it cannot be done and what to do instead.
 */
message: string, 
/**
 * The conflict that waits again once it is undone.
 */
conflict: number | null, };

export type VerifyView = { ok: boolean, checked: number, broken_at: number | null, message: string, };

/**
 * When a reservation happens: an instant range, or whole dates.
 */
export type When = { "kind": "timed", start: string, end: string, } | { "kind": "all_day", start: string, end: string, };

/**
 * A message to be said later, in the language of whoever reads it: a catalog key and its
 * arguments, owned. An error made deep inside the app carries its words up to the edge that
 * knows the reader's language.
 *
 * Serialised (`{ key, args, count }`) it is what the history keeps beside its English detail,
 * so that the UI can say a row in the language it shows.
 */
export type Words = { key: string, args?: Array<[string, WordsArg]>, 
/**
 * `Some(count)`: `key` names a `_one`/`_other` pair.
 */
count?: number, };

/**
 * An argument of [`Words`]: text as it is (a name, a number, an address), other words said
 * in the same language, or a list of them joined as the language joins lists.
 */
export type WordsArg = { "text": string } | { "words": Words } | { "date": string } | { "list": [Array<Words>, string] };

/** Where each operation goes: the Tauri command's `op`, and the HTTP route below `/api`. */
export const OPERATIONS = {
  status: { op: "status", method: "GET", path: "/status" },
  listRooms: { op: "list_rooms", method: "GET", path: "/rooms" },
  roomCalendar: { op: "room_calendar", method: "GET", path: "/rooms/{room}/calendar" },
  listHistory: { op: "list_history", method: "GET", path: "/history" },
  exportHistory: { op: "export_history", method: "GET", path: "/history/export", file: true },
  verifyAudit: { op: "verify_audit", method: "GET", path: "/audit/verify" },
  listConflicts: { op: "list_conflicts", method: "GET", path: "/conflicts" },
  syncRoom: { op: "sync_room", method: "POST", path: "/rooms/{room}/sync" },
  approveDeletions: { op: "approve_deletions", method: "POST", path: "/rooms/{room}/approve-deletions" },
  decideConflict: { op: "decide_conflict", method: "POST", path: "/conflicts/{id}/decision" },
  decideConflicts: { op: "decide_conflicts", method: "POST", path: "/conflicts/decisions" },
  getPolicies: { op: "get_policies", method: "GET", path: "/policies" },
  setDefaultPolicy: { op: "set_default_policy", method: "PUT", path: "/policies/default" },
  setRoomPolicy: { op: "set_room_policy", method: "PUT", path: "/rooms/{room}/policy" },
  setupState: { op: "setup_state", method: "GET", path: "/setup" },
  checkTenant: { op: "check_tenant", method: "POST", path: "/setup/tenant" },
  checkBooking: { op: "check_booking", method: "POST", path: "/setup/booking" },
  discoverRooms: { op: "discover_rooms", method: "POST", path: "/setup/discover" },
  previewSetup: { op: "preview_setup", method: "POST", path: "/setup/preview" },
  finishSetup: { op: "finish_setup", method: "POST", path: "/setup/finish" },
  mappingOptions: { op: "mapping_options", method: "GET", path: "/mappings/options" },
  addRoom: { op: "add_room", method: "POST", path: "/rooms" },
  editRoom: { op: "edit_room", method: "PATCH", path: "/rooms/{room}" },
  removeRoom: { op: "remove_room", method: "DELETE", path: "/rooms/{room}" },
  pauseRoom: { op: "pause_room", method: "POST", path: "/rooms/{room}/pause" },
  resumeRoom: { op: "resume_room", method: "POST", path: "/rooms/{room}/resume" },
  pauseAll: { op: "pause_all", method: "POST", path: "/rooms/pause-all" },
  resumeAll: { op: "resume_all", method: "POST", path: "/rooms/resume-all" },
  getSettings: { op: "get_settings", method: "GET", path: "/settings" },
  updateSettings: { op: "update_settings", method: "PUT", path: "/settings" },
  previewDecisions: { op: "preview_decisions", method: "GET", path: "/conflicts/{id}/preview" },
  freeTimes: { op: "free_times", method: "GET", path: "/conflicts/{id}/free-times" },
  undoOptions: { op: "undo_options", method: "GET", path: "/history/{seq}/undo" },
  undoCarriedOut: { op: "undo_carried_out", method: "POST", path: "/history/{seq}/undo" },
  undoDecision: { op: "undo_decision", method: "DELETE", path: "/conflicts/{id}/decision" },
  carryOutDecisions: { op: "carry_out_decisions", method: "POST", path: "/conflicts/carry-out" },
  getConnections: { op: "get_connections", method: "GET", path: "/connections" },
  testTenantConnection: { op: "test_tenant_connection", method: "POST", path: "/connections/tenant/test" },
  saveTenantConnection: { op: "save_tenant_connection", method: "PUT", path: "/connections/tenant" },
  testBookingConnection: { op: "test_booking_connection", method: "POST", path: "/connections/booking/test" },
  saveBookingConnection: { op: "save_booking_connection", method: "PUT", path: "/connections/booking" },
  activity: { op: "activity", method: "GET", path: "/activity" },
  graphBudget: { op: "graph_budget", method: "GET", path: "/graph-budget" },
  doctor: { op: "doctor", method: "POST", path: "/doctor" },
} as const;

/** Each operation's input and output. */
export interface Operations {
  /** The mode (`demo`, `live`, or `setup` while the wizard waits), version and room count. */
  status: { input: NoInput; output: Status };
  /** Every room with its mapping and sync status, by name. */
  listRooms: { input: NoInput; output: Array<RoomView> };
  /**
   * A room's own page: its pieces over some days (where each comes from, how it stands in
   * Outlook) and what its next sync would do, from what RoomBridge last read.
   */
  roomCalendar: { input: CalendarInput; output: RoomCalendarView };
  /** One page of the history, newest first. */
  listHistory: { input: HistoryQuery; output: Array<HistoryEntry> };
  /** Every entry the query selects (its limit and page aside), oldest first, as a file. */
  exportHistory: { input: ExportInput; output: ExportView };
  /** Checks the audit history's hash chain (and its anchor in the OS keyring). */
  verifyAudit: { input: NoInput; output: VerifyView };
  /** The conflicts that wait for a decision. */
  listConflicts: { input: NoInput; output: Array<ConflictView> };
  /** Asks the room to run a cycle now; answers once asked, not when the cycle ends. */
  syncRoom: { input: RoomInput; output: Done };
  /** Lets the deletions the mass-deletion breaker holds back in a room go ahead. */
  approveDeletions: { input: RoomInput; output: Done };
  /**
   * Records a decision on a conflict; the room's next sync carries it out, and until then
   * it can be undone.
   */
  decideConflict: { input: DecideInput; output: ConflictView };
  /** The same decision on several conflicts, all or none. */
  decideConflicts: { input: BulkDecisionRequest; output: Array<ConflictView> };
  /** The default conflict policy, each room's own, and the policies offered. */
  getPolicies: { input: NoInput; output: PoliciesView };
  /** Sets the policy of rooms without their own. */
  setDefaultPolicy: { input: PolicyInput; output: PoliciesView };
  /** Sets a room's own policy; `null` makes it follow the default. */
  setRoomPolicy: { input: RoomPolicyInput; output: PoliciesView };
  /** The setup wizard's prefilled state (never a secret: only whether one is stored). */
  setupState: { input: NoInput; output: SetupView };
  /** Tests the Microsoft 365 connection; a secret that works goes to the OS keyring. */
  checkTenant: { input: TenantForm; output: CheckView };
  /** Tests the booking-system connection; a key that works goes to the OS keyring. */
  checkBooking: { input: BookingForm; output: CheckView };
  /** Both sides' rooms and resources, matched (after both tests passed). */
  discoverRooms: { input: NoInput; output: DiscoveryView };
  /**
   * What the first sync of the chosen rooms would do, read from both sides and written
   * nowhere: each room's writes and the conflicts that would wait.
   */
  previewSetup: { input: FinishRequest; output: Array<SetupPlanView> };
  /** Writes the configuration, stores the rooms and starts syncing; answers the new status. */
  finishSetup: { input: FinishRequest; output: Status };
  /** Mailboxes and resources for adding a room (once set up). */
  mappingOptions: { input: NoInput; output: DiscoveryView };
  /** Maps a booking-system resource to an Outlook room mailbox and starts syncing it. */
  addRoom: { input: NewRoom; output: RoomView };
  /** Changes a mapping; absent fields stay. */
  editRoom: { input: EditRoomInput; output: RoomView };
  /** Stops syncing a room; nothing is deleted in Outlook or the booking system. */
  removeRoom: { input: RoomInput; output: Done };
  /** Stops syncing a room until it is resumed; answers the room's new view. */
  pauseRoom: { input: RoomInput; output: RoomView };
  /** Syncs a paused room again (it starts with a sync now). */
  resumeRoom: { input: RoomInput; output: RoomView };
  /** Pauses every room; answers every room's new view. */
  pauseAll: { input: NoInput; output: Array<RoomView> };
  /** Resumes every room. */
  resumeAll: { input: NoInput; output: Array<RoomView> };
  /** The settings, with the bounds the server checks them against. */
  getSettings: { input: NoInput; output: SettingsView };
  /** Changes the fields given; `invalid_input` (nothing changed) when one is out of bounds. */
  updateSettings: { input: SettingsUpdate; output: SettingsView };
  /**
   * What keeping either side of a conflict would do: each side's writes and who is told
   * what, as the room's next sync would carry it out now.
   */
  previewDecisions: { input: ConflictInput; output: Array<ChoicePreview> };
  /** The free times nearest to a double booking at which one side could move ("Keep both"). */
  freeTimes: { input: FreeTimesInput; output: Array<MoveRequest> };
  /**
   * Whether the decision a `conflict_decided` history row records can be undone now that a
   * sync carried it out: what undoing does, or why it cannot be done.
   */
  undoOptions: { input: UndoInput; output: UndoView };
  /**
   * Undoes a carried-out decision: the conflict waits again and the room's next sync gives
   * each side back what it held before; refused, saying why, where that is not possible.
   */
  undoCarriedOut: { input: UndoInput; output: UndoView };
  /** Withdraws a decision before the room's next sync carries it out. */
  undoDecision: { input: ConflictInput; output: ConflictView };
  /**
   * Carries out the decisions waiting on these conflicts now, instead of at their rooms'
   * next polls.
   */
  carryOutDecisions: { input: ConflictIds; output: Done };
  /** The connections RoomBridge runs on (Microsoft 365, the booking system), never a secret. */
  getConnections: { input: NoInput; output: ConnectionsView };
  /**
   * Tests a Microsoft 365 connection as typed (an empty secret: the one in the keyring);
   * changes nothing.
   */
  testTenantConnection: { input: TenantForm; output: CheckView };
  /**
   * Tests and, when the test passes, keeps a Microsoft 365 connection: a typed secret in
   * the OS keyring, the rest in config.json; syncing restarts on it.
   */
  saveTenantConnection: { input: TenantForm; output: SavedConnection };
  /** Tests a booking-system connection as typed; changes nothing. */
  testBookingConnection: { input: BookingForm; output: CheckView };
  /** Tests and, when the test passes, keeps a booking-system connection. */
  saveBookingConnection: { input: BookingForm; output: SavedConnection };
  /** Sync activity and errors over the span, every bucket included. */
  activity: { input: ActivityInput; output: ActivityView };
  /** The Graph request budget each mailbox has in use now. */
  graphBudget: { input: NoInput; output: Array<BudgetView> };
  /**
   * Checks the tenant and every mapped room (writes and deletes a test event in each);
   * takes about ten seconds.
   */
  doctor: { input: DoctorRequest; output: DoctorView };
}
