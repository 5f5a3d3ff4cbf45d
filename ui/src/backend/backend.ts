import { OPERATIONS, type Operations } from './api';
import type { ExportInput, HistoryEntry, RoomView, SavedExport } from './types';

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

/** An operation's name as the UI spells it (`listRooms` for the Rust side's `list_rooms`). */
export type OperationName = keyof Operations;

/** Carries out one operation: the one thing each backend implements for all of them. */
export type Caller = <K extends OperationName>(
  name: K,
  input: Operations[K]['input'],
) => Promise<Operations[K]['output']>;

/** An operation's method; an input whose fields are all optional may be left out. */
type Method<K extends OperationName> = Record<string, never> extends Operations[K]['input']
  ? (input?: Operations[K]['input']) => Promise<Operations[K]['output']>
  : (input: Operations[K]['input']) => Promise<Operations[K]['output']>;

/** One method per operation of `crates/app/src/ops.rs`, with the types generated into `api.ts`. */
export type Api = { [K in OperationName]: Method<K> };

/** The methods of `Api`, each one call through `call`. */
export function operations(call: Caller): Api {
  const api: Partial<Record<OperationName, unknown>> = {};
  for (const name of Object.keys(OPERATIONS) as OperationName[]) {
    api[name] = (input?: object) => call(name, (input ?? {}) as never);
  }
  return api as Api;
}

/**
 * Everything the screens may ask of RoomBridge: the operations (`Api`, derived from the Rust
 * side's list), start at login, and live updates. Two implementations: `TauriBackend` (desktop
 * window, IPC) and `HttpBackend` (headless mode and browser tests). Every method rejects with a
 * `BackendError` carrying one of the closed set of codes.
 */
export interface Backend extends Api {
  readonly transport: 'tauri' | 'http';
  /** Whether the desktop app starts at login. Headless mode rejects with `unavailable`. */
  getAutostart(): Promise<boolean>;
  /** Turns start at login on or off; resolves with the new setting. */
  setAutostart(enabled: boolean): Promise<boolean>;
  /**
   * Saves the history's export: the desktop app asks where (the Save dialog) and writes it
   * there; a browser downloads it. Resolves with where it went, or `null` when cancelled.
   */
  saveExport(input: ExportInput): Promise<SavedExport | null>;
  /** Starts live updates; resolves once listening. */
  subscribe(handlers: LiveHandlers): Promise<Unsubscribe>;
}
