import { lang, langChoice, setLang } from '../i18n/index.svelte';
import type { Backend, Connection, Unsubscribe } from '../backend';
import type { ExportFile, ExportFormat, VerifyView } from '../backend/types';
import type { ActivitySpan, ActivityView, BudgetView, SettingsUpdate, SettingsView } from '../backend/types';
import type { DoctorRequest, DoctorView } from '../backend/types';
import { toBackendError, type BackendError } from '../backend';
import type { ChoicePreview, ConflictView, MoveRequest, SavedExport, Side, DecisionRequest, HistoryEntry, PoliciesView, RoomView, Status } from '../backend/types';
import type {
  BookingForm,
  CheckView,
  ConnectionsView,
  DiscoveryView,
  FinishRequest,
  NewRoom,
  RoomCalendarView,
  UndoView,
  RoomEdit,
  SavedConnection,
  SetupPlanView,
  SetupView,
  TenantForm,
} from '../backend/types';
import { matchesFilters, NO_FILTERS, toQuery, type HistoryFilters } from './history';
import { conflictsMayHaveChanged, mergeHistory, mergeRoom } from './live';

/** How many history entries one page loads. */
export const HISTORY_LIMIT = 500;

/** Per-room state of the "Sync now" button. */
export type SyncRequest =
  | { state: 'pending' }
  | { state: 'sent' }
  | { state: 'error'; error: BackendError };

/**
 * The screens' shared state: a snapshot loaded from the backend, kept current by live updates.
 * Holds no rules of its own; merging lives in `live.ts`, filtering in `history.ts`.
 */
export class AppState {
  status = $state<Status | null>(null);
  rooms = $state.raw<RoomView[]>([]);
  roomsLoaded = $state(false);
  conflicts = $state.raw<ConflictView[]>([]);
  conflictsLoaded = $state(false);
  /** Newest first, the entries `historyFilters` selects. */
  history = $state.raw<HistoryEntry[]>([]);
  historyFilters = $state.raw<HistoryFilters>(NO_FILTERS);
  historyLoading = $state(false);
  /** The last page loaded was full: older entries may exist. */
  historyHasMore = $state(false);
  connection = $state<Connection>('connecting');
  /** Set when the app cannot work at all (no or expired token): the screens give way to it. */
  fatal = $state<BackendError | null>(null);
  /** Last non-fatal load failure, shown as a dismissible banner. */
  problem = $state<BackendError | null>(null);
  syncRequests = $state.raw<Record<string, SyncRequest>>({});
  /** Conflict policies (default and per room); null until loaded. */
  policies = $state.raw<PoliciesView | null>(null);
  /**
   * The setup wizard is on screen: live mode was not set up when RoomBridge was opened. It stays
   * on after the wizard finishes, for the first sync's progress, until `leaveSetup()`.
   */
  setupActive = $state(false);
  /** The settings as saved; null until loaded. */
  settings = $state.raw<SettingsView | null>(null);
  /** Ticks so relative times ("2 minutes ago") stay true without new data. */
  now = $state(Date.now());

  readonly #backend: Backend;
  #unsubscribe: Unsubscribe | null = null;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #clock: ReturnType<typeof setInterval> | undefined;
  #conflictsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Room updates received while a room reload is in flight, replayed onto its result. */
  #roomBuffer: RoomView[] | null = null;
  #historyGeneration = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  get transport() {
    return this.#backend.transport;
  }

  async start(): Promise<void> {
    this.#clock = setInterval(() => (this.now = Date.now()), 15_000);
    try {
      this.#unsubscribe = await this.#backend.subscribe({
        room: (room) => this.#onRoom(room),
        history: (entry) => this.#onHistory(entry),
        connection: (state) => (this.connection = state),
        resync: () => void this.reloadAll(),
      });
    } catch (e) {
      this.#fail(e);
    }
    await this.reloadAll();
  }

  stop(): void {
    this.#unsubscribe?.();
    clearInterval(this.#clock);
    clearTimeout(this.#conflictsTimer);
    this.#timers.forEach(clearTimeout);
  }

  async reloadAll(): Promise<void> {
    await this.#loadStatus();
    if (this.status?.mode === 'setup') {
      // Nothing else exists before setup; the wizard loads what it needs.
      this.setupActive = true;
      return;
    }
    await Promise.all([
      this.reloadRooms(),
      this.reloadConflicts(),
      this.reloadSettings(),
      this.reloadHistory(),
      this.reloadPolicies(),
    ]);
  }

  async reloadRooms(): Promise<void> {
    this.#roomBuffer = [];
    try {
      let rooms = await this.#backend.listRooms();
      // Updates that arrived while loading are at least as new as the snapshot.
      for (const r of this.#roomBuffer) rooms = mergeRoom(rooms, r);
      this.rooms = rooms;
      this.roomsLoaded = true;
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#roomBuffer = null;
    }
  }

  async reloadConflicts(): Promise<void> {
    try {
      this.conflicts = await this.#backend.listConflicts();
      this.conflictsLoaded = true;
    } catch (e) {
      this.#fail(e);
    }
  }

  /** The room the history shows, or null for every room. */
  get historyRoom(): string | null {
    return this.historyFilters.room;
  }

  /** Shows one room's history (loaded from the server, so older entries are included) or all. */
  setHistoryRoom(room: string | null): void {
    this.setHistoryFilters({ ...this.historyFilters, room });
  }

  /** Shows the entries these filters select; the server filters, so older entries are included. */
  setHistoryFilters(filters: HistoryFilters): void {
    const f = this.historyFilters;
    if ((Object.keys(f) as (keyof HistoryFilters)[]).every((k) => f[k] === filters[k])) return;
    this.historyFilters = filters;
    this.history = this.history.filter((e) => matchesFilters(e, filters));
    void this.reloadHistory();
  }

  async reloadHistory(): Promise<void> {
    const generation = ++this.#historyGeneration;
    const filters = this.historyFilters;
    this.historyLoading = true;
    try {
      const loaded = await this.#backend.listHistory(toQuery(filters, HISTORY_LIMIT));
      if (generation !== this.#historyGeneration) return; // the filter changed meanwhile
      // Keep live entries that arrived during the load; `seq` removes the overlap.
      this.history = mergeHistory(loaded, this.history, HISTORY_LIMIT);
      this.historyHasMore = loaded.length >= HISTORY_LIMIT;
    } catch (e) {
      if (generation === this.#historyGeneration) this.#fail(e);
    } finally {
      if (generation === this.#historyGeneration) this.historyLoading = false;
    }
  }

  /** Loads the next page of older entries under the same filters. */
  async loadOlderHistory(): Promise<void> {
    const oldest = this.history.at(-1);
    if (!oldest || this.historyLoading) return;
    const generation = this.#historyGeneration;
    this.historyLoading = true;
    try {
      const older = await this.#backend.listHistory(toQuery(this.historyFilters, HISTORY_LIMIT, oldest.seq));
      if (generation !== this.#historyGeneration) return;
      this.history = mergeHistory(this.history, older, this.history.length + older.length);
      this.historyHasMore = older.length >= HISTORY_LIMIT;
    } catch (e) {
      if (generation === this.#historyGeneration) this.#fail(e);
    } finally {
      if (generation === this.#historyGeneration) this.historyLoading = false;
    }
  }

  /** Every entry the current filters select (all pages), as a file. */
  exportHistory(format: ExportFormat): Promise<ExportFile> {
    // A CSV speaks the language this window speaks.
    return this.#backend.exportHistory({ ...toQuery(this.historyFilters, HISTORY_LIMIT), format, lang: lang() });
  }

  /** Saves the history's export where the person says (desktop) or as a download (browser). */
  saveExport(format: ExportFormat): Promise<SavedExport | null> {
    return this.#backend.saveExport({ ...toQuery(this.historyFilters, HISTORY_LIMIT), format, lang: lang() });
  }

  /** Checks the audit log's hash chain. */
  verifyAudit(): Promise<VerifyView> {
    return this.#backend.verifyAudit();
  }

  /** A room's own page: its pieces over `days` days from `from` (the room's today when null) and its next sync's plan. */
  roomCalendar(room: string, from: string | null, days: number): Promise<RoomCalendarView> {
    return this.#backend.roomCalendar({ room, from, days });
  }

  /** Whether the decision history row `seq` records can be undone, and what undoing does. */
  undoOptions(seq: number): Promise<UndoView> {
    return this.#backend.undoOptions({ seq, reason: '' });
  }

  /** Undoes the carried-out decision history row `seq` records; the conflict waits again. */
  async undoCarriedOut(seq: number, reason: string): Promise<UndoView> {
    const undone = await this.#backend.undoCarriedOut({ seq, reason });
    await this.reloadConflicts();
    return undone;
  }

  /** The room's latest history rows, newest first. */
  roomHistory(room: string, limit: number): Promise<HistoryEntry[]> {
    return this.#backend.listHistory({ limit, room });
  }

  /** Asks for a sync of the room now; resolves with whether it was accepted (`syncRequests` says why not). */
  async syncRoom(roomId: string): Promise<boolean> {
    this.#setSyncRequest(roomId, { state: 'pending' });
    try {
      await this.#backend.syncRoom({ room: roomId });
      this.#setSyncRequest(roomId, { state: 'sent' });
      this.#later(4_000, () => {
        if (this.syncRequests[roomId]?.state === 'sent') this.#setSyncRequest(roomId, null);
      });
      return true;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      this.#setSyncRequest(roomId, { state: 'error', error });
      return false;
    }
  }

  /** Approves the deletions held back in a room; the room then syncs. */
  async approveDeletions(roomId: string): Promise<void> {
    try {
      await this.#backend.approveDeletions({ room: roomId });
      this.#setSyncRequest(roomId, { state: 'sent' });
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      this.#setSyncRequest(roomId, { state: 'error', error });
    }
  }

  /**
   * Pauses or resumes one room; the returned view replaces the room's row at once. Resolves with
   * the refusal, if any, for the screen to show next to the room.
   */
  async setPaused(roomId: string, paused: boolean): Promise<BackendError | null> {
    try {
      const view = paused ? await this.#backend.pauseRoom({ room: roomId }) : await this.#backend.resumeRoom({ room: roomId });
      this.rooms = mergeRoom(this.rooms, view);
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  /** Pauses or resumes every room; resolves with the refusal, if any. */
  async setAllPaused(paused: boolean): Promise<BackendError | null> {
    try {
      const views = paused ? await this.#backend.pauseAll() : await this.#backend.resumeAll();
      for (const view of views) this.rooms = mergeRoom(this.rooms, view);
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  /**
   * Records a decision on conflicts (one or several, all or none). The returned views carry the
   * pending decision; the conflicts leave the list once their rooms' next sync carries it out.
   * Resolves with the refusal, if any, for the screen to show next to the conflict.
   */
  async decideConflicts(ids: number[], decision: DecisionRequest): Promise<BackendError | null> {
    try {
      const decided =
        ids.length === 1
          ? [await this.#backend.decideConflict({ id: ids[0]!, ...decision })]
          : await this.#backend.decideConflicts({ ids, ...decision });
      const byId = new Map(decided.map((c) => [c.id, c]));
      this.conflicts = this.conflicts.map((c) => byId.get(c.id) ?? c);
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  /** What keeping either side of conflict `id` would do; null when it cannot be told now. */
  async previewDecisions(id: number): Promise<ChoicePreview[] | null> {
    try {
      return await this.#backend.previewDecisions({ id });
    } catch {
      // The card then says what each choice does in general words.
      return null;
    }
  }

  /** Free times nearest to double booking `id` at which `side` could move. */
  freeTimes(id: number, side: Side): Promise<MoveRequest[]> {
    return this.#backend.freeTimes({ id, side });
  }

  /** Withdraws the decision on conflict `id` before a sync carries it out. */
  async undoDecision(id: number): Promise<BackendError | null> {
    return this.#conflictCall(async () => [await this.#backend.undoDecision({ id })]);
  }

  /** Carries out the decisions waiting on `ids` now instead of at their rooms' next polls. */
  async carryOutDecisions(ids: number[]): Promise<BackendError | null> {
    return this.#conflictCall(async () => {
      await this.#backend.carryOutDecisions({ ids });
      return [];
    });
  }

  async #conflictCall(call: () => Promise<ConflictView[]>): Promise<BackendError | null> {
    try {
      const changed = await call();
      const byId = new Map(changed.map((c) => [c.id, c]));
      this.conflicts = this.conflicts.map((c) => byId.get(c.id) ?? c);
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  async reloadPolicies(): Promise<void> {
    try {
      this.policies = await this.#backend.getPolicies();
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Sets the default conflict policy; resolves with the refusal, if any. */
  setDefaultPolicy(policy: string): Promise<BackendError | null> {
    return this.#updatePolicies(() => this.#backend.setDefaultPolicy({ policy }));
  }

  /** Sets a room's own policy, or (`null`) makes it follow the default. */
  setRoomPolicy(roomId: string, policy: string | null): Promise<BackendError | null> {
    return this.#updatePolicies(() => this.#backend.setRoomPolicy({ room: roomId, policy }));
  }

  async #updatePolicies(change: () => Promise<PoliciesView>): Promise<BackendError | null> {
    try {
      this.policies = await change();
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  // ---- The setup wizard: each call goes straight to the backend; the wizard shows refusals. ----

  setupState(): Promise<SetupView> {
    return this.#backend.setupState();
  }

  checkTenant(form: TenantForm): Promise<CheckView> {
    return this.#backend.checkTenant(form);
  }

  checkBooking(form: BookingForm): Promise<CheckView> {
    return this.#backend.checkBooking(form);
  }

  discoverRooms(): Promise<DiscoveryView> {
    return this.#backend.discoverRooms();
  }

  /**
   * What the first sync of the rooms `request` chooses would do, room by room, before anything
   * is written (the wizard's review step). Reads both sides; writes nothing anywhere.
   */
  previewSetup(request: FinishRequest): Promise<SetupPlanView[]> {
    return this.#backend.previewSetup(request);
  }

  /** Finishes the wizard; RoomBridge starts syncing and the screens load. */
  async finishSetup(request: FinishRequest): Promise<void> {
    this.status = await this.#backend.finishSetup(request);
    await this.reloadAll();
  }

  /** Leaves the wizard's progress step for the Rooms screen. */
  leaveSetup(): void {
    this.setupActive = false;
  }

  // ---- Settings > Connections: each call goes straight to the backend; the section shows the
  // results and refusals. A save is tested first and kept only when the test passes. ----

  /** The connections RoomBridge runs on, without their secrets. */
  connections(): Promise<ConnectionsView> {
    return this.#backend.getConnections();
  }

  testTenantConnection(form: TenantForm): Promise<CheckView> {
    return this.#backend.testTenantConnection(form);
  }

  saveTenantConnection(form: TenantForm): Promise<SavedConnection> {
    return this.#backend.saveTenantConnection(form);
  }

  testBookingConnection(form: BookingForm): Promise<CheckView> {
    return this.#backend.testBookingConnection(form);
  }

  saveBookingConnection(form: BookingForm): Promise<SavedConnection> {
    return this.#backend.saveBookingConnection(form);
  }

  // ---- Room mappings ----

  mappingOptions(): Promise<DiscoveryView> {
    return this.#backend.mappingOptions();
  }

  /** Maps a new room; resolves with it as added. */
  async addRoom(room: NewRoom): Promise<RoomView> {
    const added = await this.#backend.addRoom(room);
    this.rooms = mergeRoom(this.rooms, added);
    await this.reloadPolicies();
    return added;
  }

  /** Changes a room's mapping; resolves with the room as it now is. */
  async editRoom(roomId: string, edit: RoomEdit): Promise<RoomView> {
    const edited = await this.#backend.editRoom({ room: roomId, ...edit });
    this.rooms = mergeRoom(this.rooms, edited);
    return edited;
  }

  async removeRoom(roomId: string): Promise<void> {
    await this.#backend.removeRoom({ room: roomId });
    this.rooms = this.rooms.filter((r) => r.id !== roomId);
    await this.reloadPolicies();
  }

  async reloadSettings(): Promise<void> {
    try {
      this.#settingsArrived(await this.#backend.getSettings());
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Whether the desktop app starts at login; rejects with `unavailable` in headless mode. */
  getAutostart(): Promise<boolean> {
    return this.#backend.getAutostart();
  }

  /** Turns start at login on or off; resolves with the setting as it now is. */
  setAutostart(enabled: boolean): Promise<boolean> {
    return this.#backend.setAutostart(enabled);
  }

  /** Saves a change of settings; resolves with the refusal, if any (nothing was changed then). */
  async updateSettings(update: SettingsUpdate): Promise<BackendError | null> {
    try {
      this.#settingsArrived(await this.#backend.updateSettings(update));
      return null;
    } catch (e) {
      const error = toBackendError(e);
      if (error.code === 'unauthorized') this.fatal = error;
      return error;
    }
  }

  /**
   * Speaks the language the settings name: the one chosen on any screen showing RoomBridge
   * (the desktop window or a browser), so the tray, notifications and every window agree.
   */
  #settingsArrived(settings: SettingsView): void {
    this.settings = settings;
    const choice = settings.language ?? 'auto';
    if (choice !== langChoice()) setLang(choice);
  }

  /** Sync activity over `span`, for the Overview chart. */
  activity(span: ActivitySpan): Promise<ActivityView> {
    return this.#backend.activity({ span });
  }

  /** The Graph request budget in use, per mailbox. */
  graphBudget(): Promise<BudgetView[]> {
    return this.#backend.graphBudget();
  }

  /** Runs the tenant doctor; the Doctor screen keeps the report. */
  doctor(request: DoctorRequest): Promise<DoctorView> {
    return this.#backend.doctor(request);
  }

  dismissSyncError(roomId: string): void {
    this.#setSyncRequest(roomId, null);
  }

  dismissProblem(): void {
    this.problem = null;
  }

  async #loadStatus(): Promise<void> {
    try {
      this.status = await this.#backend.status();
    } catch (e) {
      this.#fail(e);
    }
  }

  #onRoom(room: RoomView): void {
    const before = this.rooms.find((r) => r.id === room.id);
    this.#roomBuffer?.push(room);
    this.rooms = mergeRoom(this.rooms, room);
    if (this.roomsLoaded && conflictsMayHaveChanged(before, room)) this.#scheduleConflictsReload();
  }

  #onHistory(entry: HistoryEntry): void {
    if (matchesFilters(entry, this.historyFilters)) {
      // Older pages the user loaded stay; only the first page is capped.
      this.history = mergeHistory(this.history, [entry], Math.max(HISTORY_LIMIT, this.history.length));
    }
    if (entry.kind === 'conflict' || entry.kind === 'conflict_decided') this.#scheduleConflictsReload();
  }

  /** Several rooms can report conflicts in one burst; reload the list once. */
  #scheduleConflictsReload(): void {
    clearTimeout(this.#conflictsTimer);
    this.#conflictsTimer = setTimeout(() => void this.reloadConflicts(), 400);
  }

  #setSyncRequest(roomId: string, value: SyncRequest | null): void {
    const next = { ...this.syncRequests };
    if (value) next[roomId] = value;
    else delete next[roomId];
    this.syncRequests = next;
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #fail(e: unknown): void {
    const error = toBackendError(e);
    if (error.code === 'unauthorized') this.fatal = error;
    else this.problem = error;
  }
}
