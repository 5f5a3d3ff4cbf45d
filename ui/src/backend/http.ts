import { lang } from '../i18n/index.svelte';
import { OPERATIONS } from './api';
import {
  type Api,
  type Backend,
  type Caller,
  type LiveHandlers,
  type OperationName,
  type Unsubscribe,
  operations,
} from './backend';
import { BackendError, codeForHttpStatus, isApiError } from './errors';
import type { ExportInput, HistoryEntry, RoomView, SavedExport } from './types';
import { saveFile } from '../lib/download';

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
    Object.assign(this, operations(this.#call));
  }

  /**
   * Carries out an operation on its route: the input's fields named in the path go there, the
   * rest into the query string (GET, DELETE) or the JSON body.
   */
  readonly #call: Caller = async (name, input) => {
    const route = OPERATIONS[name];
    const rest: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    const path = route.path.replace(/\{(\w+)\}/g, (_, field: string) => {
      const value = rest[field];
      delete rest[field];
      return encodeURIComponent(String(value ?? ''));
    });
    const inQuery = route.method === 'GET' || route.method === 'DELETE';
    const query = inQuery ? queryString(rest) : '';
    const url = `/api${path}${query ? `?${query}` : ''}`;
    const response = await this.#send(route.method, url, inQuery ? undefined : rest);
    const format = (input as { format?: unknown }).format;
    const answer = 'file' in route ? this.#file(response, name, format) : this.#json(response);
    return answer as never;
  };

  /** A browser downloads the export: no dialog, the browser's downloads folder. */
  async saveExport(input: ExportInput): Promise<SavedExport | null> {
    const file = await this.exportHistory(input);
    saveFile(file);
    return { path: null, filename: file.filename, rows: file.rows };
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

  async #send(method: string, url: string, json?: unknown): Promise<Response> {
    const hasBody = json !== undefined;
    try {
      return await this.#fetch(this.#base + url, {
        method,
        headers: {
          ...this.#auth(),
          Accept: 'application/json',
          // What the server answers in words (errors, checks, findings) in the window's language.
          'Accept-Language': lang(),
          ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        },
        body: hasBody ? JSON.stringify(json) : undefined,
      });
    } catch {
      throw new BackendError('unavailable', 'RoomBridge cannot be reached. Is it still running?');
    }
  }

  async #json(response: Response): Promise<unknown> {
    // Decoded keeping a byte-order mark: a CSV needs it in the saved file (`text()` drops it).
    const bytes = await response.arrayBuffer().catch(() => new ArrayBuffer(0));
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
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
    return body;
  }

  /**
   * An export arrives as the file itself: named in `Content-Disposition`, its row count in
   * `X-Export-Rows`, in the format the request asked for.
   */
  async #file(response: Response, name: OperationName, format: unknown): Promise<unknown> {
    if (!response.ok) return this.#json(response);
    // Decoded keeping a byte-order mark: a CSV needs it in the saved file (`text()` drops it).
    const bytes = await response.arrayBuffer().catch(() => new ArrayBuffer(0));
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `roombridge-${name}`;
    const rows = Number(response.headers.get('X-Export-Rows') ?? 0);
    return { filename, format, text, rows };
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

/** Fields as a query string, leaving out the absent, null and empty ones. */
export function queryString(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  return params.toString();
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

/** The operations `Object.assign` installs in the constructor. */
export interface HttpBackend extends Api {}
