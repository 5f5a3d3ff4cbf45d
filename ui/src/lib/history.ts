import type { HistoryEntry } from '../backend/types';
import { historyPhrase, outcomeChip, sideLabel } from './format';

export interface HistoryFilter {
  /** A room id, or null for every room. */
  room: string | null;
  /** Free text; every word must appear somewhere in the entry (any case). */
  text: string;
}

/** Everything a facility manager might type to find an entry. */
function haystack(e: HistoryEntry): string {
  return [
    e.room_name,
    e.title,
    e.detail,
    e.kind,
    historyPhrase(e.kind),
    sideLabel(e.side),
    outcomeChip(e.outcome).label,
    `cycle ${e.cycle}`,
  ]
    .join('\n')
    .toLowerCase();
}

export function matchesFilter(e: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.room && e.room_id !== filter.room) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = haystack(e);
  return words.every((w) => text.includes(w));
}

export function filterHistory(entries: readonly HistoryEntry[], filter: HistoryFilter): HistoryEntry[] {
  return entries.filter((e) => matchesFilter(e, filter));
}
