import { describe, expect, it, vi } from 'vitest';
import type { Backend, LiveHandlers } from '../backend';
import { BackendError } from '../backend';
import type { HistoryEntry, HistoryQuery, PoliciesView, RoomView } from '../backend/types';
import { conflict, entry, room } from '../test-fixtures';

const policies: PoliciesView = { default: 'manual', rooms: [], available: ['manual'] };
const settings: SettingsView = {
  poll_interval_secs: 60,
  days_back: 7,
  days_ahead: 365,
  privacy: 'full',
  notifications: { failures: true, sign_in: true, conflicts: true },
  language: null,
  system_language: 'en',
  organiser_language: 'nb',
  bounds: { poll_min_secs: 5, poll_max_secs: 3600, days_back_max: 90, days_ahead_min: 7, days_ahead_max: 730 },
  paths: { data_dir: '/data', database: '/data/roombridge.sqlite', log_dir: null },
};
import type { BookingForm, CheckView, ConnectionsView, FinishRequest, SetupPlanView, TenantForm } from '../backend/types';
import type { ActivityInput, BulkDecisionRequest, DecideInput, EditRoomInput, ExportInput } from '../backend/types';
import type { PolicyInput, RoomInput, RoomPolicyInput, SettingsUpdate, SettingsView } from '../backend/types';
import { AppState } from './state.svelte';

const passed: CheckView = { ok: true, summary: '', fix: null, detail: null, problem: null, found: 0 };
const connections: ConnectionsView = {
  tenant: {
    tenant_id: 'contoso.onmicrosoft.com',
    client_id: 'app',
    sign_in: 'client_secret',
    certificate_thumbprint: null,
    client_secret_expires: null,
    graph_base: null,
    token_url: null,
  },
  booking: { system: 'roombridge-api', url: 'https://booking.example.org/api/v1', login: null },
  in_memory: true,
};

/** A backend whose answers the test controls, and which hands back the live handlers. */
function fakeBackend(init: { rooms?: RoomView[]; history?: HistoryEntry[] } = {}) {
  let live: LiveHandlers | null = null;
  const backend = {
    transport: 'http' as const,
    status: vi.fn(async () => ({ mode: 'demo' as const, version: '0.1.0', rooms: 2 })),
    listRooms: vi.fn(async () => init.rooms ?? []),
    listHistory: vi.fn(async (q: HistoryQuery = {}) => (init.history ?? []).filter((e) => !q.room || e.room_id === q.room)),
    listConflicts: vi.fn(async () => []),
    syncRoom: vi.fn(async (_input: RoomInput) => ({})),
    approveDeletions: vi.fn(async (_input: RoomInput) => ({})),
    exportHistory: vi.fn(async ({ format }: ExportInput) => ({ filename: `h.${format}`, format, text: 'seq\r\n', rows: 0 })),
    verifyAudit: vi.fn(async () => ({ ok: true, checked: 3, broken_at: null, message: 'intact' })),
    decideConflict: vi.fn(async ({ id }: DecideInput) => conflict(id)),
    decideConflicts: vi.fn(async ({ ids }: BulkDecisionRequest) => ids.map((id) => conflict(id))),
    previewDecisions: vi.fn(async () => []),
    freeTimes: vi.fn(async () => []),
    undoDecision: vi.fn(async ({ id }: { id: number }) => conflict(id)),
    roomCalendar: vi.fn(async () => ({ room_id: "r", time_zone: "Europe/Oslo", from: "2026-12-07", days: 7, window_start: "", window_end: "", items: [], plan: { steps: [], conflicts: [], held: 0 } })),
    undoOptions: vi.fn(async ({ seq }: { seq: number }) => ({ seq, possible: true, message: '', conflict: null })),
    undoCarriedOut: vi.fn(async ({ seq }: { seq: number }) => ({ seq, possible: true, message: '', conflict: 7 })),
    previewSetup: vi.fn(async (_request: FinishRequest): Promise<SetupPlanView[]> => []),
    carryOutDecisions: vi.fn(async () => ({})),
    getPolicies: vi.fn(async () => policies),
    setDefaultPolicy: vi.fn(async (_input: PolicyInput = {}) => policies),
    setRoomPolicy: vi.fn(async (_input: RoomPolicyInput) => policies),
    setupState: vi.fn(async () => {
      throw new BackendError('invalid_input', 'already set up');
    }),
    checkTenant: vi.fn(async () => ({ ok: true, summary: '', fix: null, detail: null, problem: null, found: 0 })),
    checkBooking: vi.fn(async () => ({ ok: true, summary: '', fix: null, detail: null, problem: null, found: 0 })),
    discoverRooms: vi.fn(async () => ({ mailboxes: [], resources: [] })),
    finishSetup: vi.fn(async () => ({ mode: 'live' as const, version: '0.1.0', rooms: 0 })),
    mappingOptions: vi.fn(async () => ({ mailboxes: [], resources: [] })),
    addRoom: vi.fn(async () => room('new')),
    editRoom: vi.fn(async ({ room: id }: EditRoomInput) => room(id)),
    removeRoom: vi.fn(async (_input: RoomInput) => ({})),
    getSettings: vi.fn(async () => settings),
    updateSettings: vi.fn(async (u: SettingsUpdate = {}) => ({ ...settings, ...u }) as SettingsView),
    getConnections: vi.fn(async () => connections),
    testTenantConnection: vi.fn(async (_form: TenantForm) => passed),
    saveTenantConnection: vi.fn(async (_form: TenantForm) => ({ check: passed, saved: true, connections })),
    testBookingConnection: vi.fn(async (_form: BookingForm) => passed),
    saveBookingConnection: vi.fn(async (_form: BookingForm) => ({ check: passed, saved: true, connections })),
    activity: vi.fn(async (_input: ActivityInput = {}) => ({ span: 'day' as const, buckets: [] })),
    graphBudget: vi.fn(async () => []),
    doctor: vi.fn(async () => ({ checked_at: '2026-11-20T10:00:00Z', rooms: 0, problems: 0, warnings: 0, findings: [] })),
    pauseRoom: vi.fn(async ({ room: id }: RoomInput) => room(id, { paused: true, status: 'paused' })),
    resumeRoom: vi.fn(async ({ room: id }: RoomInput) => room(id, { status: 'syncing' })),
    pauseAll: vi.fn(async () => (init.rooms ?? []).map((r) => ({ ...r, paused: true, status: 'paused' as const }))),
    resumeAll: vi.fn(async () => (init.rooms ?? []).map((r) => ({ ...r, paused: false, status: 'idle' as const }))),
    getAutostart: vi.fn(async () => false),
    setAutostart: vi.fn(async (enabled: boolean) => enabled),
    saveExport: vi.fn(async ({ format }: ExportInput) => ({ path: `/home/kari/h.${format}`, filename: `h.${format}`, rows: 0 })),
    subscribe: vi.fn(async (h: LiveHandlers) => {
      live = h;
      h.connection('live');
      return () => {};
    }),
  } satisfies Backend;
  return { backend, live: () => live! };
}

describe('AppState', () => {
  it('loads a snapshot and folds live room and history updates into it', async () => {
    const { backend, live } = fakeBackend({ rooms: [room('a'), room('b')], history: [entry(2), entry(1)] });
    const app = new AppState(backend);
    await app.start();
    expect(app.status?.mode).toBe('demo');
    expect(app.connection).toBe('live');
    expect(app.rooms.map((r) => r.status)).toEqual(['idle', 'idle']);

    live().room(room('b', { status: 'in_sync' }));
    live().history(entry(3));
    live().history(entry(2)); // already known
    expect(app.rooms.map((r) => r.status)).toEqual(['idle', 'in_sync']);
    expect(app.history.map((e) => e.seq)).toEqual([3, 2, 1]);
    app.stop();
  });

  it('keeps room updates that arrive while the rooms are loading', async () => {
    const { backend, live } = fakeBackend();
    let release!: (rooms: RoomView[]) => void;
    backend.listRooms.mockImplementationOnce(() => new Promise((r) => (release = r)));
    const app = new AppState(backend);
    const started = app.start();
    await vi.waitFor(() => expect(release).toBeDefined());
    live().room(room('a', { status: 'syncing' }));
    release([room('a'), room('b')]);
    await started;
    expect(app.rooms.map((r) => [r.id, r.status])).toEqual([
      ['a', 'syncing'],
      ['b', 'idle'],
    ]);
    app.stop();
  });

  it('shows one room\'s history, loading it from the server and taking only its live entries', async () => {
    const { backend, live } = fakeBackend({
      history: [entry(3, { room_id: 'b' }), entry(2, { room_id: 'a' }), entry(1, { room_id: 'b' })],
    });
    const app = new AppState(backend);
    await app.start();
    app.setHistoryRoom('b');
    await vi.waitFor(() => expect(app.historyLoading).toBe(false));
    expect(backend.listHistory).toHaveBeenLastCalledWith({ limit: 500, room: 'b' });
    expect(app.history.map((e) => e.seq)).toEqual([3, 1]);
    live().history(entry(4, { room_id: 'a' }));
    live().history(entry(5, { room_id: 'b' }));
    expect(app.history.map((e) => e.seq)).toEqual([5, 3, 1]);
    app.stop();
  });

  it('turns an unauthorized answer into the fatal screen and other failures into a banner', async () => {
    const { backend } = fakeBackend();
    backend.listConflicts.mockRejectedValueOnce(new BackendError('unavailable', 'down'));
    const app = new AppState(backend);
    await app.start();
    expect(app.fatal).toBeNull();
    expect(app.problem?.code).toBe('unavailable');

    backend.syncRoom.mockRejectedValueOnce({ code: 'unauthorized', message: 'expired' });
    await app.syncRoom('a');
    expect(app.fatal?.code).toBe('unauthorized');
    expect(app.syncRequests.a).toMatchObject({ state: 'error' });
    app.stop();
  });

  it('reloads conflicts when a room\'s conflict count changes', async () => {
    vi.useFakeTimers();
    const { backend, live } = fakeBackend({ rooms: [room('a')] });
    const app = new AppState(backend);
    await app.start();
    expect(backend.listConflicts).toHaveBeenCalledTimes(1);
    live().room(room('a', { status: 'conflicts', counts: { links: 3, conflicts: 1, failed: 0 } }));
    await vi.advanceTimersByTimeAsync(500);
    expect(backend.listConflicts).toHaveBeenCalledTimes(2);
    app.stop();
    vi.useRealTimers();
  });
  it('asks the server for the filtered history and exports the same filters', async () => {
    const { backend, live } = fakeBackend({ history: [entry(2), entry(1)] });
    const app = new AppState(backend);
    await app.start();
    app.setHistoryFilters({ room: 'b', from: '', to: '', kind: 'conflict', outcome: 'conflict', search: ' choir ' });
    await vi.waitFor(() => expect(app.historyLoading).toBe(false));
    const query = { limit: 500, room: 'b', kind: 'conflict', outcome: 'conflict', search: 'choir' };
    expect(backend.listHistory).toHaveBeenLastCalledWith(query);

    // Live entries join only when they match every filter.
    live().history(entry(3, { room_id: 'b', kind: 'conflict', outcome: 'conflict', title: 'Choir' }));
    live().history(entry(4, { room_id: 'b', kind: 'conflict', outcome: 'conflict', title: 'Band' }));
    live().history(entry(5, { room_id: 'a', kind: 'conflict', outcome: 'conflict', detail: 'the choir' }));
    expect(app.history.map((e) => e.seq)).toEqual([3]);

    await app.exportHistory('jsonl');
    expect(backend.exportHistory).toHaveBeenLastCalledWith({ ...query, format: 'jsonl', lang: 'en' });
    expect((await app.verifyAudit()).ok).toBe(true);
    app.stop();
  });

  it('loads older pages with the same filters and keeps them', async () => {
    const page = Array.from({ length: 500 }, (_, i) => entry(1000 - i));
    const { backend } = fakeBackend();
    backend.listHistory.mockResolvedValueOnce(page).mockResolvedValueOnce([entry(3), entry(2)]);
    const app = new AppState(backend);
    await app.start();
    expect(app.historyHasMore).toBe(true);
    await app.loadOlderHistory();
    expect(backend.listHistory).toHaveBeenLastCalledWith({ limit: 500, room: null, before: 501 });
    expect(app.history).toHaveLength(502);
    expect(app.history.at(-1)?.seq).toBe(2);
    expect(app.historyHasMore).toBe(false);
    app.stop();
  });

  it('loads the settings and keeps them when a change is refused', async () => {
    const { backend } = fakeBackend();
    const app = new AppState(backend);
    await app.start();
    expect(app.settings?.privacy).toBe('full');
    expect(await app.updateSettings({ privacy: 'reserved' })).toBeNull();
    expect(app.settings?.privacy).toBe('reserved');
    backend.updateSettings.mockRejectedValueOnce(new BackendError('invalid_input', 'The poll interval must be…'));
    const refused = await app.updateSettings({ poll_interval_secs: 5 });
    expect(refused?.code).toBe('invalid_input');
    expect(app.settings?.poll_interval_secs).toBe(60);
    expect(app.problem).toBeNull();
    app.stop();
  });

  it("works out the wizard's first sync from the same request, and starts nothing", async () => {
    const { backend } = fakeBackend({ rooms: [] });
    const plans: SetupPlanView[] = [
      { room_id: 'gym', room_name: 'Gym', plan: { steps: [], conflicts: [], held: 0 }, error: null },
    ];
    backend.previewSetup.mockResolvedValueOnce(plans);
    const app = new AppState(backend);
    const request: FinishRequest = {
      time_zone: 'Europe/Oslo',
      default_policy: null,
      rooms: [{ resource_id: 'r1', mailbox: 'gym@example.org', time_zone: null, policy: null }],
    };
    await expect(app.previewSetup(request)).resolves.toEqual(plans);
    expect(backend.previewSetup).toHaveBeenCalledWith(request);
    expect(backend.finishSetup).not.toHaveBeenCalled();
    expect(backend.listRooms).not.toHaveBeenCalled();
  });

  it('shows a paused or resumed room at once and reports a refusal without a banner', async () => {
    const { backend } = fakeBackend({ rooms: [room('a'), room('b')] });
    const app = new AppState(backend);
    await app.start();

    expect(await app.setPaused('a', true)).toBeNull();
    expect(backend.pauseRoom).toHaveBeenCalledWith({ room: 'a' });
    expect(app.rooms.map((r) => [r.id, r.paused, r.status])).toEqual([
      ['a', true, 'paused'],
      ['b', false, 'idle'],
    ]);
    expect(await app.setPaused('a', false)).toBeNull();
    expect(app.rooms[0]!.status).toBe('syncing');

    expect(await app.setAllPaused(true)).toBeNull();
    expect(app.rooms.every((r) => r.paused)).toBe(true);
    expect(await app.setAllPaused(false)).toBeNull();
    expect(app.rooms.some((r) => r.paused)).toBe(false);

    backend.pauseRoom.mockRejectedValueOnce(new BackendError('not_found', 'There is no room "a".'));
    const refused = await app.setPaused('a', true);
    expect(refused?.code).toBe('not_found');
    expect(app.problem).toBeNull();
    expect(app.rooms[0]!.paused).toBe(false);
    app.stop();
  });
});
