import { say } from '../i18n/said';
import { HISTORY_KINDS as GENERATED_KINDS } from '../backend/api';
import type { HistoryEntry, HistoryKind, HistoryQuery, Outcome } from '../backend/types';

/**
 * The History screen's filters, as the facility manager sets them. The server applies them
 * (`listHistory`, `exportHistory`), so the screen and an export show the same rows;
 * `matchesFilters` applies the same rules to live entries.
 */
export interface HistoryFilters {
  /** A room id, or null for every room. */
  room: string | null;
  /** `YYYY-MM-DD` (a local date, from its start), or '' for no lower bound. */
  from: string;
  /** `YYYY-MM-DD` (a local date, through its end), or '' for no upper bound. */
  to: string;
  kind: HistoryKind | '';
  outcome: Outcome | '';
  /** Text to find in the title or the detail (any case). */
  search: string;
}

export const NO_FILTERS: HistoryFilters = { room: null, from: '', to: '', kind: '', outcome: '', search: '' };

export function hasFilters(f: HistoryFilters): boolean {
  return Boolean(f.room || f.from || f.to || f.kind || f.outcome || f.search.trim());
}

/** Local midnight starting `date` (`YYYY-MM-DD`), or the next one, as an RFC 3339 instant. */
export function localMidnight(date: string, nextDay = false): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (nextDay ? 1 : 0));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The backend query for these filters; only the set ones appear. */
export function toQuery(f: HistoryFilters, limit: number, before?: number): HistoryQuery {
  const q: HistoryQuery = { limit, room: f.room };
  const from = localMidnight(f.from);
  const to = localMidnight(f.to, true);
  if (from) q.from = from;
  if (to) q.to = to;
  if (f.kind) q.kind = f.kind;
  if (f.outcome) q.outcome = f.outcome;
  if (f.search.trim()) q.search = f.search.trim();
  if (before !== undefined) q.before = before;
  return q;
}

/** Why an entry happened, in the UI's language when the server kept its words, else as written. */
export function entryDetail(e: Pick<HistoryEntry, 'detail' | 'said'>): string {
  return e.said ? say(e.said) : e.detail;
}

/** The server's rules for one entry: the same room, kind and outcome, in the time span, the text in title or detail. */
export function matchesFilters(e: HistoryEntry, f: HistoryFilters): boolean {
  if (f.room && e.room_id !== f.room) return false;
  if (f.kind && e.kind !== f.kind) return false;
  if (f.outcome && e.outcome !== f.outcome) return false;
  const at = Date.parse(e.at);
  const from = localMidnight(f.from);
  const to = localMidnight(f.to, true);
  if (from && at < Date.parse(from)) return false;
  if (to && at >= Date.parse(to)) return false;
  const text = f.search.trim().toLowerCase();
  if (text && !e.title.toLowerCase().includes(text) && !e.detail.toLowerCase().includes(text)) return false;
  return true;
}

/** Every kind the filter offers (generated from the Rust side's list). */
export const HISTORY_KINDS: readonly HistoryKind[] = GENERATED_KINDS;
