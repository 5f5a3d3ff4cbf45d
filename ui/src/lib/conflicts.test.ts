import { afterEach, describe, expect, it } from 'vitest';
import type { ContentView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import {
  conflictRooms,
  conflictsInRoom,
  differingFields,
  fieldLabel,
  fieldValue,
  formatClockRange,
  formatWhen,
  tickLabel,
} from './conflicts';

const base: ContentView = {
  title: 'School concert',
  when: { kind: 'timed', start: '2026-11-26T17:00:00Z', end: '2026-11-26T19:00:00Z' },
  time_zone: 'Europe/Oslo',
  organisation: 'Nordvik School Band',
  description: 'Doors 18:30',
};

describe('differingFields', () => {
  it('highlights the fields whose values differ', () => {
    const calendar = { ...base, title: 'School concert (moved)', when: { ...base.when, end: '2026-11-26T19:30:00Z' } };
    expect([...differingFields([], base, calendar)].sort()).toEqual(['title', 'when']);
  });

  it('maps the engine field names onto the rows shown', () => {
    expect([...differingFields(['start', 'organizer', 'body'], base, base)].sort()).toEqual([
      'description',
      'organisation',
      'when',
    ]);
  });

  it('uses only the named fields when one side is gone', () => {
    expect([...differingFields(['description'], base, null)]).toEqual(['description']);
    expect(differingFields([], null, base).size).toBe(0);
  });

  it('ignores names it cannot show', () => {
    expect(differingFields(['etag'], base, base).size).toBe(0);
  });
});

describe('formatWhen', () => {
  afterEach(() => setLang('en'));

  it('shows timed reservations in their own zone', () => {
    expect(formatWhen(base.when, 'Europe/Oslo')).toBe('Thu, 26 Nov 2026, 18:00–20:00');
    expect(formatWhen(base.when, 'UTC')).toBe('Thu, 26 Nov 2026, 17:00–19:00');
  });

  it('shows both days when a reservation crosses midnight', () => {
    const when = { kind: 'timed' as const, start: '2026-12-31T21:00:00Z', end: '2027-01-01T01:00:00Z' };
    expect(formatWhen(when, 'Europe/Oslo')).toBe('Thu, 31 Dec 2026, 22:00 – Fri, 1 Jan 2027, 02:00');
  });

  it('keeps all-day dates whatever the zone, with the exclusive end shown inclusively', () => {
    expect(formatWhen({ kind: 'all_day', start: '2026-12-02', end: '2026-12-03' }, 'Pacific/Auckland')).toBe(
      'Wed, 2 Dec 2026, all day',
    );
    expect(formatWhen({ kind: 'all_day', start: '2026-12-02', end: '2026-12-05' }, 'America/Los_Angeles')).toBe(
      'Wed, 2 Dec 2026 – Fri, 4 Dec 2026, all day',
    );
  });

  it('falls back to UTC for a zone it does not know', () => {
    expect(formatWhen(base.when, 'Not/AZone')).toBe('Thu, 26 Nov 2026, 17:00–19:00');
  });

  it('formats a field of a version', () => {
    expect(fieldValue(base, 'when')).toBe('Thu, 26 Nov 2026, 18:00–20:00');
    expect(fieldValue(base, 'organisation')).toBe('Nordvik School Band');
  });

  it('speaks bokmål when chosen', () => {
    setLang('nb');
    expect(formatWhen(base.when, 'Europe/Oslo')).toBe('tor. 26. nov. 2026 kl. 18:00–20:00');
    expect(formatWhen({ kind: 'all_day', start: '2026-12-02', end: '2026-12-03' }, 'UTC')).toBe('ons. 2. des. 2026, hele dagen');
    expect(fieldLabel('time_zone')).toBe('Tidssone');
    setLang('en');
    expect(fieldLabel('time_zone')).toBe('Time zone');
  });
});

describe('formatClockRange and tickLabel', () => {
  afterEach(() => setLang('en'));

  it('writes a stretch within one day as clock times only, and one across days with its days', () => {
    expect(formatClockRange({ kind: 'timed', start: '2026-12-17T09:00:00Z', end: '2026-12-17T09:30:00Z' }, 'Europe/Oslo')).toBe(
      '10:00–10:30',
    );
    expect(formatClockRange({ kind: 'timed', start: '2026-12-16T22:00:00Z', end: '2026-12-17T01:00:00Z' }, 'Europe/Oslo')).toBe(
      'Wed, 16 Dec 2026, 23:00 – Thu, 17 Dec 2026, 02:00',
    );
    expect(formatClockRange({ kind: 'all_day', start: '2026-12-16', end: '2026-12-17' }, 'Europe/Oslo')).toBe(
      'Wed, 16 Dec 2026, all day',
    );
    setLang('nb');
    expect(formatClockRange({ kind: 'timed', start: '2026-12-17T09:00:00Z', end: '2026-12-17T09:30:00Z' }, 'Europe/Oslo')).toBe(
      'kl. 10:00–10:30',
    );
  });

  it('labels ticks by the hour in the zone, or by the day when they are days apart', () => {
    const at = Date.parse('2026-12-16T23:00:00Z');
    expect(tickLabel(at, 1, 'Europe/Oslo')).toBe('00:00');
    expect(tickLabel(at, 1, 'UTC')).toBe('23:00');
    expect(tickLabel(at, 24, 'Europe/Oslo')).toBe('Thu 17');
    setLang('nb');
    expect(tickLabel(at, 24, 'Europe/Oslo')).toBe('tor. 17.');
  });
});

describe('the room filter', () => {
  const c = (id: number, room_id: string, room_name: string) => ({ id, room_id, room_name });
  const CONFLICTS = [c(1, 'r2', 'Kulturhuset'), c(2, 'r1', 'Åsen gymsal'), c(3, 'r2', 'Kulturhuset'), c(4, 'r3', 'Bibliotek')];

  it('offers only the rooms with conflicts, by name, with their counts', () => {
    expect(conflictRooms(CONFLICTS, new Intl.Collator('nb'))).toEqual([
      { id: 'r3', name: 'Bibliotek', count: 1 },
      { id: 'r2', name: 'Kulturhuset', count: 2 },
      // Å is the last letter of the Norwegian alphabet.
      { id: 'r1', name: 'Åsen gymsal', count: 1 },
    ]);
    expect(conflictRooms([])).toEqual([]);
  });

  it('shows one room, or every conflict', () => {
    expect(conflictsInRoom(CONFLICTS, 'r2').map((x) => x.id)).toEqual([1, 3]);
    expect(conflictsInRoom(CONFLICTS, '').map((x) => x.id)).toEqual([1, 2, 3, 4]);
    expect(conflictsInRoom(CONFLICTS, 'gone')).toEqual([]);
  });
});
