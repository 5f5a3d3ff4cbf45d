import type {
  ConflictChoice,
  ConflictView,
  DecisionRequest,
  FieldOwnership,
  MoveRequest,
  Side,
} from '../backend/types';
import { formatWhen } from './conflicts';

/** Button labels, in the order they are offered. */
export const CHOICE_LABELS: Record<ConflictChoice, string> = {
  keep_booking: 'Keep booking',
  keep_calendar: 'Keep Outlook',
  merge: 'Merge',
  move: 'Keep both',
};

const ORDER: ConflictChoice[] = ['keep_booking', 'keep_calendar', 'merge', 'move'];

/** Exactly the choices the conflict allows, in a stable order; unknown names are dropped. */
export function allowedChoices(conflict: Pick<ConflictView, 'choices'>): ConflictChoice[] {
  return ORDER.filter((c) => conflict.choices.includes(c));
}

/** The field groups a merge picks a side for. */
export const MERGE_GROUPS = [
  { key: 'times', label: 'Times' },
  { key: 'title', label: 'Title' },
  { key: 'details', label: 'Details (organisation, description)' },
] as const satisfies readonly { key: keyof FieldOwnership; label: string }[];

/**
 * The merge a conflict starts from: each group from the booking system, except the title and
 * details when only Outlook's differ there (the usual reason to merge is an Outlook retitle).
 */
export function initialMerge(differing: ReadonlySet<string>): FieldOwnership {
  const calendarIf = (changed: boolean): Side => (changed ? 'calendar' : 'booking');
  return {
    times: 'booking',
    title: calendarIf(differing.has('title')),
    details: calendarIf(differing.has('organisation') || differing.has('description')),
  };
}

/** The request for a choice; a merge carries its field sides, a move its side and times. */
export function decisionRequest(
  choice: ConflictChoice,
  reason: string,
  merge?: FieldOwnership,
  move?: MoveRequest,
): DecisionRequest {
  const request: DecisionRequest = { choice, reason: reason.trim() };
  if (choice === 'merge') request.merge = merge ?? { times: 'booking', title: 'booking', details: 'booking' };
  if (choice === 'move' && move) request.move = { ...move };
  return request;
}

/** The zone a conflict's times are read and typed in: the reservation's, else the meeting's. */
export function conflictZone(conflict: Pick<ConflictView, 'booking' | 'calendar'>): string {
  return conflict.booking?.time_zone || conflict.calendar?.time_zone || 'UTC';
}

/** `iso` as the value of a `datetime-local` input in `timeZone`: `2026-12-01T18:30`. */
export function localInput(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(t);
  } catch {
    return iso.slice(0, 16);
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

/**
 * Where a move of `side` starts from: that side's current times (the reservation in the way,
 * or the meeting) as local input values. All-day reservations start at 08:00–09:00 that day.
 */
export function moveDefaults(conflict: Pick<ConflictView, 'booking' | 'calendar'>, side: Side): MoveRequest {
  const content = side === 'booking' ? conflict.booking : conflict.calendar;
  const zone = conflictZone(conflict);
  if (!content) return { side, start: '', end: '' };
  if (content.when.kind === 'all_day') {
    return { side, start: `${content.when.start}T08:00`, end: `${content.when.start}T09:00` };
  }
  return { side, start: localInput(content.when.start, zone), end: localInput(content.when.end, zone) };
}

/** Choices every selected conflict allows (what a bulk decision may offer). */
export function commonChoices(conflicts: readonly Pick<ConflictView, 'choices'>[]): ConflictChoice[] {
  if (conflicts.length === 0) return [];
  // A bulk merge would apply one field split to different reservations; offer keep only.
  // Nor can one new time fit different double bookings: moving is decided one at a time.
  return allowedChoices(conflicts[0]!).filter(
    (c) => c !== 'merge' && c !== 'move' && conflicts.every((x) => x.choices.includes(c)),
  );
}

/** "Keep booking, chosen by kari: reason" — what a pending decision says. */
export function pendingSummary(conflict: Pick<ConflictView, 'decision' | 'booking' | 'calendar'>): string | null {
  const d = conflict.decision;
  if (!d) return null;
  let what: string = CHOICE_LABELS[d.choice] ?? d.choice;
  if (d.choice === 'merge' && d.merge) {
    const side = (s: Side) => (s === 'booking' ? 'booking' : 'Outlook');
    what = `Merge (times from ${side(d.merge.times)}, title from ${side(d.merge.title)}, details from ${side(d.merge.details)})`;
  }
  if (d.choice === 'move' && d.move) {
    const moved = d.move.side === 'booking' ? 'the booking-system reservation' : 'the Outlook meeting';
    const when = formatWhen({ kind: 'timed', start: d.move.start, end: d.move.end }, conflictZone(conflict));
    what = `Keep both, moving ${moved} to ${when}`;
  }
  return `${what}, chosen by ${d.by}${d.reason ? `: “${d.reason}”` : ''}`;
}
