// The JSON shapes the screens see, whether the data came over Tauri IPC or HTTP. They are
// generated from the Rust types into `api.ts`; this file only adds the names the screens use
// for some of them.
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

/**
 * Where an export went: the path the person chose in the desktop app's Save dialog, or (`null`)
 * the browser's downloads.
 */
export interface SavedExport {
  path: string | null;
  filename: string;
  rows: number;
}
