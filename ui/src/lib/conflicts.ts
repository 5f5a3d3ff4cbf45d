import type { ConflictView, ContentView, When } from '../backend/types';
import { dateFormat, t } from '../i18n/index.svelte';

/** The rows a conflict shows, in order. */
export const CONTENT_FIELDS = ['title', 'when', 'time_zone', 'organisation', 'description'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

/** A row's name in the current language. */
export function fieldLabel(field: ContentField): string {
  return t(`conflicts.field_${field}`);
}

/** Engine field names that belong to a displayed row (times are shown together as "when"). */
const ALIASES: Record<string, ContentField> = {
  title: 'title',
  subject: 'title',
  when: 'when',
  start: 'when',
  end: 'when',
  all_day: 'when',
  time: 'when',
  times: 'when',
  time_zone: 'time_zone',
  timezone: 'time_zone',
  organisation: 'organisation',
  organization: 'organisation',
  organizer: 'organisation',
  description: 'description',
  body: 'description',
};

function sameWhen(a: When, b: When): boolean {
  return a.kind === b.kind && a.start === b.start && a.end === b.end;
}

/**
 * The rows to highlight: those the engine named in `fields`, plus any whose values visibly
 * differ (so a highlight never hides a difference). With one side missing nothing is compared.
 */
export function differingFields(
  fields: readonly string[],
  booking: ContentView | null,
  calendar: ContentView | null,
): Set<ContentField> {
  const out = new Set<ContentField>();
  for (const f of fields) {
    const row = ALIASES[f.toLowerCase()];
    if (row) out.add(row);
  }
  if (booking && calendar) {
    if (booking.title !== calendar.title) out.add('title');
    if (!sameWhen(booking.when, calendar.when)) out.add('when');
    if (booking.time_zone !== calendar.time_zone) out.add('time_zone');
    if (booking.organisation !== calendar.organisation) out.add('organisation');
    if (booking.description !== calendar.description) out.add('description');
  }
  return out;
}

const DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };
const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };

/** Parses `YYYY-MM-DD` as a calendar date (UTC midnight, formatted in UTC so it never shifts). */
function dateOnly(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

/**
 * "Tue, 4 Mar 2025, 14:00–15:30" in the reservation's own zone, in the current language; all-day
 * reservations keep their dates ("Tue, 4 Mar 2025, all day"), and the exclusive end date is
 * shown inclusively. An unknown zone name shows UTC rather than nothing.
 */
export function formatWhen(when: When, timeZone: string): string {
  if (when.kind === 'all_day') {
    const fmt = dateFormat({ ...DAY, timeZone: 'UTC' });
    const start = dateOnly(when.start);
    const lastDay = dateOnly(when.end) - 24 * 3600 * 1000;
    if (lastDay <= start) return t('conflicts.when_all_day', { day: fmt.format(start) });
    return t('conflicts.when_all_days', { first: fmt.format(start), last: fmt.format(lastDay) });
  }
  const start = Date.parse(when.start);
  const end = Date.parse(when.end);
  if (Number.isNaN(start) || Number.isNaN(end)) return `${when.start} – ${when.end}`;
  const day = dateFormat({ ...DAY, timeZone });
  const clock = dateFormat({ ...CLOCK, timeZone });
  if (day.format(start) === day.format(end)) {
    return t('conflicts.when_one_day', { day: day.format(start), start: clock.format(start), end: clock.format(end) });
  }
  return t('conflicts.when_days', {
    start_day: day.format(start),
    start: clock.format(start),
    end_day: day.format(end),
    end: clock.format(end),
  });
}

/**
 * A stretch of time in few words: "10:00–10:30" ("kl. 10:00–10:30") when it starts and ends on
 * the same day of `timeZone`; otherwise with its days, as `formatWhen` writes it.
 */
export function formatClockRange(when: When, timeZone: string): string {
  if (when.kind === 'timed') {
    const start = Date.parse(when.start);
    const end = Date.parse(when.end);
    const day = dateFormat({ ...DAY, timeZone });
    if (!Number.isNaN(start) && !Number.isNaN(end) && day.format(start) === day.format(end)) {
      const clock = dateFormat({ ...CLOCK, timeZone });
      return t('conflicts.clock_range', { start: clock.format(start), end: clock.format(end) });
    }
  }
  return formatWhen(when, timeZone);
}

const TICK_DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric' };

/** A time line tick's label: its hour ("14:00"), or its day ("Wed 16") when ticks are days apart. */
export function tickLabel(at: number, stepHours: number, timeZone: string): string {
  return dateFormat({ ...(stepHours >= 24 ? TICK_DAY : CLOCK), timeZone }).format(at);
}

export function fieldValue(content: ContentView, field: ContentField): string {
  switch (field) {
    case 'title':
      return content.title;
    case 'when':
      return formatWhen(content.when, content.time_zone);
    case 'time_zone':
      return content.time_zone;
    case 'organisation':
      return content.organisation;
    case 'description':
      return content.description;
  }
}

/** A room the Conflicts screen's room filter offers: one with conflicts, and how many. */
export interface ConflictRoom {
  id: string;
  name: string;
  count: number;
}

/** The rooms that have conflicts, each with its count, by name (in the language's order). */
export function conflictRooms(
  conflicts: readonly Pick<ConflictView, 'room_id' | 'room_name'>[],
  collator: Intl.Collator = new Intl.Collator(),
): ConflictRoom[] {
  const rooms = new Map<string, ConflictRoom>();
  for (const c of conflicts) {
    const room = rooms.get(c.room_id);
    if (room) room.count += 1;
    else rooms.set(c.room_id, { id: c.room_id, name: c.room_name, count: 1 });
  }
  return [...rooms.values()].sort((a, b) => collator.compare(a.name, b.name) || a.id.localeCompare(b.id));
}

/** The conflicts of one room, or all of them when `roomId` is empty. */
export function conflictsInRoom<C extends Pick<ConflictView, 'room_id'>>(conflicts: readonly C[], roomId: string): C[] {
  return roomId === '' ? [...conflicts] : conflicts.filter((c) => c.room_id === roomId);
}
