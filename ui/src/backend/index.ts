export type { Backend, Connection, LiveHandlers, Unsubscribe } from './backend';
export { BackendError, toBackendError } from './errors';
export * from './types';

import type { Backend } from './backend';
import { BackendError } from './errors';
import { HttpBackend } from './http';
import { takeToken } from './token';

/** True inside the Tauri desktop window. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * Picks the backend for this page: Tauri IPC in the desktop window, otherwise HTTP to the
 * headless server that served the page. The Tauri module is loaded only when needed, so the
 * browser build never evaluates it.
 */
export async function createBackend(): Promise<Backend> {
  if (inTauri()) {
    const { TauriBackend } = await import('./tauri');
    return new TauriBackend();
  }
  // The server takes the token out of the address it printed and keeps it in a cookie; a token
  // still in the address (or kept from it in this tab) goes out as a bearer header as well.
  const token = takeToken({ location: window.location, storage: window.sessionStorage, history: window.history });
  const backend = new HttpBackend(token);
  if (!token) {
    try {
      await backend.status();
    } catch (e) {
      if (e instanceof BackendError && e.code === 'unauthorized') {
        throw new BackendError('unauthorized', 'This page was opened without its access token.');
      }
    }
  }
  return backend;
}
