import type {
  ConflictView,
  DecisionRequest,
  HistoryEntry,
  HistoryQuery,
  PoliciesView,
  RoomView,
  Status,
} from './types';
import type { ExportFile, ExportFormat, VerifyView } from './types';
import type {
  BookingForm,
  CheckView,
  DiscoveryView,
  FinishRequest,
  NewRoom,
  RoomEdit,
  SetupView,
  TenantForm,
} from './types';
import type { ActivitySpan, ActivityView, BudgetView, SettingsUpdate, SettingsView } from './types';
import type { DoctorRequest, DoctorView } from './types';

/** State of the live-update channel. */
export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  /** A room changed; the payload is the room's whole new view. */
  room(room: RoomView): void;
  /** A new history entry was recorded. */
  history(entry: HistoryEntry): void;
  connection(state: Connection): void;
  /** Updates may have been missed (the channel dropped and came back): reload everything. */
  resync(): void;
}

export type Unsubscribe = () => void;

/**
 * Everything the screens may ask of RoomBridge. Two implementations: `TauriBackend` (desktop
 * window, IPC) and `HttpBackend` (headless mode and browser tests). Every method rejects with a
 * `BackendError` carrying one of the closed set of codes.
 */
export interface Backend {
  readonly transport: 'tauri' | 'http';
  status(): Promise<Status>;
  listRooms(): Promise<RoomView[]>;
  /** Newest first. */
  listHistory(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Every entry the query selects (its limit and page aside), oldest first, as a file. */
  exportHistory(query: HistoryQuery, format: ExportFormat): Promise<ExportFile>;
  /** Checks the audit log's hash chain. */
  verifyAudit(): Promise<VerifyView>;
  listConflicts(): Promise<ConflictView[]>;
  /** Asks the room to run a cycle now. Resolves once the request is accepted, not when the cycle ends. */
  syncRoom(roomId: string): Promise<void>;
  /** Lets the deletions the mass-deletion breaker holds back in a room go ahead. */
  approveDeletions(roomId: string): Promise<void>;
  /** Records a decision on a conflict; the room's next sync (requested at once) carries it out. */
  decideConflict(id: number, decision: DecisionRequest): Promise<ConflictView>;
  /** The same decision on several conflicts, all or none. */
  decideConflicts(ids: number[], decision: DecisionRequest): Promise<ConflictView[]>;
  getPolicies(): Promise<PoliciesView>;
  setDefaultPolicy(policy: string): Promise<PoliciesView>;
  /** `null` makes the room follow the default policy. */
  setRoomPolicy(roomId: string, policy: string | null): Promise<PoliciesView>;
  /** The setup wizard's prefilled state (live mode not set up yet). */
  setupState(): Promise<SetupView>;
  /** Tests the Microsoft 365 connection; a secret that works goes to the OS keyring. */
  checkTenant(form: TenantForm): Promise<CheckView>;
  /** Tests the booking-system connection; a key that works goes to the OS keyring. */
  checkBooking(form: BookingForm): Promise<CheckView>;
  /** Both sides' rooms and resources, matched (after both tests passed). */
  discoverRooms(): Promise<DiscoveryView>;
  /** Writes the configuration, stores the rooms and starts syncing; resolves with the new status. */
  finishSetup(request: FinishRequest): Promise<Status>;
  /** Mailboxes and resources for adding a room (once set up). */
  mappingOptions(): Promise<DiscoveryView>;
  addRoom(room: NewRoom): Promise<RoomView>;
  editRoom(roomId: string, edit: RoomEdit): Promise<RoomView>;
  /** Stops syncing a room; nothing is deleted in Outlook or the booking system. */
  removeRoom(roomId: string): Promise<void>;
  getSettings(): Promise<SettingsView>;
  /** Changes the fields given; rejects with `invalid_input` (nothing changed) when one is out of bounds. */
  updateSettings(update: SettingsUpdate): Promise<SettingsView>;
  /** Sync activity and errors over the span, every bucket included. */
  activity(span: ActivitySpan): Promise<ActivityView>;
  /** The Graph request budget each mailbox has in use now. */
  graphBudget(): Promise<BudgetView[]>;
  /**
   * Checks the Microsoft 365 tenant and every mapped room (writes and deletes a test event in
   * each); takes about ten seconds. Rejects with `invalid_input` for a person that is no address.
   */
  doctor(request: DoctorRequest): Promise<DoctorView>;
  /** Stops syncing a room until it is resumed; resolves with the room's new view. */
  pauseRoom(roomId: string): Promise<RoomView>;
  /** Syncs a paused room again (it starts with a sync now). */
  resumeRoom(roomId: string): Promise<RoomView>;
  /** Pauses every room; resolves with every room's new view. */
  pauseAll(): Promise<RoomView[]>;
  resumeAll(): Promise<RoomView[]>;
  /** Whether the desktop app starts at login. Headless mode rejects with `unavailable`. */
  getAutostart(): Promise<boolean>;
  /** Turns start at login on or off; resolves with the new setting. */
  setAutostart(enabled: boolean): Promise<boolean>;
  /** Starts live updates; resolves once listening. */
  subscribe(handlers: LiveHandlers): Promise<Unsubscribe>;
}
