import { invoke } from '@tauri-apps/api/core';
import { lang } from '../i18n/index.svelte';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { OPERATIONS } from './api';
import { type Api, type Backend, type Caller, type LiveHandlers, type Unsubscribe, operations } from './backend';
import { toBackendError } from './errors';
import type { ExportInput, HistoryEntry, RoomView, SavedExport } from './types';

/** Event carrying every room change (per-room `sync://room/{id}/status` cannot be wildcarded). */
export const ROOMS_EVENT = 'sync://rooms';
export const HISTORY_EVENT = 'sync://history';

async function command<T>(name: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(name, args);
  } catch (e) {
    // Commands reject with the `{ code, message }` the Rust side serialised.
    throw toBackendError(e);
  }
}

/** Every operation goes through the one `call` command, by its Rust name, in the window's language. */
const call: Caller = (name, input) => command('call', { op: OPERATIONS[name].op, input, lang: lang() });

/** The desktop window's backend: Tauri commands and events. */
export class TauriBackend implements Backend {
  readonly transport = 'tauri' as const;

  constructor() {
    Object.assign(this, operations(call));
  }

  getAutostart(): Promise<boolean> {
    return command('get_autostart');
  }

  setAutostart(enabled: boolean): Promise<boolean> {
    return command('set_autostart', { enabled });
  }

  saveExport(input: ExportInput): Promise<SavedExport | null> {
    return command('save_history_export', { input });
  }

  async subscribe(handlers: LiveHandlers): Promise<Unsubscribe> {
    const unlisteners: UnlistenFn[] = [];
    try {
      unlisteners.push(await listen<RoomView>(ROOMS_EVENT, (e) => handlers.room(e.payload)));
      unlisteners.push(await listen<HistoryEntry>(HISTORY_EVENT, (e) => handlers.history(e.payload)));
    } catch (e) {
      unlisteners.forEach((off) => off());
      throw toBackendError(e);
    }
    // IPC events are not lost while the window lives, so the channel is live from here on.
    handlers.connection('live');
    return () => unlisteners.forEach((off) => off());
  }
}

/** The operations `Object.assign` installs in the constructor. */
export interface TauriBackend extends Api {}
