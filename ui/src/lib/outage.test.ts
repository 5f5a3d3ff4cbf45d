import { describe, expect, it } from 'vitest';
import { room } from '../test-fixtures';
import { errorGroups, outages, sharedWords } from './outage';

const down = 'Could not reach the booking system: connection refused';

describe('outages', () => {
  it('makes one outage per side from the failing rooms, since the earliest failure', () => {
    const rooms = [
      room('a', { status: 'failing', failing_side: 'booking', failing_since: '2026-03-01T10:05:00Z', last_error: down }),
      room('b', { status: 'failing', failing_side: 'booking', failing_since: '2026-03-01T10:02:00Z', last_error: down }),
      room('c', { status: 'failing', failing_side: 'calendar', failing_since: '2026-03-01T11:00:00Z', last_error: 'x' }),
      room('d', { status: 'in_sync' }),
      room('e', { status: 'paused', failing_side: 'booking', failing_since: '2026-03-01T09:00:00Z' }),
    ];
    expect(outages(rooms)).toEqual([
      { side: 'booking', since: '2026-03-01T10:02:00Z', rooms: [rooms[0]!.name, rooms[1]!.name] },
      { side: 'calendar', since: '2026-03-01T11:00:00Z', rooms: [rooms[2]!.name] },
    ]);
    expect(outages([room('d', { status: 'in_sync' })])).toEqual([]);
  });

  it('groups the same failure in several rooms even where each message names its room', () => {
    const reading = (r: string) => `Could not reach the booking system while reading the changes of res-${r}: retrying.`;
    const rooms = [
      room('a', { status: 'failing', resource_id: 'res-a', last_error: reading('a') }),
      room('b', { status: 'failing', resource_id: 'res-b', last_error: reading('b') }),
    ];
    expect(errorGroups(rooms)).toEqual([
      {
        message: 'Could not reach the booking system while reading the changes of …: retrying.',
        rooms: [rooms[0]!.name, rooms[1]!.name],
      },
    ]);
  });

  it('takes out only whole words that name the room', () => {
    expect(
      sharedWords({ last_error: 'Resource 12 failed at 12:00 and 120 (12).', resource_id: '12', mailbox: 'a@x.org' }),
    ).toBe('Resource … failed at 12:00 and 120 (…).');
  });

  it('groups rooms failing with the same words', () => {
    const rooms = [
      room('a', { status: 'failing', last_error: down }),
      room('b', { status: 'failing', last_error: down }),
      room('c', { status: 'failing', last_error: 'RoomBridge\u2019s database: disk full' }),
      room('d', { status: 'in_sync', last_error: null }),
    ];
    expect(errorGroups(rooms)).toEqual([
      { message: down, rooms: [rooms[0]!.name, rooms[1]!.name] },
      { message: 'RoomBridge\u2019s database: disk full', rooms: [rooms[2]!.name] },
    ]);
  });
});
