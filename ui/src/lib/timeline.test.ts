import { describe, expect, it } from 'vitest';
import type { When } from '../backend/types';
import { hourTicks, startOfDate, timeline, whenSpan, zoneOffset } from './timeline';

const HOUR = 3_600_000;
const timed = (start: string, end: string): When => ({ kind: 'timed', start, end });
const allDay = (start: string, end: string): When => ({ kind: 'all_day', start, end });
const iso = (ms: number) => new Date(ms).toISOString();
/** The tick's wall-clock time in the zone, "HH:MM". */
const clock = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

describe('timeline', () => {
  it('places 09:00–11:00 against 10:00–12:00 with the overlap 10:00–11:00 and whole-hour ticks', () => {
    // Oslo in November is UTC+1: 09:00–11:00 local is 08:00Z–10:00Z.
    const line = timeline(
      timed('2026-11-24T08:00:00Z', '2026-11-24T10:00:00Z'),
      timed('2026-11-24T09:00:00Z', '2026-11-24T11:00:00Z'),
      'Europe/Oslo',
    )!;
    // Half an hour either side: 08:30–12:30 local, four hours.
    expect(iso(line.from)).toBe('2026-11-24T07:30:00.000Z');
    expect(iso(line.to)).toBe('2026-11-24T11:30:00.000Z');
    expect(line.booking).toMatchObject({ left: 12.5, width: 50 });
    expect(line.calendar).toMatchObject({ left: 37.5, width: 50 });
    expect(line.overlap).toMatchObject({ left: 37.5, width: 25 });
    expect(line.overlapWhen).toEqual(timed('2026-11-24T09:00:00.000Z', '2026-11-24T10:00:00.000Z'));
    expect(line.stepHours).toBe(1);
    expect(line.ticks.map((t) => clock(t.at, 'Europe/Oslo'))).toEqual(['09:00', '10:00', '11:00', '12:00']);
    expect(line.ticks.map((t) => t.pos)).toEqual([12.5, 37.5, 62.5, 87.5]);
  });

  it('puts the ticks on the zone’s whole hours, not UTC’s', () => {
    // India is UTC+5:30: its whole hours fall at half past in UTC.
    const line = timeline(
      timed('2026-11-24T04:30:00Z', '2026-11-24T06:30:00Z'),
      timed('2026-11-24T05:30:00Z', '2026-11-24T07:30:00Z'),
      'Asia/Kolkata',
    )!;
    expect(line.ticks.map((t) => iso(t.at))).toEqual([
      '2026-11-24T04:30:00.000Z',
      '2026-11-24T05:30:00.000Z',
      '2026-11-24T06:30:00.000Z',
      '2026-11-24T07:30:00.000Z',
    ]);
    expect(line.ticks.map((t) => clock(t.at, 'Asia/Kolkata'))).toEqual(['10:00', '11:00', '12:00', '13:00']);
  });

  it('has no overlap when one ends as the other begins', () => {
    const line = timeline(
      timed('2026-11-24T08:00:00Z', '2026-11-24T09:00:00Z'),
      timed('2026-11-24T09:00:00Z', '2026-11-24T10:00:00Z'),
      'Europe/Oslo',
    )!;
    expect(line.overlap).toBeNull();
    expect(line.overlapWhen).toBeNull();
    expect(line.booking!.left + line.booking!.width).toBeCloseTo(line.calendar!.left, 10);
  });

  it('shows an all-day reservation as the whole local day, overlapped by a meeting in it', () => {
    // The demo's parent evening (18:00–19:30 in Oslo) in a room held all day by a training day.
    const line = timeline(
      timed('2026-12-16T17:00:00Z', '2026-12-16T18:30:00Z'),
      allDay('2026-12-16', '2026-12-17'),
      'Europe/Oslo',
    )!;
    // The day is 00:00–24:00 in Oslo (23:00Z–23:00Z); three hours either side, 30 hours in all.
    expect(line.calendar).toMatchObject({ start: Date.parse('2026-12-15T23:00:00Z'), end: Date.parse('2026-12-16T23:00:00Z') });
    expect(line.calendar!.left).toBeCloseTo(10, 10);
    expect(line.calendar!.width).toBeCloseTo(80, 10);
    expect(line.booking!.left).toBeCloseTo((21 / 30) * 100, 10);
    expect(line.booking!.width).toBeCloseTo(5, 10);
    expect(line.overlap).toMatchObject({ left: line.booking!.left, width: line.booking!.width });
    expect(line.overlapWhen).toEqual(timed('2026-12-16T17:00:00.000Z', '2026-12-16T18:30:00.000Z'));
    // Thirty hours: a tick every four, from midnight to midnight.
    expect(line.stepHours).toBe(4);
    expect(line.ticks.map((t) => clock(t.at, 'Europe/Oslo'))).toEqual([
      '00:00',
      '04:00',
      '08:00',
      '12:00',
      '16:00',
      '20:00',
      '00:00',
    ]);
    expect(line.ticks[0]!.pos).toBeCloseTo(10, 10);
    expect(line.ticks.at(-1)!.pos).toBeCloseTo(90, 10);
  });

  it('overlaps two all-day reservations by whole dates', () => {
    const line = timeline(allDay('2026-12-14', '2026-12-17'), allDay('2026-12-16', '2026-12-19'), 'Europe/Oslo')!;
    expect(line.overlapWhen).toEqual(allDay('2026-12-16', '2026-12-17'));
    expect(line.overlap!.end - line.overlap!.start).toBe(24 * HOUR);
    // Five days and a bit: ticks at midnight, a day apart.
    expect(line.stepHours).toBe(24);
    expect(line.ticks.map((t) => iso(t.at))).toEqual([
      '2026-12-13T23:00:00.000Z',
      '2026-12-14T23:00:00.000Z',
      '2026-12-15T23:00:00.000Z',
      '2026-12-16T23:00:00.000Z',
      '2026-12-17T23:00:00.000Z',
      '2026-12-18T23:00:00.000Z',
    ]);
  });

  it('follows the clock across the spring DST change in Oslo (a 23-hour day)', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00Z.
    const line = timeline(allDay('2026-03-29', '2026-03-30'), timed('2026-03-29T08:00:00Z', '2026-03-29T09:00:00Z'), 'Europe/Oslo')!;
    expect(line.booking).toMatchObject({ start: Date.parse('2026-03-28T23:00:00Z'), end: Date.parse('2026-03-29T22:00:00Z') });
    expect(line.stepHours).toBe(4);
    // Local 00:00 is 23:00Z, local 04:00 (CEST) is 02:00Z: a UTC step would land on 03:00Z.
    expect(line.ticks.map((t) => iso(t.at))).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T06:00:00.000Z',
      '2026-03-29T10:00:00.000Z',
      '2026-03-29T14:00:00.000Z',
      '2026-03-29T18:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    const span = line.to - line.from;
    expect(line.ticks[1]!.pos).toBeCloseTo(((Date.parse('2026-03-29T02:00:00Z') - line.from) / span) * 100, 10);
  });

  it('ticks every local hour through the night the clocks go forward, and through the repeated hour in autumn', () => {
    const spring = hourTicks(Date.parse('2026-03-28T23:30:00Z'), Date.parse('2026-03-29T02:30:00Z'), 1, 'Europe/Oslo');
    expect(spring.map((t) => clock(t, 'Europe/Oslo'))).toEqual(['01:00', '03:00', '04:00']);
    // 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00 comes twice.
    const autumn = hourTicks(Date.parse('2026-10-24T23:30:00Z'), Date.parse('2026-10-25T02:30:00Z'), 1, 'Europe/Oslo');
    expect(autumn.map((t) => clock(t, 'Europe/Oslo'))).toEqual(['02:00', '02:00', '03:00']);
    expect(autumn.map(iso)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('shows one side alone when the other is missing, with no overlap', () => {
    const line = timeline(null, timed('2026-11-24T09:00:00Z', '2026-11-24T11:00:00Z'), 'Europe/Oslo')!;
    expect(line.booking).toBeNull();
    // Half an hour either side of two hours: 30 of 180 minutes before it.
    expect(line.calendar!.left).toBeCloseTo(100 / 6, 10);
    expect(line.calendar!.width).toBeCloseTo(200 / 3, 10);
    expect(line.overlap).toBeNull();
    expect(timeline(null, null, 'Europe/Oslo')).toBeNull();
    expect(timeline(timed('soon', 'later'), null, 'Europe/Oslo')).toBeNull();
  });

  it('keeps the ticks few enough to label at 720 px', () => {
    for (const hours of [1, 3, 7, 13, 30, 80, 400]) {
      const start = Date.parse('2026-11-24T08:00:00Z');
      const line = timeline(timed(iso(start), iso(start + hours * HOUR)), null, 'Europe/Oslo')!;
      expect(line.ticks.length, `${hours} h`).toBeLessThanOrEqual(8);
      expect(line.ticks.length, `${hours} h`).toBeGreaterThanOrEqual(2);
      for (const t of line.ticks) {
        expect(t.pos).toBeGreaterThanOrEqual(0);
        expect(t.pos).toBeLessThanOrEqual(100);
      }
    }
  });
});

describe('zones', () => {
  it('knows the offset on either side of a DST change', () => {
    expect(zoneOffset(Date.parse('2026-03-29T00:59:00Z'), 'Europe/Oslo')).toBe(HOUR);
    expect(zoneOffset(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Oslo')).toBe(2 * HOUR);
    expect(zoneOffset(Date.parse('2026-11-24T12:00:00.250Z'), 'America/New_York')).toBe(-5 * HOUR);
  });

  it('starts a date at the zone’s midnight, and an unknown zone at UTC’s', () => {
    expect(iso(startOfDate('2026-07-01', 'Europe/Oslo'))).toBe('2026-06-30T22:00:00.000Z');
    expect(iso(startOfDate('2026-12-02', 'Pacific/Auckland'))).toBe('2026-12-01T11:00:00.000Z');
    expect(iso(startOfDate('2026-12-02', 'Not/AZone'))).toBe('2026-12-02T00:00:00.000Z');
    // The autumn change makes 25 October 2026 25 hours long in Oslo.
    const day = whenSpan(allDay('2026-10-25', '2026-10-26'), 'Europe/Oslo')!;
    expect((day.end - day.start) / HOUR).toBe(25);
  });
});
