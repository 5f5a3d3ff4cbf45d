import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Backend, LiveHandlers, Unsubscribe } from './backend';
import { toBackendError } from './errors';
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

/** Carries out the operation `op` (its Rust name, `crates/app/src/ops.rs`) with `input`. */
function call<T>(op: string, input: Record<string, unknown> = {}): Promise<T> {
  return command('call', { op, input });
}

/** A history query's filters as the commands take them (absent ones as null). */
function tauriQuery(query: HistoryQuery): Record<string, string | null> {
  return {
    room: query.room ?? null,
    from: query.from ?? null,
    to: query.to ?? null,
    kind: query.kind ?? null,
    outcome: query.outcome ?? null,
    search: query.search ?? null,
  };
}

/** The desktop window's backend: Tauri commands and events. */
export class TauriBackend implements Backend {
  readonly transport = 'tauri' as const;

  status(): Promise<Status> {
    return call('status');
  }

  listRooms(): Promise<RoomView[]> {
    return call('list_rooms');
  }

  listHistory(query: HistoryQuery): Promise<HistoryEntry[]> {
    return call('list_history', { ...tauriQuery(query), limit: query.limit, before: query.before ?? null });
  }

  exportHistory(query: HistoryQuery, format: ExportFormat): Promise<ExportFile> {
    return call('export_history', { format, ...tauriQuery(query) });
  }

  verifyAudit(): Promise<VerifyView> {
    return call('verify_audit');
  }

  listConflicts(): Promise<ConflictView[]> {
    return call('list_conflicts');
  }

  async syncRoom(roomId: string): Promise<void> {
    await call('sync_room', { room: roomId });
  }

  async approveDeletions(roomId: string): Promise<void> {
    await call('approve_deletions', { room: roomId });
  }

  decideConflict(id: number, decision: DecisionRequest): Promise<ConflictView> {
    return call('decide_conflict', { id, ...decision });
  }

  decideConflicts(ids: number[], decision: DecisionRequest): Promise<ConflictView[]> {
    return call('decide_conflicts', { ids, ...decision });
  }

  getPolicies(): Promise<PoliciesView> {
    return call('get_policies');
  }

  setDefaultPolicy(policy: string): Promise<PoliciesView> {
    return call('set_default_policy', { policy });
  }

  setRoomPolicy(roomId: string, policy: string | null): Promise<PoliciesView> {
    return call('set_room_policy', { room: roomId, policy });
  }

  setupState(): Promise<SetupView> {
    return call('setup_state');
  }

  checkTenant(form: TenantForm): Promise<CheckView> {
    return call('check_tenant', { ...form });
  }

  checkBooking(form: BookingForm): Promise<CheckView> {
    return call('check_booking', { ...form });
  }

  discoverRooms(): Promise<DiscoveryView> {
    return call('discover_rooms');
  }

  finishSetup(request: FinishRequest): Promise<Status> {
    return call('finish_setup', { ...request });
  }

  mappingOptions(): Promise<DiscoveryView> {
    return call('mapping_options');
  }

  addRoom(room: NewRoom): Promise<RoomView> {
    return call('add_room', { ...room });
  }

  editRoom(roomId: string, edit: RoomEdit): Promise<RoomView> {
    return call('edit_room', { room: roomId, ...edit });
  }

  async removeRoom(roomId: string): Promise<void> {
    await call('remove_room', { room: roomId });
  }

  getSettings(): Promise<SettingsView> {
    return call('get_settings');
  }

  updateSettings(update: SettingsUpdate): Promise<SettingsView> {
    return call('update_settings', { ...update });
  }

  activity(span: ActivitySpan): Promise<ActivityView> {
    return call('activity', { span });
  }

  graphBudget(): Promise<BudgetView[]> {
    return call('graph_budget');
  }

  doctor(request: DoctorRequest): Promise<DoctorView> {
    return call('doctor', { ...request });
  }

  pauseRoom(roomId: string): Promise<RoomView> {
    return call('pause_room', { room: roomId });
  }

  resumeRoom(roomId: string): Promise<RoomView> {
    return call('resume_room', { room: roomId });
  }

  pauseAll(): Promise<RoomView[]> {
    return call('pause_all');
  }

  resumeAll(): Promise<RoomView[]> {
    return call('resume_all');
  }

  getAutostart(): Promise<boolean> {
    return command('get_autostart');
  }

  setAutostart(enabled: boolean): Promise<boolean> {
    return command('set_autostart', { enabled });
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
