// Outages in one place: rooms that fail because one side cannot be reached make one banner
// ("the booking system cannot be reached since 10:42, 12 rooms"), and rooms failing with the
// same words make one group, instead of a dozen identical messages.
import type { RoomView, Side } from '../backend/types';

export interface Outage {
  side: Side;
  /** The earliest `failing_since` of its rooms (RFC 3339). */
  since: string | null;
  rooms: string[];
}

/** The sides failing rooms cannot reach, most rooms first; paused rooms do not count. */
export function outages(rooms: readonly RoomView[]): Outage[] {
  const bySide = new Map<Side, Outage>();
  for (const room of rooms) {
    if (room.status !== 'failing' || !room.failing_side) continue;
    const outage = bySide.get(room.failing_side) ?? { side: room.failing_side, since: null, rooms: [] };
    outage.rooms.push(room.name);
    if (room.failing_since && (!outage.since || Date.parse(room.failing_since) < Date.parse(outage.since))) {
      outage.since = room.failing_since;
    }
    bySide.set(room.failing_side, outage);
  }
  return [...bySide.values()].sort((a, b) => b.rooms.length - a.rooms.length);
}

export interface ErrorGroup {
  message: string;
  rooms: string[];
}

/**
 * A room's error without what names the room itself (its resource id, its mailbox), so the same
 * failure in every room reads as one message.
 */
export function sharedWords(room: Pick<RoomView, 'last_error' | 'resource_id' | 'mailbox'>): string {
  let message = room.last_error ?? '';
  for (const own of [room.mailbox, room.resource_id]) {
    if (!own) continue;
    // Only as a whole word: a resource called "12" leaves "12:00" alone.
    const escaped = own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    message = message.replace(new RegExp(`(?<![\\w@.-])${escaped}(?![\\w@-]|[.:]\\w)`, 'g'), '…');
  }
  return message;
}

/** Failing rooms grouped by the same message, largest group first; one room alone is a group too. */
export function errorGroups(rooms: readonly RoomView[]): ErrorGroup[] {
  const byMessage = new Map<string, string[]>();
  for (const room of rooms) {
    if (room.status !== 'failing' || !room.last_error) continue;
    const message = sharedWords(room);
    const names = byMessage.get(message) ?? [];
    names.push(room.name);
    byMessage.set(message, names);
  }
  return [...byMessage.entries()]
    .map(([message, names]) => ({ message, rooms: names }))
    .sort((a, b) => b.rooms.length - a.rooms.length || a.message.localeCompare(b.message));
}
