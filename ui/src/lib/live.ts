// How live updates fold into screen state. Pure functions over immutable arrays so the merge
// rules are testable and the state layer is a thin shell.

import type { HistoryEntry, RoomView } from '../backend/types';

/** Replaces the room with the same id, keeping its place; a new room is added at the end. */
export function mergeRoom(rooms: readonly RoomView[], room: RoomView): RoomView[] {
  const i = rooms.findIndex((r) => r.id === room.id);
  if (i === -1) return [...rooms, room];
  const next = rooms.slice();
  next[i] = room;
  return next;
}

/**
 * Adds history entries to a newest-first list: duplicates (same `seq`, e.g. an entry that came
 * both live and in a reload) appear once, order stays newest first, and at most `limit` are kept.
 */
export function mergeHistory(
  entries: readonly HistoryEntry[],
  incoming: readonly HistoryEntry[],
  limit: number,
): HistoryEntry[] {
  if (incoming.length === 0) return entries.slice(0, limit);
  const bySeq = new Map<number, HistoryEntry>();
  for (const e of entries) bySeq.set(e.seq, e);
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
}

/** Whether a room change means the list of pending conflicts may have changed. */
export function conflictsMayHaveChanged(before: RoomView | undefined, after: RoomView): boolean {
  return !before || before.counts.conflicts !== after.counts.conflicts;
}
