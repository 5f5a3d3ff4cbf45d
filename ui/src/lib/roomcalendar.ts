import type { CalendarItem } from '../backend/api';

/**
 * The room page's week and list: where each piece of a room's calendar goes, in the room's own
 * zone (wall-clock times, so a DST day still runs from 00:00 to 24:00 on screen).
 */

const MINUTES_PER_DAY = 24 * 60;

/** Wall-clock parts of an instant in `timeZone`: its local date and minutes since midnight. */
export function zoned(iso: string, timeZone: string): { date: string; minutes: number } {
  const [date = '', clock = '00:00'] = wallClock(iso, timeZone).split('T');
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return { date, minutes: hours * 60 + minutes };
}

/**
 * `iso` as the wall clock in `timeZone` reads it, `2026-12-01T18:30` ('' for no instant). Only
 * the numeric parts are read, in Latin digits, so no language is involved; an unknown zone
 * reads UTC, as `iso` itself would.
 */
export function wallClock(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    numberingSystem: 'latn',
  };
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', { ...options, timeZone });
  } catch {
    format = new Intl.DateTimeFormat('en-CA', { ...options, timeZone: 'UTC' });
  }
  const parts = format.formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

/** `date` (`YYYY-MM-DD`) moved by `n` days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + n)).toISOString().slice(0, 10);
}

/** The Monday on or before `date`. */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/** The dates from `from`, `days` of them. */
export function dayList(from: string, days: number): string[] {
  return Array.from({ length: days }, (_, i) => addDays(from, i));
}

/** The part of `item` that falls on `date`, as minutes since that day's local midnight. */
export function segmentOn(item: CalendarItem, date: string, timeZone: string): { start: number; end: number } | null {
  if (item.content.when.kind === 'all_day') return null;
  const start = zoned(item.start, timeZone);
  const end = zoned(item.end, timeZone);
  const from = start.date < date ? 0 : start.date === date ? start.minutes : null;
  const to = end.date > date ? MINUTES_PER_DAY : end.date === date ? end.minutes : null;
  if (from === null || to === null || to <= from) return null;
  return { start: from, end: to };
}

/** Whether all-day `item` covers `date` (its end date is exclusive). */
export function coversDay(item: CalendarItem, date: string): boolean {
  const when = item.content.when;
  return when.kind === 'all_day' && when.start <= date && date < when.end;
}

/** A timed piece placed in its day: `top`/`height` in % of the hours shown, and its lane. */
export interface Placed {
  item: CalendarItem;
  start: number;
  end: number;
  top: number;
  height: number;
  /** Side by side with what it overlaps: its lane, of `lanes`. */
  lane: number;
  lanes: number;
}

export interface DayColumn {
  date: string;
  allDay: CalendarItem[];
  timed: Placed[];
}

/** The hours a week shows: 07–22, widened to the whole hours its pieces need. */
export function visibleHours(items: readonly CalendarItem[], dates: readonly string[], timeZone: string): { first: number; last: number } {
  let first = 7;
  let last = 22;
  for (const date of dates) {
    for (const item of items) {
      const s = segmentOn(item, date, timeZone);
      if (!s) continue;
      first = Math.min(first, Math.floor(s.start / 60));
      last = Math.max(last, Math.ceil(s.end / 60));
    }
  }
  return { first, last };
}

/**
 * Gives overlapping pieces lanes side by side: pieces that overlap one another, directly or
 * through others, share one group, and each takes the first lane free at its start.
 */
export function assignLanes<T extends { start: number; end: number }>(pieces: readonly T[]): (T & { lane: number; lanes: number })[] {
  const sorted = [...pieces].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: (T & { lane: number; lanes: number })[] = [];
  let group: (T & { lane: number; lanes: number })[] = [];
  let groupEnd = -Infinity;
  let laneEnds: number[] = [];
  const close = () => {
    const lanes = laneEnds.length;
    for (const p of group) p.lanes = lanes;
    out.push(...group);
    group = [];
    laneEnds = [];
  };
  for (const piece of sorted) {
    if (piece.start >= groupEnd) {
      close();
      groupEnd = -Infinity;
    }
    let lane = laneEnds.findIndex((end) => end <= piece.start);
    if (lane === -1) lane = laneEnds.push(piece.end) - 1;
    else laneEnds[lane] = piece.end;
    group.push({ ...piece, lane, lanes: 0 });
    groupEnd = Math.max(groupEnd, piece.end);
  }
  close();
  return out;
}

/** Each day's column: its all-day pieces, and its timed pieces placed within `hours`. */
export function weekColumns(
  items: readonly CalendarItem[],
  dates: readonly string[],
  timeZone: string,
  hours: { first: number; last: number },
): DayColumn[] {
  const span = (hours.last - hours.first) * 60;
  return dates.map((date) => {
    const pieces = items.flatMap((item) => {
      const s = segmentOn(item, date, timeZone);
      return s ? [{ item, ...s }] : [];
    });
    const timed = assignLanes(pieces).map((p) => ({
      ...p,
      top: ((p.start - hours.first * 60) / span) * 100,
      height: ((p.end - p.start) / span) * 100,
    }));
    return { date, allDay: items.filter((item) => coversDay(item, date)), timed };
  });
}

/** The list view: each day with what happens on it, by start. */
export function listDays(items: readonly CalendarItem[], dates: readonly string[], timeZone: string): { date: string; items: CalendarItem[] }[] {
  return weekColumns(items, dates, timeZone, { first: 0, last: 24 })
    .map((column) => ({
      date: column.date,
      items: [...column.allDay, ...[...column.timed].sort((a, b) => a.start - b.start).map((p) => p.item)],
    }))
    .filter((day) => day.items.length > 0);
}

/** Pieces that overlap another piece in the room (a double booking, or a conflict's meeting). */
export function overlapping(items: readonly CalendarItem[]): Set<string> {
  const timed = items
    .filter((i) => i.content.when.kind === 'timed')
    .map((i) => ({ key: i.key, start: Date.parse(i.start), end: Date.parse(i.end) }))
    .sort((a, b) => a.start - b.start);
  const out = new Set<string>();
  for (let i = 0; i < timed.length; i++) {
    for (let j = i + 1; j < timed.length && timed[j]!.start < timed[i]!.end; j++) {
      // The booking system's pieces never overlap one another (the higher level cuts the
      // lower), and an Outlook event that shows one is the same item: any overlap here is the
      // room held twice.
      out.add(timed[i]!.key);
      out.add(timed[j]!.key);
    }
  }
  return out;
}
