import type { ActivitySpan, ActivityView, BudgetView, SettingsUpdate, SettingsView } from './types';
import type { DoctorRequest, DoctorView } from './types';
import type { Backend, LiveHandlers, Unsubscribe } from './backend';
import { BackendError, codeForHttpStatus, isApiError } from './errors';
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

type EventSourceCtor = new (url: string) => EventSource;

export interface HttpBackendOptions {
  /** Origin of the headless server; '' means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  EventSource?: EventSourceCtor;
  /** How long `subscribe` waits for the stream to open before giving up waiting (it keeps trying). */
  openTimeoutMs?: number;
}

const CLOSED = 2; // EventSource.CLOSED, spelled out so this module also loads outside a browser.
const MAX_RETRY_MS = 30_000;
const AUTOSTART_DESKTOP_ONLY =
  'Start at login is a setting of the RoomBridge desktop app; the headless server starts however you start it.';

/** Talks to the headless server: JSON over HTTP with a bearer token, live updates over SSE. */
export class HttpBackend implements Backend {
  readonly transport = 'http' as const;
  /** Null when the page relies on the cookie the server set when it was opened. */
  readonly #token: string | null;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #EventSource: EventSourceCtor | undefined;
  readonly #openTimeoutMs: number;

  constructor(token: string | null, options: HttpBackendOptions = {}) {
    this.#token = token;
    this.#base = options.baseUrl ?? '';
    // Bound so that calling it detached from `globalThis` does not throw "Illegal invocation".
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#EventSource = options.EventSource ?? globalThis.EventSource;
    this.#openTimeoutMs = options.openTimeoutMs ?? 3_000;
  }

  status(): Promise<Status> {
    return this.#request('GET', '/api/status');
  }

  listRooms(): Promise<RoomView[]> {
    return this.#request('GET', '/api/rooms');
  }

  listHistory(query: HistoryQuery): Promise<HistoryEntry[]> {
    return this.#request('GET', `/api/history?${historyParams(query)}`);
  }

  async exportHistory(query: HistoryQuery, format: ExportFormat): Promise<ExportFile> {
    const params = historyParams(query);
    params.delete('limit');
    params.delete('before');
    params.set('format', format);
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}/api/history/export?${params}`, {
        headers: this.#auth(),
      });
    } catch {
      throw new BackendError('unavailable', 'RoomBridge cannot be reached. Is it still running?');
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (isApiError(body)) throw new BackendError(body.code, body.message);
      throw new BackendError(codeForHttpStatus(response.status), `Export failed (HTTP ${response.status})`);
    }
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `roombridge-history.${format}`;
    return { filename, text };
  }

  verifyAudit(): Promise<VerifyView> {
    return this.#request('GET', '/api/audit/verify');
  }

  listConflicts(): Promise<ConflictView[]> {
    return this.#request('GET', '/api/conflicts');
  }

  async syncRoom(roomId: string): Promise<void> {
    await this.#request('POST', `/api/rooms/${encodeURIComponent(roomId)}/sync`);
  }

  async approveDeletions(roomId: string): Promise<void> {
    await this.#request('POST', `/api/rooms/${encodeURIComponent(roomId)}/approve-deletions`);
  }

  decideConflict(id: number, decision: DecisionRequest): Promise<ConflictView> {
    return this.#request('POST', `/api/conflicts/${encodeURIComponent(String(id))}/decision`, decision);
  }

  decideConflicts(ids: number[], decision: DecisionRequest): Promise<ConflictView[]> {
    return this.#request('POST', '/api/conflicts/decisions', { ids, ...decision });
  }

  getPolicies(): Promise<PoliciesView> {
    return this.#request('GET', '/api/policies');
  }

  setDefaultPolicy(policy: string): Promise<PoliciesView> {
    return this.#request('PUT', '/api/policies/default', { policy });
  }

  setRoomPolicy(roomId: string, policy: string | null): Promise<PoliciesView> {
    return this.#request('PUT', `/api/rooms/${encodeURIComponent(roomId)}/policy`, { policy });
  }

  setupState(): Promise<SetupView> {
    return this.#request('GET', '/api/setup');
  }

  checkTenant(form: TenantForm): Promise<CheckView> {
    return this.#request('POST', '/api/setup/tenant', form);
  }

  checkBooking(form: BookingForm): Promise<CheckView> {
    return this.#request('POST', '/api/setup/booking', form);
  }

  discoverRooms(): Promise<DiscoveryView> {
    return this.#request('POST', '/api/setup/discover');
  }

  finishSetup(request: FinishRequest): Promise<Status> {
    return this.#request('POST', '/api/setup/finish', request);
  }

  mappingOptions(): Promise<DiscoveryView> {
    return this.#request('GET', '/api/mappings/options');
  }

  addRoom(room: NewRoom): Promise<RoomView> {
    return this.#request('POST', '/api/rooms', room);
  }

  editRoom(roomId: string, edit: RoomEdit): Promise<RoomView> {
    return this.#request('PATCH', `/api/rooms/${encodeURIComponent(roomId)}`, edit);
  }

  async removeRoom(roomId: string): Promise<void> {
    await this.#request('DELETE', `/api/rooms/${encodeURIComponent(roomId)}`);
  }

  getSettings(): Promise<SettingsView> {
    return this.#request('GET', '/api/settings');
  }

  updateSettings(update: SettingsUpdate): Promise<SettingsView> {
    return this.#request('PUT', '/api/settings', update);
  }

  activity(span: ActivitySpan): Promise<ActivityView> {
    return this.#request('GET', `/api/activity?span=${encodeURIComponent(span)}`);
  }

  graphBudget(): Promise<BudgetView[]> {
    return this.#request('GET', '/api/graph-budget');
  }

  doctor(request: DoctorRequest): Promise<DoctorView> {
    return this.#request('POST', '/api/doctor', request);
  }

  pauseRoom(roomId: string): Promise<RoomView> {
    return this.#request('POST', `/api/rooms/${encodeURIComponent(roomId)}/pause`);
  }

  resumeRoom(roomId: string): Promise<RoomView> {
    return this.#request('POST', `/api/rooms/${encodeURIComponent(roomId)}/resume`);
  }

  pauseAll(): Promise<RoomView[]> {
    return this.#request('POST', '/api/rooms/pause-all');
  }

  resumeAll(): Promise<RoomView[]> {
    return this.#request('POST', '/api/rooms/resume-all');
  }

  // Start at login belongs to the desktop app; the headless server is started by whoever runs it.
  getAutostart(): Promise<boolean> {
    return Promise.reject(new BackendError('unavailable', AUTOSTART_DESKTOP_ONLY));
  }

  setAutostart(_enabled: boolean): Promise<boolean> {
    return Promise.reject(new BackendError('unavailable', AUTOSTART_DESKTOP_ONLY));
  }

  /** The bearer header when the page has the token; otherwise the cookie speaks for it. */
  #auth(): Record<string, string> {
    return this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
  }

  async #request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(this.#base + path, {
        method,
        headers: {
          ...this.#auth(),
          Accept: 'application/json',
          ...(method !== 'GET' && method !== 'DELETE' ? { 'Content-Type': 'application/json' } : {}),
        },
        body: method !== 'GET' && method !== 'DELETE' ? JSON.stringify(json ?? {}) : undefined,
      });
    } catch {
      throw new BackendError('unavailable', 'RoomBridge cannot be reached. Is it still running?');
    }
    const text = await response.text().catch(() => '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!response.ok) {
      if (isApiError(body)) throw new BackendError(body.code, body.message);
      throw new BackendError(
        codeForHttpStatus(response.status),
        `Request failed (HTTP ${response.status})`,
      );
    }
    if (body === undefined && text) {
      throw new BackendError('internal', 'The server sent a response that is not JSON');
    }
    return body as T;
  }

  subscribe(handlers: LiveHandlers): Promise<Unsubscribe> {
    const EventSourceImpl = this.#EventSource;
    if (!EventSourceImpl) {
      return Promise.reject(new BackendError('internal', 'This browser cannot receive live updates'));
    }
    // EventSource cannot set headers: the stream is opened with the cookie the server set when
    // the page was opened (the API never takes the token from an address).
    const url = `${this.#base}/api/events`;
    let source: EventSource | null = null;
    let stopped = false;
    let missedSome = false;
    let retryMs = 1_000;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        clearTimeout(openTimer);
        resolve(unsubscribe);
      };
      const unsubscribe = () => {
        stopped = true;
        clearTimeout(retryTimer);
        source?.close();
      };
      // Do not hold the first screen hostage to the stream: load data anyway after a while.
      const openTimer = setTimeout(settle, this.#openTimeoutMs);

      const connect = () => {
        handlers.connection(missedSome ? 'reconnecting' : 'connecting');
        const es = new EventSourceImpl(url);
        source = es;
        es.addEventListener('open', () => {
          retryMs = 1_000;
          handlers.connection('live');
          if (missedSome) {
            missedSome = false;
            handlers.resync();
          }
          settle();
        });
        es.addEventListener('room', (event) => {
          const data = parseData<RoomView>(event);
          if (data) handlers.room(data);
        });
        es.addEventListener('history', (event) => {
          const data = parseData<HistoryEntry>(event);
          if (data) handlers.history(data);
        });
        es.addEventListener('error', () => {
          if (stopped) return;
          missedSome = true;
          handlers.connection('reconnecting');
          settle();
          // The browser retries by itself while CONNECTING; once CLOSED (e.g. a non-200 answer)
          // it gives up, so retry here with backoff.
          if (es.readyState === CLOSED) {
            es.close();
            retryTimer = setTimeout(connect, retryMs);
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          }
        });
      };
      connect();
    });
  }
}

/** The query string for `/api/history` and its export: only the filters that are set. */
export function historyParams(query: HistoryQuery): URLSearchParams {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.room) params.set('room', query.room);
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (query.kind) params.set('kind', query.kind);
  if (query.outcome) params.set('outcome', query.outcome);
  if (query.search) params.set('search', query.search);
  if (query.before !== undefined) params.set('before', String(query.before));
  return params;
}

function parseData<T>(event: Event): T | null {
  const data = (event as MessageEvent<unknown>).data;
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(data) as T;
  } catch {
    console.warn('RoomBridge: ignored a live update that is not JSON');
    return null;
  }
}
