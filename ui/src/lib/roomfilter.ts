// The Rooms screen's search and status filter: which rooms a facility manager sees when they
// type part of a name, a mailbox or a booking resource id, and pick a status.

import type { RoomStatus, RoomView } from '../backend/types';

/** The statuses in the order the screen lists them: what needs attention first. */
export const STATUS_ORDER: readonly RoomStatus[] = [
  'failing',
  'waiting_for_approval',
  'conflicts',
  'syncing',
  'in_sync',
  'idle',
  'paused',
];

/** `all`, or one status. */
export type StatusFilter = RoomStatus | 'all';

export interface RoomFilter {
  /** As typed. */
  query: string;
  status: StatusFilter;
}

export const NO_ROOM_FILTER: RoomFilter = { query: '', status: 'all' };

/** Letters that do not come apart into a base letter and a mark (Ø, Æ), written as typed without them. */
const UNFOLDED: Record<string, string> = { ø: 'o', æ: 'ae', đ: 'd', ł: 'l', ß: 'ss' };

/**
 * Text as the search compares it: lower case, without accents, and with the Norwegian letters a
 * keyboard without them types ("Åsen" → "asen", "Sørli" → "sorli", "Bærum" → "baerum").
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øæđłß]/g, (c) => UNFOLDED[c] ?? c);
}

/** Whether the room's name, mailbox or booking resource id contains every word of `query`. */
export function matchesQuery(room: Pick<RoomView, 'name' | 'mailbox' | 'resource_id'>, query: string): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fold(`${room.name}\n${room.mailbox}\n${room.resource_id}`);
  return words.every((w) => haystack.includes(w));
}

/** The rooms the search and the status filter let through, in their order. */
export function filterRooms<R extends Pick<RoomView, 'name' | 'mailbox' | 'resource_id' | 'status'>>(
  rooms: readonly R[],
  filter: RoomFilter,
): R[] {
  return rooms.filter((r) => (filter.status === 'all' || r.status === filter.status) && matchesQuery(r, filter.query));
}

/** Whether the filter hides anything at all (a query of spaces does not). */
export function isFiltering(filter: RoomFilter): boolean {
  return filter.status !== 'all' || filter.query.trim() !== '';
}

/**
 * The statuses the status filter offers: those some room has now, each with its count, in
 * `STATUS_ORDER`. The chosen one stays offered (with 0) after its last room leaves it, so that
 * the filter never shows a choice it does not have.
 */
export function statusCounts(
  rooms: readonly Pick<RoomView, 'status'>[],
  chosen: StatusFilter = 'all',
): Array<{ status: RoomStatus; count: number }> {
  return STATUS_ORDER.map((status) => ({ status, count: rooms.filter((r) => r.status === status).length })).filter(
    (s) => s.count > 0 || s.status === chosen,
  );
}
