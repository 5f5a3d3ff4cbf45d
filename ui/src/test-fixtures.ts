// Builders for unit tests: a valid RoomView / HistoryEntry with only the interesting fields given.
import type { ConflictView, HistoryEntry, RoomView } from './backend/types';

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
    failing_since: null,
    failing_side: null,
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
    said: null,
    ...patch,
  };
}

export function conflict(id: number, patch: Partial<ConflictView> = {}): ConflictView {
  const content = (title: string) => ({
    title,
    when: { kind: 'timed' as const, start: '2026-11-24T16:00:00Z', end: '2026-11-24T18:00:00Z' },
    time_zone: 'Europe/Oslo',
    organisation: 'Nordvik IL',
    description: '',
  });
  return {
    id,
    room_id: 'a',
    room_name: 'Room a',
    kind: 'edit',
    detected_at: new Date(Date.UTC(2026, 10, 21, 10, 0, 0)).toISOString(),
    fields: ['title'],
    booking: content('Handball training'),
    calendar: content('Handball (moved)'),
    choices: ['keep_booking', 'keep_calendar', 'merge'],
    decision: null,
    ...patch,
  };
}
