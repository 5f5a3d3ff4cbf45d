import { wallClock } from './roomcalendar';
import type {
  ConflictChoice,
  ConflictView,
  DecisionRequest,
  FieldOwnership,
  HistoryKind,
  MoveRequest,
  Side,
  StepPreview,
} from '../backend/types';
import { t } from '../i18n/index.svelte';
import { formatWhen } from './conflicts';
import { historyPhrase, humanise } from './format';

/** The order choices are offered in. */
const ORDER: ConflictChoice[] = ['keep_booking', 'keep_calendar', 'merge', 'move'];

/** A choice's button label; a choice a newer backend added shows in words, never as a code. */
export function choiceLabel(choice: ConflictChoice | string): string {
  return (ORDER as readonly string[]).includes(choice)
    ? t(`conflicts.choice_${choice as ConflictChoice}`)
    : humanise(choice);
}

/** Exactly the choices the conflict allows, in a stable order; unknown names are dropped. */
export function allowedChoices(conflict: Pick<ConflictView, 'choices'>): ConflictChoice[] {
  return ORDER.filter((c) => conflict.choices.includes(c));
}

/** The field groups a merge picks a side for (named by `conflicts.merge_group_<key>`). */
export const MERGE_GROUPS = ['times', 'title', 'details'] as const satisfies readonly (keyof FieldOwnership)[];

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
  return wallClock(iso, timeZone);
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

/** The quotation marks a reason may be typed in, each opening mark with its closing one. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '«': '»', '„': '“', '‚': '‘' };

/**
 * `text` without the quotation marks around the whole of it, so a reason typed in quotes is not
 * shown in doubled quotes. Quotes inside (`"A" or "B"`) stay as they are.
 */
export function unquote(text: string): string {
  const s = text.trim();
  const close = QUOTES[s[0] ?? ''];
  if (s.length < 2 || !close || !s.endsWith(close)) return s;
  const inner = s.slice(1, -1);
  return inner.includes(s[0]!) || inner.includes(close) ? s : inner.trim();
}

/** "Keep booking, chosen by kari: “reason”": what a pending decision says, in words. */
export function pendingSummary(conflict: Pick<ConflictView, 'decision' | 'booking' | 'calendar'>): string | null {
  const d = conflict.decision;
  if (!d) return null;
  let what = choiceLabel(d.choice);
  if (d.choice === 'merge' && d.merge) {
    const from = (s: Side) => t(`conflicts.merge_from_${s}`);
    what = t('conflicts.pending_merge', {
      times: from(d.merge.times),
      title: from(d.merge.title),
      details: from(d.merge.details),
    });
  }
  if (d.choice === 'move' && d.move) {
    const when = formatWhen({ kind: 'timed', start: d.move.start, end: d.move.end }, conflictZone(conflict));
    what = t(`conflicts.pending_move_${d.move.side}`, { when });
  }
  const reason = unquote(d.reason);
  return reason
    ? t('conflicts.pending_reason', { choice: what, by: d.by, reason })
    : t('conflicts.pending', { choice: what, by: d.by });
}

/** The history kinds a decision's step can be, each with its own sentence. */
const STEP_ACTIONS = [
  'create_event',
  'update_event',
  'delete_event',
  'cancel_event',
  'decline_event',
  'create_series',
  'update_series',
  'move_event',
  'move_reservation',
  'skip_occurrence',
  'detach_occurrence',
  'create_reservation',
  'update_reservation',
  'cancel_reservation',
] as const satisfies readonly HistoryKind[];
type StepAction = (typeof STEP_ACTIONS)[number];

/** One step of a decision in a sentence: where, what, on which reservation or meeting. */
export function stepSentence(step: Pick<StepPreview, 'action' | 'title'>): string {
  const title = unquote(step.title) || t('conflicts.untitled');
  return (STEP_ACTIONS as readonly string[]).includes(step.action)
    ? t(`conflicts.step_${step.action as StepAction}`, { title })
    : `${historyPhrase(step.action)}: ${title}`;
}

/** Who a step's message goes to, in words. */
export function stepAudience(step: Pick<StepPreview, 'action' | 'told'>): string | null {
  switch (step.action) {
    case 'decline_event':
      return step.told ? t('conflicts.told_organiser_named', { name: step.told }) : t('conflicts.told_organiser');
    case 'cancel_event':
      return t('conflicts.told_attendees');
    case 'cancel_reservation':
      return t('conflicts.told_booking_note');
    default:
      return null;
  }
}
