// The geometry of a double booking's time line: where the two reservations and their overlap sit
// on a horizontal axis, in percent of its width, and where its hour ticks fall. Pure: times in,
// numbers out; the card turns them into words in the current language.
import type { When } from '../backend/types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An instant range in milliseconds since the epoch, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** A span placed on the axis: `left` and `width` in percent of the axis (0–100). */
export interface Placed extends Span {
  left: number;
  width: number;
}

/** A tick at a whole hour of the zone (or, when they are a day or more apart, at midnight). */
export interface Tick {
  at: number;
  /** Percent of the axis. */
  pos: number;
}

export interface Timeline {
  /** The axis: a little before the earlier start to a little after the later end. */
  from: number;
  to: number;
  booking: Placed | null;
  calendar: Placed | null;
  /** Where both hold the room; `null` when they do not overlap (or one side is missing). */
  overlap: Placed | null;
  /** The overlap as a `When`: whole dates when both are all-day, instants otherwise. */
  overlapWhen: When | null;
  ticks: Tick[];
  /** Hours between ticks: 1, 2, 3, 4, 6, 12, or whole days (24, 48, …). */
  stepHours: number;
}

/** Hours between ticks that read well on a clock; a day or more goes by whole days. */
const STEPS = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168];

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(zone: string): Intl.DateTimeFormat {
  let fmt = offsetFormats.get(zone);
  if (!fmt) {
    const options: Intl.DateTimeFormatOptions = {
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      numberingSystem: 'latn',
    };
    try {
      fmt = new Intl.DateTimeFormat('en-US', { ...options, timeZone: zone });
    } catch {
      // An unknown zone name: UTC, as the card's other times do.
      fmt = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    offsetFormats.set(zone, fmt);
  }
  return fmt;
}

/** How far `zone`'s clocks are ahead of UTC at instant `ms`, in milliseconds. */
export function zoneOffset(ms: number, zone: string): number {
  const parts = offsetFormat(zone).formatToParts(ms);
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a `YYYY-MM-DD` date begins in `zone`. */
export function startOfDate(date: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  const guess = wall - zoneOffset(wall, zone);
  return wall - zoneOffset(guess, zone);
}

/** When a reservation holds the room, as instants; all-day dates are whole days of `zone`. */
export function whenSpan(when: When, zone: string): Span | null {
  const start = when.kind === 'all_day' ? startOfDate(when.start, zone) : Date.parse(when.start);
  const end = when.kind === 'all_day' ? startOfDate(when.end, zone) : Date.parse(when.end);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return null;
  return { start, end };
}

function overlapWhenOf(booking: When, calendar: When, span: Span): When {
  if (booking.kind === 'all_day' && calendar.kind === 'all_day') {
    const start = booking.start > calendar.start ? booking.start : calendar.start;
    const end = booking.end < calendar.end ? booking.end : calendar.end;
    return { kind: 'all_day', start, end };
  }
  return { kind: 'timed', start: new Date(span.start).toISOString(), end: new Date(span.end).toISOString() };
}

/** The whole local hours (or midnights, for steps of a day or more) of `zone` in [from, to]. */
export function hourTicks(from: number, to: number, stepHours: number, zone: string): number[] {
  const ticks: number[] = [];
  const quarter = 15 * MINUTE;
  let hour = NaN;
  let offset = 0;
  // Walks the quarter hours (every zone's offset is a whole number of them) and keeps the ones
  // whose local time is on the step: across a DST change the hours are the clock's, not UTC's.
  for (let at = Math.ceil(from / quarter) * quarter; at <= to; at += quarter) {
    if (Math.floor(at / HOUR) !== hour) {
      hour = Math.floor(at / HOUR);
      offset = zoneOffset(at, zone);
    }
    const local = at + offset;
    const localMinutes = Math.round((((local % DAY) + DAY) % DAY) / MINUTE);
    if (localMinutes % 60 !== 0) continue;
    const localHour = localMinutes / 60;
    if (stepHours < 24 ? localHour % stepHours === 0 : localHour === 0 && Math.round(local / DAY) % (stepHours / 24) === 0) {
      ticks.push(at);
    }
  }
  return ticks;
}

export interface TimelineOptions {
  /** At most this many ticks (default 8: room for their labels at 720 px). */
  maxTicks?: number;
}

/**
 * The time line of a double booking in `zone`: both reservations, their overlap and the hour
 * ticks, placed on an axis from a little before the earlier start to a little after the later
 * end (half an hour, or an eighth of the whole, whichever is more). `null` when neither side has
 * times that can be read.
 */
export function timeline(
  booking: When | null,
  calendar: When | null,
  zone: string,
  { maxTicks = 8 }: TimelineOptions = {},
): Timeline | null {
  const b = booking ? whenSpan(booking, zone) : null;
  const c = calendar ? whenSpan(calendar, zone) : null;
  const spans = [b, c].filter((s): s is Span => s !== null);
  if (spans.length === 0) return null;
  const first = Math.min(...spans.map((s) => s.start));
  const last = Math.max(...spans.map((s) => s.end));
  const pad = Math.max(30 * MINUTE, (last - first) / 8);
  const from = first - pad;
  const to = last + pad;
  const hours = (to - from) / HOUR;
  const stepHours = STEPS.find((s) => hours / s <= maxTicks) ?? Math.ceil(hours / maxTicks / 24) * 24;

  const place = (s: Span): Placed => ({
    ...s,
    left: ((s.start - from) / (to - from)) * 100,
    width: ((s.end - s.start) / (to - from)) * 100,
  });
  let overlap: Placed | null = null;
  let overlapWhen: When | null = null;
  if (b && c && booking && calendar) {
    const span = { start: Math.max(b.start, c.start), end: Math.min(b.end, c.end) };
    if (span.end > span.start) {
      overlap = place(span);
      overlapWhen = overlapWhenOf(booking, calendar, span);
    }
  }
  return {
    from,
    to,
    booking: b && place(b),
    calendar: c && place(c),
    overlap,
    overlapWhen,
    ticks: hourTicks(from, to, stepHours, zone).map((at) => ({ at, pos: ((at - from) / (to - from)) * 100 })),
    stepHours,
  };
}
