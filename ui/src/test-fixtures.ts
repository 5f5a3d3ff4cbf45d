// Builders for unit tests: a valid RoomView / HistoryEntry with only the interesting fields given.
import type { HistoryEntry, RoomView } from './backend/types';

export function room(id: string, patch: Partial<RoomView> = {}): RoomView {
  return {
    id,
    name: `Room ${id}`,
    kind: 'room',
    mailbox: `${id}@example.org`,
    resource_id: `res-${id}`,
    time_zone: 'Europe/Oslo',
    paused: false,
    status: 'idle',
    last_cycle_at: null,
    last_ok_at: null,
    last_error: null,
    held_deletions: 0,
    counts: { links: 0, conflicts: 0, failed: 0 },
    ...patch,
  };
}

export function entry(seq: number, patch: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    seq,
    at: new Date(Date.UTC(2026, 10, 21, 10, 0, seq)).toISOString(),
    room_id: 'a',
    room_name: 'Room a',
    cycle: 1,
    kind: 'create_event',
    side: 'calendar',
    outcome: 'ok',
    title: `Entry ${seq}`,
    detail: '',
    ...patch,
  };
}
