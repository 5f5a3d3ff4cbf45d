import { describe, expect, it } from 'vitest';
import type { CalendarItem, ItemSource } from '../backend/api';
import { addDays, assignLanes, dayList, listDays, overlapping, segmentOn, visibleHours, weekColumns, weekStart, zoned } from './roomcalendar';

const OSLO = 'Europe/Oslo';

function timed(key: string, start: string, end: string, source: ItemSource = 'event'): CalendarItem {
  return {
    key,
    content: { title: key, when: { kind: 'timed', start, end }, time_zone: OSLO, organisation: '', description: '' },
    start,
    end,
    source,
    reservation: source === 'outlook' ? null : '1',
    occurrence: null,
    covered_by: [],
    state: 'synced',
    outlook_event: null,
    conflict: null,
  };
}

function allDay(key: string, start: string, end: string): CalendarItem {
  const item = timed(key, `${start}T00:00:00Z`, `${end}T00:00:00Z`, 'closure');
  return { ...item, content: { ...item.content, when: { kind: 'all_day', start, end } } };
}

describe('dates', () => {
  it('adds days across months and years', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(dayList('2026-12-28', 3)).toEqual(['2026-12-28', '2026-12-29', '2026-12-30']);
  });

  it('starts the week on Monday', () => {
    expect(weekStart('2026-12-07')).toBe('2026-12-07'); // a Monday
    expect(weekStart('2026-12-13')).toBe('2026-12-07'); // the Sunday after
    expect(weekStart('2026-12-09')).toBe('2026-12-07');
  });

  it('reads wall-clock time in the room, summer and winter', () => {
    expect(zoned('2026-12-07T09:30:00Z', OSLO)).toEqual({ date: '2026-12-07', minutes: 10 * 60 + 30 });
    expect(zoned('2026-07-01T22:15:00Z', OSLO)).toEqual({ date: '2026-07-02', minutes: 15 });
  });
});

describe('segmentOn', () => {
  it('cuts a piece over midnight into its days', () => {
    const late = timed('late', '2026-12-07T21:00:00Z', '2026-12-08T01:00:00Z'); // 22:00–02:00 local
    expect(segmentOn(late, '2026-12-07', OSLO)).toEqual({ start: 22 * 60, end: 24 * 60 });
    expect(segmentOn(late, '2026-12-08', OSLO)).toEqual({ start: 0, end: 2 * 60 });
    expect(segmentOn(late, '2026-12-09', OSLO)).toBeNull();
  });

  it('leaves nothing on the next day for a piece that ends at midnight', () => {
    const evening = timed('evening', '2026-12-07T18:00:00Z', '2026-12-07T23:00:00Z'); // 19:00–24:00
    expect(segmentOn(evening, '2026-12-07', OSLO)).toEqual({ start: 19 * 60, end: 24 * 60 });
    expect(segmentOn(evening, '2026-12-08', OSLO)).toBeNull();
  });

  it('places a piece on the day the clocks go forward by its wall-clock times', () => {
    // 29 March 2026: 02:00 becomes 03:00 in Oslo. 01:00Z is 03:00 local.
    const morning = timed('dst', '2026-03-29T07:00:00Z', '2026-03-29T08:00:00Z');
    expect(segmentOn(morning, '2026-03-29', OSLO)).toEqual({ start: 9 * 60, end: 10 * 60 });
  });
});

describe('assignLanes', () => {
  it('puts a double booking side by side and leaves a lone piece full width', () => {
    const laid = assignLanes([
      { id: 'a', start: 600, end: 720 },
      { id: 'b', start: 660, end: 780 },
      { id: 'c', start: 900, end: 960 },
    ]);
    const by = Object.fromEntries(laid.map((p) => [p.id, [p.lane, p.lanes]]));
    expect(by).toEqual({ a: [0, 2], b: [1, 2], c: [0, 1] });
  });

  it('reuses a lane freed inside one group', () => {
    const laid = assignLanes([
      { id: 'long', start: 0, end: 300 },
      { id: 'first', start: 0, end: 100 },
      { id: 'then', start: 100, end: 200 },
    ]);
    const by = Object.fromEntries(laid.map((p) => [p.id, [p.lane, p.lanes]]));
    expect(by).toEqual({ long: [0, 2], first: [1, 2], then: [1, 2] });
  });
});

describe('weekColumns', () => {
  const items = [
    timed('talk', '2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z'), // 10–12
    timed('meeting', '2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z', 'outlook'), // 11–12
    allDay('closed', '2026-12-08', '2026-12-10'),
  ];
  const dates = dayList('2026-12-07', 3);

  it('places pieces by hour within the hours shown', () => {
    const hours = visibleHours(items, dates, OSLO);
    expect(hours).toEqual({ first: 7, last: 22 });
    const [monday] = weekColumns(items, dates, OSLO, hours);
    const talk = monday!.timed.find((p) => p.item.key === 'talk')!;
    // 15 hours shown; 10:00 is 3 hours in (20 %), two hours long (13.3 %).
    expect(talk.top).toBeCloseTo(20);
    expect(talk.height).toBeCloseTo(13.333, 2);
    expect([talk.lane, talk.lanes]).toEqual([0, 2]);
  });

  it('puts all-day pieces on each day they cover, end date excluded', () => {
    const columns = weekColumns(items, dates, OSLO, { first: 7, last: 22 });
    expect(columns.map((c) => c.allDay.map((i) => i.key))).toEqual([[], ['closed'], ['closed']]);
  });

  it('widens the hours for an early piece', () => {
    const early = [timed('early', '2026-12-07T04:30:00Z', '2026-12-07T06:00:00Z')]; // 05:30–07:00
    expect(visibleHours(early, dates, OSLO)).toEqual({ first: 5, last: 22 });
  });
});

describe('listDays and overlapping', () => {
  it('lists only days with something, all-day first', () => {
    const items = [timed('a', '2026-12-08T09:00:00Z', '2026-12-08T10:00:00Z'), allDay('closed', '2026-12-08', '2026-12-09')];
    expect(listDays(items, dayList('2026-12-07', 3), OSLO)).toEqual([{ date: '2026-12-08', items: [items[1], items[0]] }]);
  });

  it('finds the pieces that hold the room twice', () => {
    const items = [
      timed('talk', '2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z'),
      timed('meeting', '2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z', 'outlook'),
      timed('after', '2026-12-07T11:00:00Z', '2026-12-07T12:00:00Z'),
    ];
    expect([...overlapping(items)].sort()).toEqual(['meeting', 'talk']);
  });
});
