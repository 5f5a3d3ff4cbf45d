// Mirrors the JSON shapes of the `app` crate. Keep in step with the Rust side: these are the
// only shapes the screens see, whether the data came over Tauri IPC or HTTP.

export type RoomKind = 'room' | 'equipment';

export type RoomStatus =
  | 'idle'
  | 'syncing'
  | 'in_sync'
  | 'conflicts'
  | 'failing'
  /** The mass-deletion breaker holds the room's deletions until a person approves them. */
  | 'waiting_for_approval'
  | 'paused';

export interface RoomCounts {
  links: number;
  conflicts: number;
  failed: number;
}

export interface RoomView {
  id: string;
  name: string;
  kind: RoomKind;
  /** Outlook room mailbox, e.g. `aud-1@example.org`. */
  mailbox: string;
  /** The booking system's resource id this mailbox is mapped to. */
  resource_id: string;
  /** IANA zone, e.g. `Europe/Oslo`. */
  time_zone: string;
  paused: boolean;
  status: RoomStatus;
  /** RFC 3339; null before the first cycle. */
  last_cycle_at: string | null;
  /** RFC 3339 of the last cycle that completed without failing; null if none has. */
  last_ok_at: string | null;
  last_error: string | null;
  /** Deletions the mass-deletion breaker holds back until someone approves them; 0 for none. */
  held_deletions: number;
  counts: RoomCounts;
}

export type HistoryKind =
  | 'create_event'
  | 'update_event'
  | 'delete_event'
  | 'cancel_event'
  | 'decline_event'
  | 'create_series'
  | 'move_event'
  | 'move_reservation'
  | 'skip_occurrence'
  | 'detach_occurrence'
  | 'settle'
  | 'create_reservation'
  | 'update_reservation'
  | 'cancel_reservation'
  | 'relink'
  | 'forget'
  | 'conflict'
  | 'conflict_decided'
  | 'rejected'
  /** A reservation named a parent the booking system does not have; it synced on its own. */
  | 'orphaned'
  | 'cycle_failed'
  | 'deletions_held'
  /** A room mapping was added, changed or removed. */
  | 'mapping';

export type Side = 'booking' | 'calendar';

export type Outcome = 'ok' | 'failed' | 'conflict';

export interface HistoryEntry {
  /** Monotonic across all rooms; newer entries have larger numbers. */
  seq: number;
  /** RFC 3339. */
  at: string;
  room_id: string;
  room_name: string;
  cycle: number;
  kind: HistoryKind;
  side: Side | null;
  outcome: Outcome;
  title: string;
  detail: string;
}

export type When =
  | { kind: 'timed'; start: string; end: string }
  /** Dates (`YYYY-MM-DD`), end exclusive. */
  | { kind: 'all_day'; start: string; end: string };

export interface ContentView {
  title: string;
  when: When;
  time_zone: string;
  organisation: string;
  description: string;
}

export type ConflictKind = 'edit' | 'delete_edit' | 'fragment_edit' | 'overlap';

export interface ConflictView {
  id: number;
  room_id: string;
  room_name: string;
  kind: ConflictKind;
  detected_at: string;
  /** Names of the fields that differ, as the engine sees them. */
  fields: string[];
  /** Null when the reservation no longer exists on that side. */
  booking: ContentView | null;
  calendar: ContentView | null;
  /** The decisions this conflict allows, e.g. a double booking cannot be merged. */
  choices: ConflictChoice[];
  /** A decision recorded and waiting for the room's next sync; null if none. */
  decision: DecisionView | null;
}

export type ConflictChoice = 'keep_booking' | 'keep_calendar' | 'merge' | 'move';

/** "Keep both by moving one": the side that moves and its new times. */
export interface MoveView {
  side: Side;
  /** RFC 3339. */
  start: string;
  end: string;
}

/** A move as the screens send it: local times (`YYYY-MM-DDTHH:MM`) in the room's zone. */
export interface MoveRequest {
  side: Side;
  start: string;
  end: string;
}

/** Which side each group of fields comes from in a merge. */
export interface FieldOwnership {
  /** Start, end, all-day and time zone. */
  times: Side;
  title: Side;
  /** Organisation and description. */
  details: Side;
}

export interface DecisionView {
  choice: ConflictChoice;
  merge: FieldOwnership | null;
  /** For keeping both: which side moves, and where to. */
  move: MoveView | null;
  by: string;
  reason: string;
  /** RFC 3339. */
  at: string;
}

/** A decision as the screens send it. `merge` and `move` are required for their choices. */
export interface DecisionRequest {
  choice: ConflictChoice;
  merge?: FieldOwnership;
  move?: MoveRequest;
  reason: string;
}

export interface RoomPolicyView {
  room_id: string;
  room_name: string;
  /** The room's own policy; null when it follows the default. */
  policy: string | null;
  /** The policy the room follows. */
  effective: string;
}

/** Conflict policies: `manual`, `booking-wins`, `calendar-wins`, `latest-wins`, `fields:…`. */
export interface PoliciesView {
  default: string;
  rooms: RoomPolicyView[];
  /** The policies offered by name. */
  available: string[];
}

export interface Status {
  /** `setup`: live mode is not configured yet and the setup wizard waits. */
  mode: 'demo' | 'live' | 'setup';
  version: string;
  rooms: number;
}

/** The closed set of error codes. Screens branch on `code`, never on `message`. */
export const API_ERROR_CODES = [
  'unauthorized',
  'not_found',
  'invalid_input',
  'unavailable',
  /** Live mode is not set up yet: show the setup wizard. */
  'not_configured',
  'internal',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiError {
  code: ApiErrorCode;
  message: string;
}

export interface HistoryQuery {
  limit: number;
  /** A room id, or null for every room. */
  room: string | null;
  /** RFC 3339 instant: entries at or after it. */
  from?: string;
  /** RFC 3339 instant: entries before it. */
  to?: string;
  kind?: HistoryKind;
  outcome?: Outcome;
  /** Text to find in the title or the detail. */
  search?: string;
  /** The next page: entries older than this `seq`. */
  before?: number;
}

export type ExportFormat = 'csv' | 'jsonl';

/** An export of the history, ready to save. */
export interface ExportFile {
  filename: string;
  text: string;
}

/** The audit log's hash-chain check. */
export interface VerifyView {
  ok: boolean;
  /** Entries checked (0 when the chain is broken). */
  checked: number;
  /** The first entry that fails the check; null when intact. */
  broken_at: number | null;
  message: string;
}

// ---- The setup wizard and room mappings (`crates/app/src/wizard.rs`, `mappings.rs`) ----

/** Step 1a as typed. The secret travels in once; nothing secret ever comes back. */
export interface TenantForm {
  tenant_id: string;
  client_id: string;
  /** Empty: use the secret already in the OS keyring. */
  client_secret?: string;
  /** A PEM file with a certificate's private key, used with the thumbprint instead of a secret. */
  certificate_path?: string;
  certificate_thumbprint?: string;
  /** The day the client secret expires (YYYY-MM-DD), optional; ignored with a certificate. */
  client_secret_expires?: string;
  /** Overrides for sovereign clouds and the emulators (Advanced). */
  graph_base?: string;
  token_url?: string;
}

export interface BookingForm {
  url: string;
  /** Empty: use the key already in the OS keyring. */
  api_key?: string;
}

export type CheckProblem = 'credentials' | 'permission' | 'unreachable' | 'address' | 'busy';

/** The result of a connection test: what happened and what to do about it. */
export interface CheckView {
  ok: boolean;
  summary: string;
  fix: string | null;
  /** The service's own words, for whoever helps. */
  detail: string | null;
  problem: CheckProblem | null;
  found: number;
}

/** What the wizard knows already (never a secret: only whether one is stored). */
export interface SetupView {
  tenant_id: string;
  client_id: string;
  certificate_thumbprint: string | null;
  /** YYYY-MM-DD */
  client_secret_expires: string | null;
  graph_base: string | null;
  token_url: string | null;
  booking_url: string;
  client_secret_stored: boolean;
  api_key_stored: boolean;
  tenant_ok: boolean;
  booking_ok: boolean;
  default_time_zone: string;
  policies: string[];
}

export interface MailboxOption {
  email: string;
  name: string;
  /** `places`: the tenant's room list; `booking`: an address only the booking system gives. */
  source: 'places' | 'booking';
}

export type MatchedBy = 'email' | 'name' | 'booking_email';

export interface ResourceMatch {
  id: string;
  name: string;
  kind: RoomKind;
  email: string | null;
  time_zone: string;
  /** The suggested mailbox; null: no match. */
  mailbox: string | null;
  matched_by: MatchedBy | null;
  /** Already mapped to this room. */
  room_id: string | null;
}

export interface DiscoveryView {
  mailboxes: MailboxOption[];
  resources: ResourceMatch[];
}

export interface RoomChoice {
  resource_id: string;
  /** null: do not sync this resource. */
  mailbox: string | null;
  name?: string | null;
  kind?: RoomKind | null;
  time_zone?: string | null;
  /** null: follow the default policy. */
  policy?: string | null;
}

export interface FinishRequest {
  time_zone: string | null;
  default_policy: string | null;
  rooms: RoomChoice[];
}

/** A new room mapping. */
export interface NewRoom {
  resource_id: string;
  mailbox: string;
  name?: string | null;
  time_zone?: string | null;
  policy?: string | null;
}

/** Changes to a mapping; absent fields stay. */
export interface RoomEdit {
  name?: string | null;
  mailbox?: string | null;
  time_zone?: string | null;
}

/** What Outlook shows of booking-system reservations. */
export type Privacy = 'full' | 'organisation' | 'reserved';

export interface NotificationPrefs {
  /** A room keeps failing after its retries. */
  failures: boolean;
  /** Sign-in problems: refused credentials, a client secret about to expire. */
  sign_in: boolean;
  /** Conflicts wait for a decision. */
  conflicts: boolean;
}

/** The limits the server checks settings against (the form checks them first). */
export interface SettingsBounds {
  poll_min_secs: number;
  poll_max_secs: number;
  days_back_max: number;
  days_ahead_min: number;
  days_ahead_max: number;
}

export interface SettingsPaths {
  /** The data folder (database, and `config.json` in live mode); null for an in-memory database. */
  data_dir: string | null;
  database: string | null;
  /** The log folder; null while RoomBridge logs to standard error only. */
  log_dir: string | null;
}

export interface SettingsView {
  poll_interval_secs: number;
  days_back: number;
  days_ahead: number;
  privacy: Privacy;
  notifications: NotificationPrefs;
  bounds: SettingsBounds;
  paths: SettingsPaths;
}

/** A change of settings: only the fields given change. */
export interface SettingsUpdate {
  poll_interval_secs?: number;
  days_back?: number;
  days_ahead?: number;
  privacy?: Privacy;
  notifications?: NotificationPrefs;
}

/** `24h`: per hour over the last day; `14d`: per (UTC) day over two weeks. */
export type ActivitySpan = '24h' | '14d';

export interface ActivityBucket {
  /** RFC 3339, the bucket's first instant. */
  start: string;
  ok: number;
  failed: number;
  conflicts: number;
}

export interface ActivityView {
  span: 'day' | 'fortnight';
  /** Every bucket of the span, oldest first, empty ones included. */
  buckets: ActivityBucket[];
}

/** One mailbox's share of Graph's request budget (10,000 per 10 minutes). */
export interface BudgetView {
  mailbox: string;
  /** Null for tenant-wide requests (room discovery, batches). */
  room_name: string | null;
  /** Requests in the current rolling window. */
  used: number;
  limit: number;
  window_secs: number;
}

/** How bad a doctor finding is. */
export type Severity = 'ok' | 'warning' | 'problem';

export interface DoctorFix {
  /** What to do, in words. */
  steps: string;
  /** Exchange Online PowerShell that does it, ready to paste (unknowns in `<angle brackets>`). */
  powershell: string | null;
}

export interface DoctorFinding {
  /** Stable across runs, e.g. `scope` or `calendar-processing:res-library-hall`. */
  id: string;
  severity: Severity;
  title: string;
  /** What it means, in a facility manager's words. */
  meaning: string;
  /** The room it is about, if any. */
  room_id: string | null;
  /** Null when there is nothing to fix. */
  fix: DoctorFix | null;
}

/** The tenant doctor's report. */
export interface DoctorView {
  /** RFC 3339. */
  checked_at: string;
  /** Mapped rooms checked. */
  rooms: number;
  problems: number;
  warnings: number;
  /** Problems first, then warnings, then what is fine. */
  findings: DoctorFinding[];
}

export interface DoctorRequest {
  /** A colleague's address to test the app's scope with; null or absent: the rooms' organizers. */
  person?: string | null;
}
