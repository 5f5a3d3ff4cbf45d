// The JSON shapes the screens see, whether the data came over Tauri IPC or HTTP. They are
// generated from the Rust types into `api.ts`; this file only adds the names the screens use
// for some of them, and the few values the Rust side keeps as plain text.
import type { Bounds, Counts, ExportView, Fix, Finding, NotificationsView, Problem, RoomState } from './api';
import { API_ERROR_CODES } from './api';

export * from './api';
export { API_ERROR_CODES };

export type RoomStatus = RoomState;
export type RoomCounts = Counts;
export type DoctorFix = Fix;
export type DoctorFinding = Finding;
export type NotificationPrefs = NotificationsView;
export type SettingsBounds = Bounds;
export type CheckProblem = Problem;

/** An export as the screens save it. */
export type ExportFile = Pick<ExportView, 'filename' | 'text'>;

/** The values of `HistoryEntry.kind` (text on the Rust side). */
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
